"""End to end on the sample transcripts: ingest, the real automatic coding with the study's
codebook, an invented human coding sheet imported as coder "laia", and their agreement.

The sheet (tests/fixtures/human/laia_coding_sheet.csv) is 30 respondent turns drawn by
``qualcode export coding-sheet --role respondent --sample 30 --seed 5`` for six codes, coded by
hand from the text alone. The automatic coder's figures change whenever the codebook or the
matcher is tuned, so this test checks what must hold whatever they are: the units, each coder's
counts against an independent count, kappa against the counts, and the disagreement listing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from qualcode.agreement import Counts, cohen_kappa
from qualcode.store import Store

ROOT = Path(__file__).parent.parent
SHEET = Path(__file__).parent / "fixtures" / "human" / "laia_coding_sheet.csv"
AUTO = "auto:justice@1.0"
SHEET_COLUMNS = 5


def _sheet() -> tuple[list[str], list[dict[str, str]]]:
    with open(SHEET, encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return list(rows[0])[SHEET_COLUMNS:], rows


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_a_human_coding_sheet_against_the_automatic_coding(
    cli: Callable[..., object], project_path: Path, tmp_path: Path
) -> None:
    codes, rows = _sheet()
    assert len(rows) == 30 and len(codes) == 6
    assert cli("ingest", str(ROOT / "transcripts")).exit_code == 0
    coded = cli("code", "--codebook", str(ROOT / "codebooks" / "justice.yaml"))
    assert coded.exit_code == 0, coded.output
    imported = cli("import", "codings", str(SHEET), "--coder", "laia")
    assert imported.exit_code == 0, imported.output
    marks = {code: sum(row[code] == "1" for row in rows) for code in codes}
    assert imported.stdout == (
        "Imported laia_coding_sheet.csv (coding sheet): 30 rows, 180 cells judged by laia; "
        f"{sum(marks.values())} codings added, 0 already there, 0 removed (marked 0).\n"
    )

    result = cli(
        "agree", "--coder", "laia", "--coder", AUTO, "--show-disagreements", "--out", "out"
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Agreement of 2 coders on 30 segments: laia, {AUTO}"
    assert lines[1].startswith("Units compared: for each code, the segments every coder looked")
    assert f"A: laia (reference), B: {AUTO}; P, R, F1: precision, recall and F1 of B against A" in (
        lines
    )

    # What the automatic coder coded among the sheet's segments, counted from the store.
    sheet_segments = {(row["document"], int(row["ordinal"])) for row in rows}
    with Store.open(project_path) as store:
        automatic = {
            code: sum(
                (item.document_name, item.segment.ordinal) in sheet_segments
                for item in store.coded_segments(code_paths=[code], coders=[AUTO])
                if item.code_path == code
            )
            for code in codes
        }
    table = {row["code"]: row for row in _csv(tmp_path / "out" / "agreement.csv")}
    assert list(table) == [*codes, "overall"]
    disagreements = 0
    for code in codes:
        row = table[code]
        counts = Counts(
            *(int(row[k]) for k in ("both", "only_reference", "only_compared", "neither"))
        )
        assert counts.total == int(row["units"]) == 30
        assert counts.both + counts.only_a == marks[code], code
        assert counts.both + counts.only_b == automatic[code], code
        kappa = cohen_kappa(counts).value
        # written as every CSV number is, to six significant digits (exports/tables.py)
        assert row["kappa"] == ("" if kappa is None else f"{round(kappa, 4):.6g}")
        disagreements += counts.only_a + counts.only_b
    assert int(table["overall"]["units"]) == 180
    listed = _csv(tmp_path / "out" / "disagreements.csv")
    assert len(listed) == disagreements
    assert f"Disagreements ({disagreements}):" in lines
    assert {row["laia"] for row in listed} | {row[AUTO] for row in listed} <= {"yes", "no"}

    # A rerun of the automatic coder leaves the person's codings, and the figures, as they were.
    assert cli("code", "--codebook", str(ROOT / "codebooks" / "justice.yaml")).exit_code == 0
    assert cli("agree", "--coder", "laia", "--coder", AUTO, "--out", "again").exit_code == 0
    assert _csv(tmp_path / "again" / "agreement.csv") == _csv(tmp_path / "out" / "agreement.csv")
