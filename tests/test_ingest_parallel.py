"""Ingest in worker processes: the same project, and the same output, whatever their number."""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

import qualcode.ingest.run
from qualcode.errors import QualcodeError
from qualcode.ingest import ingest
from qualcode.store import Store

SAMPLES = Path(__file__).resolve().parent.parent / "transcripts"
PARLAMENT = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "parlament-catalunya"
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the workers see the tests' patches when forked"
)


def project_dump(path: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Every row of every table, times of day left out (they differ from run to run)."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        dumped = []
        for table in tables:
            columns = [
                row[1]
                for row in connection.execute(f"PRAGMA table_info({table})")
                if not row[1].endswith("_at")
            ]
            order = ", ".join(str(number) for number in range(1, len(columns) + 1))
            rows = connection.execute(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"
            ).fetchall()
            dumped.append((table, rows))
        return dumped
    finally:
        connection.close()


@pytest.fixture
def corpus_with_a_bad_file(tmp_path: Path) -> Path:
    """The sample transcripts, the Parlament's Word transcripts, and a file that cannot be read."""
    folder = tmp_path / "transcripts"
    shutil.copytree(SAMPLES, folder)
    if PARLAMENT.is_dir():
        shutil.copytree(PARLAMENT, folder / "parlament", ignore=shutil.ignore_patterns("*.md"))
    (folder / "barcelona" / "c00_broken.docx").write_bytes(b"PK\x03\x04 not a Word file")
    return folder


def ingest_into(project: Path, paths: list[Path], jobs: int) -> qualcode.ingest.run.IngestResult:
    with Store.open(project, create=True) as store:
        return ingest(store, paths, jobs=jobs)


def test_one_and_two_workers_make_the_same_project(tmp_path, corpus_with_a_bad_file) -> None:
    serial = ingest_into(tmp_path / "one.qualcode", [corpus_with_a_bad_file], jobs=1)
    parallel = ingest_into(tmp_path / "two.qualcode", [corpus_with_a_bad_file], jobs=2)
    assert parallel == serial
    assert [f.name for f in serial.failed] == ["barcelona/c00_broken.docx"]
    assert serial.count("added") == len(serial.files) - 1 >= 8
    one, two = project_dump(tmp_path / "one.qualcode"), project_dump(tmp_path / "two.qualcode")
    tables = dict(one)
    assert len(tables["documents"]) == serial.count("added")
    assert tables["segments"] and tables["excluded_regions"]
    assert two == one


def test_reingesting_in_parallel_is_the_same_as_alone(tmp_path, corpus_with_a_bad_file) -> None:
    """Unchanged, changed and new files, and a file given twice (on its own and in its folder)."""
    projects = {jobs: tmp_path / f"{jobs}.qualcode" for jobs in (1, 2)}
    for jobs, project in projects.items():
        ingest_into(project, [corpus_with_a_bad_file], jobs=jobs)
    changed = corpus_with_a_bad_file / "birmingham" / "b01_inclusive_economy.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nInterviewer: Thank you.\n")
    (corpus_with_a_bad_file / "birmingham" / "b09_new.txt").write_text(
        "Interviewer: What changed?\n\nSarah Malik: The rents, mostly.\n", encoding="utf-8"
    )
    again = [corpus_with_a_bad_file, changed]
    results = {jobs: ingest_into(project, again, jobs=jobs) for jobs, project in projects.items()}
    assert results[2] == results[1]
    statuses = [(f.name, f.status) for f in results[1].files]
    assert statuses.count(("birmingham/b01_inclusive_economy.txt", "updated")) == 1
    # Given again on its own: read in a worker against the version before this ingest, and again
    # here against the one just written.
    assert statuses[-1] == ("birmingham/b01_inclusive_economy.txt", "unchanged")
    assert results[1].count("added") == 1
    assert project_dump(projects[2]) == project_dump(projects[1])


def test_the_command_prints_the_same_with_workers(cli, corpus_with_a_bad_file, tmp_path) -> None:
    outputs = []
    for jobs in ("1", "2"):
        project = tmp_path / f"cli{jobs}.qualcode"
        result = cli(
            "--project", str(project), "ingest", "transcripts", "--jobs", jobs, project=False
        )
        assert result.exit_code == 3  # a file could not be read; the others are in
        outputs.append((result.stdout.replace(str(project), "PROJECT"), result.stderr))
    assert outputs[1] == outputs[0]
    assert "skipped    " in outputs[0][1] and "c00_broken.docx" in outputs[0][1]
    assert "1 skipped. Project: PROJECT\n" in outputs[0][0]


def _dies(*args: object) -> object:
    os._exit(9)


def _raises(*args: object) -> object:
    raise ValueError("bug in a worker")


@pytest.mark.parametrize(
    ("name", "replacement", "error", "message"),
    [
        ("_prepare", _raises, ValueError, "bug in a worker"),  # raised again here
        ("_prepare", _dies, QualcodeError, "reading process stopped"),
        ("_start_worker", _raises, QualcodeError, "reading process stopped"),  # cannot start
    ],
)
def test_a_failing_worker_fails_the_ingest_and_changes_nothing(
    tmp_path: Path,
    corpus_with_a_bad_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    replacement: object,
    error: type[Exception],
    message: str,
) -> None:
    project = tmp_path / "project.qualcode"
    ingest_into(project, [corpus_with_a_bad_file / "birmingham"], jobs=1)
    before = project_dump(project)
    monkeypatch.setattr(qualcode.ingest.run, name, replacement)  # the workers fork after this
    with pytest.raises(error, match=message):
        ingest_into(project, [corpus_with_a_bad_file], jobs=2)
    assert project_dump(project) == before


def test_workers_start_only_when_the_files_are_large_enough(
    tmp_path: Path, corpus_with_a_bad_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qualcode.ingest.run, "_start_worker", _raises)  # a worker would fail
    monkeypatch.setattr(qualcode.ingest.run, "default_jobs", lambda: 2)
    result = ingest_into(tmp_path / "small.qualcode", [corpus_with_a_bad_file], jobs=None)
    assert result.count("added") >= 8  # the samples are far below PARALLEL_MIN_BYTES
    monkeypatch.setattr(qualcode.ingest.run, "PARALLEL_MIN_BYTES", 1)
    with pytest.raises(QualcodeError, match="reading process stopped"):
        ingest_into(tmp_path / "large.qualcode", [corpus_with_a_bad_file], jobs=None)
