"""Rows of delimited text (CSV, TSV) from users: any cell length, and every problem with its line.

The csv module refuses a cell longer than 131,072 characters unless told otherwise; that limit
guards streams of unknown length, and one long answer pasted into a cell passes it. Here the whole
text is already in memory, so the limit is raised to the text's length: no cell can be longer.

An unclosed quote would otherwise swallow the rest of the file into one cell without a word, so it
is an error naming the line where the quoted cell starts.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from qualcode.errors import QualcodeError


def rows(
    text: str,
    path: Path,
    error: type[QualcodeError],
    *,
    delimiter: str = ",",
    quotechar: str | None = '"',
) -> list[tuple[int, list[str]]]:
    """(line where the row starts, its cells) for every row of ``text``.

    Read strictly first, for the unclosed quote; on any other strict complaint (a quote inside
    an unquoted cell, as spreadsheets write them), read again as leniently as the csv module
    reads by default.
    """
    if len(text) > csv.field_size_limit():
        csv.field_size_limit(len(text))
    try:
        return _read(text, delimiter, quotechar, strict=True)
    except _Unreadable as strict:
        if strict.unclosed:
            raise error(
                "a quoted cell starts on this line and is never closed",
                path=path,
                line=strict.line,
                hint='close the quote, or double a quote inside a quoted cell ("")',
            ) from None
    try:
        return _read(text, delimiter, quotechar, strict=False)
    except _Unreadable as lenient:
        raise error(f"not valid CSV ({lenient.reason})", path=path, line=lenient.line) from None


class _Unreadable(Exception):
    def __init__(self, reason: str, line: int, unclosed: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.unclosed = unclosed


def _read(
    text: str, delimiter: str, quotechar: str | None, strict: bool
) -> list[tuple[int, list[str]]]:
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar=quotechar,
        quoting=csv.QUOTE_MINIMAL if quotechar else csv.QUOTE_NONE,
        strict=strict,
    )
    found: list[tuple[int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return found
        except csv.Error as failure:
            unclosed = "unexpected end of data" in str(failure)
            line = start if unclosed else reader.line_num
            raise _Unreadable(str(failure), line, unclosed) from None
        found.append((start, row))
