"""Writing a project as a REFI-QDA archive (``.qdpx``) and codes as a codebook (``.qdc``).

The archive holds ``project.qde`` and each document's plain text as ``sources/GUID.txt`` (UTF-8,
``internal://`` paths): exactly the text qualcode's offsets count in, so positions need no
conversion. A document read from a Word file that is still there unchanged also carries it
(``sources/GUID.docx``, the ``richTextPath``), so tools can show the formatting and a qualcode
import can segment by its speaker styles again; one read from a PDF that is still there
unchanged is a PDFSource with the file (``sources/GUID.pdf``) and its text as the source's
Representation, which holds the selections. In the project:

- the codebook tree, with descriptions (include and exclude notes as their last paragraphs) and
  colours;
- one User per coder whose codings are exported, automatic (``auto:justice@1.0``) or human, per
  memo author, and ``qualcode``, the user that made the project and its sources;
- every coding on a current segment as a Coding inside a PlainTextSelection over the passages
  its coder selected when it has them (codings read from an archive), else over the segment's
  span, or over each of its evidence spans with :attr:`Span.EVIDENCE` (codings with neither
  evidence nor selected passages keep the segment's span). Codings by one coder over the same
  span share one selection, so a selection kept on each segment it overlaps is written once;
  positions are 0-based code points with the end excluded. Review decisions count: an automatic
  coding a reviewer rejected is left out (and counted), one a reviewer accepted is also the
  reviewer's coding, over the same spans;
- every memo as a Note, referred to (NoteRef) by what it is on: the project, a source, a code, or
  an uncoded PlainTextSelection over its segment;
- creation times and users on the project (when its file was made), sources (when their text was
  ingested), selections, codings (when they were made) and notes;
- every document attribute as a text Variable, with its value on each source that has one;
- a Case per value of the case attribute (the city by default), holding its sources and the value,
  so the city split survives the trip.

Containers with nothing in them are left out, and every date is one the project holds: an
unchanged project exports to the same bytes. Codings on an earlier version of a document (stale
ones) are not exported: their spans do not fit the current text. No file in the archive may
exceed the standard's 2 GB (its section 8.5): a larger one is an error before anything is written.
"""

from __future__ import annotations

import functools
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from qualcode import __version__
from qualcode.coders import AUTO_PREFIX
from qualcode.defaults import DEFAULT_CASE_ATTRIBUTE, Span
from qualcode.errors import QualcodeError, unknown_coder
from qualcode.models import CodedSegment, CodeRecord, Decision, Document, Memo, MemoTarget
from qualcode.refi import guid as guids
from qualcode.refi.archive import INTERNAL_SCHEME, write_archive
from qualcode.refi.codes import code_elements
from qualcode.refi.xmltools import CODEBOOK_NS, PROJECT_NS, Builder
from qualcode.store import Store

ORIGIN = f"qualcode {__version__}"
PROGRAM_USER = "qualcode"
"""The user that made the project and its sources (ingest records no person)."""
MAX_MEMBER_BYTES = 2**31 - 1
"""The largest file an archive may hold (REFI-QDA 1.5, section 8.5)."""


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    documents: int
    codes: int
    coders: tuple[str, ...]
    codings: int
    selections: int
    variables: int
    cases: int
    stale_codings: int
    """Codings on earlier versions of documents, left out."""
    without_evidence: int
    """With :attr:`Span.EVIDENCE`: codings with neither evidence nor selected passages, which
    kept their segment's span."""
    rejected: int = 0
    """Automatic codings a reviewer rejected, left out."""
    accepted: int = 0
    """Automatic codings a reviewer accepted, exported as the reviewer's codings too."""
    memos: int = 0
    stale_memos: int = 0
    """Memos on segments of earlier versions of documents, referred to by their document."""


@dataclass(frozen=True)
class _Selection:
    start: int
    end: int
    coder: str
    code_paths: tuple[str, ...]
    created: tuple[str | None, ...] = ()
    """When each coding (in the order of ``code_paths``) was made, as an xsd:dateTime."""


def export_project(
    store: Store,
    path: Path,
    *,
    span: Span = Span.SEGMENT,
    coders: Sequence[str] | None = None,
    case_attribute: str = DEFAULT_CASE_ATTRIBUTE,
    name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExportSummary:
    """Write the project to ``path`` as a ``.qdpx`` archive; ``coders`` limits whose codings.

    ``progress`` is called with the documents done and the documents in all after each one.
    """
    known = {*store.coders(), *store.reviewers()}
    for coder in coders or ():
        if coder not in known:
            raise unknown_coder(coder, known)
    documents = store.documents()
    codes = store.codes()
    reviewed = _reviewed_codings(store)
    coded = [c for c in reviewed.codings if not coders or c.coder in coders]
    selections, without_evidence = _selections(coded, span, reviewed.dates)
    memos = store.memos()
    exported_coders = tuple(sorted({c.coder for c in coded}))
    stale = sum(n for coder, _, n in store.stale_codings() if not coders or coder in coders)
    source_guids = _source_guids(documents)
    builder = Builder(PROJECT_NS)
    root = builder.element(
        None,
        "Project",
        name=name or store.path.stem,
        origin=ORIGIN,
        creatingUserGUID=guids.user_guid(PROGRAM_USER),
        creationDateTime=_datetime(store.created_at()),
    )
    users = builder.element(root, "Users")
    for user in sorted({PROGRAM_USER, *exported_coders, *(memo.author for memo in memos)}):
        builder.element(users, "User", guid=guids.user_guid(user), name=user)
    if codes:
        codes_element = builder.element(builder.element(root, "CodeBook"), "Codes")
        code_elements(builder, codes_element, codes)
        _code_note_refs(builder, codes_element, memos)
    keys = sorted({key for document in documents for key in document.attributes})
    if keys:
        variables = builder.element(root, "Variables")
        for key in keys:
            builder.element(
                variables,
                "Variable",
                guid=guids.variable_guid(key),
                name=key,
                typeOfVariable="Text",
            )
    cases = _cases(builder, root, documents, case_attribute, source_guids)
    sources: list[tuple[str, bytes]] = []
    stale_memos = 0
    if documents:
        sources_element = builder.element(root, "Sources")
        for done, document in enumerate(documents, 1):
            source_guid = source_guids[document.document_id]
            file_name = f"{source_guid}.txt"
            text = store.document_text(document.document_id)
            data = text.encode("utf-8")
            _check_size(document.name, len(data))
            sources.append((file_name, data))
            original = _original_file(document)
            if original is not None:
                _check_size(f"{document.name} (its {document.format.upper()} file)", len(original))
                sources.append((f"{source_guid}.{document.format}", original))
            made = {
                "creatingUser": guids.user_guid(PROGRAM_USER),
                "creationDateTime": _datetime(document.ingested_at),
            }
            if original is not None and document.format == "pdf":
                # The standard's PDF source: the file, and its text as a representation that
                # holds the selections.
                source = builder.element(
                    sources_element,
                    "PDFSource",
                    guid=source_guid,
                    name=document.name,
                    path=f"{INTERNAL_SCHEME}{source_guid}.pdf",
                    **made,
                )
                text_element = builder.element(
                    source,
                    "Representation",
                    guid=guids.guid("representation", source_guid),
                    name=document.name,
                    plainTextPath=f"{INTERNAL_SCHEME}{file_name}",
                    **made,
                )
            else:
                source = text_element = builder.element(
                    sources_element,
                    "TextSource",
                    guid=source_guid,
                    name=document.name,
                    richTextPath=f"{INTERNAL_SCHEME}{source_guid}.docx" if original else None,
                    plainTextPath=f"{INTERNAL_SCHEME}{file_name}",
                    **made,
                )
            for selection in selections.get(document.document_id, []):
                _selection_element(builder, text_element, source_guid, selection)
            stale_memos += _memo_places(
                builder, text_element, source, source_guid, document, memos, store
            )
            for key, value in sorted(document.attributes.items()):
                _variable_value(builder, source, key, value)
            if progress is not None:
                progress(done, len(documents))
    _notes(builder, root, memos)
    project = builder.serialise(root)
    _check_size("the project file (project.qde)", len(project))
    write_archive(path, project, sources)
    return ExportSummary(
        path=path,
        documents=len(documents),
        codes=len(codes),
        coders=exported_coders,
        codings=len(coded),
        selections=sum(len(s) for s in selections.values()),
        variables=len(keys),
        cases=cases,
        stale_codings=stale,
        without_evidence=without_evidence,
        rejected=sum(1 for c in reviewed.rejected if not coders or c.coder in coders),
        accepted=sum(1 for c in reviewed.accepted if not coders or c.coder in coders),
        memos=len(memos),
        stale_memos=stale_memos,
    )


def _check_size(what: str, size: int) -> None:
    if size > MAX_MEMBER_BYTES:
        raise QualcodeError(
            f"cannot export: {what} is {size:,} bytes, more than the {MAX_MEMBER_BYTES:,} bytes "
            "REFI-QDA allows for one file of an archive (its section 8.5); nothing was written",
            hint="split the document into smaller files and ingest those",
        )


@functools.lru_cache(maxsize=4096)  # a run's codings share one time: read it once
def _datetime(stamp: str | None) -> str | None:
    """A stored time as an xsd:dateTime in UTC (``2026-03-01T10:15:00Z``); None if unreadable."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _source_guids(documents: Sequence[Document]) -> dict[int, str]:
    """Each document's GUID; two documents of the same name and content (ingested from two
    folders) are told apart by their source path."""
    found: dict[int, str] = {}
    taken: set[str] = set()
    for document in documents:
        source_guid = guids.document_guid(document)
        if source_guid in taken:
            source_guid = guids.guid("document", document.name, document.source_path)
        taken.add(source_guid)
        found[document.document_id] = source_guid
    return found


@dataclass(frozen=True)
class _Reviewed:
    """The codings an export writes, with review decisions applied."""

    codings: list[CodedSegment]
    dates: Mapping[tuple[int, str, str], str]
    rejected: list[CodedSegment]
    accepted: list[CodedSegment]


def _reviewed_codings(store: Store) -> _Reviewed:
    """Every coding on current segments, less the automatic ones a reviewer rejected, plus the
    reviewer's for each automatic one accepted (what :func:`qualcode.people.codings.coder_codings`
    counts as that person's), over the automatic coding's spans."""
    coded = store.coded_segments()
    dates = dict(store.coding_dates())
    decisions = store.decisions()
    rejections = {(d.segment_id, d.code_path) for d in decisions if d.decision is Decision.REJECT}
    by_key = {(c.segment.segment_id, c.code_path, c.coder): c for c in coded}
    kept: list[CodedSegment] = []
    rejected: list[CodedSegment] = []
    for item in coded:
        automatic = item.coder.startswith(AUTO_PREFIX)
        if automatic and (item.segment.segment_id, item.code_path) in rejections:
            rejected.append(item)
        else:
            kept.append(item)
    accepted: list[CodedSegment] = []
    for decision in decisions:
        key = (decision.segment_id, decision.code_path, decision.reviewer)
        if decision.decision is not Decision.ACCEPT or key in by_key:
            continue
        reviewed = by_key.get((decision.segment_id, decision.code_path, decision.auto_coder))
        if reviewed is None:  # the automatic coder's rerun dropped it; the acceptance stands
            found = store.segment_by_id(decision.segment_id)
            if found is None:
                continue
            document_name, segment, _ = found
            reviewed = CodedSegment(document_name, segment, decision.code_path, "", ())
        accepted.append(replace(reviewed, coder=decision.reviewer))
        dates[key] = decision.decided_at
    return _Reviewed(kept + accepted, dates, rejected, accepted)


ORIGINAL_FORMATS = ("docx", "pdf")
"""Formats whose original file the archive carries: the standard has a place for a Word file
(a text source's rich text) and for a PDF (a PDF source). ODT, RTF and the others have none."""


def _original_file(document: Document) -> bytes | None:
    """The Word or PDF file a document was read from, when it is still there unchanged."""
    if document.format not in ORIGINAL_FORMATS:
        return None
    try:
        data = Path(document.source_path).read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == document.content_hash else None


def _selections(
    coded: Sequence[CodedSegment], span: Span, dates: Mapping[tuple[int, str, str], str]
) -> tuple[dict[int, list[_Selection]], int]:
    """Selections per document id, in text order, and how many codings lacked evidence."""
    grouped: dict[tuple[int, int, int, str], dict[str, str | None]] = {}
    without_evidence = 0
    for item in coded:
        segment = item.segment
        assert segment.document_id is not None
        spans = set(item.spans) or {(segment.start_char, segment.end_char)}
        if span is Span.EVIDENCE:
            if item.evidence:
                spans = {(e.start_char, e.end_char) for e in item.evidence}
            elif not item.spans:
                without_evidence += 1
        created = _datetime(dates.get((segment.segment_id or 0, item.code_path, item.coder)))
        for start, end in spans:
            key = (segment.document_id, start, end, item.coder)
            grouped.setdefault(key, {})[item.code_path] = created
    selections: dict[int, list[_Selection]] = {}
    for (document_id, start, end, coder), paths in sorted(grouped.items()):
        ordered = sorted(paths)
        selections.setdefault(document_id, []).append(
            _Selection(start, end, coder, tuple(ordered), tuple(paths[p] for p in ordered))
        )
    return selections, without_evidence


def _selection_element(
    builder: Builder, source: ET.Element, source_guid: str, selection: _Selection
) -> None:
    user = guids.user_guid(selection.coder)
    selection_guid = guids.selection_guid(
        source_guid, selection.start, selection.end, selection.coder
    )
    known = [created for created in selection.created if created is not None]
    element = builder.element(
        source,
        "PlainTextSelection",
        guid=selection_guid,
        startPosition=selection.start,
        endPosition=selection.end,
        creatingUser=user,
        creationDateTime=min(known) if known else None,
    )
    created = selection.created or (None,) * len(selection.code_paths)
    for code_path, when in zip(selection.code_paths, created, strict=True):
        coding = builder.element(
            element,
            "Coding",
            guid=guids.coding_guid(selection_guid, code_path),
            creatingUser=user,
            creationDateTime=when,
        )
        builder.element(coding, "CodeRef", targetGUID=guids.code_guid(code_path))


# -- memos ---------------------------------------------------------------------------------------


def _note_ref(builder: Builder, parent: ET.Element, memo: Memo) -> ET.Element:
    return builder.element(parent, "NoteRef", targetGUID=memo.guid)


def _memo_places(
    builder: Builder,
    text_element: ET.Element,
    source: ET.Element,
    source_guid: str,
    document: Document,
    memos: Sequence[Memo],
    store: Store,
) -> int:
    """NoteRefs to a document's memos: on the source, and on an uncoded selection over each
    segment with memos (in ``text_element``, the source or a PDF's representation). Return how
    many memos were on earlier versions' segments (those are referred to by the source)."""
    own = [m for m in memos if m.document_id == document.document_id]
    by_segment: dict[int, list[Memo]] = {}
    on_source: list[Memo] = []
    stale = 0
    for memo in own:
        if memo.target is MemoTarget.SEGMENT and memo.segment_current:
            by_segment.setdefault(memo.segment_id or 0, []).append(memo)
        elif memo.target in (MemoTarget.SEGMENT, MemoTarget.DOCUMENT):
            stale += memo.target is MemoTarget.SEGMENT
            on_source.append(memo)
    segments = {s.segment_id: s for s in store.segments(document.document_id)} if by_segment else {}
    for segment_id, segment_memos in sorted(
        by_segment.items(), key=lambda item: segments[item[0]].start_char
    ):
        segment = segments[segment_id]
        first = segment_memos[0]
        element = builder.element(
            text_element,
            "PlainTextSelection",
            guid=guids.guid("memo selection", source_guid, segment.start_char, segment.end_char),
            startPosition=segment.start_char,
            endPosition=segment.end_char,
            creatingUser=guids.user_guid(first.author),
            creationDateTime=_datetime(first.created_at),
        )
        for memo in segment_memos:
            _note_ref(builder, element, memo)
    for memo in on_source:
        _note_ref(builder, source, memo)
    return stale


def _code_note_refs(builder: Builder, codes_element: ET.Element, memos: Sequence[Memo]) -> None:
    """NoteRefs to the codes' memos, inside each Code after its Description (the schema's order)."""
    by_guid: dict[str, list[Memo]] = {}
    for memo in memos:
        if memo.target is MemoTarget.CODE and memo.code_path is not None:
            by_guid.setdefault(guids.code_guid(memo.code_path), []).append(memo)
    if not by_guid:
        return
    for element in codes_element.iter("Code"):
        code_memos = by_guid.get(element.get("guid") or "", [])
        at = 1 if len(element) and element[0].tag == "Description" else 0
        for offset, memo in enumerate(code_memos):
            reference = builder.element(None, "NoteRef", targetGUID=memo.guid)
            element.insert(at + offset, reference)


def _notes(builder: Builder, root: ET.Element, memos: Sequence[Memo]) -> None:
    """The Notes, and the NoteRefs of the project's own memos (last, as the schema orders)."""
    if not memos:
        return
    notes = builder.element(root, "Notes")
    for memo in memos:
        first_line = memo.text.splitlines()[0] if memo.text else ""
        note = builder.element(
            notes,
            "Note",
            guid=memo.guid,
            name=first_line if len(first_line) <= 60 else first_line[:59] + "…",
            creatingUser=guids.user_guid(memo.author),
            creationDateTime=_datetime(memo.created_at),
        )
        builder.element(note, "PlainTextContent", memo.text)
    for memo in memos:
        if memo.target is MemoTarget.PROJECT:
            _note_ref(builder, root, memo)


def _variable_value(builder: Builder, parent: ET.Element, key: str, value: str) -> None:
    element = builder.element(parent, "VariableValue")
    builder.element(element, "VariableRef", targetGUID=guids.variable_guid(key))
    builder.element(element, "TextValue", value)


def _cases(
    builder: Builder,
    root: ET.Element,
    documents: Sequence[Document],
    attribute: str,
    source_guids: Mapping[int, str],
) -> int:
    members: dict[str, list[Document]] = {}
    for document in documents:
        value = document.attributes.get(attribute, "").strip()
        if value:
            members.setdefault(value, []).append(document)
    if not members:
        return 0
    cases = builder.element(root, "Cases")
    for value, case_documents in sorted(members.items()):
        case = builder.element(cases, "Case", guid=guids.case_guid(attribute, value), name=value)
        _variable_value(builder, case, attribute, value)
        for document in case_documents:
            builder.element(case, "SourceRef", targetGUID=source_guids[document.document_id])
    return len(members)


# -- codebooks -----------------------------------------------------------------------------------


def codebook_document(codes: Sequence[CodeRecord], origin: str = ORIGIN) -> bytes:
    """A ``.qdc`` codebook of ``codes`` (a whole tree), valid against ``Codebook.xsd``."""
    if not codes:
        raise QualcodeError("there are no codes to export")
    builder = Builder(CODEBOOK_NS)
    root = builder.element(None, "CodeBook", origin=origin)
    code_elements(builder, builder.element(root, "Codes"), codes)
    return builder.serialise(root)


def export_codebook(codes: Sequence[CodeRecord], path: Path, origin: str = ORIGIN) -> int:
    """Write ``codes`` to ``path`` as a ``.qdc`` file; return how many."""
    data = codebook_document(codes, origin)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(data)
    temporary.replace(path)
    return len(codes)
