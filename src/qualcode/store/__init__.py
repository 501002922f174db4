"""The project store: one SQLite file per project. Only this module talks to it.

The schema exists only as the migrations in :mod:`qualcode.store.migrations`, applied when a project
is opened (after a backup copy, when the project already holds data). Foreign keys are on. Callers
wrap each command's writes in :meth:`Store.transaction`, so an interrupted command leaves the
project as it was: SQLite's rollback journal undoes a transaction that never committed, even after a
kill.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from qualcode.errors import ProjectBusyError, StoreError
from qualcode.models import (
    CodedSegment,
    CodeRecord,
    CodingRun,
    Decision,
    Document,
    DocumentVersion,
    Evidence,
    ExcludedRegion,
    Exclusion,
    ExclusionCount,
    LearnedModelRecord,
    Memo,
    MemoTarget,
    ReviewDecision,
    Role,
    Segment,
    Span,
    StagedCoding,
    Unit,
)
from qualcode.store.migrations import MIGRATIONS

DEFAULT_PROJECT_FILE = "project.qualcode"
PROJECT_ENV = "QUALCODE_PROJECT"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def resolve_project_path(option: Path | None) -> Path:
    """``--project`` wins, then ``QUALCODE_PROJECT``, then ``project.qualcode`` here."""
    if option is not None:
        return option
    from_env = os.environ.get(PROJECT_ENV)
    if from_env:
        return Path(from_env)
    return Path.cwd() / DEFAULT_PROJECT_FILE


SegmentToCode = tuple[int, int, str | bytes, str | None, str | None, int]
"""A current segment as coding sees it: (segment_id, start_char in its document, text, language
(``ca`` or ``ca,es``), role, document_id). A plain tuple: coding reads hundreds of thousands.
The text is a ``str``, or its UTF-8 bytes when asked for (:meth:`Store.iter_segments_to_code`)."""


class PersonCodingChange(NamedTuple):
    """What adding or removing a person's codings changed."""

    codings: int
    """Codings added (or removed)."""
    withdrawn: int
    """The person's review decisions withdrawn with them: rejections when adding, acceptances
    when removing."""


@dataclass(frozen=True)
class StatusRow:
    group: str
    language: str
    documents: int
    segments: int
    speakers: int
    words: int


BUSY_MESSAGE = "another qualcode command is writing this project"
BUSY_HINT = "wait for it to finish, or run again without --no-wait to wait for it"
BUSY_GRACE_SECONDS = 0.5
"""How long a command waits for a lock before it says it is waiting (or, --no-wait, stops)."""
BUSY_TIMEOUT_SECONDS = 600
"""Once open, how long one statement waits for another command's lock before it fails."""


def is_busy(error: sqlite3.Error) -> bool:
    """Whether SQLite failed because another connection holds the project's lock."""
    return isinstance(error, sqlite3.OperationalError) and (
        "database is locked" in str(error) or "database is busy" in str(error)
    )


def _wait_for_writer(
    connection: sqlite3.Connection,
    path: Path,
    wait: bool,
    on_wait: Callable[[], None] | None,
) -> None:
    """Return once no other command is writing the project (a write lock taken and let go).

    SQLite's own wait ends in "database is locked" after its timeout, which a long ingest
    passes; here the wait is as long as the other command takes, in steps of a second so that
    Ctrl-C stops it.
    """
    told = False
    while True:
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                return  # a read-only file, say: the command's own statements will tell
            if not wait:
                raise ProjectBusyError(BUSY_MESSAGE, path=path, hint=BUSY_HINT) from None
            if not told and on_wait is not None:
                on_wait()
            told = True
            connection.execute("PRAGMA busy_timeout = 1000")
            continue
        connection.execute("ROLLBACK")
        return


class Store:
    """An open project. Use :meth:`open`; close it (or use ``with``) when done."""

    commits: ClassVar[int] = 0
    """Transactions committed in this process, migrations aside: what an interrupt reports."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._in_transaction = False
        self._migrating = False

    # -- opening ----------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        create: bool = False,
        *,
        wait: bool = True,
        on_wait: Callable[[], None] | None = None,
    ) -> Store:
        """Open a project, applying pending migrations. ``create`` allows a new, empty file.

        If another command is writing the project, wait for it to finish (calling ``on_wait``
        once first) or, with ``wait=False``, raise :class:`ProjectBusyError`.
        """
        path = Path(path)
        if not path.exists() and not create:
            raise StoreError(
                "no qualcode project here",
                path=path,
                hint="run 'qualcode ingest FOLDER' first, or pass --project PATH",
            )
        if path.exists() and path.is_dir():
            raise StoreError("the project path is a folder, not a project file", path=path)
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists() or path.stat().st_size == 0
        connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_GRACE_SECONDS)
        try:
            connection.row_factory = sqlite3.Row
            if new:  # before anything writes: the first write fixes the page size
                connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            _wait_for_writer(connection, path, wait, on_wait)
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA synchronous = NORMAL")
            store = cls(path, connection)
            store._migrate()
        except sqlite3.DatabaseError as error:
            connection.close()
            if is_busy(error):
                raise ProjectBusyError(BUSY_MESSAGE, path=path, hint=BUSY_HINT) from error
            raise StoreError(f"not a qualcode project ({error})", path=path) from error
        except BaseException:
            connection.close()  # never leave the file open (and locked, on Windows) on failure
            raise
        return store

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        db = self._db
        tables = {
            row["name"] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if tables and "_migrations" not in tables:
            raise StoreError(
                "not a qualcode project (an SQLite database of another application)",
                path=self.path,
                hint="choose another --project path",
            )
        db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        applied = {row["name"] for row in db.execute("SELECT name FROM _migrations")}
        known = {name for name, _ in MIGRATIONS}
        unknown = applied - known
        if unknown:
            raise StoreError(
                f"the project was written by a newer qualcode (schema {sorted(unknown)[-1]})",
                path=self.path,
                hint="upgrade qualcode",
            )
        pending = [(name, fn) for name, fn in MIGRATIONS if name not in applied]
        if not pending:
            return
        if applied and self._has_documents():
            self._backup(suffix=f".before-{pending[0][0]}.bak")
        self._migrating = True
        try:
            self._apply(pending)
        finally:
            self._migrating = False

    def _apply(self, pending: list[tuple[str, Any]]) -> None:
        db = self._db
        with self.transaction():
            for name, migration in pending:
                migration(db)
                db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, now()))

    def _has_documents(self) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents'"
        ).fetchone()
        return (
            row is not None and self._db.execute("SELECT 1 FROM documents").fetchone() is not None
        )

    def _backup(self, suffix: str) -> Path:
        target = self.path.with_name(self.path.name + suffix)
        with sqlite3.connect(target) as copy:
            self._db.backup(copy)
        copy.close()
        return target

    def applied_migrations(self) -> list[str]:
        return [r["name"] for r in self._db.execute("SELECT name FROM _migrations ORDER BY name")]

    # -- transactions -----------------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, check_references: bool = True) -> Iterator[None]:
        """All writes inside commit together or not at all (nested calls join the outer one).

        ``check_references=False`` turns SQLite's foreign-key checks off until the transaction
        ends. It is for a coding run, which writes hundreds of thousands of codings that refer
        only to segments, codes and a run it has itself read or written in the transaction:
        checking each reference again would cost much of their insert time.
        Nothing cascades either, so what such a transaction deletes, it deletes with its
        dependents itself (:meth:`_drop_uncoded_old_segments`). A nested call keeps the outer
        transaction's checks.
        """
        if self._in_transaction:
            yield
            return
        if not check_references:
            self._db.execute("PRAGMA foreign_keys = OFF")  # only possible between transactions
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                try:
                    self._db.execute("COMMIT")
                finally:
                    # Counted even when an interrupt arrives just after COMMIT: the message of
                    # an interrupt must say the changes are saved.
                    if not self._db.in_transaction and not self._migrating:
                        Store.commits += 1
            finally:
                self._in_transaction = False
        finally:
            if not check_references:
                self._db.execute("PRAGMA foreign_keys = ON")

    # -- settings ---------------------------------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_setting(self, key: str, value: str | None) -> None:
        with self.transaction():
            if value is None:
                self._db.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                self._db.execute(
                    "INSERT INTO settings VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def settings(self) -> dict[str, str]:
        return {
            r["key"]: r["value"] for r in self._db.execute("SELECT * FROM settings ORDER BY key")
        }

    # -- documents --------------------------------------------------------------------------------

    def current_version(self, source_path: str) -> DocumentVersion | None:
        row = self._db.execute(
            """SELECT d.id, v.version, v.content_hash, v.segmentation_key, v.properties
               FROM documents d JOIN document_versions v
                 ON v.document_id = d.id AND v.version = d.current_version
               WHERE d.source_path = ?""",
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
        stamp = now()
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
            self._drop_unreferenced_versions(document_id, version)
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
            """SELECT d.name FROM documents d JOIN document_versions v
                 ON v.document_id = d.id AND v.version = d.current_version
               WHERE NOT v.excluded_recorded ORDER BY d.name"""
        )
        return [r[0] for r in rows]

    def _drop_unreferenced_versions(self, document_id: int, current: int) -> None:
        self._db.execute(
            """DELETE FROM segments WHERE document_id = ? AND version < ?
               AND id NOT IN (SELECT segment_id FROM codings)
               AND id NOT IN (SELECT segment_id FROM memos WHERE segment_id IS NOT NULL)""",
            (document_id, current),
        )
        self._db.execute(
            """DELETE FROM document_versions WHERE document_id = ? AND version < ?
               AND version NOT IN (SELECT version FROM segments WHERE document_id = ?)""",
            (document_id, current, document_id),
        )

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
            """SELECT d.id, d.name, d.source_path, d.format, v.version, v.content_hash,
                      v.language, v.languages, v.unit, v.encoding, v.ingested_at,
                      (SELECT COUNT(*) FROM segments s
                        WHERE s.document_id = d.id AND s.version = v.version) AS segment_count
               FROM documents d JOIN document_versions v
                 ON v.document_id = d.id AND v.version = d.current_version
               ORDER BY d.name, d.id"""
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
            """SELECT v.languages FROM document_versions v JOIN documents d
                 ON d.id = v.document_id AND v.version = d.current_version WHERE d.id = ?""",
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

    # -- status -----------------------------------------------------------------------------------

    def status_rows(self, group_by: str = "city") -> list[StatusRow]:
        rows = self._db.execute(
            """SELECT COALESCE(a.value, '(none)') AS grp, COALESCE(v.language, '?') AS lang,
                      COUNT(DISTINCT d.id) AS documents, COUNT(s.id) AS segments,
                      COUNT(DISTINCT d.id || '/' || s.speaker) AS speakers,
                      COALESCE(SUM(s.word_count), 0) AS words
               FROM documents d
               JOIN document_versions v ON v.document_id = d.id AND v.version = d.current_version
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
            """SELECT d.name, v.languages FROM documents d JOIN document_versions v
                 ON v.document_id = d.id AND v.version = d.current_version
               WHERE v.languages LIKE '%,%' ORDER BY d.name"""
        )
        return [(r["name"], r["languages"]) for r in rows]

    def role_counts(self) -> dict[str, int]:
        rows = self._db.execute(
            """SELECT COALESCE(s.role, 'unknown') AS role, COUNT(*) AS n FROM current_segments s
               GROUP BY role ORDER BY role"""
        )
        return {r["role"]: r["n"] for r in rows}

    def stale_codings(self) -> list[tuple[str, str, int]]:
        """(coder, document, count) of codings on segments of a document's earlier version."""
        rows = self._db.execute(
            f"""SELECT c.coder, d.name, COUNT(*) AS n
                FROM {_OLD_SEGMENTS} CROSS JOIN codings c ON c.segment_id = s.id
                GROUP BY c.coder, d.name ORDER BY c.coder, d.name"""
        )
        return [(r["coder"], r["name"], r["n"]) for r in rows]

    # -- codes and codings ------------------------------------------------------------------------

    def save_codes(self, codes: Iterable[CodeRecord], codebook: str) -> None:
        """Add or update codes (their label, description and colour follow the codebook)."""
        with self.transaction():
            self._db.executemany(
                """INSERT INTO codes (path, label, parent_path, description, include, exclude,
                                      colour, sort_order, codebook)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(path) DO UPDATE SET label = excluded.label,
                     parent_path = excluded.parent_path, description = excluded.description,
                     include = excluded.include, exclude = excluded.exclude,
                     colour = excluded.colour, sort_order = excluded.sort_order,
                     codebook = excluded.codebook""",
                [_code_row(c, codebook) for c in codes],
            )

    def codes(self) -> list[CodeRecord]:
        rows = self._db.execute("SELECT * FROM codes ORDER BY sort_order, path")
        return [
            CodeRecord(
                path=r["path"],
                label=r["label"],
                parent_path=r["parent_path"],
                description=r["description"],
                include=r["include"],
                exclude=r["exclude"],
                colour=r["colour"],
                sort_order=r["sort_order"],
            )
            for r in rows
        ]

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
                    now(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int) -> None:
        self._db.execute("UPDATE coding_runs SET finished_at = ? WHERE id = ?", (now(), run_id))

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

    def _drop_uncoded_old_segments(self) -> None:
        """Drop the segments of earlier document versions that no coding holds any more, and
        the versions left without segments, with their excluded regions.

        The segments' review decisions and coding-sheet cells are deleted here, not left to the
        foreign keys' cascade: a coding run, which calls this, writes with the checks off.
        """
        uncoded = f"""SELECT s.id FROM {_OLD_SEGMENTS}
            WHERE NOT EXISTS (SELECT 1 FROM codings c WHERE c.segment_id = s.id)
            AND NOT EXISTS (SELECT 1 FROM memos m WHERE m.segment_id = s.id)"""
        for table in SEGMENT_DEPENDENTS:
            self._db.execute(f"DELETE FROM {table} WHERE segment_id IN ({uncoded})")
        self._db.execute(f"DELETE FROM segments WHERE id IN ({uncoded})")
        emptied = """SELECT v.document_id, v.version FROM document_versions v
                 JOIN documents d ON d.id = v.document_id
                 WHERE v.version <> d.current_version AND NOT EXISTS (
                   SELECT 1 FROM segments s
                   WHERE s.document_id = v.document_id AND s.version = v.version)"""
        for table in ("excluded_regions", "document_versions"):
            self._db.execute(f"DELETE FROM {table} WHERE (document_id, version) IN ({emptied})")

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

    # -- reports and exports ----------------------------------------------------------------------

    def latest_automatic_coder(self) -> str | None:
        """The coder of the most recent finished automatic run: what a report shows by default."""
        row = self._db.execute(
            """SELECT coder FROM coding_runs WHERE coder LIKE 'auto:%'
               AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"""
        ).fetchone()
        return None if row is None else str(row["coder"])

    def coder_codebooks(self, coder: str) -> list[str]:
        """Codebooks a coder ran or used: their whole code tree belongs in the coder's report."""
        rows = self._db.execute(
            """SELECT codebook_name AS name FROM coding_runs WHERE coder = ?
               UNION SELECT k.codebook FROM codings c JOIN codes k ON k.path = c.code_path
               WHERE c.coder = ? AND k.codebook IS NOT NULL ORDER BY name""",
            (coder, coder),
        )
        return [str(r["name"]) for r in rows]

    def codebook_codes(self, codebooks: Sequence[str]) -> list[str]:
        """Paths of the codes that came from these codebooks."""
        if not codebooks:
            return []
        rows = self._db.execute(
            f"SELECT path FROM codes WHERE codebook IN ({','.join('?' * len(codebooks))})",
            list(codebooks),
        )
        return [str(r["path"]) for r in rows]

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

    def all_current_segments(self) -> list[Segment]:
        """Every current segment in document-name and segment order (the segment × code matrix)."""
        rows = self._db.execute(
            """SELECT s.* FROM current_segments s
               ORDER BY s.document_name, s.document_id, s.ordinal"""
        )
        return [segment_from_row(r) for r in rows]

    def latest_run(self, coder: str) -> CodingRun | None:
        """The coder's most recent coding run (what an HTML report names as its codebook)."""
        row = self._db.execute(
            """SELECT coder, codebook_name, codebook_version, codebook_hash, started_at,
                      finished_at, codebook_path FROM coding_runs WHERE coder = ?
               ORDER BY id DESC LIMIT 1""",
            (coder,),
        ).fetchone()
        return None if row is None else CodingRun(*row)

    # -- human coding and agreement ---------------------------------------------------------------

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

    def own_codings(self, coder: str) -> list[tuple[int, str]]:
        """(segment_id, code_path) of the codings recorded under this coder, current segments."""
        rows = self._db.execute(
            """SELECT c.segment_id, c.code_path FROM codings c
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
        stamp = now()
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
            removed = self._delete_codings(
                (segment_id, code_path, coder) for segment_id, code_path in wanted
            )
            withdrawn = self._delete_decisions(wanted, coder, Decision.ACCEPT)
        return PersonCodingChange(removed, withdrawn)

    def _delete_codings(self, keys: Iterable[tuple[int, str, str]]) -> int:
        """Delete the codings of (segment_id, code_path, coder) keys; return how many there were."""
        before = self._db.total_changes
        self._db.executemany(
            "DELETE FROM codings WHERE segment_id = ? AND code_path = ? AND coder = ?", keys
        )
        return self._db.total_changes - before

    def save_decisions(self, decisions: Iterable[ReviewDecision]) -> None:
        """Record review decisions; a later decision on the same segment and code replaces one.

        Rejecting a coding also removes the reviewer's own coding of it, so that what a person
        stands behind never holds a coding they rejected.
        """
        chosen = list(decisions)
        stamp = now()
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
            self._delete_codings(
                (d.segment_id, d.code_path, d.reviewer)
                for d in chosen
                if d.decision is Decision.REJECT
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

    def save_sheet_coverage(
        self, pairs: Iterable[tuple[int, str]], coder: str, source: str
    ) -> None:
        """Record the (segment_id, code_path) cells of a coding sheet a person returned."""
        stamp = now()
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
        rows = self._db.execute(
            """SELECT c.segment_id, c.code_path FROM sheet_coverage c
               JOIN current_segments s ON s.id = c.segment_id
               WHERE c.coder = ? ORDER BY c.segment_id, c.code_path""",
            (coder,),
        )
        return [(r["segment_id"], r["code_path"]) for r in rows]

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

    # -- REFI-QDA import and export ---------------------------------------------------------------

    def add_missing_codes(self, codes: Iterable[CodeRecord], codebook: str) -> tuple[str, ...]:
        """Add the codes the project does not have yet; leave the others exactly as they are.

        An import must not relabel or re-attribute a code that a codebook brought. Returns the
        paths added.
        """
        added: list[str] = []
        with self.transaction():
            for c in codes:
                cursor = self._db.execute(
                    """INSERT INTO codes (path, label, parent_path, description, include,
                                          exclude, colour, sort_order, codebook)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO NOTHING""",
                    _code_row(c, codebook),
                )
                if cursor.rowcount:
                    added.append(c.path)
        return tuple(added)

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
        stamp = now()
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

    def run_coders(self) -> set[str]:
        """Coders that have a coding run in this project (automatic coders, whatever they hold)."""
        return {r["coder"] for r in self._db.execute("SELECT DISTINCT coder FROM coding_runs")}

    # -- memos ------------------------------------------------------------------------------------

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
                    created_at or now(),
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

    def created_at(self) -> str | None:
        """When the project file was made: the time its first migration was applied."""
        row = self._db.execute("SELECT MIN(applied_at) FROM _migrations").fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def coding_dates(self) -> dict[tuple[int, str, str], str]:
        """{(segment_id, code_path, coder): when the coding was made}, on current segments.

        A coding a run found again as it was keeps the time of the run that first made it.
        """
        rows = self._db.execute(
            """SELECT c.segment_id, c.code_path, c.coder, c.created_at FROM codings c
               JOIN current_segments s ON s.id = c.segment_id"""
        )
        return {(r[0], r[1], r[2]): r[3] for r in rows}

    # -- learned coding ---------------------------------------------------------------------------

    def save_learned_model(self, record: LearnedModelRecord) -> int:
        """Store a round of ``learn``; earlier rounds of the coder keep their figures only."""
        with self.transaction():
            self._db.execute(
                "UPDATE learned_models SET model = NULL WHERE coder = ?", (record.coder,)
            )
            cursor = self._db.execute(
                """INSERT INTO learned_models (coder, trained_at, codings, segments,
                     codebook_name, codebook_hash, metrics, qualcode_version, sklearn_version,
                     model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    record.coder,
                    record.trained_at,
                    record.codings,
                    record.segments,
                    record.codebook_name,
                    record.codebook_hash,
                    json.dumps(record.metrics, sort_keys=True),
                    record.qualcode_version,
                    record.sklearn_version,
                    record.model,
                ),
            )
            return int(cursor.lastrowid or 0)

    def learned_models(self, coder: str, *, with_model: bool = False) -> list[LearnedModelRecord]:
        """The coder's rounds of ``learn``, oldest first (the model bytes only if asked)."""
        model = "model" if with_model else "NULL AS model"
        rows = self._db.execute(
            f"""SELECT id, coder, trained_at, codings, segments, codebook_name, codebook_hash,
                       metrics, qualcode_version, sklearn_version, {model}
                FROM learned_models WHERE coder = ? ORDER BY id""",
            (coder,),
        )
        return [
            LearnedModelRecord(
                model_id=r["id"],
                coder=r["coder"],
                trained_at=r["trained_at"],
                codings=r["codings"],
                segments=r["segments"],
                codebook_name=r["codebook_name"],
                codebook_hash=r["codebook_hash"],
                metrics=json.loads(r["metrics"]),
                qualcode_version=r["qualcode_version"],
                sklearn_version=r["sklearn_version"],
                model=r["model"],
            )
            for r in rows
        ]

    def learned_coders(self) -> list[str]:
        """People a model was learned from."""
        rows = self._db.execute("SELECT DISTINCT coder FROM learned_models ORDER BY coder")
        return [r["coder"] for r in rows]

    def replace_learned_scores(self, coder: str, rows: Iterable[tuple[int, str, float]]) -> None:
        """Make (segment_id, code_path, score) the only scores of a learned coder's codings."""
        with self.transaction():
            self._db.execute("DELETE FROM learned_scores WHERE coder = ?", (coder,))
            self._db.executemany(
                f"""INSERT INTO learned_scores (segment_id, code_path, coder, score)
                    VALUES (?, ?, {_sql_text(coder)}, ?)""",
                rows,
            )

    def learned_scores(self, coder: str) -> dict[tuple[int, str], float]:
        """{(segment_id, code_path): score} of a learned coder's codings on current segments."""
        rows = self._db.execute(
            """SELECT c.segment_id, c.code_path, c.score FROM learned_scores c
               JOIN current_segments s ON s.id = c.segment_id
               WHERE c.coder = ?""",
            (coder,),
        )
        return {(r[0], r[1]): float(r[2]) for r in rows}


_CURRENT_SEGMENT_IDS = "SELECT s.id FROM current_segments s"

PAGE_SIZE = 16384
"""Bytes per database page of a new project. SQLite's default, 4096, is made for small records;
a project holds transcripts and hundreds of thousands of codings, and larger pages make fewer
page splits and reads while a coding run writes them. A project keeps the page size it was
created with."""

SEGMENT_DEPENDENTS = ("review_decisions", "sheet_coverage", "learned_scores")
"""The tables whose rows belong to a segment and go with it, codings apart (which keep it)."""

_OLD_SEGMENTS = """documents d CROSS JOIN segments s
    ON s.document_id = d.id AND s.version < d.current_version"""
"""The segments of documents' earlier versions (a version only ever grows), found document by
document through the index on (document_id, version): nothing is scanned when there are none.
``CROSS JOIN`` keeps SQLite from scanning every segment instead."""

CodingRow = tuple[int, str, str]
"""One coding as a run writes it: (segment_id, code_path, evidence as :func:`evidence_json`)."""


def _text_order(item: tuple[str, str, int, int]) -> tuple[int, int, str, str]:
    pattern, kind, start, end = item
    return start, end, pattern, kind


def evidence_json(items: Iterable[tuple[str, str, int, int]]) -> str:
    """The evidence column: ``[[pattern, kind, start_char, end_char], ...]``, compact JSON.

    :meth:`qualcode.matching.Matcher.codings` writes the same text without calling this.
    """
    return json.dumps([list(item) for item in items], ensure_ascii=False, separators=(",", ":"))


class RunWriter:
    """Writes one run's codings for a coder, batch by batch, and counts what changed per code.

    Each :meth:`write` makes the given codings the coder's only ones on the given segments: new
    ones are inserted, gone ones deleted, and ones whose evidence changed updated; a coding the
    run found exactly as it was is left alone, so it keeps the run that made it. :meth:`finish`
    removes the coder's codings on segments no run reads any more (earlier versions of
    re-ingested documents) and closes the run. Codings of other coders are never touched.
    """

    def __init__(self, store: Store, coder: str, run_id: int) -> None:
        self._store = store
        self._db = store._db
        self._coder = coder
        self.run_id = run_id
        self._stamp = now()
        # The run's own values are part of the statement, so a coding binds only its three:
        # making a row of six for each of hundreds of thousands was an eighth of inserting them.
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
        db.executemany(
            "DELETE FROM codings WHERE segment_id = ? AND code_path = ? AND coder = ?",
            [(segment_id, code_path, coder) for segment_id, code_path in old],
        )

    def finish(self) -> dict[str, tuple[int, int]]:
        """Drop the coder's codings on segments the run did not read; {code: (added, removed)}."""
        db, coder = self._db, self._coder
        # ``+coder``: through the primary key, from the (usually no) earlier versions' segments
        unread = f"segment_id IN (SELECT s.id FROM {_OLD_SEGMENTS}) AND +coder = ?"
        for code_path, count in db.execute(
            f"SELECT code_path, COUNT(*) FROM codings WHERE {unread} GROUP BY code_path", (coder,)
        ):
            self._removed[code_path] += count
            self.stale += count
        db.execute(f"DELETE FROM codings WHERE {unread}", (coder,))
        self._store._drop_uncoded_old_segments()
        self._store.finish_run(self.run_id)
        codes = sorted(set(self._added) | set(self._removed))
        return {code: (self._added[code], self._removed[code]) for code in codes}


def _sql_text(value: str) -> str:
    """An SQL expression for ``value``, whatever characters it holds (quotes, NUL)."""
    return f"CAST(X'{value.encode().hex()}' AS TEXT)"


def _evidence(column: str, segment: Segment) -> tuple[Evidence, ...]:
    """The evidence column read back; the matched text is the segment's text at the span."""
    text, offset = segment.text, segment.start_char
    return tuple(
        Evidence(pattern, kind, start, end, text[start - offset : end - offset])
        for pattern, kind, start, end in json.loads(column)
    )


SELECTION_PATTERN = "refi-qda selection"
"""The pattern of evidence that is an automatic coder's selection read back from an archive."""
SELECTION_KIND = "selection"


def _spans(column: str | None) -> tuple[Span, ...]:
    return () if column is None else tuple((int(a), int(b)) for a, b in json.loads(column))


def _span_column(spans: Sequence[Span], as_evidence: bool) -> str:
    if as_evidence:
        return evidence_json((SELECTION_PATTERN, SELECTION_KIND, a, b) for a, b in spans)
    return json.dumps([list(span) for span in spans], separators=(",", ":"))


def _held_spans(column: str | None, as_evidence: bool) -> list[Span] | None:
    """The spans a coding holds; None when it is of the whole segment."""
    if as_evidence:
        items = json.loads(column or "[]")
        spans = [(int(item[2]), int(item[3])) for item in items]
        return spans or None
    return None if column is None else list(_spans(column))


def _code_row(code: CodeRecord, codebook: str | None) -> tuple[object, ...]:
    """A code's values in the column order of the ``codes`` table."""
    return (
        code.path,
        code.label,
        code.parent_path,
        code.description,
        code.include,
        code.exclude,
        code.colour,
        code.sort_order,
        codebook,
    )


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
