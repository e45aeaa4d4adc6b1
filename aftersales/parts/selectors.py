"""Every read of spare parts that a user's rights limit, and the job-cost interface for quality.

Access: parts keepers, the service director and administrators see every location; a station
manager his outlet's warehouse and its technicians' vans; a technician his outlet's warehouse
(read-only), his own van and his own requisitions; everybody else nothing. "Not yours" and "does
not exist" look the same (404)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.core.dates import local_days
from aftersales.network.selectors import staff_for_user
from aftersales.service.models import WorkOrder

from .models import (
    Condition,
    Disposal,
    DocType,
    Location,
    OldPartReturn,
    Part,
    PartCategory,
    PartUse,
    Receipt,
    ReorderPoint,
    Requisition,
    Scrap,
    StockBalance,
    StockCount,
    StockMovement,
    Transfer,
    TransferStatus,
)

ALL_ROLES = (Role.PARTS_KEEPER, Role.SERVICE_DIRECTOR, Role.ADMIN)
K = Location.Kind

# --- the interface for quality (job costs, claim evidence) ----------------------------------


def job_parts_cost(order: WorkOrder) -> dict[str, Any]:
    """The parts consumed on the order's reports, at the ledger's unit cost:
    {"parts": Decimal, "lines": [{"part_code", "name", "quantity", "unit_cost", "amount",
    "warranty"}]}. Callers check the user's access to the order first."""
    uses = (
        PartUse.objects.filter(order=order).select_related("part", "movement").order_by("at", "id")
    )
    lines = []
    total = Decimal("0")
    for use in uses:
        unit_cost = use.movement.unit_cost if use.movement else use.unit_cost
        amount = (unit_cost * use.quantity).quantize(Decimal("0.01"))
        total += amount
        lines.append(
            {
                "part_code": use.part.code,
                "name": use.part.name,
                "quantity": use.quantity,
                "unit_cost": unit_cost,
                "amount": amount,
                "warranty": use.warranty,
                "supplier_id": use.part.supplier_id,
                "number": use.number,
            }
        )
    return {"parts": total, "lines": lines}


def old_parts_for_order(order: WorkOrder) -> list[dict[str, Any]]:
    """Old parts of the order (claim evidence): part, quantity, condition, status and the
    numbers of the return and of its ledger movement, if it has arrived."""
    returns = list(
        OldPartReturn.objects.filter(order=order)
        .select_related("part", "warehouse", "disposal")
        .order_by("created_at", "id")
    )
    arrivals = {
        m.doc_id: m
        for m in StockMovement.objects.filter(
            doc_type=DocType.OLD_RETURN, doc_id__in=[r.pk for r in returns]
        )
    }
    rows = []
    for ret in returns:
        movement = arrivals.get(ret.pk)
        rows.append(
            {
                "part_code": ret.part.code,
                "name": ret.part.name,
                "quantity": ret.quantity,
                "condition": Condition.OLD.value,
                "status": ret.status,
                "status_label": str(ret.get_status_display()),
                "number": ret.number,
                "movement_id": movement.pk if movement else None,
                "arrived_at": ret.arrived_at,
                "warehouse": ret.warehouse.name,
                "disposal_number": ret.disposal.number if ret.disposal else "",
            }
        )
    return rows


# --- access ---------------------------------------------------------------------------------


def sees_all(user: Any) -> bool:
    return roles.has_role(user, *ALL_ROLES)


def may_use_parts_pages(user: Any) -> bool:
    return roles.has_role(
        user, Role.PARTS_KEEPER, Role.STATION_MANAGER, Role.TECHNICIAN, *ALL_ROLES
    )


def locations_for_user(user: Any) -> QuerySet[Location]:
    """Real locations (warehouses and vans) the user may see."""
    qs = Location.objects.filter(kind__in=[K.CENTRAL, K.OUTLET, K.TECHNICIAN])
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if sees_all(user):
        return qs
    staff = staff_for_user(user)
    if roles.is_station_manager(user):
        return qs.filter(outlet_id=staff.outlet_id) if staff and staff.outlet_id else qs.none()
    if roles.is_technician(user) and staff is not None:
        return qs.filter(Q(kind=K.OUTLET, outlet_id=staff.outlet_id) | Q(staff=staff))
    return qs.none()


def warehouses_for_user(user: Any) -> QuerySet[Location]:
    return locations_for_user(user).filter(kind__in=[K.CENTRAL, K.OUTLET])


def managed_warehouses(user: Any) -> QuerySet[Location]:
    """Warehouses the user may post documents for (a technician: none)."""
    if roles.is_technician(user):
        return Location.objects.none()
    return warehouses_for_user(user)


def get_location_for_user(user: Any, location_id: Any) -> Location:
    try:
        return locations_for_user(user).get(pk=int(location_id))
    except (TypeError, ValueError, Location.DoesNotExist):
        raise Http404 from None


def stocks_for_user(
    user: Any,
    *,
    location: Any = None,
    part: str = "",
    category: str = "",
    condition: str = "",
    below_reorder: bool = False,
) -> QuerySet[StockBalance]:
    qs = StockBalance.objects.filter(location__in=locations_for_user(user)).select_related(
        "location", "part"
    )
    if location:
        qs = qs.filter(location_id=location)
    if part:
        qs = qs.filter(Q(part__code__icontains=part) | Q(part__name__icontains=part))
    if category:
        qs = qs.filter(part__category=category)
    if condition:
        qs = qs.filter(condition=condition)
    if below_reorder:
        points = ReorderPoint.objects.filter(location__in=locations_for_user(user))
        keys = Q(pk__in=[])
        for rp in points.values("location_id", "part_id", "min_quantity"):
            keys |= Q(
                location_id=rp["location_id"],
                part_id=rp["part_id"],
                quantity__lte=rp["min_quantity"],
            )
        qs = qs.filter(keys, condition=Condition.NEW)
    return qs.order_by("location__code", "part__code", "condition")


def movements_for_user(
    user: Any,
    *,
    location: Any = None,
    part: str = "",
    doc_type: str = "",
    date_from: Any = None,
    date_to: Any = None,
) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.select_related("part", "from_location", "to_location", "actor")
    if location:
        # One location: both sides through their own index (from_idx, to_idx).
        loc = get_location_for_user(user, location)
        qs = qs.filter(Q(from_location=loc) | Q(to_location=loc))
    elif not sees_all(user):
        visible = list(locations_for_user(user).values_list("pk", flat=True))
        qs = qs.filter(Q(from_location_id__in=visible) | Q(to_location_id__in=visible))
    if part:
        qs = qs.filter(part__code=part)
    if doc_type:
        qs = qs.filter(doc_type=doc_type)
    qs = qs.filter(local_days("at", date_from, date_to))
    return qs.order_by("-at", "-id")


def requisitions_for_user(user: Any) -> QuerySet[Requisition]:
    qs = Requisition.objects.select_related(
        "order", "requester__user", "warehouse", "part", "decided_by"
    )
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if sees_all(user):
        return qs
    staff = staff_for_user(user)
    if roles.is_station_manager(user) and staff and staff.outlet_id:
        return qs.filter(
            Q(warehouse__outlet_id=staff.outlet_id) | Q(requester__outlet_id=staff.outlet_id)
        )
    if roles.is_technician(user) and staff is not None:
        return qs.filter(requester=staff)
    return qs.none()


def get_requisition_for_user(user: Any, pk: Any) -> Requisition:
    try:
        return requisitions_for_user(user).get(pk=int(pk))
    except (TypeError, ValueError, Requisition.DoesNotExist):
        raise Http404 from None


def _by_warehouse(user: Any, qs: QuerySet, *fields: str) -> QuerySet:
    if not (user and user.is_authenticated and user.is_active) or roles.is_technician(user):
        return qs.none()
    if sees_all(user):
        return qs
    visible = warehouses_for_user(user)
    cond = Q()
    for name in fields:
        cond |= Q(**{f"{name}__in": visible})
    return qs.filter(cond)


def receipts_for_user(user: Any) -> QuerySet[Receipt]:
    return _by_warehouse(
        user, Receipt.objects.select_related("warehouse", "supplier", "created_by"), "warehouse"
    )


def transfers_for_user(user: Any) -> QuerySet[Transfer]:
    return _by_warehouse(
        user,
        Transfer.objects.select_related("from_warehouse", "to_warehouse"),
        "from_warehouse",
        "to_warehouse",
    )


def counts_for_user(user: Any) -> QuerySet[StockCount]:
    return _by_warehouse(user, StockCount.objects.select_related("warehouse"), "warehouse")


def scraps_for_user(user: Any) -> QuerySet[Scrap]:
    return _by_warehouse(user, Scrap.objects.select_related("warehouse", "part"), "warehouse")


def old_returns_for_user(user: Any) -> QuerySet[OldPartReturn]:
    return _by_warehouse(
        user, OldPartReturn.objects.select_related("warehouse", "part", "order"), "warehouse"
    )


def disposals_for_user(user: Any) -> QuerySet[Disposal]:
    return _by_warehouse(user, Disposal.objects.select_related("warehouse"), "warehouse")


def get_for_user(qs: QuerySet, pk: Any) -> Any:
    try:
        return qs.get(pk=int(pk))
    except (TypeError, ValueError, qs.model.DoesNotExist):
        raise Http404 from None


def part_uses_for_order(order: WorkOrder) -> list[PartUse]:
    return list(
        PartUse.objects.filter(order=order).select_related("part", "source").order_by("at", "id")
    )


def parts_for_order(order: WorkOrder) -> QuerySet[Part]:
    """Parts to offer on the phone: those fitting the order's model first, then the rest."""
    qs = Part.objects.filter(is_active=True)
    model_id = order.product_model_id or (order.unit.model_id if order.unit else None)
    if model_id and qs.filter(compatible_models=model_id).exists():
        return qs.filter(compatible_models=model_id).order_by("code")
    return qs.order_by("code")


# --- replenishment --------------------------------------------------------------------------


def replenishment_suggestion(
    user: Any, *, days: int = 30, location: Any = None
) -> list[dict[str, Any]]:
    """Per warehouse and part: on hand (new), incoming transfers, what left in the last `days`
    (issued to vans and consumed), the reorder point, and the quantity to order. A part is
    listed when stock plus incoming is at or below its reorder point or below the recent
    consumption; every emergency part is always listed at the central warehouse, which keeps
    it above its minimum (1 when no reorder point is set)."""
    warehouses = list(warehouses_for_user(user))
    if location:
        warehouses = [w for w in warehouses if str(w.pk) == str(location)]
    if not warehouses:
        return []
    wh_ids = [w.pk for w in warehouses]
    since = timezone.now() - timedelta(days=days)
    on_hand: dict[tuple[int, int], int] = defaultdict(int)
    for row in StockBalance.objects.filter(location_id__in=wh_ids, condition=Condition.NEW).values(
        "location_id", "part_id", "quantity"
    ):
        on_hand[(row["location_id"], row["part_id"])] = row["quantity"]
    used: dict[tuple[int, int], int] = defaultdict(int)
    for moved in (
        StockMovement.objects.filter(
            from_location_id__in=wh_ids,
            to_location__kind__in=[K.CONSUMED, K.TECHNICIAN],
            condition=Condition.NEW,
            at__gte=since,
        )
        .values("from_location_id", "part_id")
        .annotate(q=Sum("quantity"))
    ):
        used[(moved["from_location_id"], moved["part_id"])] = moved["q"]
    incoming: dict[tuple[int, int], int] = defaultdict(int)
    for coming in (
        Transfer.objects.filter(to_warehouse_id__in=wh_ids, status=TransferStatus.IN_TRANSIT)
        .values("to_warehouse_id", "lines__part_id")
        .annotate(q=Sum("lines__quantity"))
    ):
        incoming[(coming["to_warehouse_id"], coming["lines__part_id"])] = coming["q"] or 0
    points = {
        (rp.location_id, rp.part_id): rp
        for rp in ReorderPoint.objects.filter(location_id__in=wh_ids)
    }
    keys = set(points) | set(used)
    central = [w for w in warehouses if w.kind == K.CENTRAL]
    emergency = list(Part.objects.filter(category=PartCategory.EMERGENCY, is_active=True))
    for wh in central:
        keys |= {(wh.pk, p.pk) for p in emergency}
    parts: dict[Any, Part] = Part.objects.in_bulk({pid for _w, pid in keys})
    by_id = {w.pk: w for w in warehouses}
    rows: list[dict[str, Any]] = []
    for wh_id, part_id in keys:
        wh, part = by_id[wh_id], parts[part_id]
        rp = points.get((wh_id, part_id))
        have = on_hand[(wh_id, part_id)] + incoming[(wh_id, part_id)]
        consumed = used[(wh_id, part_id)]
        minimum = rp.min_quantity if rp else 0
        target = max(rp.target_quantity if rp else 0, consumed)
        always = wh.kind == K.CENTRAL and part.category == PartCategory.EMERGENCY
        if always:
            minimum = minimum or 1
            # "Kept above its minimum": the target is at least one more than the minimum.
            target = max(target, minimum + 1)
        below = have <= minimum if rp or always else False
        need = below or have < consumed
        suggested = max(target - have, 0) if need else 0
        if not (suggested > 0 or always):
            continue
        rows.append(
            {
                "warehouse": wh,
                "part": part,
                "on_hand": on_hand[(wh_id, part_id)],
                "incoming": incoming[(wh_id, part_id)],
                "consumed": consumed,
                "min_quantity": minimum,
                "target": target,
                "suggested": suggested,
                "emergency": always,
                "below_min": below,
            }
        )
    rows.sort(key=lambda r: (str(r["warehouse"].code), not r["emergency"], str(r["part"].code)))
    return rows
