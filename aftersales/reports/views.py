"""The directors' overview (监督总览): one month of supervision and complaint handling at a
glance — callbacks due and overdue, the survey response rate, how customers graded the
service, open and overdue complaints, mystery inspection scores — each figure linking to the
list behind it. Every block is one aggregate query through its app's selectors."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.complaints.selectors import complaint_summary
from aftersales.core.charts import GRADE_COLOURS, bars_svg, stacked_bars_svg
from aftersales.core.dates import month_of, next_month, previous_month, start_of_day
from aftersales.supervision.models import Grade
from aftersales.supervision.selectors import (
    FEEDBACK_ITEMS,
    callback_summary,
    feedback_grade_counts,
    mystery_summary,
    survey_rate_between,
)


def sees_overview(user: Any) -> bool:
    return roles.has_role(user, Role.SERVICE_DIRECTOR, Role.SUPERVISOR, Role.ADMIN)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not sees_overview(user):
        raise PermissionDenied
    today = timezone.localdate()
    first = month_of(request.GET.get("month"), default=today)
    after = next_month(first)
    start, end, now = start_of_day(first), start_of_day(after), timezone.now()

    counts = feedback_grade_counts(user, start=start, end=end)
    grades = [g for g, _label in Grade.choices]
    items: list[dict[str, Any]] = []
    for item, label in FEEDBACK_ITEMS:
        row = counts[item]
        total = sum(row)
        items.append(
            {
                "label": label,
                "counts": row,
                "total": total,
                # Satisfied = graded A or B (the SPEC S13 default definition).
                "satisfied": _share(row[0] + row[1], total),
            }
        )
    grade_chart = None
    if any(i["total"] for i in items):
        grade_chart = stacked_bars_svg(
            categories=[str(i["label"]) for i in items],
            series=[(g, [i["counts"][n] for i in items]) for n, g in enumerate(grades)],
            colours=GRADE_COLOURS,
            label=_("意见反馈表评分分布"),
            as_share=True,
        )
    complaints = complaint_summary(user, start=start, end=end, now=now)
    step_chart = None
    if complaints["open"]:
        step_chart = bars_svg(
            categories=[str(s["label"]) for s in complaints["by_step"]],
            values=[s["n"] for s in complaints["by_step"]],
            label=_("未关闭投诉所处步骤"),
        )
    return render(
        request,
        "reports/overview.html",
        {
            "month": first,
            "month_value": f"{first:%Y-%m}",
            "previous": f"{previous_month(first):%Y-%m}",
            "next": f"{after:%Y-%m}" if after <= today else None,
            "callbacks": callback_summary(user, start=start, end=end, now=now),
            "survey": survey_rate_between(user, start=start, end=end),
            "grades": grades,
            "items": items,
            "grade_chart": grade_chart,
            "complaints": complaints,
            "step_chart": step_chart,
            "mystery": mystery_summary(user, start=first, end=after),
        },
    )
