from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aftersales.accounts import roles
from aftersales.accounts.services import separation_problem
from aftersales.core.admin_site import (
    HistoryModelAdmin,
    MasterDataMixin,
    RoleModelAdmin,
    RoleTabularInline,
)

from .models import Certificate, Outlet, Skill, Staff, Team
from .selectors import staff_visible_to


class StaffForm(forms.ModelForm):
    """S10: a member of the supervision department is never service staff of an outlet."""

    class Meta:
        model = Staff
        fields = (
            "user",
            "outlet",
            "employee_no",
            "skills",
            "is_service_manager_certified",
            "latitude",
            "longitude",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = data.get("user")
        if user is not None and data.get("outlet") is not None:
            problem = separation_problem(role=user.role, department=user.department, in_outlet=True)
            if problem:
                self.add_error("user", problem)
        return data


class MasterData:
    def may_view(self, user: Any) -> bool:
        return roles.has_role(user, *roles.BACK_OFFICE)

    def may_edit(self, user: Any) -> bool:
        return roles.can_edit_master_data(user)


@admin.register(Outlet)
class OutletAdmin(MasterData, MasterDataMixin, HistoryModelAdmin):
    import_kind = "outlets"
    list_display = ("code", "name", "kind", "service_radius_km", "phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("^code", "name")
    autocomplete_fields = ("regions",)


@admin.register(Skill)
class SkillAdmin(MasterData, RoleModelAdmin):
    list_display = ("code", "name")
    search_fields = ("^code", "name")


class CertificateInline(RoleTabularInline):
    model = Certificate
    fields = ("skill", "number", "issued_on", "valid_until", "validity")
    readonly_fields = ("validity",)

    @admin.display(description=_("状态"))
    def validity(self, obj: Certificate) -> str:
        if obj.pk is None:
            return ""
        today = timezone.localdate()
        if obj.valid_until < today:
            return format_html('<span class="text-red-600 font-semibold">{}</span>', _("已过期"))
        if (obj.valid_until - today).days <= 60:
            return format_html('<span class="text-orange-600">{}</span>', _("即将到期"))
        return str(_("有效"))


@admin.register(Staff)
class StaffAdmin(MasterData, MasterDataMixin, HistoryModelAdmin):
    import_kind = "staff"
    form = StaffForm
    list_display = (
        "employee_no",
        "user",
        "role",
        "outlet",
        "is_service_manager_certified",
        "is_active",
    )
    list_filter = ("outlet", "is_active", "is_service_manager_certified", "user__role")
    list_select_related = ("user", "outlet")
    search_fields = ("=employee_no", "=user__username", "user__last_name", "user__first_name")
    autocomplete_fields = ("user", "outlet")
    filter_horizontal = ("skills",)
    inlines = (CertificateInline,)

    @admin.display(description=_("角色"), ordering="user__role")
    def role(self, obj: Staff) -> str:
        return obj.user.get_role_display()

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs & staff_visible_to(request.user)


@admin.register(Team)
class TeamAdmin(MasterData, RoleModelAdmin):
    list_display = ("name", "outlet", "leader")
    list_filter = ("outlet",)
    list_select_related = ("outlet", "leader__user")
    search_fields = ("name",)
    autocomplete_fields = ("outlet", "leader", "members")

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs.filter(leader__in=staff_visible_to(request.user))
