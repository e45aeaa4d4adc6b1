"""AHP evaluation projects (S14): a goal with its tree of criteria and indicators, the experts and
their pairwise judgements, the combined judgements, the evaluated subjects and their scores.

The goal is the project itself: a node without a parent is a criterion, a node under a criterion
is an indicator. A judgement matrix compares the children of one parent (the goal when `parent`
is empty) and records which nodes it compares, in which order (`node_ids`), so that a matrix
made before the tree changed is recognised as stale instead of being applied to other nodes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.network.models import Outlet


class Project(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        FINISHED = "finished", _("已完成")

    title = models.CharField(_("项目名称"), max_length=120)
    goal = models.CharField(_("评价目标"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("更正的项目"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Set when the weights were first computed from judgements: from then on a change of the
    # tree re-weights through the seed's adjustment rules instead of asking the experts again.
    weights_at = models.DateTimeField(_("权重计算时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("完成人"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("评价项目")
        verbose_name_plural = _("评价项目")
        indexes = [models.Index(fields=["-created_at", "-id"], name="eval_project_recent")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.FINISHED


class Node(models.Model):
    class Source(models.TextChoices):
        NONE = "", _("尚未计算")
        JUDGEMENTS = "judgements", _("专家判断")
        ADJUSTMENT = "adjustment", _("调整规则")
        SINGLE = "single", _("唯一要素")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="nodes", verbose_name=_("项目")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("上级要素"),
    )
    name = models.CharField(_("名称"), max_length=100)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    local_weight = models.FloatField(_("局部权重"), null=True, blank=True)
    weight_source = models.CharField(
        _("权重来源"), max_length=12, choices=Source.choices, default=Source.NONE, blank=True
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("评价要素")
        verbose_name_plural = _("评价要素")

    def __str__(self) -> str:
        return self.name

    @property
    def is_criterion(self) -> bool:
        return self.parent_id is None


class Expert(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="experts", verbose_name=_("项目")
    )
    name = models.CharField(_("姓名"), max_length=60)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("系统用户"),
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("专家")
        verbose_name_plural = _("专家")
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="eval_expert_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class _Judgement(models.Model):
    """A judgement matrix over the children of `parent` (the goal when empty)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("项目")
    )
    parent = models.ForeignKey(
        Node,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("上级要素"),
    )
    node_ids = models.JSONField(_("比较的要素"), default=list)
    matrix = models.JSONField(_("判断矩阵"), default=list)
    lambda_max = models.FloatField(_("最大特征根"), default=0)
    ci = models.FloatField("CI", default=0)
    cr = models.FloatField("CR", default=0)
    consistent = models.BooleanField(_("一致性可接受"), default=True)
    most_inconsistent = models.JSONField(_("最不一致的判断"), default=list)

    class Meta:
        abstract = True


class Judgement(_Judgement):
    expert = models.ForeignKey(
        Expert, on_delete=models.CASCADE, related_name="judgements", verbose_name=_("专家")
    )
    saved_at = models.DateTimeField(_("保存时间"), auto_now=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("录入人"),
    )

    class Meta:
        verbose_name = _("专家判断矩阵")
        verbose_name_plural = _("专家判断矩阵")
        # NULLs are distinct in a unique constraint, so the goal's matrix needs its own.
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "parent"],
                condition=Q(parent__isnull=False),
                name="eval_judgement_one_per_node",
            ),
            models.UniqueConstraint(
                fields=["expert"],
                condition=Q(parent__isnull=True),
                name="eval_judgement_one_for_goal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert_id}/{self.parent_id or 'goal'}: CR {self.cr:.4f}"


class CombinedJudgement(_Judgement):
    """The element-wise geometric mean of the experts' matrices that the weights came from."""

    experts = models.JSONField(_("参与合成的专家"), default=list)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        verbose_name = _("综合判断矩阵")
        verbose_name_plural = _("综合判断矩阵")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "parent"],
                condition=Q(parent__isnull=False),
                name="eval_combined_one_per_node",
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(parent__isnull=True),
                name="eval_combined_one_for_goal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.parent_id or 'goal'}: CR {self.cr:.4f}"


class Subject(models.Model):
    class Kind(models.TextChoices):
        VENDOR = "vendor", _("厂商")
        DEALER = "dealer", _("经销商")
        OUTLET = "outlet", _("服务网点")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="subjects", verbose_name=_("项目")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.VENDOR)
    outlet = models.ForeignKey(
        Outlet,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("服务网点"),
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("评价对象")
        verbose_name_plural = _("评价对象")
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="eval_subject_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Score(models.Model):
    """One rater's score of one indicator for one subject. `rater_key` is "expert:<id>" or
    "user:<name>": one row per rater, subject and indicator (a plain key, because a nullable
    expert cannot take part in a unique constraint)."""

    class Source(models.TextChoices):
        EXPERT = "expert", _("专家")
        USER = "user", _("用户")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="scores", verbose_name=_("项目")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="scores", verbose_name=_("评价对象")
    )
    indicator = models.ForeignKey(
        Node, on_delete=models.CASCADE, related_name="scores", verbose_name=_("指标")
    )
    source = models.CharField(_("评分来源"), max_length=8, choices=Source.choices)
    expert = models.ForeignKey(
        Expert,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scores",
        verbose_name=_("专家"),
    )
    rater_name = models.CharField(_("评分人"), max_length=60)
    rater_key = models.CharField(_("评分人标识"), max_length=80)
    value = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("录入人"),
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        verbose_name = _("指标评分")
        verbose_name_plural = _("指标评分")
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "indicator", "rater_key"], name="eval_score_one_per_rater"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(value__lte=100), name="eval_score_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rater_name}: {self.value}"


class ProjectEvent(models.Model):
    """What changed and why (e.g. which adjustment rule gave the new weights): a project's
    history, written in the same transaction as the change. The sentence is kept as its source
    messages and their values (`parts`) and translated when shown, so each reader sees it in
    their language; `detail` is the same sentence in the writer's language, for the admin and
    for searching."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="events", verbose_name=_("项目")
    )
    action = models.CharField(_("操作"), max_length=30)
    detail = models.TextField(_("说明"), blank=True)
    # [[source message, {name: value}], …]: the sentence's pieces, before translation.
    parts = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("项目记录")
        verbose_name_plural = _("项目记录")

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The sentence in the active language."""
        if not self.parts:
            return self.detail
        return "".join(gettext(message) % values for message, values in self.parts)
