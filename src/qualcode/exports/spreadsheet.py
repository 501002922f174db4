"""Every CSV and XLSX file qualcode writes, whether for people to read or for qualcode to read back.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula when Excel, LibreOffice or Google Sheets open a CSV file, and openpyxl stores text starting
with ``=`` as a formula in an XLSX one: interview text such as ``=HYPERLINK(…)`` would become a
live link. So every file is written here, its text cells under one of two policies (:class:`Text`):

- ``NEUTRALISED``, for the tables people read (the report, coded segments, searches, word counts,
  agreement): such text gets a leading apostrophe (OWASP's advice), in CSV and XLSX alike, so both
  files say the same. Text longer than an XLSX cell holds (32,767 characters) is cut.
- ``EXACT``, for the coding sheet, whose text ``import codings`` compares with the segments: text
  is kept as it is and its cells typed as text, which a spreadsheet shows and never runs. Only
  XLSX can type a cell, so there is no exact CSV. Text longer than
  :data:`~qualcode.people.sheet.EXCEL_CELL_LIMIT` is cut and ends in ``…``, as the import expects.

In XLSX both drop the control characters no cell may hold. pandas, slow to import, is imported only
where data frames are written: the coding sheet needs none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from qualcode.errors import UsageError
from qualcode.people.sheet import EXCEL_CELL_LIMIT, cell_safe

if TYPE_CHECKING:
    import pandas as pd

# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_LIMIT = 32_767
XLSX_MAX_WIDTH = 60
XLSX_SHEET_TITLE_LIMIT = 31
CSV_FLOAT_FORMAT = "%.6g"
TABLE_SUFFIXES = (".csv", ".xlsx")


class Text(Enum):
    """What a text cell holds: see the module's description."""

    NEUTRALISED = "neutralised"
    EXACT = "exact"


def neutralise(value: Any) -> Any:
    """Prefix an apostrophe to text a spreadsheet would run as a formula (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_value(value: Any, text: Text) -> Any:
    """What an XLSX cell holds for ``value``: nothing for a missing value, numbers as numbers
    (numpy's as Python's), text as ``text`` says."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        if text is Text.EXACT:
            value = cell_safe(value)
            if len(value) > EXCEL_CELL_LIMIT:
                value = value[: EXCEL_CELL_LIMIT - 1] + "…"
            return value
        value = ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))
        return value[:XLSX_CELL_LIMIT]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


class Workbook:
    """An XLSX file being written; every row appended follows one :class:`Text` policy.

    The sheets are openpyxl's, for the caller to format (widths, fonts, validation); their cells
    are written through :meth:`append` only.
    """

    def __init__(self, text: Text) -> None:
        self.text = text
        self._workbook = openpyxl.Workbook()
        if self._workbook.active is not None:
            self._workbook.remove(self._workbook.active)

    def add_sheet(self, title: str) -> Worksheet:
        return self._workbook.create_sheet(title=title[:XLSX_SHEET_TITLE_LIMIT])

    def append(self, sheet: Worksheet, values: Iterable[Any]) -> list[Any]:
        """Write a row at the end of ``sheet``; return the values as written."""
        written = [cell_value(value, self.text) for value in values]
        sheet.append(written)
        if self.text is Text.EXACT:
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text, not a formula
        return written

    def save(self, path: Path) -> Path:
        self._workbook.save(path)
        return path


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and column name) neutralised."""
    import pandas as pd

    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """UTF-8, ``\\n`` line ends, no index, empty cells for missing values, text neutralised."""
    safe_frame(frame).to_csv(
        path, index=False, lineterminator="\n", encoding="utf-8", float_format=CSV_FLOAT_FORMAT
    )
    return path


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV that :func:`write_csv` writes, as text (for stdout)."""
    return str(
        safe_frame(frame).to_csv(index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT)
    )


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: Path) -> Path:
    """One workbook of tables people read, a sheet per table: header row bold and frozen, column
    widths set, text neutralised."""
    import pandas as pd

    workbook = Workbook(Text.NEUTRALISED)
    bold = Font(bold=True)
    for name, frame in sheets.items():
        sheet = workbook.add_sheet(name)
        headers = [str(c) for c in frame.columns]
        workbook.append(sheet, headers)
        for cell in sheet[1]:
            cell.font = bold
        widths = [len(h) for h in headers]
        for row in frame.itertuples(index=False, name=None):
            values = workbook.append(sheet, (None if v is pd.NA else v for v in row))
            for i, value in enumerate(values):
                if value is not None:
                    widths[i] = max(widths[i], min(len(str(value)), XLSX_MAX_WIDTH))
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(width + 2, XLSX_MAX_WIDTH)
        sheet.freeze_panes = "A2"
    return workbook.save(path)


def write_table(frame: pd.DataFrame, path: Path, sheet: str) -> Path:
    """CSV or XLSX, as the file's suffix says."""
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise UsageError(f"{path}: write a table as .csv or .xlsx, not '{suffix or 'no suffix'}'")
    if suffix == ".xlsx":
        return write_xlsx({sheet: frame}, path)
    return write_csv(frame, path)
