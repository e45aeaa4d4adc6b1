"""The supervision API's writes (/api/v1/supervision/): completing a callback, verifying a
feedback form, planning and recording visits, typing in paper suggestions. Supervision writes;
the service director reads but gets 403 on every write; everyone else gets 404 and nothing
changes. Repeats answer 409, bad input 400 with the field, and neither writes anything."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from aftersales.accounts.models import Role
from aftersales.api_urls import supervision_router
from aftersales.core.models import BackgroundJob
from aftersales.service.models import Status
from aftersales.supervision.models import (
    Callback,
    CustomerVisit,
    FeedbackForm,
    Suggestion,
    SurveyForm,
)
from aftersales.supervision.services import (
    survey_invitation_create,
    survey_submit,
    visit_plan,
)

from .conftest import api_client_for, user_per_role
from .test_supervision import close

BASE = "/api/v1/supervision"
ANSWER = {"timeliness": "A", "quality": "B", "attitude": "C", "comments": "师傅很专业"}
NOTES = "客户满意，师傅准时到达"


@pytest.fixture
def callback(world, order, django_capture_on_commit_callbacks):
    close(order, world, django_capture_on_commit_callbacks)
    return Callback.objects.get(order=order)


@pytest.fixture
def form(callback):
    """The customer's survey answer for the closed order (not verified yet)."""
    _invitation, token = survey_invitation_create(order=callback.order)
    return survey_submit(token=token, **ANSWER)


@pytest.fixture
def visit(world):
    return visit_plan(
        actor=world["supervisor"],
        kind=CustomerVisit.Kind.KEY_CUSTOMER,
        planned_date=date(2025, 6, 1),
        customer=world["customer"],
        attendees="张三",
    )


def outsiders(world):
    return {
        "agent": world["agent"],
        "manager": world["manager"].user,
        "technician": world["tech"].user,
        "customer": world["customer_user"],
    }


def snapshot():
    """What the writes could change: compared before and after a refused request."""
    return (
        list(Callback.objects.values_list("pk", "status", "done_by", "notes").order_by("pk")),
        list(FeedbackForm.objects.values_list("pk", "verified", "verified_by").order_by("pk")),
        list(CustomerVisit.objects.values_list("pk", "status", "findings").order_by("pk")),
        list(Suggestion.objects.values_list("pk", "text").order_by("pk")),
        list(BackgroundJob.objects.values_list("pk", "kind").order_by("pk")),
    )


# --- callbacks --------------------------------------------------------------------------------


def test_a_supervisor_completes_a_callback_and_the_order_is_followed_up(world, callback):
    client = api_client_for(world["supervisor"])
    resp = client.post(f"{BASE}/callbacks/{callback.pk}/complete/", {"notes": NOTES})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["id"] == callback.pk
    assert (body["status"], body["done_by"], body["notes"]) == ("done", "supervisor", NOTES)
    callback.order.refresh_from_db()
    assert callback.order.status == Status.FOLLOWED_UP
    # Without grades no feedback form is written.
    assert not FeedbackForm.objects.filter(callback=callback).exists()


def test_a_callback_with_grades_records_its_feedback_form(world, callback):
    client = api_client_for(world["supervisor"])
    grades = {"timeliness": "a", "quality": "B", "attitude": "C"}
    resp = client.post(
        f"{BASE}/callbacks/{callback.pk}/complete/", {"notes": NOTES, **grades}, format="json"
    )
    assert resp.status_code == 200, resp.content
    row = FeedbackForm.objects.get(callback=callback)
    assert (row.source, row.timeliness, row.quality, row.attitude) == ("callback", "A", "B", "C")
    assert row.comments == NOTES and row.created_by == world["supervisor"]


def test_completing_a_callback_twice_is_a_409_and_keeps_the_first_record(world, callback):
    client = api_client_for(world["supervisor"])
    url = f"{BASE}/callbacks/{callback.pk}/complete/"
    assert client.post(url, {"notes": NOTES}).status_code == 200
    before = snapshot()
    resp = client.post(url, {"notes": "第二次"})
    assert resp.status_code == 409
    assert resp.json()["code"] == "invalid_transition"
    assert callback.order.number in resp.json()["detail"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notes": ""}, "notes"),
        ({"notes": "   "}, "notes"),
        ({}, "notes"),
        ({"notes": NOTES, "timeliness": "Z", "quality": "A", "attitude": "A"}, "timeliness"),
        ({"notes": NOTES, "timeliness": "A"}, "quality"),
    ],
)
def test_bad_callback_input_is_a_400_with_the_field_and_writes_nothing(
    world, callback, body, field
):
    before = snapshot()
    resp = api_client_for(world["supervisor"]).post(
        f"{BASE}/callbacks/{callback.pk}/complete/", body, format="json"
    )
    assert resp.status_code == 400
    assert field in resp.json()["errors"]
    assert snapshot() == before
    callback.order.refresh_from_db()
    assert callback.order.status == Status.CLOSED


# --- feedback forms ---------------------------------------------------------------------------


def test_a_supervisor_verifies_a_feedback_form_once(world, form):
    client = api_client_for(world["supervisor"])
    url = f"{BASE}/feedback-forms/{form.pk}/verify/"
    resp = client.post(url)
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["id"] == form.pk
    assert body["verified"] is True and body["verified_by"] == "supervisor"
    assert body["verified_at"]
    before = snapshot()
    again = client.post(url)
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert snapshot() == before


# --- visits -----------------------------------------------------------------------------------


def test_a_supervisor_plans_lists_reads_and_records_a_visit(world):
    client = api_client_for(world["supervisor"])
    resp = client.post(
        f"{BASE}/visits/",
        {
            "kind": "key_customer",
            "planned_date": "2025-06-01",
            "customer": world["customer"].pk,
            "attendees": "张三、李四",
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["kind"], body["status"], body["customer"]) == (
        "key_customer",
        "planned",
        world["customer"].pk,
    )
    assert body["customer_name"] == "北京公交集团" and body["created_by"] == "supervisor"
    pk = body["id"]
    assert client.get(f"{BASE}/visits/{pk}/").json()["planned_date"] == "2025-06-01"

    resp = client.post(f"{BASE}/visits/{pk}/record/", {"findings": "客户反映配件供应慢"})
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "done"
    assert resp.json()["findings"] == "客户反映配件供应慢"
    assert resp.json()["attendees"] == "张三、李四"
    assert resp.json()["done_at"]

    before = snapshot()
    again = client.post(f"{BASE}/visits/{pk}/record/", {"findings": "再次登记"})
    assert again.status_code == 409
    assert snapshot() == before


def test_a_forum_needs_no_customer_and_a_visit_may_be_cancelled(world):
    client = api_client_for(world["supervisor"])
    resp = client.post(
        f"{BASE}/visits/", {"kind": "forum", "planned_date": "2025-07-01"}, format="json"
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["customer"] is None
    pk = resp.json()["id"]
    resp = client.post(
        f"{BASE}/visits/{pk}/record/", {"cancel": True, "attendees": "王五"}, format="json"
    )
    assert resp.status_code == 200, resp.content
    assert (resp.json()["status"], resp.json()["attendees"]) == ("cancelled", "王五")


def test_the_visit_list_filters_by_kind_and_status(world, visit):
    forum = visit_plan(actor=world["supervisor"], kind="forum", planned_date=date(2025, 7, 1))
    client = api_client_for(world["supervisor"])

    def ids(**query):
        return [r["id"] for r in client.get(f"{BASE}/visits/", query).json()["results"]]

    assert ids() == [forum.pk, visit.pk]
    assert ids(kind="forum") == [forum.pk]
    assert ids(kind="key_customer", status="planned") == [visit.pk]
    assert ids(status="done") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "party", "planned_date": "2025-06-01"}, "kind"),
        ({"kind": "key_customer", "planned_date": "2025-06-01"}, "customer"),
        ({"kind": "key_customer", "planned_date": "2025-06-01", "customer": 99999999}, "customer"),
        ({"kind": "forum", "planned_date": "not a date"}, "planned_date"),
        ({"kind": "forum"}, "planned_date"),
    ],
)
def test_bad_visit_plans_are_a_400_with_the_field_and_write_nothing(world, body, field):
    resp = api_client_for(world["supervisor"]).post(f"{BASE}/visits/", body, format="json")
    assert resp.status_code == 400
    assert field in resp.json()["errors"]
    assert not CustomerVisit.objects.exists()


def test_recording_a_visit_without_findings_is_a_400_and_it_stays_planned(world, visit):
    resp = api_client_for(world["supervisor"]).post(
        f"{BASE}/visits/{visit.pk}/record/", {"findings": " "}
    )
    assert resp.status_code == 400
    assert "findings" in resp.json()["errors"]
    visit.refresh_from_db()
    assert visit.status == CustomerVisit.Status.PLANNED and visit.done_at is None


# --- suggestions ------------------------------------------------------------------------------


def test_a_supervisor_types_in_a_paper_suggestion_and_lists_it(world):
    client = api_client_for(world["supervisor"])
    resp = client.post(
        f"{BASE}/suggestions/",
        {
            "text": "希望增加周末服务",
            "name": "王先生",
            "contact": "13900000000",
            "received_at": "2025-06-01T09:30:00+08:00",
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["channel"], body["entered_by"], body["text"]) == (
        "paper",
        "supervisor",
        "希望增加周末服务",
    )
    assert body["received_at"].startswith("2025-06-01T09:30:00")
    rows = client.get(f"{BASE}/suggestions/").json()["results"]
    assert [r["id"] for r in rows] == [body["id"]]
    assert client.get(f"{BASE}/suggestions/", {"channel": "public"}).json()["results"] == []
    assert client.get(f"{BASE}/suggestions/{body['id']}/").status_code == 200


def test_an_empty_suggestion_is_a_400_and_writes_nothing(world):
    resp = api_client_for(world["supervisor"]).post(f"{BASE}/suggestions/", {"text": "  "})
    assert resp.status_code == 400
    assert "text" in resp.json()["errors"]
    assert not Suggestion.objects.exists()


# --- who may write ----------------------------------------------------------------------------


def writes(callback, form, visit):
    """Every write with a body that would succeed for a supervisor."""
    return [
        (f"{BASE}/callbacks/{callback.pk}/complete/", {"notes": NOTES}),
        (f"{BASE}/feedback-forms/{form.pk}/verify/", {}),
        (
            f"{BASE}/visits/",
            {"kind": "forum", "planned_date": "2025-07-01", "attendees": "全体"},
        ),
        (f"{BASE}/visits/{visit.pk}/record/", {"findings": "已走访"}),
        (f"{BASE}/suggestions/", {"text": "纸质意见"}),
        (f"{BASE}/survey-forms/{annual_form().pk}/send/", {}),
    ]


def annual_form():
    return SurveyForm.objects.get(code="annual-satisfaction")


def test_the_director_reads_everything_but_every_write_is_a_403(world, form, visit):
    callback = form.order.callbacks.get()
    client = api_client_for(world["director"])
    for path in ("visits", "suggestions"):
        assert client.get(f"{BASE}/{path}/").status_code == 200, path
    assert client.get(f"{BASE}/visits/{visit.pk}/").status_code == 200
    before = snapshot()
    for url, body in writes(callback, form, visit):
        resp = client.post(url, body, format="json")
        assert resp.status_code == 403, (url, resp.content)
        assert resp.json()["code"] == "permission_denied", url
    assert snapshot() == before


def test_other_roles_get_404_and_nothing_changes(world, form, visit):
    callback = form.order.callbacks.get()
    before = snapshot()
    for role, user in outsiders(world).items():
        client = api_client_for(user)
        for url, body in writes(callback, form, visit):
            assert client.post(url, body, format="json").status_code == 404, (role, url)
        for path in ("visits", "suggestions"):
            assert client.get(f"{BASE}/{path}/").json()["results"] == [], (role, path)
        assert client.get(f"{BASE}/visits/{visit.pk}/").status_code == 404, role
    assert snapshot() == before
    callback.order.refresh_from_db()
    assert callback.order.status == Status.CLOSED


def test_anonymous_writes_are_refused(form, visit):
    callback = form.order.callbacks.get()
    before = snapshot()
    client = api_client_for(None)
    for url, body in writes(callback, form, visit):
        assert client.post(url, body, format="json").status_code in (401, 403), url
    assert snapshot() == before


# The role table of the supervision writes (S20), like tests/test_api_access.py's for the core
# API: every role against every write, each in a rolled-back savepoint.
WRITERS = {Role.SUPERVISOR, Role.ADMIN}
READERS = WRITERS | {Role.SERVICE_DIRECTOR}
WRITE_NAMES = ["complete", "verify", "plan", "record", "suggest", "send"]


def expected_write(role: str, name: str) -> int:
    if role in WRITERS:
        return {"plan": 201, "suggest": 201, "send": 202}.get(name, 200)
    return 403 if role in READERS else 404


def test_every_role_against_every_write(world, form, visit):
    callback = form.order.callbacks.get()
    users = user_per_role(world)
    before = snapshot()
    wrong = []
    for name, (url, body) in zip(WRITE_NAMES, writes(callback, form, visit), strict=True):
        for role in Role.values:
            with transaction.atomic():
                resp = api_client_for(users[role]).post(url, body, format="json")
                transaction.set_rollback(True)
            if resp.status_code != expected_write(role, name):
                wrong.append((name, role, resp.status_code, resp.content[:200]))
    assert wrong == []
    assert snapshot() == before


def test_the_role_table_covers_every_supervision_write():
    """A new supervision endpoint must join `writes()` above (or the read tables of
    tests/test_supervision_api.py)."""
    routes = {
        (prefix, action.url_path)
        for prefix, viewset, _basename in supervision_router.registry
        for action in viewset.get_extra_actions()
    }
    assert routes == {
        ("callbacks", "complete"),
        ("feedback-forms", "verify"),
        ("visits", "record"),
        ("survey-forms", "send"),
        # reads, with their role tables in tests/test_supervision_api_surveys.py
        ("survey-forms", "results"),
    }
    creatable = {
        prefix
        for prefix, viewset, _basename in supervision_router.registry
        if hasattr(viewset, "create")
    }
    # mystery-inspections: its own role table in tests/test_supervision_api_surveys.py
    assert creatable == {"visits", "suggestions", "mystery-inspections"}
