"""Configurable survey forms (S11): the technician rating asked with every after-service survey,
the annual satisfaction survey sent to every customer, email invitations, results and rates."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales.core.errors import PermissionDenied, ValidationFailed
from aftersales.notifications.models import Channel, OutboxMessage
from aftersales.supervision.models import (
    FeedbackForm,
    SurveyAnswer,
    SurveyForm,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from aftersales.supervision.selectors import survey_form_results
from aftersales.supervision.services import (
    SurveyUnavailable,
    survey_campaign_send,
    survey_form_submit,
    survey_invitation_create,
    survey_slots,
    survey_submit,
)

from . import factories as f
from .conftest import client_for
from .test_supervision import close

THREE = {"timeliness": "A", "quality": "B", "attitude": "A"}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rated(world, order, django_capture_on_commit_callbacks):
    """A closed order done by the technician, and a known invitation for it."""
    order.technicians.add(world["tech"])
    close(order, world, django_capture_on_commit_callbacks)
    result = survey_invitation_create(order=order)
    assert result is not None
    return result


def rating_form() -> SurveyForm:
    return SurveyForm.objects.get(code="technician-rating")


def annual() -> SurveyForm:
    return SurveyForm.objects.get(code="annual-satisfaction")


def test_the_spec_forms_are_seeded(db):
    assert [q.text for q in rating_form().questions.all()] == [
        "服务态度",
        "技术水平",
        "到达时间",
        "履行承诺",
    ]
    assert annual().kind == SurveyForm.Kind.ANNUAL
    assert SurveyForm.objects.filter(kind=SurveyForm.Kind.OPINION_CARD).exists()


def test_the_after_service_survey_asks_the_four_items_for_each_technician(world, rated):
    invitation, token = rated
    slots = survey_slots(invitation)
    assert [(s.question.text, s.technician) for s in slots] == [
        (text, world["tech"]) for text in ("服务态度", "技术水平", "到达时间", "履行承诺")
    ]
    body = Client().get(reverse("survey:answer", args=[token])).content.decode()
    assert str(world["tech"].user) in body and "履行承诺" in body
    # The customer sees the engineer's name, not the internal employee number.
    assert world["tech"].employee_no not in body


def test_a_customer_reading_english_gets_the_english_questions(world, rated):
    _invitation, token = rated
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("survey:answer", args=[token])).content.decode()
    for text in ("Attitude", "Technical skill", "Arrival on time", "Kept promises"):
        assert text in body
    assert "履行承诺" not in body
    # A question an administrator wrote without English is shown in Chinese.
    rating_form().questions.filter(position=4).update(text="是否按约定时间回电", text_en="")
    assert (
        "是否按约定时间回电" in client.get(reverse("survey:answer", args=[token])).content.decode()
    )


def test_reseeding_fills_missing_english_but_keeps_an_administrators_wording(db):
    from aftersales.supervision.services import seed_supervision_defaults

    SurveyQuestion.objects.update(text_en="")
    rating_form().questions.filter(position=1).update(text="服务是否热情")
    seed_supervision_defaults()
    texts = list(rating_form().questions.values_list("text", "text_en"))
    assert texts[0] == ("服务是否热情", "") and texts[1] == ("技术水平", "Technical skill")


def test_a_missing_technician_rating_writes_nothing(world, rated):
    invitation, token = rated
    slots = survey_slots(invitation)
    partial = {slots[0].key: "A"}
    with pytest.raises(ValidationFailed) as info:
        survey_submit(token=token, answers=partial, **THREE)
    assert info.value.field == slots[1].key
    invitation.refresh_from_db()
    assert invitation.used_at is None
    assert not FeedbackForm.objects.exists() and not SurveyResponse.objects.exists()


def test_the_customer_rates_the_technician_on_the_page(world, rated):
    invitation, token = rated
    slots = survey_slots(invitation)
    data = {**THREE, **{s.key: g for s, g in zip(slots, "ABCD", strict=True)}}
    response = Client().post(reverse("survey:answer", args=[token]), data)
    assert response.status_code == 200 and 'id="survey-thanks"' in response.content.decode()
    assert FeedbackForm.objects.filter(invitation=invitation, timeliness="A").exists()
    answers = SurveyAnswer.objects.filter(response__invitation=invitation).order_by(
        "question__position"
    )
    assert [(a.question.text, a.grade) for a in answers] == [
        ("服务态度", "A"),
        ("技术水平", "B"),
        ("到达时间", "C"),
        ("履行承诺", "D"),
    ]
    assert {a.technician for a in answers} == {world["tech"]}
    results = survey_form_results(rating_form())
    assert results["technicians"][0]["means"] == [5.0, 4.0, 3.0, 2.0]
    page = client_for(world["supervisor"]).get(
        reverse("supervision:survey_detail", args=[rating_form().pk])
    )
    assert 'id="technician-ratings"' in page.content.decode()


def test_an_inactive_rating_form_is_not_asked(world, rated):
    SurveyForm.objects.filter(kind=SurveyForm.Kind.TECHNICIAN).update(active=False)
    invitation, token = rated
    assert survey_slots(invitation) == []
    survey_submit(token=token, **THREE)
    assert FeedbackForm.objects.count() == 1 and not SurveyResponse.objects.exists()


def test_without_a_mobile_number_the_invitation_goes_by_email(
    world, order, django_capture_on_commit_callbacks
):
    contact = world["customer"].contacts.first()
    contact.email = "fleet@example.com"
    contact.save()
    type(order).objects.filter(pk=order.pk).update(contact_mobile="")
    order.refresh_from_db()
    close(order, world, django_capture_on_commit_callbacks)
    invitation = SurveyInvitation.objects.get(order=order)
    assert (invitation.channel, invitation.sent_to) == (Channel.EMAIL, "fleet@example.com")
    mail = OutboxMessage.objects.get(template_code="survey_invitation")
    assert mail.channel == Channel.EMAIL and mail.to == "fleet@example.com"
    assert order.number in mail.subject and "/s/" in mail.body


# --- the annual survey --------------------------------------------------------------------------


def token_from(message: OutboxMessage) -> str:
    match = re.search(r"/s/([A-Za-z0-9_-]{40,})/", message.body)
    assert match, message.body
    return match.group(1)


def test_the_annual_survey_goes_to_every_reachable_customer_once(world):
    second = f.CustomerFactory(name="上海巴士")
    f.ContactFactory(customer=second, mobile="13900000001")
    f.CustomerFactory(name="无联系人客户")
    supervisor = world["supervisor"]
    with pytest.raises(PermissionDenied):
        survey_campaign_send(
            actor=world["director"], form=annual(), customers=second.__class__.objects.all()
        )
    sent = survey_campaign_send(
        actor=supervisor, form=annual(), customers=second.__class__.objects.all()
    )
    assert sent == 2
    again = survey_campaign_send(
        actor=supervisor, form=annual(), customers=second.__class__.objects.all()
    )
    assert again == 0
    assert SurveyInvitation.objects.filter(form=annual()).count() == 2
    sms = OutboxMessage.objects.filter(template_code="survey_campaign", channel=Channel.SMS)
    assert sms.count() == 2 and "年度客户满意度调查" in sms.first().body


def test_a_rating_form_is_not_sent_as_a_campaign(world):
    with pytest.raises(ValidationFailed):
        survey_campaign_send(
            actor=world["supervisor"],
            form=rating_form(),
            customers=world["customer"].__class__.objects.all(),
        )
    assert not SurveyInvitation.objects.exists()


def test_the_customer_answers_the_annual_survey_once(world):
    survey_campaign_send(
        actor=world["supervisor"],
        form=annual(),
        customers=world["customer"].__class__.objects.all(),
    )
    token = token_from(OutboxMessage.objects.get(template_code="survey_campaign"))
    url = reverse("survey:answer", args=[token])
    page = Client().get(url).content.decode()
    assert "年度客户满意度调查" in page and "总体满意度" in page
    slots = survey_slots(SurveyInvitation.objects.get(form=annual()))
    answers = {s.key: "B" for s in slots if s.question.kind == SurveyQuestion.Kind.GRADE}
    # A bad grade is refused and nothing is written.
    bad = Client().post(url, {**answers, slots[0].key: "Z"})
    assert bad.status_code == 400 and not SurveyResponse.objects.exists()
    text_key = next(s.key for s in slots if s.question.kind == SurveyQuestion.Kind.TEXT)
    done = Client().post(url, {**answers, text_key: "希望增加服务网点"})
    assert done.status_code == 200
    response = SurveyResponse.objects.get(form=annual())
    assert response.customer == world["customer"] and response.order is None
    assert response.answers.filter(text="希望增加服务网点").exists()
    assert Client().post(url, answers).status_code == 410
    with pytest.raises(SurveyUnavailable):
        survey_form_submit(token=token, answers=answers)
    assert SurveyResponse.objects.count() == 1


def test_the_survey_list_shows_each_forms_response_rate(world):
    survey_campaign_send(
        actor=world["supervisor"],
        form=annual(),
        customers=world["customer"].__class__.objects.all(),
    )
    invitation = SurveyInvitation.objects.get(form=annual())
    SurveyInvitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    body = client_for(world["supervisor"]).get(reverse("supervision:survey_list")).content.decode()
    row = re.search(rf'id="survey-form-{annual().pk}".*?</tr>', body, re.S)
    assert row and "100.0%" in row.group(0)


def test_survey_pages_are_for_supervision_and_only_supervisors_send(
    world, django_capture_on_commit_callbacks
):
    detail = reverse("supervision:survey_detail", args=[annual().pk])
    for user in (world["agent"], world["tech"].user, world["customer_user"]):
        assert client_for(user).get(reverse("supervision:survey_list")).status_code in (302, 403)
        assert client_for(user).get(detail).status_code in (302, 404)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world["director"]).post(detail)
    assert not SurveyInvitation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world["supervisor"]).post(detail)
    assert SurveyInvitation.objects.filter(form=annual()).count() == 1


def test_the_results_count_each_grade_per_question(world):
    form = SurveyForm.objects.get(code="opinion-card")
    question = form.questions.get(kind=SurveyQuestion.Kind.GRADE)
    for grade in "AAB":
        response = SurveyResponse.objects.create(form=form, customer=world["customer"])
        SurveyAnswer.objects.create(response=response, question=question, grade=grade)
    row = survey_form_results(form)["questions"][0]
    assert row["grades"] == [2, 1, 0, 0, 0]
    assert row["total"] == 3 and row["mean"] == round((5 + 5 + 4) / 3, 2)


# --- the portal -------------------------------------------------------------------------------


def test_the_signed_in_customer_answers_the_survey_on_the_portal(world, rated):
    invitation, _token = rated
    order = invitation.order
    client = client_for(world["customer_user"])
    page = client.get(reverse("portal:order", args=[order.pk])).content.decode()
    url = reverse("portal:order_survey", args=[order.pk])
    assert url in page
    assert "履行承诺" in client.get(url).content.decode()
    slots = survey_slots(invitation)
    ratings = {s.key: "A" for s in slots}
    assert client.post(url, THREE).status_code == 400
    assert not FeedbackForm.objects.exists()
    response = client.post(url, {**THREE, **ratings, "comments": "很好"})
    assert 'id="survey-thanks"' in response.content.decode()
    form = FeedbackForm.objects.get(order=order)
    assert form.invitation == invitation and form.comments == "很好"
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    # Answered: the link is gone and a second answer is refused.
    assert url not in client.get(reverse("portal:order", args=[order.pk])).content.decode()
    assert client.post(url, {**THREE, **ratings}).status_code == 302
    assert FeedbackForm.objects.count() == 1


def test_another_customer_cannot_answer_on_the_portal(world, rated):
    invitation, _token = rated
    stranger = f.UserFactory(username="stranger", role="customer", department="customer")
    f.CustomerFactory(name="别家公司", user=stranger)
    url = reverse("portal:order_survey", args=[invitation.order.pk])
    assert client_for(stranger).post(url, THREE).status_code == 404
    assert client_for(world["agent"]).post(url, THREE).status_code in (302, 404)
    assert not FeedbackForm.objects.exists()
