"""People's wording for the codes that `ahp` returns: the pure module stays free of Django, and
the CLI and the API say the same sentence for the same mistake."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .ahp import AhpError

BAND_LABELS = {
    "extremely_satisfied": gettext_lazy("极满意"),
    "very_satisfied": gettext_lazy("很满意"),
    "basically_satisfied": gettext_lazy("基本满意"),
    "unsatisfied": gettext_lazy("不满意"),
}


def error_message(error: AhpError) -> str:
    """The refusal in the user's language, naming the cell or index (0-based, as in the input)."""
    p = error.params
    templates = {
        "empty": _("判断矩阵为空，请至少填写一行"),
        "not_square": _("判断矩阵不是方阵：第 %(row)s 行有 %(length)s 个数，应为 %(n)s 个"),
        "too_large": _("判断矩阵有 %(n)s 阶，随机一致性指标表最多支持 %(max)s 阶"),
        "not_finite": _("单元格 (%(row)s, %(col)s) 不是有效数字，请填写 1–9 标度或其倒数"),
        "not_positive": _("单元格 (%(row)s, %(col)s) 必须为正数，请填写 1–9 标度或其倒数"),
        "not_reciprocal": _(
            "单元格 (%(row)s, %(col)s) 与 (%(col)s, %(row)s) 不互为倒数，请修改其中一个"
        ),
        "bad_ri": _("随机一致性指标表中 %(n)s 阶的值必须为正数"),
        "bad_weight": _("第 %(index)s 个权重必须是 0 到 1 之间的数"),
        "bad_sum": _("权重之和为 %(total)s，应为 1"),
        "bad_index": _("序号 %(index)s 超出范围，应为 0 到 %(last)s 之间的整数"),
        "bad_k": _("比值 K 必须是正数"),
        "bad_new_weight": _("新权重必须是 0 到 1 之间（不含 0 和 1）的数"),
        "last_element": _("只有一个要素时不能删除或调整其权重"),
        "no_matrices": _("还没有可以合成的判断矩阵"),
        "size_mismatch": _("第 %(expert)s 个判断矩阵有 %(size)s 阶，与第一个的 %(n)s 阶不同"),
    }
    template = templates.get(error.code)
    if template is None:
        return str(error)
    return template % p
