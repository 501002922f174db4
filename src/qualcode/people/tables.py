"""Reading the CSV and XLSX tables people hand back: coding sheets and lists of codings."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode import delimited
from qualcode.errors import ImportFormatError
from qualcode.people.sheet import SHEET_NAME
from qualcode.safezip import bounded_rows, check_package, structure_errors

MAX_LISTED_PROBLEMS = 50


@dataclass(frozen=True)
class RowProblem:
    row: int
    message: str
    column: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class RowsError(ImportFormatError):
    """Rows of an input file that cannot be used; nothing was written."""

    def __init__(self, path: Path, problems: Sequence[RowProblem], consequence: str) -> None:
        self.problems = list(problems)
        shown = self.problems[:MAX_LISTED_PROBLEMS]
        more = len(self.problems) - len(shown)
        lines = [f"{len(self.problems)} problem{'s' * (len(self.problems) != 1)}, {consequence}:"]
        lines += [f"  {problem}" for problem in shown]
        if more:
            lines.append(f"  … and {more} more")
        super().__init__("\n".join(lines), path=path)


@dataclass(frozen=True)
class Table:
    """The rows of a CSV file or of one worksheet; columns by normalised header name."""

    path: Path
    headers: list[str]
    """Headers as written, stripped."""
    columns: list[str]
    """Headers normalised: lower case, spaces and dashes as underscores."""
    rows: list[tuple[int, dict[str, str]]]
    """(row number as a spreadsheet shows it, {normalised header: cell}), blank rows left out."""
    raw_rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    """The same rows keyed by the headers as written (code columns of a coding sheet)."""


def normalise_header(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def read_table(path: Path) -> Table:
    """A CSV (comma, semicolon or tab separated; UTF-8 or Windows-1252) or XLSX table."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise ImportFormatError("no such file", path=path)
    if suffix in (".csv", ".tsv", ".txt"):
        grid = _csv_grid(path)
    elif suffix in (".xlsx", ".xlsm"):
        grid = _xlsx_grid(path)
    else:
        raise ImportFormatError(
            f"cannot read '{suffix}' files", path=path, hint="use .csv or .xlsx"
        )
    if not grid or not any(cell.strip() for cell in grid[0]):
        raise ImportFormatError("the file is empty (no header row)", path=path)
    headers = [cell.strip() for cell in grid[0]]
    while headers and not headers[-1]:
        headers.pop()
    columns = [normalise_header(h) for h in headers]
    duplicates = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicates:
        raise ImportFormatError(f"repeated column {', '.join(duplicates)}", path=path)
    rows, raw_rows = [], []
    for index, cells in enumerate(grid[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cells = [*cells, *[""] * (len(headers) - len(cells))]
        rows.append((index, {c: cells[i].strip() for i, c in enumerate(columns) if c}))
        raw_rows.append((index, {h: cells[i].strip() for i, h in enumerate(headers) if h}))
    return Table(path, headers, columns, rows, raw_rows)


def _csv_grid(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    table = delimited.rows(text, path, ImportFormatError, delimiter=delimiter)
    return [cells for _, cells in table]


def _xlsx_grid(path: Path) -> list[list[str]]:
    from openpyxl.utils.exceptions import CellCoordinatesException

    # openpyxl reads the sheet lazily, row by row: the whole reading is inside.
    library_errors = (CellCoordinatesException,)
    with structure_errors(path, ".xlsx", "openpyxl", ImportFormatError, library_errors):
        return _read_xlsx_grid(path)


def _read_xlsx_grid(path: Path) -> list[list[str]]:
    import openpyxl  # only needed for spreadsheets

    check_package(path, ImportFormatError, kind=".xlsx file")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportFormatError(f"not a readable .xlsx file ({error})", path=path) from error
    try:
        sheets = [workbook[SHEET_NAME]] if SHEET_NAME in workbook.sheetnames else []
        sheets += [s for s in workbook.worksheets if s.title != SHEET_NAME]
        for sheet in sheets:
            cells = ([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
            grid = list(bounded_rows(cells, path, ImportFormatError))
            if grid and "document" in (normalise_header(c) for c in grid[0]):
                return grid
        raise ImportFormatError("no worksheet has a 'document' column", path=path)
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
