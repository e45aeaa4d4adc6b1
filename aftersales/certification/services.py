"""Every write of the GB/T 27922 self-assessment (S15). Each service checks the actor's rights,
validates everything before it writes anything (bad input changes nothing) and runs in one
transaction. A finished assessment is frozen: a correction is a new draft copied from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.service.services import sniff_content_type

from . import measures, scoring, selectors
from .models import Adjustment, Answer, Evidence, Item, LevelSettings, SelfAssessment

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/webp"}
MAX_POINTS = Decimal("100")
MAX_COUNT = 1_000_000  # more than any sample; keeps the column in range on PostgreSQL


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass
class AnswerChange:
    """One item's new answer; fields left UNSET keep their value (the API patches)."""

    code: str
    applicable: Any = UNSET
    met: Any = UNSET  # True / False / None (not assessed)
    sampled: Any = UNSET  # int ≥ 0 or None
    conforming: Any = UNSET
    note: Any = UNSET
    use_measured: bool = False


@dataclass
class UploadedFile:
    name: str
    content: bytes


def _require_writer(actor: Any) -> None:
    if not selectors.may_write(actor):
        raise PermissionDenied(_("只有售后服务部主管、监督员和系统管理员可以修改自评"))


def _require_admin(actor: Any) -> None:
    if not selectors.may_edit_tree(actor):
        raise PermissionDenied(_("只有系统管理员可以修改评价指标的分值和等级分数线"))


def _locked_draft(assessment: SelfAssessment) -> SelfAssessment:
    # The row lock serialises every write of one assessment, so finishing cannot interleave
    # with an answer being saved.
    locked = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.status != SelfAssessment.Status.DRAFT:
        raise InvalidTransition(
            _("此自评已完成并冻结；如需修改，请发起更正（生成一份新的自评）"), field="status"
        )
    return locked


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("请填写自评名称"), field="title")
    if len(title) > 120:
        raise ValidationFailed(_("自评名称不能超过 120 个字"), field="title")
    return title


def _apply_measurement(answer: Answer, m: measures.Measurement) -> None:
    if answer.kind == scoring.Kind.QUALITATIVE:
        answer.met = m.met if m.met is not None else (bool(m.conforming == m.sampled))
        answer.sampled = answer.conforming = None
    else:
        answer.met = None
        answer.sampled, answer.conforming = m.sampled, m.conforming
    answer.source = Answer.Source.MEASURED
    answer.measured_explanation = m.explanation


@transaction.atomic
def assessment_create(
    *, actor: Any, title: str, assessed_on: date | None = None, prefill: bool = True
) -> SelfAssessment:
    """A draft with one answer per active item; the measurable items are pre-filled with the
    system's figures (source: measured) unless `prefill` is off."""
    _require_writer(actor)
    title = _title(title)
    day = assessed_on or timezone.localdate()
    items = list(Item.objects.filter(is_active=True).select_related("clause__category"))
    if not items:
        raise ValidationFailed(_("评价指标体系为空，请先由系统管理员配置指标"))
    assessment = SelfAssessment.objects.create(title=title, assessed_on=day, created_by=actor)
    found = measures.measure_all({i.measure for i in items if i.measure}, day) if prefill else {}
    now = timezone.now()
    answers = []
    for item in items:
        answer = Answer(assessment=assessment, item=item, points=item.points, kind=item.kind)
        m = found.get(item.measure)
        if m is not None and m.available:
            _apply_measurement(answer, m)
            answer.answered_at = now
        answers.append(answer)
    Answer.objects.bulk_create(answers)
    return assessment


def _bool(value: Any, field: str, label: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValidationFailed(_("%(item)s：“是/否”的值无效") % {"item": label}, field=field)


def _count(value: Any, field: str, label: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= MAX_COUNT or str(value).strip() not in (str(number), f"{number}.0"):
        raise ValidationFailed(
            _("%(item)s：抽样数和符合数应为 0 到 %(max)s 之间的整数")
            % {"item": label, "max": MAX_COUNT},
            field=field,
        )
    return number


@transaction.atomic
def answers_save(
    *, assessment: SelfAssessment, actor: Any, changes: list[AnswerChange]
) -> SelfAssessment:
    """Save several answers at once: all or none. A refusal names the item."""
    _require_writer(actor)
    assessment = _locked_draft(assessment)
    answers = {
        a.item.code: a for a in Answer.objects.filter(assessment=assessment).select_related("item")
    }
    seen: set[str] = set()
    measured_keys = set()
    for change in changes:
        if change.code not in answers:
            raise ValidationFailed(
                _("此自评中没有编号为 %(code)s 的要求") % {"code": change.code}, field="code"
            )
        if change.code in seen:
            raise ValidationFailed(
                _("要求 %(code)s 提交了两次") % {"code": change.code}, field="code"
            )
        seen.add(change.code)
        if change.use_measured:
            if not answers[change.code].item.measure:
                raise ValidationFailed(
                    _("%(code)s 不是系统可测量的要求") % {"code": change.code}, field="use_measured"
                )
            measured_keys.add(answers[change.code].item.measure)
    found = measures.measure_all(measured_keys, assessment.assessed_on)
    now = timezone.now()
    dirty = []
    for change in changes:
        answer = answers[change.code]
        item = answer.item
        label = f"{item.code} {item.title}"
        before = _state(answer)
        answer.kind = item.kind  # a draft follows the tree
        answer.points = item.points
        if change.applicable is not UNSET:
            applicable = _bool(change.applicable, "applicable", label)
            answer.applicable = True if applicable is None else applicable
        if change.note is not UNSET:
            note = str(change.note or "").strip()
            if len(note) > 2000:
                raise ValidationFailed(
                    _("%(item)s：评价说明不能超过 2000 字") % {"item": label}, field="note"
                )
            answer.note = note
        if change.use_measured:
            m = found.get(item.measure)
            if m is None or not m.available:
                raise ValidationFailed(
                    _("%(item)s：系统暂无可用的测量值，请按抽查情况填写") % {"item": label},
                    field="use_measured",
                )
            _apply_measurement(answer, m)
        elif any(v is not UNSET for v in (change.met, change.sampled, change.conforming)):
            _assessor_values(answer, change, label)
        if _state(answer) != before:  # who answered stays with the last real change
            answer.answered_by = actor
            answer.answered_at = now
            dirty.append(answer)
    if dirty:
        Answer.objects.bulk_update(
            dirty,
            [
                "kind",
                "points",
                "applicable",
                "met",
                "sampled",
                "conforming",
                "note",
                "source",
                "measured_explanation",
                "answered_by",
                "answered_at",
            ],
        )
    return assessment


def _state(answer: Answer) -> tuple:
    return (
        answer.applicable,
        answer.met,
        answer.sampled,
        answer.conforming,
        answer.note,
        answer.source,
        answer.measured_explanation,
    )


def _assessor_values(answer: Answer, change: AnswerChange, label: str) -> None:
    if answer.kind == scoring.Kind.QUALITATIVE:
        met = answer.met if change.met is UNSET else _bool(change.met, "met", label)
        answer.met = met
        answer.sampled = answer.conforming = None
        assessed = met is not None
    else:
        sampled = (
            answer.sampled if change.sampled is UNSET else _count(change.sampled, "sampled", label)
        )
        conforming = (
            answer.conforming
            if change.conforming is UNSET
            else _count(change.conforming, "conforming", label)
        )
        if sampled is None and conforming is not None:
            raise ValidationFailed(
                _("%(item)s：填写符合数时请同时填写抽样数") % {"item": label}, field="sampled"
            )
        if sampled is not None and conforming is None:
            raise ValidationFailed(
                _("%(item)s：请填写抽样中符合要求的数量") % {"item": label}, field="conforming"
            )
        if sampled is not None and conforming is not None and conforming > sampled:
            raise ValidationFailed(
                _("%(item)s：符合数（%(c)s）不能大于抽样数（%(s)s）")
                % {"item": label, "c": conforming, "s": sampled},
                field="conforming",
            )
        if sampled == 0:  # nothing looked at: not assessed rather than 0 of 0
            sampled = conforming = None
        answer.met = None
        answer.sampled, answer.conforming = sampled, conforming
        assessed = sampled is not None
    answer.source = Answer.Source.ASSESSOR if assessed else Answer.Source.NONE
    answer.measured_explanation = ""


@transaction.atomic
def adjustment_add(*, assessment: SelfAssessment, actor: Any, kind: str, reason: str) -> Adjustment:
    _require_writer(actor)
    assessment = _locked_draft(assessment)
    if kind not in Adjustment.AdjustmentKind.values:
        raise ValidationFailed(_("请选择特别扣分或特别加分"), field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写扣分或加分的原因"), field="reason")
    if len(reason) > 300:
        raise ValidationFailed(_("原因不能超过 300 字"), field="reason")
    return Adjustment.objects.create(
        assessment=assessment, kind=kind, reason=reason, created_by=actor
    )


@transaction.atomic
def adjustment_remove(*, adjustment: Adjustment, actor: Any) -> None:
    _require_writer(actor)
    _locked_draft(adjustment.assessment)
    adjustment.delete()


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", name or "")[-150:] or "file"


def validate_evidence(upload: UploadedFile) -> str:
    if not upload.content:
        raise ValidationFailed(_("文件“%(name)s”是空文件") % {"name": upload.name}, field="file")
    if len(upload.content) > EVIDENCE_MAX_BYTES:
        raise ValidationFailed(
            _("文件“%(name)s”超过 %(limit)s MB 上限")
            % {"name": upload.name, "limit": EVIDENCE_MAX_BYTES // 1024 // 1024},
            field="file",
        )
    content_type = sniff_content_type(upload.content[:16])
    if content_type not in EVIDENCE_TYPES:
        raise ValidationFailed(
            _("文件“%(name)s”类型不允许：证据只接受 PDF、JPEG、PNG 和 WebP")
            % {"name": upload.name},
            field="file",
        )
    return content_type


@transaction.atomic
def evidence_add(*, answer: Answer, actor: Any, upload: UploadedFile) -> Evidence:
    _require_writer(actor)
    content_type = validate_evidence(upload)
    _locked_draft(answer.assessment)
    name = _safe_name(upload.name)
    evidence = Evidence(
        answer=answer,
        original_name=name,
        content_type=content_type,
        size=len(upload.content),
        uploaded_by=actor,
    )
    evidence.file.save(name, ContentFile(upload.content), save=False)
    evidence.save()
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, actor: Any) -> None:
    """The row goes; the stored file stays, because a correction copied from a finished
    assessment may point at the same file."""
    _require_writer(actor)
    _locked_draft(evidence.answer.assessment)
    evidence.delete()


@transaction.atomic
def assessment_finish(*, assessment: SelfAssessment, actor: Any) -> SelfAssessment:
    """Freeze the assessment: the points, the score, the level and the thresholds in force are
    written down and never change again. Refused while applicable items are unassessed."""
    _require_writer(actor)
    assessment = _locked_draft(assessment)
    answers = selectors.answers_of(assessment)
    adjustments = selectors.adjustments_of(assessment)
    thresholds = LevelSettings.get().thresholds()
    result = selectors.score_of(assessment, answers, adjustments, thresholds)
    missing = result.unassessed
    if missing:
        codes = "、".join(i.code for i in missing[:8]) + ("…" if len(missing) > 8 else "")
        raise ValidationFailed(
            _("还有 %(n)s 项要求未评（%(codes)s）：请评完或标为不适用后再完成")
            % {"n": len(missing), "codes": codes},
            field="answers",
        )
    if result.score is None:
        raise ValidationFailed(_("没有适用的要求，无法计算得分"), field="answers")
    for answer in answers:
        answer.points, answer.kind = answer.item.points, answer.item.kind
        answer.points_were_default = answer.item.points_are_default
    Answer.objects.bulk_update(answers, ["points", "kind", "points_were_default"])
    assessment.status = SelfAssessment.Status.FINISHED
    assessment.finished_by = actor
    assessment.finished_at = timezone.now()
    assessment.base_score = result.base
    assessment.score = result.score
    assessment.level = result.level.value if result.level else ""
    assessment.thresholds = thresholds.as_json()
    assessment.save(
        update_fields=[
            "status",
            "finished_by",
            "finished_at",
            "base_score",
            "score",
            "level",
            "thresholds",
        ]
    )
    return assessment


@transaction.atomic
def assessment_correct(
    *, assessment: SelfAssessment, actor: Any, reason: str, title: str = ""
) -> SelfAssessment:
    """A new draft copied from a finished assessment: answers, deductions and bonuses and the
    evidence (the same stored files). The finished one stays as it was."""
    _require_writer(actor)
    original = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
    if not original.is_finished:
        raise InvalidTransition(_("只有已完成的自评可以更正；进行中的自评请直接修改"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写更正原因"), field="reason")
    copy = SelfAssessment.objects.create(
        title=_title(title or _("%(title)s（更正）") % {"title": original.title[:110]}),
        assessed_on=timezone.localdate(),
        corrects=original,
        correction_reason=reason,
        created_by=actor,
    )
    old = list(original.answers.select_related("item").prefetch_related("evidence"))
    active = {i.pk: i for i in Item.objects.filter(is_active=True)}
    new_answers = [
        Answer(
            assessment=copy,
            item_id=a.item_id,
            points=active[a.item_id].points if a.item_id in active else a.points,
            kind=active[a.item_id].kind if a.item_id in active else a.kind,
            applicable=a.applicable,
            met=a.met,
            sampled=a.sampled,
            conforming=a.conforming,
            note=a.note,
            source=a.source,
            measured_explanation=a.measured_explanation,
            answered_by=a.answered_by,
            answered_at=a.answered_at,
        )
        for a in old
    ]
    missing = [i for pk, i in active.items() if pk not in {a.item_id for a in old}]
    new_answers += [Answer(assessment=copy, item=i, points=i.points, kind=i.kind) for i in missing]
    Answer.objects.bulk_create(new_answers)
    by_item = {a.item_id: a for a in Answer.objects.filter(assessment=copy)}
    Evidence.objects.bulk_create(
        Evidence(
            answer=by_item[a.item_id],
            file=e.file.name,
            original_name=e.original_name,
            content_type=e.content_type,
            size=e.size,
            uploaded_by=e.uploaded_by,
        )
        for a in old
        for e in a.evidence.all()
    )
    Adjustment.objects.bulk_create(
        Adjustment(assessment=copy, kind=x.kind, reason=x.reason, created_by=actor)
        for x in original.adjustments.all()
    )
    return copy


# --- the tree's points and the levels (administrators) -----------------------------------------


@dataclass
class PointsChange:
    item_id: int
    points: Any
    confirmed: bool


def _points(value: Any, label: str) -> Decimal:
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        points = Decimal(-1)
    if (
        not points.is_finite()
        or points < 0
        or points > MAX_POINTS
        or points != points.quantize(Decimal("0.01"))
    ):
        raise ValidationFailed(
            _("%(item)s：分值应为 0–100 之间的数，最多两位小数") % {"item": label}, field="points"
        )
    return points


@transaction.atomic
def tree_update_points(*, actor: Any, changes: list[PointsChange]) -> int:
    """New points for items. A changed value, or a ticked "confirmed", clears the default mark.
    Drafts pick the new points up; finished assessments keep theirs. Returns the items changed."""
    _require_admin(actor)
    items = {
        i.pk: i
        for i in Item.objects.select_for_update().filter(pk__in=[c.item_id for c in changes])
    }
    dirty = []
    for change in changes:
        item = items.get(change.item_id)
        if item is None:
            raise ValidationFailed(_("评价要求不存在"), field="item")
        points = _points(change.points, f"{item.code} {item.title}")
        is_default = item.points_are_default and points == item.points and not change.confirmed
        if points != item.points or is_default != item.points_are_default:
            item.points, item.points_are_default = points, is_default
            dirty.append(item)
    for item in dirty:
        item.save(update_fields=["points", "points_are_default"])  # history per change
    return len(dirty)


@transaction.atomic
def levels_update(*, actor: Any, passing: Any, three_star: Any, four_star: Any, five_star: Any):
    _require_admin(actor)
    values = []
    for value, label in (
        (passing, _("达标")),
        (three_star, _("三星")),
        (four_star, _("四星")),
        (five_star, _("五星")),
    ):
        values.append(_points(value, label))
    thresholds = scoring.Thresholds(*values)
    if not thresholds.is_valid():
        raise ValidationFailed(
            _("等级分数线应在 0–100 之间，且达标 < 三星 < 四星 < 五星"), field="levels"
        )
    row = LevelSettings.objects.select_for_update().get(pk=LevelSettings.get().pk)
    row.passing, row.three_star, row.four_star, row.five_star = values
    row.save()
    return row
