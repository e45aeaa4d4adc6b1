"""The customer's satisfaction survey (S11) on a phone, then supervision reads the answer: the
order closes, the SMS carries a single-use link, the anonymous customer answers the three A–E
items with a comment, and the supervisor finds the feedback form on the order page and in the
callback list (the supervision ledger). Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from aftersales.notifications.models import OutboxMessage
from aftersales.service import services
from aftersales.supervision.models import FeedbackForm, SurveyInvitation

from ..conftest import make_order

PHONE = {"width": 390, "height": 844}
TOKEN = re.compile(r"/s/([A-Za-z0-9_-]{43})/")


@pytest.mark.django_db(transaction=True)
def test_a_customer_answers_the_survey_on_a_phone_and_supervision_sees_it(
    reseed, world, browser, login, live_server, artifacts
):
    shot = iter(range(1, 100))

    def snap(page, name: str) -> None:
        # From the top: a full-page shot taken scrolled down paints the sticky header mid-page.
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts / f"{next(shot):02d}-{name}.png"), full_page=True)

    # Closing commits for real here, so the on-commit hook sends the survey SMS.
    order = make_order(world)
    agent = world["agent"]
    for action in ("respond", "resolve_remote", "close"):
        services.work_order_transition(order=order, action=action, actor=agent)
    sms = OutboxMessage.objects.get(template_code="survey_invitation")
    match = TOKEN.search(sms.body)
    assert match, sms.body
    token = match.group(1)

    # 1. The customer opens the link on a phone, not logged in.
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(f"{live_server.url}/s/{token}/")
        assert page.locator("#survey-order-number").inner_text().strip() == order.number
        # The page fits the phone: nothing scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        snap(page, "customer-survey")
        page.locator("#timeliness-A").check()
        page.locator("#quality-B").check()
        page.locator("#attitude-A").check()
        page.fill("#survey-comments", "师傅很专业，来得也快")
        snap(page, "customer-survey-answered")
        page.locator("#survey-submit").tap()
        page.wait_for_selector("#survey-thanks")
        snap(page, "customer-survey-thanks")
        # The link was single-use: opening it again shows no form.
        page.goto(f"{live_server.url}/s/{token}/")
        assert page.locator("#survey-form").count() == 0
    finally:
        context.close()

    form = FeedbackForm.objects.get(order=order)
    assert (form.source, form.timeliness, form.quality, form.attitude) == ("survey", "A", "B", "A")
    assert form.counted and not form.verified
    assert SurveyInvitation.objects.get(order=order).used_at is not None

    # 2. The supervisor sees the feedback form on the order page…
    supervisor = login(world["supervisor"])
    supervisor.goto(f"{live_server.url}/orders/{order.pk}/")
    panel = supervisor.locator("#order-feedback")
    panel.scroll_into_view_if_needed()
    assert panel.locator("#order-feedback-timeliness").inner_text().strip() == "A"
    assert panel.locator("#order-feedback-quality").inner_text().strip() == "B"
    assert panel.locator("#order-feedback-attitude").inner_text().strip() == "A"
    assert "师傅很专业，来得也快" in panel.inner_text()
    assert "客户问卷" in panel.inner_text()
    snap(supervisor, "supervisor-order-feedback")

    # …and in the callback list, supervision's ledger of closed orders.
    supervisor.goto(f"{live_server.url}/supervision/callbacks/")
    row = supervisor.locator(f"#feedback-{order.pk}")
    assert "A / B / A" in row.inner_text()
    assert "1" in supervisor.locator("#survey-response-rate").inner_text()
    assert supervisor.locator("#survey-rate").inner_text().strip() == "100.0%"
    snap(supervisor, "supervisor-callbacks")

    # The complaint ledger opens for the supervisor too (the survey raised no complaint).
    response = supervisor.goto(f"{live_server.url}/complaints/")
    assert response is not None and response.status == 200
    assert supervisor.locator("#ledger-filters").count() == 1
    snap(supervisor, "supervisor-complaints")

    # The hotline agent sees the order page but not the feedback form.
    desk = login(agent)
    desk.goto(f"{live_server.url}/orders/{order.pk}/")
    assert order.number in desk.content()
    assert desk.locator("#order-feedback").count() == 0
