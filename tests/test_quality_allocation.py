"""Property tests of the pure money arithmetic: the split of a job's cost by percentages and the
job-cost formula."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.quality.allocation import (
    CENT,
    allocate,
    job_cost_formula,
    percentages_problem,
)

amounts = st.decimals(min_value=0, max_value=Decimal("9999999.99"), places=2)


@st.composite
def percentages(draw):
    """Between one and six positive percentages (two decimals) that add up to exactly 100."""
    n = draw(st.integers(min_value=1, max_value=6))
    cuts = sorted(draw(st.lists(st.integers(1, 9999), min_size=n - 1, max_size=n - 1, unique=True)))
    bounds = [0, *cuts, 10000]
    return [Decimal(b - a) / 100 for a, b in zip(bounds, bounds[1:], strict=False)]


@given(amounts, percentages())
def test_the_allocation_sums_exactly_to_the_cost(amount, percents):
    assert sum(allocate(amount, percents), Decimal("0")) == amount


@given(amounts, percentages())
def test_each_share_is_within_a_cent_of_its_percentage_and_never_negative(amount, percents):
    for share, pct in zip(allocate(amount, percents), percents, strict=True):
        assert share >= 0
        assert share == share.quantize(CENT)
        assert abs(share - amount * pct / 100) <= CENT


@given(amounts, percentages())
def test_a_larger_percentage_never_gets_less(amount, percents):
    shares = allocate(amount, percents)
    for i, p in enumerate(percents):
        for j, r in enumerate(percents):
            if p > r:
                assert shares[i] >= shares[j]


def test_the_leftover_cent_goes_to_the_largest_share():
    assert allocate(Decimal("0.01"), [Decimal("60"), Decimal("40")]) == [
        Decimal("0.01"),
        Decimal("0.00"),
    ]
    assert allocate(Decimal("100.00"), [Decimal("33.33"), Decimal("33.34"), Decimal("33.33")]) == [
        Decimal("33.33"),
        Decimal("33.34"),
        Decimal("33.33"),
    ]


@pytest.mark.parametrize(
    "percents, problem",
    [
        ([Decimal("60"), Decimal("30")], "sum"),
        ([Decimal("60"), Decimal("50")], "sum"),
        ([Decimal("100"), Decimal("0")], "range"),
        ([Decimal("-10"), Decimal("110")], "range"),
        ([Decimal("33.333"), Decimal("66.667")], "precision"),
        ([], "empty"),
    ],
)
def test_percentages_that_cannot_split_a_cost_are_named(percents, problem):
    assert percentages_problem(percents) == problem
    with pytest.raises(ValueError):
        allocate(Decimal("10"), percents)


money = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)
quantity = st.decimals(min_value=0, max_value=Decimal("9999.9"), places=1)


@given(money, quantity, money, quantity, money)
def test_the_job_cost_is_parts_plus_hours_times_rate_plus_km_times_rate(parts, h, lr, km, tr):
    cost = job_cost_formula(
        parts=parts, labour_hours=h, labour_rate=lr, travel_km=km, travel_rate=tr
    )
    assert cost.total == cost.parts + cost.labour + cost.travel
    assert cost.parts == parts
    assert abs(cost.labour - h * lr) <= Decimal("0.005")
    assert abs(cost.travel - km * tr) <= Decimal("0.005")
    assert min(cost.parts, cost.labour, cost.travel) >= 0
    assert all(v == v.quantize(CENT) for v in (cost.parts, cost.labour, cost.travel))


@given(money, quantity, quantity, money)
def test_more_hours_never_cost_less(parts, h1, h2, rate):
    low, high = sorted([h1, h2])
    a = job_cost_formula(
        parts=parts, labour_hours=low, labour_rate=rate, travel_km=0, travel_rate=0
    )
    b = job_cost_formula(
        parts=parts, labour_hours=high, labour_rate=rate, travel_km=0, travel_rate=0
    )
    assert a.total <= b.total


def test_half_a_cent_rounds_up():
    cost = job_cost_formula(
        parts=Decimal("0"),
        labour_hours=Decimal("0.5"),
        labour_rate=Decimal("0.01"),
        travel_km=Decimal("0.5"),
        travel_rate=Decimal("0.03"),
    )
    assert (cost.labour, cost.travel) == (Decimal("0.01"), Decimal("0.02"))
