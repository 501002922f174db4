"""The core is a library: importing it must not pull in the command line (typer).

That holds for ingest and the store, the report and its exports, and REFI-QDA; the report's modules
also leave matplotlib's pyplot (and its GUI backends) alone. The other way round, the command line
starts at once: importing it (all `--help`, `--version` and `status` need) brings in none of the
heavy libraries nor the core modules that use them; each command imports them when it runs.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE_MODULES = [
    "qualcode.ingest",
    "qualcode.store",
    "qualcode.ingest.segment",
    "qualcode.readers",
    "qualcode.ingest.language",
    "qualcode.ingest.metadata",
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


# Libraries that take a noticeable share of a second to import, and the core modules built on them.
HEAVY_MODULES = [
    "pandas",
    "scipy",
    "matplotlib",
    "openpyxl",
    "docx",
    "pypdf",
    "numpy",
    "lxml",
    "yaml",
    "pydantic",
    "py3langid",
    "rapidfuzz",
    "ahocorasick_rs",
    "rich",
    "qualcode.matching",
    "qualcode.store",
    "qualcode.ingest",
    "qualcode.report",
]
# What the command line may import before a command runs: stdlib-only records, errors, defaults.
# entry: the stdlib-only start that installs the Ctrl-C handler before anything heavy.
CLI_CORE_MODULES = {
    "qualcode",
    "qualcode.defaults",
    "qualcode.entry",
    "qualcode.errors",
    "qualcode.models",
}


def test_the_cli_imports_nothing_heavy() -> None:
    modules = imported_after("qualcode.cli")
    assert "qualcode.cli.report_cmds" in modules
    assert {m.split(".")[0] for m in modules} & set(HEAVY_MODULES) == set()
    assert set(HEAVY_MODULES) & modules == set()
    core = {m for m in modules if m.startswith("qualcode") and not m.startswith("qualcode.cli")}
    assert core <= CLI_CORE_MODULES


def test_the_heavy_check_can_fail() -> None:
    """The same check sees pandas and the pattern engine once an export module is imported."""
    modules = imported_after("qualcode.exports.segments")
    assert {"pandas", "numpy", "qualcode.matching"} <= modules


def test_the_check_would_see_typer() -> None:
    """The subprocess check is able to fail: importing the CLI does bring typer in."""
    assert "typer" in imported_after("qualcode.cli")


def test_the_readers_sit_below_ingest() -> None:
    """Reading a file needs none of ingest: the readers use the label recognisers of speakers.py."""
    modules = imported_after("qualcode.readers")
    assert "qualcode.speakers" in modules  # what the check looks for is there to see
    assert not {m for m in modules if m.split(".")[:2] == ["qualcode", "ingest"]}
