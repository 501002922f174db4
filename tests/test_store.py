"""The project store: migrations, transactions, and an interrupted ingest leaving no trace."""

from __future__ import annotations

import hashlib
import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import qualcode.store.connection as store_connection
from qualcode.errors import StoreError
from qualcode.ingest import ingest
from qualcode.models import (
    CodeRecord,
    Decision,
    ExcludedRegion,
    Exclusion,
    ExclusionCount,
    ReviewDecision,
    Segment,
    StagedCoding,
    Unit,
)
from qualcode.store import Store
from qualcode.store.migrations import MIGRATIONS

B01 = "Interviewer: What changed?\n\nSarah Malik: Everything, since the cuts began.\n"


def ingested_project(project: Path, corpus: Path, write_text) -> Path:
    write_text(corpus / "birmingham" / "b01.txt", B01)
    with Store.open(project, create=True) as store:
        ingest(store, [corpus])
    return project


def old_schema_project(
    project: Path, corpus: Path, write_text, last: str, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A project that a qualcode whose schema ended at migration ``last`` made of B01, its rows
    written as that qualcode wrote them. Restores the full migration list for the caller."""
    index = [name for name, _ in MIGRATIONS].index(last) + 1
    monkeypatch.setattr(store_connection, "MIGRATIONS", MIGRATIONS[:index])
    Store.open(project, create=True).close()
    file = write_text(corpus / "birmingham" / "b01.txt", B01)
    content_hash = hashlib.sha256(file.read_bytes()).hexdigest()
    with sqlite3.connect(project) as db:
        db.execute(
            "INSERT INTO documents VALUES (1, 'birmingham/b01.txt', ?, 'txt', 1, 'then')",
            (str(file.resolve()),),
        )
        db.execute(
            "INSERT INTO document_versions (document_id, version, content_hash,"
            " segmentation_key, encoding, text, properties, language, languages, unit,"
            " ingested_at) VALUES (1, 1, ?, 'an older key', 'utf-8', ?, '{}', 'en', 'en',"
            " 'turn', 'then')",
            (content_hash, file.read_text()),
        )
        db.execute("INSERT INTO attributes VALUES (1, 'city', 'Birmingham', 'folder')")
        db.executemany(
            "INSERT INTO segments (id, document_id, version, ordinal, turn, speaker, role,"
            " start_char, end_char, text, language, word_count) VALUES"
            " (?, 1, 1, ?, ?, ?, ?, ?, ?, ?, 'en', ?)",
            [
                (1, 0, 0, "Interviewer", "interviewer", 13, 26, "What changed?", 2),
                (2, 1, 1, "Sarah Malik", "respondent", 41, 74, B01[41:74], 5),
            ],
        )
    monkeypatch.setattr(store_connection, "MIGRATIONS", MIGRATIONS)
    return project


def save_sample(store: Store, source_path: str = "/tmp/x.txt") -> tuple[int, int]:
    text = "Q: Hola."
    return store.save_document(
        name="x.txt", source_path=source_path, format="txt", content_hash="h",
        segmentation_key="k", encoding="utf-8", text=text, properties={}, languages=("es",),
        unit=Unit.TURN, segments=[Segment(0, 3, 8, text[3:8], speaker="Q", word_count=1)],
    )  # fmt: skip


# -- migrations ------------------------------------------------------------------------------


def test_new_project_records_every_migration_in_order(project_path: Path) -> None:
    with Store.open(project_path, create=True) as store:
        assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
    connection = sqlite3.connect(project_path)
    in_order = [r[0] for r in connection.execute("SELECT name FROM _migrations ORDER BY rowid")]
    connection.close()
    assert in_order == [name for name, _ in MIGRATIONS]


def test_opening_again_applies_nothing(project_path: Path, corpus: Path, write_text, dump) -> None:
    ingested_project(project_path, corpus, write_text)
    before = dump(project_path)
    with Store.open(project_path) as store:
        assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
    assert dump(project_path) == before
    assert sorted(p.name for p in project_path.parent.iterdir()) == [
        "project.qualcode",
        "transcripts",
    ]


def test_missing_project_is_not_created_unless_asked(project_path: Path) -> None:
    with pytest.raises(StoreError, match="no qualcode project here") as caught:
        Store.open(project_path)
    assert "qualcode ingest FOLDER" in str(caught.value)
    assert not project_path.exists()


def test_project_written_by_a_newer_qualcode(project_path: Path, dump) -> None:
    Store.open(project_path, create=True).close()
    connection = sqlite3.connect(project_path)
    with connection:
        connection.execute("INSERT INTO _migrations VALUES ('999_from_the_future', 'later')")
    connection.close()
    before = dump(project_path)
    with pytest.raises(StoreError, match="newer qualcode") as caught:
        Store.open(project_path)
    assert "999_from_the_future" in str(caught.value) and "upgrade qualcode" in str(caught.value)
    assert dump(project_path) == before


def test_file_that_is_not_sqlite(project_path: Path) -> None:
    project_path.write_text("Interviewer: this is a transcript, not a project\n" * 50)
    with pytest.raises(StoreError, match="not a qualcode project") as caught:
        Store.open(project_path)
    assert caught.value.path == project_path


def test_sqlite_database_of_another_application(project_path: Path, dump) -> None:
    connection = sqlite3.connect(project_path)
    with connection:
        connection.execute("CREATE TABLE invoices (id INTEGER, amount REAL)")
        connection.execute("INSERT INTO invoices VALUES (1, 9.5)")
    connection.close()
    before = dump(project_path)
    with pytest.raises(StoreError, match="not a qualcode project"):
        Store.open(project_path)
    assert dump(project_path) == before


def test_folder_as_project(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder"):
        Store.open(tmp_path, create=True)


def test_backup_before_migrating_a_project_that_holds_data(
    project_path: Path, corpus: Path, write_text, dump, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingested_project(project_path, corpus, write_text)
    before = dump(project_path)

    def m900_add_notes(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")

    monkeypatch.setattr(
        store_connection, "MIGRATIONS", [*MIGRATIONS, ("900_test_notes", m900_add_notes)]
    )
    with Store.open(project_path) as store:
        assert store.applied_migrations()[-1] == "900_test_notes"
        assert len(store.documents()) == 1
    backup = project_path.with_name("project.qualcode.before-900_test_notes.bak")
    assert dump(backup) == before
    assert "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);" in dump(project_path)


def test_migration_005_moves_evidence_into_the_codings(
    project_path: Path, corpus: Path, write_text, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project coded before 005 keeps every coding and its evidence, in text order."""
    old_schema_project(project_path, corpus, write_text, "004_segment_page", monkeypatch)
    with sqlite3.connect(project_path) as db:
        (segment_id, _), (other, start) = db.execute(
            "SELECT id, start_char FROM segments ORDER BY id"
        ).fetchall()
        db.execute("INSERT INTO codes (path, label) VALUES ('cuts', 'Cuts')")
        db.execute(
            "INSERT INTO coding_runs (coder, codebook_name, codebook_version, codebook_hash, "
            "codebook_path, started_at) VALUES ('auto:t@1', 't', '1', 'h', 't.yaml', 'then')"
        )
        db.executemany(
            "INSERT INTO codings (id, segment_id, code_path, coder, run_id, created_at) "
            "VALUES (?, ?, 'cuts', ?, ?, 'then')",
            [(1, segment_id, "auto:t@1", 1), (2, other, "auto:t@1", 1), (3, other, "marta", None)],
        )
        db.executemany(
            "INSERT INTO evidence VALUES (?, ?, 'prefix', ?, ?, ?)",
            [(2, "cut*", start + 22, start + 26, "cuts"), (2, "everything", start, start + 10, "")],
        )
    monkeypatch.setattr(store_connection, "MIGRATIONS", MIGRATIONS)
    with Store.open(project_path) as store:
        coded = {(c.segment.segment_id, c.coder): c.evidence for c in store.coded_segments()}
    assert set(coded) == {(segment_id, "auto:t@1"), (other, "auto:t@1"), (other, "marta")}
    assert coded[(segment_id, "auto:t@1")] == ()
    assert [
        (e.pattern, e.start_char, e.end_char, e.matched) for e in coded[(other, "auto:t@1")]
    ] == [("everything", start, start + 10, "Everything"), ("cut*", start + 22, start + 26, "cuts")]


def test_a_coders_codings_are_indexed_in_segment_order(project_path: Path) -> None:
    """006: a run appends its codings to its coder's entries, and queries by coder read them in
    segment order without sorting."""
    with Store.open(project_path, create=True) as store:
        db = store._db
        entries = [r["name"] for r in db.execute("PRAGMA index_xinfo(codings_by_coder)")]
        plan = " ".join(
            r["detail"]
            for r in db.execute(
                "EXPLAIN QUERY PLAN SELECT segment_id, code_path FROM codings WHERE coder = ? "
                "ORDER BY segment_id, code_path",
                ("auto:t@1",),
            )
        )
    assert entries == ["coder", "segment_id", "code_path"]
    assert "codings_by_coder" in plan and "ORDER BY" not in plan


def test_the_current_segments_view_is_read_through_the_segment_index(project_path: Path) -> None:
    """012: SQLite flattens the view into the query, so one document's current segments are
    found through the index on (document_id, version, ordinal), not by a scan of every segment."""
    with Store.open(project_path, create=True) as store:
        plan = " ".join(
            r["detail"]
            for r in store._db.execute(
                "EXPLAIN QUERY PLAN SELECT s.* FROM current_segments s "
                "WHERE s.document_id = ? ORDER BY s.ordinal",
                (1,),
            )
        )
    assert "segments_by_document" in plan
    assert "SCAN s" not in plan and "MATERIALIZE" not in plan and "CO-ROUTINE" not in plan


def test_a_project_of_the_006_schema_migrates_and_records_excluded_text_on_reingest(
    project_path: Path, corpus: Path, write_text, monkeypatch: pytest.MonkeyPatch
) -> None:
    """007 and 008: an existing project opens, says its document predates the record of excluded
    text, and gets the record when re-ingested, without a new version or a stale coding."""
    old_schema_project(project_path, corpus, write_text, "006_codings_by_coder_in_segment_order",
                       monkeypatch)  # fmt: skip
    with sqlite3.connect(project_path) as db:
        db.execute("INSERT INTO codes (path, label) VALUES ('cuts', 'Cuts')")
        db.execute("INSERT INTO codings VALUES (2, 'cuts', 'marta', NULL, 'then', '[]')")
    with Store.open(project_path) as store:
        assert store.applied_migrations()[-6:] == [
            "007_excluded_regions",
            "008_chair_role",
            "009_coding_spans",
            "010_memos",
            "011_learned_models",
            "012_current_segments",
        ]
        assert store.excluded_regions(1) is None
        assert store.documents_without_exclusion_record() == ["birmingham/b01.txt"]
        result = ingest(store, [corpus])
        assert [f.status for f in result.files] == ["refreshed"]
        assert store.documents()[0].version == 1
        assert store.own_codings("marta") == [(2, "cuts")]
        assert [c.spans for c in store.coded_segments(coders=["marta"])] == [()]  # 009
        assert store.stale_codings() == []
        assert store.documents_without_exclusion_record() == []
        assert store.excluded_regions(1) == [
            ExcludedRegion(0, 13, Exclusion.SPEAKER_LABEL),
            ExcludedRegion(28, 41, Exclusion.SPEAKER_LABEL),
        ]
        assert store.exclusion_counts() == [ExclusionCount(Exclusion.SPEAKER_LABEL, 2, 3)]
    backup = project_path.with_name("project.qualcode.before-007_excluded_regions.bak")
    assert backup.exists()


def test_migration_008_lets_a_segment_be_the_chairs_and_nothing_else(project_path: Path) -> None:
    with Store.open(project_path, create=True) as store:
        save_sample(store)
        db = store._db
        db.execute("UPDATE segments SET role = 'chair'")
        assert db.execute("SELECT role FROM segments").fetchone()[0] == "chair"
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            db.execute("UPDATE segments SET role = 'audience'")
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_no_backup_for_an_empty_project(
    project_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(project_path, create=True).close()
    extra = ("900_test_notes", lambda db: db.execute("CREATE TABLE notes (id INTEGER)"))
    monkeypatch.setattr(store_connection, "MIGRATIONS", [*MIGRATIONS, extra])
    Store.open(project_path).close()
    assert [p.name for p in project_path.parent.iterdir()] == ["project.qualcode"]


def test_failed_migration_leaves_the_project_as_it_was(
    project_path: Path, corpus: Path, write_text, dump, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingested_project(project_path, corpus, write_text)
    before = dump(project_path)

    def m900_test_broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE notes (id INTEGER)")
        db.execute("INSERT INTO no_such_table VALUES (1)")

    monkeypatch.setattr(
        store_connection, "MIGRATIONS", [*MIGRATIONS, ("900_test_broken", m900_test_broken)]
    )
    with pytest.raises(StoreError):
        Store.open(project_path)
    assert dump(project_path) == before


# -- coding runs -------------------------------------------------------------------------------


def test_a_run_writes_its_coder_as_given_whatever_it_holds(
    project_path: Path, corpus: Path, write_text
) -> None:
    """A run's coder, id and time are part of its insert statement: quotes and NUL stay text."""
    ingested_project(project_path, corpus, write_text)
    coder = 'auto:l\'estudi "x"\0; DROP TABLE codings@1'
    with Store.open(project_path) as store:
        store.save_codes([CodeRecord("cuts", "Cuts", None)], "t")
        run = store.start_run(
            coder=coder, codebook_name="t", codebook_version="1", codebook_hash="h",
            codebook_path="t.yaml", options={},
        )  # fmt: skip
        segment = store._db.execute("SELECT MAX(id), MAX(start_char) FROM segments").fetchone()
        staged = StagedCoding(segment[0], "cuts", "cut*", "prefix", segment[1], segment[1] + 4)
        store.replace_codings(coder, run, [staged])
        started = store._db.execute("SELECT started_at FROM coding_runs").fetchone()[0]
        rows = store._db.execute(
            "SELECT coder, typeof(coder), run_id, created_at, evidence FROM codings"
        ).fetchall()
    assert [tuple(row) for row in rows] == [
        (coder, "text", run, rows[0][3], f'[["cut*","prefix",{segment[1]},{segment[1] + 4}]]')
    ]
    assert rows[0][3] >= started


# -- transactions and constraints ------------------------------------------------------------


def test_a_new_project_has_large_pages_and_an_old_one_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(tmp_path / "new.qualcode", create=True) as store:
        assert store._db.execute("PRAGMA page_size").fetchone()[0] == store_connection.PAGE_SIZE
    monkeypatch.setattr(store_connection, "PAGE_SIZE", 4096)
    Store.open(tmp_path / "old.qualcode", create=True).close()
    monkeypatch.undo()
    with Store.open(tmp_path / "old.qualcode") as store:
        save_sample(store)
        assert store._db.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert len(store.documents()) == 1


def test_foreign_keys_are_on(project_path: Path) -> None:
    with Store.open(project_path, create=True) as store:
        # only the store's own connection has them on: reach it to prove it
        assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            store.set_attributes(12345, {"city": ("Nowhere", "test")})


def test_failed_transaction_rolls_back(project_path: Path, dump) -> None:
    with Store.open(project_path, create=True) as store:
        before = dump(project_path)
        with pytest.raises(RuntimeError), store.transaction():
            document_id, _ = save_sample(store)
            store.set_attributes(document_id, {"city": ("Barcelona", "test")})
            store.set_setting("interviewer_labels", "Q")
            raise RuntimeError("interrupted")
        assert store.documents() == []
        assert store.get_setting("interviewer_labels") is None
    assert dump(project_path) == before


def test_writes_commit_when_the_transaction_ends(project_path: Path) -> None:
    with Store.open(project_path, create=True) as store, store.transaction():
        save_sample(store)
        other = sqlite3.connect(project_path, timeout=0)
        assert other.execute("SELECT COUNT(*) FROM documents").fetchone() == (0,)
        other.close()
    with Store.open(project_path) as store:
        assert [d.name for d in store.documents()] == ["x.txt"]


# -- an interrupted ingest, for real ---------------------------------------------------------

TURN = (
    "[00:{minute:02d}:{second:02d}] Interviewer: How has the {topic} changed in your neighbourhood "
    "since the council began to cut its budget?\n\n"
    "[00:{minute:02d}:{later:02d}] Sarah Malik: The {topic} is what everyone talks about. Rents "
    "went up, the library shut on Saturdays and the youth centre became flats. We built a "
    "cooperative because nobody else would, and the anchor institutions started buying locally.\n\n"
)
TOPICS = ["housing", "budget", "high street", "bus network", "library", "market"]


def write_big_corpus(folder: Path, files: int) -> None:
    folder.mkdir(parents=True)
    for number in range(files):
        turns = [
            TURN.format(
                minute=i % 60, second=i % 50, later=i % 50 + 5, topic=TOPICS[(number + i) % 6]
            )
            for i in range(60)
        ]
        (folder / f"b{number:03d}.txt").write_text("".join(turns), encoding="utf-8")


def start_ingest(project: Path, *folders: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "qualcode", "--project", str(project), "ingest", *map(str, folders)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},  # progress lines arrive as they are printed
        # Ctrl-C as a terminal sends it, even when the tests run in the background, where the
        # shell starts them with SIGINT ignored and the child would inherit that
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for_progress(process: subprocess.Popen[str], lines: int, timeout: float = 60) -> list[str]:
    """Read progress lines until ``lines`` files were reported (the ingest is then mid-way)."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while len(seen) < lines:
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([process.stdout], [], [], max(remaining, 0))
        if not ready:
            process.kill()
            pytest.fail(f"no progress within {timeout}s; got {seen}")
        line = process.stdout.readline()
        if not line:
            pytest.fail(
                f"ingest ended early: {seen} {process.stderr.read() if process.stderr else ''}"
            )
        seen.append(line)
    return seen


@pytest.fixture
def project_before_big_ingest(tmp_path: Path, corpus: Path, write_text) -> tuple[Path, list[Path]]:
    """A project holding one document, whose file has changed since, and 150 new files."""
    project = ingested_project(tmp_path / "project.qualcode", corpus, write_text)
    write_text(corpus / "birmingham" / "b01.txt", B01 + "\nInterviewer: And now?\n")
    big = tmp_path / "big"
    write_big_corpus(big, 150)
    return project, [corpus, big]  # the update comes first: it must be undone too


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_killed_ingest_leaves_the_project_as_it_was(project_before_big_ingest, dump) -> None:
    project, folders = project_before_big_ingest
    before = dump(project)
    process = start_ingest(project, *folders)
    progress = wait_for_progress(process, 4)
    assert progress[0].startswith("updated    birmingham/b01.txt")
    assert all(line.startswith("added      b") for line in progress[1:])
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert dump(project) == before
    with Store.open(project) as store:  # and it is still a working project
        assert [d.name for d in store.documents()] == ["birmingham/b01.txt"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_interrupted_ingest_exits_130_and_leaves_the_project_as_it_was(
    project_before_big_ingest, dump
) -> None:
    project, folders = project_before_big_ingest
    before = dump(project)
    process = start_ingest(project, *folders)
    wait_for_progress(process, 4)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, (stdout[-500:], stderr[-500:])
    assert stderr.strip().splitlines()[-1] == (
        "Error: interrupted; the project is as it was before this command"
    )
    assert "Traceback" not in stderr
    assert dump(project) == before


# -- people's codings and their review decisions -----------------------------------------------


def _one_coded_segment(store: Store) -> tuple[int, str]:
    save_sample(store)
    store.save_codes([CodeRecord("housing", "Housing", None)], "justice")
    [segment] = [s for batch in store.iter_current_segments() for s in batch]
    assert segment.segment_id is not None
    return segment.segment_id, "housing"


def _decisions(store: Store) -> list[tuple[int, str, str, Decision]]:
    return [(d.segment_id, d.code_path, d.reviewer, d.decision) for d in store.decisions()]


def test_a_persons_coding_withdraws_their_rejection_and_no_one_elses(project_path: Path) -> None:
    with Store.open(project_path, create=True) as store:
        pair = _one_coded_segment(store)
        store.save_decisions(
            ReviewDecision(*pair, reviewer, Decision.REJECT, "auto:justice@1.0", "", "")
            for reviewer in ("laia", "pau")
        )
        assert store.add_person_codings([pair], "laia") == (1, 1)
        assert store.add_person_codings([pair], "laia") == (0, 0)
        assert store.own_codings("laia") == [pair]
        assert _decisions(store) == [(*pair, "pau", Decision.REJECT)]


def test_removing_a_persons_coding_withdraws_their_acceptance(project_path: Path) -> None:
    with Store.open(project_path, create=True) as store:
        pair = _one_coded_segment(store)
        store.add_person_codings([pair], "laia")
        store.save_decisions(
            [ReviewDecision(*pair, "laia", Decision.ACCEPT, "auto:justice@1.0", "", "")]
        )
        assert store.remove_person_codings([pair], "laia") == (1, 1)
        assert store.own_codings("laia") == [] and _decisions(store) == []


def test_rejecting_removes_the_reviewers_own_coding(project_path: Path) -> None:
    with Store.open(project_path, create=True) as store:
        pair = _one_coded_segment(store)
        store.add_person_codings([pair], "laia")
        store.add_person_codings([pair], "pau")
        store.save_decisions(
            [ReviewDecision(*pair, "laia", Decision.REJECT, "auto:justice@1.0", "", "")]
        )
        assert store.own_codings("laia") == [] and store.own_codings("pau") == [pair]


def test_an_imported_selection_withdraws_the_persons_rejection(project_path: Path) -> None:
    with Store.open(project_path, create=True) as store:
        pair = _one_coded_segment(store)
        store.save_decisions(
            [ReviewDecision(*pair, "laia", Decision.REJECT, "auto:justice@1.0", "", "")]
        )
        assert store.add_selected_codings([(*pair, [(0, 2)])], "laia") == 1
        assert _decisions(store) == []
