"""The HTML report's memos section: every memo on what the report shows, as text, never markup."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

import report_project
from qualcode.cli import app
from qualcode.memos import add_memo
from qualcode.store import Store

MARKUP = '<script>alert("memo")</script> & <b>bold</b>'


def write_page(project: Path, out: Path, *extra: str) -> str:
    result = CliRunner().invoke(
        app, ["--project", str(project), "report", "--html", str(out), *extra]
    )
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def memos_section(html: str) -> str:
    found = re.search(r'<section id="memos".*?</section>', html, re.DOTALL)
    assert found, "no memos section"
    return found.group(0)


def test_memos_are_listed_escaped_and_only_for_the_documents_shown(tmp_path: Path) -> None:
    project = report_project.build_project(tmp_path / "study.qualcode")
    bare = write_page(project, tmp_path / "bare.html")
    assert 'id="memos"' not in bare and 'href="#memos"' not in bare
    with Store.open(project) as store:
        add_memo(store, MARKUP, "project", "laia")
        add_memo(store, "Officer, not resident.\nCheck the role.", "b1_officer.txt#1", "marc")
        add_memo(store, "Walk through the barri.", "c2_walk", "laia")
        add_memo(store, "Housing means rent here.", "inequality/housing", "laia")
    html = write_page(project, tmp_path / "report.html")
    assert '<li><a href="#memos">Memos</a></li>' in html
    section = memos_section(html)
    assert MARKUP not in html
    assert "&lt;script&gt;alert(&quot;memo&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in (
        section
    )
    on = re.findall(r"<strong>(.*?)</strong> · (\w+) · ", section)
    assert on == [
        ("the project", "laia"),
        ("barcelona/c2_walk.txt", "laia"),
        ("birmingham/b1_officer.txt#1", "marc"),
        ("code:inequality/housing", "laia"),
    ]
    assert '<p class="memo-text">Officer, not resident.\nCheck the role.</p>' in section
    birmingham = memos_section(write_page(project, tmp_path / "b.html", "--city", "Birmingham"))
    assert "barcelona/c2_walk.txt" not in birmingham
    assert "birmingham/b1_officer.txt#1" in birmingham
