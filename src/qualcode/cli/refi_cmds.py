"""REFI-QDA: export qdpx, import qdpx, codebook export and codebook import."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.app import export_app, import_app, state
from qualcode.cli.coding_cmds import codebook_app
from qualcode.cli.progress import progress_bar
from qualcode.cli.views import count, warn
from qualcode.defaults import DEFAULT_CASE_ATTRIBUTE, DEFAULT_LANGUAGES, Positions, Span
from qualcode.errors import QualcodeError
from qualcode.models import Unit

if TYPE_CHECKING:
    from qualcode.refi.import_ import ImportSummary

_MAX_LISTED_CODES = 5


@export_app.command("qdpx")
def export_qdpx(
    file: Annotated[Path, typer.Argument(help="The archive to write (.qdpx).")],
    span: Annotated[
        Span,
        typer.Option(
            "--span",
            help="What a selection covers: the coded segment, or each piece of evidence "
            "(the matched words). Passages selected in another tool are kept either way.",
        ),
    ] = Span.SEGMENT,
    coder: Annotated[
        list[str] | None,
        typer.Option("--coder", help="Only this coder's codings (repeat for several)."),
    ] = None,
    case_by: Annotated[
        str, typer.Option("--case-by", help="Attribute whose values become cases.")
    ] = DEFAULT_CASE_ATTRIBUTE,
) -> None:
    """Write the project as a REFI-QDA archive for NVivo, ATLAS.ti, MAXQDA or QualCoder.

    Example: qualcode export qdpx study.qdpx --span evidence

    The archive holds every document's text, the code tree with descriptions and colours, one
    user per coder, every coding as a coded selection (less the automatic codings a reviewer
    rejected, plus the reviewer's for those accepted), the attributes as variables, a case per
    city and the memos as notes, with who made each and when. Exporting an unchanged project
    again gives the same file.
    """
    from qualcode.refi.export import export_project

    if file.suffix.lower() != ".qdpx":
        warn(f"{file}: REFI-QDA tools look for the .qdpx extension")
    with state.open_store() as store, progress_bar("Exporting documents") as progress:
        summary = export_project(
            store, file, span=span, coders=coder, case_attribute=case_by, progress=progress
        )
    if summary.stale_codings:
        warn(
            f"{count(summary.stale_codings, 'stale coding')} on earlier versions of documents "
            "not exported; run qualcode code to refresh them"
        )
    if summary.rejected:
        warn(f"{count(summary.rejected, 'automatic coding')} rejected in review not exported")
    if summary.stale_memos:
        warn(
            f"{count(summary.stale_memos, 'memo')} on segments of earlier versions of documents "
            "exported as notes on their document"
        )
    if summary.without_evidence:
        warn(
            f"{count(summary.without_evidence, 'coding')} without evidence or selected "
            "passages cover their whole segment"
        )
    typer.echo(
        f"Wrote {file}: {count(summary.documents, 'document')}, "
        f"{count(summary.codes, 'code')}, {count(len(summary.coders), 'coder')}, "
        f"{count(summary.codings, 'coding')} in {count(summary.selections, 'selection')} "
        f"({span.value} spans), {count(summary.variables, 'variable')}, "
        f"{count(summary.cases, 'case')}"
        + (f", {count(summary.memos, 'memo')}" if summary.memos else "")
        + "."
    )
    if summary.accepted:
        typer.echo(
            f"{count(summary.accepted, 'automatic coding')} accepted in review exported as the "
            "reviewer's too."
        )


@import_app.command("qdpx")
def import_qdpx(
    file: Annotated[
        Path,
        typer.Argument(help="A REFI-QDA project archive (.qdpx).", exists=True, dir_okay=False),
    ],
    codebook: Annotated[
        str | None,
        typer.Option(
            "--codebook",
            "-c",
            help="The codebook the archive's codes came from, so that they keep its code ids.",
            show_default=False,
        ),
    ] = None,
    unit: Annotated[
        Unit, typer.Option("--unit", help="What a segment of a new document is.")
    ] = Unit.TURN,
    positions: Annotated[
        Positions,
        typer.Option(
            "--positions",
            help="How selection positions count: code points (the standard), UTF-16 units "
            "(NVivo), or found per source from where the selections fall.",
        ),
    ] = Positions.AUTO,
    base: Annotated[
        Path | None,
        typer.Option(
            "--base",
            help="The folder that holds the sources the archive names outside itself "
            "(relative:// paths; absolute:// files by their name).",
            exists=True,
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse the archive (exit 1, nothing written) if anything in it would be "
            "left out.",
        ),
    ] = False,
) -> None:
    """Read a REFI-QDA project from NVivo, ATLAS.ti, MAXQDA or QualCoder into the project.

    Example: qualcode import qdpx coded-in-nvivo.qdpx --codebook justice

    Sources become documents (those the project already has are recognised, not added twice),
    the codebook's codes become codes, and every coded selection becomes a coding by its user on
    each segment it overlaps, keeping the exact passage selected, and notes become memos.
    Positions are read as the
    writing tool counts them (UTF-16 units for NVivo), found per source. Whatever is left out is
    counted in a warning; --strict makes that an error. All in one transaction: an error leaves
    the project as it was.
    """
    from qualcode.codebook import find_codebook, load_codebook
    from qualcode.refi.import_ import import_archive, read_archive, refuse_losses

    loaded = None
    if codebook is not None:
        path, _ = find_codebook(codebook, state.project_dir)
        loaded = load_codebook(path)
    # read before opening: a refused archive creates no project
    content = read_archive(file, positions=positions, base=base)
    if strict:  # what the archive alone shows is refused before a project is made
        refuse_losses(file, content.losses)
    with state.open_store(create=True) as store, progress_bar("Importing sources") as progress:
        summary = import_archive(
            store, content, unit=unit, codebook=loaded, strict=strict, progress=progress
        )
    _print_import(summary)


def _print_import(summary: ImportSummary) -> None:
    for document in summary.documents:
        details = []
        if document.status in ("added", "updated"):
            details.append(f"{document.segments} segments, {','.join(document.languages)}")
        elif document.status == "metadata":
            details.append("attributes updated")
        if document.positions:
            details.append(f"positions: {document.positions}")
        line = f"{document.status:<10} {document.name}"
        typer.echo(f"{line}  ({'; '.join(details)})" if details else line)
    for warning in summary.warnings:
        warn(warning)
    typer.echo(
        f"Codes: {summary.codes_in_archive:,} in the archive, {len(summary.codes_added):,} new "
        "to the project."
    )
    coders = "; ".join(
        f"{coder} +{added}" + (f" ({already} already there)" if already else "")
        for coder, (added, already) in summary.codings.items()
    )
    typer.echo(
        f"Codings: {count(summary.selections, 'selection')} read"
        + (f"; {coders}." if coders else "; none imported.")
    )
    added, already = summary.memos
    if added or already:
        typer.echo(
            f"Memos: {added:,} added from the archive's notes"
            + (f" ({already:,} already there)." if already else ".")
        )
    origin = f" (written by {summary.origin})" if summary.origin else ""
    typer.echo(f"Imported {summary.path}{origin}. Project: {state.project_path}")


@codebook_app.command("export")
def codebook_export(
    file: Annotated[Path, typer.Argument(help="The codebook file to write (.qdc).")],
    codebook: Annotated[
        str | None,
        typer.Option(
            "--codebook",
            "-c",
            help="A YAML codebook (file or name). Default: the codes of the project.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a codebook as REFI-QDA (.qdc), for NVivo, ATLAS.ti, MAXQDA or QualCoder.

    Example: qualcode codebook export justice.qdc --codebook justice

    Without --codebook, the project's codes are written: those of every codebook it was coded
    with and those imported. Labels become names; descriptions keep the include and exclude
    notes; colours are kept. Patterns have no place in REFI-QDA and stay behind.
    """
    from qualcode.codebook import find_codebook, load_codebook
    from qualcode.coding import code_records
    from qualcode.refi.export import export_codebook

    if codebook is not None:
        path, origin = find_codebook(codebook, state.project_dir)
        loaded = load_codebook(path)
        codes = code_records(loaded)
        where = f"codebook {loaded.name} {loaded.version} ({path}, {origin})"
    else:
        with state.open_store() as store:
            codes = store.codes()
        where = f"the project's codes ({state.project_path})"
        if not codes:
            raise QualcodeError(
                "the project has no codes yet",
                hint="pass --codebook FILE, or run qualcode code first",
            )
    written = export_codebook(codes, file)
    typer.echo(f"Wrote {file}: {count(written, 'code')} from {where}.")


@codebook_app.command("import")
def codebook_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="A REFI-QDA codebook (.qdc) or project (.qdpx).", exists=True, dir_okay=False
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The YAML codebook to write.")],
    languages: Annotated[
        str, typer.Option("--languages", help="Languages to give pattern lists for.")
    ] = ",".join(DEFAULT_LANGUAGES),
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="The codebook's name (default: from the file name).", show_default=False
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
) -> None:
    """Turn a REFI-QDA codebook into a qualcode YAML codebook to fill with patterns.

    Example: qualcode codebook import nvivo-codes.qdc --out codebooks/study.yaml

    The tree, labels, descriptions and colours are kept; each code gets an empty pattern list
    per language. A code without patterns or children cannot code anything, so the codebook
    loads once its leaf codes have patterns: qualcode codebook check lists those still empty.
    """
    from qualcode.refi.codebook import import_codebook, parse_languages

    result = import_codebook(
        file, out, languages=parse_languages(languages), name=name, force=force
    )
    for warning in result.warnings:
        warn(warning)
    typer.echo(f"Wrote {out}: codebook {result.name} with {count(result.codes, 'code')}.")
    needing = result.needing_patterns
    if needing:
        listed = ", ".join(needing[:_MAX_LISTED_CODES])
        more = (
            f" and {len(needing) - _MAX_LISTED_CODES} more"
            if len(needing) > _MAX_LISTED_CODES
            else ""
        )
        typer.echo(
            f"{count(len(needing), 'code')} need patterns before the codebook can be used "
            f"({listed}{more}); 'qualcode codebook check {out}' lists them."
        )
