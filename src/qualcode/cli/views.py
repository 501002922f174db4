"""What several commands print the same way: aligned tables that fit the screen instead of
wrapping into nonsense, a segment with its speaker and evidence, counted nouns, warnings, the text
left out of segments.

Only typer and the standard library are imported before a command runs; core records are named
for type checking alone.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from qualcode.codebook import Codebook
    from qualcode.models import Evidence, ExclusionCount, Segment

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


def changes(added: int, removed: int) -> list[Cell]:
    """The ``added`` and ``removed`` cells of a run's table: ``+3``, ``-1``, empty for none."""
    return [f"+{added}" if added else "", f"-{removed}" if removed else ""]


def count(number: int, singular: str, plural: str | None = None) -> str:
    """``1 coding``, ``1,234 codings``: a number with its noun."""
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"


def warn(message: str) -> None:
    """``warning: …`` on stderr: the command goes on."""
    typer.echo(f"warning: {message}", err=True)


def codebook_line(codebook: Codebook, where: str) -> str:
    """``Codebook: justice 1.0 (codebooks/justice.yaml, project)``: which one a command uses."""
    return f"Codebook: {codebook.name} {codebook.version} ({where})"


# -- segments and their evidence ----------------------------------------------------------------

EXCERPT_CHARS = 600


def use_colour() -> bool:
    """Whether stdout is a terminal: evidence is bold there, and marked with ** in files."""
    return typer.get_text_stream("stdout").isatty()


def who(segment: Segment) -> str:
    """``Laia (respondent)``: a segment's speaker and role, ``unknown speaker`` without one."""
    speaker = segment.speaker or "unknown speaker"
    return f"{speaker} ({segment.role.value})" if segment.role else speaker


def quote(segment: Segment, evidence: Sequence[Evidence], colour: bool, indent: str = "  ") -> str:
    """A segment's text, indented and filled, its evidence marked (:func:`highlight`)."""
    spans = [(e.start_char - segment.start_char, e.end_char - segment.start_char) for e in evidence]
    return textwrap.indent(textwrap.fill(highlight(segment.text, spans, colour), 96), indent)


def evidence_text(evidence: Sequence[Evidence]) -> str:
    """``evict* → “evicted”; rent → “rent”``: each pattern with the words it matched."""
    return "; ".join(f"{e.pattern} → “{e.matched}”" for e in evidence)


def highlight(text: str, spans: list[tuple[int, int]], colour: bool) -> str:
    """Mark evidence spans (bold in a terminal, **…** otherwise), cutting long text around them."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    window_start, window_end = 0, len(text)
    if len(text) > EXCERPT_CHARS and merged:
        window_start = max(0, merged[0][0] - EXCERPT_CHARS // 3)
        window_end = min(len(text), window_start + EXCERPT_CHARS)
    out, cursor = [], window_start
    for start, end in merged:
        if start < window_start or end > window_end:
            continue
        out.append(text[cursor:start])
        word = text[start:end]
        out.append(typer.style(word, bold=True, fg="yellow") if colour else f"**{word}**")
        cursor = end
    out.append(text[cursor:window_end])
    prefix = "…" if window_start > 0 else ""
    suffix = "…" if window_end < len(text) else ""
    return prefix + "".join(out).replace("\n", " ") + suffix


# -- text left out of segments ------------------------------------------------------------------


def not_in_segments(counts: Sequence[ExclusionCount]) -> str | None:
    """``heading 1 passage (4 words); 12 speaker labels``, or None when nothing but speaker
    labels was left out: they are the transcript's bookkeeping, not text lost, so they are said
    only alongside."""
    from qualcode.models import Exclusion, exclusion_summary

    lost = [c for c in counts if c.reason is not Exclusion.SPEAKER_LABEL]
    if not lost:
        return None
    labels = sum(c.regions for c in counts if c.reason is Exclusion.SPEAKER_LABEL)
    return exclusion_summary(lost) + (f"; {labels:,} speaker labels" if labels else "")
