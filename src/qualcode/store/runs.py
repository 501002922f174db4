"""Coding runs: an automatic coder's run, written batch by batch by a :class:`RunWriter`, which
then drops what its new codings leave of documents' earlier versions (:mod:`old_versions`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from operator import itemgetter

from qualcode.models import CodingRun, StagedCoding
from qualcode.store import clock
from qualcode.store.codings import _delete_codings
from qualcode.store.connection import Connection, _sql_text
from qualcode.store.evidence import evidence_json
from qualcode.store.old_versions import OLD_SEGMENTS, drop_unreferenced_old_versions
from qualcode.store.segments import _CURRENT_SEGMENT_IDS

CodingRow = tuple[int, str, str]
"""One coding as a run writes it: (segment_id, code_path, evidence as :func:`evidence_json`)."""


def _text_order(item: tuple[str, str, int, int]) -> tuple[int, int, str, str]:
    pattern, kind, start, end = item
    return start, end, pattern, kind


class RunStore(Connection):
    """The ``coding_runs`` table and the writing of a run's codings."""

    def start_run(
        self,
        *,
        coder: str,
        codebook_name: str,
        codebook_version: str,
        codebook_hash: str,
        codebook_path: str,
        options: dict[str, object],
    ) -> int:
        with self.transaction():
            cursor = self._db.execute(
                """INSERT INTO coding_runs (coder, codebook_name, codebook_version, codebook_hash,
                                            codebook_path, options, started_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (
                    coder,
                    codebook_name,
                    codebook_version,
                    codebook_hash,
                    codebook_path,
                    json.dumps(options, sort_keys=True),
                    clock.now(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int) -> None:
        self._db.execute(
            "UPDATE coding_runs SET finished_at = ? WHERE id = ?", (clock.now(), run_id)
        )

    def run_writer(self, coder: str, run_id: int) -> RunWriter:
        """A :class:`RunWriter` for one run of ``coder``, inside the caller's transaction."""
        if not self._in_transaction:
            raise RuntimeError("a run is written inside Store.transaction()")
        return RunWriter(self, coder, run_id)

    def replace_codings(
        self, coder: str, run_id: int, codings: Iterable[StagedCoding]
    ) -> dict[str, tuple[int, int]]:
        """Make ``codings`` the coder's only ones, as one run; return {code: (added, removed)}.

        Every current segment counts as read: what :func:`qualcode.coding.code_project` does
        batch by batch with a :class:`RunWriter`, in one call (tests and benchmarks use it).
        """
        grouped: dict[tuple[int, str], list[tuple[str, str, int, int]]] = {}
        for c in codings:
            grouped.setdefault((c.segment_id, c.code_path), []).append(
                (c.pattern, c.kind, c.start_char, c.end_char)
            )
        rows = [
            (segment_id, code_path, evidence_json(sorted(items, key=_text_order)))
            for (segment_id, code_path), items in sorted(grouped.items())
        ]
        with self.transaction():
            writer = self.run_writer(coder, run_id)
            current = [r[0] for r in self._db.execute(f"{_CURRENT_SEGMENT_IDS} ORDER BY s.id")]
            writer.write(sorted({*current, *(row[0] for row in rows)}), rows)
            return writer.finish()

    def latest_automatic_coder(self) -> str | None:
        """The coder of the most recent finished automatic run: what a report shows by default."""
        row = self._db.execute(
            """SELECT coder FROM coding_runs WHERE coder LIKE 'auto:%'
               AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"""
        ).fetchone()
        return None if row is None else str(row["coder"])

    def latest_run(self, coder: str) -> CodingRun | None:
        """The coder's most recent coding run (what an HTML report names as its codebook)."""
        row = self._db.execute(
            """SELECT coder, codebook_name, codebook_version, codebook_hash, started_at,
                      finished_at, codebook_path FROM coding_runs WHERE coder = ?
               ORDER BY id DESC LIMIT 1""",
            (coder,),
        ).fetchone()
        return None if row is None else CodingRun(*row)

    def automatic_coders(self) -> list[str]:
        """Coders that ran a codebook and hold codings, the most recently run first."""
        rows = self._db.execute(
            """SELECT r.coder FROM coding_runs r
               WHERE EXISTS (SELECT 1 FROM codings c WHERE c.coder = r.coder)
               GROUP BY r.coder ORDER BY MAX(r.id) DESC"""
        )
        return [r["coder"] for r in rows]

    def run_coverage(self, coder: str) -> list[int]:
        """Current segments an automatic coder's last run read: those ingested before it began."""
        rows = self._db.execute(
            """SELECT s.id FROM current_segments s
               JOIN document_versions v ON v.document_id = s.document_id AND v.version = s.version
               WHERE v.ingested_at <= (SELECT MAX(started_at) FROM coding_runs WHERE coder = ?)
               ORDER BY s.id""",
            (coder,),
        )
        return [r["id"] for r in rows]

    def run_coders(self) -> set[str]:
        """Coders that have a coding run in this project (automatic coders, whatever they hold)."""
        return {r["coder"] for r in self._db.execute("SELECT DISTINCT coder FROM coding_runs")}


class RunWriter:
    """Writes one run's codings for a coder, batch by batch, and counts what changed per code.

    Each :meth:`write` makes the given codings the coder's only ones on the given segments: new
    ones are inserted, gone ones deleted, and ones whose evidence changed updated; a coding the
    run found exactly as it was is left alone, so it keeps the run that made it. :meth:`finish`
    removes the coder's codings on segments no run reads any more (earlier versions of
    re-ingested documents) and closes the run. Codings of other coders are never touched.
    """

    def __init__(self, store: RunStore, coder: str, run_id: int) -> None:
        self._store = store
        self._db = store._db
        self._coder = coder
        self.run_id = run_id
        self._stamp = clock.now()
        # The run's own values are part of the statement, so a coding binds only its three and
        # no row of six is built for each of hundreds of thousands (bench/README.md).
        self._insert = f"""INSERT INTO codings
            (segment_id, code_path, evidence, coder, run_id, created_at) VALUES
            (?, ?, ?, {_sql_text(coder)}, {int(run_id)}, {_sql_text(self._stamp)})"""
        self._added: Counter[str] = Counter()
        self._removed: Counter[str] = Counter()
        self.stale = 0
        """Codings :meth:`finish` removed from earlier versions of re-ingested documents."""

    def write(self, segment_ids: Sequence[int], rows: Sequence[CodingRow]) -> None:
        """``rows``: the codings of ``segment_ids`` (ascending), each row's segment among them."""
        if not segment_ids:
            return
        db, coder = self._db, self._coder
        # ``+coder``: find the batch's codings through the primary key (segment first), never
        # by scanning every coding of the coder for each batch.
        old = {
            (segment_id, code_path): evidence
            for segment_id, code_path, evidence in db.execute(
                """SELECT segment_id, code_path, evidence FROM codings
                   WHERE segment_id BETWEEN ? AND ? AND +coder = ?""",
                (segment_ids[0], segment_ids[-1], coder),
            )
        }
        if old:
            read = set(segment_ids)
            old = {key: evidence for key, evidence in old.items() if key[0] in read}
        new: Sequence[CodingRow] = rows
        changed: list[tuple[str, int, str]] = []
        if old:
            new = []
            for segment_id, code_path, evidence in rows:
                before = old.pop((segment_id, code_path), None)
                if before is None:
                    new.append((segment_id, code_path, evidence))
                elif before != evidence:
                    changed.append((evidence, segment_id, code_path))
        self._added.update(map(itemgetter(1), new))
        self._removed.update(map(itemgetter(1), old))
        run_id, stamp = self.run_id, self._stamp
        db.executemany(self._insert, new)
        db.executemany(
            """UPDATE codings SET evidence = ?, run_id = ?, created_at = ?
               WHERE segment_id = ? AND code_path = ? AND coder = ?""",
            [
                (evidence, run_id, stamp, segment_id, code_path, coder)
                for evidence, segment_id, code_path in changed
            ],
        )
        _delete_codings(db, [(segment_id, code_path, coder) for segment_id, code_path in old])

    def finish(self) -> dict[str, tuple[int, int]]:
        """Drop the coder's codings on segments the run did not read; {code: (added, removed)}."""
        db, coder = self._db, self._coder
        # ``+coder``: through the primary key, from the (usually no) earlier versions' segments
        unread = f"segment_id IN (SELECT s.id FROM {OLD_SEGMENTS}) AND +coder = ?"
        for code_path, count in db.execute(
            f"SELECT code_path, COUNT(*) FROM codings WHERE {unread} GROUP BY code_path", (coder,)
        ):
            self._removed[code_path] += count
            self.stale += count
        db.execute(f"DELETE FROM codings WHERE {unread}", (coder,))
        drop_unreferenced_old_versions(db)
        self._store.finish_run(self.run_id)
        codes = sorted(set(self._added) | set(self._removed))
        return {code: (self._added[code], self._removed[code]) for code in codes}
