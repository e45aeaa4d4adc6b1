"""`aftersales demo`: a login per role, realistic orders in many states, and idempotent."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from aftersales.accounts.models import Role, User
from aftersales.core.demo import DEMO_PASSWORD, build_demo
from aftersales.customers.models import Customer
from aftersales.network.models import Staff
from aftersales.service.dispatch import qualification_problems
from aftersales.service.models import Status, WorkOrder
from aftersales.supervision.models import Callback


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    # The "order closed" hook (callback due) runs on commit, as it does in the real command.
    with django_capture_on_commit_callbacks(execute=True):
        return build_demo()


def test_there_is_one_login_per_role_with_the_shared_password(demo):
    for role in Role.values:
        user = User.objects.get(username=role)
        assert user.role == role
        assert user.check_password(DEMO_PASSWORD)
        assert user.is_staff == (role != Role.CUSTOMER)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()


def test_the_customer_login_sees_its_own_units_and_orders(demo):
    customer = Customer.objects.get(user__username="customer")
    assert customer.units.count() >= 3
    assert customer.contacts.filter(is_primary=True).exists()
    assert customer.addresses.filter(region__code="110105000000").exists()
    assert WorkOrder.objects.filter(customer=customer).count() >= 5


def test_technicians_and_station_managers_work_in_an_outlet(demo):
    for username in ("technician", "station_manager"):
        staff = Staff.objects.select_related("outlet").get(user__username=username)
        assert staff.outlet is not None and staff.outlet.code == "BJ-CY"
    assert set(Staff.objects.values_list("outlet__code", flat=True)) == {
        "BJ-CY",
        "BJ-HD",
        "SH-PD",
        "GZ-TH",
    }
    assert WorkOrder.objects.filter(technicians__user__username="technician").exists()


def test_orders_cover_the_loop_from_intake_to_callback(demo):
    statuses = set(WorkOrder.objects.values_list("status", flat=True))
    assert {
        Status.RECEIVED,
        Status.RESPONDED,
        Status.DISPATCHED,
        Status.ON_SITE,
        Status.WAITING_PARTS,
        Status.IN_WORKSHOP,
        Status.RESOLVED,
        Status.CONFIRMED,
        Status.CLOSED,
        Status.FOLLOWED_UP,
        Status.CANCELLED,
    } <= statuses
    assert WorkOrder.objects.count() >= 30
    # Every order came through intake, so each starts with its "receive" transition.
    assert not WorkOrder.objects.exclude(transitions__action="receive").exists()
    confirmed = WorkOrder.objects.filter(status=Status.CONFIRMED)
    assert all(o.report.is_signed for o in confirmed)
    assert Callback.objects.filter(status=Callback.Status.DONE).exists()
    closed_on_site = WorkOrder.objects.filter(status=Status.CLOSED, visit_count__gt=0)
    assert closed_on_site.exists()
    assert Callback.objects.filter(order__in=closed_on_site).count() == closed_on_site.count()
    assert set(WorkOrder.objects.values_list("warranty_decision", flat=True)) >= {"free", "paid"}
    assert WorkOrder.objects.filter(duplicate_of__isnull=False).exists()


def test_the_technician_with_an_expired_certificate_is_refused_for_air_conditioning(demo):
    order = WorkOrder.objects.filter(outlet__code="BJ-CY", required_skill__code="AC").first()
    assert order is not None
    lapsed = Staff.objects.get(user__username="tech_bj_li")
    problems = qualification_problems(staff=lapsed, order=order)
    assert any("过期" in p for p in problems)


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label
        in {"accounts", "customers", "products", "network", "service", "supervision", "core"}
    }


def test_running_it_twice_changes_nothing(demo, django_capture_on_commit_callbacks):
    before = _counts()
    assert before["service.WorkOrder"] > 0
    with django_capture_on_commit_callbacks(execute=True):
        again = build_demo()
    assert again.created_orders == 0
    assert _counts() == before


def test_the_command_prints_a_table_of_logins(db):
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    for role in Role.values:
        assert f"\n{role} " in text
    assert DEMO_PASSWORD in text
    assert "/admin/" in text and "/p/" in text


def test_the_command_refuses_to_run_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="PRODUCTION"):
        call_command("demo", stdout=io.StringIO())
    assert not User.objects.filter(username="agent").exists()
