"""The pure arithmetic of S12 (aftersales/assessment/scoring.py): examples from the seed and
properties that must hold for any input."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from aftersales.assessment import scoring
from aftersales.assessment.scoring import DEFAULT_CONFIG, Decision

grades = st.sampled_from(scoring.GRADES)
forms_st = st.lists(st.tuples(grades, grades, grades), max_size=60)
money_st = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False)
configs = st.builds(
    scoring.Config,
    points=st.fixed_dictionaries({g: st.integers(-5, 5) for g in scoring.GRADES}),
    reward=money_st,
    penalty=money_st,
    extra_reward=money_st,
    extra_penalty=money_st,
    acceptable_complaints=st.integers(0, 20),
    sanction_threshold=st.integers(1, 60),
    tiers=st.lists(
        st.tuples(st.integers(1, 60), money_st), unique_by=lambda t: t[0], max_size=6
    ).map(lambda rows: tuple(scoring.Tier(n, a) for n, a in rows)),
)


def test_a_form_scores_two_one_zero_minus_one_minus_two_per_item():
    points = DEFAULT_CONFIG.points
    assert scoring.form_points("AAA", points) == 6
    assert scoring.form_points("BCD", points) == 0
    assert scoring.form_points("EEE", points) == -6
    assert scoring.form_points("AAC", points) == 4


def test_the_seeds_example_ten_jobs_forty_points_against_three_and_a_half():
    counts = scoring.counts_of_forms(["AAC"] * 10)
    outcome = scoring.assess(
        scoring.MonthInputs(jobs=10, forms=10, counts=counts, previous_total=35, previous_jobs=10),
        DEFAULT_CONFIG,
    )
    assert outcome.total == 40
    assert outcome.mean == 4
    assert outcome.means.difference == Fraction(1, 2)
    assert outcome.means.decision == Decision.REWARD
    assert outcome.means.reward == Decimal("1000.00")
    assert outcome.amount == Decimal("1000.00")


def test_a_month_without_jobs_has_no_mean_and_no_reward():
    outcome = scoring.assess(
        scoring.MonthInputs(
            jobs=0, forms=0, counts=scoring.empty_counts(), previous_total=3, previous_jobs=1
        ),
        DEFAULT_CONFIG,
    )
    assert outcome.mean is None
    assert outcome.means.decision == Decision.NO_MEAN
    assert outcome.amount == 0


def test_jobs_without_forms_count_in_n_but_add_no_points():
    assert (
        scoring.month_mean(
            scoring.total_points(scoring.counts_of_forms(["AAA"]), DEFAULT_CONFIG.points), 3
        )
        == 2
    )


def test_a_tiny_difference_is_not_rounded_away():
    outcome = scoring.reward_decision(Fraction(40001, 10000), Fraction(4), DEFAULT_CONFIG)
    assert outcome.decision == Decision.REWARD
    assert scoring.shown(outcome.difference, signed=True) == "+0.0001"


@given(forms_st, st.integers(0, 30), st.randoms())
def test_the_mean_does_not_depend_on_the_order_of_the_forms(forms, extra_jobs, rnd):
    jobs = len(forms) + extra_jobs
    points = DEFAULT_CONFIG.points
    shuffled = list(forms)
    rnd.shuffle(shuffled)
    a = scoring.month_mean(scoring.total_points(scoring.counts_of_forms(forms), points), jobs)
    b = scoring.month_mean(scoring.total_points(scoring.counts_of_forms(shuffled), points), jobs)
    assert a == b
    # The aggregate form (counts × points) equals summing each form's points.
    if jobs:
        assert a == Fraction(sum(scoring.form_points(f, points) for f in forms), jobs)
    else:
        assert a is None


@given(
    st.fractions(min_value=-6, max_value=6) | st.none(),
    st.fractions(min_value=-6, max_value=6) | st.none(),
    configs,
)
def test_the_reward_follows_the_sign_of_the_difference(current, previous, config):
    outcome = scoring.reward_decision(current, previous, config)
    if current is None or previous is None:
        assert outcome.reward == outcome.penalty == 0
        assert outcome.decision in (Decision.NO_MEAN, Decision.NO_PREVIOUS)
        return
    diff = current - previous
    assert outcome.difference == diff
    if diff > 0:
        assert (outcome.decision, outcome.reward, outcome.penalty) == (
            Decision.REWARD,
            config.reward,
            0,
        )
    elif diff < 0:
        assert (outcome.decision, outcome.reward, outcome.penalty) == (
            Decision.PENALTY,
            0,
            config.penalty,
        )
    else:
        assert (outcome.decision, outcome.reward, outcome.penalty) == (Decision.EQUAL, 0, 0)


@given(forms_st, st.integers(0, 5), st.integers(0, 80), configs)
def test_amounts_come_only_from_the_configuration(forms, extra_jobs, complaints, config):
    inputs = scoring.MonthInputs(
        jobs=len(forms) + extra_jobs,
        forms=len(forms),
        counts=scoring.counts_of_forms(forms),
        previous_total=random.Random(len(forms)).randint(-20, 20),
        previous_jobs=3,
        complaints=complaints,
    )
    out = scoring.assess(inputs, config)
    assert out.means.reward in (0, config.reward)
    assert out.means.penalty in (0, config.penalty)
    assert out.extra_reward in (0, config.extra_reward)
    assert out.extra_penalty in (0, config.extra_penalty)
    assert out.complaints.penalty in {Decimal(0), *(t.amount for t in config.tiers)}
    assert out.amount == (
        out.means.reward
        - out.means.penalty
        + out.extra_reward
        - out.extra_penalty
        - out.complaints.penalty
    )


@given(forms_st)
def test_the_extras_need_every_item_of_every_form(forms):
    all_a, all_e = scoring.extras(scoring.counts_of_forms(forms), len(forms))
    assert all_a == (bool(forms) and all(set(f) == {"A"} for f in forms))
    assert all_e == (bool(forms) and all(set(f) == {"E"} for f in forms))


@given(st.integers(0, 500), st.integers(0, 500))
def test_the_default_tiers_are_monotonic_and_cover_every_count(a, b):
    low, high = sorted((a, b))
    r_low = scoring.complaint_rating(low, DEFAULT_CONFIG)
    r_high = scoring.complaint_rating(high, DEFAULT_CONFIG)
    assert r_low.penalty <= r_high.penalty
    for r in (r_low, r_high):
        # Every count is either qualified or falls in exactly one tier with an amount.
        assert r.qualified == (r.count <= 5)
        assert r.qualified or (r.tier is not None and r.penalty > 0)
        assert r.sanction == (r.count >= 30)


@given(
    st.lists(st.integers(1, 100), unique=True, min_size=1, max_size=8),
    st.integers(0, 150),
    st.integers(0, 150),
)
def test_any_tier_table_is_a_step_function_with_no_gaps(mins, a, b):
    mins = sorted(mins)
    tiers = tuple(scoring.Tier(n, Decimal(100 * (i + 1))) for i, n in enumerate(mins))
    low, high = sorted((a, b))
    t_low, t_high = scoring.complaint_tier(low, tiers), scoring.complaint_tier(high, tiers)
    assert (t_low is None) == (low < mins[0])
    assert (t_high.amount if t_high else 0) >= (t_low.amount if t_low else 0)
    if t_high:
        assert t_high.min_count <= high
        assert all(n > high or n <= t_high.min_count for n in mins)
    ranges = scoring.tier_ranges(tiers)
    for (_lo, hi, _amt), (nxt, _h, _a) in zip(ranges, ranges[1:], strict=False):
        assert hi == nxt - 1
    assert ranges[-1][1] is None


def test_the_complaint_tiers_at_each_boundary():
    expected = {
        5: (True, 0, False),
        6: (False, 500, False),
        10: (False, 500, False),
        11: (False, 1000, False),
        20: (False, 1000, False),
        21: (False, 2000, False),
        29: (False, 2000, False),
        30: (False, 3000, True),
        31: (False, 3000, True),
    }
    for count, (qualified, penalty, sanction) in expected.items():
        r = scoring.complaint_rating(count, DEFAULT_CONFIG)
        assert (r.qualified, r.penalty, r.sanction) == (qualified, penalty, sanction), count
