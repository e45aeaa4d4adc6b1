"""Dispatch (S5): who may be sent, in which order they are suggested, overrides and teams."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.accounts.models import Department, Role
from aftersales.core.errors import ValidationFailed
from aftersales.notifications.models import Channel, OutboxMessage
from aftersales.service.models import Status, WorkOrder
from aftersales.service.selectors import suggest_technicians
from aftersales.service.services import work_order_transition

from . import factories as f
from .conftest import api_client_for, make_order


@pytest.fixture
def responded(world):
    order = make_order(world)
    return work_order_transition(order=order, action="respond", actor=world["agent"])


def dispatch(world, order, technicians, *, technicians_extra=(), **data):
    return work_order_transition(
        order=order,
        action="dispatch",
        actor=world["manager"].user,
        technicians=[s.pk for s in technicians] + list(technicians_extra),
        **data,
    )


def technician(world, username, *, outlet=None, certified=True, **staff):
    person = f.StaffFactory(
        user=f.UserFactory(username=username, role=Role.TECHNICIAN),
        outlet=outlet or world["outlet"],
        **staff,
    )
    if certified:
        f.certify(person, world["skill"])
    return person


def refused(world, order, technicians, **data) -> str:
    before = WorkOrder.objects.get(pk=order.pk)
    with pytest.raises(ValidationFailed) as err:
        dispatch(world, order, technicians, **data)
    after = WorkOrder.objects.get(pk=order.pk)
    assert after.status == Status.RESPONDED
    assert after.leader_id == before.leader_id
    assert not after.technicians.exists()
    return str(err.value.message)


def test_the_covering_outlets_certified_technician_is_dispatched_and_told(world, responded):
    order = dispatch(world, responded, [world["tech"]])
    assert order.status == Status.DISPATCHED
    assert order.leader == world["tech"]
    assert list(order.technicians.all()) == [world["tech"]]
    message = OutboxMessage.objects.get(template_code="order_dispatched")
    assert message.channel == Channel.IN_APP
    assert message.recipient_user == world["tech"].user
    assert order.number in message.body


def test_suggestions_list_only_the_covering_outlets_technicians(world, responded):
    rows = suggest_technicians(responded)
    assert [r["staff"] for r in rows] == [world["tech"]]
    assert rows[0]["qualified"] and rows[0]["rank"] == 1


def test_another_outlets_technician_is_refused(world, responded):
    message = refused(world, responded, [world["other_tech"]])
    assert "不属于负责网点" in message


def test_a_technician_without_the_skill_is_refused(world, responded):
    novice = technician(world, "novice", certified=False)
    message = refused(world, responded, [novice])
    assert "不具备" in message and world["skill"].name in message


def test_a_technician_with_the_skill_but_no_certificate_is_refused(world, responded):
    uncertified = technician(world, "uncertified", certified=False)
    uncertified.skills.add(world["skill"])
    message = refused(world, responded, [uncertified])
    assert "上岗证" in message


def test_an_expired_certificate_blocks_dispatch_and_the_reason_names_the_date(world, responded):
    expired_on = timezone.localdate() - timedelta(days=1)
    lapsed = technician(world, "lapsed", certified=False)
    f.certify(lapsed, world["skill"], valid_until=expired_on)
    message = refused(world, responded, [lapsed])
    assert "过期" in message and str(expired_on) in message
    row = next(r for r in suggest_technicians(responded) if r["staff"] == lapsed)
    assert not row["qualified"] and str(expired_on) in row["problems"][0]


def test_a_certificate_valid_until_today_still_counts(world, responded):
    today_staff = technician(world, "today", certified=False)
    f.certify(today_staff, world["skill"], valid_until=timezone.localdate())
    dispatch(world, responded, [today_staff], override_reason="就近")


@pytest.mark.parametrize(
    ("role", "department"),
    [
        (Role.SUPERVISOR, Department.SUPERVISION),
        (Role.SUPERVISOR, Department.SERVICE),
        (Role.TECHNICIAN, Department.SUPERVISION),
    ],
)
def test_supervision_staff_can_never_be_assigned(world, responded, role, department):
    inspector = f.StaffFactory(
        user=f.UserFactory(username="inspector", role=role, department=department),
        outlet=world["outlet"],
    )
    f.certify(inspector, world["skill"])
    message = refused(world, responded, [inspector], override_reason="人手不够")
    assert "监督" in message
    assert all(
        r["staff"] != inspector or not r["qualified"] for r in suggest_technicians(responded)
    )


def test_a_station_manager_is_not_a_technician(world, responded):
    message = refused(world, responded, [world["manager"]], override_reason="亲自去")
    assert "不是服务工程师" in message


def test_an_inactive_technician_is_refused(world, responded):
    away = technician(world, "away", is_active=False)
    assert "不在岗" in refused(world, responded, [away], override_reason="x")


def test_suggestions_rank_the_nearer_and_less_busy_technician_first(world, responded):
    # The site is at (39.91, 116.47); the world's technician sits at the outlet (39.92, 116.44).
    near = technician(world, "near", latitude=39.911, longitude=116.471)
    far = technician(world, "far", latitude=40.30, longitude=116.90)
    rows = suggest_technicians(responded)
    names = [r["staff"] for r in rows]
    assert names.index(near) < names.index(world["tech"]) < names.index(far)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    # Give the nearest one a pile of open jobs: they drop below the outlet's technician.
    for _ in range(5):
        busy = make_order(world)
        busy.technicians.add(near)
    rows = suggest_technicians(responded)
    names = [r["staff"] for r in rows]
    assert names.index(world["tech"]) < names.index(near)
    assert rows[names.index(near)]["open_jobs"] == 5


def test_unqualified_candidates_come_last_with_their_reason(world, responded):
    novice = technician(world, "novice", certified=False, latitude=39.91, longitude=116.47)
    rows = suggest_technicians(responded)
    assert rows[-1]["staff"] == novice
    assert rows[-1]["problems"]


def test_choosing_someone_other_than_the_top_candidate_needs_a_reason(world, responded):
    second = technician(world, "second", latitude=40.30, longitude=116.90)
    assert suggest_technicians(responded)[0]["staff"] == world["tech"]
    message = refused(world, responded, [second])
    assert "调整原因" in message
    order = dispatch(world, responded, [second], override_reason="客户指定")
    assert order.leader == second
    row = order.transitions.get(action="dispatch")
    assert row.data["override_reason"] == "客户指定"


def test_a_team_needs_a_leader_who_is_in_the_team(world, responded):
    mate = technician(world, "mate")
    assert "组长" in refused(world, responded, [world["tech"], mate])
    assert "组长" in refused(world, responded, [world["tech"], mate], leader=world["other_tech"].pk)
    order = dispatch(world, responded, [world["tech"], mate], leader=mate.pk)
    assert order.leader == mate
    assert set(order.technicians.all()) == {world["tech"], mate}
    assert OutboxMessage.objects.filter(template_code="order_dispatched").count() == 2


def test_a_team_that_includes_the_top_candidate_needs_no_override(world, responded):
    mate = technician(world, "mate", latitude=40.30, longitude=116.90)
    order = dispatch(world, responded, [world["tech"], mate], leader=mate.pk)
    assert order.status == Status.DISPATCHED


def test_an_unknown_technician_is_refused(world, responded):
    assert "不存在" in refused(world, responded, [world["tech"]], technicians_extra=[999999])
    with pytest.raises(ValidationFailed, match="至少一名"):
        work_order_transition(
            order=responded, action="dispatch", actor=world["manager"].user, technicians=[]
        )


def test_reassign_changes_the_team_and_keeps_the_state(world, responded):
    order = dispatch(world, responded, [world["tech"]])
    mate = technician(world, "mate")
    order = work_order_transition(
        order=order,
        action="reassign",
        actor=world["manager"].user,
        reason="原工程师生病",
        technicians=[mate.pk],
        override_reason="原工程师生病",
    )
    assert order.status == Status.DISPATCHED
    assert list(order.technicians.all()) == [mate]


def test_the_suggestion_api_is_for_dispatchers_only(world, responded):
    url = f"/api/v1/work-orders/{responded.pk}/suggestions/"
    rows = api_client_for(world["manager"].user).get(url).json()
    assert rows[0]["staff"] == world["tech"].pk and rows[0]["qualified"]
    assert api_client_for(world["agent"]).get(url).status_code == 404
    assert api_client_for(world["tech"].user).get(url).status_code == 404
    other_manager = f.StaffFactory(
        user=f.UserFactory(username="hd-manager", role=Role.STATION_MANAGER),
        outlet=world["other_outlet"],
    )
    assert api_client_for(other_manager.user).get(url).status_code == 404


def test_dispatch_through_the_api_refuses_with_400_and_the_reason(world, responded):
    resp = api_client_for(world["manager"].user).post(
        f"/api/v1/work-orders/{responded.pk}/transitions/",
        {"action": "dispatch", "technicians": [world["other_tech"].pk]},
        format="json",
    )
    assert resp.status_code == 400
    assert "不属于负责网点" in resp.json()["errors"]["technicians"]
