"""Golden files: exact expected outputs under tests/golden/, reviewed like code.

``pytest --regen-golden`` (option defined in conftest.py) rewrites them from the current output
instead of comparing; review the diff before committing. Register with
``pytest_plugins = ["golden_plugin"]`` in a test module.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, bytes], None]:
    """``golden(name, data)``: data must equal tests/golden/<name> byte for byte."""
    regenerate = bool(request.config.getoption("--regen-golden", default=False))

    def check(name: str, data: bytes) -> None:
        path = GOLDEN_DIR / name
        if regenerate:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        if not path.exists():
            pytest.fail(f"no golden file {path}: run pytest --regen-golden and review it")
        expected = path.read_bytes()
        assert data.decode("utf-8") == expected.decode("utf-8"), f"differs from {path}"

    return check
