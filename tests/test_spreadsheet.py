"""The one writer of CSV and XLSX files: text neutralised for people, or exact and typed as text."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from qualcode.errors import ImportFormatError
from qualcode.exports.spreadsheet import (
    XLSX_CELL_LIMIT,
    Text,
    Workbook,
    cell_value,
    csv_text,
    write_xlsx,
)
from qualcode.people.sheet import EXCEL_CELL_LIMIT, same_text
from qualcode.readers.grid import Workbook as ReadWorkbook

PAYLOAD = '=HYPERLINK("http://example.org/x","housing")'


def _cells(path: Path) -> list[list[tuple[object, str]]]:
    """Every sheet's (value, data type) cells, as the file stores them."""
    workbook = openpyxl.load_workbook(path)
    return [
        [(cell.value, cell.data_type) for row in sheet.iter_rows() for cell in row]
        for sheet in workbook.worksheets
    ]


def test_exact_text_is_kept_and_typed_as_text_in_every_sheet(tmp_path: Path) -> None:
    workbook = Workbook(Text.EXACT)
    segments = workbook.add_sheet("segments")
    workbook.append(segments, ["document", "ordinal", "text"])
    workbook.append(segments, ["a.txt", 3, PAYLOAD])
    workbook.append(segments, ["a.txt", 4, "+rents went up\x0b, -rents never came down"])
    guide = workbook.add_sheet("codes")
    workbook.append(guide, ["housing", "=what a codebook could say"])
    path = workbook.save(tmp_path / "sheet.xlsx")
    first, second = _cells(path)
    assert first[3:] == [
        ("a.txt", "s"),
        (3, "n"),
        (PAYLOAD, "s"),
        ("a.txt", "s"),
        (4, "n"),
        ("+rents went up, -rents never came down", "s"),  # a control character no cell holds
    ]
    assert second == [("housing", "s"), ("=what a codebook could say", "s")]


def test_exact_text_too_long_for_a_cell_is_cut_as_the_import_expects(tmp_path: Path) -> None:
    text = "una frase llarga " * 3_000
    written = cell_value(text, Text.EXACT)
    assert len(written) == EXCEL_CELL_LIMIT and written.endswith("…")
    workbook = Workbook(Text.EXACT)
    sheet = workbook.add_sheet("segments")
    workbook.append(sheet, ["text"])
    workbook.append(sheet, [text])
    with ReadWorkbook(workbook.save(tmp_path / "long.xlsx"), ImportFormatError) as read:
        cell = read.sheet("segments").cells()[1][0]
    assert same_text(cell, text)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (PAYLOAD, "'" + PAYLOAD),
        ("-20% in grants", "'-20% in grants"),
        ("Housing", "Housing"),
        ("tab\x01bed", "tabbed"),
        (-0.125, -0.125),  # a kappa, not a formula
        (np.int64(7), 7),
        (float("nan"), None),
        (None, None),
    ],
)
def test_neutralised_cells(value: object, written: object) -> None:
    assert cell_value(value, Text.NEUTRALISED) == written


def test_neutralised_text_too_long_is_cut_at_the_cell_limit() -> None:
    assert len(cell_value("x" * (XLSX_CELL_LIMIT + 10), Text.NEUTRALISED)) == XLSX_CELL_LIMIT


def test_a_table_says_the_same_in_csv_and_xlsx(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"text": [PAYLOAD, "@mention", None], "kappa": [0.5, -0.25, math.nan]}, dtype=object
    )
    frame["count"] = pd.array([1, pd.NA, 3], dtype="Int64")
    path = write_xlsx({"agreement": frame}, tmp_path / "a.xlsx")
    workbook = openpyxl.load_workbook(path)
    rows = [[cell.value for cell in row] for row in workbook["agreement"].iter_rows()]
    assert rows == [
        ["text", "kappa", "count"],
        ["'" + PAYLOAD, 0.5, 1],
        ["'@mention", -0.25, None],
        [None, None, 3],
    ]
    assert "f" not in {data_type for sheet in _cells(path) for _, data_type in sheet}
    lines = csv_text(frame).splitlines()
    assert lines[1].startswith("\"'=HYPERLINK(") and lines[2] == "'@mention,-0.25,"
