"""Who sees and does what with the GB/T 27922 self-assessment (S15), and the reads that build
its pages, API answers and report.

* The service director, the supervisors and the administrators read and write.
* Quality engineers read.
* Everybody else sees nothing: the list is empty and an assessment answers 404, like one that
  does not exist.
* The indicator tree's points and the level thresholds: administrators only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from aftersales.accounts import roles
from aftersales.accounts.models import Role

from . import measures, scoring
from .models import LEVEL_LABELS, Adjustment, Answer, Evidence, LevelSettings, SelfAssessment

READERS = (Role.SERVICE_DIRECTOR, Role.SUPERVISOR, Role.ADMIN, Role.QUALITY_ENGINEER)
WRITERS = (Role.SERVICE_DIRECTOR, Role.SUPERVISOR, Role.ADMIN)


def sees_certification(user: Any) -> bool:
    return roles.has_role(user, *READERS)


def may_write(user: Any) -> bool:
    return roles.has_role(user, *WRITERS)


def may_edit_tree(user: Any) -> bool:
    return roles.is_admin(user) and bool(user.is_active)


def assessments_for_user(user: Any) -> QuerySet[SelfAssessment]:
    qs = SelfAssessment.objects.all()
    return qs if sees_certification(user) else qs.none()


def get_assessment_for_user(user: Any, pk: Any) -> SelfAssessment:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    obj = (
        assessments_for_user(user)
        .select_related("created_by", "finished_by", "corrects")
        .filter(pk=pk)
        .first()
    )
    if obj is None:
        raise Http404
    return obj


def answers_of(assessment: SelfAssessment) -> list[Answer]:
    """The answers in the tree's order, with their item, clause, category and evidence: three
    queries however many items there are."""
    return list(
        Answer.objects.filter(assessment=assessment)
        .select_related("item__clause__category", "answered_by")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by"))
        )
        .order_by(
            "item__clause__category__position",
            "item__clause__position",
            "item__position",
            "item__code",
        )
    )


def adjustments_of(assessment: SelfAssessment) -> list[Adjustment]:
    return list(assessment.adjustments.select_related("created_by").order_by("kind", "pk"))


def thresholds_for(assessment: SelfAssessment) -> scoring.Thresholds:
    if assessment.is_finished and assessment.thresholds:
        return scoring.Thresholds.from_json(assessment.thresholds)
    return LevelSettings.get().thresholds()


def points_of(assessment: SelfAssessment, answer: Answer) -> tuple[Decimal, str]:
    """A draft follows the tree as it is edited; a finished assessment keeps its snapshot."""
    if assessment.is_finished:
        return answer.points, answer.kind
    return answer.item.points, answer.item.kind


def item_input(assessment: SelfAssessment, answer: Answer) -> scoring.ItemInput:
    points, kind = points_of(assessment, answer)
    return scoring.ItemInput(
        code=answer.item.code,
        points=points,
        kind=scoring.Kind(kind),
        applicable=answer.applicable,
        met=answer.met,
        sampled=answer.sampled,
        conforming=answer.conforming,
        category=answer.item.clause.category.code,
    )


def score_of(
    assessment: SelfAssessment,
    answers: list[Answer],
    adjustments: list[Adjustment],
    thresholds: scoring.Thresholds | None = None,
) -> scoring.ScoreResult:
    kinds = [a.kind for a in adjustments]
    return scoring.score(
        [item_input(assessment, a) for a in answers],
        deductions=kinds.count(Adjustment.AdjustmentKind.DEDUCTION),
        bonuses=kinds.count(Adjustment.AdjustmentKind.BONUS),
        thresholds=thresholds or thresholds_for(assessment),
    )


def level_label(level: scoring.Level | str | None) -> str:
    return str(LEVEL_LABELS[scoring.Level(level)]) if level else "—"


def fmt(value: Any) -> str:
    """Points for people: 5, 3.75 (no trailing zeros)."""
    if value is None:
        return "—"
    text = str(scoring.to_decimal(value)) if not isinstance(value, Decimal) else f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class Row:
    answer: Answer
    points: Decimal
    kind: str
    result: scoring.ItemResult
    measurement: measures.Measurement | None = None
    finished: bool = False

    @property
    def item(self) -> Any:
        return self.answer.item

    @property
    def points_are_default(self) -> bool:
        """A draft shows the tree's mark as it is now; a finished one the mark it had then."""
        if self.finished:
            return self.answer.points_were_default
        return bool(self.item.points_are_default)

    @property
    def earned_text(self) -> str:
        return fmt(self.result.earned) if self.answer.applicable else "—"

    @property
    def lost_text(self) -> str:
        return fmt(self.result.lost)

    @property
    def points_text(self) -> str:
        return fmt(self.points)


@dataclass
class ClauseGroup:
    clause: Any
    rows: list[Row] = field(default_factory=list)


@dataclass
class CategoryGroup:
    category: Any
    clauses: list[ClauseGroup] = field(default_factory=list)
    total: scoring.CategoryTotal | None = None


@dataclass
class Overview:
    assessment: SelfAssessment
    answers: list[Answer]
    adjustments: list[Adjustment]
    result: scoring.ScoreResult
    thresholds: scoring.Thresholds
    categories: list[CategoryGroup]
    gaps: list[Row]

    @property
    def level_label(self) -> str:
        return level_label(self.result.level)

    @property
    def deductions(self) -> list[Adjustment]:
        return [a for a in self.adjustments if a.kind == Adjustment.AdjustmentKind.DEDUCTION]

    @property
    def bonuses(self) -> list[Adjustment]:
        return [a for a in self.adjustments if a.kind == Adjustment.AdjustmentKind.BONUS]

    @property
    def unassessed_count(self) -> int:
        return len(self.result.unassessed)

    @property
    def has_default_points(self) -> bool:
        return any(r.points_are_default for g in self.categories for c in g.clauses for r in c.rows)


def overview(assessment: SelfAssessment, *, with_measures: bool = False) -> Overview:
    """Everything the assessment page, the API and the report show, in a constant number of
    queries. `with_measures`: the system's current figures for the measurable items (drafts)."""
    answers = answers_of(assessment)
    adjustments = adjustments_of(assessment)
    thresholds = thresholds_for(assessment)
    result = score_of(assessment, answers, adjustments, thresholds)
    measured: dict[str, measures.Measurement] = {}
    if with_measures and not assessment.is_finished:
        keys = {a.item.measure for a in answers if a.item.measure}
        measured = measures.measure_all(keys, assessment.assessed_on)
    by_code = {r.code: r for r in result.items}
    totals = {t.category: t for t in result.categories}
    groups: list[CategoryGroup] = []
    rows_by_code: dict[str, Row] = {}
    for answer in answers:
        clause = answer.item.clause
        category = clause.category
        if not groups or groups[-1].category.pk != category.pk:
            groups.append(CategoryGroup(category, total=totals.get(category.code)))
        if not groups[-1].clauses or groups[-1].clauses[-1].clause.pk != clause.pk:
            groups[-1].clauses.append(ClauseGroup(clause))
        points, kind = points_of(assessment, answer)
        row = Row(
            answer,
            points,
            kind,
            by_code[answer.item.code],
            measured.get(answer.item.measure),
            finished=assessment.is_finished,
        )
        groups[-1].clauses[-1].rows.append(row)
        rows_by_code[answer.item.code] = row
    return Overview(
        assessment=assessment,
        answers=answers,
        adjustments=adjustments,
        result=result,
        thresholds=thresholds,
        categories=groups,
        gaps=[rows_by_code[g.code] for g in result.gaps],
    )
