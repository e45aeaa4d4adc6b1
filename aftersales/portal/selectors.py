"""Reads of the public pages. The QR token is the capability: whoever holds the printed code
may report a fault for that unit, and sees only what is on the plate (masked owner)."""

from __future__ import annotations

from django.http import Http404

from aftersales.products.models import Unit


def get_unit_by_qr_token(token: str) -> Unit:
    unit = (
        Unit.objects.select_related("model", "customer")
        .filter(qr_token=token)
        .exclude(status=Unit.Status.SCRAPPED)
        .first()
    )
    if unit is None:
        raise Http404
    return unit


def mask_name(name: str) -> str:
    """北京公交集团 → 北京**集团: enough to recognise one's own unit, not to learn the owner."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*"
    if len(name) <= 3:
        return name[0] + "*" * (len(name) - 1)
    return name[:2] + "*" * max(len(name) - 4, 1) + name[-2:]
