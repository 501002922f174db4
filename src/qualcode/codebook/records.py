"""The records a loaded codebook is made of: codes, patterns, scopes, problems."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal

ANY_LANGUAGE = "any"
MIN_PREFIX_LETTERS = 3
"""A wildcard's literal part shorter than this is an error: ``de*`` matches half the dictionary."""
COMFORTABLE_PREFIX_LETTERS = 4
"""A wildcard's literal part shorter than this gets a warning."""
MIN_FUZZY_LETTERS = 5
"""Fuzzy words, and the tokens compared with them, have at least this many letters."""

MAX_YAML_DEPTH = 100
"""How deep a codebook's YAML may nest collections (about 48 levels of codes); deeper: refused."""
MAX_YAML_NODES = 200_000
"""A codebook's YAML may hold this many values once its aliases are expanded; more is refused:
a few lines of nested aliases would otherwise expand to billions."""

_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_PATTERN_PIECE = re.compile(r"\w+\*?|\*")
_LOOKS_LIKE_PREFIX = re.compile(r"([a-z]+):(?!//)")
_REGEX_SYNTAX = set("?|()[]{}+\\^$")


class PatternKind(StrEnum):
    """What a pattern matches; the value is what a coding records as its evidence kind."""

    WORD = "word"
    PREFIX = "prefix"
    PHRASE = "phrase"
    STEM = "stem"
    REGEX = "regex"
    FUZZY = "fuzzy"
    NEAR = "near"


class Scope(StrEnum):
    """Which speaker turns a code applies to."""

    RESPONDENT = "respondent"
    INTERVIEWER = "interviewer"
    ALL = "all"


def covers(scope: str, role: str | None) -> bool:
    """Whether a code of ``scope`` applies to a turn of ``role``: an unknown speaker's turn (None)
    counts as a respondent's; a chair's only with scope ``all``."""
    if scope == Scope.ALL:
        return True
    if scope == Scope.INTERVIEWER:
        return role == "interviewer"
    return role is None or role == "respondent"


@dataclass(frozen=True)
class Pattern:
    """One pattern of a code, in one language.

    ``terms`` holds the folded words of word, prefix, phrase, stem and fuzzy patterns; a prefix
    wildcard keeps its trailing ``*``. ``expression`` is the regular expression of a regex pattern
    as written (without ``re:``). ``within`` is the most words allowed between the two parts of a
    ``near`` pattern, or between a hit and a word of its ``unless`` list (None: anywhere in the
    segment).
    """

    kind: PatternKind
    source: str
    language: str
    terms: tuple[str, ...] = ()
    expression: str | None = None
    threshold: float | None = None
    within: int | None = None
    unless: tuple[Pattern, ...] = ()
    near: tuple[Pattern, Pattern] | None = None
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Code:
    """A code of the codebook. ``path`` (``inequality/housing``) is its stable identifier."""

    path: str
    id: str
    label: str
    description: str = ""
    include: str = ""
    exclude: str = ""
    colour: str | None = None
    scope: Scope = Scope.RESPONDENT
    patterns: tuple[Pattern, ...] = ()
    unless: tuple[Pattern, ...] = ()
    parent_path: str | None = None
    depth: int = 0
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Defaults:
    scope: Scope = Scope.RESPONDENT
    fuzzy_threshold: float = 88.0
    window: int = 8


@dataclass(frozen=True)
class Codebook:
    """A loaded codebook. ``codes`` are in tree pre-order: each parent before its children."""

    name: str
    version: str
    description: str
    languages: tuple[str, ...]
    defaults: Defaults
    codes: tuple[Code, ...]
    source_path: Path
    content_hash: str
    """sha256 of the file's bytes, hex: a coding run records which exact codebook made it."""

    @cached_property
    def _by_path(self) -> dict[str, Code]:
        return {code.path: code for code in self.codes}

    @cached_property
    def _children(self) -> dict[str | None, tuple[Code, ...]]:
        children: dict[str | None, list[Code]] = {}
        for code in self.codes:
            children.setdefault(code.parent_path, []).append(code)
        return {parent: tuple(codes) for parent, codes in children.items()}

    def code(self, path: str) -> Code:
        """The code at ``path``; KeyError naming the path when there is none."""
        try:
            return self._by_path[path]
        except KeyError:
            raise KeyError(f"no code {path!r} in codebook {self.name!r}") from None

    def children(self, path: str | None) -> tuple[Code, ...]:
        """The direct children of the code at ``path``; the top-level codes for None."""
        return self._children.get(path, ())

    def leaves(self) -> tuple[Code, ...]:
        """The codes without children, in tree order."""
        return tuple(code for code in self.codes if code.path not in self._children)


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """Something wrong (error) or doubtful (warning) in a codebook, and where it is."""

    path: Path
    line: int | None
    key: str | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = str(self.path) + (f":{self.line}" if self.line is not None else "")
        key = f" key '{self.key}':" if self.key else ""
        return f"{where}: {self.severity}:{key} {self.message}"


@dataclass(frozen=True)
class TreeRow:
    """One line of ``codebook show``: a code and how many patterns it has in each language."""

    path: str
    depth: int
    label: str
    pattern_counts: dict[str, int] = field(default_factory=dict)


_Finding = tuple[Severity, str]
"""A problem found in one pattern: its severity and message."""
