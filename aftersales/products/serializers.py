from rest_framework import serializers

from aftersales.core.masking import MaskedFieldsMixin

from .models import FaultCode, ProductModel, Unit


class FaultCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = FaultCode
        fields = ["id", "code", "name", "default_grade", "skill_code"]


class ProductModelSerializer(serializers.ModelSerializer):
    fault_codes = FaultCodeSerializer(many=True, read_only=True)
    warranty_policy = serializers.CharField(source="warranty_policy.name")

    class Meta:
        model = ProductModel
        fields = [
            "id",
            "code",
            "name",
            "category",
            "warranty_policy",
            "remote_support",
            "fault_codes",
        ]


class UnitSerializer(MaskedFieldsMixin, serializers.ModelSerializer):
    model = serializers.CharField(source="model.code")
    customer = serializers.CharField(source="customer.name", default=None)

    class Meta:
        model = Unit
        fields = [
            "id",
            "serial",
            "model",
            "customer",
            "sale_date",
            "acceptance_date",
            "warranty_start",
            "warranty_end",
            "extended_months",
            "software_version",
            "site_address",
            "status",
        ]
        masked = {"site_address": "address"}
