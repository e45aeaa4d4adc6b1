"""The periodic reports of S13 as documents: the monthly and quarterly summaries, the half-year
and annual analysis reports and the weekly quality-information meeting pack, each a Chinese PDF
(WeasyPrint, charts as SVG) and an Excel workbook with the same figures.

A document is built by a background job (`core.jobs`, kind `report_document`): a year of data
takes longer than a request should, and the user watches the progress bar and downloads both
files from the job's page. The figures are read through the selectors as the user who asked,
so a document never shows more than that user's pages would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.complaints.models import ImprovementMeasure
from aftersales.complaints.selectors import complaint_summary, complaints_for_user
from aftersales.core.charts import GRADE_COLOURS, bars_svg, lines_svg, stacked_bars_svg
from aftersales.core.dates import next_month, start_of_day
from aftersales.core.errors import PermissionDenied, ValidationFailed
from aftersales.core.excel import xlsx_workbook_bytes
from aftersales.core.jobs import job_attach, job_start
from aftersales.core.models import BackgroundJob
from aftersales.core.pdf import render_pdf
from aftersales.supervision.models import Grade
from aftersales.supervision.selectors import (
    FEEDBACK_ITEMS,
    callback_summary,
    feedback_grade_counts,
    survey_rate_between,
)

from . import kpis
from .models import KpiSettings
from .selectors import Period as KpiPeriod
from .selectors import breaches_by_target, kpis_with_whole, monthly_trend, top_faults

DOCUMENT_JOB = "report_document"

KINDS: dict[str, Any] = {
    "weekly": gettext_lazy("质量信息周报（周例会材料）"),
    "monthly": gettext_lazy("月度总结"),
    "quarterly": gettext_lazy("季度总结"),
    "half_year": gettext_lazy("半年分析报告"),
    "annual": gettext_lazy("年度分析报告"),
}


def sees_documents(user: Any) -> bool:
    return roles.has_role(
        user, Role.SERVICE_DIRECTOR, Role.SUPERVISOR, Role.QUALITY_ENGINEER, Role.ADMIN
    )


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # first day
    end: date  # the day after the last

    @property
    def label(self) -> str:
        last = self.end - timedelta(days=1)
        if self.kind == "weekly":
            return _("%(a)s 至 %(b)s") % {"a": f"{self.start:%Y-%m-%d}", "b": f"{last:%Y-%m-%d}"}
        if self.kind == "monthly":
            return _("%(y)s 年 %(m)s 月") % {"y": self.start.year, "m": self.start.month}
        if self.kind == "quarterly":
            return _("%(y)s 年第 %(q)s 季度") % {
                "y": self.start.year,
                "q": (self.start.month - 1) // 3 + 1,
            }
        if self.kind == "half_year":
            return (_("%(y)s 年上半年") if self.start.month == 1 else _("%(y)s 年下半年")) % {
                "y": self.start.year
            }
        return _("%(y)s 年") % {"y": self.start.year}


def period_for(kind: str, day: date) -> Period:
    """The period of `kind` that contains `day` (a week runs Monday to Sunday)."""
    if kind not in KINDS:
        raise ValidationFailed(_("请选择报表类型"), field="kind")
    if kind == "weekly":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=7))
    months = {"monthly": 1, "quarterly": 3, "half_year": 6, "annual": 12}[kind]
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    end = start
    for _i in range(months):
        end = next_month(end)
    return Period(kind, start, end)


# --- the figures ------------------------------------------------------------------------------


def document_data(user: Any, period: Period, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything a document shows, as plain values (the PDF and the workbook both read it)."""
    now = now or timezone.now()
    start, end = start_of_day(period.start), start_of_day(period.end)
    grades = [g for g, _label in Grade.choices]
    counts = feedback_grade_counts(user, start=start, end=end)
    items = []
    for item, label in FEEDBACK_ITEMS:
        row = counts[item]
        total = sum(row)
        items.append(
            {
                "label": str(label),
                "counts": row,
                "total": total,
                "satisfied": round(100 * (row[0] + row[1]) / total, 1) if total else None,
            }
        )
    complaints = complaint_summary(user, start=start, end=end, now=now)
    data: dict[str, Any] = {
        "kind": period.kind,
        "title": str(KINDS[period.kind]),
        "period": period.label,
        "start": period.start,
        "last": period.end - timedelta(days=1),
        "printed_at": timezone.localtime(now),
        "callbacks": callback_summary(user, start=start, end=end, now=now),
        "survey": survey_rate_between(user, start=start, end=end),
        "grades": grades,
        "items": items,
        "complaints": {
            **complaints,
            "by_type": [{**t, "label": str(t["label"])} for t in complaints["by_type"]],
            "by_step": [{**s, "label": str(s["label"])} for s in complaints["by_step"]],
        },
    }
    data.update(_kpi_sections(user, period))
    if period.kind == "weekly":
        data.update(_weekly_lists(user, start=start, end=end, now=now))
    return data


def _kpi_sections(user: Any, period: Period) -> dict[str, Any]:
    """The KPIs as the dashboard shows them for the same dates (value, target, met, the
    counts and the definition), per outlet beyond the week, the top faults and SLA breaches."""
    window = KpiPeriod(period.start, period.end - timedelta(days=1))
    settings = KpiSettings.get()

    def figures(values: list[kpis.KpiValue]) -> list[dict[str, Any]]:
        return [
            {
                "name": v.name,
                "label": str(v.spec.label),
                "definition": str(v.spec.definition),
                "shown": kpis.shown(v),
                "target": kpis.shown_target(v),
                "met": v.met,
                # Hours and money are totals behind a mean: one decimal is enough to check it.
                "numerator": round(v.numerator, 1)
                if isinstance(v.numerator, float)
                else v.numerator,
                "denominator": v.denominator,
            }
            for v in values
        ]

    whole, by_outlet = kpis_with_whole(user, window, cut="outlet", settings=settings)
    sections: dict[str, Any] = {
        "kpis": figures(whole.values),
        "top_faults": top_faults(user, window),
        "breaches": [{**b, "label": str(b["label"])} for b in breaches_by_target(user, window)],
        "outlets": [],
    }
    if period.kind in ("quarterly", "half_year", "annual"):
        # The analysis reports follow the figures month by month through the period.
        months = {"quarterly": 3, "half_year": 6, "annual": 12}[period.kind]
        sections["trend"] = [
            {**m, "first": m["first"].isoformat()}
            for m in monthly_trend(
                user, last=window.date_to, months=months, satisfied=settings.satisfied
            )
        ]
        sections["trend_labels"] = [
            str(kpis.BY_NAME["timeliness"].label),
            str(kpis.BY_NAME["satisfaction"].label),
        ]
        sections["trend_targets"] = [
            float(settings.timeliness_target) if settings.timeliness_target else None,
            float(settings.satisfaction_target) if settings.satisfaction_target else None,
        ]
    if period.kind != "weekly":
        headline = ("timeliness", "satisfaction", "complaint_rate", "first_time_fix")
        sections["outlet_columns"] = [str(kpis.BY_NAME[n].label) for n in headline]
        sections["outlets"] = [
            {
                "label": row.label or _("未指定"),
                "closed": row.counts.closed,
                "values": [kpis.shown(row.value(n)) for n in headline],
            }
            for row in by_outlet
        ]
    return sections


def _weekly_lists(user: Any, *, start: datetime, end: datetime, now: datetime) -> dict[str, Any]:
    """The meeting pack's lists: the week's new complaints, those overdue now, and the
    improvement measures of step 8 that are still due (completion is tracked with CAPA, S16)."""
    visible = complaints_for_user(user)

    def rows(qs: Any) -> list[dict[str, Any]]:
        return [
            {
                "number": c.number,
                "type": str(c.get_type_display()),
                "status": str(c.get_status_display()),
                "received": timezone.localtime(c.received_at),
                "deadline": timezone.localtime(c.deadline),
                "description": c.description[:80],
                "recurring": c.is_recurring,
            }
            for c in qs
        ]

    new = visible.filter(received_at__gte=start, received_at__lt=end).order_by("received_at")
    overdue = visible.filter(closed_at__isnull=True, deadline__lt=now).order_by("deadline")
    measures = (
        ImprovementMeasure.objects.filter(complaint__in=visible.values("pk"))
        .filter(due_date__gte=timezone.localtime(now).date())
        .select_related("complaint")
        .order_by("due_date", "pk")
    )
    return {
        "new_complaints": rows(new[:200]),
        "overdue_complaints": rows(overdue[:200]),
        "measures": [
            {
                "number": m.complaint.number,
                "measure": m.measure,
                "department": m.department,
                "due": m.due_date,
            }
            for m in measures[:200]
        ],
    }


def document_charts(data: dict[str, Any]) -> dict[str, str]:
    charts: dict[str, str] = {}
    if any(i["total"] for i in data["items"]):
        charts["grades"] = stacked_bars_svg(
            categories=[i["label"] for i in data["items"]],
            series=[
                (g, [i["counts"][n] for i in data["items"]]) for n, g in enumerate(data["grades"])
            ],
            colours=GRADE_COLOURS,
            label=_("意见反馈表评分分布"),
            as_share=True,
        )
    trend = data.get("trend") or []
    if any(m["timeliness"] is not None or m["satisfaction"] is not None for m in trend):
        charts["trend"] = lines_svg(
            categories=[m["month"] for m in trend],
            series=[
                (str(kpis.BY_NAME["timeliness"].label), [m["timeliness"] for m in trend]),
                (str(kpis.BY_NAME["satisfaction"].label), [m["satisfaction"] for m in trend]),
            ],
            targets=data["trend_targets"],
            label=_("逐月趋势"),
        )
    if data["top_faults"]:
        charts["faults"] = bars_svg(
            categories=[f["label"] for f in data["top_faults"]],
            values=[f["n"] for f in data["top_faults"]],
            label=_("故障排行"),
        )
    if any(t["n"] for t in data["complaints"]["by_type"]):
        charts["complaints"] = bars_svg(
            categories=[t["label"] for t in data["complaints"]["by_type"]],
            values=[t["n"] for t in data["complaints"]["by_type"]],
            label=_("投诉（按类型）"),
        )
    return charts


def document_pdf(data: dict[str, Any]) -> bytes:
    return render_pdf("reports/document_pdf.html", {"d": data, "charts": document_charts(data)})


def document_xlsx(data: dict[str, Any]) -> bytes:
    c, s = data["callbacks"], data["survey"]
    summary = [
        (_("报表"), data["title"]),
        (_("期间"), data["period"]),
        (_("逾期未回访"), c["overdue"]),
        (_("待回访"), c["open"]),
        (_("期间已回访"), c["done"]),
        (_("其中超时"), c["late"]),
        (_("调查已发送"), s["sent"]),
        (_("调查已回答"), s["answered"]),
        (_("调查回复率（%）"), s["rate"] if s["rate"] is not None else ""),
        (_("期间受理投诉"), data["complaints"]["received"]),
        (_("判定无效"), data["complaints"]["invalid"]),
        (_("未关闭投诉"), data["complaints"]["open"]),
        (_("逾期投诉"), data["complaints"]["overdue"]),
    ]
    sheets: list[tuple[str, list[Any], list[list[Any]]]] = [
        (_("概要"), [_("项目"), _("数值")], [[str(k), v] for k, v in summary]),
        (
            _("关键指标"),
            [_("指标"), _("数值"), _("目标"), _("达标"), _("分子"), _("分母"), _("定义")],
            [
                [
                    k["label"],
                    k["shown"],
                    k["target"],
                    "" if k["met"] is None else (_("是") if k["met"] else _("否")),
                    float(k["numerator"]),
                    k["denominator"],
                    k["definition"],
                ]
                for k in data["kpis"]
            ],
        ),
        (
            _("意见反馈表评分"),
            [_("项目"), *data["grades"], _("合计"), _("满意率（A+B，%）")],
            [
                [i["label"], *i["counts"], i["total"], i["satisfied"] if i["satisfied"] else ""]
                for i in data["items"]
            ],
        ),
        (
            _("投诉"),
            [_("类型"), _("件数")],
            [[t["label"], t["n"]] for t in data["complaints"]["by_type"]],
        ),
        (
            _("故障排行"),
            [_("故障"), _("工单数")],
            [[f["label"], f["n"]] for f in data["top_faults"]],
        ),
        (_("超时"), [_("时限"), _("次数")], [[b["label"], b["n"]] for b in data["breaches"]]),
    ]
    if data.get("trend"):
        sheets.append(
            (
                _("逐月趋势"),
                [
                    _("月份"),
                    str(kpis.BY_NAME["timeliness"].label),
                    str(kpis.BY_NAME["satisfaction"].label),
                ],
                [
                    [
                        m["month"],
                        "" if m["timeliness"] is None else round(m["timeliness"], 1),
                        "" if m["satisfaction"] is None else round(m["satisfaction"], 1),
                    ]
                    for m in data["trend"]
                ],
            )
        )
    if data["outlets"]:
        sheets.append(
            (
                _("各服务站"),
                [_("服务站"), _("关闭工单"), *data["outlet_columns"]],
                [[o["label"], o["closed"], *o["values"]] for o in data["outlets"]],
            )
        )
    if data["kind"] == "weekly":
        head = [_("投诉编号"), _("类型"), _("步骤"), _("受理时间"), _("处理时限"), _("内容")]

        def lines(key: str) -> list[list[Any]]:
            return [
                [
                    r["number"],
                    r["type"],
                    r["status"],
                    f"{r['received']:%Y-%m-%d %H:%M}",
                    f"{r['deadline']:%Y-%m-%d %H:%M}",
                    r["description"],
                ]
                for r in data[key]
            ]

        sheets += [
            (_("本周新投诉"), head, lines("new_complaints")),
            (_("逾期投诉"), head, lines("overdue_complaints")),
            (
                _("待完成的改进措施"),
                [_("投诉编号"), _("改进措施"), _("责任部门"), _("完成期限")],
                [
                    [m["number"], m["measure"], m["department"], f"{m['due']:%Y-%m-%d}"]
                    for m in data["measures"]
                ],
            ),
        ]
    return xlsx_workbook_bytes([(str(t), [str(h) for h in hs], rows) for t, hs, rows in sheets])


# --- the job ----------------------------------------------------------------------------------


def report_document_start(
    *, actor: Any, kind: str, day: date, return_url: str = ""
) -> BackgroundJob:
    """Ask for a document; refused at once for a user who may not read the figures, an
    unknown kind or a period that has not started yet."""
    if not sees_documents(actor):
        raise PermissionDenied(_("您的角色不能生成统计报表"))
    period = period_for(kind, day)
    if period.start > timezone.localdate():
        raise ValidationFailed(_("该期间尚未开始"), field="day")
    return job_start(
        kind=DOCUMENT_JOB,
        actor=actor,
        params={"kind": kind, "day": period.start.isoformat()},
        return_url=return_url,
    )


def report_document_run(job: BackgroundJob, report: Any) -> dict[str, Any]:
    period = period_for(job.params["kind"], date.fromisoformat(job.params["day"]))
    report(0, 3)
    data = document_data(job.created_by, period)
    report(1)
    stem = f"{period.kind}-{period.start:%Y%m%d}"
    job_attach(job, name=f"{stem}.pdf", content=document_pdf(data), content_type="application/pdf")
    report(2)
    job_attach(
        job,
        name=f"{stem}.xlsx",
        content=document_xlsx(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    report(3)
    return {"kind": period.kind, "day": period.start.isoformat()}


def report_document_summary(result: dict[str, Any]) -> str:
    kind = result.get("kind", "")
    if kind not in KINDS or not result.get("day"):
        return ""
    period = period_for(kind, date.fromisoformat(result["day"]))
    return _("%(title)s（%(period)s）已生成") % {"title": KINDS[kind], "period": period.label}
