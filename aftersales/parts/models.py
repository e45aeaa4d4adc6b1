"""Spare parts: the part master, locations, the stock ledger and its documents (SPEC S7).

Every quantity change is a `StockMovement` between two `Location`s — double entry. Real
warehouses (central, one per outlet) and the technicians' vans hold stock that can never go
negative; the virtual locations (supplier, in transit, consumed, scrapped, count variance,
customer, refurbishment) are the other side of each movement. Sources that stock comes *from*
(supplier, customer, count variance, refurbishment) go negative by design: the supplier's balance
of −120 says "120 received from suppliers so far". So the grand total per part and condition over
all locations is always zero, and nothing appears or vanishes.

The balance rows carry `allow_negative` copied from their location, so the database's CHECK
constraint (`quantity >= 0 OR allow_negative`) is the last word on every real location."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aftersales.network.models import Outlet, Staff
from aftersales.products.models import ProductModel, Supplier
from aftersales.service.models import ServiceReport, WorkOrder


class PartCategory(models.TextChoices):
    FAULT = "fault", _("故障件")
    EMERGENCY = "emergency", _("应急件")
    SUPPLIER_HELD = "supplier_held", _("供应商寄存件")
    PLANNED = "planned", _("计划件")


class Condition(models.TextChoices):
    NEW = "new", _("新件")
    OLD = "old", _("旧件")
    REFURBISHED = "refurbished", _("翻新件")


class Part(models.Model):
    code = models.CharField(_("备件编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    compatible_models = models.ManyToManyField(
        ProductModel, blank=True, related_name="parts", verbose_name=_("适用型号")
    )
    unit = models.CharField(_("单位"), max_length=10, default="件")
    unit_cost = models.DecimalField(_("单位成本（元）"), max_digits=10, decimal_places=2)
    sale_price = models.DecimalField(
        _("保外销售单价（元）"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("保外收费时的单价；为 0 时按单位成本收费"),
    )
    supplier = models.ForeignKey(
        Supplier,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parts",
        verbose_name=_("供应商"),
    )
    category = models.CharField(
        _("类别"), max_length=16, choices=PartCategory.choices, default=PartCategory.FAULT
    )
    traceable = models.BooleanField(_("批次/序列号追溯"), default=False)
    return_old = models.BooleanField(_("须带回旧件"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("备件")
        verbose_name_plural = _("备件")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def billing_price(self) -> Decimal:
        return self.sale_price if self.sale_price > 0 else self.unit_cost


class Location(models.Model):
    class Kind(models.TextChoices):
        CENTRAL = "central", _("中心库")
        OUTLET = "outlet", _("服务站库")
        TECHNICIAN = "technician", _("工程师随车")
        SUPPLIER = "supplier", _("供应商（虚拟）")
        TRANSIT = "transit", _("在途（虚拟）")
        CONSUMED = "consumed", _("已消耗（虚拟）")
        SCRAPPED = "scrapped", _("已报废（虚拟）")
        VARIANCE = "variance", _("盘点差异（虚拟）")
        CUSTOMER = "customer", _("客户旧件来源（虚拟）")
        REFURBISH = "refurbish", _("翻新（虚拟）")

    code = models.CharField(_("库位编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    outlet = models.ForeignKey(
        Outlet,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_locations",
        verbose_name=_("所属网点"),
    )
    staff = models.OneToOneField(
        Staff,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_location",
        verbose_name=_("工程师"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    # Warehouses people count and keep; the van is real stock too, but not a warehouse.
    WAREHOUSE_KINDS = frozenset({Kind.CENTRAL, Kind.OUTLET})
    CUSTODY_KINDS = frozenset({Kind.CENTRAL, Kind.OUTLET, Kind.TECHNICIAN, Kind.TRANSIT})
    # Where stock comes from: these balances go negative by design (see the module docstring).
    NEGATIVE_KINDS = frozenset({Kind.SUPPLIER, Kind.CUSTOMER, Kind.VARIANCE, Kind.REFURBISH})

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("库位")
        verbose_name_plural = _("库位")
        constraints = [
            models.UniqueConstraint(
                fields=["outlet"],
                condition=Q(kind="outlet"),
                name="parts_one_warehouse_per_outlet",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_warehouse(self) -> bool:
        return self.kind in self.WAREHOUSE_KINDS

    @property
    def allows_negative(self) -> bool:
        return self.kind in self.NEGATIVE_KINDS


class StockBalance(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="balances")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="balances")
    condition = models.CharField(
        _("状态"), max_length=12, choices=Condition.choices, default=Condition.NEW
    )
    quantity = models.IntegerField(_("数量"), default=0)
    allow_negative = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["location", "part"]
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "part", "condition"], name="parts_balance_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0) | Q(allow_negative=True),
                name="parts_balance_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["part", "location"], name="parts_balance_part_idx")]

    def __str__(self) -> str:
        return f"{self.location_id}/{self.part_id}/{self.condition}: {self.quantity}"


class DocType(models.TextChoices):
    RECEIPT = "receipt", _("接收单")
    REQUISITION = "requisition", _("领料单")
    CONSUMPTION = "consumption", _("报告耗用")
    TRANSFER = "transfer", _("调拨单")
    COUNT = "count", _("盘点单")
    SCRAP = "scrap", _("报废单")
    OLD_RETURN = "old_return", _("旧件返回")
    DISPOSAL = "disposal", _("旧件处置单")


class StockMovement(models.Model):
    """One ledger row: `quantity` of `part` in `condition` went from one location to another."""

    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="movements", verbose_name=_("备件")
    )
    condition = models.CharField(_("状态"), max_length=12, choices=Condition.choices)
    quantity = models.PositiveIntegerField(_("数量"))
    from_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("出")
    )
    to_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("入")
    )
    unit_cost = models.DecimalField(_("单位成本"), max_digits=10, decimal_places=2)
    doc_type = models.CharField(_("单据类型"), max_length=12, choices=DocType.choices)
    doc_id = models.PositiveBigIntegerField(_("单据"))
    doc_number = models.CharField(_("单据号"), max_length=30)
    order = models.ForeignKey(
        WorkOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("工单"),
    )
    batch = models.CharField(_("批次/序列号"), max_length=60, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        indexes = [
            models.Index(fields=["-at", "-id"], name="parts_move_at_idx"),
            models.Index(fields=["from_location", "-at"], name="parts_move_from_idx"),
            models.Index(fields=["to_location", "-at"], name="parts_move_to_idx"),
            models.Index(fields=["part", "-at"], name="parts_move_part_idx"),
            models.Index(fields=["doc_type", "doc_id"], name="parts_move_doc_idx"),
            models.Index(fields=["order"], name="parts_move_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.doc_number}: {self.part_id} ×{self.quantity}"


class ReorderPoint(models.Model):
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="reorder_points", verbose_name=_("仓库")
    )
    part = models.ForeignKey(
        Part, on_delete=models.CASCADE, related_name="reorder_points", verbose_name=_("备件")
    )
    min_quantity = models.PositiveIntegerField(_("最低库存（订货点）"))
    target_quantity = models.PositiveIntegerField(_("补货目标"))

    class Meta:
        verbose_name = _("订货点")
        verbose_name_plural = _("订货点")
        constraints = [
            models.UniqueConstraint(fields=["location", "part"], name="parts_reorder_unique")
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.part.code} ≥{self.min_quantity}"


# --- documents ------------------------------------------------------------------------------


class DocStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    POSTED = "posted", _("已过账")
    CANCELLED = "cancelled", _("已取消")


class Document(models.Model):
    number = models.CharField(_("单号"), max_length=30, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("制单人"),
    )
    created_at = models.DateTimeField(_("制单时间"), auto_now_add=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number


class Receipt(Document):
    status = models.CharField(
        _("状态"), max_length=12, choices=DocStatus.choices, default=DocStatus.DRAFT
    )
    warehouse = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("仓库")
    )
    supplier = models.ForeignKey(
        Supplier,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("供应商"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("接收单")
        verbose_name_plural = _("接收单")


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    unit_cost = models.DecimalField(_("单位成本"), max_digits=10, decimal_places=2)
    batch = models.CharField(_("批次/序列号"), max_length=60, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.part_id} ×{self.quantity}"


class RequisitionStatus(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    APPROVED = "approved", _("已批准")
    ISSUED = "issued", _("已发料")
    REJECTED = "rejected", _("已驳回")
    CANCELLED = "cancelled", _("已取消")


class Requisition(Document):
    """领料单: a technician asks for a part for a work order; the keeper approves and issues it
    from a warehouse into the technician's van, from which the report consumes it."""

    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=RequisitionStatus.choices,
        default=RequisitionStatus.REQUESTED,
    )
    order = models.ForeignKey(
        WorkOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("工单"),
    )
    requester = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    warehouse = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("发料仓库")
    )
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("备件")
    )
    quantity = models.PositiveIntegerField(_("数量"))
    reason = models.CharField(_("用途/原因"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    issued_at = models.DateTimeField(_("发料时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("领料单")
        verbose_name_plural = _("领料单")
        indexes = [models.Index(fields=["status", "-created_at"], name="parts_req_status_idx")]


class TransferStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_TRANSIT = "in_transit", _("在途")
    RECEIVED = "received", _("已接收")
    CANCELLED = "cancelled", _("已取消")


class Transfer(Document):
    status = models.CharField(
        _("状态"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.DRAFT
    )
    from_warehouse = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("调出仓库")
    )
    to_warehouse = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("调入仓库")
    )
    sent_at = models.DateTimeField(_("发出时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("调拨单")
        verbose_name_plural = _("调拨单")


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(max_length=12, choices=Condition.choices, default=Condition.NEW)
    quantity = models.PositiveIntegerField(_("数量"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.part_id} ×{self.quantity}"


class CountStatus(models.TextChoices):
    DRAFT = "draft", _("盘点中")
    COUNTED = "counted", _("已录入")
    APPROVED = "approved", _("差异已审批")
    CANCELLED = "cancelled", _("已取消")


class StockCount(Document):
    status = models.CharField(
        _("状态"), max_length=12, choices=CountStatus.choices, default=CountStatus.DRAFT
    )
    warehouse = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("仓库")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审批人"),
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("盘点单")
        verbose_name_plural = _("盘点单")


class StockCountLine(models.Model):
    """`system_quantity` is the book balance when the count started; approval posts
    `counted − system` as a movement, so issues made meanwhile are not undone."""

    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(max_length=12, choices=Condition.choices, default=Condition.NEW)
    system_quantity = models.IntegerField(_("账面数量"))
    counted_quantity = models.PositiveIntegerField(_("实盘数量"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["count", "part", "condition"], name="parts_count_line_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.part_id}: {self.system_quantity} → {self.counted_quantity}"

    @property
    def variance(self) -> int | None:
        if self.counted_quantity is None:
            return None
        return self.counted_quantity - self.system_quantity


class Scrap(Document):
    status = models.CharField(
        _("状态"), max_length=12, choices=DocStatus.choices, default=DocStatus.DRAFT
    )
    warehouse = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("仓库")
    )
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(max_length=12, choices=Condition.choices, default=Condition.NEW)
    quantity = models.PositiveIntegerField(_("数量"))
    reason = models.CharField(_("报废原因"), max_length=200)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("报废单")
        verbose_name_plural = _("报废单")


class PartUse(models.Model):
    """A part fitted on a job: a stock-linked line of the service report."""

    report = models.ForeignKey(ServiceReport, on_delete=models.PROTECT, related_name="part_uses")
    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="+")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    reason = models.CharField(_("更换原因"), max_length=200)
    unit_cost = models.DecimalField(_("单位成本"), max_digits=10, decimal_places=2)
    warranty = models.BooleanField(_("保内（公司承担）"))
    unit_price = models.DecimalField(_("收费单价"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("收费金额"), max_digits=12, decimal_places=2)
    source = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("出库库位")
    )
    movement = models.OneToOneField(
        StockMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("耗用单号"), max_length=30, unique=True)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("报告用件")
        verbose_name_plural = _("报告用件")

    def __str__(self) -> str:
        return f"{self.number}: {self.part_id} ×{self.quantity}"


class OldPartStatus(models.TextChoices):
    EXPECTED = "expected", _("待带回")
    ARRIVED = "arrived", _("已返库")
    WRITTEN_OFF = "written_off", _("已处置核销")
    NOT_RETURNED = "not_returned", _("未带回")


class OldPartReturn(Document):
    status = models.CharField(
        _("状态"), max_length=14, choices=OldPartStatus.choices, default=OldPartStatus.EXPECTED
    )
    use = models.OneToOneField(PartUse, on_delete=models.PROTECT, related_name="old_return")
    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="+")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    warehouse = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("返回仓库")
    )
    arrived_at = models.DateTimeField(_("返库时间"), null=True, blank=True)
    disposal = models.ForeignKey(
        "Disposal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="returns",
        verbose_name=_("处置单"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("旧件返回")
        verbose_name_plural = _("旧件返回")


class DisposalAction(models.TextChoices):
    SCRAP = "scrap", _("报废")
    RETURN_SUPPLIER = "return_supplier", _("退回供应商")
    REFURBISH = "refurbish", _("翻新")


class Disposal(Document):
    """The monthly disposal of returned old parts at one warehouse."""

    status = models.CharField(
        _("状态"), max_length=12, choices=DocStatus.choices, default=DocStatus.DRAFT
    )
    warehouse = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("仓库")
    )
    month = models.DateField(_("月份"))
    posted_at = models.DateTimeField(_("过账时间"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "-id"]
        verbose_name = _("旧件处置单")
        verbose_name_plural = _("旧件处置单")


class DisposalLine(models.Model):
    disposal = models.ForeignKey(Disposal, on_delete=models.CASCADE, related_name="lines")
    old_return = models.OneToOneField(
        OldPartReturn, on_delete=models.PROTECT, related_name="disposal_line"
    )
    action = models.CharField(
        _("处置方式"), max_length=16, choices=DisposalAction.choices, default=DisposalAction.SCRAP
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.old_return_id}: {self.action}"


class DocumentTransition(models.Model):
    """Who moved which parts document from which state to which, when and why."""

    doc_type = models.CharField(_("单据类型"), max_length=12, choices=DocType.choices)
    doc_id = models.PositiveBigIntegerField()
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=14)
    to_status = models.CharField(_("新状态"), max_length=14)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["doc_type", "doc_id"], name="parts_doctrans_idx")]
        verbose_name = _("单据流转记录")
        verbose_name_plural = _("单据流转记录")

    def __str__(self) -> str:
        return f"{self.doc_type}:{self.doc_id} {self.from_status} → {self.to_status}"
