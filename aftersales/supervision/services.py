from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import roles
from aftersales.accounts.models import Role, User
from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.notifications.models import Channel, MessageTemplate
from aftersales.notifications.services import outbox_enqueue
from aftersales.service.models import ServiceSettings, WorkOrder
from aftersales.service.services import work_order_transition

from .models import (
    Callback,
    CustomerVisit,
    FeedbackForm,
    Grade,
    MysteryInspection,
    MysteryInspector,
    Suggestion,
    SupervisionSettings,
    SurveyInvitation,
)
from .selectors import is_supervision_head

GRADES = frozenset(Grade.values)
ITEMS = ("timeliness", "quality", "attitude")

SURVEY_TEMPLATES: list[tuple[str, str, str, str, str]] = [
    (
        "survey_invitation",
        Channel.SMS,
        "zh-hans",
        "",
        "【售后服务】工单 {number} 已完成，请您对本次服务评价"
        "（{days} 天内有效，仅可提交一次）：{link}",
    ),
    (
        "survey_invitation",
        Channel.SMS,
        "en",
        "",
        "[Aftersales] Order {number} is done. Please rate our service "
        "(valid {days} days, one answer): {link}",
    ),
]


def seed_supervision_defaults() -> None:
    SupervisionSettings.get()
    for code, channel, language, subject, body in SURVEY_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=code,
            channel=channel,
            language=language,
            defaults={"subject": subject, "body": body},
        )


# --- survey tokens ----------------------------------------------------------------------------


def new_survey_token() -> str:
    """256 random bits from the OS generator, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def survey_link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("survey:answer", args=[token])


@transaction.atomic
def survey_invitation_create(*, order: WorkOrder) -> tuple[SurveyInvitation, str]:
    """Create a single-use invitation for `order` and queue the SMS with its link. Returns the
    invitation and the token (which is not stored: only its hash is)."""
    config = SupervisionSettings.get()
    token = new_survey_token()
    invitation = SurveyInvitation.objects.create(
        order=order,
        token_hash=hash_token(token),
        sent_to=order.contact_mobile,
        expires_at=timezone.now() + timedelta(days=config.survey_valid_days),
    )
    if order.contact_mobile:
        outbox_enqueue(
            template_code="survey_invitation",
            channel=Channel.SMS,
            cause=f"work_order:{order.pk}",
            params={
                "number": order.number,
                "days": config.survey_valid_days,
                "link": survey_link(token),
            },
            to=order.contact_mobile,
        )
    return invitation, token


class SurveyUnavailable(InvalidTransition):
    """The token is unknown (`gone=False`, 404) or used/expired (`gone=True`, 410)."""

    def __init__(self, message: str, *, gone: bool) -> None:
        super().__init__(message)
        self.gone = gone


def survey_invitation_for_token(token: str) -> SurveyInvitation:
    """The open invitation of `token`; raises SurveyUnavailable otherwise."""
    invitation = (
        SurveyInvitation.objects.select_related("order")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    if invitation is None:
        raise SurveyUnavailable(_("调查链接无效，请核对短信中的链接"), gone=False)
    if invitation.used_at is not None:
        raise SurveyUnavailable(_("此调查已提交，感谢您的评价"), gone=True)
    if invitation.expires_at <= timezone.now():
        raise SurveyUnavailable(_("此调查链接已过期"), gone=True)
    return invitation


def _clean_grades(grades: dict[str, Any]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for item in ITEMS:
        value = (grades.get(item) or "").strip().upper()
        if value not in GRADES:
            raise ValidationFailed(_("请为每一项选择 A–E 的评价"), field=item)
        cleaned[item] = value
    return cleaned


def _feedback_record(
    *,
    order: WorkOrder,
    source: str,
    grades: dict[str, str],
    comments: str,
    actor: Any = None,
    callback: Callback | None = None,
    invitation: SurveyInvitation | None = None,
) -> FeedbackForm:
    """Write a form; the order's first form is the counted one (S12). Must run in a transaction:
    the order row is locked so two first forms cannot both count."""
    WorkOrder.objects.select_for_update(of=("self",)).filter(pk=order.pk).first()
    counted = not FeedbackForm.objects.filter(order=order, counted=True).exists()
    values = {
        "order": order,
        "source": source,
        "callback": callback,
        "invitation": invitation,
        "comments": (comments or "").strip(),
        "created_by": actor,
        **grades,
    }
    try:
        with transaction.atomic():
            return FeedbackForm.objects.create(counted=counted, **values)
    except IntegrityError:
        # Another form counted first (SQLite has no row lock): keep this one, not counted.
        return FeedbackForm.objects.create(counted=False, **values)


@transaction.atomic
def survey_submit(*, token: str, comments: str = "", **grades: Any) -> FeedbackForm:
    """The customer's answer: writes the feedback form and uses up the invitation, once."""
    invitation = survey_invitation_for_token(token)
    cleaned = _clean_grades(grades)
    # Guarded update: of two concurrent submits, only one finds the invitation unused.
    now = timezone.now()
    taken = SurveyInvitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if taken != 1:
        raise SurveyUnavailable(_("此调查已提交，感谢您的评价"), gone=True)
    return _feedback_record(
        order=invitation.order,
        source=FeedbackForm.Source.SURVEY,
        grades=cleaned,
        comments=comments,
        invitation=invitation,
    )


@transaction.atomic
def feedback_verify(*, form: FeedbackForm, actor: Any) -> FeedbackForm:
    """Supervision confirms a form (only verified forms count in the assessment)."""
    if not roles.has_role(actor, Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(_("意见反馈表须由监督部门核实"))
    updated = FeedbackForm.objects.filter(pk=form.pk, verified=False).update(
        verified=True, verified_by=actor, verified_at=timezone.now()
    )
    if updated != 1:
        raise InvalidTransition(_("该意见反馈表已核实"))
    form.refresh_from_db()
    return form


# --- callbacks --------------------------------------------------------------------------------


@transaction.atomic
def callback_create_for_order(*, order: WorkOrder, **_: Any) -> Callback:
    """Hook on 'work order closed': a callback falls due; the supervisors are told; the customer
    receives a survey link."""
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
        if order.contact_mobile:
            survey_invitation_create(order=order)
    return callback


@transaction.atomic
def callback_complete(
    *,
    callback: Callback,
    actor: Any,
    notes: str,
    timeliness: str | None = None,
    quality: str | None = None,
    attitude: str | None = None,
) -> Callback:
    """Record a callback call (回访) and move its order to `followed_up`. Only the supervision
    department (and an administrator) calls back: it is independent of the people it checks.
    With grades, the call's feedback form (意见反馈表) is recorded too."""
    if not roles.has_role(actor, Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(_("回访须由监督部门登记"))
    notes = (notes or "").strip()
    if not notes:
        raise ValidationFailed(_("请填写回访记录：客户意见和满意情况"), field="notes")
    raw = {"timeliness": timeliness, "quality": quality, "attitude": attitude}
    grades = _clean_grades(raw) if any(raw.values()) else None
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
    if grades is not None:
        _feedback_record(
            order=locked.order,
            source=FeedbackForm.Source.CALLBACK,
            grades=grades,
            comments=notes,
            actor=actor,
            callback=locked,
        )
    return locked


# --- visits and suggestions -------------------------------------------------------------------


def _require_supervision(actor: Any) -> None:
    if not roles.has_role(actor, Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(_("须由监督部门登记"))


@transaction.atomic
def visit_plan(
    *,
    actor: Any,
    kind: str,
    planned_date: date,
    customer: Any = None,
    attendees: str = "",
) -> CustomerVisit:
    """Plan a key-customer visit (the customer is required) or a customer forum."""
    _require_supervision(actor)
    if kind not in CustomerVisit.Kind.values:
        raise ValidationFailed(_("请选择走访类型"), field="kind")
    if kind == CustomerVisit.Kind.KEY_CUSTOMER and customer is None:
        raise ValidationFailed(_("请选择要走访的客户"), field="customer")
    return CustomerVisit.objects.create(
        kind=kind,
        customer=customer,
        planned_date=planned_date,
        attendees=(attendees or "").strip(),
        created_by=actor,
    )


@transaction.atomic
def visit_record(
    *, visit: CustomerVisit, actor: Any, findings: str, attendees: str = "", cancel: bool = False
) -> CustomerVisit:
    """Record a planned visit as done (with its findings) or cancel it."""
    _require_supervision(actor)
    locked = CustomerVisit.objects.select_for_update().get(pk=visit.pk)
    if locked.status != CustomerVisit.Status.PLANNED:
        raise InvalidTransition(_("该走访已登记"))
    findings = (findings or "").strip()
    if not cancel and not findings:
        raise ValidationFailed(_("请填写走访记录"), field="findings")
    locked.status = CustomerVisit.Status.CANCELLED if cancel else CustomerVisit.Status.DONE
    locked.findings = findings
    if attendees.strip():
        locked.attendees = attendees.strip()
    locked.done_at = timezone.now()
    locked.save(update_fields=["status", "findings", "attendees", "done_at"])
    return locked


MAX_SUGGESTION = 2000


@transaction.atomic
def suggestion_submit(
    *,
    text: str,
    name: str = "",
    contact: str = "",
    actor: Any = None,
    received_at: Any = None,
) -> Suggestion:
    """A suggestion: from the public page (no actor) or typed in from paper by supervision."""
    if actor is not None:
        _require_supervision(actor)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("请填写意见"), field="text")
    return Suggestion.objects.create(
        text=text[:MAX_SUGGESTION],
        name=(name or "").strip()[:60],
        contact=(contact or "").strip()[:60],
        channel=Suggestion.Channel.PAPER if actor is not None else Suggestion.Channel.PUBLIC,
        received_at=received_at or timezone.now(),
        entered_by=actor,
    )


# --- mystery inspection -----------------------------------------------------------------------


def _require_head(actor: Any) -> None:
    if not is_supervision_head(actor):
        raise PermissionDenied(_("秘密监察员只能由监督部负责人委派"))


@transaction.atomic
def mystery_inspector_appoint(*, actor: Any, user: Any, alias: str) -> MysteryInspector:
    """Post an undisclosed inspector: a person who keeps working in the service department
    (the only exception to the separation rule), known to the head of supervision alone."""
    _require_head(actor)
    alias = (alias or "").strip()
    if not alias or len(alias) > 20:
        raise ValidationFailed(_("请填写代号（不超过 20 个字）"), field="alias")
    if user is None or not user.is_active:
        raise ValidationFailed(_("请选择在职人员"), field="user")
    if user.role in (Role.SUPERVISOR, Role.CUSTOMER) or user.is_superuser:
        raise ValidationFailed(
            _("秘密监察员须是在服务部门正常工作的人员，不能是监督员、客户或超级用户"),
            field="user",
        )
    if MysteryInspector.objects.filter(alias=alias).exists():
        raise ValidationFailed(_("代号“%(alias)s”已被使用") % {"alias": alias}, field="alias")
    existing = MysteryInspector.objects.select_for_update().filter(user=user).first()
    if existing is not None:
        if existing.active:
            raise ValidationFailed(_("此人已是秘密监察员（%(alias)s）") % {"alias": existing.alias})
        existing.alias, existing.active = alias, True
        existing.save(update_fields=["alias", "active"])
        return existing
    return MysteryInspector.objects.create(alias=alias, user=user)


@transaction.atomic
def mystery_inspector_withdraw(*, actor: Any, inspector: MysteryInspector) -> MysteryInspector:
    _require_head(actor)
    MysteryInspector.objects.filter(pk=inspector.pk).update(active=False)
    inspector.refresh_from_db()
    return inspector


@transaction.atomic
def mystery_inspection_record(
    *,
    actor: Any,
    date: date,
    checks: set[str] | frozenset[str],
    findings: str = "",
    order: WorkOrder | None = None,
    inspector: MysteryInspector | None = None,
) -> MysteryInspection:
    """A supervisor records an inspection against the "seven ones"; with `inspector` it was an
    undisclosed inspector's report (shown by alias)."""
    if not (actor and actor.is_authenticated and actor.role == Role.SUPERVISOR):
        raise PermissionDenied(_("秘密监察记录须由监督员登记"))
    known = {name for name, _label in MysteryInspection.CHECKLIST}
    unknown = set(checks) - known
    if unknown:
        raise ValidationFailed(_("未知的检查项：%(items)s") % {"items": ", ".join(sorted(unknown))})
    if date > timezone.localdate():
        raise ValidationFailed(_("检查日期不能晚于今天"), field="date")
    if inspector is not None and not inspector.active:
        raise ValidationFailed(_("该秘密监察员已撤回"), field="inspector")
    return MysteryInspection.objects.create(
        recorded_by=actor,
        inspector=inspector,
        date=date,
        order=order,
        findings=(findings or "").strip(),
        **{name: name in checks for name in known},
    )
