from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
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
from aftersales.core.jobs import job_start
from aftersales.core.models import BackgroundJob
from aftersales.customers.models import Customer
from aftersales.notifications.models import Channel, MessageTemplate
from aftersales.notifications.services import outbox_enqueue
from aftersales.service.models import ServiceSettings, WorkOrder
from aftersales.service.selectors import work_orders_for_user
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
    SurveyAnswer,
    SurveyForm,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from .selectors import (
    is_supervision_head,
    may_record_mystery,
    mystery_inspector_aliases_for_user,
)

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
    (
        "survey_invitation",
        Channel.EMAIL,
        "zh-hans",
        "工单 {number} 服务评价",
        "您好！\n\n工单 {number} 已完成。请通过以下链接对本次服务作出评价"
        "（{days} 天内有效，仅可提交一次）：\n{link}\n\n感谢您的支持。",
    ),
    (
        "survey_invitation",
        Channel.EMAIL,
        "en",
        "Please rate our service on order {number}",
        "Hello,\n\nOrder {number} is done. Please rate our service through this link "
        "(valid {days} days, one answer):\n{link}\n\nThank you.",
    ),
    (
        "survey_campaign",
        Channel.SMS,
        "zh-hans",
        "",
        "【售后服务】{title}：诚邀您参与（{days} 天内有效，仅可提交一次）：{link}",
    ),
    (
        "survey_campaign",
        Channel.SMS,
        "en",
        "",
        "[Aftersales] {title}: please take part (valid {days} days, one answer): {link}",
    ),
    (
        "survey_campaign",
        Channel.EMAIL,
        "zh-hans",
        "{title}",
        "您好！\n\n诚邀您参与{title}（{days} 天内有效，仅可提交一次）：\n{link}\n\n感谢您的支持。",
    ),
    (
        "survey_campaign",
        Channel.EMAIL,
        "en",
        "{title}",
        "Hello,\n\nPlease take part in our {title} (valid {days} days, one answer):\n{link}"
        "\n\nThank you.",
    ),
]

# The SPEC's survey forms (S11), seeded once and then edited by supervision in the admin.
# code, kind, (title zh, en), [((question zh, en), kind)]
SURVEY_FORMS: list[tuple[str, str, tuple[str, str], list[tuple[tuple[str, str], str]]]] = [
    (
        "technician-rating",
        SurveyForm.Kind.TECHNICIAN,
        ("服务工程师评价", "Rating of the service engineer"),
        [
            (("服务态度", "Attitude"), SurveyQuestion.Kind.GRADE),
            (("技术水平", "Technical skill"), SurveyQuestion.Kind.GRADE),
            (("到达时间", "Arrival on time"), SurveyQuestion.Kind.GRADE),
            (("履行承诺", "Kept promises"), SurveyQuestion.Kind.GRADE),
        ],
    ),
    (
        "annual-satisfaction",
        SurveyForm.Kind.ANNUAL,
        ("年度客户满意度调查（十月）", "Annual customer satisfaction survey (October)"),
        [
            (("产品质量", "Product quality"), SurveyQuestion.Kind.GRADE),
            (("服务及时性", "Timeliness of service"), SurveyQuestion.Kind.GRADE),
            (("维修质量", "Repair quality"), SurveyQuestion.Kind.GRADE),
            (("服务态度", "Service attitude"), SurveyQuestion.Kind.GRADE),
            (("总体满意度", "Overall satisfaction"), SurveyQuestion.Kind.GRADE),
            (("您对我们的意见和建议", "Your comments and suggestions"), SurveyQuestion.Kind.TEXT),
        ],
    ),
    (
        "opinion-card",
        SurveyForm.Kind.OPINION_CARD,
        ("客户意见卡", "Customer opinion card"),
        [
            (("总体满意度", "Overall satisfaction"), SurveyQuestion.Kind.GRADE),
            (("意见", "Comments"), SurveyQuestion.Kind.TEXT),
        ],
    ),
]


def seed_supervision_defaults() -> None:
    SupervisionSettings.get()
    for code, kind, (title, title_en), questions in SURVEY_FORMS:
        form, created = SurveyForm.objects.get_or_create(
            code=code, defaults={"kind": kind, "title": title, "title_en": title_en}
        )
        if created:
            SurveyQuestion.objects.bulk_create(
                SurveyQuestion(
                    form=form,
                    position=i,
                    text=text,
                    text_en=text_en,
                    kind=q_kind,
                    required=q_kind == SurveyQuestion.Kind.GRADE,
                )
                for i, ((text, text_en), q_kind) in enumerate(questions, start=1)
            )
            continue
        # Forms seeded before the English texts existed get them, where nobody wrote one and
        # the Chinese is still the seeded text; an administrator's own wording stays.
        SurveyForm.objects.filter(pk=form.pk, title=title, title_en="").update(title_en=title_en)
        for (text, text_en), _kind in questions:
            form.questions.filter(text=text, text_en="").update(text_en=text_en)
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


def _survey_address(mobile: str, email: str) -> tuple[str, str] | None:
    """SMS when there is a mobile number, else email, else nothing to send."""
    if mobile:
        return Channel.SMS, mobile
    if email:
        return Channel.EMAIL, email
    return None


def _invite(
    *,
    template_code: str,
    address: tuple[str, str],
    cause: str,
    params: dict[str, Any],
    **fields: Any,
) -> tuple[SurveyInvitation, str]:
    config = SupervisionSettings.get()
    token = new_survey_token()
    channel, to = address
    invitation = SurveyInvitation.objects.create(
        token_hash=hash_token(token),
        channel=channel,
        sent_to=to,
        expires_at=timezone.now() + timedelta(days=config.survey_valid_days),
        **fields,
    )
    outbox_enqueue(
        template_code=template_code,
        channel=channel,
        cause=cause,
        params={**params, "days": config.survey_valid_days, "link": survey_link(token)},
        to=to,
    )
    return invitation, token


@transaction.atomic
def survey_invitation_create(*, order: WorkOrder) -> tuple[SurveyInvitation, str] | None:
    """Create a single-use invitation for `order` and queue the SMS (or, without a mobile
    number, the email) with its link. Returns the invitation and the token (which is not stored:
    only its hash is), or None when the customer can be reached neither way."""
    email = ""
    if not order.contact_mobile and order.customer is not None:
        email = next((c.email for c in order.customer.contacts.all() if c.email), "")
    address = _survey_address(order.contact_mobile, email)
    if address is None:
        return None
    return _invite(
        template_code="survey_invitation",
        address=address,
        cause=f"work_order:{order.pk}",
        params={"number": order.number},
        order=order,
    )


def _require_campaign_form(form: SurveyForm) -> None:
    if not form.active or form.kind == SurveyForm.Kind.TECHNICIAN:
        raise ValidationFailed(_("只能发送已启用的年度调查或意见卡"))


@transaction.atomic
def survey_campaign_send(*, actor: Any, form: SurveyForm, customers: Any) -> int:
    """Send `form` (the annual survey, an opinion card) to each customer that can be reached,
    skipping those who already hold an open invitation to it. Returns how many were invited."""
    _require_supervision(actor)
    _require_campaign_form(form)
    now = timezone.now()
    batch = list(customers.prefetch_related("contacts"))
    already = set(
        SurveyInvitation.objects.filter(
            form=form, used_at__isnull=True, expires_at__gt=now, customer__in=batch
        ).values_list("customer_id", flat=True)
    )
    sent = 0
    for customer in batch:
        contacts = list(customer.contacts.all())  # primary contact first (Contact.Meta)
        address = _survey_address(
            next((c.mobile for c in contacts if c.mobile), ""),
            next((c.email for c in contacts if c.email), ""),
        )
        if address is None or customer.pk in already:
            continue
        _invite(
            template_code="survey_campaign",
            address=address,
            cause=f"survey_form:{form.pk}",
            params={"title": form.title},
            form=form,
            customer=customer,
        )
        sent += 1
    return sent


CAMPAIGN_JOB = "survey_campaign"
CAMPAIGN_BATCH = 200


def survey_campaign_start(*, actor: Any, form: SurveyForm, return_url: str = "") -> BackgroundJob:
    """Send `form` to every customer in the background (tens of thousands of messages do not
    fit in a request). Refused at once, with nothing written, for a user or form that
    `survey_campaign_send` would refuse, and while the same form is already being sent."""
    _require_supervision(actor)
    with transaction.atomic():
        locked = SurveyForm.objects.select_for_update().get(pk=form.pk)
        _require_campaign_form(locked)
        return job_start(
            kind=CAMPAIGN_JOB,
            actor=actor,
            params={"form": locked.pk},
            key=f"survey_form:{locked.pk}",
            return_url=return_url,
        )


def survey_campaign_run(job: BackgroundJob, report: Any) -> dict[str, Any]:
    """The job: customers in batches, each batch its own transaction, so progress shows and a
    failure keeps what was sent (a second run skips the customers already invited)."""
    form = SurveyForm.objects.get(pk=job.params["form"])
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    report(0, len(ids))
    sent = 0
    for start in range(0, len(ids), CAMPAIGN_BATCH):
        chunk = ids[start : start + CAMPAIGN_BATCH]
        sent += survey_campaign_send(
            actor=job.created_by, form=form, customers=Customer.objects.filter(pk__in=chunk)
        )
        report(start + len(chunk))
    return {"sent": sent, "customers": len(ids), "form": form.pk, "title": form.title}


def survey_campaign_summary(result: dict[str, Any]) -> str:
    # The title in the reader's language, as the form has it now (or as it was, if deleted).
    form = SurveyForm.objects.filter(pk=result.get("form") or 0).first()
    return _("“%(form)s”已向 %(n)s 位客户发送调查邀请（共 %(total)s 位客户）") % {
        "form": form.shown_title if form else result.get("title", ""),
        "n": result.get("sent", 0),
        "total": result.get("customers", 0),
    }


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


@dataclass(frozen=True)
class SurveySlot:
    """One answer the survey page asks for: a question, for a technician in a rating form."""

    form: SurveyForm
    question: SurveyQuestion
    technician: Any = None

    @property
    def key(self) -> str:
        suffix = f"_t{self.technician.pk}" if self.technician is not None else ""
        return f"q{self.question.pk}{suffix}"


def survey_slots(invitation: SurveyInvitation) -> list[SurveySlot]:
    """What the invitation's page asks beyond the three items: a form's questions, or after a
    job each active technician rating's questions once per technician of the order."""
    technicians: list[Any]
    if invitation.form is not None:
        forms, technicians = [invitation.form], [None]
    elif invitation.order is not None:
        forms = list(SurveyForm.objects.filter(kind=SurveyForm.Kind.TECHNICIAN, active=True))
        technicians = list(invitation.order.technicians.select_related("user").order_by("pk"))
    else:
        return []
    questions = {
        form.pk: list(form.questions.all())
        for form in SurveyForm.objects.filter(pk__in=[f.pk for f in forms]).prefetch_related(
            "questions"
        )
    }
    return [
        SurveySlot(form=form, question=question, technician=technician)
        for form in forms
        for technician in technicians
        for question in questions.get(form.pk, [])
    ]


MAX_ANSWER = 2000


def _clean_answers(
    slots: list[SurveySlot], answers: dict[str, Any]
) -> list[tuple[SurveySlot, str]]:
    cleaned = []
    for slot in slots:
        value = str(answers.get(slot.key) or "").strip()
        if slot.question.kind == SurveyQuestion.Kind.GRADE:
            value = value.upper()
            if value and value not in GRADES:
                raise ValidationFailed(_("请选择 A–E 的评价"), field=slot.key)
        if slot.question.required and not value:
            raise ValidationFailed(
                _("请回答：%(question)s") % {"question": slot.question.text}, field=slot.key
            )
        cleaned.append((slot, value[:MAX_ANSWER]))
    return cleaned


def _answers_record(
    *, cleaned: list[tuple[SurveySlot, str]], invitation: SurveyInvitation
) -> list[SurveyResponse]:
    responses: dict[int, SurveyResponse] = {}
    rows = []
    for slot, value in cleaned:
        if slot.form.pk not in responses:
            responses[slot.form.pk] = SurveyResponse.objects.create(
                form=slot.form,
                invitation=invitation,
                order=invitation.order,
                customer=invitation.customer
                or (invitation.order.customer if invitation.order else None),
            )
        is_grade = slot.question.kind == SurveyQuestion.Kind.GRADE
        rows.append(
            SurveyAnswer(
                response=responses[slot.form.pk],
                question=slot.question,
                technician=slot.technician,
                grade=value if is_grade else "",
                text="" if is_grade else value,
            )
        )
    SurveyAnswer.objects.bulk_create(rows)
    return list(responses.values())


def _use_invitation(invitation: SurveyInvitation) -> None:
    # Guarded update: of two concurrent submits, only one finds the invitation unused.
    now = timezone.now()
    taken = SurveyInvitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if taken != 1:
        raise SurveyUnavailable(_("此调查已提交，感谢您的评价"), gone=True)


@transaction.atomic
def survey_submit(
    *, token: str, comments: str = "", answers: dict[str, Any] | None = None, **grades: Any
) -> FeedbackForm:
    """The customer's answer after a job: writes the feedback form (and the technician ratings)
    and uses up the invitation, once."""
    invitation = survey_invitation_for_token(token)
    return _survey_answer(invitation, comments=comments, answers=answers or {}, grades=grades)


def survey_invitation_open_for_order(order: WorkOrder) -> SurveyInvitation | None:
    """The order's newest invitation when unused and unexpired: what the portal lets its
    customer answer while signed in (the link's token is not stored, so the portal goes by the
    order)."""
    # The newest invitation only: once it is answered, older ones of the order are not offered.
    latest = (
        SurveyInvitation.objects.select_related("order")
        .filter(order=order)
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is None or latest.used_at is not None or latest.expires_at <= timezone.now():
        return None
    return latest


@transaction.atomic
def survey_submit_by_customer(
    *,
    actor: Any,
    order: WorkOrder,
    comments: str = "",
    answers: dict[str, Any] | None = None,
    **grades: Any,
) -> FeedbackForm:
    """The same answer given on the portal by the signed-in customer who owns the order."""
    if not (roles.is_customer(actor) and order.customer and order.customer.user_id == actor.pk):
        raise PermissionDenied(_("只有该工单的客户可以评价"))
    invitation = survey_invitation_open_for_order(order)
    if invitation is None:
        raise SurveyUnavailable(_("此调查已提交，感谢您的评价"), gone=True)
    return _survey_answer(invitation, comments=comments, answers=answers or {}, grades=grades)


def _survey_answer(
    invitation: SurveyInvitation, *, comments: str, answers: dict[str, Any], grades: dict
) -> FeedbackForm:
    if invitation.order is None:
        raise SurveyUnavailable(_("调查链接无效，请核对短信中的链接"), gone=False)
    cleaned = _clean_grades(grades)
    rated = _clean_answers(survey_slots(invitation), answers)
    _use_invitation(invitation)
    _answers_record(cleaned=rated, invitation=invitation)
    return _feedback_record(
        order=invitation.order,
        source=FeedbackForm.Source.SURVEY,
        grades=cleaned,
        comments=comments,
        invitation=invitation,
    )


@transaction.atomic
def survey_form_submit(*, token: str, answers: dict[str, Any]) -> SurveyResponse:
    """The customer's answer to a survey form (the annual survey, an opinion card)."""
    invitation = survey_invitation_for_token(token)
    if invitation.form is None:
        raise SurveyUnavailable(_("调查链接无效，请核对短信中的链接"), gone=False)
    cleaned = _clean_answers(survey_slots(invitation), answers)
    _use_invitation(invitation)
    recorded = _answers_record(cleaned=cleaned, invitation=invitation)
    if recorded:
        return recorded[0]
    # A form whose questions were all removed: the response still counts as answered.
    return SurveyResponse.objects.create(
        form=invitation.form, invitation=invitation, customer=invitation.customer
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


def mystery_report_sources(
    *, actor: Any, order_number: str = "", inspector_alias: str = ""
) -> tuple[WorkOrder | None, MysteryInspector | None]:
    """Resolve what the page or the API names: the order by its number (among the orders the
    supervisor may see) and the inspector by an active alias. Blank means none. Asks who is
    recording first, so a director is told that, not that the alias is unknown to them."""
    _require_mystery_recorder(actor)
    number = (order_number or "").strip()
    order = None
    if number:
        order = work_orders_for_user(actor).filter(number=number).first()
        if order is None:
            raise ValidationFailed(_("找不到工单 %(number)s") % {"number": number}, field="order")
    alias = (inspector_alias or "").strip()
    inspector = None
    if alias:
        inspector = mystery_inspector_aliases_for_user(actor).filter(alias=alias).first()
        if inspector is None:
            raise ValidationFailed(_("请选择在岗的秘密监察员"), field="inspector")
    return order, inspector


def _require_mystery_recorder(actor: Any) -> None:
    if not may_record_mystery(actor):
        raise PermissionDenied(_("秘密监察记录须由监督员登记"))


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
    _require_mystery_recorder(actor)
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
