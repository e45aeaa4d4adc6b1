"""Distributing an approved result's amount among the unit's employees (S12): the shares add up
to the amount to the fen, each share has the total's sign, every employee belongs to the unit;
only approved results; the head of the unit distributes, HR applies and thereby freezes it.
Refusals write nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.assessment.models import (
    AssessmentPeriod,
    AssessmentResult,
    Distribution,
    DistributionShare,
    outlet_key,
)
from aftersales.assessment.services import ShareInput, distribution_apply, distribution_save
from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed

from . import factories as f
from .conftest import api_client_for, client_for, user_per_role

MAY = date(2026, 5, 1)
D = Decimal


def make_result(*, outlet=None, amount="1000.00", status="approved", month=MAY, version=1):
    period, _c = AssessmentPeriod.objects.get_or_create(month=month)
    return AssessmentResult.objects.create(
        period=period,
        month=month,
        unit_key=outlet_key(outlet.pk) if outlet else "department",
        outlet=outlet,
        version=version,
        status=status,
        amount=D(amount),
        computed_at=timezone.now(),
    )


@pytest.fixture
def people(world):
    """The outlet's manager and technician, a second technician of the outlet, and the other
    outlet's technician; all in the service department (the factory's default)."""
    extra = f.StaffFactory(
        user=f.UserFactory(username="tech2", role=Role.TECHNICIAN), outlet=world["outlet"]
    )
    return {
        "manager": world["manager"],
        "tech": world["tech"],
        "tech2": extra,
        "other": world["other_tech"],
    }


def shares(*pairs):
    return [ShareInput(staff.pk, D(amount), "出勤") for staff, amount in pairs]


# --- the sum rule ---------------------------------------------------------------------------


def test_shares_that_add_up_exactly_are_recorded(world, people):
    result = make_result(outlet=world["outlet"])
    d = distribution_save(
        result=result,
        shares=shares((people["tech"], "600.00"), (people["tech2"], "400.00")),
        note="按工作量",
        actor=world["manager"].user,
    )
    assert (d.status, d.version, d.total, d.note) == ("current", 1, D("1000.00"), "按工作量")
    assert sorted(d.shares.values_list("amount", flat=True)) == [D("400.00"), D("600.00")]


def test_a_sum_off_by_one_fen_is_refused_naming_the_difference_and_nothing_is_written(
    world, people
):
    result = make_result(outlet=world["outlet"])
    with pytest.raises(ValidationFailed) as exc:
        distribution_save(
            result=result,
            shares=shares((people["tech"], "600.00"), (people["tech2"], "399.99")),
            actor=world["manager"].user,
        )
    assert "合计 999.99 元，与考核结果 1000.00 元相差 0.01 元" in str(exc.value.message)
    assert exc.value.field == "shares"
    assert not Distribution.objects.exists() and not DistributionShare.objects.exists()


def test_the_brief_example_message(world, people):
    result = make_result(outlet=world["outlet"])
    with pytest.raises(
        ValidationFailed, match="合计 950.00 元，与考核结果 1000.00 元相差 50.00 元"
    ):
        distribution_save(
            result=result, shares=shares((people["tech"], "950.00")), actor=world["manager"].user
        )


def test_a_penalty_is_split_into_negative_shares(world, people):
    result = make_result(outlet=world["outlet"], amount="-500.00")
    d = distribution_save(
        result=result,
        shares=shares((people["tech"], "-300.00"), (people["manager"], "-200.00")),
        actor=world["manager"].user,
    )
    assert d.total == D("-500.00")


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        (("1100.00", "-100.00"), "第 2 行：考核结果为奖励，分配金额须为正数"),
        (("1000.00", "0.00"), "第 2 行：金额不能为 0"),
        (("999.995", "0.005"), "第 1 行：金额最多保留两位小数"),
    ],
)
def test_signs_zero_shares_and_fractions_of_a_fen_are_refused(world, people, amounts, message):
    result = make_result(outlet=world["outlet"])
    with pytest.raises(ValidationFailed, match=message):
        distribution_save(
            result=result,
            shares=shares((people["tech"], amounts[0]), (people["tech2"], amounts[1])),
            actor=world["manager"].user,
        )
    assert not Distribution.objects.exists()


def test_a_positive_share_of_a_penalty_is_refused(world, people):
    result = make_result(outlet=world["outlet"], amount="-500.00")
    with pytest.raises(ValidationFailed, match="考核结果为罚款，分配金额须为负数"):
        distribution_save(
            result=result,
            shares=shares((people["tech"], "-600.00"), (people["tech2"], "100.00")),
            actor=world["manager"].user,
        )


def test_a_result_of_zero_needs_no_distribution(world, people):
    result = make_result(outlet=world["outlet"], amount="0.00")
    with pytest.raises(ValidationFailed, match="无需分配"):
        distribution_save(
            result=result, shares=shares((people["tech"], "1.00")), actor=world["manager"].user
        )


def test_the_same_employee_twice_is_refused(world, people):
    result = make_result(outlet=world["outlet"])
    with pytest.raises(ValidationFailed, match="第 2 行：同一员工只能出现一次"):
        distribution_save(
            result=result,
            shares=shares((people["tech"], "500.00"), (people["tech"], "500.00")),
            actor=world["manager"].user,
        )


# --- the unit ------------------------------------------------------------------------------


def test_an_employee_of_another_outlet_is_refused(world, people):
    result = make_result(outlet=world["outlet"])
    with pytest.raises(ValidationFailed, match="第 2 行：该员工不属于朝阳服务站"):
        distribution_save(
            result=result,
            shares=shares((people["tech"], "500.00"), (people["other"], "500.00")),
            actor=world["manager"].user,
        )
    assert not Distribution.objects.exists()


def test_the_department_shares_among_service_department_staff_of_any_outlet(world, people):
    result = make_result()
    d = distribution_save(
        result=result,
        shares=shares((people["tech"], "500.00"), (people["other"], "500.00")),
        actor=world["director"],
    )
    assert d.shares.count() == 2


def test_staff_outside_the_service_department_or_out_of_service_are_refused(world, people):
    result = make_result()
    quality = f.StaffFactory(
        user=f.UserFactory(username="qe", role=Role.QUALITY_ENGINEER, department="quality"),
        outlet=None,
    )
    people["tech2"].is_active = False
    people["tech2"].save()
    with pytest.raises(ValidationFailed) as exc:
        distribution_save(
            result=result,
            shares=shares(
                (people["tech"], "500.00"), (quality, "300.00"), (people["tech2"], "200.00")
            ),
            actor=world["director"],
        )
    problems = exc.value.details["problems"]
    assert [p[:5] for p in problems] == ["第 2 行", "第 3 行"]


# --- the lifecycle --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"), [("draft", "只能分配已批准的"), ("superseded", "已被更正版本取代")]
)
def test_only_approved_results_are_distributed(world, people, status, message):
    result = make_result(outlet=world["outlet"], status=status)
    with pytest.raises(InvalidTransition, match=message):
        distribution_save(
            result=result, shares=shares((people["tech"], "1000.00")), actor=world["manager"].user
        )
    assert not Distribution.objects.exists()


def test_redistributing_supersedes_the_pending_split_and_keeps_it(world, people):
    result = make_result(outlet=world["outlet"])
    first = distribution_save(
        result=result, shares=shares((people["tech"], "1000.00")), actor=world["manager"].user
    )
    second = distribution_save(
        result=result,
        shares=shares((people["tech"], "700.00"), (people["tech2"], "300.00")),
        actor=world["manager"].user,
    )
    first.refresh_from_db()
    assert (first.status, first.superseded_at is not None) == ("superseded", True)
    assert (second.status, second.version) == ("current", 2)
    assert first.shares.count() == 1  # the old rows stay


def test_hr_applies_and_the_split_is_frozen(world, people):
    result = make_result(outlet=world["outlet"])
    d = distribution_save(
        result=result, shares=shares((people["tech"], "1000.00")), actor=world["manager"].user
    )
    hr = f.UserFactory(username="hr", role=Role.HR)
    applied = distribution_apply(distribution=d, actor=hr)
    assert (applied.status, applied.applied_by) == ("applied", hr)
    with pytest.raises(InvalidTransition, match="人力资源部已执行该分配"):
        distribution_save(
            result=result, shares=shares((people["tech2"], "1000.00")), actor=world["manager"].user
        )
    with pytest.raises(InvalidTransition, match="该分配已执行"):
        distribution_apply(distribution=d, actor=hr)
    assert Distribution.objects.count() == 1


def test_a_correction_of_a_paid_result_is_not_paid_again(world, people):
    first = make_result(outlet=world["outlet"])
    d = distribution_save(
        result=first, shares=shares((people["tech"], "1000.00")), actor=world["manager"].user
    )
    distribution_apply(distribution=d, actor=f.UserFactory(username="hr", role=Role.HR))
    AssessmentResult.objects.filter(pk=first.pk).update(status="superseded")
    second = make_result(outlet=world["outlet"], amount="1500.00", version=2)
    with pytest.raises(InvalidTransition, match="此前版本的分配已由人力资源部执行"):
        distribution_save(
            result=second, shares=shares((people["tech"], "1500.00")), actor=world["manager"].user
        )
    assert not Distribution.objects.filter(result=second).exists()
    # Another month of the same unit is not affected.
    june = make_result(outlet=world["outlet"], month=date(2026, 6, 1))
    assert distribution_save(
        result=june, shares=shares((people["tech"], "1000.00")), actor=world["manager"].user
    ).total == D("1000.00")


def test_a_superseded_split_is_not_applied(world, people):
    result = make_result(outlet=world["outlet"])
    first = distribution_save(
        result=result, shares=shares((people["tech"], "1000.00")), actor=world["manager"].user
    )
    distribution_save(
        result=result, shares=shares((people["tech2"], "1000.00")), actor=world["manager"].user
    )
    hr = f.UserFactory(username="hr", role=Role.HR)
    with pytest.raises(InvalidTransition):
        distribution_apply(distribution=first, actor=hr)


def test_only_hr_and_admin_apply(world, people):
    result = make_result(outlet=world["outlet"])
    d = distribution_save(
        result=result, shares=shares((people["tech"], "1000.00")), actor=world["manager"].user
    )
    for user in (world["manager"].user, world["director"]):
        with pytest.raises(PermissionDenied):
            distribution_apply(distribution=d, actor=user)


def test_the_head_of_another_unit_may_not_distribute(world, people):
    outlet_result = make_result(outlet=world["outlet"])
    dept = make_result()
    other_manager = f.StaffFactory(
        user=f.UserFactory(username="m2", role=Role.STATION_MANAGER), outlet=world["other_outlet"]
    )
    with pytest.raises(PermissionDenied):
        distribution_save(
            result=outlet_result,
            shares=shares((people["tech"], "1000.00")),
            actor=other_manager.user,
        )
    with pytest.raises(PermissionDenied):
        distribution_save(
            result=dept, shares=shares((people["tech"], "1000.00")), actor=world["manager"].user
        )
    with pytest.raises(PermissionDenied):
        distribution_save(
            result=outlet_result,
            shares=shares((people["tech"], "1000.00")),
            actor=world["director"],
        )


# --- roles per path: pages and API ----------------------------------------------------------

# role: (sees the outlet's result, may distribute it, may apply)
TABLE = {
    Role.SERVICE_DIRECTOR: (True, False, False),
    Role.HR: (True, False, True),
    Role.ADMIN: (True, True, True),
    Role.STATION_MANAGER: (True, True, False),
    Role.AGENT: (False, False, False),
    Role.TECHNICIAN: (False, False, False),
    Role.SUPERVISOR: (False, False, False),
    Role.QUALITY_ENGINEER: (False, False, False),
    Role.PARTS_KEEPER: (False, False, False),
    Role.FINANCE: (False, False, False),
    Role.CUSTOMER: (False, False, False),
}


def test_the_table_covers_every_role():
    assert set(TABLE) == set(Role.values)


@pytest.mark.parametrize("role", list(TABLE))
def test_the_pages_follow_the_role_table(world, people, role):
    sees, may_distribute, may_apply = TABLE[role]
    user = user_per_role(world)[role]
    client = client_for(user)
    result = make_result(outlet=world["outlet"])
    text = f"{people['tech'].employee_no},600.00,出勤\n{people['tech2'].employee_no},400,加班"
    detail = client.get(reverse("assessment:detail", args=[result.pk]))
    assert detail.status_code == (200 if sees else 404)
    if sees:
        body = detail.content.decode()
        assert ('id="distribution-form"' in body) == may_distribute
    url = reverse("assessment:distribute", args=[result.pk])
    preview = client.post(url, {"shares": text})
    assert preview.status_code == (200 if may_distribute else 302 if sees else 404)
    assert not Distribution.objects.exists()  # the first step writes nothing
    if may_distribute:
        assert 'id="distribution-confirm"' in preview.content.decode()
        assert "1000.00" in preview.content.decode()
    saved = client.post(url, {"shares": text, "confirm": "1"})
    assert saved.status_code == (302 if sees else 404)
    assert Distribution.objects.exists() == may_distribute
    if not may_distribute:
        distribution_save(
            result=result,
            shares=shares((people["tech"], "1000.00")),
            actor=world["manager"].user,
        )
    d = Distribution.objects.get()
    if sees:
        body = client.get(reverse("assessment:detail", args=[result.pk])).content.decode()
        assert ('id="distribution-apply"' in body) == may_apply
        assert 'id="distribution-shares"' in body
    applied = client.post(reverse("assessment:distribution-apply", args=[d.pk]))
    assert applied.status_code == (302 if sees else 404)
    d.refresh_from_db()
    assert (d.status == "applied") == may_apply


@pytest.mark.parametrize("role", list(TABLE))
def test_the_api_follows_the_role_table(world, people, role):
    sees, may_distribute, may_apply = TABLE[role]
    client = api_client_for(user_per_role(world)[role])
    result = make_result(outlet=world["outlet"])
    url = f"/api/v1/assessment/results/{result.pk}/distribution/"
    assert client.get(url).status_code == 404  # none yet (or not visible)
    body = {
        "shares": [
            {"employee": people["tech"].pk, "amount": "600.00", "reason": "出勤"},
            {"employee": people["tech2"].pk, "amount": "400.00", "reason": ""},
        ],
        "note": "",
    }
    posted = client.post(url, body, format="json")
    assert posted.status_code == (201 if may_distribute else 403 if sees else 404)
    if not may_distribute:
        distribution_save(
            result=result, shares=shares((people["tech"], "1000.00")), actor=world["manager"].user
        )
    d = Distribution.objects.get()
    got = client.get(url)
    assert got.status_code == (200 if sees else 404)
    if sees:
        assert got.json()["total"] == "1000.00"
        assert sum(D(s["amount"]) for s in got.json()["shares"]) == D("1000.00")
    applied = client.post(f"/api/v1/assessment/distributions/{d.pk}/apply/")
    assert applied.status_code == (200 if may_apply else 403 if sees else 404)
    if may_apply:
        assert applied.json()["status"] == "applied"
        again = client.post(f"/api/v1/assessment/distributions/{d.pk}/apply/")
        assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_the_api_refuses_a_wrong_sum_with_400_and_the_field(world, people):
    client = api_client_for(world["manager"].user)
    result = make_result(outlet=world["outlet"])
    resp = client.post(
        f"/api/v1/assessment/results/{result.pk}/distribution/",
        {"shares": [{"employee": people["tech"].pk, "amount": "950.00"}]},
        format="json",
    )
    assert resp.status_code == 400
    assert resp.json()["field"] == "shares"
    assert "相差 50.00 元" in resp.json()["detail"]
    assert not Distribution.objects.exists()


def test_the_api_refuses_a_draft_with_409(world, people):
    client = api_client_for(world["manager"].user)
    result = make_result(outlet=world["outlet"], status="draft")
    resp = client.post(
        f"/api/v1/assessment/results/{result.pk}/distribution/",
        {"shares": [{"employee": people["tech"].pk, "amount": "1000.00"}]},
        format="json",
    )
    assert resp.status_code == 409


def test_the_page_shows_problems_and_no_confirm_button_for_a_wrong_sum(world, people):
    client = client_for(world["manager"].user)
    result = make_result(outlet=world["outlet"])
    resp = client.post(
        reverse("assessment:distribute", args=[result.pk]),
        {"shares": f"{people['tech'].employee_no}，950\nNOPE,50,x", "confirm": "1"},
    )
    body = resp.content.decode()
    assert resp.status_code == 400
    assert "没有工号为 NOPE 的员工" in body
    assert 'id="distribution-confirm"' not in body
    assert not Distribution.objects.exists()
    resp = client.post(
        reverse("assessment:distribute", args=[result.pk]),
        {"shares": f"{people['tech'].employee_no},950"},
    )
    assert "合计 950.00 元，与考核结果 1000.00 元相差 50.00 元" in resp.content.decode()
