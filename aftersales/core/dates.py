"""Local-day filters that an index can serve.

`field__date__gte` makes the database convert every row to a local date first; a range between
two local midnights uses the index on the timestamp column instead."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date


def as_date(value: Any) -> date | None:
    """A date from a `date` (forms, serializers) or an ISO string (callers that pass the raw
    query); a `datetime` counts as its local day. Anything unparsable means "no bound"."""
    if not value:
        return None
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value).strip())
    except ValueError:
        return None


def start_of_day(day: date) -> datetime:
    """Midnight of `day` in the current time zone (Asia/Shanghai), as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def local_days(field: str, date_from: Any = None, date_to: Any = None) -> Q:
    """`field` within the local days from `date_from` to `date_to`, both included."""
    condition = Q()
    start, end = as_date(date_from), as_date(date_to)
    if start:
        condition &= Q(**{f"{field}__gte": start_of_day(start)})
    if end:
        condition &= Q(**{f"{field}__lt": start_of_day(end + timedelta(days=1))})
    return condition


def month_of(value: Any, *, default: date) -> date:
    """The first day of the month that "2026-11" names; `default`'s month when it names none."""
    text = str(value or "").strip()
    try:
        year, month = (int(part) for part in text.split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    except ValueError:
        pass
    return default.replace(day=1)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def previous_month(first: date) -> date:
    return date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)
