"""KPI formulas of S13 over plain numbers: no ORM, no clock. The selectors count in SQL and
hand the counts here; the dashboard, the drill-down and the API all read the results.

A rate is a percentage (0–100, and for the complaint rate possibly above 100) or None when
there is nothing to divide by: "no closed orders" is not "0 % on time", and a tile must be able
to say so instead of showing a misleading zero or a red flag."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

Direction = Literal["min", "max"]  # "min": the value must reach the target; "max": stay below
Unit = Literal["percent", "hours", "yuan"]

CENT = Decimal("0.01")


def rate(numerator: int, denominator: int) -> float | None:
    """`numerator` ÷ `denominator` as a percentage, None when the denominator is zero."""
    if numerator < 0 or denominator < 0:
        raise ValueError("counts cannot be negative")
    if denominator == 0:
        return None
    return 100.0 * numerator / denominator


def mean(total: float | Decimal, count: int) -> float | None:
    """The average of `count` values summing to `total`; None for no values."""
    if count < 0:
        raise ValueError("counts cannot be negative")
    if count == 0:
        return None
    return float(total) / count


def per_job(amount: Decimal, jobs: int) -> Decimal | None:
    """Money per job, rounded half-up to the fen; None for no jobs. Decimal all the way: a
    float would turn ¥0.10 into 0.1000000000000000055."""
    if jobs < 0:
        raise ValueError("counts cannot be negative")
    if jobs == 0:
        return None
    return (Decimal(amount) / jobs).quantize(CENT, rounding=ROUND_HALF_UP)


def meets(
    value: float | Decimal | None, target: float | Decimal | None, direction: Direction
) -> bool | None:
    """Whether `value` meets `target`: None when either is unknown (no data, no target)."""
    if value is None or target is None:
        return None
    if direction == "min":
        return float(value) >= float(target)
    return float(value) <= float(target)


def satisfied_items(counts: dict[str, int], satisfied: str) -> tuple[int, int]:
    """(satisfied items, answered items) from grade → count. A blank grade is not an answer."""
    answered = sum(n for grade, n in counts.items() if grade)
    happy = sum(n for grade, n in counts.items() if grade and grade in satisfied)
    return happy, answered


@dataclass(frozen=True)
class KpiDef:
    name: str
    label: Promise
    definition: Promise
    unit: Unit
    direction: Direction
    # The KpiSettings field holding the target, if the KPI has one.
    target_field: str | None = None


# The order is the order of the tiles and of the API output.
DEFINITIONS: tuple[KpiDef, ...] = (
    KpiDef(
        "timeliness",
        _("服务及时率"),
        _(
            "期内关闭的工单中未发生任何时效超时（响应、到场、解决、返修承诺）的工单数"
            " ÷ 期内关闭工单数"
        ),
        "percent",
        "min",
        "timeliness_target",
    ),
    KpiDef(
        "satisfaction",
        _("客户满意度"),
        _("期内关闭工单的计入考核意见反馈表中，评为满意等级的项目数 ÷ 已作答项目数（每表三项）"),
        "percent",
        "min",
        "satisfaction_target",
    ),
    KpiDef(
        "complaint_rate",
        _("服务责任投诉率"),
        _(
            "期内受理、判定有效且属售后服务责任（类别为售后服务，或未分类且类型为服务）"
            "的投诉数 ÷ 期内关闭工单数"
        ),
        "percent",
        "max",
        "complaint_rate_target",
    ),
    KpiDef(
        "response_hours",
        _("平均响应时间"),
        _("期内关闭工单从受理到首次响应的平均小时数（自然时间）"),
        "hours",
        "max",
        "response_hours_target",
    ),
    KpiDef(
        "arrival_hours",
        _("平均到场时间"),
        _("期内关闭工单从受理到首次到场的平均小时数（自然时间，仅含上门工单）"),
        "hours",
        "max",
        "arrival_hours_target",
    ),
    KpiDef(
        "resolution_hours",
        _("平均解决时间"),
        _("期内关闭工单从受理到解决的平均小时数（自然时间）"),
        "hours",
        "max",
        "resolution_hours_target",
    ),
    KpiDef(
        "first_time_fix",
        _("一次修复率"),
        _("期内关闭工单中上门不超过一次、已解决且从未重开的工单数 ÷ 期内关闭工单数"),
        "percent",
        "min",
        "first_time_fix_target",
    ),
    KpiDef(
        "reopen_rate",
        _("重开率"),
        _("期内关闭工单中至少重开过一次的工单数 ÷ 期内关闭工单数"),
        "percent",
        "max",
        "reopen_rate_target",
    ),
    KpiDef(
        "cost_per_job",
        _("单次服务成本"),
        _("期内关闭且已核算成本的工单的成本合计（备件+工时+差旅，取自工单成本） ÷ 已核算工单数"),
        "yuan",
        "max",
        "cost_per_job_target",
    ),
    KpiDef(
        "parts_cost_per_job",
        _("单次备件成本"),
        _("已核算工单的备件成本合计 ÷ 已核算工单数"),
        "yuan",
        "max",
    ),
    KpiDef(
        "labour_cost_per_job",
        _("单次工时成本"),
        _("已核算工单的工时成本合计 ÷ 已核算工单数"),
        "yuan",
        "max",
    ),
    KpiDef(
        "travel_cost_per_job",
        _("单次差旅成本"),
        _("已核算工单的差旅成本合计 ÷ 已核算工单数"),
        "yuan",
        "max",
    ),
    KpiDef(
        "parts_fill",
        _("备件满足率"),
        _("期内为工单申请的领料单（不含已取消）中已发料的张数 ÷ 申请张数"),
        "percent",
        "min",
        "parts_fill_target",
    ),
    KpiDef(
        "survey_response",
        _("调查回复率"),
        _("期内发出的工单满意度调查邀请中已回答的份数 ÷ 发出份数"),
        "percent",
        "min",
        "survey_response_target",
    ),
)
BY_NAME = {d.name: d for d in DEFINITIONS}


@dataclass(frozen=True)
class KpiValue:
    """One KPI of one group: value from numerator and denominator, the target and whether the
    value meets it. For hours the numerator is the total hours, for money the total yuan."""

    name: str
    numerator: float | int | Decimal
    denominator: int
    value: float | Decimal | None
    target: Decimal | None
    met: bool | None

    @property
    def spec(self) -> KpiDef:
        return BY_NAME[self.name]

    def as_dict(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "name": self.name,
            "label": str(spec.label),
            "definition": str(spec.definition),
            "unit": spec.unit,
            "direction": spec.direction,
            "value": _plain(self.value),
            "numerator": _plain(self.numerator),
            "denominator": self.denominator,
            "target": _plain(self.target),
            "met": self.met,
        }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return round(float(value), 4)


def evaluate(
    name: str,
    numerator: float | int | Decimal,
    denominator: int,
    target: Decimal | None = None,
) -> KpiValue:
    """The KPI `name` from its numerator and denominator, judged against `target`."""
    spec = BY_NAME[name]
    value: float | Decimal | None
    if spec.unit == "percent":
        value = rate(int(numerator), denominator)
    elif spec.unit == "hours":
        value = mean(numerator, denominator)
    else:
        value = per_job(Decimal(numerator), denominator)
    return KpiValue(
        name=name,
        numerator=numerator,
        denominator=denominator,
        value=value,
        target=target,
        met=meets(value, target, spec.direction),
    )


# How people read a value, the same on the dashboard and in the report documents.
def shown(value: KpiValue) -> str:
    """The value as people read it: 92.3% / 4.5 小时 / ¥123.40 / — for no data."""
    if value.value is None:
        return "—"
    unit = value.spec.unit
    if unit == "percent":
        return f"{float(value.value):.1f}%"
    if unit == "hours":
        return gettext("%(h).1f 小时") % {"h": float(value.value)}
    return f"¥{value.value}"


def shown_target(value: KpiValue) -> str:
    if value.target is None:
        return ""
    sign = "≥" if value.spec.direction == "min" else "≤"
    unit = value.spec.unit
    number = f"{value.target.normalize():f}"
    if unit == "percent":
        return gettext("目标 %(sign)s %(n)s%%") % {"sign": sign, "n": number}
    if unit == "hours":
        return gettext("目标 %(sign)s %(n)s 小时") % {"sign": sign, "n": number}
    return gettext("目标 %(sign)s ¥%(n)s") % {"sign": sign, "n": number}
