"""The tables of the codebook-iteration commands, for CSV and XLSX: a search's hits (keyword in
context) and word frequencies.

Its columns are a public interface, documented in docs/exports.md.
"""

from __future__ import annotations

import pandas as pd

from qualcode.search import SearchResult
from qualcode.words import WordTable

KWIC_COLUMNS = (
    "document",
    "segment_ordinal",
    "speaker",
    "role",
    "language",
    "city",
    "code_path",
    "pattern",
    "kind",
    "before",
    "matched",
    "after",
    "start_char",
    "end_char",
    "coded",
    "reasons",
)


def search_frame(result: SearchResult) -> pd.DataFrame:
    """One row per hit, in document and segment order; spans are in the document's text."""
    rows = []
    for hit in result.hits:
        segment, finding = hit.segment, hit.finding
        rows.append(
            [
                hit.document.name,
                segment.ordinal,
                segment.speaker or "",
                segment.role.value if segment.role else "",
                segment.language or "",
                hit.document.attributes.get("city", ""),
                finding.code_path,
                finding.pattern,
                finding.kind,
                hit.before,
                finding.matched,
                hit.after,
                segment.start_char + finding.start,
                segment.start_char + finding.end,
                int(finding.kept),
                "; ".join(finding.reasons),
            ]
        )
    return pd.DataFrame(rows, columns=list(KWIC_COLUMNS))


def words_frame(table: WordTable, by: str) -> pd.DataFrame:
    """One row per group and term: ``group`` (named by the attribute), term, count, segments,
    documents."""
    rows = [[t.group, t.term, t.count, t.segments, t.documents] for t in table.terms]
    return pd.DataFrame(rows, columns=[by, "term", "count", "segments", "documents"])
