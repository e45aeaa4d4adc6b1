"""Who sees which stock, pages and API per role, 409 for invalid document transitions, the
replenishment suggestion and the Excel exports."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from aftersales.accounts.models import Role
from aftersales.parts import selectors, services
from aftersales.parts.models import Part, ReorderPoint, Requisition, StockMovement

from . import factories as f
from .conftest import api_client_for, client_for
from .test_field import on_site
from .test_parts_support import make_part, parts_world, receive


@pytest.fixture
def pw(world):
    return parts_world(world)


@pytest.fixture
def stocked(pw):
    receive(pw["keeper"], pw["other_wh"], pw["relay"], 3)
    receive(pw["keeper"], pw["central"], pw["compressor"], 2)
    return pw


def visible_locations(user) -> set[str]:
    return {b.location.code for b in selectors.stocks_for_user(user)}


def test_the_keeper_and_the_director_see_every_warehouse(stocked):
    everything = {"WH-BJ-CY", "WH-BJ-HD", "WH-CENTRAL"}
    assert visible_locations(stocked["keeper"]) == everything
    assert visible_locations(stocked["director"]) == everything


def test_a_station_manager_and_a_technician_see_only_their_outlets_warehouse(stocked):
    assert visible_locations(stocked["manager"].user) == {"WH-BJ-CY"}
    assert visible_locations(stocked["tech"].user) == {"WH-BJ-CY"}
    assert visible_locations(stocked["other_tech"].user) == {"WH-BJ-HD"}


def test_other_roles_see_no_stock(stocked):
    for user in (stocked["agent"], stocked["supervisor"], stocked["customer_user"]):
        assert visible_locations(user) == set()
        assert not selectors.movements_for_user(user).exists()
        assert client_for(user).get(reverse("parts:stock")).status_code == 403
        assert api_client_for(user).get("/api/v1/parts/stock/").json()["results"] == []


def test_the_stock_page_filters_by_warehouse_and_shows_the_quantity(stocked):
    page = client_for(stocked["keeper"]).get(
        reverse("parts:stock"), {"location": stocked["other_wh"].pk}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-location="WH-BJ-HD"' in html and 'data-location="WH-BJ-CY"' not in html


def test_a_manager_asking_for_another_outlets_warehouse_gets_404(stocked):
    client = client_for(stocked["manager"].user)
    assert (
        client.get(reverse("parts:stock"), {"location": stocked["other_wh"].pk}).status_code == 404
    )
    api = api_client_for(stocked["manager"].user)
    assert api.get(f"/api/v1/parts/stock/?location={stocked['other_wh'].pk}").status_code == 404


def test_the_ledger_page_pages_without_counting(stocked):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _i in range(3):
        receive(stocked["keeper"], stocked["wh"], stocked["relay"], 1)
    client = client_for(stocked["keeper"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("parts:ledger"))
    assert response.status_code == 200
    assert "P-RELAY" in response.content.decode()
    ledger_sql = [q["sql"] for q in queries if "parts_stockmovement" in q["sql"]]
    assert ledger_sql and not any("COUNT(" in sql.upper() for sql in ledger_sql)
    assert len(queries) <= 12


def test_a_technician_sees_his_own_requisitions_only(stocked):
    order = on_site(stocked)
    mine = services.requisition_request(
        order=order, actor=stocked["tech"].user, part=stocked["relay"], quantity=1
    )
    mate = f.StaffFactory(
        user=f.UserFactory(username="mate", role=Role.TECHNICIAN), outlet=stocked["outlet"]
    )
    assert list(selectors.requisitions_for_user(stocked["tech"].user)) == [mine]
    assert list(selectors.requisitions_for_user(mate.user)) == []
    assert list(selectors.requisitions_for_user(stocked["manager"].user)) == [mine]
    assert (
        api_client_for(mate.user).get(f"/api/v1/parts/requisitions/{mine.pk}/").status_code == 404
    )


def test_the_api_creates_a_requisition_and_answers_409_for_an_invalid_transition(stocked):
    order = on_site(stocked)
    tech = api_client_for(stocked["tech"].user)
    created = tech.post(
        "/api/v1/parts/requisitions/",
        {"order": order.pk, "part": stocked["relay"].pk, "quantity": 1},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    keeper = api_client_for(stocked["keeper"])

    refused = keeper.post(f"/api/v1/parts/requisitions/{pk}/transitions/", {"action": "issue"})
    assert refused.status_code == 409
    assert "不能执行" in refused.json()["detail"]
    assert Requisition.objects.get(pk=pk).status == "requested"

    assert (
        keeper.post(
            f"/api/v1/parts/requisitions/{pk}/transitions/", {"action": "approve"}
        ).status_code
        == 200
    )
    issued = keeper.post(f"/api/v1/parts/requisitions/{pk}/transitions/", {"action": "issue"})
    assert issued.status_code == 200 and issued.json()["status"] == "issued"


def test_a_technician_cannot_issue_through_the_api(stocked):
    order = on_site(stocked)
    req = services.requisition_request(
        order=order, actor=stocked["tech"].user, part=stocked["relay"], quantity=1
    )
    response = api_client_for(stocked["tech"].user).post(
        f"/api/v1/parts/requisitions/{req.pk}/transitions/", {"action": "approve"}
    )
    assert response.status_code == 403
    assert Requisition.objects.get(pk=req.pk).status == "requested"


def test_the_keeper_approves_and_issues_on_the_requisitions_page(stocked):
    order = on_site(stocked)
    req = services.requisition_request(
        order=order, actor=stocked["tech"].user, part=stocked["relay"], quantity=2
    )
    keeper = client_for(stocked["keeper"])
    assert (
        f'id="requisition-{req.pk}-approve"'
        in keeper.get(reverse("parts:requisitions")).content.decode()
    )
    keeper.post(reverse("parts:doc_action", args=["requisition", req.pk, "approve"]))
    keeper.post(reverse("parts:doc_action", args=["requisition", req.pk, "issue"]))
    assert Requisition.objects.get(pk=req.pk).status == "issued"
    assert services.balance_of(stocked["wh"], stocked["relay"]) == 3


def test_a_technician_cannot_open_the_keepers_document_pages(stocked):
    client = client_for(stocked["tech"].user)
    assert client.get(reverse("parts:stock")).status_code == 200
    for name in ("parts:transfers", "parts:receipts", "parts:counts", "parts:old_parts"):
        assert client.get(reverse(name)).status_code == 403


def test_the_keepers_pages_render(stocked):
    client = client_for(stocked["keeper"])
    for name in (
        "parts:home",
        "parts:stock",
        "parts:ledger",
        "parts:requisitions",
        "parts:transfers",
        "parts:receipts",
        "parts:counts",
        "parts:scraps",
        "parts:old_parts",
        "parts:replenishment",
    ):
        assert client.get(reverse(name)).status_code == 200, name


def test_the_replenishment_suggestion_uses_recent_consumption_and_reorder_points(stocked):
    order = on_site(stocked)
    wh, relay = stocked["wh"], stocked["relay"]
    ReorderPoint.objects.create(location=wh, part=relay, min_quantity=2, target_quantity=6)
    services.part_use_add(
        order=order, actor=stocked["tech"].user, part=relay, quantity=3, reason="x"
    )

    rows = selectors.replenishment_suggestion(stocked["keeper"], days=30)
    [row] = [r for r in rows if r["warehouse"] == wh and r["part"] == relay]
    assert (row["on_hand"], row["consumed"], row["min_quantity"]) == (2, 3, 2)
    assert row["suggested"] == 4  # up to the target of 6


def test_the_emergency_part_is_always_listed_at_the_central_warehouse(stocked):
    rows = selectors.replenishment_suggestion(stocked["keeper"], days=30)
    [row] = [r for r in rows if r["part"] == stocked["compressor"]]
    assert row["warehouse"] == stocked["central"] and row["emergency"]
    assert row["on_hand"] == 2 and row["suggested"] == 0  # above its minimum of 1

    ReorderPoint.objects.create(
        location=stocked["central"], part=stocked["compressor"], min_quantity=2, target_quantity=2
    )
    [row] = [
        r
        for r in selectors.replenishment_suggestion(stocked["keeper"])
        if r["part"] == stocked["compressor"]
    ]
    assert row["suggested"] == 1  # kept above the minimum of 2: target 3


def test_the_stock_export_neutralises_formula_looking_cells(stocked):
    make_part("=HYPERLINK(1)", name="+cmd|' /C calc'!A0")
    part = make_part("P-EVIL", name="=1+1")
    receive(stocked["keeper"], stocked["wh"], part, 1)
    response = client_for(stocked["keeper"]).get(reverse("parts:stock"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=1+1" in values
    assert "=1+1" not in values
    assert 5 in values  # numbers stay numbers


def test_the_ledger_export_lists_the_movements_of_visible_warehouses_only(stocked):
    response = client_for(stocked["manager"].user).get(reverse("parts:ledger"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # header + the Chaoyang receipt; not Haidian's or the centre's
    assert StockMovement.objects.count() == 3


def test_the_demo_parts_are_stocked_through_receipts_once(world):
    from aftersales.parts.demo import seed_demo_parts

    from .test_parts_support import assert_ledger_explains_every_balance

    seed_demo_parts()
    moves = StockMovement.objects.count()
    seed_demo_parts()
    assert StockMovement.objects.count() == moves > 0
    central = services.central_warehouse()
    part = Part.objects.get(code="P-COMP-01")
    assert services.balance_of(central, part) == 40
    assert services.balance_of(services.outlet_warehouse(world["outlet"]), part) == 6
    assert_ledger_explains_every_balance(part)
