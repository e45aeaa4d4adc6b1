"""A fixed-window counter in Django's cache, for the public (no login) QR form."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client writes. Behind a reverse proxy,
    # configure it to set REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips with a proxy fix).
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(scope: str, ident: str, *, limit: int, window_seconds: int = 3600) -> bool:
    """Count one request of `ident` in the current window; False once over `limit`."""
    bucket = int(time.time() // window_seconds)
    key = f"throttle:{scope}:{ident}:{bucket}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit
