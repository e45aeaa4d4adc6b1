"""Back-office pages of the order loop: list, hotline intake, order page, transitions, dispatch
board and attachment downloads. Reads go through `selectors`, writes through `services`; a
refusal from a service is shown to the person and nothing changes."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts import roles
from aftersales.core.errors import IdempotencyMismatch, ServiceError, ValidationFailed
from aftersales.core.masking import mask_address, mask_phone
from aftersales.customers.models import Region
from aftersales.customers.regions import parse_address
from aftersales.network.selectors import outlets_for_user

from . import hooks, selectors, services
from .forms import IntakeForm, OrderFilterForm
from .models import (
    OPEN_STATUSES,
    Status,
    WarrantyDecision,
    WorkOrder,
    WorkOrderTransition,
)

PAGE_SIZE = 25
BOARD_PAGE_SIZE = 10

# Actions that end an order early: the page asks once more before doing them.
CONFIRM_ACTIONS = {"cancel", "reject"}
# Actions with their own small form on the order page; the rest are a single button.
FORM_ACTIONS = {"cancel", "reject", "reopen", "reassign", "diagnose", "take_back", "dispatch"}

STATUS_TONE: dict[str, str] = {
    Status.RECEIVED: "info",
    Status.RESPONDED: "info",
    Status.DISPATCHED: "accent",
    Status.EN_ROUTE: "accent",
    Status.ON_SITE: "accent",
    Status.DIAGNOSED: "accent",
    Status.WAITING_PARTS: "warn",
    Status.IN_WORKSHOP: "warn",
    Status.RESOLVED: "ok",
    Status.CONFIRMED: "ok",
    Status.CLOSED: "muted",
    Status.FOLLOWED_UP: "muted",
    Status.CANCELLED: "danger",
    Status.REJECTED: "danger",
}
WARRANTY_TONE: dict[str, str] = {
    WarrantyDecision.FREE: "ok",
    WarrantyDecision.PAID: "warn",
    WarrantyDecision.ON_SITE: "info",
}


# --- small helpers --------------------------------------------------------------------------


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _query_without_page(request: HttpRequest) -> str:
    params: QueryDict = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def human_duration(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)s 天 %(h)s 小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s 小时 %(m)s 分") % {"h": hours, "m": mins}
    return _("%(m)s 分钟") % {"m": mins}


def _deadlines(order: WorkOrder, now: datetime) -> list[dict[str, Any]]:
    """Each SLA target with its state: met (on time or late), overdue, or still running."""
    stopped = order.status in (Status.CANCELLED, Status.REJECTED)
    rows = []
    for key, label, due, met in (
        ("response", _("响应时限"), order.response_due, order.responded_at),
        ("arrival", _("到场时限"), order.arrival_due, order.first_arrived_at),
        ("resolution", _("解决时限"), order.resolution_due, order.resolved_at),
    ):
        if due is None:
            continue
        if met is not None:
            state = "met" if met <= due else "met_late"
            note = (
                _("按时完成")
                if met <= due
                else _("超时 %(t)s 完成") % {"t": human_duration(met - due)}
            )
        elif stopped:
            state, note = "stopped", _("已终止")
        elif now > due:
            state, note = "overdue", _("已超时 %(t)s") % {"t": human_duration(now - due)}
        else:
            state, note = "running", _("剩余 %(t)s") % {"t": human_duration(due - now)}
        rows.append(
            {"key": key, "label": label, "due": due, "met": met, "state": state, "note": note}
        )
    return rows


def _next_deadline(order: WorkOrder, now: datetime) -> dict[str, Any] | None:
    if order.status not in OPEN_STATUSES:
        return None
    for label, due, met in (
        (_("响应时限"), order.response_due, order.responded_at),
        (_("到场时限"), order.arrival_due, order.first_arrived_at),
        (_("解决时限"), order.resolution_due, order.resolved_at),
    ):
        if due is not None and met is None:
            return {"label": label, "due": due, "overdue": now > due}
    return None


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _require_back_office(request: HttpRequest) -> HttpResponse | None:
    if roles.is_customer(request.user):
        return redirect("home")
    return None


def _report_links(order: WorkOrder) -> dict[str, str]:
    """The report pages belong to the field views; link to them only when they exist."""
    links = {}
    for key, name in (("report", "field:report"), ("pdf", "field:report_pdf")):
        for kwargs in ({"pk": order.pk}, {"order_id": order.pk}, None):
            try:
                links[key] = (
                    reverse(name, kwargs=kwargs) if kwargs else reverse(name, args=[order.pk])
                )
                break
            except NoReverseMatch:
                continue
    return links


# --- list -----------------------------------------------------------------------------------


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    if (response := _require_back_office(request)) is not None:
        return response
    user = request.user
    form = OrderFilterForm(request.GET or None, outlets=outlets_for_user(user).order_by("code"))
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        c = form.cleaned_data
        filters = {
            "status": c["status"] or "",
            "date_from": c["date_from"],
            "date_to": c["date_to"],
            "q": (c["q"] or "").strip(),
            "outlet": c["outlet"].pk if c["outlet"] else None,
        }
    page = _page_number(request)
    offset = (page - 1) * PAGE_SIZE
    # One row more than a page tells whether there is a next page without counting them all.
    rows = list(selectors.work_order_list(user, **filters)[offset : offset + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    now = timezone.now()
    personal = roles.sees_personal_data(user)
    for order in rows:
        order.phone_display = order.contact_mobile if personal else mask_phone(order.contact_mobile)  # type: ignore[attr-defined]
        order.next_due = _next_deadline(order, now)  # type: ignore[attr-defined]
        order.status_tone = STATUS_TONE.get(order.status, "muted")  # type: ignore[attr-defined]
        order.warranty_tone = WARRANTY_TONE.get(order.warranty_decision, "muted")  # type: ignore[attr-defined]
    return render(
        request,
        "service/order_list.html",
        {
            "form": form,
            "orders": rows,
            "page": page,
            "has_next": has_next,
            "has_previous": page > 1,
            "query": _query_without_page(request),
            "filtered": any(filters.values()),
            "can_intake": roles.can_take_intake(user),
        },
    )


# --- intake ---------------------------------------------------------------------------------


def _ancestor_names(region: Region) -> list[str]:
    names = []
    node = region.parent
    while node is not None:
        name = re.sub(
            r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|省|市|地区|盟)$",
            "",
            node.name,
        )
        if len(name) >= 2 and node.name not in ("市辖区", "县"):
            names.append(name)
        node = node.parent
    return names


def propose_region(address: str) -> dict[str, Any]:
    """The region cpca proposes for a typed address, and whether the agent must choose.

    cpca silently picks one of several districts with the same name (朝阳区 is in Beijing and in
    Changchun); when the address names none of their cities or provinces, every such district
    is offered and none is preselected."""
    address = (address or "").strip()
    if not address:
        return {"proposal": None, "candidates": [], "ambiguous": False, "address": ""}
    parsed = parse_address(address)
    proposal = parsed.region
    if proposal is None:
        return {"proposal": None, "candidates": [], "ambiguous": True, "address": address}
    same_name = list(
        Region.objects.filter(name=proposal.name, level=proposal.level)
        .select_related("parent__parent")
        .order_by("code")
    )
    if len(same_name) > 1:
        named = [r for r in same_name if any(n in address for n in _ancestor_names(r))]
        if len(named) == 1:
            return {
                "proposal": named[0],
                "candidates": named,
                "ambiguous": False,
                "address": address,
            }
        return {"proposal": None, "candidates": same_name, "ambiguous": True, "address": address}
    return {
        "proposal": proposal,
        "candidates": [proposal],
        "ambiguous": parsed.ambiguous,
        "address": address,
    }


@login_required
@require_GET
def region_suggest(request: HttpRequest) -> HttpResponse:
    """HTMX: the region proposal for the address the agent is typing."""
    if not roles.can_take_intake(request.user):
        raise DjangoPermissionDenied
    context = propose_region(request.GET.get("site_address", "")[:200])
    context["selected"] = request.GET.get("site_region_code", "")
    return render(request, "service/_region_proposal.html", context)


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    if not roles.can_take_intake(request.user):
        raise DjangoPermissionDenied
    region_context: dict[str, Any] = {"proposal": None, "candidates": [], "ambiguous": False}
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.to_intake_data()
            region_context = (
                propose_region(data.site_address) if data.site_address else region_context
            )
            region_context["selected"] = data.site_region_code
            if data.site_address and not data.site_region_code:
                if region_context["proposal"] is not None and not region_context["ambiguous"]:
                    data.site_region_code = region_context["proposal"].code
                elif region_context["candidates"]:
                    form.add_error(
                        "site_region_code", _("地址中的地区有多个可能，请确认现场所在地区")
                    )
            if form.is_valid():
                response = _intake_submit(request, form, data)
                if response is not None:
                    return response
        elif form.cleaned_data.get("site_address"):
            region_context = propose_region(form.cleaned_data["site_address"])
            region_context["selected"] = form.cleaned_data.get("site_region_code", "")
        # The same key on the re-rendered form: a corrected, then double-clicked, submit still
        # creates one order.
        key = request.POST.get("idempotency_key") or secrets.token_urlsafe(16)
        bound = request.POST.copy()
        bound["idempotency_key"] = key
        form.data = bound
    else:
        form = IntakeForm(initial={"idempotency_key": secrets.token_urlsafe(16)})
    return render(
        request,
        "service/intake.html",
        {"form": form, "region": region_context, "had_files": bool(request.FILES)},
        status=400 if request.method == "POST" else 200,
    )


def _intake_submit(
    request: HttpRequest, form: IntakeForm, data: services.IntakeData
) -> HttpResponse | None:
    key = (form.cleaned_data.get("idempotency_key") or "").strip()[:100]
    try:
        order, created = services.work_order_intake(
            actor=request.user, data=data, idempotency_key=key
        )
    except IdempotencyMismatch as exc:
        form.add_error(None, str(exc.message))
        return None
    except ValidationFailed as exc:
        errors = exc.details.get("errors") or ({exc.field or "__all__": exc.message})
        for name, message in errors.items():
            form.add_error(name if name in form.fields else None, str(message))
        if not errors:
            form.add_error(None, str(exc.message))
        return None
    except ServiceError as exc:
        form.add_error(None, str(exc.message))
        return None
    if not created:
        messages.info(
            request, _("工单 %(number)s 已登记（重复提交未再建单）") % {"number": order.number}
        )
    else:
        messages.success(
            request,
            _("已登记工单 %(number)s。三包判定：%(decision)s —— %(reason)s")
            % {
                "number": order.number,
                "decision": order.get_warranty_decision_display(),
                "reason": order.warranty_reason,
            },
        )
        if order.duplicate_of_id:
            dup = order.duplicate_of
            messages.warning(
                request,
                _("注意：该设备已有未完结工单 %(number)s，本单已标记为疑似重复，请核实合并或保留")
                % {"number": dup.number if dup else ""},
            )
    return redirect("service:order_detail", pk=order.pk)


# --- detail ---------------------------------------------------------------------------------


@login_required
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    order = selectors.get_work_order_for_user(user, pk)
    if roles.is_customer(user):
        # The back-office page shows internal reasons and staff; customers have the portal.
        return redirect("portal:order", pk=order.pk)
    order = (
        WorkOrder.objects.select_related(
            "customer",
            "unit__model",
            "product_model",
            "fault_code",
            "required_skill",
            "site_region",
            "outlet",
            "leader__user",
            "sla_policy",
            "duplicate_of",
            "created_by",
        )
        .prefetch_related(
            "technicians__user",
            Prefetch(
                "transitions",
                queryset=WorkOrderTransition.objects.select_related("actor").order_by("at", "id"),
            ),
            "visits__technician__user",
            "handovers__technician__user",
            "attachments",
            "sla_events__notified",
            "duplicates",
        )
        .get(pk=order.pk)
    )
    now = timezone.now()
    personal = roles.sees_personal_data(user)
    transitions = list(order.transitions.all())
    for t in transitions:
        t.action_label = services.ACTION_LABELS.get(t.action, t.action)  # type: ignore[attr-defined]
    report = getattr(order, "report", None)
    actions = services.available_actions(order, user)
    suggestions: list[dict[str, Any]] = []
    if {"dispatch", "reassign"} & set(actions):
        suggestions = selectors.suggest_technicians(order)
    handovers = list(order.handovers.all())
    for h in handovers:
        h.overdue = h.returned_at is None and h.promised_at < now  # type: ignore[attr-defined]
    return render(
        request,
        "service/order_detail.html",
        {
            "order": order,
            "status_tone": STATUS_TONE.get(order.status, "muted"),
            "warranty_tone": WARRANTY_TONE.get(order.warranty_decision, "muted"),
            "phone": order.contact_mobile if personal else mask_phone(order.contact_mobile),
            "address": order.site_address if personal else mask_address(order.site_address),
            "deadlines": _deadlines(order, now),
            "transitions": transitions,
            "visits": list(order.visits.all()),
            "handovers": handovers,
            "attachments": list(order.attachments.all()),
            "sla_events": list(order.sla_events.all()),
            "duplicates": list(order.duplicates.all()),
            "report": report,
            "report_links": _report_links(order),
            "simple_actions": [
                (a, services.ACTION_LABELS.get(a, a)) for a in actions if a not in FORM_ACTIONS
            ],
            "actions": set(actions),
            "suggestions": suggestions,
            "action_labels": services.ACTION_LABELS,
            "technicians": list(order.technicians.all()),
            "extra_panels": [
                panel for panel in hooks.order_panels.collect(request=request, order=order) if panel
            ],
        },
    )


# --- transitions ----------------------------------------------------------------------------


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _bool_or_none(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get((value or "").strip())


def _transition_data(action: str, post: QueryDict) -> dict[str, Any]:
    if action in ("dispatch", "reassign"):
        return {
            "technicians": post.getlist("technicians"),
            "leader": _int_or_none(post.get("leader")),
            "override_reason": post.get("override_reason", "").strip(),
        }
    if action == "diagnose":
        data: dict[str, Any] = {
            name: post.get(name, "").strip() for name in ("listen", "look", "inspect", "handle")
        }
        data["run_hours"] = _int_or_none(post.get("run_hours"))
        data["mileage_km"] = _int_or_none(post.get("mileage_km"))
        data["within_warranty_scope"] = _bool_or_none(post.get("within_warranty_scope"))
        data["disassembled_before"] = _bool_or_none(post.get("disassembled_before"))
        return data
    if action == "take_back":
        promised: Any = ""
        raw = post.get("promised_at", "").strip()
        if raw:
            try:
                promised = datetime.fromisoformat(raw)
            except ValueError:
                raise ValidationFailed(
                    _("承诺完成时间格式不正确，请按“年-月-日 时:分”填写"), field="promised_at"
                )
        return {
            "items": post.get("items", "").strip(),
            "customer_signer": post.get("customer_signer", "").strip(),
            "promised_at": promised,
        }
    return {}


@login_required
@require_POST
def order_transition(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.get_work_order_for_user(request.user, pk, write=True)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "").strip()
    back = _safe_next(request) or reverse("service:order_detail", args=[order.pk])
    label = services.ACTION_LABELS.get(action, action)
    if action in CONFIRM_ACTIONS and request.POST.get("confirmed") != "1":
        return render(
            request,
            "service/transition_confirm.html",
            {"order": order, "action": action, "label": label, "reason": reason, "next": back},
        )
    try:
        data = _transition_data(action, request.POST)
        order = services.work_order_transition(
            order=order, action=action, actor=request.user, reason=reason, **data
        )
    except ServiceError as exc:
        messages.error(
            request, _("%(number)s：%(message)s") % {"number": order.number, "message": exc.message}
        )
        return redirect(back)
    messages.success(
        request,
        _("工单 %(number)s 已%(action)s，当前状态：%(status)s")
        % {"number": order.number, "action": label, "status": order.get_status_display()},
    )
    return redirect(back)


# --- dispatch board -------------------------------------------------------------------------


@login_required
@require_GET
def dispatch_board(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not roles.can_dispatch(user):
        raise DjangoPermissionDenied
    page = _page_number(request)
    offset = (page - 1) * BOARD_PAGE_SIZE
    qs = (
        selectors.work_orders_for_user(user)
        .filter(status__in=[Status.RECEIVED, Status.RESPONDED])
        .select_related("unit", "customer", "outlet", "required_skill", "site_region", "fault_code")
        .order_by("received_at", "id")
    )
    rows = list(qs[offset : offset + BOARD_PAGE_SIZE + 1])
    has_next = len(rows) > BOARD_PAGE_SIZE
    rows = rows[:BOARD_PAGE_SIZE]
    now = timezone.now()
    personal = roles.sees_personal_data(user)
    board = []
    for order in rows:
        board.append(
            {
                "order": order,
                "phone": order.contact_mobile if personal else mask_phone(order.contact_mobile),
                "next_due": _next_deadline(order, now),
                "suggestions": (
                    selectors.suggest_technicians(order) if order.status == Status.RESPONDED else []
                ),
                "status_tone": STATUS_TONE.get(order.status, "muted"),
            }
        )
    return render(
        request,
        "service/dispatch_board.html",
        {
            "board": board,
            "page": page,
            "has_next": has_next,
            "has_previous": page > 1,
            "here": request.get_full_path(),
        },
    )


# --- attachments ----------------------------------------------------------------------------


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    order = selectors.get_work_order_for_user(request.user, pk)
    attachment = order.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
