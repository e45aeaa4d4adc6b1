"""The monthly assessment through the real system (S12): jobs closed in a month, their verified
feedback forms and the month's valid service complaints become one result per unit, with the
working written out; approved results are frozen and corrected by new versions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from aftersales.assessment.models import (
    AssessmentResult,
    AssessmentSettings,
    ComplaintPenaltyTier,
)
from aftersales.assessment.services import (
    assessment_approve,
    assessment_compute,
    assessment_correct,
)
from aftersales.complaints.models import Complaint, ComplaintLevel
from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.service.models import Status, WorkOrder
from aftersales.supervision.models import FeedbackForm

from . import factories as f
from .conftest import make_order

APRIL, MAY, JUNE = date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)
Status_ = AssessmentResult.Status


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def jobs(world, month: date, forms: list[str | None], *, outlet=None, verified=True, day=10):
    """One closed order per entry, closed in `month`; an entry "AAC" adds a counted form with
    those grades, None adds no form."""
    orders = []
    for grades in forms:
        order = make_order(world)
        WorkOrder.objects.filter(pk=order.pk).update(
            status=Status.CLOSED, closed_at=at(month.replace(day=day)), outlet=outlet
        )
        if grades:
            FeedbackForm.objects.create(
                order=order,
                source="callback",
                timeliness=grades[0],
                quality=grades[1],
                attitude=grades[2],
                counted=True,
                verified=verified,
            )
        orders.append(order)
    return orders


def complaints(world, month: date, n: int, **fields) -> list[Complaint]:
    level = ComplaintLevel.objects.get(code="general")
    values = {
        "type": "service",
        "category": "service",
        "is_valid": True,
        "responsible_person": "",
    }
    values.update(fields)
    start = Complaint.objects.count()
    rows = [
        Complaint(
            number=f"CP-T-{start + i:05d}",
            level=level,
            channel="hotline",
            complainant="李师傅",
            description="上门迟到",
            received_at=at(month.replace(day=5)),
            deadline=at(month.replace(day=8)),
            recorded_by=world["agent"],
            **values,
        )
        for i in range(n)
    ]
    return Complaint.objects.bulk_create(rows)


@pytest.fixture
def hr(db):
    return f.UserFactory(username="hr", role="hr")


def department(results) -> AssessmentResult:
    return next(r for r in results if r.outlet_id is None)


def compute(world, month, actor=None):
    return department(assessment_compute(month=month, actor=actor or world["director"]))


def test_the_seeds_example_may_mean_four_against_three_and_a_half_earns_1000(world):
    jobs(world, APRIL, ["AAC"] * 5 + ["ABC"] * 5)  # 5×4 + 5×3 = 35 over 10 jobs
    jobs(world, MAY, ["AAC"] * 10)  # 40 over 10 jobs
    r = compute(world, MAY)
    assert (r.jobs, r.forms_counted, r.total_points) == (10, 10, 40)
    assert r.mean == Decimal("4.0000")
    assert r.previous_mean == Decimal("3.5000")
    assert r.difference == Decimal("0.5000")
    assert r.decision == "reward"
    assert r.reward == Decimal("1000.00") and r.amount == Decimal("1000.00")
    assert "40 ÷ 10 = 4.00" in r.working
    assert "4.00 − 3.50 = +0.50 > 0 → 奖励 1000 元" in r.working
    assert r.grade_counts["timeliness"]["A"] == 10 and r.grade_counts["attitude"]["C"] == 10
    assert r.config["reward"] == "1000.00" and r.config["points"]["E"] == -2
    assert r.status == Status_.DRAFT and r.version == 1


def test_a_lower_mean_is_fined_and_an_equal_one_neither(world):
    jobs(world, APRIL, ["AAC"] * 2)
    jobs(world, MAY, ["ABC"] * 2)
    r = compute(world, MAY)
    assert (r.decision, r.penalty, r.amount) == ("penalty", Decimal("1000"), Decimal("-1000"))
    assert "< 0 → 罚款 1000 元" in r.working
    jobs(world, JUNE, ["ABC", "AAD"])  # 3 + 3 over 2: equal to May's 3
    r = compute(world, JUNE)
    assert r.decision == "equal" and r.amount == 0
    assert "= 0 → 不奖不罚" in r.working


def test_jobs_without_a_verified_form_count_in_n_only(world):
    jobs(world, APRIL, ["AAA"])
    jobs(world, MAY, ["AAA", None])
    jobs(world, MAY, ["EEE"], verified=False)
    r = compute(world, MAY)
    assert (r.jobs, r.forms_counted, r.total_points) == (3, 1, 6)
    assert r.mean == Decimal("2.0000")
    assert r.all_a  # the unverified all-E form does not count


def test_an_uncounted_form_does_not_count(world):
    (order,) = jobs(world, MAY, ["AAA"])
    FeedbackForm.objects.filter(order=order).update(counted=False)
    r = compute(world, MAY)
    assert (r.jobs, r.forms_counted, r.total_points) == (1, 0, 0)


def test_an_all_a_month_earns_the_extra_reward_whatever_the_difference(world):
    jobs(world, APRIL, ["AAA"] * 3)
    jobs(world, MAY, ["AAA"] * 2)
    r = compute(world, MAY)
    assert r.decision == "equal"
    assert r.all_a and not r.all_e
    assert (r.extra_reward, r.amount) == (Decimal("2000"), Decimal("2000"))
    assert "追加奖励 2000 元" in r.working


def test_an_all_e_month_pays_the_extra_penalty_on_top_of_the_fine(world):
    jobs(world, APRIL, ["CCC"])
    jobs(world, MAY, ["EEE"] * 4)
    r = compute(world, MAY)
    assert r.all_e and (r.penalty, r.extra_penalty) == (Decimal("1000"), Decimal("2000"))
    assert r.amount == Decimal("-3000")


def test_a_month_without_jobs_has_no_mean_and_no_reward(world):
    jobs(world, APRIL, ["AAA"])
    r = compute(world, MAY)
    assert (r.jobs, r.mean, r.decision, r.amount) == (0, None, "no_mean", 0)
    assert not r.all_a and not r.all_e
    assert "本月没有维修工作" in r.working


def test_the_first_month_has_nothing_to_compare_with(world):
    jobs(world, MAY, ["AAB"] * 2)
    r = compute(world, MAY)
    assert r.mean == Decimal("5.0000")
    assert (r.previous_mean, r.decision, r.reward, r.penalty) == (None, "no_previous", 0, 0)
    assert "上月没有均项得分" in r.working


def test_the_month_follows_shanghai_time(world):
    (late,) = jobs(world, MAY, ["AAA"])
    # 31 May 23:30 in Beijing is still May; 1 June 00:10 is June (16:10 UTC on 31 May).
    WorkOrder.objects.filter(pk=late.pk).update(closed_at=at(date(2026, 5, 31), 23))
    (early,) = jobs(world, JUNE, ["EEE"])
    WorkOrder.objects.filter(pk=early.pk).update(
        closed_at=timezone.make_aware(datetime(2026, 6, 1, 0, 10))
    )
    assert compute(world, MAY).jobs == 1 and compute(world, MAY).total_points == 6


def test_an_approved_previous_month_is_what_the_next_one_compares_with(world, hr):
    jobs(world, APRIL, ["AAC"])
    april = compute(world, APRIL)
    assessment_approve(result=april, actor=hr)
    # Data of April changed after approval: May still compares with the approved 4.
    jobs(world, APRIL, ["EEE"])
    jobs(world, MAY, ["AAC"])
    r = compute(world, MAY)
    assert r.previous_mean == Decimal("4.0000") and r.previous_source == "approved"
    assert "已批准结果" in r.working


@pytest.mark.parametrize(
    ("count", "rating", "penalty", "sanction"),
    [
        (5, "qualified", "0", False),
        (6, "unqualified", "500", False),
        (10, "unqualified", "500", False),
        (11, "unqualified", "1000", False),
        (20, "unqualified", "1000", False),
        (21, "unqualified", "2000", False),
        (29, "unqualified", "2000", False),
        (30, "unqualified", "3000", True),
    ],
)
def test_the_complaint_count_is_rated_on_the_tiers(world, count, rating, penalty, sanction):
    complaints(world, MAY, count, responsible_person="张工")
    r = compute(world, MAY)
    assert r.complaint_count == count
    assert (r.complaint_rating, r.complaint_penalty, r.sanction) == (
        rating,
        Decimal(penalty),
        sanction,
    )
    assert r.amount == -Decimal(penalty)
    assert len(r.complaint_numbers) == count
    if sanction:
        assert r.sanction_people == {"heads": [str(world["director"])], "responsible": ["张工"]}
        assert "警告、调动、降级、开除" in r.working
    else:
        assert r.sanction_people == {}


def test_only_valid_service_complaints_of_the_month_count(world):
    complaints(world, MAY, 1)  # counted
    complaints(world, MAY, 1, category="", type="service")  # not yet classified: counted
    complaints(world, MAY, 1, category="quality", type="service")
    complaints(world, MAY, 1, category="", type="quality")
    complaints(world, MAY, 1, is_valid=False)
    complaints(world, MAY, 1, is_valid=None)
    complaints(world, APRIL, 1)
    assert compute(world, MAY).complaint_count == 2


def test_each_active_outlet_is_assessed_on_its_own_jobs_and_complaints(world):
    outlet, other = world["outlet"], world["other_outlet"]
    f.OutletFactory(code="OFF", name="停用网点", is_active=False)
    jobs(world, APRIL, ["AAC"], outlet=outlet)
    jobs(world, MAY, ["AAA"], outlet=outlet)
    jobs(world, MAY, ["EEE", "EEE"], outlet=other)
    complaints(world, MAY, 7, outlet=other, responsible_person="王五")
    results = {r.unit_key: r for r in assessment_compute(month=MAY, actor=world["director"])}
    assert set(results) == {"department", f"outlet:{outlet.pk}", f"outlet:{other.pk}"}
    dept = results["department"]
    assert (dept.jobs, dept.total_points, dept.complaint_count) == (3, -6, 7)
    mine = results[f"outlet:{outlet.pk}"]
    assert (mine.jobs, mine.mean, mine.decision, mine.complaint_count) == (
        1,
        Decimal("6.0000"),
        "reward",
        0,
    )
    theirs = results[f"outlet:{other.pk}"]
    assert (theirs.all_e, theirs.complaint_penalty, theirs.decision) == (
        True,
        Decimal("500"),
        "no_previous",
    )


def test_with_per_outlet_off_only_the_department_is_assessed(world):
    AssessmentSettings.objects.update(per_outlet=False)
    results = assessment_compute(month=MAY, actor=world["director"])
    assert [r.unit_key for r in results] == ["department"]


def test_the_configuration_decides_the_amounts(world):
    AssessmentSettings.objects.update(reward=Decimal("800.00"), acceptable_complaints=10)
    ComplaintPenaltyTier.objects.filter(min_count=6).delete()
    jobs(world, APRIL, ["CCC"])
    jobs(world, MAY, ["AAA"])
    complaints(world, MAY, 10)
    r = compute(world, MAY)
    assert (r.reward, r.complaint_rating, r.amount) == (
        Decimal("800"),
        "qualified",
        Decimal("2800"),
    )
    assert r.config["reward"] == "800.00" and r.config["acceptable_complaints"] == 10


def test_recomputing_a_draft_updates_it_in_place(world):
    first = compute(world, MAY)
    jobs(world, MAY, ["AAA"])
    again = compute(world, MAY)
    assert again.pk == first.pk and again.version == 1 and again.jobs == 1
    assert list(again.transitions.values_list("action", flat=True)) == ["compute", "recompute"]


def test_an_approved_result_is_frozen_and_a_correction_is_version_two(world, hr):
    jobs(world, APRIL, ["AAC"] * 5 + ["ABC"] * 5)
    (order, *_rest) = jobs(world, MAY, ["AAC"] * 10)
    approved = assessment_approve(result=compute(world, MAY), actor=hr)
    frozen = {
        name: getattr(approved, name)
        for name in ("jobs", "total_points", "mean", "amount", "working", "config", "status")
    }
    # Afterwards: a form's grades change, more orders close, the configuration changes.
    FeedbackForm.objects.filter(order=order).update(timeliness="E", quality="E", attitude="E")
    jobs(world, MAY, ["EEE"] * 3)
    AssessmentSettings.objects.update(reward=Decimal("5.00"), penalty=Decimal("7.00"))
    results = assessment_compute(month=MAY, actor=hr)  # a recompute leaves it too
    assert [r.pk for r in results if r.outlet_id is None] == [approved.pk]
    approved.refresh_from_db()
    assert {name: getattr(approved, name) for name in frozen} == frozen

    v2 = assessment_correct(result=approved, actor=hr, reason="补录三张反馈表")
    assert (v2.version, v2.status, v2.replaces_id) == (2, Status_.DRAFT, approved.pk)
    assert (v2.jobs, v2.penalty) == (13, Decimal("7.00"))
    approved.refresh_from_db()
    assert approved.status == Status_.APPROVED  # in force until v2 is approved
    assessment_approve(result=v2, actor=hr)
    approved.refresh_from_db()
    assert approved.status == Status_.SUPERSEDED
    assert approved.amount == frozen["amount"]
    actions = list(approved.transitions.values_list("action", flat=True))
    assert actions == ["compute", "approve", "supersede"]


def test_the_lifecycle_refuses_what_the_table_does_not_allow(world, hr):
    draft = compute(world, MAY)
    with pytest.raises(InvalidTransition):
        assessment_correct(result=draft, actor=hr, reason="x")
    assessment_approve(result=draft, actor=hr)
    with pytest.raises(InvalidTransition):
        assessment_approve(result=draft, actor=hr)
    with pytest.raises(ValidationFailed):
        assessment_correct(result=draft, actor=hr, reason="  ")
    v2 = assessment_correct(result=draft, actor=hr, reason="复核")
    with pytest.raises(InvalidTransition):
        assessment_correct(result=draft, actor=hr, reason="再一次")
    assert v2.version == 2


def test_who_may_compute_and_approve(world, hr):
    with pytest.raises(PermissionDenied):
        assessment_compute(month=MAY, actor=world["manager"].user)
    with pytest.raises(PermissionDenied):
        assessment_compute(month=MAY, actor=world["supervisor"])
    draft = compute(world, MAY)
    with pytest.raises(PermissionDenied):
        assessment_approve(result=draft, actor=world["director"])
    assert assessment_approve(result=draft, actor=hr).status == Status_.APPROVED


def test_a_future_month_cannot_be_computed(world):
    later = (timezone.localdate().replace(day=1) + timedelta(days=40)).replace(day=1)
    with pytest.raises(ValidationFailed):
        assessment_compute(month=later, actor=world["director"])


def test_the_month_is_computed_with_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    outlets = [f.OutletFactory() for _ in range(5)]
    for outlet in outlets:
        jobs(world, MAY, ["AAB", None], outlet=outlet)
        jobs(world, APRIL, ["ABB"], outlet=outlet)
    complaints(world, MAY, 31)
    with django_assert_max_num_queries(40):
        results = assessment_compute(month=MAY, actor=world["director"])
    assert len(results) == 8


def test_the_command_computes_and_approves_a_month(world, hr):
    jobs(world, MAY, ["AAC"])
    out = StringIO()
    call_command("assessment", "2026-05", "--user", "hr", "--approve", stdout=out)
    text = out.getvalue()
    assert "2026-05 售后服务部（整体） v1 [已批准]" in text and "均项得分 4.00" in text
    assert AssessmentResult.objects.filter(status=Status_.APPROVED).count() == 3
    with pytest.raises(CommandError, match="人力资源部"):
        call_command("assessment", "2026-06", "--user", "director", "--approve", stdout=out)
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("assessment", "May", "--user", "hr", stdout=out)
    with pytest.raises(CommandError, match="nobody"):
        call_command("assessment", "2026-05", "--user", "nobody", stdout=out)


def test_the_periodic_task_computes_last_months_drafts(world, monkeypatch):
    from aftersales.assessment import tasks

    tasks.compute_last_month.call_local()
    last = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    rows = AssessmentResult.objects.filter(month=last)
    assert rows.count() == 3 and {r.status for r in rows} == {Status_.DRAFT}
    assert rows.first().computed_by is None
