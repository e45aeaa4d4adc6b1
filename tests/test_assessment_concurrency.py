"""Races on the monthly assessment through real parallel connections (PostgreSQL, selected by
the `postgres` marker): two approvals of one draft give one approval; two computations of the
same month at once leave one draft per unit."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import Role
from aftersales.assessment.models import AssessmentResult, AssessmentTransition
from aftersales.assessment.services import assessment_approve, assessment_compute
from aftersales.core.errors import InvalidTransition

from . import factories as f
from .test_assessment_compute import MAY, jobs
from .test_concurrency import in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_approvals_at_once_approve_once(reseed, world):
    jobs(world, MAY, ["AAC"])
    draft = next(
        r for r in assessment_compute(month=MAY, actor=world["director"]) if r.outlet_id is None
    )
    approvers = [f.UserFactory(username=f"hr{i}", role=Role.HR) for i in range(4)]

    def approve(user):
        return lambda: assessment_approve(
            result=AssessmentResult.objects.get(pk=draft.pk), actor=user
        )

    results = in_parallel(*(approve(u) for u in approvers))
    ok = [r for kind, r in results if kind == "ok"]
    refused = [r for kind, r in results if kind == "error"]
    assert len(ok) == 1, results
    assert all(isinstance(exc, InvalidTransition) for exc in refused), results
    assert AssessmentTransition.objects.filter(result=draft, action="approve").count() == 1
    draft.refresh_from_db()
    assert draft.status == AssessmentResult.Status.APPROVED
    assert draft.approved_by == ok[0].approved_by


def test_two_computations_of_a_new_month_at_once_leave_one_draft_per_unit(reseed, world):
    jobs(world, MAY, ["AAC", "ABC"])
    users = [world["director"], f.UserFactory(username="hr", role=Role.HR)]
    results = in_parallel(*(lambda u=u: assessment_compute(month=MAY, actor=u) for u in users * 2))
    assert all(kind == "ok" for kind, _r in results), results
    rows = AssessmentResult.objects.filter(month=MAY)
    assert rows.count() == 3
    assert set(rows.values_list("version", flat=True)) == {1}
