from __future__ import annotations

from django.conf import settings
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


class BackgroundJob(models.Model):
    """Work too long for a request (a survey campaign to every customer, a year's report): the
    request records the job, the Huey consumer runs it and writes its progress here, and the
    page the user is sent to shows a progress bar until it is done (`core.jobs`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=40)
    # What the job works on ("survey_form:3"): a second job on the same thing is refused while
    # one is queued or running.
    key = models.CharField(_("对象"), max_length=80, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default="queued")
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    # Where the user goes back to when the job is done (the page that started it).
    return_url = models.CharField(_("返回页面"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "key", "status"], name="core_job_active")]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, int(100 * self.done / self.total)) if self.total else 0


class JobFile(models.Model):
    """A file a background job produced (a report's PDF and workbook): downloaded from the job's
    page by whoever may see the job, always as an attachment."""

    job = models.ForeignKey(BackgroundJob, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(max_length=100)
    file = models.FileField(upload_to="jobs/%Y/%m/")
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("任务文件")
        verbose_name_plural = _("任务文件")

    def __str__(self) -> str:
        return self.name


class ExportLog(models.Model):
    """One export of personal data (PIPL, S20): who took which records out, how many rows, and
    whether the personal fields were masked for them. Written by `core.audit.export_logged`
    in the same request as the export; never edited."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("导出人"),
    )
    what = models.CharField(_("导出内容"), max_length=40)
    label = models.CharField(_("名称"), max_length=100)
    fmt = models.CharField(_("格式"), max_length=10)
    rows = models.PositiveIntegerField(_("行数"))
    masked = models.BooleanField(_("已脱敏"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("个人信息导出记录")
        verbose_name_plural = _("个人信息导出记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.label}"
