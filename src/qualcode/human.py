"""Human coding beside the automatic coder: tag, untag, review, coding sheets and imports.

People's codings live in the ``codings`` table like automatic ones, with the person's name as
coder and no run. Their verdicts on automatic codings are review decisions, keyed by segment,
code and reviewer, so a rerun of ``qualcode code`` neither erases nor silently resurrects them.

**The codings of a person** (what reports and agreement count for coder X) are X's own codings
(tagged or imported), plus the automatic codings X accepted, minus those X rejected. The store
keeps the three from contradicting each other, whichever command writes them
(``Store.add_person_codings``, ``remove_person_codings``, ``save_decisions``): adding a coding
withdraws X's rejection of it, rejecting removes X's own coding of it, and removing a coding
(untagging, a coding sheet's 0) removes X's acceptance too.

Coder names starting with ``auto:`` (codebook runs) or ``learned:`` (``qualcode suggest``) belong
to automatic coders and cannot be used by people.
"""

from __future__ import annotations

import difflib
import random
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode import delimited
from qualcode.coders import check_coder, is_automatic
from qualcode.errors import ImportFormatError, QualcodeError, UsageError
from qualcode.models import (
    CodedSegment,
    CodeRecord,
    Decision,
    Document,
    Evidence,
    ReviewDecision,
    Role,
    Segment,
)
from qualcode.safezip import bounded_rows, check_package, structure_errors
from qualcode.store import Store

IMPORTED_CODEBOOK = "(imported)"
"""The ``codebook`` recorded for codes created by ``import codings --create-codes``."""

SHEET_NAME = "segments"
SHEET_COLUMNS = ("document", "ordinal", "speaker", "role", "text")
"""The first columns of a coding sheet; every further column is a code path."""
EXCEL_CELL_LIMIT = 32_000
_IGNORED_SHEET_COLUMNS = {"note", "notes", "comment", "comments", "memo"}
_MAX_LISTED_PROBLEMS = 50


# -- coders ------------------------------------------------------------------------------------


def coder_codings(store: Store, coder: str) -> set[tuple[int, str]]:
    """(segment_id, code_path) the coder stands behind, on current segments.

    A person's own codings, plus the automatic codings they accepted, minus those they rejected;
    an automatic coder's own codings.
    """
    own = set(store.own_codings(coder))
    if is_automatic(coder):
        return own
    decisions = store.decisions(coder)
    accepted = {(d.segment_id, d.code_path) for d in decisions if d.decision is Decision.ACCEPT}
    rejected = {(d.segment_id, d.code_path) for d in decisions if d.decision is Decision.REJECT}
    return (own | accepted) - rejected


# -- documents, segments and codes by name ------------------------------------------------------


@dataclass(frozen=True)
class LocatedSegment:
    """A current segment with the name of its document."""

    document_name: str
    segment: Segment

    @property
    def segment_id(self) -> int:
        assert self.segment.segment_id is not None
        return self.segment.segment_id

    @property
    def reference(self) -> str:
        return f"{self.document_name}#{self.segment.ordinal}"


def _file_name(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _file_stem(name: str) -> str:
    return _file_name(name).rsplit(".", 1)[0]


def find_document(documents: Sequence[Document], name: str) -> Document | str:
    """The document called ``name``, else a message saying why there is none.

    The name is the one ``qualcode status`` and exports show (``barcelona/c01.txt``); a file
    name alone (``c01.txt``) or without its suffix (``c01``) also works when only one matches.
    """
    wanted = name.strip().replace("\\", "/")
    if not wanted:
        return "the document name is empty"
    for document in documents:
        if document.name == wanted:
            return document
    for key in (_file_name, _file_stem):
        found = [d for d in documents if key(d.name) == wanted]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(d.name for d in found)
            return f"'{name}' matches several documents ({names}): give the folder too"
    known = [d.name for d in documents]
    containing = [n for n in known if wanted.casefold() in n.casefold()]
    close = (containing or difflib.get_close_matches(wanted, known, n=3))[:3]
    hint = f" (did you mean {_either(close)}?)" if close else ""
    return f"no document '{name}' in the project{hint}"


def _either(names: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def find_code(codes: Sequence[CodeRecord], path: str) -> str | None:
    """The code path ``path`` names: a full path, or a last part that only one code has."""
    wanted = path.strip().strip("/")
    paths = [code.path for code in codes]
    if wanted in paths:
        return wanted
    by_leaf = [p for p in paths if p.rsplit("/", 1)[-1] == wanted]
    return by_leaf[0] if len(by_leaf) == 1 else None


def unknown_code_message(codes: Sequence[CodeRecord], path: str) -> str:
    paths = [code.path for code in codes]
    leaf = path.strip().strip("/")
    several = [p for p in paths if p.rsplit("/", 1)[-1] == leaf]
    if len(several) > 1:
        return f"code '{path}' is ambiguous ({', '.join(several)}): give its full path"
    leaves = {p.rsplit("/", 1)[-1]: p for p in paths}
    close = difflib.get_close_matches(leaf, paths, n=1, cutoff=0.75) or [
        leaves[found] for found in difflib.get_close_matches(leaf, list(leaves), n=1, cutoff=0.75)
    ]
    hint = f" (did you mean {close[0]}?)" if close else ""
    if not paths:
        hint = " (the project has no codes yet: run 'qualcode code --codebook FILE')"
    return f"unknown code '{path}'{hint}"


def resolve_code(store: Store, path: str) -> str:
    return _resolve(store.codes(), path)


def resolve_codes(store: Store, paths: Sequence[str]) -> tuple[str, ...]:
    """The full paths of ``--code`` options (a path, or a last part only one code has).

    Raises :class:`UsageError` with the closest codes for the first that names no code, so that
    a typo is never an empty report or file.
    """
    if not paths:
        return ()
    codes = store.codes()
    return tuple(_resolve(codes, path) for path in paths)


def _resolve(codes: Sequence[CodeRecord], path: str) -> str:
    found = find_code(codes, path)
    if found is None:
        raise UsageError(unknown_code_message(codes, path))
    return found


def codes_under(codes: Sequence[CodeRecord], paths: Sequence[str]) -> list[CodeRecord]:
    """The codes each ``--code`` option names, with their descendants; all codes without any.

    Raises :class:`UsageError` naming the first unknown code.
    """
    if not paths:
        return list(codes)
    scopes = [_resolve(codes, path) for path in paths]
    return [code for code in codes if any(_within(code.path, scope) for scope in scopes)]


_REFERENCE_HELP = "use DOCUMENT#ORDINAL (e.g. barcelona/c01_habitatge_pah.txt#12) or a segment id"


def resolve_segment(store: Store, reference: str) -> LocatedSegment:
    """A current segment from ``DOCUMENT#ORDINAL`` or its numeric segment id."""
    text = reference.strip()
    if text.isdigit():
        found = store.segment_by_id(int(text))
        if found is None:
            raise UsageError(f"no segment with id {text}", hint=_REFERENCE_HELP)
        name, segment, current = found
        if not current:
            raise UsageError(
                f"segment {text} is of an earlier version of {name}, which changed since",
                hint=f"use {name}#ORDINAL for its current text",
            )
        return LocatedSegment(name, segment)
    name, sep, ordinal = text.rpartition("#")
    if not sep or not ordinal.strip().isdigit():
        raise UsageError(f"'{reference}' is not a segment reference", hint=_REFERENCE_HELP)
    document = find_document(store.documents(), name)
    if isinstance(document, str):
        raise UsageError(document)
    current_segment = store.segment_by_ordinal(document.document_id, int(ordinal))
    if current_segment is None:
        raise UsageError(
            f"{document.name} has no segment #{int(ordinal)}",
            hint=f"its segments are #0 to #{document.segment_count - 1}",
        )
    return LocatedSegment(document.name, current_segment)


# -- tag and untag ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagResult:
    segment: LocatedSegment
    code_path: str
    coder: str
    changed: bool
    """A coding was added (tag) or removed (untag)."""
    decision_withdrawn: bool = False
    """Tag: the coder's rejection of the automatic coding was withdrawn; untag: their acceptance."""


def tag(store: Store, reference: str, code: str, coder: str) -> TagResult:
    """Code a segment as a person; withdraws that person's rejection of the same coding."""
    coder = check_coder(coder)
    located = resolve_segment(store, reference)
    code_path = resolve_code(store, code)
    pair = [(located.segment_id, code_path)]
    added, withdrawn = store.add_person_codings(pair, coder)
    return TagResult(located, code_path, coder, added > 0, withdrawn > 0)


def untag(store: Store, reference: str, code: str, coder: str) -> TagResult:
    """Remove a person's coding of a segment, and their acceptance of the automatic one."""
    coder = check_coder(coder)
    located = resolve_segment(store, reference)
    code_path = resolve_code(store, code)
    pair = [(located.segment_id, code_path)]
    removed, withdrawn = store.remove_person_codings(pair, coder)
    if not removed and not withdrawn:
        raise QualcodeError(
            f"{coder} has not coded {located.reference} with {code_path}",
            hint=f"to reject an automatic coding, use 'qualcode review --code {code_path}'",
        )
    return TagResult(located, code_path, coder, removed > 0, withdrawn > 0)


# -- review -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    """One automatic coding to accept or reject, with the reviewer's earlier decision if any."""

    document_name: str
    segment: Segment
    code_path: str
    evidence: tuple[Evidence, ...]
    decision: Decision | None = None

    @property
    def segment_id(self) -> int:
        assert self.segment.segment_id is not None
        return self.segment.segment_id

    @property
    def reference(self) -> str:
        return f"{self.document_name}#{self.segment.ordinal}"


@dataclass(frozen=True)
class ReviewQueue:
    auto_coder: str
    code_path: str
    items: list[ReviewItem]
    decided: int
    """Automatic codings of the code the reviewer had already decided (not in ``items``)."""


def choose_auto_coder(store: Store, auto_coder: str | None) -> str:
    """The automatic coder named, else the one of the latest codebook run."""
    known = store.automatic_coders()
    if not known:
        raise QualcodeError(
            "there are no automatic codings to review",
            hint="run 'qualcode code --codebook FILE' first",
        )
    if auto_coder is None:
        return known[0]
    if auto_coder not in known:
        raise UsageError(
            f"no automatic codings by '{auto_coder}'", hint=f"automatic coders: {', '.join(known)}"
        )
    return auto_coder


def review_queue(
    store: Store,
    code: str,
    reviewer: str,
    *,
    auto_coder: str | None = None,
    include_decided: bool = False,
) -> ReviewQueue:
    """The automatic codings of a code (and its sub-codes) on current segments, in document
    order, without those the reviewer already decided unless ``include_decided``."""
    reviewer = check_coder(reviewer)
    code_path = resolve_code(store, code)
    coder = choose_auto_coder(store, auto_coder)
    earlier = {(d.segment_id, d.code_path): d.decision for d in store.decisions(reviewer)}
    items: list[ReviewItem] = []
    decided = 0
    for coded in store.coded_segments(code_paths=[code_path], coders=[coder]):
        assert coded.segment.segment_id is not None
        decision = earlier.get((coded.segment.segment_id, coded.code_path))
        if decision is not None:
            decided += 1
            if not include_decided:
                continue
        items.append(_review_item(coded, decision))
    return ReviewQueue(coder, code_path, items, decided)


def _review_item(coded: CodedSegment, decision: Decision | None) -> ReviewItem:
    return ReviewItem(coded.document_name, coded.segment, coded.code_path, coded.evidence, decision)


def decide(
    store: Store,
    items: Iterable[ReviewItem],
    reviewer: str,
    decision: Decision,
    auto_coder: str,
    note: str = "",
) -> int:
    """Record one decision on each item in one transaction; return how many.

    Rejecting also removes the reviewer's own coding of the same segment and code.
    """
    reviewer = check_coder(reviewer)
    chosen = list(items)
    store.save_decisions(
        ReviewDecision(item.segment_id, item.code_path, reviewer, decision, auto_coder, "", note)
        for item in chosen
    )
    return len(chosen)


@dataclass(frozen=True)
class DecisionsResult:
    auto_coder: str
    accepted: int
    rejected: int


_DECISION_WORDS = {
    "accept": Decision.ACCEPT,
    "accepted": Decision.ACCEPT,
    "a": Decision.ACCEPT,
    "reject": Decision.REJECT,
    "rejected": Decision.REJECT,
    "r": Decision.REJECT,
}


def apply_decisions_file(
    store: Store,
    path: Path,
    reviewer: str,
    *,
    code: str | None = None,
    auto_coder: str | None = None,
) -> DecisionsResult:
    """Record the decisions of a file with columns segment, code, decision (accept or reject)
    and optionally note. Every row must name an automatic coding; if one does not, nothing is
    recorded and the error lists each bad row."""
    reviewer = check_coder(reviewer)
    coder = choose_auto_coder(store, auto_coder)
    scope = resolve_code(store, code) if code else None
    table = read_table(path)
    missing = [c for c in ("segment", "code", "decision") if c not in table.columns]
    if missing:
        raise ImportFormatError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            path=path,
            hint="a decisions file has the columns segment, code, decision and optionally note",
        )
    codes = store.codes()
    documents = store.documents()
    automatic = set(store.own_codings(coder))
    problems: list[RowProblem] = []
    decided: dict[tuple[int, str], tuple[Decision, str]] = {}
    for number, row in table.rows:
        reference, code_text = row.get("segment", ""), row.get("code", "")
        word = row.get("decision", "").strip().lower()
        decision = _DECISION_WORDS.get(word)
        if decision is None:
            problems.append(RowProblem(number, f"decision '{word}' is not accept or reject"))
            continue
        located = _segment_from_reference(store, documents, reference)
        if isinstance(located, str):
            problems.append(RowProblem(number, located))
            continue
        code_path = find_code(codes, code_text)
        if code_path is None:
            problems.append(RowProblem(number, unknown_code_message(codes, code_text)))
            continue
        if scope is not None and not _within(code_path, scope):
            problems.append(RowProblem(number, f"code {code_path} is outside --code {scope}"))
            continue
        pair = (located.segment_id, code_path)
        if pair not in automatic:
            problems.append(
                RowProblem(number, f"{coder} did not code {located.reference} with {code_path}")
            )
            continue
        if pair in decided and decided[pair][0] is not decision:
            problems.append(RowProblem(number, f"{located.reference} {code_path} decided twice"))
            continue
        decided[pair] = (decision, row.get("note", "").strip())
    if problems:
        raise RowsError(path, problems, "no decision was recorded")
    store.save_decisions(
        ReviewDecision(segment_id, code_path, reviewer, decision, coder, "", note)
        for (segment_id, code_path), (decision, note) in decided.items()
    )
    rejected = [pair for pair, (decision, _) in decided.items() if decision is Decision.REJECT]
    return DecisionsResult(coder, len(decided) - len(rejected), len(rejected))


def _within(code_path: str, scope: str) -> bool:
    return code_path == scope or code_path.startswith(scope + "/")


def _segment_from_reference(
    store: Store, documents: Sequence[Document], reference: str
) -> LocatedSegment | str:
    """Like :func:`resolve_segment`, with the reason as a string for a row of a file."""
    text = reference.strip()
    if text.isdigit():
        found = store.segment_by_id(int(text))
        if found is None:
            return f"no segment with id {text}"
        name, segment, current = found
        if not current:
            return f"segment {text} is of an earlier version of {name}"
        return LocatedSegment(name, segment)
    name, sep, ordinal = text.rpartition("#")
    if not sep or not ordinal.strip().isdigit():
        return f"'{reference}' is not a segment reference ({_REFERENCE_HELP})"
    document = find_document(documents, name)
    if isinstance(document, str):
        return document
    current_segment = store.segment_by_ordinal(document.document_id, int(ordinal))
    if current_segment is None:
        return f"{document.name} has no segment #{int(ordinal)}"
    return LocatedSegment(document.name, current_segment)


# -- reading CSV and XLSX tables ----------------------------------------------------------------


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
        shown = self.problems[:_MAX_LISTED_PROBLEMS]
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


# -- importing codings --------------------------------------------------------------------------

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


_CREATED_ID = re.compile(r"[^\W_][\w\- ]{0,99}")
"""What each part of a code path an import creates must be: a letter or digit, then letters,
digits, spaces, - and _ (no ``..``, no markup, no formula, nothing a file name, a URL or a
spreadsheet would read differently), at most 100 characters."""


def creatable_code_path(text: str) -> str | None:
    """``text`` as a code path an import may create (parts stripped), or None if a part is not
    safe (:data:`_CREATED_ID`)."""
    parts = [part.strip() for part in text.strip().strip("/").split("/")]
    if not all(_CREATED_ID.fullmatch(part) for part in parts):
        return None
    return "/".join(parts)


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
        parts = [part.strip() for part in text.strip().strip("/").split("/")]
        unsafe = any(not _CREATED_ID.fullmatch(part) for part in parts)
        if self.create and unsafe and find_code(self.records, text) is None:
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
    metadata = {*SHEET_COLUMNS, "coder", "segment", *_IGNORED_SHEET_COLUMNS}
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
        if row.get("text") and not _same_text(row["text"], segment.text):
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


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell_safe(text: str) -> str:
    """Text without the control characters a spreadsheet cell cannot hold."""
    return _CONTROL_CHARACTERS.sub("", text)


def _same_text(cell: str, text: str) -> bool:
    """Whether a sheet's text cell still shows the segment (white space aside; long text may
    have been cut to fit a spreadsheet cell, marked with a final …)."""
    cell, text = " ".join(cell.split()), " ".join(_cell_safe(text).split())
    if cell.endswith("…") and len(cell) >= EXCEL_CELL_LIMIT // 2:
        return text.startswith(cell[:-1].rstrip())
    return cell == text


# -- coding sheets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetExport:
    path: Path
    rows: int
    population: int
    """Segments the rows were drawn from."""
    code_paths: tuple[str, ...]
    seed: int | None


def export_coding_sheet(
    store: Store,
    out: Path,
    *,
    codes: Sequence[str] = (),
    sample: int | None = None,
    seed: int = 1,
    role: Role | None = None,
    segment_ids: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SheetExport:
    """Write an XLSX a person can code in: current segments as rows (document, ordinal,
    speaker, role, text), one column per code (the codes given and their sub-codes, else all)
    with a 0/1 drop-down. ``sample`` draws that many segments at random with ``seed``
    (reproducible); ``role`` keeps only the turns of that role; ``segment_ids`` keeps only those
    segments (``export coding-sheet --next``). ``progress(done, total)`` is told of each row
    written."""
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"the coding sheet is an .xlsx file, not '{out.name}'")
    if sample is not None and sample < 1:
        raise UsageError("--sample must be at least 1")
    records = store.codes()
    if not records:
        raise QualcodeError(
            "the project has no codes yet", hint="run 'qualcode code --codebook FILE' first"
        )
    chosen = codes_under(records, codes)
    names = {d.document_id: d.name for d in store.documents()}
    chosen_ids = set(segment_ids or ())
    population = [
        (names[s.document_id], s)
        for batch in store.iter_current_segments()
        for s in batch
        if s.document_id is not None
        and (role is None or s.role is role)
        and (segment_ids is None or s.segment_id in chosen_ids)
    ]
    population.sort(key=lambda item: (item[0], item[1].ordinal))
    rows = population
    if sample is not None and sample < len(population):
        rows = sorted(
            random.Random(seed).sample(population, sample),
            key=lambda item: (item[0], item[1].ordinal),
        )
    _write_sheet(out, rows, chosen, progress)
    return SheetExport(
        path=out,
        rows=len(rows),
        population=len(population),
        code_paths=tuple(r.path for r in chosen),
        seed=seed if sample is not None else None,
    )


def _write_sheet(
    out: Path,
    rows: Sequence[tuple[str, Segment]],
    codes: Sequence[CodeRecord],
    progress: Callable[[int, int], None] | None = None,
) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_NAME
    sheet.append([*SHEET_COLUMNS, *(code.path for code in codes)])
    for done, (name, segment) in enumerate(rows, start=1):
        if progress is not None:
            progress(done, len(rows))
        text = _cell_safe(segment.text)
        if len(text) > EXCEL_CELL_LIMIT:
            text = text[: EXCEL_CELL_LIMIT - 1] + "…"
        role = segment.role.value if segment.role else ""
        sheet.append([name, segment.ordinal, _cell_safe(segment.speaker or ""), role, text])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, not a formula
    first_code = len(SHEET_COLUMNS) + 1
    if codes and rows:
        validation = DataValidation(
            type="list",
            formula1='"0,1"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="0 or 1",
            error="Type 1 if the code applies to this segment, 0 or nothing if not.",
        )
        sheet.add_data_validation(validation)
        validation.add(
            f"{get_column_letter(first_code)}2:"
            f"{get_column_letter(first_code + len(codes) - 1)}{len(rows) + 1}"
        )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDE", (30, 8, 18, 12, 90), strict=True):
        sheet.column_dimensions[column].width = width
    for index in range(len(codes)):
        sheet.column_dimensions[get_column_letter(first_code + index)].width = 14
    for (cell,) in sheet.iter_rows(min_row=2, min_col=5, max_col=5):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=2, column=first_code)

    guide = workbook.create_sheet("codes")
    guide.append(["code", "label", "description", "include", "exclude"])
    for code in codes:
        guide.append([code.path, code.label, code.description, code.include, code.exclude])
    for column, width in zip("ABCDE", (34, 30, 60, 50, 50), strict=True):
        guide.column_dimensions[column].width = width

    notes = workbook.create_sheet("instructions")
    for line in SHEET_INSTRUCTIONS:
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    out.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out)


SHEET_INSTRUCTIONS = (
    "How to fill in this coding sheet",
    "Each row of 'segments' is a segment of a transcript; each column after 'text' is a code "
    "(see the 'codes' sheet for what each one means).",
    "Type 1 where the code applies to the segment; leave the cell empty (or type 0) where it "
    "does not.",
    "Every row left in the sheet counts as coded by you: an empty cell means 'does not apply'. "
    "Delete the rows you did not code.",
    "Do not edit the document, ordinal or text columns. Then: qualcode import codings FILE.xlsx "
    "--coder YOUR_NAME",
)
