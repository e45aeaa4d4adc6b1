"""REST endpoints under /api/v1/evaluation/ (S14 evaluation projects):

* `projects/` — GET the projects (search `q`), POST a new one seeded with the default tree;
* `projects/{id}/` — GET one project with its tree (local and global weights), experts,
  subjects, judgement status and results (overall score, band, indicators to improve);
* `projects/{id}/experts/`, `projects/{id}/subjects/` — POST an expert (optionally a user) or
  an evaluated vendor, dealer or outlet;
* `projects/{id}/matrices/` — POST one expert's judgement matrix over the children of a
  criterion (`criterion` null = the goal); 400 naming the cell when it is not positive and
  reciprocal, 201 with `consistent: false` and the judgements to revisit when CR ≥ 0.10;
* `projects/{id}/weights/` — POST: compute the weights from the judgements;
* `projects/{id}/scores/` — POST one rater's scores;
* `projects/{id}/finish/` — POST: freeze;
* `projects/{id}/pdf/`, `projects/{id}/xlsx/` — GET the exports.

Reads go through `projects_for_user` (roles without access: empty list, 404); writes call the
services, whose refusals the shared exception handler maps to HTTP (400, 403, 409)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from aftersales.accounts.models import User
from aftersales.core.api import FastPagination, created
from aftersales.core.errors import ValidationFailed
from aftersales.network.models import Outlet

from . import exports, selectors, services
from .models import Expert, Project, Subject


def _id(**kwargs: Any) -> serializers.IntegerField:
    # Bounded: an id beyond the column's range is a 400, not a database error.
    return serializers.IntegerField(min_value=1, max_value=2**31 - 1, **kwargs)


class ProjectListSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text=" | ".join(Project.Status.values))
    created_by = serializers.CharField(source="created_by.username", default=None, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "title",
            "goal",
            "status",
            "replaces",
            "created_by",
            "created_at",
            "weights_at",
            "finished_at",
        ]
        read_only_fields = fields


class ProjectCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    goal = serializers.CharField(max_length=200, required=False, allow_blank=True)


class IndicatorOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="node.pk")
    name = serializers.CharField(source="node.name")
    local_weight = serializers.FloatField(source="node.local_weight", allow_null=True)
    global_weight = serializers.FloatField(allow_null=True)
    weight_source = serializers.CharField(source="node.weight_source")


class CriterionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="node.pk")
    name = serializers.CharField(source="node.name")
    local_weight = serializers.FloatField(source="node.local_weight", allow_null=True)
    weight_source = serializers.CharField(source="node.weight_source")
    indicators = IndicatorOutSerializer(many=True)


class ExpertOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SubjectOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    outlet = serializers.IntegerField(source="outlet_id", allow_null=True)


class ImproveSerializer(serializers.Serializer):
    indicator = serializers.IntegerField()
    name = serializers.CharField()
    score = serializers.FloatField()
    band = serializers.CharField()


class ResultOutSerializer(serializers.Serializer):
    subject = serializers.IntegerField()
    name = serializers.CharField()
    overall = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_null=True, help_text="extremely_satisfied | …")
    band_label = serializers.CharField()
    indicator_scores = serializers.DictField(
        child=serializers.FloatField(), help_text="indicator id → mean score"
    )
    missing = serializers.ListField(child=serializers.IntegerField())
    improve = ImproveSerializer(many=True)


class JudgementOutSerializer(serializers.Serializer):
    expert = serializers.IntegerField()
    criterion = serializers.IntegerField(allow_null=True, help_text="null = the goal")
    node_ids = serializers.ListField(child=serializers.IntegerField())
    cr = serializers.FloatField()
    consistent = serializers.BooleanField()
    stale = serializers.BooleanField()


class ProjectDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    goal = serializers.CharField()
    status = serializers.CharField()
    weights_ready = serializers.BooleanField()
    criteria = CriterionOutSerializer(many=True)
    experts = ExpertOutSerializer(many=True)
    subjects = SubjectOutSerializer(many=True)
    judgements = JudgementOutSerializer(many=True)
    results = ResultOutSerializer(many=True)


class MatrixInSerializer(serializers.Serializer):
    expert = _id(help_text="expert id")
    criterion = _id(
        allow_null=True, required=False, help_text="whose children are compared; null = the goal"
    )
    matrix = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), max_length=15),
        max_length=15,
        help_text="the full n×n matrix over the parent's children in their current order",
    )


class MatrixOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    node_ids = serializers.ListField(child=serializers.IntegerField())
    lambda_max = serializers.FloatField()
    ci = serializers.FloatField()
    cr = serializers.FloatField()
    consistent = serializers.BooleanField()
    most_inconsistent = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField())
    )


class ExpertInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    user = _id(required=False, allow_null=True, help_text="user id")


class SubjectInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Subject.Kind.choices, default=Subject.Kind.VENDOR)
    outlet = _id(required=False, allow_null=True, help_text="network outlet id (default name)")


class ScoreInSerializer(serializers.Serializer):
    subject = _id()
    indicator = _id()
    value = serializers.CharField(
        allow_blank=True, max_length=20, help_text='0–100; "" removes the score'
    )


class ScoresInSerializer(serializers.Serializer):
    expert = _id(required=False, allow_null=True)
    rater_name = serializers.CharField(required=False, allow_blank=True, max_length=60)
    scores = serializers.ListField(child=ScoreInSerializer(), max_length=5000)


class ScoresOutSerializer(serializers.Serializer):
    stored = serializers.IntegerField()


class _Download(BaseRenderer):
    """Lets a client ask for the file by its type (`Accept: application/pdf`); the views answer
    with an HttpResponse, so this only ever renders a refusal (as JSON text)."""

    charset = None

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):
        return JSONRenderer().render(data)


class PdfRenderer(_Download):
    media_type = "application/pdf"
    format = "pdf"


class XlsxRenderer(_Download):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"


def _detail(project: Project) -> dict[str, Any]:
    s = selectors.project_summary(project, with_events=False)
    _nodes, children = selectors.ordered_nodes(project)
    return {
        "id": project.pk,
        "title": project.title,
        "goal": project.goal,
        "status": project.status,
        "weights_ready": s.weights_ready,
        "criteria": s.criteria,
        "experts": s.experts,
        "subjects": s.subjects,
        "judgements": [
            {
                "expert": j.expert_id,
                "criterion": j.parent_id,
                "node_ids": j.node_ids,
                "cr": j.cr,
                "consistent": j.consistent,
                "stale": selectors.is_stale(j, children.get(j.parent_id, [])),
            }
            for j in s.judgements.values()
        ],
        "results": [
            {
                "subject": r.subject.pk,
                "name": r.subject.name,
                "overall": r.overall,
                "band": r.band,
                "band_label": r.band_label,
                "indicator_scores": {str(k): v for k, v in r.means.items()},
                "missing": [n.pk for n in r.missing],
                "improve": [
                    {"indicator": n.pk, "name": n.name, "score": v, "band": b}
                    for n, v, b in r.improve
                ],
            }
            for r in s.results
        ],
    }


class ProjectViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ProjectListSerializer
    pagination_class = FastPagination

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return selectors.search_projects(self.request.user, self.request.query_params.get("q", ""))

    def _project(self, pk: Any) -> Project:
        project = selectors.get_project_for_user(self.request.user, pk)
        if project is None:
            raise Http404
        return project

    @extend_schema(parameters=[OpenApiParameter("q", str, description="title or goal contains")])
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectDetailSerializer})
    def create(self, request: Request) -> Response:
        """A draft project with the default tree (4 criteria, 15 indicators)."""
        if not selectors.sees_evaluations(request.user):
            raise Http404
        ser = ProjectCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        project = services.project_create(
            title=ser.validated_data["title"],
            goal=ser.validated_data.get("goal", ""),
            actor=request.user,
        )
        return created(ProjectDetailSerializer(_detail(project)).data)

    @extend_schema(responses={200: ProjectDetailSerializer})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(ProjectDetailSerializer(_detail(self._project(pk))).data)

    @extend_schema(request=ExpertInSerializer, responses={201: ExpertOutSerializer})
    @action(detail=True, methods=["post"], url_path="experts")
    def experts(self, request: Request, pk: str | None = None) -> Response:
        project = self._project(pk)
        ser = ExpertInSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        user = None
        if ser.validated_data.get("user") is not None:
            user = User.objects.filter(pk=ser.validated_data["user"], is_active=True).first()
            if user is None:
                raise ValidationFailed(_("没有该用户"), field="user")
        expert = services.expert_add(
            project=project, name=ser.validated_data["name"], user=user, actor=request.user
        )
        return created(ExpertOutSerializer(expert).data)

    @extend_schema(request=SubjectInSerializer, responses={201: SubjectOutSerializer})
    @action(detail=True, methods=["post"], url_path="subjects")
    def subjects(self, request: Request, pk: str | None = None) -> Response:
        project = self._project(pk)
        ser = SubjectInSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        outlet = None
        if ser.validated_data.get("outlet") is not None:
            outlet = Outlet.objects.filter(pk=ser.validated_data["outlet"]).first()
            if outlet is None:
                raise ValidationFailed(_("没有该服务网点"), field="outlet")
        subject = services.subject_add(
            project=project,
            name=ser.validated_data.get("name", ""),
            kind=ser.validated_data["kind"],
            outlet=outlet,
            actor=request.user,
        )
        return created(SubjectOutSerializer(subject).data)

    @extend_schema(request=MatrixInSerializer, responses={201: MatrixOutSerializer})
    @action(detail=True, methods=["post"], url_path="matrices")
    def matrices(self, request: Request, pk: str | None = None) -> Response:
        project = self._project(pk)
        ser = MatrixInSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        expert = Expert.objects.filter(project=project, pk=ser.validated_data["expert"]).first()
        if expert is None:
            raise Http404
        judgement = services.judgement_save(
            expert=expert,
            parent=ser.validated_data.get("criterion"),
            matrix=ser.validated_data["matrix"],
            actor=request.user,
        )
        return created(MatrixOutSerializer(judgement).data)

    @extend_schema(request=None, responses={200: ProjectDetailSerializer})
    @action(detail=True, methods=["post"], url_path="weights")
    def weights(self, request: Request, pk: str | None = None) -> Response:
        project = services.weights_compute(project=self._project(pk), actor=request.user)
        return Response(ProjectDetailSerializer(_detail(project)).data)

    @extend_schema(request=ScoresInSerializer, responses={200: ScoresOutSerializer})
    @action(detail=True, methods=["post"], url_path="scores")
    def scores(self, request: Request, pk: str | None = None) -> Response:
        """One rater's scores: an expert of the project, or a user named by `rater_name`."""
        project = self._project(pk)
        ser = ScoresInSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        expert = None
        if data.get("expert") is not None:
            expert = Expert.objects.filter(project=project, pk=data["expert"]).first()
            if expert is None:
                raise Http404
        stored = services.scores_save(
            project=project,
            values={(row["subject"], row["indicator"]): row["value"] for row in data["scores"]},
            expert=expert,
            rater_name=data.get("rater_name", ""),
            actor=request.user,
        )
        return Response({"stored": stored})

    @extend_schema(request=None, responses={200: ProjectDetailSerializer})
    @action(detail=True, methods=["post"], url_path="finish")
    def finish(self, request: Request, pk: str | None = None) -> Response:
        project = services.project_finish(project=self._project(pk), actor=request.user)
        return Response(ProjectDetailSerializer(_detail(project)).data)

    @extend_schema(request=None, responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(
        detail=True, methods=["get"], url_path="pdf", renderer_classes=[JSONRenderer, PdfRenderer]
    )
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        summary = selectors.project_summary(self._project(pk), with_events=False)
        response = HttpResponse(
            exports.pdf_bytes(summary, chart=exports.comparison_chart(summary)),
            content_type="application/pdf",
        )
        response["Content-Disposition"] = f'attachment; filename="evaluation-{pk}.pdf"'
        return response

    @extend_schema(
        request=None,
        responses={
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiTypes.BINARY
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="xlsx",
        renderer_classes=[JSONRenderer, XlsxRenderer],
    )
    def xlsx(self, request: Request, pk: str | None = None) -> HttpResponse:
        summary = selectors.project_summary(self._project(pk), with_events=False)
        response = HttpResponse(
            exports.xlsx_bytes(summary),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="evaluation-{pk}.xlsx"'
        return response


router = DefaultRouter()
router.include_root_view = False
router.register("projects", ProjectViewSet, basename="evaluation-project")
urlpatterns = [*router.urls]
