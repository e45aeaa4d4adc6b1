"""Mystery inspection (秘密监察, S10): findings for supervision and the directors only; an
undisclosed inspector works inside the service department and is known by name to the head of
supervision alone."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.core.errors import PermissionDenied, ValidationFailed
from aftersales.supervision.models import MysteryInspection, MysteryInspector, SupervisionSettings
from aftersales.supervision.services import (
    mystery_inspection_record,
    mystery_inspector_appoint,
    mystery_inspector_withdraw,
)

from . import factories as f
from .conftest import client_for

LIST = reverse("supervision:mystery_list")
INSPECTORS = reverse("supervision:mystery_inspectors")


@pytest.fixture
def head(world):
    head = f.UserFactory(username="head", role=Role.SUPERVISOR, department="supervision")
    config = SupervisionSettings.get()
    config.head = head
    config.save()
    return head


@pytest.fixture
def posted(world, head):
    """The technician is posted as an undisclosed inspector and reports one visit."""
    inspector = mystery_inspector_appoint(actor=head, user=world["tech"].user, alias="MI-07")
    record = mystery_inspection_record(
        actor=world["supervisor"],
        inspector=inspector,
        date=timezone.localdate(),
        checks={"uniform", "apology", "shoe_covers"},
        findings="未铺垫布",
    )
    return inspector, record


def test_an_inspection_scores_the_seven_ones_it_ticks(posted):
    _inspector, record = posted
    assert record.score == 3
    assert record.uniform and not record.work_cloth


def test_findings_are_for_supervision_and_directors_only(world, posted):
    for user in (world["supervisor"], world["director"]):
        body = client_for(user).get(LIST).content.decode()
        assert "未铺垫布" in body and "3/7" in body and "MI-07" in body
    admin = f.UserFactory(username="sysadmin", role=Role.ADMIN, is_staff=True)
    root = f.UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    outsiders = (
        world["agent"],
        world["tech"].user,
        world["manager"].user,
        world["customer_user"],
        admin,
        root,
    )
    for user in outsiders:
        assert client_for(user).get(LIST).status_code in (302, 403)


def test_the_inspectors_name_is_shown_to_the_head_of_supervision_alone(world, head, posted):
    name = str(world["tech"].user)
    for user in (world["supervisor"], world["director"]):
        assert name not in client_for(user).get(LIST).content.decode()
        assert client_for(user).get(INSPECTORS).status_code == 404
    body = client_for(head).get(INSPECTORS).content.decode()
    assert "MI-07" in body and name in body


def test_the_admin_site_has_no_page_for_inspections():
    from django.contrib import admin

    assert MysteryInspection not in admin.site._registry
    assert MysteryInspector not in admin.site._registry


def test_only_the_head_appoints_and_withdraws_inspectors(world, head):
    for actor in (world["supervisor"], world["director"]):
        with pytest.raises(PermissionDenied):
            mystery_inspector_appoint(actor=actor, user=world["tech"].user, alias="X1")
    assert not MysteryInspector.objects.exists()
    inspector = mystery_inspector_appoint(actor=head, user=world["tech"].user, alias="X1")
    with pytest.raises(PermissionDenied):
        mystery_inspector_withdraw(actor=world["supervisor"], inspector=inspector)
    mystery_inspector_withdraw(actor=head, inspector=inspector)
    inspector.refresh_from_db()
    assert not inspector.active


def test_a_supervisor_cannot_be_posted_as_an_undisclosed_inspector(world, head):
    with pytest.raises(ValidationFailed):
        mystery_inspector_appoint(actor=head, user=world["supervisor"], alias="X2")
    with pytest.raises(ValidationFailed):
        mystery_inspector_appoint(actor=head, user=world["tech"].user, alias="  ")
    assert not MysteryInspector.objects.exists()


def test_an_alias_is_used_once(world, head):
    mystery_inspector_appoint(actor=head, user=world["tech"].user, alias="MI-01")
    with pytest.raises(ValidationFailed):
        mystery_inspector_appoint(actor=head, user=world["manager"].user, alias="MI-01")
    assert MysteryInspector.objects.count() == 1


def test_only_supervisors_record_inspections_and_bad_input_writes_nothing(world, posted):
    inspector, _record = posted
    for actor in (world["director"], world["agent"], world["tech"].user):
        with pytest.raises(PermissionDenied):
            mystery_inspection_record(actor=actor, date=timezone.localdate(), checks=set())
    with pytest.raises(ValidationFailed):
        mystery_inspection_record(
            actor=world["supervisor"], date=timezone.localdate(), checks={"beer"}
        )
    with pytest.raises(ValidationFailed):
        mystery_inspection_record(
            actor=world["supervisor"],
            date=timezone.localdate() + timezone.timedelta(days=1),
            checks=set(),
        )
    assert MysteryInspection.objects.count() == 1


def test_a_withdrawn_inspector_files_no_more_reports(world, head, posted):
    inspector, _record = posted
    mystery_inspector_withdraw(actor=head, inspector=inspector)
    inspector.refresh_from_db()
    with pytest.raises(ValidationFailed):
        mystery_inspection_record(
            actor=world["supervisor"], inspector=inspector, date=timezone.localdate(), checks=set()
        )


def test_the_page_records_an_inspection_and_refuses_an_unknown_order(world, posted):
    inspector, _record = posted
    client = client_for(world["supervisor"])
    today = timezone.localdate().isoformat()
    response = client.post(
        LIST,
        {"date": today, "inspector": inspector.alias, "checks": ["uniform", "no_drink"]},
    )
    assert response.status_code == 302
    assert MysteryInspection.objects.filter(score=2, inspector=inspector).exists()
    client.post(LIST, {"date": today, "order": "WO-1999-000001"})
    assert MysteryInspection.objects.count() == 2
    # Directors read; they do not record.
    assert client_for(world["director"]).post(LIST, {"date": today}).status_code == 403


def test_the_head_posts_an_inspector_on_the_page(world, head):
    client = client_for(head)
    client.post(INSPECTORS, {"alias": "MI-09", "user": world["manager"].user.pk})
    inspector = MysteryInspector.objects.get(alias="MI-09")
    assert inspector.user == world["manager"].user
    client.post(INSPECTORS, {"withdraw": inspector.pk})
    inspector.refresh_from_db()
    assert not inspector.active


def test_supervisors_cannot_name_themselves_head_in_the_admin(world):
    from django.contrib import admin
    from django.test import RequestFactory

    from aftersales.supervision.admin import SupervisionSettingsAdmin

    model_admin = SupervisionSettingsAdmin(SupervisionSettings, admin.site)
    request = RequestFactory().get("/")
    request.user = world["supervisor"]
    assert "head" in model_admin.get_readonly_fields(request)
    request.user = f.UserFactory(username="it", role=Role.ADMIN, is_staff=True)
    assert "head" not in model_admin.get_readonly_fields(request)
