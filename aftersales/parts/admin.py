"""Parts in the back office: the part master, locations and reorder points are master data;
balances, the ledger and documents are read-only here — they change only through the
services (stock_move and the document transitions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from aftersales.accounts import roles
from aftersales.core.admin_site import HistoryModelAdmin, RoleModelAdmin

from . import selectors
from .models import Location, Part, ReorderPoint, StockBalance, StockMovement


class PartsMasterData:
    def may_view(self, user: Any) -> bool:
        return selectors.may_use_parts_pages(user)

    def may_edit(self, user: Any) -> bool:
        return roles.has_role(user, *selectors.ALL_ROLES)


@admin.register(Part)
class PartAdmin(PartsMasterData, HistoryModelAdmin):
    list_display = ("code", "name", "category", "unit_cost", "sale_price", "supplier", "traceable")
    list_filter = ("category", "traceable", "is_active")
    search_fields = ("code", "name")
    filter_horizontal = ("compatible_models",)


@admin.register(Location)
class LocationAdmin(PartsMasterData, RoleModelAdmin):
    list_display = ("code", "name", "kind", "outlet", "staff", "is_active")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    allow_delete = False


@admin.register(ReorderPoint)
class ReorderPointAdmin(PartsMasterData, RoleModelAdmin):
    list_display = ("location", "part", "min_quantity", "target_quantity")
    list_filter = ("location",)
    search_fields = ("part__code", "part__name")
    autocomplete_fields = ("part", "location")

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs.filter(location__in=selectors.locations_for_user(request.user))


class ReadOnlyLedger:
    allow_add = allow_delete = False

    def may_view(self, user: Any) -> bool:
        return selectors.may_use_parts_pages(user)

    def may_edit(self, user: Any) -> bool:
        return False


@admin.register(StockBalance)
class StockBalanceAdmin(ReadOnlyLedger, RoleModelAdmin):
    list_display = ("location", "part", "condition", "quantity")
    list_filter = ("condition", "location__kind")
    search_fields = ("part__code", "part__name", "location__code")
    list_select_related = ("location", "part")

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs.filter(location__in=selectors.locations_for_user(request.user))


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyLedger, RoleModelAdmin):
    list_display = (
        "at",
        "doc_type",
        "doc_number",
        "part",
        "condition",
        "quantity",
        "from_location",
        "to_location",
        "actor",
    )
    list_filter = ("doc_type", "condition")
    search_fields = ("doc_number", "part__code")
    list_select_related = ("part", "from_location", "to_location", "actor")

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        if selectors.sees_all(request.user):
            return qs
        return selectors.movements_for_user(request.user)
