"""Make the README's screenshot of the HTML report: docs/img/html-report.png.

    .venv/bin/python tools/screenshot.py            # needs `make test`'s dev tools and chromium

Uses the demo project (demo-output/demo.qualcode, from `make demo`) when it exists, else builds
one from the sample transcripts in a temporary folder; writes the HTML report with
`qualcode report --compare --html`, opens it in Debian's headless Chromium (/usr/bin/chromium,
or QUALCODE_CHROMIUM) through Playwright, and stacks two views into one small PNG: the first
theme's chart and, below, the quotes of one code with the filters. No browser is downloaded.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from headless_chromium import CHROMIUM, launch

ROOT = Path(__file__).resolve().parents[1]
DEMO_PROJECT = ROOT / "demo-output" / "demo.qualcode"
WIDTH = 1000
QUOTES_HEIGHT = 640
COLOURS = 96  # a palette this small keeps the PNG under 150 KB and the text crisp


def qualcode(project: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "qualcode", "--project", str(project), *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def build_demo(folder: Path) -> Path:
    project = folder / "demo.qualcode"
    qualcode(project, "ingest", str(ROOT / "transcripts"))
    qualcode(project, "code", "--codebook", str(ROOT / "codebooks" / "justice.yaml"))
    return project


def capture(page_path: Path, code: str) -> Image.Image:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": WIDTH, "height": 900})
        page.goto(page_path.as_uri())
        page.wait_for_selector("html.ready")
        chart = page.locator("#comparison").bounding_box()
        figure = page.locator("#comparison figure.chart").first.bounding_box()
        assert chart and figure
        top = page.screenshot(
            full_page=True,
            clip={
                "x": 0,
                "y": chart["y"] - 8,
                "width": WIDTH,
                "height": figure["y"] + figure["height"] - chart["y"] + 8,
            },
        )
        page.locator("#filter-code").select_option(label=code)
        page.locator("#quote-status").filter(has_text="matching").wait_for()
        filters = page.locator("#filters").bounding_box()
        assert filters
        bottom = page.screenshot(
            full_page=True,
            clip={"x": 0, "y": filters["y"] - 8, "width": WIDTH, "height": QUOTES_HEIGHT},
        )
        browser.close()
    views = [Image.open(io.BytesIO(shot)).convert("RGB") for shot in (top, bottom)]
    sheet = Image.new("RGB", (WIDTH, sum(v.height for v in views) + 12), "#d7d7dc")
    sheet.paste(views[0], (0, 0))
    sheet.paste(views[1], (0, views[0].height + 12))
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "html-report.png")
    parser.add_argument("--code", default="\u00a0\u00a0Housing", help="code shown in the quotes")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"Error: no Chromium at {CHROMIUM}: apt-get install chromium")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        project = DEMO_PROJECT if DEMO_PROJECT.exists() else build_demo(folder)
        page_path = folder / "report.html"
        qualcode(project, "report", "--compare", "--html", str(page_path))
        sheet = capture(page_path, args.code)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.quantize(COLOURS, dither=Image.Dither.NONE).save(args.out, optimize=True)
    print(f"Wrote {args.out} ({args.out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
