"""REST endpoints under /api/v1/assessment/ (S12): the results (list with `month`, retrieve),
`results/compute/` (drafts of a month), `results/{id}/approve/` (freeze) and
`results/{id}/correct/` (a new draft version of an approved result),
`results/{id}/distribution/` (GET the distribution in force, POST a new split by the unit's
head), `distributions/{id}/apply/` (HR: paid, frozen), `pay/?year=` and `pay/{staff id}/?year=`
(individual pay: HR and administrators all, the service director the service department, an
employee their own).

Reads go through `assessments_for_user`: roles without access get an empty list and 404. Writes
call the services, whose refusals the shared exception handler (`aftersales.core.api`) maps to
HTTP: PermissionDenied 403 (e.g. the service director approving, a station manager computing),
ValidationFailed 400 with the field, InvalidTransition 409 (already approved, nothing to
correct)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from aftersales.core.api import created
from aftersales.core.errors import ValidationFailed

from . import selectors, services
from .models import AssessmentResult, Distribution
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


class DistributionShareSerializer(serializers.Serializer):
    employee = serializers.IntegerField(source="staff_id", help_text="staff id")
    employee_no = serializers.CharField(source="staff.employee_no", read_only=True)
    name = serializers.CharField(source="staff.user", read_only=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    reason = serializers.CharField(read_only=True)


class DistributionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text=" | ".join(Distribution.Status.values))
    shares = DistributionShareSerializer(many=True, read_only=True)
    distributed_by = serializers.CharField(source="distributed_by.username", read_only=True)
    applied_by = serializers.CharField(source="applied_by.username", default=None, read_only=True)

    class Meta:
        model = Distribution
        fields = [
            "id",
            "result",
            "version",
            "status",
            "total",
            "note",
            "shares",
            "distributed_by",
            "distributed_at",
            "applied_by",
            "applied_at",
        ]
        read_only_fields = fields


class DistributionShareInSerializer(serializers.Serializer):
    employee = serializers.IntegerField(help_text="staff id (network.Staff)")
    # Two places, no more: a split is exact to the fen, and a third decimal would be rounded.
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text='"500.00"')
    reason = serializers.CharField(allow_blank=True, required=False, max_length=200)


class DistributionInSerializer(serializers.Serializer):
    shares = DistributionShareInSerializer(many=True)
    note = serializers.CharField(allow_blank=True, required=False, max_length=500)


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

    @extend_schema(methods=["GET"], request=None, responses={200: DistributionSerializer})
    @extend_schema(
        methods=["POST"],
        request=DistributionInSerializer,
        responses={201: DistributionSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="distribution")
    def distribution(self, request: Request, pk: str | None = None) -> Response:
        """GET: the distribution in force (404 when none). POST: the unit's head splits the
        approved amount; the shares must add up to it exactly (400 naming the difference),
        409 for a draft, a superseded result or a distribution HR has applied."""
        result = self.get_object()
        if request.method == "GET":
            current = selectors.in_force(selectors.distributions_of(result))
            if current is None:
                raise Http404
            return Response(DistributionSerializer(current).data)
        ser = DistributionInSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        shares = [
            services.ShareInput(s["employee"], s["amount"], s.get("reason", ""))
            for s in ser.validated_data["shares"]
        ]
        saved = services.distribution_save(
            result=result,
            shares=shares,
            note=ser.validated_data.get("note", ""),
            actor=request.user,
        )
        return created(DistributionSerializer(_distribution(saved.pk)).data)


def _distribution(pk: int) -> Distribution:
    return (
        Distribution.objects.select_related("distributed_by", "applied_by")
        .prefetch_related("shares__staff__user")
        .get(pk=pk)
    )


class DistributionViewSet(viewsets.GenericViewSet):
    """Distributions of the results the user may see."""

    serializer_class = DistributionSerializer

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return Distribution.objects.none()
        return Distribution.objects.filter(result__in=assessments_for_user(self.request.user))

    @extend_schema(request=None, responses={200: DistributionSerializer})
    @action(detail=True, methods=["post"], url_path="apply")
    def apply(self, request: Request, pk: str | None = None) -> Response:
        """HR (or an administrator) records the split as paid; 409 when it is not pending."""
        distribution = self.get_object()
        services.distribution_apply(distribution=distribution, actor=request.user)
        return Response(DistributionSerializer(_distribution(distribution.pk)).data)


def _year(request: Request) -> int:
    raw = request.query_params.get("year") or ""
    if not raw:
        return timezone.localdate().year
    try:
        year = int(raw)
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("年度无效"), field="year")
    return year


class QuarterPaySerializer(serializers.Serializer):
    quarter = serializers.IntegerField()
    source_score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    grade = serializers.CharField(source="grade.name", default=None)
    coefficient = serializers.DecimalField(max_digits=5, decimal_places=2)
    monthly = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class PaySerializer(serializers.Serializer):
    employee = serializers.IntegerField(source="staff.pk")
    employee_no = serializers.CharField(source="staff.employee_no")
    name = serializers.CharField(source="staff.user")
    year = serializers.IntegerField()
    base_salary = serializers.DecimalField(
        source="outcome.base_salary", max_digits=12, decimal_places=2, help_text="A"
    )
    work = serializers.DecimalField(
        source="outcome.work", max_digits=12, decimal_places=2, help_text="B"
    )
    special = serializers.DecimalField(
        source="outcome.special", max_digits=12, decimal_places=2, help_text="C"
    )
    awards = serializers.DecimalField(
        source="outcome.awards", max_digits=12, decimal_places=2, help_text="D"
    )
    total = serializers.DecimalField(source="outcome.total", max_digits=12, decimal_places=2)
    quarters = QuarterPaySerializer(source="outcome.quarters", many=True)


class PayViewSet(viewsets.GenericViewSet):
    """Individual pay for a year: A + B + C + D per employee (the path id is the staff id)."""

    serializer_class = PaySerializer
    pagination_class = None

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return selectors.Staff.objects.none()
        return selectors.pay_staff_for_user(self.request.user).order_by("employee_no")

    @extend_schema(
        parameters=[OpenApiParameter("year", int)], responses={200: PaySerializer(many=True)}
    )
    def list(self, request: Request) -> Response:
        year = _year(request)
        staff = list(self.get_queryset())
        outcomes = selectors.pay_for(staff, year)
        rows = [{"staff": s, "year": year, "outcome": outcomes[s.pk]} for s in staff]
        return Response(PaySerializer(rows, many=True).data)

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: PaySerializer})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        staff = self.get_object()  # not visible → 404 before any 400 about the year
        year = _year(request)
        outcome = selectors.pay_for([staff], year)[staff.pk]
        return Response(PaySerializer({"staff": staff, "year": year, "outcome": outcome}).data)


router = DefaultRouter()
router.include_root_view = False
router.register("results", AssessmentResultViewSet, basename="assessment-result")
router.register("distributions", DistributionViewSet, basename="assessment-distribution")
router.register("pay", PayViewSet, basename="assessment-pay")
urlpatterns = [*router.urls]
