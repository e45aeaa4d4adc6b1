from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aftersales.customers.models import Customer, Region


class FaultGrade(models.TextChoices):
    A = "A", _("A级：不能运行，须返厂")
    B = "B", _("B级：不能运行，可就近修复")
    C = "C", _("C级：不影响正常使用")


class UsageUnit(models.TextChoices):
    NONE = "", _("不限")
    KM = "km", _("公里")
    HOURS = "h", _("运行小时")


class Supplier(models.Model):
    """A component maker: carries supplier claims (S8) and supplies parts (S7)."""

    code = models.CharField(_("供应商编号"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("供应商")
        verbose_name_plural = _("供应商")

    def __str__(self) -> str:
        return self.name


class WarrantyPolicy(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    months = models.PositiveIntegerField(_("保修月数"))
    usage_limit = models.PositiveIntegerField(_("使用量上限"), null=True, blank=True)
    usage_unit = models.CharField(
        _("使用量单位"), max_length=4, choices=UsageUnit.choices, blank=True
    )
    exclusions = models.TextField(
        _("除外责任"),
        blank=True,
        default="人为损坏、擅自拆修、日常保养、易损件",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("保修政策")
        verbose_name_plural = _("保修政策")

    def __str__(self) -> str:
        return self.name


class ProductModel(models.Model):
    code = models.CharField(_("型号代码"), max_length=40, unique=True)
    name = models.CharField(_("型号名称"), max_length=100)
    category = models.CharField(_("产品类别"), max_length=60, blank=True)
    warranty_policy = models.ForeignKey(
        WarrantyPolicy,
        on_delete=models.PROTECT,
        related_name="models",
        verbose_name=_("默认保修政策"),
    )
    remote_support = models.BooleanField(_("支持远程支持"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("产品型号")
        verbose_name_plural = _("产品型号")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FaultCode(models.Model):
    model = models.ForeignKey(
        ProductModel,
        on_delete=models.CASCADE,
        related_name="fault_codes",
        verbose_name=_("型号"),
        null=True,
        blank=True,
        help_text=_("留空表示适用于所有型号"),
    )
    code = models.CharField(_("故障代码"), max_length=30)
    name = models.CharField(_("故障名称"), max_length=100)
    default_grade = models.CharField(
        _("默认等级"), max_length=1, choices=FaultGrade.choices, default=FaultGrade.C
    )
    skill_code = models.CharField(_("所需技能代码"), max_length=30, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("故障代码")
        verbose_name_plural = _("故障代码")
        constraints = [
            models.UniqueConstraint(fields=["model", "code"], name="products_faultcode_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def _qr_token() -> str:
    return secrets.token_urlsafe(16)  # 128 bits: the QR link must not be guessable


class Unit(models.Model):
    """One physical product sold (一车一档 / one-unit-one-file)."""

    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("库存")
        SOLD = "sold", _("已售")
        IN_SERVICE = "in_service", _("使用中")
        SCRAPPED = "scrapped", _("已报废")

    serial = models.CharField(_("序列号/车架号"), max_length=60, unique=True)
    model = models.ForeignKey(
        ProductModel, on_delete=models.PROTECT, related_name="units", verbose_name=_("型号")
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="units",
        verbose_name=_("客户"),
        null=True,
        blank=True,
    )
    sale_date = models.DateField(_("销售日期"), null=True, blank=True)
    acceptance_date = models.DateField(_("验收日期"), null=True, blank=True)
    warranty_start = models.DateField(_("保修开始"), null=True, blank=True)
    warranty_end = models.DateField(_("保修结束"), null=True, blank=True)
    extended_months = models.PositiveIntegerField(
        _("延保月数"), default=0, help_text=_("如“3+1”的 1 年填 12")
    )
    usage_reading = models.PositiveIntegerField(_("最近使用量读数"), null=True, blank=True)
    software_version = models.CharField(_("软件版本"), max_length=40, blank=True)
    site_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("安装地区"),
        related_name="+",
    )
    site_address = models.CharField(_("安装地址"), max_length=200, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.IN_SERVICE
    )
    qr_token = models.CharField(max_length=32, unique=True, default=_qr_token, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["serial"]
        verbose_name = _("设备档案")
        verbose_name_plural = _("设备档案")

    def __str__(self) -> str:
        return f"{self.serial} ({self.model.code})"
