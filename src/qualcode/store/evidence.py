"""The JSON columns of a coding: its evidence and the spans a person selected."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from qualcode.models import Evidence, Segment, Span


def evidence_json(items: Iterable[tuple[str, str, int, int]]) -> str:
    """The evidence column: ``[[pattern, kind, start_char, end_char], ...]``, compact JSON.

    :meth:`qualcode.matching.Matcher.codings` writes the same text without calling this.
    """
    return json.dumps([list(item) for item in items], ensure_ascii=False, separators=(",", ":"))


def _evidence(column: str, segment: Segment) -> tuple[Evidence, ...]:
    """The evidence column read back; the matched text is the segment's text at the span."""
    text, offset = segment.text, segment.start_char
    return tuple(
        Evidence(pattern, kind, start, end, text[start - offset : end - offset])
        for pattern, kind, start, end in json.loads(column)
    )


SELECTION_PATTERN = "refi-qda selection"
"""The pattern of evidence that is an automatic coder's selection read back from an archive."""
SELECTION_KIND = "selection"


def _spans(column: str | None) -> tuple[Span, ...]:
    return () if column is None else tuple((int(a), int(b)) for a, b in json.loads(column))


def _span_column(spans: Sequence[Span], as_evidence: bool) -> str:
    if as_evidence:
        return evidence_json((SELECTION_PATTERN, SELECTION_KIND, a, b) for a, b in spans)
    return json.dumps([list(span) for span in spans], separators=(",", ":"))


def _held_spans(column: str | None, as_evidence: bool) -> list[Span] | None:
    """The spans a coding holds; None when it is of the whole segment."""
    if as_evidence:
        items = json.loads(column or "[]")
        spans = [(int(item[2]), int(item[3])) for item in items]
        return spans or None
    return None if column is None else list(_spans(column))
