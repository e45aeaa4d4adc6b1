"""Demo spare parts: a part master, the central warehouse and one per outlet, with stock posted
through receipts (so the ledger explains every balance) and a few reorder points."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from aftersales.accounts.models import Role, User
from aftersales.network.models import Outlet
from aftersales.products.models import ProductModel, Supplier

from . import services
from .models import Part, PartCategory, ReorderPoint

_PARTS = [
    ("P-RELAY-01", "冷凝风扇继电器", PartCategory.FAULT, "48.00", "80.00", False),
    ("P-COMP-01", "空调压缩机", PartCategory.EMERGENCY, "3200.00", "4500.00", True),
    ("P-FILTER-01", "空调滤网", PartCategory.PLANNED, "35.00", "60.00", False),
    ("P-CTRL-01", "整车控制器", PartCategory.SUPPLIER_HELD, "5600.00", "7800.00", True),
    ("P-FAN-01", "冷凝风扇电机", PartCategory.FAULT, "420.00", "620.00", False),
    ("P-SENSOR-01", "温度传感器", PartCategory.EMERGENCY, "65.00", "110.00", False),
]


@transaction.atomic
def seed_demo_parts() -> None:
    """Idempotent: parts and locations are created once; stock is received only when the
    central warehouse has none yet."""
    supplier, _created = Supplier.objects.get_or_create(
        code="SUP-DEMO", defaults={"name": "华东汽车零部件有限公司"}
    )
    models = list(ProductModel.objects.all())
    parts = []
    for code, name, category, cost, price, traceable in _PARTS:
        part, created = Part.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "unit_cost": Decimal(cost),
                "sale_price": Decimal(price),
                "traceable": traceable,
                "supplier": supplier,
            },
        )
        if created and models:
            part.compatible_models.set(models)
        parts.append(part)
    central = services.central_warehouse()
    outlets = list(Outlet.objects.filter(is_active=True))
    warehouses = [services.outlet_warehouse(o) for o in outlets]
    if central.balances.exists():
        return
    actor = (
        User.objects.filter(role=Role.ADMIN).first()
        or User.objects.filter(is_superuser=True).first()
    )
    if actor is None:
        actor, _created = User.objects.get_or_create(
            username="parts_demo", defaults={"role": Role.PARTS_KEEPER}
        )
    for location, qty in [(central, 40), *[(w, 6) for w in warehouses]]:
        receipt = services.receipt_create(
            warehouse=location,
            supplier=supplier,
            actor=actor,
            lines=[
                {
                    "part": p,
                    "quantity": qty,
                    "batch": f"B{location.pk:03d}-{p.code}" if p.traceable else "",
                }
                for p in parts
            ],
            note="演示期初库存",
        )
        services.receipt_transition(obj=receipt, action="post", actor=actor)
        for part in parts:
            ReorderPoint.objects.get_or_create(
                location=location,
                part=part,
                defaults={"min_quantity": qty // 4, "target_quantity": qty},
            )
