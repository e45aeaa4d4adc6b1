from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from aftersales.core import confcache
from aftersales.customers.models import Region

from .models import Outlet, Skill, Staff


def staff_for_user(user: Any) -> Staff | None:
    if not (user and user.is_authenticated):
        return None
    # Cached on the user object for the request: False means "looked, has no staff record".
    cached: Staff | bool | None = getattr(user, "_staff_cache", None)
    if cached is None:
        cached = Staff.objects.select_related("outlet").filter(user=user).first() or False
        user._staff_cache = cached
    return cached if isinstance(cached, Staff) else None


def _load_chain(region_id: int) -> tuple[int, ...] | None:
    chain: list[int] = []
    node = Region.objects.filter(pk=region_id).select_related("parent__parent").first()
    while node is not None:
        chain.append(node.pk)
        node = node.parent  # loaded by select_related for three levels; deeper ones query
    return tuple(chain) or None


# Region id → the ids of the region and its parents. The administrative tree is seeded and
# practically never changes; a saved or deleted region still bumps the configuration stamp
# (core/confcache.py) so every process rereads it, and a region that does not exist yet is not
# remembered, so regions added in bulk are found at once.
_CHAINS: confcache.CachedMap[tuple[int, ...]] = confcache.CachedMap(_load_chain)
confcache.watch(Region)


def region_chain(region: Region) -> list[int]:
    """The ids of `region` and its parents, most specific first (cached per process)."""
    return list(_CHAINS.get(region.pk) or (region.pk,))


def _load_region(code: str) -> Region | None:
    return Region.objects.filter(code=code).select_related("parent__parent").first()


_REGIONS: confcache.CachedMap[Region] = confcache.CachedMap(_load_region)
_REGIONS_BY_ID: confcache.CachedMap[Region] = confcache.CachedMap(
    lambda pk: Region.objects.filter(pk=pk).first()
)


def region_by_id(pk: int | None) -> Region | None:
    """The region with this id, or None (cached per process like `region_by_code`)."""
    return _REGIONS_BY_ID.get(pk) if pk else None


def region_by_code(code: str) -> Region | None:
    """The region with this administrative code, or None (cached per process like the chains
    above; the instance is shared: read it, never change it)."""
    return _REGIONS.get(code) if code else None


def skill_id_for_code(code: str) -> int | None:
    """The id of the skill with this code, or None (cached per process; unknown codes are looked
    up again next time)."""
    return _SKILLS.get(code) if code else None


_SKILLS: confcache.CachedMap[int] = confcache.CachedMap(
    lambda code: Skill.objects.filter(code=code).values_list("pk", flat=True).first()
)
confcache.watch(Skill)


def outlet_covering(region: Region | None) -> Outlet | None:
    """The active outlet covering the region, most specific first (district, city, province),
    then by outlet code. The coverage itself is read fresh in one small statement (it also
    changes through bulk imports, which send no signals a cache could hear); the outlet rows
    come from the per-process cache."""
    if region is None:
        return None
    chain = region_chain(region)
    rank = {region_id: i for i, region_id in enumerate(chain)}
    links = Outlet.regions.through._meta.db_table
    outlets = Outlet._meta.db_table
    marks = ", ".join(["%s"] * len(chain))
    with connection.cursor() as cur:
        # Plain SQL: on the intake path the ORM's compilation cost more than the query.
        cur.execute(
            f"SELECT l.region_id, o.id FROM {links} l JOIN {outlets} o ON o.id = l.outlet_id "  # noqa: S608
            f"WHERE l.region_id IN ({marks}) AND o.is_active ORDER BY o.code",
            chain,
        )
        rows = cur.fetchall()
    if not rows:
        return None
    _region_id, outlet_id = min(rows, key=lambda row: rank[row[0]])  # ties: the first by code
    return _OUTLETS.get(outlet_id)


def covering_outlet_sql(region_column: str) -> RawSQL:
    """The id of the active outlet covering the region in `region_column` (a column of the
    outer query, e.g. `"products_unit"."site_region_id"`), by the rule of `outlet_covering`:
    the region itself, then its parent, then its grandparent (district, city, province — the
    three levels regions have), then by outlet code. Lets intake read the coverage with the
    unit instead of in a statement of its own."""
    q = connection.ops.quote_name
    links = q(Outlet.regions.through._meta.db_table)
    outlets, regions = q(Outlet._meta.db_table), q(Region._meta.db_table)
    return RawSQL(  # noqa: S611 — table and column names from the models, no values
        f"SELECT l.outlet_id FROM {links} l JOIN {outlets} o ON o.id = l.outlet_id "  # noqa: S608
        f"JOIN {regions} r ON r.id = {region_column} "
        f"LEFT JOIN {regions} p ON p.id = r.parent_id "
        "WHERE o.is_active AND l.region_id IN (r.id, r.parent_id, p.parent_id) "
        "ORDER BY CASE WHEN l.region_id = r.id THEN 0 WHEN l.region_id = r.parent_id THEN 1 "
        "ELSE 2 END, o.code LIMIT 1",
        [],
    )


def outlet_by_id(pk: int | None) -> Outlet | None:
    """The outlet with this id, or None (cached per process; read it, never change it)."""
    return _OUTLETS.get(pk) if pk else None


# Outlets by id, per process (name, location, radius for the SLA distance): saving or deleting an
# outlet bumps the configuration stamp; outlets imported in bulk are new ids, read on first use.
_OUTLETS: confcache.CachedMap[Outlet] = confcache.CachedMap(
    lambda pk: Outlet.objects.filter(pk=pk).first()
)
confcache.watch(Outlet)


def outlets_for_user(user: Any) -> QuerySet[Outlet]:
    return Outlet.objects.all() if user and user.is_authenticated else Outlet.objects.none()


def staff_visible_to(user: Any) -> QuerySet[Staff]:
    from aftersales.accounts import roles

    qs = Staff.objects.all()
    if not (user and user.is_authenticated) or roles.is_customer(user):
        return qs.none()
    if roles.sees_company_wide(user) or roles.has_role(user, roles.Role.HR):
        return qs
    own = staff_for_user(user)
    if own is None or own.outlet_id is None:
        return qs.filter(user=user)
    return qs.filter(outlet_id=own.outlet_id)
