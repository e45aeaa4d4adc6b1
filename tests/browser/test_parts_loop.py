"""The parts loop in a real Chromium, with a screenshot of each step in test-artifacts/:
a technician requests a missing part from the phone → the keeper approves (from the central
warehouse) and issues it → it is consumed on the report → the old part comes back → the monthly
disposal writes it off → the technician diagnoses and fills the report's hours and kilometres →
a quality engineer rules the job shared (the compressor's supplier 70 %, the factory 30 %) after a
split that does not add up to 100 % is refused → finance sees the job's cost and the ruling's
allocation, and the supplier's claim carries the supplier's part of it.

The expected figures are computed here from the database (the consumed quantity, the part's
unit cost, the report's hours and kilometres, the rates `CostSettings` points at) with the pure
arithmetic of `aftersales.quality.allocation`, not read back from the pages under test."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import translation

from aftersales.accounts.models import Role
from aftersales.parts import selectors, services
from aftersales.parts.models import OldPartReturn, Part, PartCategory, PartUse, Requisition
from aftersales.products.models import Supplier
from aftersales.quality import costing
from aftersales.quality.allocation import allocate, job_cost_formula
from aftersales.quality.models import (
    ClaimLine,
    CostSettings,
    JobCost,
    RateSource,
    Ruling,
    RulingParty,
    ShareParty,
    SupplierClaim,
)
from aftersales.service.models import PriceItem, ServiceReport, Status

from .. import factories as f
from ..test_field import on_site

PHONE = {"width": 390, "height": 844}
MONEY = re.compile(r"¥?\s*(-?[\d,]+\.\d{2})")
ALLOCATION = re.compile(r"^(?P<label>.+?)\s+(?P<pct>[\d.]+)%\s+¥(?P<amount>-?[\d,]+\.\d{2})$")


def money(text: str) -> Decimal:
    """The one amount in a cell ("3200.00", "¥3,200.00"); fails on none or on several."""
    found = MONEY.findall(text.strip())
    assert len(found) == 1, f"expected one amount in {text!r}, found {found}"
    return Decimal(found[0].replace(",", ""))


def rate(source: str, code: str, internal: Decimal) -> Decimal:
    """The rate `CostSettings` points at: the active price-list item, else the internal rate."""
    if source == RateSource.PRICE_LIST:
        item = PriceItem.objects.filter(code=code, is_active=True).first()
        if item is not None:
            return item.unit_price
    return internal


@pytest.mark.django_db(transaction=True)
def test_a_missing_part_goes_from_request_to_disposal(reseed, world, login, live_server, artifacts):
    shot = iter(range(1, 100))

    def snap(page, name: str) -> None:
        page.screenshot(path=str(artifacts / f"{next(shot):02d}-{name}.png"), full_page=True)

    keeper_user = f.UserFactory(username="keeper", role=Role.PARTS_KEEPER, department="parts")
    engineer_user = f.UserFactory(
        username="quality", role=Role.QUALITY_ENGINEER, department="quality"
    )
    finance_user = f.UserFactory(username="finance", role=Role.FINANCE, department="finance")
    compressor_maker = Supplier.objects.create(code="S-COMP", name="华东压缩机厂")
    compressor = Part.objects.create(
        code="P-COMP",
        name="空调压缩机",
        category=PartCategory.EMERGENCY,
        unit_cost=Decimal("3200.00"),
        supplier=compressor_maker,
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

    # 6. On the phone the technician diagnoses the fault and writes the report with his hours
    #    and kilometres (the travel figure gives a cost with a cent to split unevenly).
    tech.goto(f"{live_server.url}/field/{order.pk}/")
    tech.fill("#steps-form [name=inspect]", "压缩机卡死，供应商批次缺陷")
    tech.click("#save-steps-diagnose")
    tech.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert order.status == Status.DIAGNOSED
    tech.goto(f"{live_server.url}/field/{order.pk}/report/")
    tech.fill("#report-form [name=work_done]", "更换空调压缩机，试机制冷正常")
    tech.fill("#report-form [name=cause]", "压缩机内部卡死（供应商批次缺陷）")
    tech.select_option("#report-form [name=responsibility]", "supplier")
    tech.fill("#report-form [name=labour_hours]", "2.35")
    tech.fill("#report-form [name=travel_km]", "37.3")
    tech.click("#save-report")
    tech.wait_for_load_state("networkidle")
    report = ServiceReport.objects.get(order=order)
    assert report.labour_hours == Decimal("2.35")
    assert report.travel_km == Decimal("37.3")
    snap(tech, "tech-report-hours")

    # The job's cost, computed here from the database: what was consumed at the part's unit
    # cost, the report's hours and kilometres at the rates the cost settings point at.
    conf = CostSettings.get()
    consumed = sum(u.quantity for u in PartUse.objects.filter(order=order, part=compressor))
    assert consumed == 1
    expected = job_cost_formula(
        parts=compressor.unit_cost * consumed,
        labour_hours=report.labour_hours,
        labour_rate=rate(conf.labour_source, conf.labour_price_code, conf.internal_labour_rate),
        travel_km=report.travel_km,
        travel_rate=rate(conf.travel_source, conf.travel_price_code, conf.internal_travel_rate),
    )
    assert expected.parts == Decimal("3200.00")
    assert expected.labour > 0 and expected.travel > 0
    assert costing.job_cost(order).total == expected.total
    # 70/30 of each figure; the supplier is listed first on the form and on the ruling.
    percents = [Decimal("70"), Decimal("30")]
    split = [
        allocate(expected.parts, percents),
        allocate(expected.labour, percents),
        allocate(expected.travel, percents),
    ]
    supplier_share = sum((figure[0] for figure in split), Decimal("0"))
    factory_share = sum((figure[1] for figure in split), Decimal("0"))
    assert supplier_share + factory_share == expected.total

    # 7. The quality engineer finds the order awaiting a ruling and opens its ruling form.
    engineer = login(engineer_user)
    engineer.goto(f"{live_server.url}/quality/")
    awaiting = engineer.locator("#awaiting-rulings tbody tr", has_text=order.number)
    assert awaiting.count() == 1
    snap(engineer, "quality-awaiting-ruling")
    awaiting.locator(f"a[href$='/quality/orders/{order.pk}/rule/']").click()
    engineer.wait_for_url(re.compile(rf"/quality/orders/{order.pk}/rule/$"))
    assert money(engineer.locator("#job-cost [data-cost=total]").inner_text()) == expected.total

    # A shared ruling whose split adds up to 90 % is refused and writes nothing.
    form = engineer.locator("#ruling-form")
    form.locator("[name=party]").select_option(RulingParty.SHARED)
    form.locator("[name=findings]").fill("压缩机批次缺陷为主因；出厂检验未发现，制造方承担部分")
    form.locator("[name=share-0-party]").select_option(ShareParty.SUPPLIER)
    form.locator("[name=share-0-supplier]").select_option(str(compressor_maker.pk))
    form.locator("[name=share-0-percent]").fill("70")
    form.locator("[name=share-1-party]").select_option(ShareParty.MANUFACTURER)
    form.locator("[name=share-1-department]").select_option("production")
    form.locator("[name=share-1-percent]").fill("20")
    engineer.click("#ruling-issue")
    engineer.wait_for_load_state("networkidle")
    error = engineer.locator("#ruling-error")
    assert error.is_visible()
    assert "100%" in error.inner_text() and "90%" in error.inner_text()
    assert Ruling.objects.filter(order=order).count() == 0
    assert SupplierClaim.objects.count() == 0
    snap(engineer, "quality-ruling-refused")

    # The form kept what was typed: correcting the factory's share to 30 % issues it.
    assert form.locator("[name=share-0-percent]").input_value() == "70"
    form.locator("[name=share-1-percent]").fill("30")
    engineer.click("#ruling-issue")
    engineer.wait_for_url(re.compile(r"/quality/rulings/\d+/$"))
    ruling = Ruling.objects.get(order=order)
    assert engineer.url.endswith(f"/quality/rulings/{ruling.pk}/")
    assert ruling.status == Ruling.Status.ISSUED
    assert ruling.party == RulingParty.SHARED
    assert ruling.total_cost == expected.total
    shares = list(ruling.shares.order_by("-percent"))
    assert [(s.party, s.percent) for s in shares] == [
        (ShareParty.SUPPLIER, Decimal("70")),
        (ShareParty.MANUFACTURER, Decimal("30")),
    ]
    assert shares[0].supplier == compressor_maker
    assert [s.total_amount for s in shares] == [supplier_share, factory_share]
    with translation.override("zh-hans"):
        issued_label = str(Ruling.Status.ISSUED.label)
    assert engineer.locator("#ruling-status").inner_text().strip() == issued_label
    rows = engineer.locator("#ruling-allocation tr[data-party]")
    assert rows.count() == 2
    shown = {
        rows.nth(i).get_attribute("data-party"): money(
            rows.nth(i).locator("td[data-amount=total]").inner_text()
        )
        for i in range(2)
    }
    assert shown == {ShareParty.SUPPLIER: supplier_share, ShareParty.MANUFACTURER: factory_share}
    snap(engineer, "quality-ruling-issued")

    # 8. Finance sees the job's cost and the ruling's allocation in the list of job costs.
    finance = login(finance_user)
    finance.goto(f"{live_server.url}/quality/costs/")
    row = finance.locator(f"#job-costs tr[data-order='{order.number}']")
    assert row.count() == 1
    cells = row.locator("td")
    assert money(cells.nth(3).inner_text()) == compressor.unit_cost * consumed
    assert money(cells.nth(6).inner_text()) == expected.total
    assert ruling.number in cells.nth(7).inner_text()
    allocations = [
        ALLOCATION.match(text.strip())
        for text in cells.nth(7).locator(".allocation").all_inner_texts()
    ]
    assert len(allocations) == 2 and all(allocations), allocations
    by_pct = {Decimal(m["pct"]): Decimal(m["amount"].replace(",", "")) for m in allocations if m}
    assert by_pct == {Decimal("70"): supplier_share, Decimal("30"): factory_share}
    assert sum(by_pct.values(), Decimal("0")) == expected.total
    assert compressor_maker.name in cells.nth(7).inner_text()
    # This is the only job with a stored cost: the totals are its figures.
    totals = finance.locator("#cost-totals")
    assert money(totals.locator("[data-total=parts]").inner_text()) == expected.parts
    assert money(totals.locator("[data-total=labour]").inner_text()) == expected.labour
    assert money(totals.locator("[data-total=travel]").inner_text()) == expected.travel
    assert money(totals.locator("[data-total=total]").inner_text()) == expected.total
    stored = JobCost.objects.get(order=order)
    assert (stored.parts, stored.labour, stored.travel, stored.total, stored.ruling_id) == (
        expected.parts,
        expected.labour,
        expected.travel,
        expected.total,
        ruling.pk,
    )
    snap(finance, "finance-job-costs")

    # The order's own cost page: how each figure was reached, and the ruling's split.
    row.locator(f"a[href$='/quality/orders/{order.pk}/cost/']").click()
    finance.wait_for_url(re.compile(rf"/quality/orders/{order.pk}/cost/$"))
    job = finance.locator("#job-cost")
    assert money(job.locator("[data-cost=parts]").inner_text()) == expected.parts
    assert money(job.locator("[data-cost=labour]").inner_text()) == expected.labour
    assert money(job.locator("[data-cost=travel]").inner_text()) == expected.travel
    assert money(job.locator("[data-cost=total]").inner_text()) == expected.total
    assert "P-COMP" in job.inner_text()
    assert ruling.number in finance.content()
    snap(finance, "finance-order-cost")

    # 9. The supplier's share became a claim whose lines add up to it.
    claim = SupplierClaim.objects.get(ruling=ruling)
    assert claim.supplier == compressor_maker
    assert claim.status == SupplierClaim.Status.DRAFT
    assert claim.claimed_amount == supplier_share
    assert sum(line.amount for line in claim.lines.all()) == supplier_share
    # Its evidence is the old compressor the disposal wrote off.
    assert [(e["part_code"], e["status"]) for e in claim.evidence] == [("P-COMP", "written_off")]
    finance.goto(f"{live_server.url}/quality/claims/")
    claim_row = finance.locator("#claims tbody tr", has_text=claim.number)
    assert claim_row.count() == 1
    assert order.number in claim_row.inner_text()
    assert compressor_maker.name in claim_row.inner_text()
    assert money(claim_row.locator("td").nth(4).inner_text()) == supplier_share
    snap(finance, "finance-claims")
    claim_row.locator(f"a[href$='/quality/claims/{claim.pk}/']").click()
    finance.wait_for_url(re.compile(rf"/quality/claims/{claim.pk}/$"))
    lines = finance.locator("#claim-lines tr[data-kind]")
    kinds = {
        lines.nth(i).get_attribute("data-kind"): money(
            lines.nth(i).locator("td").nth(2).inner_text()
        )
        for i in range(lines.count())
    }
    assert kinds == {
        ClaimLine.Kind.PARTS: split[0][0],
        ClaimLine.Kind.LABOUR: split[1][0],
        ClaimLine.Kind.TRAVEL: split[2][0],
    }
    assert sum(kinds.values(), Decimal("0")) == supplier_share
    snap(finance, "finance-claim-lines")
