from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")
    IN_APP = "in_app", _("站内消息")


class MessageTemplate(models.Model):
    """A message text per code, channel and language. SMS texts must match what is registered
    with the gateway, so they are data, edited by the administrator, not literals in code."""

    code = models.CharField(_("代码"), max_length=60)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"), help_text=_("可使用 {number}、{deadline} 等占位符"))
    gateway_template_id = models.CharField(_("短信网关模板号"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "channel", "language"], name="notifications_template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} / {self.channel} / {self.language}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class OutboxMessage(models.Model):
    """Written in the same transaction as the change that caused it; a periodic job delivers."""

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("收件用户"),
    )
    to = models.CharField(_("收件地址"), max_length=200, blank=True)
    template_code = models.CharField(_("模板"), max_length=60)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    cause = models.CharField(
        _("起因"), max_length=100, help_text=_("例如 work_order:123"), db_index=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("发件箱消息")
        verbose_name_plural = _("发件箱")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.template_code} → {self.to or self.recipient_user_id}"


class DeliveryAttempt(models.Model):
    message = models.ForeignKey(
        OutboxMessage, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")

    def __str__(self) -> str:
        return f"{self.message_id} {'ok' if self.ok else 'error'}"


class RecordedSms(models.Model):
    """What the default SMS adapter 'sends': kept so that staff and tests can read it."""

    to = models.CharField(max_length=20)
    template_id = models.CharField(max_length=60, blank=True)
    text = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("短信记录")
        verbose_name_plural = _("短信记录")

    def __str__(self) -> str:
        return f"{self.to}: {self.text[:30]}"
