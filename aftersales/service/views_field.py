"""The technician's phone pages: my jobs, the job page with its on-site actions and the four
steps, the service report, the customer's signature, and the report PDF.

Every order is read through the selectors (404 when not yours) and every change goes through a
service; a refusal is shown with the service's message and changes nothing."""

from __future__ import annotations

import base64
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.core.errors import ServiceError
from aftersales.core.masking import mask_phone
from aftersales.core.pdf import render_pdf

from . import hooks, services
from .forms_field import (
    AmendForm,
    ReportForm,
    SignForm,
    StepsForm,
    TakeBackForm,
    TransitionForm,
    parse_charge_lines,
    price_items,
)
from .models import (
    OPEN_STATUSES,
    ChargeLine,
    ServiceReport,
    Status,
    Visit,
    WarrantyDecision,
    WorkOrder,
    WorkOrderTransition,
)
from .selectors import get_work_order_for_user, work_orders_for_user

FIELD_ROLES = (Role.TECHNICIAN, Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN)
# The actions a technician takes on site, in the order they usually happen.
FIELD_ACTIONS = ("depart", "arrive", "diagnose", "wait_parts", "take_back", "resolve")
# While the four steps may still be written on the latest visit.
STEP_STATUSES = {
    Status.ON_SITE,
    Status.DIAGNOSED,
    Status.WAITING_PARTS,
    Status.IN_WORKSHOP,
    Status.RESOLVED,
}
APPROVER_ROLES = (Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN)


def _require_field_role(request: HttpRequest) -> None:
    if not roles.has_role(request.user, *FIELD_ROLES):
        raise DjangoPermissionDenied


def _order(request: HttpRequest, pk: int, *, write: bool = False) -> WorkOrder:
    order = get_work_order_for_user(request.user, pk, write=write)
    return (
        WorkOrder.objects.select_related(
            "customer", "unit__model", "product_model", "outlet", "leader__user", "fault_code"
        )
        .prefetch_related("technicians__user")
        .get(pk=order.pk)
    )


def _report(order: WorkOrder) -> ServiceReport | None:
    return (
        ServiceReport.objects.select_related("charges_approved_by")
        .prefetch_related(
            Prefetch("charge_lines", queryset=ChargeLine.objects.select_related("price_item")),
            "amendments__author",
        )
        .filter(order=order)
        .first()
    )


def _phone(request: HttpRequest, value: str) -> str:
    return value if roles.sees_personal_data(request.user) else mask_phone(value)


def _fail(request: HttpRequest, exc: ServiceError) -> None:
    messages.error(request, str(exc.message))
    errors = exc.details.get("errors") if exc.details else None
    if isinstance(errors, dict):
        for message in errors.values():
            messages.error(request, str(message))


# --- my jobs --------------------------------------------------------------------------------


@login_required
@require_GET
def my_jobs(request: HttpRequest) -> HttpResponse:
    if roles.is_customer(request.user):
        return redirect("portal:home")
    _require_field_role(request)
    jobs = list(
        work_orders_for_user(request.user)
        .filter(status__in=[s for s in OPEN_STATUSES if s != Status.RECEIVED])
        .select_related("customer", "unit__model", "product_model")
        .order_by("resolution_due", "received_at")[:200]
    )
    now = timezone.now()
    rows = []
    for job in jobs:
        due = job.arrival_due if job.first_arrived_at is None else job.resolution_due
        rows.append(
            {
                "order": job,
                "due": due,
                "due_label": _("到场时限") if job.first_arrived_at is None else _("解决时限"),
                "overdue": bool(due and due < now),
            }
        )
    return render(request, "field/my_jobs.html", {"rows": rows, "now": now})


# --- the job page ---------------------------------------------------------------------------


def _job_context(
    request: HttpRequest,
    order: WorkOrder,
    *,
    steps_form: StepsForm | None = None,
    take_back_form: TakeBackForm | None = None,
) -> dict[str, Any]:
    visit = order.visits.select_related("technician__user").order_by("-arrived_at").first()
    actions = [a for a in services.available_actions(order, request.user) if a in FIELD_ACTIONS]
    actions.sort(key=FIELD_ACTIONS.index)
    if steps_form is None and visit is not None:
        steps_form = StepsForm(
            initial={name: getattr(visit, name) for name in StepsForm.base_fields}
        )
    report = ServiceReport.objects.filter(order=order).first()
    return {
        "order": order,
        "contact_mobile": _phone(request, order.contact_mobile),
        "visit": visit,
        "visit_count": order.visits.count(),
        "can_record_steps": visit is not None and order.status in STEP_STATUSES,
        "steps_form": steps_form,
        "can_diagnose": "diagnose" in actions,
        "actions": [
            {"code": a, "label": services.ACTION_LABELS[a]} for a in actions if a != "take_back"
        ],
        "can_take_back": "take_back" in actions,
        "take_back_form": take_back_form or TakeBackForm(),
        "transition_form": TransitionForm(),
        "handovers": list(order.handovers.select_related("technician__user")),
        "transitions": _transitions(order),
        "report": report,
        "extra_panels": hooks.field_panels.collect(
            request=request, order=order, report=report, page="job"
        ),
    }


def _transitions(order: WorkOrder) -> list[WorkOrderTransition]:
    rows = list(
        WorkOrderTransition.objects.filter(order=order).select_related("actor").order_by("at", "id")
    )
    for row in rows:
        row.label = services.ACTION_LABELS.get(row.action, row.action)  # type: ignore[attr-defined]
    return rows


@login_required
@require_GET
def job(request: HttpRequest, pk: int) -> HttpResponse:
    _require_field_role(request)
    order = _order(request, pk)
    return render(request, "field/job.html", _job_context(request, order))


@login_required
@require_POST
def transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require_field_role(request)
    if action not in FIELD_ACTIONS:
        raise Http404
    order = _order(request, pk, write=True)
    form: TransitionForm | TakeBackForm
    form = TakeBackForm(request.POST) if action == "take_back" else TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
        context = _job_context(
            request, order, take_back_form=form if isinstance(form, TakeBackForm) else None
        )
        return render(request, "field/job.html", context, status=400)
    data = dict(form.cleaned_data)
    reason = data.pop("reason", "") or ""
    try:
        services.work_order_transition(
            order=order, action=action, actor=request.user, reason=reason, **data
        )
    except ServiceError as exc:
        _fail(request, exc)
        order = _order(request, pk)
        context = _job_context(
            request, order, take_back_form=form if isinstance(form, TakeBackForm) else None
        )
        return render(request, "field/job.html", context, status=exc.status)
    messages.success(request, _("已登记“%(action)s”") % {"action": services.ACTION_LABELS[action]})
    return redirect("field:job", pk=order.pk)


@login_required
@require_POST
def steps(request: HttpRequest, pk: int) -> HttpResponse:
    _require_field_role(request)
    order = _order(request, pk, write=True)
    visit = Visit.objects.filter(order=order).order_by("-arrived_at").first()
    if visit is None or order.status not in STEP_STATUSES:
        messages.error(request, _("尚未登记到场，不能填写四步记录；请先点击“到场”"))
        return render(request, "field/job.html", _job_context(request, order), status=409)
    form = StepsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
        return render(
            request, "field/job.html", _job_context(request, order, steps_form=form), status=400
        )
    try:
        services.visit_record_steps(visit=visit, actor=request.user, **form.cleaned_data)
        if request.POST.get("and_diagnose"):
            services.work_order_transition(order=order, action="diagnose", actor=request.user)
    except ServiceError as exc:
        _fail(request, exc)
        order = _order(request, pk)
        return render(
            request,
            "field/job.html",
            _job_context(request, order, steps_form=form),
            status=exc.status,
        )
    if request.POST.get("and_diagnose"):
        messages.success(request, _("四步记录已保存，已登记“诊断”"))
    else:
        messages.success(request, _("四步记录已保存"))
    return redirect("field:job", pk=order.pk)


# --- the service report ---------------------------------------------------------------------


def _charge_rows(report: ServiceReport | None, data: Any = None) -> list[dict[str, str]]:
    """Rows of the charge table: the posted ones, or the saved ones plus blanks to fill."""
    if data is not None:
        codes, qtys = data.getlist("charge_code"), data.getlist("charge_qty")
        rows = [
            {"code": c, "quantity": qtys[i] if i < len(qtys) else ""} for i, c in enumerate(codes)
        ]
    else:
        rows = [
            {"code": line.price_item.code, "quantity": f"{line.quantity.normalize():f}"}
            for line in (report.charge_lines.all() if report else [])
        ]
    return rows + [{"code": "", "quantity": ""} for _i in range(max(3 - len(rows), 1))]


def _report_context(
    request: HttpRequest,
    order: WorkOrder,
    report: ServiceReport | None,
    *,
    form: ReportForm | None = None,
    charge_rows: list[dict[str, str]] | None = None,
    amend_form: AmendForm | None = None,
) -> dict[str, Any]:
    chargeable_order = order.warranty_decision != WarrantyDecision.FREE
    can_edit = (
        roles.has_role(request.user, *FIELD_ROLES)
        and order.status in STEP_STATUSES
        and not (report and report.is_signed)
    )
    if form is None:
        initial: dict[str, Any] = {"labour_hours": 0, "travel_km": 0}
        if report is not None:
            initial = {name: getattr(report, name) for name in ReportForm.base_fields}
        form = ReportForm(initial=initial, chargeable=chargeable_order)
    return {
        "order": order,
        "report": report,
        "form": form,
        "can_edit": can_edit,
        "chargeable_order": chargeable_order,
        "price_items": price_items() if can_edit and chargeable_order else [],
        "charge_rows": charge_rows if charge_rows is not None else _charge_rows(report),
        "charge_lines": list(report.charge_lines.all()) if report else [],
        "needs_approval": bool(
            report
            and report.is_chargeable
            and report.charges_approved_at is None
            and not report.is_signed
        ),
        "can_approve": roles.has_role(request.user, *APPROVER_ROLES),
        "can_sign": bool(
            report
            and not report.is_signed
            and report.has_content
            and not (report.is_chargeable and report.charges_approved_at is None)
            and order.status == Status.RESOLVED
            and roles.has_role(request.user, *FIELD_ROLES)
        ),
        "can_amend": bool(
            report and report.is_signed and roles.has_role(request.user, *FIELD_ROLES)
        ),
        "amend_form": amend_form or AmendForm(),
        "amendments": list(report.amendments.all()) if report else [],
        "visits": list(order.visits.select_related("technician__user")),
        # Other apps' content of the report (parts fitted) and their panels on the page.
        "report_lines": hooks.report_lines.collect(report=report) if report else [],
        "extra_panels": hooks.field_panels.collect(
            request=request, order=order, report=report, page="report"
        ),
    }


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    if roles.is_customer(request.user):
        # The signed report reaches customers as the PDF from their portal order page.
        order = _order(request, pk)
        return redirect("portal:order", pk=order.pk)
    if request.method == "POST":
        _require_field_role(request)
        order = _order(request, pk, write=True)
    else:
        order = _order(request, pk)
    current = _report(order)
    if request.method != "POST":
        return render(request, "field/report.html", _report_context(request, order, current))
    chargeable_order = order.warranty_decision != WarrantyDecision.FREE
    form = ReportForm(request.POST, chargeable=chargeable_order)
    lines, charge_errors = parse_charge_lines(request.POST) if chargeable_order else ([], [])
    rows = _charge_rows(current, request.POST) if chargeable_order else None
    if not form.is_valid() or charge_errors:
        messages.error(request, _("请检查填写的内容"))
        for message in charge_errors:
            messages.error(request, message)
        context = _report_context(request, order, current, form=form, charge_rows=rows)
        return render(request, "field/report.html", context, status=400)
    try:
        services.report_update(
            order=order,
            actor=request.user,
            charges=lines if chargeable_order else None,
            **form.cleaned_data,
        )
    except ServiceError as exc:
        _fail(request, exc)
        context = _report_context(request, order, _report(order), form=form, charge_rows=rows)
        return render(request, "field/report.html", context, status=exc.status)
    messages.success(request, _("服务报告已保存"))
    return redirect("field:report", pk=order.pk)


@login_required
@require_POST
def report_approve(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, write=True)
    try:
        services.report_approve_charges(order=order, actor=request.user)
    except ServiceError as exc:
        _fail(request, exc)
        context = _report_context(request, order, _report(order))
        return render(request, "field/report.html", context, status=exc.status)
    messages.success(request, _("收费已审批，可以请客户签字"))
    return redirect("field:report", pk=order.pk)


@login_required
@require_POST
def report_amend(request: HttpRequest, pk: int) -> HttpResponse:
    _require_field_role(request)
    order = _order(request, pk, write=True)
    form = AmendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写更正内容"))
        context = _report_context(request, order, _report(order), amend_form=form)
        return render(request, "field/report.html", context, status=400)
    try:
        services.report_amend(order=order, actor=request.user, text=form.cleaned_data["text"])
    except ServiceError as exc:
        _fail(request, exc)
        context = _report_context(request, order, _report(order), amend_form=form)
        return render(request, "field/report.html", context, status=exc.status)
    messages.success(request, _("更正已记录，原签字报告保持不变"))
    return redirect("field:report", pk=order.pk)


@login_required
def report_sign(request: HttpRequest, pk: int) -> HttpResponse:
    _require_field_role(request)
    order = _order(request, pk, write=True)
    current = _report(order)
    form = SignForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.report_sign(
                    order=order,
                    actor=request.user,
                    signer_name=form.cleaned_data["signer_name"],
                    image=form.cleaned_data["signature"],
                )
            except ServiceError as exc:
                _fail(request, exc)
                status = exc.status
            else:
                messages.success(request, _("客户已签字，服务报告已冻结"))
                return redirect("field:report", pk=order.pk)
        else:
            status = 400
    context = _report_context(request, order, current)
    context.update(sign_form=form, blockers=_sign_blockers(order, current))
    return render(request, "field/sign.html", context, status=status)


def _sign_blockers(order: WorkOrder, report: ServiceReport | None) -> list[str]:
    """Hints shown before the customer draws; `report_sign` itself decides."""
    blockers = []
    if report is not None and report.is_signed:
        blockers.append(_("服务报告已签字冻结"))
        return blockers
    if report is None or not report.has_content:
        blockers.append(_("服务报告尚无内容（工作内容和原因分析）"))
    if order.status != Status.RESOLVED:
        blockers.append(
            _("工单当前状态为“%(status)s”，须先登记“解决”") % {"status": order.get_status_display()}
        )
    if report is not None and report.is_chargeable and report.charges_approved_at is None:
        blockers.append(_("收费尚未经经理审批"))
    return blockers


@login_required
@require_GET
def report_signature(request: HttpRequest, pk: int) -> FileResponse:
    order = _order(request, pk)
    current = _report(order)
    if current is None or not current.signature:
        raise Http404
    response = FileResponse(current.signature.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=0"
    return response


def _signature_data_uri(report: ServiceReport | None) -> str:
    if report is None or not report.signature:
        return ""
    with report.signature.open("rb") as fh:
        return "data:image/png;base64," + base64.b64encode(fh.read()).decode()


@login_required
@require_GET
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    current = _report(order)
    context = _report_context(request, order, current)
    context.update(
        signature_uri=_signature_data_uri(current),
        contact_mobile=_phone(request, order.contact_mobile),
        printed_at=timezone.now(),
        site_url=request.build_absolute_uri(reverse("field:report", args=[order.pk])),
    )
    pdf = render_pdf("field/report_pdf.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{order.number}-report.pdf"'
    response["Cache-Control"] = "private, max-age=0"
    return response
