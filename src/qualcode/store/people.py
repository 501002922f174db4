"""People's codings and review decisions, kept from contradicting each other, and the coding-sheet
cells a person judged.

Adding a person's coding withdraws their rejection of it, removing it their acceptance, and a
rejection removes their own coding of it, each in one transaction, whichever command writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from qualcode.models import Decision, ReviewDecision, Span
from qualcode.store import clock
from qualcode.store.codings import _delete_codings
from qualcode.store.connection import Connection
from qualcode.store.evidence import _held_spans, _span_column


class PersonCodingChange(NamedTuple):
    """What adding or removing a person's codings changed."""

    codings: int
    """Codings added (or removed)."""
    withdrawn: int
    """The person's review decisions withdrawn with them: rejections when adding, acceptances
    when removing."""


class PeopleStore(Connection):
    """People's codings, ``review_decisions`` and ``sheet_coverage``."""

    def own_codings(self, coder: str) -> list[tuple[int, str]]:
        """(segment_id, code_path) of the codings recorded under this coder, current segments."""
        return self._coder_pairs("codings", coder)

    def _coder_pairs(self, table: str, coder: str) -> list[tuple[int, str]]:
        """(segment_id, code_path) of a coder's rows of ``table`` on current segments, in order."""
        rows = self._db.execute(
            f"""SELECT c.segment_id, c.code_path FROM {table} c
               JOIN current_segments s ON s.id = c.segment_id
               WHERE c.coder = ? ORDER BY c.segment_id, c.code_path""",
            (coder,),
        )
        return [(r["segment_id"], r["code_path"]) for r in rows]

    def add_person_codings(
        self, pairs: Iterable[tuple[int, str]], coder: str
    ) -> PersonCodingChange:
        """Add (segment_id, code_path) codings by a person, withdrawing that person's rejection
        of each: coding it is the later word. Returns how many codings were new and how many
        rejections were withdrawn."""
        wanted = list(pairs)
        stamp = clock.now()
        with self.transaction():
            before = self._db.total_changes
            self._db.executemany(
                """INSERT OR IGNORE INTO codings (segment_id, code_path, coder, run_id, created_at)
                   VALUES (?, ?, ?, NULL, ?)""",
                [(segment_id, code_path, coder, stamp) for segment_id, code_path in wanted],
            )
            added = self._db.total_changes - before
            withdrawn = self._delete_decisions(wanted, coder, Decision.REJECT)
        return PersonCodingChange(added, withdrawn)

    def remove_person_codings(
        self, pairs: Iterable[tuple[int, str]], coder: str
    ) -> PersonCodingChange:
        """Remove a person's (segment_id, code_path) codings and their acceptance of the
        automatic coding of each. Returns how many codings and acceptances there were."""
        wanted = list(pairs)
        with self.transaction():
            removed = _delete_codings(
                self._db, ((segment_id, code_path, coder) for segment_id, code_path in wanted)
            )
            withdrawn = self._delete_decisions(wanted, coder, Decision.ACCEPT)
        return PersonCodingChange(removed, withdrawn)

    def add_selected_codings(
        self,
        selected: Iterable[tuple[int, str, Sequence[Span]]],
        coder: str,
        *,
        as_evidence: bool = False,
        created: Mapping[tuple[int, str], str] | None = None,
    ) -> int:
        """Add codings with the passages selected in them, (segment_id, code_path, spans), by
        ``coder``; return how many codings were new.

        The spans go to the coding's own spans, or with ``as_evidence`` (an automatic coder's
        selections coming back from an archive) to its evidence, as ``refi-qda selection``
        pieces. A coding that is already there gains the spans it lacks, unless it is of the
        whole segment (no spans), which already covers them, and keeps its time. A new coding
        is dated by ``created`` ({(segment_id, code_path): time}, what the archive says), else
        now. A person's coding withdraws their rejection of it, as in
        :meth:`add_person_codings`.
        """
        stamp = clock.now()
        dates = created or {}
        column = "evidence" if as_evidence else "spans"
        added = 0
        chosen = list(selected)
        with self.transaction():
            self._delete_decisions(
                [(segment_id, code_path) for segment_id, code_path, _ in chosen],
                coder,
                Decision.REJECT,
            )
            for segment_id, code_path, spans in chosen:
                wanted = sorted(set(spans))
                row = self._db.execute(
                    f"SELECT {column} FROM codings WHERE segment_id = ? AND code_path = ?"
                    " AND coder = ?",
                    (segment_id, code_path, coder),
                ).fetchone()
                if row is None:
                    self._db.execute(
                        f"INSERT INTO codings (segment_id, code_path, coder, run_id, created_at,"
                        f" {column}) VALUES (?, ?, ?, NULL, ?, ?)",
                        (
                            segment_id,
                            code_path,
                            coder,
                            dates.get((segment_id, code_path), stamp),
                            _span_column(wanted, as_evidence),
                        ),
                    )
                    added += 1
                    continue
                held = _held_spans(row[0], as_evidence)
                if held is None or set(wanted) <= set(held):
                    continue
                self._db.execute(
                    f"UPDATE codings SET {column} = ? WHERE segment_id = ? AND code_path = ?"
                    " AND coder = ?",
                    (
                        _span_column(sorted({*held, *wanted}), as_evidence),
                        segment_id,
                        code_path,
                        coder,
                    ),
                )
        return added

    def save_decisions(self, decisions: Iterable[ReviewDecision]) -> None:
        """Record review decisions; a later decision on the same segment and code replaces one.

        Rejecting a coding also removes the reviewer's own coding of it, so that what a person
        stands behind never holds a coding they rejected.
        """
        chosen = list(decisions)
        stamp = clock.now()
        with self.transaction():
            self._db.executemany(
                """INSERT INTO review_decisions (segment_id, code_path, reviewer, decision,
                                                 auto_coder, decided_at, note)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(segment_id, code_path, reviewer) DO UPDATE SET
                     decision = excluded.decision, auto_coder = excluded.auto_coder,
                     decided_at = excluded.decided_at, note = excluded.note""",
                [
                    (
                        d.segment_id,
                        d.code_path,
                        d.reviewer,
                        d.decision.value,
                        d.auto_coder,
                        d.decided_at or stamp,
                        d.note,
                    )
                    for d in chosen
                ],
            )
            _delete_codings(
                self._db,
                (
                    (d.segment_id, d.code_path, d.reviewer)
                    for d in chosen
                    if d.decision is Decision.REJECT
                ),
            )

    def _delete_decisions(
        self, pairs: Iterable[tuple[int, str]], reviewer: str, decision: Decision
    ) -> int:
        """Withdraw a reviewer's decisions of one kind on (segment_id, code_path) pairs."""
        before = self._db.total_changes
        self._db.executemany(
            """DELETE FROM review_decisions
               WHERE segment_id = ? AND code_path = ? AND reviewer = ? AND decision = ?""",
            [(segment_id, code_path, reviewer, decision.value) for segment_id, code_path in pairs],
        )
        return self._db.total_changes - before

    def decisions(self, reviewer: str | None = None) -> list[ReviewDecision]:
        """Review decisions on current segments, of one reviewer or of everyone."""
        sql = "SELECT r.* FROM review_decisions r JOIN current_segments s ON s.id = r.segment_id"
        params: tuple[str, ...] = ()
        if reviewer is not None:
            sql += " WHERE r.reviewer = ?"
            params = (reviewer,)
        rows = self._db.execute(sql + " ORDER BY r.segment_id, r.code_path, r.reviewer", params)
        return [
            ReviewDecision(
                segment_id=r["segment_id"],
                code_path=r["code_path"],
                reviewer=r["reviewer"],
                decision=Decision(r["decision"]),
                auto_coder=r["auto_coder"],
                decided_at=r["decided_at"],
                note=r["note"],
            )
            for r in rows
        ]

    def reviewers(self) -> list[str]:
        return [
            r["reviewer"]
            for r in self._db.execute(
                "SELECT DISTINCT reviewer FROM review_decisions ORDER BY reviewer"
            )
        ]

    def rejected_codings_count(self, coder: str) -> int:
        """How many of a coder's codings some reviewer rejected (their decisions outlive reruns)."""
        # From the few rejections to the codings, not from every coding of the coder.
        row = self._db.execute(
            """SELECT COUNT(*) AS n FROM (
                 SELECT DISTINCT segment_id, code_path FROM review_decisions
                 WHERE decision = 'reject') r
               CROSS JOIN codings c
                 ON c.segment_id = r.segment_id AND c.code_path = r.code_path AND c.coder = ?""",
            (coder,),
        ).fetchone()
        return int(row["n"])

    def save_sheet_coverage(
        self, pairs: Iterable[tuple[int, str]], coder: str, source: str
    ) -> None:
        """Record the (segment_id, code_path) cells of a coding sheet a person returned."""
        stamp = clock.now()
        with self.transaction():
            self._db.executemany(
                """INSERT INTO sheet_coverage (segment_id, code_path, coder, source, imported_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(segment_id, code_path, coder) DO UPDATE SET
                     source = excluded.source, imported_at = excluded.imported_at""",
                [(segment_id, code_path, coder, source, stamp) for segment_id, code_path in pairs],
            )

    def sheet_coverage(self, coder: str) -> list[tuple[int, str]]:
        """(segment_id, code_path) cells of coding sheets a person returned, current segments."""
        return self._coder_pairs("sheet_coverage", coder)
