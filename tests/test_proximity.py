"""`near` and `unless … within` rules: the bisection over token positions gives exactly what the
plain definition gives (split the text between every pair of hits and count), on random texts and
spans, and whole-codebook matching keeps finding the same proximity hits."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from qualcode.codebook import Scope
from qualcode.matching import _Rule, _rule_spans, _Span, _Tokens
from test_matching import one_code

Spans = dict[int, list[_Span]]


def words_between(joined: str, one: _Span, other: _Span) -> int:
    """The definition: the tokens strictly between two spans (0 if they touch or overlap)."""
    first, second = (one, other) if one[0] <= other[0] else (other, one)
    if first[1] >= second[0]:
        return 0
    return len(joined[first[1] + 1 : second[0] + 1].split())


def plain_rule_spans(rule: _Rule, spans: Spans, joined: str) -> list[_Span]:
    """Every pair of hits compared, as the matcher did before (quadratic in the hits)."""
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
                    ((words_between(joined, one, o), o) for o in others if o != one),
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
    return [s for s in own if all(words_between(joined, s, v) > rule.within for v in vetoes)]


def rule(*, near: tuple[int, int] | None = None, vetoes: tuple[int, ...] = (), within=None):
    return _Rule(
        code=0,
        source="p",
        kind="near" if near else "word",
        language="en",
        scope=Scope.ALL,
        primitive=None if near else 0,
        vetoes=vetoes,
        within=within,
        near=near,
    )


# Folded text: word characters and spaces (what fold_words makes), now and then a run of spaces.
texts = st.lists(
    st.one_of(st.sampled_from(["a", "bb", "rent", "car", "x1", "é"]), st.just(" "), st.just("  ")),
    min_size=1,
    max_size=60,
).map(lambda parts: " " + " ".join(parts) + " ")


@st.composite
def texts_and_spans(draw: st.DrawFn, aligned: bool) -> tuple[str, Spans]:
    """A text and spans for three primitives: on token boundaries (words, phrases) or anywhere
    (regular expressions match inside tokens too)."""
    joined = draw(texts)
    if aligned:
        tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", joined)]
        if not tokens:
            return joined, {}
        span = st.tuples(st.integers(0, len(tokens) - 1), st.integers(0, 3)).map(
            lambda pick: (tokens[pick[0]][0], tokens[min(pick[0] + pick[1], len(tokens) - 1)][1])
        )
    else:
        span = st.tuples(st.integers(0, len(joined) - 1), st.integers(1, 8)).map(
            lambda pick: (pick[0], min(pick[0] + pick[1], len(joined)))
        )
    spans = {}
    for primitive in range(3):
        found = draw(st.lists(span, max_size=12))
        if found:
            spans[primitive] = sorted(set(found))
    return joined, spans


cases = st.one_of(texts_and_spans(aligned=True), texts_and_spans(aligned=False))
withins = st.one_of(st.none(), st.integers(0, 6))


@given(cases, withins, st.sampled_from([(0, 1), (1, 0), (0, 0), (1, 2)]))
def test_near_as_the_plain_definition(case: tuple[str, Spans], within, parts) -> None:
    joined, spans = case
    near = rule(near=parts, within=within)
    tokens = _Tokens(joined, spans)
    assert _rule_spans(near, spans, tokens) == plain_rule_spans(near, spans, joined)


@given(cases, withins, st.sampled_from([(1,), (2,), (1, 2), (0,), (0, 1)]))
def test_unless_within_as_the_plain_definition(case: tuple[str, Spans], within, vetoes) -> None:
    joined, spans = case
    unless = rule(vetoes=vetoes, within=within)
    tokens = _Tokens(joined, spans)
    assert _rule_spans(unless, spans, tokens) == plain_rule_spans(unless, spans, joined)


@given(cases, st.data())
def test_tokens_between_as_split(case: tuple[str, Spans], data: st.DataObject) -> None:
    joined, spans = case
    every = [span for found in spans.values() for span in found]
    if len(every) < 2:
        return
    tokens = _Tokens(joined, spans)
    one = data.draw(st.sampled_from(every))
    other = data.draw(st.sampled_from(every))
    assert tokens.between(one, other) == words_between(joined, one, other)


def test_many_hits_in_one_segment(tmp_path: Path) -> None:
    """A dense turn of 3,000 words, 1,200 of them hits of proximity rules."""
    matcher = one_code(
        tmp_path,
        "en",
        {"near": ["rent", "landlord"], "within": 2},
        {"pattern": "flat", "unless": ["car"], "within": 0},
    )
    text = " ".join(["rent", "a", "landlord", "flat", "car", "b", "flat", "c", "d", "e"] * 300)
    hits = matcher.match(text, "en")
    near = [h.matched for h in hits if h.kind == "near"]
    assert near == ["rent a landlord"] * 300  # the next block's rent is 7 words away
    flats = [h for h in hits if h.pattern == "flat"]
    assert len(flats) == 300  # the `flat` just before `car` is vetoed, the one after it is not
    assert all(text[h.start - 6 : h.end + 2] == "car b flat c" for h in flats)


# Texts whose stretches between spans are long with few tokens, and short with many.
long_texts = st.lists(
    st.sampled_from(["a", "bb", "x" * 90, "é" * 140, " ", "  "]), min_size=1, max_size=40
).map(lambda parts: " " + " ".join(parts) + " ")


@given(long_texts, st.data(), st.integers(0, 6))
def test_tokens_within_as_split(joined: str, data: st.DataObject, within: int) -> None:
    end = data.draw(st.integers(0, len(joined) - 1))
    start = data.draw(st.integers(0, len(joined) - 1))
    tokens = _Tokens(joined, {0: [(0, len(joined) - 1)]})
    counted = len(joined[end + 1 : start + 1].split()) if end < start else 0
    assert tokens.gap_within(end, start, within) == min(counted, within + 1)
