"""The back office (Django admin on unfold): every page loads, and the admin applies the same
access rules as the pages and the API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.core.models import BusinessDay
from aftersales.customers.models import Customer
from aftersales.network.models import Team
from aftersales.notifications.models import OutboxMessage, RecordedSms
from aftersales.service.models import DistanceTier, SlaEvent, SlaPolicy, WorkOrder
from aftersales.supervision.models import Callback

from . import factories as f
from .conftest import client_for, make_order

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(db):
    return f.UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def everything(world, order):
    """At least one row of every registered model."""
    f.UserFactory(username="member")
    Team.objects.create(outlet=world["outlet"], name="一班", leader=world["tech"]).members.add(
        world["tech"]
    )
    Callback.objects.create(order=order, due_at=timezone.now() + timedelta(days=3))
    OutboxMessage.objects.create(channel="sms", to="13812345678", template_code="x", body="hi")
    RecordedSms.objects.create(to="13812345678", text="hi")
    policy = SlaPolicy.objects.first() or SlaPolicy.objects.create(name="默认")
    DistanceTier.objects.create(policy=policy, max_km=100, arrival_hours=24)
    SlaEvent.objects.create(
        order=order, target="response", kind="warning", due_at=timezone.now(), at=timezone.now()
    )
    from django.contrib.auth.models import Group

    Group.objects.create(name="示例")
    return world


@pytest.mark.parametrize(
    "model", [m for m, _a in REGISTERED], ids=[m._meta.label for m, _a in REGISTERED]
)
def test_every_admin_page_loads_for_an_administrator(everything, superuser, model):
    client = client_for(superuser)
    changelist = client.get(_url(model, "changelist"), follow=True)
    assert changelist.status_code == 200
    model_admin = admin.site._registry[model]
    obj = model_admin.get_queryset(changelist.wsgi_request).first()
    if obj is not None:
        change = client.get(_url(model, "change", obj.pk))
        assert change.status_code == 200, f"change page of {model._meta.label}"
        if hasattr(model_admin, "history_view"):
            assert client.get(_url(model, "history", obj.pk)).status_code == 200
    request = changelist.wsgi_request
    if model_admin.has_add_permission(request):
        assert client.get(_url(model, "add")).status_code == 200


def test_the_smoke_test_covers_the_models_that_matter():
    labels = {m._meta.label for m, _a in REGISTERED}
    assert {
        "accounts.User",
        "core.BusinessDay",
        "customers.Customer",
        "customers.Region",
        "products.ProductModel",
        "products.Unit",
        "products.WarrantyPolicy",
        "network.Outlet",
        "network.Staff",
        "network.Skill",
        "network.Team",
        "service.WorkOrder",
        "service.WorkOrderTransition",
        "service.SlaPolicy",
        "service.ServiceSettings",
        "service.PriceItem",
        "notifications.OutboxMessage",
        "notifications.MessageTemplate",
        "notifications.RecordedSms",
        "supervision.Callback",
    } <= labels


def test_every_admin_of_ours_is_an_unfold_admin():
    from unfold.admin import ModelAdmin

    ours = [a for m, a in REGISTERED if m._meta.app_label not in {"axes"}]
    assert all(isinstance(a, ModelAdmin) for a in ours), [
        type(a).__name__ for a in ours if not isinstance(a, ModelAdmin)
    ]


def staff_user(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_a_station_manager_sees_only_the_own_outlets_orders(world, order):
    elsewhere = make_order(
        world, serial=world["other_unit"].serial, site_region_code="110108000000"
    )
    assert elsewhere.outlet == world["other_outlet"]
    client = client_for(staff_user(world["manager"].user))
    response = client.get(_url(WorkOrder, "changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert order.number in body
    assert elsewhere.number not in body


def test_a_technician_gets_404_for_another_outlets_order_in_the_admin(world, order):
    client = client_for(staff_user(world["other_tech"].user))
    assert client.get(_url(WorkOrder, "change", order.pk)).status_code == 404
    assert client.get(_url(WorkOrder, "history", order.pk)).status_code == 404


def test_orders_are_read_only_in_the_admin_even_for_an_administrator(world, order, superuser):
    client = client_for(superuser)
    page = client.get(_url(WorkOrder, "change", order.pk))
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    response = client.post(_url(WorkOrder, "change", order.pk), {"status": "closed"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == "received"
    assert client.get(_url(WorkOrder, "add")).status_code == 403


def _quality_engineer():
    return f.UserFactory(username="qe", role=Role.QUALITY_ENGINEER, department="quality")


def test_a_quality_engineer_sees_order_contacts_masked(world, order):
    client = client_for(staff_user(_quality_engineer()))
    body = client.get(_url(WorkOrder, "change", order.pk)).content.decode()
    assert "138****5678" in body
    assert "13812345678" not in body


@pytest.mark.parametrize("role", [Role.AGENT, Role.TECHNICIAN, Role.SUPERVISOR])
def test_other_roles_cannot_edit_master_data(world, role):
    user = staff_user(f.UserFactory(username=f"u-{role}", role=role))
    customer = world["customer"]
    client = client_for(user)
    response = client.post(
        _url(Customer, "change", customer.pk),
        {"code": customer.code, "name": "改名", "kind": "org"},
    )
    assert response.status_code in (403, 404)
    customer.refresh_from_db()
    assert customer.name == "北京公交集团"
    assert client.get(_url(Customer, "add")).status_code == 403
    assert client.get(_url(Customer, "import_data")).status_code == 403


def test_the_service_director_edits_master_data(world):
    director = staff_user(world["director"])
    customer = world["customer"]
    client = client_for(director)
    page = client.get(_url(Customer, "change", customer.pk))
    assert page.status_code == 200
    assert 'name="name"' in page.content.decode()


def test_an_agent_views_customers_without_edit_forms(world):
    client = client_for(staff_user(world["agent"]))
    page = client.get(_url(Customer, "change", world["customer"].pk))
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()


def test_a_customer_account_cannot_reach_the_admin(world):
    user = world["customer_user"]
    user.is_staff = True  # even if someone ticked the box by mistake
    user.save()
    client = client_for(user)
    assert client.get(_url(WorkOrder, "changelist")).status_code == 403
    assert client.get(_url(Customer, "changelist")).status_code == 403


def test_a_user_without_is_staff_is_sent_to_the_login(world):
    response = client_for(world["director"]).get(_url(Customer, "changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_staff_outside_an_outlet_see_only_their_colleagues(world):
    client = client_for(staff_user(world["manager"].user))
    body = client.get(_url(type(world["tech"]), "changelist")).content.decode()
    assert world["tech"].employee_no in body
    assert world["other_tech"].employee_no not in body


def test_an_administrator_adds_a_calendar_year_of_weekdays(db, superuser):
    client = client_for(superuser)
    response = client.post(_url(BusinessDay, "add_year"), {"year": 2031})
    assert response.status_code == 302
    days = BusinessDay.objects.filter(date__year=2031)
    assert days.count() == 365
    assert days.filter(is_workday=True).count() == 261  # Monday–Friday of 2031
    # Again: the administrator's edits stay, nothing is doubled.
    days.filter(date="2031-01-01").update(is_workday=False, name="元旦")
    client.post(_url(BusinessDay, "add_year"), {"year": 2031})
    assert BusinessDay.objects.filter(date__year=2031).count() == 365
    assert BusinessDay.objects.get(date="2031-01-01").name == "元旦"


def test_only_an_administrator_edits_the_calendar(world):
    client = client_for(staff_user(world["director"]))
    assert client.get(_url(BusinessDay, "changelist")).status_code == 200
    assert client.post(_url(BusinessDay, "add_year"), {"year": 2031}).status_code == 403
    assert not BusinessDay.objects.filter(date__year=2031).exists()


def test_a_missing_calendar_year_is_a_visible_warning(db, superuser):
    year = timezone.localdate().year
    BusinessDay.objects.filter(date__year=year).delete()
    body = client_for(superuser).get(_url(BusinessDay, "changelist")).content.decode()
    warning = re.search(r"业务日历缺少 ([^<]*) 年的数据", body)
    assert warning is not None
    assert str(year) in warning[1]


def test_the_order_changelist_does_not_count_every_row(world, order, superuser):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(superuser)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url(WorkOrder, "changelist") + "?status=received").status_code == 200
    counts = [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"].upper() and "service_workorder" in q["sql"]
    ]
    # One count of the filtered list for the paginator, never a second one of the whole table.
    assert len(counts) <= 1


def test_a_quality_engineer_sees_customer_contacts_masked(world):
    client = client_for(staff_user(_quality_engineer()))
    mobile = world["customer"].contacts.get().mobile
    body = client.get(_url(Customer, "change", world["customer"].pk)).content.decode()
    assert mobile not in body
    assert mobile[:3] + "****" + mobile[-4:] in body


def test_an_administrator_role_cannot_change_a_superusers_password(world):
    from aftersales.accounts.models import Role
    from tests import factories as f

    root = f.UserFactory(username="root", role=Role.ADMIN, is_superuser=True, is_staff=True)
    admin_role = f.UserFactory(username="itadmin", role=Role.ADMIN, is_staff=True)
    client = client_for(admin_role)
    resp = client.post(
        f"/admin/accounts/user/{root.pk}/password/",
        {"password1": "Takeover-2026!", "password2": "Takeover-2026!"},
    )
    assert resp.status_code in (403, 404)
    root.refresh_from_db()
    assert root.check_password("password")
    assert client.get(f"/admin/accounts/user/{root.pk}/change/").status_code in (302, 403, 404)


def test_no_secret_key_is_tracked_in_git():
    import subprocess

    files = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout
    assert "secret_key" not in files


def test_the_work_order_changelist_runs_the_same_queries_for_more_rows(
    world, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .conftest import make_order

    root = f.UserFactory(username="root2", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = client_for(root)
    make_order(world)
    client.get(_url(WorkOrder, "changelist"))
    with CaptureQueriesContext(connection) as few:
        client.get(_url(WorkOrder, "changelist"))
    for _ in range(5):
        make_order(world, serial=world["other_unit"].serial, site_region_code="110108000000")
    with CaptureQueriesContext(connection) as many:
        client.get(_url(WorkOrder, "changelist"))
    assert len(many) == len(few)
