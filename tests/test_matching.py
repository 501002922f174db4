"""The pattern engine: every kind in en/es/ca, folding, exclusions, proximity, scope, fuzzy rules,
determinism, and properties checked against a plain reference implementation."""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qualcode.codebook import load_codebook
from qualcode.matching import Hit, Matcher, hits_by_code
from qualcode.models import Role
from qualcode.text import (
    WORD,
    fold,
    fold_char,
    fold_words,
    fold_words_joined,
    is_word_char,
    stemmer,
    tokens,
)

FIXTURES = Path(__file__).parent / "fixtures" / "codebooks"

HEADER = 'name: t\nversion: "1"\nlanguages: [en, es, ca]\n'


def compile_yaml(tmp_path: Path, text: str) -> Matcher:
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    return Matcher(load_codebook(path))


def one_code(tmp_path: Path, language: str, *patterns: object, extra: str = "") -> Matcher:
    items = ", ".join(json.dumps(p, ensure_ascii=False) for p in patterns)
    return compile_yaml(
        tmp_path, f"{HEADER}{extra}codes:\n  - id: c\n    patterns:\n      {language}: [{items}]\n"
    )


def matched(matcher: Matcher, text: str, languages: str | list[str], role: str | None = None):
    return [hit.matched for hit in matcher.match(text, languages, role)]


@pytest.fixture(scope="module")
def justice() -> Matcher:
    return Matcher(load_codebook(FIXTURES / "justice.yaml"))


# --------------------------------------------------------------------------------------------
# Every kind in every language


KINDS = [
    # word: the whole token only
    ("en", "housing", "Housing, housings and rehousing: HOUSING.", ["Housing", "HOUSING"]),
    ("es", "desahucio", "Desahucios y un desahucio; DESAHUCIO.", ["desahucio", "DESAHUCIO"]),
    (
        "ca",
        "desnonament",
        "Desnonaments i un desnonament, DESNONÀMENT.",
        ["desnonament", "DESNONÀMENT"],
    ),
    # prefix wildcard: tokens starting with it, whole token as evidence
    (
        "en",
        "evict*",
        "Evicted, evictions and the eviction; preevicted",
        ["Evicted", "evictions", "eviction"],
    ),
    (
        "es",
        "desigualdad*",
        "Las desigualdades y la Desigualdad; indesigualdad",
        ["desigualdades", "Desigualdad"],
    ),
    (
        "ca",
        "desnonament*",
        "Desnonaments i desnonament, desnonats",
        ["Desnonaments", "desnonament"],
    ),
    # phrase: adjacent tokens, any separators between them
    (
        "en",
        "social housing",
        "social housing, Social-Housing, social  housing; social rented housing; socialhousing; "
        "social housings",
        ["social housing", "Social-Housing", "social  housing"],
    ),
    (
        "es",
        "brecha social",
        "la brecha social, brechas sociales, la BRECHA  SOCIAL.",
        ["brecha social", "BRECHA  SOCIAL"],
    ),
    (
        "ca",
        "bretxa social",
        "La bretxa social i la bretxa — social",
        ["bretxa social", "bretxa — social"],
    ),
    (
        "en",
        "community wealth build*",
        "Community wealth building and community wealth builders, community wealth",
        ["Community wealth building", "community wealth builders"],
    ),
    # stem: same Snowball stem in the list's language
    (
        "en",
        "stem:evict",
        "evicted, evictions, evicting, eviction, evict, evictee",
        ["evicted", "evictions", "evicting", "eviction", "evict"],
    ),
    (
        "es",
        "stem:desahucio",
        "desahucios, desahuciados, desahuciar, desahucio, deshaucio",
        ["desahucios", "desahuciados", "desahuciar", "desahucio"],
    ),
    (
        "ca",
        "stem:desnonament",
        "desnonaments, desnonament, desnonar, desnonats",
        ["desnonaments", "desnonament", "desnonar", "desnonats"],
    ),
    # regex: on folded text, starting and ending on token boundaries
    (
        "en",
        "re:super ?blocks?",
        "superblocks and Super block but not superblockchain",
        ["superblocks", "Super block"],
    ),
    (
        "es",
        "re:super ?manzanas?",
        "Supermanzana, super manzanas, supermanzanal",
        ["Supermanzana", "super manzanas"],
    ),
    (
        "ca",
        "re:super ?ill[ae]s?",
        "Super illa, superilles; la super-illa",
        ["Super illa", "superilles"],
    ),
    # fuzzy: transcription errors of words of 5 letters or more
    (
        "en",
        "fuzzy:gentrification",
        "gentrificaton, gentrification, gentry, gentrifications",
        ["gentrificaton", "gentrification", "gentrifications"],
    ),
    (
        "es",
        "fuzzy:desahucio",
        "desauhcio, desahucio, deshaucio, desahucios, casa",
        ["desauhcio", "desahucio", "deshaucio", "desahucios"],
    ),
    (
        "ca",
        "fuzzy:desnonament",
        "desnonamnet, desnonament, desnonaments, nonament",
        ["desnonamnet", "desnonament", "desnonaments"],
    ),
]


@pytest.mark.parametrize(("language", "pattern", "text", "expected"), KINDS)
def test_each_kind_in_each_language(
    tmp_path: Path, language: str, pattern: str, text: str, expected: list[str]
) -> None:
    matcher = one_code(tmp_path, language, pattern)
    hits = matcher.match(text, [language])
    assert [hit.matched for hit in hits] == expected
    assert {hit.pattern for hit in hits} <= {pattern}
    assert all(text[hit.start : hit.end] == hit.matched for hit in hits)


def test_patterns_of_another_language_do_not_apply(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "es", "vivienda")
    assert matched(matcher, "la vivienda", ["ca"]) == []
    assert matched(matcher, "la vivienda", ["es"]) == ["vivienda"]
    assert matched(matcher, "la vivienda", "ca,es") == ["vivienda"]  # a mixed segment
    assert matched(matcher, "la vivienda", []) == []  # unknown language: only `any` patterns


def test_any_patterns_apply_to_every_language(justice: Matcher) -> None:
    for languages in (["en"], ["es"], ["ca"], ["fr"], []):
        assert matched(justice, "The Gini index", languages) == ["Gini"]


# --------------------------------------------------------------------------------------------
# Folding: case, accents, apostrophes, hyphens


@pytest.mark.parametrize("text", ["Desnonament", "desnonament", "DESNONAMENT", "desnonàment"])
def test_case_and_accents_are_ignored_both_ways(tmp_path: Path, text: str) -> None:
    assert matched(one_code(tmp_path, "ca", "desnonament"), text, "ca") == [text]
    assert matched(one_code(tmp_path, "ca", "DESNONÀMENT"), text, "ca") == [text]


@pytest.mark.parametrize(
    "text", ["l’habitatge", "l'habitatge", "d'habitatge", "lʼhabitatge", "L‘HABITATGE"]
)
def test_apostrophes_separate_tokens(tmp_path: Path, text: str) -> None:
    matcher = one_code(tmp_path, "ca", "habitatge")
    assert [hit.matched.lower() for hit in matcher.match(text, "ca")] == ["habitatge"]


def test_an_elided_phrase_needs_its_article(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "ca", "l'habitatge")
    assert matched(matcher, "L’habitatge i d’habitatge i lʼhabitatge", "ca") == [
        "L’habitatge",
        "lʼhabitatge",
    ]


def test_hyphens_separate_tokens(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "ca", "super-illa", "illa")
    hits = matcher.match("una super-illa", "ca")
    assert [(hit.pattern, hit.matched) for hit in hits] == [
        ("super-illa", "super-illa"),
        ("illa", "illa"),
    ]


def test_offsets_survive_characters_whose_lower_case_is_longer(tmp_path: Path) -> None:
    # 'İ'.lower() is two code points; folding keeps one, so offsets stay aligned.
    text = "İİİ housing İstanbul ﬁ housing"
    hits = one_code(tmp_path, "en", "housing", "istanbul").match(text, "en")
    assert [(hit.start, hit.end, hit.matched) for hit in hits] == [
        (4, 11, "housing"),
        (12, 20, "İstanbul"),
        (23, 30, "housing"),
    ]


# --------------------------------------------------------------------------------------------
# Regular expressions


def test_regex_ends_on_a_token_boundary_by_backtracking(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "en", "re:rent|rental")
    assert matched(matcher, "the rental market, rent, parental", "en") == ["rental", "rent"]


def test_regex_never_starts_inside_a_token(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "en", "re:[a-z]+ment")
    assert matched(matcher, "government, displacement", "en") == ["government", "displacement"]
    matcher = one_code(tmp_path, "en", r"re:\d+ ?euros")
    assert matched(matcher, "x800 euros, 800 euros", "en") == ["800 euros"]


def test_regex_classes_keep_their_meaning_and_case_is_ignored(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "ca", r"re:SUPER\Will[AE]", r"re:\S+ment\b")
    assert matched(matcher, "la super-illa i el Super·ille, desnonament", "ca") == [
        "super-illa",
        "Super·ille",
        "desnonament",
    ]


def test_regex_written_with_accents_matches_without_them(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "es", "re:desahuci(o|ó)s?", "re:política")
    assert matched(matcher, "Desahució, desahucios, Politica", "es") == [
        "Desahució",
        "desahucios",
        "Politica",
    ]


@pytest.mark.parametrize(
    "text",
    ["800 euros i 1200€", "800 euros i 1200€ 🙂", "٣٠٠ euros, 800 euros i 1200€"],
)
def test_digit_anchored_regex_matches_the_same_with_or_without_the_fast_path(
    tmp_path: Path, text: str
) -> None:
    matcher = one_code(tmp_path, "ca", r"re:\d+ ?(euros?|€)")
    expected = [m.group() for m in re.finditer(r"\d+ ?(?:euros?|€)", text)]
    assert matched(matcher, text, "ca") == expected
    assert matcher.unanchored_patterns == []  # found through its digits


def test_digits_that_anchor_a_regex_and_start_other_patterns_find_them_all(
    tmp_path: Path,
) -> None:
    """The digits of `\\d+ euros` have an automaton of their own, run only where an amount can
    be: a number found by the main one too (a word, a regex with a literal start) is found by
    both, the same as before, in text order."""
    matcher = one_code(tmp_path, "en", r"re:\d+ ?euros", "2030", r"re:(19|20)\d\d", "203*")
    year = [("203*", "2030"), ("2030", "2030"), ("re:(19|20)\\d\\d", "2030")]
    found = [(hit.pattern, hit.matched) for hit in matcher.match("By 2030, 2030 euros.", "en")]
    assert found == [*year, *year, ("re:\\d+ ?euros", "2030 euros")]
    no_amount = [(hit.pattern, hit.matched) for hit in matcher.match("By 2030, 2030.", "en")]
    assert no_amount == [*year, *year]


def test_regex_without_a_literal_start_is_searched_everywhere(tmp_path: Path) -> None:
    matcher = one_code(
        tmp_path, "en", r"re:(?:over|under)crowd\w*", r"re:[ou][vn]\w*lap", r"re:.ent\b"
    )
    # an alternation of literals is found through each of them
    assert sorted(matcher.unanchored_patterns) == [".ent\\b", "[ou][vn]\\w*lap"]
    assert matched(matcher, "overcrowded, undercrowding; overlap, unlap; rent, bent", "en") == [
        "overcrowded",
        "undercrowding",
        "overlap",
        "unlap",
        "rent",
        "bent",
    ]


@pytest.mark.parametrize(
    ("expression", "words", "symbols"),
    [
        (r"\d+ ?(euros?|€|pounds?|£)", ("euro", "pound"), ("£", "€")),
        (r"\d+ (?:anys|años)", ("anos", "anys"), ()),  # as in the folded text
        (r"\d+ ?%", (), ("%",)),
        (r"\w+ment\b", ("ment",), ()),
        (r"\d+(?:\.\d+)?", None, None),  # no literal every hit has
        (r"£\d+|\d+ pounds", None, None),  # one alternative has none
        (r"\d+ ?(?:kg|’s)", None, None),  # ’ folds to ', which many characters fold to
    ],
)
def test_regexes_know_the_literals_every_hit_contains(
    expression: str, words: tuple[str, ...] | None, symbols: tuple[str, ...] | None
) -> None:
    from qualcode.codebook import compile_regex
    from qualcode.codebook.regex import regex_required

    regex, body = compile_regex(expression)
    expected = None if words is None else (words, symbols)
    assert regex_required(body, regex.flags) == expected


def test_a_regex_is_not_searched_where_its_literals_are_absent(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "any", r"re:\d+ ?(euros?|€|pounds?|£)", r"re:[a-z]+ment\b")
    segments = [
        ("In 2015 we had 300 families", "en", None, 0),  # digits, no currency: no hit
        ("Pagàvem 600 € i 700 EUROS", "ca", None, 100),  # symbol, and a word in capitals
        ("It cost £40, 12 pounds", "en", None, 200),
        ("٣٠٠ euros", "es", None, 300),  # not ASCII: searched, not found through digits
        ("Un desnonament", "ca", None, 400),
    ]
    assert [[hit.matched for hit in matcher.match(*segment[:3])] for segment in segments] == [
        [],
        ["600 €", "700 EUROS"],
        ["12 pounds"],  # not £40: the symbol comes first
        ["٣٠٠ euros"],
        ["desnonament"],
    ]
    batch = matcher.codings_batch(segments)
    assert batch == [matcher.codings(*segment) for segment in segments]
    assert matcher.codings_batch(segments[:1] + segments[4:]) == [[], batch[4]]


def test_nothing_else_folds_to_the_symbols_looked_for_in_the_text() -> None:
    from qualcode.text import SELF_FOLDING_SYMBOLS

    for code_point in range(0x110000):
        char = chr(code_point)
        if char not in SELF_FOLDING_SYMBOLS and not 0xD800 <= code_point < 0xE000:
            assert fold_char(char) not in SELF_FOLDING_SYMBOLS, hex(code_point)


def test_regex_with_its_own_flags_and_a_verbose_comment(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "ca", r"re:(?x) super \s? ill[ae]s?  # les superilles")
    assert matched(matcher, "Una super illa, superilles", "ca") == ["super illa", "superilles"]


def test_regex_hits_do_not_overlap(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "en", r"re:\d+( \d+)*")
    assert matched(matcher, "numbers 12 34 56 and 7", "en") == ["12 34 56", "7"]


# --------------------------------------------------------------------------------------------
# Exclusions and proximity


def test_unless_within_vetoes_only_nearby_hits(justice: Matcher) -> None:
    rent = [
        h
        for h in justice.match("I rent a car. Later we rent a flat.", "en")
        if h.code_path == "inequality/housing/rent"
    ]
    assert rent == []  # `car` is 2 words after the second rent: within 3
    text = "I rent a car and then, months later, we still rent the old flat."
    rent = [h.start for h in justice.match(text, "en") if h.code_path == "inequality/housing/rent"]
    assert rent == [text.rindex("rent")]


def test_within_counts_the_words_between(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "en", {"pattern": "rent", "unless": ["car"], "within": 2})
    assert matched(matcher, "rent one two car", "en") == []  # two words between
    assert matched(matcher, "rent one two three car", "en") == ["rent"]  # three
    assert matched(matcher, "car one two rent", "en") == []  # either side


def test_unless_without_within_vetoes_anywhere_in_the_segment(justice: Matcher) -> None:
    text = "Wages are low. " + "word " * 50 + "It was a wage war."
    work = [h for h in justice.match(text, "en") if h.code_path == "inequality/work"]
    assert work == []
    assert [h.matched for h in justice.match("Wages are low.", "en")] == ["Wages"]


def test_code_level_unless_vetoes_the_whole_code_only(justice: Matcher) -> None:
    text = "Deprivation and inequality, but this is about inequality of arms; social housing."
    codes = justice.match_codes(text, "en")
    assert "inequality" not in codes
    assert list(codes) == ["inequality/housing"]  # the child is not vetoed


def test_near_in_either_order_within_the_window(justice: Matcher) -> None:
    text = "They pay a living wage and are accredited."
    (hit,) = [h for h in justice.match(text, "en") if h.kind == "near"]
    assert (hit.code_path, hit.pattern) == ("inequality/work", "living wage NEAR/5 accredit*")
    assert hit.matched == "living wage and are accredited"
    text = "Accreditation came first, then a living wage."
    (hit,) = [h for h in justice.match(text, "en") if h.kind == "near"]
    assert hit.matched == "Accreditation came first, then a living wage"


def test_near_beyond_the_window_is_no_hit(justice: Matcher) -> None:
    text = "A living wage is one thing, and being properly accredited is another."
    assert [h for h in justice.match(text, "en") if h.kind == "near"] == []


# --------------------------------------------------------------------------------------------
# Scope


def test_scope_respondent_by_default_unknown_counts_as_respondent(justice: Matcher) -> None:
    text = "Tell me more about housing."
    assert [h.code_path for h in justice.match(text, "en", "respondent")] == ["inequality/housing"]
    assert [h.code_path for h in justice.match(text, "en", None)] == ["inequality/housing"]
    assert [h.code_path for h in justice.match(text, "en", Role.INTERVIEWER)] == [
        "interviewer-prompts"
    ]


def test_scope_is_inherited_and_all_means_everyone(justice: Matcher) -> None:
    question = "Why does the community matter?"
    assert sorted(h.code_path for h in justice.match(question, "en", "interviewer")) == [
        "community",
        "interviewer-prompts/follow-up",
    ]
    assert [h.code_path for h in justice.match(question, "en", "respondent")] == ["community"]


def test_the_chair_is_coded_only_by_scope_all(justice: Matcher) -> None:
    question = "Why does the community matter? Tell me more about housing."
    assert [h.code_path for h in justice.match(question, "en", Role.CHAIR)] == ["community"]
    assert "inequality/housing" in [h.code_path for h in justice.match(question, "en", None)]


def test_an_unknown_role_is_an_error(justice: Matcher) -> None:
    with pytest.raises(ValueError, match="role must be"):
        justice.match("housing", "en", "moderator")


# --------------------------------------------------------------------------------------------
# Fuzzy words


def test_short_tokens_are_never_fuzzy(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "es", {"fuzzy": "casas", "threshold": 70})
    assert matched(matcher, "casa cosas casas casass", "es") == ["cosas", "casas", "casass"]


def test_a_token_the_codebook_names_exactly_is_not_a_misspelling(tmp_path: Path) -> None:
    text = f"{HEADER}codes:\n" + (
        '  - id: income\n    patterns:\n      es: ["renta"]\n'
        '  - id: rental\n    patterns:\n      en: ["fuzzy:rental"]\n'
        '  - id: evictions\n    patterns:\n      en: ["stem:evict", "fuzzy:evicting"]\n'
    )
    matcher = compile_yaml(tmp_path, text)
    hits = matcher.match("renta rentals evicted evictin", ["en", "es"])
    assert [(h.code_path, h.matched) for h in hits] == [
        ("income", "renta"),  # renta is a word of the codebook: not a misspelt rental
        ("rental", "rentals"),
        ("evictions", "evicted"),  # the stem, not also fuzzy
        ("evictions", "evictin"),
    ]


def test_fuzzy_threshold_is_per_pattern_or_default(tmp_path: Path) -> None:
    strict = one_code(tmp_path, "en", "fuzzy:landlord", extra="defaults: {fuzzy_threshold: 95}\n")
    assert matched(strict, "landlord landlords landlorb", "en") == ["landlord"]
    loose = one_code(tmp_path, "en", {"fuzzy": "landlord", "threshold": 80})
    assert matched(loose, "landlord landlords landlorb", "en") == [
        "landlord",
        "landlords",
        "landlorb",
    ]


def test_fuzzy_results_do_not_depend_on_what_was_seen_before(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "en", "fuzzy:gentrification")
    first = matcher.match("gentrificaton here", "en")
    for _ in range(3):
        matcher.match("lots of other words gentrifcation and more", "en")
    assert matcher.match("gentrificaton here", "en") == first


def test_many_new_tokens_at_once_use_the_batched_path(tmp_path: Path) -> None:
    matcher = one_code(tmp_path, "en", "fuzzy:gentrification", "fuzzy:displacement")
    words = [f"word{n:04d}x" for n in range(300)] + ["displacment", "gentrificatin"]
    assert matched(matcher, " ".join(words), "en") == ["displacment", "gentrificatin"]


# --------------------------------------------------------------------------------------------
# Determinism and evidence


def test_hits_are_sorted_and_repeatable(justice: Matcher) -> None:
    text = (
        "Social housing and deprivation: the income gap, evictions and rent — a community "
        "issue. Inequalities; social housing again."
    )
    hits = justice.match(text, "en")
    assert hits == sorted(hits, key=lambda h: (h.start, h.end, h.code_path, h.pattern))
    assert len(hits) == len(set(hits))
    assert Matcher(load_codebook(FIXTURES / "justice.yaml")).match(text, "en") == hits
    assert justice.match(text, ["en"]) == hits
    assert ("inequality/housing", "social housing", "phrase", 0, 14) in {
        (h.code_path, h.pattern, h.kind, h.start, h.end) for h in hits
    }


def test_one_code_keeps_every_pattern_as_evidence(justice: Matcher) -> None:
    codes = justice.match_codes("Social housing, housing and evictions.", "en")
    assert list(codes) == ["inequality/housing"]
    assert [(h.pattern, h.matched) for h in codes["inequality/housing"]] == [
        ("social housing", "Social housing"),
        ("housing", "housing"),
        ("housing", "housing"),
        ("stem:evict", "evictions"),
    ]
    assert hits_by_code(justice.match("housing", "en")) == {
        "inequality/housing": [Hit("inequality/housing", "housing", "word", 0, 7, "housing")]
    }


def test_hits_are_frozen(justice: Matcher) -> None:
    (hit,) = justice.match("housing", "en")
    with pytest.raises(AttributeError):
        hit.start = 3  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Properties


_LETTERS = "abcdeghilmnorstuàéèíïòóúüçñ·İıßﬁ"
_TOKENS = st.one_of(
    st.sampled_from(
        ["housing", "Housing", "evictions", "social", "rent", "rental", "car", "living", "wage",
         "accredited", "l’habitatge", "d'habitatge", "desnonaments", "DESNONÀMENT", "vivienda",
         "desahucios", "superilles", "super", "illes", "800", "euros", "gentrificaton", "İstanbul",
         "straße", "ﬁnance", "🙂", "👩🏽‍🔧", "e\u0301", "gini", "Gini", "why", "community"]
    ),
    st.text(alphabet=_LETTERS, min_size=1, max_size=8),
)  # fmt: skip
_SEPARATORS = st.sampled_from([" ", "  ", ", ", ". ", "-", "—", "\n", "’", "'", " (", ") ", "·"])
_TEXTS = st.lists(st.tuples(_TOKENS, _SEPARATORS), max_size=40).map(
    lambda pairs: "".join(token + separator for token, separator in pairs)
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=_TEXTS,
    languages=st.sampled_from([["en"], ["es"], ["ca"], ["ca", "es"], []]),
    role=st.sampled_from([None, "respondent", "interviewer"]),
)
def test_every_hit_slices_the_text_it_claims(
    justice: Matcher, text: str, languages: list[str], role: str | None
) -> None:
    hits = justice.match(text, languages, role)
    folded = fold(text)
    for hit in hits:
        assert 0 <= hit.start < hit.end <= len(text)
        assert text[hit.start : hit.end] == hit.matched
        # every hit starts and ends on a token boundary
        assert hit.start == 0 or not (
            is_word_char(folded[hit.start - 1]) and is_word_char(folded[hit.start])
        )
        assert hit.end == len(text) or not (
            is_word_char(folded[hit.end - 1]) and is_word_char(folded[hit.end])
        )
        if hit.kind in ("word", "prefix", "stem", "fuzzy"):
            assert WORD.fullmatch(folded[hit.start : hit.end])
    assert hits == sorted(hits, key=lambda h: (h.start, h.end, h.code_path, h.pattern))


@given(st.text())
def test_fold_keeps_one_code_point_for_one(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded == "".join(fold_char(char) for char in text)
    assert fold(folded) == folded
    words = fold_words(text)
    assert len(words) == len(text)
    assert words.split() == WORD.findall(folded)


@given(st.lists(st.text(), max_size=5))
def test_texts_fold_together_as_they_fold_alone(texts: list[str]) -> None:
    assert fold_words_joined(texts) == " ".join(fold_words(text) for text in texts)


def test_the_windows_1252_fast_path_folds_like_the_general_one() -> None:
    for byte in range(256):
        try:
            char = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            continue
        text = f"a{char}b"
        assert fold(text) == "a" + fold_char(char) + "b"
        assert fold(text + "\u0100") == fold(text) + "a"  # forces the general path
        assert fold_words(text + "\u0100")[:3] == fold_words(text)


def test_fold_examples() -> None:
    assert fold("L’Habitatge DESNONÀMENT Straße İ") == "l'habitatge desnonament straße i"
    assert tokens("L’Habitatge i la super-illa") == ["l", "habitatge", "i", "la", "super", "illa"]
    assert tokens("lʼhabitatge") == ["l", "habitatge"]
    assert unicodedata.normalize("NFC", "e\u0301") == "é"  # NFD text: readers should send NFC


# --------------------------------------------------------------------------------------------
# Against reference implementations


_VOCABULARY = ["housing", "housings", "house", "houses", "social", "socially", "rent", "rents",
               "rental", "wealth", "build", "building", "builders", "community", "l", "d",
               "habitatge", "a", "car", "x"]  # fmt: skip


def _reference(patterns: list[str], text: str) -> list[tuple[int, int, str]]:
    """Word, wildcard and phrase hits found the slow, obvious way: over the token list."""
    found = []
    spans = [(m.start(), m.end(), m.group()) for m in WORD.finditer(fold(text))]
    for pattern in patterns:
        terms = re.findall(r"\w+\*?", fold(pattern))
        for index in range(len(spans) - len(terms) + 1):
            window = spans[index : index + len(terms)]
            if all(
                token.startswith(term[:-1]) if term.endswith("*") else token == term
                for term, (_, _, token) in zip(terms, window, strict=True)
            ):
                found.append((window[0][0], window[-1][1], pattern))
    return sorted(found)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(st.sampled_from(_VOCABULARY), max_size=30),
    separators=st.lists(
        st.sampled_from([" ", ", ", "'", "-", " — ", "’"]), min_size=30, max_size=30
    ),
)
def test_words_wildcards_and_phrases_agree_with_a_reference(
    tmp_path_factory: pytest.TempPathFactory, words: list[str], separators: list[str]
) -> None:
    patterns = [
        "housing",
        "hous*",
        "rent",
        "rent*",
        "social housing",
        "social hous*",
        "community wealth build*",
        "l'habitatge",
        "a car",
        "rent a car",
        "x",
    ]
    matcher = _reference_matcher(tmp_path_factory, tuple(patterns))
    text = "".join(word + separator for word, separator in zip(words, separators, strict=False))
    got = sorted((h.start, h.end, h.pattern) for h in matcher.match(text, "en"))
    assert got == _reference(patterns, text)


_MATCHERS: dict[tuple[str, ...], Matcher] = {}


def _reference_matcher(factory: pytest.TempPathFactory, patterns: tuple[str, ...]) -> Matcher:
    if patterns not in _MATCHERS:
        _MATCHERS[patterns] = one_code(factory.mktemp("reference"), "en", *patterns)
    return _MATCHERS[patterns]


INFLECTIONS = {
    "en": ["evict", "evicts", "evicted", "evicting", "eviction", "evictions", "happy", "happier",
           "happiness", "happily", "die", "dies", "died", "dying", "sky", "skies", "generous",
           "generously", "generalization", "general", "relational", "relate", "possibly",
           "possible", "organise", "organising", "organised", "organisation"],
    "es": ["desahucio", "desahucios", "desahuciar", "desahuciados", "desahuciándolos",
           "independencia", "independiente", "político", "política", "políticas", "desigualdad",
           "desigualdades", "vivienda", "viviendas", "organizar", "organizamos", "organización"],
    "ca": ["desnonament", "desnonaments", "desnonar", "desnonats", "habitatge", "habitatges",
           "desigualtat", "desigualtats", "organitzar", "organitzem", "organització",
           "política", "polítiques", "precarietat", "precaris", "precària", "llogar", "lloguer"],
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(INFLECTIONS))
def test_stems_agree_with_stemming_every_token(tmp_path: Path, language: str) -> None:
    """The automaton only looks at tokens that start like the stem: none may be missed."""
    words = INFLECTIONS[language]
    stem = stemmer(language)
    matcher = one_code(tmp_path, language, *(f"stem:{word}" for word in words))
    text = " ".join(words)
    for hit in matcher.match(text, language):
        assert stem(fold(hit.matched)) == stem(fold(hit.pattern.removeprefix("stem:")))
    expected = {
        (word, pattern)
        for word in words
        for pattern in words
        if stem(fold(word)) == stem(fold(pattern))
    }
    got = {(h.matched, h.pattern.removeprefix("stem:")) for h in matcher.match(text, language)}
    assert got == expected
    assert ("dying", "die") in got or language != "en"


_FUZZY_WORDS = {"desnonament": 80, "gentrification": 88, "casas": 75, "lloguer": 90}


def _mutations(word: str) -> st.SearchStrategy[str]:
    """Transcription errors of ``word``: a few letters dropped, doubled or replaced."""
    edits = st.lists(st.tuples(st.integers(0, len(word) - 1), st.sampled_from("xaeo-")),
                     max_size=3)  # fmt: skip

    def apply(changes: list[tuple[int, str]]) -> str:
        letters = list(word)
        for position, letter in changes:
            position %= len(letters)
            if letter == "-":
                del letters[position]
            else:
                letters.insert(position, letter)
            if not letters:
                return word
        return "".join(letters)

    return edits.map(apply)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tokens_=st.lists(st.sampled_from(sorted(_FUZZY_WORDS)).flatmap(_mutations), min_size=1,
                        max_size=12))  # fmt: skip
def test_fuzzy_agrees_with_comparing_every_token(
    tmp_path_factory: pytest.TempPathFactory, tokens_: list[str]
) -> None:
    from rapidfuzz import fuzz

    patterns = tuple({"fuzzy": word, "threshold": t} for word, t in _FUZZY_WORDS.items())
    key = tuple(sorted(_FUZZY_WORDS))
    if key not in _MATCHERS:
        _MATCHERS[key] = one_code(tmp_path_factory.mktemp("fuzzy"), "ca", *patterns)
    text = " ".join(tokens_)
    got = [(h.matched, h.pattern) for h in _MATCHERS[key].match(text, "ca")]
    expected = []
    for token in tokens_:
        if len(token) < 5:
            continue
        exact = [word for word in _FUZZY_WORDS if word == token]
        for word, threshold in _FUZZY_WORDS.items():
            if (word in exact) if exact else fuzz.ratio(token, word) >= threshold:
                expected.append((token, f"fuzzy:{word}"))
    assert sorted(got) == sorted(expected)


def test_codings_are_the_hits_as_stored(justice: Matcher, tmp_path: Path) -> None:
    """Matcher.codings writes the JSON that evidence_json would write of the hits of match."""
    from qualcode.store import evidence_json

    root = Path(__file__).parent.parent / "transcripts"
    paragraphs = [
        paragraph
        for path in sorted(root.glob("*/*.txt"))
        for paragraph in path.read_text("utf-8", errors="replace").split("\n\n")
    ]
    regex = one_code(tmp_path, "any", "re:\\d+ ?(€|euros?)\\b", '"l\'habitatge \\"social\\""')
    paragraphs.append('Pagàvem 600 € i 700 euros per "l’habitatge "social""')
    study = Matcher(load_codebook(root.parent / "codebooks" / "justice.yaml"))
    assert len(regex.match(paragraphs[-1], ["ca"])) == 2  # backslashes and quotes in the JSON
    checked = 0
    for matcher in (justice, study, regex):
        for offset, text in enumerate(paragraphs):
            hits = matcher.match(text, ["en", "es", "ca"])
            expected = [
                (path, evidence_json((h.pattern, h.kind, h.start + offset, h.end + offset)
                                     for h in found))
                for path, found in sorted(hits_by_code(hits).items())
            ]  # fmt: skip
            assert matcher.codings(text, ["en", "es", "ca"], None, offset) == expected
            checked += len(hits)
    assert checked > 500


# --------------------------------------------------------------------------------------------
# Batches: segments searched together, each coded as if alone

_BATCH_CODEBOOK = HEADER + (
    "defaults: {scope: respondent}\ncodes:\n"
    '  - id: control\n    patterns:\n      en: ["rent control", "controls"]\n'
    '  - id: housing\n    patterns:\n      ca: ["l\'habitatge"]\n'
    '      en: ["fuzzy:gentrification"]\n'
    '  - id: money\n    patterns:\n      any: ["re:\\\\d+ ?(€|euros?)", "re:[€£]\\\\d+"]\n'
    '  - id: wage\n    patterns:\n      en: [{near: ["living wage", "accredit*"], within: 2}]\n'
    '  - id: rent\n    patterns:\n      en: [{pattern: "rent", unless: ["car"], within: 1}]\n'
    '  - id: asked\n    scope: interviewer\n    patterns:\n      en: ["rent"]\n'
)


def test_a_hit_never_reaches_across_segments_of_a_batch(tmp_path: Path) -> None:
    matcher = compile_yaml(tmp_path, _BATCH_CODEBOOK)
    segments = [
        ("We want rent", "en", None, 0),
        ("control now, and a living wage", "en", None, 100),
        ("accredited employers. Les cases de l", "ca", None, 200),
        ("habitatge, 20", "ca", None, 300),
        ("euros al mes", "ca", "interviewer", 400),
        ("car rent gentrificaton", "en", None, 500),
        ("Do you rent?", "en", "interviewer", 600),
    ]
    batch = matcher.codings_batch(segments)
    assert batch == [matcher.codings(*segment) for segment in segments]
    assert [[path for path, _ in codings] for codings in batch] == [
        ["rent"],  # not "rent control" with the next segment
        [],
        [],  # no near with the previous segment, no l'habitatge with the next
        [],  # no amount with the next segment
        [],
        ["housing"],  # the misspelt fuzzy word; "rent" vetoed by "car" next to it
        ["asked"],  # the interviewer's own code
    ]
    assert batch[5:] == [
        [("housing", '[["fuzzy:gentrification","fuzzy",509,522]]')],
        [("asked", '[["rent","word",607,611]]')],
    ]


_BATCH_WORDS = st.sampled_from(
    ["rent", "control", "l", "habitatge", "living", "wage", "accredited", "car", "20", "euros",
     "€5", "gentrificaton", "Straße", "٣"]
)  # fmt: skip


@st.composite
def _batch_segments(draw: st.DrawFn) -> list[tuple[str, str, str | None, int]]:
    """Consecutive words cut into segments anywhere: phrases and near pairs cross the cuts."""
    words = draw(st.lists(st.tuples(_BATCH_WORDS, _SEPARATORS), max_size=60))
    cuts = sorted(draw(st.sets(st.integers(0, len(words)), max_size=15)) | {0, len(words)})
    segments = []
    for start, end in itertools.pairwise(cuts):
        text = "".join(word + separator for word, separator in words[start:end])
        language = draw(st.sampled_from(["ca,en", "ca,en", "en", "ca", ""]))
        role = draw(st.sampled_from([None, None, "interviewer"]))
        segments.append((text, language, role, draw(st.integers(0, 10_000))))
    return segments


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(segments=_batch_segments(), repeat=st.integers(min_value=1, max_value=800))
# the cuts that matter, always tried: a phrase forwards and backwards, near, an amount
@example(segments=[("rent ", "en", None, 0), ("control ", "en", None, 0)], repeat=1)
@example(segments=[("de l’", "ca", None, 0), ("habitatge ", "ca", None, 0)], repeat=1)
@example(segments=[("living wage ", "en", None, 0), ("accredited", "en", None, 0)], repeat=1)
@example(segments=[("20 ", "ca,en", None, 0), ("euros ", "ca", None, 9)], repeat=300)
def test_a_batch_codes_each_segment_as_if_alone(
    tmp_path_factory: pytest.TempPathFactory,
    segments: list[tuple[str, str, str | None, int]],
    repeat: int,
) -> None:
    key = ("batch",)
    if key not in _MATCHERS:
        _MATCHERS[key] = compile_yaml(tmp_path_factory.mktemp("batch"), _BATCH_CODEBOOK)
    matcher = _MATCHERS[key]
    # repeated, the segments make batches of more than one piece of text
    many = segments * (repeat if sum(len(text) for text, *_ in segments) > 100 else 1)
    alone = [matcher.codings(*segment) for segment in many]
    assert matcher.codings_batch(many) == alone


def test_the_rewrite_of_a_chained_regex_codes_a_long_turn(tmp_path: Path) -> None:
    """``re:a.*a.*a.*c`` took over a minute on a 1,000-character turn without a hit and is
    refused; the rewrite its message suggests finds the same hits and is quadratic at worst."""
    matcher = one_code(tmp_path, "en", r"re:a[^a]*a[^a]*a[^c]*c")
    assert matched(matcher, "a " * 2_000, "en") == []
    assert matched(matcher, "x a b a d a e c", "en") == ["a b a d a e c"]
    assert [m.group() for m in re.finditer(r"a.*a.*a.*c", "x a b a d a e c")] == ["a b a d a e c"]
