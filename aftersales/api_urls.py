"""REST API v1: one router for every app's viewsets."""

from rest_framework.routers import DefaultRouter

from aftersales.customers.api import CustomerViewSet
from aftersales.network.api import OutletViewSet, StaffViewSet
from aftersales.products.api import ProductModelViewSet, UnitViewSet
from aftersales.service.api import WorkOrderViewSet

router = DefaultRouter()
router.register("work-orders", WorkOrderViewSet, basename="work-order")
router.register("customers", CustomerViewSet, basename="customer")
router.register("product-models", ProductModelViewSet, basename="product-model")
router.register("units", UnitViewSet, basename="unit")
router.register("outlets", OutletViewSet, basename="outlet")
router.register("staff", StaffViewSet, basename="staff")

urlpatterns = [*router.urls]

# Master-data import (owned by core.api_imports).
from django.urls import path  # noqa: E402

from aftersales.core.api_imports import ImportTemplateView, ImportView  # noqa: E402

urlpatterns += [
    path("imports/<slug:kind>/", ImportView.as_view(), name="import"),
    path("imports/<slug:kind>/template/", ImportTemplateView.as_view(), name="import-template"),
]
