"""Separation of duties (S10): supervision never belongs to the service department, is never
assigned a work order and never changes service data — refused on every path (admin, importer,
pages, API, services), with the reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.accounts.models import Department, Role, User
from aftersales.accounts.services import separation_problem
from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.core.importing import import_master_data
from aftersales.network.admin import StaffForm
from aftersales.network.models import Staff
from aftersales.service import services
from aftersales.service.models import Status

from . import factories as f
from .conftest import api_client_for, client_for
from .test_import import STAFF_HEADERS, csv_bytes, messages_by_cell

ADD_USER = reverse("admin:accounts_user_add")


@pytest.fixture
def it_admin(world):
    return f.UserFactory(username="itadmin", role=Role.ADMIN, department="it", is_staff=True)


@pytest.fixture
def responded(world, order):
    return services.work_order_transition(order=order, action="respond", actor=world["agent"])


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "department", "in_outlet", "refused"),
    [
        (Role.SUPERVISOR, Department.SERVICE, False, True),
        (Role.TECHNICIAN, Department.SUPERVISION, False, True),
        (Role.AGENT, Department.SUPERVISION, False, True),
        (Role.SERVICE_DIRECTOR, Department.SUPERVISION, False, True),
        (Role.SUPERVISOR, Department.SUPERVISION, True, True),
        (Role.SUPERVISOR, Department.SUPERVISION, False, False),
        (Role.TECHNICIAN, Department.SERVICE, True, False),
        (Role.HR, Department.HR, False, False),
    ],
)
def test_the_separation_rule(role, department, in_outlet, refused):
    problem = separation_problem(role=role, department=department, in_outlet=in_outlet)
    assert bool(problem) is refused


# --- admin ------------------------------------------------------------------------------------


def _new_user(**values):
    return {
        "username": "newsup",
        "password1": "Zx9!kq-long-pass",
        "password2": "Zx9!kq-long-pass",
        "usable_password": "true",
        **values,
    }


def test_the_admin_refuses_to_create_a_supervisor_in_the_service_department(it_admin):
    client = client_for(it_admin)
    resp = client.post(ADD_USER, _new_user(role=Role.SUPERVISOR, department=Department.SERVICE))
    assert resp.status_code == 200
    assert "监督员不能属于售后服务部" in resp.content.decode()
    assert not User.objects.filter(username="newsup").exists()
    # The same person in the supervision department is fine.
    resp = client.post(ADD_USER, _new_user(role=Role.SUPERVISOR, department=Department.SUPERVISION))
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert User.objects.get(username="newsup").department == Department.SUPERVISION


def test_the_admin_refuses_a_service_role_in_the_supervision_department(it_admin):
    resp = client_for(it_admin).post(
        ADD_USER, _new_user(role=Role.TECHNICIAN, department=Department.SUPERVISION)
    )
    assert resp.status_code == 200
    assert "监督部成员不能担任服务岗位" in resp.content.decode()
    assert not User.objects.filter(username="newsup").exists()


def _change(user, **values):
    data = {
        "username": user.username,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "mobile": user.mobile,
        "email": user.email,
        "role": user.role,
        "department": user.department,
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v != ""}


def test_the_admin_refuses_to_move_a_supervisor_into_the_service_department(world, it_admin):
    supervisor = world["supervisor"]
    url = reverse("admin:accounts_user_change", args=[supervisor.pk])
    client = client_for(it_admin)
    resp = client.post(url, _change(supervisor, department=Department.SERVICE))
    assert resp.status_code == 200
    assert "监督员不能属于售后服务部" in resp.content.decode()
    supervisor.refresh_from_db()
    assert supervisor.department == Department.SUPERVISION
    # ...nor to give them a service role while they stay in supervision.
    resp = client.post(url, _change(supervisor, role=Role.STATION_MANAGER))
    assert resp.status_code == 200
    supervisor.refresh_from_db()
    assert supervisor.role == Role.SUPERVISOR
    # An allowed change still saves (the form is otherwise complete).
    resp = client.post(url, _change(supervisor, mobile="13900001111"))
    assert resp.status_code == 302
    supervisor.refresh_from_db()
    assert supervisor.mobile == "13900001111"


def test_the_staff_admin_refuses_a_supervisor_as_outlet_staff(world):
    data = {"user": world["supervisor"].pk, "outlet": world["outlet"].pk, "employee_no": "S-1"}
    form = StaffForm(data={**data, "is_active": "on"})
    assert not form.is_valid()
    assert "监督部成员不能成为服务网点的员工" in str(form.errors["user"])
    hr = f.UserFactory(username="hr1", role=Role.HR, department="hr")
    assert StaffForm(data={**data, "user": hr.pk, "is_active": "on"}).is_valid()


def test_the_staff_admin_page_uses_the_separation_form(world, it_admin):
    resp = client_for(it_admin).post(
        reverse("admin:network_staff_add"),
        {
            "user": world["supervisor"].pk,
            "outlet": world["outlet"].pk,
            "employee_no": "S-1",
            "is_active": "on",
            "certificates-TOTAL_FORMS": "0",
            "certificates-INITIAL_FORMS": "0",
            "certificates-MIN_NUM_FORMS": "0",
            "certificates-MAX_NUM_FORMS": "1000",
        },
    )
    assert resp.status_code == 200
    assert "监督部成员不能成为服务网点的员工" in resp.content.decode()
    assert not Staff.objects.filter(user=world["supervisor"]).exists()


def test_the_staff_importer_refuses_a_supervisor_in_an_outlet(world):
    director = world["director"]
    rows = [["jiandu", "监督甲", "监督员", "BJ-CY", "E99001", "", "", ""]]
    result = import_master_data(
        kind="staff",
        file_name="staff.csv",
        content=csv_bytes(STAFF_HEADERS, rows),
        actor=director,
    )
    assert not result.ok
    assert "监督部成员" in messages_by_cell(result)[(2, "角色")]
    assert not User.objects.filter(username="jiandu").exists()


# --- work orders: dispatch ----------------------------------------------------------------------


def test_a_supervisor_cannot_be_dispatched_even_with_a_staff_row(world, responded):
    sneaked = Staff.objects.create(
        user=world["supervisor"], outlet=world["outlet"], employee_no="S-9"
    )
    with pytest.raises(ValidationFailed) as exc:
        services.work_order_transition(
            order=responded,
            action="dispatch",
            actor=world["manager"].user,
            technicians=[str(sneaked.pk)],
            leader=sneaked.pk,
        )
    assert "监督部门" in str(exc.value.message)
    responded.refresh_from_db()
    assert responded.status == Status.RESPONDED
    assert not responded.technicians.exists()


def test_a_supervisor_cannot_dispatch(world, responded):
    with pytest.raises(PermissionDenied):
        services.work_order_transition(
            order=responded,
            action="dispatch",
            actor=world["supervisor"],
            technicians=[str(world["tech"].pk)],
            leader=world["tech"].pk,
        )
    assert client_for(world["supervisor"]).get(reverse("service:dispatch_board")).status_code == 403


# --- service data: pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action", ["respond", "cancel", "reject", "close", "follow_up", "dispatch"]
)
def test_a_supervisor_posting_an_order_transition_page_is_refused(world, order, action):
    resp = client_for(world["supervisor"]).post(
        reverse("service:order_transition", args=[order.pk]),
        {"action": action, "reason": "监督", "confirmed": "1", "technicians": world["tech"].pk},
    )
    assert resp.status_code == 404
    order.refresh_from_db()
    assert order.status == Status.RECEIVED
    assert order.transitions.count() == 1  # only the intake


def test_a_supervisor_cannot_follow_up_except_through_a_callback(world, order):
    with pytest.raises(InvalidTransition):
        services.work_order_transition(order=order, action="follow_up", actor=world["supervisor"])


def test_a_supervisor_cannot_post_to_the_technician_pages_or_the_report(world, order):
    client = client_for(world["supervisor"])
    for name, args in (
        ("field:transition", [order.pk, "respond"]),
        ("field:report", [order.pk]),
        ("field:report_approve", [order.pk]),
        ("field:report_amend", [order.pk]),
        ("field:report_sign", [order.pk]),
        ("field:steps", [order.pk]),
    ):
        resp = client.post(reverse(name, args=args), {"work_done": "x", "reason": "x"})
        assert resp.status_code in (403, 404), (name, resp.status_code)
    order.refresh_from_db()
    assert order.status == Status.RECEIVED
    assert not hasattr(order, "report") or order.report is None


# --- service data: API --------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["respond", "close", "follow_up", "dispatch"])
def test_a_supervisor_posting_a_transition_through_the_api_is_refused(world, order, action):
    resp = api_client_for(world["supervisor"]).post(
        f"/api/v1/work-orders/{order.pk}/transitions/",
        {"action": action, "reason": "监督", "technicians": [world["tech"].pk]},
        format="json",
    )
    assert resp.status_code in (403, 404)
    order.refresh_from_db()
    assert order.status == Status.RECEIVED


def test_a_supervisor_cannot_create_orders_through_the_api(world):
    before = services.WorkOrder.objects.count()
    resp = api_client_for(world["supervisor"]).post(
        "/api/v1/work-orders/",
        {"reporter_name": "x", "contact_mobile": "13812345678", "serial": "LBUS0000001"},
        format="json",
    )
    assert resp.status_code == 403
    assert services.WorkOrder.objects.count() == before
