"""Quality and finance pages: orders awaiting a ruling, the ruling form and page (allocation,
appeal), supplier claims, job costs and recoveries, and their Excel exports. Reads go through
`selectors`, writes through `services`; a refusal is shown to the person and nothing changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.core.errors import ServiceError
from aftersales.core.excel import xlsx_bytes
from aftersales.network.selectors import outlets_for_user
from aftersales.products.models import Supplier

from . import costing, selectors, services
from .models import (
    CostPolicy,
    ManufacturerDepartment,
    Ruling,
    RulingParty,
    ShareParty,
    SupplierClaim,
)

PAGE_SIZE = 25
SHARE_ROWS = 4
EXPORT_LIMIT = 50_000

RULING_TONE = {
    "draft": "muted",
    "issued": "info",
    "appealed": "warn",
    "final": "ok",
    "revised": "muted",
    "discarded": "muted",
}
CLAIM_TONE = {
    "draft": "muted",
    "submitted": "info",
    "accepted": "ok",
    "partly_accepted": "warn",
    "rejected": "danger",
    "settled": "ok",
    "cancelled": "muted",
}


def _require_quality(request: HttpRequest) -> None:
    if not selectors.sees_quality(request.user):
        raise Http404


def _page(request: HttpRequest, name: str = "page") -> int:
    try:
        return max(1, min(int(request.GET.get(name, "1")), 10_000))
    except ValueError:
        return 1


def _slice(qs: QuerySet, page: int, size: int = PAGE_SIZE) -> tuple[list[Any], bool]:
    """One row more than the page instead of a COUNT over every row."""
    offset = (page - 1) * size
    rows = list(qs[offset : offset + size + 1])
    return rows[:size], len(rows) > size


def _query_without(request: HttpRequest, *names: str) -> str:
    params: QueryDict = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _download(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- quality engineer's page ----------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    _require_quality(request)
    user = request.user
    status = request.GET.get("status", "")
    if status not in Ruling.Status.values:
        status = ""
    awaiting, awaiting_more = _slice(selectors.orders_awaiting_ruling(user), _page(request, "ap"))
    rulings, rulings_more = _slice(selectors.ruling_list(user, status=status), _page(request))
    for r in rulings:
        r.tone = RULING_TONE.get(r.status, "muted")  # type: ignore[attr-defined]
    return render(
        request,
        "quality/home.html",
        {
            "awaiting": awaiting,
            "awaiting_more": awaiting_more,
            "ap": _page(request, "ap"),
            "rulings": rulings,
            "rulings_more": rulings_more,
            "page": _page(request),
            "status": status,
            "statuses": Ruling.Status.choices,
            "may_rule": selectors.may_rule(user),
        },
    )


# --- the ruling form ------------------------------------------------------------------------


def _spec_from_post(post: QueryDict) -> services.RulingSpec:
    shares = []
    for i in range(SHARE_ROWS):
        party = post.get(f"share-{i}-party", "").strip()
        percent = post.get(f"share-{i}-percent", "").strip()
        if not party and not percent:
            continue
        shares.append(
            services.ShareInput(
                party=party,
                percent=percent or "0",  # type: ignore[arg-type]
                department=post.get(f"share-{i}-department", ""),
                supplier=post.get(f"share-{i}-supplier") or None,
                third_party_name=post.get(f"share-{i}-third_party_name", ""),
            )
        )
    return services.RulingSpec(
        party=post.get("party", ""),
        findings=post.get("findings", ""),
        department=post.get("department", ""),
        supplier=post.get("supplier") or None,
        third_party_name=post.get("third_party_name", ""),
        shares=shares,
        policy=post.get("policy") or None,
    )


def _initial_from_policy(policy: CostPolicy) -> dict[str, Any]:
    shares = list(policy.shares.all())
    values: dict[str, Any] = {"party": policy.party, "policy": str(policy.pk)}
    if policy.party == RulingParty.SHARED:
        for i, s in enumerate(shares[:SHARE_ROWS]):
            values[f"share-{i}-party"] = s.party
            values[f"share-{i}-department"] = s.department
            values[f"share-{i}-percent"] = services.pct(s.percent)
    elif shares:
        values["department"] = shares[0].department
    return values


def _form_context(
    request: HttpRequest, order: Any, values: dict[str, Any], *, error: str = "", field: str = ""
) -> dict[str, Any]:
    rows = [
        {
            "i": i,
            "party": values.get(f"share-{i}-party", ""),
            "department": values.get(f"share-{i}-department", ""),
            "supplier": str(values.get(f"share-{i}-supplier", "") or ""),
            "third_party_name": values.get(f"share-{i}-third_party_name", ""),
            "percent": values.get(f"share-{i}-percent", ""),
        }
        for i in range(SHARE_ROWS)
    ]
    return {
        "order": order,
        "cost": costing.job_cost(order),
        "values": values,
        "share_rows": rows,
        "parties": RulingParty.choices,
        "share_parties": ShareParty.choices,
        "departments": ManufacturerDepartment.choices,
        "suppliers": Supplier.objects.filter(is_active=True).order_by("code"),
        "policies": CostPolicy.objects.filter(is_active=True).prefetch_related("shares"),
        "error": error,
        "error_field": field,
    }


def _ruling_form(
    request: HttpRequest, order: Any, *, revising: Ruling | None = None
) -> HttpResponse:
    template = "quality/ruling_form.html"
    values: dict[str, Any] = {}
    if request.method == "POST":
        values.update(request.POST.dict())
        spec = _spec_from_post(request.POST)
        try:
            if revising is not None:
                ruling = services.ruling_transition(
                    ruling=revising,
                    action="revise",
                    actor=request.user,
                    reason=request.POST.get("reason", ""),
                    spec=spec,
                )
            else:
                ruling = services.ruling_create(
                    order=order, actor=request.user, spec=spec, issue="issue" in request.POST
                )
        except ServiceError as exc:
            ctx = _form_context(
                request, order, values, error=str(exc.message), field=exc.field or ""
            )
            ctx["revising"] = revising
            return render(request, template, ctx, status=400 if exc.status < 409 else exc.status)
        messages.success(request, _("裁定 %(number)s 已保存。") % {"number": ruling.number})
        return redirect("quality:ruling_detail", ruling.pk)
    policy_id = request.GET.get("policy")
    if policy_id:
        policy = CostPolicy.objects.filter(pk=policy_id, is_active=True).first()
        if policy:
            values = _initial_from_policy(policy)
    elif revising is not None:
        values = {"party": revising.party, "findings": revising.findings}
        for i, s in enumerate(list(revising.shares.all())[:SHARE_ROWS]):
            values.update(
                {
                    f"share-{i}-party": s.party,
                    f"share-{i}-department": s.department,
                    f"share-{i}-supplier": s.supplier_id or "",
                    f"share-{i}-third_party_name": s.third_party_name,
                    f"share-{i}-percent": services.pct(s.percent),
                }
            )
        if revising.party != RulingParty.SHARED and revising.shares.exists():
            first = revising.shares.first()
            assert first is not None
            values.update(
                {
                    "department": first.department,
                    "supplier": first.supplier_id or "",
                    "third_party_name": first.third_party_name,
                }
            )
    else:
        report = order.report
        if report and report.responsibility in RulingParty.values:
            values = {"party": report.responsibility}
    ctx = _form_context(request, order, values)
    ctx["revising"] = revising
    return render(request, template, ctx)


@login_required
def ruling_new(request: HttpRequest, order_pk: int) -> HttpResponse:
    if not selectors.may_rule(request.user):
        raise Http404
    order = selectors.get_order_for_costing(request.user, order_pk)
    live = selectors.live_ruling_for_order(order)
    if live is not None:
        return redirect("quality:ruling_detail", live.pk)
    return _ruling_form(request, order)


@login_required
def ruling_revise(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.may_rule(request.user):
        raise Http404
    ruling = selectors.get_ruling_for_user(request.user, pk, write=True)
    if ruling.status != Ruling.Status.APPEALED:
        messages.error(request, _("只有申诉中的裁定可以改判"))
        return redirect("quality:ruling_detail", ruling.pk)
    return _ruling_form(request, ruling.order, revising=ruling)


# --- the ruling page ------------------------------------------------------------------------


@login_required
@require_GET
def ruling_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_quality(request)
    ruling = selectors.get_ruling_for_user(request.user, pk)
    shares = list(ruling.shares.select_related("supplier"))
    actions = services.ruling_available_actions(ruling, request.user)
    current = costing.job_cost(ruling.order)
    superseded_by = Ruling.objects.filter(supersedes=ruling).first()
    return render(
        request,
        "quality/ruling_detail.html",
        {
            "ruling": ruling,
            "tone": RULING_TONE.get(ruling.status, "muted"),
            "shares": shares,
            "detail": ruling.cost_detail,
            "current_cost": current,
            "cost_changed": ruling.is_frozen and current.total != ruling.total_cost,
            "actions": [
                {"code": a, "label": services.RULING_ACTION_LABELS[a]}
                for a in actions
                if a != "revise"
            ],
            "may_revise": "revise" in actions,
            "reason_required": services.RULING_REASON_REQUIRED,
            "transitions": _labelled(
                ruling.transitions.select_related("actor"), services.RULING_ACTION_LABELS
            ),
            "claims": ruling.claims.select_related("supplier"),
            "superseded_by": superseded_by,
        },
    )


@login_required
@require_POST
def ruling_transition(request: HttpRequest, pk: int) -> HttpResponse:
    ruling = selectors.get_ruling_for_user(request.user, pk, write=True)
    action = request.POST.get("action", "")
    if action == "revise":
        return redirect("quality:ruling_revise", ruling.pk)
    try:
        ruling = services.ruling_transition(
            ruling=ruling, action=action, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        label = services.RULING_ACTION_LABELS.get(action, action)
        messages.success(request, _("已%(action)s。") % {"action": label})
    return redirect("quality:ruling_detail", ruling.pk)


# --- claims ---------------------------------------------------------------------------------


@login_required
@require_GET
def claim_list(request: HttpRequest) -> HttpResponse:
    _require_quality(request)
    status = request.GET.get("status", "")
    if status not in SupplierClaim.Status.values:
        status = ""
    qs = selectors.claim_list(request.user, status=status)
    claims, more = _slice(qs, _page(request))
    for c in claims:
        c.tone = CLAIM_TONE.get(c.status, "muted")  # type: ignore[attr-defined]
    return render(
        request,
        "quality/claim_list.html",
        {
            "claims": claims,
            "more": more,
            "page": _page(request),
            "status": status,
            "statuses": SupplierClaim.Status.choices,
            "query": _query_without(request, "page"),
        },
    )


@login_required
@require_GET
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_quality(request)
    claim = selectors.get_claim_for_user(request.user, pk)
    actions = services.claim_available_actions(claim, request.user)
    return render(
        request,
        "quality/claim_detail.html",
        {
            "claim": claim,
            "tone": CLAIM_TONE.get(claim.status, "muted"),
            "lines": claim.lines.all(),
            "actions": [{"code": a, "label": services.CLAIM_ACTION_LABELS[a]} for a in actions],
            "reason_required": services.CLAIM_REASON_REQUIRED,
            "transitions": _labelled(
                claim.transitions.select_related("actor"), services.CLAIM_ACTION_LABELS
            ),
        },
    )


@login_required
@require_POST
def claim_transition(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.get_claim_for_user(request.user, pk, write=True)
    action = request.POST.get("action", "")
    data = {
        k: request.POST[k] for k in ("accepted_amount", "recovered_amount") if k in request.POST
    }
    try:
        services.claim_transition(
            claim=claim,
            action=action,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            **data,
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        label = services.CLAIM_ACTION_LABELS.get(action, action)
        messages.success(request, _("已%(action)s。") % {"action": label})
    return redirect("quality:claim_detail", claim.pk)


def _claim_rows(qs: QuerySet[SupplierClaim]) -> list[list[Any]]:
    return [
        [
            c.number,
            c.order.number,
            c.ruling.number,
            c.supplier.name,
            c.get_status_display(),
            c.claimed_amount,
            c.accepted_amount,
            c.recovered_amount,
            _local(c.submitted_at),
            _local(c.settled_at),
        ]
        for c in qs[:EXPORT_LIMIT]
    ]


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@login_required
@require_GET
def claims_export(request: HttpRequest) -> HttpResponse:
    _require_quality(request)
    status = request.GET.get("status", "")
    qs = selectors.claim_list(
        request.user, status=status if status in SupplierClaim.Status.values else ""
    )
    headers = [
        _("索赔单号"),
        _("工单号"),
        _("裁定编号"),
        _("供应商"),
        _("状态"),
        _("索赔金额"),
        _("接受金额"),
        _("实际追回"),
        _("提交时间"),
        _("结算时间"),
    ]
    content = xlsx_bytes(headers, _claim_rows(qs), title=_("供应商索赔"))
    return _download(content, f"supplier-claims-{timezone.localdate():%Y%m%d}.xlsx")


# --- finance: job costs and recoveries ------------------------------------------------------


def _sees_costs(user: Any) -> bool:
    return selectors.sees_quality(user)


def _cost_filters(request: HttpRequest) -> dict[str, Any]:
    outlet = request.GET.get("outlet", "")
    party = request.GET.get("party", "")
    return {
        "date_from": request.GET.get("date_from", ""),
        "date_to": request.GET.get("date_to", ""),
        "outlet": int(outlet) if outlet.isdigit() else None,
        "party": party if party in RulingParty.values or party == "none" else "",
    }


MONEY_FIELDS = ["parts", "labour", "travel", "total"]


@login_required
@require_GET
def costs(request: HttpRequest) -> HttpResponse:
    if not _sees_costs(request.user):
        raise Http404
    filters = _cost_filters(request)
    qs = selectors.job_cost_list(request.user, **filters)
    rows, more = _slice(qs, _page(request))
    totals = selectors.money_totals(qs, MONEY_FIELDS)
    rulings = {
        r.pk: r
        for r in Ruling.objects.filter(
            pk__in=[row.ruling_id for row in rows if row.ruling_id]
        ).prefetch_related("shares__supplier")
    }
    for row in rows:
        row.ruling_obj = rulings.get(row.ruling_id)  # type: ignore[attr-defined]
    return render(
        request,
        "quality/costs.html",
        {
            "rows": rows,
            "more": more,
            "page": _page(request),
            "totals": totals,
            "filters": filters,
            "outlets": outlets_for_user(request.user),
            "parties": RulingParty.choices,
            "query": _query_without(request, "page"),
        },
    )


@login_required
@require_GET
def costs_export(request: HttpRequest) -> HttpResponse:
    if not _sees_costs(request.user):
        raise Http404
    qs = selectors.job_cost_list(request.user, **_cost_filters(request))
    headers = [
        _("工单号"),
        _("成本日期"),
        _("服务网点"),
        _("责任方"),
        _("裁定编号"),
        _("工时（小时）"),
        _("工时费率"),
        _("里程（公里）"),
        _("差旅费率"),
        _("备件成本"),
        _("工时成本"),
        _("差旅成本"),
        _("合计"),
    ]
    rows = [
        [
            jc.order.number,
            jc.cost_date,
            jc.outlet.name if jc.outlet else "",
            jc.get_party_display() if jc.party else _("未裁定"),
            jc.ruling.number if jc.ruling else "",
            jc.labour_hours,
            jc.labour_rate,
            jc.travel_km,
            jc.travel_rate,
            jc.parts,
            jc.labour,
            jc.travel,
            jc.total,
        ]
        for jc in qs[:EXPORT_LIMIT]
    ]
    content = xlsx_bytes(headers, rows, title=_("工单成本"))
    return _download(content, f"job-costs-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def order_cost(request: HttpRequest, order_pk: int) -> HttpResponse:
    """One job's cost and how it was computed; POST stores it for finance's list."""
    order = selectors.get_order_for_costing(request.user, order_pk)
    if request.method == "POST":
        if not roles.has_role(
            request.user, Role.FINANCE, Role.QUALITY_ENGINEER, Role.SERVICE_DIRECTOR, Role.ADMIN
        ):
            raise Http404
        services.job_cost_refresh(order=order)
        messages.success(request, _("工单成本已重新计算。"))
        return redirect("quality:order_cost", order.pk)
    ruling = selectors.live_ruling_for_order(order)
    return render(
        request,
        "quality/order_cost.html",
        {
            "order": order,
            "cost": costing.job_cost(order),
            "ruling": ruling,
            "shares": ruling.shares.select_related("supplier") if ruling else [],
            "may_rule": selectors.may_rule(request.user),
        },
    )


@login_required
@require_GET
def recoveries(request: HttpRequest) -> HttpResponse:
    if not _sees_costs(request.user):
        raise Http404
    qs = selectors.claim_list(request.user, status=SupplierClaim.Status.SETTLED).order_by(
        "-settled_at", "-id"
    )
    open_qs = selectors.claims_for_user(request.user).filter(
        status__in=[
            SupplierClaim.Status.SUBMITTED,
            SupplierClaim.Status.ACCEPTED,
            SupplierClaim.Status.PARTLY_ACCEPTED,
            SupplierClaim.Status.REJECTED,
        ]
    )
    claims, more = _slice(qs, _page(request))
    return render(
        request,
        "quality/recoveries.html",
        {
            "claims": claims,
            "more": more,
            "page": _page(request),
            "totals": selectors.money_totals(
                qs, ["claimed_amount", "accepted_amount", "recovered_amount"]
            ),
            "open_totals": selectors.money_totals(open_qs, ["claimed_amount", "accepted_amount"]),
        },
    )


def _labelled(transitions: Any, labels: dict[str, Any]) -> list[Any]:
    """Transition rows with the action's label in the reader's language (create has none)."""
    rows = list(transitions)
    for row in rows:
        row.action_label = labels.get(
            row.action, _("创建") if row.action == "create" else row.action
        )
    return rows
