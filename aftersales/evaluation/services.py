"""Every write to an evaluation project (S14). Each service locks the project row first, so two
people editing one project never interleave; a finished project is frozen (a correction is a
copy), and a refusal raises before anything is written, inside one transaction.

The maths is `ahp`'s: the services only read the tree from the database, hand the numbers to
the pure functions and store what comes back."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.network.models import Outlet

from . import ahp, selectors
from .defaults import DEFAULT_GOAL, DEFAULT_TREE
from .messages import error_message
from .models import (
    CombinedJudgement,
    Expert,
    Judgement,
    Node,
    Project,
    ProjectEvent,
    Score,
    Subject,
)

# Saaty's scale runs from 1/9 to 9; a little slack lets "0.111" stand for 1/9.
SCALE_MIN = 1 / 9 - 1e-3
SCALE_MAX = 9.0


# --- helpers ------------------------------------------------------------------------------------


def _check_writer(actor: Any) -> None:
    if not selectors.may_edit(actor):
        raise PermissionDenied(
            _("只有售后服务部主管、质量工程师、监督员和系统管理员可以修改评价项目")
        )


def _lock(project: Project, actor: Any) -> Project:
    """The project row, locked, and still a draft."""
    _check_writer(actor)
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.is_frozen:
        raise InvalidTransition(_("项目已完成，内容已冻结；如需更正，请复制为新项目后修改"))
    return locked


Part = tuple[str, dict[str, Any]]


def _event(project: Project, action: str, actor: Any, *parts: Part) -> None:
    """Record a change; `parts` are (gettext_noop message, values) pairs, translated when read."""
    detail = "".join(_(message) % values for message, values in parts)
    ProjectEvent.objects.create(
        project=project,
        action=action,
        detail=detail,
        parts=[[message, values] for message, values in parts],
        actor=actor,
    )


def _name(value: Any, label: str, field: str = "name") -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(_("请填写%(label)s") % {"label": label}, field=field)
    if len(text) > 100:
        raise ValidationFailed(_("%(label)s最多 100 个字") % {"label": label}, field=field)
    return text


def children_of(project: Project, parent: Node | None) -> list[Node]:
    return list(Node.objects.filter(project=project, parent=parent).order_by("order", "id"))


def parent_label(project: Project, parent: Node | None) -> str:
    return parent.name if parent is not None else (project.goal or project.title)


def _fmt(value: float) -> str:
    return f"{value:.4f}"


def _save_weights(nodes: Sequence[Node], weights: Sequence[float], source: str) -> None:
    for node, weight in zip(nodes, weights, strict=True):
        node.local_weight = float(weight)
        node.weight_source = source
    Node.objects.bulk_update(list(nodes), ["local_weight", "weight_source"])


def _sibling_weights(siblings: Sequence[Node], parent_name: str) -> list[float]:
    weights = [s.local_weight for s in siblings]
    if any(w is None for w in weights):
        raise ValidationFailed(
            _("“%(parent)s”下的要素还没有权重，请先计算权重") % {"parent": parent_name}
        )
    return [float(w) for w in weights if w is not None]


def _ahp(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except ahp.AhpError as exc:
        raise ValidationFailed(error_message(exc)) from exc


# --- projects -----------------------------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    title: str,
    actor: Any,
    goal: str = "",
    tree: Sequence[tuple[str, Sequence[str]]] = DEFAULT_TREE,
) -> Project:
    """A draft project seeded with a tree (by default the seed's medical-equipment case)."""
    _check_writer(actor)
    title = _name(title, _("项目名称"), "title")
    goal = str(goal or "").strip() or DEFAULT_GOAL
    if len(goal) > 200:
        raise ValidationFailed(_("评价目标最多 200 个字"), field="goal")
    project = Project.objects.create(title=title, goal=goal, created_by=actor)
    criteria = Node.objects.bulk_create(
        Node(project=project, name=name, order=k) for k, (name, _children) in enumerate(tree)
    )
    Node.objects.bulk_create(
        Node(project=project, parent=criterion, name=name, order=k)
        for criterion, (_name_, children) in zip(criteria, tree, strict=True)
        for k, name in enumerate(children)
    )
    _event(project, "create", actor, (gettext_noop("创建项目"), {}))
    return project


@transaction.atomic
def project_copy(*, project: Project, actor: Any) -> Project:
    """A new draft with everything of `project` (tree, weights, experts, judgements, subjects,
    scores): how a finished project is corrected."""
    _check_writer(actor)
    source = Project.objects.select_for_update().get(pk=project.pk)
    copy = Project.objects.create(
        title=source.title,
        goal=source.goal,
        replaces=source,
        created_by=actor,
        weights_at=source.weights_at,
    )
    nodes = list(Node.objects.filter(project=source).order_by("parent_id", "order", "id"))
    node_map: dict[int, Node] = {}
    # Criteria first (parent_id NULL sorts first on both databases only by chance), then
    # indicators, so that each indicator's parent already has its new id.
    for level in (
        [n for n in nodes if n.parent_id is None],
        [n for n in nodes if n.parent_id is not None],
    ):
        made = Node.objects.bulk_create(
            Node(
                project=copy,
                parent=node_map[n.parent_id] if n.parent_id else None,
                name=n.name,
                order=n.order,
                local_weight=n.local_weight,
                weight_source=n.weight_source,
            )
            for n in level
        )
        node_map.update({old.pk: new for old, new in zip(level, made, strict=True)})
    experts = list(Expert.objects.filter(project=source))
    made_experts = Expert.objects.bulk_create(
        Expert(project=copy, name=e.name, user_id=e.user_id, order=e.order) for e in experts
    )
    expert_map = {old.pk: new for old, new in zip(experts, made_experts, strict=True)}

    def remap(ids: Sequence[int]) -> list[int]:
        return [node_map[i].pk if i in node_map else i for i in ids]

    def judgement_fields(j: Any) -> dict[str, Any]:
        return {
            "project": copy,
            "parent": node_map[j.parent_id] if j.parent_id else None,
            "node_ids": remap(j.node_ids),
            "matrix": j.matrix,
            "lambda_max": j.lambda_max,
            "ci": j.ci,
            "cr": j.cr,
            "consistent": j.consistent,
            "most_inconsistent": j.most_inconsistent,
        }

    Judgement.objects.bulk_create(
        Judgement(expert=expert_map[j.expert_id], saved_by=j.saved_by, **judgement_fields(j))
        for j in Judgement.objects.filter(project=source)
    )
    CombinedJudgement.objects.bulk_create(
        CombinedJudgement(
            experts=[expert_map[e].pk for e in c.experts if e in expert_map],
            **judgement_fields(c),
        )
        for c in CombinedJudgement.objects.filter(project=source)
    )
    subjects = list(Subject.objects.filter(project=source))
    made_subjects = Subject.objects.bulk_create(
        Subject(project=copy, name=s.name, kind=s.kind, outlet_id=s.outlet_id, order=s.order)
        for s in subjects
    )
    subject_map = {old.pk: new for old, new in zip(subjects, made_subjects, strict=True)}
    scores = list(Score.objects.filter(project=source))
    new_scores = []
    for s in scores:
        expert = expert_map.get(s.expert_id) if s.expert_id else None
        new_scores.append(
            Score(
                project=copy,
                subject=subject_map[s.subject_id],
                indicator=node_map[s.indicator_id],
                source=s.source,
                expert=expert,
                rater_name=s.rater_name,
                rater_key=f"expert:{expert.pk}" if expert else s.rater_key,
                value=s.value,
                entered_by=s.entered_by,
            )
        )
    Score.objects.bulk_create(new_scores)
    _event(copy, "copy", actor, (gettext_noop("由项目 #%(id)s 复制"), {"id": source.pk}))
    return copy


@transaction.atomic
def project_finish(*, project: Project, actor: Any) -> Project:
    locked = _lock(project, actor)
    if locked.weights_at is None:
        raise ValidationFailed(_("请先根据专家判断计算权重，再完成项目"))
    locked.status = Project.Status.FINISHED
    locked.finished_at = timezone.now()
    locked.finished_by = actor
    locked.save(update_fields=["status", "finished_at", "finished_by"])
    _event(locked, "finish", actor, (gettext_noop("完成项目，内容冻结"), {}))
    return locked


# --- the tree -----------------------------------------------------------------------------------


def _node_of(project: Project, node: Node | int | None) -> Node | None:
    if node is None:
        return None
    pk = node.pk if isinstance(node, Node) else node
    found = Node.objects.filter(project=project, pk=pk).first()
    if found is None:
        raise ValidationFailed(_("该要素不属于此项目"), field="parent")
    return found


@transaction.atomic
def node_add(
    *,
    project: Project,
    name: str,
    actor: Any,
    parent: Node | int | None = None,
    ratio_to: Node | int | None = None,
    k: Any = None,
) -> Node:
    """A criterion (no parent) or an indicator under a criterion. Once the weights exist the new
    element's weight comes from its ratio K to an existing sibling (w = K·w_i, all divided by
    1 + K·w_i): the experts are not asked again."""
    locked = _lock(project, actor)
    name = _name(name, _("要素名称"))
    parent_node = _node_of(locked, parent)
    if parent_node is not None and parent_node.parent_id is not None:
        raise ValidationFailed(
            _("指标下不能再添加要素：层次为目标、准则、指标三层"), field="parent"
        )
    siblings = children_of(locked, parent_node)
    if any(s.name == name for s in siblings):
        raise ValidationFailed(_("同一层级已有名为“%(name)s”的要素") % {"name": name}, field="name")
    order = max((s.order for s in siblings), default=-1) + 1
    node = Node(project=locked, parent=parent_node, name=name, order=order)
    label = parent_label(locked, parent_node)
    if locked.weights_at is None or not siblings:
        if locked.weights_at is not None:
            node.local_weight, node.weight_source = 1.0, Node.Source.SINGLE
        node.save()
        _event(
            locked,
            "node_add",
            actor,
            (gettext_noop("在“%(p)s”下添加“%(n)s”"), {"p": label, "n": name}),
        )
        return node
    reference = _node_of(locked, ratio_to) if ratio_to is not None else None
    if reference is None or reference.parent_id != (parent_node.pk if parent_node else None):
        raise ValidationFailed(
            _("权重已计算：请选择一个同层级要素，并给出新要素与它的重要性之比 K"),
            field="ratio_to",
        )
    ratio = _ratio(k)
    weights = _sibling_weights(siblings, label)
    index = next(i for i, s in enumerate(siblings) if s.pk == reference.pk)
    new = _ahp(ahp.add, weights, ratio_to=index, k=ratio)
    node.save()
    _save_weights([*siblings, node], new, Node.Source.ADJUSTMENT)
    _event(
        locked,
        "node_add",
        actor,
        (
            gettext_noop(
                "在“%(p)s”下添加“%(n)s”，K = %(k)s（相对“%(r)s”），新权重 %(w)s，其余按比例调整"
            ),
            {"p": label, "n": name, "k": f"{ratio:g}", "r": reference.name, "w": _fmt(new[-1])},
        ),
    )
    return node


def _ratio(k: Any) -> float:
    try:
        value = parse_judgement(k)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value <= 0:
        raise ValidationFailed(_("比值 K 必须是正数，例如 2 或 1/2"), field="k")
    return value


@transaction.atomic
def node_rename(*, node: Node, name: str, actor: Any) -> Node:
    locked = _lock(node.project, actor)
    node = Node.objects.get(pk=node.pk, project=locked)
    name = _name(name, _("要素名称"))
    if Node.objects.filter(project=locked, parent=node.parent_id, name=name).exclude(pk=node.pk):
        raise ValidationFailed(_("同一层级已有名为“%(name)s”的要素") % {"name": name}, field="name")
    old, node.name = node.name, name
    node.save(update_fields=["name"])
    _event(
        locked,
        "node_rename",
        actor,
        (gettext_noop("“%(old)s”改名为“%(new)s”"), {"old": old, "new": name}),
    )
    return node


@transaction.atomic
def node_move(*, node: Node, direction: str, actor: Any) -> Node:
    """Swap with the previous (up) or next (down) sibling."""
    locked = _lock(node.project, actor)
    node = Node.objects.get(pk=node.pk, project=locked)
    siblings = children_of(locked, node.parent)
    index = next(i for i, s in enumerate(siblings) if s.pk == node.pk)
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else -1
    if not 0 <= other < len(siblings):
        raise ValidationFailed(_("已经是第一个或最后一个，无法移动"), field="direction")
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for k, s in enumerate(siblings):
        s.order = k
    Node.objects.bulk_update(siblings, ["order"])
    return siblings[other]


@transaction.atomic
def node_remove(*, node: Node, actor: Any) -> None:
    """Remove an element and everything under it. Once the weights exist the remaining
    siblings are re-weighted by w'_j = w_j / (1 − w_i): their ratios stay as the experts said."""
    locked = _lock(node.project, actor)
    node = Node.objects.get(pk=node.pk, project=locked)
    siblings = children_of(locked, node.parent)
    label = parent_label(locked, node.parent)
    if len(siblings) < 2:
        if node.parent_id is None:
            raise ValidationFailed(_("评价目标下至少要保留一个准则"))
        raise ValidationFailed(
            _("“%(p)s”下只剩这一个指标；如不再评价该准则，请删除准则本身") % {"p": label}
        )
    rest = [s for s in siblings if s.pk != node.pk]
    parts: list[Part] = [(gettext_noop("删除“%(n)s”及其下级要素"), {"n": node.name})]
    if locked.weights_at is not None:
        weights = _sibling_weights(siblings, label)
        index = next(i for i, s in enumerate(siblings) if s.pk == node.pk)
        new = _ahp(ahp.remove, weights, index)
        _save_weights(rest, new, Node.Source.ADJUSTMENT)
        parts.append(
            (
                gettext_noop("；其余要素权重按 w′ = w ÷ (1 − %(w)s) 调整"),
                {"w": _fmt(weights[index])},
            )
        )
    node.delete()  # cascades to its indicators, their scores and the matrices under it
    _event(locked, "node_remove", actor, *parts)


@transaction.atomic
def node_set_weight(*, node: Node, weight: Any, actor: Any) -> Node:
    """Give one element a new weight; its siblings become w_j · (1 − w′) / (1 − w_i)."""
    locked = _lock(node.project, actor)
    node = Node.objects.get(pk=node.pk, project=locked)
    if locked.weights_at is None:
        raise ValidationFailed(_("请先根据专家判断计算权重，再调整单个要素的权重"))
    try:
        target = float(str(weight).strip())
    except (TypeError, ValueError):
        target = math.nan
    if not math.isfinite(target) or not 0 < target < 1:
        raise ValidationFailed(_("新权重必须是 0 到 1 之间（不含 0 和 1）的数"), field="weight")
    siblings = children_of(locked, node.parent)
    label = parent_label(locked, node.parent)
    if len(siblings) < 2:
        raise ValidationFailed(_("只有一个要素时不能删除或调整其权重"), field="weight")
    weights = _sibling_weights(siblings, label)
    index = next(i for i, s in enumerate(siblings) if s.pk == node.pk)
    new = _ahp(ahp.set_weight, weights, index, target)
    _save_weights(siblings, new, Node.Source.ADJUSTMENT)
    _event(
        locked,
        "node_weight",
        actor,
        (
            gettext_noop("“%(n)s”的权重由 %(old)s 调整为 %(new)s，同层其余要素按比例调整"),
            {"n": node.name, "old": _fmt(weights[index]), "new": _fmt(target)},
        ),
    )
    node.refresh_from_db()
    return node


# --- experts and judgements ---------------------------------------------------------------------


@transaction.atomic
def expert_add(*, project: Project, name: str, actor: Any, user: Any = None) -> Expert:
    locked = _lock(project, actor)
    name = _name(name, _("专家姓名"))
    if Expert.objects.filter(project=locked, name=name).exists():
        raise ValidationFailed(_("已有名为“%(name)s”的专家") % {"name": name}, field="name")
    order = Expert.objects.filter(project=locked).count()
    expert = Expert.objects.create(project=locked, name=name, user=user, order=order)
    _event(locked, "expert_add", actor, (gettext_noop("添加专家“%(n)s”"), {"n": name}))
    return expert


@transaction.atomic
def expert_remove(*, expert: Expert, actor: Any) -> None:
    locked = _lock(expert.project, actor)
    expert = Expert.objects.get(pk=expert.pk, project=locked)
    expert.delete()  # with the expert's judgements and scores
    _event(
        locked,
        "expert_remove",
        actor,
        (gettext_noop("删除专家“%(n)s”及其判断和评分"), {"n": expert.name}),
    )


def parse_judgement(value: Any) -> float | None:
    """A judgement as typed: "3", "1/3", "0.333", "１／３"; blank is None; ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("／", "/").replace("．", ".")
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not text:
        return None
    try:
        if "/" in text:
            return float(Fraction(text))
        return float(text)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(value) from exc


def check_matrix(matrix: Any, names: Sequence[str]) -> np.ndarray:
    """The matrix as an array, or ValidationFailed naming the two elements of the bad cell."""
    n = len(names)
    try:
        a = ahp.validate(matrix)
    except ahp.MatrixError as exc:
        p = exc.params
        if "row" in p and "col" in p and p["row"] < n and p["col"] < n:
            pair = {"a": names[p["row"]], "b": names[p["col"]]}
            if exc.code == "not_reciprocal":
                message = _("“%(a)s”比“%(b)s”与“%(b)s”比“%(a)s”的判断不互为倒数") % pair
            else:
                message = _("“%(a)s”比“%(b)s”的判断必须是 1/9 到 9 之间的正数") % pair
            raise ValidationFailed(message, field="matrix", details={"cell": [p["row"], p["col"]]})
        raise ValidationFailed(error_message(exc), field="matrix") from exc
    if a.shape[0] != n:
        raise ValidationFailed(
            _("判断矩阵应为 %(n)s 阶（%(names)s），收到 %(m)s 阶")
            % {"n": n, "names": "、".join(names), "m": a.shape[0]},
            field="matrix",
        )
    for i in range(n):
        for j in range(n):
            if not SCALE_MIN <= a[i, j] <= SCALE_MAX + 1e-9:
                raise ValidationFailed(
                    _("“%(a)s”比“%(b)s”的判断 %(v)s 超出 1–9 标度（1/9 到 9）")
                    % {"a": names[i], "b": names[j], "v": f"{a[i, j]:g}"},
                    field="matrix",
                    details={"cell": [i, j]},
                )
    return a


@transaction.atomic
def judgement_save(
    *, expert: Expert, parent: Node | int | None, matrix: Any, actor: Any
) -> Judgement:
    """Store one expert's matrix over the children of `parent` (in their current order). A
    matrix that is not positive and reciprocal is refused with the cell named; an inconsistent
    one (CR ≥ 0.10) is stored, marked, and kept out of the weights until it is revised."""
    locked = _lock(expert.project, actor)
    expert = Expert.objects.get(pk=expert.pk, project=locked)
    parent_node = _node_of(locked, parent)
    children = children_of(locked, parent_node)
    if len(children) < 2:
        raise ValidationFailed(
            _("“%(p)s”下不足两个要素，无需两两比较") % {"p": parent_label(locked, parent_node)}
        )
    a = check_matrix(matrix, [c.name for c in children])
    result = ahp.analyse(a, limit=3)
    judgement, _created = Judgement.objects.update_or_create(
        expert=expert,
        parent=parent_node,
        defaults={
            "project": locked,
            "node_ids": [c.pk for c in children],
            "matrix": a.tolist(),
            "lambda_max": result.lambda_max,
            "ci": result.ci,
            "cr": result.cr,
            "consistent": result.consistent,
            "most_inconsistent": [list(p) for p in result.most_inconsistent],
            "saved_by": actor,
        },
    )
    return judgement


def _aligned(matrix: Sequence[Sequence[float]], node_ids: Sequence[int], order: Sequence[int]):
    """A stored matrix permuted to the current order of the same nodes."""
    index = [list(node_ids).index(pk) for pk in order]
    return np.array(matrix, dtype=float)[np.ix_(index, index)]


@transaction.atomic
def weights_compute(*, project: Project, actor: Any) -> Project:
    """For the goal and each criterion: the experts' matrices over the current children,
    combined by the element-wise geometric mean, give the local weights. A parent whose
    elements changed through the adjustment rules (no matrix over its current children) keeps
    its adjusted weights. Any inconsistent matrix stops the whole computation, naming it."""
    locked = _lock(project, actor)
    nodes = list(Node.objects.filter(project=locked).order_by("order", "id"))
    experts = {e.pk: e for e in Expert.objects.filter(project=locked)}
    judgements = list(Judgement.objects.filter(project=locked))
    parents: list[Node | None] = [None, *[n for n in nodes if n.parent_id is None]]
    updates: list[tuple[Node | None, list[Node], list[float], str, Any]] = []
    for parent in parents:
        parent_id = parent.pk if parent else None
        label = parent_label(locked, parent)
        children = [n for n in nodes if n.parent_id == parent_id]
        if not children:
            raise ValidationFailed(
                _("准则“%(p)s”下还没有指标，请添加指标或删除该准则") % {"p": label}
            )
        if len(children) == 1:
            updates.append((parent, children, [1.0], Node.Source.SINGLE, None))
            continue
        ids = [c.pk for c in children]
        mine = [
            j for j in judgements if j.parent_id == parent_id and sorted(j.node_ids) == sorted(ids)
        ]
        if not mine:
            if locked.weights_at is not None and all(c.local_weight is not None for c in children):
                continue  # adjusted after the experts judged: the adjustment rules hold
            raise ValidationFailed(
                _("“%(p)s”下的要素还没有专家判断矩阵，请至少由一位专家完成两两比较") % {"p": label}
            )
        names = [c.name for c in children]
        for j in mine:
            if not j.consistent:
                aligned = _aligned(j.matrix, j.node_ids, ids)
                pairs = ahp.most_inconsistent(aligned, limit=3)
                raise ValidationFailed(
                    _(
                        "专家“%(e)s”对“%(p)s”的判断矩阵 CR = %(cr)s ≥ 0.10，不能用于计算权重；"
                        "请重新考虑：%(pairs)s"
                    )
                    % {
                        "e": experts[j.expert_id].name,
                        "p": label,
                        "cr": f"{j.cr:.4f}",
                        "pairs": pair_text(names, pairs),
                    }
                )
        matrices = [_aligned(j.matrix, j.node_ids, ids) for j in mine]
        combined = _ahp(ahp.geometric_mean, matrices)
        result = ahp.analyse(combined, limit=3)
        if not result.consistent:
            raise ValidationFailed(
                _("“%(p)s”的综合判断矩阵 CR = %(cr)s ≥ 0.10；请专家重新考虑：%(pairs)s")
                % {
                    "p": label,
                    "cr": f"{result.cr:.4f}",
                    "pairs": pair_text(names, result.most_inconsistent),
                }
            )
        stored = {
            "project": locked,
            "node_ids": ids,
            "matrix": combined,
            "lambda_max": result.lambda_max,
            "ci": result.ci,
            "cr": result.cr,
            "consistent": result.consistent,
            "most_inconsistent": [list(p) for p in result.most_inconsistent],
            "experts": [j.expert_id for j in mine],
        }
        updates.append((parent, children, result.weights, Node.Source.JUDGEMENTS, stored))
    for parent, children, weights, source, stored in updates:
        _save_weights(children, weights, source)
        if stored is not None:
            CombinedJudgement.objects.update_or_create(
                project=locked, parent=parent, defaults=stored
            )
    locked.weights_at = timezone.now()
    locked.save(update_fields=["weights_at"])
    _event(locked, "weights", actor, (gettext_noop("根据专家判断矩阵（几何平均合成）计算权重"), {}))
    return locked


def pair_text(names: Sequence[str], pairs: Sequence[Sequence[int]]) -> str:
    return "；".join(
        _("“%(a)s”比“%(b)s”") % {"a": names[i], "b": names[j]}
        for i, j in pairs
        if i < len(names) and j < len(names)
    )


# --- subjects and scores ------------------------------------------------------------------------


@transaction.atomic
def subject_add(
    *,
    project: Project,
    name: str,
    actor: Any,
    kind: str = Subject.Kind.VENDOR,
    outlet: Outlet | None = None,
) -> Subject:
    locked = _lock(project, actor)
    if outlet is not None and not name:
        name = outlet.name
    name = _name(name, _("评价对象名称"))
    if kind not in Subject.Kind.values:
        raise ValidationFailed(_("评价对象类型无效"), field="kind")
    if Subject.objects.filter(project=locked, name=name).exists():
        raise ValidationFailed(_("已有名为“%(name)s”的评价对象") % {"name": name}, field="name")
    order = Subject.objects.filter(project=locked).count()
    subject = Subject.objects.create(
        project=locked, name=name, kind=kind, outlet=outlet, order=order
    )
    _event(locked, "subject_add", actor, (gettext_noop("添加评价对象“%(n)s”"), {"n": name}))
    return subject


@transaction.atomic
def subject_remove(*, subject: Subject, actor: Any) -> None:
    locked = _lock(subject.project, actor)
    subject = Subject.objects.get(pk=subject.pk, project=locked)
    subject.delete()
    _event(
        locked,
        "subject_remove",
        actor,
        (gettext_noop("删除评价对象“%(n)s”及其评分"), {"n": subject.name}),
    )


def parse_score(value: Any) -> Decimal | None:
    """A score as typed: blank is None; ValueError unless a number 0–100 (2 decimals)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    if not number.is_finite() or not 0 <= number <= 100:
        raise ValueError(value)
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def scores_save(
    *,
    project: Project,
    values: Mapping[tuple[int, int], Any],
    actor: Any,
    expert: Expert | None = None,
    rater_name: str = "",
) -> int:
    """One rater's scores: `values` maps (subject id, indicator id) to a score 0–100 or blank
    (no score from this rater). The rater is one of the project's experts, or a user named
    by `rater_name` (e.g. the hospital's equipment department). Returns the scores stored."""
    locked = _lock(project, actor)
    if expert is not None:
        expert = Expert.objects.filter(project=locked, pk=expert.pk).first()
        if expert is None:
            raise ValidationFailed(_("该专家不属于此项目"), field="expert")
        source, name, key = Score.Source.EXPERT, expert.name, f"expert:{expert.pk}"
    else:
        name = str(rater_name or "").strip()
        if not name:
            raise ValidationFailed(_("请选择评分专家，或填写评分用户的名称"), field="rater_name")
        if len(name) > 60:
            raise ValidationFailed(_("评分用户名称最多 60 个字"), field="rater_name")
        source, key = Score.Source.USER, f"user:{name}"
    subjects = {s.pk: s for s in Subject.objects.filter(project=locked)}
    indicators = {n.pk: n for n in Node.objects.filter(project=locked, parent__isnull=False)}
    rows = []
    for (subject_id, indicator_id), raw in values.items():
        subject, indicator = subjects.get(subject_id), indicators.get(indicator_id)
        if subject is None or indicator is None:
            raise ValidationFailed(_("评分的对象或指标不属于此项目"), field="scores")
        try:
            value = parse_score(raw)
        except ValueError:
            raise ValidationFailed(
                _("“%(s)s”的“%(i)s”得分必须是 0 到 100 之间的数")
                % {"s": subject.name, "i": indicator.name},
                field="scores",
                details={"cell": [subject_id, indicator_id]},
            ) from None
        if value is not None:
            rows.append(
                Score(
                    project=locked,
                    subject=subject,
                    indicator=indicator,
                    source=source,
                    expert=expert,
                    rater_name=name,
                    rater_key=key,
                    value=value,
                    entered_by=actor,
                )
            )
    keys = set(values)
    if keys:
        existing = Score.objects.filter(
            project=locked,
            rater_key=key,
            subject_id__in={s for s, _i in keys},
            indicator_id__in={i for _s, i in keys},
        ).values_list("pk", "subject_id", "indicator_id")
        stale = [pk for pk, s, i in existing if (s, i) in keys]
        Score.objects.filter(pk__in=stale).delete()
    Score.objects.bulk_create(rows)
    return len(rows)
