"""An option several commands take is defined once, in cli/options.py, so that it means the same
(and reads the same in --help) everywhere: no two places of the command line spell out the same
option with the same help."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import qualcode.cli

CLI = Path(qualcode.cli.__file__).parent


def _definitions(source: str) -> list[tuple[str, str, int]]:
    """``(flag or "argument", help, line)`` of every ``typer.Option``/``typer.Argument`` call
    whose help is a plain string."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("Option", "Argument")
        ):
            continue
        helps = [k.value for k in node.keywords if k.arg == "help"]
        try:
            text = ast.literal_eval(helps[0]) if helps else None
        except ValueError:  # an f-string: the help names something of its own command
            continue
        flags = [ast.literal_eval(a) for a in node.args if isinstance(a, ast.Constant)]
        if isinstance(text, str):
            found.append((flags[0] if flags else "argument", text, node.lineno))
    return found


def _repeats(sources: dict[str, str]) -> dict[tuple[str, str], list[str]]:
    places: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, source in sources.items():
        for flag, text, line in _definitions(source):
            places[(flag, text)].append(f"{name}:{line}")
    return {key: where for key, where in places.items() if len(where) > 1}


def test_no_option_is_defined_twice() -> None:
    sources = {path.name: path.read_text(encoding="utf-8") for path in sorted(CLI.glob("*.py"))}
    assert "options.py" in sources and len(_definitions(sources["options.py"])) >= 10
    assert _repeats(sources) == {}


def test_the_check_sees_a_repeat() -> None:
    """The same option written out in two command modules is found."""
    option = 'city: Annotated[str, typer.Option("--city", help="Only documents of this city.")]'
    repeats = _repeats({"a.py": option, "b.py": f"x = 1\n{option}"})
    assert repeats == {("--city", "Only documents of this city."): ["a.py:1", "b.py:2"]}
