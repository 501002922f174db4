"""The report's tables as data frames, and the report's files: a CSV per table, one XLSX
workbook and Markdown.

Column names are a public interface (docs/exports.md lists them; golden-file tests pin them).
Shares are proportions (0–1), not percentages, so that a spreadsheet can format them; rates are
per 1,000 in-scope words. The CSV and XLSX files are written by :mod:`qualcode.exports.spreadsheet`,
which neutralises every text cell a spreadsheet could run as a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from qualcode.exports.display import DisplayTable, report_display_tables, report_notes
from qualcode.exports.spreadsheet import write_csv, write_xlsx
from qualcode.report import Comparison, Report

GROUPS_COLUMNS = [
    "group_by",
    "group",
    "interviews",
    "segments_in_scope",
    "respondent_segments",
    "unknown_speaker_segments",
    "words_in_scope",
    "segments_any_code",
    "interviews_any_code",
]
FREQUENCY_COLUMNS = [
    "code_path",
    "code_label",
    "depth",
    "leaf",
    "group_by",
    "group",
    "segments_coded",
    "segments_in_scope",
    "share",
    "interviews_coded",
    "interviews",
    "words_in_scope",
    "rate_per_1000_words",
]
COMPARISON_TEST_COLUMNS = [
    "test",
    "statistic",
    "p_value",
    "p_adjusted",
    "significant",
    "effect",
    "effect_value",
    "ci_low",
    "ci_high",
    "interview_test",
    "interview_p_value",
    "interview_p_adjusted",
    "interview_significant",
    "interview_effect_value",
    "interview_ci_low",
    "interview_ci_high",
]


# -- the report's tables -------------------------------------------------------------------------


def groups_frame(report: Report) -> pd.DataFrame:
    rows = []
    for group, any_code in zip([*report.groups, report.total], report.any_code, strict=True):
        rows.append(
            [
                report.by,
                group.name,
                group.interviews,
                group.segments,
                group.respondent_segments,
                group.unknown_speaker_segments,
                group.words,
                any_code.segments,
                any_code.interviews,
            ]
        )
    return pd.DataFrame(rows, columns=GROUPS_COLUMNS)


def frequencies_frame(report: Report) -> pd.DataFrame:
    """Long (tidy) table: one row per code and group, the total as group ``total``."""
    rows = []
    groups = [*report.groups, report.total]
    for line in report.lines:
        for group, cell in zip(groups, line.cells, strict=True):
            rows.append(
                [
                    line.path,
                    line.label,
                    line.depth,
                    line.leaf,
                    report.by,
                    group.name,
                    cell.segments,
                    group.segments,
                    cell.share,
                    cell.interviews,
                    group.interviews,
                    group.words,
                    cell.rate,
                ]
            )
    return pd.DataFrame(rows, columns=FREQUENCY_COLUMNS)


def comparison_frame(report: Report, comparison: Comparison) -> pd.DataFrame:
    """One row per code: counts and shares per group (``*_<group>`` columns), then the tests."""
    index = {g.name: i for i, g in enumerate(report.groups)}
    columns = ["code_path", "code_label", "depth"]
    for name in comparison.groups:
        columns += [f"segments_coded_{name}", f"share_{name}", f"interviews_coded_{name}"]
    columns += COMPARISON_TEST_COLUMNS
    rows = []
    for line in report.lines:
        code = comparison.for_path(line.path)
        row: list[Any] = [line.path, line.label, line.depth]
        for name in comparison.groups:
            cell = line.cells[index[name]]
            row += [cell.segments, cell.share, cell.interviews]
        row += [
            code.segments.test,
            code.segments.statistic,
            code.segments.p_value,
            code.segments.p_adjusted,
            code.segments.significant,
            code.effect.name,
            code.effect.value,
            code.effect.ci_low,
            code.effect.ci_high,
            code.interviews.test,
            code.interviews.p_value,
            code.interviews.p_adjusted,
            code.interviews.significant,
            code.interview_effect.value,
            code.interview_effect.ci_low,
            code.interview_effect.ci_high,
        ]
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def cooccurrence_frame(report: Report) -> pd.DataFrame:
    """Code × code: in-scope segments counted for both (the diagonal: for the code at all)."""
    paths = [line.path for line in report.lines]
    frame = pd.DataFrame([list(row) for row in report.cooccurrence], columns=paths)
    frame.insert(0, "code_path", paths)
    return frame


def code_document_frame(report: Report) -> pd.DataFrame:
    """Code × document: in-scope segments coded per document (MAXQDA's Code Matrix Browser)."""
    names = [d.name for d in report.documents]
    frame = pd.DataFrame([list(row) for row in report.code_document], columns=names)
    frame.insert(0, "code_label", [line.label for line in report.lines])
    frame.insert(0, "code_path", [line.path for line in report.lines])
    return frame


def report_frames(report: Report, comparison: Comparison | None) -> dict[str, pd.DataFrame]:
    """Every table of the report by its file stem (also the workbook's sheet names)."""
    frames = {"groups": groups_frame(report), "frequencies": frequencies_frame(report)}
    if comparison is not None:
        frames["comparison"] = comparison_frame(report, comparison)
    frames["cooccurrence"] = cooccurrence_frame(report)
    frames["code_document"] = code_document_frame(report)
    return frames


def markdown_table(table: DisplayTable) -> str:
    """A GitHub/pandoc pipe table, numbers right-aligned."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(escape(h) for h in table.headers) + " |"]
    lines.append("|" + "|".join("---:" if a == "r" else ":---" for a in table.align) + "|")
    lines.extend("| " + " | ".join(escape(c) for c in row) + " |" for row in table.rows)
    return "\n".join(lines)


def markdown_document(title: str, preamble: Sequence[str], tables: Sequence[DisplayTable]) -> str:
    parts = [f"# {title}", ""]
    for sentence in preamble:
        parts += [sentence, ""]
    for table in tables:
        parts += [f"## {table.title}", "", markdown_table(table), ""]
        if table.notes:
            parts += [*table.notes, ""]
    return "\n".join(parts)


def write_report_files(report: Report, comparison: Comparison | None, folder: Path) -> list[Path]:
    """Every table as ``<name>.csv``, all of them in ``report.xlsx``, and ``report.md``."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = report_frames(report, comparison)
    written = [write_csv(frame, folder / f"{name}.csv") for name, frame in frames.items()]
    written.append(write_xlsx(frames, folder / "report.xlsx"))
    tables = report_display_tables(report, comparison, style="markdown")
    markdown = markdown_document(f"Codes by {report.by}", report_notes(report, None), tables)
    markdown_path = folder / "report.md"
    markdown_path.write_text(markdown, encoding="utf-8")
    written.append(markdown_path)
    return written
