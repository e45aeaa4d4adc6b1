"""Who sees and does what with assessment results (S12, S10).

* The service director, HR and the administrators see every result; a station manager sees the
  results of their own outlet; everyone else sees nothing (404, like a result that does not
  exist).
* Computing (drafts): the service director, HR and the administrators.
* Approving (freezing): HR and the administrators — HR applies rewards and penalties (S10); the
  director whose department is assessed does not approve their own result.
* Distributing an approved result's amount: the unit's head — the service director for the
  whole department, the outlet's own station manager for an outlet — and the administrators.
  Whoever sees the result sees its distribution. Marking it applied (paid): HR and the
  administrators.
* Individual pay: HR and the administrators see every employee and edit; the service director
  sees the service department's employees; any employee with a staff record sees their own.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, F, Q, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce, ExtractMonth, Round

from aftersales.accounts import roles
from aftersales.accounts.models import Department, Role
from aftersales.network.models import Staff
from aftersales.network.selectors import staff_for_user

from . import pay
from .models import (
    AssessmentResult,
    Distribution,
    DistributionShare,
    EmployeePay,
    PayGrade,
    PaySettings,
    PerformanceAward,
    QuarterAssessment,
)


def sees_all_assessments(user: Any) -> bool:
    return roles.has_role(user, Role.SERVICE_DIRECTOR, Role.HR, Role.ADMIN)


def _own_outlet_id(user: Any) -> int | None:
    if not (roles.is_station_manager(user) and user.is_active):
        return None
    staff = staff_for_user(user)
    return staff.outlet_id if staff else None


def sees_assessments(user: Any) -> bool:
    return sees_all_assessments(user) or _own_outlet_id(user) is not None


def may_compute(user: Any) -> bool:
    return roles.has_role(user, Role.SERVICE_DIRECTOR, Role.HR, Role.ADMIN)


def may_approve(user: Any) -> bool:
    return roles.has_role(user, Role.HR, Role.ADMIN)


def assessments_for_user(user: Any) -> QuerySet[AssessmentResult]:
    qs = AssessmentResult.objects.all()
    if sees_all_assessments(user):
        return qs
    outlet_id = _own_outlet_id(user)
    if outlet_id is not None:
        return qs.filter(outlet_id=outlet_id)
    return qs.none()


def get_assessment_for_user(user: Any, pk: Any) -> AssessmentResult | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return assessments_for_user(user).select_related("outlet").filter(pk=pk).first()


def month_results(user: Any, month: Any) -> list[AssessmentResult]:
    """The month's current results (drafts and approved; superseded versions only on the result
    page), the department first, then the outlets by code — one query."""
    rows = list(
        assessments_for_user(user)
        .filter(month=month)
        .exclude(status=AssessmentResult.Status.SUPERSEDED)
        .select_related("outlet")
    )
    rows.sort(key=lambda r: (r.outlet is not None, r.outlet.code if r.outlet else "", r.version))
    return rows


def versions_of(result: AssessmentResult) -> QuerySet[AssessmentResult]:
    return AssessmentResult.objects.filter(month=result.month, unit_key=result.unit_key).order_by(
        "version"
    )


# --- distribution -----------------------------------------------------------------------------


def may_distribute(user: Any, result: AssessmentResult) -> bool:
    """The head of the result's unit (or an administrator); the status is the service's
    business, so the page can explain a refusal instead of hiding it."""
    if roles.is_admin(user) and user.is_active:
        return True
    if result.outlet_id is None:
        return roles.has_role(user, Role.SERVICE_DIRECTOR)
    return _own_outlet_id(user) == result.outlet_id


def may_apply(user: Any) -> bool:
    return roles.has_role(user, Role.HR, Role.ADMIN)


def unit_staff(result: AssessmentResult) -> QuerySet[Staff]:
    """Who may receive a share of the result: the outlet's active staff for an outlet; for the
    whole department every active employee of the service department (user.department =
    service), whichever outlet they work at."""
    qs = Staff.objects.filter(is_active=True, user__is_active=True).select_related("user")
    if result.outlet_id is not None:
        return qs.filter(outlet_id=result.outlet_id)
    return qs.filter(user__department=Department.SERVICE)


def distributions_of(result: AssessmentResult) -> list[Distribution]:
    """Every version, newest first, with shares and people: three queries."""
    return list(
        Distribution.objects.filter(result=result)
        .select_related("distributed_by", "applied_by")
        .prefetch_related("shares__staff__user")
        .order_by("-version")
    )


def in_force(distributions: list[Distribution]) -> Distribution | None:
    return next((d for d in distributions if d.status != Distribution.Status.SUPERSEDED), None)


def get_distribution_for_user(user: Any, pk: Any) -> Distribution | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        Distribution.objects.filter(result__in=assessments_for_user(user))
        .select_related("result")
        .filter(pk=pk)
        .first()
    )


# --- individual pay ---------------------------------------------------------------------------


def may_edit_pay(user: Any) -> bool:
    return roles.has_role(user, Role.HR, Role.ADMIN)


def pay_staff_for_user(user: Any) -> QuerySet[Staff]:
    qs = Staff.objects.select_related("user", "outlet")
    if roles.has_role(user, Role.HR, Role.ADMIN):
        return qs
    if roles.has_role(user, Role.SERVICE_DIRECTOR):
        return qs.filter(user__department=Department.SERVICE)
    own = staff_for_user(user) if user is not None and user.is_active else None
    return qs.filter(pk=own.pk) if own else qs.none()


def sees_pay_list(user: Any) -> bool:
    return roles.has_role(user, Role.HR, Role.ADMIN, Role.SERVICE_DIRECTOR)


def get_pay_staff_for_user(user: Any, pk: Any) -> Staff | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return pay_staff_for_user(user).filter(pk=pk).first()


def _fen_sum(field: str) -> Any:
    # DESIGN: sum money as integer fen in SQL (SQLite would otherwise sum floats).
    return Coalesce(
        Sum(Cast(Round(F(field) * 100), output_field=BigIntegerField())),
        0,
        output_field=BigIntegerField(),
    )


def _yuan(fen: Any) -> Decimal:
    return (Decimal(int(fen or 0)) / 100).quantize(pay.CENT)


def pay_config() -> tuple[list[pay.Grade], Decimal]:
    grades = [
        pay.Grade(g.name, g.min_score, g.coefficient)
        for g in PayGrade.objects.order_by("min_score")
    ]
    return grades, PaySettings.get().unassessed_coefficient


def applied_shares(staff_ids: list[int], year: int) -> QuerySet[DistributionShare]:
    """C's rows: shares of applied distributions of results of the year's months. Applied
    distributions are never superseded, and a result has at most one, so each share counts
    once."""
    return DistributionShare.objects.filter(
        staff_id__in=staff_ids,
        distribution__status=Distribution.Status.APPLIED,
        distribution__result__month__year=year,
    )


def pay_for(staff: list[Staff], year: int) -> dict[int, pay.PayOutcome]:
    """The pay of every listed employee for the year, in six queries whatever their number."""
    ids = [s.pk for s in staff]
    grades, unassessed = pay_config()
    rows = {p.staff_id: p for p in EmployeePay.objects.filter(staff_id__in=ids, year=year)}
    scores: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for staff_id, quarter, score in QuarterAssessment.objects.filter(
        pay__staff_id__in=ids, pay__year=year
    ).values_list("pay__staff_id", "quarter", "score"):
        scores[staff_id][quarter] = score
    previous_q4 = dict(
        QuarterAssessment.objects.filter(
            pay__staff_id__in=ids, pay__year=year - 1, quarter=4
        ).values_list("pay__staff_id", "score")
    )
    special = {
        r["staff_id"]: _yuan(r["fen"])
        for r in applied_shares(ids, year).values("staff_id").annotate(fen=_fen_sum("amount"))
    }
    awards = {
        r["pay__staff_id"]: _yuan(r["fen"])
        for r in PerformanceAward.objects.filter(pay__staff_id__in=ids, pay__year=year)
        .values("pay__staff_id")
        .annotate(fen=_fen_sum("amount"))
    }
    out = {}
    for s in staff:
        row = rows.get(s.pk)
        inputs = pay.PayInputs(
            base_salary=row.base_salary if row else pay.ZERO,
            standard_performance=row.standard_performance if row else pay.ZERO,
            scores=scores.get(s.pk, {}),
            previous_q4=previous_q4.get(s.pk),
            special=[special.get(s.pk, pay.ZERO)],
            awards=[awards.get(s.pk, pay.ZERO)],
        )
        out[s.pk] = pay.yearly_pay(inputs, grades, unassessed)
    return out


def pay_list(user: Any, year: int, q: str = "") -> list[tuple[Staff, pay.PayOutcome]]:
    """Everyone the user may see (or those whose number or name contains `q`), with the year's
    pay: one aggregate pass for all of them (the page shows a slice, the totals are of all)."""
    qs = pay_staff_for_user(user)
    if q:
        qs = qs.filter(
            Q(employee_no__icontains=q)
            | Q(user__last_name__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(user__username__icontains=q)
        )
    staff = list(qs.select_related("user", "outlet").order_by("employee_no"))
    outcomes = pay_for(staff, year)
    return [(s, outcomes[s.pk]) for s in staff]


def special_by_month(staff: Staff, year: int) -> list[dict[str, Any]]:
    """C month by month, with the results it comes from (for the working)."""
    rows = (
        applied_shares([staff.pk], year)
        .annotate(m=ExtractMonth("distribution__result__month"))
        .select_related("distribution__result__outlet")
        .order_by("distribution__result__month", "pk")
    )
    return [
        {
            "month": r.m,
            "result": r.distribution.result,
            "amount": r.amount,
            "reason": r.reason,
            "applied_at": r.distribution.applied_at,
        }
        for r in rows
    ]


def pay_detail(staff: Staff, year: int) -> dict[str, Any]:
    row = EmployeePay.objects.filter(staff=staff, year=year).first()
    return {
        "row": row,
        "outcome": pay_for([staff], year)[staff.pk],
        "quarters": {q.quarter: q for q in row.quarters.all()} if row else {},
        "awards": list(
            PerformanceAward.objects.filter(pay=row).select_related("created_by") if row else []
        ),
        "special_rows": special_by_month(staff, year),
        "grades": list(PayGrade.objects.order_by("-min_score")),
    }
