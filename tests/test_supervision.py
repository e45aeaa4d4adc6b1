"""Callbacks (回访): they fall due when an order closes; the supervision department records
them, which moves the order to `followed_up`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.service import services
from aftersales.service.models import Status
from aftersales.supervision.models import Callback
from aftersales.supervision.services import callback_complete

from . import factories as f
from .conftest import client_for, make_order

LIST = reverse("supervision:callback_list")


def complete_url(callback) -> str:
    return reverse("supervision:callback_complete", args=[callback.pk])


def close(order, world, django_capture_on_commit_callbacks):
    agent = world["agent"]
    with django_capture_on_commit_callbacks(execute=True):
        services.work_order_transition(order=order, action="respond", actor=agent)
        services.work_order_transition(order=order, action="resolve_remote", actor=agent)
        services.work_order_transition(order=order, action="close", actor=agent)
    order.refresh_from_db()
    return order


@pytest.fixture
def callback(world, order, django_capture_on_commit_callbacks):
    close(order, world, django_capture_on_commit_callbacks)
    return Callback.objects.get(order=order)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_closing_an_order_makes_a_callback_fall_due(world, order, callback):
    assert callback.status == Callback.Status.DUE
    assert callback.due_at > order.closed_at


def test_the_supervisor_sees_the_due_callbacks(world, order, callback):
    resp = client_for(world["supervisor"]).get(LIST)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert order.number in body
    assert complete_url(callback) in body
    # Supervision calls the customer back: it needs the whole number (S10, S20).
    assert "13812345678" in body


def test_an_overdue_callback_is_highlighted(world, order, callback):
    client = client_for(world["supervisor"])
    assert "row-overdue" not in client.get(LIST).content.decode()
    Callback.objects.filter(pk=callback.pk).update(due_at=timezone.now() - timedelta(hours=1))
    body = client.get(LIST).content.decode()
    assert "row-overdue" in body and "已超时" in body


def test_completing_a_callback_moves_the_order_to_followed_up(world, order, callback):
    resp = client_for(world["supervisor"]).post(
        complete_url(callback), {"notes": "客户满意，时效 A、质量 A、态度 A"}, follow=True
    )
    assert resp.redirect_chain[-1][0] == LIST
    assert order.number in messages_of(resp)
    callback.refresh_from_db()
    order.refresh_from_db()
    assert callback.status == Callback.Status.DONE
    assert callback.done_by == world["supervisor"]
    assert callback.notes == "客户满意，时效 A、质量 A、态度 A"
    assert order.status == Status.FOLLOWED_UP
    last = order.transitions.last()
    assert (last.action, last.actor, last.reason) == (
        "follow_up",
        world["supervisor"],
        "客户满意，时效 A、质量 A、态度 A",
    )
    assert "客户满意" in resp.content.decode()  # now in the done list


def test_a_service_director_sees_callbacks_but_cannot_complete_one(world, order, callback):
    client = client_for(world["director"])
    body = client.get(LIST).content.decode()
    assert order.number in body
    assert complete_url(callback) not in body
    resp = client.post(complete_url(callback), {"notes": "代为回访"}, follow=True)
    assert "监督部门" in messages_of(resp)
    callback.refresh_from_db()
    order.refresh_from_db()
    assert callback.status == Callback.Status.DUE
    assert order.status == Status.CLOSED


def test_a_non_supervisor_cannot_complete_a_callback_through_the_service(world, order, callback):
    for actor in (world["agent"], world["director"], world["tech"].user):
        with pytest.raises(PermissionDenied):
            callback_complete(callback=callback, actor=actor, notes="好")
    order.refresh_from_db()
    assert order.status == Status.CLOSED


def test_an_agent_cannot_open_the_callback_list(world, callback):
    client = client_for(world["agent"])
    assert client.get(LIST).status_code == 403
    assert client.post(complete_url(callback), {"notes": "x"}).status_code == 404
    callback.refresh_from_db()
    assert callback.status == Callback.Status.DUE


def test_a_callback_needs_notes(world, order, callback):
    resp = client_for(world["supervisor"]).post(complete_url(callback), {"notes": " "}, follow=True)
    assert "请填写回访记录" in messages_of(resp)
    callback.refresh_from_db()
    assert callback.status == Callback.Status.DUE
    with pytest.raises(ValidationFailed):
        callback_complete(callback=callback, actor=world["supervisor"], notes="")


def test_a_callback_is_completed_only_once(world, order, callback):
    callback_complete(callback=callback, actor=world["supervisor"], notes="满意")
    with pytest.raises(InvalidTransition):
        callback_complete(callback=callback, actor=world["supervisor"], notes="再次")
    order.refresh_from_db()
    assert order.transitions.filter(action="follow_up").count() == 1


def test_an_administrator_may_complete_a_callback(world, order, callback):
    admin = f.UserFactory(username="admin", role=Role.ADMIN)
    callback_complete(callback=callback, actor=admin, notes="电话回访，满意")
    order.refresh_from_db()
    assert order.status == Status.FOLLOWED_UP


def test_the_callback_list_shows_an_empty_state(world):
    body = client_for(world["supervisor"]).get(LIST).content.decode()
    assert "没有待回访的工单" in body and "还没有完成的回访" in body


def test_the_callback_list_pages_without_counting(world, django_capture_on_commit_callbacks):
    for _ in range(26):
        close(make_order(world, serial="LBUS0000002"), world, django_capture_on_commit_callbacks)
    client = client_for(world["supervisor"])
    first = client.get(LIST)
    assert len(first.context["due"]) == 25 and first.context["due_more"]
    second = client.get(LIST, {"page": 2})
    assert len(second.context["due"]) == 1 and not second.context["due_more"]
