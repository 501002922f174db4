"""Reading a REFI-QDA archive (``.qdpx``) into the project, in one transaction.

What comes in:

- **documents** from the text sources: the plain text (``PlainTextContent`` or the
  ``plainTextPath`` file), else a ``.docx`` source read by qualcode's Word reader; PDF sources
  through their plain-text representation. Each becomes a document segmented by the usual rules
  (speaker turns by default), with the source's variable values, and its cases' values, as
  attributes. A source whose text the project already holds (same GUID, or same name and same
  text) is not added again: its codings go to the existing document, so a project can go out to
  NVivo and come back to be compared with the automatic coder;
- **codes** from the codebook, found among the project's codes (and a ``codebook`` given) by GUID
  or by label under the same parent, else added (:mod:`qualcode.refi.codes`);
- **codings**: every PlainTextSelection's codings, credited to the User who made them (by name),
  on every segment the selection overlaps. A person's coding withdraws their rejection of the same
  automatic coding, as ``qualcode tag`` does. Codings of an automatic coder (``auto:…``) come back
  under that name, unless the project has runs of that coder, whose own codings then stand.

Selection positions are 0-based code points into the source's text, end excluded. Windows line
endings are read as ``\\n`` and the positions moved accordingly (``\\r\\n`` counts as two code
points in the file). Everything the standard allows but qualcode does not hold (pictures, audio,
video, notes, sets, links, graphs, codings of whole sources) is left out with a warning that says
how many.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qualcode.codebook import Codebook
from qualcode.coding import AUTO_PREFIX, code_records
from qualcode.ingest import SEGMENTER_VERSION, counted, project_interviewer_labels
from qualcode.language import LanguageIdentifier, assign_languages, normalise_language
from qualcode.metadata import Attributes
from qualcode.models import Decision, Document, ReadDocument, Segment, Unit
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
from qualcode.refi.qde import ProjectRecord, SelectionRecord, SourceRecord, read_project
from qualcode.refi.sources import SourceText, TextNotes, source_text
from qualcode.refi.xmltools import parse_untrusted, schema_warning
from qualcode.segment import segment_document
from qualcode.speakers import RoleResolver, split_labels
from qualcode.store import CodeRecord, Store

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


@dataclass(frozen=True)
class ArchiveContent:
    """What an archive holds that an import uses, read before the project is touched."""

    path: Path
    project: ProjectRecord
    texts: tuple[tuple[SourceRecord, SourceText], ...]
    warnings: tuple[str, ...]


def read_archive(path: Path, limits: ArchiveLimits | None = None) -> ArchiveContent:
    """Read and check an archive; ImportFormatError when it cannot be read or is refused."""
    warnings: list[str] = []
    notes = TextNotes()
    texts: list[tuple[SourceRecord, SourceText]] = []
    with Archive(path, limits) as archive:
        member = archive.project_member()
        data = archive.read(member)
        where = f"{path}:{member}"
        root = parse_untrusted(data, where)
        invalid = schema_warning(data, "Project", member)
        if invalid:
            warnings.append(invalid)
        project = read_project(root, where)
        for source in project.sources:
            text = source_text(archive, member, source, notes)
            if text is not None and text.text.strip():
                texts.append((source, text))
            elif text is not None:
                notes.empty.append(source.name or source.guid or "unnamed source")
        warnings[:0] = archive.warnings
    warnings.extend(project.code_notes.warnings())
    warnings.extend(notes.warnings())
    return ArchiveContent(path, project, tuple(texts), tuple(warnings))


def import_archive(
    store: Store,
    content: ArchiveContent,
    *,
    unit: Unit = Unit.TURN,
    codebook: Codebook | None = None,
) -> ImportSummary:
    """Write what :func:`read_archive` read into the project, in one transaction."""
    project = content.project
    warnings = list(content.warnings)
    importer = _Importer(store, project, unit, warnings)
    with store.transaction():
        codes = importer.codes(codebook)
        outcomes = [importer.document(source, text) for source, text in content.texts]
        codings = importer.codings()
    for label, count in sorted(project.left_out.items()):
        if count:
            warnings.append(f"left out {count} {label}: qualcode does not hold them")
    warnings.extend(importer.selection_warnings())
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
    )


def import_project(
    store: Store,
    path: Path,
    *,
    unit: Unit = Unit.TURN,
    codebook: Codebook | None = None,
    limits: ArchiveLimits | None = None,
) -> ImportSummary:
    """Import the archive at ``path`` into the project: all of it, or nothing."""
    return import_archive(store, read_archive(path, limits), unit=unit, codebook=codebook)


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
        self.labels = project_interviewer_labels(store)
        self.existing = store.documents()
        self.case_attributes = self._case_attributes()
        self.selection_count = 0
        self.selection_problems: Counter[str] = Counter()

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
            if source.guid and guids.document_guid(document.source_path) == source.guid:
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
            attributes = self._attributes(source)
            if "language" not in attributes:
                detected = self.store.document_languages(document.document_id)
                attributes["language"] = (",".join(detected), "detected")
            if self.store.set_attributes(document.document_id, attributes):
                status = "metadata"
        self._map(source, text, document.document_id)
        return DocumentOutcome(document.name, status)

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
        labels = self.labels + split_labels(attributes.get("interviewer", ("", ""))[0])
        segmentation = segment_document(read, self.unit, RoleResolver(labels))
        declared = normalise_language(attributes["language"][0]) if "language" in attributes else ()
        segments, languages = assign_languages(segmentation.segments, declared, self.identifier)
        document_id, version = self.store.save_document(
            name=name,
            source_path=existing.source_path if existing is not None else identity,
            format=read.format,
            content_hash=hashlib.sha256(text.raw).hexdigest(),
            segmentation_key=_segmentation_key(self.unit),
            encoding=read.encoding,
            text=read.text,
            properties=read.properties,
            languages=languages,
            unit=self.unit,
            segments=segments,
            excluded=counted(read.text, segmentation.excluded),
        )
        if existing is None or _imported(existing):
            attributes.setdefault("language", (",".join(languages), "detected"))
            self.store.set_attributes(document_id, attributes)
        self._map(source, text, document_id)
        status = "added" if version == 1 else "updated"
        return DocumentOutcome(name, status, len(segments), languages)

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
        wanted: dict[str, set[tuple[int, str]]] = {}
        for source, text, mapped in self.mapped:
            for selection in source.selections:
                self.selection_count += 1
                segment_ids = self._segments_of(selection, text, mapped)
                for code_guid, user in selection.codings:
                    code_path = self.code_paths.get(code_guid or "")
                    if code_path is None:
                        self.selection_problems["codings of codes not in the codebook"] += 1
                        continue
                    coder = self._coder(user, selection, source)
                    for segment_id in segment_ids:
                        wanted.setdefault(coder, set()).add((segment_id, code_path))
        ran = self.store.run_coders()
        result: dict[str, tuple[int, int]] = {}
        for coder, pairs in sorted(wanted.items()):
            if coder in ran:
                self.warnings.append(
                    f"codings by {coder} left out: the project has its own runs of {coder}"
                )
                continue
            ordered = sorted(pairs)
            added = self.store.add_human_codings(ordered, coder)
            if not coder.startswith(AUTO_PREFIX):
                self.store.delete_decisions(ordered, coder, Decision.REJECT)
            result[coder] = (added, len(pairs) - added)
        return result

    def _segments_of(
        self, selection: SelectionRecord, text: SourceText, mapped: _Mapped
    ) -> list[int]:
        start, end = selection.start, selection.end
        if start > end:
            start, end = end, start
            self.selection_problems["selections with start after end, read the other way"] += 1
        if start < 0 or start >= text.original_length:
            self.selection_problems["selections outside their source's text left out"] += 1
            return []
        if end > text.original_length:
            end = text.original_length
            self.selection_problems["selections running past the end of the text, cut there"] += 1
        if start == end:
            self.selection_problems["empty selections left out"] += 1
            return []
        start, end = text.position(start), text.position(end)
        found = [
            s.segment_id
            for s in mapped.segments
            if s.segment_id is not None and s.start_char < end and start < s.end_char
        ]
        if not found:
            self.selection_problems[
                "selections outside every segment (speaker labels, headings) left out"
            ] += 1
        return found

    def selection_warnings(self) -> list[str]:
        return [f"{count} {label}" for label, count in sorted(self.selection_problems.items())]


def _imported(document: Document) -> bool:
    """Whether an archive brought the document (rather than ingest, from a file)."""
    return document.source_path.startswith(guids.IMPORTED_SOURCE_PREFIX)


def _segmentation_key(unit: Unit) -> str:
    """Documents an archive brought are re-segmented only when their text changes."""
    return hashlib.sha256(f"refi-qda\x1f{SEGMENTER_VERSION}\x1f{unit.value}".encode()).hexdigest()
