"""Reading a REFI-QDA archive (``.qdpx``) into the project, in one transaction.

What comes in:

- **documents** from the text sources: the plain text (``PlainTextContent`` or the
  ``plainTextPath`` file, in the archive or under ``--base``), else a ``.docx`` source read by
  qualcode's Word reader; PDF sources through their plain-text representation. Each becomes a
  document cut so that no selection is outside every segment (:mod:`qualcode.refi.segmenting`),
  with the source's variable values, and its cases' values, as attributes. A source whose text
  the project already holds (same GUID, or same name and same text) is not added again: its
  codings go to the existing document, so a project can go out to NVivo and come back to be
  compared with the automatic coder;
- **codes** from the codebook, found among the project's codes (and a ``codebook`` given) by GUID
  or by label under the same parent, else added (:mod:`qualcode.refi.codes`);
- **codings**: every PlainTextSelection's codings, credited to the User who made them (by name),
  on every segment the selection overlaps, each keeping the selection's exact span (an automatic
  coder's, as its evidence) and the time the archive says it was made (the Coding's
  ``creationDateTime``, else its selection's; the earliest, when several selections make one
  coding; the import's own time only when the archive gives none). A person's coding withdraws
  their rejection of the same automatic coding, as ``qualcode tag`` does. Codings of an
  automatic coder (``auto:…``) come back under that name, unless the project has runs of that
  coder, whose own codings then stand.

Selection positions are 0-based code points into the source's text, end excluded, as the
standard says, unless the source's selections say that its tool counted UTF-16 units or counted
``\\r\\n`` once (:mod:`qualcode.refi.positions`); the summary says per source which reading was
used. Windows line endings are read as ``\\n`` and the positions moved accordingly. Everything
the standard allows but qualcode does not hold (pictures, audio, video, transcripts, sets, links,
graphs, codings of whole sources), and every selection that cannot be placed, is left out and
counted in a warning with the codings it carried (``losses``); ``strict`` refuses instead. Notes
become memos (:mod:`qualcode.refi.notes`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from qualcode.codebook import Codebook
from qualcode.coders import AUTO_PREFIX
from qualcode.coding import code_records
from qualcode.defaults import Positions
from qualcode.errors import ImportFormatError
from qualcode.ingest.language import LanguageIdentifier
from qualcode.ingest.metadata import Attributes
from qualcode.ingest.pipeline import (
    SEGMENTER_VERSION,
    save_version,
    segment_and_identify,
    with_detected_language,
    with_stored_language,
)
from qualcode.ingest.roles import ProjectRoles, RoleResolver
from qualcode.models import (
    CodeRecord,
    Document,
    ReadDocument,
    Segment,
    Segmentation,
    Unit,
)
from qualcode.readers.text_reader import split_paragraphs
from qualcode.refi import guid as guids
from qualcode.refi.archive import Archive, ArchiveLimits
from qualcode.refi.codes import (
    ParsedCode,
    fold_label,
    join_path,
    make_id,
    unique_id,
)
from qualcode.refi.notes import MappedSource, NotesRecord, import_notes, read_notes
from qualcode.refi.positions import choose
from qualcode.refi.qde import ProjectRecord, SelectionRecord, SourceRecord, read_project
from qualcode.refi.segmenting import segment_source
from qualcode.refi.sources import SourceText, TextNotes, Where, source_text
from qualcode.refi.xmltools import parse_untrusted, schema_warning
from qualcode.store import Store

UNKNOWN_CODER = "refi-qda"
"""The coder of codings whose user the archive does not say."""
ATTRIBUTE_SOURCE = "refi-qda"
CASE_ATTRIBUTE_SOURCE = "refi-qda case"
CASE_NAME_ATTRIBUTE = "case"
CODEBOOK_PREFIX = "refi-qda:"
"""The ``codebook`` recorded for codes an archive brought: the prefix and the project's name."""


@dataclass(frozen=True)
class DocumentOutcome:
    name: str
    status: str  # added | updated | unchanged | metadata
    segments: int = 0
    languages: tuple[str, ...] = ()
    positions: str = ""
    """How the source's selection positions were read, when it has selections."""


@dataclass(frozen=True)
class ImportSummary:
    path: Path
    project_name: str
    origin: str
    documents: tuple[DocumentOutcome, ...]
    codes_in_archive: int
    codes_added: tuple[str, ...]
    selections: int
    codings: dict[str, tuple[int, int]]
    """{coder: (codings added, codings the project already had)}."""
    warnings: tuple[str, ...]
    memos: tuple[int, int] = (0, 0)
    """(memos added from the archive's notes, notes the project already had)."""
    losses: tuple[str, ...] = ()
    """The warnings that say what was left out (also in ``warnings``); ``--strict`` refuses."""


@dataclass(frozen=True)
class ArchiveContent:
    """What an archive holds that an import uses, read before the project is touched."""

    path: Path
    project: ProjectRecord
    texts: tuple[tuple[SourceRecord, SourceText], ...]
    warnings: tuple[str, ...]
    notes: NotesRecord = field(default_factory=NotesRecord)
    losses: tuple[str, ...] = ()
    """The warnings that say what the import leaves out (also in ``warnings``)."""


def read_archive(
    path: Path,
    limits: ArchiveLimits | None = None,
    *,
    positions: Positions = Positions.AUTO,
    base: Path | None = None,
) -> ArchiveContent:
    """Read and check an archive; ImportFormatError when it cannot be read or is refused.

    ``positions``: how selection positions count (:mod:`qualcode.refi.positions`); ``base``:
    the folder ``relative://`` sources are in (before the project's ``basePath``).
    """
    warnings: list[str] = []
    notes = TextNotes()
    texts: list[tuple[SourceRecord, SourceText]] = []
    with Archive(path, limits) as archive:
        member = archive.project_member()
        data = archive.read(member)
        location = f"{path}:{member}"
        root = parse_untrusted(data, location)
        invalid = schema_warning(data, "Project", member)
        if invalid:
            warnings.append(invalid)
        project = read_project(root, location)
        notes_record = read_notes(root, archive, member)
        where = Where(project.base_path, base)
        selections_lost = codings_lost = 0
        for source in project.sources:
            text = source_text(archive, member, source, notes, where)
            if text is not None and text.text.strip():
                ends = [(s.start, s.end) for s in source.selections]
                choice = choose(text.written, ends, project.origin, positions)
                texts.append((source, replace(text, choice=choice)))
                continue
            if text is not None:
                notes.empty.append(source.name or source.guid or "unnamed source")
            selections_lost += len(source.selections)
            codings_lost += sum(len(s.codings) for s in source.selections)
        warnings[:0] = archive.warnings
    losses = [*project.code_notes.losses(), *notes.losses()]
    if selections_lost:
        losses.append(
            f"left out {_plural(selections_lost, 'selection')} with "
            f"{_plural(codings_lost, 'coding')} on the sources not imported"
        )
    for label, count in sorted(project.left_out.items()):
        if count:
            carried = project.left_out_codings[label]
            with_codings = f" with {_plural(carried, 'coding')}" if carried else ""
            if label.startswith("codings"):
                with_codings = ""
            losses.append(f"left out {count} {label}{with_codings}: qualcode does not hold them")
    warnings.extend(project.code_notes.warnings())
    warnings.extend(notes.warnings())
    warnings.extend(loss for loss in losses if loss not in warnings)
    return ArchiveContent(path, project, tuple(texts), tuple(warnings), notes_record, tuple(losses))


def import_archive(
    store: Store,
    content: ArchiveContent,
    *,
    unit: Unit = Unit.TURN,
    codebook: Codebook | None = None,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Write what :func:`read_archive` read into the project, in one transaction.

    ``strict``: anything the import would leave out is an error, and nothing is written.
    ``progress`` is called with the sources done and the sources in all after each one.
    """
    project = content.project
    warnings = list(content.warnings)
    importer = _Importer(store, project, unit, warnings)
    with store.transaction():
        codes = importer.codes(codebook)
        outcomes = []
        for source, text in content.texts:
            outcomes.append(importer.document(source, text))
            if progress is not None:
                progress(len(outcomes), len(content.texts))
        codings = importer.codings()
        memos = import_notes(
            store,
            content.notes,
            project.users,
            importer.code_paths,
            [
                MappedSource(source.guid, mapped.document_id, text, mapped.segments)
                for source, text, mapped in importer.mapped
                if source.guid is not None
            ],
            project.creating_user,
        )
        losses = [*content.losses, *importer.losses, *memos.losses]
        if strict:
            refuse_losses(content.path, losses)
    warnings.extend(importer.selection_warnings())
    warnings.extend(memos.warnings)
    return ImportSummary(
        path=content.path,
        project_name=project.name,
        origin=project.origin,
        documents=tuple(outcomes),
        codes_in_archive=sum(1 for code in project.codes for _ in code.walk()),
        codes_added=codes,
        selections=importer.selection_count,
        codings=codings,
        warnings=tuple(warnings),
        memos=(memos.added, memos.already),
        losses=tuple(losses),
    )


def refuse_losses(path: Path, losses: Sequence[str]) -> None:
    """``--strict``: an ImportFormatError naming what the import would leave out, if anything."""
    if losses:
        raise ImportFormatError(
            f"--strict: the import would leave out {'; '.join(losses)}",
            path=path,
            hint="without --strict the rest is imported and each loss is counted",
        )


def import_project(
    store: Store,
    path: Path,
    *,
    unit: Unit = Unit.TURN,
    codebook: Codebook | None = None,
    limits: ArchiveLimits | None = None,
    positions: Positions = Positions.AUTO,
    base: Path | None = None,
    strict: bool = False,
) -> ImportSummary:
    """Import the archive at ``path`` into the project: all of it, or nothing."""
    content = read_archive(path, limits, positions=positions, base=base)
    return import_archive(store, content, unit=unit, codebook=codebook, strict=strict)


@dataclass
class _Mapped:
    """A source in the project: its document and the current segments selections map onto."""

    document_id: int
    segments: list[Segment]


class _Importer:
    """The writes of one import, in order: codes, documents, codings."""

    def __init__(
        self, store: Store, project: ProjectRecord, unit: Unit, warnings: list[str]
    ) -> None:
        self.store = store
        self.project = project
        self.unit = unit
        self.warnings = warnings
        self.code_paths: dict[str, str] = {}
        self.mapped: list[tuple[SourceRecord, SourceText, _Mapped]] = []
        self.identifier = LanguageIdentifier()
        self.roles = ProjectRoles.of(store)
        self.existing = store.documents()
        self.case_attributes = self._case_attributes()
        self.selection_count = 0
        self.selection_problems: Counter[str] = Counter()
        self.problem_codings: Counter[str] = Counter()
        """Codings on the selections of each problem that leaves them out."""
        self.run_conflicts: list[str] = []
        self._lost: str | None = None
        """The problem that left out the selection placed last, if one did."""

    # codes

    def codes(self, codebook: Codebook | None) -> tuple[str, ...]:
        if codebook is not None:
            self.store.save_codes(code_records(codebook), codebook.name)
        known = self.store.codes()
        by_guid = {guids.code_guid(code.path): code.path for code in known}
        by_label: dict[tuple[str | None, str], str] = {}
        for code in known:
            by_label.setdefault((code.parent_path, fold_label(code.label)), code.path)
        taken = {code.path for code in known}
        new: list[CodeRecord] = []
        order = max((code.sort_order for code in known), default=-1) + 1

        def visit(code: ParsedCode, parent_path: str | None) -> None:
            path = by_guid.get(code.guid) if code.guid else None
            if path is None:
                path = by_label.get((parent_path, fold_label(code.name)))
            if path is None:
                code_id = unique_id(make_id(code.name), taken, parent_path)
                path = join_path(parent_path, code_id)
                taken.add(path)
                new.append(
                    CodeRecord(
                        path=path,
                        label=code.name,
                        parent_path=parent_path,
                        description=code.description,
                        include=code.include,
                        exclude=code.exclude,
                        colour=code.colour,
                        sort_order=order + len(new),
                    )
                )
            if code.guid is not None:
                self.code_paths.setdefault(code.guid, path)
            for child_code in code.children:
                visit(child_code, path)

        for top in self.project.codes:
            visit(top, None)
        name = self.project.name or "archive"
        return self.store.add_missing_codes(new, f"{CODEBOOK_PREFIX}{name}")

    # documents

    def _case_attributes(self) -> dict[str, Attributes]:
        """Attributes each source gets from the cases it belongs to."""
        found: dict[str, Attributes] = {}
        for case in self.project.cases:
            values = [
                (self.project.variables[key], value)
                for key, value in case.values
                if key in self.project.variables
            ]
            for source in case.sources:
                attributes = found.setdefault(source, {})
                for name, value in values:
                    attributes.setdefault(name, (value, CASE_ATTRIBUTE_SOURCE))
                if case.name and case.name not in {value for _, value in values}:
                    before = attributes.get(CASE_NAME_ATTRIBUTE, ("", ""))[0]
                    joined = f"{before}; {case.name}" if before else case.name
                    attributes[CASE_NAME_ATTRIBUTE] = (joined, CASE_ATTRIBUTE_SOURCE)
        return found

    def _attributes(self, source: SourceRecord) -> Attributes:
        attributes: Attributes = {}
        for key, value in source.values:
            if key in self.project.variables:
                attributes[self.project.variables[key]] = (value, ATTRIBUTE_SOURCE)
        for name, from_case in self.case_attributes.get(source.guid or "", {}).items():
            attributes.setdefault(name, from_case)
        return attributes

    def _match(self, source: SourceRecord, text: str) -> Document | None:
        for document in self.existing:
            if source.guid and guids.document_guid(document) == source.guid:
                return document
        for document in self.existing:
            if (
                document.name == source.name
                and self.store.document_text(document.document_id) == text
            ):
                return document
        return None

    def document(self, source: SourceRecord, text: SourceText) -> DocumentOutcome:
        """Add the source as a document, or recognise it, or make a new version of it."""
        existing = self._match(source, text.text)
        if existing is not None and self.store.document_text(existing.document_id) == text.text:
            return self._known(existing, source, text)
        if existing is not None:
            self.warnings.append(
                f"{existing.name}: the archive's text differs from the project's; imported as a "
                "new version (codings on the old version become stale)"
            )
        return self._save(existing, source, text)

    def _known(self, document: Document, source: SourceRecord, text: SourceText) -> DocumentOutcome:
        status = "unchanged"
        if _imported(document):  # an archive's documents take their attributes from it
            attributes = with_stored_language(
                self.store, document.document_id, self._attributes(source)
            )
            if self.store.set_attributes(document.document_id, attributes):
                status = "metadata"
        self._map(source, text, document.document_id)
        return DocumentOutcome(document.name, status, positions=_positions(source, text))

    def _save(
        self, existing: Document | None, source: SourceRecord, text: SourceText
    ) -> DocumentOutcome:
        if existing is None or _imported(existing):
            attributes = self._attributes(source)
            name = source.name or source.guid or "unnamed source"
        else:  # ingested from a file: its attributes and name stay the project's
            attributes = {key: (value, "") for key, value in existing.attributes.items()}
            name = existing.name
        identity = guids.IMPORTED_SOURCE_PREFIX + (
            source.guid or guids.guid("source", self.project.name, source.name)
        )
        read = text.read or ReadDocument(
            text=text.text,
            paragraphs=tuple(split_paragraphs(text.text, markdown=text.format == "md")),
            format=text.format,
            encoding=text.encoding,
        )
        spans = _document_spans(source, text)

        def segmenter(read: ReadDocument, roles: RoleResolver) -> tuple[Segmentation, Unit]:
            return segment_source(read, self.unit, roles, spans)

        segmented = segment_and_identify(read, attributes, self.roles, segmenter, self.identifier)
        document_id, version = save_version(
            self.store,
            segmented,
            name=name,
            source_path=existing.source_path if existing is not None else identity,
            content_hash=hashlib.sha256(text.raw).hexdigest(),
            segmentation_key=_segmentation_key(segmented.unit),
        )
        languages = segmented.languages
        if existing is None or _imported(existing):
            self.store.set_attributes(document_id, with_detected_language(attributes, languages))
        self._map(source, text, document_id)
        status = "added" if version == 1 else "updated"
        return DocumentOutcome(
            name, status, len(segmented.segments), languages, positions=_positions(source, text)
        )

    def _map(self, source: SourceRecord, text: SourceText, document_id: int) -> None:
        self.mapped.append((source, text, _Mapped(document_id, self.store.segments(document_id))))

    # codings

    def _coder(
        self, coding_user: str | None, selection: SelectionRecord, source: SourceRecord
    ) -> str:
        for user in (coding_user, selection.user, source.user, self.project.creating_user):
            if user is not None:
                if user not in self.project.users:
                    self.selection_problems["codings by users the archive does not list"] += 1
                return self.project.users.get(user, user)
        self.selection_problems[f"codings without a user, credited to '{UNKNOWN_CODER}'"] += 1
        return UNKNOWN_CODER

    def codings(self) -> dict[str, tuple[int, int]]:
        # {coder: {(segment_id, code_path): spans}}: each selection's span, kept on the coding
        # of every segment it overlaps (an automatic coder's, as evidence: cut to the segment)
        wanted: dict[str, dict[tuple[int, str], set[tuple[int, int]]]] = {}
        # {coder: {(segment_id, code_path): when}}: the earliest time the archive gives
        created: dict[str, dict[tuple[int, str], str]] = {}
        folders = {
            code.guid
            for top in self.project.codes
            for code in top.walk()
            if not code.codable and code.guid is not None
        }
        for source, text, mapped in self.mapped:
            for selection in source.selections:
                self.selection_count += 1
                if selection.unreadable_times:
                    self.selection_problems[_UNREADABLE_TIMES] += selection.unreadable_times
                placed = self._place(selection, text, mapped)
                if placed is None:  # counted as its problem, with the codings it carried
                    assert self._lost is not None
                    self.problem_codings[self._lost] += len(selection.codings)
                    continue
                (start, end), segments = placed
                for code_guid, user, when in selection.codings:
                    code_path = self.code_paths.get(code_guid or "")
                    if code_path is None:
                        self.selection_problems[_CODES_MISSING] += 1
                        continue
                    if code_guid in folders:  # a person coded with it: the coding stands
                        self.selection_problems[_FOLDER_CODINGS] += 1
                    coder = self._coder(user, selection, source)
                    automatic = coder.startswith(AUTO_PREFIX)
                    pairs = wanted.setdefault(coder, {})
                    for segment in segments:
                        assert segment.segment_id is not None
                        span = (start, end)
                        if automatic:
                            span = (max(start, segment.start_char), min(end, segment.end_char))
                        key = (segment.segment_id, code_path)
                        pairs.setdefault(key, set()).add(span)
                        if when is not None:
                            dates = created.setdefault(coder, {})
                            dates[key] = min(when, dates.get(key, when))
        ran = self.store.run_coders()
        result: dict[str, tuple[int, int]] = {}
        for coder, spans in sorted(wanted.items()):
            if coder in ran:
                self.run_conflicts.append(
                    f"{_plural(len(spans), 'coding')} by {coder} left out: the project has its "
                    f"own runs of {coder}"
                )
                continue
            automatic = coder.startswith(AUTO_PREFIX)
            rows = [(key[0], key[1], sorted(found)) for key, found in sorted(spans.items())]
            added = self.store.add_selected_codings(
                rows, coder, as_evidence=automatic, created=created.get(coder)
            )
            result[coder] = (added, len(rows) - added)
        return result

    def _place(
        self, selection: SelectionRecord, text: SourceText, mapped: _Mapped
    ) -> tuple[tuple[int, int], list[Segment]] | None:
        """The selection's span in the document's text and the segments it overlaps; None (and
        why, in the problems) when it cannot be placed."""
        self._lost = None
        start, end = selection.start, selection.end
        if start > end:
            start, end = end, start
            self.selection_problems["selections with start after end, read the other way"] += 1
        if start < 0 or start >= text.original_length:
            self._leave("selections outside their source's text left out")
            return None
        if end > text.original_length:
            end = text.original_length
            self.selection_problems["selections running past the end of the text, cut there"] += 1
        if start == end:
            self._leave("empty selections left out")
            return None
        start, end = text.position(start), text.position(end)
        found = [
            s
            for s in mapped.segments
            if s.segment_id is not None and s.start_char < end and start < s.end_char
        ]
        if not found:
            self._leave(
                "selections outside every segment (white space, or text the project's segments "
                "leave out) left out"
            )
            return None
        return (start, end), found

    def _leave(self, problem: str) -> None:
        """Count a selection left out (:meth:`_place` returns None after it)."""
        self.selection_problems[problem] += 1
        self._lost = problem

    @property
    def losses(self) -> list[str]:
        """What the codings step left out, with the codings it carried."""
        found = []
        for label in sorted(self.selection_problems):
            if label not in _LOSSES:
                continue
            message = f"{self.selection_problems[label]} {label}"
            if label in self.problem_codings:
                message += f" (with {_plural(self.problem_codings[label], 'coding')})"
            found.append(message)
        return found + self.run_conflicts

    def selection_warnings(self) -> list[str]:
        losses = self.losses
        found = []
        for label, count in sorted(self.selection_problems.items()):
            message = f"{count} {label}"
            found.append(next((loss for loss in losses if loss.startswith(message)), message))
        return found + self.run_conflicts


_CODES_MISSING = "codings of codes not in the codebook"
_FOLDER_CODINGS = 'codings of codes marked not codable (isCodable="false") kept as codings'
_UNREADABLE_TIMES = "codings whose creationDateTime cannot be read, dated by the import"
_LOSSES = {
    _CODES_MISSING,
    "empty selections left out",
    "selections outside their source's text left out",
    "selections outside every segment (white space, or text the project's segments leave out) "
    "left out",
}
"""The selection problems that leave codings out (the others only say how they were read)."""


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _document_spans(source: SourceRecord, text: SourceText) -> list[tuple[int, int]]:
    """The source's selections in the document's text, as far as they can be placed."""
    spans = []
    for selection in source.selections:
        start, end = sorted((selection.start, selection.end))
        end = min(end, text.original_length)
        if 0 <= start < end:
            spans.append((text.position(start), text.position(end)))
    return spans


def _positions(source: SourceRecord, text: SourceText) -> str:
    if not source.selections or text.choice is None:
        return ""
    return text.choice.summary


def _imported(document: Document) -> bool:
    """Whether an archive brought the document (rather than ingest, from a file)."""
    return document.source_path.startswith(guids.IMPORTED_SOURCE_PREFIX)


def _segmentation_key(unit: Unit) -> str:
    """Documents an archive brought are re-segmented only when their text changes."""
    return hashlib.sha256(f"refi-qda\x1f{SEGMENTER_VERSION}\x1f{unit.value}".encode()).hexdigest()
