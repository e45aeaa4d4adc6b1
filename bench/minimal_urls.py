"""The yardstick for `make bench`: a minimal Django + DRF endpoint that inserts the same rows as
intake (one WorkOrder, with its history row, and one transition row) in one transaction, with no
validation, warranty decision, SLA, routing, numbering counter or outbox."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.urls import path
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.service.models import Status, WorkOrder, WorkOrderTransition
from aftersales.urls import urlpatterns as product_urlpatterns


class MinimalIntake(APIView):
    def post(self, request: Request) -> Response:
        data = request.data
        now = timezone.now()
        with transaction.atomic():
            order = WorkOrder.objects.create(
                number="MB-" + uuid.uuid4().hex[:16],
                channel="api",
                reporter_name=data["reporter_name"],
                contact_mobile=data["contact_mobile"],
                fault_description=data["fault_description"],
                serial_text=data.get("serial", ""),
                fault_date=timezone.localdate(now),
                warranty_decision="on_site",
                warranty_reason="-",
                received_at=now,
                created_by=request.user,
            )
            WorkOrderTransition.objects.create(
                order=order,
                action="receive",
                from_status=Status.RECEIVED,
                to_status=Status.RECEIVED,
                actor=request.user,
                at=now,
            )
        return Response({"id": order.pk, "number": order.number}, status=201)


# The same URL as the product's intake, first so it wins; the rest (login page) is the product's.
urlpatterns = [path("api/v1/work-orders/", MinimalIntake.as_view()), *product_urlpatterns]
