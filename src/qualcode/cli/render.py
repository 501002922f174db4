"""Plain, aligned terminal tables that fit the screen instead of wrapping into nonsense."""

from __future__ import annotations

import shutil
from collections.abc import Sequence

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
) -> str:
    """Render rows under headers; numbers right-aligned; column ``shrink`` is cut to fit width."""
    width = width or shutil.get_terminal_size((100, 24)).columns
    cells = [[fmt(c) for c in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in rows) and bool(rows)
        for i in range(len(headers))
    ]
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
