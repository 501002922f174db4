"""Document attributes, gathered from several places in rising priority.

1. the folder below the ingested one: ``transcripts/birmingham/x.txt`` gives ``city = birmingham``;
2. what the file carries: YAML front matter (text files) or Word document properties;
3. a sidecar ``metadata.csv`` in the ingested folder (a ``file`` column plus any columns);
4. ``--set key=value`` on the command line.

A later source overrides an earlier one key by key; each attribute remembers where it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import QualcodeError, UsageError
from qualcode.readers.grid import read_delimited

SIDECAR_NAME = "metadata.csv"
# Folders named with these words only hold transcripts, or sort them by file kind or stage of
# work; they do not name a city (``Docx Files``, ``raw``, ``in``).
GENERIC_FOLDER_WORDS = {
    "transcripts",
    "transcript",
    "interviews",
    "interview",
    "data",
    "corpus",
    "docs",
    "documents",
    "document",
    "entrevistes",
    "entrevistas",
    "transcripcions",
    "transcripciones",
    "sources",
    "source",
    "raw",
    "files",
    "file",
    "docx",
    "doc",
    "word",
    "pdf",
    "pdfs",
    "txt",
    "text",
    "texts",
    "odt",
    "rtf",
    "md",
    "csv",
    "tsv",
    "xlsx",
    "vtt",
    "srt",
    "in",
    "input",
    "inputs",
    "out",
    "output",
    "clean",
    "cleaned",
    "converted",
    "original",
    "originals",
    "final",
}
Attributes = dict[str, tuple[str, str]]  # key -> (value, source)


def normalise_key(key: str) -> str:
    return re.sub(r"[^\w]+", "_", key.strip().lower()).strip("_")


def folder_attributes(root: Path, file: Path) -> Attributes:
    """The city from the first folder below the ingested one that can name a city, spelled as
    the folder is (``uk`` stays ``uk``; metadata.csv or ``--set`` can say otherwise).

    The ingested folder itself names no city, nor do folders that hold files by kind or stage
    (:data:`GENERIC_FOLDER_WORDS`).
    """
    try:
        parts = file.relative_to(root).parts[:-1]
    except ValueError:
        parts = ()
    for folder in parts:
        if _names_a_place(folder):
            return {"city": (folder.strip(), "folder")}
    return {}


def _names_a_place(folder: str) -> bool:
    words = re.findall(r"[^\W_]+", folder.lower())
    return (
        not folder.startswith(".")
        and bool(words)
        and not all(word in GENERIC_FOLDER_WORDS for word in words)
    )


def parse_assignments(values: list[str]) -> Attributes:
    """``--set city=Barcelona --set role="Council officer"`` → attributes."""
    found: Attributes = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not normalise_key(key):
            raise UsageError(f"--set expects key=value, got '{value}'")
        found[normalise_key(key)] = (text.strip(), "command line")
    return found


@dataclass(frozen=True)
class Sidecar:
    """The rows of a ``metadata.csv``, keyed by the file they describe."""

    path: Path
    rows: dict[str, dict[str, str]]

    def attributes_for(self, root: Path, file: Path) -> Attributes:
        try:
            relative = file.relative_to(root).as_posix()
        except ValueError:
            relative = file.name
        row = self.rows.get(relative.lower()) or self.rows.get(file.name.lower())
        if row is None:
            return {}
        return {key: (value, SIDECAR_NAME) for key, value in row.items() if value}

    def describes(self, root: Path, file: Path) -> bool:
        """Whether a row names this file by its path relative to ``root``."""
        try:
            relative = file.relative_to(root).as_posix().lower()
        except ValueError:
            return False
        return relative in self.rows

    def unmatched(self, root: Path, files: list[Path]) -> list[str]:
        seen: set[str] = set()
        for file in files:
            if file.is_relative_to(root):
                seen.add(file.relative_to(root).as_posix().lower())
            seen.add(file.name.lower())
        return sorted(name for name in self.rows if name not in seen)


def load_sidecar(folder: Path) -> Sidecar | None:
    """Read ``metadata.csv`` in a folder, if there is one (comma, semicolon or tab separated;
    read as every table is, :mod:`qualcode.readers.grid`)."""
    path = folder / SIDECAR_NAME
    if not path.is_file():
        return None
    table = read_delimited(path, QualcodeError).rows
    header_line, header = (table[0].line, table[0].cells) if table else (1, [])
    keys = [normalise_key(name) for name in header]
    for key in dict.fromkeys(keys):
        columns = [str(index + 1) for index, other in enumerate(keys) if other == key]
        if key and len(columns) > 1:
            raise QualcodeError(
                f"the column '{key}' appears {len(columns)} times (columns "
                f"{', '.join(columns)}); cannot tell which to use",
                path=path,
                line=header_line,
            )
    if "file" not in keys:
        raise QualcodeError(
            "needs a 'file' column naming each transcript",
            path=path,
            line=header_line,
            hint="e.g. file,city,interviewee_role",
        )
    rows: dict[str, dict[str, str]] = {}
    for line_number, cells in ((row.line, row.cells) for row in table[1:]):
        if not any(cell.strip() for cell in cells):
            continue
        if any(cell.strip() for cell in cells[len(keys) :]):
            raise QualcodeError(
                f"the row has {len(cells)} cells but the header names {len(keys)} columns",
                path=path,
                line=line_number,
                hint="quote a value that holds the separator",
            )
        # (a row may be shorter than the header: Excel drops its trailing empty cells)
        named = zip(keys, cells, strict=False)
        unnamed = [n + 1 for n, (key, cell) in enumerate(named) if not key and cell.strip()]
        if unnamed:
            # A value under a column without a name would describe nothing: refused, not dropped.
            raise QualcodeError(
                f"the row has a value in column {unnamed[0]}, which the header does not name",
                path=path,
                line=line_number,
                hint="name the column in the header, or leave its cells empty",
            )
        values = {key: cell.strip() for key, cell in zip(keys, cells, strict=False) if key}
        name = values.pop("file", "")
        if not name:
            raise QualcodeError("row has an empty 'file' cell", path=path, line=line_number)
        key = name.replace("\\", "/").lower()
        if key in rows:
            raise QualcodeError(f"'{name}' is described twice", path=path, line=line_number)
        rows[key] = values
    return Sidecar(path=path, rows=rows)


def merge(*layers: Attributes) -> Attributes:
    merged: Attributes = {}
    for layer in layers:
        merged.update(layer)
    return merged


def embedded_attributes(properties: dict[str, str], source: str) -> Attributes:
    return {normalise_key(k): (v, source) for k, v in properties.items() if v and normalise_key(k)}
