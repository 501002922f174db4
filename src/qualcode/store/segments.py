"""Reading segments: of one document, every current one in batches, by id or ordinal, in scope."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from qualcode.models import Role, Segment
from qualcode.store.connection import Connection

SegmentToCode = tuple[int, int, str | bytes, str | None, str | None, int]
"""A current segment as coding sees it: (segment_id, start_char in its document, text, language
(``ca`` or ``ca,es``), role, document_id). A plain tuple: coding reads hundreds of thousands.
The text is a ``str``, or its UTF-8 bytes when asked for (:meth:`Store.iter_segments_to_code`)."""


_CURRENT_SEGMENT_IDS = "SELECT s.id FROM current_segments s"


class SegmentStore(Connection):
    """The segments of documents, mostly through the ``current_segments`` view."""

    def segments(self, document_id: int) -> list[Segment]:
        """The current segments of one document, in order."""
        rows = self._db.execute(
            """SELECT s.* FROM current_segments s
               WHERE s.document_id = ? ORDER BY s.ordinal""",
            (document_id,),
        )
        return [segment_from_row(r) for r in rows]

    def iter_current_segments(self, batch_size: int = 2000) -> Iterator[list[Segment]]:
        """Every current segment of the project, in batches, never all at once in memory."""
        for rows in self._current_segment_rows("s.*", batch_size, sqlite3.Row):
            yield [segment_from_row(r) for r in rows]

    def current_segment_count(self) -> int:
        return int(self._db.execute(f"SELECT COUNT(*) FROM ({_CURRENT_SEGMENT_IDS})").fetchone()[0])

    def iter_segments_to_code(
        self, batch_size: int = 5000, *, utf8: bool = False
    ) -> Iterator[list[SegmentToCode]]:
        """What coding needs of every current segment, in batches in id order.

        With ``utf8`` each text is its UTF-8 bytes, as stored: for a process that hands the
        batch on to another, which decodes it (reading and sending bytes costs far less).
        """
        text = "CAST(s.text AS BLOB)" if utf8 else "s.text"
        yield from self._current_segment_rows(
            f"s.id, s.start_char, {text}, s.language, s.role, s.document_id", batch_size, None
        )

    def _current_segment_rows(
        self, columns: str, batch_size: int, row_factory: type[sqlite3.Row] | None
    ) -> Iterator[list[Any]]:
        """``columns`` (the first is ``s.id``) of every current segment, in batches in id order.

        Each batch starts after the last id of the one before, so no batch rescans the others.
        """
        cursor = self._db.cursor()
        cursor.row_factory = row_factory
        last_id = -1
        while True:
            rows = cursor.execute(
                f"""SELECT {columns} FROM current_segments s
                    WHERE s.id > ? ORDER BY s.id LIMIT ?""",
                (last_id, batch_size),
            ).fetchall()
            if not rows:
                return
            yield rows
            last_id = rows[-1][0]

    def segment_by_id(self, segment_id: int) -> tuple[str, Segment, bool] | None:
        """(document name, segment, whether it is of the document's current version)."""
        row = self._db.execute(
            """SELECT s.*, d.name AS document_name, s.version = d.current_version AS is_current
               FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id = ?""",
            (segment_id,),
        ).fetchone()
        if row is None:
            return None
        return row["document_name"], segment_from_row(row), bool(row["is_current"])

    def segment_by_ordinal(self, document_id: int, ordinal: int) -> Segment | None:
        """The current segment of a document with this ordinal."""
        row = self._db.execute(
            """SELECT s.* FROM current_segments s
               WHERE s.document_id = ? AND s.ordinal = ?""",
            (document_id, ordinal),
        ).fetchone()
        return None if row is None else segment_from_row(row)

    def current_segment_keys(self) -> list[tuple[int, int, int]]:
        """(segment_id, document_id, ordinal) of every current segment, in document order."""
        rows = self._db.execute(
            """SELECT s.id, s.document_id, s.ordinal FROM current_segments s
               ORDER BY s.document_name, s.ordinal"""
        )
        return [(r["id"], r["document_id"], r["ordinal"]) for r in rows]

    def all_current_segments(self) -> list[Segment]:
        """Every current segment in document-name and segment order (the segment × code matrix)."""
        rows = self._db.execute(
            """SELECT s.* FROM current_segments s
               ORDER BY s.document_name, s.document_id, s.ordinal"""
        )
        return [segment_from_row(r) for r in rows]

    def in_scope_segments(self) -> list[tuple[int, int, str | None, int]]:
        """(segment_id, document_id, role, word_count) of current respondent and unknown-speaker
        segments: the denominators of every report.

        Interviewer turns are left out so that a question naming a theme never counts as the
        respondent raising it. Plain tuples: a large project has hundreds of thousands.
        """
        rows = self._db.execute(
            """SELECT s.id, s.document_id, s.role, s.word_count FROM current_segments s
               WHERE s.role IS NULL OR s.role = 'respondent'
               ORDER BY s.id"""
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]


def segment_from_row(row: sqlite3.Row) -> Segment:
    return Segment(
        ordinal=row["ordinal"],
        start_char=row["start_char"],
        end_char=row["end_char"],
        text=row["text"],
        speaker=row["speaker"],
        role=Role(row["role"]) if row["role"] else None,
        timestamp=row["timestamp"],
        turn=row["turn"],
        language=row["language"],
        word_count=row["word_count"],
        segment_id=row["id"],
        document_id=row["document_id"],
        page=row["page"],
    )
