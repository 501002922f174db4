"""What the theme-by-theme reports (Word and HTML) share: the themes of a report, the coded quotes
under each code and group, and the evidence spans inside a quote.

A quote sits under the code it was coded with (no roll-up), so a segment coded with a theme and one
of its sub-codes appears under each, as coded. Only in-scope segments are quoted, as counted, and a
person's quotes are the codings the report counts for them: their own, plus the automatic codings
they accepted, less those they rejected.
"""

from __future__ import annotations

from collections.abc import Sequence

from qualcode.coders import is_automatic
from qualcode.models import CodedSegment, in_scope
from qualcode.people.codings import coder_codings
from qualcode.people.lookup import resolve_codes
from qualcode.report import CodeLine, Report, ReportOptions, group_value, select_documents
from qualcode.store import Store

QuoteKey = tuple[str, str]  # (code path, group)


def themes(lines: Sequence[CodeLine]) -> list[tuple[CodeLine, list[CodeLine]]]:
    """Top lines (the shallowest depth shown) with the lines below each, in tree order."""
    if not lines:
        return []
    top = min(line.depth for line in lines)
    found: list[tuple[CodeLine, list[CodeLine]]] = []
    for line in lines:
        if line.depth == top or not found:
            found.append((line, [line]))
        else:
            found[-1][1].append(line)
    return found


def report_quotes(
    store: Store, report: Report, options: ReportOptions
) -> dict[QuoteKey, list[CodedSegment]]:
    """The in-scope coded segments of the codes the report shows, per (code, group), in document
    and segment order."""
    documents = {d.document_id: d for d in select_documents(store, options.filters)}
    shown = {line.path for line in report.lines}
    code_paths = list(resolve_codes(store, options.codes)) or None
    counted: set[tuple[int, str]] | None = None
    coders = [report.coder]
    if not is_automatic(report.coder):
        counted = coder_codings(store, report.coder)
        coders += sorted({d.auto_coder for d in store.decisions(report.coder)})
    quotes: dict[QuoteKey, list[CodedSegment]] = {}
    seen: set[tuple[int, str]] = set()
    for item in store.coded_segments(code_paths=code_paths, coders=coders):
        source = documents.get(item.segment.document_id or -1)
        if source is None or not in_scope(item.segment.role) or item.code_path not in shown:
            continue
        if counted is not None:
            pair = (item.segment.segment_id or -1, item.code_path)
            if pair not in counted or pair in seen:  # an accepted coding may come from two coders
                continue
            seen.add(pair)
        quotes.setdefault((item.code_path, group_value(source, options.by)), []).append(item)
    return quotes


def evidence_spans(item: CodedSegment) -> list[tuple[int, int]]:
    """The evidence inside the segment, in segment coordinates, overlapping spans joined."""
    segment = item.segment
    return merged_spans(
        [
            (e.start_char - segment.start_char, e.end_char - segment.start_char)
            for e in item.evidence
        ],
        len(segment.text),
    )


def merged_spans(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Spans clipped to [0, length], overlapping or touching ones joined, in order."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(length, e)) for s, e in spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]
