"""Complaint configuration (levels, routing, recurring detection) for administrators, and a
read-only view of complaints: a complaint changes only through its transition service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.core.admin_site import HistoryModelAdmin, RoleModelAdmin

from . import selectors
from .models import Complaint, ComplaintLevel, ComplaintSettings, RoutingRule


class Configuration:
    def may_view(self, user: Any) -> bool:
        return selectors.sees_ledger(user)

    def may_edit(self, user: Any) -> bool:
        return roles.has_role(user, Role.SERVICE_DIRECTOR, Role.ADMIN)


@admin.register(ComplaintLevel)
class ComplaintLevelAdmin(Configuration, HistoryModelAdmin):
    list_display = ("code", "name", "hours", "round_the_clock", "order")


@admin.register(RoutingRule)
class RoutingRuleAdmin(Configuration, HistoryModelAdmin):
    list_display = ("category", "department")


@admin.register(ComplaintSettings)
class ComplaintSettingsAdmin(Configuration, HistoryModelAdmin):
    allow_add = allow_delete = False
    list_display = ("__str__", "recurring_window_days", "similarity_threshold")

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        obj = ComplaintSettings.get()
        return HttpResponseRedirect(
            reverse("admin:complaints_complaintsettings_change", args=[obj.pk])
        )


@admin.register(Complaint)
class ComplaintAdmin(RoleModelAdmin):
    allow_add = allow_delete = False
    list_display = ("number", "type", "level", "status", "complainant", "deadline", "page_link")
    list_filter = ("status", "type", "level")
    list_select_related = ("level",)
    search_fields = ("=number",)
    ordering = ("-received_at", "-id")
    show_full_result_count = False
    readonly_fields = [f.name for f in Complaint._meta.fields]
    exclude = ("recurring_of",)

    def may_view(self, user: Any) -> bool:
        return selectors.sees_ledger(user)

    def may_edit(self, user: Any) -> bool:
        return False

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs & selectors.complaints_for_user(request.user)

    @admin.display(description=_("投诉页面"))
    def page_link(self, obj: Complaint) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("complaints:detail", args=[obj.pk]), _("打开")
        )
