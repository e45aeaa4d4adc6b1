"""Readable numbers (WO-2026-000123) from a counter row per prefix and year."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Counter


def next_number(prefix: str, *, year: int | None = None, width: int = 6) -> str:
    """Take the next number. The UPDATE holds the counter row's lock until the caller's
    transaction commits, so numbers are unique; call it last in the transaction to keep that
    lock short (gaps after a rollback are fine).

    The UPDATE and the read of the new value must share one transaction: in autocommit mode the
    lock would end with the UPDATE, and a second caller's increment could land before our read,
    giving both callers the same number."""
    year = year or timezone.localdate().year
    # savepoint=False: inside the caller's transaction (intake) this costs no extra statement.
    with transaction.atomic(savepoint=False):
        return _take(prefix, year, width)


def _take(prefix: str, year: int, width: int) -> str:
    for _ in range(3):
        updated = Counter.objects.filter(prefix=prefix, year=year).update(value=F("value") + 1)
        if updated:
            value = Counter.objects.values_list("value", flat=True).get(prefix=prefix, year=year)
            return f"{prefix}-{year}-{value:0{width}d}"
        try:
            # A savepoint: on PostgreSQL a failed INSERT would otherwise abort the transaction.
            with transaction.atomic():
                Counter.objects.create(prefix=prefix, year=year, value=1)
            return f"{prefix}-{year}-{1:0{width}d}"
        except IntegrityError:
            continue  # another transaction created the row first; take the UPDATE path
    raise RuntimeError("could not take a number")
