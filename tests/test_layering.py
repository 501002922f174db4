"""The core is a library: importing it must not pull in the command line (typer).

That holds for ingest and the store, the report and its exports, and REFI-QDA; the report's modules
also leave matplotlib's pyplot (and its GUI backends) alone.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE_MODULES = [
    "qualcode.ingest",
    "qualcode.store",
    "qualcode.segment",
    "qualcode.readers",
    "qualcode.language",
    "qualcode.metadata",
    "qualcode.learning",
]
REPORT_MODULES = [
    "qualcode.report",
    "qualcode.stats",
    "qualcode.exports.tables",
    "qualcode.exports.segments",
    "qualcode.exports.docx_report",
    "qualcode.exports.charts",
]
REFI_MODULES = [
    "qualcode.refi.export",
    "qualcode.refi.import_",
    "qualcode.refi.codebook",
    "qualcode.refi.archive",
]


def imported_after(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(output.split())


@pytest.mark.parametrize("module", CORE_MODULES + REPORT_MODULES + REFI_MODULES)
def test_core_does_not_import_the_cli(module: str) -> None:
    modules = imported_after(module)
    assert module in modules
    assert not {m for m in modules if m == "typer" or m.startswith(("typer.", "qualcode.cli"))}
    if module in REPORT_MODULES:
        assert "matplotlib.pyplot" not in modules


def test_the_check_would_see_typer() -> None:
    """The subprocess check is able to fail: importing the CLI does bring typer in."""
    assert "typer" in imported_after("qualcode.cli")
