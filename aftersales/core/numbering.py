"""Readable numbers (WO-2026-000123) from a counter row per prefix and year."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
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


def next_number_early(prefix: str, *, year: int | None = None, width: int = 6) -> str:
    """`next_number` for a caller that is about to open its own transaction (intake): on
    PostgreSQL, outside any transaction, the number is taken in a short transaction of its own,
    so that the counter row of the year is locked for one statement instead of until the
    caller's commit — concurrent intakes no longer queue on it, nor on each other's commit flush.

    That little transaction commits without waiting for its WAL flush (`synchronous_commit =
    off`, for it alone): the caller's commit comes later in the WAL and flushes it too, so an
    order that is durable always has a durable number; after a crash before that the order does
    not exist and its number is at worst given out again. A caller whose own transaction then
    fails leaves a gap, which numbering allows.
    Inside a transaction, and on SQLite (one writer at a time anyway), this is `next_number`."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return next_number(prefix, year=year, width=width)
    year = year or timezone.localdate().year
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit TO OFF")
        return _take(prefix, year, width)


def _increment(prefix: str, year: int) -> int | None:
    """Add one to the counter and return the new value (None: no row yet). One statement with
    `UPDATE … RETURNING` where the database has it (PostgreSQL, SQLite ≥ 3.35), else two."""
    if connection.features.can_return_rows_from_bulk_insert:  # i.e. RETURNING is available
        table = connection.ops.quote_name(Counter._meta.db_table)
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {table} SET value = value + 1 WHERE prefix = %s AND year = %s "  # noqa: S608
                "RETURNING value",
                [prefix, year],
            )
            row = cur.fetchone()
        return int(row[0]) if row else None
    if not Counter.objects.filter(prefix=prefix, year=year).update(value=F("value") + 1):
        return None
    return Counter.objects.values_list("value", flat=True).get(prefix=prefix, year=year)


def _take(prefix: str, year: int, width: int) -> str:
    for _ in range(3):
        value = _increment(prefix, year)
        if value is not None:
            return f"{prefix}-{year}-{value:0{width}d}"
        try:
            # A savepoint: on PostgreSQL a failed INSERT would otherwise abort the transaction.
            with transaction.atomic():
                Counter.objects.create(prefix=prefix, year=year, value=1)
            return f"{prefix}-{year}-{1:0{width}d}"
        except IntegrityError:
            continue  # another transaction created the row first; take the UPDATE path
    raise RuntimeError("could not take a number")
