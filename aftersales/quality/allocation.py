"""Pure money arithmetic of S8: the job-cost formula and the split of a cost by percentages.
No database here; property tests check the invariants (tests/test_quality_allocation.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def to_cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CostFigures:
    parts: Decimal
    labour: Decimal
    travel: Decimal

    @property
    def total(self) -> Decimal:
        return self.parts + self.labour + self.travel


def job_cost_formula(
    *,
    parts: Decimal,
    labour_hours: Decimal,
    labour_rate: Decimal,
    travel_km: Decimal,
    travel_rate: Decimal,
) -> CostFigures:
    """parts + hours × labour rate + km × travel rate, each rounded half-up to the cent."""
    return CostFigures(
        parts=to_cents(parts),
        labour=to_cents(Decimal(labour_hours) * Decimal(labour_rate)),
        travel=to_cents(Decimal(travel_km) * Decimal(travel_rate)),
    )


def percentages_problem(percents: Sequence[Decimal]) -> str | None:
    """Why these percentages cannot split a cost, as a key for the caller's message; None if
    they can: each above 0 and at most 100, two decimals at most, summing to exactly 100."""
    if not percents:
        return "empty"
    for p in percents:
        if p <= 0 or p > HUNDRED:
            return "range"
        if p != p.quantize(CENT):
            return "precision"
    if sum(percents, Decimal("0")) != HUNDRED:
        return "sum"
    return None


def allocate(amount: Decimal, percents: Sequence[Decimal]) -> list[Decimal]:
    """Split `amount` (cents) by `percents` (adding up to 100) so that the parts sum exactly to
    `amount` and each is within a cent of its exact share.

    Every share is first rounded down to the cent; the cents left over (fewer than the number of
    shares) go one each to the largest shares, largest first — with two parties the remainder
    goes to the larger one. Giving all leftover cents to a single share would push it more than a
    cent off its exact value once there are many shares."""
    if percentages_problem(percents):
        raise ValueError("percentages must be positive and add up to 100")
    amount = to_cents(amount)
    if amount < 0:
        raise ValueError("a cost is never negative")
    floors = [(amount * p / HUNDRED).quantize(CENT, rounding=ROUND_DOWN) for p in percents]
    left = int((amount - sum(floors, Decimal("0"))) / CENT)
    order = sorted(range(len(percents)), key=lambda i: (-percents[i], i))
    for i in order[:left]:
        floors[i] += CENT
    return floors
