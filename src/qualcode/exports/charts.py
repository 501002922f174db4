"""Bar charts of shares per group, as PNG or SVG files or PNG bytes for the Word report.

matplotlib's object API with the Agg canvas, never pyplot: no GUI backend, no global figure
state, so charts draw the same on a server, in CI and in tests. SVG output carries no date and
a fixed hash salt so the same report gives the same file.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qualcode.errors import UsageError
from qualcode.report import Comparison, Report
from qualcode.stats import wilson_interval

FORMATS = ("png", "svg")
# Colour-blind safe (Okabe–Ito); more groups cycle.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SIGNIFICANT_COLOUR = "#B00000"
SIGNIFICANT_NOTE = "* difference between groups: adjusted p < 0.05 (segment-level test)"


@dataclass(frozen=True)
class ChartData:
    """Shares (0–1) per code (rows) and group (columns), with 95 % Wilson intervals."""

    title: str
    codes: tuple[str, ...]
    groups: tuple[str, ...]
    shares: tuple[tuple[float, ...], ...]
    lows: tuple[tuple[float, ...], ...]
    highs: tuple[tuple[float, ...], ...]
    significant: tuple[bool, ...]
    top: tuple[bool, ...]


def chart_data(
    report: Report,
    comparison: Comparison | None,
    *,
    paths: Sequence[str] | None = None,
    title: str = "",
) -> ChartData:
    """The report's shares for the given code paths (default: every line), groups in order."""
    lines = [line for line in report.lines if paths is None or line.path in paths]
    groups = [g for g in report.groups if g.segments > 0]
    index = {g.name: i for i, g in enumerate(report.groups)}
    shares, lows, highs = [], [], []
    for line in lines:
        row, low, high = [], [], []
        for g in groups:
            cell = line.cells[index[g.name]]
            interval = wilson_interval(cell.segments, g.segments)
            row.append(cell.share)
            low.append(interval[0])
            high.append(interval[1])
        shares.append(tuple(row))
        lows.append(tuple(low))
        highs.append(tuple(high))
    base = min((line.depth for line in lines), default=0)
    return ChartData(
        title=title or f"Share of in-scope segments by {report.by}",
        codes=tuple(line.label for line in lines),
        groups=tuple(g.name for g in groups),
        shares=tuple(shares),
        lows=tuple(lows),
        highs=tuple(highs),
        significant=tuple(
            comparison is not None and comparison.for_path(line.path).significant for line in lines
        ),
        top=tuple(line.depth == base and not line.leaf for line in lines),
    )


def draw(data: ChartData) -> Figure:
    """Horizontal grouped bars (codes read top-down in tree order), Wilson intervals as whiskers,
    significant codes starred in red, parent codes in bold."""
    n_codes, n_groups = len(data.codes), max(len(data.groups), 1)
    band = 0.8
    height = band / n_groups
    figure = Figure(figsize=(8, 1.4 + n_codes * (0.22 * n_groups + 0.18)), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    for j, group in enumerate(data.groups):
        positions = [i - band / 2 + height * (j + 0.5) for i in range(n_codes)]
        values = [100 * _zero(row[j]) for row in data.shares]
        errors = [
            [
                max(0.0, 100 * (_zero(s[j]) - _zero(lo[j])))
                for s, lo in zip(data.shares, data.lows, strict=True)
            ],
            [
                max(0.0, 100 * (_zero(hi[j]) - _zero(s[j])))
                for s, hi in zip(data.shares, data.highs, strict=True)
            ],
        ]
        axes.barh(
            positions,
            values,
            height=height * 0.92,
            xerr=errors,
            color=PALETTE[j % len(PALETTE)],
            ecolor="#555555",
            error_kw={"elinewidth": 0.7, "capsize": 1.5},
            label=group,
        )
    labels = [
        f"{code} *" if sig else code for code, sig in zip(data.codes, data.significant, strict=True)
    ]
    axes.set_yticks(range(n_codes), labels, fontsize=8)
    for tick, sig, top in zip(axes.get_yticklabels(), data.significant, data.top, strict=True):
        if top:  # right-aligned labels cannot show indentation: parents are bold instead
            tick.set_fontweight("bold")
        if sig:
            tick.set_color(SIGNIFICANT_COLOUR)
    axes.set_ylim(n_codes - 0.5, -0.5)  # first code on top, no empty band above or below
    axes.set_xlabel("share of in-scope segments (%), 95% Wilson interval", fontsize=8)
    axes.tick_params(axis="x", labelsize=8)
    axes.set_xlim(left=0)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if data.title:
        axes.set_title(data.title, fontsize=10, loc="left")
    axes.legend(
        fontsize=8,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=min(len(data.groups), 4),
        frameon=False,
    )
    if any(data.significant):
        figure.text(0.01, 0.005, SIGNIFICANT_NOTE, fontsize=7, color="#444444")
    figure.tight_layout(rect=(0, 0.02 if any(data.significant) else 0, 1, 1))
    return figure


def _zero(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def png_bytes(data: ChartData) -> bytes:
    buffer = io.BytesIO()
    draw(data).savefig(buffer, format="png")
    return buffer.getvalue()


def chart_format(path: Path) -> str:
    """``png`` or ``svg`` from the file's suffix; checked before any work is done."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise UsageError(f"{path}: a chart is written as .png or .svg, not '.{suffix}'")
    return suffix


def write_chart(data: ChartData, path: Path) -> Path:
    """Write PNG or SVG, as the file's suffix says."""
    suffix = chart_format(path)
    figure = draw(data)
    if suffix == "svg":
        with matplotlib.rc_context({"svg.hashsalt": "qualcode"}):
            figure.savefig(path, format="svg", metadata={"Date": None})
    else:
        figure.savefig(path, format="png")
    return path
