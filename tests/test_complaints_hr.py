"""Complaints for HR (S10) and the side effects of S9: HR marks the penalties of step 7
applied, once; step 3 tells the routed department in-app; step 6 texts the complainant."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from aftersales.accounts.models import Role
from aftersales.complaints import services as cs
from aftersales.complaints.models import Complaint, Penalty
from aftersales.core.errors import InvalidTransition, PermissionDenied
from aftersales.notifications.models import OutboxMessage

from . import factories as f
from .conftest import client_for
from .test_complaints_flow import cast, record, walk_to

S = Complaint.Status
PENALTIES = reverse("complaints:penalties")


@pytest.fixture
def hr(world: dict[str, Any]) -> Any:
    cast(world)
    world["hr"] = f.UserFactory(username="hr", role=Role.HR, department="hr")
    return world["hr"]


def penalised(world: dict[str, Any]) -> Penalty:
    c = walk_to(world, record(world), S.PENALISED)
    return c.penalties.get()


def test_hr_marks_a_penalty_applied_once_and_others_are_refused(world, hr):
    penalty = penalised(world)
    for who in ("supervisor", "director", "agent"):
        with pytest.raises(PermissionDenied):
            cs.penalty_mark_applied(penalty=penalty, actor=world[who])
    done = cs.penalty_mark_applied(penalty=penalty, actor=hr)
    assert done.applied_at is not None and done.applied_by == hr
    with pytest.raises(InvalidTransition):
        cs.penalty_mark_applied(penalty=penalty, actor=world["admin"])
    penalty.refresh_from_db()
    assert penalty.applied_by == hr


def test_the_penalty_page_filters_and_takes_the_action(world, hr):
    penalty = penalised(world)
    client = client_for(hr)
    page = client.get(PENALTIES, {"applied": "no"}).content.decode()
    assert f'data-penalty="{penalty.pk}"' in page and "张工" in page
    response = client.post(reverse("complaints:penalty_applied", args=[penalty.pk]))
    assert response.status_code == 302
    assert client.get(PENALTIES, {"applied": "no"}).content.decode().count("data-penalty=") == 0
    assert (
        f'data-penalty="{penalty.pk}"' in client.get(PENALTIES, {"applied": "yes"}).content.decode()
    )
    # The director sees the page but has no action; others get a 404.
    director_page = client_for(world["director"]).get(PENALTIES)
    assert director_page.status_code == 200
    for who in ("agent", "supervisor", "qe"):
        assert client_for(world[who]).get(PENALTIES).status_code == 404
    assert (
        client_for(world["agent"])
        .post(reverse("complaints:penalty_applied", args=[penalty.pk]))
        .status_code
        == 404
    )


def test_the_assign_step_tells_the_routed_department_in_app(world):
    cast(world)
    c = walk_to(world, record(world), S.ASSIGNED)  # category quality → quality department
    messages = OutboxMessage.objects.filter(template_code="complaint_assigned")
    assert [m.recipient_user for m in messages] == [world["qe"]]
    assert messages[0].channel == "in_app" and c.number in messages[0].body


def test_the_notify_step_texts_a_mobile_contact_only(world):
    cast(world)
    c = walk_to(world, record(world, contact="138-1234-5678"), S.NOTIFIED)
    sms = OutboxMessage.objects.get(template_code="complaint_customer_notice")
    assert sms.channel == "sms" and sms.to == "13812345678" and c.number in sms.body
    walk_to(world, record(world, contact="010-88886666"), S.NOTIFIED)
    assert OutboxMessage.objects.filter(template_code="complaint_customer_notice").count() == 1
