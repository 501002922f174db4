"""Ingest: files become documents with attributes and segments, all in one transaction.

Files are read, segmented and written one at a time, so memory holds one transcript, not the
corpus. A file that cannot be read is reported and skipped; the others go on. The whole command
commits at the end, so an interruption leaves the project as it was before the command.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import QualcodeError, ReaderError, UsageError
from qualcode.language import LanguageIdentifier, assign_languages, normalise_language
from qualcode.metadata import (
    SIDECAR_NAME,
    Attributes,
    Sidecar,
    embedded_attributes,
    folder_attributes,
    load_sidecar,
    merge,
)
from qualcode.models import Unit
from qualcode.readers import read_file
from qualcode.segment import segment_document
from qualcode.speakers import DEFAULT_INTERVIEWER_LABELS, RoleResolver, split_labels
from qualcode.store import Store

# Bump when segmentation rules change: re-ingest then re-segments unchanged files.
SEGMENTER_VERSION = "1"
INTERVIEWER_SETTING = "interviewer_labels"
IGNORED_NAMES = {SIDECAR_NAME, "readme.md", "readme.txt", "readme", "license", "license.txt"}


@dataclass(frozen=True)
class FileResult:
    """What happened to one file."""

    path: Path
    name: str
    status: str  # added | updated | unchanged | metadata | failed
    segments: int = 0
    languages: tuple[str, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class IngestResult:
    files: list[FileResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


def discover(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """(root, file) for every transcript under the given files and folders, in a stable order.

    Hidden files and folders, ``metadata.csv`` and README/LICENSE files are not transcripts.
    """
    check_paths(paths)
    found: list[tuple[Path, Path]] = []
    for given in paths:
        if given.is_file():
            found.append((_root_of_file(given), given.resolve()))
            continue
        for file in sorted(given.rglob("*")):
            relative = file.relative_to(given).parts
            if any(part.startswith((".", "~$")) for part in relative) or not file.is_file():
                continue
            if file.name.lower() in IGNORED_NAMES:
                continue
            found.append((given, file))
    return found


def _root_of_file(file: Path, levels: int = 4) -> Path:
    """The folder a single file is ingested from: the nearest folder above it whose
    ``metadata.csv`` describes it, so that re-ingesting ``transcripts/barcelona/c01.txt`` alone
    keeps its name (``barcelona/c01.txt``) and its attributes; else the file's own folder."""
    folder = file.resolve().parent
    for candidate in [folder, *folder.parents][:levels]:
        try:
            sidecar = load_sidecar(candidate)
        except QualcodeError:
            continue  # an unreadable sidecar elsewhere is not this file's; ingest says so if it is
        if sidecar is not None and sidecar.describes(candidate, file.resolve()):
            return candidate
    return folder


def check_paths(paths: Iterable[Path]) -> None:
    """Refuse paths that do not exist, before anything (the project file included) is created."""
    for given in paths:
        if not given.exists():
            raise UsageError(f"no such file or folder: {given}")


def project_interviewer_labels(store: Store) -> list[str]:
    configured = store.get_setting(INTERVIEWER_SETTING)
    return split_labels(configured) if configured is not None else list(DEFAULT_INTERVIEWER_LABELS)


def ingest(
    store: Store,
    paths: list[Path],
    *,
    unit: Unit = Unit.TURN,
    assignments: Attributes | None = None,
    on_file: Callable[[FileResult], None] | None = None,
) -> IngestResult:
    """Read every transcript under ``paths`` into the project, in one transaction."""
    targets = [(root, file) for root, file in discover(paths) if not _is_project_file(store, file)]
    sidecars = _sidecars(targets)
    result = IngestResult()
    folders = {given.resolve() for given in paths if given.is_dir()}
    for root, sidecar in sidecars.items():
        # A file given on its own uses its folder's sidecar without claiming all of its rows.
        if sidecar is not None and root.resolve() in folders:
            for name in sidecar.unmatched(root, [f for r, f in targets if r == root]):
                result.warnings.append(f"{sidecar.path}: row for '{name}' matches no transcript")
    labels = project_interviewer_labels(store)
    identifier = LanguageIdentifier()
    with store.transaction():
        for root, file in targets:
            outcome = _ingest_file(
                store, root, file, sidecars.get(root), unit, assignments or {}, labels, identifier
            )
            result.files.append(outcome)
            if on_file is not None:
                on_file(outcome)
    return result


def _is_project_file(store: Store, file: Path) -> bool:
    """The project file, its journal and backups may sit in the ingested folder; not transcripts."""
    project = store.path.resolve()
    file = file.resolve()
    return file.parent == project.parent and (
        file.name == project.name or file.name.startswith((project.name + "-", project.name + "."))
    )


def _sidecars(targets: list[tuple[Path, Path]]) -> dict[Path, Sidecar | None]:
    roots = dict.fromkeys(root for root, _ in targets)
    return {root: load_sidecar(root) for root in roots}


def _ingest_file(
    store: Store,
    root: Path,
    file: Path,
    sidecar: Sidecar | None,
    unit: Unit,
    assignments: Attributes,
    project_labels: list[str],
    identifier: LanguageIdentifier,
) -> FileResult:
    name = _display_name(root, file)
    source_path = str(file.resolve())
    try:
        content_hash = hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError as error:
        return FileResult(file, name, "failed", reason=f"cannot read file: {error.strerror}")
    outer = merge(
        folder_attributes(root, file),
        sidecar.attributes_for(root, file) if sidecar else {},
        assignments,
    )
    existing = store.current_version(source_path)
    if existing is not None and existing.content_hash == content_hash:
        attributes = _attributes(file, existing.properties, outer)
        if _segmentation_key(unit, attributes, project_labels) == existing.segmentation_key:
            attributes = _keep_detected_language(store, existing.document_id, attributes)
            changed = store.set_attributes(existing.document_id, attributes)
            return FileResult(file, name, "metadata" if changed else "unchanged")
    try:
        read = read_file(file)
    except ReaderError as error:
        return FileResult(file, name, "failed", reason=error.detail())
    attributes = _attributes(file, read.properties, outer)
    labels = project_labels + split_labels(attributes.get("interviewer", ("", ""))[0])
    segments = segment_document(read, unit, RoleResolver(labels)).segments
    declared = normalise_language(attributes["language"][0]) if "language" in attributes else ()
    segments, languages = assign_languages(segments, declared, identifier)
    if "language" not in attributes:
        attributes["language"] = (",".join(languages), "detected")
    document_id, version = store.save_document(
        name=name,
        source_path=source_path,
        format=read.format,
        content_hash=content_hash,
        segmentation_key=_segmentation_key(unit, attributes, project_labels),
        encoding=read.encoding,
        text=read.text,
        properties=read.properties,
        languages=languages,
        unit=unit,
        segments=segments,
    )
    store.set_attributes(document_id, attributes)
    status = "added" if version == 1 else "updated"
    return FileResult(file, name, status, segments=len(segments), languages=languages)


def _display_name(root: Path, file: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.name


def _attributes(file: Path, properties: dict[str, str], outer: Attributes) -> Attributes:
    text_file = file.suffix.lower() in {".txt", ".md"}
    source = "front matter" if text_file else "document properties"
    folder = {k: v for k, v in outer.items() if v[1] == "folder"}
    later = {k: v for k, v in outer.items() if v[1] != "folder"}
    return merge(folder, embedded_attributes(properties, source), later)


def _keep_detected_language(store: Store, document_id: int, attributes: Attributes) -> Attributes:
    if "language" in attributes:
        return attributes
    languages = store.document_languages(document_id)
    return {**attributes, "language": (",".join(languages), "detected")}


def _segmentation_key(unit: Unit, attributes: Attributes, project_labels: list[str]) -> str:
    """What, besides the file's bytes, decides its segments: a change means re-segmenting."""
    declared = attributes.get("language", ("", ""))
    parts = [
        SEGMENTER_VERSION,
        unit.value,
        ";".join(sorted(project_labels)),
        attributes.get("interviewer", ("", ""))[0],
        declared[0] if declared[1] != "detected" else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
