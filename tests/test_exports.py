"""Exports of the small fixed project: golden CSVs, the workbook, Markdown, charts and Word.

Golden files live in tests/golden/; ``pytest --regen-golden`` rewrites them (review the diff).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest

from qualcode.errors import UsageError
from qualcode.exports.charts import chart_data, png_bytes, write_chart
from qualcode.exports.docx_report import write_quotes_docx
from qualcode.exports.segments import coded_segments_frame, segment_matrix_frame
from qualcode.exports.spreadsheet import neutralise, write_table
from qualcode.exports.tables import write_report_files
from qualcode.report import ReportOptions, build_report, compare
from qualcode.store import Store
from report_project import CODER, build_project

pytest_plugins = ["golden_plugin"]

Golden = Callable[[str, bytes], None]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(tmp_path_factory.mktemp("exports") / "project.qualcode")


@pytest.fixture(scope="module")
def report_folder(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("out")
    with Store.open(project) as store:
        report = build_report(store, ReportOptions())
    write_report_files(report, compare(report), folder)
    return folder


@pytest.mark.parametrize(
    "name", ["groups", "frequencies", "comparison", "cooccurrence", "code_document"]
)
def test_report_csv_matches_golden(report_folder: Path, golden: Golden, name: str) -> None:
    golden(f"report/{name}.csv", (report_folder / f"{name}.csv").read_bytes())


def test_segments_csv_and_matrix_match_golden(
    project: Path, tmp_path: Path, golden: Golden
) -> None:
    with Store.open(project) as store:
        coder, frame = coded_segments_frame(store)
        _, matrix = segment_matrix_frame(store)
    assert coder == CODER
    golden("segments/segments.csv", write_table(frame, tmp_path / "s.csv", "segments").read_bytes())
    golden("segments/matrix.csv", write_table(matrix, tmp_path / "m.csv", "matrix").read_bytes())


def test_segments_export_columns_are_the_documented_ones(project: Path) -> None:
    with Store.open(project) as store:
        _, frame = coded_segments_frame(store)
        _, matrix = segment_matrix_frame(store)
    assert list(frame.columns) == [
        "document",
        "attr_city",
        "attr_interviewee_role",
        "attr_language",
        "attr_organisation_type",
        "segment_id",
        "segment_ordinal",
        "turn",
        "speaker",
        "role",
        "timestamp",
        "start_char",
        "end_char",
        "language",
        "word_count",
        "code_path",
        "code_label",
        "coder",
        "evidence",
        "evidence_patterns",
        "evidence_spans",
        "text",
    ]
    assert list(matrix.columns)[-7:] == [
        "in_scope",
        "inequality",
        "inequality__housing",
        "inequality__health",
        "governance",
        "governance__participation",
        "governance__municipalism",
    ]
    # One row per coding, interviewer turns included (they carry role = interviewer).
    assert "interviewer" in set(frame["role"])
    # The matrix has every current segment, and its in-scope parent columns give the report.
    assert len(matrix) == 19
    in_scope = matrix[matrix["in_scope"] == 1]
    assert len(in_scope) == 13
    assert int(in_scope["inequality"].sum()) == 6
    assert int(in_scope.groupby("attr_city")["inequality__housing"].sum()["Barcelona"]) == 2


def test_evidence_columns_point_into_the_text(project: Path) -> None:
    with Store.open(project) as store:
        _, frame = coded_segments_frame(store, codes=("inequality/housing",))
        texts = {d.document_id: store.document_text(d.document_id) for d in store.documents()}
        names = {d.name: d.document_id for d in store.documents()}
    assert set(frame["code_path"]) == {"inequality/housing"}
    for row in frame.itertuples():
        text = texts[names[row.document]]
        for span, matched in zip(
            row.evidence_spans.split("; "), row.evidence.split("; "), strict=True
        ):
            start, end = (int(x) for x in span.split("-"))
            assert text[start:end] == matched


def test_formulas_are_neutralised() -> None:
    assert neutralise("=SUM(A1)") == "'=SUM(A1)"
    assert neutralise("-20%") == "'-20%"
    assert neutralise("+34 600") == "'+34 600"
    assert neutralise("@mention") == "'@mention"
    assert neutralise("\tTab") == "'\tTab"
    assert neutralise("\rCR") == "'\rCR"
    assert neutralise("Housing") == "Housing"
    assert neutralise(-3) == -3  # numbers stay numbers


def test_segments_csv_neutralises_the_formula_turns(project: Path, tmp_path: Path) -> None:
    with Store.open(project) as store:
        _, frame = coded_segments_frame(store, codes=("governance",))
    path = write_table(frame, tmp_path / "segments.csv", "segments")
    texts = list(pd.read_csv(path)["text"])
    assert "'-20% in grants since 2019, so the council has not helped much." in texts


def test_segments_xlsx_keeps_formulas_as_text(project: Path, tmp_path: Path) -> None:
    with Store.open(project) as store:
        _, frame = segment_matrix_frame(store)
        _, segments = coded_segments_frame(store)
    frame.loc[0, "speaker"] = '=HYPERLINK("http://example.com")'
    path = write_table(frame, tmp_path / "matrix.xlsx", "matrix")
    sheet = openpyxl.load_workbook(path)["matrix"]
    speaker_column = [c.value for c in sheet[1]].index("speaker") + 1
    cell = sheet.cell(row=2, column=speaker_column)
    assert cell.data_type == "s"
    assert cell.value == '\'=HYPERLINK("http://example.com")'
    assert sheet.freeze_panes == "A2"
    path = write_table(segments, tmp_path / "segments.xlsx", "segments")
    sheet = openpyxl.load_workbook(path)["segments"]
    assert sheet.max_row == len(segments) + 1


def test_unknown_table_suffix_is_a_usage_error(project: Path, tmp_path: Path) -> None:
    with Store.open(project) as store:
        _, frame = coded_segments_frame(store)
    with pytest.raises(UsageError, match=r"as \.csv or \.xlsx, not '\.txt'"):
        write_table(frame, tmp_path / "segments.txt", "segments")


def test_workbook_has_a_sheet_per_table_with_frozen_headers(report_folder: Path) -> None:
    workbook = openpyxl.load_workbook(report_folder / "report.xlsx")
    assert workbook.sheetnames == [
        "groups",
        "frequencies",
        "comparison",
        "cooccurrence",
        "code_document",
    ]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.column_dimensions["A"].width > 8
    csv = pd.read_csv(report_folder / "frequencies.csv")
    sheet = workbook["frequencies"]
    assert [c.value for c in sheet[1]] == list(csv.columns)
    assert sheet.max_row == len(csv) + 1


def test_markdown_has_every_table(report_folder: Path) -> None:
    text = (report_folder / "report.md").read_text(encoding="utf-8")
    assert text.startswith("# Codes by city\n")
    for heading in [
        "## Interviews and in-scope segments",
        "## Segments coded (share of in-scope segments)",
        "## Interviews mentioning the code (of all interviews)",
        "## Rate: coded segments per 1,000 in-scope words",
        "## Comparison by city: share of in-scope segments",
        "## Co-occurrence: in-scope segments coded with both codes",
        "## Code × document: in-scope segments coded",
    ]:
        assert heading + "\n" in text
    assert "| Housing | 2 (28.6%) | 3 (50.0%) | 5 (38.5%) |" in text.replace("\u00a0", "")
    assert "| code | barcelona/c1_habitatge.txt |" in text


def test_chart_files(project: Path, tmp_path: Path) -> None:
    with Store.open(project) as store:
        report = build_report(store, ReportOptions())
    data = chart_data(report, compare(report))
    assert data.groups == ("Barcelona", "Birmingham")
    assert data.shares[1] == pytest.approx((2 / 7, 3 / 6))
    assert data.lows[1][0] < data.shares[1][0] < data.highs[1][0]
    assert png_bytes(data).startswith(b"\x89PNG\r\n\x1a\n")
    first = write_chart(data, tmp_path / "a.svg").read_bytes()
    second = write_chart(data, tmp_path / "b.svg").read_bytes()
    assert first == second  # no date, fixed ids: the same report gives the same file
    assert b"Housing" in first
    with pytest.raises(UsageError, match=r"\.png or \.svg, not '\.gif'"):
        write_chart(data, tmp_path / "chart.gif")


def test_quotes_docx_structure(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "quotes.docx"
    with Store.open(project) as store:
        summary = write_quotes_docx(store, ReportOptions(), path)
    assert (summary.themes, summary.charts) == (2, 2)
    document = docx.Document(str(path))
    headings = [
        (p.style.name, p.text)
        for p in document.paragraphs
        if p.style.name.startswith(("Head", "Title"))
    ]
    assert headings[0] == ("Title", "Coded quotes by city")
    assert [text for style, text in headings if style == "Heading 1"] == [
        "Inequality",
        "Governance",
    ]
    assert ("Heading 2", "Housing (inequality/housing)") in headings
    # Municipalism has no quote: no heading for it.
    assert not [text for _, text in headings if "municipalism" in text]
    housing = headings.index(("Heading 2", "Housing (inequality/housing)"))
    assert headings[housing + 1 : housing + 3] == [
        ("Heading 3", "Barcelona: 2 quotes"),
        ("Heading 3", "Birmingham: 3 quotes"),
    ]
    assert len(document.tables) == 2
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "code",
        "Barcelona",
        "Birmingham",
        "diff, pp [95% CI]",
        "p adj",
        "int p adj",
    ]
    assert [c.text for c in table.rows[2].cells][:3] == [
        "\u00a0\u00a0Housing",
        "2 (28.6%)",
        "3 (50.0%)",
    ]
    assert len(document.inline_shapes) == 2
    quotes = [p for p in document.paragraphs if p.style.name == "Quote"]
    assert len(quotes) == summary.quotes
    # Interviewer questions name themes but are never quoted.
    assert not [q for q in quotes if q.text.startswith(("Tell me about", "Parlem de"))]
    first = next(q for q in quotes if q.text.startswith("L’habitatge és el problema"))
    assert [r.text for r in first.runs if r.bold] == ["desigualtat"]  # under Inequality
    meta = first._p.getprevious()
    assert "barcelona/c1_habitatge.txt · MARIA PUIG" in "".join(meta.itertext())


def test_quotes_docx_limits_quotes(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "quotes.docx"
    with Store.open(project) as store:
        summary = write_quotes_docx(
            store, ReportOptions(codes=("inequality/housing",)), path, max_quotes=1
        )
    assert summary.quotes == 2  # one per city
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "… and 2 more; 'qualcode export segments' lists them all." in text
