"""Cutting an imported source into segments so that every selection in it lands in one.

Who speaks is decided as ``ingest`` decides it, from the whole document
(:mod:`ingest.labels`): a ``Word:`` opening is a speaker only when the document's labels form a
transcript's pattern, and the text before the first speaker (before a ``PSZ: Januártól…`` line a
tenth of the way into an NVivo source) is kept as an unknown speaker's paragraphs. A text that
marks no speakers is cut into its paragraphs, each a segment of an unknown speaker
(``--unit sentence``: into sentences). Another tool's source is text a person has already coded,
so nothing of it may fall out of every segment:

- what ingest keeps out as front matter (the lines about the recording, a transcript's title
  lines) becomes paragraph segments of an unknown speaker;
- whatever else the segmenter leaves out (a stage direction, a label) becomes a segment of its
  own when a selection lies in it and in no segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qualcode.ingest.roles import RoleResolver
from qualcode.ingest.segment import count_words, segment_document, split_sentences
from qualcode.models import (
    ExcludedRegion,
    Exclusion,
    ReadDocument,
    Segment,
    Segmentation,
    Unit,
)


def segment_source(
    document: ReadDocument,
    unit: Unit,
    roles: RoleResolver,
    selections: Sequence[tuple[int, int]],
) -> tuple[Segmentation, Unit]:
    """The segments of an imported source and the unit they are of (paragraphs, when ``unit``
    is turns and the text marks no speakers); ``selections`` are the source's selection spans in
    the document's text."""
    segmentation = segment_document(document, unit, roles)
    segments = list(segmentation.segments)
    excluded = []
    for region in segmentation.excluded:
        if region.reason is Exclusion.FRONT_MATTER:
            segments.extend(_pieces(document.text, region.start_char, region.end_char, unit))
        else:
            excluded.append(region)
    if unit is Unit.TURN and not any(segment.speaker for segment in segments):
        unit = Unit.PARAGRAPH
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
