"""The project schema, as an ordered list of small named migrations.

Each migration runs once, in order, inside the transaction that opens the project, and is recorded
in ``_migrations``. Never edit a migration that has shipped: add a new one at the end.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator

Migration = Callable[[sqlite3.Connection], None]


def _run(db: sqlite3.Connection, script: str) -> None:
    """Run each statement of a script in the open transaction.

    ``executescript`` would commit first, breaking the all-or-nothing opening of a project.
    """
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def m001_documents_and_segments(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            source_path TEXT NOT NULL UNIQUE,
            format TEXT NOT NULL,
            current_version INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE document_versions (
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            segmentation_key TEXT NOT NULL,
            encoding TEXT,
            text TEXT NOT NULL,
            properties TEXT NOT NULL DEFAULT '{}',
            language TEXT,
            languages TEXT NOT NULL DEFAULT '',
            unit TEXT NOT NULL,
            ingested_at TEXT NOT NULL,
            PRIMARY KEY (document_id, version)
        );
        CREATE TABLE attributes (
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            source TEXT NOT NULL,
            PRIMARY KEY (document_id, key)
        );
        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL,
            version INTEGER NOT NULL,
            ordinal INTEGER NOT NULL,
            turn INTEGER,
            speaker TEXT,
            role TEXT CHECK (role IN ('interviewer', 'respondent')),
            timestamp TEXT,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            text TEXT NOT NULL,
            language TEXT,
            word_count INTEGER NOT NULL,
            UNIQUE (document_id, version, ordinal),
            FOREIGN KEY (document_id, version)
                REFERENCES document_versions(document_id, version) ON DELETE CASCADE,
            CHECK (start_char >= 0 AND end_char >= start_char)
        );
        CREATE INDEX segments_by_document ON segments(document_id, version, ordinal);
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    )


def m002_codes_and_codings(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE codes (
            path TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            parent_path TEXT,
            description TEXT NOT NULL DEFAULT '',
            include TEXT NOT NULL DEFAULT '',
            exclude TEXT NOT NULL DEFAULT '',
            colour TEXT,
            sort_order INTEGER NOT NULL DEFAULT 0,
            codebook TEXT
        );
        CREATE TABLE coding_runs (
            id INTEGER PRIMARY KEY,
            coder TEXT NOT NULL,
            codebook_name TEXT NOT NULL,
            codebook_version TEXT NOT NULL,
            codebook_hash TEXT NOT NULL,
            codebook_path TEXT NOT NULL,
            options TEXT NOT NULL DEFAULT '{}',
            started_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE TABLE codings (
            id INTEGER PRIMARY KEY,
            segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            code_path TEXT NOT NULL REFERENCES codes(path),
            coder TEXT NOT NULL,
            run_id INTEGER REFERENCES coding_runs(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            UNIQUE (segment_id, code_path, coder)
        );
        CREATE INDEX codings_by_code ON codings(code_path, coder);
        CREATE INDEX codings_by_coder ON codings(coder);
        CREATE TABLE evidence (
            coding_id INTEGER NOT NULL REFERENCES codings(id) ON DELETE CASCADE,
            pattern TEXT NOT NULL,
            kind TEXT NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            matched TEXT NOT NULL
        );
        CREATE INDEX evidence_by_coding ON evidence(coding_id);
        """,
    )


def m003_review_decisions(db: sqlite3.Connection) -> None:
    """People's decisions on automatic codings, and the coding-sheet cells they returned.

    A decision is keyed by segment, code and reviewer, not by run, so it outlives reruns of
    ``qualcode code``; ``auto_coder`` records which automatic coder was reviewed. A coding sheet
    cell (segment, code) records that the person judged that code on that segment, 0 or 1: the
    units agreement compares (docs/agreement.md).
    """
    _run(
        db,
        """
        CREATE TABLE review_decisions (
            segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            code_path TEXT NOT NULL REFERENCES codes(path),
            reviewer TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),
            auto_coder TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (segment_id, code_path, reviewer)
        );
        CREATE INDEX review_decisions_by_reviewer ON review_decisions(reviewer, code_path);
        CREATE TABLE sheet_coverage (
            segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            code_path TEXT NOT NULL REFERENCES codes(path),
            coder TEXT NOT NULL,
            source TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            PRIMARY KEY (segment_id, code_path, coder)
        );
        CREATE INDEX sheet_coverage_by_coder ON sheet_coverage(coder);
        """,
    )


def m004_segment_page(db: sqlite3.Connection) -> None:
    """The page a segment starts on, for paginated sources (PDF)."""
    db.execute("ALTER TABLE segments ADD COLUMN page INTEGER")


def m005_evidence_in_codings(db: sqlite3.Connection) -> None:
    """A coding and its evidence in one row, keyed by (segment, code, coder).

    The evidence is a JSON array of ``[pattern, kind, start_char, end_char]`` in text order; the
    matched text is the segment's text at those offsets, so it is not stored again. One row per
    coding in a table clustered on its key is what makes writing a run's hundreds of thousands of
    codings fast; the index serves every query by coder.
    """
    _run(
        db,
        """
        CREATE TABLE codings_005 (
            segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            code_path TEXT NOT NULL REFERENCES codes(path),
            coder TEXT NOT NULL,
            run_id INTEGER REFERENCES coding_runs(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            evidence TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (segment_id, code_path, coder)
        ) WITHOUT ROWID
        """,
    )
    db.executemany("INSERT INTO codings_005 VALUES (?, ?, ?, ?, ?, ?)", _codings_with_evidence(db))
    _run(
        db,
        """
        DROP TABLE evidence;
        DROP TABLE codings;
        ALTER TABLE codings_005 RENAME TO codings;
        CREATE INDEX codings_by_coder ON codings(coder, code_path)
        """,
    )


def _codings_with_evidence(db: sqlite3.Connection) -> Iterator[tuple[object, ...]]:
    """Each coding of the 004 schema with its evidence as JSON: both read in id order, merged."""
    pieces = db.execute(
        """SELECT coding_id, pattern, kind, start_char, end_char FROM evidence
           ORDER BY coding_id, start_char, end_char, pattern"""
    )
    piece = pieces.fetchone()
    for coding_id, segment_id, code_path, coder, run_id, created_at in db.execute(
        "SELECT id, segment_id, code_path, coder, run_id, created_at FROM codings ORDER BY id"
    ):
        items = []
        while piece is not None and piece[0] <= coding_id:
            of, pattern, kind, start, end = piece
            if of == coding_id:
                items.append([pattern, kind, start, end])
            piece = pieces.fetchone()
        yield segment_id, code_path, coder, run_id, created_at, _json(items)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def m006_codings_by_coder_in_segment_order(db: sqlite3.Connection) -> None:
    """The codings of a coder indexed in segment order, not by code.

    An index of a table without rowid holds its primary key, so this one is ordered by (coder,
    segment, code): a coding run, which writes its codings in segment order, adds each at the
    end of its coder's entries rather than at one of as many places as the codebook has codes,
    so keeping the index up costs far less. Every query by coder reads its
    codings in segment order, which is also the order of the table.
    """
    _run(
        db,
        """
        DROP INDEX codings_by_coder;
        CREATE INDEX codings_by_coder ON codings(coder)
        """,
    )


def m007_excluded_regions(db: sqlite3.Connection) -> None:
    """The parts of a document's text in no segment, and why (``Exclusion`` in models.py).

    A version ingested before this table existed has no regions: ``excluded_recorded`` says
    whether its excluded text was recorded, so that status can tell "nothing excluded" from
    "not known". ``word_count`` is counted as segments count words, when the region is saved.
    """
    _run(
        db,
        """
        CREATE TABLE excluded_regions (
            document_id INTEGER NOT NULL,
            version INTEGER NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            reason TEXT NOT NULL,
            word_count INTEGER NOT NULL,
            PRIMARY KEY (document_id, version, start_char, end_char),
            FOREIGN KEY (document_id, version)
                REFERENCES document_versions(document_id, version) ON DELETE CASCADE,
            CHECK (start_char >= 0 AND end_char > start_char)
        ) WITHOUT ROWID;
        ALTER TABLE document_versions ADD COLUMN excluded_recorded INTEGER NOT NULL DEFAULT 0
        """,
    )


def m008_chair_role(db: sqlite3.Connection) -> None:
    """Segments may have the role ``chair`` (the person who chairs a sitting or a focus group).

    SQLite cannot alter a CHECK constraint, and rebuilding ``segments`` would cascade-delete the
    codings that refer to it. Widening the list of allowed values changes nothing stored, so the
    table's definition is edited in place, the procedure SQLite documents for such changes
    ("Making other kinds of table schema changes", lang_altertable.html): writable_schema, then a
    new schema version so every connection reads the new definition.
    """
    old = "CHECK (role IN ('interviewer', 'respondent'))"
    new = "CHECK (role IN ('interviewer', 'respondent', 'chair'))"
    (schema_version,) = db.execute("PRAGMA schema_version").fetchone()
    db.execute("PRAGMA writable_schema = ON")
    try:
        cursor = db.execute(
            "UPDATE sqlite_master SET sql = replace(sql, ?, ?) "
            "WHERE type = 'table' AND name = 'segments' AND instr(sql, ?) > 0",
            (old, new, old),
        )
        if cursor.rowcount != 1:
            raise sqlite3.DatabaseError("the segments table has an unexpected role constraint")
        db.execute(f"PRAGMA schema_version = {int(schema_version) + 1}")
    finally:
        db.execute("PRAGMA writable_schema = OFF")


def m009_coding_spans(db: sqlite3.Connection) -> None:
    """A coding may carry the exact spans a person selected, not only its segment.

    ``spans`` is NULL for a coding of the whole segment (what ``tag``, coding sheets and review
    make), else a JSON array of ``[start_char, end_char]`` in document coordinates, in text
    order: the selections a REFI-QDA archive brought, each kept as it was drawn. A selection that
    runs over several segments is kept whole on the coding of each, so an export writes it back
    as the one selection it was. A list, because one person may select two passages of one
    segment with the same code. Reports still count the segment, once.
    """
    db.execute("ALTER TABLE codings ADD COLUMN spans TEXT")


def m010_memos(db: sqlite3.Connection) -> None:
    """Memos: a person's notes on the project, a document, a segment or a code.

    ``target`` says which; a segment's memo also records the segment's document. A segment with
    a memo is kept when its document changes, as a coded one is (the memo then belongs to an
    earlier version), so no memo loses what it was written on. ``guid`` is the memo's REFI-QDA
    identity: kept from the archive a memo came from, so that importing it again adds nothing.
    """
    _run(
        db,
        """
        CREATE TABLE memos (
            id INTEGER PRIMARY KEY,
            guid TEXT NOT NULL UNIQUE,
            target TEXT NOT NULL CHECK (target IN ('project', 'document', 'segment', 'code')),
            document_id INTEGER REFERENCES documents(id) ON DELETE CASCADE,
            segment_id INTEGER REFERENCES segments(id),
            code_path TEXT REFERENCES codes(path),
            text TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at TEXT NOT NULL,
            CHECK ((target = 'project') = (document_id IS NULL AND code_path IS NULL)),
            CHECK ((target = 'segment') = (segment_id IS NOT NULL)),
            CHECK ((target = 'code') = (code_path IS NOT NULL))
        );
        CREATE INDEX memos_by_document ON memos(document_id);
        CREATE INDEX memos_by_segment ON memos(segment_id)
        """,
    )


def m011_learned_models(db: sqlite3.Connection) -> None:
    """Models learned from a person's codings (``qualcode learn``), and the scores of the
    codings a model suggested (``qualcode suggest``).

    A model is stored as plain arrays (``numpy.savez`` without pickles, so opening a project
    never runs code it holds) with what it was learned from: the person, their codings, the
    segments they looked at, the codebook whose hits it used, the cross-validated figures per
    code and the versions of qualcode and scikit-learn. Every round of ``learn`` is kept, for
    its figures; only a coder's latest round keeps its model (``model`` is NULL in the others).
    A score belongs to one coding of a ``learned:`` coder and goes with its segment.
    """
    _run(
        db,
        """
        CREATE TABLE learned_models (
            id INTEGER PRIMARY KEY,
            coder TEXT NOT NULL,
            trained_at TEXT NOT NULL,
            codings INTEGER NOT NULL,
            segments INTEGER NOT NULL,
            codebook_name TEXT,
            codebook_hash TEXT,
            metrics TEXT NOT NULL,
            qualcode_version TEXT NOT NULL,
            sklearn_version TEXT NOT NULL,
            model BLOB
        );
        CREATE INDEX learned_models_by_coder ON learned_models(coder, id);
        CREATE TABLE learned_scores (
            segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            code_path TEXT NOT NULL REFERENCES codes(path),
            coder TEXT NOT NULL,
            score REAL NOT NULL,
            PRIMARY KEY (segment_id, code_path, coder)
        ) WITHOUT ROWID;
        CREATE INDEX learned_scores_by_coder ON learned_scores(coder)
        """,
    )


def m012_current_segments(db: sqlite3.Connection) -> None:
    """The segments of each document's current version, with the document's name.

    Most reads want only these; the view keeps the version join in one place. SQLite flattens
    it into the query that reads it, so the index on segments(document_id, version) still serves.
    """
    db.execute(
        """
        CREATE VIEW current_segments AS
        SELECT s.id, s.document_id, s.version, s.ordinal, s.turn, s.speaker, s.role, s.timestamp,
               s.start_char, s.end_char, s.text, s.language, s.word_count, s.page,
               d.name AS document_name
        FROM segments s JOIN documents d
          ON d.id = s.document_id AND s.version = d.current_version
        """
    )


MIGRATIONS: list[tuple[str, Migration]] = [
    ("001_documents_and_segments", m001_documents_and_segments),
    ("002_codes_and_codings", m002_codes_and_codings),
    ("003_review_decisions", m003_review_decisions),
    ("004_segment_page", m004_segment_page),
    ("005_evidence_in_codings", m005_evidence_in_codings),
    ("006_codings_by_coder_in_segment_order", m006_codings_by_coder_in_segment_order),
    ("007_excluded_regions", m007_excluded_regions),
    ("008_chair_role", m008_chair_role),
    ("009_coding_spans", m009_coding_spans),
    ("010_memos", m010_memos),
    ("011_learned_models", m011_learned_models),
    ("012_current_segments", m012_current_segments),
]
