"""Every read of work orders that a user's rights limit. "Not yours" and "does not exist" look
the same (404). The admin, the pages, the API and exports all come through here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from aftersales.accounts import roles
from aftersales.core.dates import as_date, start_of_day
from aftersales.customers.regions import distance_km
from aftersales.network.models import Staff
from aftersales.network.selectors import staff_for_user

from .models import OPEN_STATUSES, WorkOrder


def work_orders_for_user(user: Any) -> QuerySet[WorkOrder]:
    qs = WorkOrder.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if roles.sees_company_wide(user):
        return qs
    if roles.is_station_manager(user):
        staff = staff_for_user(user)
        return qs.filter(outlet_id=staff.outlet_id) if staff and staff.outlet_id else qs.none()
    if roles.is_technician(user):
        staff = staff_for_user(user)
        return qs.filter(technicians=staff) if staff else qs.none()
    if roles.is_customer(user):
        return qs.filter(customer__user=user)
    return qs.none()


def get_work_order_for_user(user: Any, order_id: Any, *, write: bool = False) -> WorkOrder:
    """The order if `user` may see it (and, with `write`, act on it); otherwise 404."""
    qs = work_orders_for_user(user)
    if write and roles.has_role(
        user,
        roles.Role.SUPERVISOR,
        roles.Role.QUALITY_ENGINEER,
        roles.Role.FINANCE,
        roles.Role.HR,
        roles.Role.PARTS_KEEPER,
    ):
        # These roles read the loop; they never act on it through the order pages.
        raise Http404
    try:
        key = int(order_id)
    except (TypeError, ValueError):
        order = qs.filter(number=str(order_id)).first()
    else:
        order = qs.filter(pk=key).first()
    if order is None:
        raise Http404
    return order


def work_order_list(
    user: Any,
    *,
    status: str = "",
    date_from: Any = None,
    date_to: Any = None,
    q: str = "",
    outlet: Any = None,
) -> QuerySet[WorkOrder]:
    """The list page and the API list: filters that each have an index."""
    qs = work_orders_for_user(user).select_related("customer", "unit", "outlet", "leader__user")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    # Local days as ranges on the column itself, so that the (status, -received_at) and
    # (-received_at, -id) indexes serve them; `received_at__date` would compare
    # `(received_at AT TIME ZONE …)::date`, which no index serves (docs/performance.md).
    start = as_date(date_from)
    end = as_date(date_to)
    if start:
        qs = qs.filter(received_at__gte=start_of_day(start))
    if end:
        qs = qs.filter(received_at__lt=start_of_day(end + timedelta(days=1)))
    if outlet:
        qs = qs.filter(outlet_id=outlet)
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(reporter_name__icontains=q)
            | Q(unit__serial__icontains=q)
            | Q(contact_mobile__icontains=q)
        )
    return qs.order_by("-received_at", "-id")


def open_orders_for_unit(unit_id: int, *, exclude_id: int | None = None) -> QuerySet[WorkOrder]:
    qs = WorkOrder.objects.filter(unit_id=unit_id, status__in=OPEN_STATUSES)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.order_by("received_at")


def suggest_technicians(order: WorkOrder) -> list[dict[str, Any]]:
    """Ranked candidates for dispatch: qualified first, then by straight-line distance, open
    workload and how much the deadline leaves. Unqualified ones come last with their reason, so
    the manager sees why someone cannot be sent."""
    from .dispatch import qualification_problems

    if order.outlet_id is None:
        return []
    staff = list(
        Staff.objects.filter(
            outlet_id=order.outlet_id, is_active=True, user__role=roles.Role.TECHNICIAN
        )
        .select_related("user", "outlet")
        .prefetch_related("skills", "certificates__skill")
        .annotate(open_jobs=Count("work_orders", filter=Q(work_orders__status__in=OPEN_STATUSES)))
    )
    rows = []
    for s in staff:
        lat = s.latitude if s.latitude is not None else s.outlet.latitude if s.outlet else None
        lon = s.longitude if s.longitude is not None else s.outlet.longitude if s.outlet else None
        dist = None
        if None not in (lat, lon, order.latitude, order.longitude):
            dist = round(distance_km(lat, lon, order.latitude, order.longitude), 1)  # type: ignore[arg-type]
        problems = qualification_problems(staff=s, order=order)
        # Average road speed of 50 km/h: the travel time must fit before the arrival deadline.
        travel_hours = (dist or 0) / 50
        score = (dist or 0) / 10 + s.open_jobs * 2 + travel_hours
        rows.append(
            {
                "staff": s,
                "distance_km": dist,
                "open_jobs": s.open_jobs,
                "problems": problems,
                "qualified": not problems,
                "score": round(score, 2),
            }
        )
    rows.sort(key=lambda r: (not r["qualified"], r["score"], r["staff"].employee_no))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows
