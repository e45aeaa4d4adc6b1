from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.service.models import WorkOrder


class Callback(models.Model):
    """A callback call (回访) that falls due when an order closes. The feedback form and the
    survey come with the supervision issue; for now the callback is scheduled and completed."""

    class Status(models.TextChoices):
        DUE = "due", _("待回访")
        DONE = "done", _("已回访")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="callbacks")
    due_at = models.DateTimeField(_("回访时限"))
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.DUE, db_index=True
    )
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("回访人"),
    )
    notes = models.TextField(_("回访记录"), blank=True)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")

    def __str__(self) -> str:
        return f"{self.order.number}"
