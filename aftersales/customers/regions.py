"""Regions seeded from cpca's administrative-code table, and address parsing for the hotline."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from importlib import resources

from django.db import transaction

from .models import Region


def _level(code: str) -> int:
    if code[2:] == "0" * 10:
        return Region.Level.PROVINCE
    if code[4:] == "0" * 8:
        return Region.Level.CITY
    return Region.Level.DISTRICT


@transaction.atomic
def seed_regions() -> int:
    if Region.objects.exists():
        return 0
    raw = resources.files("cpca.resources").joinpath("adcodes.csv").read_text(encoding="utf-8-sig")
    rows = sorted(csv.DictReader(io.StringIO(raw)), key=lambda r: r["adcode"])
    by_code: dict[str, Region] = {}
    for level in (Region.Level.PROVINCE, Region.Level.CITY, Region.Level.DISTRICT):
        batch = []
        for row in rows:
            code = row["adcode"]
            if _level(code) != level:
                continue
            parent = None
            if level >= Region.Level.CITY:
                parent = by_code.get(code[:2] + "0" * 10)
            if level == Region.Level.DISTRICT:
                parent = by_code.get(code[:4] + "0" * 8) or parent
            full = (parent.full_name if parent else "") + row["name"]
            batch.append(
                Region(
                    code=code,
                    name=row["name"],
                    level=level,
                    parent=parent,
                    full_name=full,
                    longitude=float(row["longitude"]) if row["longitude"] else None,
                    latitude=float(row["latitude"]) if row["latitude"] else None,
                )
            )
        for region in Region.objects.bulk_create(batch, batch_size=500):
            by_code[region.code] = region
    return len(by_code)


@dataclass(frozen=True)
class ParsedAddress:
    region: Region | None
    detail: str
    ambiguous: bool


def parse_address(text: str) -> ParsedAddress:
    """Propose a region for a typed address. cpca guesses ambiguous district names (朝阳区,
    鼓楼区) without a city, so such a guess is marked `ambiguous` for the agent to confirm."""
    import cpca

    text = (text or "").strip()
    if not text:
        return ParsedAddress(None, "", True)
    frame = cpca.transform([text])
    row = frame.iloc[0]
    code = row.get("adcode")
    detail = row.get("地址") or ""
    region = Region.objects.filter(code=str(code).ljust(12, "0")).first() if code else None
    ambiguous = region is None or not row.get("市") or not row.get("省")
    return ParsedAddress(region, str(detail), bool(ambiguous))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (straight-line) distance in kilometres."""
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))
