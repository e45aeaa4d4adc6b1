"""The pure arithmetic of distribution and individual pay (aftersales/assessment/pay.py):
properties for any input, and the seed's rule that a quarter's score sets the next quarter's
monthly performance pay."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from aftersales.assessment import pay
from aftersales.assessment.seed import DEFAULT_PAY_GRADES

D = Decimal
GRADES = [pay.Grade(n, low, c) for n, low, c in DEFAULT_PAY_GRADES]
cents = st.integers(-(10**9), 10**9).map(lambda n: D(n) / 100)
nonzero_cents = cents.filter(lambda d: d != 0)
scores = st.decimals(min_value=0, max_value=100, places=1, allow_nan=False)
money_st = st.integers(0, 10**9).map(lambda n: D(n) / 100)


@given(st.lists(nonzero_cents.map(abs), min_size=1, max_size=20), st.booleans())
def test_any_same_signed_split_that_adds_up_is_accepted(amounts, negative):
    amounts = [-a if negative else a for a in amounts]
    assert pay.check_split(sum(amounts, pay.ZERO), amounts) == []


@given(st.lists(nonzero_cents.map(abs), min_size=1, max_size=20), st.integers(-500, 500))
@example([D("600.00"), D("399.99")], 1)
@example([D("600.00"), D("400.01")], -1)
def test_a_split_off_by_any_fen_is_refused_with_that_difference(amounts, off):
    total = sum(amounts, pay.ZERO)
    wrong = total + D(off) / 100
    problems = pay.check_split(wrong, amounts)
    sums = [p for p in problems if p.code == "sum"]
    if wrong == 0:  # a total of zero takes no shares at all
        assert [p.code for p in problems] == ["zero_total"]
    elif off == 0:
        assert sums == []
    else:
        assert [p.difference for p in sums] == [-D(off) / 100]


@given(st.lists(nonzero_cents, min_size=2, max_size=10))
def test_a_share_against_the_totals_sign_is_named(amounts):
    total = sum(amounts, pay.ZERO)
    problems = pay.check_split(total, amounts)
    if total == 0:
        assert [p.code for p in problems] == ["zero_total"]
        return
    against = {i for i, a in enumerate(amounts) if (a > 0) != (total > 0)}
    assert {p.row for p in problems if p.code == "sign"} == against


def test_zero_and_fractional_shares_and_an_empty_split_are_refused():
    assert [p.code for p in pay.check_split(D("10"), [D("10"), D("0")])] == ["zero"]
    assert [p.code for p in pay.check_split(D("10"), [D("9.995"), D("0.005")])] == ["fen", "fen"]
    assert [p.code for p in pay.check_split(D("10"), [])] == ["empty"]
    assert pay.check_split(D("0"), []) == []


def test_grades_follow_the_highest_threshold_reached():
    assert pay.grade_for(D("90"), GRADES).name == "优秀"
    assert pay.grade_for(D("89.9"), GRADES).name == "良好"
    assert pay.grade_for(D("60"), GRADES).name == "合格"
    assert pay.grade_for(D("0"), GRADES).name == "不合格"
    assert pay.grade_for(None, GRADES) is None


def test_the_worked_example():
    """Standard monthly performance pay 2000; last year's Q4 92 (优秀 ×1.2) sets Q1 at 2400;
    Q1 85 (良好 ×1.0) sets Q2 at 2000; Q2 70 (合格 ×0.8) sets Q3 at 1600; Q3 unscored: Q4 at the
    unassessed ×1.0; Q4's score counts for next year only."""
    inputs = pay.PayInputs(
        base_salary=D("60000.00"),
        standard_performance=D("2000.00"),
        scores={1: D("85"), 2: D("70"), 4: D("50")},
        previous_q4=D("92"),
        special=[D("600.00"), D("-200.00")],
        awards=[D("1500.00"), D("-500.00")],
    )
    out = pay.yearly_pay(inputs, GRADES, D("1.00"))
    assert [q.monthly for q in out.quarters] == [
        D("2400.00"),
        D("2000.00"),
        D("1600.00"),
        D("2000.00"),
    ]
    assert out.work == D("24000.00")
    assert (out.special, out.awards) == (D("400.00"), D("1000.00"))
    assert out.total == D("85400.00")


@given(
    money_st,
    money_st,
    st.dictionaries(st.integers(1, 4), scores),
    st.one_of(st.none(), scores),
    st.lists(cents, max_size=12),
    st.lists(cents, max_size=12),
)
def test_the_components_add_up(base, standard, quarter_scores, previous, special, awards):
    inputs = pay.PayInputs(base, standard, quarter_scores, previous, special, awards)
    out = pay.yearly_pay(inputs, GRADES, D("1.00"))
    assert out.total == out.base_salary + out.work + out.special + out.awards
    assert out.work == sum((q.amount for q in out.quarters), pay.ZERO)
    assert all(q.amount == 3 * q.monthly for q in out.quarters)
    assert out.special == sum(special, pay.ZERO)
    assert out.awards == sum(awards, pay.ZERO)
    # non-negative coefficients and standard: B never negative; the signs of C and D are theirs
    assert out.work >= 0
    assert (out.special < 0) == (sum(special, pay.ZERO) < 0)


@given(st.dictionaries(st.integers(1, 4), scores), st.one_of(st.none(), scores), scores)
def test_a_quarters_score_only_moves_the_next_quarter(quarter_scores, previous, new):
    base = pay.PayInputs(D("0"), D("1000.00"), quarter_scores, previous)
    for q in (1, 2, 3):
        changed = pay.PayInputs(D("0"), D("1000.00"), {**quarter_scores, q: new}, previous)
        a = pay.quarter_levels(base, GRADES, D("1.00"))
        b = pay.quarter_levels(changed, GRADES, D("1.00"))
        for i in range(4):
            if i != q:  # index i is quarter i + 1; quarter q's score sets quarter q + 1
                assert a[i] == b[i]
    # Q4's score belongs to next year
    q4 = pay.PayInputs(D("0"), D("1000.00"), {**quarter_scores, 4: new}, previous)
    assert pay.quarter_levels(q4, GRADES, D("1")) == pay.quarter_levels(
        pay.PayInputs(
            D("0"), D("1000.00"), {k: v for k, v in quarter_scores.items() if k != 4}, previous
        ),
        GRADES,
        D("1"),
    )


@given(st.lists(st.tuples(st.integers(1, 12), cents), max_size=40))
def test_each_share_shows_up_exactly_once_in_its_month(rows):
    totals = pay.month_totals(rows)
    assert sum(totals.values(), pay.ZERO) == sum((a for _m, a in rows), pay.ZERO)
    for month in range(1, 13):
        assert totals[month] == sum((a for m, a in rows if m == month), pay.ZERO)
