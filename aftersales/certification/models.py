"""GB/T 27922 self-assessment (S15): the standard's indicator tree (category → clause → item)
with editable points, the level thresholds, and self-assessments with their answers, special
deductions and bonuses, and evidence files."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .scoring import Kind, Level, Thresholds

DEFAULT_POINTS_NOTE = _("默认分值，待按标准核定")


class Category(models.Model):
    code = models.CharField(_("编号"), max_length=10, unique=True)
    title = models.CharField(_("名称"), max_length=60)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("评价类别")
        verbose_name_plural = _("评价类别")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Clause(models.Model):
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="clauses", verbose_name=_("类别")
    )
    code = models.CharField(_("编号"), max_length=10, unique=True)
    title = models.CharField(_("指标"), max_length=60)
    note = models.TextField(_("说明"), blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["category__position", "position", "code"]
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Item(models.Model):
    class ItemKind(models.TextChoices):
        QUALITATIVE = Kind.QUALITATIVE.value, _("定性（全得或不得）")
        SAMPLED = Kind.SAMPLED.value, _("抽样（按符合比例得分）")

    clause = models.ForeignKey(
        Clause, on_delete=models.PROTECT, related_name="items", verbose_name=_("指标")
    )
    code = models.CharField(_("编号"), max_length=12, unique=True)
    title = models.CharField(_("要求"), max_length=80)
    requirement = models.TextField(_("要求原文"))
    kind = models.CharField(_("评分方式"), max_length=12, choices=ItemKind.choices)
    sample_of = models.CharField(
        _("抽样对象"), max_length=30, blank=True, help_text=_("如：人员、记录、设施、投诉")
    )
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=2)
    points_are_default = models.BooleanField(
        _("默认分值"),
        default=True,
        help_text=_("标准未在此公布各项分值：默认分值待按标准核定后取消此标记"),
    )
    measure = models.CharField(
        _("系统测量"), max_length=30, blank=True, help_text=_("由系统数据计算的测量项代码")
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["clause__category__position", "clause__position", "position", "code"]
        verbose_name = _("评价要求")
        verbose_name_plural = _("评价要求")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class LevelSettings(models.Model):
    """One row (pk=1): the lowest score of each level, the standard's values by default."""

    passing = models.DecimalField(_("达标"), max_digits=5, decimal_places=2, default=Decimal(70))
    three_star = models.DecimalField(_("三星"), max_digits=5, decimal_places=2, default=Decimal(80))
    four_star = models.DecimalField(_("四星"), max_digits=5, decimal_places=2, default=Decimal(90))
    five_star = models.DecimalField(_("五星"), max_digits=5, decimal_places=2, default=Decimal(95))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评价等级")
        verbose_name_plural = _("评价等级")

    def __str__(self) -> str:
        return str(_("评价等级"))

    @classmethod
    def get(cls) -> LevelSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    def thresholds(self) -> Thresholds:
        return Thresholds(self.passing, self.three_star, self.four_star, self.five_star)


LEVEL_LABELS = {
    Level.NONE: _("未达标"),
    Level.PASS: _("达标"),
    Level.THREE: _("三星"),
    Level.FOUR: _("四星"),
    Level.FIVE: _("五星"),
}


class SelfAssessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("self-assessment status", "进行中")
        FINISHED = "finished", _("已完成")

    title = models.CharField(_("名称"), max_length=120)
    assessed_on = models.DateField(_("评价日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("更正的自评"),
    )
    correction_reason = models.TextField(_("更正原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("完成人"),
    )
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Frozen at finish: the figures and the thresholds in force then.
    base_score = models.DecimalField(
        _("基础得分"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    level = models.CharField(_("等级"), max_length=10, blank=True)
    thresholds = models.JSONField(_("完成时的等级分数线"), default=dict, blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("售后服务自评")
        verbose_name_plural = _("售后服务自评")
        indexes = [models.Index(fields=["-assessed_on", "-id"], name="cert_assessment_date_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status == self.Status.FINISHED

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[Level(self.level)]) if self.level else "—"


class Answer(models.Model):
    class Source(models.TextChoices):
        NONE = "", _("未评")
        MEASURED = "measured", _("系统测量")
        ASSESSOR = "assessor", _("评价人判断")

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="answers", verbose_name=_("自评")
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="answers", verbose_name=_("要求")
    )
    # Copied from the item at finish, so that editing the tree never changes a finished score.
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=2)
    kind = models.CharField(_("评分方式"), max_length=12, choices=Item.ItemKind.choices)
    points_were_default = models.BooleanField(_("完成时为默认分值"), default=True)
    applicable = models.BooleanField(_("适用"), default=True)
    met = models.BooleanField(_("符合"), null=True, blank=True)
    sampled = models.PositiveIntegerField(_("抽样数"), null=True, blank=True)
    conforming = models.PositiveIntegerField(_("符合数"), null=True, blank=True)
    note = models.TextField(_("评价说明"), blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=Source.choices, default=Source.NONE, blank=True
    )
    measured_explanation = models.TextField(_("系统测量说明"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评价人"),
    )
    answered_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        ordering = ["assessment", "item__clause__category__position", "item__position"]
        verbose_name = _("自评结果")
        verbose_name_plural = _("自评结果")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="cert_one_answer_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.item_id}"


class Adjustment(models.Model):
    """A special deduction (−1 each) or a special bonus (+1, at most one counts)."""

    class AdjustmentKind(models.TextChoices):
        DEDUCTION = "deduction", _("特别扣分")
        BONUS = "bonus", _("特别加分")

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="adjustments"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=AdjustmentKind.choices)
    reason = models.CharField(_("原因"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("特别扣分/加分")
        verbose_name_plural = _("特别扣分/加分")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"


class Evidence(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="certification/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("证据文件")
        verbose_name_plural = _("证据文件")

    def __str__(self) -> str:
        return self.original_name
