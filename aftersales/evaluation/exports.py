"""A project's weights and results as PDF (figures as HTML text, so `pdftotext` reads them; the
chart is the page's SVG) and as an Excel workbook (safe cells: names never run as formulas)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.charts import grouped_bars_svg
from aftersales.core.excel import xlsx_workbook_bytes
from aftersales.core.pdf import render_pdf

from .selectors import Summary


def comparison_chart(summary: Summary) -> str | None:
    """The subjects side by side: a group per criterion and one for the overall score."""
    scored = [r for r in summary.results if r.overall is not None]
    if not scored:
        return None
    categories = [c.node.name for c in summary.criteria] + [_("综合得分")]
    series = [
        (
            r.subject.name,
            [round(r.criteria.get(c.node.pk) or 0.0, 2) for c in summary.criteria]
            + [round(r.overall or 0.0, 2)],
        )
        for r in scored
    ]
    # Scores are 0–100: a little room after 100 for the value written at the bar's end.
    return grouped_bars_svg(
        categories=categories, series=series, label=_("评价对象得分对比"), xmax=105
    )


def _r(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(float(value), places)


def pdf_bytes(summary: Summary, *, chart: str | None) -> bytes:
    return render_pdf(
        "evaluation/pdf.html",
        {"s": summary, "project": summary.project, "chart": chart, "printed_at": timezone.now()},
    )


def xlsx_bytes(summary: Summary) -> bytes:
    weights: list[list[Any]] = []
    for c in summary.criteria:
        for row in c.indicators:
            weights.append(
                [
                    c.node.name,
                    _r(c.node.local_weight),
                    row.node.name,
                    _r(row.node.local_weight),
                    _r(row.global_weight),
                    row.node.get_weight_source_display(),
                ]
            )
    indicators = summary.indicators
    results: list[list[Any]] = []
    for r in summary.results:
        results.append(
            [
                r.subject.name,
                r.subject.get_kind_display(),
                _r(r.overall, 2),
                r.band_label,
                "、".join(node.name for node, _score, _band in r.improve),
                *[_r(r.means.get(i.pk), 2) for i in indicators],
            ]
        )
    return xlsx_workbook_bytes(
        [
            (
                _("权重"),
                [_("准则"), _("准则权重"), _("指标"), _("局部权重"), _("全局权重"), _("来源")],
                weights,
            ),
            (
                _("评价结果"),
                [
                    _("评价对象"),
                    _("类型"),
                    _("综合得分"),
                    _("满意度"),
                    _("需改进的指标"),
                    *[i.name for i in indicators],
                ],
                results,
            ),
        ]
    )
