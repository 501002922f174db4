"""Regular expressions in codebooks: compiling them as the matcher runs them, the risk of
catastrophic backtracking, and the literals a hit must start with or contain, which let the matcher
look for a pattern with the automaton and skip text that cannot match. This is the one module that
reads Python's private ``re._parser`` tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

from qualcode.codebook.records import Pattern, PatternKind, _Finding
from qualcode.text import (
    SELF_FOLDING_SYMBOLS,
    fold_char,
    is_word_char,
    word_fold_char,
)


def fold_regex(expression: str) -> str:
    """A regular expression as the matcher runs it: non-ASCII letters folded like the text.

    ASCII is left alone: lower-casing ``\\W``, ``\\S`` or ``\\D`` would invert them. Case is handled
    by searching with ``re.IGNORECASE``.
    """
    return "".join(char if char.isascii() else fold_char(char) for char in expression)


_TOKEN_BOUNDARY = r"(?:(?<!\w)|(?!\w))"  # not between two word characters
_GLOBAL_FLAGS = re.compile(r"(?:\(\?[aiLmsux]+\))*")


def compile_regex(expression: str) -> tuple[re.Pattern[str], str]:
    """A ``re:`` pattern as the matcher runs it, and its folded body (without leading flags).

    Folded (:func:`fold_regex`), case-insensitive, and required to end on a token boundary:
    inside the expression, so that the search backtracks to find such an end (``rent|rental``
    gives ``rental``). Where it starts is the matcher's business. Raises ``re.error``.
    """
    folded = fold_regex(expression)
    flags = _GLOBAL_FLAGS.match(folded)
    leading = flags.group() if flags else ""
    body = folded[len(leading) :]
    verbose = re.compile(folded).flags & re.VERBOSE
    closing = "\n)" if verbose else ")"  # a verbose expression may end in a # comment
    return re.compile(f"{leading}(?:{body}{closing}{_TOKEN_BOUNDARY}", re.IGNORECASE), body


def _parse_regex(
    text: str, expression: str, language: str
) -> tuple[Pattern | None, list[_Finding]]:
    if not expression:
        return None, [("error", f"pattern '{text}': the regular expression is empty")]
    folded = fold_regex(expression)
    try:
        compile_regex(expression)
    except re.error as error:
        return None, [
            (
                "error",
                f"pattern '{text}': bad regular expression: {error.msg} at position {error.pos}",
            )
        ]
    except (OverflowError, RecursionError):
        return None, [("error", f"pattern '{text}': the regular expression is too large")]
    if sre_parser.parse(folded, re.IGNORECASE).getwidth()[0] == 0:
        return None, [
            (
                "error",
                f"pattern '{text}': the regular expression can match empty "
                "text; make at least one character required",
            )
        ]
    risk = regex_risk(folded)
    if risk:
        return None, [("error", f"pattern '{text}': {risk}")]
    chained = regex_chained_repeats(folded)
    if chained > MAX_CHAINED_REPEATS:
        return None, [("error", f"pattern '{text}': {_chained_message(chained)}")]
    pattern = Pattern(PatternKind.REGEX, text, language, expression=expression)
    if chained == MAX_CHAINED_REPEATS:
        return pattern, [("warning", f"pattern '{text}': {_chained_message(chained)}")]
    return pattern, []


MAX_CHAINED_REPEATS = 2
"""Unbounded repeats that can take the same characters one after another (``.*a.*``): two are
a warning (time grows with the cube of a turn's length), more an error."""


def _chained_message(count: int) -> str:
    power = {3: "cube", 4: "fourth power", 5: "fifth power"}.get(count + 1, f"{count + 1}th power")
    slow = "seconds on a long turn" if count == 2 else "over a minute on a 1,000-character turn"
    return (
        f"this regular expression can take time growing with the {power} of a turn's length "
        f"({slow}): {count} unbounded repeats such as .* can each take the same characters, so "
        "a turn without a hit is tried in every way of sharing it out between them; keep one: "
        "merge repeats that follow each other (.*.* is .*), stop each gap at what follows it "
        "(a[^a]*a[^c]*c instead of a.*a.*c), or use a near pattern"
    )


def regex_chained_repeats(expression: str) -> int:
    """The longest chain of unbounded repeats in ``expression`` that can share out the same text.

    Two repeats are chained when the later one can take characters the earlier one takes and
    everything between them can be taken by the earlier one too (``.*a.*``, ``.*.*``, ``\\w+.*``),
    so that a failing search tries every split of the text between them: a chain of k repeats
    makes the search take time growing with the (k+1)th power of the text's length.
    ``\\w+ly\\s+\\w+`` has no chain (``\\s`` stops the first ``\\w+``); nor has ``a[^a]*a[^c]*c``.
    """
    tree = sre_parser.parse(expression, re.IGNORECASE)
    analyser = _RegexAnalyser(tree.state)
    longest = 0
    sequences = [list(tree)]
    for op, av in _walk(list(tree)):
        if op in _REPEATS:
            sequences.append(list(av[2]))
        elif op is _C.SUBPATTERN:
            sequences.append(list(av[3]))
        elif op is _C.BRANCH:
            sequences.extend(list(alternative) for alternative in av[1])
    for sequence in sequences:
        longest = max(longest, analyser.chain(_flatten(sequence)))
    return longest


# --------------------------------------------------------------------------------------------
# Catastrophic backtracking


_C = sre
_REPEATS = (_C.MAX_REPEAT, _C.MIN_REPEAT)
# The characters character sets are compared on: all of ASCII (so that start characters are exact
# there), Latin-1 and Latin Extended, and a few others of each category.
_PROBE = "".join(chr(i) for i in range(0x250)) + "\u2019\u2028αЖ中٣"
_CATEGORY_SETS = {
    name: frozenset(c for c in _PROBE if re.fullmatch(regex, c))
    for name, regex in (
        ("DIGIT", r"\d"),
        ("NOT_DIGIT", r"\D"),
        ("SPACE", r"\s"),
        ("NOT_SPACE", r"\S"),
        ("WORD", r"\w"),
        ("NOT_WORD", r"\W"),
        ("LINEBREAK", r"\n"),
        ("NOT_LINEBREAK", r"[^\n]"),
    )
}
_ALL = frozenset(_PROBE)
_RISK = (
    "this regular expression can take exponential time on some text: a repeated group can "
    "split the same characters between its repetitions in many ways, as in (a+)+, (a|aa)* or "
    "(\\w+\\s?)+; make each repetition end in something the next cannot start with, e.g. "
    "(\\w+\\s)+"
)


class _RegexAnalyser:
    """Reads the tree of ``re._parser`` (the form ``re`` compiles, alternatives factored)."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def risk(self, items: list[Any]) -> str | None:
        for op, av in _walk(items):
            if op in _REPEATS and av[1] > 1:
                body = _flatten(list(av[2]))
                if self._ambiguous_split(body, self.first(body)[0]) or _twin_branches(body):
                    return _RISK
        return None

    def _ambiguous_split(self, items: list[Any], first: frozenset[str]) -> bool:
        """Whether the repetitions of ``items`` can share out the same text in several ways.

        True when a variable-length piece can swallow everything after it in ``items`` (nothing,
        optional parts, or characters it also takes) and go on into the characters a next
        repetition starts with: ``(a+)+``, ``(\\w+\\s?)+``, ``(.*a){2,}``, ``(a|aa)*``.
        """
        for index, (op, av) in enumerate(items):
            if op in _REPEATS:
                low, high, body = av
                if low == high:  # a fixed count: look inside
                    if self._ambiguous_split(_flatten(list(body)) + items[index + 1 :], first):
                        return True
                    continue
            elif op is _C.BRANCH:
                alternatives = [_flatten(list(alt)) for alt in av[1]]
                if any(
                    self._ambiguous_split(alt + items[index + 1 :], first) for alt in alternatives
                ):
                    return True
                if len({self.width(alt) for alt in alternatives}) == 1:
                    continue
            else:
                continue
            chars = self.chars([(op, av)])
            rest = items[index + 1 :]
            swallowed = self.width(rest)[0] == 0 or self.chars(rest) <= chars
            if swallowed and chars & first:
                return True
        return False

    def chain(self, items: list[Any]) -> int:
        """The longest chain of unbounded repeats in one flat sequence (see
        :func:`regex_chained_repeats`)."""
        repeats = [
            (index, self.chars([(op, av)]))
            for index, (op, av) in enumerate(items)
            if op in _REPEATS and av[1] == _C.MAXREPEAT and self.width(list(av[2]))[1] > 0
        ]
        best: list[int] = []
        for later, (end, taken) in enumerate(repeats):
            length = 1
            for earlier, (start, chars) in enumerate(repeats[:later]):
                if taken & chars and self.chars(items[start + 1 : end]) <= chars:
                    length = max(length, best[earlier] + 1)
            best.append(length)
        return max(best, default=0)

    def width(self, items: list[Any]) -> tuple[int, int]:
        return tuple(sre_parser.SubPattern(self.state, items).getwidth())

    def nullable(self, op: Any, av: Any) -> bool:
        return self.width([(op, av)])[0] == 0

    def first(self, items: list[Any]) -> tuple[frozenset[str], bool]:
        """The characters ``items`` can start with, and whether they can match nothing."""
        found: set[str] = set()
        for op, av in items:
            if op in (_C.LITERAL, _C.NOT_LITERAL, _C.ANY, _C.IN):
                return frozenset(found | _charset(op, av)), False
            if op in _REPEATS or op is _C.POSSESSIVE_REPEAT:
                chars, nullable = self.first(list(av[2]))
                found |= chars
                if not (nullable or av[0] == 0):
                    return frozenset(found), False
            elif op is _C.SUBPATTERN or op is _C.ATOMIC_GROUP:
                chars, nullable = self.first(list(av[-1] if op is _C.SUBPATTERN else av))
                found |= chars
                if not nullable:
                    return frozenset(found), False
            elif op is _C.BRANCH:
                results = [self.first(list(alt)) for alt in av[1]]
                found.update(*(chars for chars, _ in results))
                if not any(nullable for _, nullable in results):
                    return frozenset(found), False
            elif op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
                continue
            else:  # back-references and the like: could start with anything
                found |= _ALL
        return frozenset(found), True

    def chars(self, items: list[Any]) -> frozenset[str]:
        """Every character ``items`` can consume."""
        found: set[str] = set()
        for op, av in _walk(items):
            if op in (_C.LITERAL, _C.NOT_LITERAL, _C.ANY, _C.IN):
                found |= _charset(op, av)
            elif op in (_C.GROUPREF, _C.GROUPREF_EXISTS):
                found |= _ALL
        return frozenset(found)


def _walk(items: list[Any]) -> Iterator[tuple[Any, Any]]:
    """Every node of a parsed expression, depth first, outside lookarounds' contents included."""
    for op, av in items:
        yield op, av
        if op in _REPEATS or op is _C.POSSESSIVE_REPEAT:
            yield from _walk(list(av[2]))
        elif op is _C.SUBPATTERN:
            yield from _walk(list(av[3]))
        elif op is _C.ATOMIC_GROUP:
            yield from _walk(list(av))
        elif op is _C.BRANCH:
            for alternative in av[1]:
                yield from _walk(list(alternative))
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            yield from _walk(list(av[1]))
        elif op is _C.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch is not None:
                    yield from _walk(list(branch))


def _flatten(items: list[Any]) -> list[Any]:
    """Groups spliced into their sequence: ``(\\w+\\s)`` is ``\\w+ \\s`` for what follows what."""
    flat: list[Any] = []
    for op, av in items:
        if op is _C.SUBPATTERN and not av[1] and not av[2]:
            flat.extend(_flatten(list(av[3])))
        else:
            flat.append((op, av))
    return flat


def _twin_branches(items: list[Any]) -> bool:
    """Whether an alternation in ``items`` has two alternatives that match the same text.

    Only alternatives made of single characters are compared (``re`` factors common prefixes, so
    ``(a|a)`` arrives as ``a(|)``: two empty alternatives).
    """
    for op, av in _walk(items):
        if op is not _C.BRANCH:
            continue
        shapes = []
        for alternative in av[1]:
            sets = []
            for item_op, item_av in _flatten(list(alternative)):
                if item_op not in (_C.LITERAL, _C.NOT_LITERAL, _C.ANY, _C.IN):
                    break
                sets.append(_charset(item_op, item_av))
            else:
                shapes.append(sets)
        for index, one in enumerate(shapes):
            for other in shapes[index + 1 :]:
                if len(one) == len(other) and all(a & b for a, b in zip(one, other, strict=True)):
                    return True
    return False


def _charset(op: Any, av: Any) -> frozenset[str]:
    """The probe characters one character-matching node accepts (case-insensitively)."""
    if op is _C.ANY:
        return _ALL - {"\n"}
    if op is _C.LITERAL:
        return _cases(chr(av))
    if op is _C.NOT_LITERAL:
        return _ALL - _cases(chr(av))
    found: set[str] = set()
    negate = False
    for item_op, item_av in av:
        if item_op is _C.NEGATE:
            negate = True
        elif item_op is _C.LITERAL:
            found |= _cases(chr(item_av))
        elif item_op is _C.RANGE:
            low, high = item_av
            found.update(c for c in _PROBE if any(low <= ord(case) <= high for case in _cases(c)))
        elif item_op is _C.CATEGORY:
            name = str(item_av).removeprefix("CATEGORY_").removeprefix("UNI_")
            found |= _CATEGORY_SETS.get(name, _ALL)
        else:
            found |= _ALL
    return frozenset(_ALL - found) if negate else frozenset(found)


def _cases(char: str) -> frozenset[str]:
    """``char`` and its one-character upper and lower case: what IGNORECASE lets it match."""
    return frozenset(case for case in (char, char.lower(), char.upper()) if len(case) == 1)


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


def regex_risk(expression: str) -> str | None:
    """Why ``expression`` can backtrack catastrophically (exponential time), or None.

    Looks, in every repeat ``(…)+`` / ``(…)*``, for two ways to split the same text between
    iterations: a variable-length piece of the repeated group that can swallow the rest of the
    group and the characters the group starts with (``(a+)+``, ``(a*)*``, ``(\\w+\\s?)+``,
    ``(.*a){2,}``, ``(a|aa)*``), or an alternation whose alternatives match the same text
    (``(a|a)*``). Possessive repeats and atomic groups never backtrack and are skipped.
    Polynomial cases (``.*.*=``) are not reported.
    """
    tree = sre_parser.parse(expression, re.IGNORECASE)
    return _RegexAnalyser(tree.state).risk(list(tree))


def regex_start_characters(expression: str, flags: int = re.IGNORECASE) -> frozenset[str] | None:
    """The ASCII characters a hit of ``expression`` can start with, or None if it may start
    with anything (or with nothing: an expression that can match empty text).

    The matcher uses it to find ``\\d+ euros`` through its digits instead of trying the
    expression at every position of every segment.
    """
    tree = sre_parser.parse(expression, flags)
    chars, nullable = _RegexAnalyser(tree.state).first(list(tree))
    if nullable or chars >= _ALL:
        return None
    return frozenset(char for char in chars if char.isascii())
