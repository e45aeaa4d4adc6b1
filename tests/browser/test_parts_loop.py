"""The parts loop in a real Chromium, with a screenshot of each step in test-artifacts/:
a technician requests a missing part from the phone → the keeper approves (from the central
warehouse) and issues it → it is consumed on the report → the old part comes back → the monthly
disposal writes it off.

The job's cost and the ruling's allocation for finance belong to the quality pages; this test
leaves the order with its consumed part and written-off old part for them
(`parts.selectors.job_parts_cost` / `old_parts_for_order`)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from aftersales.accounts.models import Role
from aftersales.parts import selectors, services
from aftersales.parts.models import OldPartReturn, Part, PartCategory, PartUse, Requisition

from .. import factories as f
from ..test_field import on_site

PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True)
def test_a_missing_part_goes_from_request_to_disposal(reseed, world, login, live_server, artifacts):
    shot = iter(range(1, 100))

    def snap(page, name: str) -> None:
        page.screenshot(path=str(artifacts / f"{next(shot):02d}-{name}.png"), full_page=True)

    keeper_user = f.UserFactory(username="keeper", role=Role.PARTS_KEEPER, department="parts")
    compressor = Part.objects.create(
        code="P-COMP",
        name="空调压缩机",
        category=PartCategory.EMERGENCY,
        unit_cost=Decimal("3200.00"),
    )
    compressor.compatible_models.add(world["model"])
    central = services.central_warehouse()
    services.outlet_warehouse(world["outlet"])
    receipt = services.receipt_create(
        warehouse=central, actor=keeper_user, lines=[{"part": compressor, "quantity": 2}]
    )
    services.receipt_transition(obj=receipt, action="post", actor=keeper_user)
    order = on_site(world)

    # 1. On the phone, the technician finds no compressor at his station and requests one.
    tech = login(world["tech"].user, viewport=PHONE, mobile=True)
    tech.goto(f"{live_server.url}/field/{order.pk}/")
    tech.click("#open-part-request")
    tech.select_option("#request-part", str(compressor.pk))
    tech.fill("#request-reason", "压缩机卡死，本站无库存")
    snap(tech, "tech-requests-part")
    tech.click("#submit-part-request")
    tech.wait_for_url(re.compile(rf"/field/{order.pk}/$"))
    req = Requisition.objects.get()
    assert req.status == "requested"
    assert req.number in tech.content()
    snap(tech, "tech-request-sent")

    # 2. The keeper approves it from the central warehouse and issues it.
    keeper = login(keeper_user)
    keeper.goto(f"{live_server.url}/parts/requisitions/")
    row = keeper.locator(f"#req-{req.pk}")
    row.locator("select[name=warehouse]").select_option(str(central.pk))
    snap(keeper, "keeper-pending-requisition")
    keeper.click(f"#requisition-{req.pk}-approve")
    keeper.wait_for_load_state("networkidle")
    keeper.click(f"#requisition-{req.pk}-issue")
    keeper.wait_for_load_state("networkidle")
    req.refresh_from_db()
    assert req.status == "issued"
    assert services.balance_of(services.technician_van(world["tech"]), compressor) == 1
    snap(keeper, "keeper-issued")

    # 3. The technician fits it: the report consumes it from his van.
    tech.goto(f"{live_server.url}/field/{order.pk}/report/")
    tech.select_option("#use-part", str(compressor.pk))
    tech.fill("#use-quantity", "1")
    tech.fill("#use-reason", "压缩机卡死")
    tech.click("#add-part-use")
    tech.wait_for_load_state("networkidle")
    use = PartUse.objects.get()
    assert use.source.kind == "technician"
    assert "P-COMP" in tech.locator("#part-uses").inner_text()
    snap(tech, "tech-part-consumed")

    # 4. The old part comes back to the station.
    ret = OldPartReturn.objects.get()
    keeper.goto(f"{live_server.url}/parts/old-parts/?status=expected")
    snap(keeper, "keeper-old-part-expected")
    keeper.click(f"#old_return-{ret.pk}-arrive")
    keeper.wait_for_load_state("networkidle")
    ret.refresh_from_db()
    assert ret.status == "arrived"

    # 5. The monthly disposal scraps it and writes the return off.
    keeper.goto(f"{live_server.url}/parts/old-parts/")
    keeper.select_option("#d-wh", str(ret.warehouse_id))
    keeper.select_option("#d-action", "scrap")
    keeper.click("#create-disposal")
    keeper.wait_for_url(re.compile(r"/parts/disposals/\d+/$"))
    snap(keeper, "keeper-disposal-draft")
    keeper.locator("button[id$='-post']").click()
    keeper.wait_for_load_state("networkidle")
    ret.refresh_from_db()
    assert ret.status == "written_off"
    assert keeper.locator("#disposal-status").get_attribute("data-status") == "posted"
    snap(keeper, "keeper-disposal-posted")

    # What quality and finance read for the job.
    cost = selectors.job_parts_cost(order)
    assert cost["parts"] == Decimal("3200.00")
    assert selectors.old_parts_for_order(order)[0]["status"] == "written_off"
