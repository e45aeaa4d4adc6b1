"""REST endpoints under /api/v1/parts/: every read through the selectors (404 when not yours),
every change through the services (409 for a transition the document's state does not allow).

Documents are created in draft (`POST /api/v1/parts/<documents>/`) and moved on with
`{id}/transitions/`; a warehouse or part id in the body that the user may not see answers 400
like one that does not exist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.core.api import created
from aftersales.core.dates import start_of_day
from aftersales.core.errors import ValidationFailed
from aftersales.core.excel import xlsx_bytes
from aftersales.service.selectors import get_work_order_for_user

from . import selectors, services
from .models import Location, Part, Requisition, StockBalance, StockMovement
from .serializers import (
    DisposalCreateSerializer,
    DisposalLinesSerializer,
    DisposalSerializer,
    MovementFilterSerializer,
    OldPartReturnSerializer,
    ReceiptCreateSerializer,
    ReceiptSerializer,
    RequisitionCreateSerializer,
    RequisitionSerializer,
    ScrapCreateSerializer,
    ScrapSerializer,
    StockBalanceSerializer,
    StockCountCreateSerializer,
    StockCountLinesSerializer,
    StockCountSerializer,
    StockMovementSerializer,
    TransferCreateSerializer,
    TransferSerializer,
    TransitionSerializer,
)
from .views import EXPORT_LIMIT

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STOCK_FILTERS = [
    OpenApiParameter("location", int),
    OpenApiParameter("part", str, description="code or name contains"),
    OpenApiParameter("category", str),
    OpenApiParameter("condition", str),
    OpenApiParameter("below", str, description="1: only below the reorder point"),
]


# --- resolving ids in a request body through the user's rights ------------------------------


def _require_parts_user(user: Any) -> None:
    """Roles without any parts pages (agents, supervisors, customers): as if nothing existed."""
    if not selectors.may_use_parts_pages(user):
        raise Http404


def _warehouse(user: Any, pk: Any, field: str = "warehouse") -> Location:
    """A location the user may see; one the user may not see is refused like one that does not
    exist. Whether he may post documents for it is the service's check (403)."""
    location = selectors.locations_for_user(user).filter(pk=pk).first()
    if location is None:
        raise ValidationFailed(_("仓库不存在或您无权使用"), field=field)
    return location


def _part(pk: Any, field: str = "part") -> Part:
    part = Part.objects.filter(pk=pk, is_active=True).first()
    if part is None:
        raise ValidationFailed(_("备件不存在"), field=field)
    return part


def _lines_with_parts(lines: list[dict[str, Any]], field: str = "lines") -> list[dict[str, Any]]:
    """The body's lines with each part id replaced by the part (one query for all of them)."""
    parts = Part.objects.filter(is_active=True).in_bulk({line["part"] for line in lines})
    if any(line["part"] not in parts for line in lines):
        raise ValidationFailed(_("备件不存在"), field=field)
    return [{**line, "part": parts[line["part"]]} for line in lines]


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

    @extend_schema(parameters=STOCK_FILTERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=STOCK_FILTERS,
        responses={(200, XLSX): OpenApiTypes.BINARY},
        description="The stock on hand as an Excel workbook, with the list's filters.",
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request: Request) -> HttpResponse:
        _require_parts_user(request.user)
        rows = (
            (
                b.location.code,
                b.location.name,
                b.part.code,
                b.part.name,
                b.part.get_category_display(),
                b.get_condition_display(),
                b.quantity,
                b.part.unit,
            )
            for b in self.get_queryset()[:EXPORT_LIMIT]
        )
        headers = [_("库位编码"), _("库位"), _("备件编码"), _("名称"), _("类别"), _("状态")]
        headers += [_("数量"), _("单位")]
        response = HttpResponse(xlsx_bytes(headers, rows, title=_("库存")), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="stock.xlsx"'
        return response


class MovementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The ledger, newest first (pages never count the table)."""

    serializer_class = StockMovementSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return StockMovement.objects.none()
        p = self.request.query_params
        days = MovementFilterSerializer(data=p)
        days.is_valid(raise_exception=True)
        qs = selectors.movements_for_user(
            self.request.user,
            location=p.get("location") or None,
            part=p.get("part", ""),
            doc_type=p.get("doc_type", ""),
        )
        return self._within(qs, days.validated_data)

    @staticmethod
    def _within(qs: QuerySet[StockMovement], days: dict[str, Any]) -> QuerySet[StockMovement]:
        if days.get("date_from"):
            qs = qs.filter(at__gte=start_of_day(days["date_from"]))
        if days.get("date_to"):
            qs = qs.filter(at__lt=start_of_day(days["date_to"] + timedelta(days=1)))
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("location", int),
            OpenApiParameter("part", str, description="part code"),
            OpenApiParameter("doc_type", str),
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="on or after this day"),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="on or before this day"),
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
        part = _part(data["part"])
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

    def get_queryset(self):  # type: ignore[override]
        return super().get_queryset().prefetch_related("lines__part")

    @extend_schema(request=ReceiptCreateSerializer, responses={201: ReceiptSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A receipt in draft; `transitions/` with `post` puts it into stock."""
        _require_parts_user(request.user)
        ser = ReceiptCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        receipt = services.receipt_create(
            warehouse=_warehouse(request.user, data["warehouse"]),
            actor=request.user,
            lines=_lines_with_parts(data["lines"]),
            supplier=data.get("supplier"),
            note=data["note"],
        )
        return created(ReceiptSerializer(receipt).data)


class TransferViewSet(DocumentViewSet):
    serializer_class = TransferSerializer
    scope = staticmethod(selectors.transfers_for_user)
    transition = staticmethod(services.transfer_transition)

    def get_queryset(self):  # type: ignore[override]
        return super().get_queryset().prefetch_related("lines__part")

    @extend_schema(request=TransferCreateSerializer, responses={201: TransferSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A transfer in draft; `send` puts it in transit, the receiving side's `receive` into
        its warehouse. A station manager sends from his warehouse to any warehouse."""
        _require_parts_user(request.user)
        ser = TransferCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        from_warehouse = _warehouse(request.user, data["from_warehouse"], "from_warehouse")
        to_warehouse = Location.objects.filter(
            pk=data["to_warehouse"], kind__in=Location.WAREHOUSE_KINDS, is_active=True
        ).first()
        if to_warehouse is None:
            raise ValidationFailed(_("仓库不存在或您无权使用"), field="to_warehouse")
        transfer = services.transfer_create(
            from_warehouse=from_warehouse,
            to_warehouse=to_warehouse,
            actor=request.user,
            lines=_lines_with_parts(data["lines"]),
            note=data["note"],
        )
        return created(TransferSerializer(transfer).data)


class StockCountViewSet(DocumentViewSet):
    serializer_class = StockCountSerializer
    scope = staticmethod(selectors.counts_for_user)
    transition = staticmethod(services.stock_count_transition)

    def get_queryset(self):  # type: ignore[override]
        return super().get_queryset().prefetch_related("lines__part")

    @extend_schema(request=StockCountCreateSerializer, responses={201: StockCountSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start a count with the book quantities now; enter the counted ones with `lines/`."""
        _require_parts_user(request.user)
        ser = StockCountCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        warehouse = _warehouse(request.user, data["warehouse"])
        parts = None
        if data.get("parts"):
            wanted = [{"part": pk} for pk in data["parts"]]
            parts = [line["part"] for line in _lines_with_parts(wanted, field="parts")]
        count = services.stock_count_create(warehouse=warehouse, actor=request.user, parts=parts)
        return created(StockCountSerializer(count).data)

    @extend_schema(request=StockCountLinesSerializer, responses={200: StockCountSerializer})
    @action(detail=True, methods=["post"], url_path="lines")
    def lines(self, request: Request, pk: str | None = None) -> Response:
        """Enter counted quantities by line id (while the count is a draft)."""
        count = self.get_object()
        ser = StockCountLinesSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        counted = {line["id"]: line["counted_quantity"] for line in ser.validated_data["lines"]}
        services.stock_count_enter(count=count, actor=request.user, counted=counted)
        return Response(StockCountSerializer(self.get_object()).data)


class ScrapViewSet(DocumentViewSet):
    serializer_class = ScrapSerializer
    scope = staticmethod(selectors.scraps_for_user)
    transition = staticmethod(services.scrap_transition)

    @extend_schema(request=ScrapCreateSerializer, responses={201: ScrapSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A scrap in draft; a keeper's `approve` takes it out of stock."""
        _require_parts_user(request.user)
        ser = ScrapCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        scrap = services.scrap_create(
            warehouse=_warehouse(request.user, data["warehouse"]),
            part=_part(data["part"]),
            quantity=data["quantity"],
            condition=data["condition"],
            actor=request.user,
            reason=data["reason"],
        )
        return created(ScrapSerializer(scrap).data)


class OldPartReturnViewSet(DocumentViewSet):
    serializer_class = OldPartReturnSerializer
    scope = staticmethod(selectors.old_returns_for_user)
    transition = staticmethod(services.old_part_return_transition)


class DisposalViewSet(DocumentViewSet):
    serializer_class = DisposalSerializer
    scope = staticmethod(selectors.disposals_for_user)
    transition = staticmethod(services.disposal_transition)

    def get_queryset(self):  # type: ignore[override]
        return super().get_queryset().prefetch_related("lines__old_return__part")

    @extend_schema(request=DisposalCreateSerializer, responses={201: DisposalSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The month's disposal of the old parts that arrived at a warehouse (keepers only)."""
        _require_parts_user(request.user)
        ser = DisposalCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        extra = {"action": data["action"]} if data.get("action") else {}
        disposal = services.disposal_create(
            warehouse=_warehouse(request.user, data["warehouse"]),
            month=data["month"],
            actor=request.user,
            **extra,
        )
        return created(DisposalSerializer(disposal).data)

    @extend_schema(request=DisposalLinesSerializer, responses={200: DisposalSerializer})
    @action(detail=True, methods=["post"], url_path="lines")
    def lines(self, request: Request, pk: str | None = None) -> Response:
        """Change the action of some lines (while the disposal is a draft); all or none."""
        disposal = self.get_object()
        ser = DisposalLinesSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        wanted = ser.validated_data["lines"]
        lines = disposal.lines.select_related("disposal").in_bulk({w["id"] for w in wanted})
        if any(w["id"] not in lines for w in wanted):
            raise ValidationFailed(_("处置单中没有这一行"), field="lines")
        with transaction.atomic():
            for w in wanted:
                services.disposal_line_set_action(
                    line=lines[w["id"]], action=w["action"], actor=request.user
                )
        return Response(DisposalSerializer(self.get_object()).data)


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
