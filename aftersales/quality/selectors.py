"""Every read of rulings, claims and job costs that a user's rights limit. Quality engineers,
finance, the service director and administrators see all of them; a station manager sees those
of the orders of their outlet; everybody else sees none ("not yours" is a 404)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Exists, F, OuterRef, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce, Round
from django.http import Http404

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.core.dates import as_date
from aftersales.network.selectors import staff_for_user
from aftersales.service.models import Status, WorkOrder
from aftersales.service.selectors import work_orders_for_user

from .models import JobCost, Ruling, SupplierClaim

COMPANY_WIDE = (Role.QUALITY_ENGINEER, Role.FINANCE, Role.SERVICE_DIRECTOR, Role.ADMIN)
# A ruling needs a diagnosis: from "diagnosed" on, whatever happened since.
RULABLE_STATUSES = [
    Status.DIAGNOSED,
    Status.WAITING_PARTS,
    Status.IN_WORKSHOP,
    Status.RESOLVED,
    Status.CONFIRMED,
    Status.CLOSED,
    Status.FOLLOWED_UP,
]
LIVE_RULING = [
    Ruling.Status.DRAFT,
    Ruling.Status.ISSUED,
    Ruling.Status.APPEALED,
    Ruling.Status.FINAL,
]


def sees_quality(user: Any) -> bool:
    """Whether the user may see rulings, claims and costs at all (of some orders)."""
    return roles.has_role(user, *COMPANY_WIDE) or roles.is_station_manager(user)


def may_rule(user: Any) -> bool:
    return roles.has_role(user, Role.QUALITY_ENGINEER, Role.ADMIN)


def _outlet_scope(user: Any) -> int | None:
    """The outlet a station manager is limited to; None for the company-wide roles."""
    if not (user and user.is_authenticated and user.is_active):
        return -1
    if roles.has_role(user, *COMPANY_WIDE):
        return None
    if roles.is_station_manager(user):
        staff = staff_for_user(user)
        return staff.outlet_id if staff and staff.outlet_id else -1
    return -1


def rulings_for_user(user: Any) -> QuerySet[Ruling]:
    qs = Ruling.objects.all()
    scope = _outlet_scope(user)
    if scope is None:
        return qs
    if scope == -1:
        return qs.none()
    return qs.filter(order__outlet_id=scope)


def claims_for_user(user: Any) -> QuerySet[SupplierClaim]:
    qs = SupplierClaim.objects.all()
    scope = _outlet_scope(user)
    if scope is None:
        return qs
    if scope == -1:
        return qs.none()
    return qs.filter(order__outlet_id=scope)


def job_costs_for_user(user: Any) -> QuerySet[JobCost]:
    qs = JobCost.objects.all()
    scope = _outlet_scope(user)
    if scope is None:
        return qs
    if scope == -1:
        return qs.none()
    return qs.filter(outlet_id=scope)


def _get(qs: QuerySet, key: Any) -> Any:
    try:
        pk = int(key)
    except (TypeError, ValueError):
        obj = qs.filter(number=str(key)).first()
    else:
        obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def get_ruling_for_user(user: Any, ruling_id: Any, *, write: bool = False) -> Ruling:
    """The ruling if the user may see it; with `write`, only for those who act on rulings at all
    (the services check each action's rights)."""
    if write and not roles.has_role(
        user, Role.QUALITY_ENGINEER, Role.ADMIN, Role.SERVICE_DIRECTOR, Role.STATION_MANAGER
    ):
        raise Http404
    return _get(
        rulings_for_user(user).select_related(
            "order__outlet", "order__customer", "created_by", "policy", "supersedes"
        ),
        ruling_id,
    )


def get_claim_for_user(user: Any, claim_id: Any, *, write: bool = False) -> SupplierClaim:
    if write and not roles.has_role(user, Role.QUALITY_ENGINEER, Role.FINANCE, Role.ADMIN):
        raise Http404
    return _get(
        claims_for_user(user).select_related("order__outlet", "supplier", "ruling", "created_by"),
        claim_id,
    )


def get_order_for_costing(user: Any, order_id: Any) -> WorkOrder:
    """An order whose cost the user may see: within the quality scope and the order scope."""
    if not sees_quality(user):
        raise Http404
    qs = work_orders_for_user(user).select_related("outlet", "customer")
    try:
        order = qs.filter(pk=int(order_id)).first()
    except (TypeError, ValueError):
        order = qs.filter(number=str(order_id)).first()
    if order is None:
        raise Http404
    return order


def orders_awaiting_ruling(user: Any) -> QuerySet[WorkOrder]:
    """Diagnosed (or later) orders without a live ruling, for those who rule."""
    if not may_rule(user):
        return WorkOrder.objects.none()
    live = Ruling.objects.filter(order=OuterRef("pk"), status__in=LIVE_RULING)
    return (
        work_orders_for_user(user)
        .filter(status__in=RULABLE_STATUSES)
        .filter(~Exists(live))
        .select_related("outlet", "customer", "unit")
        .order_by("-received_at", "-id")
    )


def live_ruling_for_order(order: WorkOrder) -> Ruling | None:
    return order.rulings.filter(status__in=LIVE_RULING).first()


def ruling_list(user: Any, *, status: str = "", party: str = "") -> QuerySet[Ruling]:
    qs = rulings_for_user(user).select_related("order__outlet", "created_by")
    if status:
        qs = qs.filter(status=status)
    if party:
        qs = qs.filter(party=party)
    return qs.order_by("-created_at", "-id")


def claim_list(user: Any, *, status: str = "", supplier: Any = None) -> QuerySet[SupplierClaim]:
    qs = claims_for_user(user).select_related("order__outlet", "supplier", "ruling")
    if status:
        qs = qs.filter(status=status)
    if supplier:
        qs = qs.filter(supplier_id=supplier)
    return qs.order_by("-created_at", "-id")


def job_cost_list(
    user: Any,
    *,
    date_from: Any = None,
    date_to: Any = None,
    outlet: Any = None,
    party: str = "",
) -> QuerySet[JobCost]:
    """Finance's list; every filter has an index (date; outlet+date; party+date)."""
    qs = job_costs_for_user(user).select_related("order", "outlet", "ruling")
    start: date | None = as_date(date_from)
    end: date | None = as_date(date_to)
    if start:
        qs = qs.filter(cost_date__gte=start)
    if end:
        qs = qs.filter(cost_date__lte=end)
    if outlet:
        qs = qs.filter(outlet_id=outlet)
    if party == "none":
        qs = qs.filter(party="")
    elif party:
        qs = qs.filter(party=party)
    return qs.order_by("-cost_date", "-order_id")


def _fen(field: str) -> Any:
    # DESIGN: sum money as integer fen in SQL (SQLite would otherwise sum floats).
    return Coalesce(
        Sum(Cast(Round(F(field) * 100), output_field=BigIntegerField())),
        0,
        output_field=BigIntegerField(),
    )


def money_totals(qs: QuerySet, fields: list[str]) -> dict[str, Decimal]:
    """One aggregate query over the filtered rows: the sums of `fields` in yuan."""
    row = qs.order_by().aggregate(**{name: _fen(name) for name in fields})
    return {name: (Decimal(int(row[name] or 0)) / 100).quantize(Decimal("0.01")) for name in fields}
