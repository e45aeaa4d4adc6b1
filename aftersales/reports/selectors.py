"""The counting behind the S13 KPIs, limited by the user's rights.

Every KPI group is one aggregate query over all groups of a cut (GROUP BY outlet, region, model,
technician or customer), never a loop over orders: the dashboard must stay fast over millions of
orders. The formulas themselves live in `kpis.py`.

Who sees what: the service director, supervisors, quality engineers and administrators see
everything; a station manager sees their own outlet's orders (the `work_orders_for_user` rule);
everybody else nothing.

The population of a period is the orders *closed* in it (status closed or followed up,
`closed_at` between the local midnights of `date_from` and the day after `date_to`): an order is
judged once, when it is done. Complaints count by when they were received, survey invitations
by when they were sent, requisitions by when they were raised — each record by its own date,
filtered to the orders (or the outlet) the user may see."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.complaints.models import Complaint, ComplaintType
from aftersales.core.dates import start_of_day
from aftersales.customers.models import Customer, Region
from aftersales.network.models import Outlet, Staff
from aftersales.network.selectors import staff_for_user
from aftersales.parts.models import Requisition, RequisitionStatus
from aftersales.products.models import FaultCode, ProductModel
from aftersales.service.models import SlaEvent, WorkOrder
from aftersales.supervision.models import FeedbackForm, SurveyInvitation

from . import kpis, monthly
from .kpis import KpiValue
from .models import KpiSettings
from .monthly import CLOSED, FEEDBACK_ITEMS

GRADES = "ABCDE"

# The cut's key on a work order; the other records reach it through their order.
CUTS: dict[str, str] = {
    "outlet": "outlet_id",
    "region": "site_region_id",
    "model": "product_model_id",
    "technician": "technicians__id",
    "customer": "customer_id",
}
# Complaints carry their own outlet, model and customer (a complaint need not name an order).
COMPLAINT_CUTS: dict[str, str] = {
    "outlet": "outlet_id",
    "region": "work_order__site_region_id",
    "model": "product_model_id",
    "technician": "work_order__technicians__id",
    "customer": "customer_id",
}


def sees_kpis(user: Any) -> bool:
    """The dashboard's audience: company-wide roles and station managers (their outlet)."""
    return roles.has_role(
        user, Role.SERVICE_DIRECTOR, Role.SUPERVISOR, Role.QUALITY_ENGINEER, Role.ADMIN
    ) or (roles.is_station_manager(user) and _own_outlet(user) is not None)


def _own_outlet(user: Any) -> int | None:
    staff = staff_for_user(user)
    return staff.outlet_id if staff else None


@dataclass(frozen=True)
class Scope:
    """What a user's KPIs cover: everything (`outlet_id` None) or one outlet; `allowed` False
    means nothing at all."""

    allowed: bool
    outlet_id: int | None = None

    def orders(self) -> QuerySet[WorkOrder]:
        if not self.allowed:
            return WorkOrder.objects.none()
        if self.outlet_id is not None:
            # `work_orders_for_user`'s rule for a station manager (their outlet's orders),
            # without looking their staff record up again for every query of the page.
            return WorkOrder.objects.filter(outlet_id=self.outlet_id)
        return WorkOrder.objects.all()

    def through_order(self, qs: QuerySet, prefix: str = "order__") -> QuerySet:
        if not self.allowed:
            return qs.none()
        if self.outlet_id is not None:
            return qs.filter(**{f"{prefix}outlet_id": self.outlet_id})
        return qs

    def complaints(self) -> QuerySet[Complaint]:
        qs = Complaint.objects.all()
        if not self.allowed:
            return qs.none()
        if self.outlet_id is not None:
            # The complaints app's rule for station managers: the complaint's outlet.
            return qs.filter(outlet_id=self.outlet_id)
        return qs


def scope_for(user: Any) -> Scope:
    """The user's scope, worked out once per request (it is kept on the user object): a page
    runs a dozen KPI queries and must not look the staff record up for each."""
    cached = getattr(user, "_kpi_scope", None)
    if isinstance(cached, Scope):
        return cached
    if not sees_kpis(user):
        scope = Scope(allowed=False)
    elif roles.is_station_manager(user):
        scope = Scope(allowed=True, outlet_id=_own_outlet(user))
    else:
        scope = Scope(allowed=True)
    if user is not None and getattr(user, "is_authenticated", False):
        user._kpi_scope = scope
    return scope


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date  # included

    @property
    def start(self) -> datetime:
        return start_of_day(self.date_from)

    @property
    def end(self) -> datetime:
        return start_of_day(self.date_to + timedelta(days=1))

    def between(self, field_name: str) -> Q:
        # A range on the column itself so that an index on it serves (core/dates.py).
        return Q(**{f"{field_name}__gte": self.start, f"{field_name}__lt": self.end})


def period_for(
    *, date_from: date | None, date_to: date | None, preset: str = "", today: date
) -> Period:
    """The period asked for: a preset (this month, quarter or year up to today), explicit
    dates, or this month by default. Reversed dates are swapped rather than refused."""
    if preset == "quarter":
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return Period(first, today)
    if preset == "year":
        return Period(date(today.year, 1, 1), today)
    if preset == "month" or (date_from is None and date_to is None):
        return Period(today.replace(day=1), today)
    start = date_from or (date_to or today).replace(day=1)
    end = date_to or today
    if end < start:
        start, end = end, start
    return Period(start, end)


# --- the querysets behind the figures (shared by the counts and the drill-down) -------------


def closed_orders(user: Any, period: Period) -> QuerySet[WorkOrder]:
    return scope_for(user).orders().filter(period.between("closed_at"), status__in=CLOSED)


FIRST_TIME_FIX = Q(visit_count__lte=1, reopen_count=0, resolved_at__isnull=False)
REOPENED = Q(reopen_count__gte=1)


def counted_feedback(user: Any, period: Period) -> QuerySet[FeedbackForm]:
    scope = scope_for(user)
    return scope.through_order(
        FeedbackForm.objects.filter(
            counted=True,
            order__status__in=CLOSED,
            order__closed_at__gte=period.start,
            order__closed_at__lt=period.end,
        )
    )


def unsatisfied_q(satisfied: list[str]) -> Q:
    """A form with at least one answered item outside the satisfied grades."""
    condition = Q()
    for item in FEEDBACK_ITEMS:
        condition |= ~Q(**{f"{item}__in": [*satisfied, ""]})
    return condition


def service_complaints(user: Any, period: Period) -> QuerySet[Complaint]:
    """Valid complaints that are the service's responsibility, received in the period."""
    return (
        scope_for(user)
        .complaints()
        .filter(period.between("received_at"), is_valid=True)
        .filter(Q(category="service") | Q(category="", type=ComplaintType.SERVICE))
    )


def survey_invitations(user: Any, period: Period) -> QuerySet[SurveyInvitation]:
    return scope_for(user).through_order(
        SurveyInvitation.objects.filter(period.between("created_at"), order__isnull=False)
    )


def order_requisitions(user: Any, period: Period) -> QuerySet[Requisition]:
    return scope_for(user).through_order(
        Requisition.objects.filter(period.between("created_at"), order__isnull=False).exclude(
            status=RequisitionStatus.CANCELLED
        )
    )


# --- the counts -----------------------------------------------------------------------------


def _hours(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, timedelta):
        return value.total_seconds() / 3600
    return float(value) / 3_600_000_000  # microseconds, should a backend return a number


def _elapsed(end_field: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end_field) - F("received_at"), output_field=DurationField())


def _grouped(qs: QuerySet, key: str | None, **aggregates: Any) -> dict[Any, dict[str, Any]]:
    """One aggregate query: {group key: {name: value}}; key None is the whole."""
    if key is None:
        return {None: qs.aggregate(**aggregates)}
    rows = qs.order_by().values(key).annotate(**aggregates)
    return {row.pop(key): row for row in rows}


@dataclass
class GroupCounts:
    closed: int = 0
    breached: int = 0
    first_time_fix: int = 0
    reopened: int = 0
    response_hours: float = 0.0
    responded: int = 0
    arrival_hours: float = 0.0
    arrived: int = 0
    resolution_hours: float = 0.0
    resolved: int = 0
    costed: int = 0
    cost_parts: Decimal = Decimal("0")
    cost_labour: Decimal = Decimal("0")
    cost_travel: Decimal = Decimal("0")
    cost_total: Decimal = Decimal("0")
    forms: int = 0
    unsatisfied_forms: int = 0
    items_answered: int = 0
    items_satisfied: int = 0
    complaints: int = 0
    survey_sent: int = 0
    survey_answered: int = 0
    requisitions: int = 0
    requisitions_filled: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _order_counts(qs: QuerySet[WorkOrder], key: str | None) -> dict[Any, dict[str, Any]]:
    return _grouped(
        qs,
        key,
        closed=Count("pk"),
        breached=Count("pk", filter=monthly.breached()),
        first_time_fix=Count("pk", filter=FIRST_TIME_FIX),
        reopened=Count("pk", filter=REOPENED),
        response=Sum(_elapsed("responded_at")),
        responded=Count("responded_at"),
        arrival=Sum(_elapsed("first_arrived_at")),
        arrived=Count("first_arrived_at"),
        resolution=Sum(_elapsed("resolved_at")),
        resolved=Count("resolved_at"),
        # JobCost is one-to-one with the order: the join adds no rows.
        costed=Count("job_cost"),
        cost_parts=Sum("job_cost__parts"),
        cost_labour=Sum("job_cost__labour"),
        cost_travel=Sum("job_cost__travel"),
        cost_total=Sum("job_cost__total"),
    )


def _feedback_counts(
    qs: QuerySet[FeedbackForm], key: str | None, satisfied: list[str]
) -> dict[Any, dict[str, Any]]:
    aggregates: dict[str, Any] = {
        "forms": Count("pk"),
        "unsatisfied_forms": Count("pk", filter=unsatisfied_q(satisfied)),
    }
    for item in FEEDBACK_ITEMS:
        aggregates[f"{item}_answered"] = Count("pk", filter=~Q(**{item: ""}))
        aggregates[f"{item}_satisfied"] = Count("pk", filter=Q(**{f"{item}__in": satisfied}))
    return _grouped(qs, key, **aggregates)


def _prefixed(key: str | None, prefix: str = "order__") -> str | None:
    return f"{prefix}{key}" if key else None


def group_counts(
    user: Any, period: Period, cut: str | None = None, *, satisfied: list[str] | None = None
) -> dict[Any, GroupCounts]:
    """The raw counts of every KPI per group of `cut` (None: the whole, under key None).
    Six aggregate queries whatever the number of orders or groups."""
    key = CUTS[cut] if cut else None
    if satisfied is None:
        satisfied = KpiSettings.get().satisfied
    result: dict[Any, GroupCounts] = defaultdict(GroupCounts)

    for group, row in _order_counts(closed_orders(user, period), key).items():
        g = result[group]
        g.closed = row["closed"]
        g.breached = row["breached"]
        g.first_time_fix = row["first_time_fix"]
        g.reopened = row["reopened"]
        g.response_hours, g.responded = _hours(row["response"]), row["responded"]
        g.arrival_hours, g.arrived = _hours(row["arrival"]), row["arrived"]
        g.resolution_hours, g.resolved = _hours(row["resolution"]), row["resolved"]
        g.costed = row["costed"]
        g.cost_parts = row["cost_parts"] or Decimal("0")
        g.cost_labour = row["cost_labour"] or Decimal("0")
        g.cost_travel = row["cost_travel"] or Decimal("0")
        g.cost_total = row["cost_total"] or Decimal("0")

    for group, row in _feedback_counts(
        counted_feedback(user, period), _prefixed(key), satisfied
    ).items():
        g = result[group]
        g.forms = row["forms"]
        g.unsatisfied_forms = row["unsatisfied_forms"]
        g.items_answered = sum(row[f"{i}_answered"] for i in FEEDBACK_ITEMS)
        g.items_satisfied = sum(row[f"{i}_satisfied"] for i in FEEDBACK_ITEMS)

    complaint_key = COMPLAINT_CUTS[cut] if cut else None
    for group, row in _grouped(
        service_complaints(user, period), complaint_key, n=Count("pk")
    ).items():
        result[group].complaints = row["n"]

    for group, row in _grouped(
        survey_invitations(user, period),
        _prefixed(key),
        sent=Count("pk"),
        answered=Count("pk", filter=Q(used_at__isnull=False)),
    ).items():
        result[group].survey_sent = row["sent"]
        result[group].survey_answered = row["answered"]

    for group, row in _grouped(
        order_requisitions(user, period),
        _prefixed(key),
        n=Count("pk"),
        filled=Count("pk", filter=Q(status=RequisitionStatus.ISSUED)),
    ).items():
        result[group].requisitions = row["n"]
        result[group].requisitions_filled = row["filled"]

    if cut is None:
        result[None]  # the whole exists even when nothing happened
    return dict(result)


def kpi_values(counts: GroupCounts, settings: KpiSettings) -> list[KpiValue]:
    """Every KPI of one group, in the order of `kpis.DEFINITIONS`."""
    c = counts
    raw: dict[str, tuple[float | int | Decimal, int]] = {
        "timeliness": (c.closed - c.breached, c.closed),
        "satisfaction": (c.items_satisfied, c.items_answered),
        "complaint_rate": (c.complaints, c.closed),
        "response_hours": (c.response_hours, c.responded),
        "arrival_hours": (c.arrival_hours, c.arrived),
        "resolution_hours": (c.resolution_hours, c.resolved),
        "first_time_fix": (c.first_time_fix, c.closed),
        "reopen_rate": (c.reopened, c.closed),
        "cost_per_job": (c.cost_total, c.costed),
        "parts_cost_per_job": (c.cost_parts, c.costed),
        "labour_cost_per_job": (c.cost_labour, c.costed),
        "travel_cost_per_job": (c.cost_travel, c.costed),
        "parts_fill": (c.requisitions_filled, c.requisitions),
        "survey_response": (c.survey_answered, c.survey_sent),
    }
    return [
        kpis.evaluate(d.name, *raw[d.name], target=settings.target(d.target_field))
        for d in kpis.DEFINITIONS
    ]


def group_labels(cut: str, keys: Iterable[Any]) -> dict[Any, str]:
    """Display names of the groups of a cut, in one query."""
    ids = [k for k in keys if k is not None]
    if not ids:
        return {}
    if cut == "outlet":
        return {
            pk: f"{name}"
            for pk, name in Outlet.objects.filter(pk__in=ids).values_list("pk", "name")
        }
    if cut == "region":
        return dict(Region.objects.filter(pk__in=ids).values_list("pk", "name"))
    if cut == "model":
        return {
            pk: f"{code} {name}"
            for pk, code, name in ProductModel.objects.filter(pk__in=ids).values_list(
                "pk", "code", "name"
            )
        }
    if cut == "technician":
        return {
            pk: f"{(last or '') + (first or '') or username}（{no}）"
            for pk, first, last, username, no in Staff.objects.filter(pk__in=ids).values_list(
                "pk", "user__first_name", "user__last_name", "user__username", "employee_no"
            )
        }
    if cut == "customer":
        return dict(Customer.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {}


@dataclass
class KpiRow:
    key: Any
    label: str
    counts: GroupCounts
    values: list[KpiValue]

    def value(self, name: str) -> KpiValue:
        return next(v for v in self.values if v.name == name)


def kpis_for_user(
    user: Any, period: Period, *, cut: str | None = None, settings: KpiSettings | None = None
) -> list[KpiRow]:
    """The KPI rows the user may see: one row for the whole (no cut) or one per group, the
    largest groups (by closed orders) first. Groups with no key (orders without an outlet,
    a region, …) come last under "未指定"."""
    settings = settings or KpiSettings.get()
    if cut is not None and cut not in CUTS:
        raise ValueError(cut)
    counts = (
        group_counts(user, period, cut, satisfied=settings.satisfied)
        if scope_for(user).allowed
        else {}
    )
    if cut is None:
        whole = counts.get(None, GroupCounts())
        return [KpiRow(None, "", whole, kpi_values(whole, settings))]
    labels = group_labels(cut, counts)
    rows = [
        KpiRow(key, labels.get(key, "") if key is not None else "", c, kpi_values(c, settings))
        for key, c in counts.items()
    ]
    rows.sort(key=lambda r: (r.key is None, -r.counts.closed, r.label))
    return rows


# Cuts under which every counted record falls in exactly one group (the "未指定" group included):
# the whole is the sum of the groups. Not so for technicians — an order may have several.
PARTITIONS = ("outlet", "region", "model", "customer")


def summed(counts: Iterable[GroupCounts]) -> GroupCounts:
    total = GroupCounts()
    for c in counts:
        for f in fields(GroupCounts):
            if f.name != "extra":
                setattr(total, f.name, getattr(total, f.name) + getattr(c, f.name))
    return total


def kpis_with_whole(
    user: Any, period: Period, *, cut: str | None, settings: KpiSettings | None = None
) -> tuple[KpiRow, list[KpiRow]]:
    """The whole and the rows of `cut` (none when `cut` is None). Under a partition the whole
    is added up from the groups instead of being counted again: half the queries."""
    settings = settings or KpiSettings.get()
    if cut in PARTITIONS:
        rows = kpis_for_user(user, period, cut=cut, settings=settings)
        whole = summed(r.counts for r in rows)
        return KpiRow(None, "", whole, kpi_values(whole, settings)), rows
    [whole_row] = kpis_for_user(user, period, settings=settings)
    rows = kpis_for_user(user, period, cut=cut, settings=settings) if cut else []
    return whole_row, rows


# --- the charts' series ---------------------------------------------------------------------


def monthly_trend(
    user: Any, *, last: date, months: int = 12, satisfied: list[str] | None = None
) -> list[dict[str, Any]]:
    """Timeliness and satisfaction per month for the `months` months ending with `last`'s
    month: complete months from their stored figures, the current one counted live
    (`monthly.py`)."""
    scope = scope_for(user)
    first = last.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    if satisfied is None:
        satisfied = KpiSettings.get().satisfied
    if not scope.allowed:
        return [
            {"month": f"{m:%Y-%m}", "first": m, "timeliness": None, "satisfaction": None}
            for m in monthly.months_between(first, last)
        ]
    return monthly.trend(first, last.replace(day=1), satisfied, outlet_id=scope.outlet_id)


def top_faults(user: Any, period: Period, *, limit: int = 10) -> list[dict[str, Any]]:
    """Fault codes of the period's closed orders, most frequent first."""
    rows = list(
        closed_orders(user, period)
        .filter(fault_code__isnull=False)
        .order_by()
        .values("fault_code_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "fault_code_id")[:limit]
    )
    names = (
        {
            pk: f"{code} {name}"
            for pk, code, name in FaultCode.objects.filter(
                pk__in=[r["fault_code_id"] for r in rows]
            ).values_list("pk", "code", "name")
        }
        if rows
        else {}
    )
    return [
        {"id": r["fault_code_id"], "label": names.get(r["fault_code_id"], ""), "n": r["n"]}
        for r in rows
    ]


def breaches_by_target(user: Any, period: Period) -> list[dict[str, Any]]:
    """SLA breaches of the period's closed orders by target (response, arrival, …)."""
    counts = dict(
        SlaEvent.objects.filter(
            kind=SlaEvent.Kind.BREACH,
            order__in=closed_orders(user, period).values("pk"),
        )
        .order_by()
        .values_list("target")
        .annotate(n=Count("pk"))
    )
    return [
        {"target": value, "label": label, "n": counts.get(value, 0)}
        for value, label in SlaEvent.Target.choices
    ]


def complaints_by_type(user: Any, period: Period) -> list[dict[str, Any]]:
    """All complaints received in the period by type (valid or not: the inflow)."""
    counts = dict(
        scope_for(user)
        .complaints()
        .filter(period.between("received_at"))
        .order_by()
        .values_list("type")
        .annotate(n=Count("pk"))
    )
    return [
        {"type": value, "label": label, "n": counts.get(value, 0)}
        for value, label in ComplaintType.choices
    ]


# --- the drill-down: the records behind a figure --------------------------------------------

# kpi name → (kind of record, what the list shows). Each list is the exact set the figure
# counts, with the same filters, so its length equals the figure (tests check it).
DRILLDOWN: dict[str, str] = {
    "closed": "order",
    "timely": "order",
    "breached": "order",
    "first_time_fix": "order",
    "not_first_time_fix": "order",
    "reopened": "order",
    "responded": "order",
    "arrived": "order",
    "resolved": "order",
    "costed": "order",
    "feedback": "order",
    "unsatisfied": "order",
    "complaints": "complaint",
    "survey_sent": "invitation",
    "survey_unanswered": "invitation",
    "requisitions": "requisition",
    "requisitions_unfilled": "requisition",
}


def _cut_filter(lookups: dict[str, str], prefix: str, cuts: dict[str, str]) -> Q:
    """The drill-down's group filters (`outlet=3`, `model=none` for "未指定")."""
    condition = Q()
    for cut, value in cuts.items():
        if cut not in lookups or value in (None, ""):
            continue
        path = f"{prefix}{lookups[cut]}"
        if value == "none":
            condition &= Q(**{f"{path}__isnull": True})
        else:
            condition &= Q(**{path: value})
    return condition


def drilldown(user: Any, period: Period, kpi: str, cuts: dict[str, str]) -> tuple[str, QuerySet]:
    """(kind, queryset) of the records behind the figure `kpi` in the groups `cuts`; ordered
    newest first. Unknown names raise KeyError (the view answers 404)."""
    kind = DRILLDOWN[kpi]
    if kind == "order":
        qs = closed_orders(user, period).filter(_cut_filter(CUTS, "", cuts))
        if kpi == "timely":
            qs = qs.filter(~monthly.breached())
        elif kpi == "breached":
            qs = qs.filter(monthly.breached())
        elif kpi == "first_time_fix":
            qs = qs.filter(FIRST_TIME_FIX)
        elif kpi == "not_first_time_fix":
            qs = qs.filter(~FIRST_TIME_FIX)
        elif kpi == "reopened":
            qs = qs.filter(REOPENED)
        elif kpi in ("responded", "arrived", "resolved"):
            column = {"responded": "responded_at", "arrived": "first_arrived_at"}.get(
                kpi, "resolved_at"
            )
            qs = qs.filter(**{f"{column}__isnull": False})
        elif kpi == "costed":
            qs = qs.filter(job_cost__isnull=False)
        elif kpi in ("feedback", "unsatisfied"):
            # At most one counted form per order (a unique constraint): no duplicates.
            forms = FeedbackForm.objects.filter(order=OuterRef("pk"), counted=True)
            if kpi == "unsatisfied":
                forms = forms.filter(unsatisfied_q(KpiSettings.get().satisfied))
            qs = qs.filter(Exists(forms))
        qs = qs.select_related("outlet", "customer", "product_model").order_by("-closed_at", "-id")
        return kind, qs
    if kind == "complaint":
        complaints = service_complaints(user, period).filter(_cut_filter(COMPLAINT_CUTS, "", cuts))
        return kind, complaints.select_related("outlet", "work_order").order_by(
            "-received_at", "-id"
        )
    if kind == "invitation":
        invitations = survey_invitations(user, period).filter(_cut_filter(CUTS, "order__", cuts))
        if kpi == "survey_unanswered":
            invitations = invitations.filter(used_at__isnull=True)
        return kind, invitations.select_related("order").order_by("-created_at", "-id")
    requisitions = order_requisitions(user, period).filter(_cut_filter(CUTS, "order__", cuts))
    if kpi == "requisitions_unfilled":
        requisitions = requisitions.exclude(status=RequisitionStatus.ISSUED)
    return kind, requisitions.select_related("order", "part").order_by("-created_at", "-id")


def page_of(qs: QuerySet, page: int, size: int = 25) -> tuple[list[Any], bool]:
    """One page and whether another follows, without COUNT(*) over millions of rows: fetch one
    row more than the page holds."""
    page = max(1, page)
    rows = list(qs[(page - 1) * size : page * size + 1])
    return rows[:size], len(rows) > size
