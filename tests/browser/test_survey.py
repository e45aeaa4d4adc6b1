"""The customer's satisfaction survey (S11) on a phone, then supervision reads the answer: the
order closes, the SMS carries a single-use link, the anonymous customer answers the three A–E
items with a comment, and the supervisor finds the feedback form on the order page and in the
callback list (the supervision ledger). When a technician did the job, the same page asks the
technician rating (the seeded `technician-rating` form) for them, and the supervisor reads the
technician's mean on the form's results. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from aftersales.notifications.models import OutboxMessage
from aftersales.service import services
from aftersales.service.models import Status
from aftersales.supervision.models import (
    FeedbackForm,
    SurveyAnswer,
    SurveyForm,
    SurveyInvitation,
    SurveyResponse,
)

from ..conftest import make_order
from ..test_field import png_data_url

PHONE = {"width": 390, "height": 844}
TOKEN = re.compile(r"/s/([A-Za-z0-9_-]{43})/")


def _snapper(artifacts):
    shot = iter(range(1, 100))

    def snap(page, name: str) -> None:
        # From the top: a full-page shot taken scrolled down paints the sticky header mid-page.
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts / f"{next(shot):02d}-{name}.png"), full_page=True)

    return snap


@pytest.mark.django_db(transaction=True)
def test_a_customer_answers_the_survey_on_a_phone_and_supervision_sees_it(
    reseed, world, new_page, login, live_server, artifacts
):
    snap = _snapper(artifacts)

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
    page = new_page(viewport=PHONE, mobile=True)
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


# --- with a technician: the rating block ------------------------------------------------------

# The customer's grades for the technician, per question of the seeded rating form: each one
# different, so a grade saved under the wrong question (or a wrong grade) shows.
RATING = {"服务态度": "A", "技术水平": "B", "到达时间": "C", "履行承诺": "E"}
POINTS = {"A": 5, "B": 4, "C": 3, "D": 2, "E": 1}


def _done_by_the_technician(world):
    """The whole job through the services: dispatched to the world's technician, visited,
    resolved, signed by the customer and closed (which, committed, sends the survey SMS)."""
    order = make_order(world)
    tech = world["tech"].user
    steps = [
        (world["agent"], "respond", {}),
        (world["manager"].user, "dispatch", {"technicians": [world["tech"].pk]}),
        (tech, "depart", {}),
        (tech, "arrive", {}),
        (tech, "diagnose", {"inspect": "压缩机离合器线圈断路"}),
    ]
    for actor, action, data in steps:
        order = services.work_order_transition(order=order, action=action, actor=actor, **data)
    services.report_update(order=order, actor=tech, work_done="更换离合器线圈", cause="线圈断路")
    order = services.work_order_transition(order=order, action="resolve", actor=tech)
    services.report_sign(order=order, actor=tech, signer_name="王经理", image=png_data_url())
    order.refresh_from_db()
    order = services.work_order_transition(order=order, action="close", actor=world["agent"])
    assert order.status == Status.CLOSED
    assert list(order.technicians.all()) == [world["tech"]]
    return order


def _fits_the_phone(page) -> None:
    # innerWidth first: without a working viewport meta a phone lays the page out 980px wide,
    # and then scrollWidth <= innerWidth would prove nothing.
    width = page.evaluate("window.innerWidth")
    assert width == PHONE["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page scrolls sideways: {scroll}px wide on a {width}px phone"


@pytest.mark.django_db(transaction=True)
def test_the_customer_rates_the_technician_on_a_phone_and_supervision_sees_the_mean(
    reseed, world, new_page, login, live_server, artifacts
):
    cache.clear()  # the survey page's rate limit counts in the (per-process) cache
    snap = _snapper(artifacts)
    order = _done_by_the_technician(world)
    technician = world["tech"]
    rating = SurveyForm.objects.get(code="technician-rating")
    questions = list(rating.questions.all())
    assert [q.text for q in questions] == list(RATING)
    sms = OutboxMessage.objects.get(template_code="survey_invitation")
    match = TOKEN.search(sms.body)
    assert match, sms.body
    token = match.group(1)

    # 1. The customer opens the link on a phone, not logged in, and finds one rating block for
    # the technician who did the job, with the form's four questions after the three items.
    page = new_page(viewport=PHONE, mobile=True)
    page.goto(f"{live_server.url}/s/{token}/")
    assert page.locator("#survey-order-number").inner_text().strip() == order.number
    _fits_the_phone(page)
    blocks = page.locator(".survey-block")
    assert blocks.count() == 1
    block = blocks.first
    assert str(technician.user) in block.locator("h2").inner_text()
    legends = [t.replace("*", "").strip() for t in block.locator("legend").all_inner_texts()]
    assert legends == list(RATING)
    snap(page, "customer-survey")

    page.locator("#timeliness-B").check()
    page.locator("#quality-A").check()
    page.locator("#attitude-A").check()
    for question in questions:
        # The key the page posts: question and technician (SurveySlot.key).
        key = f"q{question.pk}_t{technician.pk}"
        grade = RATING[question.text]
        # Tap the whole option, as a thumb would: the label carries the touch target.
        option = block.locator(f"label[for='{key}-{grade}']")
        box = option.bounding_box()
        assert box is not None and box["height"] >= 44, box
        option.tap()
        assert page.locator(f"#{key}-{grade}").is_checked()
    page.fill("#survey-comments", "王师傅修得好，就是来得晚了点")
    _fits_the_phone(page)
    snap(page, "customer-survey-rated")
    page.locator("#survey-submit").tap()
    page.wait_for_selector("#survey-thanks")
    _fits_the_phone(page)
    snap(page, "customer-survey-thanks")

    # 2. The database holds the feedback form and one rating response: an answer per question
    # for this technician, with the grade chosen.
    form = FeedbackForm.objects.get(order=order)
    assert (form.timeliness, form.quality, form.attitude) == ("B", "A", "A")
    assert SurveyInvitation.objects.get(order=order).used_at is not None
    response = SurveyResponse.objects.get(form=rating, order=order)
    assert response.customer == world["customer"]
    answers = SurveyAnswer.objects.filter(response=response)
    assert {(a.question.text, a.technician_id, a.grade) for a in answers} == {
        (text, technician.pk, grade) for text, grade in RATING.items()
    }
    assert answers.count() == len(RATING)

    # 3. The supervisor finds the rating form among the surveys and reads the technician's mean
    # per question (A = 5 … E = 1; one answer each, so the grade's own points).
    supervisor = login(world["supervisor"])
    supervisor.goto(f"{live_server.url}/supervision/surveys/")
    supervisor.locator(f"#survey-form-{rating.pk} a").click()
    supervisor.wait_for_url(f"**/supervision/surveys/{rating.pk}/")
    results = supervisor.locator("#survey-results tbody tr")
    for question in questions:
        cells = results.filter(has_text=question.text).locator("td").all_inner_texts()
        # question, A, B, C, D, E, total, mean
        counts = [int(c) for c in cells[1:6]]
        assert counts == [int(g == RATING[question.text]) for g in POINTS], cells
        assert cells[6].strip() == "1"
        assert float(cells[7]) == POINTS[RATING[question.text]], cells
    table = supervisor.locator("#technician-ratings")
    heads = table.locator("thead th").all_inner_texts()
    assert [h.strip() for h in heads[1:]] == list(RATING)
    row = table.locator("tbody tr").filter(has_text=str(technician))
    assert row.count() == 1
    means = [float(m) for m in row.locator("td").all_inner_texts()[1:]]
    assert means == [float(POINTS[grade]) for grade in RATING.values()]
    row.scroll_into_view_if_needed()
    snap(supervisor, "supervisor-technician-ratings")
