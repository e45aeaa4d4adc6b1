"""The SLA sweep (S3): warn the assignee at the policy's ratio, record and escalate breaches,
track take-back promises; idempotent. Every time is passed explicitly — no sleeping."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from aftersales.accounts.models import Role
from aftersales.notifications.models import OutboxMessage
from aftersales.service.models import Handover, SlaEvent, SlaPolicy, Status, WorkOrder
from aftersales.service.services import IntakeData, work_order_intake, work_order_transition
from aftersales.service.sla import pick_policy, sla_sweep

from . import factories as f

SH = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2025, 3, 3, 9, 0, tzinfo=SH)  # an ordinary working Monday


def at(hour, minute=0, day=3):
    return datetime(2025, 3, day, hour, minute, tzinfo=SH)


def intake(world, *, now=MONDAY_9, **overrides):
    values = {
        "reporter_name": "李师傅",
        "contact_mobile": "13812345678",
        "fault_description": "空调不制冷",
        "serial": world["unit"].serial,
        "fault_code": "AC01",  # grade B: working hours, respond within 2 h
    }
    values.update(overrides)
    order, _ = work_order_intake(actor=world["agent"], data=IntakeData(**values), now=now)
    return order


def messages(template, user=None):
    qs = OutboxMessage.objects.filter(template_code=template)
    return list(qs.filter(recipient_user=user) if user else qs)


def events(order):
    return sorted(order.sla_events.values_list("target", "kind"))


@pytest.fixture
def order(world):
    order = intake(world)
    assert order.sla_policy.name == "B级故障"
    assert order.response_due == at(11)
    return order


def test_grade_b_orders_use_the_working_hours_policy(world, order):
    assert not order.sla_policy.round_the_clock
    # Within 100 km of the outlet: arrive within 24 working hours.
    assert order.distance_km is not None and order.distance_km < 100
    assert order.arrival_due == datetime(2025, 3, 5, 15, 0, tzinfo=SH)


def test_nothing_happens_before_the_warning_ratio(world, order):
    assert sla_sweep(now=at(10, 35)) == {"warnings": 0, "breaches": 0, "escalations": 0}
    assert not order.sla_events.exists()


def test_the_assignee_is_warned_at_eighty_percent(world, order):
    order.technicians.add(world["tech"])
    counts = sla_sweep(now=at(10, 37))  # 97 of 120 minutes
    assert counts["warnings"] == 1
    assert events(order) == [("response", "warning")]
    [warning] = messages("sla_warning")
    assert warning.recipient_user == world["tech"].user
    assert order.number in warning.body and "80%" in warning.body


def test_an_order_nobody_is_assigned_to_warns_whoever_registered_it(world, order):
    sla_sweep(now=at(10, 40))
    assert [m.recipient_user for m in messages("sla_warning")] == [world["agent"]]


def test_an_order_from_the_qr_form_warns_the_station_manager(world):
    values = {
        "reporter_name": "李师傅",
        "contact_mobile": "13812345678",
        "fault_description": "空调不制冷",
        "serial": world["unit"].serial,
        "fault_code": "AC01",
        "channel": "qr",
    }
    order, _ = work_order_intake(actor=None, data=IntakeData(**values), now=MONDAY_9)
    assert order.created_by is None
    sla_sweep(now=at(10, 40))
    assert [m.recipient_user for m in messages("sla_warning")] == [world["manager"].user]


def test_the_warning_counts_service_time_not_wall_clock_time(world):
    # Friday 17:00: half an hour of the two remain on Friday, the rest is Monday morning.
    friday = datetime(2025, 2, 28, 17, 0, tzinfo=SH)
    order = intake(world, now=friday)
    assert order.response_due == at(10, 0)
    assert sla_sweep(now=datetime(2025, 3, 1, 12, 0, tzinfo=SH))["warnings"] == 0  # Saturday
    assert sla_sweep(now=at(9, 30))["warnings"] == 0  # 30 + 60 of 120 minutes: 75 %
    assert sla_sweep(now=at(9, 40))["warnings"] == 1  # 30 + 70 minutes: 83 %
    [warning] = messages("sla_warning")
    assert "83%" in warning.body  # not the 99 % of the wall clock since Friday


def test_a_breach_is_recorded_and_the_station_manager_notified(world, order):
    counts = sla_sweep(now=at(11, 1))
    assert counts["breaches"] == 1
    breach = order.sla_events.get(kind=SlaEvent.Kind.BREACH)
    assert breach.target == "response" and breach.due_at == at(11)
    assert breach.notified == world["manager"].user
    [message] = messages("sla_breach")
    assert message.recipient_user == world["manager"].user
    assert message.cause == f"work_order:{order.pk}"
    assert not messages("sla_breach", world["director"])


def test_a_breach_escalates_to_the_service_director_after_the_configured_hours(world, order):
    sla_sweep(now=at(11, 1))
    assert sla_sweep(now=at(14, 59))["escalations"] == 0
    counts = sla_sweep(now=at(15, 0))  # four hours late
    assert counts["escalations"] == 1
    assert ("response", "escalation") in events(order)
    assert len(messages("sla_breach", world["director"])) == 1


def test_running_the_sweep_twice_notifies_once(world, order):
    order.technicians.add(world["tech"])
    first = sla_sweep(now=at(10, 40))
    second = sla_sweep(now=at(10, 41))
    assert first["warnings"] == 1 and second["warnings"] == 0
    late = at(16, 0)
    assert sla_sweep(now=late) == {"warnings": 0, "breaches": 1, "escalations": 1}
    assert sla_sweep(now=late) == {"warnings": 0, "breaches": 0, "escalations": 0}
    assert len(messages("sla_warning")) == 1
    assert len(messages("sla_breach")) == 2  # the manager, then the director
    assert order.sla_events.count() == 3


def test_a_met_target_never_warns(world, order):
    WorkOrder.objects.filter(pk=order.pk).update(status=Status.RESPONDED, responded_at=at(9, 30))
    sla_sweep(now=at(10, 50))
    sla_sweep(now=at(11, 30))
    assert not order.sla_events.filter(target="response").exists()
    assert not messages("sla_warning")


def test_a_target_met_late_between_two_sweeps_is_still_a_recorded_breach(world):
    order = intake(world, now=at(6, 0, day=3) - timedelta(days=3))  # Friday 06:00 → due 10:30
    assert order.response_due < order.received_at + timedelta(days=4)
    # Responded now (long after the deadline) with no sweep in between.
    work_order_transition(order=order, action="respond", actor=world["agent"])
    assert ("response", "breach") in events(order)
    assert len(messages("sla_breach", world["manager"].user)) == 1
    # The sweep does not count it twice.
    sla_sweep()
    assert order.sla_events.filter(target="response", kind="breach").count() == 1


def test_a_target_met_in_time_records_no_breach(world):
    order = intake(world, now=datetime.now(tz=SH))
    work_order_transition(order=order, action="respond", actor=world["agent"])
    assert not order.sla_events.exists()


def test_a_closed_or_cancelled_order_is_not_swept(world, order):
    WorkOrder.objects.filter(pk=order.pk).update(status=Status.CANCELLED)
    assert sla_sweep(now=at(18)) == {"warnings": 0, "breaches": 0, "escalations": 0}


def test_a_round_the_clock_policy_breaches_at_night(world):
    order = intake(world, now=at(20, 0), fault_grade="A")
    assert order.sla_policy.round_the_clock
    assert order.response_due == at(22, 0)
    assert sla_sweep(now=at(21, 30))["warnings"] == 0  # 75 %
    assert sla_sweep(now=at(21, 40))["warnings"] == 1  # 83 %
    assert sla_sweep(now=at(22, 1))["breaches"] == 1


def test_a_missed_take_back_promise_is_a_recorded_breach(world, order):
    WorkOrder.objects.filter(pk=order.pk).update(status=Status.IN_WORKSHOP)
    Handover.objects.create(
        order=order,
        taken_at=at(10),
        items="控制器一台",
        technician=world["tech"],
        customer_signer="王经理",
        promised_at=at(17, 30, day=5),
    )
    WorkOrder.objects.filter(pk=order.pk).update(responded_at=at(9, 10), first_arrived_at=at(9, 50))
    returns = order.sla_events.filter(target=SlaEvent.Target.RETURN)
    sla_sweep(now=at(17, 0, day=5))
    assert not returns.exists()
    sla_sweep(now=at(17, 31, day=5))
    event = returns.get()
    assert event.kind == SlaEvent.Kind.BREACH and event.due_at == at(17, 30, day=5)
    assert messages("sla_breach", world["manager"].user)
    sla_sweep(now=at(18, 0, day=5))
    assert returns.count() == 1


def test_a_returned_take_back_is_not_a_breach(world, order):
    WorkOrder.objects.filter(pk=order.pk).update(
        status=Status.IN_WORKSHOP, responded_at=at(9, 10), first_arrived_at=at(9, 50)
    )
    Handover.objects.create(
        order=order,
        taken_at=at(10),
        items="控制器一台",
        technician=world["tech"],
        customer_signer="王经理",
        promised_at=at(17, 30),
        returned_at=at(17, 0),
    )
    sla_sweep(now=at(18, 0))
    assert not order.sla_events.filter(target=SlaEvent.Target.RETURN).exists()


def test_an_order_without_an_outlet_reports_its_breach_to_the_service_director(world):
    order = intake(world, site_region_code="310101000000")  # Shanghai: nobody covers it
    assert order.outlet is None
    sla_sweep(now=at(11, 1))
    assert messages("sla_breach", world["director"])


def test_a_customers_contract_policy_wins_over_the_grade_policy(world):
    contract = SlaPolicy.objects.create(
        name="公交集团合同", customer=world["customer"], fault_grade="", response_hours=1
    )
    assert pick_policy(fault_grade="B", customer_id=world["customer"].pk) == contract
    assert pick_policy(fault_grade="B", customer_id=None).name == "B级故障"
    order = intake(world)
    assert order.sla_policy == contract and order.response_due == at(10)


def test_an_inactive_user_is_not_notified(world, order):
    manager = world["manager"].user
    manager.is_active = False
    manager.save()
    f.StaffFactory(
        user=f.UserFactory(username="deputy", role=Role.STATION_MANAGER), outlet=world["outlet"]
    )
    sla_sweep(now=at(11, 1))
    assert [m.recipient_user.username for m in messages("sla_breach")] == ["deputy"]


def test_a_reopened_order_gets_a_new_resolution_target_from_the_reopening(world):
    order = intake(world, now=datetime.now(tz=SH))
    for action in ("respond", "resolve_remote", "close"):
        work_order_transition(order=order, action=action, actor=world["agent"])
    assert not order.sla_events.exists()  # resolved in time
    # Days later (the first round's resolution target has passed), the customer reopens.
    WorkOrder.objects.filter(pk=order.pk).update(
        resolution_due=datetime.now(tz=SH) - timedelta(days=2)
    )
    order.refresh_from_db()
    before = datetime.now(tz=SH)
    reopened = work_order_transition(
        order=order, action="reopen", actor=world["agent"], reason="空调又不制冷了"
    )
    assert reopened.resolution_due is not None and reopened.resolution_due > before
    row = reopened.transitions.get(action="reopen")
    assert row.data["resolution_due"] == reopened.resolution_due.isoformat()
    assert reopened.response_due == order.response_due  # met in the first round: unchanged
    # The second round is not late the moment it starts …
    sla_sweep(now=datetime.now(tz=SH))
    assert ("resolution", "breach") not in events(reopened)
    # … but is once its new target passes.
    sla_sweep(now=reopened.resolution_due + timedelta(minutes=1))
    assert ("resolution", "breach") in events(reopened)
