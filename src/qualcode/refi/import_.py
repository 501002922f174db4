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

import bisect
import hashlib
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from qualcode.codebook import Codebook
from qualcode.coding import AUTO_PREFIX, code_records
from qualcode.errors import ImportFormatError, ReaderError
from qualcode.ingest import SEGMENTER_VERSION, project_interviewer_labels
from qualcode.language import LanguageIdentifier, assign_languages, normalise_language
from qualcode.metadata import Attributes, normalise_key
from qualcode.models import Decision, Document, ReadDocument, Segment, Unit
from qualcode.readers import read_file
from qualcode.readers.text_reader import decode, split_paragraphs
from qualcode.refi import guid as guids
from qualcode.refi.archive import INTERNAL_SCHEME, Archive, ArchiveLimits
from qualcode.refi.codes import (
    CodeTreeNotes,
    ParsedCode,
    fold_label,
    join_path,
    make_id,
    read_code_tree,
    unique_id,
)
from qualcode.refi.xmltools import (
    child,
    child_text,
    children,
    local_name,
    parse_untrusted,
    schema_problems,
)
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

_VALUE_ELEMENTS = (
    "TextValue",
    "BooleanValue",
    "IntegerValue",
    "FloatValue",
    "DateValue",
    "DateTimeValue",
)
_LEFT_OUT = {
    "Notes": "notes",
    "Sets": "sets",
    "Links": "links",
    "Graphs": "graphs",
}


# -- what the project file says -----------------------------------------------------------------


@dataclass(frozen=True)
class SelectionRecord:
    start: int
    end: int
    user: str | None
    codings: tuple[tuple[str | None, str | None], ...]
    """(code GUID, user GUID) of each coding."""


@dataclass(frozen=True)
class SourceRecord:
    guid: str | None
    name: str
    content: str | None
    plain_path: str | None
    rich_path: str | None
    user: str | None
    selections: tuple[SelectionRecord, ...]
    values: tuple[tuple[str | None, str], ...]
    """(variable GUID, value) of each VariableValue."""


@dataclass(frozen=True)
class CaseRecord:
    name: str
    values: tuple[tuple[str | None, str], ...]
    sources: tuple[str, ...]


@dataclass
class ProjectRecord:
    name: str
    origin: str
    creating_user: str | None
    users: dict[str, str]
    codes: tuple[ParsedCode, ...]
    variables: dict[str, str]
    cases: list[CaseRecord]
    sources: list[SourceRecord]
    left_out: Counter[str] = field(default_factory=Counter)
    code_notes: CodeTreeNotes = field(default_factory=CodeTreeNotes)


def read_project(root: ET.Element, where: str) -> ProjectRecord:
    """The parts of a ``project.qde`` qualcode uses, and counts of those it leaves out."""
    if local_name(root) != "Project":
        raise ImportFormatError(
            f"the project file's root element is <{local_name(root)}>, not <Project>", path=where
        )
    users: dict[str, str] = {}
    for user in _grandchildren(root, "Users", "User"):
        key = guids.normalise_guid(user.get("guid"))
        if key is not None:
            users[key] = (user.get("name") or user.get("id") or key).strip() or key
    code_notes = CodeTreeNotes()
    codes: tuple[ParsedCode, ...] = ()
    codebook = child(root, "CodeBook")
    codes_element = child(codebook, "Codes") if codebook is not None else None
    if codes_element is not None:
        codes = read_code_tree(codes_element, code_notes)
    variables: dict[str, str] = {}
    for variable in _grandchildren(root, "Variables", "Variable"):
        key = guids.normalise_guid(variable.get("guid"))
        name = normalise_key(variable.get("name") or "")
        if key is not None and name:
            variables[key] = name
    left_out: Counter[str] = Counter()
    cases = [
        CaseRecord(
            name=(case.get("name") or "").strip(),
            values=_values(case),
            sources=tuple(
                key
                for ref in children(case, "SourceRef")
                if (key := guids.normalise_guid(ref.get("targetGUID"))) is not None
            ),
        )
        for case in _grandchildren(root, "Cases", "Case")
    ]
    left_out["selections grouped in cases"] += sum(
        len(list(children(case, "SelectionRef"))) for case in _grandchildren(root, "Cases", "Case")
    )
    sources: list[SourceRecord] = []
    sources_element = child(root, "Sources")
    for element in sources_element if sources_element is not None else ():
        kind = local_name(element)
        if kind == "TextSource":
            sources.append(_text_source(element, element, left_out))
        elif kind == "PDFSource":
            representation = child(element, "Representation")
            left_out["PDF area selections"] += len(list(children(element, "PDFSelection")))
            left_out["codings of whole sources"] += len(list(children(element, "Coding")))
            if representation is None:
                left_out["PDF sources without their plain text"] += 1
            else:
                sources.append(_text_source(representation, element, left_out))
        elif kind in ("PictureSource", "AudioSource", "VideoSource"):
            left_out[f"{kind.removesuffix('Source').lower()} sources"] += 1
    for element_name, label in _LEFT_OUT.items():
        container = child(root, element_name)
        if container is not None:
            left_out[label] += len(list(container))
    return ProjectRecord(
        name=(root.get("name") or "").strip(),
        origin=(root.get("origin") or "").strip(),
        creating_user=guids.normalise_guid(root.get("creatingUserGUID")),
        users=users,
        codes=codes,
        variables=variables,
        cases=cases,
        sources=sources,
        left_out=left_out,
        code_notes=code_notes,
    )


def _grandchildren(root: ET.Element, container: str, name: str) -> list[ET.Element]:
    found = child(root, container)
    return list(children(found, name)) if found is not None else []


def _values(element: ET.Element) -> tuple[tuple[str | None, str], ...]:
    values: list[tuple[str | None, str]] = []
    for value in children(element, "VariableValue"):
        reference = child(value, "VariableRef")
        key = guids.normalise_guid(reference.get("targetGUID")) if reference is not None else None
        text = next(
            (child_text(value, name) for name in _VALUE_ELEMENTS if child(value, name) is not None),
            "",
        )
        if text:
            values.append((key, text))
    return tuple(values)


def _coding(coding: ET.Element) -> tuple[str | None, str | None]:
    reference = child(coding, "CodeRef")
    code = guids.normalise_guid(reference.get("targetGUID")) if reference is not None else None
    return code, guids.normalise_guid(coding.get("creatingUser"))


def _text_source(text: ET.Element, outer: ET.Element, left_out: Counter[str]) -> SourceRecord:
    """A TextSource, or the plain-text Representation (``text``) of a PDFSource (``outer``)."""
    selections: list[SelectionRecord] = []
    for selection in children(text, "PlainTextSelection"):
        try:
            start = int((selection.get("startPosition") or "").strip())
            end = int((selection.get("endPosition") or "").strip())
        except ValueError:
            left_out["selections without readable positions"] += 1
            continue
        if child_text(selection, "Description"):
            left_out["selection descriptions (memos)"] += 1
        selections.append(
            SelectionRecord(
                start=start,
                end=end,
                user=guids.normalise_guid(selection.get("creatingUser")),
                codings=tuple(_coding(coding) for coding in children(selection, "Coding")),
            )
        )
    if outer is text:
        left_out["codings of whole sources"] += len(list(children(text, "Coding")))
    content = child(text, "PlainTextContent")
    return SourceRecord(
        guid=guids.normalise_guid(outer.get("guid")),
        name=(outer.get("name") or "").strip(),
        content=(content.text or "") if content is not None else None,
        plain_path=text.get("plainTextPath"),
        rich_path=text.get("richTextPath") or (outer.get("path") if outer is not text else None),
        user=guids.normalise_guid(outer.get("creatingUser")),
        selections=tuple(selections),
        values=_values(outer),
    )


# -- the text of each source --------------------------------------------------------------------


@dataclass(frozen=True)
class SourceText:
    """A source's text as qualcode keeps it, and how positions in the archive map onto it."""

    text: str
    original_length: int
    removed: tuple[int, ...]
    """Positions, in the archive's text, of the ``\\r`` of each ``\\r\\n`` taken out."""
    raw: bytes
    format: str
    encoding: str | None
    read: ReadDocument | None = None
    """What the Word reader made of the source's ``.docx`` file: when the archive has no plain
    text, or when its reading is exactly the plain text (then its paragraph styles segment)."""

    def position(self, offset: int) -> int:
        return offset - bisect.bisect_left(self.removed, offset)


@dataclass
class _TextNotes:
    crlf: int = 0
    no_sources_folder: int = 0
    external: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    not_utf8: list[str] = field(default_factory=list)
    from_docx: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)


def _plain(data: bytes, text: str, fmt: str, encoding: str | None, notes: _TextNotes) -> SourceText:
    removed: list[int] = []
    if "\r" in text:
        notes.crlf += 1
        index = text.find("\r\n")
        while index != -1:
            removed.append(index)
            index = text.find("\r\n", index + 2)
        original_length = len(text)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        original_length = len(text)
    return SourceText(text, original_length, tuple(removed), data, fmt, encoding)


def _source_text(
    archive: Archive, project_member: str, source: SourceRecord, notes: _TextNotes
) -> SourceText | None:
    """The plain text file, else the text in the project file, else the Word file."""
    label = source.name or source.guid or "unnamed source"
    fmt = "md" if source.name.lower().endswith(".md") else "txt"
    problems: list[tuple[str, str]] = []
    member = _member(archive, project_member, source.plain_path, problems, notes)
    if member is not None:
        plain = _decoded(archive.read(member), member, label, fmt, notes)
        word = _member(archive, project_member, source.rich_path, [], notes)
        if plain is not None and word is not None and word.lower().endswith(".docx"):
            data = archive.read(word)
            read = _read_docx(data)
            if read is not None and read.text == plain.text:
                return replace(plain, read=read, raw=data, format="docx", encoding=None)
        return plain
    if source.content is not None:
        return _plain(source.content.encode("utf-8"), source.content, fmt, "utf-8", notes)
    member = _member(archive, project_member, source.rich_path, problems, notes)
    if member is not None:
        if not member.lower().endswith(".docx"):
            notes.unreadable.append(f"{label} (only a {Path(member).suffix} file)")
            return None
        return _docx_text(archive.read(member), label, notes)
    for kind, reference in problems:
        if kind == "external":
            notes.external.append(label)
        else:
            notes.missing.append(f"{label} ({reference})")
    if not problems:
        notes.missing.append(f"{label} (no text and no file named)")
    return None


def _member(
    archive: Archive,
    project_member: str,
    reference: str | None,
    problems: list[tuple[str, str]],
    notes: _TextNotes,
) -> str | None:
    """The archive member an ``internal://`` reference names, or None (and why, in problems)."""
    if not reference:
        return None
    if not reference.startswith(INTERNAL_SCHEME):
        problems.append(("external", reference))
        return None
    member = archive.source_member(reference, project_member)
    if member is None:
        problems.append(("missing", reference))
    elif not archive.in_sources_folder(member):
        notes.no_sources_folder += 1
    return member


def _decoded(
    data: bytes, member: str, label: str, fmt: str, notes: _TextNotes
) -> SourceText | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = decode(data, Path(member))
        except ReaderError as error:
            notes.unreadable.append(f"{label} ({error.message})")
            return None
        notes.not_utf8.append(f"{label} (read as {encoding})")
    return _plain(data, text, fmt, encoding, notes)


def _docx_text(data: bytes, label: str, notes: _TextNotes) -> SourceText | None:
    problem: list[str] = []
    read = _read_docx(data, problem)
    if read is None:
        notes.unreadable.append(f"{label} ({problem[0]})")
        return None
    notes.from_docx.append(label)
    return SourceText(read.text, len(read.text), (), data, "docx", None, read)


def _read_docx(data: bytes, problem: list[str] | None = None) -> ReadDocument | None:
    """qualcode's reading of a Word file, or None (and why, in ``problem``)."""
    with tempfile.TemporaryDirectory(prefix="qualcode-refi-") as folder:
        path = Path(folder) / "source.docx"
        path.write_bytes(data)
        try:
            return read_file(path)
        except ReaderError as error:
            if problem is not None:
                problem.append(error.message)
            return None


# -- into the project ---------------------------------------------------------------------------


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


def import_project(
    store: Store,
    path: Path,
    *,
    unit: Unit = Unit.TURN,
    codebook: Codebook | None = None,
    limits: ArchiveLimits | None = None,
) -> ImportSummary:
    """Import the archive at ``path`` into the project: all of it, or nothing."""
    warnings: list[str] = []
    text_notes = _TextNotes()
    texts: list[tuple[SourceRecord, SourceText]] = []
    with Archive(path, limits) as archive:
        member = archive.project_member()
        data = archive.read(member)
        where = f"{path}:{member}"
        root = parse_untrusted(data, where)
        problems = schema_problems(data, "Project")
        if problems:
            more = " and more" if len(problems) > 1 else ""
            warnings.append(
                f"{member} does not follow the REFI-QDA schema ({problems[0]}{more}); "
                "reading what qualcode can"
            )
        project = read_project(root, where)
        for source in project.sources:
            text = _source_text(archive, member, source, text_notes)
            if text is not None:
                if text.text.strip():
                    texts.append((source, text))
                else:
                    text_notes.empty.append(source.name or source.guid or "unnamed source")
        warnings[:0] = archive.warnings
    warnings.extend(_code_warnings(project.code_notes))
    warnings.extend(_text_warnings(text_notes))
    importer = _Importer(store, project, unit, warnings)
    with store.transaction():
        codes = importer.codes(codebook)
        outcomes = [importer.document(source, text) for source, text in texts]
        codings = importer.codings()
    for label, count in sorted(project.left_out.items()):
        if count:
            warnings.append(f"left out {count} {label}: qualcode does not hold them")
    warnings.extend(importer.selection_warnings())
    return ImportSummary(
        path=path,
        project_name=project.name,
        origin=project.origin,
        documents=tuple(outcomes),
        codes_in_archive=sum(1 for code in project.codes for _ in code.walk()),
        codes_added=codes,
        selections=importer.selection_count,
        codings=codings,
        warnings=tuple(warnings),
    )


def _code_warnings(notes: CodeTreeNotes) -> list[str]:
    found = []
    if notes.flattened:
        found.append(
            f"{notes.flattened} code names hold their hierarchy as Parent::Child; read as a tree"
        )
    if notes.bad_colours:
        found.append(f"colours that are not #RRGGBB left out: {', '.join(notes.bad_colours)}")
    if notes.unnamed:
        found.append(f"{notes.unnamed} codes without a name, called 'unnamed code'")
    return found


def _text_warnings(notes: _TextNotes) -> list[str]:
    found = []
    if notes.no_sources_folder:
        found.append(
            f"{notes.no_sources_folder} source files are not in a sources/ folder; read from "
            "where they are"
        )
    if notes.crlf:
        found.append(
            f"{notes.crlf} sources have Windows line endings; read with \\n line endings and "
            "selection positions moved to match (\\r\\n counted as two code points)"
        )
    for items, message in (
        (notes.not_utf8, "sources not in UTF-8, as the standard requires"),
        (
            notes.from_docx,
            "sources read from their Word file, the archive having no plain text: "
            "selections are placed on qualcode's reading of it; check them",
        ),
        (notes.external, "sources outside the archive (relative:// or absolute://) left out"),
        (notes.missing, "sources whose file is not in the archive left out"),
        (notes.unreadable, "sources that cannot be read left out"),
        (notes.empty, "empty sources left out"),
    ):
        if items:
            found.append(f"{len(items)} {message}: {', '.join(items)}")
    return found


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
                by_label[(parent_path, fold_label(code.name))] = path
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
        existing = self._match(source, text.text)
        owned = existing is None or existing.source_path.startswith(guids.IMPORTED_SOURCE_PREFIX)
        attributes = self._attributes(source)
        if existing is not None and self.store.document_text(existing.document_id) == text.text:
            status = "unchanged"
            if owned:
                if "language" not in attributes:
                    detected = self.store.document_languages(existing.document_id)
                    attributes["language"] = (",".join(detected), "detected")
                if self.store.set_attributes(existing.document_id, attributes):
                    status = "metadata"
            self.mapped.append(
                (
                    source,
                    text,
                    _Mapped(existing.document_id, self.store.segments(existing.document_id)),
                )
            )
            return DocumentOutcome(existing.name, status)
        if existing is not None:
            self.warnings.append(
                f"{existing.name}: the archive's text differs from the project's; imported as a "
                "new version (codings on the old version become stale)"
            )
        identity = guids.IMPORTED_SOURCE_PREFIX + (
            source.guid or guids.guid("source", self.project.name, source.name)
        )
        source_path = existing.source_path if existing is not None else identity
        name = (
            existing.name
            if existing is not None and not owned
            else source.name or source.guid or "unnamed source"
        )
        read = text.read or ReadDocument(
            text=text.text,
            paragraphs=tuple(split_paragraphs(text.text, markdown=text.format == "md")),
            format=text.format,
            encoding=text.encoding,
        )
        document_attributes = (
            attributes
            if owned
            else dict(
                (key, (value, ""))
                for key, value in (existing.attributes if existing else {}).items()
            )
        )
        labels = self.labels + split_labels(document_attributes.get("interviewer", ("", ""))[0])
        segments = segment_document(read, self.unit, RoleResolver(labels))
        declared = (
            normalise_language(document_attributes["language"][0])
            if "language" in document_attributes
            else ()
        )
        segments, languages = assign_languages(segments, declared, self.identifier)
        document_id, version = self.store.save_document(
            name=name,
            source_path=source_path,
            format=read.format,
            content_hash=hashlib.sha256(text.raw).hexdigest(),
            segmentation_key=_segmentation_key(self.unit),
            encoding=read.encoding,
            text=read.text,
            properties=read.properties,
            languages=languages,
            unit=self.unit,
            segments=segments,
        )
        if owned:
            if "language" not in attributes:
                attributes["language"] = (",".join(languages), "detected")
            self.store.set_attributes(document_id, attributes)
        self.mapped.append((source, text, _Mapped(document_id, self.store.segments(document_id))))
        return DocumentOutcome(
            name, "added" if version == 1 else "updated", len(segments), languages
        )

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


def _segmentation_key(unit: Unit) -> str:
    """Documents an archive brought are re-segmented only when their text changes."""
    return hashlib.sha256(f"refi-qda\x1f{SEGMENTER_VERSION}\x1f{unit.value}".encode()).hexdigest()
