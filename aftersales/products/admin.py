from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from aftersales.accounts import roles
from aftersales.core.admin_site import (
    HistoryModelAdmin,
    MasterDataMixin,
    RoleModelAdmin,
    RoleTabularInline,
)

from .models import FaultCode, ProductModel, Unit, WarrantyPolicy
from .selectors import units_for_user


class MasterData:
    """Visible to the back office, edited by administrators and the service director."""

    def may_view(self, user: Any) -> bool:
        return roles.has_role(user, *roles.BACK_OFFICE)

    def may_edit(self, user: Any) -> bool:
        return roles.can_edit_master_data(user)


@admin.register(WarrantyPolicy)
class WarrantyPolicyAdmin(MasterData, HistoryModelAdmin):
    list_display = ("name", "months", "usage_limit", "usage_unit")
    search_fields = ("name",)


class FaultCodeInline(RoleTabularInline):
    model = FaultCode
    fields = ("code", "name", "default_grade", "skill_code")


@admin.register(ProductModel)
class ProductModelAdmin(MasterData, MasterDataMixin, HistoryModelAdmin):
    import_kind = "product_models"
    list_display = ("code", "name", "category", "warranty_policy", "remote_support")
    list_filter = ("category", "warranty_policy", "remote_support")
    list_select_related = ("warranty_policy",)
    search_fields = ("^code", "name")
    inlines = (FaultCodeInline,)


@admin.register(FaultCode)
class FaultCodeAdmin(MasterData, RoleModelAdmin):
    """Fault codes that apply to every model (no model) are edited here."""

    list_display = ("code", "name", "model", "default_grade", "skill_code")
    list_filter = ("default_grade",)
    list_select_related = ("model",)
    search_fields = ("^code", "name")
    autocomplete_fields = ("model",)


@admin.register(Unit)
class UnitAdmin(MasterData, MasterDataMixin, HistoryModelAdmin):
    import_kind = "units"
    list_display = (
        "serial",
        "model",
        "customer",
        "status",
        "warranty_start",
        "warranty_end",
        "site_region",
    )
    list_filter = ("status", "model")
    list_select_related = ("model", "customer", "site_region")
    search_fields = ("=serial", "^serial", "customer__name")
    autocomplete_fields = ("model", "customer", "site_region")
    readonly_fields = ("qr_token",)

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs & units_for_user(request.user)
