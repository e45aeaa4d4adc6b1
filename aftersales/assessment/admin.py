"""The assessment's configuration for HR and the administrators. Results are not edited here:
they change only through the services (compute, approve, correct) and are frozen once approved."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.core.admin_site import HistoryModelAdmin

from .models import AssessmentSettings, ComplaintPenaltyTier, PayGrade, PaySettings
from .selectors import sees_all_assessments


class Configuration:
    def may_view(self, user: Any) -> bool:
        return sees_all_assessments(user)

    def may_edit(self, user: Any) -> bool:
        # HR applies rewards and penalties (S10); the assessed director only reads the rules.
        return roles.has_role(user, Role.HR, Role.ADMIN)


@admin.register(AssessmentSettings)
class AssessmentSettingsAdmin(Configuration, HistoryModelAdmin):
    allow_add = allow_delete = False
    list_display = (
        "__str__",
        "reward",
        "penalty",
        "acceptable_complaints",
        "sanction_threshold",
        "per_outlet",
    )
    fieldsets = (
        (None, {"fields": ("points_a", "points_b", "points_c", "points_d", "points_e")}),
        (None, {"fields": ("reward", "penalty", "extra_reward", "extra_penalty")}),
        (None, {"fields": ("acceptable_complaints", "sanction_threshold", "per_outlet")}),
    )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        obj = AssessmentSettings.get()
        return HttpResponseRedirect(
            reverse("admin:assessment_assessmentsettings_change", args=[obj.pk])
        )


@admin.register(ComplaintPenaltyTier)
class ComplaintPenaltyTierAdmin(Configuration, HistoryModelAdmin):
    list_display = ("min_count", "amount")
    ordering = ("min_count",)


@admin.register(PaySettings)
class PaySettingsAdmin(Configuration, HistoryModelAdmin):
    allow_add = allow_delete = False
    list_display = ("__str__", "unassessed_coefficient")

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        obj = PaySettings.get()
        return HttpResponseRedirect(reverse("admin:assessment_paysettings_change", args=[obj.pk]))


@admin.register(PayGrade)
class PayGradeAdmin(Configuration, HistoryModelAdmin):
    list_display = ("name", "min_score", "coefficient")
    ordering = ("-min_score",)
