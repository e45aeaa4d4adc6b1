"""The KPI dashboard (统计分析, S13) and its drill-down.

The dashboard shows the period's KPIs for the whole (tiles, each with its target, whether it is
met and its definition), the KPI table for one cut (outlet, region, model, technician,
customer) and the charts; every figure links to the drill-down, the list of the records it
counts. A fixed number of aggregate queries whatever the number of orders or groups."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from aftersales.core.charts import PALETTE, bars_svg, lines_svg
from aftersales.core.dates import as_date

from . import kpis
from .models import KpiSettings
from .selectors import (
    CUTS,
    DRILLDOWN,
    Period,
    breaches_by_target,
    complaints_by_type,
    drilldown,
    kpis_for_user,
    kpis_with_whole,
    monthly_trend,
    page_of,
    period_for,
    sees_kpis,
    top_faults,
)

CUT_LABELS = {
    "outlet": gettext_lazy("服务网点"),
    "region": gettext_lazy("地区"),
    "model": gettext_lazy("产品型号"),
    "technician": gettext_lazy("服务工程师"),
    "customer": gettext_lazy("客户"),
}
PRESETS = {
    "month": gettext_lazy("本月"),
    "quarter": gettext_lazy("本季度"),
    "year": gettext_lazy("本年"),
}
# Which drill-down each KPI's figure opens (numerator list, denominator list).
KPI_LINKS: dict[str, tuple[str, str]] = {
    "timeliness": ("timely", "closed"),
    "satisfaction": ("unsatisfied", "feedback"),
    "complaint_rate": ("complaints", "closed"),
    "response_hours": ("responded", "responded"),
    "arrival_hours": ("arrived", "arrived"),
    "resolution_hours": ("resolved", "resolved"),
    "first_time_fix": ("first_time_fix", "closed"),
    "reopen_rate": ("reopened", "closed"),
    "cost_per_job": ("costed", "costed"),
    "parts_cost_per_job": ("costed", "costed"),
    "labour_cost_per_job": ("costed", "costed"),
    "travel_cost_per_job": ("costed", "costed"),
    "parts_fill": ("requisitions_unfilled", "requisitions"),
    "survey_response": ("survey_unanswered", "survey_sent"),
}
# The columns of the cut table (the cost breakdown stays on the tiles and in the API).
TABLE_KPIS = (
    "timeliness",
    "satisfaction",
    "complaint_rate",
    "first_time_fix",
    "reopen_rate",
    "response_hours",
    "arrival_hours",
    "resolution_hours",
    "cost_per_job",
    "parts_fill",
    "survey_response",
)


def request_period(request: HttpRequest) -> tuple[Period, str]:
    preset = request.GET.get("preset", "")
    preset = preset if preset in PRESETS else ""
    period = period_for(
        date_from=as_date(request.GET.get("from")),
        date_to=as_date(request.GET.get("to")),
        preset=preset,
        today=timezone.localdate(),
    )
    return period, preset


def _figures(value: kpis.KpiValue, period: Period, cuts: dict[str, str]) -> dict[str, Any]:
    numerator_kpi, denominator_kpi = KPI_LINKS[value.name]
    unit = value.spec.unit
    if unit == "percent":
        numerator: Any = value.numerator
    elif unit == "hours":
        numerator = f"{float(value.numerator):.1f}"
    else:
        numerator = f"{value.numerator}"
    if value.name == "satisfaction":
        # The figure counts items; its lists are of orders (one counted form per order).
        numerator = value.numerator
    return {
        "kpi": value,
        "name": value.name,
        "label": value.spec.label,
        "definition": value.spec.definition,
        "shown": kpis.shown(value),
        "target": kpis.shown_target(value),
        "met": value.met,
        "numerator": numerator,
        "denominator": value.denominator,
        "numerator_url": drill_url(numerator_kpi, period, cuts),
        "denominator_url": drill_url(denominator_kpi, period, cuts),
        "url": drill_url(denominator_kpi, period, cuts),
    }


def drill_url(kpi: str, period: Period, cuts: dict[str, str]) -> str:
    params = {
        "kpi": kpi,
        "from": f"{period.date_from:%Y-%m-%d}",
        "to": f"{period.date_to:%Y-%m-%d}",
    }
    params.update({k: v for k, v in cuts.items() if v not in (None, "")})
    return f"{reverse('reports:orders')}?{urlencode(params)}"


def _cut_value(key: Any) -> str:
    return "none" if key is None else str(key)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not sees_kpis(user):
        raise PermissionDenied
    period, preset = request_period(request)
    cut = request.GET.get("cut", "outlet")
    cut = cut if cut in CUTS else "outlet"
    settings = KpiSettings.get()

    # The outlet ranking is always drawn: the whole comes from the outlets' figures.
    whole, by_outlet = kpis_with_whole(user, period, cut="outlet", settings=settings)
    tiles = [_figures(v, period, {}) for v in whole.values]
    extra = {
        "forms": whole.counts.forms,
        "unsatisfied_forms": whole.counts.unsatisfied_forms,
        "feedback_url": drill_url("feedback", period, {}),
        "unsatisfied_url": drill_url("unsatisfied", period, {}),
        "breached": whole.counts.breached,
        "breached_url": drill_url("breached", period, {}),
        "not_ftf": whole.counts.closed - whole.counts.first_time_fix,
        "not_ftf_url": drill_url("not_first_time_fix", period, {}),
    }

    rows = by_outlet if cut == "outlet" else kpis_for_user(user, period, cut=cut, settings=settings)
    table = []
    for row in rows:
        cuts = {cut: _cut_value(row.key)}
        table.append(
            {
                "label": row.label or _("未指定"),
                "closed": row.counts.closed,
                "closed_url": drill_url("closed", period, cuts),
                "cells": [_figures(row.value(name), period, cuts) for name in TABLE_KPIS],
            }
        )

    charts: dict[str, str | None] = {}
    trend = monthly_trend(user, last=period.date_to, satisfied=settings.satisfied)
    if any(m["timeliness"] is not None or m["satisfaction"] is not None for m in trend):
        charts["trend"] = lines_svg(
            categories=[m["month"] for m in trend],
            series=[
                (str(kpis.BY_NAME["timeliness"].label), [m["timeliness"] for m in trend]),
                (str(kpis.BY_NAME["satisfaction"].label), [m["satisfaction"] for m in trend]),
            ],
            targets=[
                float(settings.timeliness_target) if settings.timeliness_target else None,
                float(settings.satisfaction_target) if settings.satisfaction_target else None,
            ],
            label=_("近12个月服务及时率与客户满意度"),
        )
    ranking = [
        (r.label or _("未指定"), r.value("timeliness").value)
        for r in by_outlet
        if r.value("timeliness").value is not None
    ]
    ranking.sort(key=lambda pair: -float(pair[1] or 0))
    if ranking:
        charts["ranking"] = bars_svg(
            categories=[name for name, _v in ranking],
            values=[round(float(v or 0), 1) for _n, v in ranking],
            label=_("各网点服务及时率排名（%）"),
        )
    faults = top_faults(user, period)
    if faults:
        charts["faults"] = bars_svg(
            categories=[f["label"] for f in faults],
            values=[f["n"] for f in faults],
            label=_("高频故障（按关闭工单数）"),
            colour=PALETTE[1],
        )
    breaches = breaches_by_target(user, period)
    if any(b["n"] for b in breaches):
        charts["breaches"] = bars_svg(
            categories=[str(b["label"]) for b in breaches],
            values=[b["n"] for b in breaches],
            label=_("时效超时（按时限）"),
            colour=PALETTE[4],
        )
    complaint_types = complaints_by_type(user, period)
    if any(c["n"] for c in complaint_types):
        charts["complaints"] = bars_svg(
            categories=[str(c["label"]) for c in complaint_types],
            values=[c["n"] for c in complaint_types],
            label=_("期内受理投诉（按类型）"),
            colour=PALETTE[3],
        )
    return render(
        request,
        "reports/dashboard.html",
        {
            "period": period,
            "preset": preset,
            "presets": PRESETS.items(),
            "cut": cut,
            "cut_label": CUT_LABELS[cut],
            "cuts": CUT_LABELS.items(),
            "tiles": tiles,
            "extra": extra,
            "closed": whole.counts.closed,
            "closed_url": drill_url("closed", period, {}),
            "table_heads": [kpis.BY_NAME[name] for name in TABLE_KPIS],
            "table": table,
            "charts": charts,
            "faults": faults,
            "breaches": breaches,
            "complaint_types": complaint_types,
            "satisfied_grades": "".join(settings.satisfied),
        },
    )


DRILL_TITLES = {
    "closed": gettext_lazy("期内关闭的工单"),
    "timely": gettext_lazy("未超时的关闭工单"),
    "breached": gettext_lazy("发生时效超时的关闭工单"),
    "first_time_fix": gettext_lazy("一次修复的工单"),
    "not_first_time_fix": gettext_lazy("未能一次修复的工单"),
    "reopened": gettext_lazy("重开过的工单"),
    "responded": gettext_lazy("有响应时间的关闭工单"),
    "arrived": gettext_lazy("有到场时间的关闭工单"),
    "resolved": gettext_lazy("有解决时间的关闭工单"),
    "costed": gettext_lazy("已核算成本的关闭工单"),
    "feedback": gettext_lazy("有计入考核意见反馈表的关闭工单"),
    "unsatisfied": gettext_lazy("意见反馈表有不满意项的工单"),
    "complaints": gettext_lazy("有效的服务责任投诉"),
    "survey_sent": gettext_lazy("期内发出的调查邀请"),
    "survey_unanswered": gettext_lazy("未回答的调查邀请"),
    "requisitions": gettext_lazy("期内为工单申请的领料单"),
    "requisitions_unfilled": gettext_lazy("未发料的领料单"),
}


@login_required
@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    """The records behind one figure, 25 a page, newest first."""
    user = request.user
    if not sees_kpis(user):
        raise PermissionDenied
    kpi = request.GET.get("kpi", "closed")
    if kpi not in DRILLDOWN:
        raise Http404
    period, _preset = request_period(request)
    cuts = {cut: request.GET.get(cut, "").strip() for cut in CUTS}
    for value in cuts.values():
        if value and value != "none" and not value.isdigit():
            raise Http404
    kind, qs = drilldown(user, period, kpi, cuts)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    rows, more = page_of(qs, page)
    params = {k: v for k, v in request.GET.items() if k != "page"}
    return render(
        request,
        "reports/orders.html",
        {
            "title": DRILL_TITLES[kpi],
            "kind": kind,
            "rows": rows,
            "page": page,
            "more": more,
            "query": urlencode(params),
            "period": period,
            "dashboard_url": f"{reverse('reports:dashboard')}?"
            + urlencode(
                {"from": f"{period.date_from:%Y-%m-%d}", "to": f"{period.date_to:%Y-%m-%d}"}
            ),
            "first_number": (page - 1) * 25,
        },
    )
