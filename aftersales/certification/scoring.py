"""The scoring rules of GB/T 27922 (clauses 4.2 and 6.2.2) over plain numbers: no ORM, no
translation, no clock. The services feed it the answers of a self-assessment and store what it
returns.

* A qualitative item earns all of its points or none.
* A sampled item (staff, records, facilities, complaints looked at) earns points × conforming ÷
  sampled. Nothing sampled means "not assessed", never a division by zero.
* A non-applicable item is left out of both the points earned and the points available.
* An applicable item that has not been assessed yet earns nothing but stays in the denominator:
  a readiness report must not look better because half the checklist is blank. It is reported
  as a gap and flagged `assessed=False`.
* score = earned ÷ applicable points × 100, then −1 per special deduction and +1 for at most
  one special bonus (however many are claimed), clamped to 0–100.
* The score is rounded to two places (half up) before the level is looked up, so the level
  always agrees with the figure people read: 69.995 shows as 70.00 and is 达标.
* Levels are data (the configurable thresholds), the standard's 70/80/90/95 by default.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

HUNDRED = Fraction(100)
PLACES = Decimal("0.01")
MAX_BONUS = 1


class Kind(StrEnum):
    QUALITATIVE = "qualitative"
    SAMPLED = "sampled"


class Level(StrEnum):
    NONE = "none"  # 未达标
    PASS = "pass"  # 达标
    THREE = "three"  # 三星
    FOUR = "four"  # 四星
    FIVE = "five"  # 五星


@dataclass(frozen=True)
class Thresholds:
    """The lowest score of each level; each must be higher than the one before."""

    passing: Decimal = Decimal("70")
    three_star: Decimal = Decimal("80")
    four_star: Decimal = Decimal("90")
    five_star: Decimal = Decimal("95")

    def ordered(self) -> list[tuple[Level, Decimal]]:
        return [
            (Level.FIVE, self.five_star),
            (Level.FOUR, self.four_star),
            (Level.THREE, self.three_star),
            (Level.PASS, self.passing),
        ]

    def is_valid(self) -> bool:
        values = [self.passing, self.three_star, self.four_star, self.five_star]
        return all(0 <= v <= 100 for v in values) and all(
            a < b for a, b in zip(values, values[1:], strict=False)
        )

    def as_json(self) -> dict[str, str]:
        return {
            "passing": str(self.passing),
            "three_star": str(self.three_star),
            "four_star": str(self.four_star),
            "five_star": str(self.five_star),
        }

    @classmethod
    def from_json(cls, data: dict) -> Thresholds:
        return cls(**{k: Decimal(str(data[k])) for k in cls().as_json()})


DEFAULT_THRESHOLDS = Thresholds()


class ScoringError(ValueError):
    """Inputs no checklist can have (negative points, more conforming than sampled)."""


@dataclass(frozen=True)
class ItemInput:
    code: str
    points: Decimal
    kind: Kind
    applicable: bool = True
    met: bool | None = None  # qualitative: None = not assessed yet
    sampled: int | None = None  # sampled: None or 0 = not assessed yet
    conforming: int | None = None
    category: str = ""


@dataclass(frozen=True)
class ItemResult:
    code: str
    category: str
    points: Fraction
    applicable: bool
    assessed: bool
    earned: Fraction

    @property
    def lost(self) -> Fraction:
        return self.points - self.earned if self.applicable else Fraction(0)


@dataclass(frozen=True)
class CategoryTotal:
    category: str
    applicable_points: Fraction
    earned: Fraction

    @property
    def percent(self) -> Decimal | None:
        if not self.applicable_points:
            return None
        return to_decimal(self.earned / self.applicable_points * HUNDRED)


@dataclass(frozen=True)
class ScoreResult:
    items: tuple[ItemResult, ...]
    applicable_points: Fraction
    earned: Fraction
    deductions: int
    bonus_claimed: int
    bonus: int
    base: Decimal | None  # earned ÷ applicable × 100, before deductions and bonus
    score: Decimal | None  # None: no applicable item with points, nothing to score
    level: Level | None
    gaps: tuple[ItemResult, ...] = field(default=())
    categories: tuple[CategoryTotal, ...] = field(default=())

    @property
    def unassessed(self) -> tuple[ItemResult, ...]:
        return tuple(i for i in self.items if i.applicable and not i.assessed)


def to_decimal(value: Fraction) -> Decimal:
    """Exact fraction → two places, half up (a Decimal division would round twice)."""
    scaled = value * 100
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    return (Decimal(whole) / 100).quantize(PLACES, rounding=ROUND_HALF_UP)


def item_earned(item: ItemInput) -> ItemResult:
    """What one item earns. Non-applicable items earn nothing and count for nothing."""
    points = Fraction(item.points)
    if points < 0:
        raise ScoringError(f"{item.code}: points may not be negative")
    if not item.applicable:
        return ItemResult(item.code, item.category, points, False, False, Fraction(0))
    if item.kind == Kind.QUALITATIVE:
        assessed = item.met is not None
        earned = points if item.met else Fraction(0)
        return ItemResult(item.code, item.category, points, True, assessed, earned)
    sampled = item.sampled or 0
    conforming = item.conforming or 0
    if sampled < 0 or conforming < 0:
        raise ScoringError(f"{item.code}: counts may not be negative")
    if conforming > sampled:
        raise ScoringError(f"{item.code}: more conforming ({conforming}) than sampled ({sampled})")
    if sampled == 0:
        return ItemResult(item.code, item.category, points, True, False, Fraction(0))
    return ItemResult(
        item.code, item.category, points, True, True, points * Fraction(conforming, sampled)
    )


def level_for(score: Decimal | None, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Level | None:
    if score is None:
        return None
    for level, low in thresholds.ordered():
        if score >= low:
            return level
    return Level.NONE


def rank_gaps(items: Iterable[ItemResult]) -> tuple[ItemResult, ...]:
    """Applicable items that lost points, the largest loss first; equal losses by code."""
    gaps = [i for i in items if i.applicable and i.lost > 0]
    return tuple(sorted(gaps, key=lambda i: (-i.lost, _code_key(i.code))))


def _code_key(code: str) -> tuple:
    # "1.10" after "1.9": compare the numeric parts as numbers.
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.split("."))


def category_totals(items: Sequence[ItemResult]) -> tuple[CategoryTotal, ...]:
    order: list[str] = []
    applicable: dict[str, Fraction] = {}
    earned: dict[str, Fraction] = {}
    for i in items:
        if i.category not in applicable:
            order.append(i.category)
            applicable[i.category] = Fraction(0)
            earned[i.category] = Fraction(0)
        if i.applicable:
            applicable[i.category] += i.points
            earned[i.category] += i.earned
    return tuple(CategoryTotal(c, applicable[c], earned[c]) for c in order)


def score(
    items: Iterable[ItemInput],
    *,
    deductions: int = 0,
    bonuses: int = 0,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> ScoreResult:
    if deductions < 0 or bonuses < 0:
        raise ScoringError("deductions and bonuses are counts")
    results = tuple(item_earned(i) for i in items)
    applicable = sum((i.points for i in results if i.applicable), Fraction(0))
    earned = sum((i.earned for i in results if i.applicable), Fraction(0))
    bonus = min(bonuses, MAX_BONUS)
    if applicable == 0:
        base = final = None
    else:
        exact = earned / applicable * HUNDRED
        base = to_decimal(exact)
        final = to_decimal(min(HUNDRED, max(Fraction(0), exact - deductions + bonus)))
    return ScoreResult(
        items=results,
        applicable_points=applicable,
        earned=earned,
        deductions=deductions,
        bonus_claimed=bonuses,
        bonus=bonus,
        base=base,
        score=final,
        level=level_for(final, thresholds),
        gaps=rank_gaps(results),
        categories=category_totals(results),
    )
