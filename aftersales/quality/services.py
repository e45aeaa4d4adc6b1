"""Every write of rulings, supplier claims and job costs. Views, the API and the demo call these.

Rulings: draft → issued → (accepted → final | appealed → upheld → final | appealed → revised,
with a new ruling that points at the old one and is final at once). One appeal, then final.

Who may appeal (the department ruled against, through the people who speak for it here):
the service director for every party (the factory's departments, suppliers and third parties have
no logins; their objections reach the service director), the station manager of the order's
outlet when the ruling holds the service itself (manufacturer/售后服务) or the customer
responsible, and administrators. Quality engineers rule and decide appeals; they never appeal.

Claims: draft → submitted → accepted | partly accepted | rejected → settled (and draft →
cancelled). A claim is submitted only once its ruling is final, so an appeal never has to chase a
claim already at the supplier."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import roles
from aftersales.accounts.models import Role, User
from aftersales.core.errors import (
    Conflict,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from aftersales.core.numbering import next_number
from aftersales.network.models import Staff
from aftersales.network.selectors import staff_for_user
from aftersales.notifications.models import Channel as MsgChannel
from aftersales.notifications.services import outbox_enqueue
from aftersales.products.models import Supplier
from aftersales.service.models import WorkOrder

from .allocation import CENT, allocate, percentages_problem, to_cents
from .costing import JobCostBreakdown, job_cost, old_parts
from .models import (
    ClaimLine,
    ClaimTransition,
    CostPolicy,
    CostSettings,
    DepartmentContact,
    JobCost,
    ManufacturerDepartment,
    Ruling,
    RulingParty,
    RulingShare,
    RulingTransition,
    ShareParty,
    SupplierClaim,
)
from .selectors import RULABLE_STATUSES, may_rule

logger = logging.getLogger(__name__)
RS = Ruling.Status
CS = SupplierClaim.Status
ZERO = Decimal("0.00")

# --- the ruling's content -------------------------------------------------------------------


@dataclass
class ShareInput:
    party: str
    percent: Decimal
    department: str = ""
    supplier: Any = None  # a Supplier or its id
    third_party_name: str = ""


@dataclass
class RulingSpec:
    """What a quality engineer decides: the party and, for a shared ruling, the split."""

    party: str
    findings: str
    department: str = ""
    supplier: Any = None
    third_party_name: str = ""
    shares: list[ShareInput] = field(default_factory=list)
    policy: Any = None  # a CostPolicy or its id


def pct(value: Decimal) -> str:
    """A percentage as people write it: 60, 33.5 (never 6E+1)."""
    return f"{value.normalize():f}"


def _decimal(value: Any, *, field_name: str) -> Decimal:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            _("“%(value)s”不是有效的数字") % {"value": value}, field=field_name
        ) from None


def _supplier(value: Any) -> Supplier | None:
    if value in (None, ""):
        return None
    if isinstance(value, Supplier):
        return value
    try:
        return Supplier.objects.get(pk=int(value))
    except (Supplier.DoesNotExist, TypeError, ValueError):
        raise ValidationFailed(_("找不到所选的供应商"), field="supplier") from None


def _policy(value: Any) -> CostPolicy | None:
    if value in (None, ""):
        return None
    if isinstance(value, CostPolicy):
        return value
    try:
        return CostPolicy.objects.get(pk=int(value), is_active=True)
    except (CostPolicy.DoesNotExist, TypeError, ValueError):
        raise ValidationFailed(_("找不到所选的费用承担政策"), field="policy") from None


@dataclass
class _CleanShare:
    party: str
    percent: Decimal
    department: str
    supplier: Supplier | None
    third_party_name: str


def _clean_share(raw: ShareInput, index: int) -> _CleanShare:
    where = _("第 %(n)s 方") % {"n": index + 1}
    if raw.party not in ShareParty.values:
        raise ValidationFailed(_("%(where)s：请选择承担方") % {"where": where}, field="shares")
    percent = _decimal(raw.percent, field_name="shares")
    department = (raw.department or "").strip()
    supplier = _supplier(raw.supplier)
    name = (raw.third_party_name or "").strip()[:100]
    if raw.party == ShareParty.MANUFACTURER:
        if department not in ManufacturerDepartment.values:
            raise ValidationFailed(
                _("%(where)s：制造方责任须指明责任部门（研发/设计、生产、质量、物流或售后服务）")
                % {"where": where},
                field="department",
            )
    else:
        department = ""
    if raw.party == ShareParty.SUPPLIER:
        if supplier is None:
            raise ValidationFailed(
                _("%(where)s：供应商责任须选择具体的供应商") % {"where": where}, field="supplier"
            )
    else:
        supplier = None
    if raw.party == ShareParty.THIRD_PARTY and not name:
        raise ValidationFailed(
            _("%(where)s：请填写第三方的名称") % {"where": where}, field="third_party_name"
        )
    if raw.party != ShareParty.THIRD_PARTY:
        name = ""
    return _CleanShare(raw.party, percent, department, supplier, name)


def _clean_spec(spec: RulingSpec) -> tuple[list[_CleanShare], CostPolicy | None]:
    if spec.party not in RulingParty.values:
        raise ValidationFailed(_("请选择责任方"), field="party")
    if not (spec.findings or "").strip():
        raise ValidationFailed(_("请填写裁定依据（原因分析、证据）"), field="findings")
    policy = _policy(spec.policy)
    if spec.party == RulingParty.SHARED:
        raws = [s for s in spec.shares if s.party or str(s.percent).strip()]
        if len(raws) < 2:
            raise ValidationFailed(_("共同责任须列出至少两个承担方及各自的比例"), field="shares")
    else:
        raws = [
            ShareInput(
                party=spec.party,
                percent=Decimal("100"),
                department=spec.department,
                supplier=spec.supplier,
                third_party_name=spec.third_party_name,
            )
        ]
    shares = [_clean_share(raw, i) for i, raw in enumerate(raws)]
    problem = percentages_problem([s.percent for s in shares])
    if problem == "sum":
        total = sum((s.percent for s in shares), Decimal("0"))
        raise ValidationFailed(
            _("各方比例之和必须等于 100%%，现在是 %(total)s%%；请调整比例后重新提交")
            % {"total": pct(total)},
            field="shares",
        )
    if problem:
        raise ValidationFailed(_("每一方的比例须大于 0、不超过 100，最多两位小数"), field="shares")
    keys = [
        (s.party, s.department, s.supplier.pk if s.supplier else None, s.third_party_name)
        for s in shares
    ]
    if len(set(keys)) != len(keys):
        raise ValidationFailed(_("同一承担方只能出现一次，请合并其比例"), field="shares")
    return shares, policy


def _allocate_shares(ruling: Ruling, cost: JobCostBreakdown, shares: list[Any]) -> None:
    """Write the cost snapshot on the ruling and each share's part of parts, labour, travel."""
    percents = [s.percent for s in shares]
    parts = allocate(cost.parts, percents)
    labour = allocate(cost.labour, percents)
    travel = allocate(cost.travel, percents)
    for share, p, lab, tra in zip(shares, parts, labour, travel, strict=True):
        share.parts_amount, share.labour_amount, share.travel_amount = p, lab, tra
        share.total_amount = p + lab + tra
    ruling.parts_cost = cost.parts
    ruling.labour_cost = cost.labour
    ruling.travel_cost = cost.travel
    ruling.total_cost = cost.total
    ruling.cost_detail = cost.as_detail()


def _share_rows(ruling: Ruling, cleaned: list[_CleanShare]) -> list[RulingShare]:
    return [
        RulingShare(
            ruling=ruling,
            party=s.party,
            department=s.department,
            supplier=s.supplier,
            third_party_name=s.third_party_name,
            percent=s.percent,
        )
        for s in cleaned
    ]


def _require_ruler(actor: Any) -> None:
    if not may_rule(actor):
        raise PermissionDenied(_("只有质量工程师可以作出责任裁定"))


def _check_order_rulable(order: WorkOrder) -> None:
    if order.status not in RULABLE_STATUSES:
        raise InvalidTransition(
            _("工单 %(number)s 当前状态为“%(status)s”，诊断之后才能裁定责任")
            % {"number": order.number, "status": order.get_status_display()},
            details={"status": order.status},
        )


# --- rulings --------------------------------------------------------------------------------


@transaction.atomic
def ruling_create(*, order: WorkOrder, actor: Any, spec: RulingSpec, issue: bool = False) -> Ruling:
    """A draft ruling for a diagnosed (or later) order; with `issue`, issued at once.
    A second live ruling for the same order is refused."""
    _require_ruler(actor)
    shares, policy = _clean_spec(spec)
    # The order row lock serialises two engineers ruling the same order at once.
    locked = WorkOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    _check_order_rulable(locked)
    if locked.rulings.exclude(status__in=[RS.REVISED, RS.DISCARDED]).exists():
        raise Conflict(
            _("工单 %(number)s 已有责任裁定；如需更改，请在申诉后改判") % {"number": locked.number}
        )
    now = timezone.now()
    ruling = Ruling(
        order=locked,
        status=RS.DRAFT,
        party=spec.party,
        policy=policy,
        findings=spec.findings.strip(),
        created_by=actor,
        created_at=now,
    )
    rows = _share_rows(ruling, shares)
    _allocate_shares(ruling, job_cost(locked), rows)
    ruling.number = next_number("RL")
    ruling.save()
    RulingShare.objects.bulk_create(rows)
    RulingTransition.objects.create(
        ruling=ruling,
        action="create",
        from_status=RS.DRAFT,
        to_status=RS.DRAFT,
        actor=actor,
        at=now,
    )
    if issue:
        return ruling_transition(ruling=ruling, action="issue", actor=actor)
    return ruling


@transaction.atomic
def ruling_update(*, ruling: Ruling, actor: Any, spec: RulingSpec) -> Ruling:
    """Change a draft. An issued ruling is frozen: corrections are an appeal and a revision."""
    _require_ruler(actor)
    shares, policy = _clean_spec(spec)
    locked = (
        Ruling.objects.select_for_update(of=("self",)).select_related("order").get(pk=ruling.pk)
    )
    if locked.status != RS.DRAFT:
        raise InvalidTransition(
            _("裁定 %(number)s 已签发，不能再修改；如有异议请申诉") % {"number": locked.number},
            details={"status": locked.status},
        )
    locked.party = spec.party
    locked.policy = policy
    locked.findings = spec.findings.strip()
    locked.shares.all().delete()
    rows = _share_rows(locked, shares)
    _allocate_shares(locked, job_cost(locked.order), rows)
    locked.save()
    RulingShare.objects.bulk_create(rows)
    RulingTransition.objects.create(
        ruling=locked,
        action="update",
        from_status=RS.DRAFT,
        to_status=RS.DRAFT,
        actor=actor,
        at=timezone.now(),
    )
    return locked


RULING_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "issue": (frozenset({RS.DRAFT}), RS.ISSUED),
    "discard": (frozenset({RS.DRAFT}), RS.DISCARDED),
    "accept": (frozenset({RS.ISSUED}), RS.FINAL),
    "appeal": (frozenset({RS.ISSUED}), RS.APPEALED),
    "uphold": (frozenset({RS.APPEALED}), RS.FINAL),
    "revise": (frozenset({RS.APPEALED}), RS.REVISED),
}
RULING_ACTION_LABELS = {
    "issue": gettext_lazy("签发"),
    "discard": gettext_lazy("作废草稿"),
    "accept": gettext_lazy("确认生效（不申诉）"),
    "appeal": gettext_lazy("申诉"),
    "uphold": gettext_lazy("维持原裁定"),
    "revise": gettext_lazy("改判"),
}
RULING_REASON_REQUIRED = {"discard", "appeal", "uphold", "revise"}


def may_appeal(user: Any, ruling: Ruling) -> bool:
    if roles.has_role(user, Role.SERVICE_DIRECTOR, Role.ADMIN):
        return True
    if not roles.is_station_manager(user):
        return False
    staff = staff_for_user(user)
    if staff is None or staff.outlet_id is None or staff.outlet_id != ruling.order.outlet_id:
        return False
    return any(
        s.party == ShareParty.CUSTOMER
        or (s.party == ShareParty.MANUFACTURER and s.department == ManufacturerDepartment.SERVICE)
        for s in ruling.shares.all()
    )


def ruling_action_allowed(user: Any, ruling: Ruling, action: str) -> bool:
    if action in ("issue", "discard", "uphold", "revise"):
        return may_rule(user)
    if action == "accept":
        return may_rule(user) or may_appeal(user, ruling)
    if action == "appeal":
        return may_appeal(user, ruling)
    return False


def ruling_available_actions(ruling: Ruling, user: Any) -> list[str]:
    return [
        action
        for action, (sources, _to) in RULING_TRANSITIONS.items()
        if ruling.status in sources and ruling_action_allowed(user, ruling, action)
    ]


def ruling_transition(
    *, ruling: Ruling, action: str, actor: Any, reason: str = "", **data: Any
) -> Ruling:
    """The one way a ruling changes state. Locks the row, checks the table and the actor's
    rights, writes a transition row and the outbox messages. Returns the ruling that now stands:
    for `revise`, the new ruling (pass its content as `spec`)."""
    if action not in RULING_TRANSITIONS:
        raise InvalidTransition(_("未知操作“%(action)s”") % {"action": action})
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = (
            Ruling.objects.select_for_update(of=("self",))
            .select_related("order__outlet")
            .get(pk=ruling.pk)
        )
        sources, target = RULING_TRANSITIONS[action]
        if locked.status not in sources:
            raise InvalidTransition(
                _("裁定 %(number)s 当前状态为“%(status)s”，不能执行“%(action)s”")
                % {
                    "number": locked.number,
                    "status": locked.get_status_display(),
                    "action": RULING_ACTION_LABELS[action],
                },
                details={"status": locked.status, "action": action},
            )
        if not ruling_action_allowed(actor, locked, action):
            raise PermissionDenied(
                _("您的角色无权对该裁定执行“%(action)s”") % {"action": RULING_ACTION_LABELS[action]}
            )
        if action in RULING_REASON_REQUIRED and not reason:
            raise ValidationFailed(
                _("“%(action)s”必须填写理由") % {"action": RULING_ACTION_LABELS[action]},
                field="reason",
            )
        now = timezone.now()
        from_status = locked.status
        result = locked
        extra: dict[str, Any] = {}
        if action == "issue":
            _issue(locked, actor, now)
        elif action == "appeal":
            locked.appeal_reason = reason
        elif action in ("accept", "uphold"):
            locked.final_at = now
            if action == "uphold":
                locked.appeal_outcome = Ruling.AppealOutcome.UPHELD
        elif action == "revise":
            spec = data.get("spec")
            if not isinstance(spec, RulingSpec):
                raise ValidationFailed(_("改判须给出新的责任方与比例"), field="party")
            shares, policy = _clean_spec(spec)
            locked.appeal_outcome = Ruling.AppealOutcome.REVISED
        locked.status = target
        locked.save()
        RulingTransition.objects.create(
            ruling=locked,
            action=action,
            from_status=from_status,
            to_status=target,
            actor=actor,
            reason=reason,
            at=now,
            data=extra,
        )
        if action == "issue":
            _notify_issued(locked)
            _claims_after_issue(locked, actor)
            _refresh_job_cost(locked.order, now=now)
        elif action == "appeal":
            _notify(locked, "ruling_appealed", _quality_users(), reason=reason)
        elif action == "uphold":
            _notify(locked, "ruling_decided", _appeal_audience(locked), reason=reason)
        elif action == "accept":
            _refresh_job_cost(locked.order, now=now)
        elif action == "revise":
            for claim in locked.claims.filter(status=CS.DRAFT):
                _claim_cancel(claim, actor, now, _("裁定已改判，索赔随原裁定撤销"))
            new_spec: RulingSpec = data["spec"]
            result = _revision(
                locked, shares, policy, new_spec.findings, new_spec.party, actor, reason, now
            )
    return result


def _issue(ruling: Ruling, actor: Any, now: Any) -> None:
    # The cost may have moved since the draft (parts consumed later): freeze it as of now.
    shares = list(ruling.shares.all())
    _allocate_shares(ruling, job_cost(ruling.order), shares)
    RulingShare.objects.bulk_update(
        shares, ["parts_amount", "labour_amount", "travel_amount", "total_amount"]
    )
    ruling.issued_at = now


def _revision(
    old: Ruling,
    shares: list[_CleanShare],
    policy: CostPolicy | None,
    findings: str,
    party: str,
    actor: Any,
    reason: str,
    now: Any,
) -> Ruling:
    """The new ruling after an appeal: final at once (one appeal, then final)."""
    new = Ruling(
        order=old.order,
        status=RS.FINAL,
        party=party,
        policy=policy,
        findings=findings.strip(),
        supersedes=old,
        created_by=actor,
        created_at=now,
        issued_at=now,
        final_at=now,
        appeal_reason=old.appeal_reason,
    )
    rows = _share_rows(new, shares)
    _allocate_shares(new, job_cost(old.order), rows)
    new.number = next_number("RL")
    new.save()
    RulingShare.objects.bulk_create(rows)
    RulingTransition.objects.create(
        ruling=new,
        action="revise",
        from_status=RS.DRAFT,
        to_status=RS.FINAL,
        actor=actor,
        reason=reason,
        at=now,
        data={"supersedes": old.number},
    )
    _notify_issued(new)
    _claims_after_issue(new, actor)
    _refresh_job_cost(new.order, now=now)
    return new


# --- messages -------------------------------------------------------------------------------


def _active(qs: Any) -> list[User]:
    return list(qs.filter(is_active=True).order_by("id"))


def _quality_users() -> list[User]:
    return _active(User.objects.filter(role=Role.QUALITY_ENGINEER))


def _outlet_managers(order: WorkOrder) -> list[User]:
    if order.outlet_id is None:
        return []
    ids = Staff.objects.filter(outlet_id=order.outlet_id).values("user_id")
    return _active(User.objects.filter(role=Role.STATION_MANAGER, pk__in=ids))


def _directors() -> list[User]:
    return _active(User.objects.filter(role=Role.SERVICE_DIRECTOR))


def _responsible_unit(ruling: Ruling) -> tuple[list[User], list[str]]:
    """The people and addresses that speak for the parties held responsible."""
    users: list[User] = []
    emails: list[str] = []
    contacts = dict(DepartmentContact.objects.exclude(email="").values_list("department", "email"))
    for share in ruling.shares.select_related("supplier"):
        if share.party == ShareParty.SUPPLIER:
            if share.supplier and share.supplier.email:
                emails.append(share.supplier.email)
        elif share.party == ShareParty.MANUFACTURER:
            users += _directors()
            if share.department == ManufacturerDepartment.SERVICE:
                users += _outlet_managers(ruling.order)
            elif share.department == ManufacturerDepartment.QUALITY:
                users += _quality_users()
            if contacts.get(share.department):
                emails.append(contacts[share.department])
        elif share.party == ShareParty.CUSTOMER:
            users += _directors() + _outlet_managers(ruling.order)
        else:
            users += _directors()
    return users, emails


def _appeal_audience(ruling: Ruling) -> list[User]:
    unit, _emails = _responsible_unit(ruling)
    return _quality_users() + unit


def _params(ruling: Ruling, reason: str = "") -> dict[str, Any]:
    split = "；".join(
        f"{s.label} {pct(s.percent)}% ¥{s.total_amount}"
        for s in ruling.shares.select_related("supplier")
    )
    return {
        "number": ruling.number,
        "order": ruling.order.number,
        "party": ruling.get_party_display(),
        "total": ruling.total_cost,
        "split": split,
        "reason": reason,
    }


def _notify(ruling: Ruling, code: str, users: list[User], *, reason: str = "") -> None:
    params = _params(ruling, reason)
    seen: set[int] = set()
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        outbox_enqueue(
            template_code=code,
            channel=MsgChannel.IN_APP,
            cause=f"ruling:{ruling.number}",
            params=params,
            recipient_user=user,
        )


def _notify_issued(ruling: Ruling) -> None:
    """To finance, quality and the responsible unit (in-app), and by email to a supplier or a
    factory department with an address on file."""
    finance = _active(User.objects.filter(role=Role.FINANCE))
    unit_users, emails = _responsible_unit(ruling)
    _notify(ruling, "ruling_issued", finance + _quality_users() + unit_users)
    params = _params(ruling)
    for address in dict.fromkeys(emails):
        outbox_enqueue(
            template_code="ruling_issued",
            channel=MsgChannel.EMAIL,
            cause=f"ruling:{ruling.number}",
            params=params,
            to=address,
        )


# --- job cost -------------------------------------------------------------------------------


def _refresh_job_cost(order: WorkOrder, *, now: Any = None) -> JobCost:
    now = now or timezone.now()
    cost = job_cost(order)
    ruling = (
        order.rulings.filter(status__in=[RS.ISSUED, RS.APPEALED, RS.FINAL])
        .order_by("-created_at", "-id")
        .first()
    )
    moment = order.closed_at or order.resolved_at or now
    obj, _created = JobCost.objects.update_or_create(
        order=order,
        defaults={
            "outlet_id": order.outlet_id,
            "cost_date": timezone.localdate(moment),
            "party": ruling.party if ruling else "",
            "ruling": ruling,
            "parts": cost.parts,
            "labour": cost.labour,
            "travel": cost.travel,
            "total": cost.total,
            "labour_hours": cost.labour_hours,
            "labour_rate": cost.labour_rate,
            "travel_km": cost.travel_km,
            "travel_rate": cost.travel_rate,
            "detail": cost.as_detail(),
            "computed_at": now,
        },
    )
    return obj


@transaction.atomic
def job_cost_refresh(*, order: WorkOrder) -> JobCost:
    """Recompute and store the cost of one job (finance's list reads the stored figures)."""
    return _refresh_job_cost(order)


def job_cost_on_order_closed(*, order: WorkOrder) -> None:
    """Hook on `service.hooks.on_order_closed`: the job's cost is complete when it closes.
    It runs after the close has committed: a failure here must not turn the close into an error
    page, and the figure is recomputed on the next ruling or refresh anyway."""
    try:
        job_cost_refresh(order=order)
    except Exception:  # noqa: BLE001
        logger.exception("job cost of order %s not stored", order.pk)


# --- supplier claims ------------------------------------------------------------------------


def _claims_after_issue(ruling: Ruling, actor: Any) -> None:
    if CostSettings.get().claims_on_issue:
        _create_claims(ruling, actor)


def _create_claims(ruling: Ruling, actor: Any) -> list[SupplierClaim]:
    existing = set(ruling.claims.values_list("supplier_id", flat=True))
    evidence: list[dict[str, Any]] | None = None
    created = []
    now = timezone.now()
    for share in ruling.shares.filter(party=ShareParty.SUPPLIER).select_related("supplier"):
        if share.supplier_id in existing or share.supplier is None:
            continue
        if evidence is None:
            evidence = old_parts(ruling.order)
        share_pct = f"{pct(share.percent)}%"
        lines = [
            (
                ClaimLine.Kind.PARTS,
                _("备件费用（责任比例 %(p)s）") % {"p": share_pct},
                share.parts_amount,
            ),
            (
                ClaimLine.Kind.LABOUR,
                _("工时费用（责任比例 %(p)s）") % {"p": share_pct},
                share.labour_amount,
            ),
            (
                ClaimLine.Kind.TRAVEL,
                _("差旅费用（责任比例 %(p)s）") % {"p": share_pct},
                share.travel_amount,
            ),
        ]
        claim = SupplierClaim.objects.create(
            number=next_number("SC"),
            ruling=ruling,
            order=ruling.order,
            supplier=share.supplier,
            claimed_amount=sum((amount for _k, _d, amount in lines), ZERO),
            evidence=evidence,
            created_by=actor,
            created_at=now,
        )
        ClaimLine.objects.bulk_create(
            [ClaimLine(claim=claim, kind=k, description=d, amount=a) for k, d, a in lines]
        )
        ClaimTransition.objects.create(
            claim=claim,
            action="create",
            from_status=CS.DRAFT,
            to_status=CS.DRAFT,
            actor=actor,
            at=now,
            data={"ruling": ruling.number},
        )
        created.append(claim)
    return created


@transaction.atomic
def claims_create_for_ruling(*, ruling: Ruling, actor: Any) -> list[SupplierClaim]:
    """The claims of a supplier-responsible ruling that has none yet (when they were not made
    on issue). Returns the new claims; running it twice creates nothing more."""
    _require_ruler(actor)
    locked = Ruling.objects.select_for_update(of=("self",)).get(pk=ruling.pk)
    if locked.status not in (RS.ISSUED, RS.APPEALED, RS.FINAL):
        raise InvalidTransition(
            _("裁定 %(number)s 尚未签发或已失效，不能生成索赔") % {"number": locked.number}
        )
    if not locked.shares.filter(party=ShareParty.SUPPLIER).exists():
        raise ValidationFailed(_("该裁定没有供应商责任，无需索赔"))
    return _create_claims(locked, actor)


CLAIM_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({CS.DRAFT}), CS.SUBMITTED),
    "cancel": (frozenset({CS.DRAFT}), CS.CANCELLED),
    "accept": (frozenset({CS.SUBMITTED}), CS.ACCEPTED),
    "accept_part": (frozenset({CS.SUBMITTED}), CS.PARTLY_ACCEPTED),
    "reject": (frozenset({CS.SUBMITTED}), CS.REJECTED),
    "settle": (frozenset({CS.ACCEPTED, CS.PARTLY_ACCEPTED, CS.REJECTED}), CS.SETTLED),
}
CLAIM_ACTION_LABELS = {
    "submit": gettext_lazy("提交供应商"),
    "cancel": gettext_lazy("撤销"),
    "accept": gettext_lazy("供应商全额接受"),
    "accept_part": gettext_lazy("供应商部分接受"),
    "reject": gettext_lazy("供应商拒绝"),
    "settle": gettext_lazy("结算（登记追回金额）"),
}
CLAIM_REASON_REQUIRED = {"cancel", "reject"}


def claim_action_allowed(user: Any, action: str) -> bool:
    if action == "settle":
        return roles.has_role(user, Role.FINANCE, Role.ADMIN)
    return may_rule(user)


def claim_available_actions(claim: SupplierClaim, user: Any) -> list[str]:
    return [
        action
        for action, (sources, _to) in CLAIM_TRANSITIONS.items()
        if claim.status in sources and claim_action_allowed(user, action)
    ]


def _amount(data: dict[str, Any], key: str) -> Decimal:
    value = data.get(key)
    if value in (None, ""):
        raise ValidationFailed(_("请填写金额"), field=key)
    amount = _decimal(value, field_name=key)
    if amount < 0 or amount != amount.quantize(CENT):
        raise ValidationFailed(_("金额须为不小于 0 的数，最多两位小数"), field=key)
    return to_cents(amount)


def claim_transition(
    *, claim: SupplierClaim, action: str, actor: Any, reason: str = "", **data: Any
) -> SupplierClaim:
    """The one way a claim changes state (see the module's docstring for the flow)."""
    if action not in CLAIM_TRANSITIONS:
        raise InvalidTransition(_("未知操作“%(action)s”") % {"action": action})
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = (
            SupplierClaim.objects.select_for_update(of=("self",))
            .select_related("ruling")
            .get(pk=claim.pk)
        )
        sources, target = CLAIM_TRANSITIONS[action]
        if locked.status not in sources:
            raise InvalidTransition(
                _("索赔单 %(number)s 当前状态为“%(status)s”，不能执行“%(action)s”")
                % {
                    "number": locked.number,
                    "status": locked.get_status_display(),
                    "action": CLAIM_ACTION_LABELS[action],
                },
                details={"status": locked.status, "action": action},
            )
        if not claim_action_allowed(actor, action):
            raise PermissionDenied(
                _("您的角色无权对索赔单执行“%(action)s”") % {"action": CLAIM_ACTION_LABELS[action]}
            )
        if action in CLAIM_REASON_REQUIRED and not reason:
            raise ValidationFailed(
                _("“%(action)s”必须填写理由") % {"action": CLAIM_ACTION_LABELS[action]},
                field="reason",
            )
        now = timezone.now()
        extra: dict[str, Any] = {}
        if action == "submit":
            if locked.ruling.status != RS.FINAL:
                raise InvalidTransition(
                    _(
                        "裁定 %(number)s 尚未生效（可能仍在申诉期或申诉中），"
                        "生效后才能向供应商提交索赔"
                    )
                    % {"number": locked.ruling.number},
                    details={"status": locked.status, "action": action},
                )
            locked.submitted_at = now
        elif action == "accept":
            locked.accepted_amount = locked.claimed_amount
            locked.answered_at = now
        elif action == "accept_part":
            amount = _amount(data, "accepted_amount")
            if not (ZERO < amount < locked.claimed_amount):
                raise ValidationFailed(
                    _("部分接受的金额须大于 0 且小于索赔金额 ¥%(claimed)s")
                    % {"claimed": locked.claimed_amount},
                    field="accepted_amount",
                )
            locked.accepted_amount = amount
            locked.answered_at = now
        elif action == "reject":
            locked.accepted_amount = ZERO
            locked.answered_at = now
        elif action == "settle":
            amount = _amount(data, "recovered_amount")
            if amount > locked.accepted_amount:
                raise ValidationFailed(
                    _("追回金额不能超过供应商接受的金额 ¥%(accepted)s")
                    % {"accepted": locked.accepted_amount},
                    field="recovered_amount",
                )
            locked.recovered_amount = amount
            locked.settled_at = now
        for key in ("accepted_amount", "recovered_amount"):
            if key in data and data[key] not in (None, ""):
                extra[key] = str(data[key])
        from_status = locked.status
        locked.status = target
        locked.save()
        ClaimTransition.objects.create(
            claim=locked,
            action=action,
            from_status=from_status,
            to_status=target,
            actor=actor,
            reason=reason,
            at=now,
            data=extra,
        )
    return locked


def _claim_cancel(claim: SupplierClaim, actor: Any, now: Any, reason: str) -> None:
    ClaimTransition.objects.create(
        claim=claim,
        action="cancel",
        from_status=claim.status,
        to_status=CS.CANCELLED,
        actor=actor,
        reason=reason,
        at=now,
    )
    claim.status = CS.CANCELLED
    claim.save(update_fields=["status"])
