"""The work-order state machine (S4): every (status, action) pair, the reasons, the rights, the
history rows and the on-commit hook."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from aftersales.accounts.models import Role
from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.service.models import ServiceSettings, Status, WorkOrder, WorkOrderTransition
from aftersales.service.services import (
    ACTION_LABELS,
    INTERNAL_ACTIONS,
    TRANSITIONS,
    available_actions,
    report_sign,
    report_update,
    work_order_transition,
)
from aftersales.supervision.models import Callback

from . import factories as f
from .conftest import api_client_for, make_order

ALL_PAIRS = [(status, action) for status in Status.values for action in TRANSITIONS]
ALLOWED = [(s, a) for s, a in ALL_PAIRS if s in TRANSITIONS[a][0]]
REFUSED = [(s, a) for s, a in ALL_PAIRS if s not in TRANSITIONS[a][0]]


def png() -> bytes:
    buf = io.BytesIO()
    image = Image.new("RGB", (40, 20), "white")
    ImageDraw.Draw(image).line([(2, 15), (20, 3), (38, 15)], fill="black", width=2)
    image.save(buf, format="PNG")
    return buf.getvalue()


def action_data(world, action):
    data = {}
    if action in ("dispatch", "reassign"):
        data["technicians"] = [world["tech"].pk]
    if action == "diagnose":
        data["inspect"] = "压缩机继电器烧毁"
    if action == "take_back":
        data.update(
            items="空调控制器一台，外观完好",
            customer_signer="王经理",
            promised_at=timezone.now() + timedelta(days=3),
        )
    return data


def order_in(world, status):
    """An order of the world forced into `status`, assigned to the world's technician."""
    order = make_order(world)
    now = timezone.now()
    WorkOrder.objects.filter(pk=order.pk).update(
        status=status,
        leader=world["tech"],
        responded_at=now,
        resolved_at=now if status in ("resolved", "confirmed", "closed", "followed_up") else None,
        closed_at=now if status in ("closed", "followed_up") else None,
    )
    order.technicians.set([world["tech"]])
    order.refresh_from_db()
    return order


def transition_url(order):
    return f"/api/v1/work-orders/{order.pk}/transitions/"


def snapshot(order):
    fresh = WorkOrder.objects.get(pk=order.pk)
    return (
        fresh.status,
        fresh.visit_count,
        fresh.reopen_count,
        fresh.leader_id,
        WorkOrderTransition.objects.filter(order=order).count(),
        list(fresh.technicians.values_list("pk", flat=True)),
    )


@pytest.mark.parametrize(("status", "action"), ALLOWED)
def test_an_allowed_action_moves_the_order_and_writes_a_transition_row(world, status, action):
    order = order_in(world, status)
    actor = world["director"] if action != "follow_up" else f.UserFactory(role=Role.ADMIN)
    before = timezone.now()
    result = work_order_transition(
        order=order,
        action=action,
        actor=actor,
        reason="客户要求",
        internal=action in INTERNAL_ACTIONS,
        **action_data(world, action),
    )
    target = TRANSITIONS[action][1] or status
    assert result.status == target
    assert WorkOrder.objects.get(pk=order.pk).status == target
    row = WorkOrderTransition.objects.filter(order=order).last()
    assert (row.action, row.from_status, row.to_status) == (action, status, target)
    assert row.actor == actor
    assert row.reason == "客户要求"
    assert row.at >= before


@pytest.mark.parametrize("status", Status.values)
def test_every_action_the_state_does_not_allow_is_refused_with_409_and_changes_nothing(
    world, status
):
    order = order_in(world, status)
    client = api_client_for(world["director"])
    refused = [a for s, a in REFUSED if s == status]
    for action in refused:
        before = snapshot(order)
        data = {"action": action, "reason": "测试", **action_data(world, action)}
        resp = client.post(transition_url(order), data, format="json")
        assert resp.status_code == 409, (action, resp.json())
        if action not in INTERNAL_ACTIONS:  # those say where they are done instead
            assert str(ACTION_LABELS[action]) in resp.json()["detail"]
        assert snapshot(order) == before, action
        with pytest.raises(InvalidTransition):
            work_order_transition(
                order=order, action=action, actor=world["director"], reason="测试", internal=True
            )
        assert snapshot(order) == before, action


def test_the_refusal_names_the_order_its_state_and_the_action(world):
    order = order_in(world, Status.RECEIVED)
    resp = api_client_for(world["manager"].user).post(
        transition_url(order), {"action": "close"}, format="json"
    )
    assert resp.status_code == 409
    detail = resp.json()["detail"]
    assert order.number in detail and "已受理" in detail and "关闭" in detail
    assert resp.json()["code"] == "invalid_transition"


def test_an_unknown_action_is_refused(world):
    order = order_in(world, Status.RECEIVED)
    resp = api_client_for(world["agent"]).post(
        transition_url(order), {"action": "teleport"}, format="json"
    )
    assert resp.status_code == 409
    assert "teleport" in resp.json()["detail"]


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("cancel", Status.RECEIVED),
        ("reject", Status.RESPONDED),
        ("reopen", Status.CLOSED),
        ("reassign", Status.DISPATCHED),
    ],
)
def test_cancel_reject_reopen_and_reassign_need_a_reason(world, action, status):
    order = order_in(world, status)
    before = snapshot(order)
    resp = api_client_for(world["director"]).post(
        transition_url(order),
        {"action": action, "reason": "  ", **action_data(world, action)},
        format="json",
    )
    assert resp.status_code == 400
    assert "原因" in resp.json()["detail"]
    assert resp.json()["errors"] == {"reason": resp.json()["detail"]}
    assert snapshot(order) == before


@pytest.mark.parametrize(("action", "status"), [("confirm", "resolved"), ("follow_up", "closed")])
def test_confirm_and_follow_up_are_refused_through_the_api(world, action, status):
    order = order_in(world, status)
    admin = f.UserFactory(username="admin", role=Role.ADMIN)
    before = snapshot(order)
    resp = api_client_for(admin).post(transition_url(order), {"action": action}, format="json")
    assert resp.status_code == 409
    assert snapshot(order) == before
    assert action not in available_actions(WorkOrder.objects.get(pk=order.pk), admin)


def test_reopen_within_the_window_counts_against_first_time_fix(world):
    order = order_in(world, Status.CLOSED)
    WorkOrder.objects.filter(pk=order.pk).update(closed_at=timezone.now() - timedelta(days=6))
    result = work_order_transition(
        order=order, action="reopen", actor=world["agent"], reason="空调又不制冷了"
    )
    assert result.status == Status.RESPONDED
    assert result.reopen_count == 1
    assert result.closed_at is None and result.resolved_at is None
    assert not result.is_first_time_fix


def test_reopen_after_the_window_is_refused_and_changes_nothing(world):
    settings = ServiceSettings.get()
    settings.reopen_window_days = 3
    settings.save()
    order = order_in(world, Status.CLOSED)
    WorkOrder.objects.filter(pk=order.pk).update(closed_at=timezone.now() - timedelta(days=4))
    before = snapshot(order)
    resp = api_client_for(world["agent"]).post(
        transition_url(order), {"action": "reopen", "reason": "又坏了"}, format="json"
    )
    assert resp.status_code == 400
    assert "3 天" in resp.json()["detail"]
    assert snapshot(order) == before


def test_the_customer_may_reopen_their_own_order(world):
    order = order_in(world, Status.CLOSED)
    resp = api_client_for(world["customer_user"]).post(
        transition_url(order), {"action": "reopen", "reason": "又坏了"}, format="json"
    )
    assert resp.status_code == 200, resp.json()
    assert resp.json()["status"] == Status.RESPONDED


def test_the_customer_may_not_cancel(world):
    order = order_in(world, Status.RECEIVED)
    before = snapshot(order)
    resp = api_client_for(world["customer_user"]).post(
        transition_url(order), {"action": "cancel", "reason": "不修了"}, format="json"
    )
    assert resp.status_code == 403
    assert snapshot(order) == before


def test_close_is_refused_before_the_customer_signed_when_a_visit_happened(world):
    order = order_in(world, Status.RESOLVED)
    WorkOrder.objects.filter(pk=order.pk).update(visit_count=1)
    before = snapshot(order)
    resp = api_client_for(world["agent"]).post(
        transition_url(order), {"action": "close"}, format="json"
    )
    assert resp.status_code in (400, 409)
    assert "签字" in resp.json()["detail"]
    assert snapshot(order) == before


def test_a_remote_resolution_can_close_without_a_signature(world):
    order = order_in(world, Status.RESPONDED)
    work_order_transition(order=order, action="resolve_remote", actor=world["agent"])
    closed = work_order_transition(order=order, action="close", actor=world["agent"])
    assert closed.status == Status.CLOSED


def test_a_technician_not_on_the_order_gets_404_and_cannot_act(world):
    order = order_in(world, Status.DISPATCHED)
    resp = api_client_for(world["other_tech"].user).post(
        transition_url(order), {"action": "depart"}, format="json"
    )
    assert resp.status_code == 404
    with pytest.raises(PermissionDenied):
        work_order_transition(order=order, action="depart", actor=world["other_tech"].user)
    assert WorkOrder.objects.get(pk=order.pk).status == Status.DISPATCHED


@pytest.mark.parametrize(
    "role", [Role.SUPERVISOR, Role.QUALITY_ENGINEER, Role.FINANCE, Role.HR, Role.PARTS_KEEPER]
)
def test_roles_outside_the_loop_cannot_act_on_an_order(world, role):
    order = order_in(world, Status.RECEIVED)
    user = f.UserFactory(username=f"x-{role}", role=role)
    resp = api_client_for(user).post(transition_url(order), {"action": "respond"}, format="json")
    assert resp.status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).status == Status.RECEIVED


def test_an_agent_cannot_dispatch(world):
    order = order_in(world, Status.RESPONDED)
    resp = api_client_for(world["agent"]).post(
        transition_url(order),
        {"action": "dispatch", "technicians": [world["tech"].pk]},
        format="json",
    )
    assert resp.status_code == 403
    assert "派工" in resp.json()["detail"]


def test_the_whole_loop_records_who_when_from_to_and_why_and_closing_creates_a_callback(
    world, django_capture_on_commit_callbacks
):
    tech = world["tech"].user
    manager = world["manager"].user
    order = make_order(world)
    steps = [
        (world["agent"], "respond", {}),
        (manager, "dispatch", {"technicians": [world["tech"].pk]}),
        (tech, "depart", {}),
        (tech, "arrive", {}),
        (tech, "diagnose", {"inspect": "继电器烧毁", "listen": "运行 3000 小时"}),
        (tech, "resolve", {}),
    ]
    for actor, action, data in steps:
        order = work_order_transition(order=order, action=action, actor=actor, **data)
    assert order.status == Status.RESOLVED
    assert order.visits.get().listen == "运行 3000 小时"
    report_update(order=order, actor=tech, work_done="更换继电器", cause="继电器老化")
    with django_capture_on_commit_callbacks(execute=True):
        report_sign(order=order, actor=tech, signer_name="王经理", image=png())
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    assert not Callback.objects.filter(order=order).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = work_order_transition(order=order, action="close", actor=world["agent"])
    assert len(callbacks) == 1
    callback = Callback.objects.get(order=order)
    assert callback.due_at > order.closed_at
    rows = list(order.transitions.values_list("action", "from_status", "to_status", "actor"))
    assert rows == [
        ("receive", "received", "received", world["agent"].pk),
        ("respond", "received", "responded", world["agent"].pk),
        ("dispatch", "responded", "dispatched", manager.pk),
        ("depart", "dispatched", "en_route", tech.pk),
        ("arrive", "en_route", "on_site", tech.pk),
        ("diagnose", "on_site", "diagnosed", tech.pk),
        ("resolve", "diagnosed", "resolved", tech.pk),
        ("confirm", "resolved", "confirmed", tech.pk),
        ("close", "confirmed", "closed", world["agent"].pk),
    ]
    assert "王经理" in order.transitions.get(action="confirm").reason
    assert order.is_first_time_fix


def test_a_refused_close_queues_no_hook(world, django_capture_on_commit_callbacks):
    order = order_in(world, Status.RESOLVED)
    WorkOrder.objects.filter(pk=order.pk).update(visit_count=1)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationFailed),
    ):
        work_order_transition(order=order, action="close", actor=world["agent"])
    assert callbacks == []
    assert not Callback.objects.exists()


def test_the_transition_history_is_in_the_api_detail(world):
    order = order_in(world, Status.RECEIVED)
    api_client_for(world["agent"]).post(
        transition_url(order), {"action": "cancel", "reason": "客户自行修好"}, format="json"
    )
    detail = api_client_for(world["agent"]).get(f"/api/v1/work-orders/{order.pk}/").json()
    last = detail["transitions"][-1]
    assert last["action"] == "cancel"
    assert last["from_status"] == "received" and last["to_status"] == "cancelled"
    assert last["reason"] == "客户自行修好"
    assert last["actor"] == str(world["agent"])
    assert last["at"]


def test_a_signature_image_as_a_data_url_is_accepted(world):
    order = order_in(world, Status.RESOLVED)
    report_update(order=order, actor=world["director"], work_done="更换", cause="老化")
    data_url = "data:image/png;base64," + base64.b64encode(png()).decode()
    report = report_sign(
        order=order, actor=world["tech"].user, signer_name="王经理", image=data_url
    )
    assert report.is_signed and report.content_hash
