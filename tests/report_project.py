"""A small fixed project for the report and export tests, coded by a stand-in keyword coder.

Four invented transcripts (tests/fixtures/report/): two per city, one of them with no speaker
labels (unknown-speaker segments), interviewer questions that name themes (which reports must
ignore), a turn starting with ``-`` and one with ``=`` (spreadsheet formulas). Codings are made
through the Store, as the coding engine would, so these tests do not depend on the matcher; the
end-to-end test uses the real ``qualcode code``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from qualcode.ingest import ingest
from qualcode.models import CodeRecord, StagedCoding, Unit
from qualcode.store import Store

FIXTURE = Path(__file__).parent / "fixtures" / "report"
CODER = "auto:mini@1.0"
HUMAN = "marta"
CODES = [
    CodeRecord("inequality", "Inequality", None, description="Unequal outcomes.", sort_order=0),
    CodeRecord("inequality/housing", "Housing", "inequality", sort_order=1),
    CodeRecord("inequality/health", "Health", "inequality", sort_order=2),
    CodeRecord("governance", "Governance", None, description="Who decides.", sort_order=3),
    CodeRecord("governance/participation", "Participation", "governance", sort_order=4),
    CodeRecord("governance/municipalism", "Municipalism", "governance", sort_order=5),
]
KEYWORDS = {
    "inequality": ["inequality", "desigualtat"],
    "inequality/housing": ["housing", "habitatge", "homes"],
    "inequality/health": ["health", "salut"],
    "governance": ["council", "ajuntament"],
    "governance/participation": ["participation", "participació"],
}


def keyword_codings(store: Store) -> list[StagedCoding]:
    staged = []
    for document in store.documents():
        for segment in store.segments(document.document_id):
            assert segment.segment_id is not None
            for code, words in KEYWORDS.items():
                for word in words:
                    for match in re.finditer(re.escape(word), segment.text, re.IGNORECASE):
                        staged.append(
                            StagedCoding(
                                segment_id=segment.segment_id,
                                code_path=code,
                                pattern=word,
                                kind="word",
                                start_char=segment.start_char + match.start(),
                                end_char=segment.start_char + match.end(),
                            )
                        )
    return staged


def record_run(
    store: Store, coder: str, codings: Iterable[StagedCoding], codebook_hash: str = "0" * 64
) -> None:
    """Replace ``coder``'s codings with these, as a run of the ``mini`` codebook would."""
    with store.transaction():
        run_id = store.start_run(
            coder=coder,
            codebook_name="mini",
            codebook_version="1.0",
            codebook_hash=codebook_hash,
            codebook_path="mini.yaml",
            options={},
        )
        store.replace_codings(coder, run_id, codings)


def build_project(path: Path) -> Path:
    """Ingest the fixture (a segment per paragraph) and code it as ``auto:mini@1.0``; add one
    human coding by ``marta`` (housing on the first Birmingham respondent paragraph)."""
    with Store.open(path, create=True) as store:
        ingest(store, [FIXTURE], unit=Unit.PARAGRAPH)
        store.save_codes(CODES, "mini")
        record_run(store, CODER, keyword_codings(store))
        first = next(
            s
            for d in store.documents()
            if d.name == "birmingham/b1_officer.txt"
            for s in store.segments(d.document_id)
            if s.ordinal == 1
        )
        assert first.segment_id is not None
        record_run(
            store,
            HUMAN,
            [
                StagedCoding(
                    first.segment_id,
                    "inequality/housing",
                    "manual",
                    "human",
                    first.start_char,
                    first.start_char + 7,
                )
            ],
        )
    return path
