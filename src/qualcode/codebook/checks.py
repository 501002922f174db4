"""Checking and building: from the YAML's nodes to frozen records, with every problem found."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from qualcode.codebook.patterns import _parse_string
from qualcode.codebook.records import (
    _COLOUR,
    _ID,
    _LANGUAGE,
    ANY_LANGUAGE,
    Code,
    Codebook,
    Defaults,
    Pattern,
    PatternKind,
    Problem,
    Scope,
)
from qualcode.codebook.shapes import (
    _ITEM_MODELS,
    _CodebookModel,
    _CodeModel,
    _DefaultsModel,
    _FuzzyModel,
    _GuardedModel,
    _NearModel,
    _validate,
)
from qualcode.codebook.yaml_lines import _Document, _dotted, _Loc, _TooLarge
from qualcode.errors import CodebookError


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
