from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.accounts import roles
from aftersales.core.errors import PermissionDenied

from . import selectors, services
from .models import WorkOrder
from .serializers import (
    IntakeResultSerializer,
    IntakeSerializer,
    TransitionRequestSerializer,
    WorkOrderDetailSerializer,
    WorkOrderFilterSerializer,
    WorkOrderListSerializer,
)


class WorkOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Work orders. Intake honours an `Idempotency-Key` header; state changes go through
    `transitions/` and answer 409 for an action the current state does not allow."""

    serializer_class = WorkOrderListSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no query
            return WorkOrder.objects.none()
        params = WorkOrderFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        values = params.validated_data
        return selectors.work_order_list(
            self.request.user,
            status=values.get("status", ""),
            date_from=values.get("date_from"),
            date_to=values.get("date_to"),
            q=values.get("q", ""),
            outlet=values.get("outlet"),
        )

    def get_object(self):  # type: ignore[override]
        return selectors.get_work_order_for_user(self.request.user, self.kwargs["pk"])

    def get_serializer_class(self):  # type: ignore[override]
        if self.action == "retrieve":
            return WorkOrderDetailSerializer
        if self.action == "create":
            return IntakeSerializer
        return WorkOrderListSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="state code, or `open`"),
            OpenApiParameter("date_from", str, description="received on or after (YYYY-MM-DD)"),
            OpenApiParameter("date_to", str, description="received on or before (YYYY-MM-DD)"),
            OpenApiParameter("q", str, description="number, reporter, serial or phone"),
            OpenApiParameter("outlet", int, description="outlet id"),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=IntakeSerializer,
        responses={
            201: IntakeResultSerializer,
            200: OpenApiResponse(
                IntakeResultSerializer, description="replay of an earlier Idempotency-Key"
            ),
        },
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not roles.can_take_intake(request.user):
            raise PermissionDenied("您的角色不能登记报修")
        ser = IntakeSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = services.IntakeData(**ser.validated_data)
        key = (request.headers.get("Idempotency-Key") or "").strip()[:100]
        order, created = services.work_order_intake(
            actor=request.user, data=data, idempotency_key=key
        )
        # A slim answer built from the order in hand (no queries); the detail is one GET away.
        body = IntakeResultSerializer(order).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=TransitionRequestSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"], url_path="transitions")
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        order = selectors.get_work_order_for_user(request.user, pk, write=True)
        ser = TransitionRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        order = services.work_order_transition(
            order=order,
            action=data.pop("action"),
            actor=request.user,
            reason=data.pop("reason", ""),
            **data,
        )
        return Response(WorkOrderDetailSerializer(order, context={"request": request}).data)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"], url_path="suggestions")
    def suggestions(self, request: Request, pk: str | None = None) -> Response:
        if not roles.can_dispatch(request.user):
            raise Http404
        order = selectors.get_work_order_for_user(request.user, pk, write=True)
        rows = selectors.suggest_technicians(order)
        return Response(
            [
                {
                    "staff": r["staff"].pk,
                    "name": str(r["staff"].user),
                    "rank": r["rank"],
                    "distance_km": r["distance_km"],
                    "open_jobs": r["open_jobs"],
                    "qualified": r["qualified"],
                    "problems": r["problems"],
                }
                for r in rows
            ]
        )
