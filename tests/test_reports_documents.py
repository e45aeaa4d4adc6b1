"""Report documents (S13): the period a day falls in, the PDF (read back with pdftotext) and the
workbook built by a background job from the same figures, downloads for whoever may see the
job only, and refusals before any job is written."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from aftersales.complaints.models import Complaint
from aftersales.core.errors import PermissionDenied, ValidationFailed
from aftersales.core.models import BackgroundJob, JobFile
from aftersales.reports.documents import KINDS, period_for, report_document_start
from aftersales.supervision.models import FeedbackForm

from . import factories as f
from .conftest import client_for, make_order
from .test_report_pdf import pdf_text
from .test_reports_overview import complaint
from .test_supervision import close


@given(kind=st.sampled_from(sorted(KINDS)), day=st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_the_period_contains_the_day_and_starts_on_its_boundary(kind, day):
    period = period_for(kind, day)
    assert period.start <= day < period.end
    if kind == "weekly":
        assert period.start.weekday() == 0 and (period.end - period.start).days == 7
    else:
        months = {"monthly": 1, "quarterly": 3, "half_year": 6, "annual": 12}[kind]
        assert period.start.day == 1 and (period.start.month - 1) % months == 0
        span = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month
        assert span == months and period.end.day == 1


def test_period_labels():
    assert period_for("quarterly", date(2026, 8, 9)).label == "2026 年第 3 季度"
    assert period_for("half_year", date(2026, 8, 9)).label == "2026 年下半年"
    assert period_for("weekly", date(2026, 12, 2)).label == "2026-11-30 至 2026-12-06"
    assert period_for("annual", date(2026, 8, 9)).label == "2026 年"


@pytest.fixture
def this_week(world, django_capture_on_commit_callbacks):
    order = close(make_order(world), world, django_capture_on_commit_callbacks)
    FeedbackForm.objects.create(
        order=order, source="survey", timeliness="A", quality="A", attitude="C"
    )
    late = complaint(world, description='=HYPERLINK("http://x") 上门迟到')
    Complaint.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(hours=1))
    complaint(world, type="quality", description="空调异响")
    return order


def build(world, kind, django_capture_on_commit_callbacks, user=None) -> BackgroundJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = report_document_start(
            actor=user or world["director"], kind=kind, day=timezone.localdate()
        )
    job.refresh_from_db()
    return job


def test_the_monthly_summary_pdf_and_workbook_hold_the_same_figures(
    world, this_week, django_capture_on_commit_callbacks, tmp_path
):
    job = build(world, "monthly", django_capture_on_commit_callbacks)
    assert job.status == BackgroundJob.Status.DONE, job.error
    assert job.done == job.total == 3
    pdf, xlsx = job.files.order_by("pk")
    assert pdf.name.endswith(".pdf") and xlsx.name.endswith(".xlsx")
    text = pdf_text(pdf.file.read(), tmp_path)
    today = timezone.localdate()
    assert "月度总结" in text and f"{today.year} 年 {today.month} 月" in text
    assert "期间受理投诉" in text and "服务时效" in text and "意见反馈表评分" in text
    # 服务态度 graded C: 0 % satisfied; 服务时效 A: 100 %.
    assert "100.0%" in text and "0.0%" in text
    # The KPIs as the dashboard shows them for the same month: 2 of 3 items satisfied.
    assert "服务及时率" in text and "客户满意度" in text and "66.7%" in text
    book = load_workbook(io.BytesIO(xlsx.file.read()))
    summary = {row[0]: row[1] for row in book["概要"].iter_rows(values_only=True)}
    assert summary["期间受理投诉"] == 2 and summary["逾期投诉"] == 1
    figures = {row[0]: row for row in book["关键指标"].iter_rows(values_only=True)}
    assert figures["客户满意度"][1:3] == ("66.7%", "目标 ≥ 85%")
    assert figures["客户满意度"][4:6] == (2, 3)
    grades = list(book["意见反馈表评分"].iter_rows(values_only=True))
    assert grades[1][:7] == ("服务时效", 1, 0, 0, 0, 0, 1)


def test_the_weekly_pack_lists_new_and_overdue_complaints_with_safe_cells(
    world, this_week, django_capture_on_commit_callbacks, tmp_path
):
    job = build(world, "weekly", django_capture_on_commit_callbacks)
    pdf, xlsx = job.files.order_by("pk")
    text = pdf_text(pdf.file.read(), tmp_path)
    numbers = list(Complaint.objects.order_by("pk").values_list("number", flat=True))
    assert "质量信息周报" in text and all(n in text for n in numbers)
    book = load_workbook(io.BytesIO(xlsx.file.read()))
    new = list(book["本周新投诉"].iter_rows(values_only=True))
    assert {r[0] for r in new[1:]} == set(numbers)
    overdue = list(book["逾期投诉"].iter_rows(values_only=True))
    assert [r[0] for r in overdue[1:]] == numbers[:1]
    # A description that starts like a formula stays text.
    assert overdue[1][5].startswith("'=HYPERLINK")


def test_the_files_download_for_whoever_may_see_the_job(
    world, this_week, django_capture_on_commit_callbacks
):
    job = build(world, "monthly", django_capture_on_commit_callbacks)
    stored = job.files.first()
    url = reverse("job_file", args=[job.pk, stored.pk])
    response = client_for(world["director"]).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    page = client_for(world["director"]).get(reverse("job_detail", args=[job.pk]))
    assert url in page.content.decode()
    for user in (world["supervisor"], world["agent"]):
        assert client_for(user).get(url).status_code == 404
    other = JobFile.objects.exclude(job=job).first()
    assert other is None  # and another job's file id under this job is a 404 too:
    assert (
        client_for(world["director"])
        .get(reverse("job_file", args=[job.pk, stored.pk + 1000]))
        .status_code
        == 404
    )


def test_refusals_write_no_job(world):
    with pytest.raises(PermissionDenied):
        report_document_start(actor=world["agent"], kind="monthly", day=timezone.localdate())
    with pytest.raises(ValidationFailed):
        report_document_start(actor=world["director"], kind="daily", day=timezone.localdate())
    with pytest.raises(ValidationFailed):
        report_document_start(
            actor=world["director"],
            kind="monthly",
            day=timezone.localdate() + timedelta(days=62),
        )
    assert not BackgroundJob.objects.exists()


def test_the_page_starts_a_document_and_sends_the_user_to_its_job(
    world, django_capture_on_commit_callbacks
):
    url = reverse("report_documents:index")
    client = client_for(world["supervisor"])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"kind": "quarterly", "day": f"{timezone.localdate()}"})
    job = BackgroundJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.files.count() == 2
    assert "季度总结" in client.get(url).content.decode() or job.pk
    for user in (world["agent"], world["tech"].user, f.UserFactory(username="x", role="hr")):
        assert client_for(user).get(url).status_code in (302, 403)


def test_a_document_is_requested_over_the_api(world, django_capture_on_commit_callbacks):
    from .conftest import api_client_for

    client = api_client_for(world["director"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/reports/documents/",
            {"kind": "weekly", "day": f"{timezone.localdate()}"},
            format="json",
        )
    assert response.status_code == 202, response.content
    state = client.get(response["Location"]).json()
    assert state["status"] == "done" and len(state["files"]) == 2
    assert {f["name"].rsplit(".", 1)[1] for f in state["files"]} == {"pdf", "xlsx"}
    bad = client.post("/api/v1/reports/documents/", {"kind": "daily"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()["errors"]
    outsider = api_client_for(world["agent"]).post(
        "/api/v1/reports/documents/", {"kind": "weekly", "day": "2026-01-01"}, format="json"
    )
    assert outsider.status_code == 404
    assert BackgroundJob.objects.count() == 1


def test_the_annual_report_follows_the_figures_month_by_month(
    world, this_week, django_capture_on_commit_callbacks, tmp_path
):
    job = build(world, "annual", django_capture_on_commit_callbacks)
    pdf, xlsx = job.files.order_by("pk")
    text = pdf_text(pdf.file.read(), tmp_path)
    this_month = f"{timezone.localdate():%Y-%m}"
    assert "年度分析报告" in text and "逐月趋势" in text and this_month in text
    trend = list(
        load_workbook(io.BytesIO(xlsx.file.read()))["逐月趋势"].iter_rows(values_only=True)
    )
    assert len(trend) == 13  # a header and the twelve months
    row = next(r for r in trend if r[0] == this_month)
    assert row[1:] == (100.0, 66.7)  # no breach; 2 of 3 items satisfied
    assert all(r[1] == "" for r in trend[1:] if r[0] > this_month)
