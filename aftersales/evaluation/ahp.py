"""The analytic hierarchy process (层次分析法, S14), as plain numpy functions.

No Django here: the CLI, the API and (later) the services validate and translate around these.
Errors carry a `code` and the offending cell in `params` so that the caller can say, in the
user's language, exactly which judgement to fix; `str(error)` is an English fallback that names
the same cell. Indices are 0-based everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

# Saaty's random consistency index for n = 1…15 (index n − 1).
SAATY_RI: tuple[float, ...] = (
    0.0,
    0.0,
    0.58,
    0.90,
    1.12,
    1.24,
    1.32,
    1.41,
    1.45,
    1.49,
    1.51,
    1.54,
    1.56,
    1.57,
    1.59,
)
THRESHOLD = 0.10
# Relative tolerance for a_ij · a_ji = 1: judgements typed as 0.333 for 1/3 are a typing habit,
# but a JSON float of 1/3 round-trips to within ~1e-16, so 1e-6 refuses only real mistakes.
RECIPROCAL_TOLERANCE = 1e-6
# The seed publishes weights rounded to 4 places, so (0.1115, 0.1813, 0.0546, 0.6527) sums to
# 1.0001; up to 15 rounded weights can be off by 15 × 0.00005 < 1e-3.
SUM_TOLERANCE = 1e-3

Matrix = npt.NDArray[np.float64]


class AhpError(ValueError):
    """A refusal naming what to fix: `code` says which rule, `params` the cell or index."""

    def __init__(self, code: str, message: str, **params: Any):
        super().__init__(message)
        self.code = code
        self.params = params


class MatrixError(AhpError):
    pass


class WeightsError(AhpError):
    pass


@dataclass(frozen=True)
class Analysis:
    weights: list[float]
    lambda_max: float
    ci: float
    cr: float
    consistent: bool
    most_inconsistent: list[tuple[int, int]]


def _cell(value: Any) -> float | None:
    # bool is an int in Python; `true` in a judgement matrix is a mistake, not 1.
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number


def validate(matrix: Any, *, ri: Sequence[float] = SAATY_RI) -> Matrix:
    """The matrix as an array, or MatrixError naming the first bad cell."""
    if isinstance(matrix, np.ndarray):
        matrix = matrix.tolist()
    if not isinstance(matrix, Sequence) or isinstance(matrix, str) or len(matrix) == 0:
        raise MatrixError("empty", "the matrix is empty")
    n = len(matrix)
    for i, row in enumerate(matrix):
        if not isinstance(row, Sequence) or isinstance(row, str) or len(row) != n:
            length = len(row) if isinstance(row, Sequence) and not isinstance(row, str) else 0
            raise MatrixError(
                "not_square",
                f"the matrix is not square: row {i} has {length} cells, expected {n}",
                row=i,
                length=length,
                n=n,
            )
    if n > len(ri):
        raise MatrixError(
            "too_large",
            f"the matrix has {n} rows; the random-index table covers at most {len(ri)}",
            n=n,
            max=len(ri),
        )
    a = np.empty((n, n), dtype=np.float64)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            number = _cell(value)
            if number is None or not math.isfinite(number):
                raise MatrixError(
                    "not_finite", f"cell ({i}, {j}) is not a finite number", row=i, col=j
                )
            if number <= 0:
                raise MatrixError("not_positive", f"cell ({i}, {j}) is not positive", row=i, col=j)
            a[i, j] = number
    for i in range(n):
        for j in range(i, n):
            if not math.isclose(a[i, j] * a[j, i], 1.0, rel_tol=RECIPROCAL_TOLERANCE):
                raise MatrixError(
                    "not_reciprocal",
                    f"cells ({i}, {j}) and ({j}, {i}) are not reciprocal:"
                    f" {a[i, j]:g} × {a[j, i]:g} ≠ 1",
                    row=i,
                    col=j,
                )
    return a


def _principal(a: Matrix) -> tuple[float, Matrix]:
    # A positive matrix has a simple real Perron root with a positive eigenvector (Perron–
    # Frobenius), so the eigenvalue with the largest real part is it; abs() only drops the
    # arbitrary sign numpy picks, and .real the zero imaginary parts of a complex solver.
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    vector = np.abs(vectors[:, k].real)
    return float(values[k].real), vector / vector.sum()


def weights(matrix: Any) -> list[float]:
    """The normalised principal eigenvector of a positive reciprocal matrix."""
    return _principal(validate(matrix))[1].tolist()


def lambda_max(matrix: Any) -> float:
    return _principal(validate(matrix))[0]


def _ci(lam: float, n: int) -> float:
    if n <= 2:
        return 0.0
    # λmax ≥ n for every positive reciprocal matrix; a negative CI is rounding noise and would
    # print as a confusing "-1e-16".
    return max(0.0, (lam - n) / (n - 1))


def consistency_index(matrix: Any) -> float:
    a = validate(matrix)
    return _ci(_principal(a)[0], a.shape[0])


def _cr(ci: float, n: int, ri: Sequence[float]) -> float:
    if n <= 2:
        return 0.0  # every 1×1 and 2×2 reciprocal matrix is consistent
    index = ri[n - 1]
    if not index > 0:
        raise MatrixError("bad_ri", f"the random index for n = {n} must be positive", n=n)
    return ci / index


def consistency_ratio(matrix: Any, *, ri: Sequence[float] = SAATY_RI) -> float:
    a = validate(matrix, ri=ri)
    n = a.shape[0]
    return _cr(_ci(_principal(a)[0], n), n, ri)


def _deviations(a: Matrix, w: Matrix) -> list[tuple[float, int, int]]:
    n = a.shape[0]
    return [(abs(math.log(a[i, j] * w[j] / w[i])), i, j) for i in range(n) for j in range(i + 1, n)]


def _ranked(a: Matrix, w: Matrix, limit: int | None) -> list[tuple[int, int]]:
    # Deviations below 1e-9 are the float noise of a consistent matrix: naming them would send
    # the experts to change judgements that are fine. Ties keep (i, j) order, so output is stable.
    ranked = sorted((d for d in _deviations(a, w) if d[0] > 1e-9), key=lambda d: (-d[0], d[1:]))
    pairs = [(i, j) for _d, i, j in ranked]
    return pairs if limit is None else pairs[:limit]


def most_inconsistent(matrix: Any, *, limit: int | None = None) -> list[tuple[int, int]]:
    """Judgements (i, j), i < j, ranked by |ln(a_ij · w_j / w_i)|, largest first."""
    a = validate(matrix)
    return _ranked(a, _principal(a)[1], limit)


def analyse(
    matrix: Any,
    *,
    ri: Sequence[float] = SAATY_RI,
    threshold: float = THRESHOLD,
    limit: int | None = 3,
) -> Analysis:
    """Everything about one judgement matrix in one eigen-decomposition."""
    a = validate(matrix, ri=ri)
    n = a.shape[0]
    lam, w = _principal(a)
    ci = _ci(lam, n)
    cr = _cr(ci, n, ri)
    return Analysis(
        weights=w.tolist(),
        lambda_max=lam,
        ci=ci,
        cr=cr,
        consistent=cr < threshold,
        most_inconsistent=_ranked(a, w, limit),
    )


# --- the hierarchy -------------------------------------------------------------------------

Node = tuple[str, float, Sequence[Any]]  # (label, local weight, children: Sequence[Node])


def global_weights(tree: Sequence[Node], parent: float = 1.0) -> dict[str, float]:
    """Leaf label → global weight: the product of local weights from the goal down."""
    result: dict[str, float] = {}
    for label, local, children in tree:
        weight = parent * float(local)
        found = global_weights(children, weight) if children else {label: weight}
        for leaf, value in found.items():
            if leaf in result:
                raise WeightsError("duplicate_label", f"label {leaf!r} appears twice", label=leaf)
            result[leaf] = value
    return result


# --- the seed's adjustment rules ------------------------------------------------------------
# They change a weight vector without asking the experts again and keep the ratios of all the
# other elements. Each is the seed's formula as printed (it assumes Σw = 1), so the published
# figures come out to the digit: e.g. removing A2 divides by 1 − w_2 = 0.8187, not by the
# rounded rest's sum 0.8188.


def _vector(values: Any) -> Matrix:
    if not isinstance(values, Sequence) or isinstance(values, str) or len(values) == 0:
        raise WeightsError("empty", "the weights are empty")
    w = np.empty(len(values), dtype=np.float64)
    for k, value in enumerate(values):
        number = _cell(value)
        if number is None or not math.isfinite(number) or not 0 < number <= 1:
            raise WeightsError("bad_weight", f"weight {k} must be a number in (0, 1]", index=k)
        w[k] = number
    total = float(w.sum())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise WeightsError("bad_sum", f"the weights sum to {total:g}, not 1", total=round(total, 6))
    return w


def _index(w: Matrix, index: Any) -> int:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(w):
        raise WeightsError(
            "bad_index",
            f"index {index!r} is not in 0…{len(w) - 1}",
            index=index,
            last=len(w) - 1,
        )
    return index


def _positive(value: Any, name: str, *, below_one: bool = False) -> float:
    number = _cell(value)
    if number is None or not math.isfinite(number) or number <= 0 or (below_one and number >= 1):
        bound = "(0, 1)" if below_one else "> 0"
        raise WeightsError(f"bad_{name}", f"{name} must be a number {bound}", name=name)
    return number


def remove(values: Any, i: Any) -> list[float]:
    """Drop element i: w'_j = w_j / (1 − w_i)."""
    w = _vector(values)
    i = _index(w, i)
    if len(w) < 2:
        raise WeightsError("last_element", "the only element cannot be removed")
    return (np.delete(w, i) / (1.0 - w[i])).tolist()


def add(values: Any, *, ratio_to: Any, k: Any) -> list[float]:
    """Append an element K times as important as element `ratio_to`: w_{n+1} = K·w_i, then
    every weight divided by 1 + K·w_i."""
    w = _vector(values)
    i = _index(w, ratio_to)
    new = _positive(k, "k") * w[i]
    return (np.append(w, new) / (1.0 + new)).tolist()


def set_weight(values: Any, index: Any, weight: Any) -> list[float]:
    """Give element `index` the weight w'; the others become w_j · (1 − w') / (1 − w_i)."""
    w = _vector(values)
    i = _index(w, index)
    target = _positive(weight, "new_weight", below_one=True)
    if len(w) < 2:
        raise WeightsError("last_element", "a single element always weighs 1")
    out = w * (1.0 - target) / (1.0 - w[i])
    out[i] = target
    return out.tolist()


# --- scoring ----------------------------------------------------------------------------------

# (lowest score of the band, code). The seed's bands are whole numbers (91–100, 71–90, 51–70,
# 1–50); a weighted score is fractional, so a band starts just above the top of the one below
# (90 is "very satisfied", 90.01 "extremely satisfied") rather than leaving gaps like 90.5.
BANDS: tuple[tuple[float, str], ...] = (
    (90.0, "extremely_satisfied"),
    (70.0, "very_satisfied"),
    (50.0, "basically_satisfied"),
)
UNSATISFIED = "unsatisfied"


def score(global_weights: Sequence[float] | Mapping[str, float], scores: Any) -> float:
    """Σ global weight × score (0–100). With a mapping, `scores` is a mapping by the same labels."""
    if isinstance(global_weights, Mapping):
        if not isinstance(scores, Mapping) or set(scores) != set(global_weights):
            raise WeightsError("labels_mismatch", "scores must name exactly the indicators")
        labels = list(global_weights)
        ws = [global_weights[label] for label in labels]
        ss = [scores[label] for label in labels]
    else:
        ws, ss = list(global_weights), list(scores)
        if len(ws) != len(ss):
            raise WeightsError(
                "length_mismatch", f"{len(ss)} scores for {len(ws)} weights", n=len(ws)
            )
    total = 0.0
    for k, (w, s) in enumerate(zip(ws, ss, strict=True)):
        number = _cell(s)
        if number is None or not 0 <= number <= 100:
            raise WeightsError("bad_score", f"score {k} must be a number in 0…100", index=k)
        total += float(w) * number
    return total


def band(value: float) -> str:
    """The satisfaction band's code; the caller translates it (see `messages.BAND_LABELS`)."""
    for lowest, code in BANDS:
        if value > lowest:
            return code
    return UNSATISFIED


# --- several experts ----------------------------------------------------------------------------


def geometric_mean(matrices: Sequence[Any]) -> list[list[float]]:
    """The experts' judgements combined cell by cell: (Π a_ij^(k))^(1/m). The geometric mean of
    reciprocal matrices is reciprocal again (the arithmetic mean is not), so the combined matrix
    is a judgement matrix like any other; each input is validated first, and a bad cell is
    reported with `expert` = the matrix's 0-based position."""
    if not isinstance(matrices, Sequence) or isinstance(matrices, str) or len(matrices) == 0:
        raise MatrixError("no_matrices", "there are no matrices to combine")
    arrays: list[Matrix] = []
    for k, matrix in enumerate(matrices):
        try:
            arrays.append(validate(matrix))
        except MatrixError as exc:
            exc.params["expert"] = k
            raise
    n = arrays[0].shape[0]
    for k, a in enumerate(arrays):
        if a.shape[0] != n:
            raise MatrixError(
                "size_mismatch",
                f"matrix {k} has {a.shape[0]} rows, the first has {n}",
                expert=k,
                n=n,
                size=a.shape[0],
            )
    # Means of logarithms: a product of many judgements of 9 would overflow long before a sum of
    # their logarithms does, and exp(−x) = 1/exp(x) keeps the result reciprocal to rounding.
    logs = np.mean(np.log(np.stack(arrays)), axis=0)
    combined = np.exp((logs - logs.T) / 2.0)
    return combined.tolist()
