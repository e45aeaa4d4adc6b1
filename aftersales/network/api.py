from rest_framework import viewsets

from aftersales.accounts import roles

from .models import Outlet
from .selectors import staff_visible_to
from .serializers import OutletSerializer, StaffSerializer


class OutletViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OutletSerializer
    search_fields = ["code", "name"]

    def get_queryset(self):  # type: ignore[override]
        user = self.request.user
        if roles.is_customer(user):
            return Outlet.objects.filter(is_active=True)
        return Outlet.objects.all()


class StaffViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StaffSerializer
    search_fields = ["employee_no", "user__username"]

    def get_queryset(self):  # type: ignore[override]
        return (
            staff_visible_to(self.request.user)
            .select_related("user")
            .prefetch_related("skills", "certificates__skill")
        )
