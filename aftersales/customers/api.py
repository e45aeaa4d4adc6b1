from rest_framework import viewsets

from .selectors import customers_for_user
from .serializers import CustomerSerializer


class CustomerViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CustomerSerializer
    search_fields = ["code", "name"]

    def get_queryset(self):  # type: ignore[override]
        return customers_for_user(self.request.user).prefetch_related(
            "contacts", "addresses__region"
        )
