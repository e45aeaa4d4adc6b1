"""Demo data for the AHP evaluation (S14): one project on the seed's medical-equipment tree,
two experts whose judgements on Saaty's scale are consistent (CR < 0.10), the weights computed
from their geometric mean, and three outlets scored by both experts and by a user. Made through
the real services; idempotent (a second run finds the project and writes nothing). The lead's
`aftersales demo` calls `demo_data()`."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from aftersales.accounts.models import Role, User
from aftersales.network.models import Outlet

from . import services
from .models import Node, Project, Subject

DEMO_TITLE = "2026 年度服务网点售后服务质量评价（示例）"

# The goal's weights printed by the seed, and the service support system's (B31 … B35); the
# other criteria's are illustrative. The experts' judgements are these ratios rounded to the
# 1–9 scale, the second expert leaning a little differently.
GOAL_WEIGHTS = (0.1115, 0.1813, 0.0546, 0.6527)
CRITERION_WEIGHTS = {
    "服务人员": (0.40, 0.30, 0.18, 0.12),
    "备件管理": (0.45, 0.35, 0.20),
    "服务支持体系": (0.2918, 0.1676, 0.2211, 0.1925, 0.1270),
    "服务效果": (0.40, 0.35, 0.25),
}
SECOND_EXPERT_LEAN = (1.15, 0.9, 1.0, 1.0, 1.05)


def _saaty(weights: Sequence[float]) -> list[list[float]]:
    """The ratios w_i / w_j as judgements on the 1–9 scale (9 at most, reciprocals below 1)."""
    n = len(weights)
    a = [[1.0] * n for _i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            r = weights[i] / weights[j]
            value = float(min(9, max(1, round(r)))) if r >= 1 else 1 / min(9, max(1, round(1 / r)))
            a[i][j], a[j][i] = value, 1 / value
    return a


def _leaning(weights: Sequence[float]) -> list[float]:
    return [w * SECOND_EXPERT_LEAN[k % len(SECOND_EXPERT_LEAN)] for k, w in enumerate(weights)]


# Indicator scores per outlet (in the tree's order): the first outlet is very satisfying with
# slow repairs, the second middling, the third weak in parts.
SCORES = (
    (95, 88, 86, 84, 80, 78, 82, 92, 85, 86, 80, 78, 66, 64, 68),
    (82, 80, 76, 74, 78, 72, 75, 80, 76, 78, 74, 72, 78, 80, 76),
    (88, 84, 80, 78, 55, 60, 58, 84, 70, 82, 72, 70, 84, 86, 80),
)
USER_OFFSET = (-2, 3, -4)


def demo_data() -> Project | None:
    """The demo project, or None when it exists already or there is nobody to make it."""
    if Project.objects.filter(title=DEMO_TITLE).exists():
        return None
    actor = (
        User.objects.filter(
            role__in=[Role.QUALITY_ENGINEER, Role.SERVICE_DIRECTOR, Role.ADMIN], is_active=True
        )
        .order_by("role", "id")
        .first()
    )
    if actor is None:
        return None
    with transaction.atomic():
        return _build(actor)


def _build(actor: User) -> Project:
    project = services.project_create(title=DEMO_TITLE, actor=actor)
    experts = [
        services.expert_add(project=project, name=name, actor=actor)
        for name in ("王建国（设备科）", "李敏（质量部）")
    ]
    criteria = services.children_of(project, None)
    for k, expert in enumerate(experts):
        lean = _leaning if k else list
        services.judgement_save(
            expert=expert, parent=None, matrix=_saaty(lean(GOAL_WEIGHTS)), actor=actor
        )
        for criterion in criteria:
            weights = CRITERION_WEIGHTS[criterion.name]
            services.judgement_save(
                expert=expert, parent=criterion, matrix=_saaty(lean(weights)), actor=actor
            )
    services.weights_compute(project=project, actor=actor)
    outlets = list(Outlet.objects.filter(is_active=True).order_by("code")[:3])
    subjects = []
    for k in range(3):
        outlet = outlets[k] if k < len(outlets) else None
        subjects.append(
            services.subject_add(
                project=project,
                name=outlet.name if outlet else f"示例服务网点 {k + 1}",
                kind=Subject.Kind.OUTLET,
                outlet=outlet,
                actor=actor,
            )
        )
    indicators = list(
        Node.objects.filter(project=project, parent__isnull=False).order_by(
            "parent__order", "order", "id"
        )
    )
    for e, expert in enumerate(experts):
        services.scores_save(
            project=project,
            expert=expert,
            values={
                (s.pk, i.pk): min(100, SCORES[k][n] + (1 if e else -1))
                for k, s in enumerate(subjects)
                for n, i in enumerate(indicators)
            },
            actor=actor,
        )
    services.scores_save(
        project=project,
        rater_name="某医院设备科",
        values={
            (s.pk, i.pk): min(100, max(0, SCORES[k][n] + USER_OFFSET[k]))
            for k, s in enumerate(subjects)
            for n, i in enumerate(indicators)
        },
        actor=actor,
    )
    return project
