"""Races on a result's distribution through real parallel connections (PostgreSQL, selected by
the `postgres` marker): every write locks the result's row first, so of simultaneous splits
each supersedes the one before and exactly one stays in force; of two applications one wins;
an application racing a re-distribution either freezes the split or finds it superseded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.accounts.models import Role
from aftersales.assessment.models import Distribution
from aftersales.assessment.services import ShareInput, distribution_apply, distribution_save
from aftersales.core.errors import InvalidTransition

from . import factories as f
from .test_assessment_distribution import make_result
from .test_concurrency import in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _split(world, amount="1000.00"):
    return [ShareInput(world["tech"].pk, Decimal(amount), "")]


def test_simultaneous_splits_leave_one_in_force(reseed, world):
    result = make_result(outlet=world["outlet"])
    admins = [f.UserFactory(username=f"admin{i}", role=Role.ADMIN) for i in range(3)]
    heads = [world["manager"].user, *admins]
    results = in_parallel(
        *(
            lambda u=u: distribution_save(result=result, shares=_split(world), actor=u)
            for u in heads
        )
    )
    assert all(kind == "ok" for kind, _r in results), results
    rows = Distribution.objects.filter(result=result)
    assert sorted(rows.values_list("version", flat=True)) == [1, 2, 3, 4]
    assert rows.exclude(status="superseded").count() == 1
    assert rows.get(status="current").version == 4


def test_two_applications_at_once_apply_once(reseed, world):
    result = make_result(outlet=world["outlet"])
    d = distribution_save(result=result, shares=_split(world), actor=world["manager"].user)
    hrs = [f.UserFactory(username=f"hr{i}", role=Role.HR) for i in range(4)]
    results = in_parallel(
        *(
            lambda u=u: distribution_apply(distribution=Distribution.objects.get(pk=d.pk), actor=u)
            for u in hrs
        )
    )
    ok = [r for kind, r in results if kind == "ok"]
    assert len(ok) == 1, results
    assert all(isinstance(r, InvalidTransition) for kind, r in results if kind == "error")
    d.refresh_from_db()
    assert (d.status, d.applied_by) == ("applied", ok[0].applied_by)


def test_an_application_racing_a_new_split_never_applies_a_superseded_one(reseed, world):
    result = make_result(outlet=world["outlet"])
    first = distribution_save(result=result, shares=_split(world), actor=world["manager"].user)
    hr = f.UserFactory(username="hr", role=Role.HR)
    results = in_parallel(
        lambda: distribution_apply(distribution=Distribution.objects.get(pk=first.pk), actor=hr),
        lambda: distribution_save(result=result, shares=_split(world), actor=world["manager"].user),
    )
    kinds = [kind for kind, _r in results]
    assert sorted(kinds) == ["error", "ok"], results
    assert all(isinstance(r, InvalidTransition) for kind, r in results if kind == "error")
    rows = Distribution.objects.filter(result=result)
    assert rows.exclude(status="superseded").count() == 1
    first.refresh_from_db()
    if kinds[0] == "ok":  # applied first: frozen, the new split refused
        assert (first.status, rows.count()) == ("applied", 1)
    else:  # re-distributed first: the old split is superseded, never applied
        assert first.status == "superseded" and first.applied_at is None
