"""The business calendar backed by the BusinessDay table."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.utils import timezone

from . import clock, confcache
from .models import BusinessDay

log = logging.getLogger(__name__)


def _load_year(year: int) -> dict[date, bool] | None:
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    rows = dict(
        BusinessDay.objects.filter(date__gte=start, date__lt=end).values_list("date", "is_workday")
    )
    return rows or None


# Whole years of the table, shared by every BusinessCalendar of this process and reloaded when
# the configuration stamp changes (any saved or deleted BusinessDay bumps it). A year without
# rows is not kept, so a year added later in bulk (the admin's "add a year") is found at once.
_YEARS: confcache.CachedMap[dict[date, bool]] = confcache.CachedMap(_load_year)
confcache.watch(BusinessDay)


class BusinessCalendar:
    """Loads whole years from the table (through the per-process cache); a year with no rows
    falls back to Monday–Friday and is remembered in `missing_years` so that callers can show a
    warning."""

    def __init__(self) -> None:
        self._years: dict[int, dict[date, bool] | None] = {}
        self.missing_years: set[int] = set()

    def _load(self, year: int) -> dict[date, bool] | None:
        if year not in self._years:
            rows = _YEARS.get(year)
            self._years[year] = rows
            if rows is None:
                log.warning("business calendar has no data for %s; using Monday–Friday", year)
        return self._years[year]

    def is_workday(self, day: date) -> bool:
        days = self._load(day.year)
        if days is None:
            self.missing_years.add(day.year)
            return clock.weekday_calendar(day)
        return days.get(day, clock.weekday_calendar(day))

    def add(
        self,
        start: datetime,
        duration: timedelta,
        *,
        round_the_clock: bool = False,
        hours: clock.WorkingHours | None = None,
    ) -> datetime:
        return clock.add_service_time(
            start,
            duration,
            is_workday=self.is_workday,
            hours=hours or clock.WorkingHours(),
            tz=timezone.get_current_timezone(),
            round_the_clock=round_the_clock,
        )

    def between(
        self,
        start: datetime,
        end: datetime,
        *,
        round_the_clock: bool = False,
        hours: clock.WorkingHours | None = None,
    ) -> timedelta:
        return clock.service_time_between(
            start,
            end,
            is_workday=self.is_workday,
            hours=hours or clock.WorkingHours(),
            tz=timezone.get_current_timezone(),
            round_the_clock=round_the_clock,
        )


def missing_calendar_years(*, around: date | None = None) -> list[int]:
    """Years near `around` (this year and next) that have no calendar rows: shown as a warning."""
    today = around or timezone.localdate()
    wanted = {today.year, today.year + 1} if today.month >= 11 else {today.year}
    present = set(
        BusinessDay.objects.filter(date__year__in=wanted)
        .values_list("date__year", flat=True)
        .distinct()
    )
    return sorted(wanted - present)


@lru_cache(maxsize=1)
def _chinese_calendar_range() -> tuple[int, int]:
    return (2024, 2026)


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def seed_business_calendar() -> int:
    """Seed exactly 2024–2026 from chinesecalendar (pinned). Existing rows are kept: an
    administrator's edits win. Returns the number of rows created."""
    import chinese_calendar

    first, last = _chinese_calendar_range()
    existing = set(
        BusinessDay.objects.filter(date__year__gte=first, date__year__lte=last).values_list(
            "date", flat=True
        )
    )
    rows = []
    day = date(first, 1, 1)
    while day.year <= last:
        if day not in existing:
            on_holiday, holiday_name = chinese_calendar.get_holiday_detail(day)
            holiday_name = _HOLIDAY_NAMES.get(holiday_name, holiday_name) if holiday_name else None
            workday = not on_holiday
            if holiday_name and workday:
                name = f"{holiday_name}调休上班"
            elif holiday_name:
                name = str(holiday_name)
            else:
                name = ""
            rows.append(BusinessDay(date=day, is_workday=workday, name=name))
        day += timedelta(days=1)
    BusinessDay.objects.bulk_create(rows, batch_size=500)
    if rows:
        confcache.bump()  # bulk_create sends no signals
    return len(rows)
