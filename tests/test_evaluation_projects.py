"""AHP evaluation projects (S14, issue 6): the experts' judgements combined by the geometric
mean, the weights, the tree changed through the seed's adjustment rules, scores and bands, the
frozen finished project, the pages for the right roles (404 for the others), the exports and
the REST API."""

from __future__ import annotations

import io
import subprocess

import numpy as np
import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from aftersales.accounts.models import Role
from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.evaluation import ahp, services
from aftersales.evaluation.defaults import DEFAULT_TREE
from aftersales.evaluation.demo import DEMO_TITLE, demo_data
from aftersales.evaluation.models import (
    CombinedJudgement,
    Judgement,
    Node,
    Project,
    ProjectEvent,
    Score,
)

from . import factories as f
from .conftest import api_client_for, client_for, user_per_role

weight = st.floats(min_value=1.0, max_value=9.0, allow_nan=False, allow_infinity=False)


def vectors(min_size: int = 2, max_size: int = 9):
    return st.lists(weight, min_size=min_size, max_size=max_size).map(
        lambda w: (np.array(w) / sum(w)).tolist()
    )


def consistent(w):
    return [[wi / wj for wj in w] for wi in w]


def reciprocal_matrices(n: int):
    """Random positive reciprocal n×n matrices on Saaty's scale (not necessarily consistent)."""
    scale = st.sampled_from([1, 2, 3, 4, 5, 6, 7, 8, 9, 1 / 2, 1 / 3, 1 / 5, 1 / 7, 1 / 9])
    return st.lists(scale, min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2).map(
        lambda upper: _fill(n, upper)
    )


def _fill(n, upper):
    a = [[1.0] * n for _ in range(n)]
    values = iter(upper)
    for i in range(n):
        for j in range(i + 1, n):
            v = float(next(values))
            a[i][j], a[j][i] = v, 1 / v
    return a


# --- the geometric mean (pure) ------------------------------------------------------------------


@settings(max_examples=150)
@given(
    st.integers(min_value=1, max_value=8).flatmap(
        lambda n: st.lists(reciprocal_matrices(n), min_size=1, max_size=6)
    )
)
def test_the_geometric_mean_of_reciprocal_matrices_is_reciprocal(matrices):
    combined = np.array(ahp.geometric_mean(matrices))
    assert np.allclose(combined * combined.T, 1.0, rtol=1e-12)
    assert np.allclose(np.diag(combined), 1.0)
    ahp.validate(combined)  # a judgement matrix like any other
    # Cell by cell it lies between the experts' smallest and largest judgement.
    stack = np.array(matrices)
    assert np.all(combined >= stack.min(axis=0) * (1 - 1e-12))
    assert np.all(combined <= stack.max(axis=0) * (1 + 1e-12))


@given(st.integers(min_value=1, max_value=9).flatmap(reciprocal_matrices))
def test_the_geometric_mean_of_one_matrix_is_that_matrix(matrix):
    assert np.allclose(ahp.geometric_mean([matrix]), matrix, rtol=1e-12)


@given(vectors(), st.integers(min_value=1, max_value=5))
def test_experts_agreeing_on_consistent_matrices_give_back_those_weights(w, m):
    combined = ahp.geometric_mean([consistent(w)] * m)
    result = ahp.analyse(combined)
    assert np.allclose(result.weights, w, atol=1e-9)
    assert result.cr == pytest.approx(0, abs=1e-9)


@given(st.lists(vectors(min_size=4, max_size=4), min_size=2, max_size=4))
def test_consistent_experts_combine_to_the_geometric_mean_of_their_weights(ws):
    combined = ahp.analyse(ahp.geometric_mean([consistent(w) for w in ws]))
    expected = np.prod(np.array(ws), axis=0) ** (1 / len(ws))
    assert np.allclose(combined.weights, expected / expected.sum(), atol=1e-9)
    assert combined.consistent


def test_the_geometric_mean_names_the_expert_with_a_bad_matrix():
    bad = [[1, 2], [2, 1]]
    with pytest.raises(ahp.MatrixError) as exc:
        ahp.geometric_mean([consistent([0.5, 0.5]), bad])
    assert exc.value.code == "not_reciprocal" and exc.value.params["expert"] == 1
    with pytest.raises(ahp.MatrixError) as exc:
        ahp.geometric_mean([consistent([0.5, 0.5]), consistent([0.2, 0.3, 0.5])])
    assert exc.value.code == "size_mismatch"
    with pytest.raises(ahp.MatrixError) as exc:
        ahp.geometric_mean([])
    assert exc.value.code == "no_matrices"


# --- fixtures -----------------------------------------------------------------------------------

GOAL = [  # A1 服务人员, A2 备件管理, A3 服务支持体系, A4 服务效果: consistent enough (CR ≈ 0.03)
    [1, 1 / 2, 2, 1 / 6],
    [2, 1, 3, 1 / 4],
    [1 / 2, 1 / 3, 1, 1 / 9],
    [6, 4, 9, 1],
]
# The same judgements but 服务人员 vs 服务支持体系 turned round (1/5 instead of 2): CR ≈ 0.21,
# and that judgement is the one named first.
CIRCULAR = [
    [1, 1 / 2, 1 / 5, 1 / 6],
    [2, 1, 3, 1 / 4],
    [5, 1 / 3, 1, 1 / 9],
    [6, 4, 9, 1],
]


def saaty(weights):
    n = len(weights)
    a = [[1.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            r = weights[i] / weights[j]
            v = float(min(9, max(1, round(r)))) if r >= 1 else 1 / min(9, max(1, round(1 / r)))
            a[i][j], a[j][i] = v, 1 / v
    return a


@pytest.fixture
def evaluator(world):
    return world["director"]


@pytest.fixture
def project(evaluator):
    return services.project_create(title="医疗设备厂商评价", actor=evaluator)


def criteria(project):
    return list(Node.objects.filter(project=project, parent=None).order_by("order"))


def indicators(project):
    return list(
        Node.objects.filter(project=project, parent__isnull=False).order_by(
            "parent__order", "order"
        )
    )


def judge_all(project, expert, actor, goal=GOAL):
    services.judgement_save(expert=expert, parent=None, matrix=goal, actor=actor)
    for c in criteria(project):
        n = Node.objects.filter(parent=c).count()
        services.judgement_save(
            expert=expert, parent=c, matrix=saaty(list(range(n, 0, -1))), actor=actor
        )


@pytest.fixture
def weighted(project, evaluator):
    expert = services.expert_add(project=project, name="王专家", actor=evaluator)
    judge_all(project, expert, evaluator)
    services.weights_compute(project=project, actor=evaluator)
    project.refresh_from_db()
    return project


def set_goal_weights(project, weights):
    """The seed's published weights, as if the experts had given them (its Table 1 is not
    printed, and its 0.6527 : 0.0546 ratio is beyond the 1–9 scale of a single judgement)."""
    for node, w in zip(criteria(project), weights, strict=True):
        node.local_weight, node.weight_source = w, Node.Source.JUDGEMENTS
        node.save()


# --- projects and the tree ----------------------------------------------------------------------


def test_a_new_project_has_the_seed_s_four_criteria_and_fifteen_indicators(project):
    assert [c.name for c in criteria(project)] == [
        "服务人员",
        "备件管理",
        "服务支持体系",
        "服务效果",
    ]
    assert len(indicators(project)) == 15
    assert [n.name for n in indicators(project)] == [i for _c, kids in DEFAULT_TREE for i in kids]
    assert project.status == Project.Status.DRAFT and project.weights_at is None
    assert "远程技术服务支持" in [n.name for n in indicators(project)]


def test_only_the_evaluating_roles_may_create_a_project(world):
    with pytest.raises(PermissionDenied):
        services.project_create(title="x", actor=world["tech"].user)
    assert not Project.objects.exists()
    for role in (Role.QUALITY_ENGINEER, Role.SUPERVISOR, Role.ADMIN, Role.SERVICE_DIRECTOR):
        services.project_create(title=f"p-{role}", actor=f.UserFactory(role=role))
    assert Project.objects.count() == 4


def test_nodes_are_added_renamed_moved_and_removed_before_any_weights(project, evaluator):
    c = criteria(project)[1]
    node = services.node_add(project=project, parent=c, name="备件库存充足", actor=evaluator)
    assert node.local_weight is None and node.parent == c
    services.node_rename(node=node, name="备件储备充足", actor=evaluator)
    services.node_move(node=node, direction="up", actor=evaluator)
    names = [n.name for n in Node.objects.filter(parent=c).order_by("order")]
    assert names == ["备件供应及时", "备件质量", "备件储备充足", "备件价格合理"]
    with pytest.raises(ValidationFailed, match="同一层级已有"):
        services.node_add(project=project, parent=c, name="备件质量", actor=evaluator)
    with pytest.raises(ValidationFailed, match="三层"):
        services.node_add(project=project, parent=node, name="x", actor=evaluator)
    services.node_remove(node=criteria(project)[0], actor=evaluator)
    assert len(criteria(project)) == 3 and len(indicators(project)) == 12


def test_the_last_indicator_of_a_criterion_cannot_be_removed(project, evaluator):
    c = criteria(project)[1]
    kids = list(Node.objects.filter(parent=c))
    for node in kids[:-1]:
        services.node_remove(node=node, actor=evaluator)
    with pytest.raises(ValidationFailed, match="删除准则本身"):
        services.node_remove(node=kids[-1], actor=evaluator)
    assert Node.objects.filter(pk=kids[-1].pk).exists()


# --- judgements and weights ---------------------------------------------------------------------


def test_a_matrix_that_is_not_reciprocal_is_refused_naming_the_cell(project, evaluator):
    expert = services.expert_add(project=project, name="王专家", actor=evaluator)
    bad = [row[:] for row in GOAL]
    bad[1][0] = 3  # 备件管理 vs 服务人员 should be 2
    with pytest.raises(ValidationFailed) as exc:
        services.judgement_save(expert=expert, parent=None, matrix=bad, actor=evaluator)
    assert "“服务人员”比“备件管理”" in str(exc.value.message) and "倒数" in str(exc.value.message)
    assert exc.value.details["cell"] == [0, 1]
    off_scale = [row[:] for row in GOAL]
    off_scale[0][1], off_scale[1][0] = 12, 1 / 12
    with pytest.raises(ValidationFailed, match="超出 1–9 标度"):
        services.judgement_save(expert=expert, parent=None, matrix=off_scale, actor=evaluator)
    with pytest.raises(ValidationFailed, match="4 阶"):
        services.judgement_save(
            expert=expert, parent=None, matrix=[[1, 2], [0.5, 1]], actor=evaluator
        )
    with pytest.raises(ValidationFailed, match="正数"):
        services.judgement_save(
            expert=expert, parent=None, matrix=[[1, 0, 1, 1]] * 4, actor=evaluator
        )
    assert not Judgement.objects.exists()


def test_an_inconsistent_matrix_is_saved_marked_and_blocks_the_weights(project, evaluator):
    expert = services.expert_add(project=project, name="王专家", actor=evaluator)
    judge_all(project, expert, evaluator, goal=CIRCULAR)
    saved = Judgement.objects.get(expert=expert, parent=None)
    assert not saved.consistent and saved.cr >= 0.10
    assert saved.most_inconsistent[0] == [0, 2]
    with pytest.raises(ValidationFailed) as exc:
        services.weights_compute(project=project, actor=evaluator)
    message = str(exc.value.message)
    assert "王专家" in message and "CR" in message and "“服务人员”比“服务支持体系”" in message
    assert all(n.local_weight is None for n in Node.objects.filter(project=project))
    project.refresh_from_db()
    assert project.weights_at is None


def test_weights_come_from_the_geometric_mean_of_the_experts(project, evaluator):
    one = services.expert_add(project=project, name="王专家", actor=evaluator)
    two = services.expert_add(project=project, name="李专家", actor=evaluator)
    other = [  # a second, also acceptable opinion
        [1, 1 / 2, 3, 1 / 5],
        [2, 1, 3, 1 / 3],
        [1 / 3, 1 / 3, 1, 1 / 8],
        [5, 3, 8, 1],
    ]
    judge_all(project, one, evaluator)
    judge_all(project, two, evaluator, goal=other)
    services.weights_compute(project=project, actor=evaluator)
    expected = ahp.weights(ahp.geometric_mean([GOAL, other]))
    assert [c.local_weight for c in criteria(project)] == pytest.approx(expected, abs=1e-12)
    assert all(c.weight_source == Node.Source.JUDGEMENTS for c in criteria(project))
    combined = CombinedJudgement.objects.get(project=project, parent=None)
    assert combined.experts == [one.pk, two.pk] and combined.consistent
    assert np.allclose(combined.matrix, ahp.geometric_mean([GOAL, other]))
    # Global weights: the product down the tree, summing to 1 over the 15 indicators.
    by_criterion = {c.pk: c.local_weight for c in criteria(project)}
    total = sum(by_criterion[i.parent_id] * i.local_weight for i in indicators(project))
    assert total == pytest.approx(1.0)


def test_a_missing_matrix_is_named(project, evaluator):
    expert = services.expert_add(project=project, name="王专家", actor=evaluator)
    services.judgement_save(expert=expert, parent=None, matrix=GOAL, actor=evaluator)
    with pytest.raises(ValidationFailed, match="“服务人员”下的要素还没有专家判断矩阵"):
        services.weights_compute(project=project, actor=evaluator)


# --- the adjustment rules through the tree ------------------------------------------------------


def test_removing_a_criterion_after_weighting_applies_the_seed_s_rule(weighted, evaluator):
    set_goal_weights(weighted, (0.1115, 0.1813, 0.0546, 0.6527))
    parts = criteria(weighted)[1]
    judged = Judgement.objects.count()
    services.node_remove(node=parts, actor=evaluator)
    rest = criteria(weighted)
    assert [c.name for c in rest] == ["服务人员", "服务支持体系", "服务效果"]
    # The seed's figures: A1' = 0.1362, A3' = 0.0667, A4' = 0.7972.
    assert [round(c.local_weight, 4) for c in rest] == [0.1362, 0.0667, 0.7972]
    assert all(c.weight_source == Node.Source.ADJUSTMENT for c in rest)
    assert len(indicators(weighted)) == 12  # its three indicators went with it
    assert Judgement.objects.count() == judged - 1  # its own matrix too
    event = ProjectEvent.objects.filter(project=weighted, action="node_remove").get()
    assert "0.1813" in event.detail and event.text == event.detail
    # The log is kept as its messages and values: each reader reads it in their language.
    with translation.override("en"):
        english = event.text
    assert "备件管理" in english and "0.1813" in english
    assert "删除" not in english and "其余要素" not in english
    # Recomputing keeps the adjusted goal weights: no matrix covers the three criteria.
    services.weights_compute(project=weighted, actor=evaluator)
    assert [round(c.local_weight, 4) for c in criteria(weighted)] == [0.1362, 0.0667, 0.7972]


def test_reweighting_remote_support_applies_the_seed_s_rule(weighted, evaluator):
    support = criteria(weighted)[2]
    kids = list(Node.objects.filter(parent=support).order_by("order"))
    for node, w in zip(kids, (0.2918, 0.1676, 0.2211, 0.1925, 0.1270), strict=True):
        node.local_weight = w
        node.save()
    remote = kids[2]
    assert remote.name == "远程技术服务支持"
    services.node_set_weight(node=remote, weight="0.32", actor=evaluator)
    got = [round(n.local_weight, 4) for n in Node.objects.filter(parent=support).order_by("order")]
    assert got == [0.2547, 0.1463, 0.32, 0.1681, 0.1109]  # the seed's B3j'
    for bad in ("1", "0", "abc", "-0.2"):
        with pytest.raises(ValidationFailed):
            services.node_set_weight(node=remote, weight=bad, actor=evaluator)


def test_adding_a_criterion_after_weighting_asks_for_its_ratio(weighted, evaluator):
    before = [c.local_weight for c in criteria(weighted)]
    with pytest.raises(ValidationFailed, match="K"):
        services.node_add(project=weighted, name="信息化水平", actor=evaluator)
    first = criteria(weighted)[0]
    with pytest.raises(ValidationFailed, match="正数"):
        services.node_add(project=weighted, name="信息化", ratio_to=first, k="-1", actor=evaluator)
    new = services.node_add(
        project=weighted, name="信息化水平", ratio_to=first, k="1/2", actor=evaluator
    )
    expected = ahp.add(before, ratio_to=0, k=0.5)
    assert [c.local_weight for c in criteria(weighted)] == pytest.approx(expected)
    assert new.weight_source == Node.Source.ADJUSTMENT
    # Its first indicator weighs 1 within it; the weights are complete again.
    child = services.node_add(project=weighted, parent=new, name="在线报修", actor=evaluator)
    assert child.local_weight == 1.0
    services.weights_compute(project=weighted, actor=evaluator)  # keeps the adjusted weights
    assert [c.local_weight for c in criteria(weighted)] == pytest.approx(expected)


# --- scores, results, finish --------------------------------------------------------------------


def score_all(project, actor, subject, value, *, expert=None, rater_name=""):
    values = {(subject.pk, i.pk): value for i in indicators(project)}
    return services.scores_save(
        project=project, values=values, expert=expert, rater_name=rater_name, actor=actor
    )


def test_the_indicator_score_is_the_mean_of_experts_and_users(weighted, evaluator):
    from aftersales.evaluation.selectors import project_summary

    expert = weighted.experts.get()
    vendor = services.subject_add(project=weighted, name="甲厂商", actor=evaluator)
    score_all(weighted, evaluator, vendor, 90, expert=expert)
    score_all(weighted, evaluator, vendor, "70", rater_name="某医院设备科")
    first = indicators(weighted)[0]
    services.scores_save(
        project=weighted,
        values={(vendor.pk, first.pk): "40"},
        rater_name="某医院设备科",
        actor=evaluator,
    )
    result = project_summary(weighted).results[0]
    assert result.means[first.pk] == pytest.approx(65.0)
    assert result.overall == pytest.approx(
        sum(
            (65.0 if i.pk == first.pk else 80.0) * i.local_weight * i.parent.local_weight
            for i in indicators(weighted)
        )
    )
    assert result.band == "very_satisfied"
    assert [node.name for node, _score, _band in result.improve] == ["服务态度"]
    assert Score.objects.filter(subject=vendor).count() == 30


def test_bad_scores_are_refused_and_nothing_changes(weighted, evaluator):
    vendor = services.subject_add(project=weighted, name="甲厂商", actor=evaluator)
    first, second = indicators(weighted)[:2]
    for bad in ("101", "-1", "abc", "NaN"):
        with pytest.raises(ValidationFailed, match="0 到 100"):
            services.scores_save(
                project=weighted,
                values={(vendor.pk, first.pk): "80", (vendor.pk, second.pk): bad},
                rater_name="用户",
                actor=evaluator,
            )
    with pytest.raises(ValidationFailed, match="评分用户"):
        services.scores_save(
            project=weighted, values={(vendor.pk, first.pk): "80"}, actor=evaluator
        )
    criterion = criteria(weighted)[0]
    with pytest.raises(ValidationFailed, match="不属于"):
        services.scores_save(
            project=weighted,
            values={(vendor.pk, criterion.pk): "80"},
            rater_name="用户",
            actor=evaluator,
        )
    assert not Score.objects.exists()


def test_a_finished_project_is_frozen_and_corrected_by_a_copy(weighted, evaluator):
    vendor = services.subject_add(project=weighted, name="甲厂商", actor=evaluator)
    score_all(weighted, evaluator, vendor, 80, expert=weighted.experts.get())
    services.project_finish(project=weighted, actor=evaluator)
    node = indicators(weighted)[0]
    refusals = [
        lambda: services.node_add(project=weighted, name="x", actor=evaluator),
        lambda: services.node_rename(node=node, name="x", actor=evaluator),
        lambda: services.node_remove(node=node, actor=evaluator),
        lambda: services.node_set_weight(node=node, weight="0.5", actor=evaluator),
        lambda: services.expert_add(project=weighted, name="x", actor=evaluator),
        lambda: services.subject_add(project=weighted, name="x", actor=evaluator),
        lambda: score_all(weighted, evaluator, vendor, 10, rater_name="x"),
        lambda: services.weights_compute(project=weighted, actor=evaluator),
        lambda: services.judgement_save(
            expert=weighted.experts.get(), parent=None, matrix=GOAL, actor=evaluator
        ),
        lambda: services.project_finish(project=weighted, actor=evaluator),
    ]
    for refuse in refusals:
        with pytest.raises(InvalidTransition, match="复制"):
            refuse()
    assert Score.objects.filter(project=weighted).count() == 15
    copy = services.project_copy(project=weighted, actor=evaluator)
    assert copy.status == Project.Status.DRAFT and copy.replaces == weighted
    assert [n.local_weight for n in indicators(copy)] == [
        n.local_weight for n in indicators(weighted)
    ]
    assert Judgement.objects.filter(project=copy).count() == 5
    assert Score.objects.filter(project=copy).count() == 15
    services.node_rename(node=indicators(copy)[0], name="服务热情", actor=evaluator)
    assert indicators(weighted)[0].name == "服务态度"


def test_finishing_needs_the_weights(project, evaluator):
    with pytest.raises(ValidationFailed, match="权重"):
        services.project_finish(project=project, actor=evaluator)


def test_the_demo_project_is_consistent_and_scores_three_outlets(world):
    from aftersales.evaluation.selectors import project_summary

    f.OutletFactory(code="BJ-XC", name="西城服务站")
    project = demo_data()
    assert project is not None and project.title == DEMO_TITLE
    assert Judgement.objects.filter(project=project).count() == 10
    assert all(j.consistent for j in Judgement.objects.filter(project=project))
    results = project_summary(project).results
    assert len(results) == 3 and all(r.overall is not None for r in results)
    assert {r.subject.outlet_id for r in results} <= {o.pk for o in f.Outlet.objects.all()}
    assert demo_data() is None  # idempotent


# --- pages --------------------------------------------------------------------------------------

ALLOWED = {Role.SERVICE_DIRECTOR, Role.QUALITY_ENGINEER, Role.SUPERVISOR, Role.ADMIN}


def test_the_pages_show_for_the_evaluating_roles_and_404_for_everyone_else(weighted, world):
    expert = weighted.experts.get()
    urls = [
        reverse("evaluation:project_list"),
        reverse("evaluation:detail", args=[weighted.pk]),
        reverse("evaluation:matrix", args=[weighted.pk, expert.pk]),
        reverse("evaluation:scores", args=[weighted.pk]),
        reverse("evaluation:xlsx", args=[weighted.pk]),
    ]
    for role, user in user_per_role(world).items():
        client = client_for(user)
        for url in urls:
            status = client.get(url).status_code
            assert status == (200 if role in ALLOWED else 404), (role, url)
    missing = reverse("evaluation:detail", args=[weighted.pk + 100])
    assert client_for(world["director"]).get(missing).status_code == 404
    # Writes too: a technician posting to a project gets the same 404.
    tech = client_for(world["tech"].user)
    url = reverse("evaluation:action", args=[weighted.pk, "expert-add"])
    assert tech.post(url, {"name": "x"}).status_code == 404
    assert weighted.experts.count() == 1


def test_the_list_has_an_empty_state_search_and_pages(world):
    client = client_for(world["director"])
    page = client.get(reverse("evaluation:project_list")).content.decode()
    assert 'id="project-empty"' in page and "还没有评价项目" in page
    for k in range(23):
        Project.objects.create(title=f"项目{k:02d}", goal="医疗设备")
    Project.objects.create(title="经销商评价", goal="经销商售后服务")
    page = client.get(reverse("evaluation:project_list")).content.decode()
    assert page.count('href="/evaluation/') >= 20 and "下一页" in page
    second = client.get(reverse("evaluation:project_list") + "?page=2").content.decode()
    assert "上一页" in second and "下一页" not in second
    found = client.get(reverse("evaluation:project_list") + "?q=经销商").content.decode()
    assert "经销商评价" in found and "项目01" not in found
    none = client.get(reverse("evaluation:project_list") + "?q=没有这个").content.decode()
    assert "没有与“没有这个”匹配的评价项目" in none


def test_creating_a_project_from_the_list(world):
    client = client_for(world["director"])
    resp = client.post(reverse("evaluation:project_list"), {"title": "三家厂商对比", "goal": ""})
    project = Project.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/evaluation/{project.pk}/"
    page = client.get(resp["Location"]).content.decode()
    assert "服务支持体系" in page and "远程技术服务支持" in page
    resp = client.post(reverse("evaluation:project_list"), {"title": "  "}, follow=True)
    assert "请填写项目名称" in resp.content.decode() and Project.objects.count() == 1


def test_the_matrix_check_fragment_shows_cr_and_highlights_the_inconsistent_cells(weighted, world):
    expert = weighted.experts.get()
    client = client_for(world["director"])
    url = reverse("evaluation:matrix-check", args=[weighted.pk, expert.pk])

    def cells(matrix):
        return {f"c_{i}_{j}": str(matrix[i][j]) for i in range(4) for j in range(i + 1, 4)}

    data = cells(CIRCULAR) | {"c_0_1": "1/2", "c_0_2": "1/5", "c_0_3": "1/6"}
    html = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    cr = ahp.consistency_ratio(CIRCULAR)
    assert f'<b id="cr">{cr:.4f}</b>' in html and "不满意" in html
    assert 'id="mark-0-2" class="mark cell-inconsistent cell-worst" hx-swap-oob="true"' in html
    assert 'id="r-2-0" class="recip cell-inconsistent cell-worst" hx-swap-oob="true">5<' in html
    assert "“服务人员”比“服务支持体系”" in html
    fixed = client.post(url, cells(GOAL)).content.decode()
    assert "cell-inconsistent" not in fixed and "满意（CR < 0.10）" in fixed
    assert 'id="r-1-0" class="recip" hx-swap-oob="true">2<' in fixed  # reciprocal filled in
    bad = client.post(url, cells(GOAL) | {"c_0_1": "12"}).content.decode()
    assert "cell-invalid" in bad and "超出 1–9 标度" in bad and 'id="cr"' not in bad
    partial = client.post(url, cells(GOAL) | {"c_0_1": ""}).content.decode()
    assert 'id="matrix-incomplete"' in partial


def test_saving_a_matrix_from_its_page(project, world, evaluator):
    expert = services.expert_add(project=project, name="王专家", actor=evaluator)
    client = client_for(world["director"])
    url = reverse("evaluation:matrix", args=[project.pk, expert.pk])
    page = client.get(url).content.decode()
    assert 'hx-post="' in page and 'hx-trigger="input changed delay:300ms"' in page
    assert page.count('name="c_') == 6 and "csrfmiddlewaretoken" in page
    data = {
        f"c_{i}_{j}": v
        for (i, j), v in {
            (0, 1): "1/2",
            (0, 2): "1/5",
            (0, 3): "1/6",
            (1, 2): "3",
            (1, 3): "1/4",
            (2, 3): "1/9",
        }.items()
    }
    resp = client.post(url, data, follow=True)
    assert "不能用于计算权重" in resp.content.decode()
    assert not Judgement.objects.get(expert=expert, parent=None).consistent
    data["c_0_2"] = "2"
    resp = client.post(url, data, follow=True)
    saved = Judgement.objects.get(expert=expert, parent=None)
    assert saved.consistent and saved.matrix[2][0] == pytest.approx(0.5)
    page = resp.content.decode()
    assert "已保存判断矩阵" in page and 'value="1/5"' not in page
    assert 'id="c-0-1" name="c_0_1" value="1/2"' in page and 'value="2"' in page
    # An indicator's matrix: the page for the criterion's children.
    c = criteria(project)[0]
    page = client.get(f"{url}?parent={c.pk}").content.decode()
    assert "专业技术水平" in page and page.count('name="c_') == 6
    leaf = indicators(project)[0]
    assert client.get(f"{url}?parent={leaf.pk}").status_code == 404


def test_scores_from_the_page_and_the_results(weighted, world, evaluator):
    expert = weighted.experts.get()
    a = services.subject_add(project=weighted, name="甲厂商", actor=evaluator)
    b = services.subject_add(project=weighted, name="乙厂商", actor=evaluator)
    client = client_for(world["director"])
    url = reverse("evaluation:scores", args=[weighted.pk])
    page = client.get(url).content.decode()
    assert page.count('name="s_') == 30
    data = {"rater": f"expert:{expert.pk}"}
    for k, i in enumerate(indicators(weighted)):
        data[f"s_{a.pk}_{i.pk}"] = "95" if k else "60"
        data[f"s_{b.pk}_{i.pk}"] = "75"
    resp = client.post(url, data, follow=True)
    html = resp.content.decode()
    assert "已保存 30 项评分" in html
    assert 'id="comparison-chart"><svg' in html and "评价对象得分对比" in html
    assert "极满意" in html and "很满意" in html and "服务态度（60.0，基本满意）" in html
    data[f"s_{a.pk}_{indicators(weighted)[1].pk}"] = "abc"
    resp = client.post(url, data)
    assert "0 到 100" in resp.content.decode()
    assert Score.objects.filter(value=95).count() == 14


def test_the_project_page_runs_a_fixed_number_of_queries(
    weighted, world, evaluator, django_assert_max_num_queries
):
    expert = weighted.experts.get()
    client = client_for(world["director"])
    url = reverse("evaluation:detail", args=[weighted.pk])

    def add_subjects(n):
        for _ in range(n):
            s = services.subject_add(
                project=weighted, name=f"厂商{Project.objects.count()}{s_count()}", actor=evaluator
            )
            score_all(weighted, evaluator, s, 85, expert=expert)

    def s_count():
        return weighted.subjects.count()

    add_subjects(1)
    services.expert_add(project=weighted, name="李专家", user=world["supervisor"], actor=evaluator)
    client.get(url)  # warm the session and the content types
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    add_subjects(6)
    for k in range(3):
        services.expert_add(project=weighted, name=f"专家{k}", user=world["agent"], actor=evaluator)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_pdf_holds_the_weights_and_the_results_as_text(weighted, world, evaluator, tmp_path):
    expert = weighted.experts.get()
    vendor = services.subject_add(project=weighted, name="甲厂商", actor=evaluator)
    score_all(weighted, evaluator, vendor, 88, expert=expert)
    resp = client_for(world["director"]).get(reverse("evaluation:pdf", args=[weighted.pk]))
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    path = tmp_path / "evaluation.pdf"
    path.write_bytes(resp.content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    first = criteria(weighted)[0]
    assert "医疗设备厂商评价" in text and "远程技术服务支持" in text
    assert f"{first.local_weight:.4f}" in text
    assert "甲厂商" in text and "88.00" in text and "很满意" in text


def test_the_excel_holds_weights_and_results(weighted, world, evaluator):
    expert = weighted.experts.get()
    vendor = services.subject_add(project=weighted, name="=HYPERLINK(1)", actor=evaluator)
    score_all(weighted, evaluator, vendor, 60, expert=expert)
    resp = client_for(world["director"]).get(reverse("evaluation:xlsx", args=[weighted.pk]))
    wb = load_workbook(io.BytesIO(resp.content))
    weights = list(wb["权重"].values)
    assert weights[0][:3] == ("准则", "准则权重", "指标") and len(weights) == 16
    assert sum(row[4] for row in weights[1:]) == pytest.approx(1.0, abs=1e-3)
    results = list(wb["评价结果"].values)
    assert results[1][0] == "'=HYPERLINK(1)"  # a name never runs as a formula
    assert results[1][2] == 60 and results[1][3] == "基本满意"
    assert "服务态度" in results[1][4]


def test_project_page_actions_apply_the_adjustment_rules(weighted, world):
    client = client_for(world["director"])
    first, parts = criteria(weighted)[:2]
    do = "evaluation:action"
    resp = client.post(
        reverse(do, args=[weighted.pk, "node-add"]), {"name": "信息化水平"}, follow=True
    )
    assert "重要性之比 K" in resp.content.decode()
    client.post(
        reverse(do, args=[weighted.pk, "node-add"]),
        {"name": "信息化水平", "ratio_to": first.pk, "k": "1/3"},
    )
    client.post(reverse(do, args=[weighted.pk, "node-remove"]), {"node": parts.pk})
    names = [c.name for c in criteria(weighted)]
    assert names == ["服务人员", "服务支持体系", "服务效果", "信息化水平"]
    assert sum(c.local_weight for c in criteria(weighted)) == pytest.approx(1.0)
    resp = client.post(
        reverse(do, args=[weighted.pk, "node-weight"]),
        {"node": first.pk, "weight": "0.3"},
        follow=True,
    )
    assert "已调整权重" in resp.content.decode()
    assert Node.objects.get(pk=first.pk).local_weight == pytest.approx(0.3)
    client.post(reverse(do, args=[weighted.pk, "finish"]))
    resp = client.post(
        reverse(do, args=[weighted.pk, "expert-add"]), {"name": "新专家"}, follow=True
    )
    assert "内容已冻结" in resp.content.decode() and weighted.experts.count() == 1
    resp = client.post(reverse(do, args=[weighted.pk, "copy"]))
    copy = Project.objects.exclude(pk=weighted.pk).get()
    assert resp["Location"] == f"/evaluation/{copy.pk}/" and copy.replaces_id == weighted.pk


# --- REST ---------------------------------------------------------------------------------------


def test_the_api_for_a_whole_evaluation(world):
    api = api_client_for(world["director"])
    resp = api.post("/api/v1/evaluation/projects/", {"title": "API 评价"}, format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    pk = body["id"]
    assert len(body["criteria"]) == 4 and sum(len(c["indicators"]) for c in body["criteria"]) == 15
    project = Project.objects.get(pk=pk)
    resp = api.post(
        f"/api/v1/evaluation/projects/{pk}/experts/",
        {"name": "王专家", "user": world["supervisor"].pk},
        format="json",
    )
    assert resp.status_code == 201 and resp.json()["name"] == "王专家"
    expert = project.experts.get()
    assert expert.user == world["supervisor"]
    bad = [row[:] for row in GOAL]
    bad[1][0] = 3
    url = f"/api/v1/evaluation/projects/{pk}/matrices/"
    resp = api.post(url, {"expert": expert.pk, "matrix": bad}, format="json")
    assert resp.status_code == 400 and "“服务人员”比“备件管理”" in resp.json()["detail"]
    assert resp.json()["cell"] == [0, 1]
    resp = api.post(url, {"expert": expert.pk, "matrix": CIRCULAR}, format="json")
    assert resp.status_code == 201 and resp.json()["consistent"] is False
    assert resp.json()["most_inconsistent"][0] == [0, 2]
    resp = api.post(f"/api/v1/evaluation/projects/{pk}/weights/", format="json")
    assert resp.status_code == 400 and "王专家" in resp.json()["detail"]
    api.post(url, {"expert": expert.pk, "matrix": GOAL, "criterion": None}, format="json")
    for c in body["criteria"]:
        n = len(c["indicators"])
        resp = api.post(
            url,
            {"expert": expert.pk, "criterion": c["id"], "matrix": saaty(range(n, 0, -1))},
            format="json",
        )
        assert resp.status_code == 201
    resp = api.post(f"/api/v1/evaluation/projects/{pk}/weights/", format="json")
    assert resp.status_code == 200 and resp.json()["weights_ready"] is True
    resp = api.post(
        f"/api/v1/evaluation/projects/{pk}/subjects/",
        {"outlet": world["outlet"].pk, "kind": "outlet"},
        format="json",
    )
    assert resp.status_code == 201 and resp.json()["name"] == "朝阳服务站"
    vendor = project.subjects.get()
    ids = [i["id"] for c in body["criteria"] for i in c["indicators"]]
    scores = [{"subject": vendor.pk, "indicator": i, "value": "80"} for i in ids]
    resp = api.post(
        f"/api/v1/evaluation/projects/{pk}/scores/",
        {"rater_name": "某医院", "scores": scores},
        format="json",
    )
    assert resp.status_code == 200 and resp.json() == {"stored": 15}
    resp = api.post(
        f"/api/v1/evaluation/projects/{pk}/scores/",
        {"rater_name": "某医院", "scores": [{**scores[0], "value": "120"}]},
        format="json",
    )
    assert resp.status_code == 400
    detail = api.get(f"/api/v1/evaluation/projects/{pk}/").json()
    result = detail["results"][0]
    assert result["overall"] == pytest.approx(80.0) and result["band"] == "very_satisfied"
    assert detail["criteria"][0]["indicators"][0]["global_weight"] > 0
    listing = api.get("/api/v1/evaluation/projects/?q=API").json()
    assert [p["id"] for p in listing["results"]] == [pk]
    pdf = api.get(f"/api/v1/evaluation/projects/{pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    pdf = api.get(f"/api/v1/evaluation/projects/{pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    xlsx = api.get(f"/api/v1/evaluation/projects/{pk}/xlsx/")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    resp = api.post(f"/api/v1/evaluation/projects/{pk}/finish/", format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "finished"
    resp = api.post(url, {"expert": expert.pk, "matrix": GOAL}, format="json")
    assert resp.status_code == 409


def test_the_api_hides_projects_from_other_roles(weighted, world):
    for role, user in user_per_role(world).items():
        if role in ALLOWED:
            continue
        api = api_client_for(user)
        assert api.get("/api/v1/evaluation/projects/").json()["results"] == []
        for path in ("", "pdf/", "xlsx/"):
            resp = api.get(f"/api/v1/evaluation/projects/{weighted.pk}/{path}")
            assert resp.status_code == 404, (role, path)
        resp = api.post("/api/v1/evaluation/projects/", {"title": "x"}, format="json")
        assert resp.status_code == 404
        resp = api.post(f"/api/v1/evaluation/projects/{weighted.pk}/weights/", format="json")
        assert resp.status_code == 404
    assert Project.objects.count() == 1


def test_a_user_rater_scores_from_the_page(weighted, world, evaluator):
    vendor = services.subject_add(project=weighted, name="甲厂商", actor=evaluator)
    client = client_for(world["director"])
    url = reverse("evaluation:scores", args=[weighted.pk])
    data = {"rater": "user", "rater_name": "某医院设备科"}
    data |= {f"s_{vendor.pk}_{i.pk}": "70" for i in indicators(weighted)}
    client.post(url, data)
    assert Score.objects.filter(rater_key="user:某医院设备科", source="user").count() == 15
    page = client.get(url + "?rater=user:某医院设备科").content.decode()
    assert 'value="user:某医院设备科" selected' in page and page.count('value="70.00"') == 15
    resp = client.post(url, {"rater": "user", "rater_name": ""})
    assert "请选择评分专家，或填写评分用户的名称" in resp.content.decode()


def test_the_menu_leads_the_evaluating_roles_to_the_projects(world):
    from aftersales.accounts.roles import menu_for

    for role, user in user_per_role(world).items():
        urls = [item["url"] for item in menu_for(user)]
        assert ("/evaluation/" in urls) == (role in ALLOWED), role


@pytest.mark.parametrize(
    ("action", "field"),
    [("expert-remove", "expert"), ("subject-remove", "subject"), ("subject-add", "outlet")],
)
def test_a_posted_id_that_is_not_a_number_answers_404_and_changes_nothing(
    project, evaluator, action, field
):
    from aftersales.evaluation.models import ProjectEvent

    before = ProjectEvent.objects.filter(project=project).count()
    client = client_for(evaluator)
    url = reverse("evaluation:action", args=[project.pk, action])
    assert client.post(url, {field: "abc", "name": "厂商甲"}).status_code == 404
    assert ProjectEvent.objects.filter(project=project).count() == before
    assert not project.subjects.exists()
