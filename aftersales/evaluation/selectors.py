"""Who sees what of the evaluation projects (S14), and the reads behind the project page.

* The service director, the quality engineers, the supervisors and the administrators see every
  project and edit the drafts: service-quality evaluation is their joint work (seed 001).
* Everyone else sees nothing: a project they may not see answers 404, like one that does not
  exist.

`project_summary` reads a whole project in a fixed handful of queries (nodes, experts, subjects,
score means aggregated in SQL, judgements), however many subjects and scores it holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from aftersales.accounts import roles
from aftersales.accounts.models import Role

from . import ahp
from .messages import BAND_LABELS
from .models import CombinedJudgement, Expert, Judgement, Node, Project, ProjectEvent, Subject

# An indicator needs improvement when its band is below "very satisfied" (score ≤ 70).
GOOD_BANDS = {"extremely_satisfied", "very_satisfied"}
EVENTS_SHOWN = 30


def sees_evaluations(user: Any) -> bool:
    return roles.has_role(
        user, Role.SERVICE_DIRECTOR, Role.QUALITY_ENGINEER, Role.SUPERVISOR, Role.ADMIN
    )


def may_edit(user: Any) -> bool:
    return sees_evaluations(user)


def projects_for_user(user: Any) -> QuerySet[Project]:
    if sees_evaluations(user):
        return Project.objects.all()
    return Project.objects.none()


def get_project_for_user(user: Any, pk: Any, *, write: bool = False) -> Project | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if write and not may_edit(user):
        return None
    return projects_for_user(user).filter(pk=pk).first()


def search_projects(user: Any, query: str = "") -> QuerySet[Project]:
    qs = projects_for_user(user).select_related("created_by")
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(goal__icontains=query))
    return qs.order_by("-created_at", "-id")


# --- the project page ---------------------------------------------------------------------------


@dataclass
class IndicatorRow:
    node: Node
    global_weight: float | None


@dataclass
class CriterionRow:
    node: Node
    indicators: list[IndicatorRow]

    @property
    def indicator_nodes(self) -> list[Node]:
        return [row.node for row in self.indicators]


@dataclass
class SubjectResult:
    subject: Subject
    means: dict[int, float]  # indicator id → mean score
    counts: dict[int, int]
    missing: list[Node]
    overall: float | None = None
    band: str | None = None
    band_label: str = ""
    criteria: dict[int, float | None] = field(default_factory=dict)
    improve: list[tuple[Node, float, str]] = field(default_factory=list)
    # In the order of the tree, for tables: the indicators' means, the criteria's scores.
    indicator_scores: list[float | None] = field(default_factory=list)
    criterion_scores: list[float | None] = field(default_factory=list)


@dataclass
class Summary:
    project: Project
    criteria: list[CriterionRow]
    indicators: list[Node]
    weights_ready: bool
    experts: list[Expert]
    subjects: list[Subject]
    results: list[SubjectResult]
    judgements: dict[tuple[int, int | None], Judgement]
    combined: dict[int | None, CombinedJudgement]
    events: list[ProjectEvent]

    def matrix_status(self, expert: Expert, parent: Node | None) -> Judgement | None:
        return self.judgements.get((expert.pk, parent.pk if parent else None))


def ordered_nodes(project: Project) -> tuple[list[Node], dict[int | None, list[Node]]]:
    nodes = list(Node.objects.filter(project=project).order_by("order", "id"))
    children: dict[int | None, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    return nodes, children


def is_stale(judgement: Judgement | CombinedJudgement, children: list[Node]) -> bool:
    return sorted(judgement.node_ids) != sorted(c.pk for c in children)


def project_summary(project: Project, *, with_events: bool = True) -> Summary:
    nodes, children = ordered_nodes(project)
    criteria_nodes = children.get(None, [])
    weights_ready = bool(nodes) and all(n.local_weight is not None for n in nodes)
    tree = [
        (str(c.pk), c.local_weight or 0.0, [(str(i.pk), i.local_weight or 0.0, ()) for i in kids])
        for c in criteria_nodes
        for kids in [children.get(c.pk, [])]
    ]
    global_weights = ahp.global_weights(tree) if weights_ready else {}
    criteria = [
        CriterionRow(
            node=c,
            indicators=[
                IndicatorRow(node=i, global_weight=global_weights.get(str(i.pk)))
                for i in children.get(c.pk, [])
            ],
        )
        for c in criteria_nodes
    ]
    indicators = [i for c in criteria_nodes for i in children.get(c.pk, [])]
    experts = list(
        Expert.objects.filter(project=project).select_related("user").order_by("order", "id")
    )
    subjects = list(
        Subject.objects.filter(project=project).select_related("outlet").order_by("order", "id")
    )
    means: dict[int, dict[int, float]] = {}
    counts: dict[int, dict[int, int]] = {}
    for row in (
        project.scores.values("subject_id", "indicator_id")
        .annotate(mean=Avg("value"), n=Count("id"))
        .order_by()
    ):
        means.setdefault(row["subject_id"], {})[row["indicator_id"]] = float(row["mean"])
        counts.setdefault(row["subject_id"], {})[row["indicator_id"]] = row["n"]
    results = [
        _result(s, means.get(s.pk, {}), counts.get(s.pk, {}), criteria, weights_ready)
        for s in subjects
    ]
    judgements = {(j.expert_id, j.parent_id): j for j in Judgement.objects.filter(project=project)}
    combined = {c.parent_id: c for c in CombinedJudgement.objects.filter(project=project)}
    events: list[ProjectEvent] = []
    if with_events:
        recent = ProjectEvent.objects.filter(project=project).select_related("actor")
        events = list(recent.order_by("-at", "-id")[:EVENTS_SHOWN])[::-1]
    return Summary(
        project=project,
        criteria=criteria,
        indicators=indicators,
        weights_ready=weights_ready,
        experts=experts,
        subjects=subjects,
        results=results,
        judgements=judgements,
        combined=combined,
        events=events,
    )


def _result(
    subject: Subject,
    means: dict[int, float],
    counts: dict[int, int],
    criteria: list[CriterionRow],
    weights_ready: bool,
) -> SubjectResult:
    indicators = [row.node for c in criteria for row in c.indicators]
    result = SubjectResult(
        subject=subject,
        means=means,
        counts=counts,
        missing=[i for i in indicators if i.pk not in means],
        indicator_scores=[means.get(i.pk) for i in indicators],
    )
    for i in indicators:
        if i.pk in means:
            code = ahp.band(means[i.pk])
            if code not in GOOD_BANDS:
                result.improve.append((i, means[i.pk], str(BAND_LABELS[code])))
    if not weights_ready or result.missing or not indicators:
        return result
    gw = [row.global_weight or 0.0 for c in criteria for row in c.indicators]
    result.overall = ahp.score(gw, [means[i.pk] for i in indicators])
    result.band = ahp.band(result.overall)
    result.band_label = str(BAND_LABELS[result.band])
    for c in criteria:
        # A criterion's score: its indicators' scores weighted by their local weights.
        result.criteria[c.node.pk] = ahp.score(
            [row.node.local_weight or 0.0 for row in c.indicators],
            [means[row.node.pk] for row in c.indicators],
        )
    result.criterion_scores = [result.criteria.get(c.node.pk) for c in criteria]
    return result
