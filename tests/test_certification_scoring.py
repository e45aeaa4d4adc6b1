"""GB/T 27922 scoring rules (S15) over plain numbers: all-or-nothing, proportional, deductions,
the bonus cap, non-applicable items and every level boundary."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.certification.scoring import (
    DEFAULT_THRESHOLDS,
    ItemInput,
    Kind,
    Level,
    ScoringError,
    Thresholds,
    item_earned,
    level_for,
    score,
    to_decimal,
)

points = st.integers(min_value=1, max_value=20).map(Decimal)


@st.composite
def sampled_item(draw, code: str = "s") -> ItemInput:
    sampled = draw(st.integers(min_value=1, max_value=50))
    conforming = draw(st.integers(min_value=0, max_value=sampled))
    return ItemInput(code, draw(points), Kind.SAMPLED, sampled=sampled, conforming=conforming)


@st.composite
def any_item(draw, code: str) -> ItemInput:
    applicable = draw(st.booleans())
    if draw(st.booleans()):
        return ItemInput(
            code, draw(points), Kind.QUALITATIVE, applicable=applicable, met=draw(st.booleans())
        )
    sampled = draw(st.integers(min_value=0, max_value=30))
    conforming = draw(st.integers(min_value=0, max_value=sampled))
    return ItemInput(
        code,
        draw(points),
        Kind.SAMPLED,
        applicable=applicable,
        sampled=sampled,
        conforming=conforming,
    )


checklists = st.integers(min_value=1, max_value=12).flatmap(
    lambda n: st.tuples(*(any_item(f"{k + 1}") for k in range(n)))
)


def test_a_qualitative_item_met_earns_all_its_points():
    assert item_earned(ItemInput("1", Decimal("6"), Kind.QUALITATIVE, met=True)).earned == 6


def test_a_qualitative_item_not_met_earns_nothing():
    result = item_earned(ItemInput("1", Decimal("6"), Kind.QUALITATIVE, met=False))
    assert result.earned == 0
    assert result.assessed


@given(points, st.booleans())
def test_a_qualitative_item_earns_all_or_nothing(p, met):
    earned = item_earned(ItemInput("1", p, Kind.QUALITATIVE, met=met)).earned
    assert earned == (p if met else 0)


def test_a_sampled_item_earns_in_proportion_to_the_conforming_share():
    result = item_earned(ItemInput("1", Decimal("5"), Kind.SAMPLED, sampled=8, conforming=6))
    assert result.earned == Fraction(15, 4)  # 5 × 6/8
    assert result.lost == Fraction(5, 4)


@given(sampled_item())
def test_a_sampled_item_earns_points_times_share(item):
    earned = item_earned(item).earned
    assert earned == Fraction(item.points) * Fraction(item.conforming, item.sampled)


@given(points, st.integers(min_value=1, max_value=40), st.data())
def test_the_score_is_monotone_in_the_conforming_share(p, sampled, data):
    low = data.draw(st.integers(min_value=0, max_value=sampled))
    high = data.draw(st.integers(min_value=low, max_value=sampled))
    other = ItemInput("2", Decimal("7"), Kind.QUALITATIVE, met=True)

    def total(conforming: int) -> Decimal:
        item = ItemInput("1", p, Kind.SAMPLED, sampled=sampled, conforming=conforming)
        result = score([item, other])
        assert result.score is not None
        return result.score

    assert total(low) <= total(high)
    if high > low:
        assert total(low) < total(high)


def test_nothing_sampled_is_not_assessed_and_earns_nothing():
    result = item_earned(ItemInput("1", Decimal("5"), Kind.SAMPLED, sampled=0, conforming=0))
    assert not result.assessed
    assert result.earned == 0
    assert result.lost == 5


def test_more_conforming_than_sampled_is_refused():
    with pytest.raises(ScoringError):
        item_earned(ItemInput("1", Decimal("5"), Kind.SAMPLED, sampled=3, conforming=4))


def test_negative_points_are_refused():
    with pytest.raises(ScoringError):
        item_earned(ItemInput("1", Decimal("-1"), Kind.QUALITATIVE, met=True))


def test_score_is_earned_over_applicable_points_times_100():
    result = score(
        [
            ItemInput("1", Decimal("4"), Kind.QUALITATIVE, met=True),
            ItemInput("2", Decimal("6"), Kind.SAMPLED, sampled=4, conforming=2),
            ItemInput("3", Decimal("10"), Kind.QUALITATIVE, met=False),
        ]
    )
    assert result.earned == 7
    assert result.applicable_points == 20
    assert result.score == Decimal("35.00")


@given(checklists, st.integers(0, 5), st.integers(0, 5))
def test_the_score_stays_within_0_and_100(items, deductions, bonuses):
    result = score(items, deductions=deductions, bonuses=bonuses)
    if result.score is not None:
        assert Decimal(0) <= result.score <= Decimal(100)
        assert result.base is not None and Decimal(0) <= result.base <= Decimal(100)


@given(checklists, st.lists(any_item("na"), min_size=1, max_size=4))
def test_non_applicable_items_change_neither_the_denominator_nor_the_score(items, extra):
    off = [
        ItemInput(
            f"9.{n}",
            e.points * 3,
            e.kind,
            applicable=False,
            met=True,
            sampled=e.sampled,
            conforming=e.conforming,
        )
        for n, e in enumerate(extra)
    ]
    before = score(items)
    after = score([*items, *off])
    assert after.applicable_points == before.applicable_points
    assert after.earned == before.earned
    assert after.score == before.score
    assert all(i.lost == 0 for i in after.items if not i.applicable)


def test_an_item_marked_non_applicable_leaves_the_denominator():
    met = ItemInput("1", Decimal("10"), Kind.QUALITATIVE, met=True)
    unmet = ItemInput("2", Decimal("10"), Kind.QUALITATIVE, met=False)
    assert score([met, unmet]).score == Decimal("50.00")
    excluded = ItemInput("2", Decimal("10"), Kind.QUALITATIVE, applicable=False, met=False)
    assert score([met, excluded]).score == Decimal("100.00")


def test_only_non_applicable_items_give_no_score():
    result = score([ItemInput("1", Decimal("5"), Kind.QUALITATIVE, applicable=False)])
    assert result.score is None
    assert result.level is None


def test_an_unassessed_item_stays_in_the_denominator():
    result = score(
        [
            ItemInput("1", Decimal("5"), Kind.QUALITATIVE, met=True),
            ItemInput("2", Decimal("5"), Kind.QUALITATIVE, met=None),
        ]
    )
    assert result.score == Decimal("50.00")
    assert [i.code for i in result.unassessed] == ["2"]


def _half() -> list[ItemInput]:
    # 9 of 10 points: a base score of 90.
    return [
        ItemInput("1", Decimal("9"), Kind.QUALITATIVE, met=True),
        ItemInput("2", Decimal("1"), Kind.QUALITATIVE, met=False),
    ]


def test_each_special_deduction_takes_one_point():
    assert score(_half(), deductions=1).score == Decimal("89.00")
    assert score(_half(), deductions=3).score == Decimal("87.00")


@given(st.integers(min_value=1, max_value=50))
def test_the_bonus_is_capped_at_one_point_however_many_are_claimed(claimed):
    result = score(_half(), bonuses=claimed)
    assert result.score == Decimal("91.00")
    assert result.bonus == 1
    assert result.bonus_claimed == claimed


def test_no_bonus_claimed_adds_nothing():
    assert score(_half(), bonuses=0).score == Decimal("90.00")


def test_deductions_and_bonus_apply_on_the_100_point_score():
    result = score(_half(), deductions=2, bonuses=3)
    assert result.base == Decimal("90.00")
    assert result.score == Decimal("89.00")


def test_the_score_is_clamped_to_100_and_to_0():
    full = [ItemInput("1", Decimal("3"), Kind.QUALITATIVE, met=True)]
    assert score(full, bonuses=1).score == Decimal("100.00")
    empty = [ItemInput("1", Decimal("3"), Kind.QUALITATIVE, met=False)]
    assert score(empty, deductions=4).score == Decimal("0.00")


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("0", Level.NONE),
        ("69.99", Level.NONE),
        ("70", Level.PASS),
        ("79.99", Level.PASS),
        ("80", Level.THREE),
        ("89.99", Level.THREE),
        ("90", Level.FOUR),
        ("94.99", Level.FOUR),
        ("95", Level.FIVE),
        ("100", Level.FIVE),
    ],
)
def test_each_level_boundary(value, level):
    assert level_for(Decimal(value)) == level


@pytest.mark.parametrize(
    ("earned", "total", "level"),
    [
        (6999, 10000, Level.NONE),
        (7000, 10000, Level.PASS),
        (7999, 10000, Level.PASS),
        (8000, 10000, Level.THREE),
        (8999, 10000, Level.THREE),
        (9000, 10000, Level.FOUR),
        (9499, 10000, Level.FOUR),
        (9500, 10000, Level.FIVE),
    ],
)
def test_each_level_boundary_through_a_scored_checklist(earned, total, level):
    item = ItemInput("1", Decimal(10), Kind.SAMPLED, sampled=total, conforming=earned)
    result = score([item])
    assert result.score == Decimal(earned) / 100
    assert result.level == level


def test_the_level_follows_the_rounded_figure():
    # 13999 of 20000 = 69.995: shown as 70.00, and the level agrees with what is shown.
    item = ItemInput("1", Decimal(10), Kind.SAMPLED, sampled=20000, conforming=13999)
    result = score([item])
    assert result.score == Decimal("70.00")
    assert result.level == Level.PASS


def test_thresholds_are_data():
    strict = Thresholds(Decimal(75), Decimal(85), Decimal(92), Decimal(98))
    assert level_for(Decimal("74.99"), strict) == Level.NONE
    assert level_for(Decimal("97.99"), strict) == Level.FOUR
    assert level_for(Decimal("97.99"), DEFAULT_THRESHOLDS) == Level.FIVE


def test_thresholds_must_rise():
    assert DEFAULT_THRESHOLDS.is_valid()
    assert not Thresholds(Decimal(80), Decimal(80), Decimal(90), Decimal(95)).is_valid()
    assert not Thresholds(Decimal(70), Decimal(80), Decimal(90), Decimal(101)).is_valid()


def test_gaps_are_ranked_by_points_lost_then_by_code():
    result = score(
        [
            ItemInput("1.2", Decimal("4"), Kind.QUALITATIVE, met=False),  # loses 4
            ItemInput("1.10", Decimal("4"), Kind.QUALITATIVE, met=False),  # loses 4
            ItemInput("2.1", Decimal("10"), Kind.SAMPLED, sampled=2, conforming=1),  # loses 5
            ItemInput("3.1", Decimal("8"), Kind.QUALITATIVE, met=True),  # loses 0
            ItemInput("3.2", Decimal("9"), Kind.QUALITATIVE, applicable=False, met=False),
        ]
    )
    assert [g.code for g in result.gaps] == ["2.1", "1.2", "1.10"]
    assert [g.lost for g in result.gaps] == [5, 4, 4]


@given(checklists)
def test_gaps_account_for_every_point_lost(items):
    result = score(items)
    assert sum(g.lost for g in result.gaps) == result.applicable_points - result.earned
    losses = [g.lost for g in result.gaps]
    assert losses == sorted(losses, reverse=True)


def test_category_totals_add_up_and_leave_out_non_applicable_items():
    result = score(
        [
            ItemInput("1.1", Decimal("4"), Kind.QUALITATIVE, met=True, category="A"),
            ItemInput("1.2", Decimal("6"), Kind.QUALITATIVE, met=False, category="A"),
            ItemInput("2.1", Decimal("5"), Kind.QUALITATIVE, applicable=False, category="B"),
        ]
    )
    a, b = result.categories
    assert (a.category, a.applicable_points, a.earned, a.percent) == ("A", 10, 4, Decimal("40"))
    assert (b.category, b.applicable_points, b.percent) == ("B", 0, None)


def test_to_decimal_rounds_half_up():
    assert to_decimal(Fraction(1, 200)) == Decimal("0.01")
    assert to_decimal(Fraction(1, 201)) == Decimal("0.00")
    assert to_decimal(Fraction(200, 3)) == Decimal("66.67")
