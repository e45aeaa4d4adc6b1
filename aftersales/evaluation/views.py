"""AHP evaluation project pages (S14): the list, the project (tree and weights, experts,
subjects, results and the comparison chart), one expert's pairwise matrix for one parent (CR
recomputed by HTMX as the user types), the scores grid, and the PDF and Excel exports.

Who sees what comes from the selectors (not yours → 404); every write goes through the
services, whose refusals are shown as messages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.core.errors import ServiceError
from aftersales.network.models import Outlet

from . import ahp, exports, selectors, services
from .messages import BAND_LABELS
from .models import Expert, Node, Project, Subject

PAGE_SIZE = 20


def _project_or_404(request: HttpRequest, pk: int, *, write: bool = False) -> Project:
    project = selectors.get_project_for_user(request.user, pk, write=write)
    if project is None:
        raise Http404
    return project


def _page(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


@login_required
@require_http_methods(["GET", "POST"])
def project_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.sees_evaluations(user):
        raise Http404
    if request.method == "POST":
        try:
            project = services.project_create(
                title=request.POST.get("title", ""),
                goal=request.POST.get("goal", ""),
                actor=user,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("evaluation:project_list")
        messages.success(request, _("已创建评价项目，指标体系取自医疗设备售后服务评价案例，可修改"))
        return redirect("evaluation:detail", pk=project.pk)
    query = request.GET.get("q", "").strip()
    page = _page(request)
    offset = (page - 1) * PAGE_SIZE
    rows = list(selectors.search_projects(user, query)[offset : offset + PAGE_SIZE + 1])
    return render(
        request,
        "evaluation/list.html",
        {
            "projects": rows[:PAGE_SIZE],
            "more": len(rows) > PAGE_SIZE,
            "page": page,
            "q": query,
            "may_edit": selectors.may_edit(user),
        },
    )


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_or_404(request, pk)
    summary = selectors.project_summary(project)
    editable = selectors.may_edit(request.user) and not project.is_frozen
    _nodes, children = _tree(summary)
    parents = [(None, project.goal, children.get(None, []))] + [
        (c.node, c.node.name, children.get(c.node.pk, [])) for c in summary.criteria
    ]
    matrix_rows = []
    for parent, label, kids in parents:
        if len(kids) < 2:
            continue
        cells = []
        for expert in summary.experts:
            j = summary.matrix_status(expert, parent)
            cells.append(
                {
                    "expert": expert,
                    "judgement": j,
                    "stale": j is not None and selectors.is_stale(j, kids),
                    "url": _matrix_url(project, expert, parent),
                }
            )
        combined = summary.combined.get(parent.pk if parent else None)
        if combined is not None and selectors.is_stale(combined, kids):
            combined = None
        matrix_rows.append({"parent": parent, "label": label, "cells": cells, "combined": combined})
    return render(
        request,
        "evaluation/detail.html",
        {
            "project": project,
            "s": summary,
            "editable": editable,
            "matrix_rows": matrix_rows,
            "criteria_nodes": [c.node for c in summary.criteria],
            "chart": exports.comparison_chart(summary),
            "kinds": Subject.Kind.choices,
            "outlets": (
                list(Outlet.objects.filter(is_active=True).order_by("code")) if editable else []
            ),
            "bands": [(code, BAND_LABELS[code]) for _low, code in ahp.BANDS]
            + [(ahp.UNSATISFIED, BAND_LABELS[ahp.UNSATISFIED])],
            "may_copy": selectors.may_edit(request.user) and project.is_frozen,
        },
    )


def _tree(summary: selectors.Summary) -> tuple[list[Node], dict[int | None, list[Node]]]:
    children: dict[int | None, list[Node]] = {None: [c.node for c in summary.criteria]}
    for c in summary.criteria:
        children[c.node.pk] = [row.node for row in c.indicators]
    return [n for kids in children.values() for n in kids], children


def _matrix_url(project: Project, expert: Expert, parent: Node | None) -> str:
    url = reverse("evaluation:matrix", args=[project.pk, expert.pk])
    return f"{url}?parent={parent.pk}" if parent else url


# --- writes from the project page ---------------------------------------------------------------


def _back(project: Project, anchor: str = "") -> HttpResponse:
    url = reverse("evaluation:detail", args=[project.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _node(project: Project, raw: Any) -> Node:
    try:
        return Node.objects.get(project=project, pk=int(raw))
    except (TypeError, ValueError, Node.DoesNotExist):
        raise Http404 from None


def _id(raw: Any) -> int:
    """A posted id; anything that is not one answers 404 like an id that does not exist."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404 from None


def _optional_node(project: Project, raw: Any) -> Node | None:
    return _node(project, raw) if raw not in (None, "", "goal") else None


@login_required
@require_POST
def project_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The project page's forms: one POST endpoint per action name."""
    project = _project_or_404(request, pk, write=True)
    post, user = request.POST, request.user
    anchor = "tree"
    try:
        if action == "node-add":
            services.node_add(
                project=project,
                parent=_optional_node(project, post.get("parent")),
                name=post.get("name", ""),
                ratio_to=_optional_node(project, post.get("ratio_to")),
                k=post.get("k"),
                actor=user,
            )
            done = _("已添加要素")
        elif action == "node-rename":
            services.node_rename(
                node=_node(project, post.get("node")), name=post.get("name", ""), actor=user
            )
            done = _("已修改名称")
        elif action == "node-remove":
            services.node_remove(node=_node(project, post.get("node")), actor=user)
            done = _("已删除要素")
        elif action == "node-move":
            services.node_move(
                node=_node(project, post.get("node")),
                direction=post.get("direction", ""),
                actor=user,
            )
            done = ""
        elif action == "node-weight":
            services.node_set_weight(
                node=_node(project, post.get("node")), weight=post.get("weight", ""), actor=user
            )
            done = _("已调整权重，同层其余要素按比例调整")
        elif action == "weights":
            services.weights_compute(project=project, actor=user)
            done = _("已根据专家判断计算权重")
        elif action == "expert-add":
            services.expert_add(project=project, name=post.get("name", ""), actor=user)
            done, anchor = _("已添加专家"), "experts"
        elif action == "expert-remove":
            expert = Expert.objects.filter(project=project, pk=_id(post.get("expert"))).first()
            if expert is None:
                raise Http404
            services.expert_remove(expert=expert, actor=user)
            done, anchor = _("已删除专家"), "experts"
        elif action == "subject-add":
            outlet = None
            if post.get("outlet"):
                outlet = Outlet.objects.filter(pk=_id(post["outlet"])).first()
                if outlet is None:
                    raise Http404
            services.subject_add(
                project=project,
                name=post.get("name", "").strip(),
                kind=post.get("kind", Subject.Kind.VENDOR),
                outlet=outlet,
                actor=user,
            )
            done, anchor = _("已添加评价对象"), "subjects"
        elif action == "subject-remove":
            subject = Subject.objects.filter(project=project, pk=_id(post.get("subject"))).first()
            if subject is None:
                raise Http404
            services.subject_remove(subject=subject, actor=user)
            done, anchor = _("已删除评价对象"), "subjects"
        elif action == "finish":
            services.project_finish(project=project, actor=user)
            done, anchor = _("项目已完成，内容已冻结"), ""
        elif action == "copy":
            copy = services.project_copy(project=project, actor=user)
            messages.success(request, _("已复制为新的草稿项目，可在此更正"))
            return _back(copy)
        else:
            raise Http404
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _back(project, anchor)
    if done:
        messages.success(request, done)
    return _back(project, anchor)


# --- the pairwise matrix ------------------------------------------------------------------------


def _matrix_target(request: HttpRequest, pk: int, expert_pk: int, *, write: bool = False):
    project = _project_or_404(request, pk, write=write)
    expert = Expert.objects.filter(project=project, pk=expert_pk).first()
    if expert is None:
        raise Http404
    raw = request.GET.get("parent") or request.POST.get("parent")
    parent = _optional_node(project, raw)
    if parent is not None and parent.parent_id is not None:
        raise Http404  # an indicator has no children to compare
    children = services.children_of(project, parent)
    if len(children) < 2:
        raise Http404
    return project, expert, parent, children


def _format(value: float) -> str:
    """A judgement as people write it: 3, 1/3, or 2.5."""
    if value >= 1 or value <= 0:
        return f"{value:g}"
    inverse = 1 / value
    if abs(inverse - round(inverse)) < 1e-6:
        return f"1/{round(inverse)}"
    return f"{value:.3g}"


def read_grid(post: Any, n: int) -> tuple[list[list[str]], list[list[float | None]], set]:
    """The upper triangle as typed → texts, numbers (reciprocals filled in), bad cells."""
    texts = [["" for _j in range(n)] for _i in range(n)]
    numbers: list[list[float | None]] = [[None] * n for _i in range(n)]
    bad: set[tuple[int, int]] = set()
    for i in range(n):
        numbers[i][i] = 1.0
        for j in range(i + 1, n):
            text = str(post.get(f"c_{i}_{j}", "")).strip()
            texts[i][j] = text
            try:
                value = services.parse_judgement(text)
            except ValueError:
                bad.add((i, j))
                continue
            if value is None:
                continue
            if not services.SCALE_MIN <= value <= services.SCALE_MAX + 1e-9:
                bad.add((i, j))
                continue
            numbers[i][j], numbers[j][i] = value, 1 / value
    return texts, numbers, bad


def _grid_context(
    names: list[str], texts: list[list[str]], numbers: list[list[float | None]], bad: set
) -> dict[str, Any]:
    n = len(names)
    complete = not bad and all(numbers[i][j] is not None for i in range(n) for j in range(n))
    analysis = None
    if complete:
        analysis = ahp.analyse([[float(v or 0) for v in row] for row in numbers], limit=3)
    flagged: set[tuple[int, int]] = set()
    worst: tuple[int, int] | None = None
    if analysis is not None and not analysis.consistent:
        flagged = {(i, j) for i, j in analysis.most_inconsistent}
        worst = analysis.most_inconsistent[0] if analysis.most_inconsistent else None
    rows = []
    for i in range(n):
        cells = []
        for j in range(n):
            if i == j:
                cells.append({"kind": "diag", "i": i, "j": j})
            elif i < j:
                cells.append(
                    {
                        "kind": "upper",
                        "i": i,
                        "j": j,
                        "text": texts[i][j],
                        "bad": (i, j) in bad,
                        "flagged": (i, j) in flagged,
                        "worst": (i, j) == worst,
                        "label": _("“%(a)s”比“%(b)s”") % {"a": names[i], "b": names[j]},
                    }
                )
            else:
                value = numbers[i][j]
                cells.append(
                    {
                        "kind": "lower",
                        "i": i,
                        "j": j,
                        "text": _format(value) if value is not None else "",
                        "flagged": (j, i) in flagged,
                        "worst": (j, i) == worst,
                    }
                )
        rows.append({"name": names[i], "cells": cells})
    weights = []
    if analysis is not None:
        weights = list(zip(names, analysis.weights, strict=True))
    return {
        "names": names,
        "rows": rows,
        "analysis": analysis,
        "complete": complete,
        "bad_cells": [
            _("“%(a)s”比“%(b)s”") % {"a": names[i], "b": names[j]} for i, j in sorted(bad)
        ],
        "revisit_ranked": [
            _("“%(a)s”比“%(b)s”") % {"a": names[i], "b": names[j]}
            for i, j in (analysis.most_inconsistent if analysis and flagged else [])
        ],
        "weights": weights,
    }


def _stored_texts(judgement: Any, children: list[Node]) -> list[list[str]] | None:
    if judgement is None or selectors.is_stale(judgement, children):
        return None
    a = services._aligned(judgement.matrix, judgement.node_ids, [c.pk for c in children])
    n = len(children)
    return [[_format(float(a[i, j])) if i < j else "" for j in range(n)] for i in range(n)]


@login_required
@require_http_methods(["GET", "POST"])
def matrix(request: HttpRequest, pk: int, expert: int) -> HttpResponse:
    project, the_expert, parent, children = _matrix_target(
        request, pk, expert, write=request.method == "POST"
    )
    names = [c.name for c in children]
    n = len(names)
    judgement = selectors.Judgement.objects.filter(expert=the_expert, parent=parent).first()
    stale = judgement is not None and selectors.is_stale(judgement, children)
    if request.method == "POST":
        texts, numbers, bad = read_grid(request.POST, n)
        if bad or any(v is None for row in numbers for v in row):
            messages.error(request, _("请在上三角每格填写 1–9 标度的判断（如 3 或 1/3）后再保存"))
        else:
            try:
                saved = services.judgement_save(
                    expert=the_expert, parent=parent, matrix=numbers, actor=request.user
                )
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                if saved.consistent:
                    messages.success(
                        request, _("已保存判断矩阵，CR = %(cr)s < 0.10") % {"cr": f"{saved.cr:.4f}"}
                    )
                else:
                    messages.warning(
                        request,
                        _("已保存，但 CR = %(cr)s ≥ 0.10，不能用于计算权重；请重新考虑：%(p)s")
                        % {
                            "cr": f"{saved.cr:.4f}",
                            "p": services.pair_text(names, saved.most_inconsistent),
                        },
                    )
                return redirect(_matrix_url(project, the_expert, parent))
    else:
        stored = _stored_texts(judgement, children)
        if stored is None:
            stored = [["1" if i < j else "" for j in range(n)] for i in range(n)]
        texts, numbers, bad = read_grid(
            {f"c_{i}_{j}": stored[i][j] for i in range(n) for j in range(i + 1, n)}, n
        )
    return render(
        request,
        "evaluation/matrix.html",
        {
            "project": project,
            "expert": the_expert,
            "parent": parent,
            "parent_label": services.parent_label(project, parent),
            "judgement": judgement,
            "stale": stale,
            "editable": selectors.may_edit(request.user) and not project.is_frozen,
            "check_url": reverse("evaluation:matrix-check", args=[project.pk, the_expert.pk]),
            "experts": list(project.experts.all()),
            **_grid_context(names, texts, numbers, bad),
        },
    )


@login_required
@require_POST
def matrix_check(request: HttpRequest, pk: int, expert: int) -> HttpResponse:
    """The HTMX fragment: λmax, CI, CR and consistency of the grid as typed, the reciprocals
    and the cells to revisit (out-of-band swaps, so the inputs being typed in stay put)."""
    _project, _expert, _parent, children = _matrix_target(request, pk, expert)
    names = [c.name for c in children]
    texts, numbers, bad = read_grid(request.POST, len(names))
    return render(
        request,
        "evaluation/_matrix_result.html",
        {**_grid_context(names, texts, numbers, bad), "oob": True},
    )


# --- scores -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def scores(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_or_404(request, pk, write=request.method == "POST")
    experts = list(project.experts.all())
    rater = request.POST.get("rater") or request.GET.get("rater") or ""
    rater_name = (request.POST.get("rater_name") or request.GET.get("rater_name") or "").strip()
    expert = None
    if rater.startswith("expert:"):
        expert = next((e for e in experts if str(e.pk) == rater[7:]), None)
        if expert is None:
            raise Http404
    elif rater.startswith("user:") and not rater_name:
        rater_name = rater[5:].strip()
    elif not rater and experts and not rater_name:
        expert, rater = experts[0], f"expert:{experts[0].pk}"
    summary = selectors.project_summary(project, with_events=False)
    indicators = summary.indicators
    if request.method == "POST":
        values = {
            (s.pk, i.pk): request.POST.get(f"s_{s.pk}_{i.pk}", "")
            for s in summary.subjects
            for i in indicators
        }
        try:
            n = services.scores_save(
                project=project,
                values=values,
                expert=expert,
                rater_name=rater_name,
                actor=request.user,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存 %(n)s 项评分") % {"n": n})
            return redirect(reverse("evaluation:detail", args=[project.pk]) + "#results")
    key = f"expert:{expert.pk}" if expert else f"user:{rater_name}"
    given = {
        (s.subject_id, s.indicator_id): s.value
        for s in project.scores.filter(rater_key=key).only("subject_id", "indicator_id", "value")
    }
    users = sorted(
        set(
            project.scores.filter(source="user")
            .values_list("rater_name", flat=True)
            .order_by("rater_name")
        )
    )
    criterion_of = {row.node.pk: c.node.name for c in summary.criteria for row in c.indicators}
    posted = request.method == "POST"
    grid = [
        {
            "indicator": i,
            "criterion": criterion_of.get(i.pk, ""),
            "cells": [
                {
                    "subject": s,
                    "name": f"s_{s.pk}_{i.pk}",
                    "value": request.POST.get(f"s_{s.pk}_{i.pk}")
                    if posted
                    else given.get((s.pk, i.pk), ""),
                }
                for s in summary.subjects
            ],
        }
        for i in indicators
    ]
    return render(
        request,
        "evaluation/scores.html",
        {
            "project": project,
            "experts": experts,
            "expert": expert,
            "rater": rater,
            "rater_name": rater_name,
            "users": users,
            "subjects": summary.subjects,
            "grid": grid,
            "editable": selectors.may_edit(request.user) and not project.is_frozen,
        },
    )


# --- exports ------------------------------------------------------------------------------------


@login_required
@require_GET
def export_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_or_404(request, pk)
    summary = selectors.project_summary(project, with_events=False)
    body = exports.pdf_bytes(summary, chart=exports.comparison_chart(summary))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{project.pk}.pdf"'
    return response


@login_required
@require_GET
def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_or_404(request, pk)
    summary = selectors.project_summary(project, with_events=False)
    response = HttpResponse(
        exports.xlsx_bytes(summary),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="evaluation-{project.pk}.xlsx"'
    return response
