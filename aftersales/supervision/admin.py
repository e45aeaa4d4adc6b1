from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from aftersales.accounts import roles
from aftersales.core.admin_site import RoleModelAdmin, RoleTabularInline
from aftersales.service.selectors import work_orders_for_user

from .models import (
    Callback,
    CustomerVisit,
    FeedbackForm,
    Suggestion,
    SupervisionSettings,
    SurveyForm,
    SurveyInvitation,
    SurveyQuestion,
)
from .selectors import sees_supervision


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


@admin.register(FeedbackForm)
class FeedbackFormAdmin(RoleModelAdmin):
    """Read-only: forms come from callbacks and surveys; verification is on the callback page."""

    allow_add = allow_delete = False
    list_display = (
        "order",
        "source",
        "timeliness",
        "quality",
        "attitude",
        "counted",
        "verified",
        "created_at",
    )
    list_filter = ("source", "counted", "verified")
    list_select_related = ("order",)
    search_fields = ("=order__number",)
    show_full_result_count = False

    def may_view(self, user: Any) -> bool:
        return sees_supervision(user)

    def may_edit(self, user: Any) -> bool:
        return False

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs.filter(order__in=work_orders_for_user(request.user).values("pk"))


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(RoleModelAdmin):
    allow_add = allow_delete = False
    list_display = ("order", "created_at", "expires_at", "used_at")
    list_select_related = ("order",)
    search_fields = ("=order__number",)
    exclude = ("token_hash",)
    show_full_result_count = False

    def may_view(self, user: Any) -> bool:
        return sees_supervision(user)

    def may_edit(self, user: Any) -> bool:
        return False

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs.filter(order__in=work_orders_for_user(request.user).values("pk"))


@admin.register(SupervisionSettings)
class SupervisionSettingsAdmin(RoleModelAdmin):
    allow_add = allow_delete = False
    list_display = ("__str__", "survey_valid_days", "survey_per_hour")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Naming the head decides who learns the inspectors' identities: an administrator's call,
        # never a supervisor's own.
        if roles.is_admin(request.user):
            return ()
        return ("head",)

    def may_view(self, user: Any) -> bool:
        return roles.has_role(user, roles.Role.SUPERVISOR, roles.Role.ADMIN)

    def may_edit(self, user: Any) -> bool:
        return roles.has_role(user, roles.Role.SUPERVISOR, roles.Role.ADMIN)


@admin.register(CustomerVisit)
class CustomerVisitAdmin(RoleModelAdmin):
    """Read-only: visits are planned and recorded on the visits page (a service records who)."""

    allow_add = allow_delete = False
    list_display = ("planned_date", "kind", "customer", "status", "created_by")
    list_filter = ("kind", "status")
    list_select_related = ("customer", "created_by")

    def may_view(self, user: Any) -> bool:
        return sees_supervision(user)

    def may_edit(self, user: Any) -> bool:
        return False


@admin.register(Suggestion)
class SuggestionAdmin(RoleModelAdmin):
    """Read-only: suggestions come from the public page and the supervision page."""

    allow_add = allow_delete = False
    list_display = ("received_at", "channel", "__str__", "entered_by")
    list_filter = ("channel",)
    list_select_related = ("entered_by",)

    def may_view(self, user: Any) -> bool:
        return sees_supervision(user)

    def may_edit(self, user: Any) -> bool:
        return False


class SurveyQuestionInline(RoleTabularInline):
    model = SurveyQuestion
    extra = 1
    fields = ("position", "text", "text_en", "kind", "required")


@admin.register(SurveyForm)
class SurveyFormAdmin(RoleModelAdmin):
    """Supervision configures its survey forms here (S11); answers keep the questions they
    answered, so a question with answers cannot be deleted (PROTECT), only reworded."""

    allow_delete = False
    list_display = ("title", "kind", "active")
    list_filter = ("kind", "active")
    inlines = [SurveyQuestionInline]

    def may_view(self, user: Any) -> bool:
        return sees_supervision(user)

    def may_edit(self, user: Any) -> bool:
        return roles.has_role(user, roles.Role.SUPERVISOR, roles.Role.ADMIN)
