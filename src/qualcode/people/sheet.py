"""The shape of a coding sheet, shared by the sheet written out and the sheet read back."""

from __future__ import annotations

import re

SHEET_NAME = "segments"
SHEET_COLUMNS = ("document", "ordinal", "speaker", "role", "text")
"""The first columns of a coding sheet; every further column is a code path."""
EXCEL_CELL_LIMIT = 32_000
IGNORED_SHEET_COLUMNS = {"note", "notes", "comment", "comments", "memo"}


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def cell_safe(text: str) -> str:
    """Text without the control characters a spreadsheet cell cannot hold."""
    return _CONTROL_CHARACTERS.sub("", text)


def same_text(cell: str, text: str) -> bool:
    """Whether a sheet's text cell still shows the segment (white space aside; long text may
    have been cut to fit a spreadsheet cell, marked with a final …)."""
    cell, text = " ".join(cell.split()), " ".join(cell_safe(text).split())
    if cell.endswith("…") and len(cell) >= EXCEL_CELL_LIMIT // 2:
        return text.startswith(cell[:-1].rstrip())
    return cell == text
