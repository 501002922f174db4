"""Progress on long work: a bar on stderr at a terminal after a second or so, nothing otherwise;
the core reports its counts through a callback and knows nothing of terminals."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

import qualcode.cli.progress as progress_module
from qualcode.cli.progress import SHOW_AFTER_SECONDS, progress_bar
from qualcode.exports.docx_report import write_quotes_docx
from qualcode.ingest import ingest
from qualcode.report import ReportOptions
from qualcode.store import Store
from report_project import build_project

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "transcripts"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """stderr as a terminal; set inside the test, since pytest sets its own stderr after setup."""
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    return screen


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(progress_module.time, "monotonic", clock)
    return clock


def test_nothing_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress_bar("Ingesting files") as progress:
        assert progress is None


def test_a_bar_with_counts_once_the_work_is_long(
    monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    screen = terminal(monkeypatch)
    with progress_bar("Ingesting files") as progress:
        assert progress is not None
        progress(1, 40)  # quick so far: no bar
        assert screen.getvalue() == ""
        clock.now += SHOW_AFTER_SECONDS + 0.1
        progress(2, 40)
        progress(3, 40)
    shown = screen.getvalue()
    assert "Ingesting files" in shown
    assert "3/40" in shown


def test_short_work_shows_nothing_at_a_terminal(
    monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    screen = terminal(monkeypatch)
    with progress_bar("Coding segments") as progress:
        assert progress is not None
        for done in range(1, 11):
            progress(done, 10)
    assert screen.getvalue() == ""


def test_ingest_reports_files_done(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    with Store.open(tmp_path / "p.qualcode", create=True) as store:
        result = ingest(
            store, [TRANSCRIPTS], progress=lambda done, total: calls.append((done, total))
        )
    files = len(result.files)
    assert files >= 8
    assert calls == [(done, files) for done in range(1, files + 1)]


def test_quotes_report_counts_every_quote(tmp_path: Path) -> None:
    project = build_project(tmp_path / "project.qualcode")
    calls: list[tuple[int, int]] = []
    with Store.open(project) as store:
        summary = write_quotes_docx(
            store,
            ReportOptions(),
            tmp_path / "quotes.docx",
            progress=lambda done, total: calls.append((done, total)),
        )
    assert summary.quotes > 0
    assert calls == [(done, summary.quotes) for done in range(1, summary.quotes + 1)]


def test_qdpx_export_and_import_report_documents_done(tmp_path: Path) -> None:
    from qualcode.refi.export import export_project
    from qualcode.refi.import_ import import_archive, read_archive

    project = build_project(tmp_path / "project.qualcode")
    archive = tmp_path / "project.qdpx"
    exported: list[tuple[int, int]] = []
    with Store.open(project) as store:
        summary = export_project(
            store, archive, progress=lambda done, total: exported.append((done, total))
        )
    assert summary.documents > 1
    assert exported == [(done, summary.documents) for done in range(1, summary.documents + 1)]
    imported: list[tuple[int, int]] = []
    with Store.open(tmp_path / "copy.qualcode", create=True) as store:
        result = import_archive(
            store,
            read_archive(archive),
            progress=lambda done, total: imported.append((done, total)),
        )
    sources = len(result.documents)
    assert sources == summary.documents
    assert imported == [(done, sources) for done in range(1, sources + 1)]
