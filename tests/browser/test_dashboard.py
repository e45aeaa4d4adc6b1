"""Issue 5's browser test: the director opens the KPI dashboard, drills down from a KPI to the
orders behind it, then downloads the monthly summary PDF; the PDF's text (pdftotext) holds the
figures the dashboard showed."""

from __future__ import annotations

import subprocess

import pytest
from django.utils import timezone

from aftersales.service import services
from aftersales.service.models import SlaEvent
from aftersales.supervision.models import FeedbackForm

from ..conftest import make_order


@pytest.mark.django_db(transaction=True)
def test_the_director_drills_down_and_downloads_the_monthly_pdf(
    reseed, world, login, live_server, artifacts, tmp_path
):
    orders = []
    for _ in range(2):
        order = make_order(world)
        for action in ("respond", "resolve_remote", "close"):
            services.work_order_transition(order=order, action=action, actor=world["agent"])
        orders.append(order)
    now = timezone.now()
    SlaEvent.objects.create(order=orders[0], target="response", kind="breach", due_at=now, at=now)
    FeedbackForm.objects.create(
        order=orders[0], source="callback", timeliness="A", quality="B", attitude="D"
    )

    page = login(world["director"])
    # Through the top bar: the heading opens its drop-down, the entry opens the dashboard.
    page.goto(f"{live_server.url}/orders/")
    group = page.locator("details.nav-group", has_text="统计与考核")
    entry = group.get_by_role("link", name="统计分析")
    assert not entry.is_visible()
    group.locator("summary").click()
    page.screenshot(path=str(artifacts / "00-menu.png"))
    entry.click()
    page.wait_for_url("**/reports/")
    assert page.locator("details.nav-group a.active", has_text="统计分析").count() == 1
    timeliness = page.locator("#tile-timeliness .tile-value").inner_text().strip()
    satisfaction = page.locator("#tile-satisfaction .tile-value").inner_text().strip()
    assert (timeliness, satisfaction) == ("50.0%", "66.7%")
    page.screenshot(path=str(artifacts / "01-dashboard.png"), full_page=True)

    # Drill down: the orders that met every SLA target — the one without a breach.
    page.locator("#tile-timeliness .kpi-numerator").click()
    page.wait_for_selector("#drilldown")
    rows = page.locator("#drilldown .drill-row")
    assert rows.count() == 1 and orders[1].number in rows.first.inner_text()
    assert orders[0].number not in page.locator("#drilldown").inner_text()
    page.screenshot(path=str(artifacts / "02-drilldown.png"), full_page=True)

    # The monthly summary as a PDF, built in the background, downloaded from the job's page.
    page.go_back()
    page.locator("#documents-link").click()
    page.select_option("select[name=kind]", "monthly")
    page.locator("#document-form button[type=submit]").click()
    page.wait_for_url("**/jobs/*/")
    link = page.locator("#job-files a", has_text=".pdf")
    link.wait_for()
    page.screenshot(path=str(artifacts / "03-job.png"), full_page=True)
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "monthly.pdf"
    download.value.save_as(path)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "月度总结" in text and timeliness in text and satisfaction in text
