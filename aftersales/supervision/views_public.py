"""The customer's survey page (S11): no login, the link's token is the only key. A guessed,
used or expired token gets a clear page and nothing is written."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from aftersales.core.errors import ServiceError
from aftersales.portal import throttle

from .models import Grade, SupervisionSettings, SurveyInvitation
from .services import (
    ITEMS,
    SurveyUnavailable,
    suggestion_submit,
    survey_form_submit,
    survey_invitation_for_token,
    survey_slots,
    survey_submit,
)
from .views import ITEM_LABELS

MAX_TOKEN_LENGTH = 100
MAX_COMMENTS = 2000


def _unavailable(request: HttpRequest, exc: SurveyUnavailable) -> HttpResponse:
    return render(
        request,
        "supervision/survey_unavailable.html",
        {"message": exc.message, "gone": exc.gone},
        status=410 if exc.gone else 404,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    # Every request counts, valid or not: the page must not be an oracle for guessed tokens.
    limit = SupervisionSettings.get().survey_per_hour
    if not throttle.allow("survey", throttle.client_ip(request), limit=limit):
        return render(request, "supervision/survey_throttled.html", status=429)
    if len(token) > MAX_TOKEN_LENGTH:
        return _unavailable(request, SurveyUnavailable("", gone=False))
    try:
        invitation = survey_invitation_for_token(token)
    except SurveyUnavailable as exc:
        return _unavailable(request, exc)
    answers, chosen, comments = survey_post(request, invitation)
    error = ""
    if request.method == "POST":
        try:
            if invitation.form is not None:
                survey_form_submit(token=token, answers=answers)
            else:
                survey_submit(token=token, comments=comments, answers=answers, **chosen)
        except SurveyUnavailable as exc:
            return _unavailable(request, exc)
        except ServiceError as exc:
            error = str(exc.message)
        else:
            return render(request, "supervision/survey_thanks.html", {"order": invitation.order})
    return render(
        request,
        "supervision/survey_form.html",
        survey_page_context(
            invitation, answers=answers, chosen=chosen, comments=comments, error=error
        ),
        status=400 if error else 200,
    )


def survey_page_context(
    invitation: SurveyInvitation,
    *,
    answers: dict[str, str],
    chosen: dict[str, str],
    comments: str,
    error: str,
) -> dict[str, Any]:
    """What the survey page shows: the three items after a job, then the questions grouped in
    one block per form and technician. The portal's order survey shows the same page."""
    blocks: list[dict[str, Any]] = []
    for slot in survey_slots(invitation):
        if not blocks or (blocks[-1]["form"], blocks[-1]["technician"]) != (
            slot.form,
            slot.technician,
        ):
            blocks.append({"form": slot.form, "technician": slot.technician, "questions": []})
        blocks[-1]["questions"].append(
            {
                "key": slot.key,
                "text": slot.question.shown_text,
                "kind": slot.question.kind,
                "required": slot.question.required,
                "value": answers.get(slot.key, ""),
            }
        )
    return {
        "order": invitation.order,
        "survey": invitation.form,
        "items": []
        if invitation.form is not None
        else [(name, label, chosen.get(name, "")) for name, label in ITEM_LABELS],
        "blocks": blocks,
        "grades": Grade.choices,
        "comments": comments,
        "error": error,
    }


def survey_post(request: HttpRequest, invitation: SurveyInvitation) -> tuple[dict, dict, str]:
    """The answers of a posted (or blank) survey page: question answers, the three items and
    the comments, cut to size."""
    answers = {
        slot.key: request.POST.get(slot.key, "")[:MAX_COMMENTS] for slot in survey_slots(invitation)
    }
    chosen = {item: request.POST.get(item, "") for item in ITEMS}
    return answers, chosen, request.POST.get("comments", "")[:MAX_COMMENTS]


SUGGEST_PER_HOUR = 10


@never_cache
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest) -> HttpResponse:
    """意见箱: anyone may leave a suggestion (no login); rate-limited, with a honeypot field."""
    values = {k: request.POST.get(k, "")[:MAX_COMMENTS] for k in ("text", "name", "contact")}
    error = ""
    if request.method == "POST":
        if not throttle.allow("suggest", throttle.client_ip(request), limit=SUGGEST_PER_HOUR):
            return render(request, "supervision/survey_throttled.html", status=429)
        if request.POST.get("website"):
            # A bot filled the hidden field: answer as if accepted, write nothing.
            return render(request, "supervision/suggest_thanks.html")
        try:
            suggestion_submit(**values)
        except ServiceError as exc:
            error = str(exc.message)
        else:
            return render(request, "supervision/suggest_thanks.html")
    return render(
        request,
        "supervision/suggest_form.html",
        {**values, "error": error},
        status=400 if error else 200,
    )
