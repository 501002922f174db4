"""One ingest: the files found become documents with attributes and segments, in one transaction.

Each file is added, updated, refreshed (same text, new roles or record of excluded text) or left
unchanged; one read goes through :mod:`qualcode.ingest.pipeline`. Files are read, segmented and
written one at a time, so memory holds one transcript, not the corpus. A file that cannot be read is
reported and skipped; the others go on. The whole command commits at the end, so an interruption
leaves the project as it was before the command.

When the files are many megabytes, worker processes read, segment and identify the languages of a
few files ahead, while this process writes the finished ones in the order found: the project is
the same whatever the number of processes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from qualcode.code_paths import IMPORTED_CODEBOOK, creatable_code_path, find_code
from qualcode.coders import check_coder
from qualcode.defaults import PARALLEL_MIN_BYTES
from qualcode.errors import QualcodeError, ReaderError, UsageError, closest, suggesting
from qualcode.ingest.discover import SkippedLink, discover
from qualcode.ingest.labels import AUTO, SpeakerMode, SpeakerPolicy
from qualcode.ingest.language import LanguageIdentifier
from qualcode.ingest.metadata import (
    Attributes,
    Sidecar,
    embedded_attributes,
    folder_attributes,
    load_sidecar,
    merge,
)
from qualcode.ingest.pipeline import (
    SEGMENTER_VERSION,
    Segmented,
    exclusion_counts,
    save_version,
    segment_and_identify,
    segment_with,
    with_detected_language,
    with_stored_language,
)
from qualcode.ingest.roles import ProjectRoles, role_names
from qualcode.models import (
    CodeRecord,
    DocumentVersion,
    ExclusionCount,
    Paragraph,
    ReadDocument,
    Segment,
    Unit,
)
from qualcode.readers import read_file
from qualcode.speakers import fold
from qualcode.store import Store
from qualcode.workers import default_jobs, in_order, start_method, start_pool, start_worker

TABLE_SUFFIXES = {".csv", ".tsv", ".xlsx"}
NEW_VERSION = ("added", "updated")


@dataclass(frozen=True)
class FileResult:
    """What happened to one file."""

    path: Path
    name: str
    status: str  # added | updated | refreshed | unchanged | metadata | failed
    segments: int = 0
    languages: tuple[str, ...] = ()
    reason: str | None = None
    excluded: tuple[ExclusionCount, ...] = ()
    """What the segmentation left out of segments, per reason (added, updated, refreshed)."""
    coded_turns: int = 0
    """Turns to which a codes column of the table gave codes."""
    codings: int = 0
    """Codings made of them for the person given as ``coder`` (none without one)."""
    refused_codes: tuple[str, ...] = ()
    """Codes of the table that could not be created (``..``, markup): not imported."""
    unlabelled: tuple[int, int] | None = None
    """(paragraphs, questions) of a document that reads like an interview but has no speakers."""
    text_labels: tuple[str, ...] = ()
    """``Word:`` openings read as text, not as speakers (added and updated files)."""
    speaker_labels: tuple[str, ...] = ()
    """The labels read as speakers, in the files read now."""


@dataclass(frozen=True)
class IngestResult:
    files: list[FileResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_links: list[SkippedLink] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


def ingest(
    store: Store,
    paths: list[Path],
    *,
    unit: Unit = Unit.TURN,
    assignments: Attributes | None = None,
    coder: str | None = None,
    speakers: SpeakerPolicy = AUTO,
    on_file: Callable[[FileResult], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    follow_links: bool = False,
    jobs: int | None = None,
) -> IngestResult:
    """Read every transcript under ``paths`` into the project, in one transaction.

    A table of turns with a codes column gives codings of ``coder`` (a person's name), as if
    that person had tagged each turn; without a coder they are only counted. ``speakers`` says
    which labels are speakers (a document's ``speakers`` attribute wins over it). ``progress`` is
    called with the files done and the files in all after each file. Links leading outside the
    folders given are followed only with ``follow_links`` (see :func:`discover`).

    ``jobs``: processes that read, segment and identify languages (1: this one alone). None
    chooses :func:`~qualcode.workers.default_jobs` when the files hold at least
    :data:`~qualcode.defaults.PARALLEL_MIN_BYTES`, else 1. This process writes each file in the
    order of the files found, so the project is the same whatever the number of processes.
    """
    if coder is not None:
        coder = check_coder(coder)
    discovery = discover(paths, follow_links=follow_links)
    targets = [(root, file) for root, file in discovery.files if not _is_project_file(store, file)]
    sidecars = _sidecars(targets)
    result = IngestResult(skipped_links=discovery.skipped_links)
    folders = {given.resolve() for given in paths if given.is_dir()}
    for root, sidecar in sidecars.items():
        # A file given on its own uses its folder's sidecar without claiming all of its rows.
        if sidecar is not None and root.resolve() in folders:
            for name in sidecar.unmatched(root, [f for r, f in targets if r == root]):
                result.warnings.append(f"{sidecar.path}: row for '{name}' matches no transcript")
    context = _Context(sidecars, unit, assignments or {}, ProjectRoles.of(store), coder, speakers)
    if jobs is None:
        jobs = default_jobs() if _total_bytes(targets) >= PARALLEL_MIN_BYTES else 1
    # Workers start before the transaction opens (a forked process copies this one).
    with _Reading(context, min(jobs, len(targets))) as reading, store.transaction():
        for prepared in reading.read(store, targets):
            outcome = _save(store, prepared, context, reading.identifier)
            if outcome.unlabelled is not None:
                paragraphs, questions = outcome.unlabelled
                result.warnings.append(
                    f"{outcome.name}: reads like an interview ({paragraphs} paragraphs, "
                    f"{questions} of them questions) but marks no speakers that qualcode "
                    "recognises; its paragraphs are text of an unknown speaker "
                    "(docs/formats.md lists the speaker conventions)"
                )
            if outcome.refused_codes:
                shown = ", ".join(f"'{code[:80]}'" for code in outcome.refused_codes[:5])
                result.warnings.append(
                    f"{outcome.name}: codes not imported ({shown}): each part of a code path "
                    "starts with a letter or digit and holds only letters, digits, spaces, - "
                    "and _"
                )
            if outcome.coded_turns and coder is None:
                turns = (
                    "1 turn carries"
                    if outcome.coded_turns == 1
                    else (f"{outcome.coded_turns:,} turns carry")
                )
                result.warnings.append(
                    f"{outcome.name}: {turns} codes from the table; "
                    "pass --coder NAME to import them as that person's codings"
                )
            result.files.append(outcome)
            if on_file is not None:
                on_file(outcome)
            if progress is not None:
                progress(len(result.files), len(targets))
    result.warnings.extend(_unused_speaker_labels(speakers, result.files))
    return result


def _unused_speaker_labels(speakers: SpeakerPolicy, files: list[FileResult]) -> list[str]:
    """A label of ``--speakers`` that opens no paragraph of the files read is likely mistyped."""
    read = [f for f in files if f.status in (*NEW_VERSION, "refreshed")]
    if speakers.mode is not SpeakerMode.LIST or not read:
        return []
    found = {fold(label) for f in read for label in f.speaker_labels}
    text = list(dict.fromkeys(label for f in read for label in f.text_labels))
    warnings = []
    for label in sorted(speakers.labels - found):
        close = closest(label, [fold(t) for t in text])
        message = f"--speakers: no paragraph of the files read opens with '{label}'"
        warnings.append(suggesting(message, [t for t in text if fold(t) in close]))
    return warnings


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


@dataclass(frozen=True)
class _Context:
    """What reading any file of one ingest needs besides the file: the same in every worker."""

    sidecars: dict[Path, Sidecar | None]
    unit: Unit
    assignments: Attributes
    project_roles: ProjectRoles
    coder: str | None
    speakers: SpeakerPolicy


@dataclass(frozen=True)
class _Read:
    """A file read, segmented and its languages identified, and what ingest reports of it."""

    segmented: Segmented
    key: str
    coded: list[Paragraph]
    """The paragraphs (a table's turns) that carry codes."""
    unlabelled: tuple[int, int] | None


@dataclass(frozen=True)
class _Prepared:
    """One file as far as it goes without writing: failed, unchanged (its attributes to set), or
    read. ``known`` is the project's version of it that the reading took into account."""

    root: Path
    file: Path
    name: str
    source_path: str
    known: DocumentVersion | None
    failed: FileResult | None = None
    content_hash: str = ""
    attributes: Attributes = field(default_factory=dict)
    read: _Read | None = None


def _prepare(
    root: Path,
    file: Path,
    known: DocumentVersion | None,
    context: _Context,
    identifier: LanguageIdentifier,
) -> _Prepared:
    """Read, segment and identify the languages of one file, without the store: in a worker, or
    here. ``known`` is the project's current version of the file, if any."""
    name = _display_name(root, file)
    prepared = _Prepared(root, file, name, str(file.resolve()), known)
    try:
        content_hash = hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError as error:
        return replace(prepared, failed=_failed(prepared, f"cannot read file: {error.strerror}"))
    sidecar = context.sidecars.get(root)
    outer = merge(
        folder_attributes(root, file),
        sidecar.attributes_for(root, file) if sidecar else {},
        context.assignments,
    )
    same_bytes = known is not None and known.content_hash == content_hash
    # A table's codes become a person's codings only when read, so with a coder it is read again.
    if (
        known is not None
        and same_bytes
        and (context.coder is None or file.suffix.lower() not in TABLE_SUFFIXES)
    ):
        attributes = _attributes(file, known.properties, outer)
        try:
            policy = _speaker_policy(attributes, context.speakers)
        except UsageError as error:
            return replace(prepared, failed=_failed(prepared, str(error)))
        if _segmentation_key(context.unit, attributes, policy) == known.segmentation_key:
            return replace(prepared, content_hash=content_hash, attributes=attributes)
    try:
        read = read_file(file)
    except ReaderError as error:
        return replace(prepared, failed=_failed(prepared, error.detail()))
    attributes = _attributes(file, read.properties, outer)
    try:
        policy = _speaker_policy(attributes, context.speakers)
    except UsageError as error:
        return replace(prepared, failed=_failed(prepared, str(error)))
    segmenter = segment_with(context.unit, policy, role_names(attributes))
    segmented = segment_and_identify(read, attributes, context.project_roles, segmenter, identifier)
    attributes = with_detected_language(attributes, segmented.languages)
    return replace(
        prepared,
        content_hash=content_hash,
        attributes=attributes,
        read=_Read(
            segmented=segmented,
            key=_segmentation_key(context.unit, attributes, policy),
            coded=[p for p in read.paragraphs if p.codes],
            unlabelled=_unlabelled_interview(read, segmented.segments),
        ),
    )


def _failed(prepared: _Prepared, reason: str) -> FileResult:
    return FileResult(prepared.file, prepared.name, "failed", reason=reason)


def _save(
    store: Store, prepared: _Prepared, context: _Context, identifier: LanguageIdentifier
) -> FileResult:
    """Write one prepared file into the project, in the caller's transaction."""
    existing = store.current_version(prepared.source_path)
    if existing != prepared.known:
        # The same file given twice: read it again against the version written meanwhile.
        prepared = _prepare(prepared.root, prepared.file, existing, context, identifier)
    if prepared.failed is not None:
        return prepared.failed
    file, name, attributes, read = prepared.file, prepared.name, prepared.attributes, prepared.read
    if read is None:
        assert existing is not None  # only a file the project has is unchanged
        attributes = with_stored_language(store, existing.document_id, attributes)
        changed = store.set_attributes(existing.document_id, attributes)
        return FileResult(file, name, "metadata" if changed else "unchanged")
    segmented, key = read.segmented, read.key
    segments, excluded = segmented.segments, segmented.excluded
    same_bytes = existing is not None and existing.content_hash == prepared.content_hash
    kept = store.segments(existing.document_id) if existing is not None and same_bytes else []
    if existing is not None and same_bytes and _same_cut(kept, segments):
        # Only what is not text changed (roles, the record of excluded text): the version and
        # the codings on its segments stay.
        document_id = existing.document_id
        store.refresh_segmentation(
            document_id,
            segmentation_key=key,
            unit=context.unit,
            roles=[(k.segment_id or 0, s.role) for k, s in zip(kept, segments, strict=True)],
            excluded=excluded,
        )
        changed = store.set_attributes(document_id, attributes)
        if key != existing.segmentation_key:
            status = "refreshed"
        else:
            status = "metadata" if changed else "unchanged"
    else:
        document_id, version = save_version(
            store,
            segmented,
            name=name,
            source_path=prepared.source_path,
            content_hash=prepared.content_hash,
            segmentation_key=key,
        )
        store.set_attributes(document_id, attributes)
        status = "added" if version == 1 else "updated"
    coder = context.coder
    codings, refused = (
        _table_codings(store, document_id, read.coded, coder) if coder and read.coded else (0, ())
    )
    return FileResult(
        file,
        name,
        status,
        segments=len(segments),
        languages=segmented.languages,
        excluded=exclusion_counts(excluded) if status in (*NEW_VERSION, "refreshed") else (),
        coded_turns=len(read.coded),
        codings=codings,
        refused_codes=refused,
        unlabelled=read.unlabelled if status in NEW_VERSION else None,
        text_labels=segmented.text_labels if status in NEW_VERSION else (),
        speaker_labels=segmented.speaker_labels,
    )


def _total_bytes(targets: list[tuple[Path, Path]]) -> int:
    total = 0
    for _, file in targets:
        try:
            total += file.stat().st_size
        except OSError:
            continue  # reported when read
    return total


class _Reading:
    """Prepares files here, or in ``jobs`` worker processes a few files ahead.

    Either way :meth:`read` yields the files prepared in the order given.
    """

    def __init__(self, context: _Context, jobs: int) -> None:
        self._context = context
        self._jobs = jobs
        self.identifier = LanguageIdentifier()
        self._pool: ProcessPoolExecutor | None = None
        if jobs <= 1:
            return
        if start_method() == "fork":
            # Loaded once here, before forking, the language model is shared by the workers
            # instead of loaded by each (bench/README.md, Ingest, says what that saves).
            self.identifier.load()
        self._pool = start_pool(jobs, _start_worker, (context, self.identifier), _stopped)

    def __enter__(self) -> _Reading:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def read(self, store: Store, targets: list[tuple[Path, Path]]) -> Iterator[_Prepared]:
        """Each file prepared against the project's version of it when it was sent."""

        def known(file: Path) -> DocumentVersion | None:
            return store.current_version(str(file.resolve()))

        if self._pool is None:
            for root, file in targets:
                yield _prepare(root, file, known(file), self._context, self.identifier)
            return
        pool = self._pool

        def send(target: tuple[Path, Path]) -> Future[_Prepared]:
            root, file = target
            return pool.submit(_prepare_in_worker, root, file, known(file))

        for _, prepared in in_order(send, targets, self._jobs, _stopped):
            yield prepared


def _stopped() -> QualcodeError:
    return QualcodeError(
        "a reading process stopped unexpectedly (out of memory?); nothing was written",
        hint="run again with --jobs 1 to read in this process alone",
    )


_worker_context: _Context | None = None
_worker_identifier: LanguageIdentifier | None = None


def _start_worker(context: _Context, identifier: LanguageIdentifier) -> None:
    global _worker_context, _worker_identifier
    start_worker()
    _worker_context = context
    # Forked, the worker shares the model this process loaded; spawned, it loads it on first use.
    _worker_identifier = identifier


def _prepare_in_worker(root: Path, file: Path, known: DocumentVersion | None) -> _Prepared:
    assert _worker_context is not None and _worker_identifier is not None
    return _prepare(root, file, known, _worker_context, _worker_identifier)


# A document without speakers reads like an interview when it is long enough and asks questions:
# a policy paper or field notes rarely have several paragraphs that end in a question mark.
INTERVIEW_MIN_PARAGRAPHS = 6
INTERVIEW_MIN_WORDS = 300
INTERVIEW_MIN_QUESTIONS = 2


def _unlabelled_interview(read: ReadDocument, segments: list[Segment]) -> tuple[int, int] | None:
    """(paragraphs, questions) when a document that reads like an interview has no speaker."""
    if any(segment.speaker is not None for segment in segments):
        return None
    paragraphs = [p.text.strip() for p in read.paragraphs if p.text.strip()]
    questions = sum(1 for text in paragraphs if text.endswith("?"))
    words = sum(segment.word_count for segment in segments)
    if (
        len(paragraphs) >= INTERVIEW_MIN_PARAGRAPHS
        and words >= INTERVIEW_MIN_WORDS
        and questions >= INTERVIEW_MIN_QUESTIONS
    ):
        return len(paragraphs), questions
    return None


def _table_codings(
    store: Store, document_id: int, paragraphs: list[Paragraph], coder: str
) -> tuple[int, tuple[str, ...]]:
    """Record a table's codes as ``coder``'s codings of the segments holding each turn; codes the
    project does not know are created, as ``import codings --create-codes`` does. Returns how
    many codings are new, and the codes that could not be created (``..``, markup)."""
    known = store.codes()
    new: dict[str, CodeRecord] = {}
    pairs: set[tuple[int, str]] = set()
    refused: list[str] = []
    segments = store.segments(document_id)
    for paragraph in paragraphs:
        holding = [
            s.segment_id
            for s in segments
            if s.start_char < paragraph.end_char and paragraph.start_char < s.end_char
        ]
        for code in paragraph.codes:
            path = find_code(known, code) or creatable_code_path(code)
            if not path:
                refused.append(code)
                continue
            if find_code(known, path) is None:
                _add_code(new, path)
            pairs.update((segment_id or 0, path) for segment_id in holding)
    store.add_missing_codes(new.values(), IMPORTED_CODEBOOK)
    return store.add_person_codings(sorted(pairs), coder).codings, tuple(dict.fromkeys(refused))


def _add_code(new: dict[str, CodeRecord], path: str) -> None:
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        new.setdefault(
            prefix,
            CodeRecord(
                path=prefix,
                label=parts[depth - 1],
                parent_path="/".join(parts[: depth - 1]) or None,
                sort_order=100_000 + len(new),
            ),
        )


def _same_cut(kept: list[Segment], segments: list[Segment]) -> bool:
    """Whether a re-segmentation gives the stored segments again, roles apart."""

    def cut(segment: Segment) -> tuple[object, ...]:
        return (
            segment.ordinal,
            segment.start_char,
            segment.end_char,
            segment.text,
            segment.speaker,
            segment.turn,
            segment.timestamp,
            segment.language,
            segment.word_count,
            segment.page,
        )

    return len(kept) == len(segments) and all(
        cut(a) == cut(b) for a, b in zip(kept, segments, strict=True)
    )


def _display_name(root: Path, file: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.name


def _attributes(file: Path, properties: dict[str, str], outer: Attributes) -> Attributes:
    text_file = file.suffix.lower() in {".txt", ".md", ".rst"}
    source = "front matter" if text_file else "document properties"
    folder = {k: v for k, v in outer.items() if v[1] == "folder"}
    later = {k: v for k, v in outer.items() if v[1] != "folder"}
    return merge(folder, embedded_attributes(properties, source), later)


def _speaker_policy(attributes: Attributes, given: SpeakerPolicy) -> SpeakerPolicy:
    """The document's own ``speakers`` attribute, else the one given to ingest."""
    if "speakers" not in attributes:
        return given
    value = attributes["speakers"][0]
    try:
        return SpeakerPolicy.parse(value)
    except UsageError:
        raise UsageError(
            f"the speakers attribute must be auto, none or a list of labels, not '{value}'"
        ) from None


def _segmentation_key(unit: Unit, attributes: Attributes, speakers: SpeakerPolicy = AUTO) -> str:
    """What, besides the file's bytes, decides its segments: a change means re-segmenting.

    The project's role labels are not part of it: ``qualcode config`` applies them to the stored
    segments (:func:`apply_roles`). A document's own ``interviewer`` attribute is, as it names
    the speaker of ``Q:`` turns, and so are its ``respondent``, its ``chair`` (a change re-reads
    the file, and gives the stored segments their new roles) and the speakers policy.
    """
    declared = attributes.get("language", ("", ""))
    parts = [
        SEGMENTER_VERSION,
        unit.value,
        attributes.get("interviewer", ("", ""))[0],
        declared[0] if declared[1] != "detected" else "",
    ]
    # Added only when set: the default options give the key they gave before these existed.
    if str(speakers) != "auto":
        parts.append(f"speakers={speakers}")
    if "respondent" in attributes:
        parts.append(f"respondent={attributes['respondent'][0]}")
    if "chair" in attributes:
        parts.append(f"chair={attributes['chair'][0]}")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
