"""REST endpoints under /api/v1/supervision/: callbacks (complete), feedback forms (verify),
customer visits (plan, record), suggestions (paper entry), the survey response rate, the survey
forms with their results, and mystery inspections (record).

Reads go through the selectors: roles outside supervision get empty lists and 404 (for mystery
inspections that includes superusers and the admin role, S10). Writes call the services, whose
refusals the shared exception handler (`aftersales.core.api`) maps to HTTP: PermissionDenied 403
(e.g. the service director, who reads but does not write), ValidationFailed 400 with the field,
InvalidTransition 409 (already done / already verified)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.core.api import created
from aftersales.core.api_jobs import JobStateSerializer
from aftersales.core.errors import ValidationFailed
from aftersales.core.jobs import job_state
from aftersales.customers.selectors import customers_for_user

from . import services
from .models import (
    Callback,
    CustomerVisit,
    FeedbackForm,
    MysteryInspection,
    Suggestion,
    SurveyForm,
    SurveyQuestion,
)
from .selectors import (
    GRADE_POINTS,
    callbacks_for_user,
    feedback_forms_for_user,
    mystery_inspections_for_user,
    sees_mystery_findings,
    sees_supervision,
    suggestions_for_user,
    survey_form_results,
    survey_forms_for_user,
    survey_response_rate,
    visits_for_user,
)


# Plain strings rather than enums for the choice fields: `status` and `source` are names other
# models use with other choices, and colliding enum names would turn into warnings.
class CallbackSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    status = serializers.CharField(read_only=True, help_text=" | ".join(Callback.Status.values))
    done_by = serializers.CharField(source="done_by.username", default=None, read_only=True)

    class Meta:
        model = Callback
        fields = ["id", "order", "order_number", "status", "due_at", "done_at", "done_by", "notes"]


class FeedbackFormSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    source = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text=" | ".join(FeedbackForm.Source.values)
    )
    timeliness = serializers.CharField(read_only=True, help_text="A–E")
    quality = serializers.CharField(read_only=True, help_text="A–E")
    attitude = serializers.CharField(read_only=True, help_text="A–E")
    verified_by = serializers.CharField(source="verified_by.username", default=None, read_only=True)

    class Meta:
        model = FeedbackForm
        fields = [
            "id",
            "order",
            "order_number",
            "source",
            "callback",
            "timeliness",
            "quality",
            "attitude",
            "comments",
            "counted",
            "verified",
            "verified_by",
            "verified_at",
            "created_at",
        ]


def _grade() -> serializers.CharField:
    # Checked by the service (all three or none, each A–E), so its message is the one shown.
    return serializers.CharField(required=False, allow_blank=True, default="", help_text="A–E")


class CallbackCompleteSerializer(serializers.Serializer):
    notes = serializers.CharField(
        allow_blank=True, help_text="what the customer said (required, may not be empty)"
    )
    timeliness = _grade()
    quality = _grade()
    attitude = _grade()


class VisitSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=" | ".join(CustomerVisit.Kind.values))
    status = serializers.CharField(
        read_only=True, help_text=" | ".join(CustomerVisit.Status.values)
    )
    customer_name = serializers.CharField(source="customer.name", default=None, read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None, read_only=True)

    class Meta:
        model = CustomerVisit
        fields = [
            "id",
            "kind",
            "status",
            "customer",
            "customer_name",
            "planned_date",
            "attendees",
            "findings",
            "done_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class VisitPlanSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=" | ".join(CustomerVisit.Kind.values))
    planned_date = serializers.DateField()
    customer = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="customer id (key_customer)"
    )
    attendees = serializers.CharField(required=False, allow_blank=True, default="")


class VisitRecordSerializer(serializers.Serializer):
    findings = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="required unless cancel"
    )
    attendees = serializers.CharField(required=False, allow_blank=True, default="")
    cancel = serializers.BooleanField(required=False, default=False)


class SuggestionSerializer(serializers.ModelSerializer):
    channel = serializers.CharField(read_only=True, help_text=" | ".join(Suggestion.Channel.values))
    entered_by = serializers.CharField(source="entered_by.username", default=None, read_only=True)

    class Meta:
        model = Suggestion
        fields = ["id", "text", "name", "contact", "channel", "received_at", "entered_by"]
        read_only_fields = fields


class SuggestionCreateSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, help_text="the suggestion (may not be empty)")
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    contact = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    received_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="when the paper form came in"
    )


def _flag(value: str | None) -> bool | None:
    return {"true": True, "1": True, "false": False, "0": False}.get((value or "").lower())


class CallbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Callbacks of the orders the user may see (filters: status, order)."""

    serializer_class = CallbackSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description=" | ".join(Callback.Status.values)),
            OpenApiParameter("order", int, description="work order id"),
        ]
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return Callback.objects.none()
        qs = callbacks_for_user(self.request.user).select_related("order", "done_by")
        params = self.request.query_params
        if self.action == "list":
            if params.get("status"):
                qs = qs.filter(status=params["status"])
            if params.get("order", "").isdigit():
                qs = qs.filter(order_id=int(params["order"]))
        return qs.order_by("-due_at", "-pk")

    @extend_schema(request=CallbackCompleteSerializer, responses={200: CallbackSerializer})
    @action(detail=True, methods=["post"], url_path="complete")
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Record the callback call (回访): supervision only; 409 once it is done."""
        callback = self.get_object()  # through callbacks_for_user: not visible → 404
        ser = CallbackCompleteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.callback_complete(callback=callback, actor=request.user, **ser.validated_data)
        return Response(CallbackSerializer(self.get_object()).data)


class FeedbackFormViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Feedback forms (意见反馈表) of the orders the user may see (filters: order, source,
    counted, verified)."""

    serializer_class = FeedbackFormSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("order", int, description="work order id"),
            OpenApiParameter("source", str, description=" | ".join(FeedbackForm.Source.values)),
            OpenApiParameter("counted", bool),
            OpenApiParameter("verified", bool),
        ]
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return FeedbackForm.objects.none()
        qs = feedback_forms_for_user(self.request.user).select_related("order", "verified_by")
        params = self.request.query_params
        if self.action == "list":
            if params.get("order", "").isdigit():
                qs = qs.filter(order_id=int(params["order"]))
            if params.get("source"):
                qs = qs.filter(source=params["source"])
            for name in ("counted", "verified"):
                flag = _flag(params.get(name))
                if flag is not None:
                    qs = qs.filter(**{name: flag})
        return qs.order_by("-created_at", "-pk")

    @extend_schema(request=None, responses={200: FeedbackFormSerializer})
    @action(detail=True, methods=["post"], url_path="verify")
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """Supervision confirms the form (only verified forms count); 409 the second time."""
        form = self.get_object()  # through feedback_forms_for_user: not visible → 404
        services.feedback_verify(form=form, actor=request.user)
        return Response(FeedbackFormSerializer(self.get_object()).data)


class SurveyStatsSerializer(serializers.Serializer):
    sent = serializers.IntegerField()
    answered = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="answered / sent in %, or null")


class SurveyInvitationStatsView(APIView):
    """Survey invitations sent and answered over the orders the user may see."""

    @extend_schema(responses={200: SurveyStatsSerializer})
    def get(self, request: Request) -> Response:
        if not sees_supervision(request.user):
            raise Http404
        return Response(SurveyStatsSerializer(survey_response_rate(request.user)).data)


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Key-customer visits and customer forums (filters: kind, status). Supervision plans and
    records them; the service director reads."""

    serializer_class = VisitSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, description=" | ".join(CustomerVisit.Kind.values)),
            OpenApiParameter("status", str, description=" | ".join(CustomerVisit.Status.values)),
        ]
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return CustomerVisit.objects.none()
        qs = visits_for_user(self.request.user).select_related("customer", "created_by")
        params = self.request.query_params
        if self.action == "list":
            for name in ("kind", "status"):
                if params.get(name):
                    qs = qs.filter(**{name: params[name]})
        return qs.order_by("-planned_date", "-pk")

    @extend_schema(request=VisitPlanSerializer, responses={201: VisitSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Plan a visit (supervision only)."""
        if not sees_supervision(request.user):
            raise Http404  # outside supervision the endpoint shows nothing, as on reads
        ser = VisitPlanSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        customer_id = data.pop("customer")
        customer = None
        if customer_id is not None:
            customer = customers_for_user(request.user).filter(pk=customer_id).first()
            if customer is None:
                raise ValidationFailed(_("找不到该客户"), field="customer")
        visit = services.visit_plan(actor=request.user, customer=customer, **data)
        return created(VisitSerializer(self.get_queryset().get(pk=visit.pk)).data)

    @extend_schema(request=VisitRecordSerializer, responses={200: VisitSerializer})
    @action(detail=True, methods=["post"], url_path="record")
    def record(self, request: Request, pk: str | None = None) -> Response:
        """Record a planned visit as done (findings) or cancel it; 409 once recorded."""
        visit = self.get_object()  # through visits_for_user: not visible → 404
        ser = VisitRecordSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.visit_record(visit=visit, actor=request.user, **ser.validated_data)
        return Response(VisitSerializer(self.get_object()).data)


class SuggestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The suggestion box (意见箱): the public page's and the paper ones (filter: channel).
    Supervision types in the paper forms; the service director reads."""

    serializer_class = SuggestionSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("channel", str, description=" | ".join(Suggestion.Channel.values)),
        ]
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return Suggestion.objects.none()
        qs = suggestions_for_user(self.request.user).select_related("entered_by")
        channel = self.request.query_params.get("channel")
        if self.action == "list" and channel:
            qs = qs.filter(channel=channel)
        return qs.order_by("-received_at", "-pk")

    @extend_schema(request=SuggestionCreateSerializer, responses={201: SuggestionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Enter a paper suggestion (supervision only)."""
        if not sees_supervision(request.user):
            raise Http404  # outside supervision the endpoint shows nothing, as on reads
        ser = SuggestionCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        suggestion = services.suggestion_submit(actor=request.user, **ser.validated_data)
        return created(SuggestionSerializer(self.get_queryset().get(pk=suggestion.pk)).data)


# --- survey forms (S11) ---------------------------------------------------------------------


class SurveyQuestionSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=" | ".join(SurveyQuestion.Kind.values))

    class Meta:
        model = SurveyQuestion
        fields = ["id", "position", "text", "kind", "required"]
        read_only_fields = fields


class SurveyFormSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=" | ".join(SurveyForm.Kind.values))
    questions = SurveyQuestionSerializer(many=True, read_only=True)
    sent = serializers.IntegerField(read_only=True, help_text="invitations sent")
    answered = serializers.IntegerField(read_only=True, help_text="invitations answered")
    responses_count = serializers.IntegerField(
        read_only=True, help_text="answer sheets, paper cards typed in included"
    )
    rate = serializers.SerializerMethodField(help_text="answered / sent in %, or null")

    class Meta:
        model = SurveyForm
        fields = [
            "id",
            "code",
            "title",
            "kind",
            "intro",
            "active",
            "questions",
            "sent",
            "answered",
            "responses_count",
            "rate",
        ]
        read_only_fields = fields

    def get_rate(self, form: SurveyForm) -> float | None:
        sent = form.sent  # type: ignore[attr-defined]
        return round(100 * form.answered / sent, 1) if sent else None  # type: ignore[attr-defined]


class QuestionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.CharField(help_text=" | ".join(SurveyQuestion.Kind.values))
    grades = serializers.DictField(
        child=serializers.IntegerField(), help_text="answers per grade, A–E (all five keys)"
    )
    total = serializers.IntegerField(help_text="graded answers")
    mean = serializers.FloatField(allow_null=True, help_text="mean points, A = 5 … E = 1, or null")


class QuestionMeanSerializer(serializers.Serializer):
    question = serializers.IntegerField(help_text="question id (a grade question)")
    mean = serializers.FloatField(allow_null=True, help_text="mean points, A = 5 … E = 1, or null")


class TechnicianResultSerializer(serializers.Serializer):
    name = serializers.CharField()
    means = QuestionMeanSerializer(many=True, help_text="one per grade question, in form order")


class SurveyFormResultsSerializer(serializers.Serializer):
    questions = QuestionResultSerializer(many=True)
    technicians = TechnicianResultSerializer(
        many=True, help_text="per technician rated (technician rating forms only), by name"
    )


def _results_json(results: dict[str, Any]) -> dict[str, Any]:
    """`survey_form_results` holds model objects and lists aligned with the grade order; the API
    answers plain JSON keyed by grade and question."""
    grade_questions = results["grade_questions"]
    return {
        "questions": [
            {
                "id": row["question"].pk,
                "text": row["question"].text,
                "kind": row["question"].kind,
                "grades": dict(zip(GRADE_POINTS, row["grades"], strict=True)),
                "total": row["total"],
                "mean": row["mean"],
            }
            for row in results["questions"]
        ],
        "technicians": [
            {
                "name": entry["name"],
                "means": [
                    {"question": question.pk, "mean": mean}
                    for question, mean in zip(grade_questions, entry["means"], strict=True)
                ],
            }
            for entry in results["technicians"]
        ],
    }


class SurveyFormViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The configurable survey forms (technician rating, annual survey, opinion card) with their
    questions and response counts (filters: kind, active); `send` starts a campaign."""

    serializer_class = SurveyFormSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, description=" | ".join(SurveyForm.Kind.values)),
            OpenApiParameter("active", bool),
        ]
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return SurveyForm.objects.none()
        qs = survey_forms_for_user(self.request.user).prefetch_related("questions")
        params = self.request.query_params
        if self.action == "list":
            if params.get("kind"):
                qs = qs.filter(kind=params["kind"])
            flag = _flag(params.get("active"))
            if flag is not None:
                qs = qs.filter(active=flag)
        return qs.order_by("kind", "code", "pk")

    @extend_schema(responses={200: SurveyFormResultsSerializer})
    @action(detail=True, methods=["get"], url_path="results")
    def results(self, request: Request, pk: str | None = None) -> Response:
        """Answers per grade and question; for a technician rating, each technician's means."""
        form = self.get_object()  # through survey_forms_for_user: not visible → 404
        data = _results_json(survey_form_results(form))
        return Response(SurveyFormResultsSerializer(data).data)

    @extend_schema(request=None, responses={202: JobStateSerializer})
    @action(detail=True, methods=["post"], url_path="send")
    def send(self, request: Request, pk: str | None = None) -> Response:
        """Send the annual survey or an opinion card to every customer who can be reached, in
        the background: 202 with the job; follow it at `/api/v1/jobs/{id}/` (the Location)."""
        form = self.get_object()
        job = services.survey_campaign_start(actor=request.user, form=form)
        return Response(
            job_state(job),
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/jobs/{job.pk}/"},
        )


# --- mystery inspections (S10) --------------------------------------------------------------


class MysteryInspectionSerializer(serializers.ModelSerializer):
    # The alias and nothing else: who the inspector is stays with the head of supervision.
    inspector = serializers.CharField(
        source="inspector.alias",
        default=None,
        read_only=True,
        help_text="the undisclosed inspector's alias; null for an open inspection by the recorder",
    )
    order_number = serializers.CharField(source="order.number", default=None, read_only=True)
    recorded_by = serializers.CharField(
        source="recorded_by.username", read_only=True, help_text="the supervisor who recorded it"
    )
    score = serializers.IntegerField(read_only=True, help_text="items done of the seven (0–7)")

    class Meta:
        model = MysteryInspection
        fields = [
            "id",
            "date",
            "order",
            "order_number",
            "inspector",
            "recorded_by",
            *(name for name, _label in MysteryInspection.CHECKLIST),
            "score",
            "findings",
            "created_at",
        ]
        read_only_fields = fields


class MysteryInspectionCreateSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="the day of the inspection (not in the future)")
    order = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="work order number (optional)"
    )
    inspector = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="alias of an active undisclosed inspector; empty: the recorder inspected openly",
    )
    # Checked by the service, so its message is the one shown.
    checks = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="the items done: " + " | ".join(n for n, _l in MysteryInspection.CHECKLIST),
    )
    findings = serializers.CharField(required=False, allow_blank=True, default="")


class MysteryInspectionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Mystery inspections (秘密监察) against the "seven ones": supervisors and the service
    director only — superusers and the admin role see nothing (S10). Inspectors appear by alias."""

    serializer_class = MysteryInspectionSerializer

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return MysteryInspection.objects.none()
        qs = mystery_inspections_for_user(self.request.user).select_related(
            "inspector", "recorded_by", "order"
        )
        return qs.order_by("-date", "-pk")

    @extend_schema(
        request=MysteryInspectionCreateSerializer, responses={201: MysteryInspectionSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record an inspection (supervisors only; the director gets 403)."""
        user = request.user
        if not sees_mystery_findings(user):
            raise Http404  # outside the findings' readers the endpoint shows nothing, as on reads
        ser = MysteryInspectionCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        order, inspector = services.mystery_report_sources(
            actor=user, order_number=data["order"], inspector_alias=data["inspector"]
        )
        inspection = services.mystery_inspection_record(
            actor=user,
            date=data["date"],
            checks=set(data["checks"]),
            findings=data["findings"],
            order=order,
            inspector=inspector,
        )
        return created(MysteryInspectionSerializer(self.get_queryset().get(pk=inspection.pk)).data)
