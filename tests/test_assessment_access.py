"""Who sees and does what with assessment results, on the pages and through the API (S12,
S10): the service director, HR and administrators see everything, a station manager the own
outlet's results, everyone else nothing (404); computing is for the director, HR and the
administrators, approving for HR and the administrators. Lists cost a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.accounts.models import Role
from aftersales.assessment.models import AssessmentResult
from aftersales.assessment.services import assessment_approve, assessment_compute

from . import factories as f
from .conftest import api_client_for, client_for, user_per_role
from .test_assessment_compute import MAY, complaints, jobs

HOME = reverse("assessment:home")
API = "/api/v1/assessment/results/"

# role: (list page, sees the department's result, may compute, may approve)
TABLE = {
    Role.SERVICE_DIRECTOR: (200, True, True, False),
    Role.HR: (200, True, True, True),
    Role.ADMIN: (200, True, True, True),
    Role.STATION_MANAGER: (200, False, False, False),
    Role.AGENT: (404, False, False, False),
    Role.TECHNICIAN: (404, False, False, False),
    Role.SUPERVISOR: (404, False, False, False),
    Role.QUALITY_ENGINEER: (404, False, False, False),
    Role.PARTS_KEEPER: (404, False, False, False),
    Role.FINANCE: (404, False, False, False),
    Role.CUSTOMER: (404, False, False, False),
}


def test_the_table_covers_every_role():
    assert set(TABLE) == set(Role.values)


@pytest.fixture
def month(world):
    jobs(world, MAY, ["AAC", "ABC"], outlet=world["outlet"])
    jobs(world, MAY, ["EEE"], outlet=world["other_outlet"])
    complaints(world, MAY, 2, outlet=world["outlet"])
    results = assessment_compute(month=MAY, actor=world["director"])
    return {r.unit_key: r for r in results}


def _outlet_result(month, world):
    return month[f"outlet:{world['outlet'].pk}"]


@pytest.mark.parametrize("role", list(TABLE))
def test_the_pages_follow_the_role_table(world, month, role):
    page, sees_all, may_compute, may_approve = TABLE[role]
    user = user_per_role(world)[role]
    client = client_for(user)
    dept = month["department"]
    resp = client.get(HOME, {"month": "2026-05"})
    assert resp.status_code == page
    detail = client.get(reverse("assessment:detail", args=[dept.pk]))
    assert detail.status_code == (200 if sees_all else 404)
    if page == 200:
        body = resp.content.decode()
        assert (reverse("assessment:detail", args=[dept.pk]) in body) == sees_all
        assert ('id="assessment-compute"' in body) == may_compute
    if sees_all:
        assert ('id="result-approve"' in detail.content.decode()) == may_approve
    # A station manager sees the own outlet's result, not the other outlet's.
    own = client.get(reverse("assessment:detail", args=[_outlet_result(month, world).pk]))
    other = month[f"outlet:{world['other_outlet'].pk}"]
    theirs = client.get(reverse("assessment:detail", args=[other.pk]))
    assert own.status_code == (200 if sees_all or role == Role.STATION_MANAGER else 404)
    assert theirs.status_code == (200 if sees_all else 404)

    computed = client.post(reverse("assessment:compute"), {"month": "2026-05"})
    if page == 404:
        assert computed.status_code == 404
    else:
        assert computed.status_code == 302
    approved = client.post(reverse("assessment:approve", args=[dept.pk]))
    assert approved.status_code == (302 if sees_all else 404)
    dept.refresh_from_db()
    assert (dept.status == AssessmentResult.Status.APPROVED) == may_approve


@pytest.mark.parametrize("role", list(TABLE))
def test_the_api_follows_the_role_table(world, month, role):
    page, sees_all, may_compute, may_approve = TABLE[role]
    user = user_per_role(world)[role]
    client = api_client_for(user)
    dept = month["department"]
    listed = client.get(API, {"month": "2026-05"})
    assert listed.status_code == 200
    keys = {r["unit_key"] for r in listed.json()}
    if sees_all:
        assert len(keys) == 3
    elif role == Role.STATION_MANAGER:
        assert keys == {f"outlet:{world['outlet'].pk}"}
    else:
        assert keys == set()
    assert client.get(f"{API}{dept.pk}/").status_code == (200 if sees_all else 404)

    computed = client.post(f"{API}compute/", {"month": "2026-05"}, format="json")
    assert computed.status_code == (200 if may_compute else 403 if page == 200 else 404)
    approved = client.post(f"{API}{dept.pk}/approve/")
    assert approved.status_code == (200 if may_approve else 403 if sees_all else 404)
    if may_approve:
        assert approved.json()["status"] == "approved"
        again = client.post(f"{API}{dept.pk}/approve/")
        assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
        corrected = client.post(f"{API}{dept.pk}/correct/", {"reason": "补录"}, format="json")
        assert corrected.status_code == 201
        assert (corrected.json()["version"], corrected.json()["replaces"]) == (2, dept.pk)


def test_a_director_corrects_but_an_empty_reason_is_a_400(world, month):
    hr = f.UserFactory(username="hr2", role=Role.HR)
    dept = assessment_approve(result=month["department"], actor=hr)
    client = api_client_for(world["director"])
    resp = client.post(f"{API}{dept.pk}/correct/", {"reason": " "}, format="json")
    assert resp.status_code == 400 and resp.json()["field"] == "reason"
    resp = client.post(f"{API}{dept.pk}/correct/", {"reason": "漏计投诉"}, format="json")
    assert resp.status_code == 201 and resp.json()["status"] == "draft"


def test_a_bad_month_is_a_400_with_the_field(world):
    client = api_client_for(world["director"])
    resp = client.post(f"{API}compute/", {"month": "May"}, format="json")
    assert resp.status_code == 400 and resp.json()["field"] == "month"
    assert client.get(API, {"month": "2026-13"}).status_code == 400


def test_the_result_page_shows_the_working_inputs_configuration_and_versions(world, month):
    dept = month["department"]
    hr = f.UserFactory(username="hr3", role=Role.HR)
    body = client_for(hr).get(reverse("assessment:detail", args=[dept.pk]))
    text = body.content.decode()
    assert "1 ÷ 3 = 0.33" in text  # (4 + 3 − 6) ÷ 3 jobs, as the working stored it
    for section in ("result-working", "result-inputs", "result-config", "result-versions"):
        assert f'id="{section}"' in text
    assert "6–10" in text and "30 次及以上" in text
    assert 'data-confirm="' in text


def test_the_list_page_costs_the_same_queries_for_more_outlets(
    world, django_assert_max_num_queries
):
    director = world["director"]
    client = client_for(director)
    assessment_compute(month=MAY, actor=director)
    client.get(HOME, {"month": "2026-05"})  # warm the session
    with django_assert_max_num_queries(8) as few:
        client.get(HOME, {"month": "2026-05"})
    for _ in range(6):
        f.OutletFactory()
    assessment_compute(month=MAY, actor=director)
    with django_assert_max_num_queries(len(few.captured_queries)):
        resp = client.get(HOME, {"month": "2026-05"})
    assert resp.content.decode().count('data-unit="') == 9


def test_the_api_list_costs_the_same_queries_for_more_outlets(world, django_assert_max_num_queries):
    director = world["director"]
    client = api_client_for(director)
    assessment_compute(month=MAY, actor=director)
    client.get(API)
    with django_assert_max_num_queries(6) as few:
        client.get(API, {"month": "2026-05"})
    for _ in range(6):
        f.OutletFactory()
    assessment_compute(month=MAY, actor=director)
    with django_assert_max_num_queries(len(few.captured_queries)):
        resp = client.get(API, {"month": "2026-05"})
    assert len(resp.json()) == 9


def test_a_page_in_english_still_works(world, month):
    resp = client_for(world["director"]).get(HOME, {"month": "2026-05"}, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 200
