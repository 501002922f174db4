"""Progress on long work: a bar on stderr at a terminal after a second or so, nothing otherwise;
the core reports its counts through a callback and knows nothing of terminals."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
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


def _recorder() -> tuple[list[tuple[int, int]], Callable[[int, int], None]]:
    calls: list[tuple[int, int]] = []
    return calls, lambda done, total: calls.append((done, total))


def _counted(total: int) -> list[tuple[int, int]]:
    return [(done, total) for done in range(1, total + 1)]


def test_segment_exports_report_rows_read(tmp_path: Path) -> None:
    from qualcode.exports.segments import coded_segments_frame, segment_matrix_frame

    project = build_project(tmp_path / "project.qualcode")
    with Store.open(project) as store:
        codings, record = _recorder()
        _, frame = coded_segments_frame(store, progress=record)
        plain = coded_segments_frame(store)[1]
        segments, record_segments = _recorder()
        _, matrix = segment_matrix_frame(store, progress=record_segments)
        every_segment = len(store.all_current_segments())
    assert len(frame) > 0 and frame.equals(plain)  # the callback changes nothing in the rows
    assert codings == _counted(len(frame))
    assert 0 < len(matrix) <= every_segment
    assert segments == _counted(every_segment)


def test_html_report_reports_codes_done(tmp_path: Path) -> None:
    from qualcode.exports.html_report import write_html_report
    from qualcode.report import build_report

    project = build_project(tmp_path / "project.qualcode")
    options = ReportOptions()
    calls, record = _recorder()
    with Store.open(project) as store:
        report = build_report(store, options)
        write_html_report(store, options, report, None, tmp_path / "r.html", progress=record)
    assert len(report.lines) > 1
    assert calls == _counted(len(report.lines))


def test_coding_sheet_export_and_import_report_rows(tmp_path: Path) -> None:
    from qualcode.exports.coding_sheet import export_coding_sheet
    from qualcode.people.imports import import_codings

    project = build_project(tmp_path / "project.qualcode")
    sheet = tmp_path / "sheet.xlsx"
    written, record_written = _recorder()
    with Store.open(project) as store:
        exported = export_coding_sheet(store, sheet, progress=record_written)
        imported, record_imported = _recorder()
        result = import_codings(store, sheet, coder="laia", progress=record_imported)
    assert exported.rows > 1
    assert written == _counted(exported.rows)
    assert result.rows == exported.rows
    assert imported == _counted(result.rows)


def test_list_of_codings_import_reports_rows(tmp_path: Path) -> None:
    from qualcode.people.imports import import_codings

    project = build_project(tmp_path / "project.qualcode")
    with Store.open(project) as store:
        name = store.documents()[0].name
    codings = tmp_path / "codings.csv"
    codings.write_text(
        f"document,code,ordinal\n{name},inequality,1\n{name},governance,2\n", encoding="utf-8"
    )
    calls, record = _recorder()
    with Store.open(project) as store:
        result = import_codings(store, codings, coder="laia", progress=record)
    assert result.rows == 2
    assert calls == _counted(2)
