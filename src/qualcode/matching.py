"""The pattern engine: finds where a codebook's patterns hit one segment of text.

A :class:`Matcher` compiles the whole codebook once. Every literal the patterns contain (whole
words, wildcard prefixes, one word of each phrase, the start of each stem, the literal start of a
regular expression) goes into a single Aho-Corasick automaton, which is run once over each folded
segment (see :mod:`qualcode.text`: folding keeps offsets). Each occurrence is then checked only
where it was found: a word must have non-word characters on both sides, a prefix on its left, a
phrase must match the words around it, a stem the token's Snowball stem, a regular expression must
match from there. Patterns are therefore paid for by their occurrences, not by their number: a
segment without any literal of the codebook costs one fold and one automaton pass.

Fuzzy words cannot be found by literals. The tokens of a segment are compared with them once per
distinct token for the whole run (a batched ``rapidfuzz.process.cdist``), and the result is kept.

Semantics, all in docs/codebook-format.md: tokens are ``\\w+`` runs of the folded text; ``within N``
allows at most N other tokens between two hits; a ``near`` hit spans from the earlier part's start
to the later part's end (both parts are in that one span of evidence); a code-level ``unless`` hit
anywhere in the segment removes all of that code's hits there.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

import ahocorasick_rs

from qualcode.codebook import (
    ANY_LANGUAGE,
    MIN_FUZZY_LETTERS,
    Code,
    Codebook,
    Pattern,
    PatternKind,
    Scope,
    fold_regex,
)
from qualcode.text import WORD, fold, stemmer, token_end

_NOT_WORD = r"(?:(?<!\w)|(?!\w))"  # a token boundary: not between two word characters
_MIN_ANCHOR = 3
"""Shortest literal worth an automaton entry for a stem or a regular expression."""
_MAX_REGEX_ANCHORS = 16

# Snowball's English stemmer has a list of exceptional words whose stem is not a prefix of the
# word (dying → die); every other stem of English, Spanish and Catalan shares all but its last
# character with the word (checked over thousands of inflected forms, see tests/test_matching.py).
_STEM_EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "en": ("skis", "skies", "dying", "lying", "tying", "idly", "gently", "ugly", "early", "only",
           "singly"),
}


@dataclass(frozen=True, slots=True)
class Hit:
    """One occurrence of one pattern of one code: the evidence for a coding.

    ``start``/``end`` are 0-based code-point offsets into the segment text, end excluded, so
    ``text[start:end] == matched``.
    """

    code_path: str
    pattern: str
    kind: str
    start: int
    end: int
    matched: str


def hits_by_code(hits: Iterable[Hit]) -> dict[str, list[Hit]]:
    """The hits grouped by code path, each code's hits in text order: the codes a segment gets."""
    grouped: dict[str, list[Hit]] = {}
    for hit in hits:
        grouped.setdefault(hit.code_path, []).append(hit)
    return grouped


class _Check(IntEnum):
    """What an automaton occurrence of a literal must pass to be a hit of a primitive."""

    WORD = 0
    PREFIX = 1
    PHRASE = 2
    STEM = 3
    REGEX = 4


class _Role(IntEnum):
    RESPONDENT = 0
    INTERVIEWER = 1


_Span = tuple[int, int]


@dataclass(frozen=True)
class _Primitive:
    """A pattern that finds spans by itself (all kinds but near), shared by every code using it."""

    index: int
    kind: PatternKind
    key: tuple[object, ...]


@dataclass(frozen=True)
class _Rule:
    """How one pattern of one code turns primitive spans into hits.

    ``primitive`` is the pattern itself (None for ``near``); ``vetoes``/``within`` its own
    ``unless``; ``near`` the two parts of a ``near`` pattern.
    """

    code: int
    source: str
    kind: str
    language: str
    primitive: int | None
    vetoes: tuple[int, ...] = ()
    within: int | None = None
    near: tuple[int, int] | None = None


@dataclass(frozen=True)
class _Plan:
    """The rules that apply to segments of one set of languages and one role."""

    active: bytes
    triggers: dict[int, tuple[_Rule, ...]]
    vetoes: dict[int, tuple[int, ...]]
    unanchored: tuple[int, ...]
    fuzzy: bool


class Matcher:
    """A codebook compiled for matching. Build once, then call :meth:`match` per segment.

    Not thread-safe: the stem and fuzzy caches grow as segments are matched.
    """

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._code_paths = [code.path for code in codebook.codes]
        self._primitives: list[_Primitive] = []
        self._by_key: dict[tuple[object, ...], int] = {}
        # per primitive, what verifying an occurrence needs
        self._phrase: dict[int, tuple[tuple[str, ...], re.Pattern[str]]] = {}
        self._regex: dict[int, re.Pattern[str]] = {}
        self._stem_target: dict[int, tuple[str, str]] = {}
        self._fuzzy: dict[int, tuple[str, float]] = {}
        self._unanchored: list[int] = []
        self._literal_uses: dict[str, list[tuple[int, _Check]]] = {}
        self._exact_words: set[str] = set()
        self._exact_prefixes: set[str] = set()
        self._rules: list[tuple[Code, Pattern | None, _Rule]] = []
        for index, code in enumerate(codebook.codes):
            for pattern in code.patterns:
                self._rules.append((code, pattern, self._compile_rule(index, pattern)))
            for veto in code.unless:
                rule = _Rule(index, veto.source, veto.kind.value, veto.language,
                             self._primitive(veto))
                self._rules.append((code, None, rule))
        literals = list(self._literal_uses)
        self._literals = literals
        self._uses = [tuple(self._literal_uses[literal]) for literal in literals]
        self._starts_word = [literal[0].isalnum() or literal[0] == "_" for literal in literals]
        self._automaton = (
            ahocorasick_rs.AhoCorasick(literals, matchkind=ahocorasick_rs.MatchKind.Standard)
            if literals
            else None
        )
        self._plans: dict[tuple[frozenset[str], _Role], _Plan] = {}
        self._stem_cache: dict[str, dict[str, str]] = {}
        self._setup_fuzzy()

    # ---------------------------------------------------------------------------------------
    # Compiling

    def _compile_rule(self, code: int, pattern: Pattern) -> _Rule:
        if pattern.kind is PatternKind.NEAR:
            assert pattern.near is not None
            first, second = pattern.near
            return _Rule(code, pattern.source, pattern.kind.value, pattern.language, None,
                         within=pattern.within,
                         near=(self._primitive(first), self._primitive(second)))
        return _Rule(code, pattern.source, pattern.kind.value, pattern.language,
                     self._primitive(pattern),
                     vetoes=tuple(self._primitive(veto) for veto in pattern.unless),
                     within=pattern.within)

    def _primitive(self, pattern: Pattern) -> int:
        """The index of the primitive for ``pattern``, compiled on first use."""
        kind = pattern.kind
        key: tuple[object, ...]
        if kind is PatternKind.STEM:
            key = (kind, pattern.language, pattern.terms)
        elif kind is PatternKind.REGEX:
            key = (kind, pattern.expression)
        elif kind is PatternKind.FUZZY:
            key = (kind, pattern.terms, pattern.threshold)
        else:
            key = (kind, pattern.terms)
        existing = self._by_key.get(key)
        if existing is not None:
            return existing
        index = len(self._primitives)
        self._primitives.append(_Primitive(index, kind, key))
        self._by_key[key] = index
        if kind is PatternKind.WORD:
            self._use(pattern.terms[0], index, _Check.WORD)
            self._exact_words.add(pattern.terms[0])
        elif kind is PatternKind.PREFIX:
            self._use(pattern.terms[0][:-1], index, _Check.PREFIX)
            self._exact_prefixes.add(pattern.terms[0][:-1])
        elif kind is PatternKind.PHRASE:
            self._compile_phrase(index, pattern.terms)
        elif kind is PatternKind.STEM:
            self._compile_stem(index, pattern.language, pattern.terms[0])
        elif kind is PatternKind.REGEX:
            assert pattern.expression is not None
            self._compile_regex(index, pattern.expression)
        elif kind is PatternKind.FUZZY:
            assert pattern.threshold is not None
            self._fuzzy[index] = (pattern.terms[0], pattern.threshold)
        else:  # pragma: no cover - near patterns are rules, not primitives
            raise ValueError(f"{kind} is not a primitive pattern")
        return index

    def _use(self, literal: str, primitive: int, check: _Check) -> None:
        uses = self._literal_uses.setdefault(literal, [])
        if (primitive, check) not in uses:
            uses.append((primitive, check))

    def _compile_phrase(self, index: int, terms: tuple[str, ...]) -> None:
        """Anchor a phrase on its first word, or on its longest if the first is very short.

        ``l'habitatge`` is the phrase ``l habitatge``: anchoring on ``l`` would stop the
        automaton at every l of the text.
        """
        anchor = 0
        if len(terms[0].rstrip("*")) < _MIN_ANCHOR:
            anchor = max(range(len(terms)), key=lambda i: (len(terms[i].rstrip("*")), -i))
        pieces = [
            re.escape(term[:-1]) + r"\w*" if term.endswith("*") else re.escape(term) + r"(?!\w)"
            for term in terms[anchor:]
        ]
        self._phrase[index] = (terms[:anchor], re.compile(r"\W+".join(pieces)))
        self._use(terms[anchor].rstrip("*"), index, _Check.PHRASE)

    def _compile_stem(self, index: int, language: str, word: str) -> None:
        stem = stemmer(language)(word)
        self._stem_target[index] = (language, stem)
        length = max(len(stem) - 1, min(_MIN_ANCHOR, len(stem)))
        self._use(stem[:length], index, _Check.STEM)
        for exception in _STEM_EXCEPTIONS.get(language, ()):
            if stemmer(language)(exception) == stem and not exception.startswith(stem[:length]):
                self._use(exception, index, _Check.STEM)

    def _compile_regex(self, index: int, expression: str) -> None:
        folded = fold_regex(expression)
        flags = re.match(r"(?:\(\?[aiLmsux]+\))*", folded)
        leading = flags.group() if flags else ""
        # Searched with its own end on a token boundary, so that `rent|rental` can give `rental`;
        # the start is checked where the search lands (see _search_regex).
        regex = re.compile(f"{leading}(?:{folded[len(leading):]}){_NOT_WORD}", re.IGNORECASE)
        self._regex[index] = regex
        anchors = _regex_anchors(folded[len(leading):], regex.flags)
        if anchors is None:
            self._unanchored.append(index)
            return
        for anchor in anchors:
            self._use(anchor, index, _Check.REGEX)

    def _setup_fuzzy(self) -> None:
        """What deciding whether a token is fuzzy-matched needs, independent of any segment."""
        self._fuzzy_columns = list(self._fuzzy)
        self._fuzzy_words = [self._fuzzy[index][0] for index in self._fuzzy_columns]
        self._fuzzy_thresholds = [self._fuzzy[index][1] for index in self._fuzzy_columns]
        self._fuzzy_exact: dict[str, tuple[int, ...]] = {}
        for index, (word, _) in self._fuzzy.items():
            self._fuzzy_exact[word] = (*self._fuzzy_exact.get(word, ()), index)
        self._prefix_lengths = sorted({len(prefix) for prefix in self._exact_prefixes})
        self._exact_stems: dict[str, set[str]] = {}
        for language, stem in self._stem_target.values():
            self._exact_stems.setdefault(language, set()).add(stem)
        self._fuzzy_seen: set[str] = set()
        self._fuzzy_hits: dict[str, tuple[int, ...]] = {}
        self._fuzzy_hit_tokens: set[str] = set()

    # ---------------------------------------------------------------------------------------
    # Plans: which rules apply to a segment's languages and role

    def _plan(self, languages: frozenset[str], role: _Role) -> _Plan:
        key = (languages, role)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._build_plan(languages, role)
        return plan

    def _build_plan(self, languages: frozenset[str], role: _Role) -> _Plan:
        active = bytearray(len(self._primitives))
        triggers: dict[int, list[_Rule]] = {}
        vetoes: dict[int, list[int]] = {}
        for code, pattern, rule in self._rules:
            if rule.language != ANY_LANGUAGE and rule.language not in languages:
                continue
            if not _in_scope(code.scope, role):
                continue
            if pattern is None:  # a code-level unless
                assert rule.primitive is not None
                vetoes.setdefault(rule.primitive, []).append(rule.code)
                active[rule.primitive] = 1
                continue
            parts = rule.near if rule.near is not None else (rule.primitive,)
            for part in parts:
                assert part is not None
                active[part] = 1
                if rule not in triggers.setdefault(part, []):
                    triggers[part].append(rule)
            for veto in rule.vetoes:
                active[veto] = 1
        return _Plan(
            active=bytes(active),
            triggers={primitive: tuple(rules) for primitive, rules in triggers.items()},
            vetoes={primitive: tuple(codes) for primitive, codes in vetoes.items()},
            unanchored=tuple(index for index in self._unanchored if active[index]),
            fuzzy=any(active[index] for index in self._fuzzy),
        )

    # ---------------------------------------------------------------------------------------
    # Matching

    @property
    def unanchored_patterns(self) -> list[str]:
        """Regular expressions without a literal start: they are searched in every segment."""
        return [str(self._primitives[index].key[1]) for index in self._unanchored]

    def match(self, text: str, languages: Sequence[str] | str,
              role: str | None = None) -> list[Hit]:
        """Every hit of the codebook in one segment, sorted by (start, end, code_path, pattern).

        ``languages`` are the segment's languages (``"ca,es"`` is accepted too); the ``any``
        patterns always apply. ``role`` is ``"interviewer"``, ``"respondent"`` or None (unknown,
        which counts as respondent), and each code's scope decides whether it applies.
        """
        if isinstance(languages, str):
            languages = [part.strip() for part in languages.split(",")]
        plan = self._plan(frozenset(languages), _role(role))
        if not plan.triggers:
            return []
        folded = fold(text)
        spans = self._find(folded, plan)
        if not spans:
            return []
        return self._hits(text, folded, spans, plan)

    def match_codes(self, text: str, languages: Sequence[str] | str,
                    role: str | None = None) -> dict[str, list[Hit]]:
        """The codes a segment gets, in codebook order, each with all its hits as evidence."""
        grouped = hits_by_code(self.match(text, languages, role))
        return {path: grouped[path] for path in self._code_paths if path in grouped}

    def _find(self, folded: str, plan: _Plan) -> dict[int, list[_Span]]:
        """The spans of every active primitive that occurs in ``folded``."""
        spans: dict[int, list[_Span]] = {}
        active = plan.active
        if self._automaton is not None:
            size = len(folded)
            uses = self._uses
            starts_word = self._starts_word
            for literal, start, end in self._automaton.find_matches_as_indexes(
                folded, overlapping=True
            ):
                if start and starts_word[literal]:
                    before = folded[start - 1]
                    if before.isalnum() or before == "_":
                        continue  # inside a token: `rent` in `parent`
                for primitive, check in uses[literal]:
                    if not active[primitive]:
                        continue
                    if check is _Check.WORD:
                        if end < size:
                            after = folded[end]
                            if after.isalnum() or after == "_":
                                continue
                        span = (start, end)
                    elif check is _Check.PREFIX:
                        span = (start, token_end(folded, end))
                    elif check is _Check.PHRASE:
                        found = self._match_phrase(primitive, folded, start)
                        if found is None:
                            continue
                        span = found
                    elif check is _Check.STEM:
                        stop = token_end(folded, end)
                        if not self._stem_matches(primitive, folded[start:stop]):
                            continue
                        span = (start, stop)
                    else:
                        match = self._regex[primitive].match(folded, start)
                        if match is None:
                            continue
                        span = match.span()
                    if primitive in spans:
                        spans[primitive].append(span)
                    else:
                        spans[primitive] = [span]
            for primitive, found_spans in spans.items():
                if len(found_spans) > 1:
                    spans[primitive] = _without_overlaps(found_spans, primitive in self._regex)
        for primitive in plan.unanchored:
            found_spans = _search_regex(self._regex[primitive], folded)
            if found_spans:
                spans[primitive] = found_spans
        if plan.fuzzy:
            self._find_fuzzy(folded, active, spans)
        return spans

    def _match_phrase(self, primitive: int, folded: str, start: int) -> _Span | None:
        before, regex = self._phrase[primitive]
        match = regex.match(folded, start)
        if match is None:
            return None
        begin = start
        for term in reversed(before):
            begin = _previous_token(folded, begin, term)
            if begin < 0:
                return None
        return begin, match.end()

    def _stem_matches(self, primitive: int, token: str) -> bool:
        language, target = self._stem_target[primitive]
        cache = self._stem_cache.setdefault(language, {})
        stem = cache.get(token)
        if stem is None:
            stem = cache[token] = stemmer(language)(token)
        return stem == target

    def _find_fuzzy(self, folded: str, active: bytes, spans: dict[int, list[_Span]]) -> None:
        """Add the spans of fuzzy words; each distinct token is scored once per Matcher."""
        distinct = set(WORD.findall(folded))
        new = distinct - self._fuzzy_seen
        if new:
            self._score_tokens(new)
        hit_tokens = distinct & self._fuzzy_hit_tokens
        if not hit_tokens:
            return
        for match in WORD.finditer(folded):
            token = match.group()
            if token in hit_tokens:
                for primitive in self._fuzzy_hits[token]:
                    if active[primitive]:
                        spans.setdefault(primitive, []).append(match.span())

    def _score_tokens(self, tokens: set[str]) -> None:
        # Only codebooks with fuzzy words pay for these imports.
        import numpy as np
        from rapidfuzz import fuzz, process

        self._fuzzy_seen |= tokens
        candidates = []
        for token in tokens:
            if len(token) < MIN_FUZZY_LETTERS:
                continue
            exact = self._fuzzy_exact.get(token)
            if exact is not None:
                self._fuzzy_hits[token] = exact
                self._fuzzy_hit_tokens.add(token)
            elif not self._matched_exactly(token):
                candidates.append(token)
        if not candidates:
            return
        scores = process.cdist(candidates, self._fuzzy_words, scorer=fuzz.ratio,
                               score_cutoff=min(self._fuzzy_thresholds))
        rows, columns = (scores >= np.asarray(self._fuzzy_thresholds)).nonzero()
        found: dict[str, list[int]] = {}
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            found.setdefault(candidates[row], []).append(self._fuzzy_columns[column])
        for token, primitives in found.items():
            self._fuzzy_hits[token] = tuple(primitives)
            self._fuzzy_hit_tokens.add(token)

    def _matched_exactly(self, token: str) -> bool:
        """Whether a word, wildcard or stem of the codebook (any language) takes ``token``.

        Such a token is a correct spelling of something the codebook names, not a transcription
        error, so it is never matched fuzzily: `renta` (es) must not fuzzily match `rental`.
        """
        if token in self._exact_words:
            return True
        for length in self._prefix_lengths:
            if length > len(token):
                break
            if token[:length] in self._exact_prefixes:
                return True
        return any(stemmer(language)(token) in stems
                   for language, stems in self._exact_stems.items())

    def _hits(self, text: str, folded: str, spans: dict[int, list[_Span]],
              plan: _Plan) -> list[Hit]:
        found: set[tuple[int, int, int, str, str]] = set()
        vetoed: set[int] = set()
        pending: list[_Rule] = []
        for primitive, primitive_spans in spans.items():
            for code in plan.vetoes.get(primitive, ()):
                vetoed.add(code)
            for rule in plan.triggers.get(primitive, ()):
                if rule.vetoes or rule.near is not None:
                    if rule not in pending:
                        pending.append(rule)
                else:
                    for start, end in primitive_spans:
                        found.add((start, end, rule.code, rule.source, rule.kind))
        if pending:
            tokens = _TokenIndex(folded)
            for rule in pending:
                if rule.code in vetoed:
                    continue
                for start, end in _rule_spans(rule, spans, tokens):
                    found.add((start, end, rule.code, rule.source, rule.kind))
        paths = self._code_paths
        hits = [
            Hit(paths[code], source, kind, start, end, text[start:end])
            for start, end, code, source, kind in found
            if code not in vetoed
        ]
        hits.sort(key=lambda hit: (hit.start, hit.end, hit.code_path, hit.pattern))
        return hits


class _TokenIndex:
    """Where the tokens of a segment start, to count the words between two spans."""

    def __init__(self, folded: str) -> None:
        self.starts = [match.start() for match in WORD.finditer(folded)]

    def between(self, one: _Span, other: _Span) -> int:
        """How many tokens lie strictly between two spans (0 if they touch or overlap)."""
        first, second = (one, other) if one[0] <= other[0] else (other, one)
        last_of_first = bisect_right(self.starts, first[1] - 1) - 1
        first_of_second = bisect_right(self.starts, second[0]) - 1
        return max(0, first_of_second - last_of_first - 1)


def _rule_spans(rule: _Rule, spans: dict[int, list[_Span]], tokens: _TokenIndex) -> list[_Span]:
    """The hits of a rule with an ``unless`` or of a ``near`` rule, given the primitives' spans."""
    if rule.near is not None:
        first = spans.get(rule.near[0])
        second = spans.get(rule.near[1])
        if not first or not second:
            return []
        within = rule.within if rule.within is not None else 0
        pairs: set[_Span] = set()
        for ones, others in ((first, second), (second, first)):
            for one in ones:
                nearest = min(
                    ((tokens.between(one, other), other) for other in others if other != one),
                    default=None,
                )
                if nearest is not None and nearest[0] <= within:
                    other = nearest[1]
                    pairs.add((min(one[0], other[0]), max(one[1], other[1])))
        return sorted(pairs)
    assert rule.primitive is not None
    own = spans.get(rule.primitive, [])
    vetoes = [span for veto in rule.vetoes for span in spans.get(veto, ())]
    if not vetoes:
        return own
    if rule.within is None:
        return []
    within = rule.within
    return [span for span in own
            if all(tokens.between(span, veto) > within for veto in vetoes)]


def _role(role: str | None) -> _Role:
    if role is None or role == "respondent":
        return _Role.RESPONDENT
    if role == "interviewer":
        return _Role.INTERVIEWER
    raise ValueError(f"role must be 'interviewer', 'respondent' or None, not {role!r}")


def _in_scope(scope: Scope, role: _Role) -> bool:
    if scope is Scope.ALL:
        return True
    if scope is Scope.INTERVIEWER:
        return role is _Role.INTERVIEWER
    return role is _Role.RESPONDENT


def _without_overlaps(spans: list[_Span], regex: bool) -> list[_Span]:
    """Spans deduplicated in text order; for a regex, also those inside an earlier hit of it.

    The automaton reports one occurrence per anchor, so a regex with several anchors could hit
    inside its own earlier hit; ``re.finditer`` semantics (non-overlapping) are kept instead.
    """
    ordered = sorted(set(spans))
    if not regex:
        return ordered
    kept: list[_Span] = []
    for span in ordered:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def _search_regex(regex: re.Pattern[str], folded: str) -> list[_Span]:
    """Non-overlapping hits of a regex that start on a token boundary (end: in the regex)."""
    spans: list[_Span] = []
    position = 0
    size = len(folded)
    while position <= size:
        match = regex.search(folded, position)
        if match is None:
            break
        start, end = match.span()
        if start and _is_word(folded[start - 1]) and start < size and _is_word(folded[start]):
            position = start + 1  # starts inside a token: look again one character on
            continue
        if end > start:
            spans.append((start, end))
        position = max(end, start + 1)
    return spans


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _previous_token(folded: str, position: int, term: str) -> int:
    """The start of the token before ``position`` if it is ``term`` (a word or a prefix), else -1.

    Only separators (non-word characters) may lie between that token and ``position``.
    """
    end = position
    while end > 0 and not _is_word(folded[end - 1]):
        end -= 1
    if end == position or end == 0:
        return -1
    start = end
    while start > 0 and _is_word(folded[start - 1]):
        start -= 1
    token = folded[start:end]
    if term.endswith("*"):
        return start if token.startswith(term[:-1]) else -1
    return start if token == term else -1


def _regex_anchors(expression: str, flags: int) -> list[str] | None:
    """Literals one of which every hit of ``expression`` starts with, or None if there are none.

    Zero-width assertions at the start are skipped (the regex itself checks them where the
    literal is found); an alternation gives one literal per alternative.
    """
    from re import _constants as c  # type: ignore[attr-defined]
    from re import _parser as p  # type: ignore[attr-defined]

    def prefixes(items: list[object]) -> tuple[list[str], bool]:
        found = [""]
        for op, av in items:  # type: ignore[misc]
            if op is c.LITERAL:
                found = [prefix + fold_regex(chr(av)).lower() for prefix in found]
            elif op in (c.AT, c.ASSERT, c.ASSERT_NOT) and found == [""]:
                continue
            elif op is c.SUBPATTERN and not av[1] and not av[2]:
                inner, complete = prefixes(list(av[3]))
                found = [prefix + tail for prefix in found for tail in inner]
                if not complete:
                    return found, False
            elif op is c.BRANCH:
                alternatives = [prefixes(list(alternative)) for alternative in av[1]]
                found = [prefix + tail for prefix in found
                         for tails, _ in alternatives for tail in tails]
                if not all(complete for _, complete in alternatives):
                    return found, False
            else:
                return found, False
            if len(found) > _MAX_REGEX_ANCHORS:
                return [], False
        return found, True

    anchors, _ = prefixes(list(p.parse(expression, flags)))
    if not anchors or any(len(anchor) < _MIN_ANCHOR for anchor in anchors):
        return None
    return sorted(set(anchors))
