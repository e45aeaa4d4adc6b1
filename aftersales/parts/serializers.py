from __future__ import annotations

from rest_framework import serializers

from .models import (
    Disposal,
    OldPartReturn,
    Receipt,
    Requisition,
    Scrap,
    StockBalance,
    StockCount,
    StockMovement,
    Transfer,
)


class StockBalanceSerializer(serializers.ModelSerializer):
    location_code = serializers.CharField(source="location.code", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    part_code = serializers.CharField(source="part.code", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)
    category = serializers.CharField(source="part.category", read_only=True)

    class Meta:
        model = StockBalance
        fields = [
            "id",
            "location",
            "location_code",
            "location_name",
            "part",
            "part_code",
            "part_name",
            "category",
            "condition",
            "quantity",
        ]


class StockMovementSerializer(serializers.ModelSerializer):
    part_code = serializers.CharField(source="part.code", read_only=True)
    from_code = serializers.CharField(source="from_location.code", read_only=True)
    to_code = serializers.CharField(source="to_location.code", read_only=True)
    actor_name = serializers.CharField(source="actor", default=None, read_only=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "at",
            "actor_name",
            "part",
            "part_code",
            "condition",
            "quantity",
            "from_location",
            "from_code",
            "to_location",
            "to_code",
            "unit_cost",
            "doc_type",
            "doc_number",
            "order",
            "batch",
            "reason",
        ]


class RequisitionSerializer(serializers.ModelSerializer):
    # Plain text: each document has its own status choices, and one enum per "status" field
    # would collide in the OpenAPI schema.
    status = serializers.CharField(read_only=True)
    order_number = serializers.CharField(source="order.number", default=None, read_only=True)
    part_code = serializers.CharField(source="part.code", read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)

    class Meta:
        model = Requisition
        fields = [
            "id",
            "number",
            "status",
            "order",
            "order_number",
            "requester",
            "warehouse",
            "warehouse_code",
            "part",
            "part_code",
            "quantity",
            "reason",
            "created_at",
            "decided_at",
            "issued_at",
        ]
        read_only_fields = fields


class RequisitionCreateSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    part = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class TransitionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=20)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)
    warehouse = serializers.IntegerField(required=False)


def _doc_serializer(model_cls: type, extra: list[str]) -> type[serializers.ModelSerializer]:
    meta = type(
        "Meta",
        (),
        {
            "model": model_cls,
            "fields": ["id", "number", "status", "created_at", "note", *extra],
            "read_only_fields": ["id", "number", "status", "created_at", "note", *extra],
        },
    )
    return type(
        f"{model_cls.__name__}Serializer",
        (serializers.ModelSerializer,),
        {"Meta": meta, "status": serializers.CharField(read_only=True)},
    )


ReceiptSerializer = _doc_serializer(Receipt, ["warehouse", "supplier"])
TransferSerializer = _doc_serializer(
    Transfer, ["from_warehouse", "to_warehouse", "sent_at", "received_at"]
)
StockCountSerializer = _doc_serializer(StockCount, ["warehouse", "approved_at"])
ScrapSerializer = _doc_serializer(Scrap, ["warehouse", "part", "condition", "quantity", "reason"])
OldPartReturnSerializer = _doc_serializer(
    OldPartReturn, ["order", "part", "quantity", "warehouse", "arrived_at", "disposal"]
)
DisposalSerializer = _doc_serializer(Disposal, ["warehouse", "month", "posted_at"])
