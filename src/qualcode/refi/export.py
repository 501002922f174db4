"""Writing a project as a REFI-QDA archive (``.qdpx``) and codes as a codebook (``.qdc``).

The archive holds ``project.qde`` and each document's plain text as ``sources/GUID.txt`` (UTF-8,
``internal://`` paths): exactly the text qualcode's offsets count in, so positions need no
conversion. A document read from a Word file that is still there unchanged also carries it
(``sources/GUID.docx``, the ``richTextPath``), so tools can show the formatting and a qualcode
import can segment by its speaker styles again. In the project:

- the codebook tree, with descriptions (include and exclude notes as their last paragraphs) and
  colours;
- one User per coder whose codings are exported, automatic (``auto:justice@1.0``) or human;
- every coding on a current segment as a Coding inside a PlainTextSelection over the segment's
  span, or over each of its evidence spans with :attr:`Span.EVIDENCE` (codings without evidence,
  a person's, keep the segment's span). Codings by one coder over the same span share one
  selection; positions are 0-based code points with the end excluded;
- every document attribute as a text Variable, with its value on each source that has one;
- a Case per value of the case attribute (the city by default), holding its sources and the value,
  so the city split survives the trip.

Containers with nothing in them are left out, and no dates are written: an unchanged project
exports to the same bytes. Codings on an earlier version of a document (stale ones) are not
exported: their spans do not fit the current text.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode import __version__
from qualcode.defaults import DEFAULT_CASE_ATTRIBUTE, Span
from qualcode.errors import QualcodeError, UsageError
from qualcode.models import Document
from qualcode.refi import guid as guids
from qualcode.refi.archive import INTERNAL_SCHEME, write_archive
from qualcode.refi.codes import code_elements
from qualcode.refi.xmltools import CODEBOOK_NS, PROJECT_NS, Builder
from qualcode.store import CodedSegment, CodeRecord, Store

ORIGIN = f"qualcode {__version__}"


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
    """With :attr:`Span.EVIDENCE`: codings that have no evidence and kept their segment's span."""


@dataclass(frozen=True)
class _Selection:
    start: int
    end: int
    coder: str
    code_paths: tuple[str, ...]


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
    known = store.coders()
    for coder in coders or ():
        if coder not in known:
            listed = ", ".join(known) or "none yet"
            raise UsageError(f"no codings by '{coder}'", hint=f"coders in this project: {listed}")
    documents = store.documents()
    codes = store.codes()
    coded = store.coded_segments(coders=coders or None)
    selections, without_evidence = _selections(coded, span)
    exported_coders = tuple(sorted({c.coder for c in coded}))
    stale = sum(n for coder, _, n in store.stale_codings() if not coders or coder in coders)
    builder = Builder(PROJECT_NS)
    root = builder.element(None, "Project", name=name or store.path.stem, origin=ORIGIN)
    if exported_coders:
        users = builder.element(root, "Users")
        for coder in exported_coders:
            builder.element(users, "User", guid=guids.user_guid(coder), name=coder)
    if codes:
        codes_element = builder.element(builder.element(root, "CodeBook"), "Codes")
        code_elements(builder, codes_element, codes)
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
    cases = _cases(builder, root, documents, case_attribute)
    sources: list[tuple[str, bytes]] = []
    if documents:
        sources_element = builder.element(root, "Sources")
        for done, document in enumerate(documents, 1):
            source_guid = guids.document_guid(document.source_path)
            file_name = f"{source_guid}.txt"
            text = store.document_text(document.document_id)
            sources.append((file_name, text.encode("utf-8")))
            word = _word_file(document)
            if word is not None:
                sources.append((f"{source_guid}.docx", word))
            source = builder.element(
                sources_element,
                "TextSource",
                guid=source_guid,
                name=document.name,
                richTextPath=f"{INTERNAL_SCHEME}{source_guid}.docx" if word else None,
                plainTextPath=f"{INTERNAL_SCHEME}{file_name}",
            )
            for selection in selections.get(document.document_id, []):
                _selection_element(builder, source, source_guid, selection)
            for key, value in sorted(document.attributes.items()):
                _variable_value(builder, source, key, value)
            if progress is not None:
                progress(done, len(documents))
    write_archive(path, builder.serialise(root), sources)
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
    )


def _word_file(document: Document) -> bytes | None:
    """The Word file a document was read from, when it is still there unchanged."""
    if document.format != "docx":
        return None
    try:
        data = Path(document.source_path).read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == document.content_hash else None


def _selections(
    coded: Sequence[CodedSegment], span: Span
) -> tuple[dict[int, list[_Selection]], int]:
    """Selections per document id, in text order, and how many codings lacked evidence."""
    grouped: dict[tuple[int, int, int, str], set[str]] = {}
    without_evidence = 0
    for item in coded:
        segment = item.segment
        assert segment.document_id is not None
        spans = {(segment.start_char, segment.end_char)}
        if span is Span.EVIDENCE:
            if item.evidence:
                spans = {(e.start_char, e.end_char) for e in item.evidence}
            else:
                without_evidence += 1
        for start, end in spans:
            key = (segment.document_id, start, end, item.coder)
            grouped.setdefault(key, set()).add(item.code_path)
    selections: dict[int, list[_Selection]] = {}
    for (document_id, start, end, coder), paths in sorted(grouped.items()):
        selections.setdefault(document_id, []).append(
            _Selection(start, end, coder, tuple(sorted(paths)))
        )
    return selections, without_evidence


def _selection_element(
    builder: Builder, source: ET.Element, source_guid: str, selection: _Selection
) -> None:
    user = guids.user_guid(selection.coder)
    selection_guid = guids.selection_guid(
        source_guid, selection.start, selection.end, selection.coder
    )
    element = builder.element(
        source,
        "PlainTextSelection",
        guid=selection_guid,
        startPosition=selection.start,
        endPosition=selection.end,
        creatingUser=user,
    )
    for code_path in selection.code_paths:
        coding = builder.element(
            element, "Coding", guid=guids.coding_guid(selection_guid, code_path), creatingUser=user
        )
        builder.element(coding, "CodeRef", targetGUID=guids.code_guid(code_path))


def _variable_value(builder: Builder, parent: ET.Element, key: str, value: str) -> None:
    element = builder.element(parent, "VariableValue")
    builder.element(element, "VariableRef", targetGUID=guids.variable_guid(key))
    builder.element(element, "TextValue", value)


def _cases(
    builder: Builder, root: ET.Element, documents: Sequence[Document], attribute: str
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
            builder.element(case, "SourceRef", targetGUID=guids.document_guid(document.source_path))
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
