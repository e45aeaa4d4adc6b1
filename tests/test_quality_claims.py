"""Supplier claims (二次索赔): the flow draft → submitted → accepted / partly accepted /
rejected → settled, the amounts accepted and recovered, and the transition history."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.quality import services as q
from aftersales.quality.models import ClaimTransition, CostSettings, Ruling, SupplierClaim

from .quality_support import LABOUR, TRAVEL, cast, diagnosed, issued

CS = SupplierClaim.Status


@pytest.fixture
def w(world):
    return cast(world)


@pytest.fixture
def claim(w):
    ruling = issued(w, diagnosed(w))
    q.ruling_transition(ruling=ruling, action="accept", actor=w["qe"])
    return SupplierClaim.objects.get(ruling=ruling)


def test_a_claim_goes_from_draft_to_settled_with_the_amount_recovered(w, claim):
    qe, fin = w["qe"], w["finance"]
    claim = q.claim_transition(claim=claim, action="submit", actor=qe)
    claim = q.claim_transition(
        claim=claim, action="accept_part", actor=qe, accepted_amount="150.00"
    )
    assert claim.status == CS.PARTLY_ACCEPTED and claim.accepted_amount == Decimal("150.00")
    claim = q.claim_transition(claim=claim, action="settle", actor=fin, recovered_amount="150")
    assert claim.status == CS.SETTLED
    assert claim.recovered_amount == Decimal("150.00") and claim.settled_at is not None
    assert list(claim.transitions.values_list("action", "to_status")) == [
        ("create", "draft"),
        ("submit", "submitted"),
        ("accept_part", "partly_accepted"),
        ("settle", "settled"),
    ]


def test_a_fully_accepted_claim_accepts_the_claimed_amount(w, claim):
    q.claim_transition(claim=claim, action="submit", actor=w["qe"])
    claim = q.claim_transition(claim=claim, action="accept", actor=w["qe"])
    assert claim.accepted_amount == claim.claimed_amount == LABOUR + TRAVEL


def test_a_rejected_claim_settles_at_nothing(w, claim):
    q.claim_transition(claim=claim, action="submit", actor=w["qe"])
    q.claim_transition(claim=claim, action="reject", actor=w["qe"], reason="供应商称超出质保期")
    with pytest.raises(ValidationFailed):
        q.claim_transition(claim=claim, action="settle", actor=w["finance"], recovered_amount="1")
    claim = q.claim_transition(
        claim=claim, action="settle", actor=w["finance"], recovered_amount="0"
    )
    assert claim.status == CS.SETTLED and claim.recovered_amount == 0


def test_more_than_the_accepted_amount_cannot_be_recovered(w, claim):
    q.claim_transition(claim=claim, action="submit", actor=w["qe"])
    q.claim_transition(claim=claim, action="accept_part", actor=w["qe"], accepted_amount="100")
    with pytest.raises(ValidationFailed) as refused:
        q.claim_transition(
            claim=claim, action="settle", actor=w["finance"], recovered_amount="100.01"
        )
    assert refused.value.field == "recovered_amount"
    claim.refresh_from_db()
    assert claim.status == CS.PARTLY_ACCEPTED and claim.recovered_amount == 0


@pytest.mark.parametrize("amount", ["0", "210.00", "999", "-5", "abc", "1.001"])
def test_a_partial_acceptance_must_be_between_nothing_and_the_claim(w, claim, amount):
    q.claim_transition(claim=claim, action="submit", actor=w["qe"])
    with pytest.raises(ValidationFailed):
        q.claim_transition(claim=claim, action="accept_part", actor=w["qe"], accepted_amount=amount)
    claim.refresh_from_db()
    assert claim.status == CS.SUBMITTED


def test_a_claim_is_not_submitted_while_its_ruling_can_still_be_appealed(w):
    ruling = issued(w, diagnosed(w))
    claim = SupplierClaim.objects.get(ruling=ruling)
    with pytest.raises(InvalidTransition):
        q.claim_transition(claim=claim, action="submit", actor=w["qe"])
    claim.refresh_from_db()
    assert claim.status == CS.DRAFT


def test_only_finance_settles_and_only_quality_answers_for_the_supplier(w, claim):
    with pytest.raises(PermissionDenied):
        q.claim_transition(claim=claim, action="submit", actor=w["finance"])
    q.claim_transition(claim=claim, action="submit", actor=w["qe"])
    q.claim_transition(claim=claim, action="accept", actor=w["qe"])
    for user in (w["qe"], w["director"], w["manager"].user):
        with pytest.raises(PermissionDenied):
            q.claim_transition(claim=claim, action="settle", actor=user, recovered_amount="1")


PATHS = {
    CS.DRAFT: [],
    CS.SUBMITTED: [("submit", {})],
    CS.ACCEPTED: [("submit", {}), ("accept", {})],
    CS.PARTLY_ACCEPTED: [("submit", {}), ("accept_part", {"accepted_amount": "10"})],
    CS.REJECTED: [("submit", {}), ("reject", {})],
    CS.SETTLED: [("submit", {}), ("accept", {}), ("settle", {"recovered_amount": "5"})],
    CS.CANCELLED: [("cancel", {})],
}


@pytest.mark.parametrize("state", list(PATHS))
def test_every_claim_action_the_table_does_not_allow_is_refused_and_nothing_changes(
    w, claim, state
):
    for action, data in PATHS[state]:
        actor = w["finance"] if action == "settle" else w["qe"]
        claim = q.claim_transition(claim=claim, action=action, actor=actor, reason="理由", **data)
    assert claim.status == state
    allowed = {a for a, (sources, _t) in q.CLAIM_TRANSITIONS.items() if state in sources}
    for action in set(q.CLAIM_TRANSITIONS) - allowed:
        before = ClaimTransition.objects.count()
        snapshot = SupplierClaim.objects.values().get(pk=claim.pk)
        with pytest.raises(InvalidTransition):
            q.claim_transition(
                claim=claim,
                action=action,
                actor=w["qe"],
                reason="x",
                accepted_amount="1",
                recovered_amount="0",
            )
        assert SupplierClaim.objects.values().get(pk=claim.pk) == snapshot
        assert ClaimTransition.objects.count() == before


def test_claims_can_be_made_by_an_action_when_not_made_on_issue(w):
    settings = CostSettings.get()
    settings.claims_on_issue = False
    settings.save()
    ruling = issued(w, diagnosed(w))
    assert not SupplierClaim.objects.exists()
    created = q.claims_create_for_ruling(ruling=ruling, actor=w["qe"])
    assert len(created) == 1 and created[0].claimed_amount == ruling.total_cost
    assert q.claims_create_for_ruling(ruling=ruling, actor=w["qe"]) == []


def test_a_ruling_without_a_supplier_opens_no_claim(w):
    spec = q.RulingSpec(party="customer", findings="客户私自改装")
    ruling = issued(w, diagnosed(w), spec)
    assert ruling.status == Ruling.Status.ISSUED
    assert not SupplierClaim.objects.exists()
    with pytest.raises(ValidationFailed):
        q.claims_create_for_ruling(ruling=ruling, actor=w["qe"])


def test_the_claim_keeps_the_old_part_as_evidence(w, monkeypatch):
    from aftersales.quality import costing

    monkeypatch.setattr(
        costing,
        "old_parts",
        lambda order: [{"part_code": "RLY-24V", "name": "继电器", "serial": "B2301"}],
    )
    monkeypatch.setattr("aftersales.quality.services.old_parts", costing.old_parts)
    ruling = issued(w, diagnosed(w))
    claim = SupplierClaim.objects.get(ruling=ruling)
    assert claim.evidence == [{"part_code": "RLY-24V", "name": "继电器", "serial": "B2301"}]
