"""The pattern mini-language: words, stems (``*``), phrases, fuzzy words, regular expressions."""

from __future__ import annotations

from qualcode.codebook.records import (
    _LOOKS_LIKE_PREFIX,
    _PATTERN_PIECE,
    _REGEX_SYNTAX,
    ANY_LANGUAGE,
    COMFORTABLE_PREFIX_LETTERS,
    MIN_FUZZY_LETTERS,
    MIN_PREFIX_LETTERS,
    Pattern,
    PatternKind,
    _Finding,
)
from qualcode.codebook.regex import _parse_regex
from qualcode.text import SNOWBALL_LANGUAGES, WORD, fold


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
