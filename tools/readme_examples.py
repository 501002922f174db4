"""Run the checked examples of README.md and docs/*.md and compare them with what they show.

    .venv/bin/python tools/readme_examples.py            # check: a diff and exit 1 if any differ
    .venv/bin/python tools/readme_examples.py --update   # write the commands' output into them

A ```console block is checked when the line before it is ``<!-- checked: NAME -->``. The checked
blocks of one NAME in one file run in order, in one temporary folder that holds a copy of the
bundled ``transcripts/`` and ``codebooks/`` and the default project (``project.qualcode``), so a
block sees what the blocks before it made. NAME says how the folder starts: ``demo`` with no
project, ``coded`` after ``qualcode ingest transcripts/`` and ``qualcode code --codebook
codebooks/justice.yaml``. Each ``$ qualcode …`` line is run (a ``# comment``
after a space is not part of it), with stderr merged into stdout as a terminal shows them.

Only what changes from run to run is normalised before comparing: timings such as ``(0.3 s)``,
dates and times, and the temporary folder, which the examples write as ``/home/me/study``. A
line that is only ``…`` (indented or not) stands for lines of a command's output left out (one
such line per command); ``--update`` keeps it, and keeps a line's timing and date as the file
has them when nothing else on the line changed.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHOWN_FOLDER = "/home/me/study"  # where the README's examples pretend to run
ELISION = "…"
STARTS = {  # what has run in a block's folder before its first command
    "demo": (),
    "coded": ("qualcode ingest transcripts/", "qualcode code --codebook codebooks/justice.yaml"),
}

_MARK = re.compile(r"^<!-- checked: (?P<name>[\w-]+) -->\n```console\n", re.MULTILINE)
_COMMENT = re.compile(r"\s+#\s.*$")  # `# …` after a space; `file.txt#12` is a segment
_TIMING = re.compile(r"\(\d+(?:\.\d+)? s\)")
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?"
)


@dataclass(frozen=True)
class Step:
    """One ``$ qualcode …`` line of a block and the output the README shows under it."""

    command: str
    shown: tuple[str, ...]
    gap: int = 0  # blank lines after the output, before the next command


@dataclass(frozen=True)
class Block:
    """A checked console block: its name, its steps, and where its body is in the README."""

    name: str
    steps: tuple[Step, ...]
    start: int  # offset of the block's first line, after ```console
    end: int  # offset of its closing ```
    line: int  # the README line of the ```console fence


class ReadmeError(Exception):
    """A checked block the tool cannot run as written."""


def find_blocks(text: str, name: str = "README.md") -> list[Block]:
    """Every checked console block of a Markdown file's text, in order."""
    blocks = []
    for mark in _MARK.finditer(text):
        start = mark.end()
        end = text.find("```", start)
        line = text.count("\n", 0, start)
        if end < 0:
            raise ReadmeError(f"{name}:{line}: the checked block is never closed")
        if mark["name"] not in STARTS:
            known = ", ".join(STARTS)
            raise ReadmeError(f"{name}:{line}: no start '{mark['name']}' (known: {known})")
        blocks.append(Block(mark["name"], _steps(text[start:end], name, line), start, end, line))
    return blocks


def _steps(body: str, name: str, line: int) -> tuple[Step, ...]:
    steps: list[Step] = []
    command: str | None = None
    shown: list[str] = []
    for number, text in enumerate(body.splitlines(), start=line + 1):
        if text.startswith("$ "):
            if command is not None:
                steps.append(Step(command, tuple(shown)))
            command, shown = text[2:], []
            if _words(command)[:1] != ["qualcode"]:
                raise ReadmeError(f"{name}:{number}: a checked block runs only qualcode")
        elif command is None:
            raise ReadmeError(f"{name}:{number}: output before the block's first command")
        else:
            shown.append(text)
    if command is None:
        raise ReadmeError(f"{name}:{line}: a checked block without a command")
    steps.append(Step(command, tuple(shown)))
    steps = [_without_gap(step) for step in steps]
    for step in steps:
        if [line.strip() for line in step.shown].count(ELISION) > 1:
            raise ReadmeError(f"{name}: `{step.command}` shows more than one '{ELISION}' line")
    return tuple(steps)


def _words(command: str) -> list[str]:
    """The words of a command line, without its ending comment."""
    return shlex.split(_COMMENT.sub("", command))


def _without_gap(step: Step) -> Step:
    shown = list(step.shown)
    while shown and not shown[-1].strip():
        shown.pop()
    return Step(step.command, tuple(shown), len(step.shown) - len(shown))


def prepare(folder: Path) -> None:
    """The folder the examples run in: the bundled sample transcripts and codebooks."""
    shutil.copytree(ROOT / "transcripts", folder / "transcripts")
    shutil.copytree(ROOT / "codebooks", folder / "codebooks")


def run(command: str, folder: Path) -> list[str]:
    """The lines ``command`` prints (stdout and stderr, in order), run in ``folder``."""
    words = _words(command)
    environment = {k: v for k, v in os.environ.items() if k != "QUALCODE_PROJECT"}
    environment.update(PYTHONUNBUFFERED="1", NO_COLOR="1", COLUMNS="100")
    done = subprocess.run(
        [sys.executable, "-m", "qualcode", *words[1:]],
        cwd=folder,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        check=False,
    )
    output = done.stdout
    for spelling in {str(folder), str(folder.resolve())}:
        output = output.replace(spelling, SHOWN_FOLDER)
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def normalise(line: str) -> str:
    """The line with what differs between runs (timings, dates) replaced by placeholders."""
    return _DATE.sub("DATE", _TIMING.sub("(TIME s)", line.rstrip()))


def shown_as(shown: tuple[str, ...], printed: list[str]) -> list[str]:
    """``printed`` as the README would show it: cut where the README has its ``…`` line, and
    with the README's own timing or date on each line where only those differ."""
    elided = [index for index, line in enumerate(shown) if line.strip() == ELISION]
    if elided:
        head = elided[0]
        tail = len(shown) - head - 1
        if len(printed) > head + tail:
            printed = [*printed[:head], shown[head], *printed[len(printed) - tail :]]
    kept = list(printed)
    if len(shown) == len(kept):
        for index, (old, new) in enumerate(zip(shown, kept, strict=True)):
            if normalise(old) == normalise(new):
                kept[index] = old
    return kept


def check(text: str, name: str = "README.md") -> tuple[str, list[str]]:
    """The file's text with every checked block's output as the commands print it now, and a
    unified diff per step whose output differs from what the file shows."""
    blocks = find_blocks(text, name)
    folders: dict[str, Path] = {}
    differences: list[str] = []
    pieces: list[str] = []
    position = 0
    with tempfile.TemporaryDirectory(prefix="qualcode-readme-") as temporary:
        for block in blocks:
            if block.name not in folders:
                folders[block.name] = Path(temporary) / block.name
                folders[block.name].mkdir()
                prepare(folders[block.name])
                for command in STARTS[block.name]:
                    run(command, folders[block.name])
            body: list[str] = []
            for step in block.steps:
                printed = shown_as(step.shown, run(step.command, folders[block.name]))
                body.extend([f"$ {step.command}", *printed, *[""] * step.gap])
                if [normalise(line) for line in printed] != [normalise(s) for s in step.shown]:
                    diff = difflib.unified_diff(step.shown, printed, name, "printed", lineterm="")
                    where = f"{name}:{block.line} ({block.name}): $ {step.command}"
                    differences.append("\n".join([where, *diff]))
            pieces.extend([text[position : block.start], "\n".join(body) + "\n"])
            position = block.end
    pieces.append(text[position:])
    return "".join(pieces), differences


def markdown_files() -> list[Path]:
    """The files whose checked blocks are run by default: README.md and docs/*.md."""
    return [README, *sorted((ROOT / "docs").glob("*.md"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--update", action="store_true", help="write the output into the files")
    parser.add_argument("files", nargs="*", type=Path, help="default: README.md and docs/*.md")
    options = parser.parse_args(argv)
    blocks = differing = 0
    for path in options.files or markdown_files():
        name = (
            path.resolve().relative_to(ROOT).as_posix()
            if path.resolve().is_relative_to(ROOT)
            else str(path)
        )
        text = path.read_text(encoding="utf-8")
        try:
            updated, differences = check(text, name)
        except ReadmeError as error:
            print(f"Error: {error}", file=sys.stderr)
            return 1
        blocks += len(find_blocks(text, name))
        differing += len(differences)
        if options.update:
            if updated != text:
                path.write_text(updated, encoding="utf-8")
        else:
            for difference in differences:
                print(difference)
    if options.update:
        print(f"{blocks} checked block(s); {differing} example(s) updated.")
        return 0
    print(f"{blocks} checked block(s); {differing} example(s) differ from what the commands print.")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
