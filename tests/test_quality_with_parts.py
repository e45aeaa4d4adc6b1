"""Job cost and supplier claim with the real parts app: a relay consumed through the parts
services is costed at the ledger's unit cost, claimed from its supplier, with the old part as
evidence."""

from __future__ import annotations

from decimal import Decimal

from aftersales.parts import services as parts
from aftersales.quality import costing
from aftersales.quality import services as q
from aftersales.quality.models import SupplierClaim

from .quality_support import LABOUR, TRAVEL, cast, diagnosed
from .test_parts_support import pw  # noqa: F401 — the parts fixture


def test_a_consumed_part_is_in_the_job_cost_and_in_the_suppliers_claim(pw):  # noqa: F811
    w = cast(pw)
    order = diagnosed(w)
    parts.part_use_add(
        order=order, actor=w["tech"].user, part=w["relay"], quantity=2, reason="触点烧蚀"
    )

    cost = costing.job_cost(order)
    assert cost.parts == Decimal("96.00")  # 2 × ¥48.00 at the ledger's unit cost
    assert cost.total == Decimal("96.00") + LABOUR + TRAVEL

    ruling = q.ruling_create(
        order=order,
        actor=w["qe"],
        spec=q.RulingSpec(party="supplier", supplier=pw["supplier"], findings="继电器批次缺陷"),
        issue=True,
    )
    claim = SupplierClaim.objects.get(ruling=ruling)
    assert {line.kind: line.amount for line in claim.lines.all()} == {
        "parts": Decimal("96.00"),
        "labour": LABOUR,
        "travel": TRAVEL,
    }
    assert claim.claimed_amount == ruling.total_cost
    assert [e["part_code"] for e in claim.evidence] == ["P-RELAY"]
