"""Two submits of the same survey link at once: exactly one answer is recorded (PostgreSQL,
real parallel connections; selected by the `postgres` marker)."""

from __future__ import annotations

import pytest

from aftersales.supervision.models import FeedbackForm, SurveyInvitation
from aftersales.supervision.services import (
    SurveyUnavailable,
    survey_invitation_create,
    survey_submit,
)

from .conftest import make_order
from .test_concurrency import in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_submits_record_one_answer(reseed, world):
    order = make_order(world)
    invitation, token = survey_invitation_create(order=order)

    def answer(grade: str):
        return lambda: survey_submit(
            token=token, timeliness=grade, quality=grade, attitude=grade, comments=grade
        )

    results = in_parallel(*(answer(g) for g in "ABCD"))
    ok = [r for kind, r in results if kind == "ok"]
    refused = [r for kind, r in results if kind == "error"]
    assert len(ok) == 1, results
    assert all(isinstance(exc, SurveyUnavailable) for exc in refused), results
    assert FeedbackForm.objects.count() == 1
    assert SurveyInvitation.objects.get(pk=invitation.pk).used_at is not None
