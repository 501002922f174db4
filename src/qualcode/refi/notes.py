"""An archive's notes (``Notes/Note``) as memos, on what their ``NoteRef`` elements are on.

A note referred to from the project is a project memo; from a source (a TextSource, a PDFSource or
its Representation), a memo on its document; from a PlainTextSelection (or a Coding inside one),
a memo on the segment the selection overlaps most; from a code, a memo on that code. A note
nothing refers to is a project memo too. What qualcode cannot place exactly is placed one level
up and counted: a note on a picture, audio, video, case, set, link or graph, or on a source or
code the import left out, becomes a project memo; a note on a selection outside every segment, a
memo on its document; a note referred to from several places is kept once, on the first.

A note's text is its ``PlainTextContent``, else the text file its ``plainTextPath`` names in the
archive, else its description. Its author is its ``creatingUser`` (else the project's creating
user), named by the archive's users, and its time is its ``creationDateTime``. A memo keeps the
note's GUID, so an archive imported twice brings its memos once.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from qualcode.models import MemoTarget, Segment
from qualcode.refi import guid as guids
from qualcode.refi.archive import INTERNAL_SCHEME, Archive
from qualcode.refi.qde import read_time
from qualcode.refi.sources import SourceText
from qualcode.refi.xmltools import child, child_text, children, local_name
from qualcode.store import Store

UNKNOWN_AUTHOR = "refi-qda"
"""The author of notes whose user the archive does not say."""
_TEXT_SOURCES = ("TextSource", "PDFSource")
_OTHER_SOURCES = ("PictureSource", "AudioSource", "VideoSource")


@dataclass(frozen=True)
class NoteRecord:
    guid: str
    text: str
    user: str | None
    created: str | None


@dataclass(frozen=True)
class NotePlace:
    """Where a NoteRef puts a note: the project, a source, a span of a source or a code."""

    note: str
    target: MemoTarget
    source: str | None = None
    start: int | None = None
    end: int | None = None
    code: str | None = None


@dataclass
class NotesRecord:
    """The notes of a project file and the places that refer to them."""

    notes: dict[str, NoteRecord] = field(default_factory=dict)
    places: list[NotePlace] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class NotesOutcome:
    added: int
    already: int
    warnings: tuple[str, ...]
    losses: tuple[str, ...] = ()
    """The warnings that say what was left out, not only where a note was put (``--strict``)."""


@dataclass(frozen=True)
class MappedSource:
    """A source the import put in the project: its document, text and current segments."""

    guid: str
    document_id: int
    text: SourceText
    segments: Sequence[Segment]


def read_notes(root: ET.Element, archive: Archive, project_member: str) -> NotesRecord:
    """The notes of the project file ``root`` and where each is referred to from."""
    record = NotesRecord()
    notes = child(root, "Notes")
    for note in children(notes, "Note") if notes is not None else ():
        found = _note(note, archive, project_member)
        if found is None:
            record.problems["notes without text left out"] += 1
        else:
            record.notes.setdefault(found.guid, found)
    for reference in children(root, "NoteRef"):
        _place(record, reference, MemoTarget.PROJECT)
    codebook = child(root, "CodeBook")
    for code in codebook.iter() if codebook is not None else ():
        if local_name(code) == "Code":
            for reference in children(code, "NoteRef"):
                _place(record, reference, MemoTarget.CODE, code=_guid(code))
    sources = child(root, "Sources")
    for source in sources if sources is not None else ():
        kind = local_name(source)
        if kind in _TEXT_SOURCES:
            _source_places(record, source, _guid(source))
    for element in root.iter():
        if local_name(element) in (*_OTHER_SOURCES, "Cases", "Sets", "Links", "Graphs"):
            for reference in element.iter():
                if local_name(reference) in ("NoteRef", "MemberNote"):
                    record.problems[
                        "notes on pictures, audio, video, cases, sets, links or graphs, "
                        "kept as project memos"
                    ] += 1
                    _place(record, reference, MemoTarget.PROJECT)
    return record


def _source_places(record: NotesRecord, source: ET.Element, source_guid: str | None) -> None:
    texts = [source, *children(source, "Representation")]
    for text in texts:
        for reference in children(text, "NoteRef"):
            _place(record, reference, MemoTarget.DOCUMENT, source=source_guid)
        for selection in children(text, "PlainTextSelection"):
            try:
                start = int((selection.get("startPosition") or "").strip())
                end = int((selection.get("endPosition") or "").strip())
            except ValueError:
                start = end = -1
            references = [
                *children(selection, "NoteRef"),
                *(
                    r
                    for coding in children(selection, "Coding")
                    for r in children(coding, "NoteRef")
                ),
            ]
            for reference in references:
                _place(
                    record,
                    reference,
                    MemoTarget.SEGMENT,
                    source=source_guid,
                    start=min(start, end),
                    end=max(start, end),
                )


def _guid(element: ET.Element) -> str | None:
    return guids.normalise_guid(element.get("guid"))


def _place(
    record: NotesRecord,
    reference: ET.Element,
    target: MemoTarget,
    *,
    source: str | None = None,
    start: int | None = None,
    end: int | None = None,
    code: str | None = None,
) -> None:
    note = guids.normalise_guid(reference.get("targetGUID"))
    if note is None:
        record.problems["note references without a GUID left out"] += 1
        return
    record.places.append(NotePlace(note, target, source, start, end, code))


def _note(note: ET.Element, archive: Archive, project_member: str) -> NoteRecord | None:
    text = child_text(note, "PlainTextContent")
    path = note.get("plainTextPath") or ""
    if not text and path.startswith(INTERNAL_SCHEME):
        member = archive.source_member(path, project_member)
        if member is not None:
            text = archive.read(member).decode("utf-8-sig", errors="replace")
    text = (text or child_text(note, "Description")).strip()
    if not text:
        return None
    key = _guid(note) or str(uuid.uuid5(guids.NAMESPACE, f"note\x1f{text}"))
    return NoteRecord(
        guid=key,
        text=text.replace("\r\n", "\n"),
        user=guids.normalise_guid(note.get("creatingUser")),
        created=read_time(note.get("creationDateTime")),
    )


def import_notes(
    store: Store,
    record: NotesRecord,
    users: Mapping[str, str],
    code_paths: Mapping[str, str],
    sources: Iterable[MappedSource],
    default_user: str | None = None,
) -> NotesOutcome:
    """Add the archive's notes the project does not have yet as memos, inside the caller's
    transaction. A note without a user is the project's creating user's (``default_user``)."""
    problems = Counter(record.problems)
    mapped = {source.guid: source for source in sources}
    known = store.memo_guids()
    placed: dict[str, NotePlace] = {}
    for place in record.places:
        if place.note not in record.notes:
            problems["note references to no note left out"] += 1
        elif place.note in placed:
            problems["notes referred to from several places, kept on the first"] += 1
        else:
            placed[place.note] = place
    added = already = 0
    for note in record.notes.values():
        if note.guid in known:
            already += 1
            continue
        place = placed.get(note.guid, NotePlace(note.guid, MemoTarget.PROJECT))
        target, document_id, segment_id, code_path = _target(place, mapped, code_paths, problems)
        user = note.user or default_user
        if user is None:
            problems[f"notes without an author, credited to '{UNKNOWN_AUTHOR}'"] += 1
        store.add_memo(
            guid=note.guid,
            target=target,
            text=note.text,
            author=users.get(user, user) if user else UNKNOWN_AUTHOR,
            document_id=document_id,
            segment_id=segment_id,
            code_path=code_path,
            created_at=note.created,
        )
        added += 1
    warnings = tuple(f"{count} {label}" for label, count in sorted(problems.items()))
    losses = tuple(warning for warning in warnings if warning.endswith(" left out"))
    return NotesOutcome(added, already, warnings, losses)


def _target(
    place: NotePlace,
    mapped: Mapping[str, MappedSource],
    code_paths: Mapping[str, str],
    problems: Counter[str],
) -> tuple[MemoTarget, int | None, int | None, str | None]:
    """(target, document_id, segment_id, code_path) of a memo placed at ``place``."""
    if place.target is MemoTarget.CODE:
        code_path = code_paths.get(place.code or "")
        if code_path is not None:
            return MemoTarget.CODE, None, None, code_path
        problems["notes on codes not imported, kept as project memos"] += 1
    elif place.target in (MemoTarget.DOCUMENT, MemoTarget.SEGMENT):
        source = mapped.get(place.source or "")
        if source is None:
            problems["notes on sources not imported, kept as project memos"] += 1
        elif place.target is MemoTarget.DOCUMENT:
            return MemoTarget.DOCUMENT, source.document_id, None, None
        else:
            segment_id = _segment(source, place.start or 0, place.end or 0)
            if segment_id is not None:
                return MemoTarget.SEGMENT, source.document_id, segment_id, None
            problems["notes on selections outside every segment, put on their document"] += 1
            return MemoTarget.DOCUMENT, source.document_id, None, None
    return MemoTarget.PROJECT, None, None, None


def _segment(source: MappedSource, start: int, end: int) -> int | None:
    """The current segment a selection overlaps most (the first of equals), or None."""
    text = source.text
    if start < 0 or start >= text.original_length:
        return None
    start, end = text.position(start), text.position(min(end, text.original_length))
    best: tuple[int, int] | None = None
    for segment in source.segments:
        overlap = min(end, segment.end_char) - max(start, segment.start_char)
        if segment.segment_id is not None and overlap > 0 and (best is None or overlap > best[0]):
            best = (overlap, segment.segment_id)
    return best[1] if best else None
