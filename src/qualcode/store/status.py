"""What ``qualcode status`` counts: documents, segments, speakers, languages, roles,
excluded text and stale codings.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.models import Exclusion, ExclusionCount
from qualcode.store.connection import Connection
from qualcode.store.documents import _CURRENT_VERSIONS
from qualcode.store.old_versions import OLD_SEGMENTS


@dataclass(frozen=True)
class StatusRow:
    group: str
    language: str
    documents: int
    segments: int
    speakers: int
    words: int


class StatusStore(Connection):
    """Counts over the project for ``qualcode status``."""

    def status_rows(self, group_by: str = "city") -> list[StatusRow]:
        rows = self._db.execute(
            f"""SELECT COALESCE(a.value, '(none)') AS grp, COALESCE(v.language, '?') AS lang,
                       COUNT(DISTINCT d.id) AS documents, COUNT(s.id) AS segments,
                       COUNT(DISTINCT d.id || '/' || s.speaker) AS speakers,
                       COALESCE(SUM(s.word_count), 0) AS words
                FROM {_CURRENT_VERSIONS}
                LEFT JOIN attributes a ON a.document_id = d.id AND a.key = ?
                LEFT JOIN segments s ON s.document_id = d.id AND s.version = d.current_version
                GROUP BY grp, lang ORDER BY grp, lang""",
            (group_by,),
        )
        return [
            StatusRow(r["grp"], r["lang"], r["documents"], r["segments"], r["speakers"], r["words"])
            for r in rows
        ]

    def speaker_count(self) -> int:
        """Distinct speakers over the project (a speaker is a name within one document)."""
        row = self._db.execute(
            """SELECT COUNT(DISTINCT s.document_id || '/' || s.speaker) FROM current_segments s
               WHERE s.speaker IS NOT NULL"""
        ).fetchone()
        return int(row[0])

    def mixed_language_documents(self) -> list[tuple[str, str]]:
        rows = self._db.execute(
            f"""SELECT d.name, v.languages FROM {_CURRENT_VERSIONS}
                WHERE v.languages LIKE '%,%' ORDER BY d.name"""
        )
        return [(r["name"], r["languages"]) for r in rows]

    def role_counts(self) -> dict[str, int]:
        rows = self._db.execute(
            """SELECT COALESCE(s.role, 'unknown') AS role, COUNT(*) AS n FROM current_segments s
               GROUP BY role ORDER BY role"""
        )
        return {r["role"]: r["n"] for r in rows}

    def exclusion_counts(self) -> list[ExclusionCount]:
        """Excluded regions and their words per reason, over every document's current version."""
        rows = self._db.execute(
            """SELECT e.reason, COUNT(*), SUM(e.word_count) FROM documents d
               CROSS JOIN excluded_regions e
                 ON e.document_id = d.id AND e.version = d.current_version
               GROUP BY e.reason"""
        )
        found = {Exclusion(r[0]): ExclusionCount(Exclusion(r[0]), r[1], r[2]) for r in rows}
        return [found[reason] for reason in Exclusion if reason in found]

    def documents_without_exclusion_record(self) -> list[str]:
        """Names of documents whose current version predates the record of excluded text."""
        rows = self._db.execute(
            f"""SELECT d.name FROM {_CURRENT_VERSIONS}
                WHERE NOT v.excluded_recorded ORDER BY d.name"""
        )
        return [r[0] for r in rows]

    def stale_codings(self) -> list[tuple[str, str, int]]:
        """(coder, document, count) of codings on segments of a document's earlier version."""
        rows = self._db.execute(
            f"""SELECT c.coder, d.name, COUNT(*) AS n
                FROM {OLD_SEGMENTS} CROSS JOIN codings c ON c.segment_id = s.id
                GROUP BY c.coder, d.name ORDER BY c.coder, d.name"""
        )
        return [(r["coder"], r["name"], r["n"]) for r in rows]
