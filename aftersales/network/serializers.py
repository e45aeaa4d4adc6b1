from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import Certificate, Outlet, Staff


class OutletSerializer(serializers.ModelSerializer):
    class Meta:
        model = Outlet
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "address",
            "latitude",
            "longitude",
            "service_radius_km",
            "phone",
        ]


class CertificateSerializer(serializers.ModelSerializer):
    skill = serializers.CharField(source="skill.code")

    class Meta:
        model = Certificate
        fields = ["id", "skill", "number", "issued_on", "valid_until"]


class StaffSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.__str__")
    role = serializers.CharField(source="user.role")
    skills: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    certificates = CertificateSerializer(many=True, read_only=True)

    class Meta:
        model = Staff
        fields = [
            "id",
            "employee_no",
            "name",
            "role",
            "outlet",
            "skills",
            "certificates",
            "is_active",
        ]
