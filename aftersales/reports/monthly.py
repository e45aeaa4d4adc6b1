"""Month-by-month timeliness and satisfaction (the dashboard's trend chart and the analysis
reports' monthly table), with the figures of complete months kept in `KpiMonth`.

Counting a year of orders and their feedback forms takes seconds on a million orders (two
grouped queries over ~300,000 orders, docs/performance.md); a complete month's figures rarely
change, so they are counted once per month and outlet and read back as rows. The current month
(and any later one) is always counted live.

A stored month stays true because every change that can move its figures drops it:

* an order enters or leaves the closed population, or its closing time moves (a reopen clears
  `closed_at`: `WorkOrder.from_db` remembers the loaded status and closing time);
* a feedback form of an order closed in that month is written or deleted;
* a breach is recorded (or deleted) on an order closed in that month.

The next read counts the dropped month again. Writes that bypass the model signals (a bulk
`UPDATE` or `INSERT … SELECT`) are caught by the nightly refresh of the last
`REFRESH_MONTHS` months (`tasks.py`) and by `aftersales kpi-months --refresh`. A change that
commits while a read is counting the same month can be stored stale until that refresh: the
window is the length of one month's count (well under a second)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from aftersales.core.dates import next_month, previous_month, start_of_day
from aftersales.service.models import SlaEvent, Status, WorkOrder
from aftersales.supervision.models import FeedbackForm

from . import kpis
from .models import GRADES, KpiMonth

# The KPIs' population and feedback items, shared with selectors.py (which imports them from
# here: this module must not import the selectors, which read the trend through it).
CLOSED = (Status.CLOSED, Status.FOLLOWED_UP)
FEEDBACK_ITEMS = ("timeliness", "quality", "attitude")


def breached() -> Exists:
    """The order has a recorded SLA breach (any target)."""
    return Exists(SlaEvent.objects.filter(order=OuterRef("pk"), kind=SlaEvent.Kind.BREACH))


NO_OUTLET = 0
# How many complete months back the nightly refresh recounts: feedback forms arrive days after
# the close, a reopen comes within the reopen window, and bulk writes may touch any of them.
REFRESH_MONTHS = 3

Counts = dict[str, int]
_FIELDS = ("closed", "breached", *(f"items_{g.lower()}" for g in GRADES))


def month_key(value: Any) -> date:
    """The first day of the (local) month a `TruncMonth` value stands for."""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value.replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    result, month = [], first.replace(day=1)
    while month <= last:
        result.append(month)
        month = next_month(month)
    return result


def current_month() -> date:
    return timezone.localdate().replace(day=1)


def count_months(first: date, last: date, *, outlet_id: int | None = None) -> dict[tuple, Counts]:
    """Live counts per (month, outlet key) of the months `first`…`last` (first days): two
    grouped queries. `outlet_id` limits them to one outlet (a station manager's scope)."""
    start, end = start_of_day(first), start_of_day(next_month(last))
    orders = WorkOrder.objects.filter(closed_at__gte=start, closed_at__lt=end, status__in=CLOSED)
    forms = FeedbackForm.objects.filter(
        counted=True,
        order__status__in=CLOSED,
        order__closed_at__gte=start,
        order__closed_at__lt=end,
    )
    if outlet_id is not None:
        orders = orders.filter(outlet_id=outlet_id)
        forms = forms.filter(order__outlet_id=outlet_id)
    result: dict[tuple, Counts] = defaultdict(lambda: dict.fromkeys(_FIELDS, 0))
    for row in (
        orders.annotate(m=TruncMonth("closed_at"))
        .order_by()
        .values("m", "outlet_id")
        .annotate(closed=Count("pk"), breached=Count("pk", filter=breached()))
    ):
        counts = result[(month_key(row["m"]), row["outlet_id"] or NO_OUTLET)]
        counts["closed"] += row["closed"]
        counts["breached"] += row["breached"]
    grade_counts = {
        f"{item}_{g}": Count("pk", filter=Q(**{item: g})) for item in FEEDBACK_ITEMS for g in GRADES
    }
    for row in (
        forms.annotate(m=TruncMonth("order__closed_at"))
        .order_by()
        .values("m", "order__outlet_id")
        .annotate(**grade_counts)
    ):
        counts = result[(month_key(row["m"]), row["order__outlet_id"] or NO_OUTLET)]
        for g in GRADES:
            counts[f"items_{g.lower()}"] += sum(row[f"{item}_{g}"] for item in FEEDBACK_ITEMS)
    return dict(result)


def refresh(months: Iterable[date]) -> int:
    """Count the given complete months again, company-wide, and store them (one row per outlet
    that had orders, and always the no-outlet row, which marks the month as counted). Later
    months are left alone: they are never stored. Returns the number of months stored."""
    wanted = sorted({m.replace(day=1) for m in months if m.replace(day=1) < current_month()})
    if not wanted:
        return 0
    counts = count_months(wanted[0], wanted[-1])
    now = timezone.now()
    rows = []
    for month in wanted:
        keys = {key for (m, key) in counts if m == month} | {NO_OUTLET}
        for key in sorted(keys):
            values = counts.get((month, key), dict.fromkeys(_FIELDS, 0))
            rows.append(KpiMonth(month=month, outlet_key=key, computed_at=now, **values))
    with transaction.atomic():
        # Outlets that had orders before and have none now must not keep their old row.
        KpiMonth.objects.filter(month__in=wanted).delete()
        KpiMonth.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["month", "outlet_key"],
            update_fields=[*_FIELDS, "computed_at"],
        )
    return len(wanted)


def forget(months: Iterable[date]) -> None:
    """Drop the stored figures of these months; the next read counts them again."""
    wanted = {m.replace(day=1) for m in months}
    wanted = {m for m in wanted if m < current_month()}
    if wanted:
        KpiMonth.objects.filter(month__in=wanted).delete()


def month_counts(first: date, last: date, *, outlet_id: int | None = None) -> dict[date, Counts]:
    """The counts of every month `first`…`last` for the whole company (`outlet_id` None) or one
    outlet: stored rows for complete months (counted and stored first when missing), live
    counts for the current month and later. Three queries when every month is stored."""
    months = months_between(first, last)
    this_month = current_month()
    complete = [m for m in months if m < this_month]
    result: dict[date, Counts] = {m: dict.fromkeys(_FIELDS, 0) for m in months}
    seen: set[date] = set()
    if complete:
        stored = KpiMonth.objects.filter(month__gte=complete[0], month__lte=complete[-1])
        if outlet_id is not None:
            stored = stored.filter(outlet_key__in=[outlet_id, NO_OUTLET])
        rows = list(stored)
        missing = [m for m in complete if m not in {r.month for r in rows}]
        if missing:
            refresh(missing)
            rows = list(stored.all())
        for row in rows:
            seen.add(row.month)
            if outlet_id is not None and row.outlet_key != outlet_id:
                continue  # the no-outlet row, read only as the month's marker
            target = result[row.month]
            for name in _FIELDS:
                target[name] += getattr(row, name)
    live = [m for m in months if m not in seen]
    if live:
        for (month, _key), counts in count_months(live[0], live[-1], outlet_id=outlet_id).items():
            if month in result and month not in seen:
                for name in _FIELDS:
                    result[month][name] += counts[name]
    return result


def trend(
    first: date, last: date, satisfied: list[str], *, outlet_id: int | None = None
) -> list[dict[str, Any]]:
    """The chart's points: month, its first day, timeliness and satisfaction (None when the
    month has nothing to count)."""
    points = []
    for month, c in month_counts(first, last, outlet_id=outlet_id).items():
        answered = sum(c[f"items_{g.lower()}"] for g in GRADES)
        happy = sum(c[f"items_{g.lower()}"] for g in satisfied)
        points.append(
            {
                "month": f"{month:%Y-%m}",
                "first": month,
                "timeliness": kpis.rate(c["closed"] - c["breached"], c["closed"]),
                "satisfaction": kpis.rate(happy, answered),
            }
        )
    return points


# --- dropping a month when its figures change ------------------------------------------------


def _month_of(moment: datetime | None) -> date | None:
    return month_key(moment) if moment is not None else None


def _order_saved(sender: Any, instance: WorkOrder, **kwargs: Any) -> None:
    before = instance._loaded_closing
    after = (instance.status, instance.closed_at)
    was_in = before[0] in CLOSED and before[1] is not None
    is_in = after[0] in CLOSED and after[1] is not None
    if (was_in, before[1] if was_in else None) == (is_in, after[1] if is_in else None):
        return  # e.g. closed → followed up: the same order in the same month
    forget(m for m in (_month_of(before[1]), _month_of(after[1])) if m is not None)
    instance._loaded_closing = after


def _order_deleted(sender: Any, instance: WorkOrder, **kwargs: Any) -> None:
    if instance.closed_at is not None:
        forget([month_key(instance.closed_at)])


def _order_closing(order_id: int | None) -> datetime | None:
    if order_id is None:
        return None
    return WorkOrder.objects.filter(pk=order_id).values_list("closed_at", flat=True).first()


def _form_changed(sender: Any, instance: FeedbackForm, **kwargs: Any) -> None:
    closed_at = _order_closing(instance.order_id)
    if closed_at is not None:
        forget([month_key(closed_at)])


def _event_changed(sender: Any, instance: SlaEvent, **kwargs: Any) -> None:
    if instance.kind != SlaEvent.Kind.BREACH:
        return
    closed_at = _order_closing(instance.order_id)
    if closed_at is not None:
        forget([month_key(closed_at)])


def connect() -> None:
    post_save.connect(_order_saved, sender=WorkOrder, dispatch_uid="kpimonth:order")
    post_delete.connect(_order_deleted, sender=WorkOrder, dispatch_uid="kpimonth:order-del")
    post_save.connect(_form_changed, sender=FeedbackForm, dispatch_uid="kpimonth:form")
    post_delete.connect(_form_changed, sender=FeedbackForm, dispatch_uid="kpimonth:form-del")
    post_save.connect(_event_changed, sender=SlaEvent, dispatch_uid="kpimonth:event")
    post_delete.connect(_event_changed, sender=SlaEvent, dispatch_uid="kpimonth:event-del")


def refresh_recent(today: date | None = None) -> int:
    """The nightly refresh: the last `REFRESH_MONTHS` complete months."""
    month = (today or timezone.localdate()).replace(day=1)
    months = []
    for _ in range(REFRESH_MONTHS):
        month = previous_month(month)
        months.append(month)
    return refresh(months)
