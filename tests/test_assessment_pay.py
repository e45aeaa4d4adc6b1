"""Individual pay (seed 001, 10th plan) from the database: HR records A, the quarterly scores
and the awards; C is the employee's applied shares of the year. Who sees whose pay, on the
pages and through the API; the list costs the same queries for 3 and for 9 employees."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.accounts.models import Role
from aftersales.assessment import selectors
from aftersales.assessment.models import EmployeePay, PerformanceAward, QuarterAssessment
from aftersales.assessment.services import (
    ShareInput,
    distribution_apply,
    distribution_save,
    employee_pay_set,
    performance_award_add,
    quarter_assessment_set,
)
from aftersales.core.errors import PermissionDenied, ValidationFailed

from . import factories as f
from .conftest import api_client_for, client_for, user_per_role
from .test_assessment_distribution import make_result

D = Decimal


@pytest.fixture
def hr(db):
    return f.UserFactory(username="hr", role=Role.HR, department="hr")


def paid_share(world, hr, staff, month, amount, *, apply=True):
    result = make_result(outlet=world["outlet"], amount=amount, month=month)
    d = distribution_save(
        result=result, shares=[ShareInput(staff.pk, D(amount))], actor=world["manager"].user
    )
    if apply:
        distribution_apply(distribution=d, actor=hr)
    return d


@pytest.fixture
def example(world, hr):
    """The worked example of tests/test_assessment_pay_rules.py, through the services."""
    tech = world["tech"]
    employee_pay_set(
        staff=tech, year=2026, base_salary="60000.00", standard_performance="2000", actor=hr
    )
    employee_pay_set(staff=tech, year=2025, base_salary="0", standard_performance="0", actor=hr)
    quarter_assessment_set(staff=tech, year=2025, quarter=4, score="92", actor=hr)
    for q, score in ((1, "85"), (2, "70"), (4, "50")):
        quarter_assessment_set(staff=tech, year=2026, quarter=q, score=score, actor=hr)
    paid_share(world, hr, tech, date(2026, 5, 1), "600.00")
    paid_share(world, hr, tech, date(2026, 6, 1), "-200.00")
    paid_share(world, hr, tech, date(2026, 7, 1), "300.00", apply=False)  # pending: not paid
    paid_share(world, hr, tech, date(2025, 12, 1), "100.00")  # last year's
    for day, amount in ((date(2026, 3, 1), "1500.00"), (date(2026, 9, 1), "-500.00")):
        performance_award_add(
            staff=tech, year=2026, awarded_on=day, amount=amount, reason="专项", actor=hr
        )
    return tech


def test_the_worked_example_adds_up(world, example):
    out = selectors.pay_for([example], 2026)[example.pk]
    assert out.base_salary == D("60000.00")
    assert [q.monthly for q in out.quarters] == [
        D("2400.00"),
        D("2000.00"),
        D("1600.00"),
        D("2000.00"),
    ]
    assert (out.work, out.special, out.awards) == (D("24000.00"), D("400.00"), D("1000.00"))
    assert out.total == D("85400.00")


def test_an_applied_share_counts_once_in_its_results_month(world, example, hr):
    rows = selectors.special_by_month(example, 2026)
    assert [(r["month"], r["amount"]) for r in rows] == [(5, D("600.00")), (6, D("-200.00"))]
    # applying the pending July split adds it, once
    pending = example.assessment_shares.get(distribution__status="current").distribution
    distribution_apply(distribution=pending, actor=hr)
    assert selectors.pay_for([example], 2026)[example.pk].special == D("700.00")
    assert [r["month"] for r in selectors.special_by_month(example, 2026)] == [5, 6, 7]
    assert selectors.pay_for([example], 2025)[example.pk].special == D("100.00")


BAD_INPUT = {
    "base_salary": lambda s, a: employee_pay_set(
        staff=s, year=2026, base_salary="-1", standard_performance="0", actor=a
    ),
    "standard_performance": lambda s, a: employee_pay_set(
        staff=s, year=2026, base_salary="1", standard_performance="1.001", actor=a
    ),
    "score": lambda s, a: quarter_assessment_set(
        staff=s, year=2026, quarter=2, score="101", actor=a
    ),
    "awarded_on": lambda s, a: performance_award_add(
        staff=s, year=2026, awarded_on=date(2025, 1, 1), amount="10", reason="x", actor=a
    ),
    "amount": lambda s, a: performance_award_add(
        staff=s, year=2026, awarded_on=date(2026, 1, 1), amount="0", reason="x", actor=a
    ),
    "reason": lambda s, a: performance_award_add(
        staff=s, year=2026, awarded_on=date(2026, 1, 1), amount="10", reason=" ", actor=a
    ),
}


@pytest.mark.parametrize("field", list(BAD_INPUT))
def test_bad_input_is_refused_and_names_the_field(world, hr, field):
    with pytest.raises(ValidationFailed) as exc:
        BAD_INPUT[field](world["tech"], hr)
    assert exc.value.field == field
    assert not PerformanceAward.objects.exists() and not QuarterAssessment.objects.exists()
    assert not EmployeePay.objects.filter(base_salary__gt=0).exists()


@pytest.mark.parametrize("role", [Role.SERVICE_DIRECTOR, Role.STATION_MANAGER, Role.TECHNICIAN])
def test_only_hr_and_admin_edit_pay(world, role):
    user = user_per_role(world)[role]
    with pytest.raises(PermissionDenied):
        employee_pay_set(
            staff=world["tech"], year=2026, base_salary="1", standard_performance="1", actor=user
        )
    assert not EmployeePay.objects.exists()


def test_an_empty_score_removes_the_quarter(world, hr):
    quarter_assessment_set(staff=world["tech"], year=2026, quarter=1, score="80", actor=hr)
    quarter_assessment_set(staff=world["tech"], year=2026, quarter=1, score="", actor=hr)
    assert not QuarterAssessment.objects.exists()


# --- who sees whose pay -----------------------------------------------------------------------

# role: (list page, sees tech's pay, sees the quality engineer's pay, may edit)
TABLE = {
    Role.HR: (200, True, True, True),
    Role.ADMIN: (200, True, True, True),
    Role.SERVICE_DIRECTOR: (200, True, False, False),
    Role.TECHNICIAN: (302, True, False, False),  # world["tech"] itself: its own page
    Role.STATION_MANAGER: (302, False, False, False),  # has a staff record: its own page
    Role.AGENT: (404, False, False, False),
    Role.SUPERVISOR: (404, False, False, False),
    Role.QUALITY_ENGINEER: (404, False, False, False),
    Role.PARTS_KEEPER: (404, False, False, False),
    Role.FINANCE: (404, False, False, False),
    Role.CUSTOMER: (404, False, False, False),
}


def test_the_table_covers_every_role():
    assert set(TABLE) == set(Role.values)


@pytest.fixture
def quality_staff(db):
    return f.StaffFactory(
        user=f.UserFactory(username="qstaff", role=Role.QUALITY_ENGINEER, department="quality"),
        outlet=None,
    )


@pytest.mark.parametrize("role", list(TABLE))
def test_the_pay_pages_follow_the_role_table(world, example, quality_staff, role):
    page, sees_tech, sees_other, may_edit = TABLE[role]
    client = client_for(user_per_role(world)[role])
    listed = client.get(reverse("assessment:pay"), {"year": 2026})
    assert listed.status_code == page
    if page == 200:
        body = listed.content.decode()
        assert (world["tech"].employee_no in body) == sees_tech
        assert (quality_staff.employee_no in body) == sees_other
    detail = client.get(reverse("assessment:pay-detail", args=[example.pk]), {"year": 2026})
    assert detail.status_code == (200 if sees_tech else 404)
    if sees_tech:
        body = detail.content.decode()
        assert 'id="pay-total">85400.00<' in body
        assert ('id="pay-award-form"' in body) == may_edit
    other = client.get(reverse("assessment:pay-detail", args=[quality_staff.pk]))
    assert other.status_code == (200 if sees_other else 404)
    posted = client.post(
        reverse("assessment:pay-base", args=[example.pk]),
        {"year": 2026, "base_salary": "1.00", "standard_performance": "0"},
    )
    assert posted.status_code == (302 if sees_tech else 404)
    base = EmployeePay.objects.get(staff=example, year=2026).base_salary
    assert (base == D("1.00")) == may_edit


@pytest.mark.parametrize("role", list(TABLE))
def test_the_pay_api_follows_the_role_table(world, example, quality_staff, role):
    page, sees_tech, sees_other, _may_edit = TABLE[role]
    client = api_client_for(user_per_role(world)[role])
    listed = client.get("/api/v1/assessment/pay/", {"year": 2026})
    assert listed.status_code == 200
    ids = {r["employee"] for r in listed.json()}
    assert (example.pk in ids) == sees_tech
    assert (quality_staff.pk in ids) == sees_other
    one = client.get(f"/api/v1/assessment/pay/{example.pk}/", {"year": 2026})
    assert one.status_code == (200 if sees_tech else 404)
    if sees_tech:
        body = one.json()
        assert (body["base_salary"], body["work"], body["special"], body["awards"]) == (
            "60000.00",
            "24000.00",
            "400.00",
            "1000.00",
        )
        assert body["total"] == "85400.00"
    bad = client.get(f"/api/v1/assessment/pay/{example.pk}/", {"year": "x"})
    assert bad.status_code == (400 if sees_tech else 404)


def test_my_pay_goes_to_the_own_page(world, example):
    resp = client_for(world["tech"].user).get(reverse("assessment:my-pay"))
    assert resp.status_code == 302
    assert resp["Location"].startswith(reverse("assessment:pay-detail", args=[example.pk]))


def test_hr_enters_quarters_and_awards_on_the_page(world, hr):
    client = client_for(hr)
    staff = world["tech"]
    client.post(
        reverse("assessment:pay-base", args=[staff.pk]),
        {"year": 2026, "base_salary": "12000", "standard_performance": "1000"},
    )
    client.post(
        reverse("assessment:pay-quarters", args=[staff.pk]),
        {"year": 2026, "q1": "95", "q2": "", "q3": "", "q4": ""},
    )
    client.post(
        reverse("assessment:pay-award-add", args=[staff.pk]),
        {"year": 2026, "awarded_on": "2026-04-01", "amount": "300", "reason": "技术攻关"},
    )
    out = selectors.pay_for([staff], 2026)[staff.pk]
    # Q1 unassessed ×1.0 (1000), Q2 from Q1's 95 (优秀 ×1.2: 1200), Q3 and Q4 ×1.0
    assert out.work == D("3000.00") + D("3600.00") + D("3000.00") + D("3000.00")
    assert out.total == D("12000.00") + out.work + D("300.00")
    # a bad quarter leaves all four as they were
    client.post(
        reverse("assessment:pay-quarters", args=[staff.pk]),
        {"year": 2026, "q1": "80", "q2": "200"},
    )
    assert list(QuarterAssessment.objects.values_list("quarter", "score")) == [(1, D("95.0"))]


def _pay_list_queries(hr, year=2026) -> int:
    client = client_for(hr)
    client.get(reverse("assessment:pay"), {"year": year})  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(reverse("assessment:pay"), {"year": year})
    assert resp.status_code == 200
    return len(ctx.captured_queries)


def _give_everything(world, hr, staff, month: int) -> None:
    employee_pay_set(
        staff=staff, year=2026, base_salary="1000", standard_performance="100", actor=hr
    )
    quarter_assessment_set(staff=staff, year=2026, quarter=1, score="90", actor=hr)
    performance_award_add(
        staff=staff, year=2026, awarded_on=date(2026, 2, 1), amount="5", reason="x", actor=hr
    )
    paid_share(world, hr, staff, date(2026, month, 1), "10.00")


def test_the_pay_list_costs_the_same_queries_for_3_and_9_employees(world, hr):
    first = [world["manager"], world["tech"], f.StaffFactory(outlet=world["outlet"])]
    for month, staff in enumerate(first, start=1):
        _give_everything(world, hr, staff, month)
    world["other_tech"].delete()  # not of the outlet whose results pay the shares here
    few = _pay_list_queries(hr)
    assert few > 0
    for month in range(4, 10):
        _give_everything(world, hr, f.StaffFactory(outlet=world["outlet"]), month)
    client = client_for(hr)
    body = client.get(reverse("assessment:pay"), {"year": 2026}).content.decode()
    assert len(re.findall(r'href="/assessment/pay/\d+/', body)) == 9  # a link per employee
    assert _pay_list_queries(hr) == few


def test_the_pay_list_pages_and_searches_with_totals_of_all_it_lists(world, hr):
    for n in range(52):
        f.StaffFactory(outlet=world["outlet"], employee_no=f"P{n:03d}")
    everyone = selectors.pay_staff_for_user(hr).count()
    assert everyone > 50
    client = client_for(hr)
    first = client.get(reverse("assessment:pay"), {"year": 2026}).content.decode()
    assert len(re.findall(r'href="/assessment/pay/\d+/', first)) == 50
    assert f"合计（{everyone} 人）" in first and 'id="next-page"' in first
    second = client.get(reverse("assessment:pay"), {"year": 2026, "page": 2}).content.decode()
    assert len(re.findall(r'href="/assessment/pay/\d+/', second)) == everyone - 50
    assert 'id="next-page"' not in second
    found = client.get(reverse("assessment:pay"), {"year": 2026, "q": "P007"}).content.decode()
    assert len(re.findall(r'href="/assessment/pay/\d+/', found)) == 1 and "P007" in found
    none = client.get(reverse("assessment:pay"), {"year": 2026, "q": "无此人"}).content.decode()
    assert "没有符合条件的员工" in none
