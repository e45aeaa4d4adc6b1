from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from aftersales.accounts.models import Role
from aftersales.core.seeding import seed_defaults
from aftersales.service.services import IntakeData, work_order_intake

from . import factories as f


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request made in English by an earlier test
    leaves English active in the thread (LocaleMiddleware never deactivates)."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture
def reseed(transactional_db):
    """transaction=True tests flush the seeded configuration; put it back once."""
    seed_defaults()


@pytest.fixture
def world(db) -> dict[str, Any]:
    """A small service department: one outlet covering Beijing Chaoyang, a certified technician,
    a second outlet elsewhere, and a customer with a unit in warranty."""
    chaoyang = f.region("110105000000")
    haidian = f.region("110108000000")
    skill = f.SkillFactory()
    outlet = f.OutletFactory(code="BJ-CY", name="朝阳服务站", regions=[chaoyang])
    other_outlet = f.OutletFactory(
        code="BJ-HD", name="海淀服务站", regions=[haidian], latitude=39.96, longitude=116.30
    )
    agent = f.UserFactory(username="agent", role=Role.AGENT)
    manager = f.StaffFactory(
        user=f.UserFactory(username="manager", role=Role.STATION_MANAGER), outlet=outlet
    )
    tech = f.StaffFactory(user=f.UserFactory(username="tech", role=Role.TECHNICIAN), outlet=outlet)
    f.certify(tech, skill)
    other_tech = f.StaffFactory(
        user=f.UserFactory(username="othertech", role=Role.TECHNICIAN), outlet=other_outlet
    )
    f.certify(other_tech, skill)
    director = f.UserFactory(username="director", role=Role.SERVICE_DIRECTOR)
    supervisor = f.UserFactory(
        username="supervisor", role=Role.SUPERVISOR, department="supervision"
    )
    customer_user = f.UserFactory(username="customer", role=Role.CUSTOMER, department="customer")
    customer = f.CustomerFactory(name="北京公交集团", user=customer_user)
    f.ContactFactory(customer=customer)
    model = f.ProductModelFactory(code="BUS-12", name="12米纯电动客车")
    fault = f.FaultCodeFactory(model=model, code="AC01", name="空调不制冷", default_grade="B")
    unit = f.UnitFactory(serial="LBUS0000001", model=model, customer=customer)
    other_customer = f.CustomerFactory(name="天津客运")
    other_unit = f.UnitFactory(serial="LBUS0000002", model=model, customer=other_customer)
    return {
        "chaoyang": chaoyang,
        "haidian": haidian,
        "skill": skill,
        "outlet": outlet,
        "other_outlet": other_outlet,
        "agent": agent,
        "manager": manager,
        "tech": tech,
        "other_tech": other_tech,
        "director": director,
        "supervisor": supervisor,
        "customer_user": customer_user,
        "customer": customer,
        "model": model,
        "fault": fault,
        "unit": unit,
        "other_customer": other_customer,
        "other_unit": other_unit,
    }


def make_order(world: dict[str, Any], **overrides: Any):
    values: dict[str, Any] = {
        "reporter_name": "李师傅",
        "contact_mobile": "13812345678",
        "fault_description": "空调不制冷",
        "serial": world["unit"].serial,
        "fault_code": "AC01",
    }
    values.update(overrides)
    order, _created = work_order_intake(actor=world["agent"], data=IntakeData(**values))
    return order


@pytest.fixture
def order(world):
    return make_order(world)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _postgres_marker_needs_postgres(request):
    """A `postgres` test run on another database would prove nothing (SQLite has no row locks):
    fail loudly instead of letting it pass or skip. Select such tests with `-m postgres` or
    exclude them with `-m "not postgres"`."""
    if request.node.get_closest_marker("postgres") is None:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(
            f"this test is marked `postgres` but the database is {connection.vendor}: run it with "
            "DATABASE_URL=postgres://… or deselect it with -m 'not postgres'",
            pytrace=False,
        )


def api_client_for(user):
    """A DRF test client logged in as `user` (force_login: django-axes needs a request)."""
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def user_per_role(world: dict[str, Any]) -> dict[str, Any]:
    """One user of every role: the world's cast, and a plain user for each role it lacks."""
    users = {
        Role.CUSTOMER: world["customer_user"],
        Role.AGENT: world["agent"],
        Role.TECHNICIAN: world["tech"].user,
        Role.STATION_MANAGER: world["manager"].user,
        Role.SERVICE_DIRECTOR: world["director"],
        Role.SUPERVISOR: world["supervisor"],
    }
    for role in Role.values:
        users.setdefault(role, f.UserFactory(username=f"the-{role}", role=role))
    return users
