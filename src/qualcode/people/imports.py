"""Importing codings people made elsewhere: coding sheets and lists of codings."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.code_paths import IMPORTED_CODEBOOK, creatable_code_path, find_code
from qualcode.coders import check_coder, is_automatic
from qualcode.errors import ImportFormatError
from qualcode.models import CodeRecord, Document, Segment
from qualcode.people.lookup import find_document, unknown_code_message
from qualcode.people.sheet import IGNORED_SHEET_COLUMNS, SHEET_COLUMNS, same_text
from qualcode.people.tables import RowProblem, RowsError, Table, read_table
from qualcode.store import Store

_ORDINAL_COLUMNS = ("ordinal", "segment")
_START_COLUMNS = ("start", "start_char")
_END_COLUMNS = ("end", "end_char")
_TEXT_COLUMNS = ("text", "quote")
_CODE_COLUMNS = ("code", "code_path")


@dataclass(frozen=True)
class ImportResult:
    path: Path
    shape: str
    """``codings`` (one row per coding) or ``coding sheet`` (segments × code columns)."""
    rows: int
    coders: tuple[str, ...]
    added: int
    """New codings."""
    already: int
    """Codings the project already had."""
    removed: int = 0
    """A coding sheet's 0 cells that removed a coding of the same person."""
    cells: int = 0
    """Coding sheet cells read (rows × code columns)."""
    codes_created: tuple[str, ...] = ()
    unaligned_rows: int = 0
    """Rows whose span or quote is not exactly one segment's span."""
    unaligned_segments: int = 0
    """Segments those rows were attached to."""
    multi_segment_rows: int = 0
    """Rows attached to more than one segment."""


def import_codings(
    store: Store,
    path: Path,
    *,
    coder: str | None = None,
    create_codes: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import people's codings from a CSV or XLSX file, all or nothing.

    Two shapes are recognised by their headers: one row per coding (columns ``document``,
    ``code``, optionally ``coder``, and a segment ``ordinal``, a ``start``/``end`` character span
    or the quoted ``text``), and the coding sheet that ``export_coding_sheet`` writes
    (``document``, ``ordinal``… then one 0/1 column per code path). Any bad row (unknown
    document, code or segment, unmatched quote, impossible span) is listed with its row number
    and nothing is imported. ``progress(done, total)`` is told of each row checked.
    """
    table = read_table(path)
    fallback = check_coder(coder) if coder else None
    if any(c in table.columns for c in _CODE_COLUMNS):
        return _import_list(store, table, fallback, create_codes, progress)
    if "document" in table.columns and any(c in table.columns for c in _ORDINAL_COLUMNS):
        return _import_sheet(store, table, fallback, create_codes, progress)
    raise ImportFormatError(
        "cannot tell what the columns hold",
        path=path,
        hint="give one row per coding (document, code, and ordinal, start and end, or text) "
        "or a coding sheet from 'qualcode export coding-sheet'",
    )


def _first(row: dict[str, str], names: Sequence[str]) -> str:
    return next((row[name] for name in names if row.get(name)), "")


def _safe_id(part: str) -> str:
    """A suggestion for an unsafe id: no accents, lower case, other runs of characters ``_``."""
    decomposed = unicodedata.normalize("NFKD", part)
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_-")


class _Codes:
    """Code paths of the project, and those an import may create."""

    def __init__(self, store: Store, create: bool) -> None:
        self.records = store.codes()
        self.create = create
        self.new: dict[str, CodeRecord] = {}

    def find(self, text: str) -> str | None:
        found = find_code(self.records, text)
        if found is not None or not self.create:
            return found
        path = creatable_code_path(text)
        if path is None:
            return None  # problem() says why
        parts = path.split("/")
        known = {r.path for r in self.records}
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            if prefix not in known and prefix not in self.new:
                self.new[prefix] = CodeRecord(
                    path=prefix,
                    label=parts[depth - 1],
                    parent_path="/".join(parts[: depth - 1]) or None,
                    sort_order=100_000 + len(self.new),
                )
        return path

    def problem(self, text: str) -> str:
        if not text.strip():
            return "the code is empty"
        unsafe = creatable_code_path(text) is None
        if self.create and unsafe and find_code(self.records, text) is None:
            parts = [part.strip() for part in text.strip().strip("/").split("/")]
            safe = [_safe_id(part) for part in parts]
            write = f" (write '{'/'.join(safe)}')" if all(safe) else ""
            return (
                f"cannot create code '{text.strip()[:80]}': each part of a code path starts "
                "with a letter or digit and holds only letters, digits, spaces, - and _ "
                f"(at most 100 characters){write}"
            )
        return unknown_code_message(self.records, text)

    def save(self, store: Store) -> tuple[str, ...]:
        if self.new:
            store.save_codes(self.new.values(), IMPORTED_CODEBOOK)
        return tuple(self.new)


class _Documents:
    """Documents by name with their current segments and text, loaded once each."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.all = store.documents()
        self._segments: dict[int, list[Segment]] = {}
        self._texts: dict[int, str] = {}
        self._folded: dict[int, tuple[str, list[int]]] = {}

    def find(self, name: str) -> Document | str:
        return find_document(self.all, name)

    def segments(self, document: Document) -> list[Segment]:
        if document.document_id not in self._segments:
            self._segments[document.document_id] = self.store.segments(document.document_id)
        return self._segments[document.document_id]

    def text(self, document: Document) -> str:
        if document.document_id not in self._texts:
            self._texts[document.document_id] = self.store.document_text(document.document_id)
        return self._texts[document.document_id]

    def folded(self, document: Document) -> tuple[str, list[int]]:
        if document.document_id not in self._folded:
            self._folded[document.document_id] = fold_for_quotes(self.text(document))
        return self._folded[document.document_id]


_QUOTE_MARKS = str.maketrans(
    {"’": "'", "‘": "'", "‛": "'", "´": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
     "–": "-", "—": "-", "\u00a0": " "}
)  # fmt: skip


_QUOTATION_MARKS = "\"'“”„«»‘’‚"


def fold_for_quotes(text: str) -> tuple[str, list[int]]:
    """Text with runs of white space as one space, typographic quotes and dashes plain, lower
    case; and for each folded character the offset of the character it came from."""
    out: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            if out and out[-1] == " ":
                continue
            out.append(" ")
            offsets.append(index)
            continue
        for folded in char.translate(_QUOTE_MARKS).lower():
            out.append(folded)
            offsets.append(index)
    return "".join(out), offsets


def find_quote(folded: tuple[str, list[int]], quote: str) -> list[tuple[int, int]]:
    """Every (start, end) in the original text where ``quote`` occurs, ignoring white space,
    case and the kind of quotation marks."""
    text, offsets = folded
    quote = quote.strip()
    if len(quote) > 2 and quote[0] in _QUOTATION_MARKS and quote[-1] in _QUOTATION_MARKS:
        quote = quote[1:-1]  # the quotation marks around a quote are not part of it
    needle = fold_for_quotes(quote)[0].strip()
    if not needle:
        return []
    spans: list[tuple[int, int]] = []
    start = text.find(needle)
    while start >= 0:
        last = start + len(needle) - 1
        spans.append((offsets[start], offsets[last] + 1))
        start = text.find(needle, start + 1)
    return spans


def _overlapping(segments: Sequence[Segment], start: int, end: int) -> list[Segment]:
    return [s for s in segments if s.start_char < end and s.end_char > start]


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"“{text}”" if len(text) <= limit else f"“{text[: limit - 1]}…”"


def _import_list(
    store: Store,
    table: Table,
    fallback: str | None,
    create_codes: bool,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    codes = _Codes(store, create_codes)
    documents = _Documents(store)
    problems: list[RowProblem] = []
    wanted: dict[str, set[tuple[int, str]]] = {}
    unaligned_rows = multi = 0
    unaligned: set[tuple[int, int]] = set()  # (row, segment) attachments of unaligned rows
    if "document" not in table.columns:
        raise ImportFormatError("missing column document", path=table.path)
    for done, (number, row) in enumerate(table.rows, start=1):
        if progress is not None:
            progress(done, len(table.rows))
        row_problems: list[str] = []
        coder_text = row.get("coder", "") or fallback
        coder = None
        if not coder_text:
            row_problems.append("no coder: fill the coder column or pass --coder")
        elif is_automatic(coder_text):
            row_problems.append(f"'{coder_text}' is an automatic coder's name")
        else:
            coder = coder_text.strip()
        code_text = _first(row, _CODE_COLUMNS)
        code_path = codes.find(code_text)
        if code_path is None:
            row_problems.append(codes.problem(code_text))
        document = documents.find(row.get("document", ""))
        segments: list[Segment] = []
        if isinstance(document, str):
            row_problems.append(document)
        else:
            located = _locate_row(documents, document, row)
            if isinstance(located, str):
                row_problems.append(located)
            else:
                segments, aligned = located
                if not aligned:
                    unaligned_rows += 1
                    multi += len(segments) > 1
                    unaligned.update((number, s.segment_id or 0) for s in segments)
        if row_problems:
            problems.extend(RowProblem(number, message) for message in row_problems)
            continue
        assert coder is not None and code_path is not None
        for segment in segments:
            assert segment.segment_id is not None
            wanted.setdefault(coder, set()).add((segment.segment_id, code_path))
    if problems:
        raise RowsError(table.path, problems, "nothing was imported")
    added = already = 0
    with store.transaction():
        created = codes.save(store)
        for coder, pairs in sorted(wanted.items()):
            new = store.add_person_codings(sorted(pairs), coder).codings
            added += new
            already += len(pairs) - new
    return ImportResult(
        path=table.path,
        shape="codings",
        rows=len(table.rows),
        coders=tuple(sorted(wanted)),
        added=added,
        already=already,
        codes_created=created,
        unaligned_rows=unaligned_rows,
        unaligned_segments=len({segment for _, segment in unaligned}),
        multi_segment_rows=multi,
    )


def _locate_row(
    documents: _Documents, document: Document, row: dict[str, str]
) -> tuple[list[Segment], bool] | str:
    """The segments a row of codings points at, and whether it points exactly at one segment."""
    segments = documents.segments(document)
    ordinal_text = _first(row, _ORDINAL_COLUMNS)
    start_text, end_text = _first(row, _START_COLUMNS), _first(row, _END_COLUMNS)
    quote = _first(row, _TEXT_COLUMNS)
    if ordinal_text:
        if not ordinal_text.isdigit():
            return f"segment ordinal '{ordinal_text}' is not a whole number"
        found = [s for s in segments if s.ordinal == int(ordinal_text)]
        if not found:
            return f"{document.name} has no segment #{ordinal_text}"
        return found, True
    if start_text or end_text:
        if not (start_text.isdigit() and end_text.isdigit()):
            return f"span '{start_text}'-'{end_text}' is not two whole numbers"
        start, end = int(start_text), int(end_text)
        length = len(documents.text(document))
        if start >= end or end > length:
            return f"span {start}-{end} is not within {document.name} (0-{length}, end excluded)"
        where = f"span {start}-{end}"
    elif quote:
        spans = find_quote(documents.folded(document), quote)
        if not spans:
            return f"quoted text not found in {document.name}: {_short(quote)}"
        if len(spans) > 1:
            return (
                f"quoted text occurs {len(spans)} times in {document.name}: {_short(quote)}; "
                "add the segment ordinal or quote more"
            )
        start, end = spans[0]
        where = f"quoted text {_short(quote)}"
    else:
        return "give a segment ordinal, a start and end, or the quoted text"
    found = _overlapping(segments, start, end)
    if not found:
        return (
            f"{where} of {document.name} covers no segment (speaker labels, stage directions "
            "and front matter belong to none)"
        )
    aligned = len(found) == 1 and (found[0].start_char, found[0].end_char) == (start, end)
    return found, aligned


def _import_sheet(
    store: Store,
    table: Table,
    fallback: str | None,
    create_codes: bool,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    codes = _Codes(store, create_codes)
    documents = _Documents(store)
    metadata = {*SHEET_COLUMNS, "coder", "segment", *IGNORED_SHEET_COLUMNS}
    code_columns = [h for h, c in zip(table.headers, table.columns, strict=True)
                    if h and c not in metadata]  # fmt: skip
    problems: list[RowProblem] = []
    if not code_columns:
        raise ImportFormatError(
            "the coding sheet has no code columns", path=table.path, hint="one column per code path"
        )
    column_codes: dict[str, str] = {}
    for header in code_columns:
        found = codes.find(header)
        if found is None:
            problems.append(RowProblem(1, codes.problem(header), header))
        else:
            column_codes[header] = found
    cells: dict[str, dict[tuple[int, str], bool]] = {}
    seen: dict[tuple[str, int], int] = {}
    pairs = zip(table.rows, table.raw_rows, strict=True)
    for done, ((number, row), (_, raw)) in enumerate(pairs, start=1):
        if progress is not None:
            progress(done, len(table.rows))
        coder_text = row.get("coder", "") or fallback
        if not coder_text:
            problems.append(RowProblem(number, "no coder: pass --coder or fill a coder column"))
            continue
        if is_automatic(coder_text):
            problems.append(RowProblem(number, f"'{coder_text}' is an automatic coder's name"))
            continue
        coder = coder_text.strip()
        document = documents.find(row.get("document", ""))
        if isinstance(document, str):
            problems.append(RowProblem(number, document))
            continue
        ordinal_text = _first(row, _ORDINAL_COLUMNS)
        segment = next(
            (s for s in documents.segments(document) if str(s.ordinal) == ordinal_text), None
        )
        if segment is None or segment.segment_id is None:
            problems.append(RowProblem(number, f"{document.name} has no segment #{ordinal_text}"))
            continue
        if row.get("text") and not same_text(row["text"], segment.text):
            problems.append(
                RowProblem(
                    number,
                    f"the text is not that of {document.name}#{ordinal_text}: the document "
                    "changed since the sheet was made; export a new coding sheet",
                )
            )
            continue
        earlier = seen.setdefault((coder, segment.segment_id), number)
        if earlier != number:
            problems.append(
                RowProblem(number, f"{document.name}#{ordinal_text} is also on row {earlier}")
            )
            continue
        for header, code_path in column_codes.items():
            value = raw.get(header, "").strip().lower()
            if value in ("1", "1.0", "x"):
                applies = True
            elif value in ("", "0", "0.0"):
                applies = False
            else:
                problems.append(RowProblem(number, f"'{value}' is not 0, 1 or blank", header))
                continue
            cells.setdefault(coder, {})[(segment.segment_id, code_path)] = applies
    if problems:
        raise RowsError(table.path, problems, "nothing was imported")
    added = already = removed = 0
    with store.transaction():
        created = codes.save(store)
        for coder, judged in sorted(cells.items()):
            marked = sorted(pair for pair, value in judged.items() if value)
            unmarked = sorted(pair for pair, value in judged.items() if not value)
            new = store.add_person_codings(marked, coder).codings
            added += new
            already += len(marked) - new
            removed += store.remove_person_codings(unmarked, coder).codings
            store.save_sheet_coverage(judged, coder, table.path.name)
    return ImportResult(
        path=table.path,
        shape="coding sheet",
        rows=len(table.rows),
        coders=tuple(sorted(cells)),
        added=added,
        already=already,
        removed=removed,
        cells=sum(len(judged) for judged in cells.values()),
        codes_created=created,
    )
