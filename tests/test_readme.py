"""The README's codebook example is a real codebook: it loads, checks clean and codes text; its
checked console examples (and those of docs/) show what the commands print."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

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


def _readme_examples() -> ModuleType:
    """tools/readme_examples.py, which is a script rather than part of the package."""
    path = README.parent / "tools" / "readme_examples.py"
    spec = importlib.util.spec_from_file_location("readme_examples", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


examples = _readme_examples()


def test_the_quick_start_and_the_comparison_are_checked() -> None:
    commands = {
        " ".join(examples._words(step.command)[:2])
        for block in examples.find_blocks(README.read_text(encoding="utf-8"))
        for step in block.steps
    }
    assert {
        "qualcode ingest",
        "qualcode status",
        "qualcode code",
        "qualcode segments",
        "qualcode report",
    } <= commands


def test_checked_examples_show_what_the_commands_print() -> None:
    """Regenerate them with `python tools/readme_examples.py --update` (CONTRIBUTING.md)."""
    for path in examples.markdown_files():
        name = path.relative_to(README.parent).as_posix()
        differences = examples.check(path.read_text(encoding="utf-8"), name)[1]
        assert differences == [], "\n\n".join(differences)


def test_a_wrong_example_is_found_and_updated_keeping_its_elision_and_timing() -> None:
    text = (
        "Intro.\n\n<!-- checked: demo -->\n```console\n"
        "$ qualcode ingest transcripts/   # a comment\n"
        "added      barcelona/c01_habitatge_pah.txt  (99 segments, ca)\n"
        "…\n"
        "8 files: 8 added, 0 updated, 0 unchanged. Project: /home/me/study/project.qualcode\n"
        "\n"
        "$ qualcode code --codebook codebooks/justice.yaml\n"
        "…\n"
        "243 segments read, 110 coded; 370 codings by auto:justice@1.0; changed: +370 -0 (9.9 s)\n"
        "```\n\nUnchecked:\n\n```console\n$ qualcode nonsense\n```\n"
    )
    updated, differences = examples.check(text, "EXAMPLE.md")
    assert len(differences) == 1
    assert differences[0].startswith("EXAMPLE.md:4 (demo): $ qualcode ingest transcripts/")
    assert "-added      barcelona/c01_habitatge_pah.txt  (99 segments, ca)" in differences[0]
    assert updated == text.replace("(99 segments", "(31 segments")
    assert examples.check(updated, "EXAMPLE.md")[1] == []


def test_normalise_leaves_only_what_changes_between_runs() -> None:
    assert examples.normalise("changed: +370 -0 (0.1 s)  ") == "changed: +370 -0 (TIME s)"
    assert examples.normalise("(laia, 2026-12-03T17:16:14+00:00)") == "(laia, DATE)"
    assert examples.normalise("370 codings in 2018") == "370 codings in 2018"


def test_a_block_with_an_unknown_start_is_refused() -> None:
    text = "<!-- checked: demos -->\n```console\n$ qualcode status\n```\n"
    with pytest.raises(examples.ReadmeError, match=r"^EXAMPLE.md:2: no start 'demos' \(known"):
        examples.find_blocks(text, "EXAMPLE.md")
