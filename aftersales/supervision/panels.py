"""Supervision's panel on the back-office order page (on `service.hooks.order_panels`)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from aftersales.service.models import WorkOrder

from .selectors import feedback_forms_for_user, sees_supervision


def order_feedback_panel(*, request: Any, order: WorkOrder) -> str:
    """The order's counted feedback form, for the users who may see supervision data."""
    if not sees_supervision(request.user):
        return ""
    form = (
        feedback_forms_for_user(request.user)
        .filter(order=order, counted=True)
        .select_related("verified_by")
        .first()
    )
    if form is None:
        return ""
    return render_to_string(
        "supervision/_order_feedback.html", {"order": order, "form": form}, request=request
    )
