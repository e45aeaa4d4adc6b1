from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aftersales.customers.models import Customer, Region
from aftersales.network.models import Outlet, Skill, Staff
from aftersales.products.models import FaultCode, FaultGrade, ProductModel, Unit


class OrderType(models.TextChoices):
    INSTALLATION = "installation", _("安装调试")
    REPAIR = "repair", _("维修")
    MAINTENANCE = "maintenance", _("保养")
    INSPECTION = "inspection", _("巡检")
    UPGRADE = "upgrade", _("升级")
    TRAINING = "training", _("培训")
    RETURN = "return_to_factory", _("返厂")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("热线电话")
    WALK_IN = "walk_in", _("来访")
    QR = "qr", _("扫码报修")
    PORTAL = "portal", _("客户门户")
    API = "api", _("接口")
    LETTER = "letter", _("来函/邮件")


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    RESPONDED = "responded", _("已响应")
    DISPATCHED = "dispatched", _("已派工")
    EN_ROUTE = "en_route", _("在途")
    ON_SITE = "on_site", _("已到场")
    DIAGNOSED = "diagnosed", _("已诊断")
    WAITING_PARTS = "waiting_parts", _("待备件")
    IN_WORKSHOP = "in_workshop", _("返修中")
    RESOLVED = "resolved", _("已解决")
    CONFIRMED = "confirmed", _("客户已确认")
    CLOSED = "closed", _("已关闭")
    FOLLOWED_UP = "followed_up", _("已回访")
    CANCELLED = "cancelled", _("已取消")
    REJECTED = "rejected", _("已拒绝")


OPEN_STATUSES = [
    Status.RECEIVED,
    Status.RESPONDED,
    Status.DISPATCHED,
    Status.EN_ROUTE,
    Status.ON_SITE,
    Status.DIAGNOSED,
    Status.WAITING_PARTS,
    Status.IN_WORKSHOP,
    Status.RESOLVED,
    Status.CONFIRMED,
]


class WarrantyDecision(models.TextChoices):
    FREE = "free", _("免费（保内）")
    PAID = "paid", _("收费（保外）")
    ON_SITE = "on_site", _("现场判定")


class ServiceSettings(models.Model):
    """Singleton configuration of the order loop (SPEC: numbers are configuration)."""

    reopen_window_days = models.PositiveIntegerField(_("可重开天数"), default=7)
    callback_due_hours = models.PositiveIntegerField(_("关闭后回访时限（小时）"), default=72)
    director_escalation_hours = models.PositiveIntegerField(
        _("超时后升级至主管（小时）"), default=4
    )
    default_warn_ratio = models.DecimalField(
        _("预警比例"), max_digits=3, decimal_places=2, default=Decimal("0.80")
    )

    class Meta:
        verbose_name = _("工单参数")
        verbose_name_plural = _("工单参数")

    def __str__(self) -> str:
        return str(_("工单参数"))

    @classmethod
    def get(cls) -> ServiceSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class SlaPolicy(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    fault_grade = models.CharField(
        _("故障等级"),
        max_length=1,
        choices=FaultGrade.choices,
        blank=True,
        help_text=_("留空适用于所有等级"),
    )
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        verbose_name=_("合同客户"),
    )
    round_the_clock = models.BooleanField(
        _("按自然时间（7×24）计时"), default=False, help_text=_("否则按工作日 08:30–17:30 计时")
    )
    response_hours = models.DecimalField(
        _("首次响应时限（小时）"), max_digits=6, decimal_places=2, default=Decimal("2")
    )
    arrival_hours = models.DecimalField(
        _("到场时限（小时）"), max_digits=6, decimal_places=2, default=Decimal("8")
    )
    resolution_hours = models.DecimalField(
        _("解决时限（小时）"), max_digits=6, decimal_places=2, default=Decimal("48")
    )
    use_distance_rule = models.BooleanField(_("按距离确定到场时限"), default=False)
    warn_ratio = models.DecimalField(
        _("预警比例"), max_digits=3, decimal_places=2, default=Decimal("0.80")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务时效政策")
        verbose_name_plural = _("服务时效政策")

    def __str__(self) -> str:
        return self.name


class DistanceTier(models.Model):
    """Distance rule: within `max_km` of the covering outlet, arrive within `arrival_hours`.
    The tier with no `max_km` covers everything beyond, and may shorten the reply target."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="distance_tiers")
    max_km = models.PositiveIntegerField(_("距离上限（公里）"), null=True, blank=True)
    arrival_hours = models.DecimalField(_("到场时限（小时）"), max_digits=6, decimal_places=2)
    reply_hours = models.DecimalField(
        _("答复客户时限（小时）"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["policy", models.F("max_km").asc(nulls_last=True)]
        verbose_name = _("距离规则")
        verbose_name_plural = _("距离规则")

    def __str__(self) -> str:
        return f"≤{self.max_km} km" if self.max_km else ">"


class WorkOrder(models.Model):
    number = models.CharField(_("工单号"), max_length=20, unique=True)
    order_type = models.CharField(
        _("类型"), max_length=20, choices=OrderType.choices, default=OrderType.REPAIR
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    channel = models.CharField(
        _("渠道"), max_length=10, choices=Channel.choices, default=Channel.HOTLINE
    )

    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("客户"),
    )
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("设备"),
    )
    serial_text = models.CharField(_("手填序列号"), max_length=60, blank=True)
    product_model = models.ForeignKey(
        ProductModel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("型号"),
    )
    reporter_name = models.CharField(_("报修人"), max_length=60)
    contact_mobile = models.CharField(_("联系电话"), max_length=20)
    fault_description = models.TextField(_("故障描述"))
    fault_code = models.ForeignKey(
        FaultCode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("故障代码"),
    )
    fault_grade = models.CharField(
        _("故障等级"), max_length=1, choices=FaultGrade.choices, default=FaultGrade.C
    )
    fault_date = models.DateField(_("故障日期"))
    required_skill = models.ForeignKey(
        Skill,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所需技能"),
    )
    site_region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("现场地区"),
    )
    site_address = models.CharField(_("现场地址"), max_length=200, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)

    warranty_decision = models.CharField(
        _("三包判定"), max_length=10, choices=WarrantyDecision.choices
    )
    warranty_reason = models.CharField(_("判定理由"), max_length=200)
    exclusion_suspected = models.BooleanField(_("疑似除外情形"), default=False)
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("疑似重复于"),
    )

    outlet = models.ForeignKey(
        Outlet,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("服务网点"),
    )
    technicians = models.ManyToManyField(
        Staff, blank=True, related_name="work_orders", verbose_name=_("服务工程师")
    )
    leader = models.ForeignKey(
        Staff,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_orders",
        verbose_name=_("负责人"),
    )

    sla_policy = models.ForeignKey(
        SlaPolicy,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("时效政策"),
    )
    distance_km = models.DecimalField(
        _("距离（公里）"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    response_due = models.DateTimeField(_("响应时限"), null=True, blank=True)
    arrival_due = models.DateTimeField(_("到场时限"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("解决时限"), null=True, blank=True)

    received_at = models.DateTimeField(_("受理时间"))
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派工时间"), null=True, blank=True)
    first_arrived_at = models.DateTimeField(_("首次到场"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    visit_count = models.PositiveSmallIntegerField(_("上门次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重开次数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )
    history = HistoricalRecords(excluded_fields=["received_at"])
    # (status, closed_at) as loaded from the database; see from_db.
    _loaded_closing: tuple[str | None, Any] = (None, None)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        indexes = [
            models.Index(fields=["status", "-received_at"], name="wo_status_received_idx"),
            models.Index(fields=["-received_at", "-id"], name="wo_received_idx"),
            models.Index(fields=["outlet", "status", "-received_at"], name="wo_outlet_status_idx"),
            models.Index(fields=["unit", "status"], name="wo_unit_status_idx"),
            # KPIs and the monthly assessment count the orders closed in a period.
            models.Index(fields=["closed_at"], name="wo_closed_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> WorkOrder:
        instance = super().from_db(db, field_names, values)
        # Status and closing time as loaded: a reopen clears `closed_at`, and the stored monthly
        # figures of the month the order leaves must be dropped (reports/monthly.py).
        instance._loaded_closing = (
            instance.__dict__.get("status"),
            instance.__dict__.get("closed_at"),
        )
        return instance

    @property
    def report(self) -> ServiceReport | None:
        """The current (latest) revision of the service report, if any."""
        if not hasattr(self, "_report_cache"):
            self._report_cache = self.reports.order_by("-revision").first() if self.pk else None
        return self._report_cache

    @property
    def is_first_time_fix(self) -> bool:
        return self.visit_count <= 1 and self.reopen_count == 0 and self.resolved_at is not None


class WorkOrderTransition(models.Model):
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=16, choices=Status.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    reason = models.TextField(_("原因"), blank=True)
    data = models.JSONField(_("附加信息"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("工单流转记录")
        verbose_name_plural = _("工单流转记录")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"


class IdempotencyRecord(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="service_idempotency_unique")
        ]

    def __str__(self) -> str:
        return self.key


class Attachment(models.Model):
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class SlaEvent(models.Model):
    class Target(models.TextChoices):
        RESPONSE = "response", _("响应")
        ARRIVAL = "arrival", _("到场")
        RESOLUTION = "resolution", _("解决")
        RETURN = "return", _("返修承诺")

    class Kind(models.TextChoices):
        WARNING = "warning", _("预警")
        BREACH = "breach", _("超时")
        ESCALATION = "escalation", _("升级至主管")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="sla_events")
    target = models.CharField(_("时限"), max_length=12, choices=Target.choices)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    due_at = models.DateTimeField(_("时限"))
    at = models.DateTimeField(_("发生时间"))
    notified = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("通知对象"),
    )

    class Meta:
        ordering = ["at"]
        verbose_name = _("时效事件")
        verbose_name_plural = _("时效事件")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "target", "kind"], name="service_slaevent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.target} {self.kind}"


class Visit(models.Model):
    """One arrival on site, with the seed's four steps: listen, look, check, handle."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="visits")
    technician = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="visits", verbose_name=_("工程师")
    )
    arrived_at = models.DateTimeField(_("到场时间"))
    departed_at = models.DateTimeField(_("离场时间"), null=True, blank=True)
    listen = models.TextField(_("一听：运行时间、里程、使用与故障经过"), blank=True)
    look = models.TextField(_("二看：三包范围、是否拆修过"), blank=True)
    inspect = models.TextField(_("三查：故障原因"), blank=True)
    handle = models.TextField(_("四处理：维修与责任认定"), blank=True)
    run_hours = models.PositiveIntegerField(_("运行小时"), null=True, blank=True)
    mileage_km = models.PositiveIntegerField(_("里程（公里）"), null=True, blank=True)
    within_warranty_scope = models.BooleanField(_("属三包范围"), null=True)
    disassembled_before = models.BooleanField(_("曾被拆修"), null=True)

    class Meta:
        ordering = ["arrived_at"]
        verbose_name = _("上门记录")
        verbose_name_plural = _("上门记录")

    def __str__(self) -> str:
        return f"{self.order_id} @ {self.arrived_at:%Y-%m-%d %H:%M}"


class Handover(models.Model):
    """Take-back to the workshop: a written handover confirmed by both sides and a promised
    completion date, tracked like an SLA target."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="handovers")
    taken_at = models.DateTimeField(_("取回时间"))
    items = models.TextField(_("交接物品及状况"))
    technician = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("经手工程师")
    )
    customer_signer = models.CharField(_("客户签字人"), max_length=60)
    promised_at = models.DateTimeField(_("承诺完成时间"))
    returned_at = models.DateTimeField(_("交还时间"), null=True, blank=True)

    class Meta:
        ordering = ["taken_at"]
        verbose_name = _("返修交接单")
        verbose_name_plural = _("返修交接单")

    def __str__(self) -> str:
        return f"{self.order_id} {self.taken_at:%Y-%m-%d}"


class PriceItem(models.Model):
    class Kind(models.TextChoices):
        PART = "part", _("配件")
        LABOUR = "labour", _("工时")
        TRAVEL = "travel", _("差旅")

    code = models.CharField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    unit = models.CharField(_("单位"), max_length=10, default="项")
    unit_price = models.DecimalField(_("单价（元）"), max_digits=10, decimal_places=2)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("价目")
        verbose_name_plural = _("价目表")

    def __str__(self) -> str:
        return f"{self.name} ¥{self.unit_price}/{self.unit}"


class Responsibility(models.TextChoices):
    MANUFACTURER = "manufacturer", _("制造方")
    SUPPLIER = "supplier", _("零部件供应商")
    CUSTOMER = "customer", _("客户使用不当")
    SHARED = "shared", _("共同责任")
    THIRD_PARTY = "third_party", _("第三方")
    UNDETERMINED = "undetermined", _("待裁定")


class ServiceReport(models.Model):
    """The report of an order. A signed report is frozen; when the customer reopens the order a
    new revision is started from a copy, so the order needs a fresh signature before it closes
    again while the signed original stays as it was."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="reports")
    revision = models.PositiveSmallIntegerField(_("版本"), default=1)
    work_done = models.TextField(_("工作内容"), blank=True)
    cause = models.TextField(_("原因分析"), blank=True)
    responsibility = models.CharField(
        _("责任"),
        max_length=14,
        choices=Responsibility.choices,
        default=Responsibility.UNDETERMINED,
    )
    parts_text = models.TextField(_("更换配件（名称、数量、原因）"), blank=True)
    old_parts_text = models.TextField(_("带回旧件"), blank=True)
    labour_hours = models.DecimalField(
        _("工时（小时）"), max_digits=6, decimal_places=2, default=Decimal("0")
    )
    travel_km = models.DecimalField(
        _("差旅里程（公里）"), max_digits=8, decimal_places=1, default=Decimal("0")
    )
    is_chargeable = models.BooleanField(_("收费"), default=False)
    charge_total = models.DecimalField(
        _("收费合计（元）"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    charges_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("收费审批人"),
    )
    charges_approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    invoice_no = models.CharField(_("发票号"), max_length=40, blank=True)
    signer_name = models.CharField(_("客户签字人"), max_length=60, blank=True)
    signature = models.FileField(_("客户签名"), upload_to="signatures/%Y/%m/", blank=True)
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    content_hash = models.CharField(_("内容摘要"), max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-revision"]
        verbose_name = _("服务报告")
        verbose_name_plural = _("服务报告")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "revision"], name="service_report_revision_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order.number}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def has_content(self) -> bool:
        return bool(self.work_done.strip() and self.cause.strip())


class ChargeLine(models.Model):
    report = models.ForeignKey(ServiceReport, on_delete=models.CASCADE, related_name="charge_lines")
    price_item = models.ForeignKey(
        PriceItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("价目")
    )
    quantity = models.DecimalField(_("数量"), max_digits=8, decimal_places=2)
    unit_price = models.DecimalField(_("单价"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = _("收费明细")
        verbose_name_plural = _("收费明细")

    def __str__(self) -> str:
        return f"{self.price_item_id} × {self.quantity} = {self.amount}"


class ReportAmendment(models.Model):
    """A correction to a signed (frozen) report; the original stays as signed."""

    report = models.ForeignKey(ServiceReport, on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("更正内容"))
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at"]
        verbose_name = _("报告更正")
        verbose_name_plural = _("报告更正")

    def __str__(self) -> str:
        return f"{self.report_id} @ {self.at:%Y-%m-%d %H:%M}"
