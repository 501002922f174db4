"""Why a segment was or was not coded: every hit of a code's patterns, kept or dropped, and why.

The matcher reports only the hits it keeps. To show the others, the codebook is compiled a second
time with every rule that can drop a hit relaxed: each code in scope for every speaker, each
pattern in every language, no ``unless``, ``near`` parts at any distance, fuzzy words accepted down
to :data:`NEAR_MISS_MARGIN` points under their threshold. A hit of that matcher that the codebook's
own matcher lacks is a dropped hit, and its reasons are read off its pattern and its segment: the
code's scope and the speaker's role, the pattern's language and the segment's, the ``unless``
patterns that hit near it, the words between the parts of a ``near``, the fuzzy score. Both are
the matcher ``code`` runs, so what is shown is what coding does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from qualcode.codebook import (
    ANY_LANGUAGE,
    Code,
    Codebook,
    Pattern,
    PatternKind,
    Scope,
    covers,
    find_codebook,
    load_codebook,
)
from qualcode.errors import UsageError
from qualcode.matching import Hit, Matcher
from qualcode.models import Role, Segment
from qualcode.store import Store
from qualcode.text import WORD, fold

NEAR_MISS_MARGIN = 15.0
"""How far under its threshold a fuzzy candidate is still shown, as a near miss."""
ANY_DISTANCE = 1_000_000
"""A ``within`` no segment reaches: the ``near`` parts at any distance."""


@dataclass(frozen=True)
class Finding:
    """One hit of one pattern in one segment, kept (a coding's evidence) or dropped, and why.

    ``start``/``end`` are offsets in the segment's text, as in :class:`~qualcode.matching.Hit`.
    """

    code_path: str
    pattern: str
    kind: str
    start: int
    end: int
    matched: str
    reasons: tuple[str, ...] = ()

    @property
    def kept(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class CodeExplanation:
    """What one code's patterns found in a segment, and whether the code applies there."""

    code_path: str
    label: str
    findings: tuple[Finding, ...]

    @property
    def coded(self) -> bool:
        return any(finding.kept for finding in self.findings)


class Explainer:
    """A codebook compiled twice, as it codes and with its rules relaxed; explains segments."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._matcher = Matcher(codebook)
        self._relaxed = Matcher(_relaxed(codebook))
        self._patterns: dict[tuple[str, str], list[Pattern]] = {}
        for code in codebook.codes:
            for pattern in code.patterns:
                self._patterns.setdefault((code.path, pattern.source), []).append(pattern)
        vetoes = _veto_codebook(codebook)
        self._vetoes = Matcher(vetoes) if vetoes.codes else None
        self._by_path = {code.path: code for code in codebook.codes}

    def explain(
        self, segment: Segment, codes: Sequence[str] | None = None
    ) -> list[CodeExplanation]:
        """Per code with any hit, kept or dropped (``codes``: only these), in codebook order."""
        languages = _languages(segment, self.codebook)
        role = segment.role.value if segment.role else None
        kept = {
            (hit.code_path, hit.pattern, hit.start, hit.end)
            for hit in self._matcher.match(segment.text, languages, _matcher_role(role))
        }
        candidates = self._relaxed.match(segment.text, languages, None)
        vetoes = self._veto_hits(segment.text, languages)
        wanted = set(codes) if codes is not None else None
        found: dict[str, list[Finding]] = {}
        seen: set[tuple[str, str, int, int]] = set()
        for hit in candidates:
            key = (hit.code_path, hit.pattern, hit.start, hit.end)
            if (wanted is not None and hit.code_path not in wanted) or key in seen:
                continue
            seen.add(key)
            reasons: tuple[str, ...] = ()
            if key not in kept:
                reasons = self._reasons(hit, segment, languages, role, vetoes, kept)
                if not reasons:
                    continue  # another pairing of a near pattern that was kept
            finding = Finding(
                hit.code_path, hit.pattern, hit.kind, hit.start, hit.end, hit.matched, reasons
            )
            found.setdefault(hit.code_path, []).append(finding)
        return [
            CodeExplanation(code.path, code.label, tuple(found[code.path]))
            for code in self.codebook.codes
            if code.path in found
        ]

    def _veto_hits(self, text: str, languages: tuple[str, ...]) -> dict[str, list[Hit]]:
        if self._vetoes is None:
            return {}
        grouped: dict[str, list[Hit]] = {}
        for hit in self._vetoes.match(text, languages, None):
            grouped.setdefault(hit.code_path, []).append(hit)
        return grouped

    def _reasons(
        self,
        hit: Hit,
        segment: Segment,
        languages: tuple[str, ...],
        role: str | None,
        vetoes: dict[str, list[Hit]],
        kept: set[tuple[str, str, int, int]],
    ) -> tuple[str, ...]:
        code = self._by_path[hit.code_path]
        patterns = self._patterns.get((hit.code_path, hit.pattern), [])
        reasons: list[str] = []
        if not covers(code.scope, role):
            reasons.append(
                f"scope: the code applies to {_scope_text(code.scope)}; this is {_role_text(role)}"
            )
        usable = [p for p in patterns if p.language in (*languages, ANY_LANGUAGE)]
        if not usable:
            written = ", ".join(sorted({p.language for p in patterns}))
            reasons.append(
                f"language: the pattern is for {written}; the segment is {','.join(languages)}"
            )
            usable = patterns
        for veto in vetoes.get(_veto_path(code.path, None), ()):
            reasons.append(f"unless: “{veto.matched}” ({veto.pattern}) is in the segment")
        for index, pattern in enumerate(code.patterns):
            if pattern not in usable or not pattern.unless:
                continue
            for veto in vetoes.get(_veto_path(code.path, index), ()):
                distance = _words_between(segment.text, (hit.start, hit.end), veto)
                if pattern.within is None or distance <= pattern.within:
                    where = (
                        "in the segment"
                        if pattern.within is None
                        else f"{distance} words away (within {pattern.within})"
                    )
                    reasons.append(f"unless: “{veto.matched}” ({veto.pattern}) is {where}")
        for pattern in usable:
            if pattern.kind is PatternKind.NEAR and pattern.near is not None:
                between = _words_inside(hit.matched) - _part_words(pattern.near)
                limit = pattern.within if pattern.within is not None else 0
                if between > limit:
                    reasons.append(
                        f"near: {between} words between the parts, more than within {limit}"
                    )
            if pattern.kind is PatternKind.FUZZY and pattern.threshold is not None:
                score = _fuzzy_score(hit.matched, pattern.terms[0])
                if score < pattern.threshold:
                    reasons.append(
                        f"fuzzy: “{hit.matched}” scores {score:.0f} against "
                        f"“{pattern.terms[0]}”, under the threshold {pattern.threshold:.0f} "
                        "(a near miss)"
                    )
        if not reasons and not any(
            k[0] == hit.code_path and k[1] == hit.pattern and k[2] < hit.end and hit.start < k[3]
            for k in kept
        ):
            reasons.append("not kept by the matcher")
        return tuple(dict.fromkeys(reasons))


def _relaxed(codebook: Codebook) -> Codebook:
    """The codebook with every rule that can drop a hit relaxed (the module's description)."""
    codes = tuple(
        replace(
            code,
            scope=Scope.ALL,
            unless=(),
            patterns=tuple(_relaxed_pattern(pattern) for pattern in code.patterns),
        )
        for code in codebook.codes
    )
    return replace(codebook, codes=codes)


def _relaxed_pattern(pattern: Pattern) -> Pattern:
    near = pattern.near
    if near is not None:
        near = (_relaxed_pattern(near[0]), _relaxed_pattern(near[1]))
    threshold = pattern.threshold
    if threshold is not None:
        threshold = max(0.0, threshold - NEAR_MISS_MARGIN)
    # A stem needs its language's stemmer; every other pattern is tried in every language.
    language = pattern.language if pattern.kind is PatternKind.STEM else ANY_LANGUAGE
    return replace(
        pattern,
        language=language,
        unless=(),
        threshold=threshold,
        near=near,
        within=ANY_DISTANCE if pattern.kind is PatternKind.NEAR else pattern.within,
    )


def _veto_path(code_path: str, pattern_index: int | None) -> str:
    return f"{code_path}#{'code' if pattern_index is None else pattern_index}"


def _veto_codebook(codebook: Codebook) -> Codebook:
    """One code per ``unless`` list (a code's or a pattern's), to find where those patterns hit."""
    codes: list[Code] = []
    for code in codebook.codes:
        lists: list[tuple[int | None, Iterable[Pattern]]] = [(None, code.unless)]
        lists += [(index, p.unless) for index, p in enumerate(code.patterns) if p.unless]
        for index, vetoes in lists:
            patterns = tuple(vetoes)
            if patterns:
                path = _veto_path(code.path, index)
                codes.append(
                    Code(path=path, id=path, label=path, scope=Scope.ALL, patterns=patterns)
                )
    return replace(codebook, codes=tuple(codes))


def _languages(segment: Segment, codebook: Codebook) -> tuple[str, ...]:
    """The segment's languages; a segment of unknown language gets every language, as in coding."""
    if segment.language:
        return tuple(part.strip() for part in segment.language.split(",") if part.strip())
    return codebook.languages


def _matcher_role(role: str | None) -> str | None:
    """The matcher knows interviewers, chairs and everyone else (respondents and unknown)."""
    return role if role in (Role.INTERVIEWER.value, Role.CHAIR.value) else None


def _scope_text(scope: Scope) -> str:
    return {
        Scope.RESPONDENT: "respondent turns and turns of unknown speakers",
        Scope.INTERVIEWER: "interviewer turns",
        Scope.ALL: "every turn",
    }[scope]


def _role_text(role: str | None) -> str:
    return f"a turn of the {role}" if role else "a turn of an unknown speaker"


def _words_inside(text: str) -> int:
    return len(WORD.findall(fold(text)))


def _part_words(parts: tuple[Pattern, Pattern]) -> int:
    return sum(max(1, len(part.terms)) for part in parts)


def _words_between(text: str, span: tuple[int, int], other: Hit) -> int:
    """Tokens strictly between a span and another hit (0 when they touch or overlap)."""
    start, end = span
    if other.start >= end:
        return _words_inside(text[end : other.start])
    if other.end <= start:
        return _words_inside(text[other.end : start])
    return 0


def _fuzzy_score(matched: str, word: str) -> float:
    from rapidfuzz import fuzz

    return float(fuzz.ratio(fold(matched), word))


@dataclass(frozen=True)
class ChosenCodebook:
    """The codebook a search or an explanation uses, where it was found, and what to say of it."""

    codebook: Codebook
    where: str
    note: str = ""


def choose_codebook(store: Store, given: str | None, project_dir: Path) -> ChosenCodebook:
    """``--codebook`` when given, else the codebook of the project's latest automatic run."""
    if given is not None:
        path, origin = find_codebook(given, project_dir)
        return ChosenCodebook(load_codebook(path), f"{path}, {origin}")
    coder = store.latest_automatic_coder()
    run = store.latest_run(coder) if coder is not None else None
    if run is None:
        raise UsageError(
            "no automatic coding run in this project to take the codebook from",
            hint="pass --codebook FILE",
        )
    stored = Path(run.codebook_path)
    path, origin = (
        (stored, "the last run's file")
        if stored.is_file()
        else find_codebook(run.codebook_name, project_dir)
    )
    codebook = load_codebook(path)
    note = ""
    if codebook.content_hash != run.codebook_hash:
        note = (
            f"{path} changed since the last run of {coder} ({run.started_at}): what is shown is "
            "what it would code now; run 'qualcode code' to store it"
        )
    return ChosenCodebook(codebook, f"{path}, {origin}", note)
