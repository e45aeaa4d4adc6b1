"""The readiness report (S15) as a PDF: the score, the level, the table per category and the
gaps ranked by points lost. Every figure is HTML text, so `pdftotext` (and a screen reader)
reads it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from aftersales.core.pdf import render_pdf

from . import selectors
from .models import SelfAssessment


def report_context(assessment: SelfAssessment) -> dict[str, Any]:
    view = selectors.overview(assessment)
    result = view.result
    return {
        "a": assessment,
        "view": view,
        "result": result,
        "score_text": selectors.fmt(result.score),
        "base_text": selectors.fmt(result.base),
        "applicable_text": selectors.fmt(result.applicable_points),
        "earned_text": selectors.fmt(result.earned),
        "thresholds": view.thresholds,
        "categories": [
            {
                "category": g.category,
                "applicable": selectors.fmt(g.total.applicable_points) if g.total else "0",
                "earned": selectors.fmt(g.total.earned) if g.total else "0",
                "percent": g.total.percent if g.total else None,
            }
            for g in view.categories
        ],
        "printed_at": timezone.localtime(),
    }


def readiness_pdf(assessment: SelfAssessment) -> bytes:
    return render_pdf("certification/report_pdf.html", report_context(assessment))


def filename(assessment: SelfAssessment) -> str:
    return f"gbt27922-self-assessment-{assessment.pk}.pdf"
