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


class Collector:
    """Callables whose results are gathered in registration order (lists are flattened).
    Unlike `Hook`, these run inside the request or transaction that asks: they contribute
    content, they do not react to an event."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[..., Any]] = []

    def register(self, func: Callable[..., Any]) -> None:
        if func not in self._callbacks:
            self._callbacks.append(func)

    def collect(self, **kwargs: Any) -> list[Any]:
        results: list[Any] = []
        for func in list(self._callbacks):
            value = func(**kwargs)
            if isinstance(value, list):
                results.extend(value)
            elif value is not None:
                results.append(value)
        return results


# Lines an app adds to the content of a service report: `(report) -> list[dict[str, str]]` with
# keys kind, code, name, quantity, amount, note. They go into the content hash taken at signing
# and are printed on the report page and its PDF (`parts` adds the parts fitted).
report_lines = Collector("service report content lines")
# Amounts an app bills on a paid report beyond the price-list lines: `(report) -> Decimal`;
# `report_update` adds them to `charge_total` (`parts` bills out-of-warranty parts).
report_extra_charges = Collector("service report extra charges")
# Panels shown on the technician's job and report pages:
# `(request, order, report, page) -> str` (safe HTML; page is "job" or "report").
field_panels = Collector("technician page panels")
# Panels shown on the back-office order page (`order_detail`):
# `(request, order) -> str` (safe HTML, or "" when the user may not see anything).
order_panels = Collector("order page panels")
