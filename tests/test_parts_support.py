"""Shared fixtures and helpers of the parts tests (no tests here)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Q, Sum

from aftersales.accounts.models import Role
from aftersales.parts import services
from aftersales.parts.models import Location, Part, PartCategory, StockBalance, StockMovement
from aftersales.products.models import Supplier

from . import factories as f


def make_part(code: str, *, category: str = PartCategory.FAULT, **extra: Any) -> Part:
    values: dict[str, Any] = {
        "name": f"备件{code}",
        "unit_cost": Decimal("48.00"),
        "sale_price": Decimal("80.00"),
        "category": category,
    }
    values.update(extra)
    return Part.objects.create(code=code, **values)


def receive(actor: Any, warehouse: Location, part: Part, quantity: int, batch: str = "") -> None:
    receipt = services.receipt_create(
        warehouse=warehouse,
        actor=actor,
        lines=[{"part": part, "quantity": quantity, "batch": batch}],
    )
    services.receipt_transition(obj=receipt, action="post", actor=actor)


def ledger_sum(location: Location, part: Part, condition: str = "new") -> int:
    moves = StockMovement.objects.filter(part=part, condition=condition)
    into = moves.filter(to_location=location).aggregate(s=Sum("quantity"))["s"] or 0
    out = moves.filter(from_location=location).aggregate(s=Sum("quantity"))["s"] or 0
    return into - out


def assert_ledger_explains_every_balance(part: Part) -> None:
    for balance in StockBalance.objects.filter(part=part).select_related("location"):
        assert balance.quantity == ledger_sum(balance.location, part, balance.condition), balance
        if not balance.location.allows_negative:
            assert balance.quantity >= 0, balance
    for condition in ("new", "old", "refurbished"):
        total = StockBalance.objects.filter(part=part, condition=condition).aggregate(
            s=Sum("quantity")
        )["s"]
        assert (total or 0) == 0, f"grand total of {condition} is {total}"


def custody_total(part: Part, condition: str = "new") -> int:
    return (
        StockBalance.objects.filter(
            Q(location__kind__in=Location.CUSTODY_KINDS), part=part, condition=condition
        ).aggregate(s=Sum("quantity"))["s"]
        or 0
    )


def parts_world(world: dict[str, Any]) -> dict[str, Any]:
    """`world` plus parts: a keeper, a supplier, two parts, the central warehouse and both
    outlets' warehouses; the Chaoyang warehouse holds 5 relays."""
    keeper = f.UserFactory(username="keeper", role=Role.PARTS_KEEPER, department="parts")
    supplier = Supplier.objects.create(code="SUP1", name="华东零部件")
    relay = make_part("P-RELAY", name="冷凝风扇继电器", supplier=supplier)
    relay.compatible_models.add(world["model"])
    compressor = make_part(
        "P-COMP",
        name="空调压缩机",
        category=PartCategory.EMERGENCY,
        unit_cost=Decimal("3200.00"),
        supplier=supplier,
    )
    central = services.central_warehouse()
    wh = services.outlet_warehouse(world["outlet"])
    other_wh = services.outlet_warehouse(world["other_outlet"])
    receive(keeper, wh, relay, 5)
    return {
        **world,
        "keeper": keeper,
        "supplier": supplier,
        "relay": relay,
        "compressor": compressor,
        "central": central,
        "wh": wh,
        "other_wh": other_wh,
    }


@pytest.fixture
def pw(world: dict[str, Any]) -> dict[str, Any]:
    """The parts world as a fixture, for modules that import it (e.g. the quality tests)."""
    return parts_world(world)
