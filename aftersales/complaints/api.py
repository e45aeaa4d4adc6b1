"""REST endpoints under /api/v1/complaints/: the ledger (list, retrieve), intake (create) and
the steps (`{id}/transitions/`). Reads through the selectors (404 for not-yours); an invalid
step answers 409, a step the role may not take 403."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.core.api import created

from . import selectors, services
from .models import Complaint, Penalty


class ComplaintPenaltySerializer(serializers.ModelSerializer):
    class Meta:
        model = Penalty
        fields = ["person", "amount", "loss", "reason", "unanswered"]


class ComplaintSerializer(serializers.ModelSerializer):
    level = serializers.CharField(source="level.code", read_only=True)
    status = serializers.CharField(read_only=True)
    type = serializers.CharField(read_only=True)
    channel = serializers.CharField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, default=False)
    recurring_of: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="number", many=True, read_only=True
    )
    penalties = ComplaintPenaltySerializer(many=True, read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "type",
            "service_aspect",
            "level",
            "channel",
            "status",
            "complainant",
            "contact",
            "customer",
            "unit",
            "work_order",
            "against_department",
            "against_person",
            "description",
            "request",
            "received_at",
            "deadline",
            "is_overdue",
            "is_recurring",
            "recurring_of",
            "is_valid",
            "answer",
            "category",
            "department",
            "cause",
            "responsible_department",
            "responsible_person",
            "solution",
            "notification",
            "closed_at",
            "penalties",
        ]


class ComplaintCreateSerializer(serializers.Serializer):
    type = serializers.CharField()
    level = serializers.CharField(help_text="level code, e.g. general")
    channel = serializers.CharField()
    complainant = serializers.CharField(max_length=60)
    description = serializers.CharField()
    contact = serializers.CharField(required=False, allow_blank=True, default="")
    service_aspect = serializers.CharField(required=False, allow_blank=True, default="")
    customer = serializers.IntegerField(required=False, allow_null=True, default=None)
    unit = serializers.CharField(required=False, allow_blank=True, default="")
    fault_code = serializers.CharField(required=False, allow_blank=True, default="")
    work_order = serializers.CharField(required=False, allow_blank=True, default="")
    against_department = serializers.CharField(required=False, allow_blank=True, default="")
    against_person = serializers.CharField(required=False, allow_blank=True, default="")
    request = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintPenaltyInputSerializer(serializers.Serializer):
    person = serializers.CharField(max_length=60)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    loss = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, default=Decimal("0")
    )
    reason = serializers.CharField()
    unanswered = serializers.BooleanField(default=False)


class ComplaintTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(services.COMPLAINT_TRANSITIONS))
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(required=False)
    cause = serializers.CharField(required=False)
    responsible_department = serializers.CharField(required=False, allow_blank=True)
    responsible_person = serializers.CharField(required=False, allow_blank=True)
    solution = serializers.CharField(required=False)
    notification = serializers.CharField(required=False)
    penalties = ComplaintPenaltyInputSerializer(many=True, required=False)
    measure = serializers.CharField(required=False)
    department = serializers.CharField(required=False, allow_blank=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The ledger (filters: status, type, level, overdue=1, recurring=1, q)."""

    serializer_class = ComplaintSerializer

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return Complaint.objects.none()
        p = self.request.query_params
        return selectors.complaint_ledger(
            self.request.user,
            status=p.get("status", ""),
            type=p.get("type", ""),
            level=p.get("level", ""),
            overdue=p.get("overdue") == "1",
            recurring=p.get("recurring") == "1",
            q=p.get("q", ""),
        ).prefetch_related("recurring_of", "penalties")

    def get_object(self):  # type: ignore[override]
        return selectors.get_complaint_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not services.may_record(request.user):
            raise Http404
        ser = ComplaintCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        complaint = services.complaint_record(
            actor=request.user, data=services.ComplaintData(**ser.validated_data)
        )
        return created(ComplaintSerializer(self.get_object_for(complaint.pk)).data)

    def get_object_for(self, pk: int) -> Complaint:
        return selectors.get_complaint_for_user(self.request.user, pk)

    @extend_schema(request=ComplaintTransitionSerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"], url_path="transitions")
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        complaint = selectors.get_complaint_for_user(request.user, pk, write=True)
        ser = ComplaintTransitionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        services.complaint_transition(
            complaint=complaint,
            action=data.pop("action"),
            actor=request.user,
            reason=data.pop("reason", ""),
            **data,
        )
        return Response(ComplaintSerializer(self.get_object_for(complaint.pk)).data)
