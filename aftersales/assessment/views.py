"""Monthly assessment pages (S12): the month's results per unit, and one result with its
working, inputs, configuration in force and versions. Every write goes through the services;
who sees what comes from the selectors (not yours → 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.core.dates import month_of, next_month, previous_month
from aftersales.core.errors import ServiceError

from . import scoring, selectors, services
from .models import AssessmentResult, AssessmentTransition


def _month_url(month) -> str:
    return f"{reverse('assessment:home')}?month={month:%Y-%m}"


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.sees_assessments(user):
        raise Http404
    this_month = timezone.localdate().replace(day=1)
    month = month_of(request.GET.get("month"), default=previous_month(this_month))
    following = next_month(month)
    return render(
        request,
        "assessment/home.html",
        {
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "previous": f"{previous_month(month):%Y-%m}",
            "next": f"{following:%Y-%m}" if following <= this_month else None,
            "results": selectors.month_results(user, month),
            "may_compute": selectors.may_compute(user) and month <= this_month,
        },
    )


@login_required
@require_POST
def compute(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.sees_assessments(user):
        raise Http404
    month = month_of(request.POST.get("month"), default=timezone.localdate())
    try:
        results = services.assessment_compute(month=month, actor=user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已计算 %(month)s 的考核结果（%(n)s 个考核单位）")
            % {"month": f"{month:%Y-%m}", "n": len({r.unit_key for r in results})},
        )
    return redirect(_month_url(month))


def _result_or_404(request: HttpRequest, pk: int) -> AssessmentResult:
    result = selectors.get_assessment_for_user(request.user, pk)
    if result is None:
        raise Http404
    return result


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    result = _result_or_404(request, pk)
    versions = list(selectors.versions_of(result).select_related("approved_by", "computed_by"))
    transitions = list(
        AssessmentTransition.objects.filter(result__in=[v.pk for v in versions])
        .select_related("actor", "result")
        .order_by("at", "pk")
    )
    labels = dict(AssessmentResult.Status.choices)
    actions = _action_labels()
    history = [
        {
            "at": t.at,
            "version": t.result.version,
            "action": actions.get(t.action, t.action),
            "change": f"{labels.get(t.from_status, '—')} → {labels.get(t.to_status, t.to_status)}",
            "actor": t.actor,
            "reason": t.reason,
        }
        for t in transitions
    ]
    config = result.config or {}
    tiers = [scoring.Tier(int(t["min_count"]), t["amount"]) for t in config.get("tiers", [])]
    items = [
        (label, [result.grade_counts.get(item, {}).get(g, 0) for g in scoring.GRADES])
        for item, label in _item_labels()
    ]
    Status = AssessmentResult.Status
    return render(
        request,
        "assessment/detail.html",
        {
            "result": result,
            "month_url": _month_url(result.month),
            "working": result.working.splitlines(),
            "grades": scoring.GRADES,
            "items": items,
            "config": config,
            "points": [(g, config.get("points", {}).get(g)) for g in scoring.GRADES],
            "tiers": scoring.tier_ranges(tiers),
            "versions": versions,
            "transitions": history,
            "may_approve": selectors.may_approve(user) and result.status == Status.DRAFT,
            "may_correct": (
                selectors.may_compute(user)
                and result.status == Status.APPROVED
                and not any(v.status == Status.DRAFT for v in versions)
            ),
        },
    )


def _action_labels() -> dict[str, str]:
    return {
        "compute": _("计算"),
        "recompute": _("重新计算"),
        "approve": _("批准"),
        "correct": _("发起更正"),
        "supersede": _("被更正版本取代"),
    }


def _item_labels() -> list[tuple[str, str]]:
    return [
        ("timeliness", _("服务及时性")),
        ("quality", _("维修质量")),
        ("attitude", _("服务态度")),
    ]


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    result = _result_or_404(request, pk)
    try:
        services.assessment_approve(result=result, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("考核结果已批准，此后不再改变"))
    return redirect("assessment:detail", pk=result.pk)


@login_required
@require_POST
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    result = _result_or_404(request, pk)
    try:
        draft = services.assessment_correct(
            result=result, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("assessment:detail", pk=result.pk)
    messages.success(request, _("已生成更正版本，批准后取代原结果"))
    return redirect("assessment:detail", pk=draft.pk)
