"""SLA clock arithmetic (core/clock.py) and the business calendar behind it (core/calendar.py).

Property tests run the pure functions on calendars that hypothesis makes up (random statutory
holidays and adjusted working days); unit tests use the calendar seeded from chinesecalendar."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aftersales.core import clock
from aftersales.core.calendar import BusinessCalendar, missing_calendar_years
from aftersales.core.models import BusinessDay
from aftersales.service.models import SlaPolicy
from aftersales.service.sla import compute_deadlines, hours

SH = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
HOURS = clock.WorkingHours()
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- calendars made up by hypothesis --------------------------------------------------------


class MadeUpCalendar:
    """Monday–Friday, minus `holidays`, plus `adjusted` (调休) working days."""

    def __init__(self, holidays: frozenset[date], adjusted: frozenset[date]) -> None:
        self.holidays = holidays
        self.adjusted = adjusted

    def __call__(self, day: date) -> bool:
        if day in self.adjusted:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def __repr__(self) -> str:
        return f"MadeUpCalendar({sorted(self.holidays)}, {sorted(self.adjusted)})"


DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 12, 31))
calendars = st.builds(
    MadeUpCalendar,
    st.frozensets(DAYS, max_size=60),
    st.frozensets(DAYS, max_size=10),
)
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2025, 10, 31), timezones=st.just(SH)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=400))
positive = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(hours=200))
working_hours = st.builds(
    clock.WorkingHours,
    st.sampled_from([time(8, 0), time(8, 30), time(9, 0)]),
    st.sampled_from([time(12, 0), time(17, 30), time(18, 0), time(23, 59)]),
)


def add(start, duration, cal, wh=HOURS):
    return clock.add_service_time(start, duration, is_workday=cal, hours=wh, tz=SH)


def between(start, end, cal, wh=HOURS):
    return clock.service_time_between(start, end, is_workday=cal, hours=wh, tz=SH)


def in_working_time(moment: datetime, cal, wh=HOURS) -> bool:
    local = moment.astimezone(SH)
    return cal(local.date()) and wh.start <= local.time() <= wh.end


@FAST
@given(start=moments, d=durations, cal=calendars, wh=working_hours)
def test_the_service_time_between_start_and_deadline_is_the_duration(start, d, cal, wh):
    assert between(start, add(start, d, cal, wh), cal, wh) == d


@FAST
@given(start=moments, d=durations, cal=calendars, wh=working_hours)
def test_a_deadline_always_falls_inside_working_time_on_a_working_day(start, d, cal, wh):
    due = add(start, d, cal, wh)
    assert in_working_time(due, cal, wh)
    assert due >= start
    assert due.utcoffset() == timedelta(hours=8)


@FAST
@given(start=moments, d=positive, cal=calendars)
def test_a_positive_duration_never_ends_at_the_opening_minute(start, d, cal):
    # It ends at the close of a day rather than at 08:30 of the next one.
    due = add(start, d, cal)
    assert due.astimezone(SH).time() > HOURS.start


@FAST
@given(start=moments, a=durations, b=durations, cal=calendars)
def test_a_longer_duration_never_gives_an_earlier_deadline(start, a, b, cal):
    short, long_ = sorted([a, b])
    assert add(start, short, cal) <= add(start, long_, cal)


@FAST
@given(s1=moments, s2=moments, d=durations, cal=calendars)
def test_a_later_receipt_never_gives_an_earlier_deadline(s1, s2, d, cal):
    early, late = sorted([s1, s2])
    assert add(early, d, cal) <= add(late, d, cal)


@FAST
@given(start=moments, a=durations, b=positive, cal=calendars)
def test_adding_in_two_steps_equals_adding_the_sum(start, a, b, cal):
    assert add(add(start, a, cal), b, cal) == add(start, a + b, cal)


@FAST
@given(start=moments, cal=calendars)
def test_zero_duration_is_the_next_working_moment(start, cal):
    due = add(start, timedelta(0), cal)
    local = start.astimezone(SH)
    if cal(local.date()) and HOURS.start <= local.time() < HOURS.end:
        assert due == start
    else:
        assert due > start
        assert due.astimezone(SH).time() == HOURS.start
        assert cal(due.astimezone(SH).date())
        # Nothing of working time lies between the receipt and that moment.
        assert between(start, due, cal) == timedelta(0)


@FAST
@given(a=moments, b=moments, c=moments, cal=calendars)
def test_service_time_adds_up_over_consecutive_spans(a, b, c, cal):
    a, b, c = sorted([a, b, c])
    assert between(a, b, cal) + between(b, c, cal) == between(a, c, cal)
    assert timedelta(0) <= between(a, c, cal) <= c - a


@FAST
@given(start=moments, end=moments, cal=calendars)
def test_no_service_time_passes_backwards(start, end, cal):
    assume(end <= start)
    assert between(start, end, cal) == timedelta(0)


@FAST
@given(start=moments, d=durations, cal=calendars)
def test_round_the_clock_counts_every_hour(start, d, cal):
    due = clock.add_service_time(start, d, is_workday=cal, hours=HOURS, tz=SH, round_the_clock=True)
    assert due == start + d
    elapsed = clock.service_time_between(
        start, due, is_workday=cal, hours=HOURS, tz=SH, round_the_clock=True
    )
    assert elapsed == d


@FAST
@given(start=moments, d=durations, cal=calendars)
def test_the_receipt_time_zone_does_not_change_the_deadline(start, d, cal):
    assert add(start.astimezone(UTC), d, cal) == add(start, d, cal)


@FAST
@given(start=moments, d=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=9)))
def test_a_holiday_is_skipped_entirely(start, d):
    """The same receipt with the next working day made a holiday: the deadline moves by at least
    one day, or stays when it fell before that day."""
    weekdays = MadeUpCalendar(frozenset(), frozenset())
    due = add(start, d, weekdays)
    holiday = due.astimezone(SH).date()
    with_holiday = MadeUpCalendar(frozenset({holiday}), frozenset())
    moved = add(start, d, with_holiday)
    assert moved.astimezone(SH).date() != holiday
    assert moved >= due


def test_a_negative_duration_is_refused():
    with pytest.raises(ValueError):
        add(datetime(2025, 3, 3, 9, tzinfo=SH), timedelta(hours=-1), clock.weekday_calendar)


def test_a_naive_receipt_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        add(datetime(2025, 3, 3, 9), timedelta(hours=1), clock.weekday_calendar)


def test_a_calendar_without_working_days_fails_instead_of_looping():
    with pytest.raises(ValueError, match="no working day"):
        add(datetime(2025, 3, 3, 9, tzinfo=SH), timedelta(hours=1), lambda day: False)


def test_working_hours_must_end_after_they_start():
    with pytest.raises(ValueError):
        clock.WorkingHours(time(17, 30), time(8, 30))


def test_the_default_working_day_is_nine_hours_without_lunch_break():
    assert HOURS.length == timedelta(hours=9)
    monday = datetime(2025, 3, 3, 8, 30, tzinfo=SH)
    assert add(monday, timedelta(hours=9), clock.weekday_calendar) == datetime(
        2025, 3, 3, 17, 30, tzinfo=SH
    )
    assert add(monday, timedelta(hours=9, minutes=1), clock.weekday_calendar) == datetime(
        2025, 3, 4, 8, 31, tzinfo=SH
    )


# --- the seeded calendar --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_seeded_calendar_knows_national_day_2024_and_its_adjusted_working_days():
    days = dict(
        BusinessDay.objects.filter(date__range=(date(2024, 9, 27), date(2024, 10, 13))).values_list(
            "date", "is_workday"
        )
    )
    assert days[date(2024, 9, 29)] is True  # Sunday, 调休上班
    assert days[date(2024, 10, 12)] is True  # Saturday, 调休上班
    assert not any(days[date(2024, 10, d)] for d in range(1, 8))
    assert BusinessDay.objects.get(date=date(2024, 9, 29)).name == "国庆节调休上班"
    assert BusinessDay.objects.filter(date__year__in=[2024, 2025, 2026]).count() == 366 + 365 + 365


@pytest.mark.django_db
def test_an_order_received_on_friday_evening_before_national_day_counts_the_adjusted_sunday():
    """Friday 2024-09-27 19:00, working-hours policy (respond 2 h, arrive 16 h, resolve 40 h).
    Saturday 09-28 is off, Sunday 09-29 is an adjusted working day, 10-01…10-07 are the National
    Day holiday, Saturday 10-12 is an adjusted working day again."""
    policy = SlaPolicy(
        name="工作时间",
        round_the_clock=False,
        response_hours=Decimal("2"),
        arrival_hours=Decimal("16"),
        resolution_hours=Decimal("40"),
    )
    received = datetime(2024, 9, 27, 19, 0, tzinfo=SH)
    due = compute_deadlines(
        policy=policy, received_at=received, distance=None, calendar=BusinessCalendar()
    )
    assert due["response_due"] == datetime(2024, 9, 29, 10, 30, tzinfo=SH)
    # Sunday 9 h + Monday 7 h.
    assert due["arrival_due"] == datetime(2024, 9, 30, 15, 30, tzinfo=SH)
    # 09-29 9 h, 09-30 9 h, (10-01…10-07 off), 10-08 9 h, 10-09 9 h, 10-10 4 h.
    assert due["resolution_due"] == datetime(2024, 10, 10, 12, 30, tzinfo=SH)


@pytest.mark.django_db
def test_an_order_received_on_the_eve_of_mid_autumn_2024_skips_the_holiday():
    """Friday 2024-09-13 18:00: Saturday 09-14 is worked (调休), 09-15…09-17 are off."""
    cal = BusinessCalendar()
    received = datetime(2024, 9, 13, 18, 0, tzinfo=SH)
    assert cal.add(received, hours(Decimal("2"))) == datetime(2024, 9, 14, 10, 30, tzinfo=SH)
    assert cal.add(received, hours(Decimal("16"))) == datetime(2024, 9, 18, 15, 30, tzinfo=SH)
    # 14th 9, 18th 9, 19th 9, 20th 9 (=36), Saturday 21st off, Monday 23rd 4 → 12:30.
    assert cal.add(received, hours(Decimal("40"))) == datetime(2024, 9, 23, 12, 30, tzinfo=SH)
    assert cal.missing_years == set()


@pytest.mark.django_db
def test_a_round_the_clock_policy_ignores_the_holiday():
    cal = BusinessCalendar()
    received = datetime(2024, 9, 30, 20, 0, tzinfo=SH)
    assert cal.add(received, timedelta(hours=8), round_the_clock=True) == datetime(
        2024, 10, 1, 4, 0, tzinfo=SH
    )


@pytest.mark.django_db
def test_a_year_without_calendar_rows_falls_back_to_weekdays_and_is_reported(caplog):
    cal = BusinessCalendar()
    friday = datetime(2030, 9, 27, 17, 0, tzinfo=SH)  # 2030 has no rows
    with caplog.at_level(logging.WARNING, logger="aftersales.core.calendar"):
        due = cal.add(friday, timedelta(hours=2))
    assert due == datetime(2030, 9, 30, 10, 0, tzinfo=SH)  # Monday, 00:30 + 1:30
    assert cal.missing_years == {2030}
    assert "2030" in caplog.text
    assert missing_calendar_years(around=date(2030, 5, 1)) == [2030]


@pytest.mark.django_db
def test_missing_calendar_years_warns_in_november_about_next_year():
    assert missing_calendar_years(around=date(2026, 6, 1)) == []
    assert missing_calendar_years(around=date(2026, 11, 15)) == [2027]


@pytest.mark.django_db
def test_an_administrators_new_year_replaces_the_fallback():
    BusinessDay.objects.create(date=date(2030, 10, 1), is_workday=False, name="国庆节")
    cal = BusinessCalendar()
    assert cal.is_workday(date(2030, 10, 1)) is False  # a Tuesday, made a holiday
    assert cal.is_workday(date(2030, 10, 2)) is True  # other days keep Monday–Friday
    assert cal.missing_years == set()
