"""Interview text that reads like a spreadsheet formula stays text in every file qualcode writes."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from qualcode.cli import app

MINI = Path(__file__).parent / "fixtures" / "coding" / "mini.yaml"
PAYLOAD = '=HYPERLINK("http://example.org/x","housing")'
TRANSCRIPT = f"""Interviewer: What about housing?

Ana Smith: {PAYLOAD} is what someone wrote on the housing forum.

Interviewer: And rents?

Ana Smith: +rents went up, and -rents never came down.
"""
FORMULA_STARTS = ("=", "+", "-", "@")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the payload coded by the automatic coder and by a person, and every file
    the commands write from it."""
    root = tmp_path_factory.mktemp("formulas")
    folder = root / "transcripts" / "birmingham"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text(TRANSCRIPT, encoding="utf-8")
    out = root / "out"
    out.mkdir()
    project = ["--project", str(root / "p.qualcode")]
    commands = [
        ["ingest", str(root / "transcripts")],
        ["code", "--codebook", str(MINI)],
        ["tag", "birmingham/a.txt#3", "participation", "--coder", "laia"],
        ["export", "segments", "--out", str(out / "segments.csv"), "--matrix", str(out / "m.csv")],
        ["export", "segments", "--out", str(out / "segments.xlsx"), "--context", "1"],
        ["export", "coding-sheet", "--out", str(out / "sheet.xlsx")],
        ["export", "quotes", "--out", str(out / "quotes.docx")],
        ["report", "--out", str(out / "report"), "--html", str(out / "report.html")],
        ["agree", "--coder", "laia", "--coder", "auto:mini@1", "--out", str(out / "agree")],
        ["search", "housing", "rents", "--out", str(out / "search.csv")],
        ["search", "housing", "rents", "--out", str(out / "search.xlsx")],
        ["export", "qdpx", str(out / "project.qdpx")],
    ]
    for command in commands:
        result = CliRunner().invoke(app, [*project, *command])
        assert result.exit_code == 0, (command, result.output)
    return out


def _csv_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.csv"))


def test_no_csv_cell_starts_like_a_formula(written: Path) -> None:
    files = _csv_files(written)
    assert {p.name for p in files} >= {"segments.csv", "agreement.csv", "disagreements.csv"}
    found_payload = False
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if not _number(cell):  # -0.125 is a kappa, not a formula
                        assert not cell.startswith(FORMULA_STARTS), (path.name, cell)
                    found_payload |= "HYPERLINK" in cell
    assert found_payload  # the text is there, made inert: not dropped


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_no_xlsx_cell_is_a_formula(written: Path) -> None:
    """A text cell is text to a spreadsheet, whatever it starts with; a formula cell would run."""
    files = sorted(written.rglob("*.xlsx"))
    assert {p.name for p in files} >= {"segments.xlsx", "sheet.xlsx", "agreement.xlsx"}
    texts: dict[str, str] = {}
    for path in files:
        workbook = openpyxl.load_workbook(path)
        cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
        formulas = [cell.coordinate for cell in cells if cell.data_type == "f"]
        assert formulas == [], path.name
        texts[path.name] = " ".join(str(cell.value) for cell in cells)
    # the text is there, made inert, not dropped
    assert "HYPERLINK" in texts["segments.xlsx"] and "HYPERLINK" in texts["sheet.xlsx"]
    assert "rents went up" in texts["agreement.xlsx"]  # laia's disagreement, on the + turn


def test_word_html_and_qdpx_keep_it_as_plain_text(written: Path) -> None:
    with zipfile.ZipFile(written / "quotes.docx") as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    assert "HYPERLINK" in body and "instrText" not in body and "fldSimple" not in body
    page = (written / "report.html").read_text(encoding="utf-8")
    assert 'href="http://example.org' not in page
    with zipfile.ZipFile(written / "project.qdpx") as archive:
        sources = [n for n in archive.namelist() if n.startswith("sources/") and n.endswith(".txt")]
        assert any(PAYLOAD in archive.read(n).decode("utf-8") for n in sources)
