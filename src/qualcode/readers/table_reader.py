"""Spreadsheets of turns (.csv, .tsv, .xlsx): one row per turn, columns found by their headers.

The header row is the first of the first five rows that names a text column; the other columns are
recognised by common names in English, Spanish and Catalan (see :data:`COLUMN_NAMES`), compared
without case or accents. Each row is a turn of its speaker; a row with an empty speaker cell
continues the turn above it (its text joins that turn on a new line, its codes are added). A table
without a speaker column gives turns without a speaker, each a segment of its own when it has a
time. Each turn's text is printed after a label (``[00:01:02] Ana Puig: ``) so the document reads
like a transcript; spans hold only speech.

Kept: speaker, text, time (``start-end`` when there is an end column), the codes column (on each
paragraph's ``codes``), the workbook's title, author and dates. Dropped: every other column, other
sheets of a workbook, formatting, formulas (their last computed values are read).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import ReaderError
from qualcode.models import ReadDocument
from qualcode.readers import grid
from qualcode.readers.assemble import Block, assemble, turn_label
from qualcode.speakers import fold


# Header names per column, folded (lower case, no accents). A header matches when it equals one of
# them or, failing that, when one of its words does ("Speaker name", "Start time (hh:mm:ss)").
def _names(listed: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in listed.split(","))


COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "speaker": _names(
        "speaker, speaker name, hablante, parlant, interlocutor, interlocutora, interviniente, "
        "intervinent, nom, nombre, name, participant, participante, persona, orador, oradora, "
        "who, voice, veu, voz, speakers, speaker s, hablantes, parlants, participants, "
        "participantes, names"
    ),
    # The names that say "text" come before those a table may use for something else ("words").
    "text": _names(
        "text, texto, transcripcio, transcripcion, transcription, transcript, utterance, "
        "enunciado, enunciat, content, contenido, contingut, intervencion, intervencio, says, "
        "dialogue, dialogo, dialeg, speech, utterances, paraules, palabras, words"
    ),
    "timestamp": _names(
        "timestamp, time, tiempo, temps, inicio, inici, start, start time, begin, hora, "
        "marca de tiempo, marca de temps, timecode"
    ),
    "end": _names("end, end time, fin, fi, final time, stop"),
    "codes": _names(
        "codes, code, codigos, codigo, codis, codi, tags, tag, etiquetas, etiqueta, etiquetes, "
        "categories, categorias, categoria, themes, temas, temes"
    ),
}
# Exact names are tried for every column first, so "End time" is the end, not the time.
_ROLES_IN_ORDER = ("text", "speaker", "end", "timestamp", "codes")
_CODE_SEPARATORS = re.compile(r"[;|\n]+|,(?!\d)")
_HEADER_ROWS = 5


@dataclass(frozen=True)
class Columns:
    """Where each known column is, as a 0-based index (None when the table lacks it)."""

    text: int
    speaker: int | None = None
    timestamp: int | None = None
    end: int | None = None
    codes: int | None = None


@dataclass
class _Turn:
    speaker: str | None
    start: str | None
    end: str | None
    texts: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


def read_csv(path: Path) -> ReadDocument:
    return _read_delimited(path, fmt="csv")


def read_tsv(path: Path) -> ReadDocument:
    return _read_delimited(path, fmt="tsv")


def read_xlsx(path: Path) -> ReadDocument:
    first_headers: list[str] | None = None
    with grid.Workbook(path, ReaderError) as workbook:
        for title in workbook.titles:
            rows = workbook.sheet(title).cells()
            found = _find_header(rows)
            if found is not None:
                header_index, columns = found
                properties = workbook.properties()
                return _document(rows[header_index + 1 :], columns, "xlsx", None, properties)
            if first_headers is None:
                first_headers = _first_row(rows)
    raise _no_text_column(path, first_headers or [])


def _read_delimited(path: Path, fmt: str) -> ReadDocument:
    table = grid.read_delimited(path, ReaderError)
    rows = table.cells()
    found = _find_header(rows)
    if found is None:
        raise _no_text_column(path, _first_row(rows))
    header_index, columns = found
    return _document(rows[header_index + 1 :], columns, fmt, table.encoding)


def _first_row(rows: Sequence[Sequence[str]]) -> list[str]:
    return next(([cell for cell in row if cell] for row in rows if any(row)), [])


def _no_text_column(path: Path, headers: list[str]) -> ReaderError:
    found = ", ".join(f"'{h}'" for h in headers[:12]) or "none"
    return ReaderError(
        f"no column of turn text found: the headers are {found}",
        path=path,
        hint="name the column of what is said text (or words, transcript, texto, transcripció), "
        "and the others speaker, timestamp and codes (hablante/parlant, tiempo/temps, "
        "códigos/codis)",
    )


def detect_columns(headers: Sequence[str]) -> Columns | None:
    """Map header names to columns; None when no column holds the text."""
    folded = [_fold_header(header) for header in headers]
    found: dict[str, int] = {}
    for exact in (True, False):
        for role in _ROLES_IN_ORDER:
            if role in found:
                continue
            index = _column_named(folded, COLUMN_NAMES[role], exact, set(found.values()))
            if index is not None:
                found[role] = index
    if "text" not in found:
        return None
    return Columns(**found)


def _column_named(
    folded: Sequence[str], names: Sequence[str], exact: bool, taken: set[int]
) -> int | None:
    """The column whose header is the earliest of ``names``; else, unless ``exact``, the first
    whose header holds one of them as a word."""
    free = [(index, header) for index, header in enumerate(folded) if header and index not in taken]
    for name in names:
        for index, header in free:
            if header == name:
                return index
    if not exact:
        for index, header in free:
            if any(word in names for word in header.split()):
                return index
    return None


def _fold_header(header: str) -> str:
    header = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", fold(header))
    return " ".join(re.sub(r"[^\w ]+", " ", header).replace("_", " ").split())


def _find_header(rows: Sequence[Sequence[str]]) -> tuple[int, Columns] | None:
    for index, row in enumerate(rows[:_HEADER_ROWS]):
        columns = detect_columns(row)
        if columns is not None:
            return index, columns
    return None


def _document(
    rows: Iterable[Sequence[str]],
    columns: Columns,
    fmt: str,
    encoding: str | None,
    properties: dict[str, str] | None = None,
) -> ReadDocument:
    turns: list[_Turn] = []
    for row in rows:
        text = _column(row, columns.text)
        speaker = _speaker(_column(row, columns.speaker))
        start = _column(row, columns.timestamp) or None
        end = _column(row, columns.end) or None
        codes = _codes(_column(row, columns.codes))
        if columns.speaker is not None and speaker is None and turns:
            turn = turns[-1]
            turn.end = end or turn.end
        else:
            turn = _Turn(speaker=speaker, start=start, end=end)
            turns.append(turn)
        if text:
            turn.texts.append(text)
        turn.codes.extend(code for code in codes if code not in turn.codes)
    blocks: list[Block] = []
    for turn in turns:
        timestamp = turn.start
        if turn.start and turn.end:
            timestamp = f"{turn.start}-{turn.end}"
        blocks.append(
            Block(
                text="\n".join(turn.texts),
                label=turn_label(turn.speaker, turn.start),
                speaker=turn.speaker,
                timestamp=timestamp,
                codes=tuple(turn.codes),
                in_table=True,
            )
        )
    text, paragraphs = assemble(blocks)
    return ReadDocument(
        text=text, paragraphs=paragraphs, properties=properties or {}, format=fmt, encoding=encoding
    )


def _column(row: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].replace("\r\n", "\n").replace("\r", "\n").strip()


def _speaker(cell: str) -> str | None:
    name = " ".join(cell.split()).rstrip(":").strip()
    return name or None


def _codes(cell: str) -> list[str]:
    return [code.strip() for code in _CODE_SEPARATORS.split(cell) if code.strip()]
