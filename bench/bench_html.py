"""Time of ``qualcode report --compare --html`` on a generated project, and of the page in Chromium.

The project is bench_report.py's: documents of ~200 KB of synthetic en/es/ca interview text, half
in each city, coded with the codes of codebooks/justice.yaml by a seeded random stand-in. For each
size, the HTML report is written twice, with the default cap of 200 quotes per code and city and
with every quote (``--max-quotes 0``), each timed once (quotes read from the store, page built and
written; the report and the comparison are timed apart, as bench_report.py does).

When Debian's Chromium is at /usr/bin/chromium (or QUALCODE_CHROMIUM), each page is then opened
in it headless, through Playwright, and timed in the page with ``performance.now()``:

- ``open``: from navigation start to the end of the page's script (first page of quotes shown);
- ``search``: a two-word search run over every embedded quote and the first page redrawn;
- ``city``: then the city filter; ``next``: then the next page.

    .venv/bin/python bench/bench_html.py                 # 10 MB
    .venv/bin/python bench/bench_html.py --sizes 100
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from bench_report import build_project
from headless_chromium import CHROMIUM, launch
from qualcode.exports.html_report import DEFAULT_MAX_QUOTES, write_html_report
from qualcode.report import ReportOptions, build_report, compare
from qualcode.store import Store

SEARCH = "vivienda barrio"

# Run in the page (Playwright's evaluate is not subject to the page's script policy): set the
# filter, submit the form (which filters at once, without the typing delay), time it.
APPLY = """([selector, value]) => {
    const control = document.querySelector(selector);
    control.value = value;
    const started = performance.now();
    if (control.tagName === "SELECT") control.dispatchEvent(new Event("change"));
    else document.getElementById("filters").requestSubmit();
    return performance.now() - started;
}"""
NEXT = """() => {
    const started = performance.now();
    document.querySelector("nav.pager button[aria-label='Next page']").click();
    return performance.now() - started;
}"""


def browse(browser: Any, path: Path) -> list[float]:
    """Seconds to open the page, search, filter by city and go to the next page."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(120_000)
    page.goto(path.as_uri())
    page.wait_for_selector("html.ready")
    opened = page.evaluate("performance.getEntriesByName('qualcode-ready')[0].startTime")
    timings = [opened, page.evaluate(APPLY, ["#filter-search", SEARCH])]
    timings.append(page.evaluate(APPLY, ["#filter-group", "1"]))
    timings.append(page.evaluate(NEXT))
    status = page.locator("#quote-status").text_content()
    page.close()
    assert "matching" in status, status
    return [t / 1000 for t in timings]


def measure(size: float, seed: int, browser: Any) -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        project = folder / "bench.qualcode"
        written, codings = build_project(project, int(size * 1_000_000), seed)
        with Store.open(project) as store:
            started = time.perf_counter()
            report = build_report(store, ReportOptions())
            comparison = compare(report)
            counted = time.perf_counter() - started
            for cap in (DEFAULT_MAX_QUOTES, None):
                path = folder / f"report-{cap or 'all'}.html"
                started = time.perf_counter()
                summary = write_html_report(
                    store, ReportOptions(), report, comparison, path, max_quotes=cap
                )
                seconds = time.perf_counter() - started
                browsed = browse(browser, path) if browser is not None else []
                lines.append(
                    f"{written / 1e6:6.1f} {codings:9,} {cap or 'all':>6} "
                    f"{summary.quotes.embedded:9,} {path.stat().st_size / 1e6:8.1f} "
                    f"{counted:9.2f} {seconds:9.2f} " + " ".join(f"{t:8.2f}" for t in browsed)
                )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10", help="MB of text per project, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(
        f"{'MB':>6} {'codings':>9} {'cap':>6} {'quotes':>9} {'page MB':>8} {'report s':>9} "
        f"{'html s':>9} {'open s':>8} {'search s':>8} {'city s':>8} {'next s':>8}"
    )
    sizes = [float(s) for s in args.sizes.split(",")]
    if not CHROMIUM.exists():
        print(f"(no Chromium at {CHROMIUM}: the page is not opened)")
        for size in sizes:
            print("\n".join(measure(size, args.seed, None)), flush=True)
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        for size in sizes:
            print("\n".join(measure(size, args.seed, browser)), flush=True)
        browser.close()


if __name__ == "__main__":
    main()
