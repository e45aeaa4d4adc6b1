"""The monthly assessment in Chromium: HR computes this month, opens the department's result
with its working and approves it (after the confirmation); the approved result is frozen."""

from __future__ import annotations

import pytest
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.assessment.models import AssessmentResult
from aftersales.service import services
from aftersales.supervision.models import FeedbackForm

from .. import factories as f
from ..conftest import make_order


@pytest.mark.django_db(transaction=True)
def test_hr_computes_reads_the_working_and_approves(reseed, world, login, live_server, artifacts):
    order = make_order(world)
    for action in ("respond", "resolve_remote", "close"):
        services.work_order_transition(order=order, action=action, actor=world["agent"])
    FeedbackForm.objects.create(
        order=order, source="callback", timeliness="A", quality="A", attitude="B", verified=True
    )
    hr = f.UserFactory(username="hr1", role=Role.HR, department="hr")

    page = login(hr)
    # The page opens on last month (the one to assess); this test's job closed this month.
    page.goto(f"{live_server.url}/assessment/?month={timezone.localdate():%Y-%m}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#assessment-compute button").click()
    page.wait_for_selector("#assessment-results")
    row = page.locator("#assessment-results tbody tr").first
    # One job, A + A + B = 2 + 2 + 1 = 5 points: the mean is 5.00, shown with its fraction.
    assert "5.00" in row.inner_text() and "5 ÷ 1" in row.inner_text()
    page.screenshot(path=str(artifacts / "01-month.png"), full_page=True)
    row.locator("a").first.click()
    page.wait_for_selector("#result-working")
    assert "5" in page.locator("#tile-mean").inner_text()
    page.screenshot(path=str(artifacts / "02-result.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#result-approve button").click()
    page.wait_for_selector("#result-correct")
    whole = AssessmentResult.objects.get(outlet__isnull=True)
    assert whole.status == "approved" and whole.total_points == 5
