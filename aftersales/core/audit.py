"""The log of personal-data exports (PIPL, S20). Every export that carries customers' or staff's
names, phone numbers or addresses calls `export_logged` with the rows it hands out."""

from __future__ import annotations

from typing import Any

from .models import ExportLog


def export_logged(
    *, actor: Any, what: str, label: Any, fmt: str, rows: int, masked: bool
) -> ExportLog:
    """Record one export. `actor` None is the command line (an operator on the server)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return ExportLog.objects.create(
        actor=user, what=what, label=str(label)[:100], fmt=fmt, rows=rows, masked=masked
    )
