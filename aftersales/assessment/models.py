"""The monthly assessment (S12): its configuration, the results per unit and month, and the
transitions of each result (draft → approved → superseded)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aftersales.network.models import Outlet, Staff

DEPARTMENT_KEY = "department"


def outlet_key(outlet_id: int) -> str:
    return f"outlet:{outlet_id}"


def _money(label: Any, default: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=12, decimal_places=2, default=Decimal(default))


class AssessmentSettings(models.Model):
    """One row (pk=1) seeded with the SPEC's defaults. A result keeps a snapshot of these values,
    so editing them never changes an approved result."""

    points_a = models.SmallIntegerField(_("A 级得分"), default=2)
    points_b = models.SmallIntegerField(_("B 级得分"), default=1)
    points_c = models.SmallIntegerField(_("C 级得分"), default=0)
    points_d = models.SmallIntegerField(_("D 级得分"), default=-1)
    points_e = models.SmallIntegerField(_("E 级得分"), default=-2)
    reward = _money(_("均项得分上升奖励（元）"), "1000.00")
    penalty = _money(_("均项得分下降罚款（元）"), "1000.00")
    extra_reward = _money(_("全部为 A 追加奖励（元）"), "2000.00")
    extra_penalty = _money(_("全部为 E 追加罚款（元）"), "2000.00")
    acceptable_complaints = models.PositiveIntegerField(_("每月可接受投诉次数"), default=5)
    sanction_threshold = models.PositiveIntegerField(
        _("建议行政处分的投诉次数"),
        default=30,
        help_text=_("达到此次数时建议对负责人及相关人员给予警告、调动、降级、开除等处分"),
    )
    per_outlet = models.BooleanField(
        _("各服务网点单独考核"),
        default=True,
        help_text=_("除整个售后服务部外，每个启用的服务网点也单独计算一份考核结果"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核参数")
        verbose_name_plural = _("考核参数")

    def __str__(self) -> str:
        return str(_("考核参数"))

    @classmethod
    def get(cls) -> AssessmentSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class ComplaintPenaltyTier(models.Model):
    """A tier applies from `min_count` complaints up to the next tier's `min_count` − 1."""

    min_count = models.PositiveIntegerField(_("投诉次数（起）"), unique=True)
    amount = models.DecimalField(_("罚款（元）"), max_digits=12, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["min_count"]
        verbose_name = _("投诉次数罚款档")
        verbose_name_plural = _("投诉次数罚款档")

    def __str__(self) -> str:
        return f"≥{self.min_count}: {self.amount}"


class AssessmentPeriod(models.Model):
    """One row per assessed month: the row every write of that month locks first, so computing,
    approving and correcting the same month never interleave (even before any result exists)."""

    month = models.DateField(_("月份"), unique=True)
    computed_at = models.DateTimeField(_("最近计算时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核月份")
        verbose_name_plural = _("考核月份")

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")


class AssessmentResult(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVED = "approved", _("已批准")
        SUPERSEDED = "superseded", _("已被更正")

    class Rating(models.TextChoices):
        QUALIFIED = "qualified", _("合格")
        UNQUALIFIED = "unqualified", _("不合格")

    period = models.ForeignKey(
        AssessmentPeriod, on_delete=models.PROTECT, related_name="results", verbose_name=_("月份")
    )
    month = models.DateField(_("月份"), db_index=True)
    # "department" or "outlet:<id>": a plain key, because a nullable outlet cannot take part in
    # a unique constraint on SQLite (NULLs are distinct).
    unit_key = models.CharField(_("考核单位"), max_length=40)
    outlet = models.ForeignKey(
        Outlet,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("服务网点"),
    )
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("更正的版本"),
    )
    correction_reason = models.TextField(_("更正原因"), blank=True)

    # inputs
    jobs = models.PositiveIntegerField(_("维修工作项数 n"), default=0)
    forms_counted = models.PositiveIntegerField(_("已核实的反馈表"), default=0)
    total_points = models.IntegerField(_("满意度总得分"), default=0)
    grade_counts = models.JSONField(_("各项各级份数"), default=dict)
    mean = models.DecimalField(
        _("满意度均项得分"), max_digits=10, decimal_places=4, null=True, blank=True
    )
    previous_total = models.IntegerField(_("上月总得分"), null=True, blank=True)
    previous_jobs = models.PositiveIntegerField(_("上月维修工作项数"), null=True, blank=True)
    previous_mean = models.DecimalField(
        _("上月均项得分"), max_digits=10, decimal_places=4, null=True, blank=True
    )
    previous_source = models.CharField(_("上月数据来源"), max_length=20, blank=True)
    difference = models.DecimalField(
        _("差值"), max_digits=10, decimal_places=4, null=True, blank=True
    )
    decision = models.CharField(_("奖罚判定"), max_length=12, blank=True)
    all_a = models.BooleanField(_("全部为 A"), default=False)
    all_e = models.BooleanField(_("全部为 E"), default=False)
    complaint_count = models.PositiveIntegerField(_("有效投诉次数"), default=0)
    complaint_numbers = models.JSONField(_("投诉编号"), default=list)
    complaint_rating = models.CharField(
        _("投诉考核"), max_length=12, choices=Rating.choices, default=Rating.QUALIFIED
    )
    sanction = models.BooleanField(_("建议行政处分"), default=False)
    sanction_people = models.JSONField(_("建议处分人员"), default=dict)

    # amounts (yuan)
    reward = _money(_("奖励"), "0.00")
    penalty = _money(_("罚款"), "0.00")
    extra_reward = _money(_("追加奖励"), "0.00")
    extra_penalty = _money(_("追加罚款"), "0.00")
    complaint_penalty = _money(_("投诉罚款"), "0.00")
    amount = _money(_("奖罚合计"), "0.00")

    config = models.JSONField(_("计算时的考核参数"), default=dict)
    working = models.TextField(_("计算过程"), blank=True)

    computed_at = models.DateTimeField(_("计算时间"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("计算人"),
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("批准人"),
    )

    class Meta:
        ordering = ["month", "unit_key", "version"]
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit_key", "version"], name="assessment_unit_version"
            ),
            # At most one draft and one approved result per unit and month: the invariants the
            # lifecycle relies on, guarded by the database as well as by the locks.
            models.UniqueConstraint(
                fields=["month", "unit_key"],
                condition=models.Q(status="draft"),
                name="assessment_one_draft",
            ),
            models.UniqueConstraint(
                fields=["month", "unit_key"],
                condition=models.Q(status="approved"),
                name="assessment_one_approved",
            ),
        ]
        indexes = [models.Index(fields=["outlet", "month"], name="assessment_outlet_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.unit_name} v{self.version}"

    @property
    def is_department(self) -> bool:
        return self.unit_key == DEPARTMENT_KEY

    @property
    def unit_name(self) -> str:
        if self.outlet_id is None:
            return str(_("售后服务部（整体）"))
        return self.outlet.name if self.outlet else self.unit_key

    @property
    def mean_fraction(self) -> str:
        return f"{self.total_points} ÷ {self.jobs}" if self.jobs else "—"


class AssessmentTransition(models.Model):
    """Who computed, approved, corrected or superseded a result, when, and why."""

    result = models.ForeignKey(
        AssessmentResult, on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(_("操作"), max_length=12)
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("考核结果变更")
        verbose_name_plural = _("考核结果变更")

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


# --- distribution of a result's amount among the unit's employees ------------------------------


class Distribution(models.Model):
    """How the head of a unit split an approved result's amount among its employees.

    Versions per result: re-distributing marks the current one superseded and writes a new one
    (the old rows stay, so who changed what is visible); once HR has applied a distribution —
    paid it — it is frozen and re-distributing is refused."""

    class Status(models.TextChoices):
        CURRENT = "current", _("待执行")
        APPLIED = "applied", _("已执行")
        SUPERSEDED = "superseded", _("已被重新分配取代")

    result = models.ForeignKey(
        AssessmentResult,
        on_delete=models.PROTECT,
        related_name="distributions",
        verbose_name=_("考核结果"),
    )
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.CURRENT, db_index=True
    )
    total = _money(_("分配合计"), "0.00")
    note = models.TextField(_("说明"), blank=True)
    distributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分配人"),
    )
    distributed_at = models.DateTimeField(_("分配时间"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("执行人"),
    )
    applied_at = models.DateTimeField(_("执行时间"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("被取代时间"), null=True, blank=True)

    class Meta:
        ordering = ["result", "version"]
        verbose_name = _("奖罚分配")
        verbose_name_plural = _("奖罚分配")
        constraints = [
            models.UniqueConstraint(
                fields=["result", "version"], name="assessment_distribution_version"
            ),
            # One distribution in force per result (pending or applied), whatever the races.
            models.UniqueConstraint(
                fields=["result"],
                condition=models.Q(status__in=["current", "applied"]),
                name="assessment_one_distribution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.result} · {self.version}"


class DistributionShare(models.Model):
    """One employee's share. The employee is a `network.Staff`: it carries the 工号 people type,
    the outlet that decides who belongs to a unit, and the in-service flag; a user without a
    staff record is not on the payroll this app knows."""

    distribution = models.ForeignKey(
        Distribution, on_delete=models.CASCADE, related_name="shares", verbose_name=_("分配")
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="assessment_shares", verbose_name=_("员工")
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["distribution", "id"]
        verbose_name = _("分配份额")
        verbose_name_plural = _("分配份额")
        constraints = [
            models.UniqueConstraint(fields=["distribution", "staff"], name="assessment_share_staff")
        ]

    def __str__(self) -> str:
        return f"{self.staff_id}: {self.amount}"


# --- individual pay (10th plan of seed 001) ----------------------------------------------------


class PaySettings(models.Model):
    """One row (pk=1). The seed says only that the quarterly assessment "sets" the next quarter's
    average monthly performance pay; what a quarter without an assessment gets is ours to
    choose, so it is configuration."""

    unassessed_coefficient = models.DecimalField(
        _("无季度考核时的绩效系数"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text=_("上一季度没有考核分数时，本季度月绩效工资 = 此系数 × 标准月绩效工资"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("薪酬参数")
        verbose_name_plural = _("薪酬参数")

    def __str__(self) -> str:
        return str(_("薪酬参数"))

    @classmethod
    def get(cls) -> PaySettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class PayGrade(models.Model):
    """Quarterly work-assessment grade: a score from `min_score` up to the next grade's
    `min_score` gets this grade, and the next quarter's monthly performance pay is
    `coefficient` × the employee's standard monthly performance pay."""

    name = models.CharField(_("等级"), max_length=20)
    min_score = models.DecimalField(_("分数（起）"), max_digits=5, decimal_places=1, unique=True)
    coefficient = models.DecimalField(_("绩效系数"), max_digits=5, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-min_score"]
        verbose_name = _("季度考核等级")
        verbose_name_plural = _("季度考核等级")

    def __str__(self) -> str:
        return f"{self.name} ≥{self.min_score}: ×{self.coefficient}"


class EmployeePay(models.Model):
    """A (staff, year) row: base salary A and the standard the quarterly coefficients apply to;
    the row every write of that employee's year locks."""

    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="pay_years", verbose_name=_("员工")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    base_salary = _money(_("基本工资（年）"), "0.00")
    standard_performance = _money(_("标准月绩效工资"), "0.00")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["year", "staff"]
        verbose_name = _("员工年度薪酬")
        verbose_name_plural = _("员工年度薪酬")
        constraints = [
            models.UniqueConstraint(fields=["staff", "year"], name="assessment_pay_staff_year")
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.year}"


class QuarterAssessment(models.Model):
    """The work assessment of one quarter (B): its score decides the next quarter's monthly
    performance pay."""

    pay = models.ForeignKey(
        EmployeePay, on_delete=models.CASCADE, related_name="quarters", verbose_name=_("年度薪酬")
    )
    quarter = models.PositiveSmallIntegerField(_("季度"))
    score = models.DecimalField(_("考核分数"), max_digits=5, decimal_places=1)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pay", "quarter"]
        verbose_name = _("季度工作考核")
        verbose_name_plural = _("季度工作考核")
        constraints = [
            models.UniqueConstraint(fields=["pay", "quarter"], name="assessment_pay_quarter"),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="assessment_quarter_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"Q{self.quarter}: {self.score}"


class PerformanceAward(models.Model):
    """A special performance award (D), positive or negative."""

    pay = models.ForeignKey(
        EmployeePay, on_delete=models.CASCADE, related_name="awards", verbose_name=_("年度薪酬")
    )
    awarded_on = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("原因"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pay", "awarded_on", "id"]
        verbose_name = _("专项绩效奖励")
        verbose_name_plural = _("专项绩效奖励")

    def __str__(self) -> str:
        return f"{self.awarded_on} {self.amount}"
