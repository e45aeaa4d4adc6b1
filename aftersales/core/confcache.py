"""Per-process caches of configuration tables (SLA policies, the business calendar, message
templates), safe across processes.

Configuration is read on every intake but edited rarely, by an administrator. A cache in one
gunicorn worker cannot hear about an edit made through another worker, so every cached value is
tagged with a *stamp*: a random number kept in one database row (`core_counter`, prefix "CFG",
year 0 — the counter table already exists, so no migration) and replaced in the same transaction
as every change to a watched table (`watch()` connects `post_save`/`post_delete`/`m2m_changed`).
A reader compares the stamp (one indexed single-row SELECT) with the one its cached value was
loaded under and reloads when they differ; the change and the new stamp commit together, so no
reader can see one without the other. The stamp is random rather than incremented so that a
rolled-back change (tests roll back every test) can never repeat a stamp a cache still holds.

Writes that send no signals (`bulk_create`, `QuerySet.update()`, raw SQL) must call `bump()`
themselves. Caches keep only what they found: a missing row (a year with no calendar rows) is
looked up again next time, so a bulk insert of new rows is seen without a bump.

`scope()` reads the stamp once for a block (one request's intake) instead of once per look-up;
the block's first query can even carry it as an extra column (`stamp_sql()` + `offer()`).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

_PREFIX = "CFG"  # reserved in core_counter; numbering never uses a year 0
_YEAR = 0
_scoped: ContextVar[int | None] = ContextVar("confcache_stamp", default=None)


def _read() -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT value FROM core_counter WHERE prefix = %s AND year = %s", [_PREFIX, _YEAR]
        )
        row = cur.fetchone()
    return int(row[0]) if row else 0


_PENDING = -1  # inside a scope, not read yet


def stamp() -> int:
    """The current configuration stamp (0 before any watched change was ever made)."""
    scoped = _scoped.get()
    if scoped is None:
        return _read()
    if scoped == _PENDING:
        scoped = _read()
        _scoped.set(scoped)
    return scoped


def stamp_sql() -> RawSQL:
    """The stamp as a column of another query (NULL before any change: pass it to `offer` as
    is), so that a request can read it without a statement of its own."""
    return RawSQL(
        "SELECT value FROM core_counter WHERE prefix = %s AND year = %s", [_PREFIX, _YEAR]
    )


def offer(value: int | None) -> None:
    """Inside a scope whose stamp has not been read yet, use this one (read by the caller's
    own query through `stamp_sql()`, before any cached value was used)."""
    if _scoped.get() == _PENDING:
        _scoped.set(int(value or 0))


@contextmanager
def scope() -> Iterator[None]:
    """Read the stamp at most once for the block (at the first look-up, or from `offer`);
    look-ups inside it reuse it. Nested scopes share the outer one. Use it around work that does
    not itself change configuration."""
    if _scoped.get() is not None:
        yield
        return
    token = _scoped.set(_PENDING)
    try:
        yield
    finally:
        _scoped.reset(token)


def bump() -> None:
    """Give configuration a new stamp, in the caller's transaction (or committed at once in
    autocommit). Every process reloads its cached configuration at its next look-up."""
    _scoped.set(None)  # a change inside a scope ends the scope's memo for this context
    value = random.randint(1, 2**31 - 2)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE core_counter SET value = %s WHERE prefix = %s AND year = %s",
            [value, _PREFIX, _YEAR],
        )
        if cur.rowcount:
            return
    try:
        # A savepoint: on PostgreSQL a failed INSERT would otherwise abort the transaction.
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "INSERT INTO core_counter (prefix, year, value) VALUES (%s, %s, %s)",
                [_PREFIX, _YEAR, value],
            )
    except IntegrityError:  # created meanwhile by another transaction: set it instead
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE core_counter SET value = %s WHERE prefix = %s AND year = %s",
                [value, _PREFIX, _YEAR],
            )


def _changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata: the fixture's own rows, nothing cached can depend on it yet
        return
    action = kwargs.get("action")
    if action is not None and not action.startswith("post_"):
        return  # m2m_changed: only after the change
    bump()


def watch(*models: Any) -> None:
    """Bump the stamp whenever a row of one of `models` (classes or "app.Model" labels, or an
    m2m through model) is saved or deleted. Receivers that only invalidate a cache: that is why
    they are signals rather than calls in services (admin edits, imports and seeding all save
    through the ORM)."""
    for model in models:
        uid = f"confcache:{model if isinstance(model, str) else model._meta.label}"
        post_save.connect(_changed, sender=model, weak=False, dispatch_uid=uid + ":save")
        post_delete.connect(_changed, sender=model, weak=False, dispatch_uid=uid + ":delete")
        if not isinstance(model, str) and model._meta.auto_created:
            m2m_changed.connect(_changed, sender=model, weak=False, dispatch_uid=uid + ":m2m")


class Cached(Generic[T]):
    """One value loaded by `loader`, reloaded when the stamp changes. Thread-safe enough for
    gunicorn's threads: two threads may both load; the last one wins, and both values are right
    for the stamp they were loaded under."""

    def __init__(self, loader: Callable[[], T]) -> None:
        self._loader = loader
        self._entry: tuple[int, T] | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        current = stamp()
        entry = self._entry
        if entry is not None and entry[0] == current:
            return entry[1]
        value = self._loader()
        with self._lock:
            self._entry = (current, value)
        return value

    def clear(self) -> None:
        self._entry = None


class CachedMap(Generic[T]):
    """Values per key, each loaded on first use under the current stamp; all dropped when the
    stamp changes. A loader returning None is not cached (the row may appear later)."""

    def __init__(self, loader: Callable[[Any], T | None]) -> None:
        self._loader = loader
        self._stamp: int | None = None
        self._values: dict[Any, T] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> T | None:
        current = stamp()
        with self._lock:
            if self._stamp != current:
                self._values = {}
                self._stamp = current
            values = self._values
        if key in values:
            return values[key]
        value = self._loader(key)
        if value is not None:
            with self._lock:
                if self._stamp == current:
                    self._values[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._values = {}
            self._stamp = None
