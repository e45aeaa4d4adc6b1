from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    CUSTOMER = "customer", _("客户")
    AGENT = "agent", _("客服坐席")
    TECHNICIAN = "technician", _("服务工程师")
    STATION_MANAGER = "station_manager", _("服务站经理")
    SERVICE_DIRECTOR = "service_director", _("售后服务部主管")
    SUPERVISOR = "supervisor", _("监督员")
    QUALITY_ENGINEER = "quality_engineer", _("质量工程师")
    PARTS_KEEPER = "parts_keeper", _("备件库管员")
    FINANCE = "finance", _("财务")
    HR = "hr", _("人力资源")
    ADMIN = "admin", _("系统管理员")


class Department(models.TextChoices):
    SERVICE = "service", _("售后服务部")
    SUPERVISION = "supervision", _("监督部")
    QUALITY = "quality", _("质量部")
    PARTS = "parts", _("备件库")
    FINANCE = "finance", _("财务部")
    HR = "hr", _("人力资源部")
    IT = "it", _("信息部")
    CUSTOMER = "customer", _("客户")


class User(AbstractUser):
    role = models.CharField(
        _("角色"), max_length=20, choices=Role.choices, default=Role.CUSTOMER, db_index=True
    )
    department = models.CharField(_("部门"), max_length=20, choices=Department.choices, blank=True)
    mobile = models.CharField(_("手机"), max_length=20, blank=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    @property
    def display_name(self) -> str:
        return str(self)
