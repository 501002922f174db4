"""Loading and checking YAML codebooks (the format is docs/codebook-format.md).

The YAML is composed into nodes first so that every key and list item keeps its line; pydantic
checks the shape of each mapping (unknown keys rejected) and this module checks the rest (ids,
languages, patterns, regular expressions). Every problem is a :class:`Problem` with the file, line
and key: :func:`check_codebook` lists them all, :func:`load_codebook` raises the first error as a
:class:`~qualcode.errors.CodebookError` and otherwise returns frozen records for the core.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.resources
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from qualcode.errors import CodebookError
from qualcode.text import SNOWBALL_LANGUAGES, WORD, fold, fold_char

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


# --------------------------------------------------------------------------------------------
# Public functions


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
        close = difflib.get_close_matches(given.name, names, n=3, cutoff=0.6)
        if close:
            hints.append("did you mean " + ", ".join(str(folder / name) for name in close) + "?")
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


def regex_risk(expression: str) -> str | None:
    """Why ``expression`` can backtrack catastrophically (exponential time), or None.

    Looks, in every repeat ``(…)+`` / ``(…)*``, for two ways to split the same text between
    iterations: a variable-length piece of the repeated group that can swallow the rest of the
    group and the characters the group starts with (``(a+)+``, ``(a*)*``, ``(\\w+\\s?)+``,
    ``(.*a){2,}``, ``(a|aa)*``), or an alternation whose alternatives match the same text
    (``(a|a)*``). Possessive repeats and atomic groups never backtrack and are skipped.
    Polynomial cases (``.*.*=``) are not reported.
    """
    tree = sre_parser.parse(expression, re.IGNORECASE)
    return _RegexAnalyser(tree.state).risk(list(tree))


def regex_start_characters(expression: str, flags: int = re.IGNORECASE) -> frozenset[str] | None:
    """The ASCII characters a hit of ``expression`` can start with, or None if it may start
    with anything (or with nothing: an expression that can match empty text).

    The matcher uses it to find ``\\d+ euros`` through its digits instead of trying the
    expression at every position of every segment.
    """
    tree = sre_parser.parse(expression, flags)
    chars, nullable = _RegexAnalyser(tree.state).first(list(tree))
    if nullable or chars >= _ALL:
        return None
    return frozenset(char for char in chars if char.isascii())


# --------------------------------------------------------------------------------------------
# Reading YAML with line numbers

_Loc = tuple[str | int, ...]


class _TooLarge(Exception):
    """The YAML nests or expands past a limit; carries the message and the line."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader with the nesting of collections limited while composing.

    PyYAML composes nested collections recursively, so a codebook nested a thousand levels would
    otherwise end in RecursionError.
    """

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _TooLarge(
                    f"the codebook nests lists and mappings more than {MAX_YAML_DEPTH} levels "
                    "deep: refusing it (real codebooks nest a few levels of codes)",
                    mark.line + 1,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Document:
    """The plain data of a YAML file and the line of every key and list item in it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[_Loc, int] = {(): 1}
        self.problems: list[Problem] = []
        self._open: set[int] = set()
        self._nodes = 0

    def line(self, loc: _Loc) -> int | None:
        """The line of ``loc``, or of its nearest ancestor that has one."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return None

    def problem(
        self, loc: _Loc, key: str | None, message: str, severity: Severity = "error"
    ) -> None:
        self.problems.append(Problem(self.path, self.line(loc), key, message, severity))

    def load(self, text: str) -> Any:
        loader = _BoundedLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            self._nodes = 0
            return self._data(loader, node, ())
        finally:
            loader.dispose()

    def _data(self, loader: yaml.SafeLoader, node: yaml.Node, loc: _Loc) -> Any:
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise _TooLarge(
                f"the codebook holds more than {MAX_YAML_NODES:,} values once its YAML aliases "
                "are expanded: refusing it, since a few lines of nested aliases can expand to "
                "billions (write the values out, or use fewer aliases)",
                self.line(loc[:1]) or node.start_mark.line + 1,
            )
        if isinstance(node, yaml.CollectionNode):
            if id(node) in self._open:  # an alias of one of its own ancestors
                self.problem(loc, _dotted(loc) or None, "a YAML alias refers to itself")
                return None
            self._open.add(id(node))
            try:
                return self._collection(loader, node, loc)
            finally:
                self._open.discard(id(node))
        return loader.construct_object(node, deep=True)

    def _collection(self, loader: yaml.SafeLoader, node: yaml.CollectionNode, loc: _Loc) -> Any:
        if isinstance(node, yaml.MappingNode):
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.lines[(*loc, "?")] = key_node.start_mark.line + 1
                    self.problem((*loc, "?"), None, "a key must be plain text")
                    continue
                # The key as written: YAML 1.1 would read a key `no` (Norwegian) as False.
                key = str(key_node.value)
                key_loc = (*loc, key)
                if key in mapping:
                    first = self.lines[key_loc]
                    message = f"key '{key}' appears twice in the same mapping (first on line "
                    message += f"{first}); YAML would silently keep the last one: keep one"
                    problem = Problem(
                        self.path, key_node.start_mark.line + 1, _dotted(key_loc), message
                    )
                    self.problems.append(problem)
                    continue
                self.lines[key_loc] = key_node.start_mark.line + 1
                mapping[key] = self._data(loader, value_node, key_loc)
            return mapping
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item_node in enumerate(node.value):
                self.lines[(*loc, index)] = item_node.start_mark.line + 1
                items.append(self._data(loader, item_node, (*loc, index)))
            return items
        return None  # pragma: no cover - a collection is a mapping or a sequence


def _dotted(loc: Sequence[str | int]) -> str:
    """``('patterns', 'en', 2)`` → ``patterns.en[2]``: how problems name a key."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# --------------------------------------------------------------------------------------------
# The shape of the YAML, checked by pydantic at the edge


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _DefaultsModel(_Model):
    scope: str = "respondent"
    fuzzy_threshold: float = Field(88.0, ge=0, le=100)
    window: int = Field(8, ge=0)


class _CodebookModel(_Model):
    name: str
    version: str
    description: str | None = None
    languages: list[str]
    defaults: _DefaultsModel | None = None
    codes: list[Any]

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            raise ValueError(
                f'write the version in quotes, version: "{value}": unquoted, YAML reads it as a '
                "number and 1.10 would become 1.1"
            )
        return value


class _CodeModel(_Model):
    id: str
    label: str | None = None
    description: str | None = None
    include: str | None = None
    exclude: str | None = None
    colour: str | None = None
    patterns: dict[str, list[Any] | None] | None = None
    unless: dict[str, list[Any] | None] | None = None
    scope: str | None = None
    children: list[Any] | None = None


class _FuzzyModel(_Model):
    fuzzy: str
    threshold: float | None = Field(None, ge=0, le=100)


class _NearModel(_Model):
    near: list[str] = Field(min_length=2, max_length=2)
    within: int | None = Field(None, ge=0)


class _GuardedModel(_Model):
    pattern: str
    unless: list[str] | str | None = None
    within: int | None = Field(None, ge=0)


_ITEM_MODELS: dict[str, type[_Model]] = {
    "fuzzy": _FuzzyModel,
    "near": _NearModel,
    "pattern": _GuardedModel,
}


_PLACEHOLDERS: dict[str, Any] = {"name": "?", "version": "?", "languages": [], "codes": []}
"""Stand-ins for required keys that failed, so that checking can go on past them."""


def _validate(
    model: type[_Model], data: Any, document: _Document, loc: _Loc, context: str
) -> tuple[Any, set[str]]:
    """``model`` validated from ``data`` and the keys that had to be dropped or replaced.

    Each error is recorded with its line; the offending keys are then dropped (or replaced by a
    stand-in when required) and validation tried again, so that one bad key does not hide the
    problems of the rest. The model is None when that cannot be done.
    """
    try:
        return model.model_validate(data), set()
    except ValidationError as error:
        repaired = dict(data) if isinstance(data, dict) else None
        dropped: set[str] = set()
        for detail in error.errors():
            sub = tuple(detail["loc"])
            key = _dotted(sub) if sub else None
            document.problem(loc + sub, key, context + _describe(detail, sub, model))
            top = sub[0] if sub else None
            if repaired is None or not isinstance(top, str):
                repaired = None
                continue
            dropped.add(top)
            field = model.model_fields.get(top)
            if field is not None and field.is_required():
                if top not in _PLACEHOLDERS:
                    repaired = None
                    continue
                repaired[top] = _PLACEHOLDERS[top]
            else:
                repaired.pop(top, None)
    if repaired is None:
        return None, dropped
    try:
        return model.model_validate(repaired), dropped
    except ValidationError:  # pragma: no cover - every failing key was dropped or replaced
        return None, dropped


def _describe(detail: Any, sub: tuple[str | int, ...], model: type[_Model]) -> str:
    """A pydantic error in the words of the codebook format."""
    kind = detail["type"]
    name = str(sub[-1]) if sub else ""
    if kind == "extra_forbidden":
        known = list(model.model_fields) if len(sub) == 1 else []
        close = difflib.get_close_matches(name, known, n=1)
        suggestion = f" (did you mean '{close[0]}'?)" if close else ""
        allowed = f"; allowed here: {', '.join(known)}" if known else ""
        return f"unknown key '{name}'{suggestion}{allowed}"
    if kind == "missing":
        return f"missing key '{name}'"
    if kind == "model_type" or kind == "dict_type":
        return "expected a mapping of keys to values"
    if kind == "list_type":
        return f"'{name}' must be a list, e.g. [a, b]"
    if kind == "string_type":
        return f"'{name}' must be text"
    if kind == "value_error":
        return str(detail["ctx"]["error"])
    return f"'{name}': {detail['msg']}"


# --------------------------------------------------------------------------------------------
# Checking and building


def _read(path: Path) -> tuple[Codebook | None, list[Problem]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CodebookError("no such codebook file", path=path) from None
    except OSError as error:
        raise CodebookError(f"cannot read the codebook: {error.strerror}", path=path) from None
    document = _Document(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        document.problems.append(
            Problem(path, line, None, "the codebook is not UTF-8 text: save it as UTF-8")
        )
        return None, document.problems
    try:
        data = document.load(text)
    except _TooLarge as error:
        return None, [Problem(path, error.line, None, error.message)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = f"not valid YAML: {error.problem or error.context}"
        return None, [Problem(path, mark.line + 1 if mark else None, None, message)]
    except yaml.YAMLError as error:
        return None, [Problem(path, None, None, f"not valid YAML: {error}")]
    builder = _Builder(document, hashlib.sha256(raw).hexdigest())
    codebook = builder.build(data)
    problems = sorted(document.problems, key=lambda p: (p.line or 0, p.severity != "error"))
    if any(problem.severity == "error" for problem in problems):
        return None, problems
    return codebook, problems


class _Builder:
    """Walks the YAML data, records every problem, and builds the records when there are none."""

    def __init__(self, document: _Document, content_hash: str) -> None:
        self.document = document
        self.content_hash = content_hash
        self.languages: tuple[str, ...] = ()
        self.any_language = False
        self.defaults = Defaults()
        self.codes: list[Code] = []
        self.ids: dict[str, int] = {}

    def build(self, data: Any) -> Codebook | None:
        document = self.document
        if not isinstance(data, dict):
            document.problem(
                (),
                None,
                "a codebook is a mapping with name, version, languages "
                "and codes (see docs/codebook-format.md)",
            )
            return None
        model, dropped = _validate(_CodebookModel, data, document, (), "")
        if model is None:
            return None
        self.any_language = "languages" in dropped  # unknown: do not report every pattern
        self.languages = self._languages(model.languages) if not self.any_language else ()
        self.defaults = self._defaults(model.defaults)
        if not model.codes and "codes" not in dropped:
            document.problem(("codes",), "codes", "the codebook has no codes")
        for index, item in enumerate(model.codes):
            self._code(item, ("codes", index), parent=None, inherited=self.defaults.scope)
        return Codebook(
            name=model.name,
            version=model.version,
            description=model.description or "",
            languages=self.languages,
            defaults=self.defaults,
            codes=tuple(self.codes),
            source_path=document.path,
            content_hash=self.content_hash,
        )

    def _languages(self, languages: list[str]) -> tuple[str, ...]:
        seen: list[str] = []
        for index, language in enumerate(languages):
            loc: _Loc = ("languages", index)
            if language == ANY_LANGUAGE:
                self.document.problem(
                    loc, _dotted(loc), "'any' is always available: do not declare it in languages"
                )
            elif not _LANGUAGE.fullmatch(language):
                self.document.problem(
                    loc,
                    _dotted(loc),
                    f"'{language}' is not an ISO 639-1 language code such as en, es or ca",
                )
            elif language in seen:
                self.document.problem(
                    loc, _dotted(loc), f"language '{language}' is declared twice", "warning"
                )
            else:
                seen.append(language)
        if not languages:
            self.document.problem(
                ("languages",),
                "languages",
                "declare the languages the patterns use, e.g. languages: [en, es, ca]",
            )
        return tuple(seen)

    def _defaults(self, model: _DefaultsModel | None) -> Defaults:
        if model is None:
            return Defaults()
        scope = self._scope(model.scope, ("defaults", "scope"), "defaults.scope", "")
        return Defaults(scope or Scope.RESPONDENT, float(model.fuzzy_threshold), model.window)

    def _scope(self, value: str, loc: _Loc, key: str, context: str) -> Scope | None:
        try:
            return Scope(value)
        except ValueError:
            choices = ", ".join(scope.value for scope in Scope)
            self.document.problem(loc, key, f"{context}scope '{value}' is not one of {choices}")
            return None

    def _code(self, data: Any, loc: _Loc, parent: str | None, inherited: Scope) -> None:
        document = self.document
        given_id = data.get("id") if isinstance(data, dict) else None
        if isinstance(given_id, str):
            where = f"code {parent}/{given_id}: " if parent else f"code {given_id}: "
        else:
            where = f"code {parent}/…: " if parent else ""
        if not isinstance(data, dict):
            document.problem(
                loc, None, f"{where}a code is a mapping with at least id, and patterns or children"
            )
            return
        model, dropped = _validate(_CodeModel, data, document, loc, where)
        if model is None:
            return
        path = f"{parent}/{model.id}" if parent else model.id
        context = f"code {path}: "
        if not _ID.fullmatch(model.id):
            document.problem(
                (*loc, "id"),
                "id",
                f"{context}id '{model.id}' must be one path "
                "segment of lower-case letters, digits, - and _",
            )
        if path in self.ids:
            document.problem(
                (*loc, "id"),
                "id",
                f"{context}duplicate code path: '{path}' is "
                f"already defined on line {self.ids[path]}",
            )
        else:
            duplicates = [other for other in self.ids if other.rsplit("/", 1)[-1] == model.id]
            if duplicates:
                document.problem(
                    (*loc, "id"),
                    "id",
                    f"{context}id '{model.id}' is also used by "
                    f"{duplicates[0]}; the paths differ, so these are different "
                    "codes",
                    "warning",
                )
            self.ids[path] = document.line((*loc, "id")) or 0
        scope = inherited
        if model.scope is not None:
            scope = self._scope(model.scope, (*loc, "scope"), "scope", context) or inherited
        colour = None
        if "colour" in model.model_fields_set:
            colour = self._colour(model.colour, (*loc, "colour"), context)
        patterns = self._pattern_lists(
            model.patterns, (*loc, "patterns"), context, allow_mappings=True
        )
        unless = self._pattern_lists(model.unless, (*loc, "unless"), context, allow_mappings=False)
        children = model.children or []
        written = sum(len(items or []) for items in (model.patterns or {}).values())
        if not written and not children and not dropped & {"patterns", "children"}:
            document.problem(
                (*loc, "id"),
                "patterns",
                f"{context}the code has no patterns and "
                "no children, so nothing can ever be coded with it",
            )
        self.codes.append(
            Code(
                path=path,
                id=model.id,
                label=model.label or model.id,
                description=model.description or "",
                include=model.include or "",
                exclude=model.exclude or "",
                colour=colour,
                scope=scope,
                patterns=tuple(patterns),
                unless=tuple(unless),
                parent_path=parent,
                depth=path.count("/"),
                line=document.line(loc),
            )
        )
        for index, child in enumerate(children):
            self._code(child, (*loc, "children", index), parent=path, inherited=scope)

    def _colour(self, value: str | None, loc: _Loc, context: str) -> str | None:
        if value is None:
            self.document.problem(
                loc,
                "colour",
                f"{context}colour is empty: quote it, "
                'colour: "#c0392b" (an unquoted # starts a YAML comment)',
            )
            return None
        if not _COLOUR.fullmatch(value):
            self.document.problem(
                loc, "colour", f"{context}colour '{value}' is not a hex colour such as \"#c0392b\""
            )
            return None
        return value.lower()

    def _pattern_lists(
        self,
        lists: dict[str, list[Any] | None] | None,
        loc: _Loc,
        context: str,
        *,
        allow_mappings: bool,
    ) -> list[Pattern]:
        patterns: list[Pattern] = []
        seen: set[tuple[str, str]] = set()
        for language, items in (lists or {}).items():
            language_loc = (*loc, language)
            key = _dotted(language_loc[-2:])
            if (
                language != ANY_LANGUAGE
                and language not in self.languages
                and not self.any_language
            ):
                declared = ", ".join(self.languages) or "none"
                self.document.problem(
                    language_loc,
                    key,
                    f"{context}patterns in language "
                    f"'{language}', which the codebook does not declare "
                    f"(languages: {declared}); add it to languages or use any",
                )
                continue
            for index, item in enumerate(items or []):
                item_loc = (*language_loc, index)
                pattern = self._pattern_item(item, language, item_loc, context, allow_mappings)
                if pattern is None:
                    continue
                if (language, pattern.source) in seen:
                    self.document.problem(
                        item_loc,
                        _dotted(item_loc[-3:]),
                        f"{context}pattern '{pattern.source}' is listed twice",
                        "warning",
                    )
                    continue
                seen.add((language, pattern.source))
                patterns.append(pattern)
        return patterns

    def _pattern_item(
        self, item: Any, language: str, loc: _Loc, context: str, allow_mappings: bool
    ) -> Pattern | None:
        key = _dotted(loc[-3:])
        line = self.document.line(loc)
        threshold = self.defaults.fuzzy_threshold
        if isinstance(item, str):
            return self._string(item, language, loc, key, context, threshold)
        if not isinstance(item, dict) or not allow_mappings:
            what = "text or a mapping (pattern, near or fuzzy)" if allow_mappings else "text"
            self.document.problem(loc, key, f"{context}a pattern here must be {what}")
            return None
        kinds = [name for name in _ITEM_MODELS if name in item]
        if len(kinds) != 1:
            self.document.problem(
                loc,
                key,
                f"{context}a pattern mapping needs exactly one of the keys pattern, near or fuzzy",
            )
            return None
        model, _ = _validate(_ITEM_MODELS[kinds[0]], item, self.document, loc, context)
        if isinstance(model, _FuzzyModel):
            if model.threshold is not None:
                threshold = float(model.threshold)
            return self._string(
                f"fuzzy:{model.fuzzy}",
                language,
                (*loc, "fuzzy"),
                _dotted((*loc[-3:], "fuzzy")),
                context,
                threshold,
            )
        if isinstance(model, _NearModel):
            parts = [
                self._string(
                    text,
                    language,
                    (*loc, "near", index),
                    _dotted((*loc[-3:], "near", index)),
                    context,
                    threshold,
                )
                for index, text in enumerate(model.near)
            ]
            if parts[0] is None or parts[1] is None:
                return None
            within = model.within if model.within is not None else self.defaults.window
            return Pattern(
                PatternKind.NEAR,
                f"{model.near[0]} NEAR/{within} {model.near[1]}",
                language,
                within=within,
                near=(parts[0], parts[1]),
                line=line,
            )
        if isinstance(model, _GuardedModel):
            main = self._string(
                model.pattern,
                language,
                (*loc, "pattern"),
                _dotted((*loc[-3:], "pattern")),
                context,
                threshold,
            )
            texts = [model.unless] if isinstance(model.unless, str) else model.unless or []
            if not texts:
                self.document.problem(
                    loc,
                    key,
                    f"{context}a pattern mapping without unless is "
                    "just its pattern: write the string alone",
                )
            elif model.within is None and "within" in item:
                self.document.problem(
                    (*loc, "within"),
                    _dotted((*loc[-3:], "within")),
                    f"{context}within is empty: give a number of words",
                )
            vetoes = [
                self._string(
                    text,
                    language,
                    (*loc, "unless", index),
                    _dotted((*loc[-3:], "unless", index)),
                    context,
                    threshold,
                )
                for index, text in enumerate(texts)
            ]
            if main is None or any(veto is None for veto in vetoes):
                return None
            return Pattern(
                main.kind,
                main.source,
                language,
                main.terms,
                main.expression,
                main.threshold,
                model.within,
                tuple(veto for veto in vetoes if veto is not None),
                line=line,
            )
        return None

    def _string(
        self, text: str, language: str, loc: _Loc, key: str, context: str, threshold: float
    ) -> Pattern | None:
        pattern, problems = _parse_string(text, language, threshold)
        for severity, message in problems:
            self.document.problem(loc, key, f"{context}{message}", severity)
        if pattern is None or any(severity == "error" for severity, _ in problems):
            return None
        return Pattern(
            pattern.kind,
            pattern.source,
            pattern.language,
            pattern.terms,
            pattern.expression,
            pattern.threshold,
            line=self.document.line(loc),
        )


_Finding = tuple[Severity, str]


def _parse_string(
    text: str, language: str, threshold: float
) -> tuple[Pattern | None, list[_Finding]]:
    """A pattern written as a string, and what is wrong or doubtful about it."""
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered.startswith("re:"):
        return _parse_regex(text, stripped[3:].strip(), language)
    for prefix, kind in (("stem:", PatternKind.STEM), ("fuzzy:", PatternKind.FUZZY)):
        if lowered.startswith(prefix):
            return _parse_single_word(text, stripped[len(prefix) :], kind, language, threshold)
    findings: list[_Finding] = []
    terms, problem = _terms(stripped)
    if problem:
        return None, [("error", f"pattern '{text}': {problem}")]
    prefix_match = _LOOKS_LIKE_PREFIX.match(lowered)
    if prefix_match and prefix_match.group(1) not in ("re", "stem", "fuzzy"):
        findings.append(
            (
                "warning",
                f"pattern '{text}': '{prefix_match.group(1)}:' is not a "
                "pattern prefix (re:, stem:, fuzzy:), so this is read as the phrase "
                f"'{' '.join(terms)}'",
            )
        )
    syntax = sorted(set(stripped) & _REGEX_SYNTAX)
    if syntax:
        findings.append(
            (
                "warning",
                f"pattern '{text}': {' '.join(syntax)} only separate "
                "words here; write re:… for a regular expression",
            )
        )
    for term in terms:
        if term.endswith("*"):
            letters = len(term) - 1
            if letters < MIN_PREFIX_LETTERS:
                findings.append(
                    (
                        "error",
                        f"wildcard '{term}' has {letters} letter"
                        f"{'s' if letters != 1 else ''} before the *: it needs at least "
                        f"{MIN_PREFIX_LETTERS}, or it matches far too many words",
                    )
                )
            elif letters < COMFORTABLE_PREFIX_LETTERS:
                findings.append(
                    (
                        "warning",
                        f"wildcard '{term}' has only {letters} letters "
                        "before the *: check that it does not match unrelated words",
                    )
                )
    if len(terms) > 1:
        kind = PatternKind.PHRASE
    elif terms[0].endswith("*"):
        kind = PatternKind.PREFIX
    else:
        kind = PatternKind.WORD
    return Pattern(kind, text, language, terms), findings


def _terms(text: str) -> tuple[tuple[str, ...], str | None]:
    """The folded words of a word, wildcard or phrase pattern, or what is wrong with them."""
    folded = fold(text)
    terms: list[str] = []
    for match in _PATTERN_PIECE.finditer(folded):
        piece = match.group()
        if piece == "*" or (
            piece.endswith("*") and match.end() < len(folded) and WORD.match(folded, match.end())
        ):
            return (), "a wildcard * can only end a word, as in inequalit*"
        terms.append(piece)
    if not terms:
        return (), "no words in it"
    return tuple(terms), None


def _parse_single_word(
    text: str, body: str, kind: PatternKind, language: str, threshold: float
) -> tuple[Pattern | None, list[_Finding]]:
    name = kind.value
    terms, problem = _terms(body)
    if problem or len(terms) != 1 or terms[0].endswith("*"):
        return None, [
            (
                "error",
                f"pattern '{text}': {name}: takes exactly one word, without "
                "wildcards (for several words use a phrase)",
            )
        ]
    word = terms[0]
    if kind is PatternKind.STEM:
        if language == ANY_LANGUAGE:
            return None, [
                (
                    "error",
                    f"pattern '{text}': stems depend on the language, so a "
                    "stem: cannot be in an any list; put it under its language",
                )
            ]
        if language not in SNOWBALL_LANGUAGES:
            return None, [
                (
                    "error",
                    f"pattern '{text}': there is no stemmer for language "
                    f"'{language}'; use a wildcard instead",
                )
            ]
        return Pattern(kind, text, language, (word,)), []
    if len(word) < MIN_FUZZY_LETTERS:
        return None, [
            (
                "error",
                f"pattern '{text}': fuzzy words need at least "
                f"{MIN_FUZZY_LETTERS} letters ('{word}' has {len(word)}); short words "
                "are too close to too many others",
            )
        ]
    return Pattern(kind, text, language, (word,), threshold=threshold), []


def fold_regex(expression: str) -> str:
    """A regular expression as the matcher runs it: non-ASCII letters folded like the text.

    ASCII is left alone: lower-casing ``\\W``, ``\\S`` or ``\\D`` would invert them. Case is handled
    by searching with ``re.IGNORECASE``.
    """
    return "".join(char if char.isascii() else fold_char(char) for char in expression)


_TOKEN_BOUNDARY = r"(?:(?<!\w)|(?!\w))"  # not between two word characters
_GLOBAL_FLAGS = re.compile(r"(?:\(\?[aiLmsux]+\))*")


def compile_regex(expression: str) -> tuple[re.Pattern[str], str]:
    """A ``re:`` pattern as the matcher runs it, and its folded body (without leading flags).

    Folded (:func:`fold_regex`), case-insensitive, and required to end on a token boundary:
    inside the expression, so that the search backtracks to find such an end (``rent|rental``
    gives ``rental``). Where it starts is the matcher's business. Raises ``re.error``.
    """
    folded = fold_regex(expression)
    flags = _GLOBAL_FLAGS.match(folded)
    leading = flags.group() if flags else ""
    body = folded[len(leading) :]
    verbose = re.compile(folded).flags & re.VERBOSE
    closing = "\n)" if verbose else ")"  # a verbose expression may end in a # comment
    return re.compile(f"{leading}(?:{body}{closing}{_TOKEN_BOUNDARY}", re.IGNORECASE), body


def _parse_regex(
    text: str, expression: str, language: str
) -> tuple[Pattern | None, list[_Finding]]:
    if not expression:
        return None, [("error", f"pattern '{text}': the regular expression is empty")]
    folded = fold_regex(expression)
    try:
        compile_regex(expression)
    except re.error as error:
        return None, [
            (
                "error",
                f"pattern '{text}': bad regular expression: {error.msg} at position {error.pos}",
            )
        ]
    except (OverflowError, RecursionError):
        return None, [("error", f"pattern '{text}': the regular expression is too large")]
    if sre_parser.parse(folded, re.IGNORECASE).getwidth()[0] == 0:
        return None, [
            (
                "error",
                f"pattern '{text}': the regular expression can match empty "
                "text; make at least one character required",
            )
        ]
    risk = regex_risk(folded)
    if risk:
        return None, [("error", f"pattern '{text}': {risk}")]
    chained = regex_chained_repeats(folded)
    if chained > MAX_CHAINED_REPEATS:
        return None, [("error", f"pattern '{text}': {_chained_message(chained)}")]
    pattern = Pattern(PatternKind.REGEX, text, language, expression=expression)
    if chained == MAX_CHAINED_REPEATS:
        return pattern, [("warning", f"pattern '{text}': {_chained_message(chained)}")]
    return pattern, []


MAX_CHAINED_REPEATS = 2
"""Unbounded repeats that can take the same characters one after another (``.*a.*``): two are
a warning (time grows with the cube of a turn's length), more an error."""


def _chained_message(count: int) -> str:
    power = {3: "cube", 4: "fourth power", 5: "fifth power"}.get(count + 1, f"{count + 1}th power")
    slow = "seconds on a long turn" if count == 2 else "over a minute on a 1,000-character turn"
    return (
        f"this regular expression can take time growing with the {power} of a turn's length "
        f"({slow}): {count} unbounded repeats such as .* can each take the same characters, so "
        "a turn without a hit is tried in every way of sharing it out between them; keep one: "
        "merge repeats that follow each other (.*.* is .*), stop each gap at what follows it "
        "(a[^a]*a[^c]*c instead of a.*a.*c), or use a near pattern"
    )


def regex_chained_repeats(expression: str) -> int:
    """The longest chain of unbounded repeats in ``expression`` that can share out the same text.

    Two repeats are chained when the later one can take characters the earlier one takes and
    everything between them can be taken by the earlier one too (``.*a.*``, ``.*.*``, ``\\w+.*``),
    so that a failing search tries every split of the text between them: a chain of k repeats
    makes the search take time growing with the (k+1)th power of the text's length.
    ``\\w+ly\\s+\\w+`` has no chain (``\\s`` stops the first ``\\w+``); nor has ``a[^a]*a[^c]*c``.
    """
    tree = sre_parser.parse(expression, re.IGNORECASE)
    analyser = _RegexAnalyser(tree.state)
    longest = 0
    sequences = [list(tree)]
    for op, av in _walk(list(tree)):
        if op in _REPEATS:
            sequences.append(list(av[2]))
        elif op is _C.SUBPATTERN:
            sequences.append(list(av[3]))
        elif op is _C.BRANCH:
            sequences.extend(list(alternative) for alternative in av[1])
    for sequence in sequences:
        longest = max(longest, analyser.chain(_flatten(sequence)))
    return longest


# --------------------------------------------------------------------------------------------
# Catastrophic backtracking


_C = sre_constants
_REPEATS = (_C.MAX_REPEAT, _C.MIN_REPEAT)
# The characters character sets are compared on: all of ASCII (so that start characters are exact
# there), Latin-1 and Latin Extended, and a few others of each category.
_PROBE = "".join(chr(i) for i in range(0x250)) + "\u2019\u2028αЖ中٣"
_CATEGORY_SETS = {
    name: frozenset(c for c in _PROBE if re.fullmatch(regex, c))
    for name, regex in (
        ("DIGIT", r"\d"),
        ("NOT_DIGIT", r"\D"),
        ("SPACE", r"\s"),
        ("NOT_SPACE", r"\S"),
        ("WORD", r"\w"),
        ("NOT_WORD", r"\W"),
        ("LINEBREAK", r"\n"),
        ("NOT_LINEBREAK", r"[^\n]"),
    )
}
_ALL = frozenset(_PROBE)
_RISK = (
    "this regular expression can take exponential time on some text: a repeated group can "
    "split the same characters between its repetitions in many ways, as in (a+)+, (a|aa)* or "
    "(\\w+\\s?)+; make each repetition end in something the next cannot start with, e.g. "
    "(\\w+\\s)+"
)


class _RegexAnalyser:
    """Reads the tree of ``re._parser`` (the form ``re`` compiles, alternatives factored)."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def risk(self, items: list[Any]) -> str | None:
        for op, av in _walk(items):
            if op in _REPEATS and av[1] > 1:
                body = _flatten(list(av[2]))
                if self._ambiguous_split(body, self.first(body)[0]) or _twin_branches(body):
                    return _RISK
        return None

    def _ambiguous_split(self, items: list[Any], first: frozenset[str]) -> bool:
        """Whether the repetitions of ``items`` can share out the same text in several ways.

        True when a variable-length piece can swallow everything after it in ``items`` (nothing,
        optional parts, or characters it also takes) and go on into the characters a next
        repetition starts with: ``(a+)+``, ``(\\w+\\s?)+``, ``(.*a){2,}``, ``(a|aa)*``.
        """
        for index, (op, av) in enumerate(items):
            if op in _REPEATS:
                low, high, body = av
                if low == high:  # a fixed count: look inside
                    if self._ambiguous_split(_flatten(list(body)) + items[index + 1 :], first):
                        return True
                    continue
            elif op is _C.BRANCH:
                alternatives = [_flatten(list(alt)) for alt in av[1]]
                if any(
                    self._ambiguous_split(alt + items[index + 1 :], first) for alt in alternatives
                ):
                    return True
                if len({self.width(alt) for alt in alternatives}) == 1:
                    continue
            else:
                continue
            chars = self.chars([(op, av)])
            rest = items[index + 1 :]
            swallowed = self.width(rest)[0] == 0 or self.chars(rest) <= chars
            if swallowed and chars & first:
                return True
        return False

    def chain(self, items: list[Any]) -> int:
        """The longest chain of unbounded repeats in one flat sequence (see
        :func:`regex_chained_repeats`)."""
        repeats = [
            (index, self.chars([(op, av)]))
            for index, (op, av) in enumerate(items)
            if op in _REPEATS and av[1] == _C.MAXREPEAT and self.width(list(av[2]))[1] > 0
        ]
        best: list[int] = []
        for later, (end, taken) in enumerate(repeats):
            length = 1
            for earlier, (start, chars) in enumerate(repeats[:later]):
                if taken & chars and self.chars(items[start + 1 : end]) <= chars:
                    length = max(length, best[earlier] + 1)
            best.append(length)
        return max(best, default=0)

    def width(self, items: list[Any]) -> tuple[int, int]:
        return tuple(sre_parser.SubPattern(self.state, items).getwidth())

    def nullable(self, op: Any, av: Any) -> bool:
        return self.width([(op, av)])[0] == 0

    def first(self, items: list[Any]) -> tuple[frozenset[str], bool]:
        """The characters ``items`` can start with, and whether they can match nothing."""
        found: set[str] = set()
        for op, av in items:
            if op in (_C.LITERAL, _C.NOT_LITERAL, _C.ANY, _C.IN):
                return frozenset(found | _charset(op, av)), False
            if op in _REPEATS or op is _C.POSSESSIVE_REPEAT:
                chars, nullable = self.first(list(av[2]))
                found |= chars
                if not (nullable or av[0] == 0):
                    return frozenset(found), False
            elif op is _C.SUBPATTERN or op is _C.ATOMIC_GROUP:
                chars, nullable = self.first(list(av[-1] if op is _C.SUBPATTERN else av))
                found |= chars
                if not nullable:
                    return frozenset(found), False
            elif op is _C.BRANCH:
                results = [self.first(list(alt)) for alt in av[1]]
                found.update(*(chars for chars, _ in results))
                if not any(nullable for _, nullable in results):
                    return frozenset(found), False
            elif op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
                continue
            else:  # back-references and the like: could start with anything
                found |= _ALL
        return frozenset(found), True

    def chars(self, items: list[Any]) -> frozenset[str]:
        """Every character ``items`` can consume."""
        found: set[str] = set()
        for op, av in _walk(items):
            if op in (_C.LITERAL, _C.NOT_LITERAL, _C.ANY, _C.IN):
                found |= _charset(op, av)
            elif op in (_C.GROUPREF, _C.GROUPREF_EXISTS):
                found |= _ALL
        return frozenset(found)


def _walk(items: list[Any]) -> Iterator[tuple[Any, Any]]:
    """Every node of a parsed expression, depth first, outside lookarounds' contents included."""
    for op, av in items:
        yield op, av
        if op in _REPEATS or op is _C.POSSESSIVE_REPEAT:
            yield from _walk(list(av[2]))
        elif op is _C.SUBPATTERN:
            yield from _walk(list(av[3]))
        elif op is _C.ATOMIC_GROUP:
            yield from _walk(list(av))
        elif op is _C.BRANCH:
            for alternative in av[1]:
                yield from _walk(list(alternative))
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            yield from _walk(list(av[1]))
        elif op is _C.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch is not None:
                    yield from _walk(list(branch))


def _flatten(items: list[Any]) -> list[Any]:
    """Groups spliced into their sequence: ``(\\w+\\s)`` is ``\\w+ \\s`` for what follows what."""
    flat: list[Any] = []
    for op, av in items:
        if op is _C.SUBPATTERN and not av[1] and not av[2]:
            flat.extend(_flatten(list(av[3])))
        else:
            flat.append((op, av))
    return flat


def _twin_branches(items: list[Any]) -> bool:
    """Whether an alternation in ``items`` has two alternatives that match the same text.

    Only alternatives made of single characters are compared (``re`` factors common prefixes, so
    ``(a|a)`` arrives as ``a(|)``: two empty alternatives).
    """
    for op, av in _walk(items):
        if op is not _C.BRANCH:
            continue
        shapes = []
        for alternative in av[1]:
            sets = []
            for item_op, item_av in _flatten(list(alternative)):
                if item_op not in (_C.LITERAL, _C.NOT_LITERAL, _C.ANY, _C.IN):
                    break
                sets.append(_charset(item_op, item_av))
            else:
                shapes.append(sets)
        for index, one in enumerate(shapes):
            for other in shapes[index + 1 :]:
                if len(one) == len(other) and all(a & b for a, b in zip(one, other, strict=True)):
                    return True
    return False


def _charset(op: Any, av: Any) -> frozenset[str]:
    """The probe characters one character-matching node accepts (case-insensitively)."""
    if op is _C.ANY:
        return _ALL - {"\n"}
    if op is _C.LITERAL:
        return _cases(chr(av))
    if op is _C.NOT_LITERAL:
        return _ALL - _cases(chr(av))
    found: set[str] = set()
    negate = False
    for item_op, item_av in av:
        if item_op is _C.NEGATE:
            negate = True
        elif item_op is _C.LITERAL:
            found |= _cases(chr(item_av))
        elif item_op is _C.RANGE:
            low, high = item_av
            found.update(c for c in _PROBE if any(low <= ord(case) <= high for case in _cases(c)))
        elif item_op is _C.CATEGORY:
            name = str(item_av).removeprefix("CATEGORY_").removeprefix("UNI_")
            found |= _CATEGORY_SETS.get(name, _ALL)
        else:
            found |= _ALL
    return frozenset(_ALL - found) if negate else frozenset(found)


def _cases(char: str) -> frozenset[str]:
    """``char`` and its one-character upper and lower case: what IGNORECASE lets it match."""
    return frozenset(case for case in (char, char.lower(), char.upper()) if len(case) == 1)
