from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from aftersales.accounts import roles
from aftersales.core.masking import mask_phone
from aftersales.products.models import FaultGrade

from .models import Channel, OrderType, Status, WorkOrder, WorkOrderTransition


class WorkOrderListSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    unit_serial = serializers.CharField(source="unit.serial", default=None, read_only=True)
    outlet_name = serializers.CharField(source="outlet.name", default=None, read_only=True)
    contact_mobile = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "order_type",
            "status",
            "status_display",
            "channel",
            "unit_serial",
            "serial_text",
            "reporter_name",
            "contact_mobile",
            "fault_grade",
            "warranty_decision",
            "warranty_reason",
            "outlet_name",
            "received_at",
            "response_due",
            "arrival_due",
            "resolution_due",
            "duplicate_of",
        ]

    def get_contact_mobile(self, obj: WorkOrder) -> str:
        user = self.context["request"].user
        return (
            obj.contact_mobile if roles.sees_personal_data(user) else mask_phone(obj.contact_mobile)
        )


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.__str__", default=None, read_only=True)

    class Meta:
        model = WorkOrderTransition
        fields = ["action", "from_status", "to_status", "actor", "reason", "data", "at"]


class WorkOrderDetailSerializer(WorkOrderListSerializer):
    transitions = TransitionSerializer(many=True, read_only=True)
    technicians = serializers.SerializerMethodField()
    leader = serializers.IntegerField(source="leader_id", read_only=True)

    class Meta(WorkOrderListSerializer.Meta):
        fields = [
            *WorkOrderListSerializer.Meta.fields,
            "fault_description",
            "fault_date",
            "site_address",
            "distance_km",
            "visit_count",
            "reopen_count",
            "responded_at",
            "first_arrived_at",
            "resolved_at",
            "closed_at",
            "technicians",
            "leader",
            "transitions",
        ]

    def get_technicians(self, obj: WorkOrder) -> list[int]:
        return [s.pk for s in obj.technicians.all()]


class IntakeResultSerializer(serializers.Serializer):
    """The answer to intake (201 created, 200 replayed for a known Idempotency-Key): what the
    caller needs to tell the customer and to follow up (`GET /api/v1/work-orders/{id}/` has the
    rest). `duplicate_of` is the id of an earlier open order of the same unit (a likely
    duplicate), else null. Built without queries from the order intake has just written."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    order_type = serializers.ChoiceField(choices=OrderType.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    fault_grade = serializers.CharField()
    warranty_decision = serializers.CharField()
    warranty_reason = serializers.CharField()
    outlet = serializers.IntegerField(source="outlet_id", allow_null=True)
    outlet_name = serializers.CharField(source="outlet.name", default=None, allow_null=True)
    received_at = serializers.DateTimeField()
    response_due = serializers.DateTimeField(allow_null=True)
    arrival_due = serializers.DateTimeField(allow_null=True)
    resolution_due = serializers.DateTimeField(allow_null=True)
    duplicate_of = serializers.IntegerField(source="duplicate_of_id", allow_null=True)

    def to_representation(self, instance: WorkOrder) -> dict[str, Any]:
        # Written out instead of DRF's field-by-field walk (which deep-copies every field for
        # every response): intake answers many requests a second. The declared fields above are
        # the schema; a test checks that both give the same answer.
        outlet = instance.outlet
        return {
            "id": instance.pk,
            "number": instance.number,
            "status": instance.status,
            "status_display": instance.get_status_display(),
            "order_type": instance.order_type,
            "channel": instance.channel,
            "fault_grade": instance.fault_grade,
            "warranty_decision": instance.warranty_decision,
            "warranty_reason": instance.warranty_reason,
            "outlet": instance.outlet_id,
            "outlet_name": outlet.name if outlet is not None else None,
            "received_at": _iso(instance.received_at),
            "response_due": _iso(instance.response_due),
            "arrival_due": _iso(instance.arrival_due),
            "resolution_due": _iso(instance.resolution_due),
            "duplicate_of": instance.duplicate_of_id,
        }


def _iso(value: datetime | None) -> str | None:
    """As DRF's DateTimeField writes it: ISO 8601 in the current time zone."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class IntakeSerializer(serializers.Serializer):
    reporter_name = serializers.CharField(max_length=60)
    contact_mobile = serializers.CharField(max_length=30)
    fault_description = serializers.CharField(max_length=4000)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    order_type = serializers.ChoiceField(choices=OrderType.choices, default=OrderType.REPAIR)
    serial = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    unregistered_serial = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )
    product_model_code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    fault_code = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    fault_grade = serializers.ChoiceField(
        choices=FaultGrade.choices, required=False, allow_blank=True, default=""
    )
    fault_date = serializers.DateField(required=False, allow_null=True, default=None)
    site_region_code = serializers.CharField(
        max_length=12, required=False, allow_blank=True, default=""
    )
    site_address = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    latitude = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-90, max_value=90
    )
    longitude = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-180, max_value=180
    )
    exclusion_suspected = serializers.BooleanField(required=False, default=False)


class WorkOrderFilterSerializer(serializers.Serializer):
    """The list's query parameters, checked so that a typo answers 400 and not a server error."""

    status = serializers.ChoiceField(
        choices=[("open", _("未结")), *Status.choices], required=False, allow_blank=True
    )
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True)
    q = serializers.CharField(max_length=100, required=False, allow_blank=True)
    outlet = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class TransitionRequestSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=20)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    technicians = serializers.ListField(child=serializers.IntegerField(), required=False)
    leader = serializers.IntegerField(required=False)
    override_reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    listen = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    look = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    inspect = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    handle = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    items = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    customer_signer = serializers.CharField(max_length=60, required=False, allow_blank=True)
    promised_at = serializers.DateTimeField(required=False)


STATUS_CHOICES = Status.choices
