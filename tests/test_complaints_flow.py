"""Complaints (S9): intake, the eight steps, the invalid close, penalties, routing, deadlines
and recurring detection, through the services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.complaints import services as cs
from aftersales.complaints.models import (
    Complaint,
    ComplaintLevel,
    ComplaintSettings,
    HandlingDepartment,
    RoutingRule,
)
from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed

from . import factories as f

S = Complaint.Status


def cast(world: dict[str, Any]) -> dict[str, Any]:
    world["qe"] = f.UserFactory(username="qe", role=Role.QUALITY_ENGINEER, department="quality")
    world["admin"] = f.UserFactory(username="boss", role=Role.ADMIN)
    return world


def record(world: dict[str, Any], **overrides: Any) -> Complaint:
    values: dict[str, Any] = {
        "type": "quality",
        "level": "general",
        "channel": "hotline",
        "complainant": "李师傅",
        "contact": "13812345678",
        "description": "空调不制冷，出风口是热风",
        "unit": world["unit"].serial,
        "against_department": "朝阳服务站",
        "request": "尽快修好并赔偿误工",
    }
    values.update(overrides)
    return cs.complaint_record(actor=world["agent"], data=cs.ComplaintData(**values))


def step(world: dict[str, Any], c: Complaint, action: str, who: str, **data: Any) -> Complaint:
    return cs.complaint_transition(complaint=c, action=action, actor=world[who], **data)


def walk_to(world: dict[str, Any], c: Complaint, target: str) -> Complaint:
    """Take `c` through the valid path up to the step `target`."""
    path: list[tuple[str, str, dict[str, Any]]] = [
        ("accept", "supervisor", {}),
        ("assign", "supervisor", {"category": "quality"}),
        ("investigate", "qe", {"cause": "冷凝风扇继电器烧蚀", "responsible_person": "张工"}),
        ("propose", "qe", {"solution": "免费更换继电器并补偿误工 500 元"}),
        ("approve", "director", {}),
        ("notify", "agent", {"notification": "电话告知客户，客户同意"}),
        (
            "penalise",
            "supervisor",
            {
                "penalties": [
                    {"person": "张工", "amount": "300", "loss": "500", "reason": "漏检继电器"},
                ]
            },
        ),
        ("improve", "qe", {"measure": "继电器进货全检", "department": "质量部"}),
        ("close", "supervisor", {}),
    ]
    for action, who, data in path:
        if c.status == target:
            break
        c = step(world, c, action, who, **data)
    return c


def test_recording_gives_a_number_a_deadline_from_the_level_and_a_first_history_row(world):
    urgent = ComplaintLevel.objects.get(code="urgent")
    c = record(world, level="urgent")
    assert c.number.startswith(f"CP-{timezone.localdate().year}-")
    assert c.status == S.RECORDED
    assert c.customer == world["customer"]
    assert c.product_model == world["model"]
    assert c.deadline == c.received_at + timedelta(hours=urgent.hours)
    assert list(c.transitions.values_list("action", "to_status")) == [("record", "recorded")]


def test_a_working_hours_level_counts_only_working_time(world):
    # Friday 2026-03-06 16:30 + 3 working hours (8:30–17:30) → Monday 10:30 (not Saturday).
    level = ComplaintLevel.objects.create(code="wh", name="工作时间", hours=3)
    start = timezone.make_aware(timezone.datetime(2026, 3, 6, 16, 30))
    c = record(world, level=level.code, received_at=start)
    assert timezone.localtime(c.deadline).replace(tzinfo=None) == timezone.datetime(
        2026, 3, 9, 10, 30
    )


def test_the_eight_steps_run_end_to_end_and_each_step_records_its_data(world):
    cast(world)
    c = walk_to(world, record(world), "closed")
    c.refresh_from_db()
    assert c.status == S.CLOSED and c.closed_at is not None
    assert c.is_valid is True
    assert (c.category, c.department) == ("quality", HandlingDepartment.QUALITY)
    assert c.cause == "冷凝风扇继电器烧蚀" and c.responsible_person == "张工"
    assert c.solution.startswith("免费更换") and c.approved_by == world["director"]
    assert c.notification == "电话告知客户，客户同意" and c.notified_at is not None
    assert [(p.person, p.amount, p.loss) for p in c.penalties.all()] == [
        ("张工", Decimal("300.00"), Decimal("500.00"))
    ]
    assert [m.measure for m in c.measures.all()] == ["继电器进货全检"]
    assert list(c.transitions.values_list("to_status", flat=True)) == [
        "recorded",
        "judged",
        "assigned",
        "investigated",
        "proposed",
        "approved",
        "notified",
        "penalised",
        "improved",
        "closed",
    ]


def test_an_invalid_complaint_is_answered_with_the_reason_and_closed_at_step_two(world):
    c = record(world, description="要求免费更换整车")
    c = step(world, c, "reject", "supervisor", reason="已超出保修期，按合同不予免费更换")
    assert c.status == S.CLOSED and c.is_valid is False
    assert c.answer == "已超出保修期，按合同不予免费更换"
    row = c.transitions.last()
    assert (row.action, row.from_status, row.to_status) == ("reject", "recorded", "closed")
    assert row.reason == "已超出保修期，按合同不予免费更换"
    with pytest.raises(InvalidTransition):
        step(world, c, "assign", "supervisor", category="service")


def test_an_invalid_complaint_cannot_be_closed_without_a_reason(world):
    c = record(world)
    with pytest.raises(ValidationFailed):
        step(world, c, "reject", "supervisor", reason="  ")
    c.refresh_from_db()
    assert c.status == S.RECORDED and c.transitions.count() == 1


def test_a_step_out_of_order_is_an_invalid_transition_and_changes_nothing(world):
    cast(world)
    c = record(world)
    with pytest.raises(InvalidTransition) as exc:
        step(world, c, "approve", "director")
    assert exc.value.status == 409
    c.refresh_from_db()
    assert c.status == S.RECORDED and c.approved_by is None


def test_a_role_that_may_not_take_a_step_is_refused(world):
    c = record(world)
    with pytest.raises(PermissionDenied):
        step(world, c, "accept", "agent")  # validity is judged by supervision
    c = step(world, c, "accept", "supervisor")
    c = step(world, c, "assign", "supervisor", category="service")
    c = step(world, c, "investigate", "director", cause="未按时上门", responsible_person="王五")
    c = step(world, c, "propose", "director", solution="道歉并减免上门费")
    with pytest.raises(PermissionDenied):
        step(world, c, "approve", "supervisor")
    c.refresh_from_db()
    assert c.status == S.PROPOSED


def test_step_three_routes_from_the_configurable_table(world):
    for category, department in [
        ("contract", "top_management"),
        ("transport", "logistics"),
        ("quality", "quality"),
        ("service", "service"),
    ]:
        c = step(world, record(world), "accept", "supervisor")
        c = step(world, c, "assign", "supervisor", category=category)
        assert c.department == department
    RoutingRule.objects.filter(category="transport").update(department="top_management")
    c = step(world, record(world), "accept", "supervisor")
    assert step(world, c, "assign", "supervisor", category="transport").department == (
        "top_management"
    )


def test_a_penalty_is_recorded_for_the_person_who_let_the_complaint_go_unanswered(world):
    cast(world)
    c = walk_to(world, record(world), "notified")
    c = step(
        world,
        c,
        "penalise",
        "supervisor",
        penalties=[
            {"person": "张工", "amount": "300", "loss": "500", "reason": "漏检继电器"},
            {
                "person": "赵站长",
                "amount": "200.5",
                "reason": "客户三次来电无人处理",
                "unanswered": True,
            },
        ],
    )
    assert c.status == S.PENALISED
    unanswered = c.penalties.get(unanswered=True)
    assert (unanswered.person, unanswered.amount) == ("赵站长", Decimal("200.50"))
    assert c.penalties.filter(unanswered=False).get().person == "张工"
    assert c.transitions.last().data["penalties"][1]["unanswered"] is True


def test_penalising_needs_a_penalty_or_a_reason_for_none(world):
    cast(world)
    c = walk_to(world, record(world), "notified")
    with pytest.raises(ValidationFailed):
        step(world, c, "penalise", "supervisor", penalties=[])
    with pytest.raises(ValidationFailed):
        step(
            world,
            c,
            "penalise",
            "supervisor",
            penalties=[{"person": "张工", "amount": "-1", "reason": "x"}],
        )
    c = step(world, c, "penalise", "supervisor", reason="无责任人，不予处罚")
    assert c.status == S.PENALISED and not c.penalties.exists()


def test_two_differently_worded_complaints_about_the_same_fault_of_a_model_are_linked(world):
    first = record(world, description="空调不制冷，出风口是热风")
    # Another unit of the same model, no fault code: only the words can link them.
    second = record(world, unit=world["other_unit"].serial, description="车上空调吹热风不凉快")
    assert second.is_recurring
    assert list(second.recurring_of.all()) == [first]


def test_unrelated_complaints_about_the_same_model_are_not_linked(world):
    record(world, description="空调不制冷，出风口是热风")
    other = record(world, unit=world["other_unit"].serial, description="车门关不上，气泵漏气")
    assert not other.is_recurring and not other.recurring_of.exists()


def test_the_same_wording_on_another_model_is_not_linked(world):
    record(world, description="空调不制冷，出风口是热风")
    coach = f.ProductModelFactory(code="COACH-9", name="9米客车")
    unit = f.UnitFactory(serial="LCOACH00001", model=coach, customer=world["other_customer"])
    other = record(world, unit=unit.serial, description="空调不制冷，出风口是热风")
    assert not other.is_recurring


def test_the_same_unit_within_the_window_is_recurring_and_outside_it_is_not(world):
    ComplaintSettings.objects.filter(pk=1).update(recurring_window_days=30)
    now = timezone.now()
    old = record(world, description="刹车异响", received_at=now - timedelta(days=40))
    recent = record(world, description="仪表盘黑屏", received_at=now - timedelta(days=10))
    c = record(world, description="车门关不上")
    assert list(c.recurring_of.all()) == [recent]
    assert old not in c.recurring_of.all()


def test_the_same_model_and_fault_code_is_recurring_across_units(world):
    first = record(world, description="制冷差", fault_code=world["fault"].pk)
    other = record(
        world,
        unit=world["other_unit"].serial,
        description="仪表报警",
        fault_code=world["fault"].pk,
    )
    assert list(other.recurring_of.all()) == [first]


def test_only_back_office_roles_may_record_a_complaint(world):
    with pytest.raises(PermissionDenied):
        cs.complaint_record(
            actor=world["tech"].user,
            data=cs.ComplaintData(
                type="service",
                level="general",
                channel="visit",
                complainant="x",
                description="态度差",
            ),
        )


def test_a_customer_files_only_for_themselves_and_only_through_the_portal(world):
    customer_user = world["customer_user"]
    own = cs.ComplaintData(
        type="service",
        level="general",
        channel="portal",
        complainant="王经理",
        description="工程师迟到两小时",
        unit=world["unit"].serial,
    )
    complaint = cs.complaint_record(actor=customer_user, data=own)
    assert complaint.customer == world["customer"]
    for data in (
        cs.ComplaintData(**{**own.__dict__, "unit": world["other_unit"].serial}),
        cs.ComplaintData(**{**own.__dict__, "channel": "hotline"}),
    ):
        with pytest.raises(PermissionDenied):
            cs.complaint_record(actor=customer_user, data=data)
    assert Complaint.objects.count() == 1


def test_the_person_complained_against_may_not_judge_the_complaint(world):
    # A supervisor named in the complaint is refused at step 2 whatever their role; another
    # supervisor judges it.
    sup = world["supervisor"]
    sup.last_name, sup.first_name = "赵", "监督"
    sup.save()
    c = record(world, against_person="赵 监督")
    for action in ("accept", "reject"):
        with pytest.raises(PermissionDenied) as exc:
            step(world, c, action, "supervisor", reason="不成立")
        assert "被投诉人" in exc.value.message
    c.refresh_from_db()
    assert c.status == S.RECORDED and c.is_valid is None
    world["other_sup"] = f.UserFactory(username="sup2", role=Role.SUPERVISOR, department="")
    assert step(world, c, "accept", "other_sup").status == S.JUDGED


def test_the_level_and_its_deadline_are_fixed_once_recorded(world):
    from .conftest import api_client_for

    c = record(world, level="urgent")
    deadline = c.deadline
    # Changing the level's hours afterwards moves no recorded deadline.
    ComplaintLevel.objects.filter(code="urgent").update(hours=1)
    client = api_client_for(world["supervisor"])
    for method in ("patch", "put"):
        response = getattr(client, method)(
            f"/api/v1/complaints/{c.pk}/", {"level": "general"}, format="json"
        )
        assert response.status_code == 405
    c.refresh_from_db()
    assert c.level.code == "urgent" and c.deadline == deadline
