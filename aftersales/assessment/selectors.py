"""Who sees and does what with assessment results (S12, S10).

* The service director, HR and the administrators see every result; a station manager sees the
  results of their own outlet; everyone else sees nothing (404, like a result that does not
  exist).
* Computing (drafts): the service director, HR and the administrators.
* Approving (freezing): HR and the administrators — HR applies rewards and penalties (S10); the
  director whose department is assessed does not approve their own result.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.network.selectors import staff_for_user

from .models import AssessmentResult


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
