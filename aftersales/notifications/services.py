"""The outbox: domains call `outbox_enqueue` inside their transaction; `outbox_deliver_due`
sends what is due, retries with back-off and records every attempt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from aftersales.core import confcache

from .models import Channel, DeliveryAttempt, MessageTemplate, OutboxMessage, OutboxStatus
from .sms import get_sms_backend

MAX_ATTEMPTS = 8

DEFAULT_TEMPLATES: list[tuple[str, str, str, str, str]] = [
    # code, channel, language, subject, body
    (
        "sla_warning",
        Channel.IN_APP,
        "zh-hans",
        "工单 {number} 即将超时",
        "工单 {number} 的{target}时限 {deadline} 已用去 {percent}%，请尽快处理。",
    ),
    (
        "sla_warning",
        Channel.IN_APP,
        "en",
        "Order {number} is close to its deadline",
        "{percent}% of the {target} time of order {number} (due {deadline}) is used up.",
    ),
    (
        "sla_breach",
        Channel.IN_APP,
        "zh-hans",
        "工单 {number} 已超时",
        "工单 {number} 的{target}时限 {deadline} 已超过，已升级至 {level}。",
    ),
    (
        "sla_breach",
        Channel.IN_APP,
        "en",
        "Order {number} breached its deadline",
        "The {target} deadline {deadline} of order {number} has passed; escalated to {level}.",
    ),
    (
        "sla_breach",
        Channel.EMAIL,
        "zh-hans",
        "工单 {number} 已超时",
        "工单 {number} 的{target}时限 {deadline} 已超过，已升级至 {level}。",
    ),
    (
        "order_received",
        Channel.SMS,
        "zh-hans",
        "",
        "【售后服务】您的报修已受理，工单号 {number}，我们将在 {deadline} 前与您联系。",
    ),
    (
        "order_received",
        Channel.SMS,
        "en",
        "",
        "[Aftersales] Your request {number} is registered; we will contact you by {deadline}.",
    ),
    (
        "order_dispatched",
        Channel.IN_APP,
        "zh-hans",
        "新派工：{number}",
        "您被派往工单 {number}（{site}），到场时限 {deadline}。",
    ),
    (
        "order_dispatched",
        Channel.IN_APP,
        "en",
        "New job: {number}",
        "You are dispatched to order {number} ({site}); be on site by {deadline}.",
    ),
    (
        "callback_due",
        Channel.IN_APP,
        "zh-hans",
        "待回访：{number}",
        "工单 {number} 已关闭，请在 {deadline} 前完成回访。",
    ),
    (
        "callback_due",
        Channel.IN_APP,
        "en",
        "Callback due: {number}",
        "Order {number} is closed; call the customer back by {deadline}.",
    ),
]


def seed_templates() -> None:
    for code, channel, language, subject, body in DEFAULT_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=code,
            channel=channel,
            language=language,
            defaults={"subject": subject, "body": body},
        )


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _all_templates() -> dict[tuple[str, str, str], tuple[str, str]]:
    return {
        (code, channel, language): (subject, body)
        for code, channel, language, subject, body in MessageTemplate.objects.values_list(
            "code", "channel", "language", "subject", "body"
        )
    }


# Every template's subject and body, per process, reloaded when the configuration stamp changes
# (saving or deleting a template bumps it, in every process: core/confcache.py). A small table
# (unique per code, channel and language) read for every queued message.
_TEMPLATES: confcache.Cached[dict[tuple[str, str, str], tuple[str, str]]] = confcache.Cached(
    _all_templates
)
confcache.watch(MessageTemplate)


def _render(code: str, channel: str, language: str, params: dict[str, Any]) -> tuple[str, str]:
    templates = _TEMPLATES.get()
    tpl = templates.get((code, channel, language)) or templates.get((code, channel, "zh-hans"))
    if tpl is None:
        raise LookupError(f"no message template {code}/{channel}")
    values = _SafeDict({k: str(v) for k, v in params.items()})
    return tpl[0].format_map(values), tpl[1].format_map(values)


def outbox_enqueue(
    *,
    template_code: str,
    channel: str,
    cause: str,
    params: dict[str, Any],
    recipient_user: Any = None,
    to: str = "",
    language: str | None = None,
) -> OutboxMessage:
    """Queue a message; must be called inside the transaction of the change that caused it."""
    lang = language or translation.get_language() or "zh-hans"
    if lang not in ("zh-hans", "en"):
        lang = "zh-hans"
    subject, body = _render(template_code, channel, lang, params)
    if not to and recipient_user is not None:
        to = recipient_user.mobile if channel == Channel.SMS else recipient_user.email
    return OutboxMessage.objects.create(
        channel=channel,
        recipient_user=recipient_user,
        to=to or "",
        template_code=template_code,
        subject=subject,
        body=body,
        cause=cause,
        next_attempt_at=timezone.now(),
    )


def _send(message: OutboxMessage) -> None:
    if message.channel == Channel.IN_APP:
        return  # in-app messages are read from the table itself
    if not message.to:
        raise ValueError("no recipient address")
    if message.channel == Channel.EMAIL:
        from django.conf import settings

        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.to])
    elif message.channel == Channel.SMS:
        tpl = MessageTemplate.objects.filter(
            code=message.template_code, channel=Channel.SMS
        ).first()
        get_sms_backend().send(
            to=message.to, text=message.body, template_id=tpl.gateway_template_id if tpl else ""
        )


def outbox_deliver_due(*, now: Any = None, limit: int = 200) -> int:
    """Deliver due messages; each in its own transaction so one failure never holds others.
    Returns how many were sent."""
    now = now or timezone.now()
    ids = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    sent = 0
    for message_id in ids:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(id=message_id, status=OutboxStatus.PENDING)
                .first()
            )
            if message is None:
                continue  # another worker has it
            try:
                # A savepoint: a backend that fails on the database (the recording SMS backend,
                # a gateway logging table) must not abort the transaction that records the try.
                with transaction.atomic():
                    _send(message)
            except Exception as exc:  # noqa: BLE001 — any gateway error means "retry later"
                message.attempts += 1
                message.last_error = str(exc)[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboxStatus.FAILED
                else:
                    message.next_attempt_at = now + timedelta(minutes=2**message.attempts)
                DeliveryAttempt.objects.create(message=message, ok=False, error=message.last_error)
            else:
                message.attempts += 1
                message.status = OutboxStatus.SENT
                message.sent_at = now
                DeliveryAttempt.objects.create(message=message, ok=True)
                sent += 1
            message.save(
                update_fields=["attempts", "last_error", "status", "next_attempt_at", "sent_at"]
            )
    return sent
