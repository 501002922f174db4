"""Cutting a read document into segments: speaker turns (default), paragraphs or sentences.

A turn opens at a speaker label (``Name:``, ``[00:04:28] Name:``, ``Q:``, a name alone on its
line) or at a paragraph in a speaker style (Word transcripts that put the name in a paragraph of its
own) and runs over the following paragraphs until the next speaker. Which labels are speakers is
decided from the whole document first (:mod:`ingest.labels`). Stage directions (whole paragraphs
or notes inside one, ``(Riu.)``), bare clock times, headings and the lines about the recording
before the first speaker are not speech: they end the current segment and belong to none. A turn
interrupted by a stage direction therefore gives two segments of the same turn (same ``turn``
number). Text of an unknown speaker is one segment per paragraph.

Formats that say themselves who speaks and when (subtitles, spreadsheets of turns) set
``Paragraph.speaker`` and ``Paragraph.timestamp``: such a paragraph is a turn of its own and no
label is parsed from its text. A segment keeps the page its first paragraph starts on (PDF).

Every segment's span satisfies ``text[start_char:end_char] == segment.text``. What is in no
segment is recorded as an excluded region with its reason (a speaker label, the front matter, a
stage direction, a clock time, a heading), so that segments and excluded regions together account
for every character of the text that is not white space, without overlapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qualcode.ingest.labels import (
    AUTO,
    Kind,
    Opening,
    SpeakerPolicy,
    is_metadata_line,
    plan,
    text_labels,
)
from qualcode.ingest.roles import RoleResolver
from qualcode.models import (
    ExcludedRegion,
    Exclusion,
    Paragraph,
    ReadDocument,
    Segment,
    Segmentation,
    Unit,
)
from qualcode.speakers import find_label, fold, inline_notes, non_speech_reason

_WORD = re.compile(r"\w+")
# Openings that name a speaker, and those with a label before the speech (sets: asked of every
# paragraph).
_NAMED = frozenset({Kind.NAME, Kind.LABEL})
_LABELLED = _NAMED | {Kind.TIMESTAMP}
# A sentence ends at . ! ? or … (with closing quotes or brackets) followed by white space and an
# opening that can start a sentence.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”’)\]]*\s+(?=[\"'«“‘(¿¡\[]?[^\W_a-z])")


@dataclass
class _Run:
    """Consecutive speech of one turn, not interrupted by anything that is not speech."""

    turn: int | None
    speaker: str | None
    timestamp: str | None
    pieces: list[tuple[int, int]] = field(default_factory=list)
    pages: list[int | None] = field(default_factory=list)  # the page each piece starts on

    def add(self, start: int, end: int, page: int | None) -> None:
        self.pieces.append((start, end))
        self.pages.append(page)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def segment_document(
    document: ReadDocument,
    unit: Unit,
    roles: RoleResolver,
    speakers: SpeakerPolicy = AUTO,
    aliases: dict[str, str] | None = None,
) -> Segmentation:
    """Cut a document into segments of the given unit, each with speaker, role and span, and
    record the text left out of them.

    ``speakers`` says which labels may open turns (:mod:`ingest.labels`); ``aliases`` names the
    speaker of a role label (``q`` → the interviewer's name), keyed by the folded label.
    """
    excluded: list[ExcludedRegion] = []
    openings = plan(document.paragraphs, document.text, speakers, roles)
    header = _header(document.paragraphs, openings)
    runs = _speech_runs(document, openings, header, excluded, aliases or {})
    segments: list[Segment] = []
    text = document.text
    for run in runs:
        if unit is Unit.TURN:
            spans = [(run.pieces[0][0], run.pieces[-1][1], run.pages[0])]
        elif unit is Unit.PARAGRAPH:
            spans = [(*piece, page) for piece, page in zip(run.pieces, run.pages, strict=True)]
        else:
            spans = [
                (*span, page)
                for piece, page in zip(run.pieces, run.pages, strict=True)
                for span in split_sentences(text, *piece)
            ]
        for start, end, page in spans:
            segment_text = text[start:end]
            segments.append(
                Segment(
                    ordinal=len(segments),
                    start_char=start,
                    end_char=end,
                    text=segment_text,
                    speaker=run.speaker,
                    role=roles.role(run.speaker),
                    timestamp=run.timestamp,
                    turn=run.turn,
                    word_count=count_words(segment_text),
                    page=page,
                )
            )
    return Segmentation(
        segments=segments,
        excluded=excluded,
        text_labels=text_labels(
            [p for i, p in enumerate(document.paragraphs) if i not in header],
            [o for i, o in enumerate(openings) if i not in header],
        ),
        speaker_labels=tuple(
            dict.fromkeys(o.speaker for o in openings if o.kind in _NAMED and o.speaker)
        ),
    )


def _speech_runs(
    document: ReadDocument,
    openings: list[Opening],
    header: set[int],
    excluded: list[ExcludedRegion],
    aliases: dict[str, str],
) -> list[_Run]:
    """The runs of speech, in order; what is not speech is appended to ``excluded``."""
    paragraphs = document.paragraphs
    runs: list[_Run] = []
    current: _Run | None = None
    turn = -1
    previous_end = 0
    for index, (paragraph, opening) in enumerate(zip(paragraphs, openings, strict=True)):
        # Readers of formats that say who speaks print the label between paragraphs.
        _exclude_gap(excluded, document.text, previous_end, paragraph.start_char)
        previous_end = paragraph.end_char
        start = paragraph.start_char
        if opening.kind is Kind.FORMAT:
            # The format said who speaks and when (subtitles, spreadsheets): no label to parse.
            if opening.speaker is not None:
                turn += 1
            current = _new_run(
                runs,
                turn if opening.speaker is not None else None,
                opening.speaker,
                opening.timestamp,
            )
        elif opening.kind is Kind.NON_SPEECH:
            reason = non_speech_reason(paragraph.text, paragraph.style, paragraph.italic)
            _exclude(
                excluded,
                paragraph.start_char,
                paragraph.end_char,
                reason or Exclusion.STAGE_DIRECTION,
            )
            if current is not None:  # speech resumes after the direction as a new segment
                current = _new_run(runs, current.turn, current.speaker, current.timestamp)
            continue
        elif opening.kind in _LABELLED:
            start = min(start + opening.skip, paragraph.end_char)
            _exclude(excluded, paragraph.start_char, start, Exclusion.SPEAKER_LABEL)
            if opening.speaker is not None:
                turn += 1
                speaker = aliases.get(fold(opening.speaker), opening.speaker)
                current = _new_run(runs, turn, speaker, opening.timestamp)
            elif current is not None and current.speaker is not None:
                current = _new_run(runs, current.turn, current.speaker, opening.timestamp)
            else:
                current = _new_run(runs, None, None, opening.timestamp)
        elif current is None or current.speaker is None:
            if index in header:
                _exclude(excluded, start, paragraph.end_char, Exclusion.FRONT_MATTER)
                continue
            # Text of an unknown speaker: each paragraph a segment of its own.
            current = _new_run(runs, None, None, None)
        if start < paragraph.end_char:
            current = _add_speech(runs, current, excluded, document.text, start, paragraph)
    return [run for run in runs if run.pieces]


def _header(paragraphs: tuple[Paragraph, ...], openings: list[Opening]) -> set[int]:
    """The lines about the recording at the top of a document (``Date:``, ``Transcriber:``,
    among its title lines) and, in a transcript that marks speakers, those title lines (short, not
    ending like a sentence). Prose there is kept as text of an unknown speaker."""
    marked = any(o.speaker is not None for o in openings)
    header: set[int] = set()
    for index, (paragraph, opening) in enumerate(zip(paragraphs, openings, strict=True)):
        if opening.kind is Kind.NON_SPEECH:
            continue
        if opening.kind is not Kind.TEXT:
            break
        if is_metadata_line(paragraph.text) or (marked and _title_line(paragraph.text)):
            header.add(index)
        elif not _title_line(paragraph.text):
            break  # a title line of a document without speakers is text, and the top goes on
    return header


MAX_TITLE_WORDS = 12


def _title_line(paragraph: str) -> bool:
    """A short line that does not end like a sentence; a ``Name: text`` line read as text (not a
    speaker) is no title: it is kept."""
    text = paragraph.strip()
    short = "\n" not in text and len(text.split()) <= MAX_TITLE_WORDS and text[-1] not in ".!?…"
    label = find_label(text)
    return short and (label is None or label.speaker is None)


def _add_speech(
    runs: list[_Run],
    current: _Run,
    excluded: list[ExcludedRegion],
    text: str,
    start: int,
    paragraph: Paragraph,
) -> _Run:
    """Add a paragraph's speech to the run, cut around the stage directions inside it: what
    follows a direction is a new segment of the same turn. Returns the run speech goes on in."""
    cursor = start
    for note_start, note_end, reason in inline_notes(text, start, paragraph.end_char):
        _add_trimmed(current, text, cursor, note_start, paragraph.page)
        _exclude(excluded, note_start, note_end, reason)
        current = _new_run(runs, current.turn, current.speaker, current.timestamp)
        cursor = note_end
    _add_trimmed(current, text, cursor, paragraph.end_char, paragraph.page)
    return current


def _add_trimmed(run: _Run, text: str, start: int, end: int, page: int | None) -> None:
    chunk = text[start:end]
    start += len(chunk) - len(chunk.lstrip())
    end -= len(chunk) - len(chunk.rstrip())
    if start < end:
        run.add(start, end, page)


def _exclude(excluded: list[ExcludedRegion], start: int, end: int, reason: Exclusion) -> None:
    if start < end:
        excluded.append(ExcludedRegion(start_char=start, end_char=end, reason=reason))


def _exclude_gap(excluded: list[ExcludedRegion], text: str, start: int, end: int) -> None:
    gap = text[start:end]
    if gap.strip():
        start += len(gap) - len(gap.lstrip())
        end -= len(gap) - len(gap.rstrip())
        _exclude(excluded, start, end, Exclusion.SPEAKER_LABEL)


def _new_run(
    runs: list[_Run], turn: int | None, speaker: str | None, timestamp: str | None
) -> _Run:
    run = _Run(turn=turn, speaker=speaker, timestamp=timestamp)
    runs.append(run)
    return run


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans within ``text[start:end]``, trimmed of surrounding white space."""
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        sentence_end = match.end() - (len(match.group()) - len(match.group().rstrip()))
        spans.append((cursor, sentence_end))
        cursor = match.end()
    if cursor < end:
        spans.append((cursor, end))
    trimmed = []
    for a, b in spans:
        chunk = text[a:b]
        a += len(chunk) - len(chunk.lstrip())
        b -= len(chunk) - len(chunk.rstrip())
        if a < b:
            trimmed.append((a, b))
    return trimmed
