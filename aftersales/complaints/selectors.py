"""Every read of complaints that a user's rights limit. Agents, quality engineers, the service
director, supervisors and administrators see all; a station manager sees those of their
outlet's orders; a customer their own; everybody else none ("not yours" is a 404)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.network.selectors import staff_for_user

from .models import Complaint, ComplaintType, Penalty

COMPANY_WIDE = (
    Role.AGENT,
    Role.QUALITY_ENGINEER,
    Role.SERVICE_DIRECTOR,
    Role.SUPERVISOR,
    Role.ADMIN,
)


def sees_ledger(user: Any) -> bool:
    """Whether the user may open the tracking ledger (back-office roles that see complaints)."""
    return roles.has_role(user, *COMPANY_WIDE) or roles.is_station_manager(user)


def complaints_for_user(user: Any) -> QuerySet[Complaint]:
    qs = Complaint.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if roles.has_role(user, *COMPANY_WIDE):
        return qs
    if roles.is_station_manager(user):
        staff = staff_for_user(user)
        return qs.filter(outlet_id=staff.outlet_id) if staff and staff.outlet_id else qs.none()
    if roles.is_customer(user):
        return qs.filter(customer__user=user)
    return qs.none()


def with_overdue(qs: QuerySet[Complaint], *, now: datetime | None = None) -> QuerySet[Complaint]:
    """`is_overdue`: still open and past its deadline (a closed complaint is judged by when it
    closed)."""
    now = now or timezone.now()
    return qs.annotate(
        is_overdue=Case(
            When(Q(closed_at__isnull=True, deadline__lt=now), then=Value(True)),
            When(closed_at__gt=F("deadline"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def complaint_ledger(
    user: Any,
    *,
    status: str = "",
    type: str = "",
    level: str = "",
    overdue: bool = False,
    recurring: bool = False,
    q: str = "",
    now: datetime | None = None,
) -> QuerySet[Complaint]:
    now = now or timezone.now()
    qs = with_overdue(complaints_for_user(user), now=now).select_related(
        "level", "owner", "customer", "unit", "work_order"
    )
    if status == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif status in Complaint.Status.values:
        qs = qs.filter(status=status)
    if type:
        qs = qs.filter(type=type)
    if level:
        qs = qs.filter(level__code=level)
    if overdue:
        qs = qs.filter(closed_at__isnull=True, deadline__lt=now)
    if recurring:
        qs = qs.filter(is_recurring=True)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(number__iexact=q) | Q(complainant__icontains=q) | Q(unit__serial__iexact=q)
        )
    return qs.order_by("-received_at", "-id")


def get_complaint_for_user(user: Any, complaint_id: Any, *, write: bool = False) -> Complaint:
    """The complaint if the user may see it; with `write`, only for the roles that take steps
    at all (the service checks each step's rights)."""
    if write and not roles.has_role(user, *COMPANY_WIDE):
        raise Http404
    qs = with_overdue(complaints_for_user(user)).select_related(
        "level", "owner", "customer", "unit", "work_order", "recorded_by", "approved_by"
    )
    try:
        pk = int(complaint_id)
    except (TypeError, ValueError):
        obj = qs.filter(number=str(complaint_id)).first()
    else:
        obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


PENALTY_VIEWERS = (Role.HR, Role.SERVICE_DIRECTOR, Role.ADMIN)


def penalties_for_user(user: Any, *, applied: str = "") -> QuerySet[Penalty]:
    """The penalties of step 7 for HR (S10), the service director and administrators; nobody
    else (the view answers 404). `applied`: "yes", "no" or "" for all."""
    if not (user and user.is_authenticated and user.is_active):
        raise Http404
    if not roles.has_role(user, *PENALTY_VIEWERS):
        raise Http404
    qs = Penalty.objects.select_related("complaint", "applied_by")
    if applied == "yes":
        qs = qs.filter(applied_at__isnull=False)
    elif applied == "no":
        qs = qs.filter(applied_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def get_penalty_for_user(user: Any, penalty_id: Any) -> Penalty:
    try:
        return penalties_for_user(user).get(pk=int(penalty_id))
    except (TypeError, ValueError, Penalty.DoesNotExist):
        raise Http404 from None


def complaint_summary(
    user: Any, *, start: datetime, end: datetime, now: datetime
) -> dict[str, Any]:
    """For the directors' overview: open complaints per step and how many are past their
    deadline; complaints received in [start, end) per type, and how many of those were judged
    invalid. Two queries."""
    qs = complaints_for_user(user)
    S = Complaint.Status
    open_q = Q(closed_at__isnull=True)
    received = Q(received_at__gte=start, received_at__lt=end)
    totals = qs.aggregate(
        open=Count("pk", filter=open_q),
        overdue=Count("pk", filter=open_q & Q(deadline__lt=now)),
        received=Count("pk", filter=received),
        invalid=Count("pk", filter=received & Q(is_valid=False)),
        **{f"type_{t}": Count("pk", filter=received & Q(type=t)) for t in ComplaintType.values},
    )
    by_step = dict(
        qs.filter(open_q).values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {
        "open": totals["open"] or 0,
        "overdue": totals["overdue"] or 0,
        "received": totals["received"] or 0,
        "invalid": totals["invalid"] or 0,
        "by_type": [
            {"type": t, "label": label, "n": totals[f"type_{t}"] or 0}
            for t, label in ComplaintType.choices
        ],
        "by_step": [
            {"status": s, "label": label, "n": by_step.get(s, 0)}
            for s, label in S.choices
            if s != S.CLOSED
        ],
    }
