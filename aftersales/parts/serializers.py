from __future__ import annotations

from rest_framework import serializers

from aftersales.products.models import Supplier

from .models import (
    Condition,
    Disposal,
    DisposalLine,
    OldPartReturn,
    Receipt,
    ReceiptLine,
    Requisition,
    Scrap,
    StockBalance,
    StockCount,
    StockCountLine,
    StockMovement,
    Transfer,
    TransferLine,
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


def _doc_serializer(
    model_cls: type, extra: list[str], **declared: serializers.Field
) -> type[serializers.ModelSerializer]:
    """A document's read serializer; `declared` adds fields such as its nested lines."""
    fields = ["id", "number", "status", "created_at", "note", *extra, *declared]
    meta = type("Meta", (), {"model": model_cls, "fields": fields, "read_only_fields": fields})
    return type(
        f"{model_cls.__name__}Serializer",
        (serializers.ModelSerializer,),
        {"Meta": meta, "status": serializers.CharField(read_only=True), **declared},
    )


class ReceiptLineSerializer(serializers.ModelSerializer):
    part_code = serializers.CharField(source="part.code", read_only=True)

    class Meta:
        model = ReceiptLine
        fields = ["id", "part", "part_code", "quantity", "unit_cost", "batch"]
        read_only_fields = fields


class TransferLineSerializer(serializers.ModelSerializer):
    part_code = serializers.CharField(source="part.code", read_only=True)

    class Meta:
        model = TransferLine
        fields = ["id", "part", "part_code", "condition", "quantity"]
        read_only_fields = fields


class StockCountLineSerializer(serializers.ModelSerializer):
    part_code = serializers.CharField(source="part.code", read_only=True)
    variance = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = StockCountLine
        fields = [
            "id",
            "part",
            "part_code",
            "condition",
            "system_quantity",
            "counted_quantity",
            "variance",
        ]
        read_only_fields = fields


class DisposalLineSerializer(serializers.ModelSerializer):
    # Plain text like the documents' status: an "action" enum would collide in the schema.
    action = serializers.CharField(read_only=True)
    old_return_number = serializers.CharField(source="old_return.number", read_only=True)
    part = serializers.IntegerField(source="old_return.part_id", read_only=True)
    part_code = serializers.CharField(source="old_return.part.code", read_only=True)
    quantity = serializers.IntegerField(source="old_return.quantity", read_only=True)

    class Meta:
        model = DisposalLine
        fields = [
            "id",
            "old_return",
            "old_return_number",
            "part",
            "part_code",
            "quantity",
            "action",
        ]
        read_only_fields = fields


ReceiptSerializer = _doc_serializer(
    Receipt, ["warehouse", "supplier"], lines=ReceiptLineSerializer(many=True, read_only=True)
)
TransferSerializer = _doc_serializer(
    Transfer,
    ["from_warehouse", "to_warehouse", "sent_at", "received_at"],
    lines=TransferLineSerializer(many=True, read_only=True),
)
StockCountSerializer = _doc_serializer(
    StockCount,
    ["warehouse", "approved_at"],
    lines=StockCountLineSerializer(many=True, read_only=True),
)
DisposalSerializer = _doc_serializer(
    Disposal,
    ["warehouse", "month", "posted_at"],
    lines=DisposalLineSerializer(many=True, read_only=True),
)
ScrapSerializer = _doc_serializer(Scrap, ["warehouse", "part", "condition", "quantity", "reason"])
OldPartReturnSerializer = _doc_serializer(
    OldPartReturn, ["order", "part", "quantity", "warehouse", "arrived_at", "disposal"]
)


# --- input: creating documents ----------------------------------------------------------------
# Quantities are checked by the services (one message for people, wherever the request came
# from); ids of parts and warehouses are resolved in the API through the user's rights.


class ReceiptLineInputSerializer(serializers.Serializer):
    part = serializers.IntegerField()
    quantity = serializers.IntegerField()
    unit_cost = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    batch = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class ReceiptCreateSerializer(serializers.Serializer):
    warehouse = serializers.IntegerField()
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=Supplier.objects.filter(is_active=True), required=False, allow_null=True
    )
    lines = ReceiptLineInputSerializer(many=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TransferLineInputSerializer(serializers.Serializer):
    part = serializers.IntegerField()
    quantity = serializers.IntegerField()
    condition = serializers.ChoiceField(choices=Condition.choices, default=Condition.NEW)


class TransferCreateSerializer(serializers.Serializer):
    from_warehouse = serializers.IntegerField()
    to_warehouse = serializers.IntegerField()
    lines = TransferLineInputSerializer(many=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class StockCountCreateSerializer(serializers.Serializer):
    warehouse = serializers.IntegerField()
    parts = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="only these parts (a cycle count); all on the books when omitted",
    )


class CountedLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the count line's id")
    counted_quantity = serializers.IntegerField()


class StockCountLinesSerializer(serializers.Serializer):
    lines = CountedLineSerializer(many=True)


class ScrapCreateSerializer(serializers.Serializer):
    warehouse = serializers.IntegerField()
    part = serializers.IntegerField()
    quantity = serializers.IntegerField()
    condition = serializers.ChoiceField(choices=Condition.choices, default=Condition.NEW)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DisposalCreateSerializer(serializers.Serializer):
    warehouse = serializers.IntegerField()
    month = serializers.DateField(
        input_formats=["%Y-%m", "iso-8601"], help_text="YYYY-MM (or any day of the month)"
    )
    action = serializers.CharField(
        max_length=16,
        required=False,
        help_text="default for every line: scrap, return_supplier or refurbish",
    )


class DisposalLineActionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the disposal line's id")
    action = serializers.CharField(max_length=16)


class DisposalLinesSerializer(serializers.Serializer):
    lines = DisposalLineActionSerializer(many=True)


class MovementFilterSerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True)
