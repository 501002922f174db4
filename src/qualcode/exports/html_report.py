"""The HTML report: one self-contained page with the comparison and the coded quotes.

``qualcode report --compare --html report.html`` writes a single file that opens offline in any
browser: the style sheet and the script are inline (``exports/html/``), nothing is fetched, and a
Content-Security-Policy forbids fetching anything and running any script but the page's own. The
page holds:

1. a header: project, codebook (name, version, hash), coder, when it was made, documents per group
   and language, and the in-scope denominators;
2. the comparison: per theme an SVG bar chart of the share per group with 95 % Wilson intervals
   (drawn here, numbers from :func:`qualcode.exports.charts.chart_data`), then one table of every
   code, sortable by any column in the browser;
3. the quotes (:func:`qualcode.exports.sections.report_quotes`), embedded as JSON and shown by the
   script a page at a time, with filters by code, group and any document attribute, and a search;
4. the memos (``qualcode memo``) on the project, on the report's documents and their segments, and
   on codes, when there are any.

The page's markup is a Jinja2 template, ``exports/html/report.html.j2``, filled with records made
here. Interview text is data, never markup: the template escapes every value it is given (autoescape
is on; only the package's own style, script, policy and JSON block are marked safe), the JSON block
escapes ``<``, ``>`` and ``&`` so no text can close it, and the script writes text with
``textContent`` only. Evidence spans go to the script in UTF-16 code units, the unit of JavaScript
strings, converted from the store's code points.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qualcode import __version__
from qualcode.context import ContextFinder
from qualcode.defaults import DEFAULT_MAX_QUOTES
from qualcode.exports.charts import PALETTE, SIGNIFICANT_NOTE, chart_data
from qualcode.exports.display import (
    DASH,
    effect_text,
    groups_table,
    p_text,
    percent,
    report_notes,
)
from qualcode.exports.sections import QuoteKey, evidence_spans, report_quotes, themes
from qualcode.exports.templates import Markup, asset, template
from qualcode.models import CodedSegment, CodeRecord, CodingRun, Document, Memo, MemoTarget
from qualcode.report import (
    NO_VALUE,
    CodeLine,
    Comparison,
    Report,
    ReportOptions,
    group_value,
    select_documents,
)
from qualcode.stats import DIFFERENCE
from qualcode.store import Store

OPEN_ATTRIBUTES = 4  # more attribute filters than this start folded
HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")

# Chart geometry, in SVG user units (the chart scales to the page width).
CHART_WIDTH = 760
LABEL_WIDTH = 290
VALUE_WIDTH = 56
BAR_HEIGHT = 14
BAR_GAP = 3
BAND_PADDING = 12
AXIS_HEIGHT = 34
INDENT = 14
CHAR_WIDTH = 6.6  # mean advance of the 12-unit label font, to cut labels that would overflow


@dataclass(frozen=True)
class QuoteCounts:
    """Quotes embedded in the page out of those the report has."""

    embedded: int
    available: int
    capped: int  # (code, group) pairs with more quotes than were embedded


@dataclass(frozen=True)
class HtmlSummary:
    path: Path
    coder: str
    quotes: QuoteCounts


def write_html_report(
    store: Store,
    options: ReportOptions,
    report: Report,
    comparison: Comparison | None,
    path: Path,
    *,
    max_quotes: int | None = DEFAULT_MAX_QUOTES,
    made_at: datetime | None = None,
    context: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> HtmlSummary:
    """Write the page for a report (and its comparison, when made) built with ``options``.

    ``max_quotes`` caps the quotes embedded per code and group (``None``: all of them);
    ``context`` shows each quote's question and that many turns either side.
    """
    page, counts = html_page(
        store,
        options,
        report,
        comparison,
        max_quotes=max_quotes,
        made_at=made_at,
        context=context,
        progress=progress,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return HtmlSummary(path, report.coder, counts)


def html_page(
    store: Store,
    options: ReportOptions,
    report: Report,
    comparison: Comparison | None,
    *,
    max_quotes: int | None = DEFAULT_MAX_QUOTES,
    made_at: datetime | None = None,
    context: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str, QuoteCounts]:
    """The page as text, with how many quotes it embeds."""
    documents = select_documents(store, options.filters)
    codes = {c.path: c for c in store.codes()}
    colours = code_colours(report.lines, codes)
    quotes = report_quotes(store, report, options)
    finder = ContextFinder(store) if context is not None else None
    data, counts = quotes_data(
        report,
        documents,
        quotes,
        colours,
        max_quotes,
        finder=finder,
        context=context or 0,
        progress=progress,
    )
    made = (made_at or datetime.now(UTC)).astimezone(UTC)
    shown = {d.document_id for d in documents}
    memos = [m for m in store.memos() if m.document_id is None or m.document_id in shown]
    style = asset("report.css")
    script = asset("report.js")
    # The policy is ours (fixed text and base64 digests): written as it is, not escaped.
    policy = (
        f"default-src 'none'; script-src '{_digest(script)}'; style-src '{_digest(style)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    shown_documents = data["documents"]
    page = template("report.html.j2").render(
        version=__version__,
        title=f"Coded interviews by {report.by}: {store.path.name}",
        by=report.by,
        policy=Markup(policy),
        style=Markup(style),
        script=Markup(script),
        data=Markup(json_for_html(data)),
        groups=[g.name for g in report.groups if g.segments > 0],
        palette=PALETTE,
        facts=_facts(store, report, made, counts, max_quotes),
        documents=_documents_table(documents, report.by),
        groups_table=groups_table(report),
        notes=report_notes(report, comparison),
        significant_note=SIGNIFICANT_NOTE if comparison is not None else "",
        charts=[
            _chart_figure(theme, lines, report, comparison, codes)
            for theme, lines in themes(report.lines)
        ],
        table=_comparison_table(report, comparison),
        cap=counts if max_quotes is not None and counts.capped else None,
        max_quotes=max_quotes,
        indent="\u00a0\u00a0",  # an option cannot hold markup: the tree is drawn with spaces
        quote_codes=data["codes"],
        quote_groups=data["groups"],
        interviews=sorted(
            ((i, d["name"]) for i, d in enumerate(shown_documents)), key=lambda pair: pair[1]
        ),
        attributes=_attribute_filters(shown_documents, report.by),
        open_attributes=OPEN_ATTRIBUTES,
        memos=[_memo_item(memo) for memo in memos],
    )
    return page, counts


# -- pieces of data ------------------------------------------------------------------------------


def json_for_html(data: Any) -> str:
    """JSON that an HTML parser cannot end early: ``<``, ``>`` and ``&`` become ``\\u`` escapes,
    so no text (``</script>``, ``<!--``) can close or comment out the block that holds it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def code_colours(lines: Sequence[CodeLine], codes: dict[str, CodeRecord]) -> dict[str, str]:
    """Each code's colour: its own from the codebook, else its nearest ancestor's, else one of the
    palette per theme. Only ``#rgb``/``#rrggbb`` are taken, since the colour goes into a style."""
    colours: dict[str, str] = {}
    theme_index = 0
    for line in lines:
        record = codes.get(line.path)
        own = record.colour if record else None
        if own and HEX_COLOUR.fullmatch(own):
            colours[line.path] = own
            continue
        parent = record.parent_path if record else None
        while parent is not None and parent not in colours:
            parent_record = codes.get(parent)
            parent = parent_record.parent_path if parent_record else None
        if parent is not None:
            colours[line.path] = colours[parent]
        else:
            colours[line.path] = PALETTE[theme_index % len(PALETTE)]
            theme_index += 1
    return colours


def quotes_data(
    report: Report,
    documents: Sequence[Document],
    quotes: dict[QuoteKey, list[CodedSegment]],
    colours: dict[str, str],
    max_quotes: int | None,
    *,
    finder: ContextFinder | None = None,
    context: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, Any], QuoteCounts]:
    """The JSON the script reads: codes, groups, documents, segments (each once: document,
    speaker, timestamp, text, language) and quotes.

    Quotes come in code order (the report's tree), then group, then document and segment order;
    at most ``max_quotes`` per code and group. A quote is [code, segment, spans], spans flattened
    as start, end, … in UTF-16 units of the segment's text. With a ``finder``, a segment also
    carries its context: [question, [turns before], [turns after]], each ``Speaker: text``.
    ``progress(done, total)`` is told after each code's quotes.
    """
    group_names = [g.name for g in report.groups]
    group_index = {name: i for i, name in enumerate(group_names)}
    by_name = {d.name: d for d in documents}
    document_index: dict[str, int] = {}
    document_rows: list[dict[str, Any]] = []
    segment_index: dict[int | None, int] = {}
    segment_rows: list[list[Any]] = []
    quote_rows: list[list[Any]] = []
    totals: list[list[int]] = []  # [code, group, quotes embedded, quotes in all]
    available = capped = 0
    for code_number, line in enumerate(report.lines):
        for group in group_names:
            items = quotes.get((line.path, group), [])
            if not items:
                continue
            kept = items if max_quotes is None else items[:max_quotes]
            available += len(items)
            capped += len(kept) < len(items)
            totals.append([code_number, group_index[group], len(kept), len(items)])
            for item in kept:
                segment = item.segment
                key = segment.segment_id
                if key not in segment_index:
                    if item.document_name not in document_index:
                        document_index[item.document_name] = len(document_rows)
                        document_rows.append(_document_row(by_name[item.document_name], report))
                    segment_index[key] = len(segment_rows)
                    row = [
                        document_index[item.document_name],
                        segment.speaker or "",
                        segment.timestamp or "",
                        segment.text,
                        segment.language or "",
                    ]
                    if finder is not None:
                        around = finder.around(segment, context)
                        question = around.question
                        row.append(
                            [
                                question.quoted()
                                if question and question not in around.before
                                else "",
                                [turn.quoted() for turn in around.before],
                                [turn.quoted() for turn in around.after],
                            ]
                        )
                    segment_rows.append(row)
                spans = [
                    offset
                    for span in utf16_spans(segment.text, evidence_spans(item))
                    for offset in span
                ]
                quote_rows.append([code_number, segment_index[key], spans])
        if progress is not None:
            progress(code_number + 1, len(report.lines))
    data = {
        "by": report.by,
        "groups": group_names,
        "codes": [
            {
                "path": line.path,
                "label": line.label,
                "depth": line.depth,
                "colour": colours[line.path],
            }
            for line in report.lines
        ],
        "documents": document_rows,
        "segments": segment_rows,
        "quotes": quote_rows,
        "totals": totals,
    }
    return data, QuoteCounts(len(quote_rows), available, capped)


def _document_row(document: Document, report: Report) -> dict[str, Any]:
    return {
        "name": document.name,
        "group": group_value(document, report.by),
        "attributes": dict(sorted(document.attributes.items())),
    }


def utf16_spans(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Code-point spans of ``text`` as UTF-16 code-unit spans (JavaScript string indexes)."""
    if not spans or not text or max(text) <= "\uffff":
        return list(spans)

    def units(index: int) -> int:
        return len(text[:index].encode("utf-16-le")) // 2

    return [(units(start), units(end)) for start, end in spans]


# -- pieces of the page: what the template (exports/html/report.html.j2) lays out -----------------


def _digest(source: str) -> str:
    """A Content-Security-Policy hash source allowing exactly this inline block."""
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode()


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class _Facts:
    project: str
    run: CodingRun | None
    codebooks: str
    coder: str
    filters: str
    made_iso: str
    made: str
    quotes: str


def _facts(
    store: Store, report: Report, made: datetime, counts: QuoteCounts, max_quotes: int | None
) -> _Facts:
    if counts.capped and max_quotes is not None:
        quotes = (
            f"{counts.embedded:,} of {counts.available:,} in this report "
            f"(at most {max_quotes:,} per code and {report.by})"
        )
    else:
        quotes = f"all {counts.available:,}"
    run = store.latest_run(report.coder)
    return _Facts(
        project=store.path.name,
        run=run,
        codebooks="" if run else ", ".join(store.coder_codebooks(report.coder)) or DASH,
        coder=report.coder,
        filters=", ".join(f"{k} = {v}" for k, v in report.filters) or "all documents",
        made_iso=made.isoformat(),
        made=_when(made),
        quotes=quotes,
    )


@dataclass(frozen=True)
class _DocumentsTable:
    languages: list[str]
    rows: list[tuple[str, list[int]]]  # group (then "total") and its documents per language


def _documents_table(documents: Sequence[Document], by: str) -> _DocumentsTable:
    """Documents per group (rows) and language (columns), with totals."""
    counts = Counter((group_value(d, by), d.language or DASH) for d in documents)
    groups = sorted({g for g, _ in counts}, key=lambda g: (g == NO_VALUE, g))
    languages = sorted({language for _, language in counts})
    rows = []
    for group in [*groups, None]:
        cells = [
            sum(n for (g, lang), n in counts.items() if lang == language and group in (None, g))
            for language in languages
        ]
        rows.append(("total" if group is None else group, cells))
    return _DocumentsTable(languages, rows)


@dataclass(frozen=True)
class _Figure:
    label: str
    description: str
    svg: _Chart


def _chart_figure(
    theme: CodeLine,
    lines: Sequence[CodeLine],
    report: Report,
    comparison: Comparison | None,
    codes: dict[str, CodeRecord],
) -> _Figure:
    description = " ".join((codes[theme.path].description if theme.path in codes else "").split())
    return _Figure(theme.label, description, chart_geometry(lines, report, comparison))


@dataclass(frozen=True)
class _Bar:
    group: str
    share: str  # repr of the share, for data-share
    segments: int
    tooltip: str
    y: str
    width: str
    fill: int  # the group's pattern
    whisker: str
    value_x: str
    value_y: str
    value: str


@dataclass(frozen=True)
class _ChartRow:
    classes: str
    x: int
    y: str
    path: str
    title: str
    label: str
    significant: bool
    bars: list[_Bar]


@dataclass(frozen=True)
class _Tick:
    x: str
    label: str


@dataclass(frozen=True)
class _Chart:
    width: int
    height: int
    label_width: int
    bar_height: int
    axis_x: str
    axis_y: int
    ticks: list[_Tick]
    rows: list[_ChartRow]


def chart_geometry(
    lines: Sequence[CodeLine], report: Report, comparison: Comparison | None
) -> _Chart:
    """Horizontal grouped bars of the share per group for these lines, with Wilson whiskers.

    Every bar carries ``data-code``, ``data-group`` and ``data-share`` and a tooltip with its
    numbers; a significant difference is starred beside the code's label. Coordinates come
    formatted, as the SVG gets them."""
    data = chart_data(report, comparison, paths=[line.path for line in lines])
    group_count = len(data.groups)
    index = {g.name: i for i, g in enumerate(report.groups)}
    band = group_count * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + BAND_PADDING
    height = len(lines) * band + AXIS_HEIGHT
    plot = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    highest = max((h for row in data.highs for h in row if not math.isnan(h)), default=0.0)
    top, step = _axis(highest)
    base_depth = min(line.depth for line in lines)

    def x(share: float) -> float:
        return LABEL_WIDTH + plot * (0.0 if math.isnan(share) else share) / top

    ticks = [
        _Tick(f"{x(tick):.1f}", f"{100 * tick:g}%")
        for tick in (n * step for n in range(round(top / step) + 1))
    ]
    rows = []
    for row, line in enumerate(lines):
        y0 = row * band + BAND_PADDING / 2
        significant = data.significant[row]
        classes = ["label"]
        if line is lines[0] and len(lines) > 1:
            classes.append("theme")
        if significant:
            classes.append("significant")
        indent = INDENT * (line.depth - base_depth)
        label = _cut(line.label, int((LABEL_WIDTH - 14 - indent) / CHAR_WIDTH) - 2 * significant)
        bars = []
        for j, group in enumerate(data.groups):
            cell = line.cells[index[group]]
            denominator = report.groups[index[group]].segments
            share, low, high = data.shares[row][j], data.lows[row][j], data.highs[row][j]
            y = y0 + j * (BAR_HEIGHT + BAR_GAP)
            middle = y + BAR_HEIGHT / 2
            tooltip = (
                f"{line.label}, {group}: {percent(share)} of in-scope segments "
                f"({cell.segments:,} of {denominator:,}); 95% interval "
                f"{percent(low)} to {percent(high)}"
            )
            whisker = (
                f"M{x(low):.1f},{middle:.1f}H{x(high):.1f}"
                f"M{x(low):.1f},{middle - 3:.1f}v6M{x(high):.1f},{middle - 3:.1f}v6"
            )
            bars.append(
                _Bar(
                    group=group,
                    share=repr(share),
                    segments=cell.segments,
                    tooltip=tooltip,
                    y=f"{y:.1f}",
                    width=f"{x(share) - LABEL_WIDTH:.2f}",
                    fill=j,
                    whisker=whisker,
                    value_x=f"{max(x(share), x(high)) + 4:.1f}",
                    value_y=f"{middle + 4:.1f}",
                    value=percent(share),
                )
            )
        rows.append(
            _ChartRow(
                classes=" ".join(classes),
                x=4 + indent,
                y=f"{y0 + (band - BAND_PADDING) / 2 + 4:.1f}",
                path=line.path,
                title=_label_title(line, comparison),
                label=label,
                significant=significant,
                bars=bars,
            )
        )
    return _Chart(
        width=CHART_WIDTH,
        height=height,
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        axis_x=f"{LABEL_WIDTH + plot / 2:.1f}",
        axis_y=len(lines) * band,
        ticks=ticks,
        rows=rows,
    )


def _axis(highest: float) -> tuple[float, float]:
    """The axis end and the tick step: at most five steps of 1, 2, 2.5 or 5 × 10ⁿ %, ≤ 100 %."""
    for step in (0.01, 0.02, 0.025, 0.05, 0.1, 0.2):
        steps = max(1, math.ceil(highest / step - 1e-9))
        if steps <= 5:
            return steps * step, step
    return 1.0, 0.25


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)].rstrip() + "…"


def _label_title(line: CodeLine, comparison: Comparison | None) -> str:
    title = f"{line.label} ({line.path})"
    if comparison is None:
        return title
    code = comparison.for_path(line.path)
    p = p_text(code.segments.p_adjusted)
    verdict = "significant difference" if code.significant else "no significant difference"
    return f"{title}: {verdict}, adjusted p {p}"


@dataclass(frozen=True)
class _Cell:
    """A table cell: its raw value for sorting (``data-value``, empty when there is none), its
    text, and for a share its group and count, for a p-value whether it is starred."""

    value: str
    text: str
    group: str | None = None
    count: str = ""
    star: bool = False


@dataclass(frozen=True)
class _TableRow:
    classes: str
    path: str
    label: str
    sort_value: str
    cells: list[_Cell]


@dataclass(frozen=True)
class _ComparisonTable:
    caption: str
    headers: list[str]
    rows: list[_TableRow]


def _comparison_table(report: Report, comparison: Comparison | None) -> _ComparisonTable:
    """Every code with its share per group and, when compared, the effect and the p-values."""
    index = {g.name: i for i, g in enumerate(report.groups)}
    if comparison is not None:
        effect = "diff, pp [95% CI]" if comparison.effect == DIFFERENCE else "V [95% CI]"
        groups = list(comparison.groups)
        headers = ["Code", *groups, effect, "p adj", "int p adj"]
        caption = f"Comparison by {report.by}: share of in-scope segments, tests and effects"
    else:
        groups = [g.name for g in report.groups]
        headers = ["Code", *groups, "total", "interviews"]
        caption = f"Share of in-scope segments by {report.by}"
    denominators = [*report.groups, report.total]
    rows = []
    for line in report.lines:
        cells = []
        for name in groups:
            cell = line.cells[index[name]]
            group = denominators[index[name]]
            cells.append(_share_cell(cell.share, cell.segments, group.segments, name))
        code = comparison.for_path(line.path) if comparison is not None else None
        if code is not None:
            cells.append(_cell(effect_text(code.effect), code.effect.value))
            cells.append(_p_cell(code.segments.p_adjusted))
            cells.append(_p_cell(code.interviews.p_adjusted))
        else:
            total = line.cells[-1]
            cells.append(_share_cell(total.share, total.segments, report.total.segments, "total"))
            cells.append(
                _cell(f"{total.interviews:,}/{report.total.interviews:,}", total.interviews)
            )
        classes = [f"depth-{min(line.depth, 4)}"]
        if code is not None and code.significant:
            classes.append("significant")
        rows.append(
            _TableRow(" ".join(classes), line.path, line.label, line.label.casefold(), cells)
        )
    return _ComparisonTable(caption, headers, rows)


def _cell(text: str, value: float | int) -> _Cell:
    return _Cell("" if isinstance(value, float) and math.isnan(value) else repr(value), text)


def _share_cell(share: float, segments: int, denominator: int, group: str) -> _Cell:
    raw = "" if math.isnan(share) else repr(share)
    return _Cell(raw, percent(share), group=group, count=f"{segments:,} of {denominator:,}")


def _p_cell(p: float) -> _Cell:
    text = p_text(p, mark=True)
    if text.endswith("*"):
        return _Cell(repr(p), text[:-1], star=True)
    return _cell(text, p)


def _attribute_filters(
    shown_documents: Sequence[dict[str, Any]], by: str
) -> list[tuple[str, list[str]]]:
    """Each document attribute but the grouping one, with its values, when it has two or more
    (a filter that cannot narrow anything is left out)."""
    keys = sorted({k for d in shown_documents for k in d["attributes"]} - {by})
    filters = []
    for key in keys:
        values = sorted({d["attributes"][key] for d in shown_documents if key in d["attributes"]})
        if len(values) >= 2:
            filters.append((key, values))
    return filters


@dataclass(frozen=True)
class _MemoItem:
    on: str
    author: str
    created_at: str
    text: str


def _memo_item(memo: Memo) -> _MemoItem:
    """A memo with what it is on, its author and time."""
    on = "the project" if memo.target is MemoTarget.PROJECT else memo.reference
    if not memo.segment_current:
        on += " (an earlier version of the document)"
    return _MemoItem(on, memo.author, memo.created_at, memo.text)
