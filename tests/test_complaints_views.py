"""Complaint pages and REST API: the ledger with its overdue flag and Excel export, the step
form, and access per role (page and API)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aftersales.accounts.models import Role
from aftersales.complaints.models import Complaint

from . import factories as f
from .conftest import api_client_for, client_for, make_order
from .test_complaints_flow import cast, record

LEDGER = "/complaints/"
API = "/api/v1/complaints/"


def test_an_overdue_complaint_appears_flagged_in_the_ledger(world):
    late = record(world, complainant="迟到的客户")
    Complaint.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(hours=1))
    on_time = record(world, complainant="准时的客户")
    html = client_for(world["agent"]).get(LEDGER).content.decode()
    late_row = html.split(f'data-number="{late.number}"')[1].split("</tr>")[0]
    on_time_row = html.split(f'data-number="{on_time.number}"')[1].split("</tr>")[0]
    assert 'data-overdue="1"' in late_row and "已超期" in late_row
    assert "已超期" not in on_time_row
    only = client_for(world["agent"]).get(LEDGER, {"overdue": "1"}).content.decode()
    assert late.number in only and on_time.number not in only


def test_the_ledger_pages_without_counting(world, django_assert_max_num_queries):
    for i in range(27):
        record(world, complainant=f"客户{i}")
    client = client_for(world["agent"])
    with django_assert_max_num_queries(12):
        first = client.get(LEDGER).content.decode()
    assert "下一页" in first
    second = client.get(LEDGER, {"page": "2"}).content.decode()
    assert second.count("data-number=") == 2 and "下一页" not in second


def test_the_excel_export_neutralises_formula_cells(world):
    record(world, complainant='=HYPERLINK("http://x")', description="+cmd|' /C calc'!A0")
    response = client_for(world["supervisor"]).get(reverse("complaints:export"))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    row = [c.value for c in list(ws.iter_rows(min_row=2, max_row=2))[0]]
    assert '\'=HYPERLINK("http://x")' in row
    assert "'+cmd|' /C calc'!A0" in row
    # The ledger names complainants: the export is logged (PIPL).
    from aftersales.core.models import ExportLog

    entry = ExportLog.objects.get(what="complaints")
    assert entry.actor == world["supervisor"] and entry.rows == ws.max_row - 1 >= 1


def test_an_agent_records_a_complaint_through_the_form(world):
    response = client_for(world["agent"]).post(
        reverse("complaints:record"),
        {
            "type": "service",
            "service_aspect": "attitude",
            "level": "general",
            "channel": "hotline",
            "complainant": "王女士",
            "description": "工程师态度恶劣",
            "against_person": "张工",
        },
    )
    c = Complaint.objects.get()
    assert response.status_code == 302 and response.url == reverse("complaints:detail", args=[c.pk])
    assert (c.service_aspect, c.against_person, c.recorded_by) == (
        "attitude",
        "张工",
        world["agent"],
    )


def test_the_detail_page_offers_the_current_step_and_takes_it(world):
    c = record(world)
    client = client_for(world["supervisor"])
    page = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    assert 'data-action="accept"' in page and 'data-action="reject"' in page
    assert 'data-action="assign"' not in page
    client.post(reverse("complaints:transition", args=[c.pk]), {"action": "accept"})
    client.post(
        reverse("complaints:transition", args=[c.pk]), {"action": "assign", "category": "transport"}
    )
    c.refresh_from_db()
    assert (c.status, c.department) == ("assigned", "logistics")
    page = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    assert "判定有效" in page and "分派" in page  # the history


def test_the_penalty_form_records_who_let_it_go_unanswered(world):
    from .test_complaints_flow import walk_to

    cast(world)
    c = walk_to(world, record(world), "notified")
    client_for(world["supervisor"]).post(
        reverse("complaints:transition", args=[c.pk]),
        {
            "action": "penalise",
            "person_0": "赵站长",
            "amount_0": "200",
            "loss_0": "0",
            "penalty_reason_0": "三次来电无人处理",
            "unanswered_0": "1",
        },
    )
    assert c.penalties.get().unanswered is True


@pytest.mark.parametrize(
    "who,sees",
    [
        ("agent", True),
        ("supervisor", True),
        ("director", True),
        ("qe", True),
        ("tech", False),
        ("finance", False),
    ],
)
def test_who_sees_the_ledger_and_a_complaint(world, who, sees):
    cast(world)
    world["finance"] = f.UserFactory(username="fin", role=Role.FINANCE)
    user = world[who].user if who == "tech" else world[who]
    c = record(world)
    assert client_for(user).get(LEDGER).status_code == (200 if sees else 404)
    assert client_for(user).get(reverse("complaints:detail", args=[c.pk])).status_code == (
        200 if sees else 404
    )
    assert api_client_for(user).get(f"{API}{c.pk}/").status_code == (200 if sees else 404)


def test_a_station_manager_sees_only_the_complaints_of_their_outlets_orders(world):
    order = make_order(world)
    mine = record(world, work_order=order.number)
    other = record(world, unit=world["other_unit"].serial)
    manager = world["manager"].user
    assert mine.outlet == world["outlet"]
    html = client_for(manager).get(LEDGER).content.decode()
    assert mine.number in html and other.number not in html
    assert api_client_for(manager).get(f"{API}{other.pk}/").status_code == 404
    numbers = [r["number"] for r in api_client_for(manager).get(API).json()["results"]]
    assert numbers == [mine.number]


def test_a_customer_sees_only_their_own_complaints_and_cannot_take_steps(world):
    mine = record(world)
    other = record(world, unit=world["other_unit"].serial)
    client = api_client_for(world["customer_user"])
    assert client.get(f"{API}{mine.pk}/").status_code == 200
    assert client.get(f"{API}{other.pk}/").status_code == 404
    assert client.post(f"{API}{mine.pk}/transitions/", {"action": "accept"}).status_code == 404
    assert client_for(world["customer_user"]).get(LEDGER).status_code == 404


def test_the_api_records_a_complaint_and_answers_409_for_an_invalid_step(world):
    client = api_client_for(world["agent"])
    response = client.post(
        API,
        {
            "type": "quality",
            "level": "urgent",
            "channel": "portal",
            "complainant": "李师傅",
            "description": "空调不制冷",
            "unit": world["unit"].serial,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["number"].startswith("CP-")
    sup = api_client_for(world["supervisor"])
    assert (
        sup.post(f"{API}{pk}/transitions/", {"action": "close"}, format="json").status_code == 409
    )
    assert (
        client.post(f"{API}{pk}/transitions/", {"action": "accept"}, format="json").status_code
        == 403
    )
    ok = sup.post(
        f"{API}{pk}/transitions/", {"action": "reject", "reason": "重复来电"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "closed"
    assert ok.json()["answer"] == "重复来电"


def test_a_technician_cannot_record_through_the_api(world):
    response = api_client_for(world["tech"].user).post(
        API,
        {
            "type": "service",
            "level": "general",
            "channel": "visit",
            "complainant": "x",
            "description": "y",
        },
        format="json",
    )
    assert response.status_code == 404
    assert not Complaint.objects.exists()
