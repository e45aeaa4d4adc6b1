"""The cost of a job: parts (from the parts app), labour and travel (from the service report and
the rates in `CostSettings`), with a record of how each figure was reached."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.service.models import PriceItem, WorkOrder

from .allocation import job_cost_formula
from .models import CostSettings, RateSource

ZERO = Decimal("0.00")


def parts_cost(order: WorkOrder) -> dict[str, Any]:
    """Parts used on the job, from `parts.selectors.job_parts_cost` (quality may import parts;
    parts never imports quality). Without the parts app the job has no parts cost."""
    try:
        from aftersales.parts.selectors import job_parts_cost  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return {"parts": ZERO, "lines": [], "available": False}
    result = dict(job_parts_cost(order))
    result.setdefault("lines", [])
    result["parts"] = Decimal(result.get("parts") or 0)
    result["available"] = True
    return result


def old_parts(order: WorkOrder) -> list[dict[str, Any]]:
    """Old parts brought back from the job: the evidence of a supplier claim."""
    try:
        from aftersales.parts.selectors import old_parts_for_order  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return []
    return [_jsonable(row) for row in old_parts_for_order(order)]


def _jsonable(row: Any) -> Any:
    if isinstance(row, dict):
        return {str(k): _jsonable(v) for k, v in row.items()}
    if isinstance(row, list | tuple):
        return [_jsonable(v) for v in row]
    if isinstance(row, str | int | float | bool) or row is None:
        return row
    if isinstance(row, datetime):
        # Stored as text in the claim's evidence: in local time, as people read it.
        return timezone.localtime(row).strftime("%Y-%m-%d %H:%M")
    return str(row)


@dataclass
class JobCostBreakdown:
    parts: Decimal
    labour: Decimal
    travel: Decimal
    labour_hours: Decimal
    labour_rate: Decimal
    labour_rate_source: str
    travel_km: Decimal
    travel_rate: Decimal
    travel_rate_source: str
    parts_lines: list[dict[str, Any]] = field(default_factory=list)
    parts_available: bool = True

    @property
    def total(self) -> Decimal:
        return self.parts + self.labour + self.travel

    def as_detail(self) -> dict[str, Any]:
        """JSON for the frozen record: enough to show later how the cost was computed."""
        return {
            "parts": str(self.parts),
            "labour": str(self.labour),
            "travel": str(self.travel),
            "total": str(self.total),
            "labour_hours": str(self.labour_hours),
            "labour_rate": str(self.labour_rate),
            "labour_rate_source": self.labour_rate_source,
            "travel_km": str(self.travel_km),
            "travel_rate": str(self.travel_rate),
            "travel_rate_source": self.travel_rate_source,
            "parts_available": self.parts_available,
            "parts_lines": [_jsonable(line) for line in self.parts_lines],
        }


def _rate(source: str, code: str, internal: Decimal) -> tuple[Decimal, str]:
    if source == RateSource.PRICE_LIST:
        item = PriceItem.objects.filter(code=code, is_active=True).first()
        if item is not None:
            return item.unit_price, _("价目表 %(code)s（%(name)s）") % {
                "code": item.code,
                "name": item.name,
            }
        return internal, _("内部费率（价目 %(code)s 不存在或已停用）") % {"code": code}
    return internal, _("内部费率")


def job_cost(order: WorkOrder) -> JobCostBreakdown:
    conf = CostSettings.get()
    report = order.report
    hours = report.labour_hours if report else ZERO
    km = report.travel_km if report else ZERO
    labour_rate, labour_src = _rate(
        conf.labour_source, conf.labour_price_code, conf.internal_labour_rate
    )
    travel_rate, travel_src = _rate(
        conf.travel_source, conf.travel_price_code, conf.internal_travel_rate
    )
    parts = parts_cost(order)
    figures = job_cost_formula(
        parts=parts["parts"],
        labour_hours=hours,
        labour_rate=labour_rate,
        travel_km=km,
        travel_rate=travel_rate,
    )
    return JobCostBreakdown(
        parts=figures.parts,
        labour=figures.labour,
        travel=figures.travel,
        labour_hours=hours,
        labour_rate=labour_rate,
        labour_rate_source=str(labour_src),
        travel_km=km,
        travel_rate=travel_rate,
        travel_rate_source=str(travel_src),
        parts_lines=list(parts["lines"]),
        parts_available=bool(parts["available"]),
    )
