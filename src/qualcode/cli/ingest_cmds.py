"""ingest, status and config."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.app import app, state
from qualcode.cli.options import AddLabelsOption, IngestJobsOption
from qualcode.cli.progress import progress_bar
from qualcode.cli.views import Cell, count, not_in_segments, table, warn
from qualcode.models import Exclusion, ExclusionCount, Unit

if TYPE_CHECKING:
    from qualcode.ingest import FileResult
    from qualcode.ingest.discover import SkippedLink

EXIT_SOME_FILES_FAILED = 3


def _report_file(outcome: FileResult) -> None:
    if outcome.status == "failed":
        typer.echo(f"skipped    {outcome.path}: {outcome.reason}", err=True)
    elif outcome.status in ("added", "updated"):
        languages = ",".join(outcome.languages)
        typer.echo(
            f"{outcome.status:<10} {outcome.name}  ({outcome.segments} segments, {languages})"
        )
    elif outcome.status == "refreshed":
        typer.echo(f"{'refreshed':<10} {outcome.name}  (same segments; roles and excluded text)")
    elif outcome.status == "metadata":
        typer.echo(f"{'metadata':<10} {outcome.name}  (attributes updated)")
    left_out = not_in_segments(outcome.excluded)
    if left_out:
        typer.echo(f"{'':<10} not in segments: {left_out}")
    if outcome.text_labels:
        typer.echo(f"{'':<10} read as text, not speakers: {_label_list(outcome.text_labels)}")
    if outcome.codings or (outcome.coded_turns and outcome.status == "unchanged"):
        typer.echo(
            f"{'coded':<10} {outcome.name}  ({outcome.codings:,} new codings from the table's "
            f"codes, {count(outcome.coded_turns, 'turn')})"
        )


MAX_LABELS_SHOWN = 6


def _label_list(labels: tuple[str, ...]) -> str:
    """``Housing, Exemples ×3, Diu`` (first seen first), then how many more."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    shown = [f"{label} ×{n}" if n > 1 else label for label, n in counts.items()]
    more = len(shown) - MAX_LABELS_SHOWN
    listed = ", ".join(shown[:MAX_LABELS_SHOWN])
    return f"{listed} and {more} more" if more > 0 else listed


def _link_warnings(skipped: list[SkippedLink]) -> list[str]:
    """One line per reason links were not followed: how many, and the first of them."""
    from qualcode.ingest.discover import LinkSkip

    reasons = {
        LinkSkip.OUTSIDE: "leading outside the folders given (--follow-links follows such links)",
        LinkSkip.INSIDE: "leading inside the folders given, read there under their own names",
        LinkSkip.WALKED: "leading to a folder already read (a loop)",
        LinkSkip.BROKEN: "leading nowhere (what they point to does not exist)",
    }
    lines = []
    for reason, text in reasons.items():
        links = [link for link in skipped if link.reason is reason]
        if links:
            first = f"{links[0].path} -> {links[0].target}"
            lines.append(f"not followed: {count(len(links), 'link')} {text}, such as {first}")
    return lines


@app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Transcript files or folders.", metavar="PATH...")
    ],
    unit: Annotated[
        Unit,
        typer.Option("--unit", help="What a segment is: a speaker turn, paragraph or sentence."),
    ] = Unit.TURN,
    assign: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="Attribute for every file ingested now, e.g. --set city=Barcelona."
        ),
    ] = None,
    coder: Annotated[
        str | None,
        typer.Option(
            "--coder",
            help="Import a turn table's codes column as this person's codings.",
            show_default=False,
        ),
    ] = None,
    speakers: Annotated[
        str,
        typer.Option(
            "--speakers",
            help="Which labels are speakers: auto (the document's pattern decides), none, or "
            "only the labels listed, e.g. --speakers 'Q,A'.",
        ),
    ] = "auto",
    follow_links: Annotated[
        bool,
        typer.Option(
            "--follow-links",
            help="Follow symbolic links that lead outside the folders given (not followed "
            "otherwise, and counted).",
        ),
    ] = False,
    jobs: IngestJobsOption = None,
) -> None:
    """Read transcripts into the project as documents and segments.

    Formats: .txt .md .rst .docx .odt .pdf .vtt .srt .rtf .csv .tsv .xlsx (see docs/formats.md).

    Example: qualcode ingest transcripts/ --set wave=2025

    Example: qualcode ingest notes/ --speakers none

    The city comes from a folder below the one given (transcripts/ with birmingham/ in it gives
    birmingham, spelled as the folder is); front matter, Word
    properties, a metadata.csv in the folder and --set add or override attributes. An unchanged
    file is left as it is; a changed one gets a new version. A file that cannot be read is reported
    and skipped, and the exit code is 3.
    """
    from qualcode.ingest import ingest
    from qualcode.ingest.discover import check_paths
    from qualcode.ingest.labels import SpeakerPolicy
    from qualcode.ingest.metadata import parse_assignments

    assignments = parse_assignments(assign or [])
    policy = SpeakerPolicy.parse(speakers)
    check_paths(paths)
    with state.open_store(create=True) as store, progress_bar("Ingesting files") as progress:
        result = ingest(
            store,
            paths,
            unit=unit,
            assignments=assignments,
            coder=coder,
            speakers=policy,
            on_file=_report_file,
            progress=progress,
            follow_links=follow_links,
            jobs=jobs,
        )
    for warning in result.warnings + _link_warnings(result.skipped_links):
        warn(warning)
    files = len(result.files)
    summary = (
        f"{files} {'file' if files == 1 else 'files'}: {result.count('added')} added, "
        f"{result.count('updated')} updated, {result.count('unchanged')} unchanged"
    )
    if result.count("refreshed"):
        summary += f", {result.count('refreshed')} re-segmented the same"
    if result.count("metadata"):
        summary += f", {result.count('metadata')} with new attributes"
    if result.failed:
        summary += f", {len(result.failed)} skipped"
    links = len(result.skipped_links)
    if links:
        summary += f"; {links} {'link' if links == 1 else 'links'} not followed"
    if result.files and result.count("unchanged") == len(result.files):
        summary += " (nothing changed)"
    typer.echo(f"{summary}. Project: {state.project_path}")
    if result.failed:
        raise typer.Exit(EXIT_SOME_FILES_FAILED)


@app.command("status")
def status_command(
    by: Annotated[str, typer.Option("--by", help="Attribute to group documents by.")] = "city",
) -> None:
    """Show documents per city and language, segments, speakers, and anything stale.

    Example: qualcode status --by interviewee_role
    """
    with state.open_store() as store:
        rows = store.status_rows(by)
        speakers = store.speaker_count()
        roles = store.role_counts()
        mixed = store.mixed_language_documents()
        stale = store.stale_codings()
        excluded = store.exclusion_counts()
        unrecorded = store.documents_without_exclusion_record()
    typer.echo(f"Project: {state.project_path}")
    if not rows:
        typer.echo("No documents yet: run 'qualcode ingest FOLDER'.")
        return
    body: list[list[Cell]] = [
        [r.group, r.language, r.documents, r.segments, r.speakers, r.words] for r in rows
    ]
    body.append(
        [
            "total",
            "",
            sum(r.documents for r in rows),
            sum(r.segments for r in rows),
            speakers,
            sum(r.words for r in rows),
        ]
    )
    typer.echo(table([by, "language", "documents", "segments", "speakers", "words"], body))
    typer.echo(
        "Segments by role: " + ", ".join(f"{role} {segments:,}" for role, segments in roles.items())
    )
    if mixed:
        typer.echo("Mixed-language documents: " + ", ".join(f"{n} ({lang})" for n, lang in mixed))
    _report_exclusions(excluded, unrecorded)
    if stale:
        typer.echo("Stale codings (their document changed since they were made):")
        for coder, document, codings in stale:
            typer.echo(f"  {coder}: {codings} on {document} (run 'qualcode code' to refresh)")
    else:
        typer.echo("Stale codings: none")


def _report_exclusions(excluded: list[ExclusionCount], unrecorded: list[str]) -> None:
    left_out = not_in_segments(excluded)
    labels = sum(c.regions for c in excluded if c.reason is Exclusion.SPEAKER_LABEL)
    if left_out:
        typer.echo(f"Not in segments: {left_out} ('qualcode show DOCUMENT' marks them)")
    elif labels:
        typer.echo(f"Not in segments: {labels:,} speaker labels only")
    else:
        typer.echo("Not in segments: nothing")
    if unrecorded:
        typer.echo(
            "Ingested before qualcode recorded excluded text: "
            f"{count(len(unrecorded), 'document')} (re-ingest to record it)"
        )


class ShowFormat(StrEnum):
    TEXT = "text"
    HTML = "html"


@app.command("show")
def show_command(
    document: Annotated[
        str, typer.Argument(help="The document's name, as status and exports give it.")
    ],
    format: Annotated[
        ShowFormat, typer.Option("--format", help="Terminal text, or one self-contained page.")
    ] = ShowFormat.TEXT,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of the terminal.")
    ] = None,
) -> None:
    """Show a document as qualcode cut it: each segment with its ordinal, speaker, role and
    language, and the text left out of segments marked with the reason.

    Example: qualcode show barcelona/c01_habitatge_pah.txt --format html --out c01.html
    """
    from qualcode.document_view import document_view
    from qualcode.exports.document_page import render_html, render_text

    with state.open_store() as store:
        view = document_view(store, document)
    rendered = render_html(view) if format is ShowFormat.HTML else render_text(view) + "\n"
    if out is None:
        typer.echo(rendered, nl=False)
        return
    out.write_text(rendered, encoding="utf-8")
    typer.echo(f"Wrote {out}")


config_app = typer.Typer(help="Project settings, such as who counts as the interviewer or chair.")
app.add_typer(config_app, name="config")


@config_app.command("show")
def config_show() -> None:
    """Show the project's settings, defaults included.

    Example: qualcode config show
    """
    from qualcode.ingest.roles import CHAIR_SETTING, INTERVIEWER_SETTING, ProjectRoles

    with state.open_store() as store:
        roles = ProjectRoles.of(store)
        settings = store.settings()
    typer.echo(f"{INTERVIEWER_SETTING}: {'; '.join(roles.interviewer)}")
    typer.echo(f"{CHAIR_SETTING}: {'; '.join(roles.chair)}")
    for key, value in settings.items():
        if key not in (INTERVIEWER_SETTING, CHAIR_SETTING):
            typer.echo(f"{key}: {value}")


@config_app.command("interviewer")
def config_interviewer(
    labels: Annotated[
        list[str] | None,
        typer.Argument(help="Speaker labels that mark the interviewer; none resets the defaults."),
    ] = None,
    add: AddLabelsOption = False,
) -> None:
    """Set which speaker labels are the interviewer for the whole project.

    Example: qualcode config interviewer --add "Marta Soler" "Dr Evans"

    Per document, an `interviewer` attribute (front matter or metadata.csv) adds labels. The
    segments get their new roles at once; no coding becomes stale.
    """
    from qualcode.ingest.roles import INTERVIEWER_SETTING

    _set_role_labels(INTERVIEWER_SETTING, "Interviewer", labels, add)


@config_app.command("chair")
def config_chair(
    labels: Annotated[
        list[str] | None,
        typer.Argument(help="Speaker labels that mark the chair; none resets the defaults."),
    ] = None,
    add: AddLabelsOption = False,
) -> None:
    """Set which speaker labels are the chair (of a sitting, a hearing, a focus group).

    Example: qualcode config chair --add "El vicepresident primer"

    Chair turns are out of scope by default, like the interviewer's. Per document, a `chair`
    attribute adds labels. The segments get their new roles at once; no coding becomes stale.
    """
    from qualcode.ingest.roles import CHAIR_SETTING

    _set_role_labels(CHAIR_SETTING, "Chair", labels, add)


def _set_role_labels(setting: str, title: str, labels: list[str] | None, add: bool) -> None:
    """Set one role's labels; a label given to one role leaves the other's (one label, one role)."""
    from qualcode.ingest.roles import (
        CHAIR_SETTING,
        INTERVIEWER_SETTING,
        ProjectRoles,
        apply_roles,
        split_labels,
    )
    from qualcode.speakers import fold

    other = CHAIR_SETTING if setting == INTERVIEWER_SETTING else INTERVIEWER_SETTING
    with state.open_store(create=True) as store, store.transaction():
        roles = ProjectRoles.of(store)
        current, others = (
            (roles.interviewer, roles.chair)
            if setting == INTERVIEWER_SETTING
            else (roles.chair, roles.interviewer)
        )
        given = [label for value in labels or [] for label in split_labels(value)]
        moved: list[str] = []
        if not given and not add:
            store.set_setting(setting, None)
            message = f"{title} labels reset to the defaults."
        else:
            chosen = list(dict.fromkeys((current if add else []) + given))
            store.set_setting(setting, "; ".join(chosen))
            message = f"{title} labels: {'; '.join(chosen)}."
            keys = {fold(label) for label in chosen}
            moved = [label for label in others if fold(label) in keys]
            if moved:
                kept = [label for label in others if fold(label) not in keys]
                store.set_setting(other, "; ".join(kept))
        changed = apply_roles(store)
    if moved:
        former = "chair" if setting == INTERVIEWER_SETTING else "interviewer"
        message += f" No longer {former} labels: {'; '.join(moved)}."
    typer.echo(f"{message} {_roles_changed(changed)}")


def _roles_changed(segments: int) -> str:
    if not segments:
        return "No segment changed role."
    return f"{count(segments, 'segment')} changed role (codings kept)."
