import pytest

from aftersales.service.models import Status

from .conftest import client_for, make_order


def test_intake_creates_a_received_order_with_a_number_and_deadlines(world):
    order = make_order(world)
    assert order.number.startswith("WO-")
    assert order.status == Status.RECEIVED
    assert order.outlet == world["outlet"]
    assert order.response_due is not None and order.arrival_due is not None
    assert order.warranty_decision == "free"


@pytest.mark.django_db
def test_login_page_renders(client):
    assert client.get("/login/").status_code == 200


def test_the_api_lists_orders_for_the_agent(world):
    make_order(world)
    resp = client_for(world["agent"]).get("/api/v1/work-orders/")
    assert resp.status_code == 200
    assert len(resp.json()["results"]) == 1
