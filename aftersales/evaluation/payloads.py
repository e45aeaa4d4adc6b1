"""The JSON shapes shared by `aftersales ahp` and `/api/v1/ahp/`: one reading of the input and one
answer, so that the command line and the API refuse the same mistakes with the same words."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from . import ahp
from .messages import error_message

# Enough to point at the judgements to revisit; a 15×15 matrix has 105 pairs.
MOST_INCONSISTENT_LIMIT = 3


class InputError(ValueError):
    """Malformed input; the message is for people, in their language."""


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputError(_("输入必须是一个 JSON 对象"))
    return data


def weights_result(data: Any, *, threshold: float = ahp.THRESHOLD) -> dict[str, Any]:
    data = _object(data)
    if "matrix" not in data:
        raise InputError(_("缺少判断矩阵 matrix"))
    try:
        result = ahp.analyse(data["matrix"], threshold=threshold, limit=MOST_INCONSISTENT_LIMIT)
    except ahp.AhpError as exc:
        raise InputError(error_message(exc)) from exc
    out: dict[str, Any] = {
        "weights": result.weights,
        "lambda_max": result.lambda_max,
        "ci": result.ci,
        "cr": result.cr,
        "consistent": result.consistent,
        "most_inconsistent": [list(pair) for pair in result.most_inconsistent],
    }
    labels = data.get("labels")
    if labels is not None:
        n = len(result.weights)
        if (
            not isinstance(labels, list)
            or len(labels) != n
            or not all(isinstance(x, str) for x in labels)
        ):
            raise InputError(_("labels 必须是 %(n)s 个名称的列表，与矩阵阶数一致") % {"n": n})
        out["labels"] = labels
    return out


def adjust_result(data: Any) -> dict[str, Any]:
    data = _object(data)
    if "weights" not in data:
        raise InputError(_("缺少权重 weights"))
    given = [key for key in ("remove", "add", "set") if key in data]
    if len(given) != 1:
        raise InputError(_("请给出且只给出 remove、add、set 中的一项"))
    op = given[0]
    w = data["weights"]
    try:
        if op == "remove":
            out = ahp.remove(w, data["remove"])
        elif op == "add":
            spec = data["add"]
            if not isinstance(spec, dict) or not {"ratio_to", "k"} <= set(spec):
                raise InputError(_("add 需要 ratio_to 和 k"))
            out = ahp.add(w, ratio_to=spec["ratio_to"], k=spec["k"])
        else:
            spec = data["set"]
            if not isinstance(spec, dict) or not {"index", "weight"} <= set(spec):
                raise InputError(_("set 需要 index 和 weight"))
            out = ahp.set_weight(w, spec["index"], spec["weight"])
    except ahp.AhpError as exc:
        raise InputError(error_message(exc)) from exc
    return {"weights": out}
