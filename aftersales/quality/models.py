"""Responsibility rulings (S8), the job cost they allocate, cost policies and supplier claims.

A ruling is frozen once issued: nothing edits it afterwards; a revision after an appeal is a new
ruling that points at the old one (DESIGN: frozen records)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aftersales.network.models import Outlet
from aftersales.products.models import Supplier
from aftersales.service.models import WorkOrder

ZERO = Decimal("0.00")


def _money(label: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=12, decimal_places=2, default=ZERO)


class RulingParty(models.TextChoices):
    """Who a ruling holds responsible (the service report's `Responsibility`, without
    "undetermined")."""

    MANUFACTURER = "manufacturer", _("制造方")
    SUPPLIER = "supplier", _("零部件供应商")
    CUSTOMER = "customer", _("客户使用不当")
    SHARED = "shared", _("共同责任")
    THIRD_PARTY = "third_party", _("第三方")


class ShareParty(models.TextChoices):
    """One paying party of a ruling (a shared ruling has several)."""

    MANUFACTURER = "manufacturer", _("制造方")
    SUPPLIER = "supplier", _("零部件供应商")
    CUSTOMER = "customer", _("客户")
    THIRD_PARTY = "third_party", _("第三方")


class ManufacturerDepartment(models.TextChoices):
    RD = "rd", _("研发/设计")
    PRODUCTION = "production", _("生产")
    QUALITY = "quality", _("质量")
    LOGISTICS = "logistics", _("物流")
    SERVICE = "service", _("售后服务（安装/维修过失）")


class RateSource(models.TextChoices):
    PRICE_LIST = "price_list", _("价目表")
    INTERNAL = "internal", _("内部费率")


class CostSettings(models.Model):
    """Singleton: how labour and travel of a job are costed (configuration, not literals)."""

    labour_source = models.CharField(
        _("工时费率来源"), max_length=12, choices=RateSource.choices, default=RateSource.PRICE_LIST
    )
    labour_price_code = models.CharField(_("工时价目编码"), max_length=30, default="L-STD")
    internal_labour_rate = models.DecimalField(
        _("内部工时费率（元/小时）"), max_digits=10, decimal_places=2, default=Decimal("120.00")
    )
    travel_source = models.CharField(
        _("差旅费率来源"), max_length=12, choices=RateSource.choices, default=RateSource.PRICE_LIST
    )
    travel_price_code = models.CharField(_("差旅价目编码"), max_length=30, default="T-KM")
    internal_travel_rate = models.DecimalField(
        _("内部差旅费率（元/公里）"), max_digits=10, decimal_places=2, default=Decimal("2.50")
    )
    claims_on_issue = models.BooleanField(_("签发供应商责任裁定时自动生成索赔单"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("成本参数")
        verbose_name_plural = _("成本参数")

    def __str__(self) -> str:
        return str(_("成本参数"))

    @classmethod
    def get(cls) -> CostSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class DepartmentContact(models.Model):
    """Where the factory's departments (who have no logins here) receive rulings by email."""

    department = models.CharField(
        _("责任部门"), max_length=12, choices=ManufacturerDepartment.choices, unique=True
    )
    email = models.EmailField(_("邮箱"), blank=True)

    class Meta:
        ordering = ["department"]
        verbose_name = _("责任部门联系人")
        verbose_name_plural = _("责任部门联系人")

    def __str__(self) -> str:
        return self.get_department_display()


class CostPolicy(models.Model):
    """A cost rule that prefills a ruling (the decoration variant: contractor fault → contractor
    pays all; shared → agreed split; client-supplied material → client pays)."""

    code = models.CharField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    party = models.CharField(_("责任方"), max_length=14, choices=RulingParty.choices)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("费用承担政策")
        verbose_name_plural = _("费用承担政策")

    def __str__(self) -> str:
        return self.name


class CostPolicyShare(models.Model):
    policy = models.ForeignKey(CostPolicy, on_delete=models.CASCADE, related_name="shares")
    party = models.CharField(_("承担方"), max_length=14, choices=ShareParty.choices)
    department = models.CharField(
        _("责任部门"), max_length=12, choices=ManufacturerDepartment.choices, blank=True
    )
    percent = models.DecimalField(_("比例（%）"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["-percent", "id"]
        verbose_name = _("承担比例")
        verbose_name_plural = _("承担比例")

    def __str__(self) -> str:
        return f"{self.party} {self.percent}%"


class JobCost(models.Model):
    """The cost of a job as last computed (on ruling, on close), so that finance's list filters
    and totals in SQL instead of recomputing every order."""

    order = models.OneToOneField(
        WorkOrder, on_delete=models.CASCADE, primary_key=True, related_name="job_cost"
    )
    outlet = models.ForeignKey(
        Outlet,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("服务网点"),
    )
    cost_date = models.DateField(_("成本日期"))
    party = models.CharField(_("责任方"), max_length=14, choices=RulingParty.choices, blank=True)
    ruling = models.ForeignKey(
        "Ruling",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("责任裁定"),
    )
    parts = _money(_("备件成本"))
    labour = _money(_("工时成本"))
    travel = _money(_("差旅成本"))
    total = _money(_("合计"))
    labour_hours = models.DecimalField(_("工时（小时）"), max_digits=6, decimal_places=2)
    labour_rate = models.DecimalField(_("工时费率"), max_digits=10, decimal_places=2)
    travel_km = models.DecimalField(_("里程（公里）"), max_digits=8, decimal_places=1)
    travel_rate = models.DecimalField(_("差旅费率"), max_digits=10, decimal_places=2)
    detail = models.JSONField(_("计算明细"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        ordering = ["-cost_date", "-order_id"]
        verbose_name = _("工单成本")
        verbose_name_plural = _("工单成本")
        indexes = [
            models.Index(fields=["-cost_date", "-order"], name="jobcost_date_idx"),
            models.Index(fields=["outlet", "-cost_date"], name="jobcost_outlet_date_idx"),
            models.Index(fields=["party", "-cost_date"], name="jobcost_party_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.total}"


class Ruling(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已签发")
        APPEALED = "appealed", _("申诉中")
        FINAL = "final", _("已生效")
        REVISED = "revised", _("已改判")
        DISCARDED = "discarded", _("已作废")

    class AppealOutcome(models.TextChoices):
        UPHELD = "upheld", _("维持原裁定")
        REVISED = "revised", _("改判")

    number = models.CharField(_("裁定编号"), max_length=20, unique=True)
    order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, related_name="rulings", verbose_name=_("工单")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    party = models.CharField(_("责任方"), max_length=14, choices=RulingParty.choices)
    policy = models.ForeignKey(
        CostPolicy,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("费用承担政策"),
    )
    findings = models.TextField(_("裁定依据"))
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("改判自"),
    )
    # The job's cost when the ruling was issued (frozen with it).
    parts_cost = _money(_("备件成本"))
    labour_cost = _money(_("工时成本"))
    travel_cost = _money(_("差旅成本"))
    total_cost = _money(_("成本合计"))
    cost_detail = models.JSONField(_("成本计算明细"), default=dict, blank=True)
    appeal_outcome = models.CharField(
        _("申诉结果"), max_length=10, choices=AppealOutcome.choices, blank=True
    )
    appeal_reason = models.TextField(_("申诉理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("裁定人"),
    )
    created_at = models.DateTimeField(_("创建时间"))
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    final_at = models.DateTimeField(_("生效时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("责任裁定")
        verbose_name_plural = _("责任裁定")
        constraints = [
            # One live ruling per order; a revised or discarded one steps aside.
            models.UniqueConstraint(
                fields=["order"],
                condition=~Q(status__in=["revised", "discarded"]),
                name="quality_one_live_ruling_per_order",
            )
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="ruling_status_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT


class RulingShare(models.Model):
    """One paying party of a ruling and its allocated part of the job's cost."""

    ruling = models.ForeignKey(Ruling, on_delete=models.CASCADE, related_name="shares")
    party = models.CharField(_("承担方"), max_length=14, choices=ShareParty.choices)
    department = models.CharField(
        _("责任部门"), max_length=12, choices=ManufacturerDepartment.choices, blank=True
    )
    supplier = models.ForeignKey(
        Supplier,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ruling_shares",
        verbose_name=_("供应商"),
    )
    third_party_name = models.CharField(_("第三方名称"), max_length=100, blank=True)
    percent = models.DecimalField(_("比例（%）"), max_digits=5, decimal_places=2)
    parts_amount = _money(_("备件"))
    labour_amount = _money(_("工时"))
    travel_amount = _money(_("差旅"))
    total_amount = _money(_("合计"))

    class Meta:
        ordering = ["-percent", "id"]
        verbose_name = _("分摊")
        verbose_name_plural = _("分摊")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100), name="quality_share_percent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.percent}%"

    @property
    def label(self) -> str:
        if self.party == ShareParty.SUPPLIER and self.supplier_id:
            return f"{self.get_party_display()}：{self.supplier}"
        if self.party == ShareParty.MANUFACTURER and self.department:
            return f"{self.get_party_display()}：{self.get_department_display()}"
        if self.party == ShareParty.THIRD_PARTY and self.third_party_name:
            return f"{self.get_party_display()}：{self.third_party_name}"
        return str(self.get_party_display())


class RulingTransition(models.Model):
    ruling = models.ForeignKey(Ruling, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=10, choices=Ruling.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=Ruling.Status.choices)
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
        verbose_name = _("裁定流转记录")
        verbose_name_plural = _("裁定流转记录")

    def __str__(self) -> str:
        return f"{self.ruling_id}: {self.from_status} → {self.to_status}"


class SupplierClaim(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        ACCEPTED = "accepted", _("供应商全额接受")
        PARTLY_ACCEPTED = "partly_accepted", _("供应商部分接受")
        REJECTED = "rejected", _("供应商拒绝")
        SETTLED = "settled", _("已结算")
        CANCELLED = "cancelled", _("已撤销")

    number = models.CharField(_("索赔单号"), max_length=20, unique=True)
    ruling = models.ForeignKey(
        Ruling, on_delete=models.PROTECT, related_name="claims", verbose_name=_("责任裁定")
    )
    order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, related_name="supplier_claims", verbose_name=_("工单")
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="claims", verbose_name=_("供应商")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    claimed_amount = _money(_("索赔金额"))
    accepted_amount = _money(_("接受金额"))
    recovered_amount = _money(_("实际追回"))
    evidence = models.JSONField(_("旧件证据"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("供应商答复时间"), null=True, blank=True)
    settled_at = models.DateTimeField(_("结算时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("供应商索赔")
        verbose_name_plural = _("供应商索赔")
        constraints = [
            models.UniqueConstraint(fields=["ruling", "supplier"], name="quality_claim_once"),
            models.CheckConstraint(
                condition=Q(accepted_amount__gte=0)
                & Q(recovered_amount__gte=0)
                & Q(claimed_amount__gte=0),
                name="quality_claim_amounts_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="claim_status_idx"),
            models.Index(fields=["status", "-settled_at"], name="claim_settled_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class ClaimLine(models.Model):
    class Kind(models.TextChoices):
        PARTS = "parts", _("备件")
        LABOUR = "labour", _("工时")
        TRAVEL = "travel", _("差旅")

    claim = models.ForeignKey(SupplierClaim, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("类别"), max_length=8, choices=Kind.choices)
    description = models.CharField(_("说明"), max_length=200)
    amount = _money(_("金额"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("索赔明细")
        verbose_name_plural = _("索赔明细")

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class ClaimTransition(models.Model):
    claim = models.ForeignKey(SupplierClaim, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=16, choices=SupplierClaim.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=SupplierClaim.Status.choices)
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
        verbose_name = _("索赔流转记录")
        verbose_name_plural = _("索赔流转记录")

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.from_status} → {self.to_status}"
