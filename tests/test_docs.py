"""Every command's help gives an example that parses as that command, and the README names it.

A command's docstring is its help (STYLE.md): an ``Example:`` line there is what a researcher
copies first, so each one is parsed here with the command's own options and arguments.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main
from typer.core import TyperGroup

from qualcode.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
EXAMPLE = re.compile(r"^\s*Example: (.+)$", re.MULTILINE)


# typer's own copy of click has no public name for a command: Any stands for one.
Listing = list[tuple[tuple[str, ...], Any]]


def _commands(group: TyperGroup, path: tuple[str, ...] = ()) -> Listing:
    """Every command and group under ``group``, with its words after ``qualcode``."""
    found: Listing = []
    context = typer.Context(group, info_name="qualcode")
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        found.append(((*path, name), command))
        if isinstance(command, TyperGroup):
            found.extend(_commands(command, (*path, name)))
    return found


ROOT = typer.main.get_command(app)
assert isinstance(ROOT, TyperGroup)
COMMANDS = _commands(ROOT)
LEAVES = [(path, command) for path, command in COMMANDS if not isinstance(command, TyperGroup)]


def _ids(items: Listing) -> list[str]:
    return [" ".join(path) for path, _ in items]


def test_the_tree_is_walked() -> None:
    names = set(_ids(COMMANDS))
    expected = {"ingest", "code", "export segments", "import qdpx", "memo add", "learn", "suggest"}
    assert expected | {"codebook check", "config chair", "export qdpx"} <= names


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=_ids(LEAVES))
def test_every_command_help_has_an_example_of_itself(
    path: tuple[str, ...], command: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    examples = EXAMPLE.findall(command.help or "")
    assert examples, f"qualcode {' '.join(path)}: no 'Example: qualcode …' line in its help"
    monkeypatch.chdir(tmp_path)
    for example in examples:
        words = shlex.split(example)
        assert words[: len(path) + 1] == ["qualcode", *path], example
        args = words[len(path) + 1 :]
        for word in args:  # the files an example names, for the options that must find them
            if not word.startswith("-") and Path(word).suffix:
                (tmp_path / word).parent.mkdir(parents=True, exist_ok=True)
                (tmp_path / word).touch()
        # Unknown options, missing or extra arguments and bad values raise here.
        context = command.make_context(" ".join(path), args)
        assert context.args == [], f"{example}: unexpected arguments {context.args}"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=_ids(COMMANDS))
def test_every_command_is_in_the_readme(path: tuple[str, ...], command: Any) -> None:
    assert (command.help or "").strip(), f"qualcode {' '.join(path)} has no help"
    invocation = "qualcode " + " ".join(path)
    assert re.search(re.escape(invocation) + r"\b", README), f"README never shows {invocation}"
