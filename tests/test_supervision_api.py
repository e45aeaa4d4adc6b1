"""The read-only supervision API (/api/v1/supervision/): callbacks, feedback forms and the survey
response rate, per role. Supervision and the service director read; everyone else gets empty
lists and 404 (the selectors decide, as on the pages)."""

from __future__ import annotations

import pytest

from aftersales.supervision.models import Callback, FeedbackForm
from aftersales.supervision.services import survey_invitation_create, survey_submit

from .conftest import api_client_for
from .test_supervision import close

BASE = "/api/v1/supervision"
ANSWER = {"timeliness": "A", "quality": "B", "attitude": "C", "comments": "师傅很专业"}


@pytest.fixture
def answered(world, order, django_capture_on_commit_callbacks):
    """A closed order whose customer answered a survey (the close also sent one by SMS)."""
    closed = close(order, world, django_capture_on_commit_callbacks)
    _invitation, token = survey_invitation_create(order=closed)
    form = survey_submit(token=token, **ANSWER)
    return closed, form


def readers(world):
    return {"supervisor": world["supervisor"], "director": world["director"]}


def outsiders(world):
    return {
        "agent": world["agent"],
        "manager": world["manager"].user,
        "technician": world["tech"].user,
        "customer": world["customer_user"],
    }


def test_supervision_reads_callbacks_feedback_forms_and_the_response_rate(world, answered):
    order, form = answered
    callback = Callback.objects.get(order=order)
    for role, user in readers(world).items():
        client = api_client_for(user)
        resp = client.get(f"{BASE}/callbacks/")
        assert resp.status_code == 200, role
        [row] = resp.json()["results"]
        assert row["id"] == callback.pk and row["order_number"] == order.number
        assert row["status"] == "due" and row["done_by"] is None
        assert client.get(f"{BASE}/callbacks/{callback.pk}/").json()["order"] == order.pk

        resp = client.get(f"{BASE}/feedback-forms/")
        assert resp.status_code == 200, role
        [row] = resp.json()["results"]
        assert row["id"] == form.pk
        assert (row["source"], row["timeliness"], row["quality"], row["attitude"]) == (
            "survey",
            "A",
            "B",
            "C",
        )
        assert row["comments"] == ANSWER["comments"]
        assert row["counted"] is True and row["verified"] is False
        assert client.get(f"{BASE}/feedback-forms/{form.pk}/").status_code == 200

        stats = client.get(f"{BASE}/survey-invitations/")
        assert stats.status_code == 200, role
        # Two invitations (the SMS one and the test's), one answered.
        assert stats.json() == {"sent": 2, "answered": 1, "rate": 50.0}


def test_other_roles_get_empty_lists_and_404(world, answered):
    order, form = answered
    callback = Callback.objects.get(order=order)
    for role, user in outsiders(world).items():
        client = api_client_for(user)
        for path in ("callbacks", "feedback-forms"):
            resp = client.get(f"{BASE}/{path}/")
            assert resp.status_code == 200, (role, path)
            assert resp.json()["results"] == [], (role, path)
        assert client.get(f"{BASE}/callbacks/{callback.pk}/").status_code == 404, role
        assert client.get(f"{BASE}/feedback-forms/{form.pk}/").status_code == 404, role
        assert client.get(f"{BASE}/survey-invitations/").status_code == 404, role


def test_anonymous_requests_are_refused(answered):
    client = api_client_for(None)
    for path in ("callbacks/", "feedback-forms/", "survey-invitations/"):
        assert client.get(f"{BASE}/{path}").status_code in (401, 403), path


def test_the_api_is_read_only(world, answered):
    _order, form = answered
    client = api_client_for(world["supervisor"])
    assert client.post(f"{BASE}/feedback-forms/", {}).status_code == 405
    resp = client.patch(f"{BASE}/feedback-forms/{form.pk}/", {"verified": True}, format="json")
    assert resp.status_code == 405
    assert client.delete(f"{BASE}/callbacks/{form.order.callbacks.get().pk}/").status_code == 405
    form.refresh_from_db()
    assert not form.verified


def test_the_lists_filter(world, answered):
    order, form = answered
    client = api_client_for(world["supervisor"])
    assert len(client.get(f"{BASE}/callbacks/", {"status": "due"}).json()["results"]) == 1
    assert client.get(f"{BASE}/callbacks/", {"status": "done"}).json()["results"] == []
    assert len(client.get(f"{BASE}/callbacks/", {"order": order.pk}).json()["results"]) == 1
    assert client.get(f"{BASE}/callbacks/", {"order": order.pk + 1}).json()["results"] == []
    rows = client.get(f"{BASE}/feedback-forms/", {"verified": "false", "source": "survey"})
    assert [r["id"] for r in rows.json()["results"]] == [form.pk]
    assert client.get(f"{BASE}/feedback-forms/", {"verified": "true"}).json()["results"] == []
    assert client.get(f"{BASE}/feedback-forms/", {"source": "callback"}).json()["results"] == []
    assert FeedbackForm.objects.count() == 1
