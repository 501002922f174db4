"""Interrupts, kills and locks: told truly, in one line, with nothing left behind.

An interrupt at any moment (while the command line is still importing, in a command, after the
commit) is one line and exit 130 saying whether the changes are saved; a killed ``code`` leaves no
worker process; a project another command is writing is waited for, or with ``--no-wait`` refused
with exit 75.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from qualcode.entry import interrupted_message
from qualcode.store import Store

TURNS = "Interviewer: How are rents here?\n\nSarah Malik: Rents are high and housing is scarce.\n"
BUSY = "another qualcode command is writing this project"


def _ingested(tmp_path: Path, cli: Callable[..., Result]) -> None:
    corpus = tmp_path / "t"
    corpus.mkdir()
    (corpus / "t01.txt").write_text(TURNS)
    assert cli("ingest", str(corpus)).exit_code == 0


def _qualcode(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "qualcode", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# --------------------------------------------------------------------------------------------
# Locks


def test_no_wait_on_a_busy_project_is_exit_75(
    tmp_path: Path, cli: Callable[..., Result], project_path: Path
) -> None:
    _ingested(tmp_path, cli)
    other = sqlite3.connect(project_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # what a long ingest holds once its changes pass the cache
    try:
        for args in (["--no-wait", "status"], ["status", "--no-wait"], ["--no-wait", "report"]):
            result = cli(*args)
            assert result.exit_code == 75, result.output
            assert result.stderr == (
                f"Error: {project_path}: {BUSY} (wait for it to finish, or run again without "
                "--no-wait to wait for it)\n"
            )
            assert "not a qualcode project" not in result.output
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_busy_project_is_waited_for_with_a_message(
    tmp_path: Path, cli: Callable[..., Result], project_path: Path
) -> None:
    _ingested(tmp_path, cli)
    other = sqlite3.connect(project_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO settings VALUES ('written-by', 'the other command')")
    waiting = threading.Timer(1.5, lambda: other.execute("COMMIT"))
    waiting.start()
    try:
        result = cli("status")
    finally:
        waiting.join()
        other.close()
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{BUSY}; waiting…\n"
    with Store.open(project_path) as store:
        assert store.get_setting("written-by") == "the other command"


def test_a_lock_met_after_opening_is_exit_75_not_a_database_error(
    tmp_path: Path,
    cli: Callable[..., Result],
    project_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another command may start writing after this one opened the project: a statement then
    waits up to ten minutes, and past that the command stops with the same reason."""
    _ingested(tmp_path, cli)

    def locked(self: Store, by: str) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Store, "status_rows", locked)
    result = cli("status")
    assert result.exit_code == 75, result.output
    assert result.stderr.startswith(f"Error: {project_path}: {BUSY} (")


# --------------------------------------------------------------------------------------------
# Interrupts

INTERRUPTED = "Error: interrupted; the project is as it was before this command\n"
FINISHED = "Error: finished; interrupted while closing (this command's changes are saved)\n"


def test_an_interrupt_after_the_commit_says_the_changes_are_saved(
    tmp_path: Path,
    cli: Callable[..., Result],
    project_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twice in 44 trials ``code`` said "as it was before" although it had committed."""
    corpus = tmp_path / "t"
    corpus.mkdir()
    (corpus / "t01.txt").write_text(TURNS)

    def interrupted(self: Store) -> None:
        self._db.close()
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(Store, "close", interrupted)
        result = cli("ingest", str(corpus))
    assert (result.exit_code, result.stderr) == (130, FINISHED)
    with Store.open(project_path) as store:
        assert [document.name for document in store.documents()] == ["t01.txt"]
    with monkeypatch.context() as patch:  # the next command starts its own count
        patch.setattr(Store, "status_rows", _interrupt)
        result = cli("status")
    assert (result.exit_code, result.stderr) == (130, INTERRUPTED)
    assert interrupted_message() == INTERRUPTED.removeprefix("Error: ").rstrip()


def _interrupt(*args: object) -> None:
    raise KeyboardInterrupt


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("module", ["typer", "qualcode.cli.app", "qualcode.store", "numpy"])
def test_an_interrupt_while_importing_is_one_line_and_130(tmp_path: Path, module: str) -> None:
    """Ctrl-C in the first second of a command, while it still imports its libraries, printed a
    KeyboardInterrupt traceback and exited -2. The interrupt is sent from inside the import of
    ``module``, so the moment is the same on every run."""
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "t01.txt").write_text(TURNS)
    script = (
        "import importlib.abc, os, signal, sys\n"
        "class Interrupt(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        f"        if name == {module!r}:\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "sys.argv = ['qualcode', 'ingest', 't']\n"
        "from qualcode.entry import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert (done.returncode, done.stderr) == (130, INTERRUPTED)
    assert not (tmp_path / "project.qualcode").exists() or module == "numpy"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("delay", [0.5, 1.0, 1.5, 2.5, 4.0])
def test_an_interrupt_at_any_moment_is_one_line_and_130(tmp_path: Path, delay: float) -> None:
    """Ctrl-C at a range of moments of an ingest, from start-up to the end: one line, 130,
    and a message that is true of the project (or the ingest finished first, exit 0)."""
    from test_store import write_big_corpus

    write_big_corpus(tmp_path / "big", 40)
    process = subprocess.Popen(
        [sys.executable, "-m", "qualcode", "ingest", "big"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr
    project = tmp_path / "project.qualcode"
    documents = 0
    if project.exists() and project.stat().st_size:
        with Store.open(project) as store:
            documents = len(store.documents())
    if process.returncode == 0:
        assert documents == 40 and stderr == ""
    else:
        assert process.returncode == 130, stderr
        assert stderr == (FINISHED if documents else INTERRUPTED)
        assert documents in (0, 40)


# --------------------------------------------------------------------------------------------
# Kills


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_kill_9_of_a_parallel_code_leaves_no_worker_behind(tmp_path: Path) -> None:
    """Workers of a killed ``code`` lived on (160 MB each) and held the caller's pipes open, so
    a script reading the output hung."""
    from test_store import write_big_corpus

    write_big_corpus(tmp_path / "big", 60)
    ingest = _qualcode("ingest", "big", cwd=tmp_path)
    assert ingest.wait(timeout=300) == 0
    codebook = Path(__file__).parent / "fixtures" / "coding" / "mini.yaml"
    process = _qualcode("code", "--codebook", str(codebook), "--jobs", "2", cwd=tmp_path)
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        workers |= _children(process.pid)
        time.sleep(0.02)
    assert len(workers) >= 2, "the workers never started"
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)  # hung for ever while the workers held stdout open
    deadline = time.monotonic() + 60
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]
    with Store.open(tmp_path / "project.qualcode") as store:  # and the project is as it was
        assert store.current_segment_count() > 0
