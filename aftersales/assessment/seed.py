"""The SPEC's defaults for the assessment (S12): the settings row and the complaint tiers.
Idempotent: an administrator's edits stay, and tiers are only written into an empty table (a
tier deleted on purpose is not brought back at every migrate)."""

from __future__ import annotations

from decimal import Decimal

from .models import AssessmentSettings, ComplaintPenaltyTier, PayGrade, PaySettings
from .scoring import DEFAULT_CONFIG

# The seed (10th plan) says only that the quarterly assessment sets the next quarter's monthly
# performance pay; these grades and coefficients are illustrative defaults, edited by HR.
DEFAULT_PAY_GRADES = (
    ("优秀", Decimal("90"), Decimal("1.20")),
    ("良好", Decimal("80"), Decimal("1.00")),
    ("合格", Decimal("60"), Decimal("0.80")),
    ("不合格", Decimal("0"), Decimal("0.50")),
)


def seed_assessment_defaults() -> None:
    AssessmentSettings.get()
    if not ComplaintPenaltyTier.objects.exists():
        ComplaintPenaltyTier.objects.bulk_create(
            ComplaintPenaltyTier(min_count=t.min_count, amount=t.amount)
            for t in DEFAULT_CONFIG.tiers
        )
    PaySettings.get()
    if not PayGrade.objects.exists():
        PayGrade.objects.bulk_create(
            PayGrade(name=name, min_score=low, coefficient=c) for name, low, c in DEFAULT_PAY_GRADES
        )
