from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from aftersales.accounts.models import Role, User
from aftersales.notifications.models import Channel
from aftersales.notifications.services import outbox_enqueue
from aftersales.service.models import ServiceSettings, WorkOrder

from .models import Callback


@transaction.atomic
def callback_create_for_order(*, order: WorkOrder, **_: Any) -> Callback:
    """Hook on 'work order closed': a callback falls due; the supervisors are told."""
    hours = ServiceSettings.get().callback_due_hours
    due = (order.closed_at or timezone.now()) + timedelta(hours=hours)
    callback, created = Callback.objects.get_or_create(order=order, defaults={"due_at": due})
    if created:
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
