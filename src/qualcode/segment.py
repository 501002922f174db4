"""Cutting a read document into segments: speaker turns (default), paragraphs or sentences.

A turn opens at a speaker label (``Name:``, ``[00:04:28] Name:``, ``Q:``) or at a paragraph in a
speaker style (Word transcripts that put the name in a paragraph of its own) and runs over the
following paragraphs until the next speaker. Stage directions, bare clock times, headings and, in a
transcript that marks its speakers, whatever comes before the first speaker are not speech: they
end the current segment and belong to none. A turn interrupted by a stage direction therefore gives
two segments of the same turn (same ``turn`` number).

Formats that say themselves who speaks and when (subtitles, spreadsheets of turns) set
``Paragraph.speaker`` and ``Paragraph.timestamp``: such a paragraph is a turn of its own and no
label is parsed from its text. A segment keeps the page its first paragraph starts on (PDF).

Every segment's span satisfies ``text[start_char:end_char] == segment.text``. What is in no
segment is recorded as an excluded region with its reason (a speaker label, the front matter, a
stage direction, a clock time, a heading), so that segments and excluded regions together account
for every character of the text that is not white space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qualcode.models import (
    ExcludedRegion,
    Exclusion,
    ReadDocument,
    Segment,
    Segmentation,
    Unit,
)
from qualcode.speakers import (
    RoleResolver,
    find_label,
    non_speech_reason,
    speaker_paragraph_name,
)

_WORD = re.compile(r"\w+")
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


def segment_document(document: ReadDocument, unit: Unit, roles: RoleResolver) -> Segmentation:
    """Cut a document into segments of the given unit, each with speaker, role and span, and
    record the text left out of them."""
    excluded: list[ExcludedRegion] = []
    runs = _speech_runs(document, excluded)
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
    return Segmentation(segments=segments, excluded=excluded)


def _speech_runs(document: ReadDocument, excluded: list[ExcludedRegion]) -> list[_Run]:
    """The runs of speech, in order; what is not speech is appended to ``excluded``."""
    paragraphs = document.paragraphs
    marked = any(
        p.speaker is not None
        or speaker_paragraph_name(p.text, p.style) is not None
        or _labelled_speaker(p.text)
        for p in paragraphs
    )
    runs: list[_Run] = []
    current: _Run | None = None
    turn = -1
    previous_end = 0
    for paragraph in paragraphs:
        # Readers of formats that say who speaks print the label between paragraphs.
        _exclude_gap(excluded, document.text, previous_end, paragraph.start_char)
        previous_end = paragraph.end_char
        if paragraph.speaker is not None or paragraph.timestamp is not None:
            # The format said who speaks and when (subtitles, spreadsheets): no label to parse.
            if paragraph.speaker is not None:
                turn += 1
            current = _new_run(
                runs,
                turn if paragraph.speaker is not None else None,
                paragraph.speaker,
                paragraph.timestamp,
            )
            current.add(paragraph.start_char, paragraph.end_char, paragraph.page)
            continue
        name = speaker_paragraph_name(paragraph.text, paragraph.style)
        if name is not None:
            turn += 1
            current = _new_run(runs, turn, name, None)
            _exclude(excluded, paragraph.start_char, paragraph.end_char, Exclusion.SPEAKER_LABEL)
            continue
        reason = non_speech_reason(paragraph.text, paragraph.style, paragraph.italic)
        if reason is not None:
            _exclude(excluded, paragraph.start_char, paragraph.end_char, reason)
            if current is not None:  # speech resumes after the direction as a new segment
                current = _new_run(runs, current.turn, current.speaker, current.timestamp)
            continue
        start = paragraph.start_char
        label = find_label(paragraph.text)
        if label is not None:
            start = min(start + label.prefix_length, paragraph.end_char)
            _exclude(excluded, paragraph.start_char, start, Exclusion.SPEAKER_LABEL)
            if label.speaker is not None:
                turn += 1
                current = _new_run(runs, turn, label.speaker, label.timestamp)
            elif current is not None:
                current = _new_run(runs, current.turn, current.speaker, label.timestamp)
            else:
                current = _new_run(runs, None, None, label.timestamp)
        elif current is None:
            if marked:  # front matter before the first speaker is not speech
                _exclude(excluded, start, paragraph.end_char, Exclusion.FRONT_MATTER)
                continue
            current = _new_run(runs, None, None, None)
        if start < paragraph.end_char:
            current.add(start, paragraph.end_char, paragraph.page)
    return [run for run in runs if run.pieces]


def _exclude(excluded: list[ExcludedRegion], start: int, end: int, reason: Exclusion) -> None:
    if start < end:
        excluded.append(ExcludedRegion(start_char=start, end_char=end, reason=reason))


def _exclude_gap(excluded: list[ExcludedRegion], text: str, start: int, end: int) -> None:
    gap = text[start:end]
    if gap.strip():
        start += len(gap) - len(gap.lstrip())
        end -= len(gap) - len(gap.rstrip())
        _exclude(excluded, start, end, Exclusion.SPEAKER_LABEL)


def _labelled_speaker(paragraph: str) -> bool:
    label = find_label(paragraph)
    return label is not None and label.speaker is not None


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
