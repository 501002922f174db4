"""The HTML report (``qualcode report --html``), opened in real headless Chromium.

The project is the report fixture (tests/fixtures/report/) plus two transcripts written here: one
whose text, attribute and code label are markup and script (which must show as text and run
nothing), with a character outside the Basic Multilingual Plane before an evidence word (so that
code-point and UTF-16 offsets differ), and one long Birmingham interview whose 45 answers all
mention housing (so that the quotes fill several pages). Codings come from the keyword stand-in
of report_project.py.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, or ``QUALCODE_CHROMIUM``) driven by
Playwright; no browser is downloaded. Without it these tests are skipped, unless
``QUALCODE_REQUIRE_BROWSER=1`` (as in CI), where they fail instead.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import report_project
from headless_chromium import CHROMIUM, launch
from qualcode.cli import app
from qualcode.exports.display import effect_text, p_text, percent
from qualcode.exports.html_report import json_for_html, utf16_spans
from qualcode.exports.sections import report_quotes
from qualcode.ingest import ingest
from qualcode.models import CodeRecord, Decision, ReviewDecision, Role, Unit
from qualcode.report import ReportOptions, build_report, compare
from qualcode.store import Store
from report_project import CODER, CODES, FIXTURE, HUMAN, keyword_codings, record_run

REQUIRE_BROWSER = os.environ.get("QUALCODE_REQUIRE_BROWSER") == "1"

SCRIPT_TEXT = "<script>alert(1)</script>"
CLOSING_TEXT = "</script><!-- not a comment -->"
CODE_LABEL = '<img src=x onerror="alert(2)"> Markup'
ATTRIBUTE_VALUE = '<b>Bold</b> & "Co"'
ATTRIBUTE_CSV = ATTRIBUTE_VALUE.replace('"', '""')
MARKUP_TRANSCRIPT = f"""Interviewer: Anything else about housing?

Jo Smith: {SCRIPT_TEXT} is what someone typed into our housing form.

Jo Smith: \U0001d11e music, then housing, then the council {CLOSING_TEXT}
"""
LONG_ANSWERS = 45


@dataclass
class Page:
    """An open report page and what the browser reported while it was open."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


# -- the project and the page --------------------------------------------------------------------


def build_project(folder: Path) -> Path:
    transcripts = folder / "transcripts"
    shutil.copytree(FIXTURE, transcripts)
    (transcripts / "birmingham" / "b3_markup.txt").write_text(MARKUP_TRANSCRIPT, encoding="utf-8")
    long_interview = "\n\n".join(
        f"Resident: Point {n}: housing costs keep rising in ward {n}."
        for n in range(1, LONG_ANSWERS + 1)
    )
    (transcripts / "birmingham" / "b4_long.txt").write_text(long_interview, encoding="utf-8")
    with (transcripts / "metadata.csv").open("a", encoding="utf-8") as sidecar:
        sidecar.write(
            f'birmingham/b3_markup.txt,Birmingham,Officer,"{ATTRIBUTE_CSV}",en\n'
            "birmingham/b4_long.txt,Birmingham,Resident,Tenants,en\n"
        )
    project = folder / "study.qualcode"
    markup_code = CodeRecord("governance/markup", CODE_LABEL, "governance", sort_order=6)
    with Store.open(project, create=True) as store:
        ingest(store, [transcripts], unit=Unit.PARAGRAPH)
        store.save_codes([*CODES, markup_code], "mini")
        record_run(store, CODER, keyword_codings(store), codebook_hash="ab" * 32)
    return project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(tmp_path_factory.mktemp("html"))


def write_page(project: Path, out: Path, *extra: str) -> str:
    """Run ``qualcode report --html OUT``; return what it printed."""
    result = CliRunner().invoke(
        app, ["--project", str(project), "report", "--html", str(out), *extra]
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output
    return result.output


@pytest.fixture(scope="module")
def report_file(project: Path) -> Path:
    path = project.parent / "report.html"
    output = write_page(project, path, "--compare")
    assert "The HTML report holds" not in output  # nothing left out, nothing to say
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(f"{reason}, and QUALCODE_REQUIRE_BROWSER=1 requires it")
        pytest.skip(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if REQUIRE_BROWSER:
            raise
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def open_page(browser: Any, path: Path, **context: Any) -> Page:
    """Open the file, recording dialogs (dismissed), script errors and every request made."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, **context)
    page.set_default_timeout(15_000)
    opened = Page(page)

    def on_dialog(dialog: Any) -> None:
        opened.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    page.on("request", lambda request: opened.requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_selector("html.ready")
    return opened


@pytest.fixture
def report_page(browser: Any, report_file: Path) -> Iterator[Page]:
    opened = open_page(browser, report_file)
    yield opened
    assert opened.errors == []
    assert opened.dialogs == []
    opened.page.close()


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def status_total(page: Any) -> int:
    text = page.locator("#quote-status").text_content()
    found = re.search(r"of ([\d,]+) matching", text)
    assert found, text
    return int(found.group(1).replace(",", ""))


def shown_quotes(page: Any) -> list[dict[str, Any]]:
    """The quotes on the current page: code heading, group heading, interview, text, marks."""
    return page.locator("#quote-list").evaluate(
        """list => {
            const out = [];
            let code = null, group = null;
            for (const node of list.children) {
                if (node.matches("h3")) code = node.querySelector(".path").textContent;
                else if (node.matches("h4")) group = node.textContent.split(":")[0];
                else if (node.matches("article")) out.push({
                    code, group,
                    interview: node.querySelector(".interview").textContent,
                    text: node.querySelector(".text").textContent,
                    marks: Array.from(node.querySelectorAll("mark"), m => m.textContent),
                });
            }
            return out;
        }"""
    )


# -- expected values, from the store and report.py -----------------------------------------------


def expected_quotes(project: Path) -> list[tuple[str, str, str]]:
    """(code, document, text) of every in-scope coding, straight from the store."""
    with Store.open(project) as store:
        return [
            (item.code_path, item.document_name, item.segment.text)
            for item in store.coded_segments(coders=[CODER])
            if item.segment.role != Role.INTERVIEWER
        ]


def page_data(path: Path) -> dict[str, Any]:
    html = path.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="qualcode-data">(.*?)</script>', html)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


# -- the file itself -----------------------------------------------------------------------------


def test_page_is_one_file_that_fetches_nothing(report_file: Path) -> None:
    html = report_file.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE)
    assert "@import" not in html
    assert "<link" not in html
    assert re.search(r"url\(\s*['\"]?(?!#)", html) is None  # only url(#pattern) references
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy and "default-src 'none'" in policy.group(1)


def test_the_browser_makes_no_request_but_the_file(browser: Any, report_file: Path) -> None:
    opened = open_page(browser, report_file)
    opened.page.fill("#filter-search", "housing")
    expect(opened.page.locator("#quote-status")).to_contain_text("matching")
    assert opened.requests == [report_file.as_uri()]
    assert opened.errors == []
    opened.page.close()


def test_json_block_escapes_what_could_close_it() -> None:
    value = {"text": f"{SCRIPT_TEXT} {CLOSING_TEXT} a & b > c"}
    encoded = json_for_html(value)
    assert not set("<>&") & set(encoded)
    assert json.loads(encoded) == value


def test_interview_text_is_not_markup_in_the_file(report_file: Path) -> None:
    html = report_file.read_text(encoding="utf-8")
    assert html.count("<script") == 2  # the data block and the page's own script
    assert SCRIPT_TEXT not in html and CLOSING_TEXT not in html
    assert "<img" not in html and "<b>Bold" not in html
    texts = [segment[3] for segment in page_data(report_file)["segments"]]
    assert any(SCRIPT_TEXT in text for text in texts)  # the text survives, escaped


def test_spans_are_converted_to_utf16_units() -> None:
    text = "\U0001d11e housing"
    start = text.index("housing")
    assert utf16_spans(text, [(start, start + 7)]) == [(start + 1, start + 8)]
    assert utf16_spans("plain housing", [(6, 13)]) == [(6, 13)]


def test_max_quotes_caps_each_code_and_group(project: Path, browser: Any) -> None:
    path = project.parent / "capped.html"
    output = write_page(project, path, "--compare", "--max-quotes", "5")
    data = page_data(path)
    per_pair: dict[tuple[int, str], int] = {}
    for code, segment, _ in data["quotes"]:
        group = data["documents"][data["segments"][segment][0]]["group"]
        per_pair[(code, group)] = per_pair.get((code, group), 0) + 1
    assert max(per_pair.values()) == 5
    housing = next(i for i, c in enumerate(data["codes"]) if c["path"] == "inequality/housing")
    assert per_pair[(housing, "Birmingham")] == 5
    expected = expected_quotes(project)
    assert (
        f"The HTML report holds {len(data['quotes'])} of {len(expected)} quotes, at most 5 per "
        "code and city (--max-quotes 0: all)." in " ".join(output.split())
    )
    expected_housing = sum(
        1
        for code, document, _ in expected
        if code == "inequality/housing" and document.startswith("birmingham/")
    )
    opened = open_page(browser, path)
    page = opened.page
    expect(page.locator("#cap-note")).to_contain_text("at most 5 quotes per code and city")
    page.select_option("#filter-code", label="\u00a0\u00a0Housing")
    page.select_option("#filter-group", label="Birmingham")
    expect(page.locator("h4.group-heading")).to_have_text(
        f"Birmingham: 5 quotes (the report holds the first 5 of {expected_housing})"
    )
    assert opened.errors == []
    page.close()


def test_without_compare_the_table_shows_shares_and_interviews(project: Path, browser: Any) -> None:
    path = project.parent / "plain.html"
    write_page(project, path)
    opened = open_page(browser, path)
    headers = opened.page.locator("#comparison-table thead th").all_text_contents()
    assert [h.strip() for h in headers] == [
        "Code",
        "Barcelona",
        "Birmingham",
        "total",
        "interviews",
    ]
    with Store.open(project) as store:
        report = build_report(store, ReportOptions())
    housing = next(line for line in report.lines if line.path == "inequality/housing")
    row = opened.page.locator('#comparison-table tr[data-code="inequality/housing"] td')
    assert row.nth(2).text_content().startswith(percent(housing.cells[-1].share))
    assert row.nth(3).text_content() == f"{housing.cells[-1].interviews}/{report.total.interviews}"
    assert opened.errors == []
    opened.page.close()


# -- the comparison ------------------------------------------------------------------------------


def test_chart_bars_are_the_reports_shares(
    report_page: Page, project: Path, tmp_path: Path
) -> None:
    with Store.open(project) as store:
        report = build_report(store, ReportOptions())
    comparison = compare(report)
    page = report_page.page
    bars = page.locator("svg.bars g.bar").evaluate_all(
        """bars => bars.map(bar => ({
            chart: bar.closest("svg").id || bar.closest("figure").querySelector("h3").id,
            code: bar.dataset.code, group: bar.dataset.group, share: Number(bar.dataset.share),
            width: bar.querySelector("rect").getBBox().width,
            value: bar.querySelector("text.value").textContent,
        }))"""
    )
    index = {g.name: i for i, g in enumerate(report.groups)}
    expected = {
        (line.path, group): line.cells[index[group]].share
        for line in report.lines
        for group in comparison.groups
    }
    assert {(b["code"], b["group"]) for b in bars} == set(expected)
    scale: dict[str, float] = {}
    for bar in bars:
        share = expected[(bar["code"], bar["group"])]
        assert bar["share"] == pytest.approx(share)
        assert bar["value"] == percent(share)
        if share == 0:
            assert bar["width"] == 0
            continue
        # Within one chart, every bar is drawn to the same scale.
        ratio = bar["width"] / share
        assert ratio == pytest.approx(scale.setdefault(bar["chart"], ratio), rel=1e-3)
    labels = page.locator("svg.bars text.label").evaluate_all(
        "labels => labels.map(l => [l.dataset.code, l.classList.contains('significant'),"
        " l.textContent])"
    )
    significant = {code.path for code in comparison.codes if code.significant}
    assert significant, "the fixture should have a significant difference to mark"
    for code, marked, text in labels:
        assert marked == (code in significant)
        assert text.endswith(" *") == (code in significant)  # a symbol, not colour alone
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").read_bytes().startswith(b"\x89PNG")
    page.locator("#comparison").screenshot(path=str(tmp_path / "comparison.png"))


def test_table_cells_are_the_reports_numbers(report_page: Page, project: Path) -> None:
    with Store.open(project) as store:
        report = build_report(store, ReportOptions())
    comparison = compare(report)
    rows = report_page.page.locator("#comparison-table tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.code, Array.from(r.cells, c => c.textContent)])"
    )
    assert [code for code, _ in rows] == [line.path for line in report.lines]
    index = {g.name: i for i, g in enumerate(report.groups)}
    for (code, cells), line in zip(rows, report.lines, strict=True):
        tested = comparison.for_path(code)
        assert cells[0] == f"{line.label} {line.path}"
        for cell, group in zip(cells[1:3], comparison.groups, strict=True):
            counted = line.cells[index[group]]
            denominator = report.groups[index[group]].segments
            assert cell == f"{percent(counted.share)}{counted.segments:,} of {denominator:,}"
        assert cells[3] == effect_text(tested.effect)
        assert cells[4] == p_text(tested.segments.p_adjusted, mark=True)
        assert cells[5] == p_text(tested.interviews.p_adjusted, mark=True)


def column_values(page: Any, column: int) -> list[str]:
    return page.locator("#comparison-table tbody tr").evaluate_all(
        f"rows => rows.map(r => r.cells[{column}].dataset.value)"
    )


def test_sorting_a_column(report_page: Page, project: Path) -> None:
    page = report_page.page
    original = column_values(page, 0)
    header = page.locator("#comparison-table thead th").nth(4)  # p adj
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    values = column_values(page, 4)
    numbers = [float(v) for v in values if v]
    assert numbers == sorted(numbers)
    assert values[len(numbers) :] == [""] * (len(values) - len(numbers))  # untestable last
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    numbers = [float(v) for v in column_values(page, 4) if v]
    assert numbers == sorted(numbers, reverse=True)
    header.get_by_role("button").click()
    expect(header).not_to_have_attribute("aria-sort", re.compile(".*"))
    assert column_values(page, 0) == original
    code = page.locator("#comparison-table thead th").nth(0)
    code.get_by_role("button").click()
    labels = column_values(page, 0)
    assert labels == sorted(labels) and labels != original


# -- the quotes ----------------------------------------------------------------------------------


def test_all_in_scope_quotes_are_there_and_interviewer_turns_are_not(
    report_page: Page, project: Path
) -> None:
    page = report_page.page
    expected = expected_quotes(project)
    assert status_total(page) == len(expected)
    page.fill("#filter-search", "anything else")
    expect(page.locator("#quote-status")).to_have_text("No quote matches these filters.")


def test_filters_by_code_group_and_attribute(report_page: Page, project: Path) -> None:
    page = report_page.page
    expected = expected_quotes(project)
    page.select_option("#page-size", "200")

    page.select_option("#filter-code", label="Inequality")  # a theme: its sub-codes too
    inequality = [q for q in expected if q[0].split("/")[0] == "inequality"]
    expect(page.locator("#quote-status")).to_contain_text(f"of {len(inequality)} matching")
    assert {q["code"] for q in shown_quotes(page)} == {q[0] for q in inequality}

    page.select_option("#filter-group", label="Barcelona")
    barcelona = [q for q in inequality if q[1].startswith("barcelona/")]
    expect(page.locator("#quote-status")).to_contain_text(f"of {len(barcelona)} matching")
    assert {q["group"] for q in shown_quotes(page)} == {"Barcelona"}

    page.locator("#filter-clear").click()
    expect(page.locator("#quote-status")).to_contain_text(f"of {len(expected)} matching")

    page.get_by_label("interviewee_role").select_option("Officer")
    officers = [
        q for q in expected if q[1] in {"birmingham/b1_officer.txt", "birmingham/b3_markup.txt"}
    ]
    expect(page.locator("#quote-status")).to_contain_text(f"of {len(officers)} matching")
    assert {q["interview"] for q in shown_quotes(page)} == {q[1] for q in officers}

    page.get_by_label("organisation_type").select_option(ATTRIBUTE_VALUE)
    markup = [q for q in expected if q[1] == "birmingham/b3_markup.txt"]
    expect(page.locator("#quote-status")).to_contain_text(f"of {len(markup)} matching")
    expect(page.locator("#attributes-count")).to_have_text("(3, 2 in use)")

    page.locator("#filter-clear").click()
    page.select_option("#filter-document", label="barcelona/c2_walk.txt")
    walk = [q for q in expected if q[1] == "barcelona/c2_walk.txt"]
    expect(page.locator("#quote-status")).to_contain_text(f"of {len(walk)} matching")


def test_search_ignores_case_accents_and_apostrophes(report_page: Page, project: Path) -> None:
    page = report_page.page
    # The text has "L’habitatge públic": a typographic apostrophe and an accent mid-word.
    page.fill("#filter-search", "PUBLIC l'habitatge")
    wanted = [q for q in expected_quotes(project) if "l’habitatge públic" in q[2].lower()]
    assert wanted
    expect(page.locator("#quote-status")).to_contain_text(f"of {len(wanted)} matching")
    assert {q["text"] for q in shown_quotes(page)} == {q[2] for q in wanted}
    page.fill("#filter-search", "participacio barris")
    wanted = [
        q
        for q in expected_quotes(project)
        if "participació" in q[2].lower() and "barris" in q[2].lower()
    ]
    assert wanted
    expect(page.locator("#quote-status")).to_contain_text(f"of {len(wanted)} matching")


def test_evidence_is_highlighted_in_colour_bold_and_underlined(report_page: Page) -> None:
    page = report_page.page
    page.select_option("#filter-code", label="\u00a0\u00a0Housing")
    quotes = shown_quotes(page)
    assert quotes
    for quote in quotes:
        assert quote["marks"]
        assert all(m.lower() in {"housing", "habitatge", "homes"} for m in quote["marks"])
    mark = page.locator("mark.evidence").first
    style = mark.evaluate(
        "m => { const s = getComputedStyle(m); return [s.fontWeight, s.textDecorationLine,"
        " s.backgroundColor]; }"
    )
    assert style[0] == "700"
    assert "underline" in style[1]
    assert style[2] not in ("rgba(0, 0, 0, 0)", "transparent")


def test_pages_of_quotes(report_page: Page, project: Path) -> None:
    page = report_page.page
    page.select_option("#page-size", "20")
    page.select_option("#filter-group", label="Birmingham")
    birmingham = [q for q in expected_quotes(project) if q[1].startswith("birmingham/")]
    assert len(birmingham) > 40
    status = page.locator("#quote-status")
    expect(status).to_contain_text(f"Quotes 1–20 of {len(birmingham)} matching")
    seen: list[str] = []
    continued = 0
    pages = math.ceil(len(birmingham) / 20)
    for number in range(pages):
        quotes = shown_quotes(page)
        continued += page.locator("h4.group-heading", has_text="continued").count()
        assert len(quotes) == (20 if number < pages - 1 else len(birmingham) - 20 * number)
        seen += [q["interview"] + q["code"] + q["text"] for q in quotes]
        expect(page.locator("nav.pager").first).to_contain_text(f"Page {number + 1} of {pages}")
        next_button = page.get_by_role("button", name="Next page").first
        if number < pages - 1:
            next_button.click()
        else:
            expect(next_button).to_be_disabled()
    assert sorted(seen) == sorted(q[1] + q[0] + q[2] for q in birmingham)
    assert continued > 0  # a group cut by a page break says so on the next page


def test_script_and_markup_in_the_text_show_as_text(report_page: Page) -> None:
    page = report_page.page
    page.fill("#filter-search", "typed into our housing form")
    quote = page.locator("article.quote .text").first
    expect(quote).to_have_text(f"{SCRIPT_TEXT} is what someone typed into our housing form.")
    page.fill("#filter-search", "music")
    expect(page.locator("article.quote .text").first).to_contain_text(CLOSING_TEXT)
    # The evidence after a character outside the BMP is still the right word.
    housing = page.locator("article.quote", has_text="music").filter(
        has=page.locator("mark", has_text="housing")
    )
    expect(housing.locator("mark")).to_have_text("housing")
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 2
    label = page.locator('#comparison-table tr[data-code="governance/markup"] .code-label')
    expect(label).to_have_text(CODE_LABEL)
    option = page.get_by_label("organisation_type").locator("option", has_text="Bold")
    expect(option).to_have_text(ATTRIBUTE_VALUE)
    assert report_page.dialogs == []


# -- reading and printing ------------------------------------------------------------------------


def test_headings_labelled_controls_and_languages(report_page: Page) -> None:
    page = report_page.page
    assert page.locator("h1").count() == 1
    levels = page.locator("h2").all_text_contents()
    assert levels == ["Overview", "Comparison by city", "Quotes"]
    for control in page.locator("#filters select, #filters input").all():
        name = control.get_attribute("id")
        assert page.locator(f'label[for="{name}"]').count() == 1, name
    assert page.locator("svg.bars[role=img]").count() == page.locator("figure.chart").count()
    page.fill("#filter-search", "desigualtat")
    expect(page.locator("article.quote blockquote").first).to_have_attribute("lang", "ca")


def test_print_gives_a_clean_paper_copy(report_page: Page, tmp_path: Path) -> None:
    page = report_page.page
    page.select_option("#filter-group", label="Barcelona")
    total = status_total(page)
    page.emulate_media(media="print")
    for hidden in ("#filters", "nav.pager", "#quote-status", 'nav[aria-label="Sections"]'):
        expect(page.locator(hidden).first).to_be_hidden()
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("article.quote").count() == total  # every match, not only one page
    expect(page.locator("#print-status")).to_contain_text(f"of {total} matching")
    expect(page.locator("#print-status")).to_contain_text("city Barcelona")
    pdf = page.pdf(path=str(tmp_path / "report.pdf"))
    assert pdf.startswith(b"%PDF")
    page.screenshot(path=str(tmp_path / "print.png"), full_page=True)
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    assert page.locator("article.quote").count() <= 50


def test_the_html_export_does_not_import_the_cli() -> None:
    code = "import sys, qualcode.exports.html_report; print(' '.join(sys.modules))"
    modules = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "qualcode.exports.html_report" in modules
    assert not [m for m in modules if m == "typer" or m.startswith("qualcode.cli")]


def test_quotes_are_the_codings_the_report_counts(tmp_path: Path) -> None:
    """Per code without sub-codes and group, as many quotes as the report counts segments, for the
    automatic coder and for a person who accepted some automatic codings and rejected another."""
    project = report_project.build_project(tmp_path / "study.qualcode")
    with Store.open(project) as store:
        automatic = [
            item
            for item in store.coded_segments(coders=[CODER])
            if item.segment.role != Role.INTERVIEWER
        ]
        decided = [
            ReviewDecision(item.segment.segment_id or 0, item.code_path, HUMAN, decision, CODER)
            for item, decision in zip(
                automatic[:3], [Decision.ACCEPT, Decision.ACCEPT, Decision.REJECT], strict=True
            )
        ]
        store.save_decisions(decided)
        for coder in (CODER, HUMAN):
            options = ReportOptions(coder=coder)
            report = build_report(store, options)
            quotes = report_quotes(store, report, options)
            for line in report.lines:
                if not line.leaf:
                    continue
                for group, cell in zip(report.groups, line.cells, strict=False):
                    assert len(quotes.get((line.path, group.name), [])) == cell.segments
            if coder == HUMAN:
                accepted = {(d.segment_id, d.code_path) for d in decided[:2]}
                quoted = {
                    (item.segment.segment_id, item.code_path)
                    for items in quotes.values()
                    for item in items
                }
                assert accepted <= quoted
                assert (decided[2].segment_id, decided[2].code_path) not in quoted


def test_quotes_show_their_question_and_neighbouring_turns(project: Path, browser: Any) -> None:
    path = project.parent / "context.html"
    write_page(project, path, "--context", "1")
    data = page_data(path)
    with_question = [row for row in data["segments"] if row[5][0] or row[5][1]]
    assert with_question and all(len(row) == 6 for row in data["segments"])
    plain = project.parent / "plain.html"
    write_page(project, plain)
    assert all(len(row) == 5 for row in page_data(plain)["segments"])  # only when asked
    opened = open_page(browser, path)
    page = opened.page
    first = page.locator("article.quote").first
    expect(first.locator("p.context").first).to_be_visible()
    # the context comes around the quote: before its text, and after it
    order = first.evaluate(
        "a => Array.from(a.children, c => c.matches('blockquote') ? 'quote' : c.className)"
    )
    assert order[0] == "meta" and "quote" in order
    assert all(name.startswith("context") for name in order[1 : order.index("quote")])
    assert opened.errors == []
    page.close()
