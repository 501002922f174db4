"""Folding and tokenising text the way codebook patterns see it.

Patterns are compared case- and accent-insensitively, yet every hit must point back into the
original text. :func:`fold` therefore maps each code point to exactly one code point (lower case,
accents stripped, typographic apostrophes and quotes made ASCII), so ``len(fold(t)) == len(t)`` and
an offset found in the folded text is the same offset in the original. A plain ``str.lower()`` would
not do: ``"İ".lower()`` is two code points.

Tokens are runs of ``\\w`` in the folded text. Folding turns the modifier-letter apostrophe ``ʼ``
(itself a ``\\w`` character) into ``'``, so ``lʼhabitatge`` has the token ``habitatge`` like
``l'habitatge`` and ``l’habitatge`` do.

Combining accents written as separate code points (NFD text) are kept as they are and, not being
``\\w``, split tokens: readers should hand over NFC text.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from encodings import cp1252

WORD = re.compile(r"\w+")
"""A token: a run of letters, digits and underscores (Python's ``\\w``)."""

# Characters that fold to ASCII punctuation. Apostrophes matter for tokens (the modifier letter ʼ
# is a word character); the rest only keeps typical transcript text pure ASCII after folding, which
# is what lets the fast paths below and in matching.py apply. Regular expressions are folded with
# the same table, so a pattern written with “ ” still matches.
_PUNCTUATION = {
    "\u2019": "'",  # ’ right single quotation mark, the usual typographic apostrophe
    "\u2018": "'",  # ‘
    "\u02bc": "'",  # ʼ modifier letter apostrophe
    "\u201b": "'",  # ‛
    "\u2032": "'",  # ′ prime, often typed for an apostrophe
    "\u00b4": "'",  # ´ acute accent used as an apostrophe
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „
    "\u00ab": '"',  # «
    "\u00bb": '"',  # »
    "\u2013": "-",  # – en dash
    "\u2014": "-",  # — em dash
    "\u2012": "-",  # ‒
    "\u2015": "-",  # ―
    "\u2026": ".",  # … (one code point, so one '.')
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space
}


SELF_FOLDING_SYMBOLS = frozenset("€£$¥%#@&+")
"""Symbols that nothing but themselves folds to: one is in ``fold(text)`` where it is in ``text``
(tests/test_matching.py checks every code point)."""


def fold_char(char: str) -> str:
    """The one code point that ``char`` folds to: lower case, without accents.

    Falls back step by step so that the result is always a single code point: the accent-stripped
    lower case if that is one character, else the lower case if that is one character, else the
    accent-stripped character itself, else the character unchanged.
    """
    if char in _PUNCTUATION:
        return _PUNCTUATION[char]
    lower = char.lower()
    stripped = _strip_marks(lower)
    if len(stripped) == 1:
        return stripped
    if len(lower) == 1:
        return lower
    # 'İ'.lower() is 'i' + combining dot above: its base letter is what a reader means.
    stripped = _strip_marks(char)
    if len(stripped) == 1:
        return stripped.lower() if len(stripped.lower()) == 1 else stripped
    return char


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def is_word_char(char: str) -> bool:
    """Whether ``char`` is a ``\\w`` character, exactly as the ``re`` module decides."""
    return char.isalnum() or char == "_"


def word_fold_char(char: str) -> str:
    """``fold_char(char)``, or a space if that is not a word character."""
    folded = fold_char(char)
    return folded if is_word_char(folded) else " "


class _LazyTable(dict[int, int]):
    """``str.translate`` table filled on first sight of each character.

    Building it for every code point would slow every start (bench/README.md, Folding);
    characters are filled in as texts bring them, and ``translate`` looks each one up here.
    """

    def __init__(self, function: Callable[[str], str]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, code_point: int) -> int:
        folded = ord(self.function(chr(code_point)))
        self[code_point] = folded
        return folded


_TABLE = _LazyTable(fold_char)
_WORD_TABLE = _LazyTable(word_fold_char)


def _cp1252_table(function: Callable[[str], str]) -> bytes:
    """A byte table that applies ``function`` to text encoded in Windows-1252.

    Windows-1252 covers ASCII, the Latin-1 accents of Spanish and Catalan and the typographic
    quotes, dashes and ellipsis of most transcripts, one byte per code point. ``bytes.translate``
    with it, encoding and decoding included, is much faster than ``str.translate`` with a
    mapping (bench/README.md, Folding).
    """
    table = bytearray(range(256))
    for byte in range(256):
        try:
            char = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            continue  # five bytes are undefined; text with those code points takes the slow path
        folded = function(char).encode("cp1252")
        if len(folded) != 1:  # pragma: no cover - every folded cp1252 character is in cp1252
            raise AssertionError(f"{char!r} folds outside cp1252")
        table[byte] = folded[0]
    return bytes(table)


_CP1252 = _cp1252_table(fold_char)
_CP1252_WORDS = _cp1252_table(word_fold_char)
# The codec's own functions: ``str.encode("cp1252")`` reaches them through a Python wrapper that
# costs more than the work on a short segment.
_encode = codecs.charmap_encode
_decode = codecs.charmap_decode
_CP1252_ENCODING = cp1252.encoding_table
_CP1252_DECODING = cp1252.decoding_table


def fold(text: str) -> str:
    """Lower-case ``text``, strip its accents, make its apostrophes ASCII: one code point for one.

    ``len(fold(text)) == len(text)``, and ``fold(text)[i]`` is ``fold_char(text[i])``.
    """
    if text.isascii():
        return text.lower()
    try:
        encoded = _encode(text, "strict", _CP1252_ENCODING)[0]
    except UnicodeEncodeError:
        return text.translate(_TABLE)
    return _decode(encoded.translate(_CP1252), "strict", _CP1252_DECODING)[0]


def fold_words(text: str) -> str:
    """:func:`fold`, with every character that is not a word character made a space.

    What the matcher scans: its tokens are exactly those of ``fold(text)`` (``str.split()``
    gives them, far faster than a regular expression), at the same offsets.
    """
    try:
        encoded = _encode(text, "strict", _CP1252_ENCODING)[0]
    except UnicodeEncodeError:
        return text.translate(_WORD_TABLE)
    return _decode(encoded.translate(_CP1252_WORDS), "strict", _CP1252_DECODING)[0]


def fold_words_joined(texts: Sequence[str], joined: str | None = None) -> str:
    """The :func:`fold_words` of each text, joined by single spaces (offsets kept).

    One call for a batch of texts; if one of them is outside Windows-1252, each is folded on its
    own. ``joined`` is ``" ".join(texts)``, for a caller that has made it already.
    """
    if joined is None:
        joined = " ".join(texts)
    try:
        encoded = _encode(joined, "strict", _CP1252_ENCODING)[0]
    except UnicodeEncodeError:
        return " ".join([fold_words(text) for text in texts])
    return _decode(encoded.translate(_CP1252_WORDS), "strict", _CP1252_DECODING)[0]


def tokens(text: str) -> list[str]:
    """The folded tokens of ``text``: ``"L’Habitatge"`` → ``["l", "habitatge"]``."""
    return WORD.findall(fold(text))


SNOWBALL_LANGUAGES: dict[str, str] = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}
"""ISO 639-1 codes of the languages whose Snowball stemmer ``stem:`` patterns can use."""


def stemmer(language: str) -> Callable[[str], str]:
    """The Snowball stemmer of ``language`` as a function of one folded word.

    Raises KeyError for a language without a stemmer (the codebook check reports it first).
    """
    return _stemmer(SNOWBALL_LANGUAGES[language])


@functools.cache
def _stemmer(name: str) -> Callable[[str], str]:
    import Stemmer  # PyStemmer; imported here so that reading text does not load it

    stem: Callable[[str], str] = Stemmer.Stemmer(name).stemWord
    return stem
