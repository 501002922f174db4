"""Memos on the project, a document, a segment or a code."""

from __future__ import annotations

from qualcode.errors import StoreError
from qualcode.models import Memo, MemoTarget
from qualcode.store import clock
from qualcode.store.connection import Connection


class MemoStore(Connection):
    """The ``memos`` table."""

    def add_memo(
        self,
        *,
        guid: str,
        target: MemoTarget,
        text: str,
        author: str,
        document_id: int | None = None,
        segment_id: int | None = None,
        code_path: str | None = None,
        created_at: str | None = None,
    ) -> int:
        """Record a memo; return its id. A segment's memo is recorded with its document."""
        with self.transaction():
            if segment_id is not None:
                row = self._db.execute(
                    "SELECT document_id FROM segments WHERE id = ?", (segment_id,)
                ).fetchone()
                if row is None:
                    raise StoreError(f"no segment with id {segment_id}", path=self.path)
                document_id = int(row["document_id"])
            cursor = self._db.execute(
                """INSERT INTO memos (guid, target, document_id, segment_id, code_path, text,
                                      author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    guid,
                    target.value,
                    document_id,
                    segment_id,
                    code_path,
                    text,
                    author,
                    created_at or clock.now(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def memos(self) -> list[Memo]:
        """Every memo: the project's first, then by document, segment and code, oldest first."""
        rows = self._db.execute(
            """SELECT m.id, m.guid, m.target, m.text, m.author, m.created_at, m.document_id,
                      d.name AS document_name, m.segment_id, s.ordinal,
                      s.version IS NULL OR s.version = d.current_version AS is_current,
                      m.code_path
               FROM memos m LEFT JOIN documents d ON d.id = m.document_id
               LEFT JOIN segments s ON s.id = m.segment_id
               ORDER BY m.target <> 'project', m.code_path IS NOT NULL, d.name, m.document_id,
                        m.segment_id IS NOT NULL, s.version, s.ordinal, m.code_path,
                        m.created_at, m.id"""
        )
        return [
            Memo(
                memo_id=r[0],
                guid=r[1],
                target=MemoTarget(r[2]),
                text=r[3],
                author=r[4],
                created_at=r[5],
                document_id=r[6],
                document_name=r[7],
                segment_id=r[8],
                segment_ordinal=r[9],
                segment_current=bool(r[10]),
                code_path=r[11],
            )
            for r in rows
        ]

    def memo_guids(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT guid FROM memos")}
