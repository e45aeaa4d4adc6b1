"""The directors' overview in Chromium: the director sees the month's figures and the grade
chart, and a tile opens the list behind it; a supervisor sends the annual survey and follows the
job's progress page to its result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.complaints import services as cs
from aftersales.complaints.models import Complaint
from aftersales.service import services
from aftersales.supervision.models import FeedbackForm, SurveyInvitation

from ..conftest import make_order


@pytest.mark.django_db(transaction=True)
def test_the_director_reads_the_overview_and_opens_the_overdue_complaints(
    reseed, world, login, live_server, artifacts
):
    order = make_order(world)
    for action in ("respond", "resolve_remote", "close"):
        services.work_order_transition(order=order, action=action, actor=world["agent"])
    FeedbackForm.objects.create(
        order=order, source="callback", timeliness="A", quality="B", attitude="D"
    )
    complaint = cs.complaint_record(
        actor=world["agent"],
        data=cs.ComplaintData(
            type="service",
            level="general",
            channel="hotline",
            complainant="李师傅",
            contact="13812345678",
            description="师傅迟到两小时",
        ),
    )
    Complaint.objects.filter(pk=complaint.pk).update(deadline=timezone.now() - timedelta(hours=1))

    page = login(world["director"])
    page.goto(f"{live_server.url}/reports/overview/")
    assert page.locator("#tile-complaints-overdue .tile-value").inner_text().strip() == "1"
    chart = page.locator("#overview-grades svg.chart")
    assert chart.is_visible() and chart.bounding_box()["width"] > 200
    page.screenshot(path=str(artifacts / "01-overview.png"), full_page=True)
    page.locator("#tile-complaints-overdue").click()
    page.wait_for_url("**/complaints/?overdue=1")
    assert complaint.number in page.content()


@pytest.mark.django_db(transaction=True)
def test_the_supervisor_sends_the_annual_survey_and_sees_the_job_finish(
    reseed, world, login, live_server, artifacts
):
    page = login(world["supervisor"])
    page.goto(f"{live_server.url}/supervision/surveys/")
    page.get_by_role("link", name="年度客户满意度调查（十月）").click()
    page.once("dialog", lambda dialog: dialog.accept())  # the data-confirm question
    page.locator("#survey-send button").click()
    page.wait_for_url("**/jobs/*/")
    job = page.locator("#job")
    job.locator("[data-job-field=summary]").wait_for(state="visible")
    assert "已向 1 位客户发送调查邀请" in job.inner_text()
    assert page.locator("progress").get_attribute("value") == "100"
    page.screenshot(path=str(artifacts / "02-job-done.png"), full_page=True)
    assert SurveyInvitation.objects.filter(form__code="annual-satisfaction").count() == 1
    page.get_by_role("link", name="返回").click()
    page.wait_for_url("**/supervision/surveys/*/")
