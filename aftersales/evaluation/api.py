"""REST endpoints under /api/v1/ahp/ (S14): `weights/` (a judgement matrix → weights, λmax, CI,
CR, consistency and the judgements to revisit) and `adjust/` (the seed's rules for removing,
adding or re-weighting an element). Any signed-in user may compute: nothing is read or stored.

Malformed input answers 400 through `ValidationFailed` and the shared exception handler, with
the same sentence as `aftersales ahp` (both read the body through `payloads`). An inconsistent
matrix is an answer, not an error: 200 with `"consistent": false`."""

from __future__ import annotations

from django.urls import URLPattern, path
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.core.errors import ValidationFailed

from . import payloads

# The serializers document the shapes for the schema only: the body is read by `payloads`,
# whose refusals name the exact cell (a serializer would say "row 2: invalid" at best).


class WeightsRequestSerializer(serializers.Serializer):
    matrix = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()),
        help_text="Positive reciprocal judgement matrix on Saaty's 1–9 scale, n ≤ 15",
    )
    labels = serializers.ListField(child=serializers.CharField(), required=False)


class WeightsResponseSerializer(serializers.Serializer):
    weights = serializers.ListField(child=serializers.FloatField())
    lambda_max = serializers.FloatField()
    ci = serializers.FloatField()
    cr = serializers.FloatField()
    consistent = serializers.BooleanField(help_text="CR < 0.10")
    most_inconsistent = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="Up to 3 pairs [i, j], i < j, 0-based, the most inconsistent first",
    )
    labels = serializers.ListField(child=serializers.CharField(), required=False)


class AddSerializer(serializers.Serializer):
    ratio_to = serializers.IntegerField(help_text="0-based index of the reference element")
    k = serializers.FloatField(help_text="New element's weight ÷ the reference's weight")


class SetSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    weight = serializers.FloatField(help_text="The new weight, 0 < w < 1")


class AdjustRequestSerializer(serializers.Serializer):
    weights = serializers.ListField(child=serializers.FloatField(), help_text="Summing to 1")
    remove = serializers.IntegerField(required=False, help_text="0-based index to remove")
    add = AddSerializer(required=False)
    set = SetSerializer(required=False)


class AdjustResponseSerializer(serializers.Serializer):
    weights = serializers.ListField(child=serializers.FloatField())


class WeightsView(APIView):
    @extend_schema(
        operation_id="ahp_weights",
        request=WeightsRequestSerializer,
        responses={200: WeightsResponseSerializer},
        examples=[
            OpenApiExample(
                "3 criteria",
                value={"matrix": [[1, 3, 5], [0.3333333333, 1, 3], [0.2, 0.3333333333, 1]]},
            )
        ],
    )
    def post(self, request: Request) -> Response:
        try:
            return Response(payloads.weights_result(request.data))
        except payloads.InputError as exc:
            raise ValidationFailed(str(exc)) from exc


class AdjustView(APIView):
    @extend_schema(
        operation_id="ahp_adjust",
        request=AdjustRequestSerializer,
        responses={200: AdjustResponseSerializer},
        description='Exactly one of "remove", "add" or "set".',
    )
    def post(self, request: Request) -> Response:
        try:
            return Response(payloads.adjust_result(request.data))
        except payloads.InputError as exc:
            raise ValidationFailed(str(exc)) from exc


urlpatterns: list[URLPattern] = [
    path("weights/", WeightsView.as_view(), name="ahp-weights"),
    path("adjust/", AdjustView.as_view(), name="ahp-adjust"),
]
