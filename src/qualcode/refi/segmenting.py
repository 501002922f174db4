"""Cutting an imported source into segments so that every selection in it lands in one.

Ingest's turn segmenter is made for transcripts qualcode reads itself: in a text that marks its
speakers, whatever comes before the first speaker is front matter and belongs to no segment, and
a single ``Name:`` line is enough to mark them. Another tool's source is text a person has
already coded, so nothing of it may fall out of every segment:

- a text **marks its speakers** when at least two paragraphs open with a speaker label, or its
  first paragraph does (a speaker style in a Word source counts as a label). Such a text is cut as
  ingest cuts it (turns, or ``--unit``), and its front matter becomes paragraph segments of an
  unknown speaker instead of being left out;
- any other text (a single ``PSZ: Januártól…`` line a tenth of the way into an NVivo source does
  not make a transcript) is cut into its paragraphs, each a segment of an unknown speaker, no
  label read (``--unit sentence``: into sentences);
- whatever else the segmenter leaves out (a heading, a stage direction, a label) becomes a segment
  of its own when a selection lies in it and in no segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qualcode.models import (
    ExcludedRegion,
    Exclusion,
    ReadDocument,
    Segment,
    Segmentation,
    Unit,
)
from qualcode.segment import count_words, segment_document, split_sentences
from qualcode.speakers import RoleResolver, find_label, speaker_paragraph_name


def marks_speakers(document: ReadDocument) -> bool:
    """Whether the text marks who speaks (see the module's docstring)."""
    labelled = 0
    for index, paragraph in enumerate(document.paragraphs):
        name = paragraph.speaker or speaker_paragraph_name(paragraph.text, paragraph.style)
        if name is None:
            label = find_label(paragraph.text)
            name = label.speaker if label is not None else None
        if name is not None:
            if index == 0:
                return True
            labelled += 1
    return labelled >= 2


def segment_source(
    document: ReadDocument,
    unit: Unit,
    roles: RoleResolver,
    selections: Sequence[tuple[int, int]],
) -> tuple[Segmentation, Unit]:
    """The segments of an imported source and the unit they are of; ``selections`` are the
    source's selection spans in the document's text."""
    if marks_speakers(document):
        segmentation = segment_document(document, unit, roles)
        segments = list(segmentation.segments)
        excluded = []
        for region in segmentation.excluded:
            if region.reason is Exclusion.FRONT_MATTER:
                segments.extend(_pieces(document.text, region.start_char, region.end_char, unit))
            else:
                excluded.append(region)
    else:
        unit = Unit.SENTENCE if unit is Unit.SENTENCE else Unit.PARAGRAPH
        segments = [
            segment
            for paragraph in document.paragraphs
            for segment in _pieces(document.text, paragraph.start_char, paragraph.end_char, unit)
        ]
        excluded = []
    excluded, rescued = _rescue(document.text, segments, excluded, selections)
    ordered = sorted([*segments, *rescued], key=lambda s: (s.start_char, s.end_char))
    numbered = [replace(segment, ordinal=index) for index, segment in enumerate(ordered)]
    return Segmentation(segments=numbered, excluded=excluded), unit


def _pieces(text: str, start: int, end: int, unit: Unit) -> list[Segment]:
    """Segments of an unknown speaker over ``text[start:end]``: one, or its sentences."""
    spans = split_sentences(text, start, end) if unit is Unit.SENTENCE else [(start, end)]
    found = []
    for a, b in spans:
        chunk = text[a:b]
        a += len(chunk) - len(chunk.lstrip())
        b -= len(chunk) - len(chunk.rstrip())
        if a < b:
            found.append(_segment(text, a, b))
    return found


def _segment(text: str, start: int, end: int) -> Segment:
    return Segment(
        ordinal=0,
        start_char=start,
        end_char=end,
        text=text[start:end],
        word_count=count_words(text[start:end]),
    )


def _rescue(
    text: str,
    segments: list[Segment],
    excluded: list[ExcludedRegion],
    selections: Sequence[tuple[int, int]],
) -> tuple[list[ExcludedRegion], list[Segment]]:
    """Excluded regions that hold a selection lying in no segment become segments."""
    orphans = [
        (start, end)
        for start, end in selections
        if start < end and not any(s.start_char < end and start < s.end_char for s in segments)
    ]
    kept: list[ExcludedRegion] = []
    rescued: list[Segment] = []
    for region in excluded:
        if any(region.start_char < end and start < region.end_char for start, end in orphans):
            rescued.extend(_pieces(text, region.start_char, region.end_char, Unit.PARAGRAPH))
        else:
            kept.append(region)
    return kept, rescued
