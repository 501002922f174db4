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

Interview text is data, never markup: every string that goes into the HTML is escaped here, the
JSON block escapes ``<``, ``>`` and ``&`` so no text can close it, and the script writes text with
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
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from qualcode import __version__
from qualcode.context import ContextFinder
from qualcode.defaults import DEFAULT_MAX_QUOTES
from qualcode.exports.charts import PALETTE, SIGNIFICANT_NOTE, chart_data
from qualcode.exports.display import (
    DASH,
    DisplayTable,
    effect_text,
    groups_table,
    p_text,
    percent,
    report_notes,
)
from qualcode.exports.sections import QuoteKey, evidence_spans, report_quotes, themes
from qualcode.models import Document, Memo, MemoTarget
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
from qualcode.store import CodedSegment, CodeRecord, Store

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
    title = f"Coded interviews by {report.by}: {store.path.name}"
    groups = [g.name for g in report.groups if g.segments > 0]
    shown = {d.document_id for d in documents}
    memos = [m for m in store.memos() if m.document_id is None or m.document_id in shown]
    body = "\n".join(
        [
            _pattern_definitions(groups),
            '<a class="skip" href="#quotes">Skip to the quotes</a>',
            "<header>",
            f"<h1>{escape(title)}</h1>",
            _facts(store, report, made, counts, max_quotes),
            _navigation(with_memos=bool(memos)),
            "</header>",
            "<main>",
            _overview(report, comparison, documents),
            _comparison_section(report, comparison, codes, groups),
            _quotes_section(report, data, counts, max_quotes),
            _memos_section(memos),
            "</main>",
            f"<footer><p>Made by qualcode {escape(__version__)} on "
            f"{escape(_when(made))}. The page works offline and fetches nothing.</p></footer>",
        ]
    )
    style = _asset("report.css")
    script = _asset("report.js")
    policy = (
        f"default-src 'none'; script-src '{_digest(script)}'; style-src '{_digest(style)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{escape(policy, quote=False)}">
<meta name="generator" content="qualcode {escape(__version__)}">
<title>{escape(title)}</title>
<style>{style}</style>
</head>
<body>
{body}
<script type="application/json" id="qualcode-data">{json_for_html(data)}</script>
<script>{script}</script>
</body>
</html>
"""
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


# -- pieces of the page --------------------------------------------------------------------------


def _asset(name: str) -> str:
    return (resources.files("qualcode.exports") / "html" / name).read_text(encoding="utf-8")


def _digest(source: str) -> str:
    """A Content-Security-Policy hash source allowing exactly this inline block."""
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode()


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _facts(
    store: Store, report: Report, made: datetime, counts: QuoteCounts, max_quotes: int | None
) -> str:
    run = store.latest_run(report.coder)
    if run is not None:
        codebook = (
            f"{escape(run.codebook_name)} {escape(run.codebook_version)}, content hash "
            f'<code class="hash">{escape(run.codebook_hash)}</code>'
        )
    else:
        codebook = escape(", ".join(store.coder_codebooks(report.coder)) or DASH)
    filters = ", ".join(f"{k} = {v}" for k, v in report.filters) or "all documents"
    if counts.capped and max_quotes is not None:
        quotes = (
            f"{counts.embedded:,} of {counts.available:,} in this report "
            f"(at most {max_quotes:,} per code and {report.by})"
        )
    else:
        quotes = f"all {counts.available:,}"
    rows = [
        ("Project", escape(store.path.name)),
        ("Codebook", codebook),
        ("Coder", escape(report.coder)),
        ("Documents", escape(filters)),
        ("Made", f'<time datetime="{made.isoformat()}">{escape(_when(made))}</time>'),
        ("Quotes", escape(quotes)),
    ]
    items = "".join(f"<div><dt>{name}</dt><dd>{value}</dd></div>" for name, value in rows)
    return f'<dl class="facts">{items}</dl>'


def _navigation(*, with_memos: bool = False) -> str:
    links = [("overview", "Overview"), ("comparison", "Comparison"), ("quotes", "Quotes")]
    if with_memos:
        links.append(("memos", "Memos"))
    items = "".join(f'<li><a href="#{target}">{label}</a></li>' for target, label in links)
    return f'<nav aria-label="Sections"><ul>{items}</ul></nav>'


def _overview(report: Report, comparison: Comparison | None, documents: Sequence[Document]) -> str:
    notes = "".join(f"<p>{escape(note)}</p>" for note in report_notes(report, comparison))
    return "\n".join(
        [
            '<section id="overview" aria-labelledby="overview-title">',
            '<h2 id="overview-title">Overview</h2>',
            '<div class="side-by-side">',
            _documents_table(documents, report.by),
            _display_table(groups_table(report), "groups-table"),
            "</div>",
            f'<div class="notes">{notes}</div>',
            "</section>",
        ]
    )


def _documents_table(documents: Sequence[Document], by: str) -> str:
    """Documents per group (rows) and language (columns), with totals."""
    counts = Counter((group_value(d, by), d.language or DASH) for d in documents)
    groups = sorted({g for g, _ in counts}, key=lambda g: (g == NO_VALUE, g))
    languages = sorted({language for _, language in counts})
    head = "".join(f'<th scope="col">{escape(language)}</th>' for language in languages)
    rows = []
    for group in [*groups, None]:
        cells = [
            sum(n for (g, lang), n in counts.items() if lang == language and group in (None, g))
            for language in languages
        ]
        name = "total" if group is None else group
        rows.append(
            f'<tr><th scope="row">{escape(name)}</th>'
            + "".join(f"<td>{n:,}</td>" for n in cells)
            + f"<td>{sum(cells):,}</td></tr>"
        )
    return (
        '<table class="numbers" id="documents-table">'
        f"<caption>Documents by {escape(by)} and language</caption>"
        f'<thead><tr><th scope="col">{escape(by)}</th>{head}<th scope="col">all</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _display_table(table: DisplayTable, table_id: str) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in table.headers)
    rows = "".join(
        f'<tr><th scope="row">{escape(row[0])}</th>'
        + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in table.rows
    )
    notes = "".join(f'<p class="note">{escape(note)}</p>' for note in table.notes)
    return (
        f'<div><table class="numbers" id="{table_id}"><caption>{escape(table.title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{notes}</div>"
    )


def _pattern_definitions(groups: Sequence[str]) -> str:
    """One fill per group: the group's colour with a texture of its own (solid, stripes, dots,
    grid, …), so that bars are told apart in grey print and by colour-blind readers."""
    textures = [
        "",
        '<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="#fff" stroke-width="1.4"/>',
        '<circle cx="3" cy="3" r="1.3" fill="#fff"/>',
        '<path d="M0,3 h6 M3,0 v6" stroke="#fff" stroke-width="1"/>',
        '<path d="M0,1.5 h6 M0,4.5 h6" stroke="#fff" stroke-width="1"/>',
        '<path d="M-1,5 l2,2 M0,0 l6,6 M5,-1 l2,2" stroke="#fff" stroke-width="1.4"/>',
    ]
    patterns = "".join(
        f'<pattern id="qc-group-{j}" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{PALETTE[j % len(PALETTE)]}"/>'
        f"{textures[j % len(textures)]}</pattern>"
        for j in range(len(groups))
    )
    return f'<svg class="defs" aria-hidden="true" focusable="false"><defs>{patterns}</defs></svg>'


def _legend(groups: Sequence[str]) -> str:
    items = "".join(
        f'<li><svg width="22" height="14" aria-hidden="true" focusable="false">'
        f'<rect width="22" height="14" fill="url(#qc-group-{j})" stroke="#333" stroke-width=".5"/>'
        f"</svg>{escape(name)}</li>"
        for j, name in enumerate(groups)
    )
    return f'<ul class="legend" aria-label="Groups in the charts">{items}</ul>'


def _comparison_section(
    report: Report,
    comparison: Comparison | None,
    codes: dict[str, CodeRecord],
    groups: Sequence[str],
) -> str:
    parts = [
        '<section id="comparison" aria-labelledby="comparison-title">',
        f'<h2 id="comparison-title">Comparison by {escape(report.by)}</h2>',
    ]
    if groups:
        parts.append(
            "<p>Share of in-scope segments coded with each code, per "
            f"{escape(report.by)}, with its 95% Wilson interval. A parent code counts a segment "
            "coded with it or any of its sub-codes."
            + (f" {escape(SIGNIFICANT_NOTE)}." if comparison is not None else "")
            + "</p>"
        )
        parts.append(_legend(groups))
        for number, (theme, lines) in enumerate(themes(report.lines)):
            parts.append(_chart_figure(number, theme, lines, report, comparison, codes))
    parts.append(_comparison_table(report, comparison))
    parts.append("</section>")
    return "\n".join(parts)


def _chart_figure(
    number: int,
    theme: CodeLine,
    lines: Sequence[CodeLine],
    report: Report,
    comparison: Comparison | None,
    codes: dict[str, CodeRecord],
) -> str:
    description = " ".join((codes[theme.path].description if theme.path in codes else "").split())
    return (
        f'<figure class="chart" aria-labelledby="chart-{number}-title">'
        f'<h3 id="chart-{number}-title">{escape(theme.label)}</h3>'
        + (f'<p class="description">{escape(description)}</p>' if description else "")
        + chart_svg(number, lines, report, comparison)
        + "</figure>"
    )


def chart_svg(
    number: int, lines: Sequence[CodeLine], report: Report, comparison: Comparison | None
) -> str:
    """Horizontal grouped bars of the share per group for these lines, with Wilson whiskers.

    Every bar carries ``data-code``, ``data-group`` and ``data-share`` and a tooltip with its
    numbers; a significant difference is starred beside the code's label."""
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

    parts = [
        f'<svg class="bars" viewBox="0 0 {CHART_WIDTH} {height}" role="img" '
        f'aria-labelledby="chart-{number}-title chart-{number}-desc">'
        f'<desc id="chart-{number}-desc">Share of in-scope segments per {escape(report.by)}; '
        "the table below gives the same numbers.</desc>"
    ]
    axis_y = len(lines) * band
    for number_of_steps in range(round(top / step) + 1):
        tick = number_of_steps * step
        parts.append(
            f'<line class="grid" x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="0" y2="{axis_y}"/>'
            f'<text class="tick" x="{x(tick):.1f}" y="{axis_y + 14}">{100 * tick:g}%</text>'
        )
    parts.append(
        f'<text class="axis-title" x="{LABEL_WIDTH + plot / 2:.1f}" y="{axis_y + 30}">'
        "share of in-scope segments (%), 95% interval</text>"
    )
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
        mark = '<tspan class="star"> *</tspan>' if significant else ""
        parts.append(
            f'<text class="{" ".join(classes)}" x="{4 + indent}" '
            f'y="{y0 + (band - BAND_PADDING) / 2 + 4:.1f}" data-code="{escape(line.path)}">'
            f"<title>{escape(_label_title(line, comparison))}</title>{escape(label)}{mark}</text>"
        )
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
            parts.append(
                f'<g class="bar" data-code="{escape(line.path)}" data-group="{escape(group)}" '
                f'data-share="{share!r}" data-segments="{cell.segments}">'
                f"<title>{escape(tooltip)}</title>"
                f'<rect x="{LABEL_WIDTH}" y="{y:.1f}" width="{x(share) - LABEL_WIDTH:.2f}" '
                f'height="{BAR_HEIGHT}" fill="url(#qc-group-{j})"/>'
                f'<path class="whisker" d="M{x(low):.1f},{middle:.1f}H{x(high):.1f}'
                f'M{x(low):.1f},{middle - 3:.1f}v6M{x(high):.1f},{middle - 3:.1f}v6"/>'
                f'<text class="value" x="{max(x(share), x(high)) + 4:.1f}" y="{middle + 4:.1f}">'
                f"{percent(share)}</text></g>"
            )
    parts.append("</svg>")
    return "".join(parts)


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


def _comparison_table(report: Report, comparison: Comparison | None) -> str:
    """Every code with its share per group and, when compared, the effect and the p-values.

    Each cell carries its raw value in ``data-value`` (empty when there is none) for sorting."""
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
    head = "".join(
        f'<th scope="col" data-column="{i}"><button type="button" class="sort">'
        f'{escape(h)}<span class="arrow" aria-hidden="true"></span></button></th>'
        for i, h in enumerate(headers)
    )
    denominators = [*report.groups, report.total]
    rows = []
    for order, line in enumerate(report.lines):
        cells = []
        for name in groups:
            cell = line.cells[index[name]]
            group = denominators[index[name]]
            cells.append(_share_cell(cell.share, cell.segments, group.segments, name))
        code = comparison.for_path(line.path) if comparison is not None else None
        if code is not None:
            effect_value = code.effect.value
            cells.append(_cell(effect_text(code.effect), effect_value))
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
            f'<tr class="{" ".join(classes)}" data-code="{escape(line.path)}" '
            f'data-order="{order}"><th scope="row" data-value="{escape(line.label.casefold())}">'
            f'<span class="code-label">{escape(line.label)}</span> '
            f'<span class="path">{escape(line.path)}</span></th>{"".join(cells)}</tr>'
        )
    return (
        '<table class="numbers sortable" id="comparison-table">'
        f"<caption>{escape(caption)}. Select a column heading to sort by it.</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _cell(text: str, value: float | int) -> str:
    raw = "" if isinstance(value, float) and math.isnan(value) else repr(value)
    return f'<td data-value="{raw}">{escape(text)}</td>'


def _share_cell(share: float, segments: int, denominator: int, group: str) -> str:
    raw = "" if math.isnan(share) else repr(share)
    return (
        f'<td data-value="{raw}" data-group="{escape(group)}">{percent(share)}'
        f'<span class="count">{segments:,} of {denominator:,}</span></td>'
    )


def _p_cell(p: float) -> str:
    text = p_text(p, mark=True)
    if text.endswith("*"):
        return (
            f'<td data-value="{p!r}" class="significant">{escape(text[:-1])}'
            '<span class="star" title="adjusted p &lt; 0.05">*</span></td>'
        )
    return _cell(text, p)


def _quotes_section(
    report: Report,
    data: dict[str, Any],
    counts: QuoteCounts,
    max_quotes: int | None,
) -> str:
    """The filters (drawn here, so that they exist and are labelled without the script) and the
    places where the script shows the quotes."""
    shown_documents = data["documents"]
    indent = "\u00a0\u00a0"  # an option cannot hold markup: the tree is drawn with spaces
    code_options = "".join(
        f'<option value="{i}">{indent * code["depth"]}{escape(code["label"])}</option>'
        for i, code in enumerate(data["codes"])
    )
    group_options = "".join(
        f'<option value="{i}">{escape(name)}</option>' for i, name in enumerate(data["groups"])
    )
    document_options = "".join(
        f'<option value="{i}">{escape(d["name"])}</option>'
        for i, d in sorted(enumerate(shown_documents), key=lambda pair: pair[1]["name"])
    )
    keys = sorted({k for d in shown_documents for k in d["attributes"]} - {report.by})
    attribute_fields: list[str] = []
    for key in keys:
        values = sorted({d["attributes"][key] for d in shown_documents if key in d["attributes"]})
        if len(values) < 2:  # a filter that cannot narrow anything
            continue
        number = len(attribute_fields)
        options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
        attribute_fields.append(
            f'<div class="field"><label for="filter-attribute-{number}">{escape(key)}</label>'
            f'<select id="filter-attribute-{number}" class="attribute" '
            f'data-key="{escape(key)}"><option value="">any</option>{options}</select></div>'
        )
    attributes = ""
    if attribute_fields:  # many attributes (Word properties…) fold away, to keep quotes in view
        opened = " open" if len(attribute_fields) <= OPEN_ATTRIBUTES else ""
        attributes = (
            f'<details class="attributes"{opened}><summary>Document attributes '
            f'<span id="attributes-count">({len(attribute_fields)})</span></summary>'
            f'<div class="attribute-fields">{"".join(attribute_fields)}</div></details>'
        )
    by = escape(report.by)
    cap_note = ""
    if max_quotes is not None and counts.capped:
        cap_note = (
            f'<p class="note" id="cap-note">This report holds at most {max_quotes:,} quotes per '
            f"code and {by} ({counts.embedded:,} of {counts.available:,}): the first ones in "
            f"document order. {counts.capped:,} code and {by} pairs have more. "
            "<code>qualcode export segments</code> lists them all; "
            "<code>--max-quotes 0</code> embeds them all.</p>"
        )
    return f"""<section id="quotes" aria-labelledby="quotes-title">
<h2 id="quotes-title">Quotes</h2>
<p>The in-scope segments coded with each code, as coded (a segment coded with a code and one of its
sub-codes appears under each), grouped by {by}, with the evidence
<mark class="sample">highlighted</mark>.</p>
{cap_note}
<form id="filters" class="filters" role="search" aria-label="Filter the quotes">
<div class="field"><label for="filter-code">Code</label>
<select id="filter-code"><option value="">all codes</option>{code_options}</select></div>
<div class="field"><label for="filter-group">{by.capitalize()}</label>
<select id="filter-group"><option value="">all</option>{group_options}</select></div>
<div class="field"><label for="filter-document">Interview</label>
<select id="filter-document"><option value="">all</option>{document_options}</select></div>
{attributes}
<div class="field search"><label for="filter-search">Search the quotes</label>
<input type="search" id="filter-search" autocomplete="off"
 aria-describedby="search-help"><span id="search-help" class="help">Every word must
 appear in the text, speaker or interview; accents and case are ignored.</span></div>
<div class="field"><label for="page-size">Quotes per page</label>
<select id="page-size"><option>20</option><option selected>50</option><option>100</option>
<option>200</option></select></div>
<div class="field actions"><button type="reset" id="filter-clear">Clear filters</button></div>
</form>
<p id="quote-status" class="status" role="status" aria-live="polite"></p>
<p id="print-status" class="print-only"></p>
<nav class="pager" aria-label="Pages of quotes, top"></nav>
<div id="quote-list" tabindex="-1"><noscript><p>The quotes are shown by the page's script:
allow JavaScript for this file, or use <code>qualcode export quotes</code> for a Word
file.</p></noscript></div>
<nav class="pager" aria-label="Pages of quotes, bottom"></nav>
</section>"""


def _memos_section(memos: Sequence[Memo]) -> str:
    """The memos, each with what it is on, its author and time; empty when there are none."""
    if not memos:
        return ""
    items = []
    for memo in memos:
        on = "the project" if memo.target is MemoTarget.PROJECT else memo.reference
        if not memo.segment_current:
            on += " (an earlier version of the document)"
        items.append(
            f'<li><p class="memo-on"><strong>{escape(on)}</strong> · {escape(memo.author)} · '
            f'<time datetime="{escape(memo.created_at)}">{escape(memo.created_at)}</time></p>'
            f'<p class="memo-text">{escape(memo.text)}</p></li>'
        )
    return (
        '<section id="memos" aria-labelledby="memos-title">\n'
        '<h2 id="memos-title">Memos</h2>\n'
        f'<ul class="memos">{"".join(items)}</ul>\n</section>'
    )
