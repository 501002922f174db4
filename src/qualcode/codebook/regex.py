"""What the matcher needs to know of a regular expression before running it.

The literals a hit must start with or contain let the matcher look for a pattern with the
automaton and skip text that cannot match; finding them means reading the parsed expression,
and this is the one module that reads Python's private ``re._parser`` tree for that.
"""

from __future__ import annotations

from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

from qualcode.codebook import fold_regex
from qualcode.text import SELF_FOLDING_SYMBOLS, is_word_char, word_fold_char

MIN_ANCHOR = 3
"""Shortest literal worth an automaton entry for a phrase, a stem or a regular expression
(one made only of digits or symbols may be shorter: those are rare in speech)."""
MAX_REGEX_ANCHORS = 16
"""More alternative literals than this and the expression is not worth anchoring."""


def literal_prefixes(items: list[Any]) -> tuple[list[str], bool]:
    """The folded literals one of which a match of the parsed regex ``items`` starts with, and
    whether they are the whole of it. ``[""]`` when it starts with no literal."""
    found = [""]
    for op, av in items:
        if op is sre.LITERAL:
            found = [prefix + fold_regex(chr(av)).lower() for prefix in found]
        elif op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT) and found == [""]:
            continue
        elif op is sre.SUBPATTERN and not av[1] and not av[2]:
            inner, complete = literal_prefixes(list(av[3]))
            found = [prefix + tail for prefix in found for tail in inner]
            if not complete:
                return found, False
        elif op is sre.BRANCH:
            alternatives = [literal_prefixes(list(alternative)) for alternative in av[1]]
            found = [
                prefix + tail for prefix in found for tails, _ in alternatives for tail in tails
            ]
            if not all(complete for _, complete in alternatives):
                return found, False
        else:
            return found, False
        if len(found) > MAX_REGEX_ANCHORS:
            return [], False
    return found, True


def regex_required(expression: str, flags: int) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Literals one of which every hit of ``expression`` contains, or None.

    ``\\d+ ?(euros?|€)`` needs ``euro`` or ``€``: a piece of text with neither has no hit, and
    is not searched. Each literal is made either of word characters (looked for in the folded
    words) or of :data:`~qualcode.text.SELF_FOLDING_SYMBOLS` (looked for in the text). Of the
    sets of literals that every hit contains, the one whose shortest literal is longest.
    """
    items = list(sre_parser.parse(expression, flags))
    best: tuple[int, tuple[tuple[str, ...], tuple[str, ...]]] | None = None
    for start in range(len(items)):
        found = set(literal_prefixes(items[start:])[0])
        words = {literal for literal in found if literal and all(map(is_word_char, literal))}
        symbols = {literal for literal in found if literal and set(literal) <= SELF_FOLDING_SYMBOLS}
        if not found or words | symbols != found:
            continue  # no literal, an empty one, or one that could not be looked for
        shortest = min(map(len, found))
        if best is None or shortest > best[0]:
            best = (shortest, (tuple(sorted(words)), tuple(sorted(symbols))))
    return None if best is None else best[1]


def regex_anchors(expression: str, flags: int) -> list[str] | None:
    """Automaton literals one of which every hit of ``expression`` starts with, or None.

    Zero-width assertions at the start are skipped (the regex itself checks them where the
    literal is found); an alternation gives one literal per alternative. A literal shorter than
    three characters is only used if it has no letters (``19|20``): short letter sequences are
    everywhere.
    """
    found, _ = literal_prefixes(list(sre_parser.parse(expression, flags)))
    # As the automaton sees them: " " + the first word. A hit starting with punctuation does not
    # start a token, and cannot be anchored so.
    anchors = [" " + "".join(map(word_fold_char, anchor)).split(" ")[0] for anchor in found]
    if not anchors or any(
        len(anchor) == 1 or (len(anchor) <= MIN_ANCHOR and any(c.isalpha() for c in anchor))
        for anchor in anchors
    ):
        return None
    return sorted(set(anchors))
