"""HTML → PDF with WeasyPrint and the WenQuanYi CJK font. The URL fetcher only reads our own
static files and inline `data:` URIs: a report must never make the server fetch a URL someone
typed into a field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


def _allowed_url(url: str) -> str:
    prefix = "static:"
    if url.startswith(prefix):
        path = finders.find(url[len(prefix) :])
        if path:
            return Path(str(path)).resolve().as_uri()
    if url.startswith("data:"):
        return url
    raise ValueError(f"refusing to fetch {url!r} while rendering a PDF")


def _static_only_fetcher() -> Any:
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint ≥ 68: fetchers are URLFetcher subclasses

        class StaticOnlyFetcher(urls.URLFetcher):
            def fetch(self, url: str, headers: Any = None) -> Any:
                return super().fetch(_allowed_url(url), headers)

        return StaticOnlyFetcher()

    def fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return urls.default_url_fetcher(_allowed_url(url))

    return fetch


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_static_only_fetcher(), base_url="static:").write_pdf()
