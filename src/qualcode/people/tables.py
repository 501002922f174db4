"""Reading the CSV and XLSX tables people hand back: coding sheets and lists of codings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import ImportFormatError
from qualcode.people.sheet import SHEET_NAME
from qualcode.readers.grid import Workbook, read_delimited

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
    """A CSV (comma, semicolon or tab separated; UTF-8, UTF-16 or Windows-1252) or XLSX table,
    read as every table is (:mod:`qualcode.readers.grid`)."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise ImportFormatError("no such file", path=path)
    if suffix in (".csv", ".tsv", ".txt"):
        grid = read_delimited(path, ImportFormatError).cells()
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


def _xlsx_grid(path: Path) -> list[list[str]]:
    """The coding sheet's worksheet if there is one, else the first with a 'document' column."""
    with Workbook(path, ImportFormatError) as workbook:
        titles = [SHEET_NAME] if SHEET_NAME in workbook.titles else []
        titles += [title for title in workbook.titles if title != SHEET_NAME]
        for title in titles:
            grid = workbook.sheet(title).cells()
            if grid and "document" in (normalise_header(c) for c in grid[0]):
                return grid
    raise ImportFormatError("no worksheet has a 'document' column", path=path)
