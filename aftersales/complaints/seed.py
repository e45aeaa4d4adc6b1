"""The SPEC's defaults for complaints: levels with handling deadlines, the routing table of
step 3 and the recurring-detection settings. Idempotent: an administrator's edits stay."""

from __future__ import annotations

from .models import (
    Category,
    ComplaintLevel,
    ComplaintSettings,
    HandlingDepartment,
    RoutingRule,
)

# code, name, hours, round the clock
LEVELS: list[tuple[str, str, int, bool]] = [
    ("urgent", "紧急（重大投诉）", 24, True),
    ("major", "重要", 48, True),
    ("general", "一般", 27, False),  # three working days of nine hours
]
ROUTING: list[tuple[str, str]] = [
    (Category.CONTRACT, HandlingDepartment.TOP_MANAGEMENT),
    (Category.TRANSPORT, HandlingDepartment.LOGISTICS),
    (Category.QUALITY, HandlingDepartment.QUALITY),
    (Category.SERVICE, HandlingDepartment.SERVICE),
]


def seed_complaint_defaults() -> None:
    for order, (code, name, hours, clock) in enumerate(LEVELS):
        ComplaintLevel.objects.get_or_create(
            code=code,
            defaults={"name": name, "hours": hours, "round_the_clock": clock, "order": order},
        )
    for category, department in ROUTING:
        RoutingRule.objects.get_or_create(category=category, defaults={"department": department})
    ComplaintSettings.get()
