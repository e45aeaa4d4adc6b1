"""Parts pages: the keeper's stock, ledger and documents, and the technician's phone actions.

Reads go through the selectors (404 when not yours); writes through the services. A refusal is
shown with the service's message and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts import roles
from aftersales.core.errors import ServiceError
from aftersales.core.excel import xlsx_bytes
from aftersales.products.models import Supplier
from aftersales.service.selectors import get_work_order_for_user

from . import selectors, services
from .models import (
    Condition,
    CountStatus,
    DisposalAction,
    DocStatus,
    DocType,
    OldPartStatus,
    Part,
    PartCategory,
    RequisitionStatus,
    TransferStatus,
)

PAGE = 50
EXPORT_LIMIT = 50_000


def _require_parts_user(request: HttpRequest) -> None:
    if not selectors.may_use_parts_pages(request.user):
        raise DjangoPermissionDenied


def _require_manager(request: HttpRequest) -> None:
    if roles.is_technician(request.user) or not selectors.may_use_parts_pages(request.user):
        raise DjangoPermissionDenied


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _fail(request: HttpRequest, exc: ServiceError) -> None:
    messages.error(request, str(exc.message))


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _part(value: Any) -> Part:
    part = Part.objects.filter(pk=_int(value) or 0, is_active=True).first()
    if part is None:
        raise Http404
    return part


# --- the technician's phone actions ---------------------------------------------------------


def _field_part_action(
    request: HttpRequest, pk: int, act: Callable[..., Any], success: Callable[[Any, Part, int], str]
) -> HttpResponse:
    """The phone's two part actions share everything but the service they call: read the part
    and quantity, call the service, report the outcome, go back to the job page."""
    order = get_work_order_for_user(request.user, pk, write=True)
    default = reverse("field:job", args=[order.pk])
    qty = _int(request.POST.get("quantity"))
    part = Part.objects.filter(pk=_int(request.POST.get("part")) or 0, is_active=True).first()
    if part is None or qty is None:
        messages.error(request, _("请选择备件并填写数量"))
        return _back(request, default)
    try:
        document = act(
            order=order,
            actor=request.user,
            part=part,
            quantity=qty,
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        _fail(request, exc)
    else:
        messages.success(request, success(document, part, qty))
    return _back(request, default)


@login_required
@require_POST
def field_use(request: HttpRequest, pk: int) -> HttpResponse:
    return _field_part_action(
        request,
        pk,
        services.part_use_add,
        lambda use, part, qty: (
            _("已登记用件 %(part)s × %(qty)s（%(number)s）")
            % {"part": part.name, "qty": qty, "number": use.number}
        ),
    )


@login_required
@require_POST
def field_request(request: HttpRequest, pk: int) -> HttpResponse:
    return _field_part_action(
        request,
        pk,
        services.requisition_request,
        lambda req, part, qty: _("领料单 %(number)s 已提交，等待审批") % {"number": req.number},
    )


# --- keeper pages ---------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    _require_parts_user(request)
    user = request.user
    context = {
        "pending_requisitions": selectors.requisitions_for_user(user)
        .filter(status__in=[RequisitionStatus.REQUESTED, RequisitionStatus.APPROVED])
        .count(),
        "transfers_in_transit": selectors.transfers_for_user(user)
        .filter(status=TransferStatus.IN_TRANSIT)
        .count(),
        "old_parts_expected": selectors.old_returns_for_user(user)
        .filter(status=OldPartStatus.EXPECTED)
        .count(),
        "old_parts_arrived": selectors.old_returns_for_user(user)
        .filter(status=OldPartStatus.ARRIVED, disposal__isnull=True)
        .count(),
        "warehouses": list(selectors.warehouses_for_user(user)),
        "is_technician": roles.is_technician(user),
    }
    return render(request, "parts/home.html", context)


def _stock_filters(request: HttpRequest) -> dict[str, Any]:
    return {
        "location": _int(request.GET.get("location")),
        "part": (request.GET.get("part") or "").strip(),
        "category": request.GET.get("category") or "",
        "condition": request.GET.get("condition") or "",
        "below_reorder": request.GET.get("below") == "1",
    }


@login_required
@require_GET
def stock(request: HttpRequest) -> HttpResponse:
    _require_parts_user(request)
    filters = _stock_filters(request)
    if filters["location"]:
        selectors.get_location_for_user(request.user, filters["location"])
    qs = selectors.stocks_for_user(request.user, **filters)
    if request.GET.get("export") == "xlsx":
        export = (
            (
                b.location.code,
                b.location.name,
                b.part.code,
                b.part.name,
                b.part.get_category_display(),
                b.get_condition_display(),
                b.quantity,
                b.part.unit,
            )
            for b in qs[:EXPORT_LIMIT]
        )
        headers = [_("库位编码"), _("库位"), _("备件编码"), _("名称"), _("类别"), _("状态")]
        headers += [_("数量"), _("单位")]
        return _xlsx(xlsx_bytes(headers, export, title=_("库存")), "stock.xlsx")
    page, rows, has_next = _page(request, qs)
    context = {
        "rows": rows,
        "filters": filters,
        "locations": selectors.locations_for_user(request.user),
        "categories": PartCategory.choices,
        "conditions": Condition.choices,
        "page": page,
        "has_next": has_next,
        "query": _query(request),
    }
    return render(request, "parts/stock.html", context)


def _page(request: HttpRequest, qs: Any) -> tuple[int, list, bool]:
    """Offset pages that fetch one row more instead of counting the ledger."""
    page = max(_int(request.GET.get("page")) or 1, 1)
    rows = list(qs[(page - 1) * PAGE : page * PAGE + 1])
    return page, rows[:PAGE], len(rows) > PAGE


def _query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    return params.urlencode()


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    _require_parts_user(request)
    filters: dict[str, Any] = {
        "location": _int(request.GET.get("location")),
        "part": (request.GET.get("part") or "").strip(),
        "doc_type": request.GET.get("doc_type") or "",
        "date_from": _date(request.GET.get("date_from")),
        "date_to": _date(request.GET.get("date_to")),
    }
    qs = selectors.movements_for_user(request.user, **filters)
    if request.GET.get("export") == "xlsx":
        export = (
            (
                m.at.strftime("%Y-%m-%d %H:%M:%S"),
                m.get_doc_type_display(),
                m.doc_number,
                m.part.code,
                m.part.name,
                m.get_condition_display(),
                m.quantity,
                m.from_location.name,
                m.to_location.name,
                m.unit_cost,
                m.batch,
                str(m.actor or ""),
                m.reason,
            )
            for m in qs[:EXPORT_LIMIT]
        )
        headers = [_("时间"), _("单据类型"), _("单据号"), _("备件编码"), _("名称"), _("状态")]
        headers += [_("数量"), _("出"), _("入"), _("单位成本"), _("批次"), _("操作人"), _("原因")]
        return _xlsx(xlsx_bytes(headers, export, title=_("库存流水")), "ledger.xlsx")
    page, rows, has_next = _page(request, qs)
    context = {
        "rows": rows,
        "filters": filters,
        "locations": selectors.locations_for_user(request.user),
        "doc_types": DocType.choices,
        "page": page,
        "has_next": has_next,
        "query": _query(request),
    }
    return render(request, "parts/ledger.html", context)


@login_required
@require_GET
def requisitions(request: HttpRequest) -> HttpResponse:
    _require_parts_user(request)
    status = request.GET.get("status", "pending")
    qs = selectors.requisitions_for_user(request.user)
    if status == "pending":
        qs = qs.filter(status__in=[RequisitionStatus.REQUESTED, RequisitionStatus.APPROVED])
    elif status:
        qs = qs.filter(status=status)
    page, rows, has_next = _page(request, qs.order_by("-created_at", "-id"))
    for req in rows:
        req.can_manage = services.may_manage(request.user, req.warehouse)
        req.balance = services.balance_of(req.warehouse, req.part)
    context = {
        "rows": rows,
        "status": status,
        "statuses": RequisitionStatus.choices,
        "warehouses": selectors.managed_warehouses(request.user),
        "page": page,
        "has_next": has_next,
        "query": _query(request),
    }
    return render(request, "parts/requisitions.html", context)


@login_required
def transfers(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    if request.method == "POST":
        try:
            transfer = services.transfer_create(
                from_warehouse=selectors.get_location_for_user(
                    request.user, request.POST.get("from_warehouse")
                ),
                to_warehouse=selectors.get_location_for_user(
                    request.user, request.POST.get("to_warehouse")
                )
                if roles.has_role(request.user, *selectors.ALL_ROLES)
                else _any_warehouse(request.POST.get("to_warehouse")),
                actor=request.user,
                lines=_lines(request),
                note=request.POST.get("note", ""),
            )
        except ServiceError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("调拨单 %(n)s 已创建") % {"n": transfer.number})
        return redirect("parts:transfers")
    qs = selectors.transfers_for_user(request.user).prefetch_related("lines__part")
    page, rows, has_next = _page(request, qs)
    from .models import Location

    context = {
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "query": _query(request),
        "warehouses": selectors.managed_warehouses(request.user),
        "all_warehouses": Location.objects.filter(kind__in=Location.WAREHOUSE_KINDS),
        "parts": Part.objects.filter(is_active=True),
    }
    return render(request, "parts/transfers.html", context)


def _any_warehouse(value: Any) -> Any:
    """A station manager sends to any warehouse (the receiving side manages its receipt)."""
    from .models import Location

    loc = Location.objects.filter(pk=_int(value) or 0, kind__in=Location.WAREHOUSE_KINDS).first()
    if loc is None:
        raise Http404
    return loc


def _lines(request: HttpRequest) -> list[dict[str, Any]]:
    lines = []
    parts = request.POST.getlist("line_part")
    qtys = request.POST.getlist("line_qty")
    batches = request.POST.getlist("line_batch")
    for i, pid in enumerate(parts):
        qty = _int(qtys[i] if i < len(qtys) else None)
        if not pid and not qty:
            continue
        part = Part.objects.filter(pk=_int(pid) or 0).first()
        if part is None or not qty:
            continue
        lines.append(
            {"part": part, "quantity": qty, "batch": batches[i] if i < len(batches) else ""}
        )
    return lines


@login_required
def receipts(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    if request.method == "POST":
        supplier = Supplier.objects.filter(pk=_int(request.POST.get("supplier")) or 0).first()
        try:
            receipt = services.receipt_create(
                warehouse=selectors.get_location_for_user(
                    request.user, request.POST.get("warehouse")
                ),
                supplier=supplier,
                actor=request.user,
                lines=_lines(request),
                note=request.POST.get("note", ""),
            )
        except ServiceError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("接收单 %(n)s 已创建，过账后入库") % {"n": receipt.number})
        return redirect("parts:receipts")
    qs = selectors.receipts_for_user(request.user).prefetch_related("lines__part")
    page, rows, has_next = _page(request, qs)
    context = {
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "query": _query(request),
        "warehouses": selectors.managed_warehouses(request.user),
        "suppliers": Supplier.objects.filter(is_active=True),
        "parts": Part.objects.filter(is_active=True),
    }
    return render(request, "parts/receipts.html", context)


@login_required
def counts(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    if request.method == "POST":
        try:
            count = services.stock_count_create(
                warehouse=selectors.get_location_for_user(
                    request.user, request.POST.get("warehouse")
                ),
                actor=request.user,
            )
        except ServiceError as exc:
            _fail(request, exc)
            return redirect("parts:counts")
        return redirect("parts:count_detail", pk=count.pk)
    page, rows, has_next = _page(request, selectors.counts_for_user(request.user))
    context = {
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "query": _query(request),
        "warehouses": selectors.managed_warehouses(request.user),
    }
    return render(request, "parts/counts.html", context)


@login_required
def count_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    count = selectors.get_for_user(selectors.counts_for_user(request.user), pk)
    if request.method == "POST":
        counted: dict[int, int] = {}
        for key in request.POST:
            qty = _int(request.POST.get(key))
            if key.startswith("counted_") and qty is not None:
                counted[int(key.removeprefix("counted_"))] = qty
        try:
            services.stock_count_enter(count=count, actor=request.user, counted=counted)
        except ServiceError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("实盘数量已保存"))
        return redirect("parts:count_detail", pk=count.pk)
    context = {
        "count": count,
        "lines": list(count.lines.select_related("part")),
        "editable": count.status == CountStatus.DRAFT,
        "can_approve": roles.has_role(request.user, *services.KEEPER_ROLES),
    }
    return render(request, "parts/count_detail.html", context)


@login_required
def scraps(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    if request.method == "POST":
        try:
            scrap = services.scrap_create(
                warehouse=selectors.get_location_for_user(
                    request.user, request.POST.get("warehouse")
                ),
                part=_part(request.POST.get("part")),
                quantity=_int(request.POST.get("quantity")) or 0,
                condition=request.POST.get("condition") or Condition.NEW,
                actor=request.user,
                reason=request.POST.get("reason", ""),
            )
        except ServiceError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("报废单 %(n)s 已创建，待审批") % {"n": scrap.number})
        return redirect("parts:scraps")
    page, rows, has_next = _page(request, selectors.scraps_for_user(request.user))
    context = {
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "query": _query(request),
        "warehouses": selectors.managed_warehouses(request.user),
        "parts": Part.objects.filter(is_active=True),
        "conditions": Condition.choices,
        "can_approve": roles.has_role(request.user, *services.KEEPER_ROLES),
    }
    return render(request, "parts/scraps.html", context)


@login_required
def old_parts(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    if request.method == "POST":
        month = _date((request.POST.get("month") or "") + "-01")
        try:
            disposal = services.disposal_create(
                warehouse=selectors.get_location_for_user(
                    request.user, request.POST.get("warehouse")
                ),
                month=month or date.today(),
                action=request.POST.get("action") or DisposalAction.SCRAP,
                actor=request.user,
            )
        except ServiceError as exc:
            _fail(request, exc)
            return redirect("parts:old_parts")
        return redirect("parts:disposal_detail", pk=disposal.pk)
    status = request.GET.get("status", "")
    qs = selectors.old_returns_for_user(request.user).select_related("disposal")
    if status:
        qs = qs.filter(status=status)
    page, rows, has_next = _page(request, qs)
    context = {
        "rows": rows,
        "status": status,
        "statuses": OldPartStatus.choices,
        "page": page,
        "has_next": has_next,
        "query": _query(request),
        "disposals": list(selectors.disposals_for_user(request.user)[:24]),
        "warehouses": selectors.managed_warehouses(request.user),
        "actions": DisposalAction.choices,
        "this_month": date.today().strftime("%Y-%m"),
        "is_keeper": roles.has_role(request.user, *services.KEEPER_ROLES),
    }
    return render(request, "parts/old_parts.html", context)


@login_required
def disposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    disposal = selectors.get_for_user(selectors.disposals_for_user(request.user), pk)
    lines = list(disposal.lines.select_related("old_return__part", "old_return__order"))
    if request.method == "POST":
        try:
            for line in lines:
                action = request.POST.get(f"action_{line.pk}")
                if action and action != line.action:
                    services.disposal_line_set_action(line=line, action=action, actor=request.user)
        except ServiceError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("处置方式已保存"))
        return redirect("parts:disposal_detail", pk=disposal.pk)
    context = {
        "disposal": disposal,
        "lines": lines,
        "actions": DisposalAction.choices,
        "editable": disposal.status == DocStatus.DRAFT,
        "is_keeper": roles.has_role(request.user, *services.KEEPER_ROLES),
    }
    return render(request, "parts/disposal_detail.html", context)


@login_required
@require_GET
def replenishment(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    days = min(max(_int(request.GET.get("days")) or 30, 1), 365)
    rows = selectors.replenishment_suggestion(
        request.user, days=days, location=_int(request.GET.get("location"))
    )
    context = {
        "rows": rows,
        "days": days,
        "warehouses": selectors.warehouses_for_user(request.user),
        "location": _int(request.GET.get("location")),
    }
    return render(request, "parts/replenishment.html", context)


# --- document actions -----------------------------------------------------------------------

_DOCS: dict[str, tuple[Any, Any, str]] = {
    "receipt": (selectors.receipts_for_user, services.receipt_transition, "parts:receipts"),
    "requisition": (
        selectors.requisitions_for_user,
        services.requisition_transition,
        "parts:requisitions",
    ),
    "transfer": (selectors.transfers_for_user, services.transfer_transition, "parts:transfers"),
    "count": (selectors.counts_for_user, services.stock_count_transition, "parts:counts"),
    "scrap": (selectors.scraps_for_user, services.scrap_transition, "parts:scraps"),
    "old_return": (
        selectors.old_returns_for_user,
        services.old_part_return_transition,
        "parts:old_parts",
    ),
    "disposal": (selectors.disposals_for_user, services.disposal_transition, "parts:old_parts"),
}


@login_required
@require_POST
def doc_action(request: HttpRequest, kind: str, pk: int, action: str) -> HttpResponse:
    _require_parts_user(request)
    if kind not in _DOCS:
        raise Http404
    scope, transition, back = _DOCS[kind]
    obj = selectors.get_for_user(scope(request.user), pk)
    extra: dict[str, Any] = {}
    if kind == "requisition" and request.POST.get("warehouse"):
        extra["warehouse"] = selectors.get_location_for_user(
            request.user, request.POST.get("warehouse")
        )
    try:
        obj = transition(
            obj=obj,
            action=action,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            **extra,
        )
    except ServiceError as exc:
        _fail(request, exc)
        response = _back(request, reverse(back))
        return response
    messages.success(
        request,
        _("%(number)s：已%(action)s")
        % {"number": obj.number, "action": services.ACTION_LABELS.get(action, action)},
    )
    return _back(request, reverse(back))
