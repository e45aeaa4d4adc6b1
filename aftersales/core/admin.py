"""The business calendar in the back office: administrators add a year when the State Council
publishes it, starting from Monday–Friday rows that they then adjust (holidays, 调休)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.decorators import action
from unfold.widgets import UnfoldAdminIntegerFieldWidget

from .admin_site import RoleModelAdmin
from .calendar import missing_calendar_years
from .models import BackgroundJob, BusinessDay, ExportLog


def _is_admin(user: Any) -> bool:
    from aftersales.accounts.roles import is_admin  # core imports no app at load time

    return is_admin(user)


def _back_office(user: Any) -> bool:
    from aftersales.accounts.roles import BACK_OFFICE, has_role

    return has_role(user, *BACK_OFFICE)


@transaction.atomic
def business_days_add_year(*, year: int) -> int:
    """Create a row for every day of `year` that has none: Monday–Friday work, weekends off.
    Existing rows (an administrator's edits) are kept. Returns the number of rows created."""
    existing = set(BusinessDay.objects.filter(date__year=year).values_list("date", flat=True))
    day, rows = date(year, 1, 1), []
    while day.year == year:
        if day not in existing:
            rows.append(BusinessDay(date=day, is_workday=day.weekday() < 5, name=""))
        day += timedelta(days=1)
    BusinessDay.objects.bulk_create(rows, batch_size=500)
    return len(rows)


WEEKDAYS = [
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
]


class AddYearForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("年份"),
        min_value=2000,
        max_value=2100,
        widget=UnfoldAdminIntegerFieldWidget,
    )


class YearFilter(admin.SimpleListFilter):
    title = gettext_lazy("年份")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = BusinessDay.objects.dates("date", "year")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(date__year=self.value()) if self.value() else queryset


@admin.register(BusinessDay)
class BusinessDayAdmin(RoleModelAdmin):
    list_display = ("date", "weekday", "is_workday", "name")
    list_editable = ("is_workday", "name")
    list_filter = (YearFilter, "is_workday")
    search_fields = ("name",)
    ordering = ("date",)
    list_per_page = 100
    actions_list = ["add_year"]

    def may_view(self, user: Any) -> bool:
        return _back_office(user)

    def may_edit(self, user: Any) -> bool:
        return _is_admin(user)

    @admin.display(description=gettext_lazy("星期"))
    def weekday(self, obj: BusinessDay) -> str:
        return str(WEEKDAYS[obj.date.weekday()])

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        missing = missing_calendar_years()
        if missing and request.method == "GET":
            messages.warning(
                request,
                _(
                    "业务日历缺少 %(years)s 年的数据，目前按周一至周五计算时效。"
                    "请按国务院公布的安排补充。"
                )
                % {"years": "、".join(str(y) for y in missing)},
            )
        return super().changelist_view(request, extra_context)

    def has_add_year_permission(self, request: HttpRequest) -> bool:
        return self.may_edit(request.user)

    @action(
        description=gettext_lazy("添加年度"),
        url_path="add-year",
        icon="calendar_add_on",
        permissions=["add_year"],
    )
    def add_year(self, request: HttpRequest) -> HttpResponse:
        form = AddYearForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
        if request.method == "POST" and form.is_valid():
            year = form.cleaned_data["year"]
            created = business_days_add_year(year=year)
            messages.success(
                request,
                _(
                    "已为 %(year)s 年添加 %(n)s 天（周一至周五为工作日），"
                    "请逐一调整节假日和调休上班日。"
                )
                % {"year": year, "n": created},
            )
            url = reverse("admin:core_businessday_changelist")
            return HttpResponseRedirect(f"{url}?year={year}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("添加年度业务日历"),
            "form": form,
        }
        return TemplateResponse(request, "admin/core/businessday/add_year.html", context)


class _AdminsReadOnly(RoleModelAdmin):
    """Records the system writes (jobs, export logs): administrators read them, nobody adds,
    edits or deletes one here."""

    allow_add = allow_delete = False

    def may_view(self, user: Any) -> bool:
        return _is_admin(user)

    def may_edit(self, user: Any) -> bool:
        return False


@admin.register(BackgroundJob)
class BackgroundJobAdmin(_AdminsReadOnly):
    """Administrators look here for jobs that failed or hang; the jobs themselves are started
    from the pages that need them, never from the admin."""

    list_display = ("pk", "kind", "status", "done", "total", "created_by", "created_at", "error")
    list_filter = ("status", "kind")
    list_select_related = ("created_by",)
    readonly_fields = [f.name for f in BackgroundJob._meta.fields]
    ordering = ("-created_at", "-id")
    show_full_result_count = False


@admin.register(ExportLog)
class ExportLogAdmin(_AdminsReadOnly):
    """Who took personal data out of the system (PIPL): administrators read it; nobody edits or
    deletes a line."""

    list_display = ("at", "actor", "label", "fmt", "rows", "masked")
    list_filter = ("what", "masked")
    list_select_related = ("actor",)
    search_fields = ("actor__username", "label")
    readonly_fields = [f.name for f in ExportLog._meta.fields]
    ordering = ("-at", "-id")
    date_hierarchy = "at"
