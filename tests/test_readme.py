"""The README's codebook example is a real codebook: it loads, checks clean and codes text."""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.codebook import check_codebook, load_codebook
from qualcode.matching import Matcher

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_codebook_example_loads_and_codes(tmp_path: Path) -> None:
    block = re.search(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert block is not None
    path = tmp_path / "example.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    assert [p for p in check_codebook(path) if p.severity == "error"] == []
    matcher = Matcher(load_codebook(path))
    hits = matcher.match("Els preus del lloguer i l’habitatge", "ca", "respondent")
    assert {(hit.code_path, hit.matched) for hit in hits} == {
        ("housing/rent", "preus del lloguer"),
        ("housing/rent", "lloguer"),
        ("housing", "habitatge"),
    }
    hits = matcher.match("They rent a car to get to work", "en", "respondent")
    assert hits == []  # `rent` is vetoed by `rent a car`
