"""The 三包 decision at intake (products/warranty.py): pure functions, property-tested."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aftersales.products.warranty import (
    FREE_ORDER_TYPES,
    Decision,
    add_months,
    decide_warranty,
    warranty_end,
)

FAST = settings(max_examples=200, deadline=None)
days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
months = st.integers(min_value=0, max_value=120)
order_types = st.sampled_from(
    ["repair", "maintenance", "inspection", "upgrade", "training", "return_to_factory"]
)
readings = st.one_of(st.none(), st.integers(min_value=0, max_value=2_000_000))


@st.composite
def windows(draw):
    start = draw(days)
    end = warranty_end(start, draw(st.integers(1, 72)), draw(st.integers(0, 36)))
    return start, end


@FAST
@given(day=days, n=months)
def test_add_months_lands_in_the_right_month_and_never_overflows(day, n):
    result = add_months(day, n)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == n
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)


@FAST
@given(day=days, a=months, b=months)
def test_add_months_is_monotone(day, a, b):
    lo, hi = sorted([a, b])
    assert add_months(day, lo) <= add_months(day, hi)


@FAST
@given(day=days, n=st.integers(1, 120))
def test_add_months_keeps_the_day_when_every_month_has_it(day, n):
    assume(day.day <= 28)
    assert add_months(day, n).day == day.day
    assert add_months(add_months(day, n), -n) == day


def test_add_months_clamps_to_the_end_of_a_short_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)


@FAST
@given(start=days, n=st.integers(1, 120), extended=st.integers(0, 60))
def test_the_warranty_ends_the_day_before_the_anniversary(start, n, extended):
    end = warranty_end(start, n, extended)
    assert end == add_months(start, n + extended) - timedelta(days=1)
    assert end >= start
    assert warranty_end(start, n, extended) >= warranty_end(start, n)


def test_a_three_plus_one_warranty_covers_four_years():
    assert warranty_end(date(2024, 3, 15), 36, 12) == date(2028, 3, 14)


@FAST
@given(window=windows(), offset=st.integers(0, 4000), kind=order_types, reading=readings)
def test_a_fault_inside_the_window_is_free_unless_usage_exceeds_the_limit(
    window, offset, kind, reading
):
    start, end = window
    fault = start + timedelta(days=offset)
    assume(fault <= end)
    limit = 100_000
    result = decide_warranty(
        fault_date=fault,
        order_type=kind,
        unit_known=True,
        start=start,
        end=end,
        usage_limit=limit,
        usage_reading=reading,
        usage_unit="公里",
    )
    if reading is not None and reading > limit:
        assert result.decision == Decision.PAID
        assert str(reading) in result.reason and "100000" in result.reason
    else:
        assert result.decision == Decision.FREE
        assert str(end) in result.reason


@FAST
@given(window=windows(), offset=st.integers(0, 4000), kind=order_types)
def test_a_suspected_exclusion_inside_the_window_is_decided_on_site(window, offset, kind):
    start, end = window
    fault = start + timedelta(days=offset)
    assume(fault <= end)
    result = decide_warranty(
        fault_date=fault,
        order_type=kind,
        unit_known=True,
        start=start,
        end=end,
        exclusion_suspected=True,
    )
    assert result.decision == Decision.ON_SITE
    assert "除外" in result.reason


@FAST
@given(window=windows(), late=st.integers(1, 4000), kind=order_types, excl=st.booleans())
def test_a_fault_after_the_end_is_paid(window, late, kind, excl):
    start, end = window
    result = decide_warranty(
        fault_date=end + timedelta(days=late),
        order_type=kind,
        unit_known=True,
        start=start,
        end=end,
        exclusion_suspected=excl,
    )
    assert result.decision == Decision.PAID
    assert str(end) in result.reason


@FAST
@given(
    window=st.one_of(st.none(), windows()),
    fault=days,
    known=st.booleans(),
    reading=readings,
    excl=st.booleans(),
)
def test_installation_and_commissioning_are_always_free(window, fault, known, reading, excl):
    start, end = window or (None, None)
    for kind in FREE_ORDER_TYPES | {"installation"}:
        result = decide_warranty(
            fault_date=fault,
            order_type=kind,
            unit_known=known,
            start=start,
            end=end,
            usage_limit=10,
            usage_reading=reading,
            exclusion_suspected=excl,
        )
        assert result.decision == Decision.FREE


@FAST
@given(fault=days, kind=order_types, window=st.one_of(st.none(), windows()))
def test_an_unknown_unit_is_decided_on_site(fault, kind, window):
    start, end = window or (None, None)
    result = decide_warranty(
        fault_date=fault, order_type=kind, unit_known=False, start=start, end=end
    )
    assert result.decision == Decision.ON_SITE


@FAST
@given(fault=days, kind=order_types)
def test_a_unit_without_warranty_dates_is_decided_on_site(fault, kind):
    result = decide_warranty(
        fault_date=fault, order_type=kind, unit_known=True, start=None, end=None
    )
    assert result.decision == Decision.ON_SITE


@FAST
@given(
    fault=days,
    kind=st.one_of(order_types, st.sampled_from(sorted(FREE_ORDER_TYPES))),
    known=st.booleans(),
    window=st.one_of(st.none(), windows()),
    limit=st.one_of(st.none(), st.integers(0, 500_000)),
    reading=readings,
    excl=st.booleans(),
)
def test_every_decision_is_one_of_three_and_says_why(
    fault, kind, known, window, limit, reading, excl
):
    start, end = window or (None, None)
    result = decide_warranty(
        fault_date=fault,
        order_type=kind,
        unit_known=known,
        start=start,
        end=end,
        usage_limit=limit,
        usage_reading=reading,
        exclusion_suspected=excl,
    )
    assert result.decision in {Decision.FREE, Decision.PAID, Decision.ON_SITE}
    assert result.reason.strip()
    assert len(result.reason) <= 200  # fits WorkOrder.warranty_reason


def test_a_fault_before_the_warranty_started_is_checked_on_site():
    result = decide_warranty(
        fault_date=date(2024, 1, 1),
        order_type="repair",
        unit_known=True,
        start=date(2024, 2, 1),
        end=date(2026, 1, 31),
    )
    assert result.decision == Decision.ON_SITE
    assert "2024-02-01" in result.reason


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (date(2026, 1, 31), Decision.FREE),  # the last covered day
        (date(2026, 2, 1), Decision.PAID),  # the day after
        (date(2024, 2, 1), Decision.FREE),  # the first day
    ],
)
def test_the_window_includes_both_its_first_and_last_day(fault, expected):
    start = date(2024, 2, 1)
    end = warranty_end(start, 24)
    assert end == date(2026, 1, 31)
    result = decide_warranty(
        fault_date=fault, order_type="repair", unit_known=True, start=start, end=end
    )
    assert result.decision == expected
