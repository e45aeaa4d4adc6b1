"""The S13 KPIs: the pure formulas (property tests), then every KPI's numerator and denominator
counted from real records of a period, by cut and limited by the viewer's rights."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from aftersales.quality.models import JobCost
from aftersales.reports import kpis
from aftersales.reports.models import KpiSettings
from aftersales.reports.selectors import CUTS, Period, kpis_for_user, kpis_with_whole, period_for

from . import factories as f
from .test_reports_kpis_support import make_records

counts = st.integers(min_value=0, max_value=10**9)


# --- the formulas ---------------------------------------------------------------------------


@given(counts, counts)
def test_a_rate_is_a_share_of_the_denominator_or_none_without_one(n, d):
    value = kpis.rate(min(n, d), d)
    if d == 0:
        assert value is None
    else:
        assert value is not None and 0 <= value <= 100
        assert value == pytest.approx(100 * min(n, d) / d)


@given(counts, st.integers(min_value=1, max_value=10**9))
def test_a_rate_grows_with_its_numerator(n, d):
    assert kpis.rate(n, d) <= kpis.rate(n + 1, d)  # type: ignore[operator]


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        kpis.rate(-1, 3)
    with pytest.raises(ValueError):
        kpis.mean(1.0, -1)
    with pytest.raises(ValueError):
        kpis.per_job(Decimal("1"), -1)


@given(st.lists(st.floats(min_value=0, max_value=10_000, allow_nan=False), max_size=50))
def test_a_mean_lies_between_the_smallest_and_largest_value(values):
    m = kpis.mean(sum(values), len(values))
    if not values:
        assert m is None
    else:
        assert min(values) - 1e-6 <= m <= max(values) + 1e-6  # type: ignore[operator]


@given(
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    st.integers(min_value=1, max_value=10_000),
)
def test_cost_per_job_is_rounded_to_the_fen_and_close_to_the_exact_share(amount, jobs):
    value = kpis.per_job(amount, jobs)
    assert value is not None and value.as_tuple().exponent == -2
    assert abs(value * jobs - amount) <= Decimal("0.005") * jobs


@given(st.floats(min_value=0, max_value=200), st.floats(min_value=0, max_value=200))
def test_a_minimum_target_is_met_exactly_when_the_value_reaches_it(value, target):
    assert kpis.meets(value, target, "min") is (value >= target)
    assert kpis.meets(value, target, "max") is (value <= target)
    assert kpis.meets(None, target, "min") is None
    assert kpis.meets(value, None, "max") is None


@given(
    st.dictionaries(st.sampled_from(["A", "B", "C", "D", "E", ""]), counts),
    st.sets(st.sampled_from("ABCDE")),
)
def test_satisfied_items_never_exceed_the_answered_ones(grades, satisfied):
    happy, answered = kpis.satisfied_items(grades, "".join(satisfied))
    assert 0 <= happy <= answered
    assert answered == sum(n for g, n in grades.items() if g)
    if set("ABCDE") <= satisfied:
        assert happy == answered


@given(
    st.sampled_from([d.name for d in kpis.DEFINITIONS]),
    st.integers(min_value=0, max_value=1000),
    st.integers(min_value=0, max_value=1000),
)
def test_every_kpi_has_a_definition_and_judges_its_value(name, n, d):
    value = kpis.evaluate(name, min(n, d) if name != "complaint_rate" else n, d, Decimal("50"))
    assert str(value.spec.definition) and str(value.spec.label)
    assert (value.value is None) == (d == 0)
    assert (value.met is None) == (d == 0)
    out = value.as_dict()
    assert set(out) >= {"value", "numerator", "denominator", "target", "met", "definition"}


def test_the_period_presets():
    today = date(2026, 5, 20)
    assert period_for(date_from=None, date_to=None, today=today) == Period(date(2026, 5, 1), today)
    assert period_for(date_from=None, date_to=None, preset="quarter", today=today) == Period(
        date(2026, 4, 1), today
    )
    assert period_for(date_from=None, date_to=None, preset="year", today=today) == Period(
        date(2026, 1, 1), today
    )
    swapped = period_for(date_from=date(2026, 3, 9), date_to=date(2026, 3, 1), today=today)
    assert swapped == Period(date(2026, 3, 1), date(2026, 3, 9))


# --- counted from records -------------------------------------------------------------------


def this_month() -> Period:
    today = timezone.localdate()
    return Period(today.replace(day=1), today)


def value(rows: list[Any], name: str, key: Any = None) -> kpis.KpiValue:
    row = next(r for r in rows if r.key == key)
    return row.value(name)


@pytest.fixture
def records(world, django_capture_on_commit_callbacks):
    return make_records(world, django_capture_on_commit_callbacks)


def test_each_kpi_counts_its_numerator_and_denominator(world, records):
    [whole] = kpis_for_user(world["director"], this_month())
    v = whole.value
    assert (v("timeliness").numerator, v("timeliness").denominator) == (3, 5)
    assert v("timeliness").value == pytest.approx(60.0) and v("timeliness").met is False
    # a: A B A (3), b: C E A (1), e: B B D (2); d's form is not counted.
    assert (v("satisfaction").numerator, v("satisfaction").denominator) == (6, 9)
    # The blank-category service complaint and the one categorised "service".
    assert (v("complaint_rate").numerator, v("complaint_rate").denominator) == (2, 5)
    assert v("complaint_rate").met is False
    assert (v("first_time_fix").numerator, v("first_time_fix").denominator) == (4, 5)
    assert (v("reopen_rate").numerator, v("reopen_rate").denominator) == (1, 5)
    assert v("response_hours").denominator == 5
    # a took 2 h, the four others 10 h (responded when they were resolved remotely).
    assert v("response_hours").value == pytest.approx((2 + 4 * 10) / 5, abs=0.05)
    assert v("arrival_hours").denominator == 1 and v("arrival_hours").value == pytest.approx(4)
    assert (v("parts_fill").numerator, v("parts_fill").denominator) == (2, 3)
    assert (v("survey_response").numerator, v("survey_response").denominator) == (2, 6)


@pytest.mark.parametrize("cut", [None, *CUTS])
@pytest.mark.parametrize("who", ["director", "manager"])
def test_the_whole_added_up_from_a_partition_is_the_whole_counted_apart(world, records, cut, who):
    user = world[who] if who == "director" else world[who].user
    [apart] = kpis_for_user(user, this_month())
    whole, rows = kpis_with_whole(user, this_month(), cut=cut)
    # Hours are float sums: added up in another order they may differ in the last bit.
    for name, expected in vars(apart.counts).items():
        assert getattr(whole.counts, name) == pytest.approx(expected), name
    for got, expected in zip(whole.values, apart.values, strict=True):
        assert (got.name, got.met, got.denominator) == (
            expected.name,
            expected.met,
            expected.denominator,
        )
        assert got.value == pytest.approx(expected.value)
    if cut:
        assert [r.key for r in rows] == [r.key for r in kpis_for_user(user, this_month(), cut=cut)]
    else:
        assert rows == []


def test_the_targets_come_from_the_settings(world, records):
    settings = KpiSettings.get()
    assert (settings.timeliness_target, settings.satisfaction_target) == (90, 85)
    settings.timeliness_target = Decimal("50")
    settings.satisfied_grades = "ABC"
    settings.save()
    [whole] = kpis_for_user(world["director"], this_month())
    assert whole.value("timeliness").met is True
    assert whole.value("satisfaction").numerator == 7


def test_cost_per_job_averages_the_job_costs_of_the_closed_orders(world, records):
    a, b = records["closed"][:2]
    JobCost.objects.filter(order__in=records["closed"]).delete()
    for order, parts, labour, travel in ((a, "100.00", "50.00", "10.00"), (b, "0", "25.00", "5")):
        JobCost.objects.create(
            order=order,
            outlet=order.outlet,
            cost_date=timezone.localdate(),
            parts=Decimal(parts),
            labour=Decimal(labour),
            travel=Decimal(travel),
            total=Decimal(parts) + Decimal(labour) + Decimal(travel),
            labour_hours=1,
            labour_rate=1,
            travel_km=1,
            travel_rate=1,
            computed_at=timezone.now(),
        )
    [whole] = kpis_for_user(world["director"], this_month())
    assert whole.value("cost_per_job").value == Decimal("95.00")
    assert whole.value("cost_per_job").denominator == 2
    assert whole.value("parts_cost_per_job").value == Decimal("50.00")
    assert whole.value("labour_cost_per_job").value == Decimal("37.50")
    assert whole.value("travel_cost_per_job").value == Decimal("7.50")


def test_the_outlet_cut_has_one_row_per_outlet(world, records):
    rows = kpis_for_user(world["director"], this_month(), cut="outlet")
    outlet, other = world["outlet"].pk, world["other_outlet"].pk
    assert {r.key for r in rows} == {outlet, other}
    assert value(rows, "timeliness", outlet).denominator == 4
    assert value(rows, "timeliness", other).numerator == 1
    assert value(rows, "complaint_rate", outlet).numerator == 1
    assert value(rows, "complaint_rate", other).numerator == 1
    assert value(rows, "satisfaction", other).numerator == 2
    assert value(rows, "survey_response", other).denominator == 1
    assert next(r for r in rows if r.key == other).label == "海淀服务站"


def test_the_technician_cut_counts_an_order_for_each_of_its_technicians(world, records):
    rows = kpis_for_user(world["director"], this_month(), cut="technician")
    tech, other = world["tech"].pk, world["other_tech"].pk
    assert value(rows, "timeliness", tech).denominator == 2
    assert value(rows, "timeliness", tech).numerator == 0
    assert value(rows, "timeliness", other).denominator == 1
    assert value(rows, "timeliness", None).denominator == 2  # no technician named


@pytest.mark.parametrize("cut", ["region", "model", "customer"])
def test_the_other_cuts_add_up_to_the_whole(world, records, cut):
    rows = kpis_for_user(world["director"], this_month(), cut=cut)
    [whole] = kpis_for_user(world["director"], this_month())
    for name in ("timeliness", "first_time_fix", "satisfaction", "survey_response"):
        assert sum(r.value(name).numerator for r in rows) == whole.value(name).numerator
        assert sum(r.value(name).denominator for r in rows) == whole.value(name).denominator
    assert all(r.label for r in rows if r.key is not None)


def test_a_station_manager_counts_only_their_outlet(world, records):
    [whole] = kpis_for_user(world["manager"].user, this_month())
    assert whole.value("timeliness").denominator == 4
    assert whole.value("complaint_rate").numerator == 1
    assert whole.value("satisfaction").denominator == 6
    assert whole.value("survey_response").denominator == 5


@pytest.mark.parametrize("username", ["agent", "tech", "customer"])
def test_other_roles_count_nothing(world, records, username):
    users = {
        "agent": world["agent"],
        "tech": world["tech"].user,
        "customer": world["customer_user"],
    }
    [whole] = kpis_for_user(users[username], this_month())
    assert all(v.denominator == 0 and v.value is None for v in whole.values)


def test_a_quality_engineer_and_a_supervisor_see_everything(world, records):
    engineer = f.UserFactory(username="qe", role="quality_engineer")
    for user in (engineer, world["supervisor"]):
        [whole] = kpis_for_user(user, this_month())
        assert whole.value("timeliness").denominator == 5
