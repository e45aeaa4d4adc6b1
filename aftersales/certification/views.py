"""GB/T 27922 self-assessment pages (S15): the list of assessments, one assessment with the
indicator tree, its answers, the system's measured figures, evidence, deductions and bonus and
the running score and level; the readiness report PDF; the tree's points and the level
thresholds for administrators. Reads go through the selectors (not yours → 404), writes through
the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.core.errors import ServiceError

from . import report, scoring, selectors, services
from .models import Adjustment, Answer, Category, Evidence, Item, LevelSettings, SelfAssessment

PAGE_SIZE = 20


def _page(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _readable(request: HttpRequest) -> None:
    if not selectors.sees_certification(request.user):
        raise Http404


@login_required
@require_GET
def assessment_list(request: HttpRequest) -> HttpResponse:
    _readable(request)
    page = _page(request)
    offset = (page - 1) * PAGE_SIZE
    # One row more than the page instead of a COUNT over every row.
    rows = list(
        selectors.assessments_for_user(request.user)
        .select_related("created_by", "finished_by")
        .order_by("-assessed_on", "-id")[offset : offset + PAGE_SIZE + 1]
    )
    return render(
        request,
        "certification/list.html",
        {
            "assessments": rows[:PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": "",
            "may_write": selectors.may_write(request.user),
            "may_edit_tree": selectors.may_edit_tree(request.user),
            "today": timezone.localdate(),
            "default_title": _("%(year)s 年度售后服务自评") % {"year": timezone.localdate().year},
        },
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@login_required
@require_POST
def assessment_new(request: HttpRequest) -> HttpResponse:
    _readable(request)
    day = _date(request.POST.get("assessed_on"))
    if day is None:
        messages.error(request, _("评价日期格式应为 YYYY-MM-DD"))
        return redirect("certification:list")
    try:
        assessment = services.assessment_create(
            actor=request.user, title=request.POST.get("title", ""), assessed_on=day
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("certification:list")
    messages.success(request, _("已创建自评，系统可测量的要求已按系统数据预填"))
    return redirect("certification:detail", pk=assessment.pk)


def _form_values(answer: Answer, post: Any | None) -> dict[str, Any]:
    key = f"a{answer.pk}"
    if post is not None and f"{key}-present" in post:
        return {
            "applicable": post.get(f"{key}-applicable") == "1",
            "met": post.get(f"{key}-met", ""),
            "sampled": post.get(f"{key}-sampled", ""),
            "conforming": post.get(f"{key}-conforming", ""),
            "note": post.get(f"{key}-note", ""),
            "measured": post.get(f"{key}-measured") == "1",
        }
    return {
        "applicable": answer.applicable,
        "met": "" if answer.met is None else ("yes" if answer.met else "no"),
        "sampled": "" if answer.sampled is None else answer.sampled,
        "conforming": "" if answer.conforming is None else answer.conforming,
        "note": answer.note,
        "measured": answer.source == Answer.Source.MEASURED,
    }


def _detail(
    request: HttpRequest, assessment: SelfAssessment, *, post: Any = None, status: int = 200
) -> HttpResponse:
    user = request.user
    view = selectors.overview(assessment, with_measures=True)
    for group in view.categories:
        for clause in group.clauses:
            for row in clause.rows:
                row.form = _form_values(row.answer, post)  # type: ignore[attr-defined]
    writable = selectors.may_write(user) and not assessment.is_finished
    return render(
        request,
        "certification/detail.html",
        {
            "a": assessment,
            "view": view,
            "result": view.result,
            "writable": writable,
            "may_correct": selectors.may_write(user) and assessment.is_finished,
            "corrections": list(assessment.corrections.order_by("pk")),
            "thresholds": view.thresholds,
            "score_text": selectors.fmt(view.result.score),
            "base_text": selectors.fmt(view.result.base),
            "applicable_text": selectors.fmt(view.result.applicable_points),
            "earned_text": selectors.fmt(view.result.earned),
            "category_rows": _category_rows(view),
            "max_mb": services.EVIDENCE_MAX_BYTES // 1024 // 1024,
        },
        status=status,
    )


def _category_rows(view: selectors.Overview) -> list[dict[str, Any]]:
    return [
        {
            "category": g.category,
            "applicable": selectors.fmt(g.total.applicable_points) if g.total else "0",
            "earned": selectors.fmt(g.total.earned) if g.total else "0",
            "percent": g.total.percent if g.total else None,
        }
        for g in view.categories
    ]


@login_required
@require_GET
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.get_assessment_for_user(request.user, pk)
    return _detail(request, assessment)


def _changes(request: HttpRequest, assessment: SelfAssessment) -> list[services.AnswerChange]:
    changes = []
    post = request.POST
    pairs = Answer.objects.filter(assessment=assessment).values_list("pk", "item__code", "kind")
    for answer_id, code, kind in pairs:
        key = f"a{answer_id}"
        if f"{key}-present" not in post:
            continue
        change = services.AnswerChange(
            code=code,
            applicable=post.get(f"{key}-applicable") == "1",
            note=post.get(f"{key}-note", ""),
            use_measured=post.get(f"{key}-measured") == "1",
        )
        if not change.use_measured:
            if kind == scoring.Kind.QUALITATIVE:
                change.met = {"yes": True, "no": False}.get(post.get(f"{key}-met", ""))
            else:
                change.sampled = post.get(f"{key}-sampled", "").strip() or None
                change.conforming = post.get(f"{key}-conforming", "").strip() or None
        changes.append(change)
    return changes


@login_required
@require_POST
def answers_save(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.get_assessment_for_user(request.user, pk)
    try:
        services.answers_save(
            assessment=assessment, actor=request.user, changes=_changes(request, assessment)
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        if exc.status == 400:  # keep what was typed
            return _detail(request, assessment, post=request.POST, status=400)
        return redirect("certification:detail", pk=assessment.pk)
    messages.success(request, _("已保存"))
    return redirect(f"{reverse('certification:detail', args=[assessment.pk])}#score")


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int, answer_id: int) -> HttpResponse:
    assessment = selectors.get_assessment_for_user(request.user, pk)
    answer = assessment.answers.select_related("item").filter(pk=answer_id).first()
    if answer is None:
        raise Http404
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的文件"))
    else:
        try:
            limit = services.EVIDENCE_MAX_BYTES + 1
            content = upload.read(limit)  # never more than the limit in memory
            services.evidence_add(
                answer=answer,
                actor=request.user,
                upload=services.UploadedFile(upload.name or "file", content),
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已为 %(code)s 上传证据") % {"code": answer.item.code})
    return redirect(f"{reverse('certification:detail', args=[assessment.pk])}#item-{answer.pk}")


def _evidence(request: HttpRequest, pk: int, evidence_id: int) -> tuple[SelfAssessment, Evidence]:
    assessment = selectors.get_assessment_for_user(request.user, pk)
    evidence = (
        Evidence.objects.select_related("answer__assessment")
        .filter(pk=evidence_id, answer__assessment=assessment)
        .first()
    )
    if evidence is None:
        raise Http404
    return assessment, evidence


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int, evidence_id: int) -> FileResponse:
    _assessment, evidence = _evidence(request, pk, evidence_id)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    assessment, evidence = _evidence(request, pk, evidence_id)
    try:
        services.evidence_remove(evidence=evidence, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除证据“%(name)s”") % {"name": evidence.original_name})
    return redirect(
        f"{reverse('certification:detail', args=[assessment.pk])}#item-{evidence.answer_id}"
    )


@login_required
@require_POST
def adjustment_add(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.get_assessment_for_user(request.user, pk)
    try:
        services.adjustment_add(
            assessment=assessment,
            actor=request.user,
            kind=request.POST.get("kind", ""),
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已登记"))
    return redirect(f"{reverse('certification:detail', args=[assessment.pk])}#adjustments")


@login_required
@require_POST
def adjustment_delete(request: HttpRequest, pk: int, adjustment_id: int) -> HttpResponse:
    assessment = selectors.get_assessment_for_user(request.user, pk)
    adjustment = Adjustment.objects.filter(pk=adjustment_id, assessment=assessment).first()
    if adjustment is None:
        raise Http404
    try:
        services.adjustment_remove(adjustment=adjustment, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除"))
    return redirect(f"{reverse('certification:detail', args=[assessment.pk])}#adjustments")


@login_required
@require_POST
def assessment_finish(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.get_assessment_for_user(request.user, pk)
    try:
        done = services.assessment_finish(assessment=assessment, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("自评已完成并冻结：得分 %(score)s，%(level)s")
            % {"score": selectors.fmt(done.score), "level": done.level_label},
        )
    return redirect("certification:detail", pk=assessment.pk)


@login_required
@require_POST
def assessment_correct(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.get_assessment_for_user(request.user, pk)
    try:
        copy = services.assessment_correct(
            assessment=assessment, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("certification:detail", pk=assessment.pk)
    messages.success(request, _("已生成更正用的新自评，原自评保持不变"))
    return redirect("certification:detail", pk=copy.pk)


@login_required
@require_GET
def assessment_report(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.get_assessment_for_user(request.user, pk)
    pdf = report.readiness_pdf(assessment)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename(assessment)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the tree's points and the levels (administrators) -----------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def tree(request: HttpRequest) -> HttpResponse:
    if not selectors.may_edit_tree(request.user):
        raise Http404
    items = list(
        Item.objects.select_related("clause__category").order_by(
            "clause__category__position", "clause__position", "position", "code"
        )
    )
    posted: dict[int, dict[str, Any]] = {}
    status = 200
    if request.method == "POST":
        changes = []
        for item in items:
            if f"points-{item.pk}" not in request.POST:
                continue
            changes.append(
                services.PointsChange(
                    item_id=item.pk,
                    points=request.POST.get(f"points-{item.pk}", ""),
                    confirmed=request.POST.get(f"confirmed-{item.pk}") == "1",
                )
            )
            posted[item.pk] = {
                "points": request.POST.get(f"points-{item.pk}", ""),
                "confirmed": request.POST.get(f"confirmed-{item.pk}") == "1",
            }
        try:
            n = services.tree_update_points(actor=request.user, changes=changes)
        except ServiceError as exc:
            messages.error(request, exc.message)
            status = 400
        else:
            messages.success(request, _("已更新 %(n)s 项分值") % {"n": n})
            return redirect("certification:tree")
    categories = {c.pk: c for c in Category.objects.all()}
    rows = [
        {
            "item": item,
            "category": categories.get(item.clause.category_id),
            "points": posted.get(item.pk, {}).get("points", selectors.fmt(item.points)),
            "confirmed": posted.get(item.pk, {}).get("confirmed", not item.points_are_default),
        }
        for item in items
    ]
    return render(
        request,
        "certification/tree.html",
        {
            "rows": rows,
            "levels": LevelSettings.get(),
            "total": selectors.fmt(sum((i.points for i in items if i.is_active), start=0)),
        },
        status=status,
    )


@login_required
@require_POST
def levels(request: HttpRequest) -> HttpResponse:
    if not selectors.may_edit_tree(request.user):
        raise Http404
    try:
        services.levels_update(
            actor=request.user,
            passing=request.POST.get("passing", ""),
            three_star=request.POST.get("three_star", ""),
            four_star=request.POST.get("four_star", ""),
            five_star=request.POST.get("five_star", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已更新等级分数线"))
    return redirect("certification:tree")
