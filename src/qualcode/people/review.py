"""Reviewing automatic codings: the queue of a code, decisions one by one or from a file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.code_paths import find_code, is_within
from qualcode.coders import check_coder
from qualcode.errors import ImportFormatError, QualcodeError, UsageError
from qualcode.models import CodedSegment, Decision, Document, Evidence, ReviewDecision
from qualcode.people.lookup import (
    REFERENCE_HELP,
    LocatedSegment,
    find_document,
    resolve_code,
    unknown_code_message,
)
from qualcode.people.tables import RowProblem, RowsError, read_table
from qualcode.store import Store


@dataclass(frozen=True)
class ReviewItem(LocatedSegment):
    """One automatic coding to accept or reject, with the reviewer's earlier decision if any."""

    code_path: str
    evidence: tuple[Evidence, ...]
    decision: Decision | None = None


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
        if scope is not None and not is_within(code_path, scope):
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
        return f"'{reference}' is not a segment reference ({REFERENCE_HELP})"
    document = find_document(documents, name)
    if isinstance(document, str):
        return document
    current_segment = store.segment_by_ordinal(document.document_id, int(ordinal))
    if current_segment is None:
        return f"{document.name} has no segment #{int(ordinal)}"
    return LocatedSegment(document.name, current_segment)
