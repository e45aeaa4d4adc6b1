"""Complaint pages: the tracking ledger (登记追踪表) and its Excel export, the record form, and
a complaint's page with the form of its current step and its history. Reads go through
`selectors`, writes through `services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.core.audit import export_logged
from aftersales.core.errors import ServiceError
from aftersales.core.excel import xlsx_bytes

from . import selectors, services
from .models import (
    Category,
    Channel,
    Complaint,
    ComplaintLevel,
    ComplaintType,
    ServiceAspect,
)

PAGE_SIZE = 25
EXPORT_LIMIT = 50_000
PENALTY_ROWS = 3


def _require_ledger(request: HttpRequest) -> None:
    if not selectors.sees_ledger(request.user):
        raise Http404


def _page(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _filters(request: HttpRequest) -> dict[str, Any]:
    g = request.GET
    status = g.get("status", "")
    return {
        "status": status if status in Complaint.Status.values or status == "open" else "",
        "type": g.get("type", "") if g.get("type", "") in ComplaintType.values else "",
        "level": g.get("level", "")[:20],
        "overdue": g.get("overdue") == "1",
        "recurring": g.get("recurring") == "1",
        "q": g.get("q", "")[:60],
    }


def _owner(c: Complaint) -> str:
    if c.owner_id:
        return str(c.owner)
    return c.get_department_display() if c.department else ""


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    _require_ledger(request)
    filters = _filters(request)
    page = _page(request)
    qs = selectors.complaint_ledger(request.user, **filters)
    offset = (page - 1) * PAGE_SIZE
    # One row more than the page instead of a COUNT over every row.
    rows = list(qs[offset : offset + PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    complaints = rows[:PAGE_SIZE]
    for c in complaints:
        c.owner_label = _owner(c)  # type: ignore[attr-defined]
    query: QueryDict = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/ledger.html",
        {
            "complaints": complaints,
            "more": more,
            "page": page,
            "filters": filters,
            "statuses": Complaint.Status.choices,
            "types": ComplaintType.choices,
            "levels": ComplaintLevel.objects.all(),
            "query": query.urlencode(),
            "may_record": services.may_record(request.user),
        },
    )


def _ledger_rows(qs: QuerySet[Complaint]) -> list[list[Any]]:
    rows = []
    for c in qs[:EXPORT_LIMIT]:
        rows.append(
            [
                c.number,
                timezone.localtime(c.received_at).strftime("%Y-%m-%d %H:%M"),
                c.get_channel_display(),
                c.get_type_display(),
                c.level.name,
                c.complainant,
                c.customer.name if c.customer else "",
                c.unit.serial if c.unit else "",
                c.against_department,
                c.against_person,
                c.description,
                c.request,
                c.get_status_display(),
                _owner(c),
                timezone.localtime(c.deadline).strftime("%Y-%m-%d %H:%M"),
                _("是") if c.is_overdue else _("否"),  # type: ignore[attr-defined]
                _("是") if c.is_recurring else _("否"),
            ]
        )
    return rows


@login_required
@require_GET
def ledger_export(request: HttpRequest) -> HttpResponse:
    _require_ledger(request)
    qs = selectors.complaint_ledger(request.user, **_filters(request))
    headers = [
        _("投诉编号"),
        _("受理时间"),
        _("渠道"),
        _("投诉类型"),
        _("级别"),
        _("投诉人"),
        _("客户"),
        _("设备"),
        _("被投诉部门"),
        _("被投诉人"),
        _("投诉内容"),
        _("客户要求"),
        _("步骤"),
        pgettext("complaint owner", "负责人"),
        _("处理时限"),
        _("是否超期"),
        _("重复投诉"),
    ]
    rows = list(_ledger_rows(qs))
    content = xlsx_bytes(headers, rows, title=_("客户投诉登记追踪表"))
    # The ledger names complainants and customers: a personal-data export (PIPL).
    export_logged(
        actor=request.user,
        what="complaints",
        label=_("客户投诉登记追踪表"),
        fmt="xlsx",
        rows=len(rows),
        masked=False,
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"complaints-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


RECORD_FIELDS = [
    "type",
    "service_aspect",
    "level",
    "channel",
    "complainant",
    "contact",
    "unit",
    "work_order",
    "fault_code",
    "against_department",
    "against_person",
    "description",
    "request",
]


@login_required
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest) -> HttpResponse:
    if not services.may_record(request.user):
        raise Http404
    values: dict[str, str] = {name: request.POST.get(name, "") for name in RECORD_FIELDS}
    error_field = ""
    if request.method == "POST":
        try:
            complaint = services.complaint_record(
                actor=request.user,
                data=services.ComplaintData(**values),  # type: ignore[arg-type]
            )
        except ServiceError as exc:
            messages.error(request, str(exc.message))
            error_field = exc.field or ""
        else:
            messages.success(request, _("投诉 %(number)s 已登记。") % {"number": complaint.number})
            return redirect("complaints:detail", complaint.pk)
    return render(
        request,
        "complaints/record.html",
        {
            "values": values,
            "error_field": error_field,
            "types": ComplaintType.choices,
            "aspects": ServiceAspect.choices,
            "channels": Channel.choices,
            "levels": ComplaintLevel.objects.all(),
        },
        status=400 if error_field else 200,
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.get_complaint_for_user(request.user, pk)
    actions = services.complaint_available_actions(complaint, request.user)
    transitions = list(complaint.transitions.select_related("actor"))
    for t in transitions:
        t.action_label = services.COMPLAINT_ACTION_LABELS.get(  # type: ignore[attr-defined]
            t.action, _("登记") if t.action == "record" else t.action
        )
    return render(
        request,
        "complaints/detail.html",
        {
            "c": complaint,
            "actions": [{"code": a, "label": services.COMPLAINT_ACTION_LABELS[a]} for a in actions],
            "categories": Category.choices,
            "transitions": transitions,
            "penalties": complaint.penalties.all(),
            "measures": complaint.measures.all(),
            "recurring_of": complaint.recurring_of.all(),
            "penalty_rows": range(PENALTY_ROWS),
        },
    )


STEP_FIELDS = [
    "category",
    "cause",
    "responsible_department",
    "responsible_person",
    "solution",
    "notification",
    "measure",
    "department",
    "due_date",
]


@login_required
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.get_complaint_for_user(request.user, pk, write=True)
    action = request.POST.get("action", "")
    data: dict[str, Any] = {k: request.POST[k] for k in STEP_FIELDS if k in request.POST}
    if action == "penalise":
        p = request.POST
        data["penalties"] = [
            {
                "person": p.get(f"person_{i}", ""),
                "amount": p.get(f"amount_{i}", ""),
                "loss": p.get(f"loss_{i}", ""),
                "reason": p.get(f"penalty_reason_{i}", ""),
                "unanswered": p.get(f"unanswered_{i}") == "1",
            }
            for i in range(PENALTY_ROWS)
        ]
    try:
        services.complaint_transition(
            complaint=complaint,
            action=action,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            **data,
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        label = services.COMPLAINT_ACTION_LABELS.get(action, action)
        messages.success(request, _("已%(action)s。") % {"action": label})
    return redirect("complaints:detail", complaint.pk)


@login_required
@require_GET
def penalties(request: HttpRequest) -> HttpResponse:
    """S10: the penalties of step 7 for HR to apply."""
    applied = request.GET.get("applied", "")
    applied = applied if applied in ("yes", "no") else ""
    page = _page(request)
    qs = selectors.penalties_for_user(request.user, applied=applied)
    offset = (page - 1) * PAGE_SIZE
    rows = list(qs[offset : offset + PAGE_SIZE + 1])
    return render(
        request,
        "complaints/penalties.html",
        {
            "penalties": rows[:PAGE_SIZE],
            "more": len(rows) > PAGE_SIZE,
            "page": page,
            "applied": applied,
            "may_apply": services.may_apply_penalties(request.user),
        },
    )


@login_required
@require_POST
def penalty_applied(request: HttpRequest, pk: int) -> HttpResponse:
    penalty = selectors.get_penalty_for_user(request.user, pk)
    try:
        services.penalty_mark_applied(penalty=penalty, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已执行"))
    return redirect("complaints:penalties")
