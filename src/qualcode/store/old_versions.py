"""What stays of a document's earlier versions once it is read again, and dropping the rest.

A segment of an earlier version stays while a coding or a memo refers to it: a person's work is
never dropped with the text it was made on (it shows as stale instead). A version stays while it
has segments. Ingest applies the rule to the document it has just read again; a coding run to
every document, once its new codings have replaced those that held old segments.
"""

from __future__ import annotations

import sqlite3

SEGMENT_DEPENDENTS = ("review_decisions", "sheet_coverage", "learned_scores")
"""The tables whose rows belong to a segment and go with it, codings apart (which keep it)."""

OLD_SEGMENTS = """documents d CROSS JOIN segments s
    ON s.document_id = d.id AND s.version < d.current_version"""
"""The segments of documents' earlier versions (a version only ever grows), found document by
document through the index on (document_id, version): nothing is scanned when there are none.
``CROSS JOIN`` keeps SQLite from scanning every segment instead."""


def drop_unreferenced_old_versions(db: sqlite3.Connection, document_id: int | None = None) -> None:
    """Drop the earlier versions' segments that no coding or memo refers to, and the versions
    left without segments, with their excluded regions: of one document, or of every one.

    Dependents are deleted here, not left to the foreign keys' cascade: a coding run, which calls
    this, writes with the checks off.
    """
    one = "" if document_id is None else "AND d.id = ?"
    parameters = () if document_id is None else (document_id,)
    unreferenced = f"""SELECT s.id FROM {OLD_SEGMENTS}
        WHERE NOT EXISTS (SELECT 1 FROM codings c WHERE c.segment_id = s.id)
        AND NOT EXISTS (SELECT 1 FROM memos m WHERE m.segment_id = s.id) {one}"""
    for table in SEGMENT_DEPENDENTS:
        db.execute(f"DELETE FROM {table} WHERE segment_id IN ({unreferenced})", parameters)
    db.execute(f"DELETE FROM segments WHERE id IN ({unreferenced})", parameters)
    emptied = f"""SELECT v.document_id, v.version FROM document_versions v
        JOIN documents d ON d.id = v.document_id
        WHERE v.version <> d.current_version AND NOT EXISTS (
          SELECT 1 FROM segments s WHERE s.document_id = v.document_id AND s.version = v.version)
        {one}"""
    for table in ("excluded_regions", "document_versions"):
        db.execute(f"DELETE FROM {table} WHERE (document_id, version) IN ({emptied})", parameters)
