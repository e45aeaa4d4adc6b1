"""REST endpoints under /api/v1/reports/ (S13): KPIs and report generation.

`GET kpis/?from=&to=&preset=&cut=` — every KPI of the period with its value, numerator,
denominator, target, whether it is met and its definition; with `cut` (outlet, region, model,
technician, customer) one row per group as well. `POST documents/` builds a report document
in the background (202 with the job). The same selectors as the dashboard, so the
two never disagree. Roles outside the dashboard's audience get 404, like any record that is not
theirs."""

from __future__ import annotations

from django.http import Http404
from django.urls import URLPattern, path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.core.api_jobs import JobStateSerializer
from aftersales.core.dates import as_date
from aftersales.core.jobs import job_state

from .documents import KINDS, report_document_start, sees_documents
from .models import KpiSettings
from .selectors import CUTS, kpis_with_whole, period_for, sees_kpis


class KpiSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    definition = serializers.CharField()
    unit = serializers.ChoiceField(choices=["percent", "hours", "yuan"])
    direction = serializers.ChoiceField(
        choices=["min", "max"], help_text="min: the value must reach the target; max: stay below"
    )
    value = serializers.CharField(
        allow_null=True, help_text="a number (a decimal string for yuan); null: no data"
    )
    numerator = serializers.CharField(help_text="a count, total hours or total yuan")
    denominator = serializers.IntegerField()
    target = serializers.CharField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)


class KpiGroupSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True, help_text="null: records without this field")
    label = serializers.CharField()  # type: ignore[assignment]
    kpis = KpiSerializer(many=True)


class KpiReportSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    cut = serializers.CharField(allow_null=True)
    satisfied_grades = serializers.CharField()
    kpis = KpiSerializer(many=True, help_text="the whole")
    rows = KpiGroupSerializer(many=True, help_text="one per group of `cut`; empty without it")


class KpiView(APIView):
    """KPIs of the period (closed orders' `closed_at`; default this month)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, description="YYYY-MM-DD (included)"),
            OpenApiParameter("preset", str, description="month | quarter | year (up to today)"),
            OpenApiParameter("cut", str, description=" | ".join(CUTS)),
        ],
        responses={200: KpiReportSerializer},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if not sees_kpis(user):
            raise Http404
        params = request.query_params
        cut = params.get("cut") or None
        if cut is not None and cut not in CUTS:
            raise serializers.ValidationError({"cut": [" | ".join(CUTS)]})
        preset = params.get("preset", "")
        period = period_for(
            date_from=as_date(params.get("from")),
            date_to=as_date(params.get("to")),
            preset=preset if preset in ("month", "quarter", "year") else "",
            today=timezone.localdate(),
        )
        settings = KpiSettings.get()
        whole, rows = kpis_with_whole(user, period, cut=cut, settings=settings)
        return Response(
            {
                "date_from": period.date_from,
                "date_to": period.date_to,
                "cut": cut,
                "satisfied_grades": "".join(settings.satisfied),
                "kpis": [v.as_dict() for v in whole.values],
                "rows": [
                    {
                        "key": row.key,
                        "label": row.label,
                        "kpis": [v.as_dict() for v in row.values],
                    }
                    for row in rows
                ],
            }
        )


class DocumentRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KINDS), help_text=" | ".join(KINDS))
    day = serializers.DateField(help_text="any day of the period (a week runs Monday–Sunday)")


class DocumentView(APIView):
    """`POST documents/ {"kind": "monthly", "day": "2026-05-01"}`: build a report document (PDF
    and Excel) in the background. 202 with the job; follow it at `/api/v1/jobs/{id}/` (the
    Location), whose `files` list the downloads once it is done."""

    @extend_schema(request=DocumentRequestSerializer, responses={202: JobStateSerializer})
    def post(self, request: Request) -> Response:
        if not sees_documents(request.user):
            raise Http404
        ser = DocumentRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        job = report_document_start(
            actor=request.user, kind=ser.validated_data["kind"], day=ser.validated_data["day"]
        )
        return Response(
            job_state(job),
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/jobs/{job.pk}/"},
        )


urlpatterns: list[URLPattern] = [
    path("kpis/", KpiView.as_view(), name="reports-kpis"),
    path("documents/", DocumentView.as_view(), name="reports-documents"),
]
