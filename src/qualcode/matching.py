"""The pattern engine: finds where a codebook's patterns hit segments of text.

A :class:`Matcher` compiles the whole codebook once. Every literal the patterns contain (whole
words, wildcard prefixes, one word of each phrase, the start of each stem, the literal start of a
regular expression, each fuzzy word as written) goes into one Aho-Corasick automaton, run over the
segments in the form of :func:`~qualcode.text.fold_words`: folded (offsets kept), with a space for
every non-word character, and with a space before and after each segment. In that form a token is
exactly a run between spaces, so the literal ``" rent "`` can only hit the whole token ``rent``
and ``" evict"`` only the start of a token: most occurrences need no check at all. The others are
checked only where they were found: a phrase must match the words around it, a stem the token's
Snowball stem, a regular expression must match from there (on the real folded text, with its
punctuation). Patterns are therefore paid for by their occurrences, not by their number. A regular
expression that the automaton cannot anchor (``\\d+ ?(euros?|€)``, found through its digits or
searched everywhere) is not looked for in text without one of the literals each of its hits
contains (``euro``, ``€``).

The segments of a batch are searched together, in pieces of about 32,000 characters: one fold and
one automaton call per piece, each occurrence then assigned to its segment, no hit reaching from one
segment into the next. :meth:`Matcher.codings_batch` is what coding calls; :meth:`Matcher.match`
and :meth:`Matcher.codings` are the same search on one segment.

Fuzzy words cannot be found by literals. The tokens of a piece are compared with them once per
distinct token for the whole run (a batched ``rapidfuzz.process.cdist``), and the result is kept;
the tokens found near a fuzzy word go into a second, small automaton, which finds them again.

Semantics, all in docs/codebook-format.md: tokens are ``\\w+`` runs of the folded text; ``within N``
allows at most N other tokens between two hits; a ``near`` hit spans from the earlier part's start
to the later part's end (both parts are in that one span of evidence); a code-level ``unless`` hit
anywhere in the segment removes all of that code's hits there.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum
from itertools import accumulate
from operator import itemgetter
from typing import Any, NamedTuple

import ahocorasick_rs

from qualcode.codebook import (
    ANY_LANGUAGE,
    MIN_FUZZY_LETTERS,
    Code,
    Codebook,
    Pattern,
    PatternKind,
    Scope,
    compile_regex,
    regex_start_characters,
)
from qualcode.codebook.regex import MIN_ANCHOR as _MIN_ANCHOR
from qualcode.codebook.regex import regex_anchors, regex_required
from qualcode.text import (
    fold,
    fold_words_joined,
    is_word_char,
    stemmer,
)

_SMALL_FUZZY_BATCH = 200
"""Below this many token × word comparisons, fuzzy scoring loops instead of calling cdist."""
_PIECE = 32_768
"""Characters of segment text searched at once: a batch is searched in pieces of about this size,
which stay in the processor's caches; a whole batch's text would not."""

# Snowball's English stemmer has a list of exceptional words whose stem is not a prefix of the
# word (dying → die); every other stem of English, Spanish and Catalan shares all but its last
# character with the word (checked over thousands of inflected forms, see tests/test_matching.py).
_STEM_EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "en": ("skis", "skies", "dying", "lying", "tying", "idly", "gently", "ugly", "early", "only",
           "singly"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Hit:
    """One occurrence of one pattern of one code: the evidence for a coding.

    ``start``/``end`` are 0-based code-point offsets into the segment text, end excluded, so
    ``text[start:end] == matched``. ``pattern`` is the pattern as written in the codebook
    (``near`` patterns: ``living wage NEAR/10 accredit*``), ``kind`` its kind.
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


# What an automaton occurrence of a literal must pass to be a hit of a primitive. Plain ints:
# the loop in Matcher._scan compares them for every occurrence.
_WORD_CHECK = 0  # the token must end where the literal does
_PREFIX_CHECK = 1  # extend to the end of the token
_PHRASE_CHECK = 2
_STEM_CHECK = 3
_REGEX_CHECK = 4
_ASCII_REGEX_CHECK = 5  # anchored on its possible first characters: valid on ASCII text only
_PHRASES_CHECK = 6  # the phrases of a literal, looked up by the token after the anchor

# The tuples that the loop of Matcher._batch_rows makes or unpacks for every occurrence are plain
# tuples, their fields named where they are unpacked: building a named tuple costs several times
# what a plain one does, and CPython unpacks only an exact tuple quickly (a named one goes
# through the iterator protocol), which bench/bench_match.py measured.

_Span = tuple[int, int]
"""Start and end of a primitive's occurrence, in row offsets."""


class _Emit(NamedTuple):
    """What a hit of one pattern of one code records; made once per code and pattern."""

    code_path: str
    source: str  # the pattern as written in the codebook
    kind: str
    code: int  # the code's index in the codebook
    evidence_start: str
    """The start of the hit's evidence JSON, ``["rent*","prefix",``, that _codings completes
    with the span."""


_Row = tuple[int, int, _Emit]
"""A hit: start, end (row offsets) and what it records."""


class _Use(NamedTuple):
    """A primitive that checks the occurrences of one literal, and how."""

    primitive: int
    check: int


_Action = tuple[int, int, int, tuple[_Emit, ...], bool]
"""What one active primitive does with an occurrence of one literal, in a plan: the literal's
length, the check, the primitive, the hits it makes at once, and whether its spans are kept for
the rules that combine spans."""

_PhraseCheck = tuple[tuple[str, ...], re.Pattern[str]]
"""A phrase as its anchor word's occurrences check it: the words before the anchor (checked
backwards), and the anchor with the words after it (matched at the anchor)."""

_PhraseGroup = tuple[
    bool,
    tuple[str, ...],
    dict[str, tuple[_Action, ...]],
    tuple[tuple[str, tuple[_Action, ...]], ...],
]
"""The phrases that one literal anchors and that have a word after the anchor, in a plan:
whether the anchor is a whole word (else a wildcard); how the text after the anchor starts if
one of them can be there (each word after the anchor and a space, each prefix of a wildcard
after it); their actions by the word after the anchor; and those whose word after the anchor is a
wildcard, by its prefix. An occurrence of the literal then costs one look at the text after it,
not one regular expression per phrase."""


class _PhraseGate(NamedTuple):
    """What a phrase needs of the anchor's token and of the token after it."""

    whole_anchor: bool  # the anchor is a whole word, not a wildcard
    following: str  # the word after the anchor, or its prefix
    following_prefix: bool  # the word after the anchor is a wildcard


class _StemTarget(NamedTuple):
    language: str
    stem: str


_StemCheck = tuple[dict[str, str], str, Any]
"""What checking a token against one stem primitive needs: the language's cache of stems by
token, the primitive's stem, and the language's stemmer."""


class _RequiredLiterals(NamedTuple):
    """Literals one of which every hit of a regular expression contains."""

    words: tuple[str, ...]  # as in fold_words
    symbols: tuple[str, ...]  # as in the text


class _FuzzyWord(NamedTuple):
    word: str
    threshold: float


class _FuzzyReach(NamedTuple):
    """A fuzzy word and the token lengths that can reach its threshold."""

    word: str
    threshold: float
    shortest: float
    longest: float
    primitive: int


class _SegmentRows(NamedTuple):
    """The hits found in one segment of a piece."""

    segment: int  # its index in the piece
    base: int  # the offset in ``joined`` of the space before it
    rows: list[_Row]


class _RegexSearches(NamedTuple):
    """Which regular expressions of a plan are searched in full in a segment."""

    always: bool  # some regex not found through the automaton applies
    unless_ascii: bool  # some regex found through its digits applies (others when not ASCII)


class _Nearest(NamedTuple):
    """The span nearest another, and the tokens between them."""

    tokens_between: int
    span: _Span


class _Role(IntEnum):
    RESPONDENT = 0
    INTERVIEWER = 1
    CHAIR = 2


@dataclass(frozen=True, slots=True)
class _Rule:
    """How one pattern of one code turns primitive spans into hits.

    ``primitive`` is the pattern itself (None for ``near``); ``vetoes``/``within`` its own
    ``unless``; ``near`` the two parts of a ``near`` pattern; ``code_veto`` marks a code-level
    ``unless`` pattern.
    """

    code: int
    source: str
    kind: str
    language: str
    scope: Scope
    primitive: int | None
    vetoes: tuple[int, ...] = ()
    within: int | None = None
    near: tuple[int, int] | None = None
    code_veto: bool = False


@dataclass(frozen=True, slots=True)
class _Plan:
    """What applies to the segments of one set of languages and one role, ready for the loop.

    ``actions`` lists, per automaton literal, what each active primitive using it does with an
    occurrence: its check, the hits it makes at once, and whether its spans are kept for the
    rules that combine spans (``kept``: parts of ``near`` rules and of rules with their own
    ``unless``, and code-level ``vetoes``).
    """

    actions: tuple[tuple[_Action, ...], ...]
    phrase_groups: tuple[_PhraseGroup, ...]
    direct: dict[int, tuple[_Emit, ...]]
    pending: dict[int, tuple[tuple[_Rule, _Emit], ...]]
    vetoes: dict[int, tuple[int, ...]]
    kept: frozenset[int]
    unanchored: tuple[int, ...]
    fuzzy: tuple[int, ...]
    empty: bool


class _Batch:
    """The texts of a batch of segments, as the matcher searches them together."""

    def __init__(self, texts: Sequence[str], plans: Sequence[_Plan]) -> None:
        self.texts = texts
        self.plans = plans
        padded = ["", *texts, ""]
        self.raw = " ".join(padded)
        """The texts as written, joined like ``joined``: where regexes' symbols are looked for."""
        self.joined = fold_words_joined(padded, self.raw)
        # the offset in ``joined`` of the space before each text
        self.bases = list(accumulate([len(text) + 1 for text in texts[:-1]], initial=0))
        self.all_ascii = self.joined.isascii()
        self.absent: frozenset[int] = frozenset()
        """Regular expressions that cannot hit anywhere in these texts (see Matcher._required)."""

    def contains(self, literals: _RequiredLiterals) -> bool:
        """Whether one of the words is in the folded words, or one of the symbols in the texts."""
        if any(word in self.joined for word in literals.words):
            return True
        return any(symbol in self.raw for symbol in literals.symbols)

    def ascii_words(self, segment: int) -> bool:
        """Whether the folded words of a segment are all ASCII (so it has no other digits)."""
        if self.all_ascii:
            return True
        base = self.bases[segment]
        return self.joined[base + 1 : base + 1 + len(self.texts[segment])].isascii()


class Matcher:
    """A codebook compiled for matching. Build once, then call :meth:`codings_batch` on batches
    of segments, or :meth:`match` on one.

    Not thread-safe: the stem and fuzzy caches grow as segments are matched.
    """

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._code_paths = [code.path for code in codebook.codes]
        self._primitives: dict[tuple[object, ...], int] = {}
        self._literal_uses: dict[str, list[_Use]] = {}
        # the same for the digits that anchor regexes found through them, which have an
        # automaton of their own, run only where such a regex can hit
        self._digit_uses: dict[str, list[_Use]] = {}
        self._phrase: dict[int, _PhraseCheck] = {}
        self._phrase_gates: dict[int, _PhraseGate] = {}
        self._regex: dict[int, re.Pattern[str]] = {}
        self._regex_sources: dict[int, str] = {}
        # per regex not found through a literal start: the literals one of which each of its
        # hits contains, if it has such
        self._required: dict[int, _RequiredLiterals] = {}
        self._ascii_anchored: set[int] = set()
        self._unanchored: list[int] = []
        self._stem_target: dict[int, _StemTarget] = {}
        self._fuzzy: dict[int, _FuzzyWord] = {}
        self._exact_words: set[str] = set()
        self._exact_prefixes: set[str] = set()
        self._rules: list[_Rule] = []
        self._emits: dict[tuple[int, str, str], _Emit] = {}
        for index, code in enumerate(codebook.codes):
            for pattern in code.patterns:
                self._rules.append(self._compile_rule(index, code, pattern))
            for veto in code.unless:
                primitive = self._primitive(veto)
                self._rules.append(
                    _Rule(
                        index,
                        veto.source,
                        veto.kind.value,
                        veto.language,
                        code.scope,
                        primitive,
                        code_veto=True,
                    )
                )
        self._literals = list(self._literal_uses)
        # Every literal is " " + a token's beginning, so that it can only match at the start of a
        # token. The longest literal matching there is reported; the others there are its
        # prefixes, looked up here, so no occurrence is lost by not asking for overlaps.
        position = {literal: index for index, literal in enumerate(self._literals)}
        self._prefixes_of = [
            tuple(
                position[literal[:size]]
                for size in range(2, len(literal) + 1)
                if literal[:size] in position
            )
            for literal in self._literals
        ]
        self._automaton = (
            ahocorasick_rs.AhoCorasick(
                self._literals,
                matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                implementation=ahocorasick_rs.Implementation.DFA,
            )
            if self._literals
            else None
        )
        # A number in a text without amounts would otherwise stop the main automaton for
        # `\d+ ?euros` at every number. Their actions follow the main literals' in a plan.
        self._digit_automaton = (
            ahocorasick_rs.AhoCorasick(list(self._digit_uses)) if self._digit_uses else None
        )
        self._plans: dict[tuple[tuple[str, ...] | str, str | None], _Plan] = {}
        self._built: dict[tuple[frozenset[str], _Role], _Plan] = {}
        self._role_matters = any(code.scope is not Scope.ALL for code in codebook.codes)
        self._plan_languages = frozenset(rule.language for rule in self._rules)
        self._stem_cache: dict[str, dict[str, str]] = {}
        self._stem_checks = {
            index: (self._stem_cache.setdefault(language, {}), stem, stemmer(language))
            for index, (language, stem) in self._stem_target.items()
        }
        self._setup_fuzzy()

    # ---------------------------------------------------------------------------------------
    # Compiling

    def _compile_rule(self, index: int, code: Code, pattern: Pattern) -> _Rule:
        if pattern.kind is PatternKind.NEAR:
            assert pattern.near is not None
            first, second = pattern.near
            parts = (self._primitive(first), self._primitive(second))
            return _Rule(
                index,
                pattern.source,
                pattern.kind.value,
                pattern.language,
                code.scope,
                None,
                within=pattern.within,
                near=parts,
            )
        vetoes = tuple(self._primitive(veto) for veto in pattern.unless)
        return _Rule(
            index,
            pattern.source,
            pattern.kind.value,
            pattern.language,
            code.scope,
            self._primitive(pattern),
            vetoes=vetoes,
            within=pattern.within,
        )

    def _primitive(self, pattern: Pattern) -> int:
        """The index of the primitive for ``pattern``, compiled on first use.

        Primitives are shared: `housing` in five codes and three languages is found once.
        """
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
        existing = self._primitives.get(key)
        if existing is not None:
            return existing
        index = self._primitives[key] = len(self._primitives)
        if kind is PatternKind.WORD:
            self._use(f" {pattern.terms[0]}", index, _WORD_CHECK)
            self._exact_words.add(pattern.terms[0])
        elif kind is PatternKind.PREFIX:
            self._use(f" {pattern.terms[0][:-1]}", index, _PREFIX_CHECK)
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
            self._fuzzy[index] = _FuzzyWord(pattern.terms[0], pattern.threshold)
            # the word as written is found like a word; the automaton of _fuzzy_spans finds the
            # tokens that are near it
            self._use(f" {pattern.terms[0]}", index, _WORD_CHECK)
        else:  # pragma: no cover - near patterns are rules, not primitives
            raise ValueError(f"{kind} is not a primitive pattern")
        return index

    def _use(
        self,
        literal: str,
        primitive: int,
        check: int,
        table: dict[str, list[_Use]] | None = None,
    ) -> None:
        """Record that ``primitive`` checks occurrences of ``literal`` (in the main automaton's
        table unless another is given)."""
        uses = (self._literal_uses if table is None else table).setdefault(literal, [])
        use = _Use(primitive, check)
        if use not in uses:
            uses.append(use)

    def _compile_phrase(self, index: int, terms: tuple[str, ...]) -> None:
        """Anchor a phrase on its first word, or on its longest if the first is very short.

        ``l'habitatge`` is the phrase ``l habitatge``: anchoring on ``l`` would stop the
        automaton at every token starting with l. Words before the anchor are checked backwards.
        """
        anchor = 0
        if len(terms[0].rstrip("*")) < _MIN_ANCHOR:
            anchor = max(range(len(terms)), key=lambda i: (len(terms[i].rstrip("*")), -i))
        pieces = [
            re.escape(term[:-1]) + "[^ ]*" if term.endswith("*") else re.escape(term) + "(?= )"
            for term in terms[anchor:]
        ]
        self._phrase[index] = (terms[:anchor], re.compile(" +".join(pieces)))
        self._use(" " + terms[anchor].rstrip("*"), index, _PHRASE_CHECK)
        if anchor + 1 < len(terms):
            following = terms[anchor + 1]
            self._phrase_gates[index] = _PhraseGate(
                not terms[anchor].endswith("*"), following.rstrip("*"), following.endswith("*")
            )

    def _compile_stem(self, index: int, language: str, word: str) -> None:
        stem = stemmer(language)(word)
        self._stem_target[index] = _StemTarget(language, stem)
        length = max(len(stem) - 1, min(_MIN_ANCHOR, len(stem)))
        self._use(" " + stem[:length], index, _STEM_CHECK)
        for exception in _STEM_EXCEPTIONS.get(language, ()):
            if stemmer(language)(exception) == stem and not exception.startswith(stem[:length]):
                self._use(" " + exception, index, _STEM_CHECK)

    def _compile_regex(self, index: int, expression: str) -> None:
        # Its end on a token boundary is checked inside it; its start is checked here, by
        # trying it only where a token may start (or, unanchored, in _search_regex).
        regex, body = compile_regex(expression)
        self._regex[index] = regex
        self._regex_sources[index] = expression
        anchors = regex_anchors(body, regex.flags)
        if anchors is not None:
            for anchor in anchors:
                self._use(anchor, index, _REGEX_CHECK)
            return
        self._unanchored.append(index)
        required = regex_required(body, regex.flags)
        if required is not None:
            self._required[index] = _RequiredLiterals(*required)
        starts = regex_start_characters(body, regex.flags)
        if (
            starts
            and len(starts) <= 16
            and all(is_word_char(c) and not c.isalpha() for c in starts)
        ):
            # `\d+ euros`: digits are rare in speech, so let the automaton find them. Only valid
            # when the segment's words are ASCII: then no other digit (٣) can occur.
            self._ascii_anchored.add(index)
            for char in starts:
                self._use(" " + char, index, _ASCII_REGEX_CHECK, self._digit_uses)

    def _setup_fuzzy(self) -> None:
        """What deciding whether a token is fuzzy-matched needs, independent of any segment."""
        self._fuzzy_columns = list(self._fuzzy)
        self._fuzzy_words = [self._fuzzy[index].word for index in self._fuzzy_columns]
        self._fuzzy_thresholds = [self._fuzzy[index].threshold for index in self._fuzzy_columns]
        # Per fuzzy word, the token lengths that can reach its threshold:
        # ratio = 2·matches / (len(a) + len(b)) ≥ T needs the shorter within T/(200-T) of the
        # longer.
        reaches = [
            _FuzzyReach(
                word,
                threshold,
                shortest=len(word) * threshold / (200 - threshold),
                longest=len(word) * (200 - threshold) / max(threshold, 1),
                primitive=index,
            )
            for index, (word, threshold) in self._fuzzy.items()
        ]
        self._fuzzy_exact: dict[str, tuple[int, ...]] = {}
        for index, fuzzy in self._fuzzy.items():
            self._fuzzy_exact[fuzzy.word] = (*self._fuzzy_exact.get(fuzzy.word, ()), index)
        # Tokens outside these lengths cannot reach any fuzzy word; within them, each length
        # is compared with the fuzzy words it can reach only.
        self._fuzzy_lengths = (
            max(MIN_FUZZY_LETTERS, min((reach.shortest for reach in reaches), default=0)) - 1e-9,
            max((reach.longest for reach in reaches), default=0) + 1e-9,
        )
        # The tokens of those lengths, as a piece of folded words holds them: what is scored.
        shortest, longest = math.ceil(self._fuzzy_lengths[0]), math.floor(self._fuzzy_lengths[1])
        self._fuzzy_candidates = (
            re.compile(f" ([^ ]{{{shortest},{longest}}})(?= )").findall
            if shortest <= longest
            else _no_tokens
        )
        # per token length: the fuzzy words it can reach, as (word, threshold, primitive)
        self._fuzzy_by_length: dict[int, list[tuple[str, float, int]]] = {}
        for word, threshold, low, high, index in reaches:
            # (the bounds are exact when they are whole numbers: keep float error out of them)
            for size in range(
                max(MIN_FUZZY_LETTERS, math.ceil(low - 1e-9)), math.floor(high + 1e-9) + 1
            ):
                self._fuzzy_by_length.setdefault(size, []).append((word, threshold, index))
        self._prefix_lengths = sorted({len(prefix) for prefix in self._exact_prefixes})
        self._exact_stems: dict[str, set[str]] = {}
        for target in self._stem_target.values():
            self._exact_stems.setdefault(target.language, set()).add(target.stem)
        self._fuzzy_seen: set[str] = set()
        self._fuzzy_hits: dict[str, tuple[int, ...]] = {}
        # " " + each token in _fuzzy_hits, and its fuzzy words
        self._fuzzy_automaton: ahocorasick_rs.AhoCorasick | None = None
        self._fuzzy_automaton_words: list[tuple[int, ...]] = []
        if self._fuzzy:
            # Imported now rather than at the first segment: building is the time to pay.
            import numpy  # noqa: F401
            import rapidfuzz.process  # noqa: F401

    # ---------------------------------------------------------------------------------------
    # Plans: which rules apply to a segment's languages and role

    def _plan(self, languages: tuple[str, ...], role: str | None) -> _Plan:
        """The plan for a segment, cached by the languages and role as given.

        Plans that would be equal are built once: the languages as a set, the role only if
        some code's scope depends on it.
        """
        plan = self._plans.get((languages, role))
        if plan is None:
            role_class = _role(role) if self._role_matters else _Role.RESPONDENT
            applying = frozenset(languages) & self._plan_languages
            plan = self._built.get((applying, role_class))
            if plan is None:
                plan = self._built[applying, role_class] = self._build_plan(
                    set(applying), role_class
                )
            self._plans[(languages, role)] = plan
        return plan

    def _build_plan(self, languages: set[str], role: _Role) -> _Plan:
        active: set[int] = set()
        direct: dict[int, list[_Emit]] = {}
        pending: dict[int, list[tuple[_Rule, _Emit]]] = {}
        vetoes: dict[int, list[int]] = {}
        keep: set[int] = set()
        for rule in self._rules:
            if rule.language != ANY_LANGUAGE and rule.language not in languages:
                continue
            if not _in_scope(rule.scope, role):
                continue
            if rule.code_veto:
                assert rule.primitive is not None
                vetoes.setdefault(rule.primitive, []).append(rule.code)
                active.add(rule.primitive)
                keep.add(rule.primitive)
            elif rule.near is not None or rule.vetoes:
                parts = rule.near if rule.near is not None else (rule.primitive,)
                for part in (*parts, *rule.vetoes):
                    assert part is not None
                    active.add(part)
                    keep.add(part)
                ruled = (rule, self._emit(rule))
                for part in parts:
                    assert part is not None
                    if ruled not in pending.setdefault(part, []):
                        pending[part].append(ruled)
            else:
                assert rule.primitive is not None
                active.add(rule.primitive)
                emit = self._emit(rule)
                if emit not in direct.setdefault(rule.primitive, []):
                    direct[rule.primitive].append(emit)
        own, digits = (
            [
                [
                    (
                        len(literal),
                        check,
                        primitive,
                        tuple(direct.get(primitive, ())),
                        primitive in keep,
                    )
                    for primitive, check in uses[literal]
                    if primitive in active
                ]
                for literal in uses
            ]
            for uses in (self._literal_uses, self._digit_uses)
        )
        # A stem or a prefix can be reached through two literals at once (an exception of the
        # stemmer and the stem's anchor): once is enough, the token is the same.
        actions = tuple(
            tuple(
                {
                    _same_token_check(action): action
                    for shorter in self._prefixes_of[index]
                    for action in own[shorter]
                }.values()
            )
            for index in range(len(self._literals))
        ) + tuple(tuple(actions) for actions in digits)
        groups: list[_PhraseGroup] = []
        actions = tuple(self._group_phrases(literal_actions, groups) for literal_actions in actions)
        return _Plan(
            actions=actions,
            phrase_groups=tuple(groups),
            direct={primitive: tuple(emits) for primitive, emits in direct.items()},
            pending={primitive: tuple(rules) for primitive, rules in pending.items()},
            vetoes={primitive: tuple(codes) for primitive, codes in vetoes.items()},
            kept=frozenset(keep),
            unanchored=tuple(index for index in self._unanchored if index in active),
            fuzzy=tuple(index for index in self._fuzzy if index in active),
            empty=not (direct or pending),
        )

    def _group_phrases(
        self, actions: tuple[_Action, ...], groups: list[_PhraseGroup]
    ) -> tuple[_Action, ...]:
        """One literal's actions with its phrases that have a word after the anchor replaced by
        one action per group of them (see _PhraseGroup), whose primitive is the group's index in
        ``groups``. The group is per literal length too: that is where the anchor's token ends."""
        result: list[_Action] = []
        made: dict[tuple[int, bool], tuple[dict[str, list[_Action]], dict[str, list[_Action]]]] = {}
        for action in actions:
            length, check, primitive, _, _ = action
            gate = self._phrase_gates.get(primitive) if check == _PHRASE_CHECK else None
            if gate is None:
                result.append(action)
                continue
            key = (length, gate.whole_anchor)
            if key not in made:
                made[key] = ({}, {})
                result.append((length, _PHRASES_CHECK, len(groups) + len(made) - 1, (), False))
            by_word, by_prefix = made[key]
            table = by_prefix if gate.following_prefix else by_word
            table.setdefault(gate.following, []).append(action)
        for (_, whole_anchor), (by_word, by_prefix) in made.items():
            groups.append(
                (
                    whole_anchor,
                    (*(f"{word} " for word in by_word), *by_prefix),
                    {word: tuple(found) for word, found in by_word.items()},
                    tuple((prefix, tuple(found)) for prefix, found in by_prefix.items()),
                )
            )
        return tuple(result)

    # ---------------------------------------------------------------------------------------
    # Matching

    @property
    def unanchored_patterns(self) -> list[str]:
        """Regular expressions found by trying them at every position of every segment.

        Those that start with a literal (``super ?illes?``) or with digits (``\\d+ ?euros``)
        are found through the automaton instead, which is much faster.
        """
        return [
            self._regex_sources[index]
            for index in self._unanchored
            if index not in self._ascii_anchored
        ]

    def match(
        self, text: str, languages: Sequence[str] | str, role: str | None = None
    ) -> list[Hit]:
        """Every hit of the codebook in one segment, sorted by (start, end, code_path, pattern).

        ``languages`` are the segment's languages (``"ca,es"`` is accepted too); the ``any``
        patterns always apply. ``role`` is ``"interviewer"``, ``"respondent"``, ``"chair"`` or
        None (unknown, which counts as respondent), and each code's scope decides whether it
        applies: a chair's turns only to codes of scope ``all``.
        """
        plan = self._plan_of(languages, role)
        if plan.empty:
            return []
        found = self._batch_rows([text], [plan])
        return _hits(text, found[0].rows, found[0].base) if found else []

    def codings(
        self, text: str, languages: Sequence[str] | str, role: str | None, offset: int
    ) -> list[tuple[str, str]]:
        """The codes a segment gets, in code path order, each with its evidence as stored.

        The evidence is :func:`qualcode.store.evidence_json` of the hits ``(pattern, kind,
        start, end)`` in text order, with ``offset`` (the segment's start in its document)
        added to each span: what coding writes, without a :class:`Hit` per hit.
        """
        return self.codings_batch([(text, languages, role, offset)])[0]

    def codings_batch(
        self, segments: Sequence[tuple[str, Sequence[str] | str, str | None, int]]
    ) -> list[list[tuple[str, str]]]:
        """:meth:`codings` of each ``(text, languages, role, offset)``, in the order given.

        What coding calls: the segments are folded and searched together, so a segment costs
        little more than its text and its hits.
        """
        result: list[list[tuple[str, str]]] = [[] for _ in segments]
        for texts, plans, where in self._pieces(segments):
            for found in self._batch_rows(texts, plans):
                position = where[found.segment]
                _, _, _, offset = segments[position]
                result[position] = _codings(found.rows, offset - found.base)
        return result

    def _pieces(
        self, segments: Sequence[tuple[str, Sequence[str] | str, str | None, int]]
    ) -> Iterator[tuple[list[str], list[_Plan], list[int]]]:
        """The segments that some pattern applies to, in pieces of about :data:`_PIECE`
        characters: their texts, plans, and positions in ``segments``."""
        texts: list[str] = []
        plans: list[_Plan] = []
        where: list[int] = []
        size = 0
        known: dict[Any, _Plan] = self._plans
        for index, (text, languages, role, _) in enumerate(segments):
            try:
                plan = known[languages, role]
            except (KeyError, TypeError):  # a first time, or languages in a list
                plan = self._plan_of(languages, role)
            if plan.empty:
                continue
            texts.append(text)
            plans.append(plan)
            where.append(index)
            size += len(text)
            if size >= _PIECE:
                yield texts, plans, where
                texts, plans, where, size = [], [], [], 0
        if texts:
            yield texts, plans, where

    def match_codes(
        self, text: str, languages: Sequence[str] | str, role: str | None = None
    ) -> dict[str, list[Hit]]:
        """The codes a segment gets, in codebook order, each with all its hits as evidence."""
        grouped = hits_by_code(self.match(text, languages, role))
        return {path: grouped[path] for path in self._code_paths if path in grouped}

    def _plan_of(self, languages: Sequence[str] | str, role: str | None) -> _Plan:
        """The plan for languages as given (``"ca,es"`` or ``("ca", "es")``) and a role."""
        if not isinstance(languages, str | tuple):
            languages = tuple(languages)
        plan = self._plans.get((languages, role))
        if plan is None:
            names = (
                tuple(part.strip() for part in languages.split(","))
                if isinstance(languages, str)
                else languages
            )
            plan = self._plans[(languages, role)] = self._plan(names, role)
        return plan

    def _batch_rows(self, texts: Sequence[str], plans: Sequence[_Plan]) -> list[_SegmentRows]:
        """The hits in each segment, for each segment with hits.

        The segments are searched as one text, ``joined``: ``" " + fold_words(text) + " "`` of
        each, one after the other, the space after one the space before the next. Rows are
        ``(start, end, what)`` in offsets of ``joined`` less one (a token's start is the offset
        of the space before it); less ``base``, the offset of the space before the segment, they
        are offsets in the segment's text. Each automaton occurrence is checked where it was found
        and either makes its hits at once or is kept for the rules that combine spans. Regular
        expressions need the real punctuation: they run on ``fold(text)``, made only when one
        needs it. No hit reaches from one segment into another.
        """
        batch = _Batch(texts, plans)
        joined = batch.joined
        # Per regular expression, where its last hit ends: re.finditer semantics, no hit of a
        # regex inside an earlier one (the automaton can find it again at a later anchor). A
        # regex that cannot hit in these texts is treated as having a hit to their end.
        regex_ends: dict[int, int] = {}
        if self._required:
            batch.absent = frozenset(
                primitive
                for primitive, literals in self._required.items()
                if not batch.contains(literals)
            )
            regex_ends = dict.fromkeys(batch.absent, len(joined))
        fuzzy = self._fuzzy_spans(joined, batch.bases, plans) if self._fuzzy else {}
        # The segments to finish even without an automaton occurrence.
        extra = set(fuzzy)
        if len(batch.absent) < len(self._unanchored):
            extra.update(self._searched_segments(batch))
        found = self._automaton.find_matches_as_indexes(joined) if self._automaton else []
        if self._digit_automaton is not None and not batch.absent.issuperset(self._ascii_anchored):
            digits = self._digit_automaton.find_matches_as_indexes(joined)
            if digits:
                found = _with_digits(found, digits, len(self._literals))
        results: list[_SegmentRows] = []
        stem_checks = self._stem_checks
        all_ascii = batch.all_ascii
        bases = batch.bases
        count = len(texts)
        find = joined.find
        segment = -1
        next_base = base = limit = folded_segment = 0
        folded = ""
        actions: tuple[tuple[_Action, ...], ...] = ()
        phrase_groups: tuple[_PhraseGroup, ...] = ()
        rows: list[_Row] = []
        append = rows.append
        spans: dict[int, list[_Span]] = {}
        # ``begin``: where the literal starts (its space), which is where the token starts in
        # the text. Checks in the order of how often they come.
        for literal, begin, _ in found:
            if begin >= next_base:
                if spans or segment in extra:
                    extra.discard(segment)
                    self._finish(batch, segment, rows, spans, fuzzy, results)
                elif rows:
                    results.append(_SegmentRows(segment, base, rows))
                if rows:
                    rows = []
                    append = rows.append
                if spans:
                    spans = {}
                segment = bisect_right(bases, begin, segment + 1) - 1
                next_base = bases[segment + 1] if segment + 1 < count else len(joined)
                base = bases[segment]
                limit = base + len(texts[segment])
                plan = plans[segment]
                actions = plan.actions
                phrase_groups = plan.phrase_groups
            for length, check, primitive, emits, kept in actions[literal]:
                end = begin + length
                if check == _PREFIX_CHECK:
                    stop = find(" ", end) - 1
                elif check == _WORD_CHECK:
                    if joined[end] != " ":
                        continue
                    stop = end - 1
                elif check == _PHRASES_CHECK:
                    whole_anchor, starts, by_word, by_prefix = phrase_groups[primitive]
                    if whole_anchor:
                        if joined[end] != " ":
                            continue
                        after = end + 1
                    else:
                        after = find(" ", end) + 1
                    if after > limit:
                        continue  # no token after the anchor in this segment
                    if joined[after] == " ":  # more than one space: punctuation between
                        while after <= limit and joined[after] == " ":
                            after += 1
                        if after > limit:
                            continue
                    if not joined.startswith(starts, after):
                        continue  # the next token is none of the phrases' next words
                    following = joined[after : find(" ", after)]
                    candidates = by_word.get(following, ())
                    if by_prefix:
                        for prefix, more in by_prefix:
                            if following.startswith(prefix):
                                candidates += more
                    for _, _, phrase, phrase_emits, phrase_kept in candidates:
                        span = self._phrase_span(phrase, joined, begin, base, limit)
                        if span is None:
                            continue
                        if phrase_kept:
                            spans.setdefault(phrase, []).append(span)
                        phrase_start, stop = span
                        for emit in phrase_emits:
                            append((phrase_start, stop, emit))
                    continue
                elif check == _PHRASE_CHECK:
                    span = self._phrase_span(primitive, joined, begin, base, limit)
                    if span is None:
                        continue
                    if kept:
                        spans.setdefault(primitive, []).append(span)
                    phrase_start, stop = span
                    for emit in emits:
                        append((phrase_start, stop, emit))
                    continue
                elif check == _STEM_CHECK:
                    stop = find(" ", end) - 1
                    token = joined[begin + 1 : stop + 1]
                    stems, target, stem_of = stem_checks[primitive]
                    if (stems.get(token) or stems.setdefault(token, stem_of(token))) != target:
                        continue
                else:
                    if begin < regex_ends.get(primitive, 0):
                        continue
                    if check == _ASCII_REGEX_CHECK and not (
                        all_ascii or batch.ascii_words(segment)
                    ):
                        continue  # searched in full when the segment is finished
                    if folded_segment != segment + 1:
                        folded = fold(texts[segment])
                        folded_segment = segment + 1
                    match = self._regex[primitive].match(folded, begin - base)
                    if match is None:
                        continue
                    stop = regex_ends[primitive] = match.end() + base
                if kept:
                    if primitive in spans:
                        spans[primitive].append((begin, stop))
                    else:
                        spans[primitive] = [(begin, stop)]
                for emit in emits:
                    append((begin, stop, emit))
        if spans or segment in extra:
            extra.discard(segment)
            self._finish(batch, segment, rows, spans, fuzzy, results)
        elif rows:
            results.append(_SegmentRows(segment, base, rows))
        for index in sorted(extra):
            self._finish(batch, index, [], {}, fuzzy, results)
        return results

    def _searched_segments(self, batch: _Batch) -> Iterator[int]:
        """The segments of a batch where some regular expression is searched in full.

        That is a regex not found through the automaton, in a segment it applies to; one found
        through its digits only if the segment's words are not all ASCII (other digits). A regex
        that cannot hit in the batch's texts (``batch.absent``) does not count.
        """
        ascii_anchored, absent = self._ascii_anchored, batch.absent
        needs: dict[int, _RegexSearches] = {}  # by plan
        for index, plan in enumerate(batch.plans):
            need = needs.get(id(plan))
            if need is None:
                live = [primitive for primitive in plan.unanchored if primitive not in absent]
                need = needs[id(plan)] = _RegexSearches(
                    always=any(primitive not in ascii_anchored for primitive in live),
                    unless_ascii=any(primitive in ascii_anchored for primitive in live),
                )
            if need.always or (need.unless_ascii and not batch.ascii_words(index)):
                yield index

    def _finish(
        self,
        batch: _Batch,
        segment: int,
        rows: list[_Row],
        spans: dict[int, list[_Span]],
        fuzzy: dict[int, dict[int, list[_Span]]],
        results: list[_SegmentRows],
    ) -> None:
        """Complete one segment's rows (regexes searched in full, fuzzy words, rules that
        combine spans) and add them to ``results`` if there are any."""
        plan = batch.plans[segment]
        base = batch.bases[segment]
        folded = None
        for primitive in plan.unanchored:
            if primitive in batch.absent:
                continue
            if primitive in self._ascii_anchored and batch.ascii_words(segment):
                continue
            if folded is None:
                folded = fold(batch.texts[segment])
            found = [
                (start + base, end + base)
                for start, end in _search_regex(self._regex[primitive], folded)
            ]
            if found:
                for emit in plan.direct.get(primitive, ()):
                    rows.extend((start, end, emit) for start, end in found)
                if primitive in plan.kept:
                    spans[primitive] = found
        for primitive, found in fuzzy.get(segment, {}).items():
            for emit in plan.direct.get(primitive, ()):
                rows.extend((start, end, emit) for start, end in found)
            if primitive in plan.kept:
                spans.setdefault(primitive, []).extend(found)
        if spans:
            rows = self._combine(batch.joined, rows, spans, plan)
        if rows:
            results.append(_SegmentRows(segment, base, rows))

    def _combine(
        self, joined: str, rows: list[_Row], spans: dict[int, list[_Span]], plan: _Plan
    ) -> list[_Row]:
        """Add the hits of ``near`` and ``unless`` rules; apply code-level vetoes."""
        vetoed: set[int] = set()
        # by identity: comparing the rules field by field is slow
        pending: dict[int, tuple[_Rule, _Emit]] = {}
        plan_vetoes = plan.vetoes
        plan_pending = plan.pending
        for primitive, found in spans.items():
            if len(found) > 1:
                spans[primitive] = sorted(set(found))
            if primitive in plan_vetoes:
                vetoed.update(plan_vetoes[primitive])
            for ruled in plan_pending.get(primitive, ()):
                pending[id(ruled)] = ruled
        if pending:
            tokens = _Tokens(joined, spans)
            for rule, emit in pending.values():
                # What _rule_spans gives at once, without a call: a `near` rule with a part
                # absent has no hits, a rule none of whose `unless` hit keeps its own.
                if rule.near is not None:
                    first_part, second_part = rule.near
                    if first_part not in spans or second_part not in spans:
                        continue
                elif spans.keys().isdisjoint(rule.vetoes):
                    assert rule.primitive is not None
                    rows.extend([(start, end, emit) for start, end in spans[rule.primitive]])
                    continue
                for start, end in _rule_spans(rule, spans, tokens):
                    rows.append((start, end, emit))
            # The same pattern may be a plain rule in one language and have an `unless` in
            # another: the same row can come both ways.
            rows = list(dict.fromkeys(rows))
        if vetoed:
            rows = [(start, end, emit) for start, end, emit in rows if emit.code not in vetoed]
        return rows

    def _emit(self, rule: _Rule) -> _Emit:
        """What a hit of ``rule`` records, made once per code and pattern."""
        key = (rule.code, rule.source, rule.kind)
        emit = self._emits.get(key)
        if emit is None:
            start = json.dumps([rule.source, rule.kind], ensure_ascii=False, separators=(",", ":"))
            emit = _Emit(
                self._code_paths[rule.code],
                rule.source,
                rule.kind,
                rule.code,
                evidence_start=start[:-1] + ",",
            )
            self._emits[key] = emit
        return emit

    def _phrase_span(
        self, primitive: int, joined: str, begin: int, base: int, limit: int
    ) -> _Span | None:
        """The span of a phrase whose anchor word's literal was found at ``begin``, if the
        phrase is there and within the segment from ``base`` to ``limit``."""
        before, regex = self._phrase[primitive]
        match = regex.match(joined, begin + 1)
        if match is None:
            return None
        stop = match.end() - 1
        phrase_start = begin
        if before:
            phrase_start = self._phrase_start(before, joined, begin)
            if phrase_start < base:
                return None  # no such words before, or in another segment
        if stop > limit:
            return None  # it would reach into another segment
        return phrase_start, stop

    def _phrase_start(self, before: tuple[str, ...], joined: str, begin: int) -> int:
        """Where a phrase starts whose anchor word is the token at ``begin`` (row offsets) and
        whose words ``before`` it must precede it; -1 if they do not."""
        position = begin + 1
        for term in reversed(before):
            position = _previous_token(joined, position, term)
            if position < 0:
                return -1
        return position - 1

    def _fuzzy_spans(
        self, joined: str, bases: list[int], plans: Sequence[_Plan]
    ) -> dict[int, dict[int, list[_Span]]]:
        """The spans of fuzzy words, per segment and fuzzy primitive active in its plan.

        Each distinct token of a length that can reach a fuzzy word is scored once per Matcher;
        once the tokens of a corpus have been seen, a piece of text costs a search for the tokens
        of those lengths and two set tests.
        """
        tokens = self._fuzzy_candidates(joined)
        if not self._fuzzy_seen.issuperset(tokens):
            self._score_tokens(set(tokens) - self._fuzzy_seen)
        automaton = self._fuzzy_automaton
        if automaton is None:
            return {}
        found: dict[int, dict[int, list[_Span]]] = {}
        words = self._fuzzy_automaton_words
        for literal, start, end in automaton.find_matches_as_indexes(joined):
            if joined[end] != " ":
                continue  # only the start of a longer token
            segment = bisect_right(bases, start) - 1
            active = plans[segment].fuzzy
            for primitive in words[literal]:
                if primitive in active:
                    found.setdefault(segment, {}).setdefault(primitive, []).append((start, end - 1))
        return found

    def _score_tokens(self, tokens: set[str]) -> None:
        """Decide, once for good, which fuzzy words each of these new tokens matches.

        Similarity first (cheap, and rarely above the threshold), then the exactness test
        (stems in every language) only for the few tokens that would match.
        """
        from rapidfuzz import fuzz

        self._fuzzy_seen |= tokens
        shortest, longest = self._fuzzy_lengths
        candidates = [token for token in tokens if shortest <= len(token) <= longest]
        if not candidates:
            return
        found: dict[str, list[int]] = {}
        if len(candidates) * len(self._fuzzy_words) <= _SMALL_FUZZY_BATCH:
            # A handful of comparisons: a plain loop beats cdist's fixed cost.
            ratio = fuzz.ratio
            by_length = self._fuzzy_by_length
            for token in candidates:
                for word, threshold, primitive in by_length.get(len(token), ()):
                    if ratio(token, word, score_cutoff=threshold):
                        found.setdefault(token, []).append(primitive)
        else:
            import numpy as np
            from rapidfuzz import process

            scores = process.cdist(
                candidates,
                self._fuzzy_words,
                scorer=fuzz.ratio,
                score_cutoff=min(self._fuzzy_thresholds),
            )
            rows, columns = (scores >= np.asarray(self._fuzzy_thresholds)).nonzero()
            for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
                found.setdefault(candidates[row], []).append(self._fuzzy_columns[column])
        added = False
        for token, primitives in found.items():
            # A fuzzy word as written is found by the main automaton, and a word the codebook
            # names exactly is not a misspelling of another.
            if token in self._fuzzy_exact or self._matched_exactly(token):
                continue
            self._fuzzy_hits[token] = tuple(primitives)
            added = True
        if added:
            tokens_found = list(self._fuzzy_hits)
            self._fuzzy_automaton = ahocorasick_rs.AhoCorasick(
                [f" {token}" for token in tokens_found],
                matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
            )
            self._fuzzy_automaton_words = [self._fuzzy_hits[token] for token in tokens_found]

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
        return any(
            stemmer(language)(token) in stems for language, stems in self._exact_stems.items()
        )


def _no_tokens(joined: str) -> list[str]:
    """No token can reach a fuzzy word."""
    return []


def _same_token_check(action: _Action) -> object:
    """What makes two actions of a plan the same: a stem or a prefix checks the token whatever
    the literal it was reached through, the other checks depend on the literal too."""
    _, check, primitive, _, _ = action
    return (primitive, check) if check in (_STEM_CHECK, _PREFIX_CHECK) else action


_occurrence_start = itemgetter(1)
"""The start of an automaton occurrence, ``(literal, start, end)``."""
# The fields named by the dataclass and Hit's own __new__, not __slots__ and object.__new__:
# the same here, and they hold too when mypyc compiles this module (bench/README.md).
_HIT_FIELDS = tuple(getattr(Hit, name).__set__ for name in Hit.__dataclass_fields__)
_NEW = Hit.__new__


def _with_digits(
    found: list[tuple[int, int, int]], digits: list[tuple[int, int, int]], shift: int
) -> list[tuple[int, int, int]]:
    """The main automaton's occurrences and the digit automaton's, in text order; a digit
    literal's index is ``shift`` (the number of main literals) on, as its actions are in a plan."""
    merged = found + [(literal + shift, start, end) for literal, start, end in digits]
    merged.sort(key=_occurrence_start)  # stable: at one position, the main literal first
    return merged


def _codings(rows: list[_Row], shift: int) -> list[tuple[str, str]]:
    """A segment's rows as codings: code paths in order, each with its evidence JSON.

    ``shift`` turns row offsets into the stored offsets (in the document). Each hit's part of
    the JSON is made as its row comes, in text order, and kept under its code.
    """
    rows.sort()
    by_code: dict[str, list[str]] = {}
    for start, end, emit in rows:
        hit = f"{emit.evidence_start}{start + shift},{end + shift}]"
        path = emit.code_path
        hits = by_code.get(path)
        if hits is None:
            by_code[path] = [hit]
        else:
            hits.append(hit)
    return [(path, f"[{','.join(by_code[path])}]") for path in sorted(by_code)]


def _hits(text: str, rows: list[_Row], base: int) -> list[Hit]:
    """The rows as hits, sorted by (start, end, code path, pattern)."""
    rows.sort()
    # Hit(...) without its __init__: a frozen dataclass's __init__ goes through
    # object.__setattr__ for each field, which costs more than this, once per hit.
    new = _NEW
    set_code_path, set_pattern, set_kind, set_start, set_end, set_matched = _HIT_FIELDS
    hits = []
    for start, end, emit in rows:
        start -= base
        end -= base
        hit = new(Hit)
        set_code_path(hit, emit.code_path)
        set_pattern(hit, emit.source)
        set_kind(hit, emit.kind)
        set_start(hit, start)
        set_end(hit, end)
        set_matched(hit, text[start:end])
        hits.append(hit)
    return hits


_TOKEN = re.compile(r"\S+")
_SPLIT_STRETCH = 256
"""Characters of text up to which counting the tokens between two spans splits the text."""
_span_start = itemgetter(0)


class _Tokens:
    """Counts the tokens between two spans of ``joined`` by bisection over where tokens start.

    Short stretches are split; the positions are found once, on first use, over the stretch of
    ``joined`` that the spans cover, for the long ones, so that ``near`` and ``unless … within``
    rules cost time in proportion to their hits (a ``str.split`` of the text between every pair
    of hits grew with the square of them).
    """

    def __init__(self, joined: str, spans: dict[int, list[_Span]]) -> None:
        self._joined = joined
        self._spans = spans
        self._starts: list[int] | None = None

    def _index(self) -> list[int]:
        joined = self._joined
        firsts = [found[0] for found in self._spans.values() if found]  # each list is sorted
        low = min(start for start, _ in firsts)
        high = min(len(joined), max(end for found in self._spans.values() for _, end in found) + 2)
        while low > 0 and not joined[low - 1].isspace():
            low -= 1  # from the start of the token the first span begins in
        self._starts = starts = [token.start() for token in _TOKEN.finditer(joined, low, high)]
        return starts

    def gap(self, end: int, start: int) -> int:
        """The number of tokens in ``joined[end + 1 : start + 1]`` (0 unless ``end < start``).

        As ``len(joined[end + 1 : start + 1].split())``: a token cut by the slice's start counts.
        """
        if end >= start:
            return 0
        starts = self._starts if self._starts is not None else self._index()
        begin = end + 1
        count = bisect_left(starts, start + 1) - bisect_left(starts, begin)
        joined = self._joined
        if not joined[begin - 1].isspace() and begin < len(joined) and not joined[begin].isspace():
            count += 1  # the slice starts inside a token
        return count

    def between(self, one: _Span, other: _Span) -> int:
        """How many tokens lie strictly between two spans (0 if they touch or overlap)."""
        (_, first_end), (second_start, _) = sorted((one, other), key=_span_start)
        return self.gap(first_end, second_start)

    def gap_within(self, end: int, start: int, within: int) -> int:
        """``gap(end, start)`` if it is at most ``within``, else ``within + 1``.

        A rule only asks whether spans are within its distance, and the tokens of a short
        stretch are cheaper to count by splitting it than by finding every token of the segment
        (which ``gap`` does, once, for the stretches that are long and have few tokens).
        """
        if end >= start:
            return 0
        more = within + 1
        if start - end <= _SPLIT_STRETCH:
            return min(len(self._joined[end + 1 : start + 1].split(None, more)), more)
        # Its beginning has as many tokens as the stretch or fewer (one cut at the end counts).
        if len(self._joined[end + 1 : end + 1 + _SPLIT_STRETCH].split(None, more)) >= more:
            return more
        return min(self.gap(end, start), more)

    def nearest(
        self,
        one: _Span,
        others: list[_Span],
        ends: list[int],
        within: int,
        *,
        other_than_itself: bool,
    ) -> _Nearest | None:
        """The fewest tokens between ``one`` and a span of ``others``, with that span (on a tie,
        the earliest), as ``min((between(one, o), o) for o in others)``, if they are at most
        ``within``; else None.

        ``others`` is sorted and without repeats; ``ends`` holds the largest end among
        ``others[: k + 1]`` at each ``k``. A span starting at or after ``one`` is nearer the
        earlier it starts; one starting before, the later it ends.
        """
        start, end = one
        after = bisect_left(others, (start, -1))
        best = None
        right = after + 1 if other_than_itself and others[after : after + 1] == [one] else after
        if right < len(others):
            right_start, _ = others[right]
            fewest = self.gap_within(end, right_start, within)
            if fewest <= within:
                best = _Nearest(fewest, others[right])
        if after:
            fewest = self.gap_within(ends[after - 1], start, within)
            if fewest <= within:
                # Fewer tokens the later a span ends: the earliest span as near as the nearest.
                earliest = bisect_left(
                    ends,
                    True,
                    0,
                    after - 1,
                    key=lambda end: self.gap_within(end, start, within) <= fewest,
                )
                left = _Nearest(fewest, others[earliest])
                best = left if best is None else min(best, left)
        return best


def _rule_spans(rule: _Rule, spans: dict[int, list[_Span]], tokens: _Tokens) -> list[_Span]:
    """The hits of a rule with an ``unless`` or of a ``near`` rule, given the primitives' spans.

    For ``near``, each hit of either part is paired with its nearest hit of the other part
    (ties: the earlier), and the pair gives one span from the first start to the last end.
    ``spans`` holds each primitive's spans sorted and without repeats.
    """
    if rule.near is not None:
        first_part, second_part = rule.near
        first = spans.get(first_part)
        second = spans.get(second_part)
        if not first or not second:
            return []
        within = rule.within if rule.within is not None else 0
        pairs: set[_Span] = set()
        for ones, others in ((first, second), (second, first)):
            ends = list(accumulate((end for _, end in others), max))
            for one in ones:
                nearest = tokens.nearest(one, others, ends, within, other_than_itself=True)
                if nearest is not None:
                    (one_start, one_end), (other_start, other_end) = one, nearest.span
                    pairs.add((min(one_start, other_start), max(one_end, other_end)))
        return sorted(pairs)
    assert rule.primitive is not None
    own = spans.get(rule.primitive, [])
    vetoes = sorted({span for veto in rule.vetoes for span in spans.get(veto, ())})
    if not vetoes:
        return own
    if rule.within is None:
        return []
    within = rule.within
    veto_ends = list(accumulate((end for _, end in vetoes), max))
    kept = []
    for span in own:
        if tokens.nearest(span, vetoes, veto_ends, within, other_than_itself=False) is None:
            kept.append(span)
    return kept


def _role(role: str | None) -> _Role:
    if role is None or role == "respondent":
        return _Role.RESPONDENT
    if role == "interviewer":
        return _Role.INTERVIEWER
    if role == "chair":
        return _Role.CHAIR
    raise ValueError(f"role must be 'interviewer', 'respondent', 'chair' or None, not {role!r}")


def _in_scope(scope: Scope, role: _Role) -> bool:
    if scope is Scope.ALL:
        return True
    if scope is Scope.INTERVIEWER:
        return role is _Role.INTERVIEWER
    return role is _Role.RESPONDENT


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
        if 0 < start < size and is_word_char(folded[start - 1]) and is_word_char(folded[start]):
            position = start + 1  # starts inside a token: look again one character on
            continue
        if end > start:
            spans.append((start, end))
        position = max(end, start + 1)
    return spans


def _previous_token(joined: str, position: int, term: str) -> int:
    """The start of the token before ``position`` if it is ``term`` (a word or a prefix), else -1.

    Offsets in the joined text of a batch (see Matcher._batch_rows), where separators are spaces.
    """
    end = position
    while joined[end - 1] == " ":
        end -= 1
        if end == 0:
            return -1
    if end == position:
        return -1
    start = joined.rfind(" ", 0, end) + 1
    token = joined[start:end]
    if term.endswith("*"):
        return start if token.startswith(term[:-1]) else -1
    return start if token == term else -1
