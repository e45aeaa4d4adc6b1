"""REST endpoints under /api/v1/quality/: rulings (create, transitions), claims (transitions),
job costs. Reads through the selectors (404 for not-yours); invalid transitions answer 409."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.core.api import created

from . import costing, selectors, services
from .models import (
    ClaimLine,
    CostPolicy,
    JobCost,
    Ruling,
    RulingParty,
    RulingShare,
    ShareParty,
    SupplierClaim,
)


# Plain strings rather than enums for `party` and `status`: several models share those names
# with different choices, and the schema would get colliding enum names (codes in the docs).
class ShareSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    party = serializers.CharField(
        read_only=True, help_text="manufacturer|supplier|customer|third_party"
    )

    class Meta:
        model = RulingShare
        fields = [
            "party",
            "department",
            "supplier",
            "third_party_name",
            "label",
            "percent",
            "parts_amount",
            "labour_amount",
            "travel_amount",
            "total_amount",
        ]


class RulingSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    shares = ShareSerializer(many=True, read_only=True)
    supersedes = serializers.CharField(source="supersedes.number", default=None, read_only=True)
    status = serializers.CharField(read_only=True)
    party = serializers.CharField(read_only=True)

    class Meta:
        model = Ruling
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "status",
            "party",
            "policy",
            "findings",
            "supersedes",
            "parts_cost",
            "labour_cost",
            "travel_cost",
            "total_cost",
            "cost_detail",
            "appeal_reason",
            "appeal_outcome",
            "issued_at",
            "final_at",
            "shares",
        ]


class ShareInputSerializer(serializers.Serializer):
    party = serializers.CharField(help_text=" | ".join(ShareParty.values))
    percent = serializers.DecimalField(max_digits=6, decimal_places=2)
    department = serializers.CharField(required=False, allow_blank=True, default="")
    supplier = serializers.IntegerField(required=False, allow_null=True, default=None)
    third_party_name = serializers.CharField(required=False, allow_blank=True, default="")


class RulingSpecSerializer(serializers.Serializer):
    party = serializers.CharField(help_text=" | ".join(RulingParty.values))
    findings = serializers.CharField()
    department = serializers.CharField(required=False, allow_blank=True, default="")
    supplier = serializers.IntegerField(required=False, allow_null=True, default=None)
    third_party_name = serializers.CharField(required=False, allow_blank=True, default="")
    shares = ShareInputSerializer(many=True, required=False, default=list)
    policy = serializers.IntegerField(required=False, allow_null=True, default=None)

    def to_spec(self) -> services.RulingSpec:
        data = dict(self.validated_data)
        data.pop("order", None)
        data.pop("issue", None)
        shares = [services.ShareInput(**s) for s in data.pop("shares", [])]
        return services.RulingSpec(shares=shares, **data)


class RulingCreateSerializer(RulingSpecSerializer):
    order = serializers.IntegerField()
    issue = serializers.BooleanField(required=False, default=False)


class RulingTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(services.RULING_TRANSITIONS))
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    revision = RulingSpecSerializer(required=False, help_text="the new ruling, for `revise`")


class RulingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RulingSerializer

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return Ruling.objects.none()
        params = self.request.query_params
        return selectors.ruling_list(
            self.request.user, status=params.get("status", ""), party=params.get("party", "")
        ).prefetch_related("shares__supplier")

    def get_object(self):  # type: ignore[override]
        return selectors.get_ruling_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(request=RulingCreateSerializer, responses={201: RulingSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not selectors.may_rule(request.user):
            raise Http404
        ser = RulingCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        order = selectors.get_order_for_costing(request.user, ser.validated_data["order"])
        ruling = services.ruling_create(
            order=order,
            actor=request.user,
            spec=ser.to_spec(),
            issue=ser.validated_data["issue"],
        )
        return created(RulingSerializer(ruling).data)

    @extend_schema(request=RulingTransitionSerializer, responses={200: RulingSerializer})
    @action(detail=True, methods=["post"], url_path="transitions")
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        ruling = selectors.get_ruling_for_user(request.user, pk, write=True)
        ser = RulingTransitionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data: dict[str, Any] = {}
        if "revision" in request.data:
            spec_ser = RulingSpecSerializer(data=request.data["revision"])
            spec_ser.is_valid(raise_exception=True)
            data["spec"] = spec_ser.to_spec()
        result = services.ruling_transition(
            ruling=ruling,
            action=ser.validated_data["action"],
            actor=request.user,
            reason=ser.validated_data["reason"],
            **data,
        )
        return Response(RulingSerializer(result).data)


class ClaimLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimLine
        fields = ["kind", "description", "amount"]


class ClaimSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    ruling_number = serializers.CharField(source="ruling.number", read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    status = serializers.CharField(read_only=True)
    lines = ClaimLineSerializer(many=True, read_only=True)

    class Meta:
        model = SupplierClaim
        fields = [
            "id",
            "number",
            "status",
            "order",
            "order_number",
            "ruling",
            "ruling_number",
            "supplier",
            "supplier_name",
            "claimed_amount",
            "accepted_amount",
            "recovered_amount",
            "evidence",
            "submitted_at",
            "answered_at",
            "settled_at",
            "lines",
        ]


class ClaimTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(services.CLAIM_TRANSITIONS))
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    accepted_amount = serializers.CharField(required=False)
    recovered_amount = serializers.CharField(required=False)


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ClaimSerializer

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return SupplierClaim.objects.none()
        params = self.request.query_params
        return selectors.claim_list(
            self.request.user, status=params.get("status", ""), supplier=params.get("supplier")
        ).prefetch_related("lines")

    def get_object(self):  # type: ignore[override]
        return selectors.get_claim_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(request=ClaimTransitionSerializer, responses={200: ClaimSerializer})
    @action(detail=True, methods=["post"], url_path="transitions")
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        claim = selectors.get_claim_for_user(request.user, pk, write=True)
        ser = ClaimTransitionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        claim = services.claim_transition(
            claim=claim,
            action=data.pop("action"),
            actor=request.user,
            reason=data.pop("reason", ""),
            **data,
        )
        return Response(ClaimSerializer(claim).data)


class JobCostSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    ruling_number = serializers.CharField(source="ruling.number", default=None, read_only=True)
    party = serializers.CharField(read_only=True)

    class Meta:
        model = JobCost
        fields = [
            "order",
            "order_number",
            "outlet",
            "cost_date",
            "party",
            "ruling_number",
            "parts",
            "labour",
            "travel",
            "total",
            "labour_hours",
            "labour_rate",
            "travel_km",
            "travel_rate",
            "detail",
            "computed_at",
        ]


class JobCostViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Stored job costs (filters: date_from, date_to, outlet, party); `{order id}/` computes the
    cost of one order now, with how each figure was reached."""

    serializer_class = JobCostSerializer

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return JobCost.objects.none()
        p = self.request.query_params
        outlet = p.get("outlet", "")
        return selectors.job_cost_list(
            self.request.user,
            date_from=p.get("date_from"),
            date_to=p.get("date_to"),
            outlet=int(outlet) if outlet.isdigit() else None,
            party=p.get("party", ""),
        )

    @extend_schema(
        responses={200: dict},
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="order id")],
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        order = selectors.get_order_for_costing(request.user, pk)
        return Response(
            {"order": order.pk, "order_number": order.number, **costing.job_cost(order).as_detail()}
        )


class CostPolicySerializer(serializers.ModelSerializer):
    shares = serializers.SerializerMethodField()
    party = serializers.CharField(read_only=True)

    class Meta:
        model = CostPolicy
        fields = ["id", "code", "name", "description", "party", "shares"]

    def get_shares(self, obj: CostPolicy) -> list[dict[str, Any]]:
        return [
            {"party": s.party, "department": s.department, "percent": str(s.percent)}
            for s in obj.shares.all()
        ]


class CostPolicyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CostPolicySerializer

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False) or not selectors.sees_quality(
            self.request.user
        ):
            return CostPolicy.objects.none()
        return CostPolicy.objects.filter(is_active=True).prefetch_related("shares")
