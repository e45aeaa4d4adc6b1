"""KPI configuration (S13): targets and the grades that count as satisfied are data, edited
by an administrator, not literals in the code (DESIGN: configuration over literals)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

GRADES = "ABCDE"


def _percent(label: Any, default: Decimal | None = None) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        null=default is None,
        blank=default is None,
        default=default,
        help_text=_("百分比；留空表示不设目标"),
    )


def _hours(label: Any) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("小时；留空表示不设目标"),
    )


def validate_grades(value: str) -> None:
    letters = value.strip().upper()
    if not letters or any(ch not in GRADES for ch in letters):
        raise ValidationError(_("请填写 A–E 中的一个或多个等级字母，例如 AB"))


class KpiSettings(models.Model):
    """One row. The SPEC's defaults: timeliness ≥ 90 %, satisfaction ≥ 85 % with A and B as the
    satisfied grades, service-responsibility complaints ≤ 3 %; the other KPIs have no target
    until an administrator sets one."""

    timeliness_target = _percent(_("服务及时率目标（≥ %）"), Decimal("90"))
    satisfaction_target = _percent(_("客户满意度目标（≥ %）"), Decimal("85"))
    satisfied_grades = models.CharField(
        _("计为满意的等级"),
        max_length=5,
        default="AB",
        validators=[validate_grades],
        help_text=_("意见反馈表中计为满意的等级字母，例如 AB"),
    )
    complaint_rate_target = _percent(_("服务责任投诉率上限（≤ %）"), Decimal("3"))
    first_time_fix_target = _percent(_("一次修复率目标（≥ %）"))
    reopen_rate_target = _percent(_("重开率上限（≤ %）"))
    parts_fill_target = _percent(_("备件满足率目标（≥ %）"))
    survey_response_target = _percent(_("调查回复率目标（≥ %）"))
    response_hours_target = _hours(_("平均响应时间上限（小时）"))
    arrival_hours_target = _hours(_("平均到场时间上限（小时）"))
    resolution_hours_target = _hours(_("平均解决时间上限（小时）"))
    cost_per_job_target = models.DecimalField(
        _("单次服务成本上限（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("元；留空表示不设目标"),
    )

    class Meta:
        verbose_name = _("统计指标参数")
        verbose_name_plural = _("统计指标参数")

    def __str__(self) -> str:
        return str(_("统计指标参数"))

    @classmethod
    def get(cls) -> KpiSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    def target(self, field: str | None) -> Decimal | None:
        return getattr(self, field) if field else None

    @property
    def satisfied(self) -> list[str]:
        """The satisfied grades as a list for `__in` ("ab " → ["A", "B"])."""
        return sorted({ch for ch in self.satisfied_grades.upper() if ch in GRADES})


class KpiMonth(models.Model):
    """The trend chart's figures of one complete month and one outlet, kept so that the dashboard
    reads twelve months of rows instead of a year of orders and their forms (issue 5, item 7).

    Filled on first read and refreshed every night for the recent months; dropped as soon as a
    change touches the month (`reports/monthly.py`). Satisfaction is kept per grade, not as a
    ratio, so that changing which grades count as satisfied needs no recomputation. `outlet_key`
    is the outlet's id, 0 for orders without an outlet — a plain number rather than a foreign key
    so that the (month, outlet) pair can be unique on every database (NULLs are distinct)."""

    month = models.DateField(_("月份"))
    outlet_key = models.IntegerField(_("服务网点"))
    closed = models.IntegerField(_("关闭工单数"), default=0)
    breached = models.IntegerField(_("超时工单数"), default=0)
    items_a = models.IntegerField(default=0)
    items_b = models.IntegerField(default=0)
    items_c = models.IntegerField(default=0)
    items_d = models.IntegerField(default=0)
    items_e = models.IntegerField(default=0)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("月度指标汇总")
        verbose_name_plural = _("月度指标汇总")
        constraints = [
            models.UniqueConstraint(fields=["month", "outlet_key"], name="kpimonth_once"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} #{self.outlet_key}"

    def items(self, grades: Any) -> int:
        return sum(getattr(self, f"items_{g.lower()}") for g in grades)
