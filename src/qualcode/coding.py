"""Applying a codebook to every segment of the project, and recording why each coding was made.

The codebook is compiled once into a :class:`~qualcode.matching.Matcher`; segments stream from the
store in batches; each hit becomes evidence (pattern, matched text, span in the document). A run
replaces that codebook's automatic codings in one transaction and reports what changed per code.
Human codings (any other coder) are never touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from qualcode.codebook import Codebook
from qualcode.matching import Matcher
from qualcode.store import CodeRecord, Store

AUTO_PREFIX = "auto:"


class _DryRun(Exception):
    """Raised inside the run's transaction to roll a dry run back."""


def auto_coder(codebook: Codebook) -> str:
    """The coder name of a codebook's automatic codings: ``auto:justice@1.0``."""
    return f"{AUTO_PREFIX}{codebook.name}@{codebook.version}"


@dataclass(frozen=True)
class CodeResult:
    """One code's line in the summary of a run."""

    code_path: str
    label: str
    depth: int
    segments: int
    documents: int
    added: int
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
    # issue 5: codings of this run that a reviewer had rejected; the rejections stand.
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


def code_project(
    store: Store,
    codebook: Codebook,
    *,
    dry_run: bool = False,
    batch_size: int = 5000,
    on_batch: Callable[[int], None] | None = None,
) -> RunSummary:
    """Code every current segment with ``codebook``; with ``dry_run`` nothing is written."""
    started = time.perf_counter()
    matcher = Matcher(codebook)
    coder = auto_coder(codebook)
    stale_before = sum(n for c, _, n in store.stale_codings() if c == coder)
    read = coded = 0
    summary: RunSummary | None = None
    try:
        with store.transaction():
            store.save_codes(code_records(codebook), codebook.name)
            run_id = store.start_run(
                coder=coder,
                codebook_name=codebook.name,
                codebook_version=codebook.version,
                codebook_hash=codebook.content_hash,
                codebook_path=str(codebook.source_path),
                options={"batch_size": batch_size},
            )
            every_language = ",".join(codebook.languages)
            for batch in store.iter_segments_to_code(batch_size):
                staged: list[tuple[int, str, str, str, int, int, str]] = []
                for segment_id, offset, text, language, role in batch:
                    # A segment of unknown language gets the patterns of every language.
                    hits = matcher.match(text, language or every_language, role)
                    read += 1
                    if hits:
                        coded += 1
                        staged.extend(
                            (
                                segment_id,
                                hit.code_path,
                                hit.pattern,
                                hit.kind,
                                offset + hit.start,
                                offset + hit.end,
                                hit.matched,
                            )
                            for hit in hits
                        )
                store.stage_coding_rows(staged)
                if on_batch is not None:
                    on_batch(read)
            changes = store.replace_codings(coder, run_id)
            counts = store.coding_counts(coder)
            summary = _summary(
                codebook,
                coder,
                run_id,
                changes,
                counts,
                read,
                coded,
                stale_before,
                dry_run,
                time.perf_counter() - started,
                previously_rejected=store.rejected_codings_count(coder),  # issue 5
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    assert summary is not None
    return summary


def _summary(
    codebook: Codebook,
    coder: str,
    run_id: int,
    changes: dict[str, tuple[int, int]],
    counts: dict[str, tuple[int, int]],
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
            segments=counts.get(code.path, (0, 0))[0],
            documents=counts.get(code.path, (0, 0))[1],
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
