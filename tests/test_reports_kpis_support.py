"""The records of a month that the KPI and dashboard tests count (no tests here)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from aftersales.complaints.models import Complaint
from aftersales.parts.models import Requisition, RequisitionStatus
from aftersales.parts.services import outlet_warehouse
from aftersales.service.models import SlaEvent, WorkOrder
from aftersales.supervision.models import FeedbackForm, SurveyInvitation

from .conftest import make_order
from .test_parts_support import make_part
from .test_reports_overview import complaint
from .test_supervision import close


def breach(order: WorkOrder, target: str = "response") -> None:
    now = timezone.now()
    SlaEvent.objects.create(order=order, target=target, kind="breach", due_at=now, at=now)


def requisition(world, order, status):
    return Requisition.objects.create(
        number=f"REQ-{Requisition.objects.count() + 1}",
        order=order,
        requester=world["tech"],
        warehouse=outlet_warehouse(order.outlet),
        part=make_part(f"P{Requisition.objects.count() + 1}"),
        quantity=1,
        status=status,
    )


def make_records(world, django_capture_on_commit_callbacks):
    """This month: four closed orders at Chaoyang and one at Haidian (leader other_tech), one
    order still open, one closed last year. Two breached (one of them twice), one reopened
    with two visits; feedback on three; complaints of every kind; survey invitations (one per
    closing, two answered); requisitions (two issued, one rejected, one cancelled)."""
    closed = [close(make_order(world), world, django_capture_on_commit_callbacks) for _ in range(5)]
    a, b, c, d, e = closed
    make_order(world)  # still open: counted nowhere
    old = close(make_order(world), world, django_capture_on_commit_callbacks)
    WorkOrder.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=400))
    WorkOrder.objects.filter(pk=e.pk).update(outlet=world["other_outlet"])
    e.technicians.add(world["other_tech"])
    a.technicians.add(world["tech"])
    b.technicians.add(world["tech"])
    breach(a)
    breach(b)
    breach(b, "resolution")
    breach(old)
    WorkOrder.objects.filter(pk=c.pk).update(reopen_count=1, visit_count=2)
    # Hours from received_at: 2 h to respond on a; the others respond at once (resolve_remote).
    received = timezone.now() - timedelta(hours=10)
    WorkOrder.objects.filter(pk__in=[o.pk for o in closed]).update(received_at=received)
    WorkOrder.objects.filter(pk=a.pk).update(
        responded_at=received + timedelta(hours=2),
        first_arrived_at=received + timedelta(hours=4),
        resolved_at=received + timedelta(hours=8),
    )
    for o in closed:
        o.refresh_from_db()
    FeedbackForm.objects.create(order=a, source="survey", timeliness="A", quality="B", attitude="A")
    FeedbackForm.objects.create(
        order=b, source="callback", timeliness="C", quality="E", attitude="A"
    )
    FeedbackForm.objects.create(
        order=e, source="callback", timeliness="B", quality="B", attitude="D"
    )
    FeedbackForm.objects.create(
        order=d, source="callback", timeliness="E", quality="E", attitude="E", counted=False
    )
    SurveyInvitation.objects.filter(order__in=[a, e]).update(used_at=timezone.now())
    counted = complaint(world)  # type service, category blank
    Complaint.objects.filter(pk=counted.pk).update(is_valid=True, outlet=world["outlet"])
    by_category = complaint(world, type="quality")
    Complaint.objects.filter(pk=by_category.pk).update(
        is_valid=True, category="service", outlet=world["other_outlet"]
    )
    quality = complaint(world, type="quality")
    Complaint.objects.filter(pk=quality.pk).update(is_valid=True, category="quality")
    invalid = complaint(world)
    Complaint.objects.filter(pk=invalid.pk).update(is_valid=False)
    complaint(world)  # not judged yet
    requisition(world, a, RequisitionStatus.ISSUED)
    requisition(world, b, RequisitionStatus.ISSUED)
    requisition(world, c, RequisitionStatus.REJECTED)
    requisition(world, c, RequisitionStatus.CANCELLED)
    return {"closed": closed, "old": old}
