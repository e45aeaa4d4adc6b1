"""The outbox and its templates. Messages carry personal data: administrators only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from aftersales.accounts import roles
from aftersales.core.admin_site import RoleModelAdmin, RoleTabularInline

from .models import DeliveryAttempt, MessageTemplate, OutboxMessage, RecordedSms


class AdminOnly:
    def may_view(self, user: Any) -> bool:
        return roles.is_admin(user)

    def may_edit(self, user: Any) -> bool:
        return roles.is_admin(user)


class ReadOnlyAdminOnly(AdminOnly):
    allow_add = allow_delete = False

    def may_edit(self, user: Any) -> bool:
        return False


@admin.register(MessageTemplate)
class MessageTemplateAdmin(AdminOnly, RoleModelAdmin):
    list_display = ("code", "channel", "language", "subject", "gateway_template_id")
    list_filter = ("channel", "language")
    search_fields = ("code", "subject", "body")


class DeliveryAttemptInline(RoleTabularInline):
    model = DeliveryAttempt
    fields = ("at", "ok", "error")
    readonly_fields = fields


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminOnly, RoleModelAdmin):
    """Delivered by the periodic job; read here to trace what was sent, when and why."""

    list_display = (
        "id",
        "channel",
        "template_code",
        "to",
        "recipient_user",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "template_code")
    list_select_related = ("recipient_user",)
    search_fields = ("=cause", "=to", "template_code")
    date_hierarchy = "created_at"
    inlines = (DeliveryAttemptInline,)


@admin.register(RecordedSms)
class RecordedSmsAdmin(ReadOnlyAdminOnly, RoleModelAdmin):
    list_display = ("to", "template_id", "text", "at")
    search_fields = ("=to", "template_id")
    date_hierarchy = "at"
