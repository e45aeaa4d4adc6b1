"""Users in the back office: roles and departments; passwords through unfold's user forms."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from aftersales.core.admin_site import HistoryModelAdmin, RoleModelAdmin

from . import roles
from .models import User
from .services import separation_problem


class _SeparationMixin:
    """S10: refuse a supervisor in the service department, or supervision staff in a service
    role, with the reason on the role field."""

    def clean(self) -> Any:
        data = super().clean()  # type: ignore[misc]
        role = data.get("role", getattr(self.instance, "role", ""))  # type: ignore[attr-defined]
        department = data.get(
            "department",
            getattr(self.instance, "department", ""),  # type: ignore[attr-defined]
        )
        problem = separation_problem(role=role or "", department=department or "")
        if problem:
            self.add_error("role", problem)  # type: ignore[attr-defined]
        return data


class SeparatedUserChangeForm(_SeparationMixin, UserChangeForm):
    pass


class SeparatedUserCreationForm(_SeparationMixin, UserCreationForm):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin, HistoryModelAdmin):
    form = SeparatedUserChangeForm
    add_form = SeparatedUserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ("username", "display_name", "role", "department", "mobile", "is_active")
    list_filter = ("role", "department", "is_active", "is_staff")
    search_fields = ("=username", "last_name", "first_name", "=mobile", "email")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("last_name", "first_name", "mobile", "email")}),
        (_("角色"), {"fields": ("role", "department")}),
        (
            _("权限"),
            {"fields": ("is_active", "is_staff", "is_superuser"), "classes": ["collapse"]},
        ),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", "department", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    @admin.display(description=_("姓名"))
    def display_name(self, obj: User) -> str:
        return obj.display_name

    def may_view(self, user: Any) -> bool:
        return roles.has_role(user, roles.Role.ADMIN, roles.Role.SERVICE_DIRECTOR, roles.Role.HR)

    def may_edit(self, user: Any) -> bool:
        return roles.is_admin(user)

    def get_queryset(self, request: Any) -> Any:
        qs = super().get_queryset(request)
        # An administrator role manages people, never a superuser: otherwise it could change a
        # superuser's password (Django's password view asks has_change_permission) and take over.
        return qs if request.user.is_superuser else qs.filter(is_superuser=False)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser makes superusers; an administrator manages roles.
            fields.append("is_superuser")
        return fields


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, RoleModelAdmin):
    """Access follows the user's role; groups exist only for Django's own permission table."""

    def may_view(self, user: Any) -> bool:
        return roles.is_admin(user)

    def may_edit(self, user: Any) -> bool:
        return roles.is_admin(user)
