"""Every write of spare parts. All quantity changes go through `stock_move`.

Documents (receipt, requisition, transfer, stock count, scrap, old-part return, disposal) each
have a transition table and one `<entity>_transition` service: it locks the row, checks the
table and the actor's rights, posts the movements and writes a `DocumentTransition` row. An
invalid action raises `InvalidTransition` (HTTP 409) and changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.core.numbering import next_number
from aftersales.network.models import Outlet, Staff
from aftersales.network.selectors import staff_for_user
from aftersales.service.models import ServiceReport, Status, WarrantyDecision, WorkOrder

from .models import (
    Condition,
    CountStatus,
    Disposal,
    DisposalAction,
    DisposalLine,
    DocStatus,
    DocType,
    DocumentTransition,
    Location,
    OldPartReturn,
    OldPartStatus,
    Part,
    PartUse,
    Receipt,
    ReceiptLine,
    Requisition,
    RequisitionStatus,
    Scrap,
    StockBalance,
    StockCount,
    StockCountLine,
    StockMovement,
    Transfer,
    TransferLine,
    TransferStatus,
)

K = Location.Kind

# --- locations ------------------------------------------------------------------------------

_VIRTUAL_NAMES: dict[str, str] = {
    K.SUPPLIER: "供应商",
    K.TRANSIT: "在途",
    K.CONSUMED: "已消耗",
    K.SCRAPPED: "已报废",
    K.VARIANCE: "盘点差异",
    K.CUSTOMER: "客户（旧件来源）",
    K.REFURBISH: "翻新",
}


def virtual_location(kind: str) -> Location:
    """The one virtual location of `kind` (created on first use)."""
    location, _created = Location.objects.get_or_create(
        code=f"V-{kind.upper()}", defaults={"name": _VIRTUAL_NAMES[kind], "kind": kind}
    )
    return location


def central_warehouse() -> Location:
    location, _created = Location.objects.get_or_create(
        code="WH-CENTRAL", defaults={"name": "中心库", "kind": K.CENTRAL}
    )
    return location


def outlet_warehouse(outlet: Outlet) -> Location:
    location, _created = Location.objects.get_or_create(
        code=f"WH-{outlet.code}",
        defaults={"name": f"{outlet.name}备件库", "kind": K.OUTLET, "outlet": outlet},
    )
    return location


def technician_van(staff: Staff) -> Location:
    location, _created = Location.objects.get_or_create(
        code=f"VAN-{staff.employee_no}",
        defaults={
            "name": f"{staff.user}（随车）",
            "kind": K.TECHNICIAN,
            "outlet": staff.outlet,
            "staff": staff,
        },
    )
    return location


# --- the ledger primitive -------------------------------------------------------------------

_DOC_TYPES: dict[type, str] = {
    Receipt: DocType.RECEIPT,
    Requisition: DocType.REQUISITION,
    PartUse: DocType.CONSUMPTION,
    Transfer: DocType.TRANSFER,
    StockCount: DocType.COUNT,
    Scrap: DocType.SCRAP,
    OldPartReturn: DocType.OLD_RETURN,
    Disposal: DocType.DISPOSAL,
}


def _short_message(location: Location, part: Part, condition: str, have: int, want: int) -> str:
    return _(
        "%(location)s 的 %(part)s（%(condition)s）库存只有 %(have)s %(unit)s，"
        "不能出库 %(want)s %(unit)s"
    ) % {
        "location": location.name,
        "part": f"{part.code} {part.name}",
        "condition": Condition(condition).label,
        "have": have,
        "want": want,
        "unit": part.unit,
    }


def _add(location: Location, part: Part, condition: str, delta: int) -> None:
    """Add `delta` to a balance that may not exist yet (never used to take from a guarded one)."""
    rows = StockBalance.objects.filter(location=location, part=part, condition=condition)
    if rows.update(quantity=F("quantity") + delta):
        return
    try:
        # A savepoint: on PostgreSQL a failed INSERT would otherwise abort the transaction.
        with transaction.atomic():
            StockBalance.objects.create(
                location=location,
                part=part,
                condition=condition,
                quantity=delta,
                allow_negative=location.allows_negative,
            )
    except IntegrityError:
        # Another transaction created the row first; it is there now (and locked by them until
        # they commit, which the UPDATE waits for).
        rows.update(quantity=F("quantity") + delta)


def _take(location: Location, part: Part, condition: str, quantity: int) -> None:
    if location.allows_negative:
        _add(location, part, condition, -quantity)
        return
    # The guarded update: on PostgreSQL a concurrent taker waits for our row lock and then
    # re-checks `quantity >= n` against the committed value; on SQLite writers are serialised.
    # Either way the last unit goes to exactly one of them.
    updated = StockBalance.objects.filter(
        location=location, part=part, condition=condition, quantity__gte=quantity
    ).update(quantity=F("quantity") - quantity)
    if updated != 1:
        have = (
            StockBalance.objects.filter(location=location, part=part, condition=condition)
            .values_list("quantity", flat=True)
            .first()
        ) or 0
        raise Conflict(
            _short_message(location, part, condition, have, quantity),
            details={"available": have, "requested": quantity},
        )


@transaction.atomic
def stock_move(
    *,
    part: Part,
    from_location: Location,
    to_location: Location,
    quantity: int,
    condition: str = Condition.NEW,
    actor: Any,
    document: Any,
    reason: str = "",
    order: WorkOrder | None = None,
    batch: str = "",
    unit_cost: Decimal | None = None,
    at: datetime | None = None,
) -> StockMovement:
    """Move `quantity` of `part` from one location to another: both balances and one ledger
    row in one transaction. Not enough stock at a real location raises `Conflict` with a
    sentence for people, and nothing changes."""
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationFailed(_("数量必须是正整数"), field="quantity")
    if from_location.pk == to_location.pk:
        raise ValidationFailed(_("出入库位不能相同"))
    if condition not in Condition.values:
        raise ValidationFailed(_("未知的备件状态"), field="condition")
    # Touch the two balance rows in a fixed order (by location id) so that two opposite moves
    # at once cannot deadlock; a refused take rolls back the add through the savepoint.
    steps = [(from_location, -quantity), (to_location, quantity)]
    steps.sort(key=lambda s: s[0].pk)
    for location, delta in steps:
        if delta < 0:
            _take(location, part, condition, -delta)
        else:
            _add(location, part, condition, delta)
    return StockMovement.objects.create(
        at=at or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        part=part,
        condition=condition,
        quantity=quantity,
        from_location=from_location,
        to_location=to_location,
        unit_cost=part.unit_cost if unit_cost is None else unit_cost,
        doc_type=_DOC_TYPES[type(document)],
        doc_id=document.pk,
        doc_number=document.number,
        order=order,
        batch=batch,
        reason=(reason or "")[:200],
    )


def balance_of(location: Location, part: Part, condition: str = Condition.NEW) -> int:
    return (
        StockBalance.objects.filter(location=location, part=part, condition=condition)
        .values_list("quantity", flat=True)
        .first()
    ) or 0


# --- rights ---------------------------------------------------------------------------------

KEEPER_ROLES = (Role.PARTS_KEEPER, Role.SERVICE_DIRECTOR, Role.ADMIN)


def may_manage(user: Any, location: Location) -> bool:
    """Keepers, the director and administrators manage every warehouse; a station manager his
    own outlet's warehouse (and his technicians' vans)."""
    if roles.has_role(user, *KEEPER_ROLES):
        return True
    if roles.is_station_manager(user):
        staff = staff_for_user(user)
        return bool(staff and staff.outlet_id and location.outlet_id == staff.outlet_id)
    return False


def _require_manage(user: Any, location: Location) -> None:
    if not may_manage(user, location):
        raise PermissionDenied(_("您无权管理仓库“%(name)s”") % {"name": location.name})


def _require_keeper(user: Any) -> None:
    if not roles.has_role(user, *KEEPER_ROLES):
        raise PermissionDenied(_("此操作须由备件库管员、售后服务部主管或管理员执行"))


def _require_warehouse(location: Location) -> None:
    if not location.is_warehouse:
        raise ValidationFailed(_("“%(name)s”不是仓库") % {"name": location.name})


# --- transitions ----------------------------------------------------------------------------

Table = dict[str, tuple[frozenset[str], str]]


def _check(obj: Any, table: Table, action: str, label: str) -> tuple[str, str]:
    if action not in table:
        raise InvalidTransition(_("未知操作“%(action)s”") % {"action": action})
    sources, target = table[action]
    if obj.status not in sources:
        raise InvalidTransition(
            _("%(doc)s %(number)s 当前状态为“%(status)s”，不能执行“%(action)s”")
            % {
                "doc": label,
                "number": obj.number,
                "status": obj.get_status_display(),
                "action": ACTION_LABELS.get(action, action),
            },
            details={"status": obj.status, "action": action},
        )
    return obj.status, target


def _record(obj: Any, action: str, from_status: str, actor: Any, reason: str) -> None:
    DocumentTransition.objects.create(
        doc_type=_DOC_TYPES[type(obj)],
        doc_id=obj.pk,
        action=action,
        from_status=from_status,
        to_status=obj.status,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=(reason or "")[:200],
        at=timezone.now(),
    )


def _locked(model: type[models.Model], pk: Any) -> Any:
    return model.objects.select_for_update(of=("self",)).get(pk=pk)  # type: ignore[attr-defined]


ACTION_LABELS = {
    "post": gettext_lazy("过账"),
    "cancel": gettext_lazy("取消"),
    "approve": gettext_lazy("批准"),
    "reject": gettext_lazy("驳回"),
    "issue": gettext_lazy("发料"),
    "send": gettext_lazy("发出"),
    "receive": gettext_lazy("接收"),
    "submit": gettext_lazy("提交实盘"),
    "arrive": gettext_lazy("旧件返库"),
    "not_returned": gettext_lazy("登记未带回"),
}


# --- receipts -------------------------------------------------------------------------------

RECEIPT_TRANSITIONS: Table = {
    "post": (frozenset({DocStatus.DRAFT}), DocStatus.POSTED),
    "cancel": (frozenset({DocStatus.DRAFT}), DocStatus.CANCELLED),
}


@transaction.atomic
def receipt_create(
    *,
    warehouse: Location,
    actor: Any,
    lines: list[dict[str, Any]],
    supplier: Any = None,
    note: str = "",
) -> Receipt:
    """A receipt (接收单) in draft; `lines`: [{"part", "quantity", "unit_cost"?, "batch"?}]."""
    _require_warehouse(warehouse)
    _require_manage(actor, warehouse)
    if not lines:
        raise ValidationFailed(_("接收单至少要有一行"), field="lines")
    receipt = Receipt.objects.create(
        number=next_number("RCV"),
        warehouse=warehouse,
        supplier=supplier,
        created_by=actor,
        note=note,
    )
    rows = []
    for line in lines:
        part: Part = line["part"]
        qty = int(line["quantity"])
        if qty <= 0:
            raise ValidationFailed(_("数量必须大于 0"), field="lines")
        batch = (line.get("batch") or "").strip()
        if part.traceable and not batch:
            raise ValidationFailed(
                _("%(part)s 须记录批次或序列号") % {"part": part.code}, field="lines"
            )
        rows.append(
            ReceiptLine(
                receipt=receipt,
                part=part,
                quantity=qty,
                unit_cost=line.get("unit_cost") or part.unit_cost,
                batch=batch,
            )
        )
    ReceiptLine.objects.bulk_create(rows)
    return receipt


@transaction.atomic
def receipt_transition(*, obj: Receipt, action: str, actor: Any, reason: str = "") -> Receipt:
    receipt = _locked(Receipt, obj.pk)
    from_status, target = _check(receipt, RECEIPT_TRANSITIONS, action, _("接收单"))
    _require_manage(actor, receipt.warehouse)
    if action == "post":
        supplier = virtual_location(K.SUPPLIER)
        for line in receipt.lines.select_related("part"):
            stock_move(
                part=line.part,
                from_location=supplier,
                to_location=receipt.warehouse,
                quantity=line.quantity,
                actor=actor,
                document=receipt,
                reason=reason or _("入库"),
                batch=line.batch,
                unit_cost=line.unit_cost,
            )
    receipt.status = target
    receipt.save(update_fields=["status"])
    _record(receipt, action, from_status, actor, reason)
    return receipt


# --- requisitions ---------------------------------------------------------------------------

RS = RequisitionStatus
REQUISITION_TRANSITIONS: Table = {
    "approve": (frozenset({RS.REQUESTED}), RS.APPROVED),
    "reject": (frozenset({RS.REQUESTED, RS.APPROVED}), RS.REJECTED),
    "issue": (frozenset({RS.APPROVED}), RS.ISSUED),
    "cancel": (frozenset({RS.REQUESTED, RS.APPROVED}), RS.CANCELLED),
}
_JOB_STATUSES = {
    Status.DISPATCHED,
    Status.EN_ROUTE,
    Status.ON_SITE,
    Status.DIAGNOSED,
    Status.WAITING_PARTS,
    Status.IN_WORKSHOP,
    Status.RESOLVED,
}
_USE_STATUSES = {
    Status.ON_SITE,
    Status.DIAGNOSED,
    Status.WAITING_PARTS,
    Status.IN_WORKSHOP,
    Status.RESOLVED,
}
FIELD_ROLES = (Role.TECHNICIAN, Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN)


def _check_field_actor(order: WorkOrder, actor: Any) -> None:
    if not roles.has_role(actor, *FIELD_ROLES):
        raise PermissionDenied(_("只有服务工程师或服务站经理可以为工单领用备件"))
    if roles.is_technician(actor) and not order.technicians.filter(user=actor).exists():
        raise PermissionDenied(_("您不是该工单的服务工程师"))


def _field_staff(order: WorkOrder, actor: Any) -> Staff:
    staff = staff_for_user(actor) if roles.is_technician(actor) else None
    staff = staff or order.leader
    if staff is None:
        raise ValidationFailed(_("工单尚未派工，无法确定领料的服务工程师"))
    return staff


@transaction.atomic
def requisition_request(
    *, order: WorkOrder, actor: Any, part: Part, quantity: int, reason: str = ""
) -> Requisition:
    """A technician asks for a missing part from the phone (领料单, state `requested`)."""
    order = WorkOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    _check_field_actor(order, actor)
    if order.status not in _JOB_STATUSES:
        raise InvalidTransition(
            _("工单当前状态为“%(status)s”，不能申领备件") % {"status": order.get_status_display()}
        )
    if order.outlet is None:
        raise ValidationFailed(_("工单尚无服务网点，无法确定发料仓库"))
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationFailed(_("数量必须是正整数"), field="quantity")
    staff = _field_staff(order, actor)
    req = Requisition.objects.create(
        number=next_number("REQ"),
        order=order,
        requester=staff,
        warehouse=outlet_warehouse(order.outlet),
        part=part,
        quantity=quantity,
        reason=(reason or "").strip()[:200],
        created_by=actor,
    )
    DocumentTransition.objects.create(
        doc_type=DocType.REQUISITION,
        doc_id=req.pk,
        action="request",
        from_status="",
        to_status=req.status,
        actor=actor,
        reason=req.reason,
        at=timezone.now(),
    )
    return req


@transaction.atomic
def requisition_transition(
    *,
    obj: Requisition,
    action: str,
    actor: Any,
    reason: str = "",
    warehouse: Location | None = None,
) -> Requisition:
    """approve (optionally from another `warehouse`, e.g. the central one when the station has
    none), reject (with a reason), issue (warehouse → the technician's van), cancel."""
    req = _locked(Requisition, obj.pk)
    from_status, target = _check(req, REQUISITION_TRANSITIONS, action, _("领料单"))
    reason = (reason or "").strip()
    if action == "cancel":
        own = req.requester.user_id == getattr(actor, "pk", None)
        if not (own or may_manage(actor, req.warehouse)):
            raise PermissionDenied(_("只有申请人或仓库管理人员可以取消领料单"))
    else:
        _require_manage(actor, req.warehouse)
    if action == "reject" and not reason:
        raise ValidationFailed(_("驳回须填写原因"), field="reason")
    now = timezone.now()
    if action == "approve":
        if warehouse is not None and warehouse.pk != req.warehouse_id:
            _require_warehouse(warehouse)
            _require_manage(actor, warehouse)
            req.warehouse = warehouse
        req.decided_by = actor
        req.decided_at = now
    elif action == "reject":
        req.decided_by = actor
        req.decided_at = now
    elif action == "issue":
        stock_move(
            part=req.part,
            from_location=req.warehouse,
            to_location=technician_van(req.requester),
            quantity=req.quantity,
            actor=actor,
            document=req,
            reason=reason or req.reason or _("领料"),
            order=req.order,
        )
        req.issued_at = now
    req.status = target
    req.save()
    _record(req, action, from_status, actor, reason)
    return req


# --- consumption on the service report ------------------------------------------------------


def _current_report(order: WorkOrder, *, create: bool = True) -> Any:
    report = (
        ServiceReport.objects.select_for_update(of=("self",))
        .filter(order=order)
        .order_by("-revision")
        .first()
    )
    if report is None and create:
        report, _created = ServiceReport.objects.get_or_create(order=order, revision=1)
    return report


def billed_parts_total(report: ServiceReport) -> Decimal:
    total = PartUse.objects.filter(report=report, warranty=False).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0")


@transaction.atomic
def part_use_add(
    *, order: WorkOrder, actor: Any, part: Part, quantity: int, reason: str
) -> PartUse:
    """The technician records a part fitted on the job: it leaves his van (when a requisition
    put it there) or his station's warehouse, into `consumed`; the old part is expected back.
    In warranty the part is the company's cost; a paid job bills it on the report. Refused once
    the customer has signed the report."""
    order = WorkOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    _check_field_actor(order, actor)
    report = _current_report(order, create=False)
    if report is not None and report.is_signed:
        raise InvalidTransition(_("服务报告已由客户签字并冻结，不能再添加用件"))
    if order.status not in _USE_STATUSES:
        raise InvalidTransition(
            _("工单当前状态为“%(status)s”，不能登记用件") % {"status": order.get_status_display()}
        )
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationFailed(_("数量必须是正整数"), field="quantity")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写更换原因"), field="reason")
    report = report or _current_report(order)
    if order.outlet is None:
        raise ValidationFailed(_("工单尚无服务网点，无法确定出库仓库"))
    warehouse = outlet_warehouse(order.outlet)
    staff = _field_staff(order, actor)
    van = Location.objects.filter(staff=staff).first()
    source = van if van is not None and balance_of(van, part) >= quantity else warehouse
    warranty = order.warranty_decision == WarrantyDecision.FREE
    price = Decimal("0") if warranty else part.billing_price
    now = timezone.now()
    use = PartUse.objects.create(
        report=report,
        order=order,
        part=part,
        quantity=quantity,
        reason=reason[:200],
        unit_cost=part.unit_cost,
        warranty=warranty,
        unit_price=price,
        amount=(price * quantity).quantize(Decimal("0.01")),
        source=source,
        number=next_number("USE"),
        technician=actor,
        at=now,
    )
    use.movement = stock_move(
        part=part,
        from_location=source,
        to_location=virtual_location(K.CONSUMED),
        quantity=quantity,
        actor=actor,
        document=use,
        reason=reason,
        order=order,
        at=now,
    )
    use.save(update_fields=["movement"])
    if part.return_old:
        OldPartReturn.objects.create(
            number=next_number("OPR"),
            use=use,
            order=order,
            part=part,
            quantity=quantity,
            warehouse=warehouse,
            created_by=actor,
        )
    if not warranty:
        _refresh_report_total(report)
    return use


def _refresh_report_total(report: ServiceReport) -> None:
    """A billed part changes the report's total: it needs the manager's approval again."""
    lines = report.charge_lines.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    report.charge_total = lines + billed_parts_total(report)
    report.is_chargeable = report.charge_total > 0
    report.charges_approved_at = None
    report.charges_approved_by = None
    report.save(
        update_fields=[
            "charge_total",
            "is_chargeable",
            "charges_approved_at",
            "charges_approved_by",
            "updated_at",
        ]
    )


# --- old parts ------------------------------------------------------------------------------

OS = OldPartStatus
OLD_RETURN_TRANSITIONS: Table = {
    "arrive": (frozenset({OS.EXPECTED}), OS.ARRIVED),
    "not_returned": (frozenset({OS.EXPECTED}), OS.NOT_RETURNED),
}


@transaction.atomic
def old_part_return_transition(
    *, obj: OldPartReturn, action: str, actor: Any, reason: str = ""
) -> OldPartReturn:
    """arrive: the old part comes back from the customer into the station's warehouse as old
    stock; not_returned: written down with a reason (the customer kept it, it was lost)."""
    ret = _locked(OldPartReturn, obj.pk)
    from_status, target = _check(ret, OLD_RETURN_TRANSITIONS, action, _("旧件返回"))
    _require_manage(actor, ret.warehouse)
    reason = (reason or "").strip()
    if action == "arrive":
        stock_move(
            part=ret.part,
            from_location=virtual_location(K.CUSTOMER),
            to_location=ret.warehouse,
            quantity=ret.quantity,
            condition=Condition.OLD,
            actor=actor,
            document=ret,
            reason=reason or _("旧件返库"),
            order=ret.order,
        )
        ret.arrived_at = timezone.now()
    elif not reason:
        raise ValidationFailed(_("请填写未带回的原因"), field="reason")
    ret.status = target
    ret.save()
    _record(ret, action, from_status, actor, reason)
    return ret


DISPOSAL_TRANSITIONS: Table = {
    "post": (frozenset({DocStatus.DRAFT}), DocStatus.POSTED),
    "cancel": (frozenset({DocStatus.DRAFT}), DocStatus.CANCELLED),
}


@transaction.atomic
def disposal_create(
    *, warehouse: Location, month: date, actor: Any, action: str = DisposalAction.SCRAP
) -> Disposal:
    """The monthly disposal: every old part that arrived at `warehouse` up to the end of `month`
    and is not yet in another disposal, each with a default action the keeper may change."""
    _require_warehouse(warehouse)
    _require_keeper(actor)
    if action not in DisposalAction.values:
        raise ValidationFailed(_("未知的处置方式"), field="action")
    month = month.replace(day=1)
    next_month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    end = timezone.make_aware(datetime.combine(next_month, datetime.min.time()))
    returns = list(
        OldPartReturn.objects.select_for_update(of=("self",)).filter(
            warehouse=warehouse,
            status=OS.ARRIVED,
            arrived_at__lt=end,
            disposal_line__isnull=True,
        )
    )
    if not returns:
        raise ValidationFailed(_("该仓库本月没有待处置的旧件"))
    disposal = Disposal.objects.create(
        number=next_number("DSP"), warehouse=warehouse, month=month, created_by=actor
    )
    DisposalLine.objects.bulk_create(
        [DisposalLine(disposal=disposal, old_return=r, action=action) for r in returns]
    )
    OldPartReturn.objects.filter(pk__in=[r.pk for r in returns]).update(disposal=disposal)
    return disposal


@transaction.atomic
def disposal_line_set_action(*, line: DisposalLine, action: str, actor: Any) -> DisposalLine:
    _require_keeper(actor)
    if line.disposal.status != DocStatus.DRAFT:
        raise InvalidTransition(_("处置单已过账或取消，不能修改"))
    if action not in DisposalAction.values:
        raise ValidationFailed(_("未知的处置方式"), field="action")
    line.action = action
    line.save(update_fields=["action"])
    return line


_DISPOSAL_TARGET = {
    DisposalAction.SCRAP: K.SCRAPPED,
    DisposalAction.RETURN_SUPPLIER: K.SUPPLIER,
    DisposalAction.REFURBISH: K.REFURBISH,
}


@transaction.atomic
def disposal_transition(*, obj: Disposal, action: str, actor: Any, reason: str = "") -> Disposal:
    """post: each old part leaves the warehouse (scrapped, back to its supplier, or into
    refurbishment, which returns it as a refurbished part) and its return is written off."""
    disposal = _locked(Disposal, obj.pk)
    from_status, target = _check(disposal, DISPOSAL_TRANSITIONS, action, _("旧件处置单"))
    _require_keeper(actor)
    lines = list(disposal.lines.select_related("old_return__part"))
    if action == "post":
        refurbish = virtual_location(K.REFURBISH)
        for line in lines:
            ret = line.old_return
            stock_move(
                part=ret.part,
                from_location=disposal.warehouse,
                to_location=virtual_location(_DISPOSAL_TARGET[DisposalAction(line.action)]),
                quantity=ret.quantity,
                condition=Condition.OLD,
                actor=actor,
                document=disposal,
                reason=str(DisposalAction(line.action).label),
                order=ret.order,
            )
            if line.action == DisposalAction.REFURBISH:
                stock_move(
                    part=ret.part,
                    from_location=refurbish,
                    to_location=disposal.warehouse,
                    quantity=ret.quantity,
                    condition=Condition.REFURBISHED,
                    actor=actor,
                    document=disposal,
                    reason=_("翻新入库"),
                )
        OldPartReturn.objects.filter(disposal=disposal).update(status=OS.WRITTEN_OFF)
        disposal.posted_at = timezone.now()
    else:
        OldPartReturn.objects.filter(disposal=disposal).update(disposal=None)
        DisposalLine.objects.filter(disposal=disposal).delete()
    disposal.status = target
    disposal.save()
    _record(disposal, action, from_status, actor, reason)
    return disposal


# --- transfers ------------------------------------------------------------------------------

TS = TransferStatus
TRANSFER_TRANSITIONS: Table = {
    "send": (frozenset({TS.DRAFT}), TS.IN_TRANSIT),
    "receive": (frozenset({TS.IN_TRANSIT}), TS.RECEIVED),
    "cancel": (frozenset({TS.DRAFT}), TS.CANCELLED),
}


@transaction.atomic
def transfer_create(
    *,
    from_warehouse: Location,
    to_warehouse: Location,
    actor: Any,
    lines: list[dict[str, Any]],
    note: str = "",
) -> Transfer:
    _require_warehouse(from_warehouse)
    _require_warehouse(to_warehouse)
    if from_warehouse.pk == to_warehouse.pk:
        raise ValidationFailed(_("调出和调入仓库不能相同"))
    _require_manage(actor, from_warehouse)
    if not lines:
        raise ValidationFailed(_("调拨单至少要有一行"), field="lines")
    transfer = Transfer.objects.create(
        number=next_number("TRF"),
        from_warehouse=from_warehouse,
        to_warehouse=to_warehouse,
        created_by=actor,
        note=note,
    )
    rows = []
    for line in lines:
        qty = int(line["quantity"])
        if qty <= 0:
            raise ValidationFailed(_("数量必须大于 0"), field="lines")
        rows.append(
            TransferLine(
                transfer=transfer,
                part=line["part"],
                quantity=qty,
                condition=line.get("condition") or Condition.NEW,
            )
        )
    TransferLine.objects.bulk_create(rows)
    return transfer


@transaction.atomic
def transfer_transition(*, obj: Transfer, action: str, actor: Any, reason: str = "") -> Transfer:
    """send: out of the sending warehouse into `in transit`; receive: into the receiving one."""
    transfer = _locked(Transfer, obj.pk)
    from_status, target = _check(transfer, TRANSFER_TRANSITIONS, action, _("调拨单"))
    _require_manage(
        actor, transfer.to_warehouse if action == "receive" else transfer.from_warehouse
    )
    transit = virtual_location(K.TRANSIT)
    now = timezone.now()
    if action in ("send", "receive"):
        source, dest = (
            (transfer.from_warehouse, transit)
            if action == "send"
            else (transit, transfer.to_warehouse)
        )
        for line in transfer.lines.select_related("part"):
            stock_move(
                part=line.part,
                from_location=source,
                to_location=dest,
                quantity=line.quantity,
                condition=line.condition,
                actor=actor,
                document=transfer,
                reason=reason or (_("调拨发出") if action == "send" else _("调拨接收")),
            )
        if action == "send":
            transfer.sent_at = now
        else:
            transfer.received_at = now
    transfer.status = target
    transfer.save()
    _record(transfer, action, from_status, actor, reason)
    return transfer


# --- stock counts ---------------------------------------------------------------------------

CS = CountStatus
COUNT_TRANSITIONS: Table = {
    "submit": (frozenset({CS.DRAFT}), CS.COUNTED),
    "approve": (frozenset({CS.COUNTED}), CS.APPROVED),
    "cancel": (frozenset({CS.DRAFT, CS.COUNTED}), CS.CANCELLED),
}


@transaction.atomic
def stock_count_create(
    *, warehouse: Location, actor: Any, parts: list[Part] | None = None
) -> StockCount:
    """Start a count: one line per part and condition on the books (or only the given parts)
    with its book quantity now."""
    _require_warehouse(warehouse)
    _require_manage(actor, warehouse)
    count = StockCount.objects.create(
        number=next_number("CNT"), warehouse=warehouse, created_by=actor
    )
    balances = StockBalance.objects.filter(location=warehouse)
    if parts:  # a cycle count of some parts
        balances = balances.filter(part__in=parts)
    book = {(b.part_id, b.condition): b.quantity for b in balances}
    keys = set(book)
    for part in parts or []:
        keys.add((part.pk, Condition.NEW))
    StockCountLine.objects.bulk_create(
        [
            StockCountLine(
                count=count, part_id=pid, condition=cond, system_quantity=book.get((pid, cond), 0)
            )
            for pid, cond in sorted(keys)
        ]
    )
    return count


@transaction.atomic
def stock_count_enter(*, count: StockCount, actor: Any, counted: dict[int, int]) -> StockCount:
    """Enter counted quantities by line id."""
    count = _locked(StockCount, count.pk)
    _require_manage(actor, count.warehouse)
    if count.status != CS.DRAFT:
        raise InvalidTransition(_("盘点单已提交，不能再修改实盘数量"))
    lines = {line.pk: line for line in count.lines.all()}
    for line_id, qty in counted.items():
        line = lines.get(int(line_id))
        if line is None:
            raise ValidationFailed(_("盘点行不存在"), field="counted")
        if qty is None or int(qty) < 0:
            raise ValidationFailed(_("实盘数量不能为负"), field="counted")
        line.counted_quantity = int(qty)
    StockCountLine.objects.bulk_update(list(lines.values()), ["counted_quantity"])
    return count


@transaction.atomic
def stock_count_transition(
    *, obj: StockCount, action: str, actor: Any, reason: str = ""
) -> StockCount:
    """submit: every line counted; approve (keeper/director/admin): post each variance as a
    movement against `count variance`; a loss that stock no longer covers is refused."""
    count = _locked(StockCount, obj.pk)
    from_status, target = _check(count, COUNT_TRANSITIONS, action, _("盘点单"))
    if action == "approve":
        _require_keeper(actor)
    else:
        _require_manage(actor, count.warehouse)
    lines = list(count.lines.select_related("part"))
    if action == "submit" and any(line.counted_quantity is None for line in lines):
        raise ValidationFailed(_("还有未录入实盘数量的行"), field="counted")
    if action == "approve":
        variance_loc = virtual_location(K.VARIANCE)
        for line in lines:
            diff = line.variance or 0
            if diff == 0:
                continue
            source, dest = (
                (variance_loc, count.warehouse) if diff > 0 else (count.warehouse, variance_loc)
            )
            stock_move(
                part=line.part,
                from_location=source,
                to_location=dest,
                quantity=abs(diff),
                condition=line.condition,
                actor=actor,
                document=count,
                reason=reason or (_("盘盈") if diff > 0 else _("盘亏")),
            )
        count.approved_by = actor
        count.approved_at = timezone.now()
    count.status = target
    count.save()
    _record(count, action, from_status, actor, reason)
    return count


# --- scrap ----------------------------------------------------------------------------------

SCRAP_TRANSITIONS: Table = {
    "approve": (frozenset({DocStatus.DRAFT}), DocStatus.POSTED),
    "cancel": (frozenset({DocStatus.DRAFT}), DocStatus.CANCELLED),
}


@transaction.atomic
def scrap_create(
    *,
    warehouse: Location,
    part: Part,
    quantity: int,
    actor: Any,
    reason: str,
    condition: str = Condition.NEW,
) -> Scrap:
    _require_warehouse(warehouse)
    _require_manage(actor, warehouse)
    if not (reason or "").strip():
        raise ValidationFailed(_("请填写报废原因"), field="reason")
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationFailed(_("数量必须是正整数"), field="quantity")
    return Scrap.objects.create(
        number=next_number("SCP"),
        warehouse=warehouse,
        part=part,
        quantity=quantity,
        condition=condition,
        reason=reason.strip()[:200],
        created_by=actor,
    )


@transaction.atomic
def scrap_transition(*, obj: Scrap, action: str, actor: Any, reason: str = "") -> Scrap:
    scrap = _locked(Scrap, obj.pk)
    from_status, target = _check(scrap, SCRAP_TRANSITIONS, action, _("报废单"))
    if action == "approve":
        _require_keeper(actor)
        stock_move(
            part=scrap.part,
            from_location=scrap.warehouse,
            to_location=virtual_location(K.SCRAPPED),
            quantity=scrap.quantity,
            condition=scrap.condition,
            actor=actor,
            document=scrap,
            reason=scrap.reason,
        )
    else:
        _require_manage(actor, scrap.warehouse)
    scrap.status = target
    scrap.save()
    _record(scrap, action, from_status, actor, reason)
    return scrap
