"""Monthly assessment pages (S12): the month's results per unit, and one result with its
working, inputs, configuration in force, versions and the distribution of its amount among the
unit's employees; the individual pay pages (seed 001, 10th plan). Every write goes through the
services; who sees what comes from the selectors (not yours → 404)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

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
from aftersales.network.models import Staff

from . import scoring, selectors, services
from .models import AssessmentResult, AssessmentTransition, Distribution, PerformanceAward


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
            **_distribution_context(user, result),
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


# --- distribution -----------------------------------------------------------------------------


def _distribution_context(user, result: AssessmentResult) -> dict:
    distributions = selectors.distributions_of(result)
    current = selectors.in_force(distributions)
    approved = result.status == AssessmentResult.Status.APPROVED
    frozen = current is not None and current.status == Distribution.Status.APPLIED
    return {
        "distributions": distributions,
        "distribution": current,
        "may_distribute": (
            approved
            and result.amount != 0
            and not frozen
            and selectors.may_distribute(user, result)
        ),
        "may_apply_distribution": (
            approved
            and current is not None
            and current.status == Distribution.Status.CURRENT
            and selectors.may_apply(user)
        ),
        "shares_text": _shares_text(current) if current else "",
    }


def _shares_text(distribution: Distribution) -> str:
    return "\n".join(
        f"{s.staff.employee_no},{s.amount},{s.reason}" for s in distribution.shares.all()
    )


def parse_shares(text: str) -> tuple[list[services.ShareInput], list[dict], list[str]]:
    """Lines of "工号,金额,原因" (commas ASCII or Chinese, or tabs as pasted from Excel) →
    share inputs, the rows to show, and what could not be read."""
    lines = [line.strip() for line in (text or "").splitlines()]
    parsed = []
    errors: list[str] = []
    for n, line in enumerate((ln for ln in lines if ln), start=1):
        parts = [p.strip() for p in line.replace("，", ",").replace("\t", ",").split(",", 2)]
        number = parts[0]
        amount = services.parse_amount(parts[1]) if len(parts) > 1 else None
        if amount is None:
            errors.append(
                str(_("第 %(row)s 行：请按“工号,金额,原因”填写，金额为数字") % {"row": n})
            )
        parsed.append((n, number, amount, parts[2] if len(parts) > 2 else ""))
    staff = {
        s.employee_no: s
        for s in Staff.objects.select_related("user").filter(employee_no__in={p[1] for p in parsed})
    }
    shares, rows = [], []
    for n, number, amount, reason in parsed:
        person = staff.get(number)
        if person is None:
            errors.append(
                str(_("第 %(row)s 行：没有工号为 %(no)s 的员工") % {"row": n, "no": number})
            )
        rows.append({"employee_no": number, "staff": person, "amount": amount, "reason": reason})
        if person is not None and amount is not None:
            shares.append(services.ShareInput(person.pk, amount, reason))
    return shares, rows, errors


@login_required
@require_POST
def distribute(request: HttpRequest, pk: int) -> HttpResponse:
    """Two steps without JavaScript: the first post shows the split as read, its total and every
    problem (nothing is written); the second, with `confirm`, saves it."""
    result = _result_or_404(request, pk)
    if not selectors.may_distribute(request.user, result):
        messages.error(request, _("只有该考核单位的负责人和系统管理员可以分配"))
        return redirect("assessment:detail", pk=result.pk)
    text = request.POST.get("shares", "")
    note = request.POST.get("note", "")
    shares, rows, errors = parse_shares(text)
    if not errors and request.POST.get("confirm"):
        try:
            services.distribution_save(result=result, shares=shares, note=note, actor=request.user)
        except ServiceError as exc:
            errors = list(exc.details.get("problems") or [str(exc.message)])
        else:
            messages.success(request, _("分配已保存，待人力资源部执行"))
            return redirect("assessment:detail", pk=result.pk)
    elif not errors:
        errors = services.split_problems(result, shares)
    total = sum((r["amount"] for r in rows if r["amount"] is not None), services.pay.ZERO)
    return render(
        request,
        "assessment/distribute_confirm.html",
        {
            "result": result,
            "rows": rows,
            "total": total,
            "errors": errors,
            "shares_text": text,
            "note": note,
            "unit_staff": list(selectors.unit_staff(result).order_by("employee_no")),
        },
        status=200 if not errors else 400,
    )


@login_required
@require_POST
def apply_distribution(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = selectors.get_distribution_for_user(request.user, pk)
    if distribution is None:
        raise Http404
    try:
        services.distribution_apply(distribution=distribution, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("分配已执行，此后不能再修改"))
    return redirect("assessment:detail", pk=distribution.result_id)


# --- individual pay ---------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
@require_GET
def pay_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.sees_pay_list(user):
        own = selectors.pay_staff_for_user(user).first()
        if own is None:
            raise Http404
        return redirect(f"{reverse('assessment:pay-detail', args=[own.pk])}?year={_year(request)}")
    year = _year(request)
    q = request.GET.get("q", "").strip()[:50]
    rows = selectors.pay_list(user, year, q)
    totals = {
        key: sum((getattr(o, key) for _s, o in rows), services.pay.ZERO)
        for key in ("base_salary", "work", "special", "awards", "total")
    }
    page = _page_number(request)
    shown = rows[(page - 1) * PAY_PAGE : page * PAY_PAGE]
    return render(
        request,
        "assessment/pay_list.html",
        {
            "year": year,
            "q": q,
            "rows": shown,
            "count": len(rows),
            "totals": totals,
            "previous": year - 1,
            "next": year + 1,
            "page": page,
            "has_next": len(rows) > page * PAY_PAGE,
            "query": urlencode({"year": year, **({"q": q} if q else {})}),
        },
    )


PAY_PAGE = 50


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@login_required
@require_GET
def my_pay(request: HttpRequest) -> HttpResponse:
    own = selectors.staff_for_user(request.user)
    if own is None:
        raise Http404
    return redirect(f"{reverse('assessment:pay-detail', args=[own.pk])}?year={_year(request)}")


def _pay_staff_or_404(request: HttpRequest, pk: int) -> Staff:
    staff = selectors.get_pay_staff_for_user(request.user, pk)
    if staff is None:
        raise Http404
    return staff


@login_required
@require_GET
def pay_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _pay_staff_or_404(request, pk)
    year = _year(request)
    data = selectors.pay_detail(staff, year)
    return render(
        request,
        "assessment/pay_detail.html",
        {
            **data,
            "staff": staff,
            "year": year,
            "previous": year - 1,
            "next": year + 1,
            # quarter n's own score (it sets quarter n + 1) next to the level quarter n pays
            "quarter_rows": [
                {
                    "quarter": level.quarter,
                    "row": data["quarters"].get(level.quarter),
                    "level": level,
                }
                for level in data["outcome"].quarters
            ],
            "may_edit": selectors.may_edit_pay(request.user),
            "sees_list": selectors.sees_pay_list(request.user),
        },
    )


def _back_to_pay(staff: Staff, year: int) -> HttpResponse:
    return redirect(f"{reverse('assessment:pay-detail', args=[staff.pk])}?year={year}")


@login_required
@require_POST
def pay_base(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _pay_staff_or_404(request, pk)
    year = _year(request)
    try:
        services.employee_pay_set(
            staff=staff,
            year=year,
            base_salary=request.POST.get("base_salary", ""),
            standard_performance=request.POST.get("standard_performance", ""),
            actor=request.user,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存"))
    return _back_to_pay(staff, year)


@login_required
@require_POST
def pay_quarters(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _pay_staff_or_404(request, pk)
    year = _year(request)
    try:
        services.quarter_assessments_set(
            staff=staff,
            year=year,
            quarters={
                q: (request.POST.get(f"q{q}", ""), request.POST.get(f"q{q}_note", ""))
                for q in (1, 2, 3, 4)
            },
            actor=request.user,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存"))
    return _back_to_pay(staff, year)


@login_required
@require_POST
def pay_award_add(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _pay_staff_or_404(request, pk)
    year = _year(request)
    try:
        awarded_on = date.fromisoformat(request.POST.get("awarded_on", ""))
    except ValueError:
        messages.error(request, _("请填写日期"))
        return _back_to_pay(staff, year)
    try:
        services.performance_award_add(
            staff=staff,
            year=year,
            awarded_on=awarded_on,
            amount=request.POST.get("amount", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存"))
    return _back_to_pay(staff, year)


@login_required
@require_POST
def pay_award_remove(request: HttpRequest, pk: int, award: int) -> HttpResponse:
    staff = _pay_staff_or_404(request, pk)
    row = PerformanceAward.objects.filter(pk=award, pay__staff=staff).select_related("pay").first()
    if row is None:
        raise Http404
    try:
        services.performance_award_remove(award=row, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除"))
    return _back_to_pay(staff, row.pay.year)
