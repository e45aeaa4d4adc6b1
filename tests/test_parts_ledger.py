"""The stock ledger: every change is a double-entry movement; balances equal the sum of their
movements, never go negative at a real location, and the grand total never changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from aftersales.core.errors import Conflict, InvalidTransition
from aftersales.parts import services
from aftersales.parts.models import (
    Condition,
    DocType,
    Location,
    OldPartReturn,
    OldPartStatus,
    Requisition,
    StockBalance,
    StockMovement,
)

from .test_field import on_site
from .test_parts_support import (
    assert_ledger_explains_every_balance,
    custody_total,
    ledger_sum,
    make_part,
    parts_world,
    receive,
)


@pytest.fixture
def pw(world):
    return parts_world(world)


def test_a_receipt_moves_stock_from_the_supplier_into_the_warehouse(pw):
    wh, relay = pw["wh"], pw["relay"]
    supplier = services.virtual_location(Location.Kind.SUPPLIER)

    assert services.balance_of(wh, relay) == 5
    assert services.balance_of(supplier, relay) == -5
    move = StockMovement.objects.get(part=relay)
    assert (move.from_location, move.to_location, move.quantity) == (supplier, wh, 5)
    assert move.doc_type == DocType.RECEIPT and move.doc_number.startswith("RCV-")
    assert move.actor == pw["keeper"]
    assert_ledger_explains_every_balance(relay)


def test_taking_more_than_the_stock_is_refused_with_the_quantities_and_changes_nothing(pw):
    wh, relay = pw["wh"], pw["relay"]
    scrap = services.scrap_create(
        warehouse=wh, part=relay, quantity=7, actor=pw["keeper"], reason="受潮"
    )
    before = StockMovement.objects.count()

    with pytest.raises(Conflict) as refused:
        services.scrap_transition(obj=scrap, action="approve", actor=pw["keeper"])

    assert "库存只有 5 件，不能出库 7 件" in str(refused.value.message)
    assert wh.name in str(refused.value.message)
    assert services.balance_of(wh, relay) == 5
    assert StockMovement.objects.count() == before
    scrap.refresh_from_db()
    assert scrap.status == "draft"


def test_the_database_refuses_a_negative_balance_at_a_real_warehouse(pw):
    balance = StockBalance.objects.get(location=pw["wh"], part=pw["relay"], condition="new")
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(pk=balance.pk).update(quantity=-1)


def test_a_virtual_source_may_go_negative_by_design(pw):
    supplier = services.virtual_location(Location.Kind.SUPPLIER)
    balance = StockBalance.objects.get(location=supplier, part=pw["relay"])
    assert balance.allow_negative and balance.quantity == -5


def test_a_traceable_part_needs_its_batch_on_receipt(pw):
    part = make_part("P-TRACE", traceable=True)
    with pytest.raises(Exception, match="批次或序列号"):
        services.receipt_create(
            warehouse=pw["wh"], actor=pw["keeper"], lines=[{"part": part, "quantity": 1}]
        )
    receive(pw["keeper"], pw["wh"], part, 2, batch="B2026-001")
    assert StockMovement.objects.get(part=part).batch == "B2026-001"


def test_a_transfer_is_in_transit_until_received(pw):
    keeper, relay = pw["keeper"], pw["relay"]
    transfer = services.transfer_create(
        from_warehouse=pw["wh"],
        to_warehouse=pw["other_wh"],
        actor=keeper,
        lines=[{"part": relay, "quantity": 2}],
    )
    services.transfer_transition(obj=transfer, action="send", actor=keeper)
    transit = services.virtual_location(Location.Kind.TRANSIT)
    assert services.balance_of(pw["wh"], relay) == 3
    assert services.balance_of(transit, relay) == 2
    assert services.balance_of(pw["other_wh"], relay) == 0

    services.transfer_transition(obj=transfer, action="receive", actor=keeper)
    assert services.balance_of(transit, relay) == 0
    assert services.balance_of(pw["other_wh"], relay) == 2
    assert_ledger_explains_every_balance(relay)


def test_receiving_a_transfer_twice_is_refused_and_changes_nothing(pw):
    keeper = pw["keeper"]
    transfer = services.transfer_create(
        from_warehouse=pw["wh"],
        to_warehouse=pw["other_wh"],
        actor=keeper,
        lines=[{"part": pw["relay"], "quantity": 1}],
    )
    services.transfer_transition(obj=transfer, action="send", actor=keeper)
    services.transfer_transition(obj=transfer, action="receive", actor=keeper)
    moves = StockMovement.objects.count()
    with pytest.raises(InvalidTransition, match="已接收"):
        services.transfer_transition(obj=transfer, action="receive", actor=keeper)
    assert StockMovement.objects.count() == moves


def test_a_count_posts_only_the_variance_after_approval(pw):
    keeper, wh, relay = pw["keeper"], pw["wh"], pw["relay"]
    count = services.stock_count_create(warehouse=wh, actor=keeper)
    line = count.lines.get(part=relay)
    assert line.system_quantity == 5
    services.stock_count_enter(count=count, actor=keeper, counted={line.pk: 3})
    services.stock_count_transition(obj=count, action="submit", actor=keeper)
    assert services.balance_of(wh, relay) == 5  # nothing posts before approval

    services.stock_count_transition(obj=count, action="approve", actor=keeper)
    assert services.balance_of(wh, relay) == 3
    variance = services.virtual_location(Location.Kind.VARIANCE)
    assert services.balance_of(variance, relay) == 2
    assert_ledger_explains_every_balance(relay)


def test_a_station_manager_cannot_approve_a_count_variance(pw):
    manager = pw["manager"].user
    count = services.stock_count_create(warehouse=pw["wh"], actor=manager)
    line = count.lines.get()
    services.stock_count_enter(count=count, actor=manager, counted={line.pk: 9})
    services.stock_count_transition(obj=count, action="submit", actor=manager)
    with pytest.raises(Exception, match="备件库管员"):
        services.stock_count_transition(obj=count, action="approve", actor=manager)
    assert services.balance_of(pw["wh"], pw["relay"]) == 5


def test_a_station_manager_cannot_post_a_receipt_for_another_outlets_warehouse(pw):
    with pytest.raises(Exception, match="无权管理"):
        services.receipt_create(
            warehouse=pw["other_wh"],
            actor=pw["manager"].user,
            lines=[{"part": pw["relay"], "quantity": 1}],
        )


def test_a_requisition_walks_requested_approved_issued_into_the_van(pw):
    order = on_site(pw)
    tech = pw["tech"].user
    req = services.requisition_request(
        order=order, actor=tech, part=pw["relay"], quantity=2, reason="继电器烧蚀"
    )
    assert req.status == "requested" and req.number.startswith("REQ-")
    with pytest.raises(InvalidTransition):
        services.requisition_transition(obj=req, action="issue", actor=pw["keeper"])
    services.requisition_transition(obj=req, action="approve", actor=pw["keeper"])
    services.requisition_transition(obj=req, action="issue", actor=pw["keeper"])
    van = services.technician_van(pw["tech"])
    assert services.balance_of(van, pw["relay"]) == 2
    assert services.balance_of(pw["wh"], pw["relay"]) == 3
    req.refresh_from_db()
    assert req.status == "issued" and req.issued_at is not None


def test_rejecting_a_requisition_needs_a_reason(pw):
    order = on_site(pw)
    req = services.requisition_request(
        order=order, actor=pw["tech"].user, part=pw["relay"], quantity=1
    )
    with pytest.raises(Exception, match="原因"):
        services.requisition_transition(obj=req, action="reject", actor=pw["keeper"])
    services.requisition_transition(
        obj=req, action="reject", actor=pw["keeper"], reason="本站有库存，请直接领用"
    )
    req.refresh_from_db()
    assert req.status == "rejected"


def test_a_technician_cannot_approve_his_own_requisition(pw):
    order = on_site(pw)
    tech = pw["tech"].user
    req = services.requisition_request(order=order, actor=tech, part=pw["relay"], quantity=1)
    with pytest.raises(Exception, match="无权"):
        services.requisition_transition(obj=req, action="approve", actor=tech)
    assert Requisition.objects.get(pk=req.pk).status == "requested"


def test_old_parts_come_back_as_old_stock_and_the_monthly_disposal_writes_them_off(pw):
    order = on_site(pw)
    keeper, wh, relay = pw["keeper"], pw["wh"], pw["relay"]
    use = services.part_use_add(
        order=order, actor=pw["tech"].user, part=relay, quantity=1, reason="触点烧蚀"
    )
    ret = OldPartReturn.objects.get(use=use)
    assert ret.status == OldPartStatus.EXPECTED
    services.old_part_return_transition(obj=ret, action="arrive", actor=keeper)
    assert services.balance_of(wh, relay, Condition.OLD) == 1
    assert services.balance_of(wh, relay, Condition.NEW) == 4  # old parts are not mixed in

    disposal = services.disposal_create(
        warehouse=wh, month=date.today(), actor=keeper, action="refurbish"
    )
    services.disposal_transition(obj=disposal, action="post", actor=keeper)
    ret.refresh_from_db()
    assert ret.status == OldPartStatus.WRITTEN_OFF
    assert services.balance_of(wh, relay, Condition.OLD) == 0
    assert services.balance_of(wh, relay, Condition.REFURBISHED) == 1
    assert_ledger_explains_every_balance(relay)
    with pytest.raises(InvalidTransition):
        services.disposal_transition(obj=disposal, action="post", actor=keeper)


# --- the stateful test ----------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    """Random receipts, issues (requisitions into the van), consumption on a report, transfers
    sent and received, old-part returns, counts, scraps and disposals on one fresh part.
    A model of the expected quantities runs alongside; refusals must happen exactly when the
    model says the stock is short, and change nothing."""

    world: dict = {}
    serial = 0

    transfers = Bundle("transfers")

    @initialize()
    def setup(self) -> None:
        LedgerMachine.serial += 1
        w = self.world
        self.part = make_part(f"HYP-{LedgerMachine.serial}")
        self.keeper = w["keeper"]
        self.order = w["hyp_order"]
        self.warehouses = [w["wh"], w["other_wh"], w["central"]]
        self.van = services.technician_van(w["tech"])
        self.expected = {loc.pk: 0 for loc in [*self.warehouses, self.van]}
        self.in_transit = 0
        self.custody_delta = 0  # receipts − consumption − scrap ± count variance

    def _short(self, loc: Location, qty: int) -> bool:
        return self.expected[loc.pk] < qty

    @rule(i=st.integers(0, 2), qty=st.integers(1, 6))
    def receipt(self, i: int, qty: int) -> None:
        receive(self.keeper, self.warehouses[i], self.part, qty)
        self.expected[self.warehouses[i].pk] += qty
        self.custody_delta += qty

    @rule(qty=st.integers(1, 4))
    def issue_to_van(self, qty: int) -> None:
        req = Requisition.objects.create(
            number=f"REQ-HYP-{LedgerMachine.serial}-{Requisition.objects.count()}",
            requester=self.world["tech"],
            warehouse=self.warehouses[0],
            part=self.part,
            quantity=qty,
            status="approved",
        )
        short = self._short(self.warehouses[0], qty)
        try:
            services.requisition_transition(obj=req, action="issue", actor=self.keeper)
        except Conflict:
            assert short
            return
        assert not short
        self.expected[self.warehouses[0].pk] -= qty
        self.expected[self.van.pk] += qty

    @rule(qty=st.integers(1, 4))
    def consume_on_report(self, qty: int) -> None:
        van_has = self.expected[self.van.pk] >= qty
        source = self.van if van_has else self.warehouses[0]
        short = self._short(source, qty)
        try:
            services.part_use_add(
                order=self.order,
                actor=self.world["tech"].user,
                part=self.part,
                quantity=qty,
                reason="更换",
            )
        except Conflict:
            assert short
            return
        assert not short
        self.expected[source.pk] -= qty
        self.custody_delta -= qty

    @rule()
    def old_part_comes_back(self) -> None:
        ret = OldPartReturn.objects.filter(part=self.part, status="expected").first()
        if ret is not None:
            services.old_part_return_transition(obj=ret, action="arrive", actor=self.keeper)

    @rule(target=transfers, src=st.integers(0, 2), dst=st.integers(0, 2), qty=st.integers(1, 5))
    def send_transfer(self, src: int, dst: int, qty: int):
        if src == dst:
            dst = (dst + 1) % 3
        transfer = services.transfer_create(
            from_warehouse=self.warehouses[src],
            to_warehouse=self.warehouses[dst],
            actor=self.keeper,
            lines=[{"part": self.part, "quantity": qty}],
        )
        short = self._short(self.warehouses[src], qty)
        try:
            services.transfer_transition(obj=transfer, action="send", actor=self.keeper)
        except Conflict:
            assert short
            return transfer
        assert not short
        self.expected[self.warehouses[src].pk] -= qty
        self.in_transit += qty
        return transfer

    @rule(transfer=transfers)
    def receive_transfer(self, transfer) -> None:
        transfer.refresh_from_db()
        if transfer.status != "in_transit":
            with pytest.raises(InvalidTransition):
                services.transfer_transition(obj=transfer, action="receive", actor=self.keeper)
            return
        services.transfer_transition(obj=transfer, action="receive", actor=self.keeper)
        qty = transfer.lines.get().quantity
        self.expected[transfer.to_warehouse_id] += qty
        self.in_transit -= qty

    @rule(i=st.integers(0, 2), counted=st.integers(0, 8))
    def count(self, i: int, counted: int) -> None:
        wh = self.warehouses[i]
        count = services.stock_count_create(warehouse=wh, actor=self.keeper, parts=[self.part])
        # Old parts on the shelf are counted as the books say; the new ones at random.
        entered = {
            line.pk: counted if line.condition == "new" else line.system_quantity
            for line in count.lines.all()
        }
        services.stock_count_enter(count=count, actor=self.keeper, counted=entered)
        services.stock_count_transition(obj=count, action="submit", actor=self.keeper)
        services.stock_count_transition(obj=count, action="approve", actor=self.keeper)
        self.custody_delta += counted - self.expected[wh.pk]
        self.expected[wh.pk] = counted

    @rule(i=st.integers(0, 2), qty=st.integers(1, 4))
    def scrap(self, i: int, qty: int) -> None:
        wh = self.warehouses[i]
        scrap = services.scrap_create(
            warehouse=wh, part=self.part, quantity=qty, actor=self.keeper, reason="损坏"
        )
        short = self._short(wh, qty)
        try:
            services.scrap_transition(obj=scrap, action="approve", actor=self.keeper)
        except Conflict:
            assert short
            return
        assert not short
        self.expected[wh.pk] -= qty
        self.custody_delta -= qty

    @rule()
    def dispose_old_parts(self) -> None:
        wh = self.warehouses[0]
        try:
            disposal = services.disposal_create(warehouse=wh, month=date.today(), actor=self.keeper)
        except Exception:  # noqa: BLE001 — nothing arrived this month
            return
        services.disposal_transition(obj=disposal, action="post", actor=self.keeper)

    @invariant()
    def balances_equal_their_movements_and_none_is_negative(self) -> None:
        if not hasattr(self, "part"):
            return
        assert_ledger_explains_every_balance(self.part)

    @invariant()
    def real_locations_hold_what_the_model_says(self) -> None:
        if not hasattr(self, "part"):
            return
        for pk, qty in self.expected.items():
            assert services.balance_of(Location.objects.get(pk=pk), self.part) == qty
        transit = services.virtual_location(Location.Kind.TRANSIT)
        assert services.balance_of(transit, self.part) == self.in_transit

    @invariant()
    def custody_changes_only_by_receipts_consumption_scrap_and_counts(self) -> None:
        if not hasattr(self, "part"):
            return
        assert custody_total(self.part) == self.custody_delta


@pytest.mark.django_db
def test_random_documents_keep_the_ledger_balanced(pw):
    LedgerMachine.world = {**pw, "hyp_order": on_site(pw)}
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_each_movement_keeps_its_unit_cost(pw):
    relay = pw["relay"]
    relay.unit_cost = Decimal("99.00")
    relay.save()
    receive(pw["keeper"], pw["wh"], relay, 1)
    costs = sorted(StockMovement.objects.filter(part=relay).values_list("unit_cost", flat=True))
    assert costs == [Decimal("48.00"), Decimal("99.00")]
    assert ledger_sum(pw["wh"], relay) == 6
