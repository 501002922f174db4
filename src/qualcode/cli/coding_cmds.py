"""code, segments, and the codebook group (check, show)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.app import app, state
from qualcode.cli.options import (
    CityOption,
    CodeJobsOption,
    WhereOption,
    context_option,
    document_filters,
)
from qualcode.cli.progress import progress_bar
from qualcode.cli.views import (
    Cell,
    changes,
    codebook_line,
    evidence_text,
    quote,
    table,
    use_colour,
    who,
)
from qualcode.errors import UsageError

if TYPE_CHECKING:
    from qualcode.coding import RunSummary
    from qualcode.models import CodedSegment

codebook_app = typer.Typer(help="Check and inspect codebooks.")
app.add_typer(codebook_app, name="codebook")


@app.command("code")
def code_command(
    codebook: Annotated[
        str,
        typer.Option(
            "--codebook",
            "-c",
            help="Codebook file or name: as given, else the project's codebooks/, else packaged.",
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change without writing.")
    ] = False,
    jobs: CodeJobsOption = None,
) -> None:
    """Apply a YAML codebook to every segment and record the evidence of each coding.

    Example: qualcode code --codebook justice.yaml

    Rerunning replaces this codebook's automatic codings (coder auto:NAME@VERSION) in one
    transaction and prints what changed per code; human codings are never touched.
    """
    from qualcode.codebook import find_codebook, load_codebook
    from qualcode.coding import code_project

    path, origin = find_codebook(codebook, state.project_dir)
    loaded = load_codebook(path)
    typer.echo(codebook_line(loaded, f"{path}, {origin}"))
    with state.open_store() as store, progress_bar("Coding segments") as progress:
        total = store.current_segment_count() if progress is not None else 0
        summary = code_project(
            store,
            loaded,
            dry_run=dry_run,
            jobs=jobs,
            on_batch=None if progress is None else lambda read: progress(read, total),
        )
    _print_summary(summary)


def _print_summary(summary: RunSummary) -> None:
    rows: list[list[Cell]] = [
        [
            "  " * r.depth + r.code_path.rsplit("/", 1)[-1],
            r.segments,
            r.documents,
            *changes(r.added, r.removed),
        ]
        for r in summary.codes
    ]
    typer.echo(table(["code", "segments", "documents", "added", "removed"], rows))
    for path, removed in summary.removed_codes.items():
        typer.echo(f"{path}: -{removed} (no longer in the codebook)")
    verb = "would change" if summary.dry_run else "changed"
    typer.echo(
        f"{summary.segments_read:,} segments read, {summary.segments_coded:,} coded; "
        f"{summary.codings:,} codings by {summary.coder}; "
        f"{verb}: +{summary.added} -{summary.removed}"
        + (
            f"; {summary.stale_refreshed} stale codings refreshed"
            if summary.stale_refreshed
            else ""
        )
        + f" ({summary.seconds:.1f} s)"
    )
    if summary.previously_rejected:  # review decisions outlive reruns: say they still stand
        typer.echo(
            f"{summary.previously_rejected:,} of these codings "
            f"{'was' if summary.previously_rejected == 1 else 'were'} rejected earlier by a "
            "reviewer; the rejections stand and do not count for that reviewer (see 'qualcode "
            "review')."
        )
    if summary.dry_run:
        typer.echo("Dry run: nothing was written.")


@app.command("segments")
def segments_command(
    code: Annotated[
        list[str] | None, typer.Option("--code", help="Code path (its sub-codes included).")
    ] = None,
    city: CityOption = None,
    where: WhereOption = None,
    coder: Annotated[
        list[str] | None, typer.Option("--coder", help="Only codings by this coder.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many.")] = 50,
    context: Annotated[
        int | None,
        context_option(
            "Show the question before each segment and N turns either side (0: the question only)."
        ),
    ] = None,
) -> None:
    """List coded segments with the evidence highlighted, to see why each was coded.

    Example: qualcode segments --code inequality/housing --city Barcelona --context 1
    """
    from qualcode.people.lookup import resolve_code

    attributes: dict[str, str] = {}
    for key, value in document_filters(city, where):
        if attributes.setdefault(key, value).casefold() != value.casefold():
            # A document has one value of an attribute: asking for two would match nothing.
            raise UsageError(
                f"--where asks for {key}={attributes[key]} and {key}={value}; a document has "
                f"one {key}",
                hint="give each attribute once",
            )
    with state.open_store() as store:
        # A code is its path or a last part only one code has; an unknown one is an error.
        paths = [resolve_code(store, path) for path in code or []]
        found = store.coded_segments(
            code_paths=paths, coders=coder, attributes=attributes, limit=limit + 1
        )
        contexts = None
        if context is not None:
            from qualcode.context import ContextFinder

            finder = ContextFinder(store)
            contexts = [finder.around(coded.segment, context) for coded in found[:limit]]
    if not found:
        typer.echo("No coded segments match.")
        return
    colour = use_colour()
    for index, coded in enumerate(found[:limit]):
        if contexts is None:
            typer.echo(_describe(coded, colour))
            continue
        around = contexts[index]
        lines = []
        if around.question is not None and around.question not in around.before:
            lines.append(_context_line("question", around.question.quoted()))
        lines += [_context_line("before", turn.quoted()) for turn in around.before]
        typer.echo("\n".join([*lines, _describe(coded, colour).rstrip("\n")]))
        after = [_context_line("after", turn.quoted()) for turn in around.after]
        typer.echo("\n".join(after) + "\n" if after else "")
    if len(found) > limit:
        typer.echo(f"(more than {limit}; raise --limit to see them)")


def _context_line(label: str, text: str) -> str:
    """A turn around a quote, cut to a few lines: context, not the quote itself."""
    return textwrap.indent(textwrap.shorten(text, 300, placeholder=" […]"), f"  ({label}) ")


def _describe(item: CodedSegment, colour: bool) -> str:
    segment = item.segment
    stamp = f" [{segment.timestamp}]" if segment.timestamp else ""
    header = (
        f"{item.document_name} #{segment.ordinal}{stamp}  {who(segment)}  {item.code_path}  "
        f"{item.coder}"
    )
    lines = [header, quote(segment, item.evidence, colour)]
    if item.evidence:
        lines.append(f"  evidence: {evidence_text(item.evidence)}")
    return "\n".join(lines) + "\n"


@codebook_app.command("check")
def codebook_check(
    file: Annotated[Path, typer.Argument(help="Codebook YAML file.")],
) -> None:
    """Validate a codebook and report every problem with file, line and key (exit 1 if any).

    Example: qualcode codebook check codebooks/justice.yaml
    """
    from qualcode.codebook import check_codebook

    problems = check_codebook(file)
    for problem in problems:
        where = f"{problem.path}:{problem.line}" if problem.line else str(problem.path)
        key = f" {problem.key}:" if problem.key else ""
        typer.echo(f"{where}: {problem.severity}:{key} {problem.message}")
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if errors:
        typer.echo(f"{errors} errors, {warnings} warnings.", err=True)
        raise typer.Exit(1)
    typer.echo(f"{file}: OK" + (f" ({warnings} warnings)" if warnings else ""))


@codebook_app.command("show")
def codebook_show(
    file: Annotated[str, typer.Argument(help="Codebook file or name.")],
) -> None:
    """Print the code tree with the number of patterns per language.

    Example: qualcode codebook show justice
    """
    from qualcode.codebook import find_codebook, load_codebook, render_tree

    path, origin = find_codebook(file, state.project_dir)
    loaded = load_codebook(path)
    typer.echo(f"{loaded.name} {loaded.version} ({path}, {origin})")
    languages = ["any", *loaded.languages]
    rows: list[list[Cell]] = []
    for row in render_tree(loaded):
        rows.append(
            ["  " * row.depth + row.path.rsplit("/", 1)[-1], row.label]
            + [row.pattern_counts.get(lang, 0) for lang in languages]
        )
    typer.echo(table(["code", "label", *languages], rows, shrink=1))
