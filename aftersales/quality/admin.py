"""Quality configuration (cost settings, cost policies, department contacts) and read-only views
of rulings, claims and job costs: rulings are frozen once issued and every ruling or claim
changes only through its transition service, never through an admin form."""

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
from aftersales.core.admin_site import HistoryModelAdmin, RoleModelAdmin, RoleTabularInline

from . import selectors
from .models import (
    ClaimLine,
    ClaimTransition,
    CostPolicy,
    CostPolicyShare,
    CostSettings,
    DepartmentContact,
    JobCost,
    Ruling,
    RulingShare,
    RulingTransition,
    SupplierClaim,
)


class QualityConfiguration:
    def may_view(self, user: Any) -> bool:
        return selectors.sees_quality(user)

    def may_edit(self, user: Any) -> bool:
        return roles.has_role(user, Role.QUALITY_ENGINEER, Role.ADMIN)


class ReadOnly:
    allow_add = allow_delete = False

    def may_view(self, user: Any) -> bool:
        return selectors.sees_quality(user)

    def may_edit(self, user: Any) -> bool:
        return False


class ReadOnlyInline(RoleTabularInline):
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CostSettings)
class CostSettingsAdmin(QualityConfiguration, HistoryModelAdmin):
    allow_add = allow_delete = False
    list_display = (
        "__str__",
        "labour_source",
        "labour_price_code",
        "internal_labour_rate",
        "travel_source",
        "travel_price_code",
        "internal_travel_rate",
        "claims_on_issue",
    )

    def may_edit(self, user: Any) -> bool:
        return roles.has_role(user, Role.FINANCE, Role.ADMIN)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        obj = CostSettings.get()
        return HttpResponseRedirect(reverse("admin:quality_costsettings_change", args=[obj.pk]))


class CostPolicyShareInline(RoleTabularInline):
    model = CostPolicyShare
    fields = ("party", "department", "percent")


@admin.register(CostPolicy)
class CostPolicyAdmin(QualityConfiguration, HistoryModelAdmin):
    list_display = ("code", "name", "party", "is_active")
    list_filter = ("party", "is_active")
    search_fields = ("^code", "name")
    inlines = (CostPolicyShareInline,)


@admin.register(DepartmentContact)
class DepartmentContactAdmin(QualityConfiguration, RoleModelAdmin):
    allow_add = allow_delete = False
    list_display = ("department", "email")
    list_editable = ("email",)


class RulingShareInline(ReadOnlyInline):
    model = RulingShare
    fields = (
        "party",
        "department",
        "supplier",
        "third_party_name",
        "percent",
        "parts_amount",
        "labour_amount",
        "travel_amount",
        "total_amount",
    )
    readonly_fields = fields


class RulingTransitionInline(ReadOnlyInline):
    model = RulingTransition
    fields = ("at", "action", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields


@admin.register(Ruling)
class RulingAdmin(ReadOnly, RoleModelAdmin):
    """Read-only: drafts are edited on the ruling page, issued rulings are frozen."""

    list_display = ("number", "order", "party", "status", "total_cost", "issued_at", "page_link")
    list_filter = ("status", "party")
    list_select_related = ("order",)
    search_fields = ("=number", "=order__number")
    ordering = ("-created_at", "-id")
    inlines = (RulingShareInline, RulingTransitionInline)
    exclude = ("cost_detail",)

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs & selectors.rulings_for_user(request.user)

    @admin.display(description=_("裁定页面"))
    def page_link(self, obj: Ruling) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("quality:ruling_detail", args=[obj.pk]), _("打开")
        )


class ClaimLineInline(ReadOnlyInline):
    model = ClaimLine
    fields = ("kind", "description", "amount")
    readonly_fields = fields


class ClaimTransitionInline(ReadOnlyInline):
    model = ClaimTransition
    fields = ("at", "action", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields


@admin.register(SupplierClaim)
class SupplierClaimAdmin(ReadOnly, RoleModelAdmin):
    list_display = (
        "number",
        "supplier",
        "order",
        "status",
        "claimed_amount",
        "accepted_amount",
        "recovered_amount",
    )
    list_filter = ("status",)
    list_select_related = ("supplier", "order")
    search_fields = ("=number", "=order__number", "supplier__name")
    ordering = ("-created_at", "-id")
    inlines = (ClaimLineInline, ClaimTransitionInline)

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs & selectors.claims_for_user(request.user)


@admin.register(JobCost)
class JobCostAdmin(ReadOnly, RoleModelAdmin):
    list_display = ("order", "cost_date", "outlet", "party", "parts", "labour", "travel", "total")
    list_filter = ("party",)
    list_select_related = ("order", "outlet")
    search_fields = ("=order__number",)
    ordering = ("-cost_date", "-order")
    exclude = ("detail",)

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs & selectors.job_costs_for_user(request.user)
