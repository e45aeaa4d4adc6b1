"""SLA clock arithmetic on a business calendar — pure functions, no database.

A deadline is "so many hours of service time after receipt". Service time is either every hour
(24/7 hotline) or the working time of working days: Monday–Friday 08:30–17:30 by default, minus
statutory holidays, plus the adjusted working days (调休). The caller passes `is_workday`, built
from the calendar table, so these functions can be property-tested on any calendar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

IsWorkday = Callable[[date], bool]

# No calendar has a year without working days; a search past this many days means a broken
# calendar (every day a holiday), which must fail loudly instead of looping forever.
MAX_DAYS = 3660


@dataclass(frozen=True)
class WorkingHours:
    start: time = time(8, 30)
    end: time = time(17, 30)

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("working hours must end after they start")

    @property
    def length(self) -> timedelta:
        return datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)


def weekday_calendar(day: date) -> bool:
    """Monday–Friday: the fallback for a year the calendar table does not know."""
    return day.weekday() < 5


def _local(moment: datetime, tz: tzinfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("aware datetimes only")
    return moment.astimezone(tz).replace(tzinfo=None)


def add_service_time(
    start: datetime,
    duration: timedelta,
    *,
    is_workday: IsWorkday,
    hours: WorkingHours,
    tz: tzinfo,
    round_the_clock: bool = False,
) -> datetime:
    """The moment when `duration` of service time has passed after `start`."""
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    if round_the_clock:
        return start + duration
    cursor = _local(start, tz)
    remaining = duration
    for _ in range(MAX_DAYS):
        day = cursor.date()
        if is_workday(day):
            day_start = datetime.combine(day, hours.start)
            day_end = datetime.combine(day, hours.end)
            if cursor < day_start:
                cursor = day_start
            if cursor < day_end:
                available = day_end - cursor
                if remaining <= available:
                    return (cursor + remaining).replace(tzinfo=tz)
                remaining -= available
        cursor = datetime.combine(day + timedelta(days=1), time.min)
    raise ValueError("the calendar has no working day in ten years")


def service_time_between(
    start: datetime,
    end: datetime,
    *,
    is_workday: IsWorkday,
    hours: WorkingHours,
    tz: tzinfo,
    round_the_clock: bool = False,
) -> timedelta:
    """Service time elapsed from `start` to `end` (zero when `end` is not after `start`)."""
    if end <= start:
        return timedelta(0)
    if round_the_clock:
        return end - start
    a, b = _local(start, tz), _local(end, tz)
    total = timedelta(0)
    day = a.date()
    while day <= b.date():
        if is_workday(day):
            lo = max(a, datetime.combine(day, hours.start))
            hi = min(b, datetime.combine(day, hours.end))
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total
