"""Codings of any coder: read with their segments and evidence, as pairs, with their dates; deleted
by key."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from qualcode.models import CodedSegment
from qualcode.store.connection import Connection
from qualcode.store.evidence import _evidence, _spans
from qualcode.store.segments import segment_from_row


class CodingStore(Connection):
    """The ``codings`` table, read."""

    def coders(self) -> list[str]:
        return [
            r["coder"]
            for r in self._db.execute("SELECT DISTINCT coder FROM codings ORDER BY coder")
        ]

    def coded_segments(
        self,
        *,
        code_paths: Sequence[str] | None = None,
        coders: Sequence[str] | None = None,
        attributes: dict[str, str] | None = None,
        limit: int | None = None,
    ) -> list[CodedSegment]:
        """Current segments with their codings and evidence, filtered, in document order.

        A code path selects the code and its descendants.
        """
        where = ["1"]
        params: list[object] = []
        if code_paths:
            where.append(
                "("
                + " OR ".join(
                    "c.code_path = ? OR substr(c.code_path, 1, ?) = ?" for _ in code_paths
                )
                + ")"
            )
            for path in code_paths:
                params += [path, len(path) + 1, path + "/"]
        if coders:
            where.append(f"c.coder IN ({','.join('?' * len(coders))})")
            params += list(coders)
        for key, value in (attributes or {}).items():
            where.append(
                "EXISTS (SELECT 1 FROM attributes a WHERE a.document_id = s.document_id "
                "AND a.key = ? AND a.value = ? COLLATE NOCASE)"
            )
            params += [key, value]
        sql = f"""SELECT c.code_path, c.coder, c.evidence, c.spans, s.* FROM codings c
                  JOIN current_segments s ON s.id = c.segment_id
                  WHERE {" AND ".join(where)}
                  ORDER BY s.document_name, s.ordinal, c.code_path, c.coder"""
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        found = []
        for r in self._db.execute(sql, params):
            segment = segment_from_row(r)
            found.append(
                CodedSegment(
                    document_name=r["document_name"],
                    segment=segment,
                    code_path=r["code_path"],
                    coder=r["coder"],
                    evidence=_evidence(r["evidence"], segment),
                    spans=_spans(r["spans"]),
                )
            )
        return found

    def coding_pairs(self, coder: str, *, in_scope_only: bool = True) -> list[tuple[int, str]]:
        """(segment_id, code_path) of a coder's codings on current segments, without evidence.

        Reports need only which segment carries which code, for hundreds of thousands of
        codings, so this skips the records and evidence that :meth:`coded_segments` builds.
        """
        scope = "AND (s.role IS NULL OR s.role = 'respondent')" if in_scope_only else ""
        rows = self._db.execute(
            f"""SELECT c.segment_id, c.code_path FROM codings c
                JOIN current_segments s ON s.id = c.segment_id
                WHERE c.coder = ? {scope}""",
            (coder,),
        )
        return [(r[0], r[1]) for r in rows]

    def coding_dates(self) -> dict[tuple[int, str, str], str]:
        """{(segment_id, code_path, coder): when the coding was made}, on current segments.

        A coding a run found again as it was keeps the time of the run that first made it.
        """
        rows = self._db.execute(
            """SELECT c.segment_id, c.code_path, c.coder, c.created_at FROM codings c
               JOIN current_segments s ON s.id = c.segment_id"""
        )
        return {(r[0], r[1], r[2]): r[3] for r in rows}


def _delete_codings(db: sqlite3.Connection, keys: Iterable[tuple[int, str, str]]) -> int:
    """Delete the codings of (segment_id, code_path, coder) keys; return how many there were."""
    before = db.total_changes
    db.executemany("DELETE FROM codings WHERE segment_id = ? AND code_path = ? AND coder = ?", keys)
    return db.total_changes - before
