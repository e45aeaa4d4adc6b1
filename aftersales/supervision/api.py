"""Read-only REST endpoints under /api/v1/supervision/: callbacks, feedback forms and the survey
response rate. Reads through the selectors: roles outside supervision get empty lists and 404."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Callback, FeedbackForm
from .selectors import (
    callbacks_for_user,
    feedback_forms_for_user,
    sees_supervision,
    survey_response_rate,
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
