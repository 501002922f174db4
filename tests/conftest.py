"""Shared fixtures: a project path, writers for small invented transcripts, and the CLI runner.

Transcripts are written by the tests themselves so that each test shows the exact bytes it reads:
encodings, BOMs, line endings, Word styles, headers, footers and comments.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from hypothesis import settings
from typer.testing import CliRunner, Result

from qualcode.store import PROJECT_ENV

# The machines that run the tests are shared and noisy: no property test fails for being slow.
settings.register_profile("qualcode", deadline=None, print_blob=True)
settings.load_profile("qualcode")

# A block of a generated Word file: a plain paragraph, (style, text), or a table as rows of cells.
# The pseudo-style "italic" makes a Normal paragraph whose only run is in italics.
DocxBlock = str | tuple[str, str] | list[list[str]]


@pytest.fixture(autouse=True)
def _no_project_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A QUALCODE_PROJECT set in the developer's shell must not leak into the tests."""
    monkeypatch.delenv(PROJECT_ENV, raising=False)


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    """Where a test's project file goes (not created)."""
    return tmp_path / "project.qualcode"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """An empty folder named like the researchers' own: ``transcripts/``."""
    folder = tmp_path / "transcripts"
    folder.mkdir()
    return folder


def write_text_file(
    path: Path,
    content: str,
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    newline: str = "\n",
    front_matter: str | None = None,
) -> Path:
    """Write a transcript as the given bytes: encoding, optional BOM, line endings, front matter."""
    if front_matter is not None:
        content = f"---\n{front_matter.strip()}\n---\n{content}"
    data = content.replace("\n", newline).encode(encoding)
    if bom:
        data = "\ufeff".encode(encoding) + data  # use utf-16-le/-be: plain utf-16 adds its own
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_docx_file(
    path: Path,
    blocks: Sequence[DocxBlock],
    *,
    properties: dict[str, Any] | None = None,
    header: str | None = None,
    footer: str | None = None,
    comment: tuple[int, str] | None = None,
) -> Path:
    """Build a Word file with python-docx.

    ``comment`` is (index of the block to comment on, comment text). Styles that the default
    template lacks (``Speaker``, ``Intervinent``...) are created as custom paragraph styles.
    """
    document = docx.Document()
    section = document.sections[0]
    if header is not None:
        section.header.paragraphs[0].text = header
    if footer is not None:
        section.footer.paragraphs[0].text = footer
    names = {style.name for style in document.styles}
    for index, block in enumerate(blocks):
        if isinstance(block, list):
            table = document.add_table(rows=len(block), cols=len(block[0]))
            for row_index, row in enumerate(block):
                for column, text in enumerate(row):
                    table.cell(row_index, column).text = text
            continue
        style, text = ("Normal", block) if isinstance(block, str) else block
        if style == "italic":
            paragraph = document.add_paragraph()
            paragraph.add_run(text).italic = True
        else:
            if style not in names:
                document.styles.add_style(style, WD_STYLE_TYPE.PARAGRAPH)
                names.add(style)
            paragraph = document.add_paragraph(text, style=style)
        if comment is not None and comment[0] == index:
            document.add_comment(paragraph.runs, text=comment[1], author="Reviewer")
    for key, value in (properties or {}).items():
        setattr(document.core_properties, key, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


# Session-scoped because they hold no state: property tests (hypothesis) may use them too.
@pytest.fixture(scope="session")
def write_text() -> Callable[..., Path]:
    return write_text_file


@pytest.fixture(scope="session")
def write_docx() -> Callable[..., Path]:
    return write_docx_file


def database_dump(path: Path) -> list[str]:
    """Every statement needed to rebuild the project: equal dumps mean equal projects."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


@pytest.fixture(scope="session")
def dump() -> Callable[[Path], list[str]]:
    return database_dump


@pytest.fixture
def cli(
    tmp_path: Path, project_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """Run ``qualcode ARGS`` in-process, in tmp_path, with ``--project project_path`` unless
    ``project=False``. ``result.stdout`` and ``result.stderr`` are kept apart by typer's runner
    (``result.output`` interleaves them)."""
    from qualcode.cli import app  # here, so that a broken CLI fails only the CLI tests

    monkeypatch.chdir(tmp_path)

    def run(*args: str, project: bool = True, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner(env={"COLUMNS": "120", **(env or {})})
        prefix = ["--project", str(project_path)] if project else []
        return runner.invoke(app, [*prefix, *args])

    return run


def pytest_addoption(parser: pytest.Parser) -> None:
    """``pytest --regen-golden`` rewrites tests/golden/ (see tests/golden_plugin.py)."""
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files under tests/golden/ instead of comparing with them.",
    )
