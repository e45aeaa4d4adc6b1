"""REST endpoints under /api/v1/certification/ (S15), the GB/T 27922 self-assessment:

* `assessments/` GET the list (newest first), POST a new draft (measurable items pre-filled);
* `assessments/{id}/` GET one with its score, level, per-category totals, gaps ranked by points
  lost and every answer;
* `assessments/{id}/answers/` POST answers to save (all or none; fields left out keep their
  value);
* `assessments/{id}/finish/` POST: freeze it (409 when already finished, 400 while items are
  unassessed);
* `assessments/{id}/report/` GET the readiness report PDF.

Reads go through `assessments_for_user` (roles without access: empty list, 404); writes call the
services, whose refusals the shared exception handler maps to HTTP (403 for a quality engineer
writing, 400 with the field, 409 for a frozen assessment)."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from aftersales.core.api import created

from . import report, selectors, services
from .models import Answer, SelfAssessment
from .scoring import to_decimal


class PDFRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False, default=str).encode()  # an error body


class CertificationAssessmentSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True, help_text=" | ".join(SelfAssessment.Status.values)
    )
    level = serializers.CharField(read_only=True, help_text="none | pass | three | four | five")
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    finished_by = serializers.CharField(source="finished_by.username", default=None, read_only=True)

    class Meta:
        model = SelfAssessment
        fields = [
            "id",
            "title",
            "assessed_on",
            "status",
            "corrects",
            "score",
            "level",
            "created_by",
            "created_at",
            "finished_by",
            "finished_at",
        ]
        read_only_fields = fields


class CertificationCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    assessed_on = serializers.DateField(required=False, help_text="YYYY-MM-DD; today if left out")
    prefill = serializers.BooleanField(
        required=False, default=True, help_text="pre-fill the measurable items"
    )


class CertificationAnswerSerializer(serializers.Serializer):
    code = serializers.CharField(source="item.code")
    title = serializers.CharField(source="item.title")
    clause = serializers.CharField(source="item.clause.title")
    category = serializers.CharField(source="item.clause.category.code")
    kind = serializers.CharField(help_text="qualitative | sampled")
    points = serializers.DecimalField(max_digits=5, decimal_places=2)
    points_are_default = serializers.BooleanField(source="item.points_are_default")
    applicable = serializers.BooleanField()
    met = serializers.BooleanField(allow_null=True)
    sampled = serializers.IntegerField(allow_null=True)
    conforming = serializers.IntegerField(allow_null=True)
    earned = serializers.DecimalField(max_digits=6, decimal_places=2)
    note = serializers.CharField()
    source = serializers.CharField(  # type: ignore[assignment]
        help_text="'' (not assessed) | measured | assessor"
    )
    measured_explanation = serializers.CharField()
    evidence = serializers.IntegerField(help_text="number of evidence files")


class CertificationCategoryTotalSerializer(serializers.Serializer):
    category = serializers.CharField()
    title = serializers.CharField()
    applicable_points = serializers.DecimalField(max_digits=7, decimal_places=2)
    earned = serializers.DecimalField(max_digits=7, decimal_places=2)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class CertificationGapSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    points = serializers.DecimalField(max_digits=5, decimal_places=2)
    earned = serializers.DecimalField(max_digits=6, decimal_places=2)
    lost = serializers.DecimalField(max_digits=6, decimal_places=2)
    assessed = serializers.BooleanField()


class CertificationAdjustmentSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="deduction | bonus")
    reason = serializers.CharField()


class CertificationAssessmentDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    assessed_on = serializers.DateField()
    status = serializers.CharField(help_text=" | ".join(SelfAssessment.Status.values))
    corrects = serializers.IntegerField(allow_null=True, help_text="the assessment corrected")
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_by = serializers.CharField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    score = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="0–100; null: nothing applies"
    )
    base_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    level = serializers.CharField(allow_null=True, help_text="none | pass | three | four | five")
    level_label = serializers.CharField()
    applicable_points = serializers.DecimalField(max_digits=7, decimal_places=2)
    earned = serializers.DecimalField(max_digits=7, decimal_places=2)
    deductions = serializers.IntegerField()
    bonus = serializers.IntegerField(help_text="0 or 1, however many bonuses are claimed")
    unassessed = serializers.ListField(child=serializers.CharField(), help_text="item codes")
    categories = CertificationCategoryTotalSerializer(many=True)
    gaps = CertificationGapSerializer(
        many=True, help_text="by points lost, largest first; ties by code"
    )
    adjustments = CertificationAdjustmentSerializer(many=True)
    answers = CertificationAnswerSerializer(many=True)


def _detail(assessment: SelfAssessment) -> dict[str, Any]:
    view = selectors.overview(assessment)
    result = view.result
    items = {i.code: i for i in result.items}
    titles = {g.category.code: g.category.title for g in view.categories}

    def answer_row(a: Answer) -> dict[str, Any]:
        points, kind = selectors.points_of(assessment, a)
        return {
            "item": a.item,
            "kind": kind,
            "points": points,
            "applicable": a.applicable,
            "met": a.met,
            "sampled": a.sampled,
            "conforming": a.conforming,
            "note": a.note,
            "source": a.source,
            "measured_explanation": a.measured_explanation,
            "earned": to_decimal(items[a.item.code].earned),
            "evidence": len(a.evidence.all()),
        }

    data = {
        "id": assessment.pk,
        "title": assessment.title,
        "assessed_on": assessment.assessed_on,
        "status": assessment.status,
        "corrects": assessment.corrects_id,
        "created_by": assessment.created_by.username,
        "created_at": assessment.created_at,
        "finished_by": assessment.finished_by.username if assessment.finished_by else None,
        "finished_at": assessment.finished_at,
        "score": result.score,
        "base_score": result.base,
        "level": result.level.value if result.level else None,
        "level_label": view.level_label,
        "applicable_points": to_decimal(result.applicable_points),
        "earned": to_decimal(result.earned),
        "deductions": result.deductions,
        "bonus": result.bonus,
        "unassessed": [i.code for i in result.unassessed],
        "categories": [
            {
                "category": t.category,
                "title": titles.get(t.category, ""),
                "applicable_points": to_decimal(t.applicable_points),
                "earned": to_decimal(t.earned),
                "percent": t.percent,
            }
            for t in result.categories
        ],
        "gaps": [
            {
                "code": g.item.code,
                "title": g.item.title,
                "points": g.points,
                "earned": to_decimal(g.result.earned),
                "lost": to_decimal(g.result.lost),
                "assessed": g.result.assessed,
            }
            for g in view.gaps
        ],
        "adjustments": [{"kind": x.kind, "reason": x.reason} for x in view.adjustments],
        "answers": [answer_row(a) for a in view.answers],
    }
    return CertificationAssessmentDetailSerializer(data).data


class CertificationAnswerInSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="item code, e.g. 1.2.1")
    applicable = serializers.BooleanField(required=False)
    met = serializers.BooleanField(
        required=False, allow_null=True, help_text="qualitative items; null = not assessed"
    )
    sampled = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=services.MAX_COUNT
    )
    conforming = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=services.MAX_COUNT
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    use_measured = serializers.BooleanField(
        required=False, default=False, help_text="take the system's measured value"
    )


class CertificationAnswersInSerializer(serializers.Serializer):
    answers = CertificationAnswerInSerializer(many=True)


class CertificationAssessmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """GB/T 27922 self-assessments the user may see."""

    serializer_class = CertificationAssessmentSerializer

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return SelfAssessment.objects.none()
        return (
            selectors.assessments_for_user(self.request.user)
            .select_related("created_by", "finished_by")
            .order_by("-assessed_on", "-id")
        )

    def _get(self, pk: Any) -> SelfAssessment:
        return selectors.get_assessment_for_user(self.request.user, pk)

    @extend_schema(
        request=CertificationCreateSerializer,
        responses={201: CertificationAssessmentDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        if not selectors.sees_certification(request.user):
            raise Http404
        ser = CertificationCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        assessment = services.assessment_create(
            actor=request.user,
            title=data["title"],
            assessed_on=data.get("assessed_on"),
            prefill=data.get("prefill", True),
        )
        return created(_detail(self._get(assessment.pk)))

    @extend_schema(responses={200: CertificationAssessmentDetailSerializer})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(_detail(self._get(pk)))

    @extend_schema(
        request=CertificationAnswersInSerializer,
        responses={200: CertificationAssessmentDetailSerializer},
    )
    @action(detail=True, methods=["post"], url_path="answers")
    def answers(self, request: Request, pk: str | None = None) -> Response:
        """Save answers, all or none; a refusal names the item."""
        assessment = self._get(pk)
        ser = CertificationAnswersInSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        changes = []
        for row in ser.validated_data["answers"]:
            change = services.AnswerChange(code=row["code"], use_measured=row["use_measured"])
            for name in ("applicable", "met", "sampled", "conforming", "note"):
                if name in row:
                    setattr(change, name, row[name])
            changes.append(change)
        services.answers_save(assessment=assessment, actor=request.user, changes=changes)
        return Response(_detail(self._get(pk)))

    @extend_schema(request=None, responses={200: CertificationAssessmentDetailSerializer})
    @action(detail=True, methods=["post"], url_path="finish")
    def finish(self, request: Request, pk: str | None = None) -> Response:
        """Freeze it: score, level and points no longer change."""
        services.assessment_finish(assessment=self._get(pk), actor=request.user)
        return Response(_detail(self._get(pk)))

    @extend_schema(
        request=None,
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        description="The readiness report: score, level, per-category table, gaps.",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="report",
        renderer_classes=[PDFRenderer, renderers.JSONRenderer],
    )
    def report(self, request: Request, pk: str | None = None) -> HttpResponse:
        assessment = self._get(pk)
        response = HttpResponse(report.readiness_pdf(assessment), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.filename(assessment)}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


router = DefaultRouter()
router.include_root_view = False
router.register("assessments", CertificationAssessmentViewSet, basename="certification-assessment")
urlpatterns = [*router.urls]
