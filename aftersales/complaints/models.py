"""Customer complaints (S9): intake, the eight recorded steps, penalties, improvement measures,
and the configuration they run on (levels with deadlines, routing, recurring detection)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from aftersales.customers.models import Customer
from aftersales.network.models import Outlet
from aftersales.products.models import FaultCode, ProductModel, Unit
from aftersales.service.models import WorkOrder


class ComplaintType(models.TextChoices):
    QUALITY = "quality", _("产品质量")
    SERVICE = "service", _("服务")
    SUGGESTION = "suggestion", _("建议/意见")


class ServiceAspect(models.TextChoices):
    ATTITUDE = "attitude", _("服务态度")
    SKILL = "skill", _("服务技能")
    SPEED = "speed", _("服务速度")
    MANNER = "manner", _("服务方式")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("热线")
    PORTAL = "portal", _("网上")
    LETTER = "letter", _("来信")
    VISIT = "visit", _("来访")


class Category(models.TextChoices):
    """What the complaint is about, for routing at step 3."""

    CONTRACT = "contract", _("合同纠纷")
    TRANSPORT = "transport", _("运输")
    QUALITY = "quality", _("产品质量")
    SERVICE = "service", _("售后服务")


class HandlingDepartment(models.TextChoices):
    TOP_MANAGEMENT = "top_management", _("公司高层")
    LOGISTICS = "logistics", _("物流部")
    QUALITY = "quality", _("质量部")
    SERVICE = "service", _("售后服务部")


class ComplaintLevel(models.Model):
    code = models.SlugField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    hours = models.PositiveIntegerField(_("处理时限（小时）"))
    round_the_clock = models.BooleanField(
        _("按自然时间计"), default=False, help_text=_("否则按工作日的工作时间计")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("投诉级别")
        verbose_name_plural = _("投诉级别")

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Step 3: which department a complaint of each category goes to."""

    category = models.CharField(_("投诉类别"), max_length=12, choices=Category.choices, unique=True)
    department = models.CharField(_("处理部门"), max_length=16, choices=HandlingDepartment.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category"]
        verbose_name = _("投诉分派规则")
        verbose_name_plural = _("投诉分派规则")

    def __str__(self) -> str:
        return f"{self.get_category_display()} → {self.get_department_display()}"


class ComplaintSettings(models.Model):
    """Singleton: recurring-complaint detection."""

    recurring_window_days = models.PositiveIntegerField(_("重复投诉判定窗口（天）"), default=90)
    similarity_threshold = models.DecimalField(
        _("描述相似度阈值"), max_digits=4, decimal_places=2, default=Decimal("0.25")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("投诉参数")
        verbose_name_plural = _("投诉参数")

    def __str__(self) -> str:
        return str(_("投诉参数"))

    @classmethod
    def get(cls) -> ComplaintSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class Complaint(models.Model):
    class Status(models.TextChoices):
        RECORDED = "recorded", _("已登记")
        JUDGED = "judged", _("已判定有效")
        ASSIGNED = "assigned", _("已分派")
        INVESTIGATED = "investigated", _("已调查")
        PROPOSED = "proposed", _("已提出处理方案")
        APPROVED = "approved", _("方案已批准")
        NOTIFIED = "notified", _("已答复客户")
        PENALISED = "penalised", _("已处罚")
        IMPROVED = "improved", _("已制定改进措施")
        CLOSED = "closed", _("已关闭")

    number = models.CharField(_("投诉编号"), max_length=20, unique=True)
    type = models.CharField(_("投诉类型"), max_length=12, choices=ComplaintType.choices)
    service_aspect = models.CharField(
        _("服务方面"), max_length=10, choices=ServiceAspect.choices, blank=True
    )
    level = models.ForeignKey(
        ComplaintLevel, on_delete=models.PROTECT, related_name="+", verbose_name=_("级别")
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("步骤"), max_length=14, choices=Status.choices, default=Status.RECORDED
    )
    complainant = models.CharField(_("投诉人"), max_length=60)
    contact = models.CharField(_("联系方式"), max_length=60, blank=True)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("客户"),
    )
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("设备"),
    )
    product_model = models.ForeignKey(
        ProductModel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("产品型号"),
    )
    fault_code = models.ForeignKey(
        FaultCode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("故障代码"),
    )
    work_order = models.ForeignKey(
        WorkOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("工单"),
    )
    outlet = models.ForeignKey(
        Outlet,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("服务网点"),
    )
    against_department = models.CharField(_("被投诉部门"), max_length=60, blank=True)
    against_person = models.CharField(_("被投诉人"), max_length=60, blank=True)
    description = models.TextField(_("投诉内容"))
    request = models.TextField(_("客户要求"), blank=True)
    # The segmented words of the description (jieba, without stop words), kept so that recurring
    # detection never segments earlier complaints again.
    keywords = models.TextField(_("关键词"), blank=True, editable=False)
    received_at = models.DateTimeField(_("受理时间"))
    deadline = models.DateTimeField(_("处理时限"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=pgettext_lazy("complaint owner", "负责人"),
    )
    is_recurring = models.BooleanField(_("重复投诉"), default=False)
    recurring_of = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="recurrences",
        verbose_name=_("此前的同类投诉"),
    )
    # step 2
    is_valid = models.BooleanField(_("是否有效"), null=True, blank=True)
    answer = models.TextField(_("答复客户"), blank=True)
    # step 3
    category = models.CharField(_("投诉类别"), max_length=12, choices=Category.choices, blank=True)
    department = models.CharField(
        _("处理部门"), max_length=16, choices=HandlingDepartment.choices, blank=True
    )
    # step 4
    cause = models.TextField(_("原因"), blank=True)
    responsible_department = models.CharField(_("责任部门"), max_length=60, blank=True)
    responsible_person = models.CharField(_("责任人"), max_length=60, blank=True)
    # step 5
    solution = models.TextField(_("处理方案"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("批准人"),
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    # step 6
    notification = models.TextField(_("答复客户情况"), blank=True)
    notified_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("客户投诉")
        verbose_name_plural = _("客户投诉")
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="complaint_received_idx"),
            models.Index(fields=["status", "-received_at"], name="complaint_status_idx"),
            models.Index(fields=["closed_at", "deadline"], name="complaint_open_deadline_idx"),
            models.Index(fields=["unit", "-received_at"], name="complaint_unit_idx"),
            models.Index(fields=["product_model", "-received_at"], name="complaint_model_idx"),
            models.Index(fields=["outlet", "-received_at"], name="complaint_outlet_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class ComplaintTransition(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(
        _("原步骤"), max_length=14, choices=Complaint.Status.choices, blank=True
    )
    to_status = models.CharField(_("新步骤"), max_length=14, choices=Complaint.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    reason = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("附加信息"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("投诉流转记录")
        verbose_name_plural = _("投诉流转记录")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_status} → {self.to_status}"


class Penalty(models.Model):
    """Step 7: a penalty for a responsible person, or for one who let the complaint go
    unanswered, in proportion to the loss. HR applies it; this records it."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="penalties")
    person = models.CharField(_("被处罚人"), max_length=60)
    amount = models.DecimalField(_("罚款金额（元）"), max_digits=12, decimal_places=2)
    loss = models.DecimalField(
        _("造成损失（元）"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    reason = models.TextField(_("处罚原因"))
    unanswered = models.BooleanField(_("对投诉不闻不问"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"))
    # HR records that the penalty was applied (payroll deduction, notice); once only.
    applied_at = models.DateTimeField(_("执行时间"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("执行人"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("投诉处罚")
        verbose_name_plural = _("投诉处罚")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0) & models.Q(loss__gte=0),
                name="complaints_penalty_non_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ¥{self.amount}"


class ImprovementMeasure(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="measures")
    measure = models.TextField(_("改进措施"))
    department = models.CharField(_("责任部门"), max_length=60, blank=True)
    due_date = models.DateField(_("完成期限"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("改进措施")
        verbose_name_plural = _("改进措施")

    def __str__(self) -> str:
        return self.measure[:40]
