"""Visits to key customers and customer forums; the suggestion box (public page and paper)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from aftersales.core.errors import PermissionDenied, ValidationFailed
from aftersales.supervision.models import CustomerVisit, Suggestion
from aftersales.supervision.services import suggestion_submit, visit_plan, visit_record

from .conftest import client_for

VISITS = reverse("supervision:visit_list")
SUGGESTIONS = reverse("supervision:suggestion_list")
SUGGEST = reverse("survey:suggest")


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def key_customer(world):
    customer = world["customer"]
    customer.is_key_account = True
    customer.save(update_fields=["is_key_account"])
    return customer


def test_supervisor_plans_and_records_a_key_customer_visit(world, key_customer):
    visit = visit_plan(
        actor=world["supervisor"],
        kind=CustomerVisit.Kind.KEY_CUSTOMER,
        planned_date=date(2030, 5, 1),
        customer=key_customer,
        attendees="张三",
    )
    assert visit.status == CustomerVisit.Status.PLANNED and visit.created_by == world["supervisor"]
    with pytest.raises(ValidationFailed):
        visit_record(visit=visit, actor=world["supervisor"], findings=" ")
    visit = visit_record(visit=visit, actor=world["supervisor"], findings="空调维修慢")
    assert visit.status == CustomerVisit.Status.DONE and visit.findings == "空调维修慢"
    assert visit.done_at is not None


def test_a_key_customer_visit_needs_a_customer_a_forum_does_not(world):
    with pytest.raises(ValidationFailed):
        visit_plan(
            actor=world["supervisor"],
            kind=CustomerVisit.Kind.KEY_CUSTOMER,
            planned_date=date(2030, 5, 1),
        )
    forum = visit_plan(
        actor=world["supervisor"], kind=CustomerVisit.Kind.FORUM, planned_date=date(2030, 5, 2)
    )
    visit_record(visit=forum, actor=world["supervisor"], findings="", cancel=True)
    forum.refresh_from_db()
    assert forum.status == CustomerVisit.Status.CANCELLED


def test_an_agent_may_not_plan_or_record_visits(world, key_customer):
    with pytest.raises(PermissionDenied):
        visit_plan(
            actor=world["agent"],
            kind=CustomerVisit.Kind.FORUM,
            planned_date=date(2030, 5, 1),
        )
    visit = visit_plan(
        actor=world["supervisor"], kind=CustomerVisit.Kind.FORUM, planned_date=date(2030, 5, 1)
    )
    with pytest.raises(PermissionDenied):
        visit_record(visit=visit, actor=world["agent"], findings="好")
    visit.refresh_from_db()
    assert visit.status == CustomerVisit.Status.PLANNED


def test_visit_page_plans_and_records(world, key_customer):
    client = client_for(world["supervisor"])
    resp = client.post(
        VISITS,
        {
            "kind": "key_customer",
            "customer": key_customer.pk,
            "planned_date": "2030-05-01",
            "attendees": "张三",
        },
    )
    assert resp.status_code == 302
    visit = CustomerVisit.objects.get()
    assert visit.customer == key_customer
    client.post(reverse("supervision:visit_record", args=[visit.pk]), {"findings": "满意"})
    visit.refresh_from_db()
    assert visit.status == CustomerVisit.Status.DONE
    body = client.get(VISITS).content.decode()
    assert 'id="visit-list"' in body and "满意" in body


def test_visit_and_suggestion_pages_refuse_an_agent(world):
    visit = visit_plan(
        actor=world["supervisor"], kind=CustomerVisit.Kind.FORUM, planned_date=date(2030, 5, 1)
    )
    agent = client_for(world["agent"])
    assert agent.get(VISITS).status_code == 403
    assert agent.post(VISITS, {"kind": "forum", "planned_date": "2030-05-01"}).status_code == 403
    assert agent.get(SUGGESTIONS).status_code == 403
    assert agent.post(SUGGESTIONS, {"text": "x"}).status_code == 403
    resp = agent.post(reverse("supervision:visit_record", args=[visit.pk]), {"findings": "x"})
    assert resp.status_code == 404
    # The director reads the pages but has no forms.
    director = client_for(world["director"])
    assert director.get(VISITS).status_code == 200
    assert director.post(SUGGESTIONS, {"text": "x"}).status_code == 403
    assert CustomerVisit.objects.count() == 1 and not Suggestion.objects.exists()


def test_public_suggestion_without_login(db):
    client = Client()
    assert client.get(SUGGEST).status_code == 200
    resp = client.post(
        SUGGEST, {"text": "希望增加周末服务", "name": "李四", "contact": "13800000000"}
    )
    assert resp.status_code == 200 and 'id="suggest-thanks"' in resp.content.decode()
    row = Suggestion.objects.get()
    assert row.channel == Suggestion.Channel.PUBLIC and row.entered_by is None
    assert row.name == "李四"
    assert client.post(SUGGEST, {"text": "  "}).status_code == 400


def test_public_suggestion_honeypot_and_rate_limit(db):
    client = Client()
    resp = client.post(SUGGEST, {"text": "buy now", "website": "http://spam"})
    assert resp.status_code == 200 and not Suggestion.objects.exists()
    for _ in range(9):
        client.post(SUGGEST, {"text": "意见"})
    assert Suggestion.objects.count() == 9
    assert client.post(SUGGEST, {"text": "意见"}).status_code == 429
    assert Suggestion.objects.count() == 9


def test_supervisor_types_in_a_paper_suggestion(world):
    client = client_for(world["supervisor"])
    resp = client.post(
        SUGGESTIONS, {"text": "纸质意见：配件太慢", "name": "王五", "received_date": "2030-04-03"}
    )
    assert resp.status_code == 302
    row = Suggestion.objects.get()
    assert row.channel == Suggestion.Channel.PAPER and row.entered_by == world["supervisor"]
    assert row.received_at.date().isoformat() in ("2030-04-03", "2030-04-02")
    body = client.get(SUGGESTIONS).content.decode()
    assert 'id="suggestion-list"' in body and "配件太慢" in body
    with pytest.raises(PermissionDenied):
        suggestion_submit(text="x", actor=world["agent"])
