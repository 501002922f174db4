"""Helpers of the REFI-QDA tests: small projects, hand-written archives, the schema validator.

Validation uses lxml's XML Schema validator with the standard's own files from the shared
``refi-qda/`` folder when it is there (CI has it beside the repository), else qualcode's
packaged copy, which ``test_refi_schemas.py`` holds identical to it.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from lxml import etree

from qualcode.ingest.roles import ProjectRoles
from qualcode.ingest.segment import segment_document
from qualcode.models import CodeRecord, ReadDocument, StagedCoding, Unit
from qualcode.readers.text_reader import split_paragraphs
from qualcode.store import Store

REPOSITORY = Path(__file__).resolve().parent.parent
SHARED_SCHEMAS = REPOSITORY.parent / "shared" / "refi-qda"
PACKAGED_SCHEMAS = REPOSITORY / "src" / "qualcode" / "refi" / "schemas"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "refi"
NS = {"q": "urn:QDA-XML:project:1.0", "c": "urn:QDA-XML:codebook:1.0"}


def schema_file(name: str) -> Path:
    shared = SHARED_SCHEMAS / f"{name}.xsd"
    return shared if shared.exists() else PACKAGED_SCHEMAS / f"{name}.xsd"


def validate(data: bytes, name: str) -> None:
    """Fail with the validator's messages unless ``data`` is valid against ``name``.xsd."""
    schema = etree.XMLSchema(etree.parse(str(schema_file(name))))
    document = etree.fromstring(data)
    if not schema.validate(document):
        raise AssertionError("\n".join(str(error) for error in schema.error_log))


def project_xml(archive: Path) -> etree._Element:
    with zipfile.ZipFile(archive) as opened:
        return etree.fromstring(opened.read("project.qde"))


def add_document(
    store: Store,
    name: str,
    text: str,
    attributes: Mapping[str, str] | None = None,
    *,
    source_path: str | None = None,
    unit: Unit = Unit.TURN,
    language: str = "en",
) -> int:
    """A document as ``ingest`` would make it from a .txt file, at a fixed source identity."""
    read = ReadDocument(text=text, paragraphs=tuple(split_paragraphs(text)), format="txt")
    segments = segment_document(read, unit, ProjectRoles.of(store).resolver(None, None)).segments
    segments = [replace(s, language=language) for s in segments]
    document_id, _ = store.save_document(
        name=name,
        source_path=source_path or f"/study/transcripts/{name}",
        format="txt",
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        segmentation_key="test",
        encoding="utf-8",
        text=text,
        properties={},
        languages=(language,),
        unit=unit,
        segments=segments,
    )
    values = {"language": language, **(attributes or {})}
    store.set_attributes(document_id, {k: (v, "test") for k, v in values.items()})
    return document_id


def code(path: str, label: str, **fields: object) -> CodeRecord:
    parent = path.rpartition("/")[0] or None
    return CodeRecord(path=path, label=label, parent_path=parent, **fields)


def auto_codings(
    store: Store, coder: str, hits: Sequence[tuple[int, str, int, int]], codebook: str = "study"
) -> None:
    """Record an automatic run: (segment_id, code_path, evidence start, evidence end)."""
    name, _, version = coder.removeprefix("auto:").partition("@")
    run = store.start_run(
        coder=coder,
        codebook_name=name or codebook,
        codebook_version=version or "1",
        codebook_hash="0" * 64,
        codebook_path="study.yaml",
        options={},
    )
    staged = [
        StagedCoding(segment_id, code_path, "pattern", "word", start, end)
        for segment_id, code_path, start, end in hits
    ]
    store.replace_codings(coder, run, staged)


def write_zip(path: Path, members: Mapping[str, bytes | str]) -> Path:
    """A zip with exactly these members (str is written as UTF-8)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def breakfast_members(
    *, project_name: str = "project.qde", sources_folder: str = "sources/", top: str = ""
) -> dict[str, bytes]:
    """The hand-written breakfast archive, laid out as asked."""
    folder = FIXTURES / "breakfast"
    members = {f"{top}{project_name}": (folder / "project.qde").read_bytes()}
    for source in sorted((folder / "sources").iterdir()):
        members[f"{top}{sources_folder}{source.name}"] = source.read_bytes()
    return members


def project_qde(body: str, **attributes: str) -> str:
    """A ``project.qde`` around ``body``, with the namespace and a name."""
    values = {"name": "Fixture", **attributes}
    attributes_text = " ".join(f'{key}="{value}"' for key, value in values.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Project xmlns="urn:QDA-XML:project:1.0" {attributes_text}>\n{body}\n</Project>\n'
    )


def undated(project: bytes) -> bytes:
    """A project file without its creation times: an import records its own."""
    return re.sub(rb' creationDateTime="[^"]*"', b"", project)


def sources_undated(project: bytes) -> bytes:
    """A project file without the times of the project and its sources (another project
    imported them, at its own time); the times of selections, codings and notes stay."""
    return re.sub(
        rb'(<(?:Project|TextSource|PDFSource)\b[^>]*?) creationDateTime="[^"]*"', rb"\1", project
    )
