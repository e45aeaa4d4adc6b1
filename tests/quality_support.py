"""Shared set-up for the quality tests (not a test module): an order walked to "diagnosed" or
"resolved" with a report of 1.5 labour hours and 12 km, and the quality cast."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aftersales.accounts.models import Role
from aftersales.products.models import Supplier
from aftersales.quality import services as q
from aftersales.quality.models import Ruling
from aftersales.service import services
from aftersales.service.models import WorkOrder

from . import factories as f
from .test_field import on_site, resolved_with_report

LABOUR = Decimal("180.00")  # 1.5 h × ¥120 (L-STD)
TRAVEL = Decimal("30.00")  # 12 km × ¥2.50 (T-KM)


def cast(world: dict[str, Any]) -> dict[str, Any]:
    world["qe"] = f.UserFactory(username="qe", role=Role.QUALITY_ENGINEER, department="quality")
    world["finance"] = f.UserFactory(username="fin", role=Role.FINANCE, department="finance")
    world["supplier"] = Supplier.objects.create(
        code="SUP-RELAY", name="华东继电器厂", email="claims@relay.example.com"
    )
    world["supplier2"] = Supplier.objects.create(code="SUP-FAN", name="风机配套厂")
    return world


def diagnosed(world: dict[str, Any]) -> WorkOrder:
    order = on_site(world)
    tech = world["tech"].user
    services.visit_record_steps(visit=order.visits.get(), actor=tech, inspect="继电器触点烧蚀")
    services.work_order_transition(order=order, action="diagnose", actor=tech)
    services.report_update(
        order=order,
        actor=tech,
        work_done="更换冷凝风扇继电器",
        cause="继电器触点烧蚀",
        responsibility="supplier",
        labour_hours=Decimal("1.5"),
        travel_km=Decimal("12"),
    )
    order.refresh_from_db()
    return order


def resolved(world: dict[str, Any]) -> WorkOrder:
    return resolved_with_report(world)


def supplier_spec(world: dict[str, Any], **overrides: Any) -> q.RulingSpec:
    values: dict[str, Any] = {
        "party": "supplier",
        "findings": "继电器批次缺陷，触点材料不合格",
        "supplier": world["supplier"],
    }
    values.update(overrides)
    return q.RulingSpec(**values)


def shared_spec(world: dict[str, Any], *percents: str) -> q.RulingSpec:
    parties = [
        q.ShareInput(party="supplier", percent=Decimal(percents[0]), supplier=world["supplier"]),
        q.ShareInput(party="manufacturer", percent=Decimal(percents[1]), department="production"),
    ]
    if len(percents) > 2:
        parties.append(q.ShareInput(party="customer", percent=Decimal(percents[2])))
    return q.RulingSpec(party="shared", findings="继电器缺陷，装配时未按规范紧固", shares=parties)


def issued(world: dict[str, Any], order: WorkOrder, spec: q.RulingSpec | None = None) -> Ruling:
    return q.ruling_create(
        order=order, actor=world["qe"], spec=spec or supplier_spec(world), issue=True
    )
