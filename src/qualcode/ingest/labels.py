"""Deciding, from the whole document, which paragraph openings are speakers.

A ``Word:`` at the start of a paragraph is a speaker only when the document's labels form a
transcript's pattern (docs/formats.md, "Who speaks"). :func:`find_label` and the other recognisers
in :mod:`qualcode.speakers` say what a paragraph *could* be; this module looks at every candidate
of the document at once and accepts the ones that behave like speakers:

- a known role label (``Interviewer``, ``Q``, ``A``, ``Entrevistadora``, ``P``, ``R``, ``Chair``,
  ``La presidenta``, ``Speaker 2``…), a label the project or the document declares as the
  interviewer's, a name a Word speaker style gives, or a label with a timestamp counts at once;
- another name counts when it recurs and alternates with other labels, when it opens a large
  share of the document's paragraphs, or, seen once, when it stands between two turns of the same
  speaker (a chair giving the floor);
- a label that reads like a heading or a word of the text (``Exemples``, ``Housing`` where
  ``housing`` is written elsewhere, ``Diu``, ``Objetivo``) is text, and so is every ``Word:`` in
  a document whose speakers are marked by a Word style.

A name alone on its own line (``The Chair``, Hansard style) is a speaker when the document does so
consistently: a known role, or several names that recur.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from qualcode.errors import UsageError
from qualcode.ingest.roles import ANSWER_LABELS, ROLE_LABELS, RoleResolver
from qualcode.models import Paragraph
from qualcode.speakers import (
    find_label,
    fold,
    looks_like_name,
    non_speech_reason,
    speaker_paragraph_name,
)

# Numbered participants: Speaker 2, Participant 3, P1, R12, Int 1, Entrevistado 2.
_NUMBERED = re.compile(
    r"^(?:speaker|participant|participante|participants|parlant|hablante|interviewee|respondent|"
    r"informant|informante|entrevistado|entrevistada|entrevistat|int|p|r|s|e|i)\s*\d{1,3}$"
)
# Openings that are headings, list words or the first word of a sentence, not people, in the
# languages qualcode ships; metadata keys of a transcript's header are among them.
HEADING_WORDS: frozenset[str] = frozenset(
    fold(word)
    for word in (
        # English
        "and", "but", "so", "then", "also", "however", "therefore", "because", "yes", "no", "ok",
        "note", "notes", "nb", "ps", "example", "examples", "summary", "conclusion", "conclusions",
        "background", "context", "source", "sources", "aim", "aims", "goal", "goals", "objective",
        "objectives", "result", "results", "update", "important", "warning", "tip", "step",
        "first", "second", "third", "finally", "says", "said", "answer", "question",
        "date", "time", "location", "place", "venue", "transcriber", "transcribed", "duration",
        "length", "recorded", "recording", "project", "file", "reference", "ref", "session",
        "title", "subject", "topic", "participants", "attendees", "present", "language",
        # Catalan
        "i", "però", "doncs", "llavors", "també", "exemple", "exemples", "nota", "notes", "resum",
        "conclusió", "conclusions", "context", "font", "objectiu", "objectius", "proposem",
        "proposta", "propostes", "primer", "primera", "segon", "segona", "tercer", "finalment",
        "diu", "deia", "seguim", "data", "lloc", "hora", "durada", "transcripció", "transcriptor",
        "projecte", "sessió", "tema", "idioma", "mesures", "mesura",
        # Spanish
        "y", "pero", "entonces", "también", "ejemplo", "ejemplos", "resumen", "conclusión",
        "conclusiones", "contexto", "fuente", "objetivo", "objetivos", "proponemos", "propuesta",
        "propuestas", "primero", "segundo", "tercero", "finalmente", "dice", "decía", "dijo",
        "seguimos", "fecha", "lugar", "duración", "transcripción", "proyecto", "sesión",
        "medidas", "medida",
    )
)  # fmt: skip
# Header lines before the first speaker whose key says they are about the recording, not said.
METADATA_KEYS: frozenset[str] = frozenset(
    fold(word)
    for word in (
        "date", "time", "location", "place", "venue", "transcriber", "transcribed by",
        "transcription", "duration", "length", "recorded", "recorded by", "recording", "project",
        "file", "reference", "ref", "session", "interview", "interview date", "participants",
        "attendees", "present", "language", "code", "id",
        "data", "lloc", "hora", "durada", "transcripció", "transcriptor", "transcriptora",
        "projecte", "sessió", "idioma", "entrevista", "codi",
        "fecha", "lugar", "duración", "transcripción", "proyecto", "sesión", "código",
    )
)  # fmt: skip
_METADATA_LINE = re.compile(r"^\s*(?P<key>[^\W\d_][\w .'’/-]{0,30}?)\s*:\s*\S")

# A name opens a large share of the paragraphs (a monologue, a short exchange) at this share.
LARGE_SHARE = 0.25
# Names alternating only with other names (no role label among them) need this share of
# labelled paragraphs, so that two recurring headings in a long paper are not a dialogue.
DIALOGUE_SHARE = 0.1
# Two names or more whose labels open this share of the paragraphs are an exchange.
EXCHANGE_SHARE = 0.3
# A name alone on a line is a speaker convention with at least this many such lines.
MIN_NAME_LINES = 3
MAX_NAME_LINE_WORDS = 6


class SpeakerMode(StrEnum):
    AUTO = "auto"
    NONE = "none"
    LIST = "list"


@dataclass(frozen=True)
class SpeakerPolicy:
    """Which labels may be speakers: decided per document (auto), none, or only those listed."""

    mode: SpeakerMode = SpeakerMode.AUTO
    labels: frozenset[str] = frozenset()  # folded, for a list

    @classmethod
    def parse(cls, value: str | None) -> SpeakerPolicy:
        """``auto``, ``none`` or labels separated by commas or semicolons (``Q,A``)."""
        text = (value or "").strip()
        if not text or text.lower() == "auto":
            return cls()
        if text.lower() == "none":
            return cls(SpeakerMode.NONE)
        labels = frozenset(fold(part) for part in re.split(r"[;,]", text) if part.strip())
        if not labels:
            raise UsageError(
                f"speakers must be auto, none or a list of labels such as 'Q,A', not '{value}'"
            )
        return cls(SpeakerMode.LIST, labels)

    def __str__(self) -> str:
        if self.mode is SpeakerMode.LIST:
            return ",".join(sorted(self.labels))
        return self.mode.value


AUTO = SpeakerPolicy()


class Kind(StrEnum):
    TEXT = "text"
    FORMAT = "format"  # the reader said who speaks (subtitles, tables)
    NON_SPEECH = "non_speech"
    NAME = "name"  # a speaker's name as a paragraph (style) or a line of its own
    LABEL = "label"  # ``Name:`` or ``[00:01] Name:`` before the speech
    TIMESTAMP = "timestamp"  # a time before the speech, no name


class Opening(NamedTuple):
    """What a paragraph opens with, as the whole document decides it.

    A named tuple rather than a frozen dataclass: one is built for every labelled paragraph, and
    a tuple is built in a fraction of the time.
    """

    kind: Kind
    speaker: str | None = None
    timestamp: str | None = None
    skip: int = 0  # characters of the paragraph's text that are the label (or the name line)


# Most paragraphs open with text or are not speech: one shared opening each.
_TEXT = Opening(Kind.TEXT)
_NON_SPEECH = Opening(Kind.NON_SPEECH)


@dataclass
class _Candidate:
    index: int
    name: str
    key: str  # folded, without anything in brackets
    shape: str  # "style", "colon" or "line"
    opening: Opening
    # ``Equitat: garantir…``: a heading or list item runs on in lower case; speech after a
    # speaker's label starts a sentence.
    runs_on: bool = False


def plan(
    paragraphs: Sequence[Paragraph],
    text: str,
    policy: SpeakerPolicy = AUTO,
    roles: RoleResolver | None = None,
) -> list[Opening]:
    """One :class:`Opening` per paragraph: whether it opens a turn, and of whom."""
    openings: list[Opening] = []
    candidates: list[_Candidate] = []
    for index, paragraph in enumerate(paragraphs):
        if paragraph.speaker is not None or paragraph.timestamp is not None:
            openings.append(Opening(Kind.FORMAT, paragraph.speaker, paragraph.timestamp))
            continue
        styled = speaker_paragraph_name(paragraph.text, paragraph.style)
        if styled is not None:
            opening = Opening(Kind.NAME, styled, None, len(paragraph.text))
            candidates.append(_Candidate(index, styled, _key(styled), "style", opening))
            openings.append(_TEXT)
            continue
        if non_speech_reason(paragraph.text, paragraph.style, paragraph.italic) is not None:
            openings.append(_NON_SPEECH)
            continue
        openings.append(_TEXT)
        if policy.mode is SpeakerMode.NONE:
            continue
        label = find_label(paragraph.text)
        if label is not None and label.speaker is None:
            openings[-1] = Opening(Kind.TIMESTAMP, None, label.timestamp, label.prefix_length)
        elif label is not None and label.speaker is not None:
            opening = Opening(Kind.LABEL, label.speaker, label.timestamp, label.prefix_length)
            rest = paragraph.text[label.prefix_length :].lstrip()
            runs_on = rest[:1].islower()
            candidates.append(
                _Candidate(index, label.speaker, _key(label.speaker), "colon", opening, runs_on)
            )
        else:  # any style but a speaker or direction style (those are decided above)
            line = _name_line(paragraph.text)
            if line is not None:
                name, skip = line
                opening = Opening(Kind.NAME, name, None, skip)
                candidates.append(_Candidate(index, name, _key(name), "line", opening))
    accepted = _accepted(
        candidates, openings, text, policy, roles, _capitalises(paragraphs, candidates)
    )
    for candidate in candidates:
        if candidate.index in accepted:
            openings[candidate.index] = candidate.opening
    return openings


def text_labels(paragraphs: Sequence[Paragraph], openings: list[Opening]) -> tuple[str, ...]:
    """The ``Word:`` openings that :func:`plan` read as text, not as speakers, in order."""
    found = []
    for paragraph, opening in zip(paragraphs, openings, strict=True):
        if opening.kind is Kind.TEXT:
            label = find_label(paragraph.text)
            if label is not None and label.speaker is not None:
                found.append(label.speaker)
    return tuple(found)


def is_metadata_line(paragraph: str) -> bool:
    """A header line about the recording (``Date: 12 May 2025``, ``Transcriber: JM``)."""
    if "\n" in paragraph.strip():
        return all(is_metadata_line(line) for line in paragraph.strip().split("\n") if line)
    match = _METADATA_LINE.match(paragraph)
    return match is not None and fold(match.group("key")) in METADATA_KEYS


_IN_BRACKETS = re.compile(r"\s*\([^()]*\)")


@lru_cache(maxsize=4096)
def _key(name: str) -> str:
    """A label's name as labels are compared: folded, without what is in brackets. Cached: a
    document repeats its few speakers' labels at every turn."""
    return fold(_IN_BRACKETS.sub("", name))


def _name_line(paragraph: str) -> tuple[str, int] | None:
    """A speaker's name alone on the paragraph's first line, and where the speech starts."""
    first, newline, rest = paragraph.partition("\n")
    name = first.strip()
    words = name.split()
    if not words or len(words) > MAX_NAME_LINE_WORDS or name[-1] in ".,;:!?…)":
        return None
    if not looks_like_name(words) or any(c.isdigit() for c in name):
        return None
    skip = len(first) + len(newline) + (len(rest) - len(rest.lstrip()))
    return name, skip


def _capitalises(paragraphs: Sequence[Paragraph], candidates: list[_Candidate]) -> bool:
    """Whether the document starts its sentences with capitals: its paragraphs without a label
    mostly open with a capital letter (a transcript written all in lower case does not)."""
    labelled = {c.index for c in candidates}
    starts = [
        p.text.lstrip()[:1]
        for i, p in enumerate(paragraphs)
        if i not in labelled and p.text.strip()
    ]
    upper = sum(1 for c in starts if c.isupper())
    lower = sum(1 for c in starts if c.islower())
    return upper > 0 and upper >= 2 * lower


def _accepted(
    candidates: list[_Candidate],
    openings: list[Opening],
    text: str,
    policy: SpeakerPolicy,
    roles: RoleResolver | None,
    capitalises: bool = True,
) -> set[int]:
    """Indexes of the candidate paragraphs that are speakers."""
    if policy.mode is SpeakerMode.NONE:
        return set()
    if policy.mode is SpeakerMode.LIST:
        return {c.index for c in candidates if c.key in policy.labels}
    styled = {c.key for c in candidates if c.shape == "style"}
    body = sum(1 for o in openings if o.kind is not Kind.NON_SPEECH and o.kind is not Kind.FORMAT)
    body = max(body, 1)
    lower_words = _LowerWords(text)
    # Asked once per label, not per turn: a document repeats its few labels at every turn.
    known = {key for key in {c.key for c in candidates} if _is_role(key, roles) or key in styled}
    if styled:
        # A document that marks speakers with a Word style marks them all that way.
        return {c.index for c in candidates if c.key in known}
    colon = [c for c in candidates if c.shape == "colon"]
    lines = [c for c in candidates if c.shape == "line"]
    if not _name_lines_are_a_convention(lines, known, lower_words):
        lines = [c for c in lines if c.key in known]
    sequence = [
        c for c in sorted(colon + lines, key=lambda c: c.index) if not _strong_heading(c, known)
    ]
    sequence = [c for c in sequence if c.key in known or not _common_word(c.name, lower_words)]
    if capitalises:
        # A name whose every label runs on in lower case heads items of a list, not turns.
        running = {c.key for c in sequence if c.runs_on} - {
            c.key for c in sequence if not c.runs_on
        }
        sequence = [c for c in sequence if c.key in known or c.key not in running]
    counts = Counter(c.key for c in sequence)
    stamped = {c.key for c in sequence if c.opening.timestamp is not None}
    dialogue_share = len(sequence) / body
    accepted: set[str] = set(known & set(counts)) | stamped
    exchange = len(counts) == 2 or (len(counts) > 2 and max(counts.values()) >= 2)
    if exchange and dialogue_share >= EXCHANGE_SHARE:
        # A short exchange: labels open a third of the paragraphs and someone speaks again, or
        # two people speak (several labels each seen once are a list of headed paragraphs).
        accepted |= {
            key for key in counts if not _weak_heading(_name_of(sequence, key), lower_words)
        }
    for key, count in counts.items():
        if key in accepted:
            continue
        share = count / body
        if share >= LARGE_SHARE:
            accepted.add(key)
        elif count >= 2:
            neighbours = _neighbours(sequence, key)
            if neighbours & known or (neighbours and dialogue_share >= DIALOGUE_SHARE):
                accepted.add(key)
    # A name seen once: right after a role that asks or gives the floor (the interviewer, the
    # chair), between two turns of one speaker, or, a name of several words, next to a speaker
    # (repeated until nothing changes, as each name accepted may be the neighbour of another).
    changed = True
    while changed:
        changed = False
        for position, candidate in enumerate(sequence):
            if counts[candidate.key] != 1 or candidate.key in accepted:
                continue
            if _weak_heading(candidate.name, lower_words):
                continue
            before = sequence[position - 1].key if position > 0 else None
            after = sequence[position + 1].key if position + 1 < len(sequence) else None
            floor = before in known and before not in ANSWER_LABELS
            between = before is not None and before == after and before in accepted
            beside = len(candidate.name.split()) > 1 and (before in accepted or after in accepted)
            if floor or between or beside:
                accepted.add(candidate.key)
                changed = True
    return {c.index for c in sequence if c.key in accepted}


_WORD = re.compile(r"\w+")
_WORD_CHARACTER = re.compile(r"\w")


class _LowerWords:
    """The words (``\\w+``) a text writes in lower case, for ``in``.

    Most documents ask about a few names' words: each is looked for in the text, and only after
    ``_LOOKUPS`` different words are all the text's words collected.
    """

    _LOOKUPS = 32

    def __init__(self, text: str) -> None:
        self.text = text
        self.asked: dict[str, bool] = {}
        self.words: set[str] | None = None

    def __contains__(self, word: str) -> bool:
        if self.words is not None:
            return word in self.words
        if word not in self.asked:
            if len(self.asked) >= self._LOOKUPS:
                found = set(re.findall(r"\w+", self.text))
                self.words = {w for w in found if w.islower()}
                return word in self.words
            self.asked[word] = (
                word.islower() and _WORD.fullmatch(word) is not None and self._written(word)
            )
        return self.asked[word]

    def _written(self, word: str) -> bool:
        """Whether the text holds ``word`` as a whole word (str.find: a regex that starts with a
        look-behind tries every position of the text)."""
        text = self.text
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            if (at == 0 or not _WORD_CHARACTER.match(text[at - 1])) and (
                end == len(text) or not _WORD_CHARACTER.match(text[end])
            ):
                return True
            at = text.find(word, at + 1)
        return False


def _name_of(sequence: list[_Candidate], key: str) -> str:
    return next(c.name for c in sequence if c.key == key)


def _is_role(key: str, roles: RoleResolver | None) -> bool:
    bare = re.sub(r"/(?:a|as|o|os|es|or|ora|ores|oras)$", "", key)
    return (
        key in ROLE_LABELS
        or bare in ROLE_LABELS
        or _NUMBERED.match(key) is not None
        or (roles is not None and roles.is_role(key))
    )


def _strong_heading(candidate: _Candidate, known: set[str]) -> bool:
    return candidate.key not in known and candidate.key in HEADING_WORDS


def _common_word(name: str, lower_words: _LowerWords) -> bool:
    """A one-word label that the document also writes in lower case is a word, not a name."""
    words = name.split()
    return len(words) == 1 and words[0].lower() in lower_words


def _weak_heading(name: str, lower_words: _LowerWords) -> bool:
    """A label all of whose words after the first are written in lower case elsewhere (a
    one-word label: that word)."""
    if len(name.split()) == 1:
        return _common_word(name, lower_words)
    words = [w for w in name.split()[1:] if w.lower() not in {"de", "del", "i", "y", "la"}]
    return not words or all(w.lower() in lower_words for w in words)


def _neighbours(sequence: list[_Candidate], key: str) -> set[str]:
    found: set[str] = set()
    for position, candidate in enumerate(sequence):
        if candidate.key != key:
            continue
        for other in (position - 1, position + 1):
            if 0 <= other < len(sequence) and sequence[other].key != key:
                found.add(sequence[other].key)
    return found


def _name_lines_are_a_convention(
    lines: list[_Candidate], known: set[str], lower_words: _LowerWords
) -> bool:
    """Names alone on their lines mark speakers when a role does so or several names recur."""
    if len(lines) < MIN_NAME_LINES:
        return False
    if any(c.key in known for c in lines):
        return True
    counts = Counter(c.key for c in lines if not _weak_heading(c.name, lower_words))
    return sum(1 for count in counts.values() if count >= 2) >= 2
