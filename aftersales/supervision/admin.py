from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from aftersales.accounts import roles
from aftersales.core.admin_site import RoleModelAdmin
from aftersales.service.selectors import work_orders_for_user

from .models import Callback


@admin.register(Callback)
class CallbackAdmin(RoleModelAdmin):
    """Read-only here: callbacks are completed on the callback page (a service records who)."""

    allow_add = allow_delete = False
    list_display = ("order", "status", "due_at", "done_at", "done_by")
    list_filter = ("status",)
    list_select_related = ("order", "done_by")
    search_fields = ("=order__number",)
    date_hierarchy = "due_at"

    def may_view(self, user: Any) -> bool:
        return roles.has_role(
            user, roles.Role.SUPERVISOR, roles.Role.SERVICE_DIRECTOR, roles.Role.ADMIN
        )

    def may_edit(self, user: Any) -> bool:
        return False

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs.filter(order__in=work_orders_for_user(request.user).values("pk"))
