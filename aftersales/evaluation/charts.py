"""The side-by-side comparison of the evaluated subjects: grouped horizontal bars, one group per
criterion and one for the overall score, one bar per subject. Drawn like `core.charts` (the
object API, text kept as text, the same SVG in the page and in the PDF); `core.charts` has no
grouped bars yet, so this one lives with its only user."""

from __future__ import annotations

from collections.abc import Sequence

from aftersales.core.charts import PALETTE, Figure, _svg


def comparison_svg(
    *,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    label: str,
    colours: Sequence[str] = PALETTE,
) -> str:
    groups = max(1, len(categories))
    bars = max(1, len(series))
    height = 0.8 / bars
    fig = Figure(figsize=(7, 0.6 + groups * (0.25 + 0.22 * bars)))
    ax = fig.add_subplot()
    for index, (name, values) in enumerate(series):
        positions = [g + (index - (bars - 1) / 2) * height for g in range(len(categories))]
        drawn = ax.barh(
            positions,
            [float(v) for v in values],
            height=height * 0.92,
            label=name,
            color=colours[index % len(colours)],
        )
        ax.bar_label(drawn, fmt="%.1f", fontsize=7, padding=2)
    ax.set_yticks(list(range(len(categories))), labels=list(categories), fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 105)
    ax.tick_params(axis="x", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(
        ncols=min(bars, 4),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08),
        frameon=False,
        fontsize=8,
    )
    return _svg(fig, label)
