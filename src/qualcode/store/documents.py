"""Documents and their versions: text, properties, languages, excluded regions, attributes, and
the roles of their segments.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from qualcode.errors import StoreError
from qualcode.models import (
    Document,
    DocumentVersion,
    ExcludedRegion,
    Exclusion,
    Role,
    Segment,
    Unit,
)
from qualcode.store import clock
from qualcode.store.connection import Connection
from qualcode.store.old_versions import drop_unreferenced_old_versions

_CURRENT_VERSIONS = """documents d JOIN document_versions v
    ON v.document_id = d.id AND v.version = d.current_version"""
"""Each document (``d``) with its current version (``v``)."""


class DocumentStore(Connection):
    """Documents, their versions, excluded regions and attributes."""

    def current_version(self, source_path: str) -> DocumentVersion | None:
        row = self._db.execute(
            f"""SELECT d.id, v.version, v.content_hash, v.segmentation_key, v.properties
                FROM {_CURRENT_VERSIONS} WHERE d.source_path = ?""",
            (source_path,),
        ).fetchone()
        if row is None:
            return None
        return DocumentVersion(
            document_id=row["id"],
            version=row["version"],
            content_hash=row["content_hash"],
            segmentation_key=row["segmentation_key"],
            properties=json.loads(row["properties"]),
        )

    def save_document(
        self,
        *,
        name: str,
        source_path: str,
        format: str,
        content_hash: str,
        segmentation_key: str,
        encoding: str | None,
        text: str,
        properties: dict[str, str],
        languages: Sequence[str],
        unit: Unit,
        segments: Iterable[Segment],
        excluded: Sequence[tuple[ExcludedRegion, int]] | None = None,
    ) -> tuple[int, int]:
        """Add a document, or a new version of it; return (document_id, version).

        ``excluded``: the regions of the text in no segment, each with its word count; None when
        the caller does not know them (the version then says its excluded text is not recorded).
        The previous version's segments stay while codings refer to them (those codings are then
        stale); unreferenced old versions are removed.
        """
        stamp = clock.now()
        with self.transaction():
            row = self._db.execute(
                "SELECT id, current_version FROM documents WHERE source_path = ?", (source_path,)
            ).fetchone()
            if row is None:
                cursor = self._db.execute(
                    "INSERT INTO documents (name, source_path, format, current_version, created_at)"
                    " VALUES (?, ?, ?, 1, ?)",
                    (name, source_path, format, stamp),
                )
                document_id, version = int(cursor.lastrowid or 0), 1
            else:
                document_id, version = int(row["id"]), int(row["current_version"]) + 1
                self._db.execute(
                    "UPDATE documents SET name = ?, format = ?, current_version = ? WHERE id = ?",
                    (name, format, version, document_id),
                )
            self._db.execute(
                "INSERT INTO document_versions (document_id, version, content_hash,"
                " segmentation_key, encoding, text, properties, language, languages, unit,"
                " ingested_at, excluded_recorded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    document_id,
                    version,
                    content_hash,
                    segmentation_key,
                    encoding,
                    text,
                    json.dumps(properties, sort_keys=True, ensure_ascii=False),
                    languages[0] if languages else None,
                    ",".join(languages),
                    unit.value,
                    stamp,
                    int(excluded is not None),
                ),
            )
            self._insert_excluded(document_id, version, excluded or ())
            self._db.executemany(
                "INSERT INTO segments (document_id, version, ordinal, turn, speaker, role,"
                " timestamp, start_char, end_char, text, language, word_count, page)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        document_id,
                        version,
                        s.ordinal,
                        s.turn,
                        s.speaker,
                        s.role.value if s.role else None,
                        s.timestamp,
                        s.start_char,
                        s.end_char,
                        s.text,
                        s.language,
                        s.word_count,
                        s.page,
                    )
                    for s in segments
                ),
            )
            drop_unreferenced_old_versions(self._db, document_id)
        return document_id, version

    def _insert_excluded(
        self, document_id: int, version: int, excluded: Iterable[tuple[ExcludedRegion, int]]
    ) -> None:
        self._db.executemany(
            "INSERT INTO excluded_regions (document_id, version, start_char, end_char, reason,"
            " word_count) VALUES (?, ?, ?, ?, ?, ?)",
            (
                (document_id, version, r.start_char, r.end_char, r.reason.value, words)
                for r, words in excluded
            ),
        )

    def refresh_segmentation(
        self,
        document_id: int,
        *,
        segmentation_key: str,
        unit: Unit,
        roles: Iterable[tuple[int, Role | None]],
        excluded: Sequence[tuple[ExcludedRegion, int]],
    ) -> None:
        """Record a re-segmentation that cut the current version's text into the same segments.

        The version, its segments and so its codings stay; only what the segments do not hold
        as text is updated: their roles (``(segment_id, role)``), the excluded regions, the unit
        asked for and the key the segmentation was made with.
        """
        with self.transaction():
            version = self._current_version_number(document_id)
            self._db.execute(
                "UPDATE document_versions SET segmentation_key = ?, unit = ?,"
                " excluded_recorded = 1 WHERE document_id = ? AND version = ?",
                (segmentation_key, unit.value, document_id, version),
            )
            self._db.execute(
                "DELETE FROM excluded_regions WHERE document_id = ? AND version = ?",
                (document_id, version),
            )
            self._insert_excluded(document_id, version, excluded)
            self.set_roles(roles)

    def set_roles(self, roles: Iterable[tuple[int, Role | None]]) -> int:
        """Set segments' roles, ``(segment_id, role)``; return how many changed.

        A role is not part of a segment's text: codings stay as they are.
        """
        with self.transaction():
            before = self._db.total_changes
            self._db.executemany(
                "UPDATE segments SET role = ? WHERE id = ? AND role IS NOT ?",
                (
                    (role.value if role else None, segment_id, role.value if role else None)
                    for segment_id, role in roles
                ),
            )
            return self._db.total_changes - before

    def _current_version_number(self, document_id: int) -> int:
        row = self._db.execute(
            "SELECT current_version FROM documents WHERE id = ?", (document_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no document with id {document_id}", path=self.path)
        return int(row["current_version"])

    def excluded_regions(self, document_id: int) -> list[ExcludedRegion] | None:
        """The current version's excluded regions in text order; None when not recorded (the
        version was ingested before qualcode recorded them)."""
        version = self._current_version_number(document_id)
        row = self._db.execute(
            "SELECT excluded_recorded FROM document_versions WHERE document_id = ? AND version = ?",
            (document_id, version),
        ).fetchone()
        if not row["excluded_recorded"]:
            return None
        rows = self._db.execute(
            """SELECT start_char, end_char, reason FROM excluded_regions
               WHERE document_id = ? AND version = ? ORDER BY start_char, end_char""",
            (document_id, version),
        )
        return [ExcludedRegion(r[0], r[1], Exclusion(r[2])) for r in rows]

    def set_attributes(self, document_id: int, attributes: dict[str, tuple[str, str]]) -> bool:
        """Replace a document's attributes ({key: (value, source)}); say whether they changed."""
        with self.transaction():
            before = {
                r["key"]: (r["value"], r["source"])
                for r in self._db.execute(
                    "SELECT key, value, source FROM attributes WHERE document_id = ?",
                    (document_id,),
                )
            }
            if before == attributes:
                return False
            self._db.execute("DELETE FROM attributes WHERE document_id = ?", (document_id,))
            self._db.executemany(
                "INSERT INTO attributes (document_id, key, value, source) VALUES (?, ?, ?, ?)",
                [(document_id, k, v, src) for k, (v, src) in sorted(attributes.items())],
            )
            return True

    def documents(self) -> list[Document]:
        """Every document at its current version, with attributes, in name order."""
        attributes: dict[int, dict[str, str]] = {}
        for r in self._db.execute("SELECT document_id, key, value FROM attributes ORDER BY key"):
            attributes.setdefault(r["document_id"], {})[r["key"]] = r["value"]
        rows = self._db.execute(
            f"""SELECT d.id, d.name, d.source_path, d.format, v.version, v.content_hash,
                       v.language, v.languages, v.unit, v.encoding, v.ingested_at,
                       (SELECT COUNT(*) FROM segments s
                         WHERE s.document_id = d.id AND s.version = v.version) AS segment_count
                FROM {_CURRENT_VERSIONS} ORDER BY d.name, d.id"""
        )
        return [
            Document(
                document_id=r["id"],
                name=r["name"],
                source_path=r["source_path"],
                format=r["format"],
                version=r["version"],
                content_hash=r["content_hash"],
                language=r["language"],
                languages=tuple(x for x in r["languages"].split(",") if x),
                unit=Unit(r["unit"]),
                encoding=r["encoding"],
                ingested_at=r["ingested_at"],
                attributes=attributes.get(r["id"], {}),
                segment_count=r["segment_count"],
            )
            for r in rows
        ]

    def document_languages(self, document_id: int) -> tuple[str, ...]:
        row = self._db.execute(
            f"SELECT v.languages FROM {_CURRENT_VERSIONS} WHERE d.id = ?",
            (document_id,),
        ).fetchone()
        return tuple(x for x in row["languages"].split(",") if x) if row else ()

    def document_text(self, document_id: int, version: int | None = None) -> str:
        row = self._db.execute(
            """SELECT v.text FROM document_versions v JOIN documents d ON d.id = v.document_id
               WHERE v.document_id = ? AND v.version = COALESCE(?, d.current_version)""",
            (document_id, version),
        ).fetchone()
        if row is None:
            raise StoreError(f"no document with id {document_id}", path=self.path)
        return str(row["text"])
