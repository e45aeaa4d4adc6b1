"""Readable numbers (core/numbering.py): consecutive per prefix and year."""

from __future__ import annotations

import re

import pytest
from django.db import transaction

from aftersales.core.models import Counter
from aftersales.core.numbering import next_number


@pytest.mark.django_db
def test_numbers_are_consecutive_within_a_year():
    numbers = [next_number("WO", year=2025) for _ in range(5)]
    assert numbers == [f"WO-2025-{n:06d}" for n in range(1, 6)]


@pytest.mark.django_db
def test_a_new_year_starts_again_at_one():
    next_number("WO", year=2025)
    next_number("WO", year=2025)
    assert next_number("WO", year=2026) == "WO-2026-000001"
    assert next_number("WO", year=2025) == "WO-2025-000003"


@pytest.mark.django_db
def test_each_prefix_counts_on_its_own():
    next_number("WO", year=2025)
    assert next_number("CP", year=2025) == "CP-2025-000001"
    assert next_number("WO", year=2025) == "WO-2025-000002"


@pytest.mark.django_db
def test_the_year_defaults_to_todays_and_the_width_can_change():
    from django.utils import timezone

    number = next_number("SC", width=4)
    assert re.fullmatch(rf"SC-{timezone.localdate().year}-0001", number)


@pytest.mark.django_db
def test_a_rolled_back_number_leaves_a_gap_never_a_repeat():
    first = next_number("WO", year=2025)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number("WO", year=2025)
        raise RuntimeError("intake failed after taking its number")
    again = next_number("WO", year=2025)
    assert first == "WO-2025-000001"
    assert again == "WO-2025-000002"  # the rolled-back number was never committed
    assert Counter.objects.get(prefix="WO", year=2025).value == 2


@pytest.mark.django_db
def test_numbers_keep_counting_past_the_width():
    Counter.objects.create(prefix="WO", year=2025, value=999_999)
    assert next_number("WO", year=2025) == "WO-2025-1000000"
