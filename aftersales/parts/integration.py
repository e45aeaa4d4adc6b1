"""What `parts` adds to the service report through `service.hooks` (registered in
PartsConfig.ready(); `service` never imports `parts`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from aftersales.accounts import roles
from aftersales.service.models import ServiceReport, WorkOrder

from . import selectors, services
from .models import PartUse


def report_lines(*, report: ServiceReport) -> list[dict[str, str]]:
    """The parts fitted, as content of the report: hashed at signing and printed."""
    rows = []
    for use in PartUse.objects.filter(report=report).select_related("part").order_by("at", "id"):
        rows.append(
            {
                "kind": "part",
                "code": use.part.code,
                "name": use.part.name,
                "quantity": str(use.quantity),
                "unit_price": str(use.unit_price),
                "amount": str(use.amount),
                "note": f"{use.reason}（{_('保内') if use.warranty else _('收费')}）",
                "billed": "" if use.warranty else "1",
            }
        )
    return rows


def report_extra_charges(*, report: ServiceReport) -> Decimal:
    return services.billed_parts_total(report)


def field_panel(*, request: Any, order: WorkOrder, report: ServiceReport | None, page: str) -> str:
    user = request.user
    field_user = roles.has_role(user, *services.FIELD_ROLES)
    signed = bool(report and report.is_signed)
    can_use = field_user and order.status in services._USE_STATUSES and not signed
    can_request = field_user and order.status in services._JOB_STATUSES and not signed
    context = {
        "order": order,
        "page": page,
        "uses": selectors.part_uses_for_order(order),
        "requisitions": list(
            selectors.requisitions_for_user(user).filter(order=order).order_by("created_at")
        ),
        "old_parts": selectors.old_parts_for_order(order),
        "can_use": can_use,
        "can_request": can_request,
        "signed": signed,
        "parts": list(selectors.parts_for_order(order)) if (can_use or can_request) else [],
        "next": request.get_full_path(),
    }
    return render_to_string("parts/_field_panel.html", context, request=request)
