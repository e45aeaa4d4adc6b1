"""The SPEC's defaults for the assessment (S12): the settings row and the complaint tiers.
Idempotent: an administrator's edits stay, and tiers are only written into an empty table (a
tier deleted on purpose is not brought back at every migrate)."""

from __future__ import annotations

from .models import AssessmentSettings, ComplaintPenaltyTier
from .scoring import DEFAULT_CONFIG


def seed_assessment_defaults() -> None:
    AssessmentSettings.get()
    if not ComplaintPenaltyTier.objects.exists():
        ComplaintPenaltyTier.objects.bulk_create(
            ComplaintPenaltyTier(min_count=t.min_count, amount=t.amount)
            for t in DEFAULT_CONFIG.tiers
        )
