"""The KPI dashboard (统计分析), its drill-down and the KPI API: figures from the records, each
figure's list as long as the figure, access per role, and a query count that does not grow with
the number of orders or outlets."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from aftersales.accounts.models import Role
from aftersales.network.models import Outlet
from aftersales.service.models import WorkOrder

from . import factories as f
from .conftest import api_client_for, client_for, make_order, user_per_role
from .test_reports_kpis_support import make_records
from .test_supervision import close

URL = reverse("reports:dashboard")
DRILL = reverse("reports:orders")
API = "/api/v1/reports/kpis/"


@pytest.fixture
def records(world, django_capture_on_commit_callbacks):
    return make_records(world, django_capture_on_commit_callbacks)


def tile_value(body: str, name: str) -> str:
    match = re.search(rf'id="tile-{name}".*?class="tile-value[^"]*"[^>]*>(.*?)</a>', body, re.S)
    assert match, name
    return match.group(1).strip()


def tile_links(body: str, name: str) -> tuple[str, str, str, str]:
    block = re.search(rf'id="tile-{name}"(.*?)kpi-definition', body, re.S)
    assert block, name
    num = re.search(r'href="([^"]+)" class="kpi-numerator">([^<]*)<', block.group(1))
    den = re.search(r'href="([^"]+)" class="kpi-denominator">([^<]*)<', block.group(1))
    assert num and den
    return (
        num.group(1).replace("&amp;", "&"),
        num.group(2),
        den.group(1).replace("&amp;", "&"),
        den.group(2),
    )


def drill_rows(client, url: str) -> int:
    """All rows of a drill-down, following its pages."""
    total, page_url = 0, url
    while True:
        body = client.get(page_url).content.decode()
        total += body.count('class="drill-row"')
        nxt = re.search(r'href="\?([^"]+)" id="drill-next"', body)
        if not nxt:
            return total
        page_url = f"{DRILL}?{nxt.group(1).replace('&amp;', '&')}"


def test_the_tiles_show_value_target_and_definition(world, records):
    body = client_for(world["director"]).get(URL).content.decode()
    assert tile_value(body, "timeliness") == "60.0%"
    assert "目标 ≥ 90%" in body and "未达标" in body
    assert "期内关闭的工单中未发生任何时效超时" in body
    assert tile_value(body, "satisfaction") == "66.7%"
    assert tile_value(body, "complaint_rate") == "40.0%"
    assert tile_value(body, "first_time_fix") == "80.0%"
    assert tile_value(body, "parts_fill") == "66.7%"
    assert tile_value(body, "survey_response") == "33.3%"
    assert body.count('class="tile-sub kpi-definition"') == 14
    for chart in ("trend", "ranking", "breaches", "complaints"):
        section = re.search(rf'id="chart-{chart}".*?</section>', body, re.S).group(0)
        assert "<svg" in section, chart


@pytest.mark.parametrize(
    "name",
    [
        "timeliness",
        "first_time_fix",
        "reopen_rate",
        "complaint_rate",
        "parts_fill",
        "survey_response",
        "response_hours",
        "arrival_hours",
    ],
)
def test_every_tile_opens_lists_as_long_as_its_figures(world, records, name):
    client = client_for(world["director"])
    body = client.get(URL).content.decode()
    num_url, num, den_url, den = tile_links(body, name)
    assert drill_rows(client, den_url) == int(den)
    if name in ("timeliness", "first_time_fix", "reopen_rate", "complaint_rate"):
        assert drill_rows(client, num_url) == int(num)
    if name in ("parts_fill", "survey_response"):
        # The numerator's link lists the rest: the unfilled / unanswered ones.
        assert drill_rows(client, num_url) == int(den) - int(num)


def test_the_breached_and_unsatisfied_lists_match_their_notes(world, records):
    client = client_for(world["director"])
    body = client.get(URL).content.decode()
    assert "发生时效超时的工单 2 张" in body
    assert drill_rows(client, f"{DRILL}?kpi=breached") == 2
    assert "其中有不满意项的 2 份" in body  # b (C, E) and e (D)
    assert drill_rows(client, f"{DRILL}?kpi=unsatisfied") == 2
    assert drill_rows(client, f"{DRILL}?kpi=feedback") == 3


def test_the_cut_table_links_each_group_to_its_orders(world, records):
    client = client_for(world["director"])
    body = client.get(URL + "?cut=outlet").content.decode()
    table = re.search(r'id="kpi-table".*?</table>', body, re.S).group(0)
    assert "朝阳服务站" in table and "海淀服务站" in table
    link = f"outlet={world['other_outlet'].pk}"
    url = next(u.replace("&amp;", "&") for u in re.findall(r'href="([^"]+)"', table) if link in u)
    assert drill_rows(client, url) == 1
    for cut in ("region", "model", "technician", "customer"):
        assert client.get(URL + f"?cut={cut}").status_code == 200


def test_the_drill_down_links_to_the_order_page(world, records):
    client = client_for(world["director"])
    body = client.get(f"{DRILL}?kpi=reopened").content.decode()
    reopened = WorkOrder.objects.get(reopen_count=1)
    assert reverse("service:order_detail", args=[reopened.pk]) in body
    assert body.count('class="drill-row"') == 1


def test_the_drill_down_pages_25_at_a_time(world, django_capture_on_commit_callbacks):
    for _ in range(27):
        make_order(world)
    WorkOrder.objects.update(status="closed", closed_at=WorkOrder.objects.first().received_at)
    client = client_for(world["director"])
    first = client.get(f"{DRILL}?kpi=closed").content.decode()
    assert first.count('class="drill-row"') == 25 and 'id="drill-next"' in first
    second = client.get(f"{DRILL}?kpi=closed&page=2").content.decode()
    assert second.count('class="drill-row"') == 2 and 'id="drill-next"' not in second


def test_an_unknown_figure_is_404(world):
    client = client_for(world["director"])
    assert client.get(f"{DRILL}?kpi=nonsense").status_code == 404
    assert client.get(f"{DRILL}?kpi=closed&outlet=x").status_code == 404


ALLOWED = {
    Role.SERVICE_DIRECTOR,
    Role.SUPERVISOR,
    Role.QUALITY_ENGINEER,
    Role.ADMIN,
    Role.STATION_MANAGER,
}


def test_pages_and_api_per_role(world):
    for role, user in user_per_role(world).items():
        expected = 200 if role in ALLOWED else 403
        if role == Role.STATION_MANAGER and user != world["manager"].user:
            continue
        client = client_for(user)
        assert client.get(URL).status_code == expected, role
        assert client.get(f"{DRILL}?kpi=closed").status_code == expected, role
        api = api_client_for(user).get(API)
        assert api.status_code == (200 if role in ALLOWED else 404), role
    assert client_for(world["director"]).get(URL).status_code == 200
    assert api_client_for(None).get(API).status_code in (401, 403)


def test_a_station_manager_without_an_outlet_sees_nothing(world):
    manager = f.UserFactory(username="lost-manager", role=Role.STATION_MANAGER)
    assert client_for(manager).get(URL).status_code == 403


def test_a_station_manager_sees_only_their_outlet(world, records):
    client = client_for(world["manager"].user)
    body = client.get(URL).content.decode()
    assert tile_value(body, "timeliness") == "50.0%"  # 2 of their 4
    other = records["closed"][4]
    assert other.number not in client.get(f"{DRILL}?kpi=closed").content.decode()


def test_the_api_gives_every_kpi_with_its_parts(world, records):
    data = api_client_for(world["director"]).get(API).json()
    kpis = {k["name"]: k for k in data["kpis"]}
    assert kpis["timeliness"]["numerator"] == 3 and kpis["timeliness"]["denominator"] == 5
    assert kpis["timeliness"]["target"] == "90.00" and kpis["timeliness"]["met"] is False
    assert kpis["timeliness"]["definition"].startswith("期内关闭的工单")
    assert kpis["satisfaction"]["value"] == pytest.approx(66.6667, abs=0.001)
    assert data["rows"] == []
    by_outlet = api_client_for(world["director"]).get(API + "?cut=outlet").json()
    rows = {r["key"]: r for r in by_outlet["rows"]}
    other = {k["name"]: k for k in rows[world["other_outlet"].pk]["kpis"]}
    assert rows[world["other_outlet"].pk]["label"] == "海淀服务站"
    assert other["timeliness"]["denominator"] == 1
    assert api_client_for(world["director"]).get(API + "?cut=planet").status_code == 400


def test_the_api_period_parameters(world, records):
    client = api_client_for(world["director"])
    data = client.get(API + "?from=2020-01-01&to=2020-01-31").json()
    assert (data["date_from"], data["date_to"]) == ("2020-01-01", "2020-01-31")
    assert {k["name"]: k for k in data["kpis"]}["timeliness"]["denominator"] == 0
    year = client.get(API + "?preset=year").json()
    assert year["date_from"].endswith("-01-01")


def _closed_world(world, outlets: int, django_capture_on_commit_callbacks) -> None:
    for n in range(outlets):
        outlet = (
            world["outlet"]
            if n == 0
            else world["other_outlet"]
            if n == 1
            else (f.OutletFactory(code=f"X{n}", name=f"网点{n}"))
        )
        for _ in range(2):
            order = close(make_order(world), world, django_capture_on_commit_callbacks)
            WorkOrder.objects.filter(pk=order.pk).update(outlet=outlet)


@pytest.mark.parametrize("path", [URL, URL + "?cut=technician", f"{DRILL}?kpi=closed"])
def test_the_query_count_does_not_grow_with_outlets_or_orders(
    world, django_capture_on_commit_callbacks, django_assert_max_num_queries, path
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world["director"])
    _closed_world(world, 2, django_capture_on_commit_callbacks)
    client.get(path)  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    _closed_world(world, 6, django_capture_on_commit_callbacks)
    assert Outlet.objects.count() >= 6
    with CaptureQueriesContext(connection) as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few)
    with django_assert_max_num_queries(25):
        client.get(path)


def test_the_drill_down_query_count_is_small(world, records, django_assert_max_num_queries):
    client = client_for(world["director"])
    with django_assert_max_num_queries(6):
        assert client.get(f"{DRILL}?kpi=complaints").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(f"{DRILL}?kpi=survey_sent").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(f"{DRILL}?kpi=requisitions").status_code == 200


def test_the_period_form_keeps_its_dates(world, records):
    body = client_for(world["director"]).get(URL + "?from=2020-01-01&to=2020-02-01").content
    text = body.decode()
    assert 'value="2020-01-01"' in text and 'value="2020-02-01"' in text
    assert tile_value(text, "timeliness") == "—"
    link = re.search(r'id="kpi-closed-link"', text)
    assert link
    href = re.search(r'<a href="([^"]+)" id="kpi-closed-link"', text).group(1).replace("&amp;", "&")
    query = parse_qs(urlparse(href).query)
    assert query["from"] == ["2020-01-01"] and query["to"] == ["2020-02-01"]


def test_the_menu_offers_analytics_to_a_station_manager_but_not_to_an_agent(world):
    from django.urls import reverse as _reverse

    from .conftest import client_for as _client_for

    link = f'href="{_reverse("reports:dashboard")}"'
    page = _client_for(world["manager"].user).get(_reverse("service:order_list"))
    assert link in page.content.decode()
    assert (
        link not in _client_for(world["agent"]).get(_reverse("service:order_list")).content.decode()
    )
