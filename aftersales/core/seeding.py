"""Seed data registry: each app registers an idempotent function that writes the SPEC's
defaults. `seed_defaults()` runs them all; it runs after every migrate and in tests that flush."""

from __future__ import annotations

from collections.abc import Callable

_SEEDERS: list[tuple[int, Callable[[], object]]] = []


def register_seeder(func: Callable[[], object], *, order: int = 100) -> None:
    if all(f is not func for _, f in _SEEDERS):
        _SEEDERS.append((order, func))


def seed_defaults() -> None:
    for _, func in sorted(_SEEDERS, key=lambda pair: pair[0]):
        func()
