"""SVG charts (core.charts): text stays text, each chart is labelled, the same data gives the
same bytes, and two charts on one page share no ids while every reference still resolves."""

from __future__ import annotations

import re

from aftersales.core.charts import bars_svg, grouped_bars_svg, stacked_bars_svg


def chart(n: int) -> str:
    return stacked_bars_svg(
        categories=["服务时效", "维修质量"],
        series=[("A", [n, 1]), ("B", [1, n])],
        label="评分<分布>",
        as_share=True,
    )


def test_text_stays_text_and_the_chart_is_labelled():
    svg = chart(2)
    assert svg.startswith("<svg") and 'class="chart"' in svg and 'role="img"' in svg
    assert "<title>评分&lt;分布&gt;</title>" in svg
    assert "服务时效" in svg  # a <text> element, not a path outline
    assert chart(2) == svg


def test_two_charts_share_no_ids_and_references_resolve():
    first, second = chart(2), bars_svg(categories=["甲", "乙"], values=[3, 1], label="x")
    ids = [set(re.findall(r'\bid="([^"]+)"', svg)) for svg in (first, second)]
    assert ids[0] and ids[1] and not ids[0] & ids[1]
    for svg, known in zip((first, second), ids, strict=True):
        refs = set(re.findall(r'(?:href="|url\()#([^")]+)', svg))
        assert refs <= known, refs - known


def test_names_typed_by_people_are_escaped_in_the_markup():
    # Outlet and fault names go into the charts, and the pages insert the SVG unescaped.
    svg = bars_svg(categories=["<script>alert(1)</script>", 'a&b"'], values=[1, 2], label="<x>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<title>&lt;x&gt;</title>" in svg


def test_grouped_bars_draw_one_bar_per_series_in_each_group_with_a_legend():
    svg = grouped_bars_svg(
        categories=["服务人员", "综合得分"],
        series=[("<甲>公司", [92.0, 90.5]), ("乙公司", [72.6, 77.9])],
        label="对比",
        xmax=105,
    )
    assert svg.startswith("<svg") and "<title>对比</title>" in svg
    for text in ("服务人员", "综合得分", "&lt;甲&gt;公司", "乙公司", "92.0", "77.9"):
        assert text in svg, text
    assert "<甲>" not in svg
    other = grouped_bars_svg(categories=["x"], series=[("a", [1.0])], label="y")
    ids = [set(re.findall(r'\bid="([^"]+)"', s)) for s in (svg, other)]
    assert not ids[0] & ids[1]
