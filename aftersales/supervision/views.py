"""Supervision pages: the callbacks (回访) that fall due when orders close."""

from __future__ import annotations

from datetime import date, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.core.errors import ServiceError, ValidationFailed
from aftersales.core.masking import mask_phone
from aftersales.customers.models import Customer

from .models import Callback, CustomerVisit, FeedbackForm, Grade, MysteryInspection, SurveyForm
from .selectors import (
    FEEDBACK_ITEMS,
    callbacks_for_user,
    feedback_forms_for_user,
    is_supervision_head,
    may_record_mystery,
    mystery_inspections_for_user,
    mystery_inspector_aliases_for_user,
    mystery_inspector_candidates,
    mystery_inspectors_for_user,
    sees_mystery_findings,
    sees_supervision,
    suggestions_for_user,
    survey_form_results,
    survey_forms_for_user,
    survey_response_rate,
    visits_for_user,
)
from .services import (
    callback_complete,
    feedback_verify,
    mystery_inspection_record,
    mystery_inspector_appoint,
    mystery_inspector_withdraw,
    mystery_report_sources,
    suggestion_submit,
    survey_campaign_start,
    visit_plan,
    visit_record,
)

PAGE_SIZE = 25
ITEM_LABELS = FEEDBACK_ITEMS


_sees_callbacks = sees_supervision


def _may_complete(user: object) -> bool:
    return roles.has_role(user, Role.SUPERVISOR, Role.ADMIN)


def _page(request: HttpRequest, name: str) -> int:
    try:
        return max(1, min(int(request.GET.get(name, "1")), 10_000))
    except ValueError:
        return 1


def _slice(qs: QuerySet[Callback], page: int) -> tuple[list[Callback], bool]:
    offset = (page - 1) * PAGE_SIZE
    rows = list(qs[offset : offset + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


@login_required
@require_GET
def callback_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _sees_callbacks(user):
        raise DjangoPermissionDenied
    forms_qs = FeedbackForm.objects.filter(counted=True)
    base = (
        callbacks_for_user(user)
        .select_related("order__customer", "order__outlet", "order__leader__user", "done_by")
        .prefetch_related(Prefetch("order__feedback_forms", queryset=forms_qs))
    )
    due_page, done_page = _page(request, "page"), _page(request, "done_page")
    due, due_more = _slice(
        base.filter(status=Callback.Status.DUE).order_by("due_at", "pk"), due_page
    )
    done, done_more = _slice(
        base.filter(status=Callback.Status.DONE).order_by("-done_at", "-pk"), done_page
    )
    now = timezone.now()
    personal = roles.sees_personal_data(user)
    for cb in due:
        cb.overdue = cb.due_at < now  # type: ignore[attr-defined]
    for cb in [*due, *done]:
        # The order's counted form (the first, from a survey or a callback).
        cb.feedback = next(iter(cb.order.feedback_forms.all()), None)  # type: ignore[attr-defined]
    for cb in [*due, *done]:
        phone = cb.order.contact_mobile
        cb.phone = phone if personal else mask_phone(phone)  # type: ignore[attr-defined]
    return render(
        request,
        "supervision/callback_list.html",
        {
            "due": due,
            "done": done,
            "due_page": due_page,
            "done_page": done_page,
            "due_more": due_more,
            "done_more": done_more,
            "may_complete": _may_complete(user),
            "grades": Grade.choices,
            "items": ITEM_LABELS,
            "response": survey_response_rate(user),
        },
    )


@login_required
@require_POST
def callback_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    callback = callbacks_for_user(user).select_related("order").filter(pk=pk).first()
    if callback is None:
        raise Http404
    try:
        callback = callback_complete(
            callback=callback,
            actor=user,
            notes=request.POST.get("notes", ""),
            **{item: request.POST.get(item, "") for item, _label in ITEM_LABELS},
        )
    except ServiceError as exc:
        messages.error(
            request,
            _("%(number)s：%(message)s")
            % {"number": callback.order.number, "message": exc.message},
        )
        return redirect("supervision:callback_list")
    messages.success(request, _("工单 %(number)s 回访已完成") % {"number": callback.order.number})
    return redirect("supervision:callback_list")


@login_required
@require_POST
def feedback_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = feedback_forms_for_user(request.user).select_related("order").filter(pk=pk).first()
    if form is None:
        raise Http404
    try:
        feedback_verify(form=form, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("工单 %(number)s 的意见反馈表已核实") % {"number": form.order.number}
        )
    return redirect("supervision:callback_list")


@login_required
@require_http_methods(["GET", "POST"])
def mystery_list(request: HttpRequest) -> HttpResponse:
    """Inspection records (supervision and directors); supervisors record new ones here."""
    user = request.user
    if not sees_mystery_findings(user):
        raise DjangoPermissionDenied
    aliases = list(mystery_inspector_aliases_for_user(user))
    may_record = may_record_mystery(user)
    if request.method == "POST":
        if not may_record:
            raise DjangoPermissionDenied
        try:
            when = _date(request.POST.get("date", ""))
            if when is None:
                raise ValidationFailed(_("请填写检查日期"), field="date")
            order, inspector = mystery_report_sources(
                actor=user,
                order_number=request.POST.get("order", ""),
                inspector_alias=request.POST.get("inspector", ""),
            )
            mystery_inspection_record(
                actor=user,
                date=when,
                order=order,
                inspector=inspector,
                findings=request.POST.get("findings", ""),
                checks=set(request.POST.getlist("checks")),
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存"))
        return redirect("supervision:mystery_list")
    page = _page(request, "page")
    qs = mystery_inspections_for_user(user).select_related("inspector", "recorded_by", "order")
    offset = (page - 1) * PAGE_SIZE
    rows = list(qs[offset : offset + PAGE_SIZE + 1])
    return render(
        request,
        "supervision/mystery_list.html",
        {
            "rows": rows[:PAGE_SIZE],
            "page": page,
            "more": len(rows) > PAGE_SIZE,
            "may_record": may_record,
            "aliases": aliases,
            "checklist": MysteryInspection.CHECKLIST,
            "is_head": is_supervision_head(user),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mystery_inspectors(request: HttpRequest) -> HttpResponse:
    """The undisclosed inspectors with their names: the head of supervision alone."""
    user = request.user
    if not is_supervision_head(user):
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("withdraw", "").isdigit():
                target = (
                    mystery_inspectors_for_user(user)
                    .filter(pk=int(request.POST["withdraw"]))
                    .first()
                )
                if target is None:
                    raise Http404
                mystery_inspector_withdraw(actor=user, inspector=target)
            else:
                person_id = request.POST.get("user", "")
                person = (
                    mystery_inspector_candidates(user).filter(pk=int(person_id)).first()
                    if person_id.isdigit()
                    else None
                )
                mystery_inspector_appoint(
                    actor=user, user=person, alias=request.POST.get("alias", "")
                )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存"))
        return redirect("supervision:mystery_inspectors")
    return render(
        request,
        "supervision/mystery_inspectors.html",
        {
            "rows": mystery_inspectors_for_user(user).select_related("user"),
            "people": mystery_inspector_candidates(user),
        },
    )


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def visit_list(request: HttpRequest) -> HttpResponse:
    """Visits to key customers and customer forums: the list and the plan form."""
    user = request.user
    if not sees_supervision(user):
        raise DjangoPermissionDenied
    may_edit = _may_complete(user)
    if request.method == "POST":
        if not may_edit:
            raise DjangoPermissionDenied
        customer_id = request.POST.get("customer", "")
        customer = (
            Customer.objects.filter(pk=customer_id, is_key_account=True).first()
            if customer_id.isdigit()
            else None
        )
        planned = _date(request.POST.get("planned_date", ""))
        try:
            if planned is None:
                raise ValidationFailed(_("请填写日期"), field="planned_date")
            visit_plan(
                actor=user,
                kind=request.POST.get("kind", ""),
                planned_date=planned,
                customer=customer,
                attendees=request.POST.get("attendees", ""),
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存"))
        return redirect("supervision:visit_list")
    page = _page(request, "page")
    qs = visits_for_user(user).select_related("customer", "created_by")
    offset = (page - 1) * PAGE_SIZE
    rows = list(qs[offset : offset + PAGE_SIZE + 1])
    return render(
        request,
        "supervision/visit_list.html",
        {
            "rows": rows[:PAGE_SIZE],
            "page": page,
            "more": len(rows) > PAGE_SIZE,
            "may_edit": may_edit,
            "kinds": CustomerVisit.Kind.choices,
            "customers": Customer.objects.filter(is_key_account=True).order_by("name")
            if may_edit
            else [],
        },
    )


@login_required
@require_POST
def visit_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visits_for_user(request.user).filter(pk=pk).first()
    if visit is None:
        raise Http404
    try:
        visit_record(
            visit=visit,
            actor=request.user,
            findings=request.POST.get("findings", ""),
            attendees=request.POST.get("attendees", ""),
            cancel=request.POST.get("cancel") == "1",
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存"))
    return redirect("supervision:visit_list")


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_list(request: HttpRequest) -> HttpResponse:
    """Suggestions from the public page and from paper; supervision types the paper ones in."""
    user = request.user
    if not sees_supervision(user):
        raise DjangoPermissionDenied
    may_edit = _may_complete(user)
    if request.method == "POST":
        if not may_edit:
            raise DjangoPermissionDenied
        received = _date(request.POST.get("received_date", ""))
        try:
            suggestion_submit(
                actor=user,
                text=request.POST.get("text", ""),
                name=request.POST.get("name", ""),
                contact=request.POST.get("contact", ""),
                received_at=timezone.make_aware(datetime.combine(received, time(12)))
                if received
                else None,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存"))
        return redirect("supervision:suggestion_list")
    page = _page(request, "page")
    qs = suggestions_for_user(user).select_related("entered_by")
    offset = (page - 1) * PAGE_SIZE
    rows = list(qs[offset : offset + PAGE_SIZE + 1])
    personal = roles.sees_personal_data(user)
    for row in rows:
        row.shown_contact = row.contact if personal else mask_phone(row.contact)  # type: ignore[attr-defined]
    return render(
        request,
        "supervision/suggestion_list.html",
        {
            "rows": rows[:PAGE_SIZE],
            "page": page,
            "more": len(rows) > PAGE_SIZE,
            "may_edit": may_edit,
        },
    )


@login_required
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    """The configurable survey forms with their response rates."""
    user = request.user
    if not sees_supervision(user):
        raise DjangoPermissionDenied
    forms = list(survey_forms_for_user(user))
    for form in forms:
        sent = form.sent  # type: ignore[attr-defined]
        form.rate = round(100 * form.answered / sent, 1) if sent else None  # type: ignore[attr-defined]
    return render(
        request,
        "supervision/survey_list.html",
        {
            "forms": forms,
            "after_service": survey_response_rate(user),
            "may_send": _may_complete(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One form's results; POST sends it to every customer who can be reached."""
    user = request.user
    form = survey_forms_for_user(user).filter(pk=pk).first()
    if form is None:
        raise Http404
    if request.method == "POST":
        try:
            job = survey_campaign_start(actor=user, form=form, return_url=request.path)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("supervision:survey_detail", pk=form.pk)
        return redirect("job_detail", pk=job.pk)
    return render(
        request,
        "supervision/survey_detail.html",
        {
            "form": form,
            "results": survey_form_results(form),
            "grades": [g for g, _label in Grade.choices],
            "may_send": _may_complete(user) and form.kind != SurveyForm.Kind.TECHNICIAN,
        },
    )
