"""report, and the export group (segments, quotes)."""

from __future__ import annotations

import textwrap
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.app import app, export_app, state
from qualcode.cli.options import (
    ByOption,
    CityOption,
    CodesOption,
    WhereOption,
    WhoseCodingsOption,
    context_option,
    document_filters,
)
from qualcode.cli.progress import progress_bar
from qualcode.cli.views import fitted_table, terminal_width
from qualcode.defaults import DEFAULT_MAX_QUOTES

if TYPE_CHECKING:
    from qualcode.exports.display import DisplayTable
    from qualcode.report import ReportOptions


def _options(
    by: str,
    coder: str | None,
    code: list[str] | None,
    city: str | None,
    where: list[str] | None,
    leaves: bool = False,
) -> ReportOptions:
    from qualcode.report import ReportOptions

    return ReportOptions(
        by=by.strip().lower(),
        coder=coder,
        codes=tuple(code or ()),
        filters=document_filters(city, where),
        leaves_only=leaves,
    )


def _echo_notes(notes: list[str]) -> None:
    width = min(terminal_width(), 100)
    for note in notes:
        typer.echo(textwrap.fill(note, width=width, subsequent_indent="  "))


def _echo_table(table: DisplayTable) -> None:
    typer.echo("")
    typer.echo(table.title)
    typer.echo(
        fitted_table(
            table.headers, table.rows, align=table.align, keep=table.keep, shrink=table.shrink
        )
    )
    _echo_notes(list(table.notes))


@app.command("report")
def report_command(
    by: ByOption = "city",
    coder: WhoseCodingsOption = None,
    code: CodesOption = None,
    city: CityOption = None,
    where: WhereOption = None,
    leaves: Annotated[
        bool, typer.Option("--leaves", help="Show only codes without sub-codes.")
    ] = False,
    compare_groups: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Groups side by side with a test per code (Fisher's exact for two groups, "
            "chi-square for more), Benjamini-Hochberg adjusted.",
        ),
    ] = False,
    cooccurrence: Annotated[
        bool, typer.Option("--cooccurrence", help="Also print the code × code co-occurrence table.")
    ] = False,
    documents: Annotated[
        bool, typer.Option("--documents", help="Also print the code × document matrix.")
    ] = False,
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart",
            help="Write a bar chart of shares per group (.png or .svg).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write every table as CSV, report.xlsx and report.md here.",
            show_default=False,
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Write a self-contained HTML page: charts, the sortable table and the quotes "
            "with filters and search. It works offline.",
            show_default=False,
        ),
    ] = None,
    max_quotes: Annotated[
        int,
        typer.Option(
            "--max-quotes",
            help="With --html: at most this many quotes per code and group in the page "
            "(0: all, which makes large projects large pages).",
            min=0,
        ),
    ] = DEFAULT_MAX_QUOTES,
    context: Annotated[
        int | None,
        context_option(
            "With --html: show each quote's question and N turns either side (0: the question "
            "only)."
        ),
    ] = None,
) -> None:
    """Theme frequencies per city (or any attribute): segments coded, share, interviews, rate.

    Example: qualcode report --compare --chart shares.png --out report/ --html report.html

    Counts are of in-scope segments (respondent turns and turns of unknown speaker; interviewer
    and chair turns are left out) and parent codes count their sub-codes. --compare tests, per code,
    whether the share differs between groups; segments of one interview are not independent, so
    the interview-level test it also shows is the conservative one.
    """
    from qualcode.exports.charts import chart_data, chart_format, write_chart
    from qualcode.exports.display import report_display_tables, report_notes
    from qualcode.exports.html_report import write_html_report
    from qualcode.exports.tables import write_report_files
    from qualcode.report import build_report, compare

    options = _options(by, coder, code, city, where, leaves)
    if chart is not None:
        chart_format(chart)
    with state.open_store() as store:
        report = build_report(store, options)
    comparison = compare(report) if compare_groups else None
    _echo_notes(report_notes(report, None))
    tables = report_display_tables(
        report,
        comparison,
        style="terminal",
        frequencies=comparison is None,  # the comparison shows the shares side by side instead
        cooccurrence=cooccurrence,
        documents=documents,
    )
    for table in tables:
        _echo_table(table)
    written = []
    if chart is not None:
        written.append(write_chart(chart_data(report, comparison), chart))
    if out is not None:
        written += write_report_files(report, comparison, out)
    notes = []
    if html is not None:
        with state.open_store() as store, progress_bar("Writing the HTML report") as progress:
            page = write_html_report(
                store,
                options,
                report,
                comparison,
                html,
                max_quotes=max_quotes or None,
                context=context,
                progress=progress,
            )
        written.append(page.path)
        if page.quotes.capped:
            notes.append(
                f"The HTML report holds {page.quotes.embedded:,} of {page.quotes.available:,} "
                f"quotes, at most {max_quotes:,} per code and {options.by} (--max-quotes 0: all)."
            )
    if written:
        typer.echo("")
    for path in written:
        typer.echo(f"Wrote {path}")
    _echo_notes(notes)


class QuoteFormat(StrEnum):
    DOCX = "docx"


@export_app.command("segments")
def export_segments(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="File to write (.csv or .xlsx); default: CSV on stdout.",
            show_default=False,
        ),
    ] = None,
    matrix: Annotated[
        Path | None,
        typer.Option(
            "--matrix",
            help="Also write the 0/1 segment × code matrix (.csv or .xlsx).",
            show_default=False,
        ),
    ] = None,
    coder: WhoseCodingsOption = None,
    code: CodesOption = None,
    city: CityOption = None,
    where: WhereOption = None,
    context: Annotated[
        int | None,
        context_option(
            "Add the question before each segment and N turns either side (0: the question "
            "only) as columns."
        ),
    ] = None,
) -> None:
    """Coded segments, one row per segment and code, with every document attribute.

    Example: qualcode export segments --out segments.xlsx --matrix matrix.csv

    Columns are documented in docs/exports.md. With --matrix and no --out only the matrix is
    written; with neither, the segments go to stdout as CSV.
    """
    from qualcode.exports.segments import coded_segments_frame, segment_matrix_frame
    from qualcode.exports.spreadsheet import csv_text, write_table

    options = _options("city", coder, code, city, where)
    with state.open_store() as store:
        if out is not None or matrix is None:
            with progress_bar("Reading codings") as progress:
                coder_name, frame = coded_segments_frame(
                    store,
                    coder=options.coder,
                    codes=options.codes,
                    filters=options.filters,
                    context=context,
                    progress=progress,
                )
            if out is None:
                typer.echo(csv_text(frame), nl=False)
            else:
                write_table(frame, out, "segments")
                typer.echo(f"Wrote {len(frame):,} coded segments by {coder_name} to {out}")
        if matrix is not None:
            with progress_bar("Reading segments") as progress:
                coder_name, frame = segment_matrix_frame(
                    store,
                    coder=options.coder,
                    codes=options.codes,
                    filters=options.filters,
                    progress=progress,
                )
            write_table(frame, matrix, "matrix")
            codes = sum(1 for c in frame.columns[frame.columns.get_loc("in_scope") + 1 :])
            typer.echo(
                f"Wrote the {len(frame):,} × {codes} segment × code matrix of {coder_name} "
                f"to {matrix}"
            )


@export_app.command("quotes")
def export_quotes(
    out: Annotated[Path, typer.Option("--out", help="The Word file to write.")],
    format: Annotated[
        QuoteFormat, typer.Option("--format", help="File format.")
    ] = QuoteFormat.DOCX,
    by: ByOption = "city",
    coder: WhoseCodingsOption = None,
    code: CodesOption = None,
    city: CityOption = None,
    where: WhereOption = None,
    max_quotes: Annotated[
        int,
        typer.Option(
            "--max-quotes", help="At most this many quotes per code and group (0: all).", min=0
        ),
    ] = 0,
    context: Annotated[
        int | None,
        context_option(
            "Print the question before each quote and N turns either side (0: the question only)."
        ),
    ] = None,
) -> None:
    """A Word report: per theme the comparison table and a chart, then the quotes per city.

    Example: qualcode export quotes --format docx --out quotes.docx

    Quotes are the in-scope segments coded with each code, grouped by city (or --by), with
    interview, speaker and timestamp, and the evidence in bold.
    """
    from qualcode.exports.docx_report import write_quotes_docx

    options = _options(by, coder, code, city, where)
    with state.open_store() as store, progress_bar("Writing quotes") as progress:
        summary = write_quotes_docx(
            store, options, out, max_quotes=max_quotes or None, context=context, progress=progress
        )
    typer.echo(
        f"Wrote {summary.quotes:,} quotes by {summary.coder} under {summary.themes} themes "
        f"({summary.charts} charts) to {summary.path}"
    )
