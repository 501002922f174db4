"""The Word report of the study: per theme, the comparison and a chart, then the coded quotes.

Layout, for each theme (a top-level code of the report):

1. Heading 1 with the theme's label and description;
2. the comparison table of the theme and its sub-codes (share per group, effect and p-values;
   counts and interviews when there is a single group);
3. a bar chart of the share per group (PNG drawn by :mod:`qualcode.exports.charts`);
4. per code of the theme that has quotes, a Heading 2, then per group a Heading 3 and the quotes:
   a line with interview, speaker and timestamp, and the segment text (style ``Quote``) with the
   evidence in bold.

Which quotes, and under which code, is :func:`qualcode.exports.sections.report_quotes`: the
in-scope segments under the code they were coded with (no roll-up), as the report counts them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Inches, Length, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from qualcode.context import ContextFinder
from qualcode.exports.charts import chart_data, png_bytes
from qualcode.exports.display import effect_text, p_text, percent, report_notes
from qualcode.exports.sections import evidence_spans, report_quotes, themes
from qualcode.models import CodedSegment
from qualcode.report import CodeLine, Comparison, Report, ReportOptions, build_report, compare
from qualcode.stats import DIFFERENCE
from qualcode.store import Store

GREY = RGBColor(0x59, 0x59, 0x59)


@dataclass(frozen=True)
class QuotesSummary:
    path: Path
    coder: str
    themes: int
    quotes: int
    charts: int


def write_quotes_docx(
    store: Store,
    options: ReportOptions,
    path: Path,
    *,
    max_quotes: int | None = None,
    context: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> QuotesSummary:
    """Build the report, compare the groups (when there are two or more) and write the file.

    ``progress`` is called with the quotes written and the quotes in all after each quote.
    """
    report = build_report(store, options)
    comparison = compare(report) if sum(g.segments > 0 for g in report.groups) >= 2 else None
    quotes = report_quotes(store, report, options)
    finder = ContextFinder(store) if context is not None else None

    document = docx.Document()
    _set_base_style(document)
    blocks = _Blocks(document)
    blocks.add_heading(f"Coded quotes by {report.by}", level=0)
    for note in report_notes(report, comparison):
        _note(blocks.add_paragraph(), note)
    theme_lines = themes(report.lines)
    descriptions = {code.path: code.description for code in store.codes()}
    written = charts = 0
    total = sum(
        min(len(items), max_quotes) if max_quotes else len(items)
        for _, lines in theme_lines
        for line in lines
        for group in report.groups
        for items in [quotes.get((line.path, group.name), [])]
    )
    for theme, lines in theme_lines:
        blocks.add_heading(theme.label, level=1)
        description = " ".join(descriptions.get(theme.path, "").split())
        if description:
            _note(blocks.add_paragraph(), description)
        _comparison_table(document, report, comparison, lines)
        if report.groups:
            data = chart_data(
                report,
                comparison,
                paths=[line.path for line in lines],
                title=f"{theme.label}: share of in-scope segments by {report.by}",
            )
            if data.groups:
                picture = blocks.add_paragraph()
                picture.add_run().add_picture(BytesIO(png_bytes(data)), width=Inches(6.0))
                picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
                charts += 1
        for line in lines:
            groups = [g.name for g in report.groups if quotes.get((line.path, g.name))]
            if not groups:
                continue
            blocks.add_heading(f"{line.label} ({line.path})", level=2)
            for group in groups:
                items = quotes[(line.path, group)]
                blocks.add_heading(f"{group}: {len(items)} quotes", level=3)
                for item in items[:max_quotes] if max_quotes else items:
                    around = finder.around(item.segment, context or 0) if finder else None
                    if around is not None:
                        if around.question is not None and around.question not in around.before:
                            _note(blocks.add_paragraph(), around.question.quoted())
                        for turn in around.before:
                            _note(blocks.add_paragraph(), turn.quoted())
                    _quote(blocks, item)
                    if around is not None:
                        for turn in around.after:
                            _note(blocks.add_paragraph(), turn.quoted())
                    written += 1
                    if progress is not None:
                        progress(written, total)
                if max_quotes and len(items) > max_quotes:
                    _note(
                        blocks.add_paragraph(),
                        f"… and {len(items) - max_quotes} more; 'qualcode export segments' "
                        "lists them all.",
                    )
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return QuotesSummary(path, report.coder, len(theme_lines), written, charts)


class _Blocks:
    """Paragraphs added at the end of a document's body in constant time.

    python-docx's ``add_paragraph`` and ``add_heading`` look for the body's section properties
    among all its children, each time: the quotes report grew with the square of its quotes.
    Here the new paragraph goes just before them, found once. Setting a paragraph's style by
    name scans every style for the default one, for each quote: each style's id is looked up
    once. The paragraphs are the ones python-docx makes.
    """

    def __init__(self, document: docx.document.Document) -> None:
        self._document = document
        self._body = document.element.body
        self._end = self._body.sectPr
        self._style_ids: dict[str, str | None] = {}

    def add_paragraph(self, text: str = "", style: str | None = None) -> Paragraph:
        element = OxmlElement("w:p")
        if self._end is not None:
            self._end.addprevious(element)
        else:
            self._body.append(element)
        paragraph = Paragraph(element, self._document)
        if text:
            paragraph.add_run(text)
        if style is not None:
            if style not in self._style_ids:
                part = self._document.part
                self._style_ids[style] = part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
            element.style = self._style_ids[style]
        return paragraph

    def add_heading(self, text: str, level: int) -> Paragraph:
        return self.add_paragraph(text, "Title" if level == 0 else f"Heading {level}")


def _set_base_style(document: docx.document.Document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)


def _note(paragraph: Paragraph, text: str) -> None:
    run = paragraph.add_run(_clean(text))
    run.italic = True
    run.font.size = Pt(9)
    run.font.color.rgb = GREY


def _comparison_table(
    document: docx.document.Document,
    report: Report,
    comparison: Comparison | None,
    lines: Sequence[CodeLine],
) -> None:
    index = {g.name: i for i, g in enumerate(report.groups)}
    if comparison is not None:
        effect = "diff, pp [95% CI]" if comparison.effect == DIFFERENCE else "V [95% CI]"
        headers = ["code", *comparison.groups, effect, "p adj", "int p adj"]
    else:
        headers = ["code", *(g.name for g in report.groups), "interviews"]
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Light List Accent 1"
    _plain_first_column(table)
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = _clean(text)
    for line in lines:
        row = ["\u00a0\u00a0" * (line.depth - lines[0].depth) + line.label]
        if comparison is not None:
            code = comparison.for_path(line.path)
            for name in comparison.groups:
                cell = line.cells[index[name]]
                row.append(f"{cell.segments:,} ({percent(cell.share)})")
            row += [
                effect_text(code.effect),
                p_text(code.segments.p_adjusted, mark=True),
                p_text(code.interviews.p_adjusted, mark=True),
            ]
        else:
            row += [f"{c.segments:,} ({percent(c.share)})" for c in line.cells[:-1]]
            row.append(f"{line.cells[-1].interviews}/{report.total.interviews}")
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, row, strict=True)):
            cell.text = _clean(text)
            if i > 0:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if line is lines[0] and len(lines) > 1:  # the theme over its sub-codes
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    section = document.sections[-1]
    text_width = int(section.page_width or 0) - int(section.left_margin or 0)
    text_width -= int(section.right_margin or 0)
    widths = _column_widths(len(headers), comparison is not None, text_width)
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid LibreOffice reads; Word reads the cells
    document.add_paragraph()


def _column_widths(count: int, compared: bool, text_width: int) -> list[Length]:
    """The code column wide, the effect column wide enough for its interval, the rest shared."""
    if compared:
        fixed = [Inches(1.45), Inches(1.35), Inches(0.58), Inches(0.6)]
        rest = (text_width - sum(fixed)) // (count - 4)
        return [fixed[0], *[Emu(rest)] * (count - 4), *fixed[1:]]
    rest = (text_width - Inches(1.45)) // (count - 1)
    return [Inches(1.45), *[Emu(rest)] * (count - 1)]


def _plain_first_column(table: Table) -> None:
    """Table styles emphasise the first column by default; code names read better plain."""
    properties = table._tbl.tblPr
    look = properties.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        properties.append(look)
    look.set(qn("w:val"), "0420")  # first row only, no vertical bands (older readers)
    for key, value in (
        ("firstColumn", "0"),
        ("lastColumn", "0"),
        ("firstRow", "1"),
        ("noVBand", "1"),
        ("noHBand", "0"),
    ):
        look.set(qn(f"w:{key}"), value)


def _quote(blocks: _Blocks, item: CodedSegment) -> None:
    segment = item.segment
    parts = [item.document_name, segment.speaker or "unknown speaker"]
    if segment.timestamp:
        parts.append(segment.timestamp)
    meta = blocks.add_paragraph()
    meta.paragraph_format.space_after = Pt(0)
    meta.paragraph_format.keep_with_next = True
    _note(meta, " · ".join(parts))
    paragraph = blocks.add_paragraph(style="Quote")
    paragraph.paragraph_format.left_indent = Inches(0.3)
    cursor = 0
    text = segment.text
    for start, end in evidence_spans(item):
        if start > cursor:
            paragraph.add_run(_clean(text[cursor:start]))
        paragraph.add_run(_clean(text[start:end])).bold = True
        cursor = end
    if cursor < len(text):
        paragraph.add_run(_clean(text[cursor:]))


def _clean(text: str) -> str:
    """Drop the control characters XML cannot hold (a Word file is XML)."""
    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", text)
    return cleaned
