"""Every write of complaints: intake (with recurring detection) and the eight steps of S9 as one
state machine. A refusal raises a `ServiceError` and nothing changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import roles
from aftersales.accounts.models import Role, User
from aftersales.core.calendar import BusinessCalendar
from aftersales.core.dates import as_date
from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.core.numbering import next_number
from aftersales.core.phone import is_mobile, normalise_mobile
from aftersales.customers.models import Customer
from aftersales.notifications.models import Channel as MsgChannel
from aftersales.notifications.services import outbox_enqueue
from aftersales.products.models import FaultCode, Unit
from aftersales.service.models import WorkOrder

from . import similarity
from .models import (
    Category,
    Channel,
    Complaint,
    ComplaintLevel,
    ComplaintSettings,
    ComplaintTransition,
    ComplaintType,
    HandlingDepartment,
    ImprovementMeasure,
    Penalty,
    RoutingRule,
    ServiceAspect,
)

S = Complaint.Status
RECORDERS = (
    Role.AGENT,
    Role.SUPERVISOR,
    Role.SERVICE_DIRECTOR,
    Role.QUALITY_ENGINEER,
    Role.ADMIN,
)
# Cap on the earlier complaints compared word by word (the most recent of the same model).
SIMILARITY_CANDIDATES = 500

# action: (from states, to state). `reject` is step 2 for an invalid complaint: answered with
# the reason and closed at once.
COMPLAINT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({S.RECORDED}), S.JUDGED),
    "reject": (frozenset({S.RECORDED}), S.CLOSED),
    "assign": (frozenset({S.JUDGED}), S.ASSIGNED),
    "investigate": (frozenset({S.ASSIGNED}), S.INVESTIGATED),
    "propose": (frozenset({S.INVESTIGATED}), S.PROPOSED),
    "approve": (frozenset({S.PROPOSED}), S.APPROVED),
    "notify": (frozenset({S.APPROVED}), S.NOTIFIED),
    "penalise": (frozenset({S.NOTIFIED}), S.PENALISED),
    "improve": (frozenset({S.PENALISED}), S.IMPROVED),
    "close": (frozenset({S.IMPROVED}), S.CLOSED),
}
COMPLAINT_ACTION_LABELS: dict[str, Any] = {
    "accept": gettext_lazy("判定有效"),
    "reject": gettext_lazy("判定无效并答复"),
    "assign": gettext_lazy("分派"),
    "investigate": gettext_lazy("登记调查结果"),
    "propose": gettext_lazy("提出处理方案"),
    "approve": gettext_lazy("批准方案"),
    "notify": gettext_lazy("答复客户"),
    "penalise": gettext_lazy("登记处罚"),
    "improve": gettext_lazy("登记改进措施"),
    "close": gettext_lazy("关闭"),
}
# Who may take each step. Validity is judged by supervision, never by the department that the
# complaint is aimed at (S12 counts valid complaints against it).
ACTION_ROLES: dict[str, tuple[str, ...]] = {
    "accept": (Role.SUPERVISOR, Role.ADMIN),
    "reject": (Role.SUPERVISOR, Role.ADMIN),
    "assign": (Role.SUPERVISOR, Role.ADMIN),
    "investigate": (Role.QUALITY_ENGINEER, Role.SERVICE_DIRECTOR, Role.SUPERVISOR, Role.ADMIN),
    "propose": (Role.QUALITY_ENGINEER, Role.SERVICE_DIRECTOR, Role.SUPERVISOR, Role.ADMIN),
    "approve": (Role.SERVICE_DIRECTOR, Role.ADMIN),
    "notify": (Role.AGENT, Role.SUPERVISOR, Role.ADMIN),
    "penalise": (Role.SUPERVISOR, Role.ADMIN),
    "improve": (Role.QUALITY_ENGINEER, Role.SERVICE_DIRECTOR, Role.SUPERVISOR, Role.ADMIN),
    "close": (Role.SUPERVISOR, Role.ADMIN),
}

# Step 3 tells the routed department in-app. Only quality has its own role; the service
# department, logistics and top management have none in this system, so the service director
# (who runs the complaint handling) is told and forwards. The owner, when one is named, too.
DEPARTMENT_ROLES: dict[str, tuple[str, ...]] = {
    HandlingDepartment.QUALITY: (Role.QUALITY_ENGINEER,),
    HandlingDepartment.SERVICE: (Role.SERVICE_DIRECTOR,),
    HandlingDepartment.LOGISTICS: (Role.SERVICE_DIRECTOR,),
    HandlingDepartment.TOP_MANAGEMENT: (Role.SERVICE_DIRECTOR,),
}
# HR applies the penalties of step 7 (S10); the director and administrators may look on.
PENALTY_APPLIERS = (Role.HR, Role.ADMIN)


# Step 2 decides whether the complaint counts against someone (S12), so the person it names is
# never the one deciding, whatever their role.
JUDGING_ACTIONS = frozenset({"accept", "reject"})


def is_complained_against(complaint: Complaint, user: Any) -> bool:
    named = "".join(complaint.against_person.split())
    if not named:
        return False
    return named in {user.username, "".join(str(user).split())}


def may_record(user: Any) -> bool:
    return roles.has_role(user, *RECORDERS)


def complaint_action_allowed(user: Any, action: str) -> bool:
    return roles.has_role(user, *ACTION_ROLES.get(action, ()))


def complaint_available_actions(complaint: Complaint, user: Any) -> list[str]:
    return [
        action
        for action, (sources, _to) in COMPLAINT_TRANSITIONS.items()
        if complaint.status in sources and complaint_action_allowed(user, action)
    ]


@dataclass
class ComplaintData:
    type: str
    level: Any  # a ComplaintLevel, its id or its code
    channel: str
    complainant: str
    description: str
    contact: str = ""
    service_aspect: str = ""
    customer: Any = None
    unit: Any = None  # a Unit, its id or its serial
    fault_code: Any = None  # a FaultCode or its id (or its code, with a unit)
    work_order: Any = None  # a WorkOrder, its id or its number
    against_department: str = ""
    against_person: str = ""
    request: str = ""
    received_at: datetime | None = None


def _text(value: Any, field: str, label: Any, *, required: bool = False, limit: int = 0) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("请填写%(field)s") % {"field": label}, field=field)
    if limit and len(text) > limit:
        raise ValidationFailed(
            _("%(field)s不能超过 %(n)s 个字") % {"field": label, "n": limit}, field=field
        )
    return text


def _by_key(model: Any, value: Any, field: str, label: Any, *alt: str) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    qs = model.objects.all()
    obj = qs.filter(pk=value).first() if str(value).isdigit() else None
    for name in alt:
        obj = obj or qs.filter(**{name: str(value)}).first()
    if obj is None:
        raise ValidationFailed(
            _("找不到%(field)s“%(value)s”") % {"field": label, "value": value}, field=field
        )
    return obj


def _level(value: Any) -> ComplaintLevel:
    level = _by_key(ComplaintLevel, value, "level", _("投诉级别"), "code")
    if level is None:
        raise ValidationFailed(_("请选择投诉级别"), field="level")
    return level


def complaint_deadline(level: ComplaintLevel, received_at: datetime) -> datetime:
    return BusinessCalendar().add(
        received_at, timedelta(hours=level.hours), round_the_clock=level.round_the_clock
    )


def _clean(data: ComplaintData) -> dict[str, Any]:
    if data.type not in ComplaintType.values:
        raise ValidationFailed(_("请选择投诉类型"), field="type")
    if data.channel not in Channel.values:
        raise ValidationFailed(_("请选择投诉渠道"), field="channel")
    aspect = data.service_aspect or ""
    if aspect and (data.type != ComplaintType.SERVICE or aspect not in ServiceAspect.values):
        raise ValidationFailed(_("只有服务类投诉可以选择服务方面"), field="service_aspect")
    order = _by_key(WorkOrder, data.work_order, "work_order", _("工单"), "number")
    unit = _by_key(Unit, data.unit, "unit", _("设备"), "serial") or (order.unit if order else None)
    customer = _by_key(Customer, data.customer, "customer", _("客户"))
    customer = customer or (order.customer if order else None) or (unit.customer if unit else None)
    fault = data.fault_code
    if fault not in (None, "") and not isinstance(fault, FaultCode):
        qs = FaultCode.objects.all()
        found = qs.filter(pk=fault).first() if str(fault).isdigit() else None
        if found is None and unit is not None:
            found = qs.filter(model_id=unit.model_id, code=str(fault)).first()
        if found is None:
            raise ValidationFailed(
                _("找不到故障代码“%(value)s”") % {"value": fault}, field="fault_code"
            )
        fault = found
    fault = fault or (order.fault_code if order else None)
    model = unit.model if unit else (fault.model if fault else None)
    return {
        "type": data.type,
        "service_aspect": aspect,
        "level": _level(data.level),
        "channel": data.channel,
        "complainant": _text(data.complainant, "complainant", _("投诉人"), required=True, limit=60),
        "contact": _text(data.contact, "contact", _("联系方式"), limit=60),
        "description": _text(data.description, "description", _("投诉内容"), required=True),
        "request": _text(data.request, "request", _("客户要求")),
        "against_department": _text(
            data.against_department, "against_department", _("被投诉部门"), limit=60
        ),
        "against_person": _text(data.against_person, "against_person", _("被投诉人"), limit=60),
        "work_order": order,
        "unit": unit,
        "customer": customer,
        "fault_code": fault,
        "product_model": model,
        "outlet": order.outlet if order else None,
    }


def recurring_candidates(complaint: Complaint) -> list[Complaint]:
    """Earlier complaints within the configured window about the same problem: the same unit,
    the same model and fault code, or (same model) a description whose words overlap enough."""
    conf = ComplaintSettings.get()
    since = complaint.received_at - timedelta(days=conf.recurring_window_days)
    earlier = Complaint.objects.filter(
        received_at__gte=since, received_at__lte=complaint.received_at
    ).exclude(pk=complaint.pk)
    same = Q(pk__in=[])
    if complaint.unit_id:
        same |= Q(unit_id=complaint.unit_id)
    if complaint.product_model_id and complaint.fault_code_id:
        same |= Q(
            product_model_id=complaint.product_model_id, fault_code_id=complaint.fault_code_id
        )
    found = {c.pk: c for c in earlier.filter(same)}
    words = set(complaint.keywords.split())
    if complaint.product_model_id and words:
        threshold = float(conf.similarity_threshold)
        candidates = (
            earlier.filter(product_model_id=complaint.product_model_id)
            .exclude(pk__in=list(found))
            .exclude(keywords="")
            .only("pk", "keywords", "received_at", "number")
            .order_by("-received_at")[:SIMILARITY_CANDIDATES]
        )
        for other in candidates:
            if similarity.jaccard(words, set(other.keywords.split())) >= threshold:
                found[other.pk] = other
    return sorted(found.values(), key=lambda c: (c.received_at, c.pk))


@transaction.atomic
def complaint_record(*, actor: Any, data: ComplaintData) -> Complaint:
    """Step 1: record who complains, when, against whom and what they ask; the level gives the
    handling deadline; earlier complaints about the same problem are linked."""
    customer_filing = roles.is_customer(actor)
    if not may_record(actor) and not customer_filing:
        raise PermissionDenied(_("您的角色无权登记客户投诉"))
    values = _clean(data)
    if customer_filing:
        # A customer files for themselves, through the portal, about their own units only.
        own = getattr(actor, "customer", None)
        if own is None or data.channel != "portal":
            raise PermissionDenied(_("您的角色无权登记客户投诉"))
        values["customer"] = own
        unit = values.get("unit")
        if unit is not None and unit.customer_id != own.pk:
            raise PermissionDenied(_("您的角色无权登记客户投诉"))
        order = values.get("work_order")
        if order is not None and order.customer_id != own.pk:
            raise PermissionDenied(_("您的角色无权登记客户投诉"))
    now = timezone.now()
    received = data.received_at or now
    if received > now + timedelta(minutes=5):
        raise ValidationFailed(_("受理时间不能晚于现在"), field="received_at")
    complaint = Complaint(
        **values,
        received_at=received,
        deadline=complaint_deadline(values["level"], received),
        recorded_by=actor,
        keywords=" ".join(similarity.keywords(values["description"])),
    )
    earlier = recurring_candidates(complaint)
    complaint.is_recurring = bool(earlier)
    # Last in the transaction: the counter row stays locked only until our commit.
    complaint.number = next_number("CP")
    complaint.save()
    if earlier:
        complaint.recurring_of.set(earlier)
    ComplaintTransition.objects.create(
        complaint=complaint,
        action="record",
        from_status="",
        to_status=S.RECORDED,
        actor=actor,
        at=now,
        data={"recurring_of": [c.number for c in earlier]},
    )
    return complaint


def _money(value: Any, field: str, label: Any) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("%(field)s不是有效金额") % {"field": label}, field=field) from None
    if amount < 0 or not amount.is_finite():
        raise ValidationFailed(_("%(field)s不能为负数") % {"field": label}, field=field)
    return amount


def _penalties(raw: Any) -> list[dict[str, Any]]:
    rows = []
    for index, item in enumerate(raw or []):
        person = str(item.get("person") or "").strip()
        if not person and not any(item.get(k) for k in ("amount", "reason", "loss")):
            continue  # an empty row of the form
        if not person:
            raise ValidationFailed(
                _("第 %(n)s 条处罚：请填写被处罚人") % {"n": index + 1}, field="penalties"
            )
        reason = str(item.get("reason") or "").strip()
        if not reason:
            raise ValidationFailed(
                _("第 %(n)s 条处罚：请填写处罚原因") % {"n": index + 1}, field="penalties"
            )
        rows.append(
            {
                "person": person[:60],
                "amount": _money(item.get("amount"), "penalties", _("罚款金额")),
                "loss": _money(item.get("loss"), "penalties", _("造成损失")),
                "reason": reason,
                "unanswered": bool(item.get("unanswered")),
            }
        )
    return rows


def _step(
    locked: Complaint, action: str, actor: Any, reason: str, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Validate and store the data of one step; returns what the transition row records."""

    def need(name: str, label: Any) -> str:
        return _text(data.get(name), name, label, required=True)

    if action == "accept":
        locked.is_valid = True
        return {}
    if action == "reject":
        locked.is_valid = False
        locked.answer = reason or str(data.get("answer") or "").strip()
        if not locked.answer:
            raise ValidationFailed(_("判定无效须写明答复客户的理由"), field="reason")
        locked.closed_at = now
        return {"answer": locked.answer}
    if action == "assign":
        category = data.get("category") or ""
        if category not in Category.values:
            raise ValidationFailed(_("请选择投诉类别"), field="category")
        rule = RoutingRule.objects.filter(category=category).first()
        if rule is None:
            raise ValidationFailed(
                _("分派规则表中没有“%(c)s”的处理部门，请管理员补充")
                % {"c": Category(category).label},
                field="category",
            )
        locked.category = category
        locked.department = rule.department
        owner = data.get("owner")
        if owner is not None:
            locked.owner = owner
        return {"category": category, "department": rule.department}
    if action == "investigate":
        locked.cause = need("cause", _("原因"))
        locked.responsible_department = _text(
            data.get("responsible_department"), "responsible_department", _("责任部门"), limit=60
        )
        locked.responsible_person = _text(
            data.get("responsible_person"), "responsible_person", _("责任人"), limit=60
        )
        if not (locked.responsible_department or locked.responsible_person):
            raise ValidationFailed(_("请填写责任部门或责任人"), field="responsible_department")
        return {
            "responsible_department": locked.responsible_department,
            "responsible_person": locked.responsible_person,
        }
    if action == "propose":
        locked.solution = need("solution", _("处理方案"))
        return {}
    if action == "approve":
        locked.approved_by = actor
        locked.approved_at = now
        return {}
    if action == "notify":
        locked.notification = need("notification", _("答复客户情况"))
        locked.notified_at = now
        return {}
    if action == "penalise":
        rows = _penalties(data.get("penalties"))
        if not rows and not reason:
            raise ValidationFailed(_("请登记处罚，或在说明中写明不予处罚的理由"), field="penalties")
        Penalty.objects.bulk_create(
            [Penalty(complaint=locked, created_by=actor, created_at=now, **r) for r in rows]
        )
        return {
            "penalties": [{**r, "amount": str(r["amount"]), "loss": str(r["loss"])} for r in rows]
        }
    if action == "improve":
        measure = need("measure", _("改进措施"))
        due = data.get("due_date")
        due_date = due if isinstance(due, date) else as_date(due)
        if due and due_date is None:
            raise ValidationFailed(_("完成期限不是有效日期"), field="due_date")
        ImprovementMeasure.objects.create(
            complaint=locked,
            measure=measure,
            department=_text(data.get("department"), "department", _("责任部门"), limit=60),
            due_date=due_date,
            created_by=actor,
            created_at=now,
        )
        return {"measure": measure}
    if action == "close":
        locked.closed_at = now
        return {}
    return {}  # pragma: no cover - the table has no other action


def complaint_transition(
    *, complaint: Complaint, action: str, actor: Any, reason: str = "", **data: Any
) -> Complaint:
    """The one way a complaint moves through its steps: locks the row, checks the table and the
    actor's rights, stores the step's data and writes a transition row."""
    if action not in COMPLAINT_TRANSITIONS:
        raise InvalidTransition(_("未知操作“%(action)s”") % {"action": action})
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
        sources, target = COMPLAINT_TRANSITIONS[action]
        label = COMPLAINT_ACTION_LABELS[action]
        if locked.status not in sources:
            raise InvalidTransition(
                _("投诉 %(number)s 当前步骤为“%(status)s”，不能执行“%(action)s”")
                % {"number": locked.number, "status": locked.get_status_display(), "action": label},
                details={"status": locked.status, "action": action},
            )
        if not complaint_action_allowed(actor, action):
            raise PermissionDenied(_("您的角色无权对投诉执行“%(action)s”") % {"action": label})
        if action in JUDGING_ACTIONS and is_complained_against(locked, actor):
            raise PermissionDenied(_("您是本投诉的被投诉人，不能判定其是否有效"))
        now = timezone.now()
        extra = _step(locked, action, actor, reason, data, now)
        from_status = locked.status
        locked.status = target
        locked.save()
        ComplaintTransition.objects.create(
            complaint=locked,
            action=action,
            from_status=from_status,
            to_status=target,
            actor=actor,
            reason=reason,
            data=extra,
            at=now,
        )
        # The outbox is written in this transaction: it commits or rolls back with the step.
        if action == "assign":
            _notify_assigned(locked)
        elif action == "notify":
            _notify_customer(locked)
    return locked


def _notify_assigned(complaint: Complaint) -> None:
    wanted = DEPARTMENT_ROLES.get(complaint.department, (Role.SERVICE_DIRECTOR,))
    users = list(User.objects.filter(role__in=wanted, is_active=True).order_by("id"))
    if complaint.owner is not None and complaint.owner.is_active:
        users.append(complaint.owner)
    params = {
        "number": complaint.number,
        "category": complaint.get_category_display(),
        "department": complaint.get_department_display(),
        "deadline": timezone.localtime(complaint.deadline).strftime("%Y-%m-%d %H:%M"),
    }
    for user in {u.pk: u for u in users}.values():
        outbox_enqueue(
            template_code="complaint_assigned",
            channel=MsgChannel.IN_APP,
            cause=f"complaint:{complaint.number}",
            params=params,
            recipient_user=user,
        )


def _notify_customer(complaint: Complaint) -> None:
    """An SMS to the complainant when the contact given is a mobile number."""
    mobile = normalise_mobile(complaint.contact)  # folds "138-1234-5678", "+86 …"
    if not mobile or not is_mobile(mobile):
        return
    outbox_enqueue(
        template_code="complaint_customer_notice",
        channel=MsgChannel.SMS,
        cause=f"complaint:{complaint.number}",
        params={"number": complaint.number},
        to=mobile,
    )


def may_apply_penalties(user: Any) -> bool:
    return roles.has_role(user, *PENALTY_APPLIERS)


def penalty_mark_applied(*, penalty: Penalty, actor: Any) -> Penalty:
    """S10: HR records that a penalty of step 7 was applied; once only."""
    if not may_apply_penalties(actor):
        raise PermissionDenied(_("您的角色无权执行处罚"))
    with transaction.atomic():
        locked = Penalty.objects.select_for_update(of=("self",)).get(pk=penalty.pk)
        if locked.applied_at is not None:
            raise InvalidTransition(_("该处罚已执行"))
        locked.applied_at = timezone.now()
        locked.applied_by = actor
        locked.save(update_fields=["applied_at", "applied_by"])
    return locked
