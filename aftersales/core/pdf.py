"""HTML → PDF with WeasyPrint and the WenQuanYi CJK font. The URL fetcher only reads our own
static files: a report must never make the server fetch a URL someone typed into a field."""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


def _static_only_fetcher(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    from weasyprint.urls import default_url_fetcher

    prefix = "static:"
    if url.startswith(prefix):
        path = finders.find(url[len(prefix) :])
        if path:
            return default_url_fetcher("file://" + str(path))
    if url.startswith("data:"):
        return default_url_fetcher(url)
    raise ValueError(f"refusing to fetch {url!r} while rendering a PDF")


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_static_only_fetcher, base_url="static:").write_pdf()
