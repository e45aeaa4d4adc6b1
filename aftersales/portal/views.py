"""Customer-facing pages: the portal (own units and orders, reopen), the public QR form (no
login, rate-limited), and the QR image of a unit.

Reads go through the selectors of `products` and `service`; writes through `service.services`."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.accounts import roles
from aftersales.complaints.models import ComplaintLevel
from aftersales.complaints.selectors import complaints_for_user
from aftersales.complaints.services import ComplaintData, complaint_record
from aftersales.core.errors import ServiceError, ValidationFailed
from aftersales.core.masking import mask_phone
from aftersales.products.models import Unit
from aftersales.products.selectors import get_unit_for_user, units_for_user
from aftersales.service import services
from aftersales.service.models import (
    OPEN_STATUSES,
    Channel,
    ServiceReport,
    ServiceSettings,
    WorkOrder,
    WorkOrderTransition,
)
from aftersales.service.selectors import get_work_order_for_user, work_orders_for_user
from aftersales.service.services import IntakeData
from aftersales.supervision.services import (
    SurveyUnavailable,
    survey_invitation_open_for_order,
    survey_submit_by_customer,
)
from aftersales.supervision.views_public import survey_page_context, survey_post

from . import services as portal_services
from . import throttle
from .forms import FaultReportForm, LoginLinkForm, PortalComplaintForm, ReopenForm
from .selectors import get_unit_by_qr_token, mask_name

# Which form field shows an error the intake service reports under its own name.
_INTAKE_FIELD = {
    "reporter_name": "reporter_name",
    "contact_mobile": "contact_mobile",
    "fault_description": "fault_description",
    "attachments": "photos",
}


def _public_limit() -> int:
    return int(getattr(settings, "PUBLIC_INTAKE_PER_HOUR", 10))


def _apply_intake_errors(form: FaultReportForm, exc: ServiceError) -> None:
    errors = exc.details.get("errors") if exc.details else None
    if not isinstance(errors, dict) or not errors:
        form.add_error(_INTAKE_FIELD.get(exc.field or ""), str(exc.message))
        return
    for name, message in errors.items():
        form.add_error(_INTAKE_FIELD.get(name), str(message))


def _intake(
    request: HttpRequest, form: FaultReportForm, unit: Unit, *, channel: str, actor: Any
) -> WorkOrder | None:
    data = IntakeData(
        channel=channel,
        serial=unit.serial,
        reporter_name=form.cleaned_data["reporter_name"],
        contact_mobile=form.cleaned_data["contact_mobile"],
        fault_description=form.cleaned_data["fault_description"],
        attachments=form.uploads(),
    )
    try:
        order, _created = services.work_order_intake(actor=actor, data=data)
    except ValidationFailed as exc:
        _apply_intake_errors(form, exc)
        return None
    return order


# --- the portal -----------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not roles.is_customer(request.user):
        return redirect("home")
    units = list(units_for_user(request.user).select_related("model").order_by("serial"))
    orders = list(
        work_orders_for_user(request.user)
        .select_related("unit__model", "product_model")
        .order_by("-received_at", "-id")[:50]
    )
    open_orders = [o for o in orders if o.status in OPEN_STATUSES]
    past_orders = [o for o in orders if o.status not in OPEN_STATUSES]
    today = timezone.localdate()
    complaints = list(
        complaints_for_user(request.user)
        .select_related("unit__model")
        .order_by("-received_at", "-id")[:50]
    )
    return render(
        request,
        "portal/home.html",
        {
            "units": units,
            "open_orders": open_orders,
            "past_orders": past_orders,
            "complaints": complaints,
            "today": today,
        },
    )


def _reopen_until(order: WorkOrder) -> Any:
    since = order.closed_at or order.resolved_at
    if since is None:
        return None
    return since + timedelta(days=ServiceSettings.get().reopen_window_days)


def _order_context(
    request: HttpRequest, order: WorkOrder, *, reopen_form: ReopenForm | None = None
) -> dict[str, Any]:
    transitions = list(
        WorkOrderTransition.objects.filter(order=order).select_related("actor").order_by("at", "id")
    )
    for row in transitions:
        row.label = services.ACTION_LABELS.get(row.action, row.action)  # type: ignore[attr-defined]
    reopen_until = _reopen_until(order)
    reopenable = roles.is_customer(request.user) and "reopen" in services.available_actions(
        order, request.user
    )
    within = reopen_until is not None and timezone.now() <= reopen_until
    report = ServiceReport.objects.filter(order=order).first()
    return {
        "survey_open": roles.is_customer(request.user)
        and survey_invitation_open_for_order(order) is not None,
        "order": order,
        "contact_mobile": order.contact_mobile
        if roles.sees_personal_data(request.user)
        else mask_phone(order.contact_mobile),
        "transitions": transitions,
        "technicians": [str(s.user) for s in order.technicians.select_related("user")],
        "report": report,
        "reopen_until": reopen_until,
        "can_reopen": reopenable and within,
        "reopen_expired": reopenable and not within,
        "reopen_form": reopen_form or ReopenForm(),
    }


def _portal_order(request: HttpRequest, pk: int, *, write: bool = False) -> WorkOrder:
    order = get_work_order_for_user(request.user, pk, write=write)
    return WorkOrder.objects.select_related("unit__model", "product_model", "customer").get(
        pk=order.pk
    )


@login_required
@require_GET
def order(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _portal_order(request, pk)
    return render(request, "portal/order.html", _order_context(request, obj))


@login_required
@require_POST
def order_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _portal_order(request, pk, write=True)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写重开原因"))
        context = _order_context(request, obj, reopen_form=form)
        return render(request, "portal/order.html", context, status=400)
    try:
        services.work_order_transition(
            order=obj, action="reopen", actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        context = _order_context(request, _portal_order(request, pk), reopen_form=form)
        return render(request, "portal/order.html", context, status=exc.status)
    messages.success(request, _("工单已重开，我们会尽快与您联系"))
    return redirect("portal:order", pk=obj.pk)


@login_required
@require_http_methods(["GET", "POST"])
def order_survey(request: HttpRequest, pk: int) -> HttpResponse:
    """The after-service survey answered on the portal by the signed-in customer."""
    obj = _portal_order(request, pk, write=request.method == "POST")
    invitation = survey_invitation_open_for_order(obj) if roles.is_customer(request.user) else None
    if invitation is None:
        messages.info(request, _("此工单没有待回答的调查"))
        return redirect("portal:order", pk=obj.pk)
    answers, chosen, comments = survey_post(request, invitation)
    error = ""
    if request.method == "POST":
        try:
            survey_submit_by_customer(
                actor=request.user, order=obj, comments=comments, answers=answers, **chosen
            )
        except SurveyUnavailable as exc:
            messages.info(request, str(exc.message))
            return redirect("portal:order", pk=obj.pk)
        except ServiceError as exc:
            error = str(exc.message)
        else:
            return render(request, "supervision/survey_thanks.html", {"order": obj})
    context = survey_page_context(
        invitation, answers=answers, chosen=chosen, comments=comments, error=error
    )
    return render(request, "supervision/survey_form.html", context, status=400 if error else 200)


@login_required
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_unit_for_user(request.user, pk)
    orders = list(
        work_orders_for_user(request.user).filter(unit=obj).order_by("-received_at", "-id")[:50]
    )
    today = timezone.localdate()
    in_warranty = bool(
        obj.warranty_start and obj.warranty_end and obj.warranty_start <= today <= obj.warranty_end
    )
    return render(
        request,
        "portal/unit.html",
        {
            "unit": obj,
            "orders": orders,
            "in_warranty": in_warranty,
            "qr_url": _qr_target(obj),
            "is_customer": roles.is_customer(request.user),
        },
    )


@login_required
def unit_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A logged-in customer reports a fault on one of their units (channel: portal)."""
    if not roles.is_customer(request.user):
        raise Http404
    obj = get_unit_for_user(request.user, pk)
    if request.method == "POST":
        form = FaultReportForm(request.POST, request.FILES)
        if form.is_valid():
            created = _intake(request, form, obj, channel=Channel.PORTAL, actor=request.user)
            if created is not None:
                messages.success(
                    request,
                    _("报修已提交，工单号 %(number)s，我们会尽快与您联系")
                    % {"number": created.number},
                )
                return redirect("portal:order", pk=created.pk)
        return render(
            request,
            "portal/report_form.html",
            {"unit": obj, "form": form, "public": False},
            status=400,
        )
    user = request.user
    form = FaultReportForm(
        initial={
            "reporter_name": str(user),
            "contact_mobile": getattr(user, "mobile", ""),
        }
    )
    return render(request, "portal/report_form.html", {"unit": obj, "form": form, "public": False})


# --- the public QR form ---------------------------------------------------------------------


def _public_context(unit: Unit, form: FaultReportForm, **extra: Any) -> dict[str, Any]:
    return {
        "unit": unit,
        "form": form,
        "public": True,
        "owner": mask_name(unit.customer.name) if unit.customer else "",
        **extra,
    }


# Up to five photos at the attachment limit, plus the form fields.
MAX_PUBLIC_BODY = 5 * settings.ATTACHMENT_MAX_BYTES + 1024 * 1024


def qr_report(request: HttpRequest, token: str) -> HttpResponse:
    unit_obj = get_unit_by_qr_token(token)
    if request.method != "POST":
        return render(
            request, "portal/report_form.html", _public_context(unit_obj, FaultReportForm())
        )
    # Every attempt counts, valid or not: the form must not be a free oracle for bots. Count and
    # check the declared size before the body is parsed, so a flood never reaches the disk.
    if not throttle.allow("qr-intake", throttle.client_ip(request), limit=_public_limit()):
        messages.error(request, _("提交过于频繁，请一小时后再试，或直接拨打服务热线"))
        context = _public_context(unit_obj, FaultReportForm(), throttled=True)
        return render(request, "portal/report_form.html", context, status=429)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_PUBLIC_BODY:
        messages.error(request, _("附件总大小超过上限，请减少照片数量后重试"))
        return render(
            request,
            "portal/report_form.html",
            _public_context(unit_obj, FaultReportForm()),
            status=413,
        )
    form = FaultReportForm(request.POST, request.FILES)
    if form.is_valid() and form.cleaned_data.get("website"):
        form.add_error(None, _("提交失败，请刷新页面后重试"))
    elif form.is_valid():
        created = _intake(request, form, unit_obj, channel=Channel.QR, actor=None)
        if created is not None:
            request.session["portal_qr_order"] = {
                "number": created.number,
                "token": token,
                "response_due": created.response_due.isoformat() if created.response_due else "",
            }
            return redirect("portal:qr_thanks", token=token)
    return render(request, "portal/report_form.html", _public_context(unit_obj, form), status=400)


@require_GET
def qr_thanks(request: HttpRequest, token: str) -> HttpResponse:
    unit_obj = get_unit_by_qr_token(token)
    last = request.session.get("portal_qr_order")
    if not last or last.get("token") != token:
        return redirect("portal:qr_report", token=token)
    due = last.get("response_due")
    return render(
        request,
        "portal/thanks.html",
        {
            "unit": unit_obj,
            "number": last["number"],
            "response_due": datetime.fromisoformat(due) if due else None,
        },
    )


# --- QR image -------------------------------------------------------------------------------


def _qr_target(unit_obj: Unit) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal:qr_report", args=[unit_obj.qr_token])


@login_required
@require_GET
def unit_qr(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    unit_obj = get_unit_for_user(request.user, pk)
    code = segno.make(_qr_target(unit_obj), error="m")
    buffer = io.BytesIO()
    if fmt == "svg":
        code.save(buffer, kind="svg", scale=8, border=4, xmldecl=True)
        content_type = "image/svg+xml"
    else:
        code.save(buffer, kind="png", scale=10, border=4)
        content_type = "image/png"
    safe_serial = re.sub(r"[^A-Za-z0-9._-]", "_", unit_obj.serial) or str(unit_obj.pk)
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="qr-{safe_serial}.{fmt}"'
    response["Cache-Control"] = "private, max-age=0"
    return response


# --- complaints -----------------------------------------------------------------------------


def _default_level() -> ComplaintLevel | None:
    # The customer does not grade their own complaint; supervision judges it at step 2.
    return (
        ComplaintLevel.objects.filter(code="general").first()
        or ComplaintLevel.objects.order_by("-order", "-id").first()
    )


@login_required
def complaint_new(request: HttpRequest) -> HttpResponse:
    """A logged-in customer files a complaint (channel: portal)."""
    if not roles.is_customer(request.user):
        raise Http404
    customer = getattr(request.user, "customer", None)
    if customer is None:
        raise Http404
    units = list(units_for_user(request.user).select_related("model").order_by("serial"))
    form = PortalComplaintForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        user = request.user
        data = ComplaintData(
            type=form.cleaned_data["type"],
            level=_default_level(),
            channel="portal",
            complainant=str(user)[:60],
            contact=(getattr(user, "mobile", "") or getattr(user, "email", ""))[:60],
            description=form.cleaned_data["description"],
            request=form.cleaned_data["request"],
            customer=customer,
            unit=form.cleaned_data["unit"],
        )
        try:
            created = complaint_record(actor=user, data=data)
        except ServiceError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc.message))
        else:
            messages.success(request, _("投诉已提交，编号 %(number)s") % {"number": created.number})
            return redirect("portal:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/complaint_form.html", {"form": form}, status=status)


# --- one-time sign-in link ------------------------------------------------------------------


def _login_link_limit() -> int:
    return int(getattr(settings, "PORTAL_LOGIN_LINK_PER_HOUR", 10))


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def login_link_request(request: HttpRequest) -> HttpResponse:
    """Ask for a link by mobile or email. The answer never tells whether the address is known."""
    form = LoginLinkForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST":
        address = request.POST.get("address", "")
        _channel, normalised = portal_services.normalise_address(address)
        if not (
            throttle.allow("login-link", throttle.client_ip(request), limit=_login_link_limit())
            and throttle.allow(
                "login-link-to",
                portal_services.token_hash(normalised or address),
                limit=_login_link_limit(),
            )
        ):
            messages.error(request, _("提交过于频繁，请一小时后再试，或直接拨打服务热线"))
            return render(request, "portal/login_link_request.html", context, status=429)
        if form.is_valid():
            portal_services.login_link_request(address=form.cleaned_data["address"])
            context = {"form": LoginLinkForm(), "sent": True}
    return render(request, "portal/login_link_request.html", context)


def login_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners must not spend the link); POST signs in once."""
    if request.method == "POST":
        user = portal_services.login_link_redeem(token)
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("portal:home")
        valid = False
    elif request.method in ("GET", "HEAD"):
        valid = portal_services.login_link_valid(token)
    else:
        return HttpResponse(status=405)
    response = render(
        request, "portal/login_link.html", {"valid": valid}, status=200 if valid else 410
    )
    return _no_store(response)
