"""REST endpoints under /api/v1/parts/: every read through the selectors (404 when not yours),
every change through the services (409 for a transition the document's state does not allow)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.core.api import created
from aftersales.core.errors import ValidationFailed
from aftersales.service.selectors import get_work_order_for_user

from . import selectors, services
from .models import Part, Requisition, StockBalance, StockMovement
from .serializers import (
    DisposalSerializer,
    OldPartReturnSerializer,
    ReceiptSerializer,
    RequisitionCreateSerializer,
    RequisitionSerializer,
    ScrapSerializer,
    StockBalanceSerializer,
    StockCountSerializer,
    StockMovementSerializer,
    TransferSerializer,
    TransitionSerializer,
)


class StockViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Stock on hand per location, part and condition."""

    serializer_class = StockBalanceSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return StockBalance.objects.none()
        p = self.request.query_params
        if p.get("location"):
            selectors.get_location_for_user(self.request.user, p.get("location"))
        return selectors.stocks_for_user(
            self.request.user,
            location=p.get("location") or None,
            part=p.get("part", ""),
            category=p.get("category", ""),
            condition=p.get("condition", ""),
            below_reorder=p.get("below") == "1",
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("location", int),
            OpenApiParameter("part", str, description="code or name contains"),
            OpenApiParameter("category", str),
            OpenApiParameter("condition", str),
            OpenApiParameter("below", str, description="1: only below the reorder point"),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class MovementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The ledger, newest first (pages never count the table)."""

    serializer_class = StockMovementSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return StockMovement.objects.none()
        p = self.request.query_params
        return selectors.movements_for_user(
            self.request.user,
            location=p.get("location") or None,
            part=p.get("part", ""),
            doc_type=p.get("doc_type", ""),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("location", int),
            OpenApiParameter("part", str, description="part code"),
            OpenApiParameter("doc_type", str),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A parts document: list, retrieve and `transitions/` (409 when the state forbids it)."""

    filter_backends: list[Any] = []
    scope: Any = None
    transition: Any = None

    def get_queryset(self):  # type: ignore[override]
        model = self.get_serializer_class().Meta.model
        if getattr(self, "swagger_fake_view", False):
            return model.objects.none()
        return type(self).scope(self.request.user)

    def get_object(self):  # type: ignore[override]
        return selectors.get_for_user(self.get_queryset(), self.kwargs["pk"])

    def _extra(self, data: dict[str, Any]) -> dict[str, Any]:
        return {}

    @extend_schema(request=TransitionSerializer)
    @action(detail=True, methods=["post"], url_path="transitions")
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        ser = TransitionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        obj = type(self).transition(
            obj=obj,
            action=data["action"],
            actor=request.user,
            reason=data.get("reason", ""),
            **self._extra(data),
        )
        return Response(self.get_serializer(obj).data)


class RequisitionViewSet(mixins.CreateModelMixin, DocumentViewSet):
    serializer_class = RequisitionSerializer
    scope = staticmethod(selectors.requisitions_for_user)
    transition = staticmethod(services.requisition_transition)

    def _extra(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("warehouse"):
            return {
                "warehouse": selectors.get_location_for_user(self.request.user, data["warehouse"])
            }
        return {}

    @extend_schema(request=RequisitionCreateSerializer, responses={201: RequisitionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ser = RequisitionCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        order = get_work_order_for_user(request.user, data["order"], write=True)
        part = Part.objects.filter(pk=data["part"], is_active=True).first()
        if part is None:
            raise ValidationFailed("备件不存在", field="part")
        req: Requisition = services.requisition_request(
            order=order,
            actor=request.user,
            part=part,
            quantity=data["quantity"],
            reason=data.get("reason", ""),
        )
        return created(RequisitionSerializer(req).data)


class ReceiptViewSet(DocumentViewSet):
    serializer_class = ReceiptSerializer
    scope = staticmethod(selectors.receipts_for_user)
    transition = staticmethod(services.receipt_transition)


class TransferViewSet(DocumentViewSet):
    serializer_class = TransferSerializer
    scope = staticmethod(selectors.transfers_for_user)
    transition = staticmethod(services.transfer_transition)


class StockCountViewSet(DocumentViewSet):
    serializer_class = StockCountSerializer
    scope = staticmethod(selectors.counts_for_user)
    transition = staticmethod(services.stock_count_transition)


class ScrapViewSet(DocumentViewSet):
    serializer_class = ScrapSerializer
    scope = staticmethod(selectors.scraps_for_user)
    transition = staticmethod(services.scrap_transition)


class OldPartReturnViewSet(DocumentViewSet):
    serializer_class = OldPartReturnSerializer
    scope = staticmethod(selectors.old_returns_for_user)
    transition = staticmethod(services.old_part_return_transition)


class DisposalViewSet(DocumentViewSet):
    serializer_class = DisposalSerializer
    scope = staticmethod(selectors.disposals_for_user)
    transition = staticmethod(services.disposal_transition)


class ReplenishmentView(APIView):
    """The replenishment suggestion for the warehouses the user may see."""

    @extend_schema(
        parameters=[OpenApiParameter("days", int), OpenApiParameter("location", int)],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        if not selectors.may_use_parts_pages(request.user):
            raise Http404
        try:
            days = min(max(int(request.query_params.get("days", 30)), 1), 365)
        except ValueError:
            days = 30
        rows = selectors.replenishment_suggestion(
            request.user, days=days, location=request.query_params.get("location")
        )
        return Response(
            [
                {
                    "warehouse": r["warehouse"].code,
                    "part": r["part"].code,
                    "on_hand": r["on_hand"],
                    "incoming": r["incoming"],
                    "consumed": r["consumed"],
                    "min_quantity": r["min_quantity"],
                    "target": r["target"],
                    "suggested": r["suggested"],
                    "emergency": r["emergency"],
                }
                for r in rows
            ]
        )
