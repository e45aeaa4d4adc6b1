"""Races on PostgreSQL through real parallel connections: row locks, the idempotency key and the
number counter. SQLite serialises writers, so these prove nothing there: they are selected by
the `postgres` marker (and fail, not skip, on another database — see conftest)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from aftersales.core.errors import InvalidTransition
from aftersales.service.models import IdempotencyRecord, Status, WorkOrder, WorkOrderTransition
from aftersales.service.services import work_order_transition

from . import factories as f
from .conftest import api_client_for, make_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_parallel(*funcs: Callable[[], Any], timeout: float = 30) -> list[tuple[str, Any]]:
    """Run each function in its own thread (so on its own database connection), all released at
    once by a barrier. Returns ("ok", result) or ("error", exception) per function."""
    barrier = threading.Barrier(len(funcs))
    results: list[tuple[str, Any]] = [("missing", None)] * len(funcs)

    def run(i: int, func: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            results[i] = ("ok", func())
        except Exception as exc:  # noqa: BLE001 — reported to the test
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(funcs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def wait_until_a_backend_waits_for_a_lock(timeout: float = 10) -> None:
    """Poll PostgreSQL until another session is blocked on a lock: proves the race overlapped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)
    raise AssertionError("no session ever waited for the row lock")


@pytest.fixture
def pg_world(reseed, world):
    return world


@pytest.fixture
def responded(pg_world):
    order = make_order(pg_world)
    return work_order_transition(order=order, action="respond", actor=pg_world["agent"])


def test_the_guard_knows_this_is_postgresql():
    assert connection.vendor == "postgresql"


def test_two_dispatchers_at_once_one_wins_and_the_other_is_refused(pg_world, responded):
    mate = f.StaffFactory(
        user=f.UserFactory(username="mate", role="technician"), outlet=pg_world["outlet"]
    )
    f.certify(mate, pg_world["skill"])

    def dispatch(actor, staff):
        def go():
            order = WorkOrder.objects.get(pk=responded.pk)  # both read `responded`
            return work_order_transition(
                order=order,
                action="dispatch",
                actor=actor,
                technicians=[staff.pk],
                override_reason="就近",
            )

        return go

    results = in_parallel(
        dispatch(pg_world["manager"].user, pg_world["tech"]),
        dispatch(pg_world["director"], mate),
    )
    oks = [r for kind, r in results if kind == "ok"]
    errors = [r for kind, r in results if kind == "error"]
    assert len(oks) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], InvalidTransition), errors[0]
    order = WorkOrder.objects.get(pk=responded.pk)
    assert order.status == Status.DISPATCHED
    assert WorkOrderTransition.objects.filter(order=order, action="dispatch").count() == 1
    assert list(order.technicians.all()) == [order.leader]


def test_the_second_dispatcher_waits_for_the_lock_and_then_sees_the_new_state(pg_world, responded):
    """Deterministic overlap: the first holds the row lock until the second is seen waiting."""
    first_has_lock = threading.Event()
    release = threading.Event()
    outcome: dict[str, Any] = {}

    def first():
        try:
            with transaction.atomic():
                work_order_transition(
                    order=WorkOrder.objects.get(pk=responded.pk),
                    action="dispatch",
                    actor=pg_world["manager"].user,
                    technicians=[pg_world["tech"].pk],
                )
                first_has_lock.set()
                release.wait(10)
        finally:
            connection.close()

    def second():
        try:
            first_has_lock.wait(10)
            work_order_transition(
                order=WorkOrder.objects.get(pk=responded.pk),
                action="dispatch",
                actor=pg_world["director"],
                technicians=[pg_world["tech"].pk],
            )
            outcome["second"] = "dispatched too"
        except InvalidTransition as exc:
            outcome["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    try:
        first_has_lock.wait(10)
        wait_until_a_backend_waits_for_a_lock()
    finally:
        release.set()
        for t in threads:
            t.join(30)
    assert isinstance(outcome["second"], InvalidTransition), outcome
    assert "已派工" in str(outcome["second"].message)
    assert WorkOrderTransition.objects.filter(order=responded, action="dispatch").count() == 1


def test_two_dispatchers_through_the_api_get_200_and_409(pg_world, responded):
    url = f"/api/v1/work-orders/{responded.pk}/transitions/"
    body = {"action": "dispatch", "technicians": [pg_world["tech"].pk]}
    clients = [
        api_client_for(pg_world["manager"].user),
        api_client_for(pg_world["director"]),
    ]
    results = in_parallel(*[lambda c=c: c.post(url, body, format="json") for c in clients])
    assert all(kind == "ok" for kind, _ in results), results
    codes = sorted(resp.status_code for _, resp in results)
    assert codes == [200, 409], [r.content for _, r in results]
    refused = next(resp for _, resp in results if resp.status_code == 409)
    assert refused.json()["code"] == "invalid_transition"
    assert WorkOrderTransition.objects.filter(order=responded, action="dispatch").count() == 1


def test_the_same_intake_posted_twice_at_once_with_one_key_creates_one_order(pg_world):
    body = {
        "reporter_name": "李师傅",
        "contact_mobile": "13812345678",
        "fault_description": "空调不制冷",
        "serial": pg_world["unit"].serial,
    }
    clients = [api_client_for(pg_world["agent"]) for _ in range(2)]

    def post(client):
        return client.post(
            "/api/v1/work-orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="dealer-race-1"
        )

    results = in_parallel(*[lambda c=c: post(c) for c in clients])
    assert all(kind == "ok" for kind, _ in results), results
    responses = [resp for _, resp in results]
    assert sorted(r.status_code for r in responses) == [200, 201], [r.content for r in responses]
    assert len({r.json()["number"] for r in responses}) == 1
    assert WorkOrder.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_parallel_intakes_without_a_key_get_distinct_consecutive_numbers(pg_world):
    from aftersales.service.services import IntakeData, work_order_intake

    n = 6

    def intake():
        data = IntakeData(
            reporter_name="李师傅",
            contact_mobile="13812345678",
            fault_description="空调不制冷",
            serial=pg_world["unit"].serial,
        )
        return work_order_intake(actor=pg_world["agent"], data=data)[0].number

    results = in_parallel(*[intake] * n)
    assert all(kind == "ok" for kind, _ in results), results
    numbers = sorted(number for _, number in results)
    seq = [int(number.rsplit("-", 1)[1]) for number in numbers]
    assert seq == list(range(seq[0], seq[0] + n))
    assert WorkOrder.objects.count() == n


@pytest.mark.parametrize("existing_row", [False, True])
def test_next_number_from_many_threads_gives_distinct_consecutive_numbers(reseed, existing_row):
    from aftersales.core.models import Counter
    from aftersales.core.numbering import next_number

    n = 8
    if existing_row:
        Counter.objects.create(prefix="TS", year=2031, value=100)
    results = in_parallel(*[lambda: next_number("TS", year=2031)] * n)
    assert all(kind == "ok" for kind, _ in results), results
    start = 101 if existing_row else 1
    assert sorted(number for _, number in results) == [
        f"TS-2031-{v:06d}" for v in range(start, start + n)
    ]
    assert Counter.objects.get(prefix="TS", year=2031).value == start + n - 1
