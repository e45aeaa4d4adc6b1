"""REST plumbing shared by every app: errors for people and a paginator that never counts."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ServiceError


def _flatten(errors: Any) -> str:
    if isinstance(errors, dict):
        return "；".join(_flatten(v) for v in errors.values())
    if isinstance(errors, list | tuple):
        return "；".join(_flatten(v) for v in errors)
    return str(errors)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every refusal has one shape: `detail` (a sentence for people), `code`, and for bad input
    `errors` mapping each field to its message — whether the serializer or a service refused."""
    if isinstance(exc, ServiceError):
        body: dict[str, Any] = {"detail": str(exc.message), "code": exc.code}
        if exc.field:
            body["field"] = exc.field
        if exc.details:
            body.update(exc.details)
        if exc.field and "errors" not in body:
            body["errors"] = {exc.field: str(exc.message)}
        return Response(body, status=exc.status)
    if isinstance(exc, serializers.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            errors = {str(k): _flatten(v) for k, v in detail.items()}
        else:
            errors = {api_settings.NON_FIELD_ERRORS_KEY: _flatten(detail)}
        return Response(
            {
                "detail": _("提交的数据有误，请按提示修改后重新提交"),
                "code": "invalid",
                "errors": errors,
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)


class FastPagination(BasePagination):
    """Page-number pagination that fetches one row more than the page instead of counting:
    a COUNT(*) over a million orders on every page is what makes helpdesk lists slow."""

    page_size = 25
    max_page_size = 200
    page_query_param = "page"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):  # type: ignore[override]
        try:
            self.page = max(1, int(request.query_params.get(self.page_query_param, 1)))
        except (TypeError, ValueError):
            raise Http404(_("页码无效")) from None
        try:
            size = int(request.query_params.get(self.page_size_query_param, self.page_size))
        except (TypeError, ValueError):
            size = self.page_size
        self.size = max(1, min(size, self.max_page_size))
        offset = (self.page - 1) * self.size
        rows = list(queryset[offset : offset + self.size + 1])
        self.has_next = len(rows) > self.size
        self.request = request
        return rows[: self.size]

    def get_paginated_response(self, data):  # type: ignore[override]
        url = self.request.build_absolute_uri()
        next_url = (
            replace_query_param(url, self.page_query_param, self.page + 1)
            if self.has_next
            else None
        )
        if self.page > 2:
            prev_url = replace_query_param(url, self.page_query_param, self.page - 1)
        elif self.page == 2:
            prev_url = remove_query_param(url, self.page_query_param)
        else:
            prev_url = None
        return Response(
            {"next": next_url, "previous": prev_url, "page": self.page, "results": data}
        )

    def get_paginated_response_schema(self, schema):  # type: ignore[override]
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "page": {"type": "integer"},
                "results": schema,
            },
        }


def created(data: Any) -> Response:
    return Response(data, status=status.HTTP_201_CREATED)
