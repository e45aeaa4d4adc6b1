"""Creating parts documents through the REST API: receipts, transfers, stock counts, scraps and
disposals go through the same services as the pages (rights, messages, stock), bad input is a
400 that creates nothing; the ledger filters by local day and the stock exports to Excel."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from aftersales.parts import services
from aftersales.parts.models import (
    Disposal,
    DocType,
    Location,
    OldPartReturn,
    Receipt,
    Scrap,
    StockCount,
    StockMovement,
    Transfer,
)

from .conftest import api_client_for
from .test_field import on_site
from .test_parts_support import assert_ledger_explains_every_balance, parts_world, receive

API = "/api/v1/parts"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def pw(world):
    return parts_world(world)


def user(pw: dict[str, Any], who: str) -> Any:
    return pw[who] if who in ("keeper", "agent", "director") else pw[who].user


def post(pw: dict[str, Any], who: str, url: str, body: dict[str, Any]) -> Any:
    return api_client_for(user(pw, who)).post(f"{API}/{url}", body, format="json")


def with_old_part_back(pw: dict[str, Any]) -> OldPartReturn:
    """A relay fitted on a job, its old part back in the Chaoyang warehouse."""
    order = on_site(pw)
    services.part_use_add(
        order=order, actor=pw["tech"].user, part=pw["relay"], quantity=1, reason="触点烧蚀"
    )
    ret = OldPartReturn.objects.get(order=order)
    return services.old_part_return_transition(obj=ret, action="arrive", actor=pw["keeper"])


# A valid body per document, for the keeper and for the refusals.
BODIES = {
    "receipts": lambda pw: {
        "warehouse": pw["wh"].pk,
        "supplier": pw["supplier"].pk,
        "lines": [{"part": pw["relay"].pk, "quantity": 4, "batch": "B1"}],
    },
    "transfers": lambda pw: {
        "from_warehouse": pw["wh"].pk,
        "to_warehouse": pw["central"].pk,
        "lines": [{"part": pw["relay"].pk, "quantity": 2}],
    },
    "counts": lambda pw: {"warehouse": pw["wh"].pk},
    "scraps": lambda pw: {
        "warehouse": pw["wh"].pk,
        "part": pw["relay"].pk,
        "quantity": 1,
        "reason": "受潮锈蚀",
    },
    "disposals": lambda pw: {
        "warehouse": pw["wh"].pk,
        "month": timezone.localdate().strftime("%Y-%m"),
    },
}
MODELS = {
    "receipts": Receipt,
    "transfers": Transfer,
    "counts": StockCount,
    "scraps": Scrap,
    "disposals": Disposal,
}


@pytest.mark.parametrize("url", list(BODIES))
def test_the_keeper_creates_each_document_in_draft(pw, url):
    with_old_part_back(pw)  # something for the disposal to take
    moves = StockMovement.objects.count()

    response = post(pw, "keeper", f"{url}/", BODIES[url](pw))

    assert response.status_code == 201, response.json()
    body = response.json()
    doc = MODELS[url].objects.get(pk=body["id"])
    assert body["number"] == doc.number and body["status"] == "draft"
    assert doc.created_by == pw["keeper"]
    assert StockMovement.objects.count() == moves  # a draft moves nothing
    fetched = api_client_for(pw["keeper"]).get(f"{API}/{url}/{doc.pk}/")
    assert fetched.status_code == 200 and fetched.json()["number"] == doc.number


@pytest.mark.parametrize("url", list(BODIES))
def test_a_technician_may_not_create_documents(pw, url):
    with_old_part_back(pw)
    before = MODELS[url].objects.count()

    response = post(pw, "tech", f"{url}/", BODIES[url](pw))

    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "permission_denied"
    assert "无权" in response.json()["detail"] or "须由备件库管员" in response.json()["detail"]
    assert MODELS[url].objects.count() == before


@pytest.mark.parametrize("url", list(BODIES))
def test_an_agent_gets_404_for_every_create(pw, url):
    before = MODELS[url].objects.count()

    response = post(pw, "agent", f"{url}/", BODIES[url](pw))

    assert response.status_code == 404
    assert MODELS[url].objects.count() == before


def _with(body: dict[str, Any], **line: Any) -> dict[str, Any]:
    return {**body, "lines": [{**body["lines"][0], **line}]}


UNKNOWN = 987654
BAD_INPUT = [
    # (url, who, body, field, message)
    (
        "receipts",
        "keeper",
        lambda pw: _with(BODIES["receipts"](pw), part=UNKNOWN),
        "lines",
        "备件不存在",
    ),
    (
        "receipts",
        "keeper",
        lambda pw: _with(BODIES["receipts"](pw), quantity=-3),
        "lines",
        "数量必须大于 0",
    ),
    (
        "receipts",
        "manager",
        lambda pw: {**BODIES["receipts"](pw), "warehouse": pw["other_wh"].pk},
        "warehouse",
        "仓库不存在",
    ),
    (
        "transfers",
        "keeper",
        lambda pw: _with(BODIES["transfers"](pw), part=UNKNOWN),
        "lines",
        "备件不存在",
    ),
    (
        "transfers",
        "keeper",
        lambda pw: _with(BODIES["transfers"](pw), quantity=0),
        "lines",
        "数量必须大于 0",
    ),
    (
        "transfers",
        "manager",
        lambda pw: {**BODIES["transfers"](pw), "from_warehouse": pw["other_wh"].pk},
        "from_warehouse",
        "仓库不存在",
    ),
    (
        "transfers",
        "keeper",
        lambda pw: {**BODIES["transfers"](pw), "to_warehouse": UNKNOWN},
        "to_warehouse",
        "仓库不存在",
    ),
    (
        "scraps",
        "keeper",
        lambda pw: {**BODIES["scraps"](pw), "part": UNKNOWN},
        "part",
        "备件不存在",
    ),
    (
        "scraps",
        "keeper",
        lambda pw: {**BODIES["scraps"](pw), "quantity": -1},
        "quantity",
        "数量必须是正整数",
    ),
    (
        "scraps",
        "keeper",
        lambda pw: {**BODIES["scraps"](pw), "reason": " "},
        "reason",
        "请填写报废原因",
    ),
    (
        "scraps",
        "manager",
        lambda pw: {**BODIES["scraps"](pw), "warehouse": pw["other_wh"].pk},
        "warehouse",
        "仓库不存在",
    ),
    (
        "counts",
        "keeper",
        lambda pw: {**BODIES["counts"](pw), "parts": [UNKNOWN]},
        "parts",
        "备件不存在",
    ),
    ("counts", "manager", lambda pw: {"warehouse": pw["other_wh"].pk}, "warehouse", "仓库不存在"),
    (
        "disposals",
        "keeper",
        lambda pw: {**BODIES["disposals"](pw), "warehouse": UNKNOWN},
        "warehouse",
        "仓库不存在",
    ),
    (
        "disposals",
        "keeper",
        lambda pw: {**BODIES["disposals"](pw), "action": "sell"},
        "action",
        "未知的处置方式",
    ),
]


@pytest.mark.parametrize(("url", "who", "body", "field", "message"), BAD_INPUT)
def test_bad_input_is_a_400_that_says_what_is_wrong_and_creates_nothing(
    pw, url, who, body, field, message
):
    with_old_part_back(pw)
    before, moves = MODELS[url].objects.count(), StockMovement.objects.count()

    response = post(pw, who, f"{url}/", body(pw))

    assert response.status_code == 400, response.json()
    assert message in response.json()["detail"]
    assert field in response.json()["errors"]
    assert MODELS[url].objects.count() == before
    assert StockMovement.objects.count() == moves


def test_a_body_of_the_wrong_type_is_a_400_with_the_field(pw):
    response = post(pw, "keeper", "receipts/", {"warehouse": "abc", "lines": "x"})
    assert response.status_code == 400
    assert {"warehouse", "lines"} <= set(response.json()["errors"])
    assert not Receipt.objects.filter(created_by=pw["keeper"], status="draft").exists()


def test_a_receipt_posted_through_the_api_adds_the_stock(pw):
    wh, relay = pw["wh"], pw["relay"]
    created = post(pw, "keeper", "receipts/", BODIES["receipts"](pw))
    assert created.status_code == 201
    assert created.json()["lines"][0]["quantity"] == 4
    assert services.balance_of(wh, relay) == 5  # not yet: the receipt is a draft

    posted = post(pw, "keeper", f"receipts/{created.json()['id']}/transitions/", {"action": "post"})

    assert posted.status_code == 200 and posted.json()["status"] == "posted"
    assert services.balance_of(wh, relay) == 9
    move = StockMovement.objects.get(doc_type=DocType.RECEIPT, doc_number=created.json()["number"])
    assert (move.quantity, move.to_location, move.batch) == (4, wh, "B1")
    assert_ledger_explains_every_balance(relay)


def test_a_station_manager_receives_into_his_own_warehouse(pw):
    response = post(pw, "manager", "receipts/", BODIES["receipts"](pw))
    assert response.status_code == 201, response.json()
    assert response.json()["warehouse"] == pw["wh"].pk


def test_a_transfer_created_and_sent_through_the_api_moves_the_stock_to_in_transit(pw):
    wh, central, relay = pw["wh"], pw["central"], pw["relay"]
    transit = services.virtual_location(Location.Kind.TRANSIT)
    created = post(pw, "manager", "transfers/", BODIES["transfers"](pw))
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]

    sent = post(pw, "manager", f"transfers/{pk}/transitions/", {"action": "send"})

    assert sent.status_code == 200 and sent.json()["status"] == "in_transit"
    assert services.balance_of(wh, relay) == 3
    assert services.balance_of(transit, relay) == 2
    assert services.balance_of(central, relay) == 0

    received = post(pw, "keeper", f"transfers/{pk}/transitions/", {"action": "receive"})
    assert received.status_code == 200
    assert services.balance_of(transit, relay) == 0
    assert services.balance_of(central, relay) == 2
    assert_ledger_explains_every_balance(relay)


def test_a_transfer_of_more_than_is_on_hand_is_refused_when_sent(pw):
    body = _with(BODIES["transfers"](pw), quantity=6)
    pk = post(pw, "keeper", "transfers/", body).json()["id"]

    refused = post(pw, "keeper", f"transfers/{pk}/transitions/", {"action": "send"})

    assert refused.status_code == 409
    assert "库存只有 5" in refused.json()["detail"]
    assert Transfer.objects.get(pk=pk).status == "draft"
    assert services.balance_of(pw["wh"], pw["relay"]) == 5


def test_a_count_with_a_variance_through_the_api_posts_the_adjustment_on_approval(pw):
    wh, relay = pw["wh"], pw["relay"]
    created = post(pw, "manager", "counts/", {"warehouse": wh.pk})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    [line] = created.json()["lines"]
    assert (line["part"], line["system_quantity"], line["counted_quantity"]) == (relay.pk, 5, None)

    entered = post(
        pw, "manager", f"counts/{pk}/lines/", {"lines": [{"id": line["id"], "counted_quantity": 3}]}
    )

    assert entered.status_code == 200, entered.json()
    assert entered.json()["lines"][0]["variance"] == -2
    assert post(pw, "manager", f"counts/{pk}/transitions/", {"action": "submit"}).status_code == 200
    assert services.balance_of(wh, relay) == 5  # submitted, not yet approved
    # Approval is the keeper's: the manager who counted may not approve his own variance.
    assert (
        post(pw, "manager", f"counts/{pk}/transitions/", {"action": "approve"}).status_code == 403
    )

    approved = post(pw, "keeper", f"counts/{pk}/transitions/", {"action": "approve"})

    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert services.balance_of(wh, relay) == 3
    move = StockMovement.objects.get(doc_type=DocType.COUNT, doc_id=pk)
    assert (move.quantity, move.from_location, move.to_location.kind) == (2, wh, "variance")
    assert_ledger_explains_every_balance(relay)


def test_counted_quantities_are_checked_and_only_for_a_count_of_ones_own(pw):
    pk = post(pw, "keeper", "counts/", {"warehouse": pw["wh"].pk}).json()["id"]
    line = StockCount.objects.get(pk=pk).lines.get()

    negative = post(
        pw, "keeper", f"counts/{pk}/lines/", {"lines": [{"id": line.pk, "counted_quantity": -1}]}
    )
    assert negative.status_code == 400 and "实盘数量不能为负" in negative.json()["detail"]
    foreign = post(
        pw, "keeper", f"counts/{pk}/lines/", {"lines": [{"id": UNKNOWN, "counted_quantity": 1}]}
    )
    assert foreign.status_code == 400 and "盘点行不存在" in foreign.json()["detail"]
    for who in ("tech", "other_tech", "agent"):
        hidden = post(
            pw, who, f"counts/{pk}/lines/", {"lines": [{"id": line.pk, "counted_quantity": 1}]}
        )
        assert hidden.status_code == 404, who
    line.refresh_from_db()
    assert line.counted_quantity is None


def test_a_scrap_approved_through_the_api_leaves_the_stock(pw):
    created = post(pw, "manager", "scraps/", BODIES["scraps"](pw))
    assert created.status_code == 201, created.json()
    assert created.json()["reason"] == "受潮锈蚀"

    approved = post(
        pw, "keeper", f"scraps/{created.json()['id']}/transitions/", {"action": "approve"}
    )

    assert approved.status_code == 200
    assert services.balance_of(pw["wh"], pw["relay"]) == 4
    scrapped = services.virtual_location(Location.Kind.SCRAPPED)
    assert services.balance_of(scrapped, pw["relay"]) == 1


def test_a_disposal_through_the_api_refurbishes_the_old_part_when_posted(pw):
    ret = with_old_part_back(pw)
    wh, relay = pw["wh"], pw["relay"]
    assert services.balance_of(wh, relay, "old") == 1
    created = post(pw, "keeper", "disposals/", BODIES["disposals"](pw))
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    [line] = created.json()["lines"]
    assert (line["old_return"], line["action"]) == (ret.pk, "scrap")

    changed = post(
        pw,
        "keeper",
        f"disposals/{pk}/lines/",
        {"lines": [{"id": line["id"], "action": "refurbish"}]},
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["lines"][0]["action"] == "refurbish"
    assert post(pw, "keeper", f"disposals/{pk}/transitions/", {"action": "post"}).status_code == 200

    assert services.balance_of(wh, relay, "old") == 0
    assert services.balance_of(wh, relay, "refurbished") == 1
    ret.refresh_from_db()
    assert ret.status == "written_off"
    late = post(
        pw, "keeper", f"disposals/{pk}/lines/", {"lines": [{"id": line["id"], "action": "scrap"}]}
    )
    assert late.status_code == 409


def test_a_disposal_line_must_be_the_disposals_own_and_only_a_keeper_changes_it(pw):
    with_old_part_back(pw)
    created = post(pw, "keeper", "disposals/", BODIES["disposals"](pw)).json()
    pk, line = created["id"], created["lines"][0]["id"]

    unknown = post(
        pw, "keeper", f"disposals/{pk}/lines/", {"lines": [{"id": UNKNOWN, "action": "refurbish"}]}
    )
    assert unknown.status_code == 400 and "lines" in unknown.json()["errors"]
    by_manager = post(
        pw, "manager", f"disposals/{pk}/lines/", {"lines": [{"id": line, "action": "refurbish"}]}
    )
    assert by_manager.status_code == 403
    by_tech = post(
        pw, "tech", f"disposals/{pk}/lines/", {"lines": [{"id": line, "action": "refurbish"}]}
    )
    assert by_tech.status_code == 404
    assert Disposal.objects.get(pk=pk).lines.get().action == "scrap"


def test_the_ledger_filters_by_local_day(pw):
    keeper = api_client_for(pw["keeper"])
    receive(pw["keeper"], pw["wh"], pw["relay"], 1)
    receive(pw["keeper"], pw["wh"], pw["relay"], 1)
    first, second, third = StockMovement.objects.order_by("id")
    # Times around Shanghai midnight, which is 16:00 UTC the day before.
    moments = {
        first: datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI),
        second: datetime(2026, 3, 2, 0, 30, tzinfo=SHANGHAI),
        third: datetime(2026, 3, 3, 0, 0, tzinfo=SHANGHAI),
    }
    for move, at in moments.items():
        StockMovement.objects.filter(pk=move.pk).update(at=at)

    def ids(query: str) -> set[int]:
        response = keeper.get(f"{API}/movements/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("date_from=2026-03-02&date_to=2026-03-02") == {second.pk}
    assert ids("date_to=2026-03-01") == {first.pk}
    assert ids("date_from=2026-03-03") == {third.pk}
    assert ids("date_from=2026-03-01&date_to=2026-03-03") == {first.pk, second.pk, third.pk}
    bad = keeper.get(f"{API}/movements/?date_from=2026-02-30")
    assert bad.status_code == 400 and "date_from" in bad.json()["errors"]


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_stock_exports_to_excel_with_the_lists_filters_and_rights(pw):
    receive(pw["keeper"], pw["other_wh"], pw["relay"], 3)

    rows = _sheet(api_client_for(pw["keeper"]).get(f"{API}/stock/export/"))
    assert rows[0][0] == "库位编码"
    assert {(r[0], r[2], r[6]) for r in rows[1:]} == {
        ("WH-BJ-CY", "P-RELAY", 5),
        ("WH-BJ-HD", "P-RELAY", 3),
    }
    only = _sheet(
        api_client_for(pw["keeper"]).get(f"{API}/stock/export/?location={pw['other_wh'].pk}")
    )
    assert [r[0] for r in only[1:]] == ["WH-BJ-HD"]
    mine = _sheet(api_client_for(pw["manager"].user).get(f"{API}/stock/export/"))
    assert [r[0] for r in mine[1:]] == ["WH-BJ-CY"]

    assert api_client_for(pw["agent"]).get(f"{API}/stock/export/").status_code == 404
    other = f"{API}/stock/export/?location={pw['other_wh'].pk}"
    assert api_client_for(pw["manager"].user).get(other).status_code == 404
