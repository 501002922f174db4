"""The hostile corpus (tests/hostile.py): each case's exit code and message, bombs in low memory.

Every case is one bad input read the way a user would read it, beside a good transcript: a bad
file is one line on stderr naming it and the reason, the good one is still ingested, and nothing
ends in exit 70 or a traceback.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from hostile import CASES, TURNS, Case, write_corpus
from qualcode.store import Store

GOOD = "\n\n".join(TURNS) + "\n"
# How much more than the same command on good files alone a command may use while refusing
# bombs: reading one bomb member would take more than the bomb's 300 MB.
EXTRA_MEMORY_MB = 50


def run_case(case: Case, tmp_path: Path, cli: Callable[..., Result]) -> Result:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    if case.command == "ingest":
        case.make(corpus / case.name)
        return cli("ingest", str(corpus))
    if case.command == "ingest-folder":
        case.make(tmp_path / case.name)
        return cli("ingest", str(tmp_path / case.name))
    if case.command == "import-qdpx":
        case.make(tmp_path / case.name)
        return cli("import", "qdpx", str(tmp_path / case.name))
    assert cli("ingest", str(corpus)).exit_code == 0
    if case.command == "code":
        case.make(tmp_path / case.name)
        checked = cli("codebook", "check", str(tmp_path / case.name))
        assert checked.exit_code == case.exit_code, checked.output
        assert case.message in checked.output
        return cli("code", "--codebook", str(tmp_path / case.name))
    assert case.command in ("import-codings", "import-codings-create")
    case.make(tmp_path / case.name)
    create = ["--create-codes"] if case.command == "import-codings-create" else []
    return cli("import", "codings", str(tmp_path / case.name), "--coder", "laia", *create)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_case(case: Case, tmp_path: Path, cli: Callable[..., Result]) -> None:
    result = run_case(case, tmp_path, cli)
    assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    lines = (result.stderr if case.exit_code else result.stdout).splitlines()
    matching = [line for line in lines if case.message in line]
    assert len(matching) == 1, result.output
    if case.exit_code == 3:  # a bad transcript among good ones: named, and the rest ingested
        assert matching[0].startswith("skipped    ")
        assert case.name in matching[0]
        assert "1 added" in result.stdout
    if case.exit_code == 1:
        assert result.stderr.startswith("Error: ")


def test_tracked_changes_are_kept_and_deletions_dropped(
    tmp_path: Path, cli: Callable[..., Result], project_path: Path
) -> None:
    case = next(case for case in CASES if case.name == "tracked-changes.docx")
    assert run_case(case, tmp_path, cli).exit_code == 0
    with Store.open(project_path) as store:
        texts = [store.document_text(document.document_id) for document in store.documents()]
    assert "Sarah Malik: rents are unaffordable." in texts


def test_bad_rtf_escapes_become_replacement_characters(
    tmp_path: Path, cli: Callable[..., Result], project_path: Path
) -> None:
    case = next(case for case in CASES if case.name == "bad-escapes.rtf")
    assert run_case(case, tmp_path, cli).exit_code == 0
    with Store.open(project_path) as store:
        texts = [store.document_text(document.document_id) for document in store.documents()]
    assert "Sarah Malik: rents \ufffd and \ufffd are high." in texts


def _peak_run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run qualcode in a child process and return its result and peak memory in MB."""
    script = (
        "import atexit, resource, runpy, sys\n"
        "atexit.register(lambda: print('peak', resource.getrusage(resource.RUSAGE_SELF)"
        ".ru_maxrss, file=sys.stderr))\n"
        f"sys.argv = ['qualcode', *{list(args)!r}]\n"
        "runpy.run_module('qualcode', run_name='__main__')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    peak = [line for line in done.stderr.splitlines() if line.startswith("peak ")]
    assert peak, done.stderr
    return done, int(peak[-1].split()[1]) // 1024  # ru_maxrss is in KB on Linux


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KB on Linux only")
def test_bombs_are_refused_in_bounded_memory(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "good.txt").write_text(GOOD)
    done, baseline = _peak_run(tmp_path, "--project", "baseline.qualcode", "ingest", "good")
    assert done.returncode == 0, done.stderr
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    bombs = [
        case
        for case in CASES
        if case.name.startswith(("bomb.", "ratio-bomb", "lying", "shared-strings"))
    ]
    ingested = [case for case in bombs if case.command == "ingest"]
    for case in ingested:
        case.make(corpus / case.name)
    done, peak = _peak_run(tmp_path, "--project", "p.qualcode", "ingest", "corpus")
    assert done.returncode == 3, done.stderr
    for case in ingested:
        assert case.message in done.stderr
    assert "1 added" in done.stdout
    assert peak < baseline + EXTRA_MEMORY_MB, f"peak memory {peak} MB against {baseline} MB"
    qdpx = next(case for case in bombs if case.command == "import-qdpx")
    qdpx.make(tmp_path / qdpx.name)
    done, peak = _peak_run(tmp_path, "--project", "p.qualcode", "import", "qdpx", qdpx.name)
    assert done.returncode == 1, done.stderr
    assert qdpx.message in done.stderr
    assert peak < baseline + EXTRA_MEMORY_MB, f"peak memory {peak} MB against {baseline} MB"


def test_the_corpus_script_writes_every_case(tmp_path: Path) -> None:
    written = write_corpus(tmp_path / "hostile")
    assert sorted(path.name for path in written) == sorted(case.name for case in CASES)
    assert all(path.exists() for path in written)


def test_spaces_asked_for_are_capped(
    tmp_path: Path, cli: Callable[..., Result], project_path: Path
) -> None:
    case = next(case for case in CASES if case.name == "billion-spaces.odt")
    assert run_case(case, tmp_path, cli).exit_code == 0
    with Store.open(project_path) as store:
        texts = [store.document_text(document.document_id) for document in store.documents()]
    expected = "Sarah Malik: Rents" + " " * 1000 + "are high."
    assert [text for text in texts if expected in text] != []


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is enforced on Linux")
@pytest.mark.parametrize("name", ["aliases.yaml", "deep.yaml"])
def test_codebook_bombs_are_refused_under_a_memory_limit(tmp_path: Path, name: str) -> None:
    """Checking the alias bomb once took 11.7 GB: under a 1 GB address-space limit it is one
    line, not a MemoryError."""
    case = next(case for case in CASES if case.name == name)
    case.make(tmp_path / name)

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run(
        [sys.executable, "-m", "qualcode", "codebook", "check", name],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
        preexec_fn=limit,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    [line] = [line for line in done.stdout.splitlines() if case.message in line]
    assert line.startswith(f"{name}:")
    assert done.stderr == "1 errors, 0 warnings.\n"


def test_codes_of_one_name_in_an_archive_are_kept_apart_with_a_warning(
    tmp_path: Path, cli: Callable[..., Result], project_path: Path
) -> None:
    case = next(case for case in CASES if case.name == "same-names.qdpx")
    result = run_case(case, tmp_path, cli)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: 1 code has the name of an earlier code beside them ('Housing'): kept apart, "
        "not merged (the later one's id ends in -2)\n"
    )
    with Store.open(project_path) as store:
        assert [(code.path, code.label) for code in store.codes()] == [
            ("housing", "Housing"),
            ("housing-2", "Housing"),
        ]
