"""REST endpoints under /api/v1/assessment/ (S12): the results (list with `month`, retrieve),
`results/compute/` (drafts of a month), `results/{id}/approve/` (freeze) and
`results/{id}/correct/` (a new draft version of an approved result).

Reads go through `assessments_for_user`: roles without access get an empty list and 404. Writes
call the services, whose refusals the shared exception handler (`aftersales.core.api`) maps to
HTTP: PermissionDenied 403 (e.g. the service director approving, a station manager computing),
ValidationFailed 400 with the field, InvalidTransition 409 (already approved, nothing to
correct)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from aftersales.core.api import created
from aftersales.core.errors import ValidationFailed

from . import services
from .models import AssessmentResult
from .selectors import assessments_for_user, sees_assessments


def _parse_month(value: Any, field: str = "month") -> date:
    month = services.parse_month(value)
    if month is None:
        raise ValidationFailed(_("月份格式应为 YYYY-MM，例如 2026-05"), field=field)
    return month


class MonthField(serializers.CharField):
    """A month as "2026-05" in and out."""

    def to_representation(self, value: Any) -> str:
        return f"{value:%Y-%m}"


class AssessmentResultSerializer(serializers.ModelSerializer):
    month = MonthField(read_only=True, help_text="YYYY-MM")
    unit = serializers.CharField(source="unit_name", read_only=True)
    outlet_code = serializers.CharField(source="outlet.code", default=None, read_only=True)
    # Plain strings: `status` is a name other models use with other choices.
    status = serializers.CharField(
        read_only=True, help_text=" | ".join(AssessmentResult.Status.values)
    )
    decision = serializers.CharField(
        read_only=True, help_text="reward | penalty | equal | no_mean | no_previous"
    )
    complaint_rating = serializers.CharField(
        read_only=True, help_text=" | ".join(AssessmentResult.Rating.values)
    )
    grade_counts = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        read_only=True,
        help_text="per item (timeliness, quality, attitude), forms per grade A–E",
    )
    complaint_numbers = serializers.ListField(child=serializers.CharField(), read_only=True)
    sanction_people = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        help_text="heads, responsible: whom the sanction recommendation names",
    )
    config = serializers.DictField(read_only=True, help_text="the configuration in force")
    approved_by = serializers.CharField(source="approved_by.username", default=None, read_only=True)

    class Meta:
        model = AssessmentResult
        fields = [
            "id",
            "month",
            "unit_key",
            "unit",
            "outlet",
            "outlet_code",
            "version",
            "status",
            "replaces",
            "correction_reason",
            "jobs",
            "forms_counted",
            "total_points",
            "grade_counts",
            "mean",
            "previous_total",
            "previous_jobs",
            "previous_mean",
            "difference",
            "decision",
            "all_a",
            "all_e",
            "complaint_count",
            "complaint_numbers",
            "complaint_rating",
            "sanction",
            "sanction_people",
            "reward",
            "penalty",
            "extra_reward",
            "extra_penalty",
            "complaint_penalty",
            "amount",
            "config",
            "working",
            "computed_at",
            "approved_at",
            "approved_by",
        ]
        read_only_fields = fields


class ComputeSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM, e.g. 2026-05")


class CorrectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="why (required, may not be empty)")


class AssessmentResultViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Monthly assessment results of the units the user may see (filter: month, YYYY-MM).
    Superseded versions are listed too; filter on `status` to leave them out."""

    serializer_class = AssessmentResultSerializer
    pagination_class = None  # one month holds a handful of units; the list is per month

    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM"),
            OpenApiParameter("status", str, description=" | ".join(AssessmentResult.Status.values)),
        ]
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return AssessmentResult.objects.none()
        qs = assessments_for_user(self.request.user).select_related("outlet", "approved_by")
        params = self.request.query_params
        if self.action == "list":
            if params.get("month"):
                qs = qs.filter(month=_parse_month(params["month"]))
            if params.get("status"):
                if params["status"] not in AssessmentResult.Status.values:
                    raise ValidationFailed(_("状态无效"), field="status")
                qs = qs.filter(status=params["status"])
        return qs.order_by("-month", "unit_key", "version")

    @extend_schema(
        request=ComputeSerializer, responses={200: AssessmentResultSerializer(many=True)}
    )
    @action(detail=False, methods=["post"], url_path="compute")
    def compute(self, request: Request) -> Response:
        """Compute (or recompute) the drafts of a month for every unit; approved results stay."""
        if not sees_assessments(request.user):
            raise Http404  # outside the assessment the endpoint shows nothing, as on reads
        ser = ComputeSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        month = _parse_month(ser.validated_data["month"])
        services.assessment_compute(month=month, actor=request.user)
        rows = (
            self.get_queryset()
            .filter(month=month)
            .exclude(status=AssessmentResult.Status.SUPERSEDED)
        )
        return Response(AssessmentResultSerializer(rows, many=True).data)

    @extend_schema(request=None, responses={200: AssessmentResultSerializer})
    @action(detail=True, methods=["post"], url_path="approve")
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Freeze a draft (HR and administrators); 409 when it is not a draft."""
        result = self.get_object()  # through assessments_for_user: not visible → 404
        services.assessment_approve(result=result, actor=request.user)
        return Response(AssessmentResultSerializer(self.get_object()).data)

    @extend_schema(request=CorrectSerializer, responses={201: AssessmentResultSerializer})
    @action(detail=True, methods=["post"], url_path="correct")
    def correct(self, request: Request, pk: str | None = None) -> Response:
        """A new draft version of an approved result, from current data; 409 otherwise."""
        result = self.get_object()
        ser = CorrectSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        draft = services.assessment_correct(
            result=result, actor=request.user, reason=ser.validated_data["reason"]
        )
        return created(AssessmentResultSerializer(self.get_queryset().get(pk=draft.pk)).data)


router = DefaultRouter()
router.include_root_view = False
router.register("results", AssessmentResultViewSet, basename="assessment-result")
urlpatterns = [*router.urls]
