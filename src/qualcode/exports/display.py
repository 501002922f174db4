"""The report as tables of formatted text, for people: the terminal and the Markdown file.

Both show the same tables; only names differ (``terminal``: code ids indented and numbered
document columns, to fit 80 columns; ``markdown``: code labels and document names, for papers).
The machine-readable tables, with raw numbers, are in :mod:`qualcode.exports.tables`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from qualcode import stats
from qualcode.report import Cell, CodeLine, Comparison, Group, Report

Style = Literal["terminal", "markdown"]
DASH = "–"


@dataclass(frozen=True)
class DisplayTable:
    """Formatted cells; ``align`` is ``l`` or ``r`` per column; ``keep`` leading columns are
    repeated when a terminal must split a wide table; ``shrink`` is the column cut to fit."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[str, ...]
    keep: int = 1
    shrink: int = 0
    notes: tuple[str, ...] = field(default=())


def percent(share: float) -> str:
    return DASH if math.isnan(share) else f"{100 * share:.1f}%"


def p_text(p: float, mark: bool = False) -> str:
    if math.isnan(p):
        return DASH
    text = "<0.001" if p < 0.001 else f"{p:.3f}"
    return text + ("*" if mark and p < stats.ALPHA else "")


def effect_text(effect: stats.Effect) -> str:
    if math.isnan(effect.value):
        return DASH
    if effect.name == stats.DIFFERENCE:
        return (
            f"{100 * effect.value:+.1f} [{100 * effect.ci_low:+.1f}, {100 * effect.ci_high:+.1f}]"
        )
    return f"{effect.value:.2f} [{effect.ci_low:.2f}, {effect.ci_high:.2f}]"


def code_name(line: CodeLine, style: Style, flat: bool = False) -> str:
    """Indented by depth in the tree; ``flat`` lists (leaves only) name the whole path."""
    if style == "terminal":
        return line.path if flat else "  " * line.depth + line.name
    return line.label if flat else "\u00a0\u00a0" * line.depth + line.label  # no-break spaces


def report_notes(report: Report, comparison: Comparison | None) -> list[str]:
    """What the numbers count, said once above the tables (terminal, Markdown, Word)."""
    where = ", ".join(f"{k}={v}" for k, v in report.filters)
    notes = [
        f"Coder: {report.coder}. Groups: {report.by}. Documents: "
        + (f"those with {where}." if where else "all.")
        + f" {report.total.interviews:,} interview{'' if report.total.interviews == 1 else 's'}.",
        "In scope: respondent segments and segments whose speaker is unknown; interviewer and "
        "chair turns are left out. Share = coded / in-scope segments; rate = coded segments "
        "per 1,000 in-scope words.",
        "Only codes without sub-codes are shown."
        if report.leaves_only
        else "A parent code counts a segment coded with it or any of its sub-codes, once.",
    ]
    if report.sample is not None:
        looked, in_scope = report.sample
        notes.append(
            f"{report.coder} looked at {looked:,} of the {in_scope:,} in-scope segments (coded "
            "them, judged them on a coding sheet or reviewed them): every count, share and test "
            f"here is of those {looked:,}, not of the whole corpus."
        )
    if comparison is not None:
        notes += comparison_notes(report, comparison)
    return notes


def comparison_notes(report: Report, comparison: Comparison) -> list[str]:
    n_tested = sum(1 for code in comparison.codes if code.segments.test)
    if comparison.test == stats.FISHER:
        first, second = comparison.groups
        test = "Fisher's exact test (two-sided)"
        effect = (
            f"diff = share in {first} minus share in {second}, in percentage points, with "
            "Newcombe's 95% interval (hybrid Wilson score)"
        )
    else:
        test = "Pearson's chi-square test"
        effect = "V = Cramér's V with a 95% interval (noncentral chi-square)"
    return [
        f"Test: {test} of coded against not coded in-scope segments, per code; p adj = "
        f"Benjamini-Hochberg adjusted across the {n_tested} tested codes; * adjusted p < 0.05; "
        f"{DASH} not testable (no group has it, or every one has it everywhere). {effect}.",
        "int p adj = the same test on interviews mentioning the code. Segments within one "
        "interview are not independent, so the segment test overstates the evidence: the "
        "interview test is the conservative one.",
    ]


def groups_table(report: Report) -> DisplayTable:
    rows = [
        (
            g.name,
            f"{g.interviews:,}",
            f"{g.segments:,}",
            f"{g.respondent_segments:,}",
            f"{g.unknown_speaker_segments:,}",
            f"{g.words:,}",
        )
        for g in [*report.groups, report.total]
    ]
    return DisplayTable(
        title="Interviews and in-scope segments",
        headers=(report.by, "interviews", "segments", "respondent", "unknown", "words"),
        rows=tuple(rows),
        align=("l", "r", "r", "r", "r", "r"),
        notes=("segments = respondent + unknown speaker; words are in-scope words.",),
    )


def _per_group_table(
    report: Report,
    style: Style,
    title: str,
    text: Callable[[Cell, Group], str],
    last_row: tuple[str, ...] | None = None,
) -> DisplayTable:
    """Codes down, groups (and the total) across, then the ``any code`` row."""
    groups = [*report.groups, report.total]

    def row(name: str, cells: Sequence[Cell]) -> tuple[str, ...]:
        return (name, *(text(c, g) for c, g in zip(cells, groups, strict=True)))

    rows = [row(code_name(line, style, report.leaves_only), line.cells) for line in report.lines]
    rows.append(row("any code", report.any_code))
    if last_row is not None:
        rows.append(last_row)
    return DisplayTable(
        title=title,
        headers=("code", *(g.name for g in groups)),
        rows=tuple(rows),
        align=("l", *("r" for _ in groups)),
    )


def frequency_tables(report: Report, style: Style) -> list[DisplayTable]:
    """Segments coded (share), interviews mentioning, and rate: one table each, groups across."""
    groups = [*report.groups, report.total]
    return [
        _per_group_table(
            report,
            style,
            "Segments coded (share of in-scope segments)",
            lambda c, g: f"{c.segments:,} ({percent(c.share)})",
            ("in-scope segments", *(f"{g.segments:,}" for g in groups)),
        ),
        _per_group_table(
            report,
            style,
            "Interviews mentioning the code (of all interviews)",
            lambda c, g: f"{c.interviews:,}/{g.interviews:,}",
        ),
        _per_group_table(
            report,
            style,
            "Rate: coded segments per 1,000 in-scope words",
            lambda c, g: DASH if math.isnan(c.rate) else f"{c.rate:.2f}",
            ("in-scope words", *(f"{g.words:,}" for g in groups)),
        ),
    ]


def comparison_table(report: Report, comparison: Comparison, style: Style) -> DisplayTable:
    index = {g.name: i for i, g in enumerate(report.groups)}
    effect_header = "diff [95% CI]" if comparison.effect == stats.DIFFERENCE else "V [95% CI]"
    rows = []
    for line in report.lines:
        code = comparison.for_path(line.path)
        rows.append(
            (
                code_name(line, style, report.leaves_only),
                *(percent(line.cells[index[g]].share) for g in comparison.groups),
                effect_text(code.effect),
                p_text(code.segments.p_adjusted, mark=True),
                p_text(code.interviews.p_adjusted, mark=True),
            )
        )
    return DisplayTable(
        title=f"Comparison by {report.by}: share of in-scope segments",
        headers=("code", *comparison.groups, effect_header, "p adj", "int p adj"),
        rows=tuple(rows),
        align=("l", *("r" for _ in comparison.groups), "r", "r", "r"),
        notes=tuple(comparison_notes(report, comparison)),
    )


def cooccurrence_table(report: Report, style: Style) -> DisplayTable:
    numbers = [str(i) for i in range(1, len(report.lines) + 1)]
    rows = [
        (number, code_name(line, style, report.leaves_only), *(f"{v:,}" for v in values))
        for number, line, values in zip(numbers, report.lines, report.cooccurrence, strict=True)
    ]
    return DisplayTable(
        title="Co-occurrence: in-scope segments coded with both codes",
        headers=("#", "code", *numbers),
        rows=tuple(rows),
        align=("r", "l", *("r" for _ in numbers)),
        keep=2,
        shrink=1,
        notes=("Columns are the codes numbered as the rows; the diagonal is the code alone.",),
    )


def code_document_table(report: Report, style: Style) -> list[DisplayTable]:
    """Code × document; in the terminal documents are numbered, with a key table after."""
    if style == "terminal":
        headers = [f"D{i}" for i in range(1, len(report.documents) + 1)]
    else:
        headers = [d.name for d in report.documents]
    rows = [
        (code_name(line, style, report.leaves_only), *(f"{v:,}" for v in values))
        for line, values in zip(report.lines, report.code_document, strict=True)
    ]
    matrix = DisplayTable(
        title="Code × document: in-scope segments coded",
        headers=("code", *headers),
        rows=tuple(rows),
        align=("l", *("r" for _ in headers)),
    )
    if style != "terminal":
        return [matrix]
    key = DisplayTable(
        title="Documents",
        headers=("", "document", report.by, "segments", "words"),
        rows=tuple(
            (h, d.name, d.group, f"{d.segments:,}", f"{d.words:,}")
            for h, d in zip(headers, report.documents, strict=True)
        ),
        align=("l", "l", "l", "r", "r"),
        shrink=1,
    )
    return [matrix, key]


def report_display_tables(
    report: Report,
    comparison: Comparison | None,
    *,
    style: Style,
    frequencies: bool = True,
    cooccurrence: bool = True,
    documents: bool = True,
) -> list[DisplayTable]:
    """The tables in reading order; each flag adds its tables."""
    tables = [groups_table(report)]
    if frequencies:
        tables += frequency_tables(report, style)
    if comparison is not None:
        tables.append(comparison_table(report, comparison, style))
    if cooccurrence:
        tables.append(cooccurrence_table(report, style))
    if documents:
        tables.extend(code_document_table(report, style))
    return tables
