from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from aftersales.customers.models import Region

from .models import Outlet, Staff


def staff_for_user(user: Any) -> Staff | None:
    if not (user and user.is_authenticated):
        return None
    # Cached on the user object for the request: False means "looked, has no staff record".
    cached: Staff | bool | None = getattr(user, "_staff_cache", None)
    if cached is None:
        cached = Staff.objects.select_related("outlet").filter(user=user).first() or False
        user._staff_cache = cached
    return cached if isinstance(cached, Staff) else None


def outlet_covering(region: Region | None) -> Outlet | None:
    """The active outlet covering the region, most specific first (district, city, province)."""
    if region is None:
        return None
    chain: list[int] = []
    node: Region | None = region
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    for region_id in chain:
        outlet = Outlet.objects.filter(is_active=True, regions=region_id).order_by("code").first()
        if outlet:
            return outlet
    return None


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
