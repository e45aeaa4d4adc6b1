"""The SPEC's defaults for the order loop, written once and then edited by the administrator."""

from __future__ import annotations

from decimal import Decimal

from .models import DistanceTier, PriceItem, ServiceSettings, SlaPolicy


def seed_service_defaults() -> None:
    ServiceSettings.get()
    policies = [
        # name, grade, round the clock, response, arrival, resolution, distance rule
        ("A级故障（7×24）", "A", True, "2", "8", "72", True),
        ("B级故障", "B", False, "2", "8", "24", True),
        ("C级故障", "C", False, "2", "16", "40", False),
    ]
    for name, grade, rtc, response, arrival, resolution, distance in policies:
        policy, created = SlaPolicy.objects.get_or_create(
            name=name,
            defaults={
                "fault_grade": grade,
                "round_the_clock": rtc,
                "response_hours": Decimal(response),
                "arrival_hours": Decimal(arrival),
                "resolution_hours": Decimal(resolution),
                "use_distance_rule": distance,
            },
        )
        if created and distance:
            # Seed 001/003: within 100 km arrive within 24 h; beyond, reply within 12 h.
            DistanceTier.objects.create(policy=policy, max_km=100, arrival_hours=Decimal("24"))
            DistanceTier.objects.create(
                policy=policy, max_km=None, arrival_hours=Decimal("72"), reply_hours=Decimal("12")
            )
    for code, name, kind, unit, price in [
        ("L-STD", "标准工时", PriceItem.Kind.LABOUR, "小时", "120.00"),
        ("T-KM", "差旅里程", PriceItem.Kind.TRAVEL, "公里", "2.50"),
        ("P-GENERIC", "通用配件", PriceItem.Kind.PART, "件", "100.00"),
    ]:
        PriceItem.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "unit": unit, "unit_price": Decimal(price)},
        )
