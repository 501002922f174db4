"""The report and export commands: exact output at 80 columns, exit codes and messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import docx
import pandas as pd
import pytest
from typer.testing import Result

from report_project import build_project

Cli = Callable[..., Result]
NARROW = {"COLUMNS": "80"}

# What both the report and the comparison print first.
HEADER = """\
Coder: auto:mini@1.0. Groups: city. Documents: all. 4 interviews.
In scope: respondent segments and segments whose speaker is unknown; interviewer
  and chair turns are left out. Share = coded / in-scope segments; rate = coded
  segments per 1,000 in-scope words.
A parent code counts a segment coded with it or any of its sub-codes, once.

Interviews and in-scope segments
city        interviews  segments  respondent  unknown  words
----------  ----------  --------  ----------  -------  -----
Barcelona            2         7           3        4     60
Birmingham           2         6           6        0     66
total                4        13           9        4    126
segments = respondent + unknown speaker; words are in-scope words.
"""

REPORT = (
    HEADER
    + """
Segments coded (share of in-scope segments)
code               Barcelona  Birmingham       total
-----------------  ---------  ----------  ----------
inequality         3 (42.9%)   3 (50.0%)   6 (46.2%)
  housing          2 (28.6%)   3 (50.0%)   5 (38.5%)
  health           1 (14.3%)   1 (16.7%)   2 (15.4%)
governance         3 (42.9%)   3 (50.0%)   6 (46.2%)
  participation    2 (28.6%)   1 (16.7%)   3 (23.1%)
  municipalism      0 (0.0%)    0 (0.0%)    0 (0.0%)
any code           5 (71.4%)   5 (83.3%)  10 (76.9%)
in-scope segments          7           6          13

Interviews mentioning the code (of all interviews)
code             Barcelona  Birmingham  total
---------------  ---------  ----------  -----
inequality             2/2         2/2    4/4
  housing              2/2         2/2    4/4
  health               1/2         1/2    2/4
governance             2/2         2/2    4/4
  participation        2/2         1/2    3/4
  municipalism         0/2         0/2    0/4
any code               2/2         2/2    4/4

Rate: coded segments per 1,000 in-scope words
code             Barcelona  Birmingham  total
---------------  ---------  ----------  -----
inequality           50.00       45.45  47.62
  housing            33.33       45.45  39.68
  health             16.67       15.15  15.87
governance           50.00       45.45  47.62
  participation      33.33       15.15  23.81
  municipalism        0.00        0.00   0.00
any code             83.33       75.76  79.37
in-scope words          60          66    126
"""
)

COMPARE = (
    HEADER
    + """
Comparison by city: share of in-scope segments
code             Barcelona  Birmingham         diff [95% CI]  p adj  int p adj
---------------  ---------  ----------  --------------------  -----  ---------
inequality           42.9%       50.0%   -7.1 [-48.5, +37.6]  1.000          –
  housing            28.6%       50.0%  -21.4 [-58.7, +25.9]  1.000          –
  health             14.3%       16.7%   -2.4 [-43.8, +37.1]  1.000      1.000
governance           42.9%       50.0%   -7.1 [-48.5, +37.6]  1.000          –
  participation      28.6%       16.7%  +11.9 [-32.7, +50.0]  1.000      1.000
  municipalism        0.0%        0.0%   +0.0 [-39.0, +35.4]      –          –
Test: Fisher's exact test (two-sided) of coded against not coded in-scope
  segments, per code; p adj = Benjamini-Hochberg adjusted across the 5 tested
  codes; * adjusted p < 0.05; – not testable (no group has it, or every one has
  it everywhere). diff = share in Barcelona minus share in Birmingham, in
  percentage points, with Newcombe's 95% interval (hybrid Wilson score).
int p adj = the same test on interviews mentioning the code. Segments within one
  interview are not independent, so the segment test overstates the evidence:
  the interview test is the conservative one.
"""
)


@pytest.fixture
def project(project_path: Path) -> Path:
    return build_project(project_path)


def test_report_exact_output(cli: Cli, project: Path) -> None:
    result = cli("report", env=NARROW)
    assert result.exit_code == 0, result.output
    assert result.stdout == REPORT
    assert result.stderr == ""


def test_report_compare_exact_output(cli: Cli, project: Path) -> None:
    result = cli("report", "--compare", env=NARROW)
    assert result.exit_code == 0, result.output
    assert result.stdout == COMPARE


@pytest.mark.parametrize(
    "args",
    [
        ["report"],
        ["report", "--compare", "--cooccurrence", "--documents"],
        ["report", "--by", "document", "--compare", "--documents"],
        ["report", "--by", "interviewee_role", "--compare"],
        ["report", "--leaves", "--cooccurrence"],
    ],
)
def test_report_never_wraps_at_80_columns(cli: Cli, project: Path, args: list[str]) -> None:
    result = cli(*args, env=NARROW)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(line.startswith("inequality") for line in lines)


def test_report_by_document_splits_wide_tables(cli: Cli, project: Path) -> None:
    result = cli("report", "--by", "document", env=NARROW)
    assert result.exit_code == 0, result.output
    # Four documents and the total do not fit beside the code names: two tables, each with them.
    segments = result.stdout.split("Segments coded (share of in-scope segments)\n")[1]
    segments = segments.split("\n\nInterviews mentioning")[0]
    headers = [line for line in segments.splitlines() if line.startswith("code ")]
    assert len(headers) >= 2
    assert "barcelona/c1_habitatge.txt" in headers[0]
    assert "birmingham/b2_cooperative.txt" in "".join(headers)
    assert headers[-1].rstrip().endswith("total")


def test_report_filters_and_coder(cli: Cli, project: Path) -> None:
    result = cli("report", "--city", "birmingham", "--where", "interviewee_role=Officer")
    assert result.exit_code == 0, result.output
    assert " ".join(result.stdout.split()).startswith(
        "Coder: auto:mini@1.0. Groups: city. Documents: those with interviewee_role=Officer, "
        "city=birmingham. 1 interview. "
    )
    assert "\nBirmingham           1         3           3        0     33\n" in result.stdout
    result = cli("report", "--coder", "marta", "--code", "inequality")
    assert result.exit_code == 0, result.output
    # marta coded in one Birmingham interview: her report counts the 3 segments she looked at
    assert "\n  housing           1 (33.3%)  1 (33.3%)\n" in result.stdout
    assert (
        "marta looked at 3 of the 13 in-scope segments (coded them, judged them on a coding "
        "sheet or reviewed them): every count, share and test here is of those 3, not of the "
        "whole corpus."
    ) in " ".join(result.stdout.split())


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["report", "--coder", "bob"],
            2,
            "Error: no codings by 'bob' in this project (coders: auto:mini@1.0, marta)\n",
        ),
        (["report", "--city", "Paris"], 2, "Error: no documents match city=Paris\n"),
        (["report", "--where", "city"], 2, "Error: --where expects key=value, got 'city'\n"),
        (
            ["report", "--code", "housng"],
            2,
            "Error: unknown code 'housng' (did you mean 'inequality/housing'?)\n",
        ),
        (
            ["report", "--city", "Barcelona", "--compare"],
            2,
            "Error: --compare needs at least two groups with respondent segments; "
            "by city there is 1\n",
        ),
        (
            ["report", "--chart", "chart.gif"],
            2,
            "Error: chart.gif: a chart is written as .png or .svg, not '.gif'\n",
        ),
        (
            ["export", "segments", "--out", "s.txt"],
            2,
            "Error: s.txt: write a table as .csv or .xlsx, not '.txt'\n",
        ),
    ],
)
def test_errors(cli: Cli, project: Path, args: list[str], code: int, message: str) -> None:
    result = cli(*args)
    assert result.exit_code == code
    assert result.stderr == message
    assert result.stdout == ""


def test_report_without_codings(cli: Cli, corpus: Path, write_text: Callable[..., Path]) -> None:
    write_text(corpus / "a.txt", "Interviewer: Hello?\n\nAnn: Hello.\n")
    assert cli("ingest", str(corpus)).exit_code == 0
    result = cli("report")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "no automatic codings in this project yet (run 'qualcode code --codebook FILE'" in (
        result.stderr
    )


def test_report_out_and_chart(cli: Cli, project: Path, tmp_path: Path) -> None:
    result = cli("report", "--compare", "--out", "tables", "--chart", "shares.svg")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(
        "\n\nWrote shares.svg\n"
        "Wrote tables/groups.csv\n"
        "Wrote tables/frequencies.csv\n"
        "Wrote tables/comparison.csv\n"
        "Wrote tables/cooccurrence.csv\n"
        "Wrote tables/code_document.csv\n"
        "Wrote tables/report.xlsx\n"
        "Wrote tables/report.md\n"
    )
    assert (tmp_path / "shares.svg").read_text(encoding="utf-8").startswith("<?xml")
    comparison = pd.read_csv(tmp_path / "tables" / "comparison.csv")
    assert list(comparison["code_path"])[:2] == ["inequality", "inequality/housing"]


def test_export_segments(cli: Cli, project: Path, tmp_path: Path) -> None:
    result = cli("export", "segments", "--out", "segments.xlsx", "--matrix", "matrix.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Wrote 23 coded segments by auto:mini@1.0 to segments.xlsx\n"
        "Wrote the 19 × 6 segment × code matrix of auto:mini@1.0 to matrix.csv\n"
    )
    assert len(pd.read_excel(tmp_path / "segments.xlsx")) == 23
    assert len(pd.read_csv(tmp_path / "matrix.csv")) == 19


def test_export_segments_to_stdout(cli: Cli, project: Path) -> None:
    result = cli("export", "segments", "--code", "inequality/health", "--city", "Barcelona")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("document,attr_city,")
    assert lines[1:] == [
        "barcelona/c1_habitatge.txt,Barcelona,Activist,ca,Social movement,3,2,2,MARIA PUIG,"
        "respondent,,144,192,ca,9,inequality/health,Health,auto:mini@1.0,salut,salut,147-152,"
        '"La salut també empitjora, i l’Ajuntament ho sap."'
    ]


def test_export_quotes(cli: Cli, project: Path, tmp_path: Path) -> None:
    result = cli("export", "quotes", "--format", "docx", "--out", "quotes.docx")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Wrote 16 quotes by auto:mini@1.0 under 2 themes (2 charts) to quotes.docx\n"
    )
    document = docx.Document(str(tmp_path / "quotes.docx"))
    assert document.paragraphs[0].text == "Coded quotes by city"


def test_export_quotes_rejects_other_formats(cli: Cli, project: Path) -> None:
    result = cli("export", "quotes", "--format", "pdf", "--out", "q.pdf")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr
