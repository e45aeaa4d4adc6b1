"""Explicit hooks for apps to the right of `service` (DESIGN: dependencies point one way).

`supervision` registers a callable on `on_order_closed` in its AppConfig.ready(); the
transition service runs the registered callables on commit of the closing transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Hook:
    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[..., Any]] = []

    def register(self, func: Callable[..., Any]) -> None:
        if func not in self._callbacks:
            self._callbacks.append(func)

    def fire(self, **kwargs: Any) -> None:
        for func in list(self._callbacks):
            func(**kwargs)


on_order_closed = Hook("work order closed")
