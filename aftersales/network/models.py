from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aftersales.customers.models import Region


class Outlet(models.Model):
    class Kind(models.TextChoices):
        SELF_BUILT = "self", _("自建服务站")
        OUTSOURCED = "outsourced", _("特约维修站")
        FRANCHISE = "franchise", _("加盟服务站")
        DEALER = "dealer", _("经销商")

    code = models.CharField(_("网点编号"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.SELF_BUILT)
    regions = models.ManyToManyField(
        Region, related_name="outlets", verbose_name=_("覆盖区域"), blank=True
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    service_radius_km = models.PositiveIntegerField(_("服务半径（公里）"), default=100)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("服务网点")
        verbose_name_plural = _("服务网点")

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    code = models.CharField(_("技能代码"), max_length=30, unique=True)
    name = models.CharField(_("技能名称"), max_length=60)

    class Meta:
        ordering = ["code"]
        verbose_name = _("技能")
        verbose_name_plural = _("技能")

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff",
        verbose_name=_("用户"),
    )
    outlet = models.ForeignKey(
        Outlet,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("所属网点"),
    )
    employee_no = models.CharField(_("工号"), max_length=30, unique=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="staff", verbose_name=_("技能"))
    is_service_manager_certified = models.BooleanField(_("售后服务管理师"), default=False)
    latitude = models.FloatField(_("当前位置纬度"), null=True, blank=True)
    longitude = models.FloatField(_("当前位置经度"), null=True, blank=True)
    is_active = models.BooleanField(_("在岗"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["employee_no"]
        verbose_name = _("员工")
        verbose_name_plural = _("员工")

    def __str__(self) -> str:
        return f"{self.user} ({self.employee_no})"


class Certificate(models.Model):
    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("员工")
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("技能")
    )
    number = models.CharField(_("证书编号"), max_length=60)
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["valid_until"]
        verbose_name = _("上岗证书")
        verbose_name_plural = _("上岗证书")

    def __str__(self) -> str:
        return f"{self.skill} {self.number}"

    def is_valid_on(self, day=None) -> bool:
        return (day or timezone.localdate()) <= self.valid_until


class Team(models.Model):
    outlet = models.ForeignKey(
        Outlet, on_delete=models.CASCADE, related_name="teams", verbose_name=_("网点")
    )
    name = models.CharField(_("班组名称"), max_length=60)
    leader = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="led_teams", verbose_name=_("组长")
    )
    members = models.ManyToManyField(Staff, related_name="teams", verbose_name=_("成员"))

    class Meta:
        verbose_name = _("班组")
        verbose_name_plural = _("班组")

    def __str__(self) -> str:
        return self.name
