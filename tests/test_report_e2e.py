"""End to end on the sample transcripts: ingest, the real ``qualcode code``, every report, export.

No codings are made by hand here: what the researchers run is what is tested. The checks tie the
outputs together (the report's counts are what the segment matrix and the coded segments say).
"""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
from typer.testing import Result

ROOT = Path(__file__).resolve().parents[1]
TRANSCRIPTS = ROOT / "transcripts"
CODEBOOK = ROOT / "codebooks" / "justice.yaml"
CODER = "auto:justice@1.0"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Run the whole pipeline once; the tests below read what it wrote."""
    from typer.testing import CliRunner

    from qualcode.cli import app

    folder = tmp_path_factory.mktemp("e2e")
    project = folder / "study.qualcode"
    runner = CliRunner(env={"COLUMNS": "100"})

    def run(*args: str) -> Result:
        result = runner.invoke(app, ["--project", str(project), *args])
        assert result.exit_code == 0, (args, result.output)
        return result

    run("ingest", str(TRANSCRIPTS))
    run("code", "--codebook", str(CODEBOOK))
    report = run(
        "report",
        "--compare",
        "--out",
        str(folder / "tables"),
        "--chart",
        str(folder / "shares.png"),
    )
    run("report", "--by", "organisation_type", "--leaves")
    run(
        "export",
        "segments",
        "--out",
        str(folder / "segments.csv"),
        "--matrix",
        str(folder / "matrix.csv"),
    )
    run("export", "segments", "--out", str(folder / "segments.xlsx"))
    quotes = run("export", "quotes", "--format", "docx", "--out", str(folder / "quotes.docx"))
    return {"folder": folder, "report": report.stdout, "quotes": quotes.stdout}


def folder_of(outputs: dict[str, object]) -> Path:
    folder = outputs["folder"]
    assert isinstance(folder, Path)
    return folder


def test_report_compares_the_two_cities(outputs: dict[str, object]) -> None:
    text = str(outputs["report"])
    assert text.startswith(f"Coder: {CODER}. Groups: city. Documents: all. 8 interviews.\n")
    assert "Comparison by city: share of in-scope segments" in text
    assert "interview are not independent" in " ".join(text.split())
    groups = pd.read_csv(folder_of(outputs) / "tables" / "groups.csv")
    assert list(groups["group"]) == ["Barcelona", "Birmingham", "total"]
    assert list(groups["interviews"]) == [4, 4, 8]


def test_every_table_is_written(outputs: dict[str, object]) -> None:
    tables = folder_of(outputs) / "tables"
    names = ["groups", "frequencies", "comparison", "cooccurrence", "code_document"]
    for name in names:
        assert (tables / f"{name}.csv").stat().st_size > 0
    assert openpyxl.load_workbook(tables / "report.xlsx").sheetnames == names
    assert "## Comparison by city" in (tables / "report.md").read_text(encoding="utf-8")
    assert (folder_of(outputs) / "shares.png").read_bytes().startswith(b"\x89PNG")


def test_report_counts_agree_with_the_segment_matrix(outputs: dict[str, object]) -> None:
    folder = folder_of(outputs)
    frequencies = pd.read_csv(folder / "tables" / "frequencies.csv")
    matrix = pd.read_csv(folder / "matrix.csv")
    in_scope = matrix[matrix["in_scope"] == 1]
    for code_path in ["inequality", "inequality/housing", "economic_justice/living_wage"]:
        column = code_path.replace("/", "__")
        for city in ["Barcelona", "Birmingham"]:
            row = frequencies[
                (frequencies["code_path"] == code_path) & (frequencies["group"] == city)
            ]
            expected = int(in_scope[in_scope["attr_city"] == city][column].sum())
            assert int(row["segments_coded"].iloc[0]) == expected


def test_coded_segments_export(outputs: dict[str, object]) -> None:
    folder = folder_of(outputs)
    segments = pd.read_csv(folder / "segments.csv")
    assert set(segments["coder"]) == {CODER}
    assert {"attr_city", "attr_interviewee_role", "attr_organisation_type"} <= set(segments.columns)
    assert segments["evidence"].notna().all()
    workbook = pd.read_excel(folder / "segments.xlsx")
    assert len(workbook) == len(segments)


def test_quotes_report(outputs: dict[str, object]) -> None:
    document = docx.Document(str(folder_of(outputs) / "quotes.docx"))
    themes = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert themes == ["Inequality", "Governance", "Social innovation", "Economic justice"]
    assert len(document.tables) == 4
    assert len(document.inline_shapes) == 4
    quotes = [p for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes and all(any(run.bold for run in q.runs) for q in quotes)
    assert str(outputs["quotes"]).startswith(f"Wrote {len(quotes):,} quotes by {CODER}")
