"""A document as qualcode cut it: its segments and the text it left out of them, in text order.

``qualcode show`` renders this view so a researcher can check in a minute what ingest made of a
transcript: each segment with its ordinal, speaker, role and language, and each excluded region
with its reason. The view is built from what the store holds, never by segmenting again.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.errors import UsageError
from qualcode.ingest.pipeline import counted, exclusion_counts
from qualcode.models import Document, ExcludedRegion, Exclusion, ExclusionCount, Segment
from qualcode.people.lookup import find_document
from qualcode.store import Store


@dataclass(frozen=True)
class ViewBlock:
    """One piece of the document in text order: a segment, an excluded region outside every
    segment, or (for a version ingested before excluded text was recorded) text in neither."""

    start_char: int
    end_char: int
    text: str
    segment: Segment | None = None
    reason: Exclusion | None = None
    inline: tuple[ExcludedRegion, ...] = ()
    """Excluded regions inside this segment's span (a stage direction within a turn)."""

    @property
    def unaccounted(self) -> bool:
        return self.segment is None and self.reason is None


@dataclass(frozen=True)
class DocumentView:
    document: Document
    blocks: tuple[ViewBlock, ...]
    excluded: tuple[ExclusionCount, ...]
    """What the document leaves out of its segments, per reason."""
    recorded: bool
    """False for a version ingested before qualcode recorded excluded text."""


def document_view(store: Store, name: str) -> DocumentView:
    """The view of the document called ``name`` (as ``qualcode status`` names it).

    Raises :class:`UsageError` naming the closest names when there is no such document.
    """
    found = find_document(store.documents(), name)
    if isinstance(found, str):
        raise UsageError(found)
    text = store.document_text(found.document_id)
    segments = store.segments(found.document_id)
    regions = store.excluded_regions(found.document_id)
    return DocumentView(
        document=found,
        blocks=tuple(_blocks(text, segments, regions or [])),
        excluded=exclusion_counts(counted(text, regions or [])),
        recorded=regions is not None,
    )


def _blocks(text: str, segments: list[Segment], regions: list[ExcludedRegion]) -> list[ViewBlock]:
    inside: dict[int, list[ExcludedRegion]] = {}
    outside: list[ExcludedRegion] = []
    spans = [(s.start_char, s.end_char) for s in segments]
    for region in regions:
        holder = next(
            (i for i, (start, end) in enumerate(spans) if start <= region.start_char < end), None
        )
        if holder is None:
            outside.append(region)
        else:
            inside.setdefault(holder, []).append(region)
    pieces: list[ViewBlock] = [
        ViewBlock(s.start_char, s.end_char, s.text, segment=s, inline=tuple(inside.get(i, ())))
        for i, s in enumerate(segments)
    ]
    pieces += [
        ViewBlock(r.start_char, r.end_char, text[r.start_char : r.end_char], reason=r.reason)
        for r in outside
    ]
    pieces.sort(key=lambda block: (block.start_char, block.end_char))
    blocks: list[ViewBlock] = []
    position = 0
    for block in pieces:
        blocks += _unaccounted(text, position, block.start_char)
        blocks.append(block)
        position = max(position, block.end_char)
    blocks += _unaccounted(text, position, len(text))
    return blocks


def _unaccounted(text: str, start: int, end: int) -> list[ViewBlock]:
    """Text between two blocks that is more than white space, as one block per paragraph."""
    found = []
    position = start
    for paragraph in text[start:end].split("\n"):
        stripped = paragraph.strip()
        if stripped:
            offset = position + paragraph.index(stripped)
            found.append(ViewBlock(offset, offset + len(stripped), stripped))
        position += len(paragraph) + 1
    return found
