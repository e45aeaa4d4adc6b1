"""Pure arithmetic of the distribution of a unit's reward/penalty (S12) and of individual pay
(seed 001, 10th plan): no database, plain Decimals, property-tested in
tests/test_assessment_pay_rules.py.

Individual pay for a year:

    total = A base salary + B work assessment + C special assessment + D special awards

* A: the annual base salary HR records.
* B: the seed — "每季度进行工作考核，根据考核结果确定次季度月平均绩效工资水平". The seed gives
  no formula, so the mapping is a configurable table: the score of quarter q picks a grade
  (highest `min_score` ≤ score), and every month of quarter q + 1 pays
  coefficient × the employee's standard monthly performance pay. Quarter 1 of a year follows
  quarter 4 of the year before. A quarter whose previous quarter has no score pays the
  configured "unassessed" coefficient. B = Σ over the year's four quarters of 3 × that level.
* C: the sum of the employee's shares in distributions HR has applied, of results of months of
  the year (a share belongs to its result's month, whenever it was applied).
* D: the sum of the special performance awards (signed) dated in the year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(value: Decimal) -> str:
    """1000.00 as people read it in a refusal, with a real minus sign."""
    return f"{money(value):.2f}".replace("-", "−")


# --- distribution -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareProblem:
    """Why a split is refused: `code` for tests and the API, `row` (0-based) when one share is
    at fault, `difference` = shares − total for a sum that does not match."""

    code: str
    row: int | None = None
    difference: Decimal | None = None


def check_split(total: Decimal, amounts: Sequence[Decimal]) -> list[ShareProblem]:
    """The rules a split must satisfy, independent of who the employees are:

    * every amount has at most 2 decimals (fen) and is not zero;
    * when the total is not zero, every amount has the total's sign (a reward is not turned
      into a penalty for somebody, nor the reverse);
    * the amounts add up to the total exactly, to the fen.

    A total of zero needs no distribution: any share is refused."""
    problems: list[ShareProblem] = []
    total = Decimal(total)
    if total == 0:
        return [ShareProblem("zero_total")] if amounts else []
    if not amounts:
        return [ShareProblem("empty")]
    for i, amount in enumerate(amounts):
        if amount != amount.quantize(CENT):
            problems.append(ShareProblem("fen", row=i))
        elif amount == 0:
            problems.append(ShareProblem("zero", row=i))
        elif (amount > 0) != (total > 0):
            problems.append(ShareProblem("sign", row=i))
    difference = sum(amounts, ZERO) - total
    if difference != 0:
        problems.append(ShareProblem("sum", difference=difference))
    return problems


# --- individual pay ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Grade:
    name: str
    min_score: Decimal
    coefficient: Decimal


def grade_for(score: Decimal | None, grades: Iterable[Grade]) -> Grade | None:
    """The grade of the highest `min_score` not above `score`; None for no score or a score
    below every grade."""
    if score is None:
        return None
    best: Grade | None = None
    for g in grades:
        if g.min_score <= score and (best is None or g.min_score > best.min_score):
            best = g
    return best


@dataclass(frozen=True)
class QuarterPay:
    quarter: int
    # the score that set this quarter's level: the previous quarter's (Q4 of last year for Q1)
    source_score: Decimal | None
    grade: Grade | None
    coefficient: Decimal
    monthly: Decimal
    amount: Decimal  # 3 months


@dataclass(frozen=True)
class PayInputs:
    base_salary: Decimal = ZERO
    standard_performance: Decimal = ZERO
    scores: Mapping[int, Decimal] = field(default_factory=dict)  # this year's quarters 1–4
    previous_q4: Decimal | None = None
    special: Sequence[Decimal] = ()  # C: applied shares of the year
    awards: Sequence[Decimal] = ()  # D: special performance awards of the year


@dataclass(frozen=True)
class PayOutcome:
    base_salary: Decimal
    quarters: tuple[QuarterPay, ...]
    work: Decimal
    special: Decimal
    awards: Decimal
    total: Decimal


def quarter_levels(
    inputs: PayInputs, grades: Sequence[Grade], unassessed: Decimal
) -> tuple[QuarterPay, ...]:
    rows = []
    for q in (1, 2, 3, 4):
        source = inputs.previous_q4 if q == 1 else inputs.scores.get(q - 1)
        grade = grade_for(source, grades)
        coefficient = grade.coefficient if grade else unassessed
        monthly = money(coefficient * inputs.standard_performance)
        rows.append(QuarterPay(q, source, grade, coefficient, monthly, monthly * 3))
    return tuple(rows)


def yearly_pay(inputs: PayInputs, grades: Sequence[Grade], unassessed: Decimal) -> PayOutcome:
    quarters = quarter_levels(inputs, grades, unassessed)
    work = sum((q.amount for q in quarters), ZERO)
    special = sum(inputs.special, ZERO)
    awards = sum(inputs.awards, ZERO)
    base = money(inputs.base_salary)
    return PayOutcome(
        base_salary=base,
        quarters=quarters,
        work=work,
        special=special,
        awards=awards,
        total=base + work + special + awards,
    )


def month_totals(shares: Iterable[tuple[int, Decimal]]) -> dict[int, Decimal]:
    """C per month (1–12) from (month, amount) pairs: each applied share counted once, in the
    month of the result it distributes."""
    out = dict.fromkeys(range(1, 13), ZERO)
    for month, amount in shares:
        out[month] += amount
    return out
