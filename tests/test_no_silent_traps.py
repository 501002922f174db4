"""Mistakes that used to pass quietly: each now fails loudly or counts rightly."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.cli.app import project_option_first
from qualcode.codebook import load_codebook
from qualcode.coding import code_project
from qualcode.ingest import ingest
from qualcode.store import Store

MINI = Path(__file__).parent / "fixtures" / "coding" / "mini.yaml"

# Ana's turns: the first is coded housing and rent, the second rent alone, the third nothing.
ENGLISH = """Interviewer: Is housing a problem here?

Ana Smith: Housing is the problem. Families were evicted, rents went up.

Interviewer: And now?

Ana Smith: The rent is still too high for most of us.

Interviewer: Anything else?

Ana Smith: No, that is all I wanted to say about it today.
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "transcripts" / "birmingham"
    root.mkdir(parents=True)
    (root / "a.txt").write_text(ENGLISH, encoding="utf-8")
    path = tmp_path / "p.qualcode"
    with Store.open(path, create=True) as store:
        ingest(store, [tmp_path / "transcripts"])
        code_project(store, load_codebook(MINI))
    return path


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_project_is_accepted_after_the_command(project: Path) -> None:
    before = run("--project", str(project), "status")
    after = run("status", "--project", str(project))
    short = run("status", "-p", str(project))
    equals = run("status", f"--project={project}")
    assert before.exit_code == after.exit_code == short.exit_code == equals.exit_code == 0
    assert before.stdout == after.stdout == short.stdout == equals.stdout
    nested = run("export", "segments", "--project", str(project))
    assert nested.exit_code == 0, nested.output
    assert nested.stdout.startswith("document,")


def test_project_option_is_moved_before_the_command_and_nothing_else() -> None:
    assert project_option_first(["status", "--project", "x"]) == ["--project", "x", "status"]
    assert project_option_first(["code", "-c", "j", "-p", "x"]) == ["-p", "x", "code", "-c", "j"]
    # after "--" everything is an argument, even a word that looks like the option
    assert project_option_first(["tag", "--", "--project"]) == ["tag", "--", "--project"]


@pytest.mark.parametrize(
    "args",
    [
        ["export", "segments", "--code", "housng"],
        ["export", "segments", "--matrix", "m.csv", "--code", "housng"],
        ["report", "--code", "housng"],
        ["segments", "--code", "housng"],
        ["export", "quotes", "--out", "q.docx", "--code", "housng"],
        ["export", "coding-sheet", "--out", "s.xlsx", "--code", "housng"],
    ],
)
def test_an_unknown_code_is_an_error_with_the_closest_code_everywhere(
    project: Path, args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("--project", str(project), *args)
    assert result.exit_code == 2
    assert result.stderr == "Error: unknown code 'housng' (did you mean 'housing'?)\n"
    assert not (tmp_path / "m.csv").exists() and not (tmp_path / "q.docx").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--coder", "Laia Sera"],
        ["agree", "--coder", "Laia Sera", "--coder", "auto:mini@1"],
        ["export", "qdpx", "p.qdpx", "--coder", "Laia Sera"],
    ],
)
def test_a_mistyped_coder_is_an_error_with_the_closest_coder_everywhere(
    project: Path, args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    tagged = run("--project", str(project), "tag", "a.txt#2", "housing", "--coder", "Laia Serra")
    assert tagged.exit_code == 0, tagged.output
    result = run("--project", str(project), *args)
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: no codings by 'Laia Sera' in this project (did you mean 'Laia Serra'?)\n"
    )
    assert not (tmp_path / "p.qdpx").exists()


def test_a_coder_name_far_from_every_coder_lists_them_all(project: Path) -> None:
    result = run("--project", str(project), "report", "--coder", "Jordi")
    assert result.exit_code == 2
    assert result.stderr == ("Error: no codings by 'Jordi' in this project (coders: auto:mini@1)\n")


def test_a_unique_last_part_names_its_code_everywhere(project: Path) -> None:
    full = run("--project", str(project), "export", "segments", "--code", "housing/rent")
    short = run("--project", str(project), "export", "segments", "--code", "rent")
    assert full.exit_code == short.exit_code == 0
    assert full.stdout == short.stdout
    assert len(list(csv.DictReader(io.StringIO(short.stdout)))) == 2


def test_the_code_summary_rolls_sub_codes_up_as_the_report_does(project: Path) -> None:
    result = run("--project", str(project), "code", "--codebook", str(MINI), "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # housing itself codes one turn, rent two: the theme has the two turns, as in the report
    assert lines[3].split() == ["housing", "2", "1"]
    assert lines[4].split() == ["rent", "2", "1"]
    report = run("--project", str(project), "report")
    assert "\nhousing             2 (66.7%)" in report.stdout


def test_a_persons_matrix_has_only_the_segments_they_looked_at(
    project: Path, tmp_path: Path
) -> None:
    tagged = run("--project", str(project), "tag", "birmingham/a.txt#1", "rent", "--coder", "laia")
    assert tagged.exit_code == 0, tagged.output
    matrix = tmp_path / "m.csv"
    result = run(
        "--project", str(project), "export", "segments", "--matrix", str(matrix), "--coder", "laia"
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(matrix.open(encoding="utf-8-sig")))
    # tagging one turn of an interview means she read that interview: its six segments
    assert len(rows) == 6
    # a report of her codings says it is of the segments she looked at
    report = run("--project", str(project), "report", "--coder", "laia")
    assert "laia looked at 3 of the 3 in-scope segments" in " ".join(report.stdout.split())


def test_two_documents_of_one_file_name_in_different_folders(tmp_path: Path, cli) -> None:
    """``tag t01.txt#N`` picked one of ``barcelona/t01.txt`` and ``birmingham/t01.txt``, and
    ``report --documents --out`` ended in exit 70 (duplicate column names): names are the
    documents' project names, which are unique."""
    for city in ("barcelona", "birmingham"):
        (tmp_path / "t" / city).mkdir(parents=True)
        (tmp_path / "t" / city / "t01.txt").write_text(ENGLISH, encoding="utf-8")
    assert cli("ingest", str(tmp_path / "t")).exit_code == 0
    assert cli("code", "--codebook", str(MINI)).exit_code == 0
    result = cli("tag", "t01.txt#1", "housing", "--coder", "laia")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == (
        "Error: 't01.txt' matches several documents (barcelona/t01.txt, birmingham/t01.txt): "
        "give the folder too"
    )
    assert cli("tag", "birmingham/t01.txt#1", "housing", "--coder", "laia").exit_code == 0
    result = cli("report", "--documents", "--out", "rep")
    assert result.exit_code == 0, result.output
    with (tmp_path / "rep" / "code_document.csv").open(encoding="utf-8") as table:
        header = next(csv.reader(table))
    assert header[-2:] == ["barcelona/t01.txt", "birmingham/t01.txt"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--where", "=birmingham"], "--where expects key=value, got '=birmingham'"),
        (["--where", "city"], "--where expects key=value, got 'city'"),
        (
            ["--where", "city=birmingham", "--where", "city=barcelona"],
            "--where asks for city=birmingham and city=barcelona; a document has one city",
        ),
        (
            ["--city", "barcelona", "--where", "city=birmingham"],
            "--where asks for city=birmingham and city=barcelona; a document has one city",
        ),
    ],
)
def test_segments_refuses_a_filter_it_cannot_apply(
    project: Path, args: list[str], message: str
) -> None:
    """``segments --where`` used to take ``=x`` and keep only the last of two values."""
    result = run("--project", str(project), "segments", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_segments_takes_a_filter_given_twice_alike(project: Path) -> None:
    once = run("--project", str(project), "segments", "--where", "city=birmingham")
    twice = run(
        "--project", str(project), "segments", "--city", "Birmingham", "--where", "city=birmingham"
    )
    assert once.exit_code == twice.exit_code == 0, twice.output
    assert once.stdout == twice.stdout and "Ana Smith" in once.stdout
