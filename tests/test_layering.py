"""The core is a library: importing it must not pull in the command line (typer)."""

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
]


def imported_after(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(output.split())


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_does_not_import_the_cli(module: str) -> None:
    modules = imported_after(module)
    assert module in modules
    assert not {m for m in modules if m == "typer" or m.startswith(("typer.", "qualcode.cli"))}


def test_the_check_would_see_typer() -> None:
    """The subprocess check is able to fail: importing the CLI does bring typer in."""
    assert "typer" in imported_after("qualcode.cli")
