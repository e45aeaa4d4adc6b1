from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessDay(models.Model):
    """One day of the business calendar. Seeded for 2024–2026 from `chinesecalendar`; the
    administrator adds the next year when the State Council publishes it (usually in November).
    A year without rows falls back to Monday–Friday and warns the administrators."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(
        _("说明"), max_length=60, blank=True, help_text=_("节假日名称或“调休上班”")
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("业务日历")
        verbose_name_plural = _("业务日历")

    def __str__(self) -> str:
        kind = _("工作日") if self.is_workday else _("休息日")
        return f"{self.date} {kind} {self.name}".strip()


class Counter(models.Model):
    """Per-prefix, per-year sequence behind the numbers people read (WO-2026-000123)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="core_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.value}"
