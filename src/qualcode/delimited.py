"""Rows of delimited text (CSV, TSV) from users: any cell length, and every problem with its line.

The csv module refuses a cell longer than 131,072 characters unless told otherwise; that limit
guards streams of unknown length, and one long answer pasted into a cell passes it. Here the whole
text is already in memory, so the limit is raised to the text's length: no cell can be longer.

Quotes are read strictly: an unclosed quote would otherwise swallow the rest of the file into one
cell without a word, so it is an error naming the line where the quoted cell starts.
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
    """(line where the row starts, its cells) for every row of ``text``."""
    if len(text) > csv.field_size_limit():
        csv.field_size_limit(len(text))
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar=quotechar,
        quoting=csv.QUOTE_MINIMAL if quotechar else csv.QUOTE_NONE,
        strict=True,
    )
    found: list[tuple[int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return found
        except csv.Error as failure:
            if "unexpected end of data" in str(failure):
                raise error(
                    "a quoted cell starts on this line and is never closed",
                    path=path,
                    line=start,
                    hint='close the quote, or double a quote inside a quoted cell ("")',
                ) from None
            raise error(f"not valid CSV ({failure})", path=path, line=reader.line_num) from None
        found.append((start, row))
