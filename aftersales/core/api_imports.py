"""`POST /api/v1/imports/<kind>/` (multipart `file`): master-data import, all rows or none.
`GET /api/v1/imports/<kind>/template/?fmt=xlsx|csv`: the empty template with the headers."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .errors import PermissionDenied, ValidationFailed
from .importing import get_importer, import_master_data, template_file

_ROW_ERROR_FIELDS: dict[str, serializers.Field] = {
    "row": serializers.IntegerField(),
    "column": serializers.CharField(),
    "message": serializers.CharField(),
}
_RowErrorSerializer = inline_serializer(
    "ImportRowError", _ROW_ERROR_FIELDS, many=True, required=False
)
_ResultSerializer = inline_serializer(
    "ImportResult",
    {
        "kind": serializers.CharField(),
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "errors": _RowErrorSerializer,
    },
)
_FailureSerializer = inline_serializer(
    "ImportFailure",
    {
        "detail": serializers.CharField(),
        "kind": serializers.CharField(required=False),
        "rows": serializers.IntegerField(required=False),
        "created": serializers.IntegerField(required=False),
        "errors": _RowErrorSerializer,
    },
)


class ImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="imports_create",
        request={
            "multipart/form-data": inline_serializer(
                "ImportUpload", {"file": serializers.FileField()}
            )
        },
        responses={201: _ResultSerializer, 400: _FailureSerializer, 403: _FailureSerializer},
        description=(
            "导入主数据（.xlsx 或 .csv）。任何一行有错则不导入任何数据，"
            "返回每个错误的行号、列和原因。"
        ),
    )
    def post(self, request: Request, kind: str) -> Response:
        # Rights first: a role that may not import learns nothing about the file it sent.
        if not get_importer(kind).may_import(request.user):
            raise PermissionDenied(_("只有系统管理员和售后服务部主管可以导入主数据"))
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(_("请上传文件（字段名 file）"), field="file")
        result = import_master_data(
            kind=kind,
            file_name=upload.name or "",
            content=upload.read(),
            actor=request.user,
        )
        if not result.ok:
            body: dict[str, Any] = {
                "detail": _("%(count)s 处错误，未导入任何数据") % {"count": len(result.errors)},
                **result.as_dict(),
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict(), status=status.HTTP_201_CREATED)


class ImportTemplateView(APIView):
    @extend_schema(
        operation_id="imports_template",
        parameters=[
            OpenApiParameter("fmt", OpenApiTypes.STR, enum=["xlsx", "csv"], required=False)
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, kind: str) -> HttpResponse:
        importer = get_importer(kind)
        if not importer.may_import(request.user):
            raise PermissionDenied(_("只有系统管理员和售后服务部主管可以导入主数据"))
        fmt = "csv" if request.query_params.get("fmt") == "csv" else "xlsx"
        content, content_type, name = template_file(kind=kind, fmt=fmt)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
