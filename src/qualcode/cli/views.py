"""Plain, aligned terminal tables that fit the screen instead of wrapping into nonsense."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qualcode.models import ExclusionCount

Cell = str | int | float | None


def fmt(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 0.001 and value != 0 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    width: int | None = None,
    shrink: int = 0,
    align: Sequence[str] | None = None,
) -> str:
    """Render rows under headers; numbers right-aligned; column ``shrink`` is cut to fit width.

    ``align`` (``"l"`` or ``"r"`` per column) overrides the guess, for numbers given as text.
    """
    width = width or terminal_width()
    cells = [[fmt(c) for c in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in rows) and bool(rows)
        for i in range(len(headers))
    ]
    if align is not None:
        numeric = [a == "r" for a in align]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    overflow = sum(widths) + 2 * (len(widths) - 1) - width
    if overflow > 0:
        widths[shrink] = max(len(headers[shrink]), widths[shrink] - overflow, 8)

    def line(values: Sequence[str]) -> str:
        out = []
        for i, value in enumerate(values):
            if len(value) > widths[i]:
                value = value[: widths[i] - 1] + "…"
            out.append(value.rjust(widths[i]) if numeric[i] else value.ljust(widths[i]))
        return "  ".join(out).rstrip()

    lines = [line(list(headers)), "  ".join("-" * w for w in widths)]
    lines.extend(line(r) for r in cells)
    return "\n".join(lines)


def terminal_width() -> int:
    return shutil.get_terminal_size((100, 24)).columns


def fitted_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    width: int | None = None,
    shrink: int = 0,
    align: Sequence[str] | None = None,
    keep: int = 1,
    min_shrunk: int = 16,
) -> str:
    """Like :func:`table`, but a table still too wide once column ``shrink`` is cut (to no less
    than ``min_shrunk``) is split into several tables of columns, each repeating the first
    ``keep`` columns, instead of wrapping every line on the screen."""
    width = width or terminal_width()
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    kept = list(widths[:keep])
    if shrink < keep:
        kept[shrink] = min(kept[shrink], max(len(headers[shrink]), min_shrunk))
    room = width - sum(kept) - 2 * (keep - 1)
    chunks: list[list[int]] = [[]]
    used = 0
    for i in range(keep, len(headers)):
        if chunks[-1] and used + 2 + widths[i] > room:
            chunks.append([])
            used = 0
        chunks[-1].append(i)
        used += 2 + widths[i]
    if len(chunks) == 1:
        return table(headers, rows, width=width, shrink=shrink, align=align)
    parts = []
    for chunk in chunks:
        columns = list(range(keep)) + chunk
        parts.append(
            table(
                [headers[i] for i in columns],
                [[row[i] for i in columns] for row in rows],
                width=width,
                shrink=shrink,
                align=None if align is None else [align[i] for i in columns],
            )
        )
    return "\n\n".join(parts)


def exclusion_summary(counts: Sequence[ExclusionCount]) -> str:
    """``front matter 3 passages (41 words), heading 1 passage (4 words)``."""
    from qualcode.exports.document_page import exclusion_summary as summary

    return summary(counts)
