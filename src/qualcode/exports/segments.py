"""Coded segments for other tools: one row per segment and code, and a 0/1 segment × code matrix.

The column names are a public interface, listed in docs/exports.md and pinned by golden files:
fixed columns, plus one ``attr_<key>`` column per document attribute (keys sorted), plus, in the
matrix, one column per code. They are written by :mod:`qualcode.exports.spreadsheet`, which
neutralises the text cells a spreadsheet would run as formulas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qualcode.agreement import looked_at
from qualcode.coders import is_automatic
from qualcode.context import ContextFinder, QuoteContext
from qualcode.models import Document, in_scope
from qualcode.people.lookup import resolve_codes
from qualcode.report import code_tree, resolve_coder, select_documents, shown_codes
from qualcode.store import Store

ATTRIBUTE_PREFIX = "attr_"
SEGMENT_COLUMNS_HEAD = ["document"]
SEGMENT_COLUMNS_TAIL = [
    "segment_id",
    "segment_ordinal",
    "turn",
    "speaker",
    "role",
    "timestamp",
    "start_char",
    "end_char",
    "language",
    "word_count",
    "code_path",
    "code_label",
    "coder",
    "evidence",
    "evidence_patterns",
    "evidence_spans",
    "text",
]
MATRIX_COLUMNS_TAIL = [
    "segment_id",
    "segment_ordinal",
    "speaker",
    "role",
    "timestamp",
    "word_count",
    "in_scope",
]
EVIDENCE_SEPARATOR = "; "
CONTEXT_COLUMNS = ["question", "context_before", "context_after"]
CONTEXT_SEPARATOR = "\n"


@dataclass(frozen=True)
class SegmentExport:
    """What an export wrote, for the command's one-line summary."""

    coder: str
    rows: int
    path: Path | None


def attribute_columns(documents: Sequence[Document]) -> list[str]:
    return sorted({key for d in documents for key in d.attributes})


def matrix_column(code_path: str) -> str:
    """A code path as a variable name R, SPSS and Stata accept: ``/`` becomes ``__``."""
    return code_path.replace("/", "__")


def coded_segments_frame(
    store: Store,
    *,
    coder: str | None = None,
    codes: Sequence[str] = (),
    filters: Sequence[tuple[str, str]] = (),
    context: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str, pd.DataFrame]:
    """One row per coding (segment and code, as coded: no roll-up), in document order.

    Every coding of the coder counts here, interviewer turns included: the ``role`` column lets
    the reader keep or drop them. With ``context`` (turns each side), three more columns: the
    question before the segment and the turns before and after it. ``progress(done, total)``
    is told of each coding read.
    """
    coder = resolve_coder(store, coder)
    documents = select_documents(store, filters)
    by_id = {d.document_id: d for d in documents}
    keys = attribute_columns(documents)
    labels = {c.path: c.label for c in store.codes()}
    rows = []
    finder = ContextFinder(store) if context is not None else None
    code_paths = list(resolve_codes(store, codes)) or None
    items = store.coded_segments(code_paths=code_paths, coders=[coder])
    for done, item in enumerate(items, start=1):
        if progress is not None:
            progress(done, len(items))
        segment = item.segment
        document = by_id.get(segment.document_id or -1)
        if document is None:
            continue
        rows.append(
            [
                document.name,
                *(document.attributes.get(k, "") for k in keys),
                segment.segment_id,
                segment.ordinal,
                segment.turn,
                segment.speaker or "",
                segment.role.value if segment.role else "",
                segment.timestamp or "",
                segment.start_char,
                segment.end_char,
                segment.language or "",
                segment.word_count,
                item.code_path,
                labels.get(item.code_path, item.code_path),
                item.coder,
                EVIDENCE_SEPARATOR.join(e.matched for e in item.evidence),
                EVIDENCE_SEPARATOR.join(e.pattern for e in item.evidence),
                EVIDENCE_SEPARATOR.join(f"{e.start_char}-{e.end_char}" for e in item.evidence),
                segment.text,
                *(_context_cells(finder.around(segment, context or 0)) if finder else ()),
            ]
        )
    columns = [
        *SEGMENT_COLUMNS_HEAD,
        *(ATTRIBUTE_PREFIX + k for k in keys),
        *SEGMENT_COLUMNS_TAIL,
        *(CONTEXT_COLUMNS if finder else ()),
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["turn"] = frame["turn"].astype("Int64")
    return coder, frame


def _context_cells(around: QuoteContext) -> tuple[str, str, str]:
    return (
        around.question.quoted() if around.question else "",
        CONTEXT_SEPARATOR.join(turn.quoted() for turn in around.before),
        CONTEXT_SEPARATOR.join(turn.quoted() for turn in around.after),
    )


def segment_matrix_frame(
    store: Store,
    *,
    coder: str | None = None,
    codes: Sequence[str] = (),
    filters: Sequence[tuple[str, str]] = (),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str, pd.DataFrame]:
    """Every current segment (of the chosen documents; a person: those they looked at) × every
    code: 1 when coded.

    A parent code's column is 1 when the segment carries the code or any descendant, as in the
    report; ``in_scope`` is 1 for the segments the report counts (not the interviewer's).
    ``progress(done, total)`` is told of each current segment read.
    """
    coder = resolve_coder(store, coder)
    documents = select_documents(store, filters)
    by_id = {d.document_id: d for d in documents}
    keys = attribute_columns(documents)
    pairs = store.coding_pairs(coder, in_scope_only=False)
    tree = code_tree(store, coder, {path for _, path in pairs})
    shown = [c.path for c in shown_codes(tree, resolve_codes(store, codes), leaves_only=False)]
    column = {path: i for i, path in enumerate(shown)}
    coded: dict[int, set[int]] = {}
    for segment_id, path in pairs:
        for ancestor in tree.ancestors_or_self(path):
            if ancestor in column:
                coded.setdefault(segment_id, set()).add(column[ancestor])
    # A person's matrix has the segments they looked at: a 0 elsewhere would claim a judgement.
    looked = None if is_automatic(coder) else looked_at(store, coder)
    rows = []
    segments = store.all_current_segments()
    for done, segment in enumerate(segments, start=1):
        if progress is not None:
            progress(done, len(segments))
        document = by_id.get(segment.document_id or -1)
        if document is None or (looked is not None and segment.segment_id not in looked):
            continue
        flags = [0] * len(shown)
        for j in coded.get(segment.segment_id or -1, ()):
            flags[j] = 1
        rows.append(
            [
                document.name,
                *(document.attributes.get(k, "") for k in keys),
                segment.segment_id,
                segment.ordinal,
                segment.speaker or "",
                segment.role.value if segment.role else "",
                segment.timestamp or "",
                segment.word_count,
                int(in_scope(segment.role)),
                *flags,
            ]
        )
    columns = [
        *SEGMENT_COLUMNS_HEAD,
        *(ATTRIBUTE_PREFIX + k for k in keys),
        *MATRIX_COLUMNS_TAIL,
        *(matrix_column(p) for p in shown),
    ]
    return coder, pd.DataFrame(rows, columns=columns)
