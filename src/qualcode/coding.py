"""Applying a codebook to every segment of the project, and recording why each coding was made.

The codebook is compiled once into a :class:`~qualcode.matching.Matcher`; segments stream from the
store in batches; each hit becomes evidence (pattern and span in the document). A run replaces that
codebook's automatic codings in one transaction and reports what changed per code. Human codings
(any other coder) are never touched.

On a large project the batches are matched in worker processes, a few batches ahead, while this
process reads the next batches and writes the codings of the finished ones, in order: the codings
are the same whatever the number of processes.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from qualcode.codebook import Codebook
from qualcode.coders import auto_coder_name
from qualcode.defaults import PARALLEL_MIN_SEGMENTS
from qualcode.errors import QualcodeError
from qualcode.matching import Matcher
from qualcode.models import CodeRecord
from qualcode.store import CodingRow, RunWriter, SegmentToCode, Store
from qualcode.workers import default_jobs, in_order, start_pool, start_worker

BATCH_SIZE = 2000
YOUNG_OBJECTS = 20_000
"""New objects between two runs of Python's garbage collector while coding, in every process.
Its default, 700, has coding spend a noticeable part of its time looking for cycles among the
rows it makes, which have none."""


class _DryRun(Exception):
    """Raised inside the run's transaction to roll a dry run back."""


def auto_coder(codebook: Codebook) -> str:
    """The coder name of a codebook's automatic codings: ``auto:justice@1.0``."""
    return auto_coder_name(codebook.name, codebook.version)


@dataclass(frozen=True)
class CodeResult:
    """One code's line in the summary of a run."""

    code_path: str
    label: str
    depth: int
    segments: int  # coded with the code or any of its sub-codes, as the report counts
    documents: int
    added: int  # codings of the code itself
    removed: int


@dataclass(frozen=True)
class RunSummary:
    coder: str
    run_id: int | None
    codes: list[CodeResult]
    segments_read: int
    segments_coded: int
    codings: int
    stale_refreshed: int
    dry_run: bool
    seconds: float
    removed_codes: dict[str, int] = field(default_factory=dict)
    # Codings of this run that a reviewer had rejected: the rejections outlive reruns and stand.
    previously_rejected: int = 0

    @property
    def added(self) -> int:
        return sum(c.added for c in self.codes)

    @property
    def removed(self) -> int:
        return sum(c.removed for c in self.codes) + sum(self.removed_codes.values())


def code_records(codebook: Codebook) -> list[CodeRecord]:
    return [
        CodeRecord(
            path=code.path,
            label=code.label,
            parent_path=code.parent_path,
            description=code.description,
            include=code.include,
            exclude=code.exclude,
            colour=code.colour,
            sort_order=order,
        )
        for order, code in enumerate(codebook.codes)
    ]


def begin_run(
    store: Store, codebook: Codebook, coder: str, options: dict[str, object]
) -> RunWriter:
    """In the caller's transaction: save the codebook's codes, open a run of ``coder`` with
    ``options`` recorded, and return the writer of its codings."""
    store.save_codes(code_records(codebook), codebook.name)
    run_id = store.start_run(
        coder=coder,
        codebook_name=codebook.name,
        codebook_version=codebook.version,
        codebook_hash=codebook.content_hash,
        codebook_path=str(codebook.source_path),
        options=options,
    )
    return store.run_writer(coder, run_id)


def code_project(
    store: Store,
    codebook: Codebook,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    jobs: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> RunSummary:
    """Code every current segment with ``codebook``; with ``dry_run`` nothing is written.

    ``jobs``: processes that match (1: this one alone). None chooses :func:`default_jobs` when
    the project has at least :data:`PARALLEL_MIN_SEGMENTS` current segments, else 1.
    """
    started = time.perf_counter()
    if jobs is None:
        jobs = default_jobs() if store.current_segment_count() >= PARALLEL_MIN_SEGMENTS else 1
    coder = auto_coder(codebook)
    summary: RunSummary | None = None
    # Workers start before the run's transaction opens (a forked process copies this one).
    with _collecting_less(), _Matching(codebook, jobs) as matching:
        try:
            # Every reference a run writes is to a row it read or wrote in the transaction.
            with store.transaction(check_references=False):
                writer = begin_run(store, codebook, coder, {"batch_size": batch_size})
                tally = _Tally()
                batches = store.iter_segments_to_code(batch_size, utf8=matching.parallel)
                for batch, coded in matching.code(batches):
                    writer.write([segment[0] for segment in batch], coded.rows)
                    tally.add(batch, coded)
                    if on_batch is not None:
                        on_batch(tally.read)
                changes = writer.finish()
                summary = _summary(
                    codebook,
                    coder,
                    writer.run_id,
                    changes,
                    tally.counts(),
                    tally.rolled_up(),
                    tally.read,
                    tally.coded,
                    writer.stale,
                    dry_run,
                    time.perf_counter() - started,
                    previously_rejected=store.rejected_codings_count(coder),
                )
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
    assert summary is not None
    return summary


@contextmanager
def _collecting_less() -> Iterator[None]:
    """The garbage collector set to :data:`YOUNG_OBJECTS` until the block ends."""
    threshold = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


_Batch = list[SegmentToCode]


class _Coded(NamedTuple):
    """One batch coded: its codings, and what the run's summary counts of them."""

    rows: list[CodingRow]
    segments_coded: int
    segments: dict[str, int]  # code: the segments it was given in the batch
    documents: dict[str, set[int]]  # code: the documents of its codings in the batch
    # code: the segments and documents it was not given but a sub-code of it was, so that the
    # summary rolls parents up as the report does
    below_segments: dict[str, int]
    below_documents: dict[str, set[int]]


class _Tally:
    """What the summary says of a run: segments read and coded; per code, segments and
    documents. Counted from the run's codings as they pass, not queried again afterwards."""

    def __init__(self) -> None:
        self.read = 0
        self.coded = 0
        self._segments: Counter[str] = Counter()
        self._documents: dict[str, set[int]] = {}
        self._below_segments: Counter[str] = Counter()
        self._below_documents: dict[str, set[int]] = {}

    def add(self, batch: _Batch, coded: _Coded) -> None:
        self.read += len(batch)
        self.coded += coded.segments_coded
        self._segments.update(coded.segments)
        for code_path, documents in coded.documents.items():
            self._documents.setdefault(code_path, set()).update(documents)
        self._below_segments.update(coded.below_segments)
        for code_path, documents in coded.below_documents.items():
            self._below_documents.setdefault(code_path, set()).update(documents)

    def counts(self) -> dict[str, tuple[int, int]]:
        """{code: (segments, documents)} of the run's codings."""
        return {
            code: (segments, len(self._documents[code]))
            for code, segments in self._segments.items()
        }

    def rolled_up(self) -> dict[str, tuple[int, int]]:
        """{code: (segments, documents)} with the code or any of its sub-codes, as reported."""
        codes = self._segments.keys() | self._below_segments.keys()
        return {
            code: (
                self._segments[code] + self._below_segments[code],
                len(self._documents.get(code, set()) | self._below_documents.get(code, set())),
            )
            for code in codes
        }


def _code_batch(matcher: Matcher, batch: _Batch) -> _Coded:
    """The codings of one batch of segments, in segment and code path order."""
    # A segment of unknown language gets the patterns of every language.
    every_language = matcher.codebook.languages
    found = matcher.codings_batch(
        [
            (_text(text), language or every_language, role, offset)
            for _, offset, text, language, role, _ in batch
        ]
    )
    rows: list[CodingRow] = []
    segments: dict[str, int] = {}
    documents: dict[str, set[int]] = {}
    below_segments: dict[str, int] = {}
    below_documents: dict[str, set[int]] = {}
    ancestors = {
        code.path: _ancestors(code.path) for code in matcher.codebook.codes if code.parent_path
    }
    coded = 0
    for segment, codings in zip(batch, found, strict=True):
        if not codings:
            continue
        coded += 1
        segment_id, document_id = segment[0], segment[5]
        for code_path, evidence in codings:
            rows.append((segment_id, code_path, evidence))
            if code_path in segments:
                segments[code_path] += 1
                documents[code_path].add(document_id)
            else:
                segments[code_path] = 1
                documents[code_path] = {document_id}
        if ancestors:
            own = [code_path for code_path, _ in codings]
            above = {a for code_path in own for a in ancestors.get(code_path, ())}
            for parent in above.difference(own):
                below_segments[parent] = below_segments.get(parent, 0) + 1
                below_documents.setdefault(parent, set()).add(document_id)
    return _Coded(rows, coded, segments, documents, below_segments, below_documents)


def _ancestors(path: str) -> tuple[str, ...]:
    parts = path.split("/")
    return tuple("/".join(parts[:end]) for end in range(1, len(parts)))


def _text(text: str | bytes) -> str:
    return text if isinstance(text, str) else text.decode()


class _Matching:
    """Matches batches of segments here, or in ``jobs`` worker processes a few batches ahead.

    Either way :meth:`code` yields each batch with its codings, in the order read.
    """

    def __init__(self, codebook: Codebook, jobs: int) -> None:
        self._jobs = jobs
        self.parallel = jobs > 1
        """Whether batches go to worker processes (which take texts as UTF-8 bytes)."""
        self._matcher: Matcher | None = None
        self._pool: ProcessPoolExecutor | None = None
        if jobs <= 1:
            self._matcher = Matcher(codebook)
            return
        # The workers start, and compile the codebook, before the run's transaction opens.
        self._pool = start_pool(jobs, _start_worker, (codebook,), _stopped)

    def __enter__(self) -> _Matching:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def code(self, batches: Iterable[_Batch]) -> Iterator[tuple[_Batch, _Coded]]:
        if self._matcher is not None:
            for batch in batches:
                yield batch, _code_batch(self._matcher, batch)
            return
        pool = self._pool
        assert pool is not None
        yield from in_order(
            lambda batch: pool.submit(_code_in_worker, batch), batches, self._jobs, _stopped
        )


def _stopped() -> QualcodeError:
    return QualcodeError(
        "a matching process stopped unexpectedly (out of memory?); nothing was written",
        hint="run again with --jobs 1 to code in this process alone",
    )


_worker_matcher: Matcher | None = None


def _start_worker(codebook: Codebook) -> None:
    global _worker_matcher
    start_worker()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])  # a spawned worker starts afresh
    _worker_matcher = Matcher(codebook)


def _code_in_worker(batch: _Batch) -> _Coded:
    assert _worker_matcher is not None
    return _code_batch(_worker_matcher, batch)


def _summary(
    codebook: Codebook,
    coder: str,
    run_id: int,
    changes: dict[str, tuple[int, int]],
    counts: dict[str, tuple[int, int]],
    rolled_up: dict[str, tuple[int, int]],
    read: int,
    coded: int,
    stale_before: int,
    dry_run: bool,
    seconds: float,
    previously_rejected: int = 0,
) -> RunSummary:
    known = {code.path for code in codebook.codes}
    rows = [
        CodeResult(
            code_path=code.path,
            label=code.label,
            depth=code.path.count("/"),
            segments=rolled_up.get(code.path, (0, 0))[0],
            documents=rolled_up.get(code.path, (0, 0))[1],
            added=changes.get(code.path, (0, 0))[0],
            removed=changes.get(code.path, (0, 0))[1],
        )
        for code in codebook.codes
    ]
    gone = {path: removed for path, (_, removed) in changes.items() if path not in known}
    return RunSummary(
        coder=coder,
        run_id=None if dry_run else run_id,
        codes=rows,
        segments_read=read,
        segments_coded=coded,
        codings=sum(segments for segments, _ in counts.values()),
        stale_refreshed=stale_before,
        dry_run=dry_run,
        seconds=seconds,
        removed_codes=gone,
        previously_rejected=previously_rejected,
    )
