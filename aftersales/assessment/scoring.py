"""The arithmetic of the monthly assessment (SPEC S12), over plain numbers: no ORM, no
translation, no clock. The services feed it SQL aggregates and store what it returns.

Decisions written down here because the seed leaves them open:

* Means are compared exactly (as fractions total / n), never after rounding: 4.00 and 3.995
  differ, and a reward must not appear or vanish because of the number of places shown.
* n is the number of jobs of the month, forms or not (the seed: "n 为本月维修工作项数"); a job
  without a verified form adds 0 points but still counts in n.
* The extras look at every item of every counted verified form: all A → extra reward, all E →
  extra penalty, whatever the difference of the means; a month without forms gets neither.
* The complaint tiers are "from" counts: a tier applies from its `min_count` up to the next
  tier's, so the table can have neither gaps nor overlaps; counts at or under the acceptable
  number are qualified whatever the table says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

GRADES: tuple[str, ...] = ("A", "B", "C", "D", "E")
ITEMS: tuple[str, ...] = ("timeliness", "quality", "attitude")
MEAN_PLACES = Decimal("0.0001")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Tier:
    min_count: int
    amount: Decimal


@dataclass(frozen=True)
class Config:
    """The configuration in force, as plain values (also what the result's snapshot holds)."""

    points: Mapping[str, int]
    reward: Decimal
    penalty: Decimal
    extra_reward: Decimal
    extra_penalty: Decimal
    acceptable_complaints: int
    sanction_threshold: int
    tiers: tuple[Tier, ...] = ()

    def as_json(self) -> dict:
        return {
            "points": {g: int(self.points[g]) for g in GRADES},
            "reward": str(self.reward),
            "penalty": str(self.penalty),
            "extra_reward": str(self.extra_reward),
            "extra_penalty": str(self.extra_penalty),
            "acceptable_complaints": self.acceptable_complaints,
            "sanction_threshold": self.sanction_threshold,
            "tiers": [
                {"min_count": t.min_count, "amount": str(t.amount)}
                for t in sorted(self.tiers, key=lambda t: t.min_count)
            ],
        }


DEFAULT_CONFIG = Config(
    points={"A": 2, "B": 1, "C": 0, "D": -1, "E": -2},
    reward=Decimal("1000.00"),
    penalty=Decimal("1000.00"),
    extra_reward=Decimal("2000.00"),
    extra_penalty=Decimal("2000.00"),
    acceptable_complaints=5,
    sanction_threshold=30,
    tiers=(
        Tier(6, Decimal("500.00")),
        Tier(11, Decimal("1000.00")),
        Tier(21, Decimal("2000.00")),
        Tier(30, Decimal("3000.00")),
    ),
)


# --- feedback forms ---------------------------------------------------------------------------


def form_points(grades: Iterable[str], points: Mapping[str, int]) -> int:
    """Points of one form: the sum over its three items (A = 2 … E = −2 by default)."""
    return sum(points[g] for g in grades)


def empty_counts() -> dict[str, dict[str, int]]:
    return {item: dict.fromkeys(GRADES, 0) for item in ITEMS}


def counts_of_forms(forms: Iterable[Sequence[str]]) -> dict[str, dict[str, int]]:
    """Per item and grade, how many forms gave it (the shape the SQL aggregate returns)."""
    counts = empty_counts()
    for form in forms:
        for item, grade in zip(ITEMS, form, strict=True):
            counts[item][grade] += 1
    return counts


def grade_totals(counts: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """Per grade, over the three items."""
    return {g: sum(int(counts[item][g]) for item in ITEMS) for g in GRADES}


def total_points(counts: Mapping[str, Mapping[str, int]], points: Mapping[str, int]) -> int:
    """The month's total: Σ over items and grades of count × points — the same as summing
    `form_points` over the forms, without needing the forms."""
    return sum(n * points[g] for g, n in grade_totals(counts).items())


def month_mean(total: int, jobs: int) -> Fraction | None:
    """满意度均项得分 = total / n; a month with no jobs has no mean."""
    if jobs <= 0:
        return None
    return Fraction(total, jobs)


def as_decimal(value: Fraction | None, places: Decimal = MEAN_PLACES) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        places, rounding=ROUND_HALF_UP
    )


def shown(value: Fraction, *, signed: bool = False) -> str:
    """Two places like the seed ("4.00"); four when two would hide a difference that exists."""
    text = f"{as_decimal(value, CENT)}"
    if value != 0 and as_decimal(value, CENT) == 0:
        text = f"{as_decimal(value)}"
    if signed and value >= 0 and not text.startswith("-"):
        text = "+" + text
    return text.replace("-", "−")


# --- reward or penalty on the means ---------------------------------------------------------


class Decision(StrEnum):
    REWARD = "reward"
    PENALTY = "penalty"
    EQUAL = "equal"
    NO_MEAN = "no_mean"  # this month had no jobs
    NO_PREVIOUS = "no_previous"  # last month had no mean: nothing to compare with


@dataclass(frozen=True)
class MeanOutcome:
    decision: Decision
    difference: Fraction | None
    reward: Decimal
    penalty: Decimal


def reward_decision(
    current: Fraction | None, previous: Fraction | None, config: Config
) -> MeanOutcome:
    """Reward when mean(M) − mean(M−1) > 0, penalty when < 0, nothing when equal or when either
    mean is missing. The amounts are the configuration's, never derived from the difference."""
    zero = Decimal("0.00")
    if current is None:
        return MeanOutcome(Decision.NO_MEAN, None, zero, zero)
    if previous is None:
        return MeanOutcome(Decision.NO_PREVIOUS, None, zero, zero)
    difference = current - previous
    if difference > 0:
        return MeanOutcome(Decision.REWARD, difference, config.reward, zero)
    if difference < 0:
        return MeanOutcome(Decision.PENALTY, difference, zero, config.penalty)
    return MeanOutcome(Decision.EQUAL, difference, zero, zero)


def extras(counts: Mapping[str, Mapping[str, int]], forms: int) -> tuple[bool, bool]:
    """(all A, all E) over every item of every counted verified form; no forms → neither."""
    if forms <= 0:
        return False, False
    totals = grade_totals(counts)
    items = forms * len(ITEMS)
    return totals["A"] == items, totals["E"] == items


# --- complaint count --------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintOutcome:
    count: int
    qualified: bool
    tier: Tier | None
    penalty: Decimal
    sanction: bool


def complaint_tier(count: int, tiers: Iterable[Tier]) -> Tier | None:
    """The tier with the greatest `min_count` not above `count` (None below the first)."""
    best: Tier | None = None
    for tier in tiers:
        if tier.min_count <= count and (best is None or tier.min_count > best.min_count):
            best = tier
    return best


def complaint_rating(count: int, config: Config) -> ComplaintOutcome:
    """At or under the acceptable number: qualified, no penalty. Above: unqualified, penalised
    by the tier it falls in (0 if the table starts higher). At or above the sanction threshold:
    administrative sanctions are recommended as well."""
    sanction = count >= config.sanction_threshold
    if count <= config.acceptable_complaints:
        return ComplaintOutcome(count, True, None, Decimal("0.00"), sanction)
    tier = complaint_tier(count, config.tiers)
    penalty = tier.amount if tier else Decimal("0.00")
    return ComplaintOutcome(count, False, tier, penalty, sanction)


def tier_ranges(tiers: Iterable[Tier]) -> list[tuple[int, int | None, Decimal]]:
    """(from, to or None for "and more", amount) for showing the table."""
    ordered = sorted(tiers, key=lambda t: t.min_count)
    return [
        (t.min_count, ordered[i + 1].min_count - 1 if i + 1 < len(ordered) else None, t.amount)
        for i, t in enumerate(ordered)
    ]


# --- the whole month ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthInputs:
    jobs: int
    forms: int
    counts: Mapping[str, Mapping[str, int]]
    previous_total: int | None = None  # None: the previous month has no mean
    previous_jobs: int | None = None
    complaints: int = 0


@dataclass(frozen=True)
class MonthOutcome:
    total: int
    mean: Fraction | None
    previous_mean: Fraction | None
    means: MeanOutcome
    all_a: bool
    all_e: bool
    extra_reward: Decimal
    extra_penalty: Decimal
    complaints: ComplaintOutcome
    amount: Decimal = field(default=Decimal("0.00"))


def assess(inputs: MonthInputs, config: Config) -> MonthOutcome:
    """Everything of one unit's month; amount = reward − penalty + extra reward − extra penalty
    − complaint penalty."""
    total = total_points(inputs.counts, config.points)
    mean = month_mean(total, inputs.jobs)
    previous = (
        month_mean(inputs.previous_total, inputs.previous_jobs)
        if inputs.previous_total is not None and inputs.previous_jobs is not None
        else None
    )
    means = reward_decision(mean, previous, config)
    all_a, all_e = extras(inputs.counts, inputs.forms)
    extra_reward = config.extra_reward if all_a else Decimal("0.00")
    extra_penalty = config.extra_penalty if all_e else Decimal("0.00")
    complaints = complaint_rating(inputs.complaints, config)
    amount = (
        means.reward - means.penalty + extra_reward - extra_penalty - complaints.penalty
    ).quantize(CENT)
    return MonthOutcome(
        total=total,
        mean=mean,
        previous_mean=previous,
        means=means,
        all_a=all_a,
        all_e=all_e,
        extra_reward=extra_reward,
        extra_penalty=extra_penalty,
        complaints=complaints,
        amount=amount,
    )


def money(value: Decimal) -> str:
    """1000 rather than 1000.00 when there are no fen, as people write amounts."""
    value = value.quantize(CENT)
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value}"
