"""Every write of the monthly assessment (S12): compute drafts, approve (freeze), correct.

The lifecycle of a result, per unit (the service department as a whole, and each active outlet
when the configuration says so) and month:

    compute   (none)     → draft       first computation: version 1
    compute   draft      → draft       recomputed in place from current data and configuration
    approve   draft      → approved    frozen: nothing below ever changes it again
    correct   approved   → (new) draft version n + 1, pointing at the approved one, which stays
                                       in force until the new version is approved:
    approve   draft(n+1) → approved    and the version it replaces → superseded

An approved result is never recomputed: `assessment_compute` skips units that have one and no
correction draft. Its inputs, the configuration in force (a JSON snapshot) and its working are
stored on the row, so later changes to forms, orders or settings cannot alter it.

Which data counts (decisions, also in `scoring`):

* A job of month M is a work order whose `closed_at` lies in M, Asia/Shanghai time; the whole
  department counts every such order, an outlet those with `WorkOrder.outlet` = the outlet.
* Its feedback form is the one with `counted=True` (at most one per order, a database
  constraint); it counts only once supervision has verified it (`verified=True`).
* The previous month's mean is that of the previous month's approved result for the same unit
  when there is one (what was approved and paid is what we compare with); otherwise it is
  computed from the current data of that month.
* Complaints of M: judged valid at step 2 (`is_valid=True`), received in M, aimed at the service
  — `category == "service"`, or not yet classified (`category == ""`) and of type "service";
  an outlet counts those with `outlet` = the outlet.

The totals are SQL aggregates grouped by outlet: a fixed number of queries per month whatever
the number of orders (the benchmark runs a million).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import Role, User
from aftersales.complaints.models import Complaint
from aftersales.core.dates import month_of, next_month, previous_month, start_of_day
from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.network.models import Outlet, Staff
from aftersales.service.models import WorkOrder

from . import pay, scoring
from .models import (
    DEPARTMENT_KEY,
    AssessmentPeriod,
    AssessmentResult,
    AssessmentSettings,
    AssessmentTransition,
    ComplaintPenaltyTier,
    Distribution,
    DistributionShare,
    EmployeePay,
    PerformanceAward,
    QuarterAssessment,
    outlet_key,
)
from .selectors import (
    may_apply,
    may_approve,
    may_compute,
    may_distribute,
    may_edit_pay,
    unit_staff,
)

Status = AssessmentResult.Status
# Enough to find every complaint of a month on the result page; a unit with more is far past
# the sanction threshold and the count (an aggregate) stays exact.
MAX_NUMBERS_STORED = 1000


# --- configuration --------------------------------------------------------------------------


def config_in_force() -> tuple[scoring.Config, bool]:
    """The configuration as plain values, and whether outlets are assessed separately."""
    s = AssessmentSettings.get()
    tiers = tuple(
        scoring.Tier(min_count=t.min_count, amount=t.amount)
        for t in ComplaintPenaltyTier.objects.order_by("min_count")
    )
    config = scoring.Config(
        points={
            "A": s.points_a,
            "B": s.points_b,
            "C": s.points_c,
            "D": s.points_d,
            "E": s.points_e,
        },
        reward=s.reward,
        penalty=s.penalty,
        extra_reward=s.extra_reward,
        extra_penalty=s.extra_penalty,
        acceptable_complaints=s.acceptable_complaints,
        sanction_threshold=s.sanction_threshold,
        tiers=tiers,
    )
    return config, s.per_outlet


# --- aggregates -------------------------------------------------------------------------------


@dataclass
class JobTotals:
    jobs: int = 0
    forms: int = 0
    counts: dict[str, dict[str, int]] | None = None

    def add(self, other: JobTotals) -> None:
        self.jobs += other.jobs
        self.forms += other.forms
        mine = self.counts = self.counts or scoring.empty_counts()
        for item, row in (other.counts or {}).items():
            for grade, n in row.items():
                mine[item][grade] += n


def _bounds(month: date) -> tuple[Any, Any]:
    return start_of_day(month), start_of_day(next_month(month))


def job_totals_by_outlet(month: date) -> dict[int | None, JobTotals]:
    """One GROUP BY query: per outlet (None: orders without one), the jobs closed in the month,
    how many have a counted verified form, and per item and grade how many forms gave it."""
    start, end = _bounds(month)
    grade_counts = {
        f"{item}__{grade}": Count("form__pk", filter=Q(**{f"form__{item}": grade}))
        for item in scoring.ITEMS
        for grade in scoring.GRADES
    }
    rows = (
        WorkOrder.objects.filter(closed_at__gte=start, closed_at__lt=end)
        .annotate(
            # At most one counted form per order (a constraint in supervision), so the join
            # never multiplies the jobs.
            form=FilteredRelation(
                "feedback_forms",
                condition=Q(feedback_forms__counted=True, feedback_forms__verified=True),
            )
        )
        .values("outlet_id")
        .annotate(jobs=Count("pk"), forms=Count("form__pk"), **grade_counts)
        .order_by()
    )
    result: dict[int | None, JobTotals] = {}
    for row in rows:
        counts = scoring.empty_counts()
        for item in scoring.ITEMS:
            for grade in scoring.GRADES:
                counts[item][grade] = row[f"{item}__{grade}"]
        result[row["outlet_id"]] = JobTotals(jobs=row["jobs"], forms=row["forms"], counts=counts)
    return result


def _counted_complaints(month: date):
    start, end = _bounds(month)
    return Complaint.objects.filter(
        is_valid=True, received_at__gte=start, received_at__lt=end
    ).filter(Q(category="service") | Q(category="", type="service"))


def complaint_counts_by_outlet(month: date) -> dict[int | None, int]:
    rows = _counted_complaints(month).values("outlet_id").annotate(n=Count("pk")).order_by()
    return {row["outlet_id"]: row["n"] for row in rows}


# --- computing one month ----------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    key: str
    outlet: Outlet | None


def _units(per_outlet: bool) -> list[Unit]:
    units = [Unit(DEPARTMENT_KEY, None)]
    if per_outlet:
        units += [
            Unit(outlet_key(o.pk), o)
            for o in Outlet.objects.filter(is_active=True).order_by("code")
        ]
    return units


def _for_unit(by_outlet: dict[int | None, Any], unit: Unit, zero: Any, add: Any) -> Any:
    if unit.outlet is not None:
        return by_outlet.get(unit.outlet.pk, zero())
    total = zero()
    for value in by_outlet.values():
        total = add(total, value)
    return total


def _add_totals(a: JobTotals, b: JobTotals) -> JobTotals:
    a.add(b)
    return a


def _heads(units: list[Unit]) -> dict[str, list[str]]:
    """The head of each unit, for the sanctions recommendation: the service director(s) for the
    department, the outlet's station manager(s) for an outlet."""
    heads: dict[str, list[str]] = {}
    if any(u.outlet is None for u in units):
        heads[DEPARTMENT_KEY] = [
            str(u)
            for u in User.objects.filter(role=Role.SERVICE_DIRECTOR, is_active=True).order_by(
                "username"
            )
        ]
    outlet_ids = [u.outlet.pk for u in units if u.outlet is not None]
    if outlet_ids:
        for staff in (
            Staff.objects.filter(
                outlet_id__in=outlet_ids,
                is_active=True,
                user__role=Role.STATION_MANAGER,
                user__is_active=True,
            )
            .select_related("user")
            .order_by("employee_no")
        ):
            heads.setdefault(outlet_key(staff.outlet_id or 0), []).append(str(staff.user))
    return heads


def _previous(
    month: date, units: list[Unit], config: scoring.Config
) -> dict[str, tuple[int, int, str] | None]:
    """(total, n, source) of the previous month per unit, or None when it has no mean."""
    before = previous_month(month)
    approved = {
        r.unit_key: (r.total_points, r.jobs)
        for r in AssessmentResult.objects.filter(month=before, status=Status.APPROVED).only(
            "unit_key", "total_points", "jobs"
        )
    }
    live: dict[int | None, JobTotals] | None = None
    result: dict[str, tuple[int, int, str] | None] = {}
    for unit in units:
        if unit.key in approved:
            total, jobs = approved[unit.key]
            source = "approved"
        else:
            if live is None:
                live = job_totals_by_outlet(before)
            totals = _for_unit(live, unit, JobTotals, _add_totals)
            total = scoring.total_points(totals.counts or scoring.empty_counts(), config.points)
            jobs, source = totals.jobs, "live"
        result[unit.key] = (total, jobs, source) if jobs else None
    return result


def _values(month: date, units: list[Unit], config: scoring.Config) -> dict[str, dict[str, Any]]:
    """The stored fields of each unit's result for the month, from a handful of aggregate
    queries whatever the number of orders."""
    jobs = job_totals_by_outlet(month)
    complaints = complaint_counts_by_outlet(month)
    previous = _previous(month, units, config)
    numbers: dict[int | None, list[tuple[str, str]]] = {}
    if complaints:
        for outlet_id, number, person in (
            _counted_complaints(month)
            .order_by("received_at", "pk")
            .values_list("outlet_id", "number", "responsible_person")[: MAX_NUMBERS_STORED * 10]
        ):
            numbers.setdefault(outlet_id, []).append((number, person))
    heads: dict[str, list[str]] | None = None
    values: dict[str, dict[str, Any]] = {}
    for unit in units:
        totals: JobTotals = _for_unit(jobs, unit, JobTotals, _add_totals)
        counts = totals.counts or scoring.empty_counts()
        count = _for_unit(complaints, unit, int, lambda a, b: a + b)
        if unit.outlet is not None:
            listed = numbers.get(unit.outlet.pk, [])
        else:
            listed = [pair for rows in numbers.values() for pair in rows]
        prev = previous[unit.key]
        inputs = scoring.MonthInputs(
            jobs=totals.jobs,
            forms=totals.forms,
            counts=counts,
            previous_total=prev[0] if prev else None,
            previous_jobs=prev[1] if prev else None,
            complaints=count,
        )
        outcome = scoring.assess(inputs, config)
        sanction_people: dict[str, list[str]] = {}
        if outcome.complaints.sanction:
            if heads is None:
                heads = _heads(units)
            sanction_people = {
                "heads": heads.get(unit.key, []),
                "responsible": sorted({p.strip() for _n, p in listed if p.strip()}),
            }
        values[unit.key] = {
            "outlet": unit.outlet,
            "jobs": totals.jobs,
            "forms_counted": totals.forms,
            "total_points": outcome.total,
            "grade_counts": counts,
            "mean": scoring.as_decimal(outcome.mean),
            "previous_total": prev[0] if prev else None,
            "previous_jobs": prev[1] if prev else None,
            "previous_mean": scoring.as_decimal(outcome.previous_mean),
            "previous_source": prev[2] if prev else "",
            "difference": scoring.as_decimal(outcome.means.difference),
            "decision": outcome.means.decision.value,
            "all_a": outcome.all_a,
            "all_e": outcome.all_e,
            "complaint_count": count,
            "complaint_numbers": sorted(n for n, _p in listed)[:MAX_NUMBERS_STORED],
            "complaint_rating": (
                AssessmentResult.Rating.QUALIFIED
                if outcome.complaints.qualified
                else AssessmentResult.Rating.UNQUALIFIED
            ),
            "sanction": outcome.complaints.sanction,
            "sanction_people": sanction_people,
            "reward": outcome.means.reward,
            "penalty": outcome.means.penalty,
            "extra_reward": outcome.extra_reward,
            "extra_penalty": outcome.extra_penalty,
            "complaint_penalty": outcome.complaints.penalty,
            "amount": outcome.amount,
            "config": config.as_json(),
            "working": working(inputs, outcome, config, sanction_people, prev),
        }
    return values


def working(
    inputs: scoring.MonthInputs,
    outcome: scoring.MonthOutcome,
    config: scoring.Config,
    sanction_people: dict[str, list[str]],
    previous: tuple[int, int, str] | None,
) -> str:
    """The computation as people check it by hand, one step a line."""
    m = scoring.money
    lines = [
        _("n = %(jobs)s 项维修工作，其中 %(forms)s 项有已核实的意见反馈表")
        % {"jobs": inputs.jobs, "forms": inputs.forms}
    ]
    totals = scoring.grade_totals(inputs.counts)
    terms = " + ".join(
        f"{g} {totals[g]}×{config.points[g]}".replace("-", "−") for g in scoring.GRADES
    )
    lines.append(_("总得分 = %(terms)s = %(total)s") % {"terms": terms, "total": outcome.total})
    mean, prev, means = outcome.mean, outcome.previous_mean, outcome.means
    if mean is None:
        lines.append(_("本月没有维修工作：没有均项得分，不奖不罚"))
    else:
        lines.append(
            _("本月均项得分 = %(total)s ÷ %(jobs)s = %(mean)s")
            % {"total": outcome.total, "jobs": inputs.jobs, "mean": scoring.shown(mean)}
        )
        if prev is None or previous is None:
            lines.append(_("上月没有均项得分：无从比较，不奖不罚"))
        else:
            source = _("已批准结果") if previous[2] == "approved" else _("按现有数据计算")
            lines.append(
                _("上月均项得分 = %(total)s ÷ %(jobs)s = %(mean)s（%(source)s）")
                % {
                    "total": previous[0],
                    "jobs": previous[1],
                    "mean": scoring.shown(prev),
                    "source": source,
                }
            )
            diff = f"{scoring.shown(mean)} − {scoring.shown(prev)} = " + scoring.shown(
                mean - prev, signed=True
            )
            if means.decision == scoring.Decision.REWARD:
                lines.append(
                    _("%(diff)s > 0 → 奖励 %(amount)s 元")
                    % {"diff": diff, "amount": m(means.reward)}
                )
            elif means.decision == scoring.Decision.PENALTY:
                lines.append(
                    _("%(diff)s < 0 → 罚款 %(amount)s 元")
                    % {"diff": diff, "amount": m(means.penalty)}
                )
            else:
                lines.append(_("%(diff)s = 0 → 不奖不罚") % {"diff": diff})
    if outcome.all_a:
        lines.append(
            _("所有反馈表的每一项均为 A → 追加奖励 %(amount)s 元")
            % {"amount": m(outcome.extra_reward)}
        )
    if outcome.all_e:
        lines.append(
            _("所有反馈表的每一项均为 E → 追加罚款 %(amount)s 元")
            % {"amount": m(outcome.extra_penalty)}
        )
    c = outcome.complaints
    if c.qualified:
        lines.append(
            _("有效投诉 %(n)s 次 ≤ 可接受的 %(ok)s 次 → 合格")
            % {"n": c.count, "ok": config.acceptable_complaints}
        )
    elif c.tier is None:
        lines.append(
            _("有效投诉 %(n)s 次 > 可接受的 %(ok)s 次 → 不合格（罚款档未覆盖此次数，不罚款）")
            % {"n": c.count, "ok": config.acceptable_complaints}
        )
    else:
        lines.append(
            _("有效投诉 %(n)s 次 > 可接受的 %(ok)s 次 → 不合格，%(from)s 次起罚款 %(amount)s 元")
            % {
                "n": c.count,
                "ok": config.acceptable_complaints,
                "from": c.tier.min_count,
                "amount": m(c.penalty),
            }
        )
    if c.sanction:
        people = "、".join(
            [*sanction_people.get("heads", []), *sanction_people.get("responsible", [])]
        )
        lines.append(
            _(
                "有效投诉 %(n)s 次 ≥ %(limit)s 次 → 建议对负责人及相关人员给予行政处分"
                "（警告、调动、降级、开除）：%(people)s"
            )
            % {"n": c.count, "limit": config.sanction_threshold, "people": people or "—"}
        )
    lines.append(
        _("合计 = %(r)s − %(p)s + %(er)s − %(ep)s − %(cp)s = %(total)s 元")
        % {
            "r": m(means.reward),
            "p": m(means.penalty),
            "er": m(outcome.extra_reward),
            "ep": m(outcome.extra_penalty),
            "cp": m(c.penalty),
            "total": m(outcome.amount).replace("-", "−"),
        }
    )
    return "\n".join(str(line) for line in lines)


# --- the lifecycle ----------------------------------------------------------------------------


def _lock_period(month: date) -> AssessmentPeriod:
    # get_or_create first (a concurrent creator makes the other wait on the unique index, then
    # it finds the row), then the row lock that serialises every write of the month.
    period, _created = AssessmentPeriod.objects.get_or_create(month=month)
    return AssessmentPeriod.objects.select_for_update().get(pk=period.pk)


def _record(
    result: AssessmentResult, action: str, from_status: str, actor: Any, reason: str = ""
) -> AssessmentTransition:
    return AssessmentTransition(
        result=result,
        action=action,
        from_status=from_status,
        to_status=result.status,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason,
    )


def _check_month(month: date) -> date:
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationFailed(_("不能计算尚未开始的月份"), field="month")
    return month


@transaction.atomic
def assessment_compute(*, month: date, actor: Any) -> list[AssessmentResult]:
    """Create or recompute the draft of every unit of `month`. Approved results stay as they
    are; a unit with an approved result and a correction draft gets the draft recomputed.
    `actor=None` is the scheduled job (tasks.py), which computes drafts only.

    Returns the month's current results (drafts and approved)."""
    if actor is not None and not may_compute(actor):
        raise PermissionDenied(_("只有售后服务部主管、人力资源部和系统管理员可以计算考核结果"))
    month = _check_month(month)
    period = _lock_period(month)
    config, per_outlet = config_in_force()
    units = _units(per_outlet)
    current = list(
        # of=self: the outlet is an outer join, which PostgreSQL cannot lock (nor need we).
        AssessmentResult.objects.select_for_update(of=("self",))
        .filter(month=month)
        .exclude(status=Status.SUPERSEDED)
        .select_related("outlet")
    )
    drafts = {r.unit_key: r for r in current if r.status == Status.DRAFT}
    approved = {r.unit_key for r in current if r.status == Status.APPROVED}
    # A correction draft of an outlet that is no longer assessed is still recomputed: somebody
    # asked for it and it replaces an approved result.
    known = {u.key for u in units}
    for key, draft in drafts.items():
        if key not in known and draft.replaces_id:
            units.append(Unit(key, draft.outlet))
    # First drafts of units that are no longer assessed (outlet deactivated, per-outlet switched
    # off) would linger on the list otherwise; nothing was approved from them.
    stale = [d.pk for k, d in drafts.items() if k not in known and not d.replaces_id]
    if stale:
        AssessmentResult.objects.filter(pk__in=stale).delete()
    todo = [u for u in units if u.key in drafts or u.key not in approved]
    values = _values(month, todo, config) if todo else {}
    now = timezone.now()
    transitions = []
    for unit in todo:
        fields = values[unit.key]
        existing = drafts.get(unit.key)
        if existing is None:
            draft = AssessmentResult(
                period=period,
                month=month,
                unit_key=unit.key,
                version=1,
                status=Status.DRAFT,
                computed_at=now,
                computed_by=actor,
                **fields,
            )
            draft.save()
            transitions.append(_record(draft, "compute", "", actor))
        else:
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.computed_at, existing.computed_by = now, actor
            existing.save()
            transitions.append(_record(existing, "recompute", Status.DRAFT, actor))
    AssessmentTransition.objects.bulk_create(transitions)
    period.computed_at = now
    period.save(update_fields=["computed_at"])
    return list(
        AssessmentResult.objects.filter(month=month)
        .exclude(status=Status.SUPERSEDED)
        .select_related("outlet")
        .order_by("unit_key", "version")
    )


@transaction.atomic
def assessment_approve(*, result: AssessmentResult, actor: Any) -> AssessmentResult:
    """Freeze a draft as it stands (what the approver saw is what is approved — it is not
    recomputed). Approving a correction supersedes the version it replaces."""
    if not may_approve(actor):
        raise PermissionDenied(_("考核结果须由人力资源部或系统管理员批准"))
    # The period lock first, as compute takes it: a recompute and an approval of the same
    # month never interleave, and of two approvals at once the second sees "already approved".
    AssessmentPeriod.objects.select_for_update().get(pk=result.period_id)
    locked = AssessmentResult.objects.select_for_update().get(pk=result.pk)
    if locked.status != Status.DRAFT:
        raise InvalidTransition(
            _("该考核结果已批准，不能再次批准")
            if locked.status == Status.APPROVED
            else _("该考核结果已被更正版本取代")
        )
    transitions = []
    in_force = (
        AssessmentResult.objects.select_for_update()
        .filter(month=locked.month, unit_key=locked.unit_key, status=Status.APPROVED)
        .first()
    )
    if in_force is not None:
        if in_force.pk != locked.replaces_id:
            raise InvalidTransition(_("该单位本月已有批准的考核结果，请先对其发起更正"))
        in_force.status = Status.SUPERSEDED
        in_force.save(update_fields=["status"])
        transitions.append(
            _record(in_force, "supersede", Status.APPROVED, actor, f"v{locked.version}")
        )
    locked.status = Status.APPROVED
    locked.approved_at = timezone.now()
    locked.approved_by = actor
    locked.save(update_fields=["status", "approved_at", "approved_by"])
    transitions.append(_record(locked, "approve", Status.DRAFT, actor))
    AssessmentTransition.objects.bulk_create(transitions)
    return locked


@transaction.atomic
def assessment_correct(*, result: AssessmentResult, actor: Any, reason: str) -> AssessmentResult:
    """A correction of an approved result: a new draft version computed from the current data
    and configuration. The approved version stays in force until the new one is approved."""
    if not may_compute(actor):
        raise PermissionDenied(_("只有售后服务部主管、人力资源部和系统管理员可以发起更正"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写更正原因"), field="reason")
    period = AssessmentPeriod.objects.select_for_update().get(pk=result.period_id)
    locked = (
        AssessmentResult.objects.select_for_update(of=("self",))
        .select_related("outlet")
        .get(pk=result.pk)
    )
    if locked.status != Status.APPROVED:
        raise InvalidTransition(
            _("只能更正已批准的考核结果；草稿请直接重新计算")
            if locked.status == Status.DRAFT
            else _("该版本已被取代，请更正现行的版本")
        )
    siblings = AssessmentResult.objects.filter(month=locked.month, unit_key=locked.unit_key)
    if siblings.filter(status=Status.DRAFT).exists():
        raise InvalidTransition(_("已有待批准的更正版本，请先批准或重新计算它"))
    version = max(siblings.values_list("version", flat=True)) + 1
    config, _per_outlet = config_in_force()
    unit = Unit(locked.unit_key, locked.outlet)
    fields = _values(locked.month, [unit], config)[unit.key]
    draft = AssessmentResult(
        period=period,
        month=locked.month,
        unit_key=locked.unit_key,
        version=version,
        status=Status.DRAFT,
        replaces=locked,
        correction_reason=reason,
        computed_at=timezone.now(),
        computed_by=actor,
        **fields,
    )
    draft.save()
    AssessmentTransition.objects.bulk_create([_record(draft, "correct", "", actor, reason)])
    return draft


def parse_month(value: Any) -> date | None:
    """The first day of the month "2026-05" names, or None when it names none."""
    far = date(1900, 1, 1)  # outside the years month_of accepts, so it marks "unparsable"
    month = month_of(value, default=far)
    return None if month == far else month


def previous_month_to_assess(today: date | None = None) -> date:
    return previous_month((today or timezone.localdate()).replace(day=1))


# --- distribution of an approved result ------------------------------------------------------
#
#   distribute  (none | current)  → current v n+1   the previous current one → superseded
#   apply       current           → applied         HR paid it: frozen, re-distributing refused
#
# Decision: re-distributing before HR has applied replaces the pending split (the old rows stay,
# marked superseded, so the history shows who changed what); after HR has applied it, money has
# moved and a new split would pay twice, so it is refused. Every write locks the result's row
# first, so two heads (or a head and HR) never interleave on one result.


@dataclass(frozen=True)
class ShareInput:
    staff_id: int
    amount: Decimal
    reason: str = ""


def parse_amount(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("−", "-"))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _lock_result(result: AssessmentResult) -> AssessmentResult:
    # of=self: the outlet is an outer join, which PostgreSQL cannot lock (nor need we).
    return (
        AssessmentResult.objects.select_for_update(of=("self",))
        .select_related("outlet")
        .get(pk=result.pk)
    )


def _check_distributable(result: AssessmentResult) -> None:
    if result.status == Status.DRAFT:
        raise InvalidTransition(_("只能分配已批准的考核结果，请先由人力资源部批准"))
    if result.status == Status.SUPERSEDED:
        raise InvalidTransition(_("该考核结果已被更正版本取代，请分配现行的版本"))


def split_problems(result: AssessmentResult, shares: Sequence[ShareInput]) -> list[str]:
    """Everything wrong with a split of `result`, as sentences for people (empty: acceptable).
    Used by the service and by the page's preview, so both say the same."""
    messages: list[str] = []
    total = result.amount
    for problem in pay.check_split(total, [s.amount for s in shares]):
        row = (problem.row or 0) + 1
        if problem.code == "zero_total":
            messages.append(_("该考核结果奖罚合计为 0 元，无需分配"))
        elif problem.code == "empty":
            messages.append(_("请至少填写一名员工的分配金额"))
        elif problem.code == "fen":
            messages.append(_("第 %(row)s 行：金额最多保留两位小数（精确到分）") % {"row": row})
        elif problem.code == "zero":
            messages.append(_("第 %(row)s 行：金额不能为 0") % {"row": row})
        elif problem.code == "sign":
            messages.append(
                (
                    _("第 %(row)s 行：考核结果为奖励，分配金额须为正数")
                    if total > 0
                    else _("第 %(row)s 行：考核结果为罚款，分配金额须为负数")
                )
                % {"row": row}
            )
        elif problem.code == "sum":
            difference = problem.difference or pay.ZERO
            shares_total = total + difference
            messages.append(
                _("合计 %(sum)s 元，与考核结果 %(total)s 元相差 %(diff)s 元")
                % {
                    "sum": pay.yuan(shares_total),
                    "total": pay.yuan(total),
                    "diff": pay.yuan(abs(difference)),
                }
            )
    members = {s.pk: s for s in unit_staff(result).filter(pk__in={s.staff_id for s in shares})}
    seen: set[int] = set()
    for i, share in enumerate(shares, start=1):
        if share.staff_id in seen:
            messages.append(_("第 %(row)s 行：同一员工只能出现一次") % {"row": i})
        seen.add(share.staff_id)
        if share.staff_id not in members:
            messages.append(
                _("第 %(row)s 行：该员工不属于%(unit)s（或已离岗），不能参与分配")
                % {"row": i, "unit": result.unit_name}
            )
    return [str(m) for m in messages]


@transaction.atomic
def distribution_save(
    *, result: AssessmentResult, shares: Sequence[ShareInput], note: str = "", actor: Any
) -> Distribution:
    """Record how the unit's head splits an approved result's amount. The shares must add up to
    the amount exactly; otherwise nothing is written."""
    if not may_distribute(actor, result):
        raise PermissionDenied(
            _("只有该考核单位的负责人（售后服务部主管或本网点的服务站经理）和系统管理员可以分配")
        )
    locked = _lock_result(result)
    _check_distributable(locked)
    previous = list(
        Distribution.objects.select_for_update()
        .filter(result=locked)
        .exclude(status=Distribution.Status.SUPERSEDED)
    )
    if any(d.status == Distribution.Status.APPLIED for d in previous):
        raise InvalidTransition(_("人力资源部已执行该分配，不能再修改"))
    # A correction of a result whose amount was already paid out would pay it a second time:
    # until differences between versions are distributed, HR settles such a case by hand.
    if (
        Distribution.objects.filter(
            result__month=locked.month,
            result__unit_key=locked.unit_key,
            status=Distribution.Status.APPLIED,
        )
        .exclude(result=locked)
        .exists()
    ):
        raise InvalidTransition(
            _("此前版本的分配已由人力资源部执行；更正后的差额请人力资源部另行处理，不能再次分配")
        )
    problems = split_problems(locked, shares)
    if problems:
        raise ValidationFailed("；".join(problems), field="shares", details={"problems": problems})
    now = timezone.now()
    version = (
        max(Distribution.objects.filter(result=locked).values_list("version", flat=True), default=0)
        + 1
    )
    for old in previous:
        old.status = Distribution.Status.SUPERSEDED
        old.superseded_at = now
        old.save(update_fields=["status", "superseded_at"])
    distribution = Distribution.objects.create(
        result=locked,
        version=version,
        total=locked.amount,
        note=(note or "").strip(),
        distributed_by=actor,
        distributed_at=now,
    )
    DistributionShare.objects.bulk_create(
        DistributionShare(
            distribution=distribution,
            staff_id=s.staff_id,
            amount=s.amount,
            reason=(s.reason or "").strip()[:200],
        )
        for s in shares
    )
    return distribution


@transaction.atomic
def distribution_apply(*, distribution: Distribution, actor: Any) -> Distribution:
    """HR records that the split has been paid; from then on it is frozen."""
    if not may_apply(actor):
        raise PermissionDenied(_("分配须由人力资源部或系统管理员执行"))
    result = _lock_result(distribution.result)
    locked = Distribution.objects.select_for_update().get(pk=distribution.pk)
    if locked.status == Distribution.Status.APPLIED:
        raise InvalidTransition(_("该分配已执行"))
    if locked.status == Distribution.Status.SUPERSEDED:
        raise InvalidTransition(_("该分配已被重新分配取代，请执行现行的分配"))
    if result.status != Status.APPROVED:
        raise InvalidTransition(_("该考核结果已被更正版本取代，其分配不能再执行"))
    locked.status = Distribution.Status.APPLIED
    locked.applied_by = actor
    locked.applied_at = timezone.now()
    locked.save(update_fields=["status", "applied_by", "applied_at"])
    return locked


# --- individual pay (HR) ------------------------------------------------------------------------


def _check_pay_editor(actor: Any) -> None:
    if not may_edit_pay(actor):
        raise PermissionDenied(_("员工薪酬只能由人力资源部或系统管理员修改"))


def _check_year(year: int) -> int:
    if not 2000 <= int(year) <= 2100:
        raise ValidationFailed(_("年度无效"), field="year")
    return int(year)


def _money_value(value: Any, field: str, *, allow_negative: bool = False) -> Decimal:
    amount = value if isinstance(value, Decimal) else parse_amount(value)
    if amount is None or amount != amount.quantize(pay.CENT) or abs(amount) >= 10**10:
        raise ValidationFailed(_("请填写金额（元），最多两位小数"), field=field)
    if amount < 0 and not allow_negative:
        raise ValidationFailed(_("金额不能为负数"), field=field)
    return amount


def _lock_pay(staff: Any, year: int) -> EmployeePay:
    row, _created = EmployeePay.objects.get_or_create(staff=staff, year=year)
    return EmployeePay.objects.select_for_update().get(pk=row.pk)


@transaction.atomic
def employee_pay_set(
    *, staff: Any, year: int, base_salary: Any, standard_performance: Any, actor: Any
) -> EmployeePay:
    """A: the annual base salary; and the standard monthly performance pay that the quarterly
    coefficients multiply."""
    _check_pay_editor(actor)
    year = _check_year(year)
    base = _money_value(base_salary, "base_salary")
    standard = _money_value(standard_performance, "standard_performance")
    row = _lock_pay(staff, year)
    row.base_salary, row.standard_performance = base, standard
    row.save()
    return row


@transaction.atomic
def quarter_assessments_set(
    *, staff: Any, year: int, quarters: dict[int, tuple[Any, str]], actor: Any
) -> None:
    """The four quarters' scores at once (quarter → (score, note)): all of them or none."""
    for quarter in (1, 2, 3, 4):
        score, note = quarters.get(quarter, ("", ""))
        quarter_assessment_set(
            staff=staff, year=year, quarter=quarter, score=score, note=note, actor=actor
        )


@transaction.atomic
def quarter_assessment_set(
    *, staff: Any, year: int, quarter: int, score: Any, note: str = "", actor: Any
) -> QuarterAssessment | None:
    """B's input: a quarter's work-assessment score (0–100); an empty score removes it."""
    _check_pay_editor(actor)
    year = _check_year(year)
    if quarter not in (1, 2, 3, 4):
        raise ValidationFailed(_("季度应为 1 至 4"), field="quarter")
    row = _lock_pay(staff, year)
    if score is None or str(score).strip() == "":
        QuarterAssessment.objects.filter(pay=row, quarter=quarter).delete()
        return None
    value = parse_amount(score)
    if value is None or not 0 <= value <= 100 or value != value.quantize(Decimal("0.1")):
        raise ValidationFailed(_("考核分数应在 0 至 100 之间，最多一位小数"), field="score")
    obj, _created = QuarterAssessment.objects.update_or_create(
        pay=row, quarter=quarter, defaults={"score": value, "note": (note or "").strip()[:200]}
    )
    return obj


@transaction.atomic
def performance_award_add(
    *, staff: Any, year: int, awarded_on: date, amount: Any, reason: str, actor: Any
) -> PerformanceAward:
    """D: a special performance award (negative for a deduction), dated in the year."""
    _check_pay_editor(actor)
    year = _check_year(year)
    if awarded_on is None or awarded_on.year != year:
        raise ValidationFailed(_("日期须在 %(year)s 年内") % {"year": year}, field="awarded_on")
    value = _money_value(amount, "amount", allow_negative=True)
    if value == 0:
        raise ValidationFailed(_("金额不能为 0"), field="amount")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写奖励原因"), field="reason")
    row = _lock_pay(staff, year)
    return PerformanceAward.objects.create(
        pay=row, awarded_on=awarded_on, amount=value, reason=reason[:200], created_by=actor
    )


@transaction.atomic
def performance_award_remove(*, award: PerformanceAward, actor: Any) -> None:
    _check_pay_editor(actor)
    EmployeePay.objects.select_for_update().get(pk=award.pay_id)
    PerformanceAward.objects.filter(pk=award.pk).delete()
