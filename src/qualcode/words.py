"""Word and phrase frequencies per group, and the frequent words no pattern of a codebook covers.

Words are the tokens of the folded text (lower case, no accents: ``Habitatge`` and ``habitatge``
are one word), counted in the segments chosen (by default the in-scope ones: respondents and
unknown speakers). Each segment's languages' stop words are left out (the stopwords-iso lists of
the ``stopwordsiso`` package: the only well-kept source with a full Catalan list), as are tokens
of fewer than
:data:`MIN_LETTERS` characters and numbers. A phrase is two such words in a row. With a codebook,
``uncovered`` keeps only the terms that no pattern of the codebook matches on their own: the
candidates for new patterns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import pairwise

from qualcode.codebook import Codebook, Scope
from qualcode.models import Segment, in_scope
from qualcode.store import Store
from qualcode.text import WORD, fold

MIN_LETTERS = 3
STOPWORD_LANGUAGES: tuple[str, ...] = ("en", "es", "ca")
NO_VALUE = "(none)"


@dataclass(frozen=True)
class TermCount:
    """One word or phrase in one group: how often, in how many segments and documents."""

    group: str
    term: str
    count: int
    segments: int
    documents: int


@dataclass(frozen=True)
class WordTable:
    terms: list[TermCount]
    segments_counted: int
    groups: tuple[str, ...]


@cache
def stop_words(language: str) -> frozenset[str]:
    """The folded stop words of a language (none for a language the lists do not have)."""
    import stopwordsiso

    if not stopwordsiso.has_lang(language):
        return frozenset()
    return frozenset(fold(word) for word in stopwordsiso.stopwords(language) if word)


def word_frequencies(
    store: Store,
    *,
    by: str = "city",
    attributes: Sequence[tuple[str, str]] = (),
    roles: Sequence[str] = (),
    phrases: bool = False,
    top: int = 20,
    min_count: int = 2,
    uncovered: Codebook | None = None,
) -> WordTable:
    """The ``top`` terms of each group (``by`` a document attribute), most frequent first."""
    documents = {
        d.document_id: d
        for d in store.documents()
        if all(d.attributes.get(k, "").casefold() == v.casefold() for k, v in attributes)
    }
    counts: dict[str, Counter[str]] = {}
    in_segments: dict[str, Counter[str]] = {}
    in_documents: dict[str, dict[str, set[int]]] = {}
    counted = 0
    for segment in store.all_current_segments():
        document = documents.get(segment.document_id or -1)
        if document is None or not _role_passes(segment, roles):
            continue
        counted += 1
        group = document.attributes.get(by) or NO_VALUE
        terms = _terms(segment, phrases)
        counts.setdefault(group, Counter()).update(terms)
        distinct = set(terms)
        in_segments.setdefault(group, Counter()).update(distinct)
        seen = in_documents.setdefault(group, {})
        for term in distinct:
            seen.setdefault(term, set()).add(document.document_id)
    covered = _Coverage(uncovered) if uncovered is not None else None
    groups = tuple(sorted(counts, key=lambda g: (g == NO_VALUE, g)))
    rows: list[TermCount] = []
    for group in groups:
        kept = 0
        for term, count in sorted(counts[group].items(), key=lambda item: (-item[1], item[0])):
            if count < min_count or kept >= top:
                break
            if covered is not None and covered.covers(term):
                continue
            kept += 1
            rows.append(
                TermCount(
                    group, term, count, in_segments[group][term], len(in_documents[group][term])
                )
            )
    return WordTable(rows, counted, groups)


def _role_passes(segment: Segment, roles: Sequence[str]) -> bool:
    role = segment.role.value if segment.role else "unknown"
    if roles:
        return role in roles
    return in_scope(segment.role)


def _terms(segment: Segment, phrases: bool) -> list[str]:
    languages = (
        [part.strip() for part in segment.language.split(",")]
        if segment.language
        else list(STOPWORD_LANGUAGES)
    )
    stops = frozenset().union(*(stop_words(language) for language in languages))
    tokens = WORD.findall(fold(segment.text))
    kept = [
        token if len(token) >= MIN_LETTERS and not token.isdigit() and token not in stops else None
        for token in tokens
    ]
    if not phrases:
        return [token for token in kept if token is not None]
    return [
        f"{first} {second}"
        for first, second in pairwise(kept)
        if first is not None and second is not None
    ]


class _Coverage:
    """Whether some pattern of a codebook matches a term on its own, in any of its languages."""

    def __init__(self, codebook: Codebook) -> None:
        from qualcode.matching import Matcher

        # A word a code looks for only in interviewer turns is covered all the same.
        everyone = tuple(replace(code, scope=Scope.ALL) for code in codebook.codes)
        self._matcher = Matcher(replace(codebook, codes=everyone))
        self._languages = codebook.languages
        self._known: dict[str, bool] = {}

    def covers(self, term: str) -> bool:
        known = self._known.get(term)
        if known is None:
            known = self._known[term] = bool(self._matcher.match(term, self._languages, None))
        return known
