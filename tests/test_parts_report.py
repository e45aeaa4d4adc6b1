"""Parts on the service report: consumed from the station (or the van), billed on paid jobs,
hashed with the report, refused once signed; the job-cost interface for quality."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from aftersales.core.errors import InvalidTransition
from aftersales.parts import selectors, services
from aftersales.parts.models import OldPartReturn, PartUse, Requisition
from aftersales.service import services as order_services
from aftersales.service.models import ServiceReport

from .conftest import client_for
from .test_field import on_site, paid_unit, png_data_url, resolved_with_report
from .test_parts_support import parts_world


@pytest.fixture
def pw(world):
    return parts_world(world)


def test_a_part_fitted_on_the_phone_leaves_the_stations_warehouse(pw):
    order = on_site(pw)
    tech = client_for(pw["tech"].user)

    response = tech.post(
        reverse("parts:field_use", args=[order.pk]),
        {
            "part": pw["relay"].pk,
            "quantity": 2,
            "reason": "触点烧蚀",
            "next": f"/field/{order.pk}/",
        },
    )

    assert response.status_code == 302
    assert services.balance_of(pw["wh"], pw["relay"]) == 3
    use = PartUse.objects.get(order=order)
    assert use.warranty and use.amount == 0
    assert OldPartReturn.objects.get(use=use).status == "expected"
    page = tech.get(reverse("field:job", args=[order.pk])).content.decode()
    assert 'id="parts-panel"' in page and "P-RELAY" in page


def test_a_missing_part_is_refused_with_the_stock_and_can_be_requested_instead(pw):
    order = on_site(pw)
    tech = client_for(pw["tech"].user)
    response = tech.post(
        reverse("parts:field_use", args=[order.pk]),
        {"part": pw["compressor"].pk, "quantity": 1, "reason": "压缩机卡死"},
        follow=True,
    )
    assert "库存只有 0 件" in response.content.decode()
    assert not PartUse.objects.exists()

    tech.post(
        reverse("parts:field_request", args=[order.pk]),
        {"part": pw["compressor"].pk, "quantity": 1, "reason": "压缩机卡死"},
    )
    req = Requisition.objects.get()
    assert (req.status, req.order, req.requester) == ("requested", order, pw["tech"])


def test_an_issued_part_is_consumed_from_the_van(pw):
    order = on_site(pw)
    keeper = pw["keeper"]
    from .test_parts_support import receive

    receive(keeper, pw["central"], pw["compressor"], 1)
    req = services.requisition_request(
        order=order, actor=pw["tech"].user, part=pw["compressor"], quantity=1
    )
    services.requisition_transition(
        obj=req, action="approve", actor=keeper, warehouse=pw["central"]
    )
    services.requisition_transition(obj=req, action="issue", actor=keeper)
    use = services.part_use_add(
        order=order, actor=pw["tech"].user, part=pw["compressor"], quantity=1, reason="卡死"
    )
    assert use.source == services.technician_van(pw["tech"])
    assert services.balance_of(use.source, pw["compressor"]) == 0


def test_a_paid_job_bills_the_part_on_the_report_and_needs_approval_again(pw):
    order = on_site(pw, serial=paid_unit(pw).serial)
    assert order.warranty_decision == "paid"
    tech = pw["tech"].user
    order_services.report_update(
        order=order,
        actor=tech,
        work_done="更换继电器",
        cause="烧蚀",
        charges=[{"code": "L-STD", "quantity": 1}],
    )
    order_services.report_approve_charges(order=order, actor=pw["manager"].user)

    services.part_use_add(order=order, actor=tech, part=pw["relay"], quantity=2, reason="烧蚀")

    report = ServiceReport.objects.get(order=order)
    assert report.charge_total == Decimal("120.00") + Decimal("160.00")
    assert report.charges_approved_at is None
    # Saving the report's price-list lines again keeps the billed parts in the total.
    order_services.report_update(
        order=order, actor=tech, charges=[{"code": "L-STD", "quantity": 2}]
    )
    report.refresh_from_db()
    assert report.charge_total == Decimal("240.00") + Decimal("160.00")


def test_an_in_warranty_part_is_the_companys_cost(pw):
    order = on_site(pw)
    services.part_use_add(
        order=order, actor=pw["tech"].user, part=pw["relay"], quantity=1, reason="烧蚀"
    )
    report = ServiceReport.objects.get(order=order)
    assert report.charge_total == 0 and not report.is_chargeable
    cost = selectors.job_parts_cost(order)
    assert cost["parts"] == Decimal("48.00")
    assert cost["lines"] == [
        {
            "part_code": "P-RELAY",
            "name": "冷凝风扇继电器",
            "quantity": 1,
            "unit_cost": Decimal("48.00"),
            "amount": Decimal("48.00"),
            "warranty": True,
            "supplier_id": pw["supplier"].pk,
            "number": PartUse.objects.get().number,
        }
    ]


def test_old_parts_for_order_lists_the_evidence_with_its_status(pw):
    order = on_site(pw)
    services.part_use_add(
        order=order, actor=pw["tech"].user, part=pw["relay"], quantity=1, reason="烧蚀"
    )
    [row] = selectors.old_parts_for_order(order)
    assert (row["part_code"], row["quantity"], row["status"]) == ("P-RELAY", 1, "expected")
    services.old_part_return_transition(
        obj=OldPartReturn.objects.get(), action="arrive", actor=pw["keeper"]
    )
    [row] = selectors.old_parts_for_order(order)
    assert row["status"] == "arrived" and row["movement_id"] is not None
    assert row["condition"] == "old"


def test_parts_are_part_of_the_signed_content_and_refused_after_signing(pw):
    order = resolved_with_report(pw)
    tech = pw["tech"].user
    services.part_use_add(order=order, actor=tech, part=pw["relay"], quantity=1, reason="烧蚀")
    report = ServiceReport.objects.get(order=order)
    with_parts = order_services.report_content_hash(report)
    PartUse.objects.filter(order=order).update(quantity=9)
    assert order_services.report_content_hash(report) != with_parts
    PartUse.objects.filter(order=order).update(quantity=1)

    order_services.report_sign(order=order, actor=tech, signer_name="王经理", image=png_data_url())
    with pytest.raises(InvalidTransition, match="冻结"):
        services.part_use_add(order=order, actor=tech, part=pw["relay"], quantity=1, reason="再换")
    assert services.balance_of(pw["wh"], pw["relay"]) == 4
    report.refresh_from_db()
    assert report.content_hash == order_services.report_content_hash(report)
    PartUse.objects.filter(order=order).update(quantity=2)  # tampering shows in the hash
    assert report.content_hash != order_services.report_content_hash(report)
    page = client_for(tech).get(reverse("field:report", args=[order.pk])).content.decode()
    assert 'id="part-use-form"' not in page and "P-RELAY" in page


def test_the_report_pdf_lists_the_parts_fitted(pw):
    order = on_site(pw)
    services.part_use_add(
        order=order, actor=pw["tech"].user, part=pw["relay"], quantity=1, reason="触点烧蚀"
    )
    context_lines = __import__("aftersales.service.hooks", fromlist=["x"]).report_lines.collect(
        report=ServiceReport.objects.get(order=order)
    )
    assert context_lines[0]["code"] == "P-RELAY" and context_lines[0]["quantity"] == "1"


def test_a_technician_of_another_outlet_cannot_fit_parts_on_the_order(pw):
    order = on_site(pw)
    response = client_for(pw["other_tech"].user).post(
        reverse("parts:field_use", args=[order.pk]),
        {"part": pw["relay"].pk, "quantity": 1, "reason": "x"},
    )
    assert response.status_code == 404
    assert services.balance_of(pw["wh"], pw["relay"]) == 5
