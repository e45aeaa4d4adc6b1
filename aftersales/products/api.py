from rest_framework import viewsets

from .selectors import product_models_for_user, units_for_user
from .serializers import ProductModelSerializer, UnitSerializer


class ProductModelViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProductModelSerializer
    search_fields = ["code", "name"]

    def get_queryset(self):  # type: ignore[override]
        return (
            product_models_for_user(self.request.user)
            .select_related("warranty_policy")
            .prefetch_related("fault_codes")
        )


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UnitSerializer
    search_fields = ["serial"]

    def get_queryset(self):  # type: ignore[override]
        return units_for_user(self.request.user).select_related("model", "customer")
