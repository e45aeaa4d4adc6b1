"""Responsibility rulings (S8): allocation of the job's cost, the 100% rule, the frozen ruling,
one appeal then final, the outbox messages, and the supplier claims a ruling opens."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.notifications.models import Channel, OutboxMessage
from aftersales.quality import costing
from aftersales.quality import services as q
from aftersales.quality.models import (
    ClaimLine,
    CostPolicy,
    CostSettings,
    JobCost,
    Ruling,
    RulingShare,
    RulingTransition,
    SupplierClaim,
)
from aftersales.service.models import PriceItem

from .conftest import make_order
from .quality_support import (
    LABOUR,
    TRAVEL,
    cast,
    diagnosed,
    issued,
    shared_spec,
    supplier_spec,
)

RS = Ruling.Status


@pytest.fixture
def w(world):
    return cast(world)


@pytest.fixture
def with_parts(monkeypatch):
    """Parts worth ¥333.33 on the job (stands in for the parts app's `job_parts_cost`)."""

    def fake(order):
        return {
            "parts": Decimal("333.33"),
            "lines": [
                {
                    "part_code": "RLY-24V",
                    "name": "继电器",
                    "quantity": 1,
                    "unit_cost": "333.33",
                    "amount": "333.33",
                    "warranty": True,
                }
            ],
            "available": True,
        }

    monkeypatch.setattr(costing, "parts_cost", fake)
    return Decimal("333.33")


# --- job cost -------------------------------------------------------------------------------


def test_job_cost_is_labour_hours_and_km_at_the_price_list_rates(w):
    cost = costing.job_cost(diagnosed(w))
    assert (cost.parts, cost.labour, cost.travel) == (Decimal("0.00"), LABOUR, TRAVEL)
    assert cost.total == LABOUR + TRAVEL
    assert "L-STD" in cost.labour_rate_source and "T-KM" in cost.travel_rate_source


def test_job_cost_follows_the_configured_internal_rate(w):
    conf = CostSettings.get()
    conf.labour_source = "internal"
    conf.internal_labour_rate = Decimal("95.50")
    conf.save()
    cost = costing.job_cost(diagnosed(w))
    assert cost.labour == Decimal("143.25")  # 1.5 × 95.50
    assert cost.labour_rate == Decimal("95.50")


def test_job_cost_falls_back_to_the_internal_rate_when_the_price_item_is_gone(w):
    PriceItem.objects.filter(code="T-KM").update(is_active=False)
    cost = costing.job_cost(diagnosed(w))
    assert cost.travel_rate == CostSettings.get().internal_travel_rate
    assert "T-KM" in cost.travel_rate_source


def test_job_cost_includes_the_parts_of_the_job(w, with_parts):
    cost = costing.job_cost(diagnosed(w))
    assert cost.parts == with_parts
    assert cost.total == with_parts + LABOUR + TRAVEL
    assert cost.as_detail()["parts_lines"][0]["part_code"] == "RLY-24V"


# --- creating and issuing -------------------------------------------------------------------


def test_a_supplier_responsible_ruling_produces_a_claim_whose_lines_equal_the_allocated_cost(
    w, with_parts, django_capture_on_commit_callbacks
):
    ruling = issued(w, diagnosed(w))

    claim = SupplierClaim.objects.get(ruling=ruling)
    share = ruling.shares.get()
    lines = {line.kind: line.amount for line in claim.lines.all()}
    assert lines == {
        ClaimLine.Kind.PARTS: with_parts,
        ClaimLine.Kind.LABOUR: LABOUR,
        ClaimLine.Kind.TRAVEL: TRAVEL,
    }
    assert (share.parts_amount, share.labour_amount, share.travel_amount) == (
        with_parts,
        LABOUR,
        TRAVEL,
    )
    assert claim.claimed_amount == ruling.total_cost == with_parts + LABOUR + TRAVEL
    assert claim.supplier == w["supplier"]
    assert claim.number.startswith("SC-") and len(claim.number) == len("SC-2026-000001")
    assert claim.status == SupplierClaim.Status.DRAFT


def test_a_shared_ruling_claims_only_the_suppliers_share_of_each_cost(w, with_parts):
    ruling = issued(w, diagnosed(w), shared_spec(w, "60", "40"))

    claim = SupplierClaim.objects.get(ruling=ruling)
    share = ruling.shares.get(party="supplier")
    lines = {line.kind: line.amount for line in claim.lines.all()}
    assert lines == {
        "parts": share.parts_amount,
        "labour": share.labour_amount,
        "travel": share.travel_amount,
    }
    # 60% of 333.33 = 199.998 → 199.99 plus the leftover cent, which goes to the largest share.
    assert share.parts_amount == Decimal("200.00")
    assert ruling.shares.get(party="manufacturer").parts_amount == Decimal("133.33")
    assert sum(s.total_amount for s in ruling.shares.all()) == ruling.total_cost


def test_a_shared_ruling_whose_percentages_do_not_add_up_to_100_is_refused(w):
    order = diagnosed(w)
    with pytest.raises(ValidationFailed) as refused:
        q.ruling_create(order=order, actor=w["qe"], spec=shared_spec(w, "60", "30"), issue=True)
    assert "100%" in str(refused.value.message) and "90" in str(refused.value.message)
    assert not Ruling.objects.exists()
    assert not RulingShare.objects.exists()
    assert not SupplierClaim.objects.exists()
    assert not OutboxMessage.objects.filter(template_code="ruling_issued").exists()


@pytest.mark.parametrize("percents", [("60", "50"), ("50", "50", "0.5"), ("100", "0")])
def test_shares_over_100_or_of_nothing_are_refused_too(w, percents):
    with pytest.raises(ValidationFailed):
        q.ruling_create(order=diagnosed(w), actor=w["qe"], spec=shared_spec(w, *percents))
    assert not Ruling.objects.exists()


def test_a_manufacturer_ruling_must_name_the_department(w):
    with pytest.raises(ValidationFailed) as refused:
        q.ruling_create(
            order=diagnosed(w),
            actor=w["qe"],
            spec=q.RulingSpec(party="manufacturer", findings="设计缺陷"),
        )
    assert refused.value.field == "department"


def test_a_supplier_ruling_must_name_the_supplier(w):
    with pytest.raises(ValidationFailed) as refused:
        q.ruling_create(order=diagnosed(w), actor=w["qe"], spec=supplier_spec(w, supplier=None))
    assert refused.value.field == "supplier"


def test_an_order_not_yet_diagnosed_cannot_be_ruled(w):
    order = make_order(w)
    with pytest.raises(InvalidTransition):
        q.ruling_create(order=order, actor=w["qe"], spec=supplier_spec(w))
    assert not Ruling.objects.exists()


def test_only_quality_engineers_rule(w):
    order = diagnosed(w)
    for user in (w["director"], w["finance"], w["manager"].user, w["tech"].user):
        with pytest.raises(PermissionDenied):
            q.ruling_create(order=order, actor=user, spec=supplier_spec(w))
    assert not Ruling.objects.exists()


def test_a_second_live_ruling_for_the_same_order_is_refused(w):
    order = diagnosed(w)
    issued(w, order)
    with pytest.raises(Conflict):
        q.ruling_create(order=order, actor=w["qe"], spec=supplier_spec(w))
    assert Ruling.objects.count() == 1


def test_a_policy_prefills_nothing_by_itself_but_is_recorded_on_the_ruling(w):
    policy = CostPolicy.objects.get(code="client_material")
    ruling = q.ruling_create(
        order=diagnosed(w),
        actor=w["qe"],
        spec=q.RulingSpec(party="customer", findings="甲供材料不合格", policy=policy.pk),
    )
    assert ruling.policy == policy
    assert ruling.shares.get().party == "customer"


def test_the_three_decoration_policies_are_seeded_with_shares_adding_up_to_100(db):
    policies = {p.code: p for p in CostPolicy.objects.prefetch_related("shares")}
    assert set(policies) >= {"contractor_fault", "shared_fault", "client_material"}
    for policy in policies.values():
        assert sum(s.percent for s in policy.shares.all()) == 100
    assert [s.party for s in policies["client_material"].shares.all()] == ["customer"]


# --- outbox ---------------------------------------------------------------------------------


def test_issuing_sends_the_ruling_to_finance_quality_and_the_supplier_through_the_outbox(w):
    ruling = issued(w, diagnosed(w))
    messages = OutboxMessage.objects.filter(cause=f"ruling:{ruling.number}")
    in_app = {m.recipient_user for m in messages.filter(channel=Channel.IN_APP)}
    assert {w["qe"], w["finance"]} <= in_app
    assert w["tech"].user not in in_app and w["supervisor"] not in in_app
    email = messages.get(channel=Channel.EMAIL)
    assert email.to == "claims@relay.example.com"
    assert ruling.number in email.subject and "¥210.00" in email.body


def test_a_ruling_against_the_service_goes_to_the_outlets_manager_and_the_director(w):
    spec = q.RulingSpec(party="manufacturer", department="service", findings="安装不规范")
    ruling = issued(w, diagnosed(w), spec)
    in_app = {
        m.recipient_user
        for m in OutboxMessage.objects.filter(cause=f"ruling:{ruling.number}", channel="in_app")
    }
    assert {w["manager"].user, w["director"], w["finance"], w["qe"]} <= in_app


def test_a_draft_sends_nothing(w):
    q.ruling_create(order=diagnosed(w), actor=w["qe"], spec=supplier_spec(w))
    assert not OutboxMessage.objects.filter(template_code="ruling_issued").exists()
    assert not SupplierClaim.objects.exists()


# --- frozen ---------------------------------------------------------------------------------


def test_an_issued_ruling_is_frozen(w):
    ruling = issued(w, diagnosed(w))
    with pytest.raises(InvalidTransition):
        q.ruling_update(
            ruling=ruling, actor=w["qe"], spec=supplier_spec(w, supplier=w["supplier2"])
        )
    ruling.refresh_from_db()
    assert ruling.shares.get().supplier == w["supplier"]


def test_a_draft_can_be_changed_and_its_allocation_follows(w):
    ruling = q.ruling_create(order=diagnosed(w), actor=w["qe"], spec=supplier_spec(w))
    q.ruling_update(ruling=ruling, actor=w["qe"], spec=shared_spec(w, "70", "30"))
    ruling.refresh_from_db()
    assert ruling.party == "shared"
    assert sorted(s.percent for s in ruling.shares.all()) == [Decimal("30"), Decimal("70")]
    assert sum(s.total_amount for s in ruling.shares.all()) == ruling.total_cost


def test_issuing_freezes_the_cost_of_that_moment(w, monkeypatch):
    ruling = q.ruling_create(order=diagnosed(w), actor=w["qe"], spec=supplier_spec(w))
    assert ruling.total_cost == LABOUR + TRAVEL
    monkeypatch.setattr(
        costing,
        "parts_cost",
        lambda order: {"parts": Decimal("50"), "lines": [], "available": True},
    )
    q.ruling_transition(ruling=ruling, action="issue", actor=w["qe"])
    ruling.refresh_from_db()
    assert ruling.total_cost == Decimal("50.00") + LABOUR + TRAVEL
    assert ruling.shares.get().parts_amount == Decimal("50.00")
    assert ruling.cost_detail["parts"] == "50.00"


# --- the appeal state machine ---------------------------------------------------------------

ALL_ACTIONS = list(q.RULING_TRANSITIONS)


def _walk(w, order, path):
    ruling = q.ruling_create(order=order, actor=w["qe"], spec=supplier_spec(w))
    for action in path:
        actor = w["director"] if action == "appeal" else w["qe"]
        ruling = q.ruling_transition(
            ruling=ruling,
            action=action,
            actor=actor,
            reason="理由",
            spec=shared_spec(w, "50", "50"),
        )
    return Ruling.objects.get(pk=ruling.pk)


STATES = {
    RS.DRAFT: [],
    RS.ISSUED: ["issue"],
    RS.APPEALED: ["issue", "appeal"],
    RS.FINAL: ["issue", "accept"],
    RS.DISCARDED: ["discard"],
}


@pytest.mark.parametrize("state", list(STATES))
def test_every_action_the_table_does_not_allow_is_refused_and_nothing_changes(w, state):
    ruling = _walk(w, diagnosed(w), STATES[state])
    assert ruling.status == state
    allowed = {a for a, (sources, _t) in q.RULING_TRANSITIONS.items() if state in sources}
    for action in set(ALL_ACTIONS) - allowed:
        before = RulingTransition.objects.count(), OutboxMessage.objects.count()
        with pytest.raises(InvalidTransition):
            q.ruling_transition(
                ruling=ruling, action=action, actor=w["qe"], reason="x", spec=supplier_spec(w)
            )
        ruling.refresh_from_db()
        assert ruling.status == state
        assert (RulingTransition.objects.count(), OutboxMessage.objects.count()) == before


def test_an_unknown_action_is_an_invalid_transition(w):
    ruling = issued(w, diagnosed(w))
    with pytest.raises(InvalidTransition):
        q.ruling_transition(ruling=ruling, action="overrule", actor=w["qe"])


def test_appeal_then_uphold_makes_the_ruling_final_and_tells_the_parties(w):
    ruling = issued(w, diagnosed(w))
    q.ruling_transition(
        ruling=ruling, action="appeal", actor=w["director"], reason="继电器装配时已受损"
    )
    assert OutboxMessage.objects.filter(
        template_code="ruling_appealed", recipient_user=w["qe"]
    ).exists()
    ruling = q.ruling_transition(ruling=ruling, action="uphold", actor=w["qe"], reason="证据充分")
    assert ruling.status == RS.FINAL and ruling.appeal_outcome == "upheld"
    assert OutboxMessage.objects.filter(template_code="ruling_decided").exists()
    history = list(ruling.transitions.values_list("action", "from_status", "to_status", "actor"))
    assert history[-2:] == [
        ("appeal", "issued", "appealed", w["director"].pk),
        ("uphold", "appealed", "final", w["qe"].pk),
    ]


def test_a_revision_is_a_new_final_ruling_pointing_at_the_old_one(w, with_parts):
    old = issued(w, diagnosed(w))
    old_claim = SupplierClaim.objects.get(ruling=old)
    q.ruling_transition(ruling=old, action="appeal", actor=w["director"], reason="装配也有问题")
    new = q.ruling_transition(
        ruling=old,
        action="revise",
        actor=w["qe"],
        reason="共同责任",
        spec=shared_spec(w, "70", "30"),
    )
    old.refresh_from_db()
    assert old.status == RS.REVISED and old.appeal_outcome == "revised"
    assert old.shares.get().percent == 100  # the old ruling stays as issued
    assert new.supersedes == old and new.status == RS.FINAL and new.pk != old.pk
    old_claim.refresh_from_db()
    assert old_claim.status == SupplierClaim.Status.CANCELLED
    new_claim = SupplierClaim.objects.get(ruling=new)
    assert new_claim.claimed_amount == new.shares.get(party="supplier").total_amount
    # One appeal, then final.
    with pytest.raises(InvalidTransition):
        q.ruling_transition(ruling=new, action="appeal", actor=w["director"], reason="再申诉")


def test_a_revision_that_does_not_add_up_is_refused_and_the_appeal_stays_open(w):
    ruling = issued(w, diagnosed(w))
    q.ruling_transition(ruling=ruling, action="appeal", actor=w["director"], reason="异议")
    with pytest.raises(ValidationFailed):
        q.ruling_transition(
            ruling=ruling,
            action="revise",
            actor=w["qe"],
            reason="改",
            spec=shared_spec(w, "70", "20"),
        )
    ruling.refresh_from_db()
    assert ruling.status == RS.APPEALED
    assert Ruling.objects.count() == 1


def test_the_appeal_needs_a_reason(w):
    ruling = issued(w, diagnosed(w))
    with pytest.raises(ValidationFailed):
        q.ruling_transition(ruling=ruling, action="appeal", actor=w["director"], reason=" ")
    ruling.refresh_from_db()
    assert ruling.status == RS.ISSUED


def test_quality_engineers_and_finance_do_not_appeal(w):
    ruling = issued(w, diagnosed(w))
    for user in (w["qe"], w["finance"], w["tech"].user):
        with pytest.raises(PermissionDenied):
            q.ruling_transition(ruling=ruling, action="appeal", actor=user, reason="异议")
    ruling.refresh_from_db()
    assert ruling.status == RS.ISSUED


def test_the_station_manager_appeals_a_ruling_against_the_service_of_their_outlet(w):
    spec = q.RulingSpec(party="manufacturer", department="service", findings="安装不规范")
    ruling = issued(w, diagnosed(w), spec)
    q.ruling_transition(
        ruling=ruling, action="appeal", actor=w["manager"].user, reason="按规范安装"
    )
    ruling.refresh_from_db()
    assert ruling.status == RS.APPEALED


def test_the_station_manager_cannot_appeal_a_supplier_ruling(w):
    ruling = issued(w, diagnosed(w))
    with pytest.raises(PermissionDenied):
        q.ruling_transition(ruling=ruling, action="appeal", actor=w["manager"].user, reason="x")


# --- job cost snapshot for finance ----------------------------------------------------------


def test_issuing_stores_the_job_cost_with_the_ruled_party(w):
    ruling = issued(w, diagnosed(w))
    row = JobCost.objects.get(order=ruling.order)
    assert (row.total, row.party, row.ruling) == (LABOUR + TRAVEL, "supplier", ruling)


def test_closing_an_order_stores_its_job_cost(w, django_capture_on_commit_callbacks):
    from aftersales.service import services

    order = make_order(w)
    with django_capture_on_commit_callbacks(execute=True):
        services.work_order_transition(order=order, action="respond", actor=w["agent"])
        services.work_order_transition(order=order, action="resolve_remote", actor=w["agent"])
        services.work_order_transition(order=order, action="close", actor=w["agent"])
    row = JobCost.objects.get(order=order)
    order.refresh_from_db()
    assert row.total == Decimal("0.00") and row.party == ""
    assert row.cost_date == timezone.localdate(order.closed_at)
