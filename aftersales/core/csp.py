"""Content-Security-Policy: strict everywhere, relaxed only for the admin.

Our own pages load scripts from our static files and have no inline script, so they get
`script-src 'self'`. unfold's admin needs Alpine's `'unsafe-eval'` and inline handlers; that
relaxation is confined to /admin/ instead of weakening the public QR form and the portal too."""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest
from django.http.response import HttpResponseBase

ADMIN_PREFIX = "/admin/"


class AftersalesCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path.startswith(ADMIN_PREFIX) and parts.update is None:
            parts.update = {"script-src": ["'unsafe-eval'", "'unsafe-inline'"]}
        return parts
