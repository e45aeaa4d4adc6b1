from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import roles
from aftersales.accounts.models import Role, User
from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.notifications.models import Channel
from aftersales.notifications.services import outbox_enqueue
from aftersales.service.models import ServiceSettings, WorkOrder
from aftersales.service.services import work_order_transition

from .models import Callback


@transaction.atomic
def callback_create_for_order(*, order: WorkOrder, **_: Any) -> Callback:
    """Hook on 'work order closed': a callback falls due; the supervisors are told."""
    hours = ServiceSettings.get().callback_due_hours
    due = (order.closed_at or timezone.now()) + timedelta(hours=hours)
    # One callback per closing: an order reopened and closed again gets a new one, while a
    # repeated hook call for the same closing finds the callback still due.
    callback = Callback.objects.filter(order=order, status=Callback.Status.DUE).first()
    if callback is None:
        callback = Callback.objects.create(order=order, due_at=due)
        for user in User.objects.filter(role=Role.SUPERVISOR, is_active=True):
            outbox_enqueue(
                template_code="callback_due",
                channel=Channel.IN_APP,
                cause=f"work_order:{order.pk}",
                params={
                    "number": order.number,
                    "deadline": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
                },
                recipient_user=user,
            )
    return callback


@transaction.atomic
def callback_complete(*, callback: Callback, actor: Any, notes: str) -> Callback:
    """Record a callback call (回访) and move its order to `followed_up`. Only the supervision
    department (and an administrator) calls back: it is independent of the people it checks."""
    if not roles.has_role(actor, Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(_("回访须由监督部门登记"))
    notes = (notes or "").strip()
    if not notes:
        raise ValidationFailed(_("请填写回访记录：客户意见和满意情况"), field="notes")
    # Lock the callback so two supervisors completing it at once record it once.
    locked = Callback.objects.select_for_update().select_related("order").get(pk=callback.pk)
    if locked.status == Callback.Status.DONE:
        raise InvalidTransition(
            _("工单 %(number)s 的回访已于 %(at)s 完成")
            % {
                "number": locked.order.number,
                "at": timezone.localtime(locked.done_at).strftime("%Y-%m-%d %H:%M")
                if locked.done_at
                else "-",
            }
        )
    locked.status = Callback.Status.DONE
    locked.done_at = timezone.now()
    locked.done_by = actor
    locked.notes = notes
    locked.save(update_fields=["status", "done_at", "done_by", "notes"])
    work_order_transition(
        order=locked.order, action="follow_up", actor=actor, internal=True, reason=notes
    )
    return locked
