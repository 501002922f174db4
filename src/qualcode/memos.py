"""Memos: a person's notes on the project, a document, a segment or a code.

What a memo is on is written as ``qualcode memo add --on`` takes it: ``project``; a document's
name (``barcelona/c01.txt``, or ``c01.txt`` or ``c01`` when only one document is called that); a
segment, ``DOCUMENT#ORDINAL`` or its numeric id; a code's path (or a last part only one code
has). ``document:NAME`` and ``code:PATH`` say which when a name could be either. Memos travel
in REFI-QDA archives as notes (:mod:`qualcode.refi.export`, :mod:`qualcode.refi.notes`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.code_paths import find_code
from qualcode.coders import check_coder
from qualcode.errors import UsageError, closest, suggesting
from qualcode.models import Document, Memo, MemoTarget
from qualcode.people.lookup import find_document, resolve_segment
from qualcode.store import Store

PROJECT = "project"
DOCUMENT_PREFIX = "document:"
CODE_PREFIX = "code:"


@dataclass(frozen=True)
class Target:
    """What a memo is on, resolved to the project's records."""

    kind: MemoTarget
    document_id: int | None = None
    segment_id: int | None = None
    code_path: str | None = None

    def holds(self, memo: Memo) -> bool:
        """Whether ``memo`` is on this target (a document's own memos and its segments')."""
        if self.kind is MemoTarget.PROJECT:
            return memo.target is MemoTarget.PROJECT
        if self.kind is MemoTarget.CODE:
            return memo.target is MemoTarget.CODE and memo.code_path == self.code_path
        if self.kind is MemoTarget.SEGMENT:
            return memo.segment_id == self.segment_id
        return memo.document_id == self.document_id and memo.target is not MemoTarget.CODE


def resolve_target(store: Store, on: str) -> Target:
    """The target ``on`` names; :class:`UsageError` with the closest names when it names none."""
    wanted = on.strip()
    if not wanted:
        raise UsageError("--on is empty", hint="give project, a document, DOCUMENT#N or a code")
    if wanted.casefold() == PROJECT:
        return Target(MemoTarget.PROJECT)
    if wanted.startswith(CODE_PREFIX):
        return _code_target(store, wanted.removeprefix(CODE_PREFIX))
    documents = store.documents()
    if wanted.startswith(DOCUMENT_PREFIX):
        name = wanted.removeprefix(DOCUMENT_PREFIX)
        found = find_document(documents, name)
        if isinstance(found, str):
            names = [d.name for d in documents]
            raise UsageError(found if "several" in found else _unknown(name, names, [], "document"))
        return Target(MemoTarget.DOCUMENT, document_id=found.document_id)
    if "#" in wanted or wanted.isdigit():
        located = resolve_segment(store, wanted)
        return Target(
            MemoTarget.SEGMENT,
            document_id=located.segment.document_id,
            segment_id=located.segment_id,
        )
    document = find_document(documents, wanted)
    codes = store.codes()
    code_path = find_code(codes, wanted)
    if isinstance(document, Document) and code_path is not None:
        raise UsageError(
            f"'{on}' is both a document and a code",
            hint=f"write {DOCUMENT_PREFIX}{document.name} or {CODE_PREFIX}{code_path}",
        )
    if isinstance(document, Document):
        return Target(MemoTarget.DOCUMENT, document_id=document.document_id)
    if code_path is not None:
        return Target(MemoTarget.CODE, code_path=code_path)
    if "several documents" in document:
        raise UsageError(document)
    raise UsageError(_unknown(wanted, [d.name for d in documents], [c.path for c in codes]))


def _code_target(store: Store, path: str) -> Target:
    codes = store.codes()
    code_path = find_code(codes, path)
    if code_path is None:
        raise UsageError(_unknown(path, [], [c.path for c in codes], "code"))
    return Target(MemoTarget.CODE, code_path=code_path)


def _unknown(
    wanted: str, documents: Sequence[str], codes: Sequence[str], kind: str = "document or code"
) -> str:
    """No document or code is called ``wanted``: the closest of both, up to three."""
    leaves = {path.rsplit("/", 1)[-1]: path for path in codes}
    for name in documents:  # a file name without its folder and suffix: c01 for barcelona/c01.txt
        leaves.setdefault(name.rsplit("/", 1)[-1].rsplit(".", 1)[0], name)
    names = [*documents, *codes]
    folded = wanted.casefold()
    close = [name for name in names if folded in name.casefold()]
    if not close:
        close = closest(wanted, names)
        close += [leaves[leaf] for leaf in closest(wanted, leaves) if leaves[leaf] not in close]
    return suggesting(f"no {kind} '{wanted}' in the project", close[:3])


def add_memo(store: Store, text: str, on: str, author: str) -> Memo:
    """Write a memo by ``author`` on what ``on`` names; return it as recorded."""
    body = text.strip()
    if not body:
        raise UsageError("the memo is empty")
    author = check_coder(author)
    target = resolve_target(store, on)
    memo_id = store.add_memo(
        guid=str(uuid.uuid4()),
        target=target.kind,
        text=body,
        author=author,
        document_id=target.document_id,
        segment_id=target.segment_id,
        code_path=target.code_path,
    )
    return next(memo for memo in store.memos() if memo.memo_id == memo_id)


def list_memos(store: Store, on: str | None = None) -> list[Memo]:
    """Every memo, or those on what ``on`` names (a document's include its segments')."""
    memos = store.memos()
    if on is None:
        return memos
    target = resolve_target(store, on)
    return [memo for memo in memos if target.holds(memo)]
