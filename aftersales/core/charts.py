"""Charts as SVG with matplotlib: the same markup goes into a web page and into a PDF.

The object API (`Figure`, never `pyplot`) keeps it free of global state, so requests rendering
charts in parallel threads do not share a figure. Text stays text (`svg.fonttype: none`): the
browser and WeasyPrint draw it with the page's CJK font, and it can be searched and copied."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib import rcParams  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: E402

rcParams["svg.fonttype"] = "none"
rcParams["svg.hashsalt"] = "aftersales"  # stable clip-path ids: the same data, the same bytes
rcParams["font.family"] = ["WenQuanYi Zen Hei", "DejaVu Sans"]
rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212

# Grade colours from good to bad (A … E), and a neutral series palette.
GRADE_COLOURS = ("#1e7b46", "#6fbf73", "#c9c9c9", "#f0a35e", "#c0392b")
PALETTE = ("#1f5fbf", "#6941c6", "#1e7b46", "#9a5b00", "#c0392b", "#0e7490", "#6a7385")

_HEADER = re.compile(r"^.*?(?=<svg)", re.S)
_SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')


def _svg(fig: Figure, label: str) -> str:
    buffer = io.StringIO()
    # No date in the metadata: the same data gives the same bytes (cacheable, testable).
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = _HEADER.sub("", buffer.getvalue(), count=1)
    # Scale with the page instead of a fixed size in points; label it for screen readers.
    svg = _SIZE.sub(r'<svg\1 class="chart" role="img"', svg, count=1)
    title = label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _unique_ids(svg.replace(">", f"><title>{title}</title>", 1))


_ID = re.compile(r'\bid="([^"]+)"')


def _unique_ids(svg: str) -> str:
    """matplotlib numbers its ids per figure ("text_11"), so two charts on one page or in one
    PDF would share them; prefix each with a digest of the chart (the same chart, the same
    ids)."""
    prefix = "c" + hashlib.sha1(svg.encode(), usedforsecurity=False).hexdigest()[:8]
    for name in set(_ID.findall(svg)):
        new = f"{prefix}-{name}"
        svg = svg.replace(f'id="{name}"', f'id="{new}"')
        svg = svg.replace(f'#{name}"', f'#{new}"').replace(f"#{name})", f"#{new})")
    return svg


def stacked_bars_svg(
    *,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    colours: Sequence[str] = PALETTE,
    label: str,
    as_share: bool = False,
) -> str:
    """Horizontal stacked bars: one bar per category, one segment per series. With `as_share`
    each bar is drawn as percentages of its own total (an empty bar stays empty)."""
    totals = [sum(values[i] for _name, values in series) for i in range(len(categories))]
    fig = Figure(figsize=(7, 0.5 + 0.45 * max(1, len(categories))))
    ax = fig.add_subplot()
    left = [0.0] * len(categories)
    positions = list(range(len(categories)))
    for index, (name, values) in enumerate(series):
        widths = [
            (100 * v / totals[i] if totals[i] else 0.0) if as_share else float(v)
            for i, v in enumerate(values)
        ]
        ax.barh(
            positions,
            widths,
            left=left,
            label=name,
            color=colours[index % len(colours)],
            height=0.6,
        )
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_yticks(positions, labels=list(categories))
    ax.invert_yaxis()
    if as_share:
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(
        ncols=min(len(series), 6),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        frameon=False,
        fontsize=8,
    )
    return _svg(fig, label)


def bars_svg(
    *, categories: Sequence[str], values: Sequence[float], label: str, colour: str = PALETTE[0]
) -> str:
    """Horizontal bars, one per category, with the value written at the end of each: long
    Chinese labels read along the axis instead of being squeezed under the bars."""
    fig = Figure(figsize=(5, 0.4 + 0.32 * max(1, len(categories))))
    ax = fig.add_subplot()
    positions = list(range(len(categories)))
    bars = ax.barh(positions, list(values), color=colour, height=0.6)
    ax.bar_label(bars, fmt="%g", fontsize=8, padding=3)
    ax.set_yticks(positions, labels=list(categories), fontsize=9)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _svg(fig, label)


def grouped_bars_svg(
    *,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    label: str,
    xmax: float | None = None,
    colours: Sequence[str] = PALETTE,
) -> str:
    """Horizontal bars in groups: one group per category, one bar per series inside it, each
    with its value, and a legend of the series (e.g. subjects compared criterion by criterion).
    `xmax` fixes the axis (a 0–100 score), otherwise matplotlib picks it."""
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
    if xmax is not None:
        ax.set_xlim(0, xmax)
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


def lines_svg(
    *,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    label: str,
    targets: Sequence[float | None] = (),
    colours: Sequence[str] = PALETTE,
    as_percent: bool = True,
) -> str:
    """A trend: one line per series over the categories (e.g. months); a missing value (None,
    nothing to measure that month) leaves a gap instead of dropping to zero. `targets`, one per
    series, are drawn as dashed lines in the series' colour."""
    fig = Figure(figsize=(7, 3))
    ax = fig.add_subplot()
    positions = list(range(len(categories)))
    for index, (name, values) in enumerate(series):
        colour = colours[index % len(colours)]
        ys = [float("nan") if v is None else float(v) for v in values]
        ax.plot(positions, ys, marker="o", markersize=3, color=colour, label=name)
        target = targets[index] if index < len(targets) else None
        if target is not None:
            ax.axhline(float(target), color=colour, linestyle="--", linewidth=0.8, alpha=0.7)
    ax.set_xticks(positions, labels=list(categories), fontsize=8, rotation=45, ha="right")
    if as_percent:
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.tick_params(axis="y", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(
        ncols=min(len(series), 6),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.28),
        frameon=False,
        fontsize=8,
    )
    return _svg(fig, label)
