"""Surveys (S11) and feedback forms (S10): single-use, unguessable, expiring links; the three
A–E items from the customer or from a supervisor's callback; the response rate."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales.core.errors import PermissionDenied, ValidationFailed
from aftersales.notifications.models import Channel, OutboxMessage
from aftersales.service.models import Status
from aftersales.supervision.models import (
    Callback,
    FeedbackForm,
    SupervisionSettings,
    SurveyInvitation,
)
from aftersales.supervision.selectors import survey_response_rate
from aftersales.supervision.services import (
    SurveyUnavailable,
    callback_complete,
    feedback_verify,
    new_survey_token,
    survey_invitation_create,
    survey_submit,
)

from .conftest import client_for, make_order
from .test_supervision import close

ANSWER = {"timeliness": "A", "quality": "B", "attitude": "A", "comments": "师傅很专业"}
LIST = reverse("supervision:callback_list")


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def url(token: str) -> str:
    return reverse("survey:answer", args=[token])


@pytest.fixture
def closed(world, order, django_capture_on_commit_callbacks):
    return close(order, world, django_capture_on_commit_callbacks)


@pytest.fixture
def invited(closed):
    """A second, known invitation for the closed order (the hook's token is only in the SMS)."""
    invitation, token = survey_invitation_create(order=closed)
    return invitation, token


def nothing_written(invitation) -> bool:
    invitation.refresh_from_db()
    return invitation.used_at is None and not FeedbackForm.objects.exists()


# --- tokens -----------------------------------------------------------------------------------


def test_ten_thousand_tokens_are_unique_and_carry_at_least_128_random_bits():
    tokens = [new_survey_token() for _ in range(10_000)]
    assert len(set(tokens)) == 10_000
    for token in tokens[:100]:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert min(len(t) for t in tokens) >= 22  # 128 bits in base64url
    # Not a counter or a clock: the first bytes of the tokens spread over many values.
    assert len({t[:4] for t in tokens}) > 9_000


def test_closing_an_order_texts_a_survey_link_and_stores_only_its_hash(world, closed):
    invitation = SurveyInvitation.objects.get(order=closed)
    sms = OutboxMessage.objects.get(template_code="survey_invitation")
    assert sms.channel == Channel.SMS and sms.to == "13812345678"
    base = settings.SITE_URL.rstrip("/")
    match = re.search(re.escape(base) + r"/s/([A-Za-z0-9_-]{43})/", sms.body)
    assert match, sms.body
    token = match.group(1)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not SurveyInvitation.objects.filter(token_hash=token).exists()
    days = SupervisionSettings.get().survey_valid_days
    assert days == 14
    expected = invitation.created_at + timedelta(days=days)
    assert abs((invitation.expires_at - expected).total_seconds()) < 5
    # The link in the SMS opens the survey.
    resp = Client().get(url(token))
    assert resp.status_code == 200 and closed.number in resp.content.decode()


def test_the_validity_comes_from_the_settings_row(world, closed):
    SupervisionSettings.objects.filter(pk=1).update(survey_valid_days=3)
    invitation, _token = survey_invitation_create(order=closed)
    left = invitation.expires_at - timezone.now()
    assert timedelta(days=2, hours=23) < left <= timedelta(days=3)


# --- the public page --------------------------------------------------------------------------


def test_the_customer_answers_the_three_items_without_logging_in(world, closed, invited):
    invitation, token = invited
    client = Client()
    page = client.get(url(token)).content.decode()
    assert closed.number in page and 'id="survey-form"' in page
    for item in ("timeliness", "quality", "attitude"):
        for grade in "ABCDE":
            assert f'id="{item}-{grade}"' in page
    resp = client.post(url(token), ANSWER)
    assert resp.status_code == 200
    assert 'id="survey-thanks"' in resp.content.decode()
    form = FeedbackForm.objects.get()
    assert (form.source, form.timeliness, form.quality, form.attitude) == ("survey", "A", "B", "A")
    assert form.comments == "师傅很专业" and form.counted and not form.verified
    assert form.invitation == invitation and form.order == closed
    invitation.refresh_from_db()
    assert invitation.used_at is not None


def test_a_guessed_token_is_refused_and_writes_nothing(world, invited):
    invitation, token = invited
    guess = new_survey_token()
    client = Client()
    for resp in (client.get(url(guess)), client.post(url(guess), ANSWER)):
        assert resp.status_code == 404
        assert 'id="survey-unavailable"' in resp.content.decode()
    assert (
        client.post(url(token[:-1] + ("A" if token[-1] != "A" else "B")), ANSWER).status_code == 404
    )
    assert nothing_written(invitation)


def test_a_used_token_is_refused_and_a_second_answer_is_not_recorded(world, invited):
    invitation, token = invited
    client = Client()
    assert client.post(url(token), ANSWER).status_code == 200
    for resp in (client.get(url(token)), client.post(url(token), {**ANSWER, "quality": "E"})):
        assert resp.status_code == 410
        assert "已提交" in resp.content.decode()
    assert FeedbackForm.objects.count() == 1
    assert FeedbackForm.objects.get().quality == "B"
    with pytest.raises(SurveyUnavailable):
        survey_submit(token=token, **ANSWER)
    assert FeedbackForm.objects.count() == 1


def test_an_expired_token_is_refused_and_writes_nothing(world, invited):
    invitation, token = invited
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    client = Client()
    for resp in (client.get(url(token)), client.post(url(token), ANSWER)):
        assert resp.status_code == 410
        assert "已过期" in resp.content.decode()
    assert nothing_written(invitation)


def test_an_incomplete_answer_is_refused_and_the_link_stays_open(world, invited):
    invitation, token = invited
    resp = Client().post(url(token), {"timeliness": "A", "quality": "F", "comments": "x"})
    assert resp.status_code == 400
    assert "A–E" in resp.content.decode()
    assert nothing_written(invitation)


def test_the_survey_page_is_rate_limited(world, invited):
    _invitation, token = invited
    SupervisionSettings.objects.filter(pk=1).update(survey_per_hour=3)
    client = Client()
    codes = [client.get(url(new_survey_token())).status_code for _ in range(3)]
    assert codes == [404, 404, 404]
    resp = client.get(url(token))
    assert resp.status_code == 429 and 'id="survey-throttled"' in resp.content.decode()
    assert client.post(url(token), ANSWER).status_code == 429
    assert not FeedbackForm.objects.exists()


def test_the_response_rate_is_answered_over_sent(world, closed, invited):
    _invitation, token = invited
    supervisor = world["supervisor"]
    assert survey_response_rate(supervisor) == {"sent": 2, "answered": 0, "rate": 0.0}
    survey_submit(token=token, **ANSWER)
    assert survey_response_rate(supervisor) == {"sent": 2, "answered": 1, "rate": 50.0}
    body = client_for(supervisor).get(LIST).content.decode()
    assert 'id="survey-rate">50.0%' in body
    assert survey_response_rate(world["agent"])["sent"] == 0


# --- feedback forms from callbacks --------------------------------------------------------------


def test_a_callback_with_grades_records_the_feedback_form(world, closed):
    callback = Callback.objects.get(order=closed)
    resp = client_for(world["supervisor"]).post(
        reverse("supervision:callback_complete", args=[callback.pk]),
        {"notes": "客户满意", "timeliness": "B", "quality": "A", "attitude": "C"},
        follow=True,
    )
    assert resp.status_code == 200
    form = FeedbackForm.objects.get()
    assert (form.source, form.timeliness, form.quality, form.attitude) == (
        "callback",
        "B",
        "A",
        "C",
    )
    assert form.callback == callback and form.created_by == world["supervisor"] and form.counted
    body = resp.content.decode()
    assert f'id="feedback-{closed.pk}"' in body and "B / A / C" in body


def test_a_callback_without_grades_still_works_and_records_no_form(world, closed):
    callback = Callback.objects.get(order=closed)
    callback_complete(callback=callback, actor=world["supervisor"], notes="满意")
    closed.refresh_from_db()
    assert closed.status == Status.FOLLOWED_UP
    assert not FeedbackForm.objects.exists()


def test_partial_or_invalid_grades_are_refused_and_nothing_changes(world, closed):
    callback = Callback.objects.get(order=closed)
    for grades in ({"timeliness": "A"}, {"timeliness": "A", "quality": "A", "attitude": "Z"}):
        with pytest.raises(ValidationFailed):
            callback_complete(callback=callback, actor=world["supervisor"], notes="好", **grades)
    callback.refresh_from_db()
    closed.refresh_from_db()
    assert callback.status == Callback.Status.DUE and closed.status == Status.CLOSED
    assert not FeedbackForm.objects.exists()


def test_only_the_first_form_of_an_order_counts(world, closed, invited):
    _invitation, token = invited
    survey_submit(token=token, **ANSWER)
    callback = Callback.objects.get(order=closed)
    callback_complete(
        callback=callback,
        actor=world["supervisor"],
        notes="电话回访",
        timeliness="E",
        quality="E",
        attitude="E",
    )
    counted = FeedbackForm.objects.filter(order=closed, counted=True)
    assert [f.source for f in counted] == ["survey"]
    assert FeedbackForm.objects.filter(order=closed, counted=False).get().source == "callback"
    # The callback list shows the counted one (the customer's answer).
    body = client_for(world["supervisor"]).get(LIST).content.decode()
    assert "A / B / A" in body


def test_supervision_verifies_a_form_once_and_others_may_not(world, closed, invited):
    _invitation, token = invited
    form = survey_submit(token=token, **ANSWER)
    with pytest.raises(PermissionDenied):
        feedback_verify(form=form, actor=world["director"])
    client = client_for(world["supervisor"])
    resp = client.post(reverse("supervision:feedback_verify", args=[form.pk]), follow=True)
    assert resp.status_code == 200
    form.refresh_from_db()
    assert form.verified and form.verified_by == world["supervisor"]
    assert (
        client_for(world["agent"])
        .post(reverse("supervision:feedback_verify", args=[form.pk]))
        .status_code
        == 404
    )


def test_an_order_without_a_mobile_gets_no_survey(world, django_capture_on_commit_callbacks):
    order = make_order(world)
    type(order).objects.filter(pk=order.pk).update(contact_mobile="")
    order.refresh_from_db()
    close(order, world, django_capture_on_commit_callbacks)
    assert Callback.objects.filter(order=order).exists()
    assert not SurveyInvitation.objects.filter(order=order).exists()


# --- mystery inspections ----------------------------------------------------------------------


# --- the order page -----------------------------------------------------------------------------


def test_the_order_page_shows_the_counted_feedback_form_to_supervision_only(world, invited):
    invitation, token = invited
    order_url = reverse("service:order_detail", args=[invitation.order.pk])
    # No form yet: no panel.
    assert (
        'id="order-feedback"' not in client_for(world["supervisor"]).get(order_url).content.decode()
    )
    survey_submit(token=token, **ANSWER)
    for who in ("supervisor", "director"):
        body = client_for(world[who]).get(order_url).content.decode()
        assert 'id="order-feedback"' in body and ANSWER["comments"] in body
    body = client_for(world["agent"]).get(order_url).content.decode()
    assert invitation.order.number in body
    assert 'id="order-feedback"' not in body and ANSWER["comments"] not in body
