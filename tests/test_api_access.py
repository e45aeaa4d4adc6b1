"""The access policy of the REST API as one table (S20): every endpoint of `api_urls` × every
role (and anonymous) → the status code. "Not yours" looks like "does not exist" (404)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import get_resolver
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.api_urls import router
from aftersales.service.models import Status

from .conftest import api_client_for, make_order, user_per_role

ANON = "anonymous"
ROLES = [*Role.values, ANON]
COMPANY_WIDE = {Role.AGENT, Role.SERVICE_DIRECTOR, Role.SUPERVISOR, Role.QUALITY_ENGINEER}
COMPANY_WIDE |= {Role.FINANCE, Role.ADMIN}
INTAKE = {Role.AGENT, Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN}
DISPATCH = {Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN}
MASTER_DATA = {Role.ADMIN, Role.SERVICE_DIRECTOR}
OUTSIDE_LOOP = {Role.SUPERVISOR, Role.QUALITY_ENGINEER, Role.FINANCE, Role.HR, Role.PARTS_KEEPER}


def allow(roles, yes=200, no=404):
    return {role: (yes if role in roles else no) for role in Role.values}


# Order A: Chaoyang outlet, the world's customer and technician. Order B: Haidian outlet,
# another customer, another technician.
OWN_ORDER = COMPANY_WIDE | {Role.CUSTOMER, Role.TECHNICIAN, Role.STATION_MANAGER}
TABLE: dict[str, tuple[str, str, dict[str, int]]] = {
    "api root": ("GET", "/api/v1/", allow(Role.values)),
    "order list": ("GET", "/api/v1/work-orders/", allow(Role.values)),
    "order A": ("GET", "/api/v1/work-orders/{order_a}/", allow(OWN_ORDER)),
    "order A by number": ("GET", "/api/v1/work-orders/{order_a_number}/", allow(OWN_ORDER)),
    "order B": ("GET", "/api/v1/work-orders/{order_b}/", allow(COMPANY_WIDE)),
    "intake": ("POST", "/api/v1/work-orders/", allow(INTAKE, 201, 403)),
    "respond to A": (
        "POST",
        "/api/v1/work-orders/{order_a}/transitions/",
        {
            **allow(OWN_ORDER - OUTSIDE_LOOP),
            Role.CUSTOMER: 403,  # sees the order, may not respond for the company
        },
    ),
    "respond to B": (
        "POST",
        "/api/v1/work-orders/{order_b}/transitions/",
        allow(COMPANY_WIDE - OUTSIDE_LOOP),
    ),
    "suggestions for A": ("GET", "/api/v1/work-orders/{order_a}/suggestions/", allow(DISPATCH)),
    "suggestions for B": (
        "GET",
        "/api/v1/work-orders/{order_b}/suggestions/",
        allow(DISPATCH - {Role.STATION_MANAGER}),
    ),
    "customer list": ("GET", "/api/v1/customers/", allow(Role.values)),
    "customer A": ("GET", "/api/v1/customers/{customer_a}/", allow(OWN_ORDER)),
    "customer B": ("GET", "/api/v1/customers/{customer_b}/", allow(COMPANY_WIDE)),
    "product model list": ("GET", "/api/v1/product-models/", allow(Role.values)),
    "product model": ("GET", "/api/v1/product-models/{model}/", allow(Role.values)),
    "unit list": ("GET", "/api/v1/units/", allow(Role.values)),
    "unit A": ("GET", "/api/v1/units/{unit_a}/", allow(OWN_ORDER)),
    "unit B": ("GET", "/api/v1/units/{unit_b}/", allow(COMPANY_WIDE)),
    "outlet list": ("GET", "/api/v1/outlets/", allow(Role.values)),
    "outlet": ("GET", "/api/v1/outlets/{outlet}/", allow(Role.values)),
    "staff list": ("GET", "/api/v1/staff/", allow(Role.values)),
    "technician A": (
        "GET",
        "/api/v1/staff/{tech_a}/",
        allow(COMPANY_WIDE | {Role.HR, Role.TECHNICIAN, Role.STATION_MANAGER}),
    ),
    "technician B": ("GET", "/api/v1/staff/{tech_b}/", allow(COMPANY_WIDE | {Role.HR})),
    "import template": (
        "GET",
        "/api/v1/imports/customers/template/?fmt=csv",
        allow(MASTER_DATA, 200, 403),
    ),
    # The empty template has no rows: allowed roles get the 400 that says so, others 403.
    "import": ("POST", "/api/v1/imports/customers/", allow(MASTER_DATA, 400, 403)),
}


@pytest.fixture
def scene(world):
    order_a = make_order(world)
    order_a.technicians.add(world["tech"])
    order_b = make_order(world, serial=world["other_unit"].serial, site_region_code="110108000000")
    order_b.technicians.add(world["other_tech"])
    assert order_b.outlet == world["other_outlet"]
    users = user_per_role(world)
    users[ANON] = None
    ids = {
        "order_a": order_a.pk,
        "order_a_number": order_a.number,
        "order_b": order_b.pk,
        "customer_a": world["customer"].pk,
        "customer_b": world["other_customer"].pk,
        "model": world["model"].pk,
        "unit_a": world["unit"].pk,
        "unit_b": world["other_unit"].pk,
        "outlet": world["outlet"].pk,
        "tech_a": world["tech"].pk,
        "tech_b": world["other_tech"].pk,
    }
    return {"users": users, "ids": ids, "world": world, "order_a": order_a, "order_b": order_b}


def request(scene, method, path, user):
    client = api_client_for(user)
    url = path.format(**scene["ids"])
    if method == "GET":
        return client.get(url)
    if path.startswith("/api/v1/imports/"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from aftersales.core.importing import template_file

        content, _type, name = template_file(kind="customers", fmt="csv")
        upload = SimpleUploadedFile(name, content, content_type="text/csv")
        return client.post(url, {"file": upload}, format="multipart")
    if path.endswith("/transitions/"):
        return client.post(url, {"action": "respond"}, format="json")
    body = {
        "reporter_name": "李师傅",
        "contact_mobile": "13812345678",
        "fault_description": "空调不制冷",
        "serial": scene["world"]["unit"].serial,
    }
    return client.post(url, body, format="json")


@pytest.mark.parametrize("endpoint", list(TABLE))
def test_the_api_access_policy(scene, endpoint):
    """One row of the table: every role against one endpoint. Each request runs in a savepoint
    that is rolled back, so a role's write (respond, intake) never changes what the next sees."""
    method, path, expected = TABLE[endpoint]
    wrong = []
    for role in ROLES:
        with transaction.atomic():
            resp = request(scene, method, path, scene["users"][role])
            transaction.set_rollback(True)
        want = {401, 403} if role == ANON else {expected[role]}
        if resp.status_code not in want:
            wrong.append((role, resp.status_code, sorted(want), resp.content[:200]))
    assert wrong == []


def test_the_table_covers_every_registered_viewset_and_action():
    prefixes = {prefix for prefix, _viewset, _basename in router.registry}
    covered = {path.split("/")[3] for _m, path, _e in TABLE.values() if path.count("/") > 3}
    assert prefixes | {"imports"} <= covered
    extra_actions = {
        action.url_path
        for _prefix, viewset, _basename in router.registry
        for action in viewset.get_extra_actions()
    }
    assert extra_actions <= {"transitions", "suggestions"}
    # Everything routed under /api/v1/ is a router URL or a known hand-written one: a new
    # endpoint must join TABLE (and this list).
    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/v1/")
    hand_written = {str(p.pattern) for p in api.url_patterns} - {
        str(p.pattern) for p in router.urls
    }
    # The parts, quality and supervision APIs have their own role tables
    # (tests/test_parts_access.py, tests/test_quality_views.py, tests/test_supervision_api.py
    # for the supervision reads, tests/test_supervision_api_write.py for its writes: every role
    # against every write, and a check that each supervision route is in that table);
    # everything else must be in TABLE above.
    assert hand_written == {
        "imports/<slug:kind>/",
        "imports/<slug:kind>/template/",
        "parts/",
        "parts/replenishment/",
        "quality/",
        "complaints/",
        "supervision/",
        "jobs/<int:pk>/",  # who sees a job: tests/test_jobs.py
        "assessment/",  # tests/test_assessment_*.py
        "reports/",  # tests/test_reports_*.py
        "ahp/",  # tests/test_ahp_*.py
        "evaluation/",  # tests/test_evaluation_projects.py
        "certification/",  # tests/test_certification.py (every role × every endpoint)
    }


def test_a_technician_gets_404_for_another_outlets_order_and_its_transitions(scene):
    tech = scene["users"][Role.TECHNICIAN]
    client = api_client_for(tech)
    b = scene["order_b"]
    assert client.get(f"/api/v1/work-orders/{b.pk}/").status_code == 404
    assert client.get(f"/api/v1/work-orders/{b.number}/").status_code == 404
    resp = client.post(f"/api/v1/work-orders/{b.pk}/transitions/", {"action": "respond"})
    assert resp.status_code == 404
    b.refresh_from_db()
    assert b.status == Status.RECEIVED
    # "Not yours" and "does not exist" give the same answer.
    missing = client.get("/api/v1/work-orders/99999999/")
    assert missing.status_code == 404
    assert missing.json() == client.get(f"/api/v1/work-orders/{b.pk}/").json()


def test_each_role_lists_only_the_orders_it_may_see(scene):
    a, b = scene["order_a"].number, scene["order_b"].number
    expected = {
        Role.CUSTOMER: {a},
        Role.TECHNICIAN: {a},
        Role.STATION_MANAGER: {a},
        Role.AGENT: {a, b},
        Role.SERVICE_DIRECTOR: {a, b},
        Role.HR: set(),
        Role.PARTS_KEEPER: set(),
    }
    for role, numbers in expected.items():
        resp = api_client_for(scene["users"][role]).get("/api/v1/work-orders/")
        assert {row["number"] for row in resp.json()["results"]} == numbers, role


def test_a_customer_sees_only_their_own_units_and_customer_record(scene):
    client = api_client_for(scene["users"][Role.CUSTOMER])
    units = client.get("/api/v1/units/").json()["results"]
    assert [u["serial"] for u in units] == [scene["world"]["unit"].serial]
    customers = client.get("/api/v1/customers/").json()["results"]
    assert [c["name"] for c in customers] == ["北京公交集团"]
    assert client.get("/api/v1/staff/").json()["results"] == []


def test_a_station_manager_sees_only_the_own_outlets_units_and_staff(scene):
    client = api_client_for(scene["users"][Role.STATION_MANAGER])
    units = client.get("/api/v1/units/").json()["results"]
    assert [u["serial"] for u in units] == [scene["world"]["unit"].serial]
    staff = {s["employee_no"] for s in client.get("/api/v1/staff/").json()["results"]}
    assert scene["world"]["other_tech"].employee_no not in staff
    assert scene["world"]["tech"].employee_no in staff


def test_mobile_numbers_are_masked_for_roles_that_do_not_need_them(scene):
    number = scene["order_a"].number
    for role, masked in [(Role.AGENT, False), (Role.SUPERVISOR, False), (Role.FINANCE, True)]:
        client = api_client_for(scene["users"][role])
        row = client.get(f"/api/v1/work-orders/{number}/").json()
        assert (row["contact_mobile"] == "138****5678") is masked, role
        contacts = client.get(f"/api/v1/customers/{scene['world']['customer'].pk}/").json()
        assert ("****" in contacts["contacts"][0]["mobile"]) is masked, role


def test_the_order_list_runs_a_fixed_number_of_queries(scene, django_assert_max_num_queries):
    world = scene["world"]
    for _ in range(10):
        make_order(world)
    client = api_client_for(world["agent"])
    client.get("/api/v1/work-orders/")  # warm the session
    with django_assert_max_num_queries(6):
        resp = client.get("/api/v1/work-orders/")
    assert len(resp.json()["results"]) == 12


@pytest.mark.django_db
def test_the_openapi_schema_renders_without_warnings(client, capsys):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    resp = client.get("/api/schema/", {"format": "json"})
    assert resp.status_code == 200
    schema = resp.json()
    assert "/api/v1/work-orders/{id}/transitions/" in schema["paths"]
    assert "/api/v1/work-orders/" in schema["paths"]
    assert not GENERATOR_STATS._error_cache, list(GENERATOR_STATS._error_cache)
    assert list(GENERATOR_STATS._warn_cache) == []


@pytest.mark.django_db
def test_the_api_docs_page_loads_without_a_cdn(client):
    resp = client.get("/api/docs/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=abc", "date_from"),
        ("date_to=2025-13-01", "date_to"),
        ("outlet=abc", "outlet"),
        ("status=bogus", "status"),
    ],
)
def test_a_bad_list_filter_is_a_400_with_the_field_not_a_server_error(scene, query, field):
    resp = api_client_for(scene["users"][Role.AGENT]).get(f"/api/v1/work-orders/?{query}")
    assert resp.status_code == 400
    assert field in resp.json()["errors"]


def test_the_list_filters_by_status_date_and_outlet(scene):
    client = api_client_for(scene["users"][Role.AGENT])
    a, b = scene["order_a"], scene["order_b"]
    day = timezone.localdate(a.received_at).isoformat()  # the filter's days are Shanghai days

    def numbers(query):
        return {r["number"] for r in client.get(f"/api/v1/work-orders/?{query}").json()["results"]}

    assert numbers("status=open") == {a.number, b.number}
    assert numbers("status=closed") == set()
    assert numbers(f"date_from={day}&date_to={day}") == {a.number, b.number}
    assert numbers("date_to=2000-01-01") == set()
    assert numbers(f"outlet={scene['world']['outlet'].pk}") == {a.number}
    assert numbers(f"q={b.number}") == {b.number}
