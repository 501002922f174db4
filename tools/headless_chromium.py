"""Debian's Chromium, headless, for the HTML report's tests, its benchmark and the screenshot.

One place for the binary and its flags, because the flags are what keep the browser offline: it
runs as root in a container with no network, so no sandbox and no GPU, and none of the background
connections (updates, sync, safe browsing) that a closed network refuses. No browser is ever
downloaded: Playwright is pointed at the system's binary.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("QUALCODE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def launch(playwright: Any) -> Any:
    """A headless Chromium browser from a running ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
