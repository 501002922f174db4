"""Applying a codebook to a project: codings, evidence, reruns, stale codings, dry runs."""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.codebook import load_codebook
from qualcode.coding import auto_coder, code_project
from qualcode.errors import QualcodeError
from qualcode.ingest import ingest
from qualcode.matching import Matcher
from qualcode.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "coding"
MINI = FIXTURES / "mini.yaml"

ENGLISH = """Interviewer: Is housing a problem here? Do people participate?

Ana Smith: Housing is the problem. Families were evicted, rents went up.

Ana Smith: We organised tenants to participate in the council's plan.
"""
CATALAN = """ENTREVISTADORA: Parlem de l’habitatge?

JORDI PUIG: Els desnonaments i el lloguer són el problema de l’habitatge al barri, sens dubte.
"""


def _project(tmp_path: Path, files: dict[str, str]) -> Store:
    root = tmp_path / "transcripts"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    store = Store.open(tmp_path / "p.qualcode", create=True)
    ingest(store, [root])
    return store


def _codings(store_path: Path) -> list[tuple[str, int, str, str]]:
    with sqlite3.connect(store_path) as db:
        return db.execute(
            """SELECT d.name, s.ordinal, c.code_path, c.coder FROM codings c
               JOIN segments s ON s.id = c.segment_id JOIN documents d ON d.id = s.document_id
               ORDER BY 1, 2, 3, 4"""
        ).fetchall()


def test_codes_respondent_turns_with_evidence(tmp_path: Path) -> None:
    store = _project(tmp_path, {"birmingham/a.txt": ENGLISH, "barcelona/b.txt": CATALAN})
    summary = code_project(store, load_codebook(MINI))
    rows = _codings(store.path)
    # The interviewer's questions mention housing and participation: only `all` scope counts them.
    assert rows == [
        ("barcelona/b.txt", 1, "housing", "auto:mini@1"),
        ("barcelona/b.txt", 1, "housing/rent", "auto:mini@1"),
        ("birmingham/a.txt", 0, "participation", "auto:mini@1"),
        ("birmingham/a.txt", 1, "housing", "auto:mini@1"),
        ("birmingham/a.txt", 1, "housing/rent", "auto:mini@1"),
        ("birmingham/a.txt", 2, "participation", "auto:mini@1"),
    ]
    by_code = {row.code_path: row for row in summary.codes}
    assert by_code["housing"].segments == 2 and by_code["housing"].added == 2
    assert by_code["housing"].documents == 2
    assert summary.segments_read == 5 and summary.codings == 6


def test_evidence_spans_slice_the_document_text(tmp_path: Path) -> None:
    store = _project(tmp_path, {"barcelona/b.txt": CATALAN})
    code_project(store, load_codebook(MINI))
    found = store.coded_segments(code_paths=["housing"])
    assert {item.code_path for item in found} == {"housing", "housing/rent"}
    document = store.documents()[0]
    text = store.document_text(document.document_id)
    matched = set()
    for item in found:
        for evidence in item.evidence:
            assert text[evidence.start_char : evidence.end_char] == evidence.matched
            matched.add((evidence.pattern, evidence.matched))
    assert matched == {
        ("desnonament*", "desnonaments"),
        ("habitatg*", "habitatge"),
        ("lloguer*", "lloguer"),
    }


def test_rerun_changes_nothing_and_is_deterministic(tmp_path: Path) -> None:
    store = _project(tmp_path, {"birmingham/a.txt": ENGLISH, "barcelona/b.txt": CATALAN})
    codebook = load_codebook(MINI)
    code_project(store, codebook)
    first = _codings(store.path)
    with sqlite3.connect(store.path) as db:
        evidence_first = db.execute("SELECT * FROM codings ORDER BY 1, 2, 3").fetchall()
    again = code_project(store, codebook)
    assert again.added == 0 and again.removed == 0
    assert _codings(store.path) == first
    with sqlite3.connect(store.path) as db:
        # Unchanged codings are not rewritten: the same rows, with the run that made them.
        assert db.execute("SELECT * FROM codings ORDER BY 1, 2, 3").fetchall() == evidence_first


def test_rerun_with_changed_codebook_reports_added_and_removed(tmp_path: Path) -> None:
    store = _project(tmp_path, {"birmingham/a.txt": ENGLISH})
    code_project(store, load_codebook(MINI))
    changed = tmp_path / "mini.yaml"
    changed.write_text(
        MINI.read_text(encoding="utf-8").replace('en: ["rent*"]', 'en: ["tenant*"]'),
        encoding="utf-8",
    )
    summary = code_project(store, load_codebook(changed))
    by_code = {row.code_path: row for row in summary.codes}
    # `tenants` is in segment 2, `rents` was in segment 1.
    assert (by_code["housing/rent"].added, by_code["housing/rent"].removed) == (1, 1)
    assert by_code["housing"].added == 0 and by_code["housing"].removed == 0


def test_rerun_rewrites_only_the_codings_whose_evidence_changed(tmp_path: Path) -> None:
    store = _project(tmp_path, {"birmingham/a.txt": ENGLISH})
    code_project(store, load_codebook(MINI))
    changed = tmp_path / "mini.yaml"
    changed.write_text(MINI.read_text("utf-8").replace('"evict*"]', '"evict*", "famil*"]'), "utf-8")
    summary = code_project(store, load_codebook(changed))
    assert summary.added == summary.removed == 0  # the same codings, one with more evidence
    with sqlite3.connect(store.path) as db:
        runs = dict(
            db.execute("SELECT code_path, run_id FROM codings WHERE code_path LIKE 'housing%'")
        )
    assert runs == {"housing": 2, "housing/rent": 1}
    housing = store.coded_segments(code_paths=["housing"])[0]
    assert housing.code_path == "housing"
    assert [e.matched for e in housing.evidence] == ["Housing", "Families", "evicted"]


def test_human_codings_are_never_touched(tmp_path: Path) -> None:
    store = _project(tmp_path, {"birmingham/a.txt": ENGLISH})
    codebook = load_codebook(MINI)
    code_project(store, codebook)
    segment = store.segments(store.documents()[0].document_id)[2]
    assert segment.segment_id is not None
    store.add_person_codings([(segment.segment_id, "housing")], "laia")
    code_project(store, codebook)
    assert ("birmingham/a.txt", 2, "housing", "laia") in _codings(store.path)


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    store = _project(tmp_path, {"birmingham/a.txt": ENGLISH})
    before = list(sqlite3.connect(store.path).iterdump())
    summary = code_project(store, load_codebook(MINI), dry_run=True)
    assert summary.dry_run and summary.added == 4 and summary.run_id is None
    assert list(sqlite3.connect(store.path).iterdump()) == before


def test_changed_document_makes_codings_stale_until_the_next_run(tmp_path: Path) -> None:
    store = _project(tmp_path, {"birmingham/a.txt": ENGLISH})
    codebook = load_codebook(MINI)
    code_project(store, codebook)
    path = tmp_path / "transcripts" / "birmingham" / "a.txt"
    path.write_text(ENGLISH.replace("rents went up", "prices went up"), encoding="utf-8")
    result = ingest(store, [tmp_path / "transcripts"])
    assert result.files[0].status == "updated"
    assert store.stale_codings() == [("auto:mini@1", "birmingham/a.txt", 4)]
    summary = code_project(store, codebook)
    assert summary.stale_refreshed == 4
    assert store.stale_codings() == []
    assert ("birmingham/a.txt", 1, "housing/rent", "auto:mini@1") not in _codings(store.path)
    with sqlite3.connect(store.path) as db:  # the old version is gone once nothing refers to it
        assert db.execute("SELECT COUNT(*) FROM document_versions").fetchone() == (1,)


def test_a_run_drops_old_segments_with_their_decisions_and_sheet_cells(tmp_path: Path) -> None:
    """A run writes without foreign-key checks, so nothing cascades: the segments of an earlier
    version go with their review decisions and coding-sheet cells, and no reference dangles."""
    from qualcode.models import Decision
    from qualcode.people.review import decide, review_queue

    store = _project(tmp_path, {"birmingham/a.txt": ENGLISH})
    codebook = load_codebook(MINI)
    coder = auto_coder(codebook)
    code_project(store, codebook)
    item = review_queue(store, "housing/rent", "pau", auto_coder=coder).items[0]
    decide(store, [item], "pau", Decision.REJECT, coder)
    store.save_sheet_coverage([(item.segment_id, "housing/rent")], "marta", "sheet.xlsx")
    path = tmp_path / "transcripts" / "birmingham" / "a.txt"
    path.write_text(ENGLISH.replace("rents went up", "prices went up"), encoding="utf-8")
    ingest(store, [tmp_path / "transcripts"])
    code_project(store, codebook)
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        for table in ("segments WHERE version = 1", "review_decisions", "sheet_coverage"):
            assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,), table


def test_segment_dependents_are_every_table_that_refers_to_segments(tmp_path: Path) -> None:
    """What a run deletes with an old segment itself, since nothing cascades in it."""
    from qualcode.store import SEGMENT_DEPENDENTS

    with Store.open(tmp_path / "p.qualcode", create=True) as store:
        tables = [
            r[0] for r in store._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        referring = {
            table
            for table in tables
            for reference in store._db.execute(f"PRAGMA foreign_key_list({table})")
            if reference[2] == "segments"
        }
    # Codings and memos keep the segment they are on (stale, on an earlier version).
    assert referring - {"codings", "memos"} == set(SEGMENT_DEPENDENTS)


def test_a_run_checks_no_references_and_turns_the_checks_back_on(tmp_path: Path) -> None:
    store = _many_segments(tmp_path)
    seen: list[int] = []

    def look(read: int) -> None:
        seen.append(store._db.execute("PRAGMA foreign_keys").fetchone()[0])
        if read >= 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        code_project(store, load_codebook(MINI), batch_size=2, on_batch=look)
    assert seen == [0, 0, 0] and _rows(store.path) == []
    checks = [store._db.execute("PRAGMA foreign_keys").fetchone()[0]]
    for dry_run in (True, False):
        code_project(store, load_codebook(MINI), dry_run=dry_run)
        checks.append(store._db.execute("PRAGMA foreign_keys").fetchone()[0])
    assert checks == [1, 1, 1]  # after a run that failed, a dry run, and one that was written
    assert _rows(store.path) != []


def test_a_run_collects_garbage_less_often_and_then_as_before(tmp_path: Path) -> None:
    import gc

    from qualcode.coding import YOUNG_OBJECTS

    store = _project(tmp_path, {"birmingham/a.txt": ENGLISH})
    before = gc.get_threshold()
    during: list[tuple[int, ...]] = []
    code_project(
        store, load_codebook(MINI), on_batch=lambda read: during.append(gc.get_threshold())
    )
    assert during == [(YOUNG_OBJECTS, *before[1:])] and gc.get_threshold() == before


def _rows(store_path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(store_path) as db:
        return db.execute(
            "SELECT segment_id, code_path, coder, evidence FROM codings ORDER BY 1, 2, 3"
        ).fetchall()


def _many_segments(tmp_path: Path) -> Store:
    """Ten documents, so that batches of two segments make a dozen batches."""
    return _project(
        tmp_path,
        {f"{city}/{n}.txt": text for n in range(5) for city, text in
         (("birmingham", ENGLISH), ("barcelona", CATALAN))},
    )  # fmt: skip


def test_worker_processes_write_what_one_process_writes(tmp_path: Path) -> None:
    alone = _many_segments(tmp_path / "alone")
    workers = _many_segments(tmp_path / "workers")
    codebook = load_codebook(MINI)
    one = code_project(alone, codebook, jobs=1, batch_size=2)
    two = code_project(workers, codebook, jobs=2, batch_size=2)
    assert _rows(workers.path) == _rows(alone.path) != []
    assert (two.codes, two.segments_read, two.segments_coded, two.codings) == (
        one.codes, one.segments_read, one.segments_coded, one.codings
    )  # fmt: skip


def test_interrupted_parallel_run_leaves_the_project_as_it_was(tmp_path: Path) -> None:
    import multiprocessing

    store = _many_segments(tmp_path)
    codebook = load_codebook(MINI)
    code_project(store, codebook, jobs=1)
    before = _rows(store.path)

    def interrupt(read: int) -> None:
        if read >= 6:
            raise KeyboardInterrupt

    changed = tmp_path / "mini.yaml"
    changed.write_text(MINI.read_text("utf-8").replace('"rent*"', '"tenant*"'), "utf-8")
    with pytest.raises(KeyboardInterrupt):
        code_project(store, load_codebook(changed), jobs=2, batch_size=2, on_batch=interrupt)
    assert _rows(store.path) == before
    assert multiprocessing.active_children() == []  # the workers are gone


def _raises(*args: object) -> object:
    raise ValueError("bug in a worker")


def _dies(*args: object) -> object:
    os._exit(9)


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="workers see the test's patch only when forked"
)
@pytest.mark.parametrize(
    ("name", "replacement", "error", "message"),
    [
        ("_code_batch", _raises, ValueError, "bug in a worker"),  # raised again here
        ("_code_batch", _dies, QualcodeError, "matching process stopped"),
        ("_start_worker", _raises, QualcodeError, "matching process stopped"),  # cannot start
    ],
)
def test_a_failing_worker_fails_the_run_and_changes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    replacement: object,
    error: type[Exception],
    message: str,
) -> None:
    import qualcode.coding

    store = _many_segments(tmp_path)
    before = list(sqlite3.connect(store.path).iterdump())
    # The workers are forked after this, so they run the replacement too.
    monkeypatch.setattr(qualcode.coding, name, replacement)
    with pytest.raises(error, match=message):
        code_project(store, load_codebook(MINI), jobs=2, batch_size=2)
    assert list(sqlite3.connect(store.path).iterdump()) == before


def test_auto_coder_name() -> None:
    assert auto_coder(load_codebook(MINI)) == "auto:mini@1"


WORDS = st.sampled_from(
    [
        "housing",
        "Housing",
        "HOUSING",
        "evicted",
        "rent",
        "rents",
        "l’habitatge",
        "desnonaments",
        "lloguer",
        "participate",
        "è",
        "İstanbul",
        "🏠",
        "ß",
        "the",
        "i",
        "a",
        "x",
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(turns=st.lists(st.lists(WORDS, min_size=1, max_size=12), min_size=1, max_size=6))
def test_every_evidence_span_slices_the_text_it_claims(
    tmp_path_factory: pytest.TempPathFactory, turns: list[list[str]]
) -> None:
    tmp_path = tmp_path_factory.mktemp("prop")
    text = "\n\n".join(f"Speaker {i % 2}: " + " ".join(words) for i, words in enumerate(turns))
    store = _project(tmp_path, {"x/a.txt": text})
    codebook = load_codebook(MINI)
    code_project(store, codebook)
    document = store.documents()[0]
    full = store.document_text(document.document_id)
    matcher = Matcher(codebook)
    for item in store.coded_segments():
        for evidence in item.evidence:
            assert full[evidence.start_char : evidence.end_char] == evidence.matched
            assert item.segment.start_char <= evidence.start_char <= evidence.end_char
            assert evidence.end_char <= item.segment.end_char
        # What was stored is every hit of that code in the segment, as Matcher.match finds them.
        segment, offset = item.segment, item.segment.start_char
        role = segment.role.value if segment.role else None
        hits = matcher.match(segment.text, segment.language or codebook.languages, role)
        assert [
            (e.pattern, e.kind, e.start_char - offset, e.end_char - offset, e.matched)
            for e in item.evidence
        ] == [
            (h.pattern, h.kind, h.start, h.end, h.matched)
            for h in hits
            if h.code_path == item.code_path
        ]
    store.close()


def test_report_for_a_reviewer_counts_accepted_and_drops_rejected(tmp_path: Path) -> None:
    from qualcode.models import Decision
    from qualcode.people.review import decide, review_queue
    from qualcode.report import ReportOptions, build_report

    store = _project(tmp_path, {"birmingham/a.txt": ENGLISH, "barcelona/b.txt": CATALAN})
    codebook = load_codebook(MINI)
    code_project(store, codebook)
    coder = auto_coder(codebook)
    items = list(review_queue(store, "housing/rent", "pau", auto_coder=coder).items)
    assert len(items) == 2
    decide(store, items[:1], "pau", Decision.ACCEPT, coder)
    decide(store, items[1:], "pau", Decision.REJECT, coder)
    report = build_report(store, ReportOptions(coder="pau"))
    rent = next(line for line in report.lines if line.path == "housing/rent")
    assert rent.cells[-1].segments == 1  # the accepted one; the rejected one does not count
    assert code_project(store, codebook).previously_rejected == 1  # a rerun does not resurrect it
    report = build_report(store, ReportOptions(coder="pau"))
    rent = next(line for line in report.lines if line.path == "housing/rent")
    assert rent.cells[-1].segments == 1


def test_segments_command_shows_evidence_and_refuses_unknown_codes(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from qualcode.cli import app

    store = _project(tmp_path, {"barcelona/b.txt": CATALAN})
    code_project(store, load_codebook(MINI))
    store.close()
    runner = CliRunner()
    project = ["--project", str(tmp_path / "p.qualcode")]
    shown = runner.invoke(app, [*project, "segments", "--code", "rent"])
    assert shown.exit_code == 0
    assert shown.stdout.splitlines()[0] == (
        "barcelona/b.txt #1  JORDI PUIG (respondent)  housing/rent  auto:mini@1"
    )
    assert "**lloguer**" in shown.stdout
    assert "evidence: lloguer* → “lloguer”" in shown.stdout
    unknown = runner.invoke(app, [*project, "segments", "--code", "rnt"])
    assert unknown.exit_code == 2
    assert unknown.stderr.strip() == "Error: unknown code 'rnt' (did you mean 'housing/rent'?)"


def test_code_command_jobs_option_prints_the_same_summary(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from qualcode.cli import app

    outputs = []
    for jobs in ("1", "2"):
        _many_segments(tmp_path / jobs).close()
        project = ["--project", str(tmp_path / jobs / "p.qualcode")]
        result = CliRunner().invoke(app, [*project, "code", "--codebook", str(MINI), "-j", jobs])
        assert result.exit_code == 0, result.stderr
        # after the codebook line, without the time taken
        outputs.append(re.sub(r" \(\d+\.\d s\)", "", result.stdout.split("\n", 1)[1]))
    assert outputs[0] == outputs[1]
    assert "25 segments read, 20 coded; 30 codings by auto:mini@1; changed: +30 -0\n" in outputs[0]
    refused = CliRunner().invoke(app, ["code", "--codebook", str(MINI), "--jobs", "0"])
    assert refused.exit_code == 2
