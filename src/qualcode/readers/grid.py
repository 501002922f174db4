"""Rows of text from a CSV, TSV or XLSX file: the one reading of a grid for every table qualcode
takes in (transcripts as tables, the ``metadata.csv`` sidecar, the coding sheets people return).

One rule for each thing a spreadsheet can do differently:

- **Encoding** (CSV, TSV): as a text transcript's (:func:`.text_reader.decode`): a byte-order
  mark decides (UTF-8, UTF-16, UTF-32: Excel's "Unicode text" is UTF-16), else valid
  UTF-8 is UTF-8, else Windows-1252 or Latin-1 as the bytes 0x80-0x9F tell. A file with NUL bytes
  and no mark is refused: it is binary, or UTF-16 without its mark, and any decoding would be
  wrong without a word.
- **Delimiter**: a tab in a ``.tsv`` file; otherwise comma, semicolon (Spanish and Catalan Excel)
  or tab, whichever the csv module's sniffer finds in the first lines, else whichever the first
  line holds most of. The quote is always ``"``: the sniffer's guess of ``'`` would split Dutch
  and Catalan names (``'t Hooft``, ``l'Hospitalet``) without a word.
- **Blank cells**: a cell is text, never None; merged cells are the top-left cell's text and empty
  elsewhere; the empty cells that end a row and the blank rows that end the file are dropped (a
  CSV exported from Excel pads rows to the widest, and a worksheet to its last formatted cell), so
  a sheet saved as CSV and as XLSX gives the same rows. Blank rows in between are kept, so that a
  row's place in :attr:`Grid.rows` is the number a spreadsheet shows.
- **Numbers and times** (XLSX): the value a cell shows, as text: ``2`` for a whole number stored
  as ``2.0``, dates as ISO dates, clock times and durations as ``hh:mm:ss`` (``.mmm`` with a
  fraction). Formulas give their last computed value.
- **Errors**: the error class the caller gives (a reader's, an import's), one line naming the file
  and the line or row.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError
from qualcode.readers import delimited
from qualcode.readers.text_reader import decode
from qualcode.safezip import bounded_rows, check_package, structure_errors

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook as OpenpyxlWorkbook

DELIMITERS = ",;\t"
_SNIFFED_LINES = 20


@dataclass(frozen=True)
class Row:
    line: int
    """Where the row starts: the line of a CSV file (a quoted cell may span lines), the row of a
    worksheet."""
    cells: list[str]


@dataclass(frozen=True)
class Grid:
    """The rows of a CSV or TSV file, or of one worksheet."""

    path: Path
    rows: list[Row]
    encoding: str | None = None
    """How a CSV or TSV file was decoded; None for a worksheet."""

    def cells(self) -> list[list[str]]:
        return [row.cells for row in self.rows]


def read_delimited(path: Path, error: type[QualcodeError]) -> Grid:
    """The rows of a CSV or TSV file (or any delimited text: ``.txt`` from Excel)."""
    try:
        data = path.read_bytes()
    except OSError as failure:
        raise error(f"cannot read file: {failure.strerror}", path=path) from failure
    text, encoding = decode(data, path, error)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(text)
    table = delimited.rows(text, path, error, delimiter=delimiter)
    return Grid(path, _trimmed(Row(line, cells) for line, cells in table), encoding)


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab, whichever splits the first lines into columns."""
    sample = "\n".join(text.splitlines()[:_SNIFFED_LINES])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.partition("\n")[0]
        return max(DELIMITERS, key=first.count)


class Workbook:
    """An XLSX file open for reading, one worksheet at a time; use as a context manager.

    The package is checked first (:func:`~qualcode.safezip.check_package`); a worksheet's rows
    are read when asked for, so a sheet never looked at cannot fail the reading.
    """

    def __init__(self, path: Path, error: type[QualcodeError]) -> None:
        import openpyxl  # only needed for spreadsheets
        from openpyxl.utils.exceptions import InvalidFileException

        self.path = path
        self.error = error
        if not zipfile.is_zipfile(path):
            raise error("not a valid .xlsx file (it is not a zip package)", path=path)
        check_package(path, error, kind=".xlsx file")
        with self._structure_errors():
            try:
                self._workbook: OpenpyxlWorkbook = openpyxl.load_workbook(
                    path, read_only=True, data_only=True
                )
            except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
                raise error(f"not a valid .xlsx file ({e})", path=path) from e

    def __enter__(self) -> Workbook:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._workbook.close()

    @property
    def titles(self) -> list[str]:
        """The worksheets' names, in the workbook's order (chart sheets, which hold no cells,
        left out)."""
        return [worksheet.title for worksheet in self._workbook.worksheets]

    def sheet(self, title: str) -> Grid:
        """The rows of the worksheet named ``title``."""
        worksheets = {worksheet.title: worksheet for worksheet in self._workbook.worksheets}
        if title not in worksheets:
            raise self.error(f"no worksheet named '{title}'", path=self.path)
        with self._structure_errors():
            values = worksheets[title].iter_rows(values_only=True)
            cells = ([cell_text(value) for value in row] for row in values)
            read = bounded_rows(cells, self.path, self.error)
            return Grid(self.path, _trimmed(Row(n, row) for n, row in enumerate(read, start=1)))

    def properties(self) -> dict[str, str]:
        """Title, subject, author, keywords, comments, category, language and the date created,
        those that are set."""
        props = self._workbook.properties
        found: dict[str, str] = {}
        for key, value in (
            ("title", props.title),
            ("subject", props.subject),
            ("author", props.creator),
            ("keywords", props.keywords),
            ("comments", props.description),
            ("category", props.category),
            ("language", props.language),
        ):
            if value and str(value).strip():
                found[key] = str(value).strip()
        if isinstance(props.created, datetime):
            found["date"] = props.created.date().isoformat()
        return found

    def _structure_errors(self) -> AbstractContextManager[None]:
        # openpyxl reads a sheet lazily, row by row: every use of the workbook is inside.
        from openpyxl.utils.exceptions import CellCoordinatesException

        return structure_errors(
            self.path, ".xlsx", "openpyxl", self.error, (CellCoordinatesException,)
        )


def cell_text(value: object) -> str:
    """A worksheet cell's value as the text it shows."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, time):
        return _clock(value.hour * 3600 + value.minute * 60 + value.second, value.microsecond)
    if isinstance(value, timedelta):
        return _clock(int(value.total_seconds()), value.microseconds)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _clock(seconds: int, microseconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{clock}.{microseconds // 1000:03d}" if microseconds else clock


def _trimmed(rows: Iterable[Row]) -> list[Row]:
    """The rows without their trailing empty cells, and without the blank rows at the end."""
    kept: list[Row] = []
    for row in rows:
        cells = row.cells
        end = len(cells)
        while end and not cells[end - 1].strip():
            end -= 1
        kept.append(Row(row.line, cells[:end]) if end < len(cells) else row)
    while kept and not kept[-1].cells:
        kept.pop()
    return kept
