"""Recognising who speaks: speaker labels, timestamps, stage directions and speaker styles.

Transcripts mark speakers in a few common ways (see docs in README "Transcript conventions"):
``Name:``, ``NAME:``, ``Q:``/``A:``, ``[00:04:28] Name:``, ``00:04:28 Name:``, or, in Word files,
the speaker's name alone in a paragraph of a speaker style. This module only recognises; the
segmenter decides what becomes a segment.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from qualcode.models import Exclusion

# A clock time such as 4:28, 00:04:28 or 00:04:28.120, optionally in brackets or parentheses.
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TIMESTAMP = rf"(?:\[(?P<ts1>{_CLOCK})\]|\((?P<ts2>{_CLOCK})\)|(?P<ts3>{_CLOCK}))"

# One word of a speaker name: capitalised or all capitals (Sarah, MALIK, O'Neill, Jean-Luc), a
# number (Speaker 2), or a lower-case particle inside a name (de, la, i, y, van).
_NAME_WORD = r"(?:[^\W\d_][\w.'’\-]*|\d+)"
_PARTICLES = {"de", "del", "la", "las", "los", "el", "i", "y", "da", "van", "von", "der", "le", "d"}
_EMPHASIS = r"(?:\*\*|__)?"
_LABEL = re.compile(
    rf"^\s*(?:{_TIMESTAMP}\s+)?{_EMPHASIS}(?P<name>{_NAME_WORD}(?:[ /]{_NAME_WORD}){{0,4}})"
    # Hansard and inquiry transcripts add the constituency and party: ``Name (Place) (Party):``.
    rf"{_EMPHASIS}(?:\s*\([^()\n]{{1,60}}\)){{0,3}}{_EMPHASIS}\s*:{_EMPHASIS}(?:\s+|$)"
)
# A gendered ending written after a slash (Entrevistador/a, Entrevistadora/or) is not a word.
_GENDER_ENDING = re.compile(r"/(?:a|as|o|os|es|or|ora|ores|oras)$")
_NAME_SEPARATOR = re.compile(r"[ /]")
_TIMESTAMP_ONLY_PREFIX = re.compile(rf"^\s*{_TIMESTAMP}\s+")
_BARE_CLOCK = re.compile(rf"^\s*[\[(]?\s*{_CLOCK}\s*(?:h|hrs?)?\s*[\])]?\.?\s*$", re.IGNORECASE)
_BRACKETED = re.compile(r"^\s*(?:\([^()]*\)|\[[^\[\]]*\])\s*\.?\s*$")

DEFAULT_INTERVIEWER_LABELS: tuple[str, ...] = (
    "interviewer",
    "interviewers",
    "int",
    "q",
    "question",
    "entrevistador",
    "entrevistadora",
    "entrevistador/a",
    "entrevistadora/or",
    "entrevistadors",
    "pregunta",
    "p",
)
# Who chairs a sitting, a hearing or a focus group: out of scope by default, like the interviewer.
# The Parlament de Catalunya writes its chair ``La presidenta``, ``El vicepresident``.
DEFAULT_CHAIR_LABELS: tuple[str, ...] = (
    "chair",
    "the chair",
    "chairman",
    "chairwoman",
    "chairperson",
    "madam chair",
    "mr chairman",
    "president",
    "presidenta",
    "presidente",
    "el president",
    "la presidenta",
    "el presidente",
    "the president",
    "vicepresident",
    "vicepresidenta",
    "vicepresidente",
    "el vicepresident",
    "la vicepresidenta",
    "el vicepresidente",
    "the speaker",
    "mr speaker",
    "madam speaker",
    "the deputy speaker",
    "moderator",
    "moderador",
    "moderadora",
    "facilitator",
    "facilitador",
    "facilitadora",
)

# Word paragraph styles that hold a speaker's name (matched case-insensitively as substrings).
SPEAKER_STYLE_WORDS: tuple[str, ...] = (
    "intervinent",
    "speaker",
    "interlocutor",
    "orador",
    "ponent",
)
# Word paragraph styles that are never speech: stage directions, clock times, titles and headers.
NON_SPEECH_STYLE_WORDS: tuple[str, ...] = (
    "acotació",
    "acotacio",
    "acotación",
    "stage",
    "direction",
    "títol",
    "titol",
    "title",
    "título",
    "heading",
    "encabezado",
    "capçalera",
    "davantal",
    "ordre dia",
    "table of contents",
    "toc ",
)
# Of those, the styles that title or order the document rather than direct its stage.
HEADING_STYLE_WORDS: tuple[str, ...] = (
    "títol",
    "titol",
    "title",
    "título",
    "heading",
    "encabezado",
    "capçalera",
    "davantal",
    "ordre dia",
    "table of contents",
    "toc ",
)


# Role labels written as a title in lower case after the article (``La presidenta:``,
# ``El vicepresident:``): a name as much as ``The Chair:`` is.
_TITLE_LABELS = frozenset(
    label for label in DEFAULT_CHAIR_LABELS + DEFAULT_INTERVIEWER_LABELS if " " in label
)


class Label(NamedTuple):
    """A speaker label found at the start of a paragraph.

    A named tuple rather than a frozen dataclass: readers and the segmenter ask for the label of
    every paragraph, and a tuple is built in a fraction of the time.
    """

    speaker: str | None
    timestamp: str | None
    prefix_length: int  # characters to skip to reach the spoken text


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower-case and strip accents, for comparing labels (not for offsets).

    Cached: the same few speaker names are folded again at every turn of a transcript.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


@lru_cache(maxsize=4096)
def find_label(paragraph: str) -> Label | None:
    """Return the speaker label (and timestamp) that opens a paragraph, if there is one.

    Cached: the speaker plan asks of each paragraph, then the segmenter again of those it read
    as text (and the text reader of a line that follows another in its block).
    """
    match = _LABEL.match(paragraph)
    if match is not None:
        name = match.group("name").strip()
        if _is_speaker_name(name):
            bracketed, parenthesised, bare = match.group("ts1", "ts2", "ts3")
            timestamp = bracketed or parenthesised or bare
            return Label(speaker=name, timestamp=timestamp, prefix_length=match.end())
    stamp = _TIMESTAMP_ONLY_PREFIX.match(paragraph)
    if stamp is not None and stamp.end() < len(paragraph.rstrip()):
        timestamp = stamp.group("ts1") or stamp.group("ts2") or stamp.group("ts3")
        return Label(speaker=None, timestamp=timestamp, prefix_length=stamp.end())
    return None


@lru_cache(maxsize=4096)
def _is_speaker_name(name: str) -> bool:
    """Whether the name of a ``Name:`` opening can be a speaker's. Cached apart from
    :func:`find_label`, whose paragraphs all differ: a transcript repeats a few names."""
    words = _NAME_SEPARATOR.split(_GENDER_ENDING.sub("", name))
    return looks_like_name(words) or (words[0][:1].isupper() and fold(name) in _TITLE_LABELS)


def looks_like_name(words: list[str]) -> bool:
    """A label is a name when every word is capitalised, a number or a name particle.

    This keeps ``The point is this: ...`` or ``so: ...`` from being read as a speaker.
    """
    if not words or not words[0] or not words[0][0].isupper():
        return False
    for word in words[1:]:
        if word.isdigit() or word.lower() in _PARTICLES:
            continue
        if not word[0].isupper():
            return False
    return True


def is_bare_clock(paragraph: str) -> bool:
    """A paragraph that is only a clock time (``10:42``, ``[00:12:03]``) is not speech."""
    return bool(_BARE_CLOCK.match(paragraph))


def is_stage_direction(paragraph: str, style: str | None = None, italic: bool = False) -> bool:
    """Stage directions and annotations (``(Remor de veus.)``, ``[inaudible]``) are not speech."""
    if style is not None and style_is_non_speech(style):
        return True
    if _BRACKETED.match(paragraph):
        # A long passage in brackets is an aside of the text (a manifesto's list of towns), not
        # a direction, unless it names what happens.
        words = re.findall(r"[\w'’-]+", paragraph.casefold())
        return len(words) <= MAX_BRACKETED_DIRECTION_WORDS or any(
            word in _DIRECTION_WORDS for word in words
        )
    return italic and len(paragraph.split()) <= 12


def non_speech_reason(
    paragraph: str, style: str | None = None, italic: bool = False
) -> Exclusion | None:
    """Why a whole paragraph is not speech (a clock time, a heading, a stage direction), or None."""
    if is_bare_clock(paragraph):
        return Exclusion.CLOCK_TIME
    if not is_stage_direction(paragraph, style, italic):
        return None
    lowered = (style or "").lower()
    if any(word in lowered for word in HEADING_STYLE_WORDS):
        return Exclusion.HEADING
    return Exclusion.STAGE_DIRECTION


# Inside a paragraph, a short note in brackets is a stage direction when it names what happens
# (applause, laughter, an inaudible passage) or is a clock time; other brackets are speech.
_INLINE_NOTE = re.compile(r"\((?P<round>[^()\n]{1,80})\)|\[(?P<square>[^\[\]\n]{1,80})\]")
_DIRECTION_WORDS = frozenset(
    (
        # English
        "applause", "applauds", "laughter", "laughs", "laughing", "laugh", "inaudible",
        "unintelligible", "indistinct", "crosstalk", "cross-talk", "overtalk", "overlapping",
        "pause", "pauses", "silence", "coughs", "cough", "sighs", "interruption", "interrupts",
        "interrupted", "noise", "music", "unclear", "cheers", "hear", "uproar",
        # Catalan
        "aplaudiments", "aplaudiment", "rialles", "riu", "riuen", "rient", "remor", "pausa",
        "silenci", "interrupció", "tos", "tus", "xiulets", "protestes", "veus",
        # Spanish
        "aplausos", "aplauso", "risas", "rie", "ríe", "rien", "ríen", "riendo", "rumores",
        "murmullos", "silencio", "interrupción", "toses", "tose", "ininteligible", "voces",
        "protestas", "pitidos",
    )
)  # fmt: skip
MAX_INLINE_DIRECTION_WORDS = 8
MAX_BRACKETED_DIRECTION_WORDS = 15


def inline_notes(text: str, start: int, end: int) -> list[tuple[int, int, Exclusion]]:
    """Stage directions and clock times inside ``text[start:end]``: ``Sí. (Riu.) Però…``."""
    found: list[tuple[int, int, Exclusion]] = []
    if text.find("(", start, end) < 0 and text.find("[", start, end) < 0:
        # Most paragraphs hold no bracket at all: str.find says so sooner than the regex's scan.
        return found
    for match in _INLINE_NOTE.finditer(text, start, end):
        inner = match.group("round") or match.group("square") or ""
        if is_bare_clock(inner):
            found.append((match.start(), match.end(), Exclusion.CLOCK_TIME))
            continue
        words = re.findall(r"[\w'’-]+", inner.casefold())
        if 0 < len(words) <= MAX_INLINE_DIRECTION_WORDS and any(
            word in _DIRECTION_WORDS for word in words
        ):
            found.append((match.start(), match.end(), Exclusion.STAGE_DIRECTION))
    return found


MAX_SPEAKER_PARAGRAPH_WORDS = 20


def speaker_paragraph_name(text: str, style: str | None) -> str | None:
    """The speaker's name when a paragraph in a speaker style holds one.

    Real files misapply styles: a paragraph of speech styled as a speaker (seen in the Parlament
    transcripts) is long and ends like a sentence, so it is read as speech, not as a name.
    """
    if not style_is_speaker(style):
        return None
    name = text.strip().rstrip(":").strip()
    if not name or len(name.split()) > MAX_SPEAKER_PARAGRAPH_WORDS or name[-1] in ".!?…;":
        return None
    return name


# Both cached: asked of every paragraph of a Word file, which has a few styles.
@lru_cache(maxsize=1024)
def style_is_speaker(style: str | None) -> bool:
    if not style:
        return False
    lowered = style.lower()
    return any(word in lowered for word in SPEAKER_STYLE_WORDS)


@lru_cache(maxsize=1024)
def style_is_non_speech(style: str | None) -> bool:
    if not style:
        return False
    lowered = style.lower()
    return any(word in lowered for word in NON_SPEECH_STYLE_WORDS)
