from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.accounts import roles
from aftersales.core.admin_site import RoleModelAdmin

from .models import KpiSettings


@admin.register(KpiSettings)
class KpiSettingsAdmin(RoleModelAdmin):
    """The one row of KPI targets: the dashboard's readers may look, the service director and
    administrators set the targets (they answer for them)."""

    allow_add = allow_delete = False
    list_display = (
        "__str__",
        "timeliness_target",
        "satisfaction_target",
        "satisfied_grades",
        "complaint_rate_target",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "timeliness_target",
                    "satisfaction_target",
                    "satisfied_grades",
                    "complaint_rate_target",
                )
            },
        ),
        (
            _("其他指标目标（可选）"),
            {
                "fields": (
                    "first_time_fix_target",
                    "reopen_rate_target",
                    "parts_fill_target",
                    "survey_response_target",
                    "response_hours_target",
                    "arrival_hours_target",
                    "resolution_hours_target",
                    "cost_per_job_target",
                )
            },
        ),
    )

    def may_view(self, user: Any) -> bool:
        return roles.has_role(
            user,
            roles.Role.SERVICE_DIRECTOR,
            roles.Role.SUPERVISOR,
            roles.Role.QUALITY_ENGINEER,
            roles.Role.ADMIN,
        )

    def may_edit(self, user: Any) -> bool:
        return roles.has_role(user, roles.Role.SERVICE_DIRECTOR, roles.Role.ADMIN)
