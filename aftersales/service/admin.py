"""Order-loop configuration (SLA policies, price list, settings) and a read-only view of work
orders: their state changes only through `work_order_transition`, never through a form."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import RangeDateTimeFilter

from aftersales.accounts import roles
from aftersales.core.admin_site import HistoryModelAdmin, RoleModelAdmin, RoleTabularInline
from aftersales.core.masking import mask_address, mask_phone

from .models import (
    DistanceTier,
    PriceItem,
    ServiceSettings,
    SlaEvent,
    SlaPolicy,
    WorkOrder,
    WorkOrderTransition,
)
from .selectors import work_orders_for_user


class Configuration:
    def may_view(self, user: Any) -> bool:
        return roles.has_role(user, *roles.BACK_OFFICE)

    def may_edit(self, user: Any) -> bool:
        return roles.can_edit_master_data(user)


@admin.register(ServiceSettings)
class ServiceSettingsAdmin(Configuration, RoleModelAdmin):
    """One row: the list opens the row itself."""

    allow_add = allow_delete = False
    list_display = (
        "__str__",
        "reopen_window_days",
        "callback_due_hours",
        "director_escalation_hours",
        "default_warn_ratio",
    )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        obj = ServiceSettings.get()
        return HttpResponseRedirect(reverse("admin:service_servicesettings_change", args=[obj.pk]))


class DistanceTierInline(RoleTabularInline):
    model = DistanceTier
    fields = ("max_km", "arrival_hours", "reply_hours")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(Configuration, HistoryModelAdmin):
    list_display = (
        "name",
        "fault_grade",
        "customer",
        "round_the_clock",
        "response_hours",
        "arrival_hours",
        "resolution_hours",
        "use_distance_rule",
        "is_active",
    )
    list_filter = ("fault_grade", "round_the_clock", "use_distance_rule", "is_active")
    list_select_related = ("customer",)
    search_fields = ("name", "customer__name")
    autocomplete_fields = ("customer",)
    inlines = (DistanceTierInline,)


@admin.register(PriceItem)
class PriceItemAdmin(Configuration, HistoryModelAdmin):
    list_display = ("code", "name", "kind", "unit", "unit_price", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("^code", "name")


class TransitionInline(RoleTabularInline):
    model = WorkOrderTransition
    fields = ("at", "action", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    can_delete = False
    tab = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnly:
    allow_add = allow_delete = False

    def may_edit(self, user: Any) -> bool:
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnly, HistoryModelAdmin):
    """Read-only: the order page and the transition service change orders."""

    list_display = (
        "number",
        "status",
        "order_type",
        "grade",
        "customer",
        "unit",
        "outlet",
        "received_at",
        "arrival_due",
        "page_link",
    )
    list_filter = (
        "status",
        "order_type",
        "fault_grade",
        "channel",
        "warranty_decision",
        ("received_at", RangeDateTimeFilter),
        "outlet",
    )
    list_select_related = ("customer", "unit__model", "outlet")
    search_fields = ("=number", "=unit__serial", "=serial_text")
    list_per_page = 25
    ordering = ("-received_at", "-id")
    inlines = (TransitionInline,)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "status",
                    "order_type",
                    "channel",
                    "customer",
                    "unit",
                    "serial_text",
                    "product_model",
                    "reporter_name",
                    "contact_mobile",
                    "fault_description",
                    "fault_code",
                    "fault_grade",
                    "fault_date",
                    "required_skill",
                    "site_region",
                    "site_address",
                )
            },
        ),
        (
            _("三包与派工"),
            {
                "fields": (
                    "warranty_decision",
                    "warranty_reason",
                    "exclusion_suspected",
                    "duplicate_of",
                    "outlet",
                    "technicians",
                    "leader",
                )
            },
        ),
        (
            _("时效"),
            {
                "fields": (
                    "sla_policy",
                    "distance_km",
                    "response_due",
                    "arrival_due",
                    "resolution_due",
                    "received_at",
                    "responded_at",
                    "dispatched_at",
                    "first_arrived_at",
                    "resolved_at",
                    "closed_at",
                    "visit_count",
                    "reopen_count",
                    "created_by",
                )
            },
        ),
    )

    def may_view(self, user: Any) -> bool:
        return roles.has_role(user, *roles.BACK_OFFICE)

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs & work_orders_for_user(request.user)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if roles.sees_personal_data(request.user):
            return fieldsets
        # PIPL: roles that do not need them see the mobile and the address masked.
        swap = {"contact_mobile": "masked_mobile", "site_address": "masked_address"}
        return [
            (name, {**opts, "fields": tuple(swap.get(f, f) for f in opts["fields"])})
            for name, opts in fieldsets
        ]

    @admin.display(description=_("联系电话"))
    def masked_mobile(self, obj: WorkOrder) -> str:
        return mask_phone(obj.contact_mobile)

    @admin.display(description=_("现场地址"))
    def masked_address(self, obj: WorkOrder) -> str:
        return mask_address(obj.site_address)

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        if not roles.sees_company_wide(request.user):
            # Outlet-bound users see one outlet: a filter over every outlet would only leak names.
            filters.remove("outlet")
        return filters

    @admin.display(description=_("等级"), ordering="fault_grade")
    def grade(self, obj: WorkOrder) -> str:
        return obj.fault_grade

    @admin.display(description=_("工单页面"))
    def page_link(self, obj: WorkOrder) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("service:order_detail", args=[obj.pk]), _("打开")
        )


@admin.register(WorkOrderTransition)
class WorkOrderTransitionAdmin(ReadOnly, RoleModelAdmin):
    list_display = ("order", "action", "from_status", "to_status", "actor", "at")
    list_filter = ("action", "to_status")
    list_select_related = ("order", "actor")
    search_fields = ("=order__number",)
    ordering = ("-at", "-id")

    def may_view(self, user: Any) -> bool:
        return roles.has_role(user, *roles.BACK_OFFICE)

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs.filter(order__in=work_orders_for_user(request.user).values("pk"))


@admin.register(SlaEvent)
class SlaEventAdmin(ReadOnly, RoleModelAdmin):
    list_display = ("order", "target", "kind", "due_at", "at", "notified")
    list_filter = ("target", "kind")
    list_select_related = ("order", "notified")
    search_fields = ("=order__number",)
    ordering = ("-at",)

    def may_view(self, user: Any) -> bool:
        return roles.has_role(user, *roles.BACK_OFFICE)

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs.filter(order__in=work_orders_for_user(request.user).values("pk"))
