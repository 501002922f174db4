"""The REFI-QDA core is library code: importing it must not pull in the command line."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = [
    "qualcode.refi.export",
    "qualcode.refi.import_",
    "qualcode.refi.codebook",
    "qualcode.refi.archive",
]


@pytest.mark.parametrize("module", MODULES)
def test_refi_does_not_import_the_cli(module: str) -> None:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    modules = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert module in modules
    assert not {m for m in modules if m == "typer" or m.startswith(("typer.", "qualcode.cli"))}
