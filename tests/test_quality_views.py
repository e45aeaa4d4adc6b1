"""The quality and finance pages and the REST API: who sees what (404 for not-yours), the
ruling form, the allocation shown to finance, 409 for invalid transitions, Excel exports."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from aftersales.accounts.models import Role
from aftersales.quality import services as q
from aftersales.quality.models import JobCost, Ruling, SupplierClaim

from . import factories as f
from .conftest import api_client_for, client_for
from .quality_support import cast, diagnosed, issued, shared_spec

SEE = ["qe", "finance", "director", "admin", "manager"]
NOT = ["tech", "agent", "customer_user", "supervisor", "other_manager"]


@pytest.fixture
def w(world):
    cast(world)
    world["admin"] = f.UserFactory(username="root", role=Role.ADMIN, is_staff=True)
    world["other_manager"] = f.StaffFactory(
        user=f.UserFactory(username="othermgr", role=Role.STATION_MANAGER),
        outlet=world["other_outlet"],
    ).user
    return world


def user(w, name):
    value = w[name]
    return value.user if name in ("tech", "manager") else value


@pytest.fixture
def ruling(w):
    return issued(w, diagnosed(w))


@pytest.fixture
def claim(ruling):
    return SupplierClaim.objects.get(ruling=ruling)


def pages(ruling, claim):
    return [
        reverse("quality:ruling_detail", args=[ruling.pk]),
        reverse("quality:claim_detail", args=[claim.pk]),
        reverse("quality:order_cost", args=[ruling.order_id]),
    ]


@pytest.mark.parametrize("name", SEE)
def test_those_who_may_see_rulings_open_their_pages(w, ruling, claim, name):
    client = client_for(user(w, name))
    for url in pages(ruling, claim):
        assert client.get(url).status_code == 200, url
    for url in ("quality:home", "quality:claims", "quality:costs", "quality:recoveries"):
        assert client.get(reverse(url)).status_code == 200, url


@pytest.mark.parametrize("name", NOT)
def test_everybody_else_gets_404_on_pages(w, ruling, claim, name):
    client = client_for(user(w, name))
    for url in pages(ruling, claim):
        assert client.get(url).status_code == 404, url
    if name != "other_manager":
        for url in ("quality:home", "quality:claims", "quality:costs", "quality:costs_export"):
            assert client.get(reverse(url)).status_code == 404, url


@pytest.mark.parametrize("name", SEE)
def test_those_who_may_see_rulings_read_them_through_the_api(w, ruling, claim, name):
    api = api_client_for(user(w, name))
    assert api.get(f"/api/v1/quality/rulings/{ruling.pk}/").status_code == 200
    assert api.get(f"/api/v1/quality/claims/{claim.pk}/").status_code == 200
    assert api.get(f"/api/v1/quality/job-costs/{ruling.order_id}/").status_code == 200
    listed = api.get("/api/v1/quality/rulings/").json()["results"]
    assert [r["number"] for r in listed] == [ruling.number]


@pytest.mark.parametrize("name", NOT)
def test_everybody_else_gets_404_and_empty_lists_from_the_api(w, ruling, claim, name):
    api = api_client_for(user(w, name))
    assert api.get(f"/api/v1/quality/rulings/{ruling.pk}/").status_code == 404
    assert api.get(f"/api/v1/quality/claims/{claim.pk}/").status_code == 404
    assert api.get(f"/api/v1/quality/job-costs/{ruling.order_id}/").status_code == 404
    assert api.get("/api/v1/quality/rulings/").json()["results"] == []
    assert api.get("/api/v1/quality/claims/").json()["results"] == []
    assert api.get("/api/v1/quality/job-costs/").json()["results"] == []


def test_the_quality_engineer_sees_orders_awaiting_a_ruling_and_rules_one(w):
    order = diagnosed(w)
    client = client_for(w["qe"])
    page = client.get(reverse("quality:home")).content.decode()
    assert order.number in page and reverse("quality:ruling_new", args=[order.pk]) in page

    form = client.get(reverse("quality:ruling_new", args=[order.pk])).content.decode()
    assert 'id="job-cost"' in form and "180.00" in form and "30.00" in form
    response = client.post(
        reverse("quality:ruling_new", args=[order.pk]),
        {
            "party": "shared",
            "findings": "共同责任",
            "share-0-party": "supplier",
            "share-0-supplier": w["supplier"].pk,
            "share-0-percent": "70",
            "share-1-party": "customer",
            "share-1-percent": "30",
            "issue": "1",
        },
    )
    ruling = Ruling.objects.get(order=order)
    assert response.status_code == 302 and ruling.status == "issued"
    detail = client.get(response.url).content.decode()
    assert 'id="ruling-allocation"' in detail and "147.00" in detail and "63.00" in detail
    assert (
        order.number not in client.get(reverse("quality:home") + "?status=draft").content.decode()
    )


def test_the_form_refuses_shares_that_do_not_add_up_and_keeps_what_was_typed(w):
    order = diagnosed(w)
    response = client_for(w["qe"]).post(
        reverse("quality:ruling_new", args=[order.pk]),
        {
            "party": "shared",
            "findings": "共同责任",
            "share-0-party": "supplier",
            "share-0-supplier": w["supplier"].pk,
            "share-0-percent": "70",
            "share-1-party": "customer",
            "share-1-percent": "20",
            "issue": "1",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="ruling-error"' in page and "100%" in page and 'value="70"' in page
    assert not Ruling.objects.exists()


def test_a_policy_prefills_the_ruling_form(w):
    from aftersales.quality.models import CostPolicy

    order = diagnosed(w)
    policy = CostPolicy.objects.get(code="shared_fault")
    page = (
        client_for(w["qe"])
        .get(reverse("quality:ruling_new", args=[order.pk]) + f"?policy={policy.pk}")
        .content.decode()
    )
    assert 'name="share-0-percent" value="50"' in page
    assert '<option value="shared" selected>' in page


def test_finance_sees_the_job_cost_and_the_rulings_allocation(w):
    ruling = issued(w, diagnosed(w), shared_spec(w, "60", "40"))
    page = client_for(w["finance"]).get(reverse("quality:costs")).content.decode()
    assert 'id="job-costs"' in page and ruling.order.number in page
    assert ruling.number in page
    for share in ruling.shares.all():
        assert f"¥{share.total_amount}" in page
    assert 'data-total="total"><strong>¥210.00' in page


def test_the_costs_list_filters_by_party_and_outlet(w):
    ruling = issued(w, diagnosed(w))
    client = client_for(w["finance"])
    url = reverse("quality:costs")
    assert ruling.order.number in client.get(url + "?party=supplier").content.decode()
    assert ruling.order.number not in client.get(url + "?party=customer").content.decode()
    other = w["other_outlet"].pk
    assert ruling.order.number not in client.get(url + f"?outlet={other}").content.decode()


def test_the_costs_list_pages_without_counting(w, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    issued(w, diagnosed(w))
    client = client_for(w["finance"])
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("quality:costs"))
    assert response.status_code == 200
    assert not any("COUNT(" in query["sql"].upper() for query in ctx.captured_queries)


def test_an_invalid_ruling_transition_is_409_in_the_api(w, ruling):
    api = api_client_for(w["qe"])
    response = api.post(
        f"/api/v1/quality/rulings/{ruling.pk}/transitions/", {"action": "uphold", "reason": "x"}
    )
    assert response.status_code == 409
    ruling.refresh_from_db()
    assert ruling.status == "issued"


def test_the_api_creates_a_ruling_and_refuses_one_that_does_not_add_up(w):
    order = diagnosed(w)
    api = api_client_for(w["qe"])
    bad = {
        "order": order.pk,
        "party": "shared",
        "findings": "共同",
        "shares": [
            {"party": "supplier", "supplier": w["supplier"].pk, "percent": "50"},
            {"party": "customer", "percent": "40"},
        ],
    }
    refused = api.post("/api/v1/quality/rulings/", bad, format="json")
    assert refused.status_code == 400 and "100%" in refused.json()["detail"]
    bad["shares"][1]["percent"] = "50"
    made = api.post("/api/v1/quality/rulings/", {**bad, "issue": True}, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["status"] == "issued"
    assert sum(Decimal(s["total_amount"]) for s in body["shares"]) == Decimal(body["total_cost"])


def test_the_api_takes_the_claim_through_to_settlement(w, ruling, claim):
    q.ruling_transition(ruling=ruling, action="accept", actor=w["qe"])
    qe, fin = api_client_for(w["qe"]), api_client_for(w["finance"])
    url = f"/api/v1/quality/claims/{claim.pk}/transitions/"
    assert qe.post(url, {"action": "submit"}).status_code == 200
    assert qe.post(url, {"action": "accept_part", "accepted_amount": "100"}).status_code == 200
    assert fin.post(url, {"action": "submit"}).status_code == 409
    settled = fin.post(url, {"action": "settle", "recovered_amount": "100"})
    assert settled.status_code == 200 and settled.json()["recovered_amount"] == "100.00"


def test_a_station_manager_of_another_outlet_sees_nothing(w, ruling, claim):
    api = api_client_for(w["other_manager"])
    assert api.get(f"/api/v1/quality/rulings/{ruling.pk}/").status_code == 404
    page = client_for(w["other_manager"]).get(reverse("quality:costs")).content.decode()
    assert ruling.order.number not in page


def test_the_director_appeals_on_the_page_and_the_engineer_revises(w, ruling):
    director = client_for(w["director"])
    url = reverse("quality:ruling_transition", args=[ruling.pk])
    director.post(url, {"action": "appeal", "reason": "装配也有问题"})
    ruling.refresh_from_db()
    assert ruling.status == "appealed"
    response = client_for(w["qe"]).post(
        reverse("quality:ruling_revise", args=[ruling.pk]),
        {
            "party": "manufacturer",
            "department": "production",
            "findings": "装配扭矩不足",
            "reason": "复核后改判",
        },
    )
    new = Ruling.objects.get(supersedes=ruling)
    assert response.status_code == 302 and new.status == "final"
    assert not SupplierClaim.objects.filter(ruling=new).exists()


def test_a_refused_page_action_changes_nothing_and_says_why(w, ruling):
    response = client_for(w["qe"]).post(
        reverse("quality:ruling_transition", args=[ruling.pk]),
        {"action": "appeal", "reason": "x"},
        follow=True,
    )
    assert "无权" in response.content.decode()
    ruling.refresh_from_db()
    assert ruling.status == "issued"


def test_exports_neutralise_formula_cells(w):
    from aftersales.products.models import Supplier

    evil = Supplier.objects.create(code="EVIL", name='=HYPERLINK("http://x","y")')
    order = diagnosed(w)
    issued(w, order, q.RulingSpec(party="supplier", supplier=evil, findings="x"))
    client = client_for(w["finance"])
    claims = load_workbook(io.BytesIO(client.get(reverse("quality:claims_export")).content))
    values = [c.value for row in claims.active.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x","y")' in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    costs = load_workbook(io.BytesIO(client.get(reverse("quality:costs_export")).content))
    rows = list(costs.active.iter_rows(values_only=True))
    assert rows[1][0] == order.number and rows[1][-1] == pytest.approx(210.0)


def test_the_admin_shows_rulings_read_only(w, ruling):
    admin_client = client_for(w["admin"])
    url = reverse("admin:quality_ruling_change", args=[ruling.pk])
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"party": "customer"})
    ruling.refresh_from_db()
    assert ruling.party == "supplier"
    assert client_for(w["tech"].user).get(url).status_code in (302, 403, 404)


def test_demo_quality_data_is_made_once(w):
    from aftersales.quality.demo import seed_demo_quality

    diagnosed(w)
    assert seed_demo_quality() == 1
    assert seed_demo_quality() == 0
    assert JobCost.objects.count() == 1
    assert SupplierClaim.objects.get().status == "settled"
