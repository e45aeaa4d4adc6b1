"""Field history (S22): every change is kept with who, when, old and new; the history is shown
only to those who may see the record, and it never reverts a record."""

from __future__ import annotations

from django.urls import reverse

from aftersales.accounts.models import Role
from aftersales.customers.models import Customer
from aftersales.products.models import Unit
from aftersales.service.models import WorkOrder
from aftersales.service.services import work_order_transition

from . import factories as f
from .conftest import client_for


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _customer_form(customer: Customer, **changes) -> dict:
    data = {
        "code": customer.code,
        "name": customer.name,
        "kind": customer.kind,
        "notes": customer.notes,
        "user": customer.user_id or "",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_a_change_in_the_admin_writes_who_old_and_new(world):
    director = _staff(world["director"])
    customer = world["customer"]
    response = client_for(director).post(
        reverse("admin:customers_customer_change", args=[customer.pk]),
        _customer_form(customer, name="北京公交集团有限公司"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    latest, previous = customer.history.all()[:2]
    assert latest.history_user == director
    assert latest.history_type == "~"
    delta = latest.diff_against(previous)
    changes = {c.field: (c.old, c.new) for c in delta.changes}
    assert changes == {"name": ("北京公交集团", "北京公交集团有限公司")}


def test_the_history_page_shows_the_change_to_who_may_see_it(world):
    director = _staff(world["director"])
    unit = world["unit"]
    unit.software_version = "V2.0"
    unit._history_user = director
    unit.save()
    page = client_for(director).get(reverse("admin:products_unit_history", args=[unit.pk]))
    assert page.status_code == 200
    assert "V2.0" in page.content.decode()


def test_a_transition_is_in_the_orders_history(world, order):
    work_order_transition(order=order, action="respond", actor=world["agent"], reason="已致电")
    order.refresh_from_db()
    statuses = list(order.history.order_by("history_id").values_list("status", flat=True))
    assert statuses[0] == "received"
    assert statuses[-1] == order.status != "received"


def test_another_outlets_order_history_is_404_in_the_admin(world, order):
    outsider = _staff(world["other_tech"].user)
    version = order.history.first()
    client = client_for(outsider)
    assert (
        client.get(reverse("admin:service_workorder_history", args=[order.pk])).status_code == 404
    )
    url = reverse("admin:service_workorder_simple_history", args=[order.pk, version.history_id])
    assert client.get(url).status_code == 404


def test_the_own_outlets_manager_sees_the_order_history(world, order):
    manager = _staff(world["manager"].user)
    page = client_for(manager).get(reverse("admin:service_workorder_history", args=[order.pk]))
    assert page.status_code == 200
    assert order.number in page.content.decode()


def test_history_never_reverts_a_record(world):
    director = _staff(world["director"])
    unit = world["unit"]
    first = unit.history.earliest("history_date")
    unit.software_version = "V3.1"
    unit.save()
    client = client_for(director)
    url = reverse("admin:products_unit_simple_history", args=[unit.pk, first.history_id])
    page = client.get(url)
    assert page.status_code == 200
    assert "_change_history" not in page.content.decode()
    form = {
        "serial": unit.serial,
        "model": unit.model_id,
        "customer": unit.customer_id,
        "extended_months": 0,
        "status": unit.status,
        "software_version": "",
        "_change_history": "1",
    }
    assert client.post(url, form).status_code == 403
    unit.refresh_from_db()
    assert unit.software_version == "V3.1"


def test_a_deleted_record_of_someone_else_is_not_shown_from_its_history(world, order):
    """simple-history on its own falls back to the last historical row when the object is not
    in the admin's queryset — which would show another outlet's order. Ours says 404."""
    outsider = _staff(f.StaffFactory(user=f.UserFactory(username="t2", role=Role.TECHNICIAN)).user)
    response = client_for(outsider).get(reverse("admin:service_workorder_history", args=[order.pk]))
    assert response.status_code == 404
    assert WorkOrder.objects.filter(pk=order.pk).exists()
    assert Unit.objects.exists()
