"""Keyword in context over the project: where patterns hit, in scope or not, with their context.

A search runs the codebook's own pattern engine over every current segment. Patterns given on the
command line are written as in a codebook (``evict*``, ``social hous*``, ``stem:alquiler``,
``fuzzy:desnonament``, ``re:…``, and ``rent NEAR/8 afford*``) and apply to every speaker in every
language; ``stem:`` takes the stemmer of each language searched. A search for a code
(``--code``) shows every hit of its patterns (and of its sub-codes'), with those the coding run
drops and the reasons (:mod:`qualcode.explain`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.code_paths import is_within
from qualcode.codebook import (
    ANY_LANGUAGE,
    Code,
    Codebook,
    Defaults,
    Pattern,
    PatternKind,
    Scope,
    parse_pattern,
)
from qualcode.errors import CodebookError, UsageError
from qualcode.explain import Explainer, Finding
from qualcode.matching import Matcher
from qualcode.models import Document, Segment
from qualcode.store import Store

SEARCH_LANGUAGES: tuple[str, ...] = ("en", "es", "ca")
DEFAULT_CONTEXT_WORDS = 8
DEFAULT_WINDOW = 8
NO_VALUE = "(none)"
UNKNOWN_ROLE = "unknown"
_BATCH = 2000
_NEAR = re.compile(r"^(?P<first>.+?)\s+NEAR/(?P<within>\d+)\s+(?P<second>.+)$")
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class SearchHit:
    """One hit in one segment, with the words around it."""

    document: Document
    segment: Segment
    finding: Finding
    before: str
    after: str


@dataclass(frozen=True)
class GroupCount:
    group: str
    role: str
    hits: int
    segments: int


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    segments_searched: int
    counts: list[GroupCount] = field(default_factory=list)

    @property
    def dropped(self) -> int:
        return sum(1 for hit in self.hits if not hit.finding.kept)


@dataclass(frozen=True)
class SearchFilters:
    """Which segments to search: by language, document attributes and speaker role."""

    languages: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    roles: tuple[str, ...] = ()


def patterns_codebook(patterns: Sequence[str], languages: Sequence[str] = ()) -> Codebook:
    """A one-code codebook of the patterns given on the command line (see the module)."""
    if not patterns:
        raise UsageError("give at least one pattern, or --code CODE")
    searched = tuple(languages) or SEARCH_LANGUAGES
    parsed: list[Pattern] = []
    for text in patterns:
        parsed.extend(_parse(text, searched))
    code = Code(path="search", id="search", label="search", scope=Scope.ALL, patterns=tuple(parsed))
    return Codebook(
        name="search",
        version="",
        description="",
        languages=searched,
        defaults=Defaults(scope=Scope.ALL),
        codes=(code,),
        source_path=Path("search"),
        content_hash="",
    )


def _parse(text: str, languages: Sequence[str]) -> list[Pattern]:
    """A pattern once, in ``any``; with a stem, once per language searched (its own stemmer)."""
    near = _NEAR.match(text.strip())
    parts = [near.group("first"), near.group("second")] if near else [text]
    stems = any(part.strip().lower().startswith("stem:") for part in parts)
    result = []
    for language in languages if stems else [ANY_LANGUAGE]:
        try:
            parsed = [parse_pattern(part, language) for part in parts]
        except CodebookError as error:
            raise UsageError(f"pattern '{text}': {error}") from error
        if near is None:
            result.append(parsed[0])
        else:
            within = int(near.group("within"))
            result.append(
                Pattern(
                    PatternKind.NEAR,
                    text.strip(),
                    language,
                    within=within,
                    near=(parsed[0], parsed[1]),
                )
            )
    return result


def search(
    store: Store,
    codebook: Codebook,
    *,
    codes: Sequence[str] | None = None,
    filters: SearchFilters = SearchFilters(),
    context_words: int = DEFAULT_CONTEXT_WORDS,
    group_by: str = "city",
) -> SearchResult:
    """Every hit of ``codebook`` (of ``codes`` and their sub-codes only, if given) in the
    current segments that pass ``filters``, in document and segment order."""
    documents = {d.document_id: d for d in store.documents() if _passes(d, filters.attributes)}
    chosen = [
        segment
        for segment in store.all_current_segments()
        if segment.document_id in documents and _segment_passes(segment, filters)
    ]
    if codes is None:
        # Every pattern applies everywhere: nothing can be dropped, so the batched search
        # coding runs finds every hit.
        found_in = _every_hit(codebook, chosen)
    else:
        wanted = [c.path for c in codebook.codes if any(is_within(c.path, p) for p in codes)]
        explainer = Explainer(codebook)
        found_in = (
            [f for e in explainer.explain(segment, wanted) for f in e.findings]
            for segment in chosen
        )
    hits: list[SearchHit] = []
    hit_counts: Counter[tuple[str, str]] = Counter()
    segment_counts: Counter[tuple[str, str]] = Counter()
    for segment, found in zip(chosen, found_in, strict=True):
        if not found:
            continue
        document = documents[segment.document_id or -1]
        key = (document.attributes.get(group_by) or NO_VALUE, _role(segment))
        hit_counts[key] += len(found)
        segment_counts[key] += 1
        for finding in sorted(found, key=lambda f: (f.start, f.end, f.code_path, f.pattern)):
            before, after = _context(segment.text, finding.start, finding.end, context_words)
            hits.append(SearchHit(document, segment, finding, before, after))
    counts = [
        GroupCount(group, role, hit_counts[(group, role)], segment_counts[(group, role)])
        for group, role in sorted(hit_counts, key=lambda k: (k[0] == NO_VALUE, k))
    ]
    return SearchResult(hits, len(chosen), counts)


def _every_hit(codebook: Codebook, segments: Sequence[Segment]) -> Iterator[list[Finding]]:
    """The hits of each segment, found batch by batch as coding finds them."""
    matcher = Matcher(codebook)
    for start in range(0, len(segments), _BATCH):
        batch = segments[start : start + _BATCH]
        found = matcher.codings_batch(
            [(s.text, s.language or codebook.languages, None, 0) for s in batch]
        )
        for segment, codings in zip(batch, found, strict=True):
            yield [
                Finding(code_path, pattern, kind, begin, end, segment.text[begin:end])
                for code_path, evidence in codings
                for pattern, kind, begin, end in json.loads(evidence)
            ]


def _passes(document: Document, attributes: Sequence[tuple[str, str]]) -> bool:
    return all(
        (document.name if key == "document" else document.attributes.get(key, "")).casefold()
        == value.casefold()
        for key, value in attributes
    )


def _segment_passes(segment: Segment, filters: SearchFilters) -> bool:
    if filters.roles and _role(segment) not in filters.roles:
        return False
    if filters.languages:
        spoken = {part.strip() for part in (segment.language or "").split(",")}
        return bool(spoken & set(filters.languages))
    return True


def _role(segment: Segment) -> str:
    return segment.role.value if segment.role else UNKNOWN_ROLE


def _context(text: str, start: int, end: int, words: int) -> tuple[str, str]:
    """The text of up to ``words`` words before and after a hit, as written (runs of white space
    made one space), so that a hit inside a word or before punctuation reads as it stands."""
    if words == 0:
        return "", ""
    before = [m.start() for m in _TOKEN.finditer(text, 0, start)]
    after = [m.end() for m in _TOKEN.finditer(text, end)]
    left = text[before[-words] if len(before) >= words else 0 : start]
    right = text[end : after[words - 1] if len(after) >= words else len(text)]
    return _SPACE.sub(" ", left), _SPACE.sub(" ", right)
