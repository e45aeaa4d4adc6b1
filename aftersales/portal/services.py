"""Writes of the portal: one-time sign-in links (issue, send through the outbox, redeem).

A link is a `secrets.token_urlsafe(32)` token (256 bits); only its SHA-256 is stored. It expires
after `LOGIN_LINK_MINUTES` and works once. Asking for a link never tells whether the address is
registered: the caller answers the same either way."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts import roles
from aftersales.customers.models import Contact
from aftersales.notifications.models import Channel
from aftersales.notifications.services import outbox_enqueue

from .models import LoginLink

LOGIN_LINK_MINUTES = 15
TEMPLATE_CODE = "portal_login_link"
# One address may belong to the contacts of a few customers; never fan out further than this.
MAX_LINKS_PER_REQUEST = 3

LOGIN_LINK_TEMPLATES: list[tuple[str, str, str, str, str]] = [
    # code, channel, language, subject, body
    (
        TEMPLATE_CODE,
        Channel.SMS,
        "zh-hans",
        "",
        "【售后服务】您的登录链接（{minutes} 分钟内有效，仅可使用一次）：{url}",
    ),
    (
        TEMPLATE_CODE,
        Channel.SMS,
        "en",
        "",
        "[Aftersales] Your sign-in link (valid {minutes} minutes, once): {url}",
    ),
    (
        TEMPLATE_CODE,
        Channel.EMAIL,
        "zh-hans",
        "售后服务登录链接",
        "您好，\n\n请打开以下链接登录售后服务门户。链接 {minutes} 分钟内有效，仅可使用一次：\n\n"
        "{url}\n\n如果不是您本人申请，请忽略此邮件。",
    ),
    (
        TEMPLATE_CODE,
        Channel.EMAIL,
        "en",
        "Your Aftersales sign-in link",
        "Hello,\n\nOpen this link to sign in to the Aftersales portal. It is valid for {minutes} "
        "minutes and works once:\n\n{url}\n\nIf you did not ask for it, ignore this message.",
    ),
]


def seed_login_link_templates() -> None:
    from aftersales.notifications.models import MessageTemplate

    for code, channel, language, subject, body in LOGIN_LINK_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=code,
            channel=channel,
            language=language,
            defaults={"subject": subject, "body": body},
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_address(raw: str) -> tuple[str, str]:
    """(channel, address): an email (lower-cased) or a mobile number (digits only, +86 dropped);
    ("", "") when it is neither."""
    text = (raw or "").strip()
    if "@" in text:
        return (Channel.EMAIL, text.lower()) if len(text) <= 254 else ("", "")
    digits = re.sub(r"[\s\-()]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    if re.fullmatch(r"\d{6,20}", digits):
        return Channel.SMS, digits
    return "", ""


def _contacts(channel: str, address: str) -> list[Contact]:
    match = Q(email__iexact=address) if channel == Channel.EMAIL else Q(mobile=address)
    return list(
        Contact.objects.filter(match, customer__user__isnull=False, customer__user__is_active=True)
        .select_related("customer__user")
        .order_by("id")
    )


def login_link_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal:login_link", args=[token])


@transaction.atomic
def login_link_request(*, address: str, now: Any = None) -> int:
    """Issue and queue a link for every portal user whose contact has this mobile or email.
    Returns how many were queued (for tests and logs; never shown to the requester)."""
    channel, normalised = normalise_address(address)
    if not channel:
        return 0
    now = now or timezone.now()
    sent = 0
    seen: set[int] = set()
    for contact in _contacts(channel, normalised):
        user = contact.customer.user
        if user is None or user.pk in seen or not roles.is_customer(user):
            continue
        seen.add(user.pk)
        token = secrets.token_urlsafe(32)
        LoginLink.objects.create(
            user=user,
            token_hash=token_hash(token),
            expires_at=now + timedelta(minutes=LOGIN_LINK_MINUTES),
        )
        outbox_enqueue(
            template_code=TEMPLATE_CODE,
            channel=channel,
            cause="portal_login_link",
            params={"url": login_link_url(token), "minutes": LOGIN_LINK_MINUTES},
            recipient_user=user,
            to=contact.email if channel == Channel.EMAIL else contact.mobile,
        )
        sent += 1
        if sent >= MAX_LINKS_PER_REQUEST:
            break
    return sent


def _usable(link: LoginLink | None, now: Any) -> bool:
    return bool(
        link is not None
        and link.used_at is None
        and link.expires_at > now
        and link.user.is_active
        and roles.is_customer(link.user)
    )


def login_link_valid(token: str, *, now: Any = None) -> bool:
    """Whether the token is a usable link (read only: a GET never consumes it)."""
    if not token or len(token) > 100:
        return False
    link = LoginLink.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    return _usable(link, now or timezone.now())


@transaction.atomic
def login_link_redeem(token: str, *, now: Any = None) -> Any:
    """Mark the link used and return its user; None for a used, expired or unknown token."""
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    link = (
        LoginLink.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if not _usable(link, now):
        return None
    assert link is not None
    link.used_at = now
    link.save(update_fields=["used_at"])
    return link.user
