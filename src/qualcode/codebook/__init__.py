"""Loading and checking YAML codebooks (the format is docs/codebook-format.md).

The YAML is composed into nodes first so that every key and list item keeps its line
(``yaml_lines``); pydantic checks the shape of each mapping, unknown keys rejected (``shapes``);
``checks`` checks the rest (ids, languages, scopes) and builds the frozen records (``records``),
reading each pattern with ``patterns`` and each regular expression with ``regex``. Every problem is
a :class:`Problem` with the file, line and key: :func:`check_codebook` lists them all,
:func:`load_codebook` raises the first error as a :class:`~qualcode.errors.CodebookError` and
otherwise returns frozen records for the core.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from qualcode.codebook.checks import _read
from qualcode.codebook.patterns import _parse_string
from qualcode.codebook.records import (
    ANY_LANGUAGE,
    MIN_FUZZY_LETTERS,
    Code,
    Codebook,
    Defaults,
    Pattern,
    PatternKind,
    Problem,
    Scope,
    TreeRow,
    covers,
)
from qualcode.codebook.regex import (
    compile_regex,
    regex_chained_repeats,
    regex_risk,
    regex_start_characters,
)
from qualcode.errors import CodebookError, closest, did_you_mean

__all__ = [
    "ANY_LANGUAGE",
    "MIN_FUZZY_LETTERS",
    "Code",
    "Codebook",
    "Defaults",
    "Pattern",
    "PatternKind",
    "Problem",
    "Scope",
    "TreeRow",
    "check_codebook",
    "compile_regex",
    "covers",
    "find_codebook",
    "load_codebook",
    "packaged_codebooks_dir",
    "parse_pattern",
    "regex_chained_repeats",
    "regex_risk",
    "regex_start_characters",
    "render_tree",
]


def load_codebook(path: Path | str) -> Codebook:
    """Read, check and return the codebook at ``path``.

    Raises CodebookError for the first error (by line), naming file, line and key; warnings do not
    stop loading. ``check_codebook`` lists every problem.
    """
    codebook, problems = _read(Path(path))
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors:
        first = errors[0]
        more = len(errors) - 1
        hint = (
            f"{more} more error{'s' if more > 1 else ''}: run qualcode codebook check {first.path}"
            if more
            else None
        )
        raise CodebookError(
            first.message, path=first.path, line=first.line, key=first.key, hint=hint
        )
    assert codebook is not None
    return codebook


def check_codebook(path: Path | str) -> list[Problem]:
    """Every problem of the codebook at ``path``, errors and warnings, in line order.

    Raises CodebookError only when the file cannot be read at all.
    """
    return _read(Path(path))[1]


def packaged_codebooks_dir() -> Path:
    """Where the codebooks that ship with qualcode are (package data, ``qualcode/codebooks``)."""
    return Path(str(importlib.resources.files("qualcode") / "codebooks"))


def find_codebook(name_or_path: str | Path, project_dir: Path) -> tuple[Path, str]:
    """Find a codebook given as a path or a name; returns the path and where it was found.

    Looks at the path as given (``"path"``), then in the project's ``codebooks/`` folder
    (``"project"``), then among the codebooks packaged with qualcode (``"packaged"``); by name,
    with ``.yaml`` and ``.yml`` tried after the name as given.
    """
    given = Path(name_or_path)
    if _looks_like_path(str(name_or_path)):
        # A path that does not exist is a typo, not a name: never fall back to a codebook of the
        # same name elsewhere, which would code with one the researcher did not ask for.
        if given.is_file():
            return given, "path"
        raise CodebookError(
            f"no codebook file {str(name_or_path)!r}", hint=_near_files(given, project_dir)
        )
    candidates: list[tuple[Path, str]] = [(given, "path")]
    for folder, origin in (
        (project_dir / "codebooks", "project"),
        (packaged_codebooks_dir(), "packaged"),
    ):
        for name in (given.name, f"{given.name}.yaml", f"{given.name}.yml"):
            candidates.append((folder / name, origin))
    for candidate, origin in candidates:
        if candidate.is_file():
            return candidate, origin
    looked = ", ".join(dict.fromkeys(str(candidate) for candidate, _ in candidates))
    raise CodebookError(
        f"no codebook {str(name_or_path)!r}",
        hint=f"looked for {looked}",
    )


def _looks_like_path(value: str) -> bool:
    return "/" in value or "\\" in value or value.lower().endswith((".yaml", ".yml"))


def _near_files(given: Path, project_dir: Path) -> str:
    """What to try instead of a codebook path that does not exist: the closest YAML files in its
    folder, and a codebook of that name in the project or packaged with qualcode."""
    hints = []
    folder = given.parent
    if folder.is_dir():
        names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in {".yaml", ".yml"})
        close = closest(given.name, names)
        if close:
            hints.append(did_you_mean([str(folder / name) for name in close]))
    else:
        hints.append(f"there is no folder {str(folder)!r}")
    for place, origin in (
        (project_dir / "codebooks", "in the project"),
        (packaged_codebooks_dir(), "packaged with qualcode"),
    ):
        if any((place / f"{given.stem}{suffix}").is_file() for suffix in (".yaml", ".yml")):
            hints.append(f"a codebook '{given.stem}' is {origin}: pass --codebook {given.stem}")
            break
    return "; ".join(hints) or f"{str(folder)!r} has no codebook of a similar name"


def render_tree(codebook: Codebook) -> list[TreeRow]:
    """The rows of ``codebook show``: every code in tree order with its pattern counts.

    ``pattern_counts`` has a key for each declared language and ``any``, zero included, so that
    the rows line up as columns.
    """
    rows = []
    for code in codebook.codes:
        counts = dict.fromkeys((*codebook.languages, ANY_LANGUAGE), 0)
        for pattern in code.patterns:
            counts[pattern.language] = counts.get(pattern.language, 0) + 1
        rows.append(TreeRow(code.path, code.depth, code.label, counts))
    return rows


def parse_pattern(text: str, language: str, *, fuzzy_threshold: float = 88.0) -> Pattern:
    """Parse one pattern written as a string (``inequalit*``, ``stem:desnonament``, ``re:…``).

    For tools and tests; raises CodebookError with the first problem found.
    """
    pattern, problems = _parse_string(text, language, fuzzy_threshold)
    errors = [message for severity, message in problems if severity == "error"]
    if errors or pattern is None:
        raise CodebookError(errors[0] if errors else f"cannot read pattern {text!r}")
    return pattern
