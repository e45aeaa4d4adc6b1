"""The AHP maths (S14) as properties, plus the seed's published figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.evaluation import ahp

# Weights within a 1:9 spread keep the matrices on Saaty's scale, where the method is meant to
# work; astronomically spread weights only test numpy's eigen-solver.
weight = st.floats(min_value=1.0, max_value=9.0, allow_nan=False, allow_infinity=False)


def vectors(min_size: int = 1, max_size: int = 15):
    return st.lists(weight, min_size=min_size, max_size=max_size).map(
        lambda w: (np.array(w) / sum(w)).tolist()
    )


def consistent(w):
    return [[wi / wj for wj in w] for wi in w]


@given(vectors())
def test_a_consistent_matrix_gives_back_its_weights_with_cr_zero(w):
    result = ahp.analyse(consistent(w))
    assert np.allclose(result.weights, w, atol=1e-9)
    assert result.cr == pytest.approx(0, abs=1e-9)
    assert result.consistent
    assert result.most_inconsistent == []


@given(vectors(), st.randoms(use_true_random=False))
def test_permuting_rows_and_columns_permutes_the_weights(w, rnd):
    a = np.array(consistent(w))
    # A little inconsistency so the test is not just the consistent case again.
    if len(w) >= 3:
        a[0, 2] *= 2
        a[2, 0] /= 2
    perm = list(range(len(w)))
    rnd.shuffle(perm)
    permuted = a[np.ix_(perm, perm)]
    assert np.allclose(ahp.weights(permuted), np.array(ahp.weights(a))[perm], atol=1e-9)


@settings(max_examples=200)
@given(
    vectors(min_size=4),
    st.floats(min_value=3.0, max_value=9.0),
    st.booleans(),
    st.data(),
)
def test_a_single_perturbed_judgement_is_reported_first(w, factor, invert, data):
    # From n = 4: in a 3×3 matrix one wrong judgement spreads equally over all three pairs, so
    # no pair can be singled out.
    n = len(w)
    i = data.draw(st.integers(0, n - 2))
    j = data.draw(st.integers(i + 1, n - 1))
    a = np.array(consistent(w))
    f = 1 / factor if invert else factor
    a[i, j] *= f
    a[j, i] /= f
    assert ahp.most_inconsistent(a)[0] == (i, j)
    assert ahp.analyse(a).cr > 0


def ratios_kept(before, after, pairs):
    return all(math.isclose(before[p] / before[q], after[r] / after[s]) for p, q, r, s in pairs)


@given(vectors(min_size=2), st.data())
def test_removing_an_element_keeps_the_others_ratios(w, data):
    i = data.draw(st.integers(0, len(w) - 1))
    out = ahp.remove(w, i)
    rest = [x for k, x in enumerate(w) if k != i]
    assert len(out) == len(w) - 1
    assert sum(out) == pytest.approx(1)
    assert np.allclose(np.array(out) / out[0], np.array(rest) / rest[0])


@given(vectors(), st.floats(min_value=0.01, max_value=100), st.data())
def test_adding_an_element_keeps_the_others_ratios_and_the_asked_ratio(w, k, data):
    i = data.draw(st.integers(0, len(w) - 1))
    out = ahp.add(w, ratio_to=i, k=k)
    assert len(out) == len(w) + 1
    assert sum(out) == pytest.approx(1)
    assert out[-1] / out[i] == pytest.approx(k)
    assert np.allclose(np.array(out[:-1]) / out[0], np.array(w) / w[0])


@given(vectors(min_size=2), st.floats(min_value=0.001, max_value=0.999), st.data())
def test_setting_a_weight_keeps_the_others_ratios(w, target, data):
    i = data.draw(st.integers(0, len(w) - 1))
    out = ahp.set_weight(w, i, target)
    assert out[i] == target
    assert sum(out) == pytest.approx(1)
    others = [k for k in range(len(w)) if k != i]
    assert np.allclose(
        [out[k] / out[others[0]] for k in others], [w[k] / w[others[0]] for k in others]
    )


def test_removing_parts_management_reproduces_the_seeds_figures():
    # A2 配件管理 (parts management) is the second criterion: index 1.
    out = ahp.remove([0.1115, 0.1813, 0.0546, 0.6527], 1)
    assert [round(x, 4) for x in out] == [0.1362, 0.0667, 0.7972]


def test_setting_remote_support_to_032_reproduces_the_seeds_figures():
    # B33 远程技术服务支持 is the third indicator of B3: index 2.
    out = ahp.set_weight([0.2918, 0.1676, 0.2211, 0.1925, 0.1270], 2, 0.32)
    assert [round(x, 4) for x in out] == [0.2547, 0.1463, 0.32, 0.1681, 0.1109]


def test_a_textbook_matrix_has_the_known_lambda_and_cr():
    a = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
    assert ahp.lambda_max(a) == pytest.approx(3.0385, abs=1e-4)
    assert ahp.consistency_index(a) == pytest.approx(0.0193, abs=1e-4)
    assert ahp.consistency_ratio(a) == pytest.approx(0.0332, abs=1e-4)
    assert ahp.weights(a) == pytest.approx([0.6370, 0.2583, 0.1047], abs=1e-4)


def test_an_inconsistent_matrix_is_not_consistent_and_the_threshold_is_configurable():
    a = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    assert not ahp.analyse(a).consistent
    mild = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
    assert ahp.analyse(mild).consistent
    assert not ahp.analyse(mild, threshold=0.03).consistent


def test_one_and_two_element_matrices_are_always_consistent():
    assert ahp.analyse([[1]]).weights == [1.0]
    two = ahp.analyse([[1, 7], [1 / 7, 1]])
    assert two.cr == 0 and two.consistent
    assert two.weights == pytest.approx([7 / 8, 1 / 8])


def test_a_custom_random_index_table_is_used():
    a = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
    ci = ahp.consistency_index(a)
    assert ahp.consistency_ratio(a, ri=(0, 0, 0.52)) == pytest.approx(ci / 0.52)


@pytest.mark.parametrize(
    ("matrix", "code", "named"),
    [
        ([], "empty", "empty"),
        ([[1, 2], [0.5]], "not_square", "row 1"),
        ([[1, 2, 3], [0.5, 1, 2]], "not_square", "row 0"),
        ([[1, 0], [1, 1]], "not_positive", "(0, 1)"),
        ([[1, 2], [-0.5, 1]], "not_positive", "(1, 0)"),
        ([[1, float("nan")], [1, 1]], "not_finite", "(0, 1)"),
        ([[1, 2], [float("inf"), 1]], "not_finite", "(1, 0)"),
        ([[1, "x"], [1, 1]], "not_finite", "(0, 1)"),
        ([[1, True], [1, 1]], "not_finite", "(0, 1)"),
        ([[1, 2, 3], [0.5, 1, 4], [1 / 3, 0.3, 1]], "not_reciprocal", "(1, 2) and (2, 1)"),
        ([[2, 1], [1, 1]], "not_reciprocal", "(0, 0)"),
        ([[1] * 16 for _ in range(16)], "too_large", "16"),
    ],
)
def test_each_validation_error_names_its_cell(matrix, code, named):
    with pytest.raises(ahp.MatrixError) as caught:
        ahp.weights(matrix)
    assert caught.value.code == code
    assert named in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_reciprocal_within_the_tolerance_is_accepted():
    assert ahp.weights([[1, 3], [1 / 3 * (1 + 1e-8), 1]]) == pytest.approx([0.75, 0.25])
    with pytest.raises(ahp.MatrixError, match=r"\(0, 1\) and \(1, 0\)"):
        ahp.weights([[1, 3], [0.333, 1]])


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: ahp.remove([], 0), "empty"),
        (lambda: ahp.remove([0.5, 0.6], 0), "bad_sum"),
        (lambda: ahp.remove([0, 1], 0), "bad_weight"),
        (lambda: ahp.remove([0.5, 0.5], 2), "bad_index"),
        (lambda: ahp.remove([1.0], 0), "last_element"),
        (lambda: ahp.add([0.5, 0.5], ratio_to=0, k=0), "bad_k"),
        (lambda: ahp.set_weight([0.5, 0.5], 0, 1), "bad_new_weight"),
        (lambda: ahp.set_weight([0.5, 0.5], -1, 0.3), "bad_index"),
    ],
)
def test_bad_adjustments_are_refused(call, code):
    with pytest.raises(ahp.WeightsError) as caught:
        call()
    assert caught.value.code == code


def test_global_weights_multiply_down_the_tree():
    tree = [
        ("A1", 0.6, [("B11", 0.5, []), ("B12", 0.5, [])]),
        ("A2", 0.4, [("B21", 0.25, []), ("B22", 0.75, [])]),
    ]
    assert ahp.global_weights(tree) == pytest.approx(
        {"B11": 0.3, "B12": 0.3, "B21": 0.1, "B22": 0.3}
    )


def test_the_score_is_the_weighted_sum_and_falls_in_the_seeds_bands():
    assert ahp.score([0.5, 0.3, 0.2], [100, 80, 50]) == pytest.approx(84)
    assert ahp.score({"a": 0.5, "b": 0.5}, {"b": 60, "a": 100}) == pytest.approx(80)
    assert [ahp.band(s) for s in (100, 91, 90.5, 90, 71, 70, 51, 50, 1, 0)] == [
        "extremely_satisfied",
        "extremely_satisfied",
        "extremely_satisfied",
        "very_satisfied",
        "very_satisfied",
        "basically_satisfied",
        "basically_satisfied",
        "unsatisfied",
        "unsatisfied",
        "unsatisfied",
    ]
    with pytest.raises(ahp.WeightsError):
        ahp.score([0.5, 0.5], [100, 101])
