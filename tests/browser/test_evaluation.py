"""Issue 6's browser test (S14): an evaluator enters the goal's 4×4 pairwise matrix, sees CR
recomputed as they type and the inconsistent judgement highlighted, fixes it (CR < 0.10, the
highlight gone), saves it, computes the weights, scores two vendors and sees the comparison
chart."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from playwright.sync_api import expect

from aftersales.evaluation import ahp, services
from aftersales.evaluation.models import Judgement, Node

# What the evaluator types in the upper triangle: 服务人员, 备件管理, 服务支持体系, 服务效果.
TYPED = {
    (0, 1): "1/2",
    (0, 2): "1/5",  # the slip: 服务支持体系 made far more important than 服务人员
    (0, 3): "1/6",
    (1, 2): "3",
    (1, 3): "1/4",
    (2, 3): "1/9",
}


def matrix(cells):
    a = [[1.0] * 4 for _ in range(4)]
    for (i, j), text in cells.items():
        value = float(Fraction(text))
        a[i][j], a[j][i] = value, 1 / value
    return a


def ranking(n):
    """A consistent-enough judgement matrix for a criterion's n indicators."""
    w = list(range(n, 0, -1))
    a = [[1.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            r = w[i] / w[j]
            v = float(min(9, round(r))) if r >= 1 else 1 / min(9, round(1 / r))
            a[i][j], a[j][i] = v, 1 / v
    return a


@pytest.mark.django_db(transaction=True)
def test_an_evaluator_fixes_an_inconsistent_matrix_and_compares_two_vendors(
    reseed, world, login, live_server, artifacts
):
    evaluator = world["director"]
    project = services.project_create(title="医疗设备厂商售后服务评价", actor=evaluator)
    expert = services.expert_add(project=project, name="王专家", actor=evaluator)
    # The criteria's own matrices are already in; the goal's is typed in the browser.
    for criterion in Node.objects.filter(project=project, parent=None):
        n = criterion.children.count()
        services.judgement_save(expert=expert, parent=criterion, matrix=ranking(n), actor=evaluator)

    page = login(evaluator)
    page.goto(f"{live_server.url}/evaluation/{project.pk}/")
    page.locator("#matrix-table a.matrix-link").first.click()
    page.wait_for_selector("#matrix-grid")
    assert page.locator("#matrix-grid input").count() == 6

    for (i, j), text in TYPED.items():
        page.fill(f"#c-{i}-{j}", text)
    wrong = ahp.analyse(matrix(TYPED))
    assert not wrong.consistent and wrong.most_inconsistent[0] == (0, 2)
    expect(page.locator("#cr")).to_have_text(f"{wrong.cr:.4f}")
    expect(page.locator("#consistency")).to_contain_text("CR ≥ 0.10")
    expect(page.locator("#mark-0-2")).to_have_class(re.compile(r"\bcell-inconsistent\b"))
    expect(page.locator("#r-2-0")).to_have_text("5")  # the reciprocal, filled in
    expect(page.locator("#matrix-revisit")).to_contain_text("“服务人员”比“服务支持体系”")
    cell = page.locator("td:has(> #mark-0-2)")
    assert cell.evaluate("td => getComputedStyle(td).backgroundColor") == "rgb(253, 226, 225)"
    page.screenshot(path=str(artifacts / "01-inconsistent.png"), full_page=True)

    fixed = {**TYPED, (0, 2): "2"}
    page.fill("#c-0-2", "2")
    right = ahp.analyse(matrix(fixed))
    assert right.consistent
    expect(page.locator("#cr")).to_have_text(f"{right.cr:.4f}")
    expect(page.locator("#consistency")).to_contain_text("CR < 0.10")
    expect(page.locator(".cell-inconsistent")).to_have_count(0)
    expect(page.locator("#r-2-0")).to_have_text("1/2")
    page.screenshot(path=str(artifacts / "02-fixed.png"), full_page=True)
    page.click("#matrix-save")
    expect(page.locator(".messages")).to_contain_text("已保存判断矩阵")
    saved = Judgement.objects.get(expert=expert, parent=None)
    assert saved.consistent and saved.matrix[0][2] == 2

    # The weights from the judgements, then two vendors to compare.
    page.goto(f"{live_server.url}/evaluation/{project.pk}/")
    page.click("#weights-compute button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("已根据专家判断计算权重")
    first = page.locator("#tree-table tr.criterion").first
    expect(first.locator("td.w").first).to_have_text(f"{right.weights[0]:.4f}")
    for name in ("甲医疗设备公司", "乙医疗设备公司"):
        page.fill("#subject-add input[name=name]", name)
        page.click("#subject-add button")
        expect(page.locator("#subject-list")).to_contain_text(name)

    page.click("#scores-link")
    inputs = page.locator("#scores-grid input")
    assert inputs.count() == 30  # 15 indicators × 2 vendors
    for k in range(30):
        # The first vendor column is the better one; every 5th indicator of the second is weak.
        vendor, row = k % 2, k // 2
        inputs.nth(k).fill("92" if vendor == 0 else ("60" if row % 5 == 0 else "80"))
    page.click("#scores-save")
    expect(page.locator(".messages")).to_contain_text("已保存 30 项评分")
    rows = page.locator("#results-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".band")).to_contain_text("极满意")
    expect(rows.nth(1).locator(".improve")).to_contain_text("服务态度")
    chart = page.locator("#comparison-chart svg")
    expect(chart).to_be_visible()
    assert "甲医疗设备公司" in chart.inner_html() and "综合得分" in chart.inner_html()
    page.screenshot(path=str(artifacts / "03-comparison.png"), full_page=True)
