"""tag, untag, review, import codings, export coding-sheet and agree."""

from __future__ import annotations

import sys
import textwrap
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.app import EXIT_INTERRUPTED, app, export_app, import_app, state
from qualcode.cli.options import CodeArgument, CoderOption, SegmentArgument, person
from qualcode.cli.progress import progress_bar
from qualcode.cli.views import (
    Cell,
    count,
    evidence_text,
    fitted_table,
    quote,
    table,
    use_colour,
    who,
)
from qualcode.defaults import CODER_ENV
from qualcode.errors import UsageError
from qualcode.models import Decision, Role

if TYPE_CHECKING:
    from qualcode.agreement import AgreementReport, DisagreementDetail, PairReport
    from qualcode.people.review import ReviewItem
    from qualcode.people.tagging import TagResult


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


# -- tag and untag ------------------------------------------------------------------------------


@app.command("tag")
def tag_command(
    segment: SegmentArgument,
    code: CodeArgument,
    coder: CoderOption = None,
) -> None:
    """Code a segment by hand.

    Example: qualcode tag barcelona/c01_habitatge_pah.txt#12 inequality/housing --coder laia

    The coding is the person's, beside the automatic ones; if that person had rejected the
    automatic coding of the same segment and code, the rejection is withdrawn.
    """
    from qualcode.people.tagging import tag

    with state.open_store() as store:
        result = tag(store, segment, code, person(coder))
    if result.changed:
        typer.echo(f"Tagged {_what(result)}.")
    else:
        typer.echo(f"{_what(result)} was already tagged; nothing changed.")
    if result.decision_withdrawn:
        typer.echo(f"Withdrew {result.coder}'s rejection of the automatic coding.")


@app.command("untag")
def untag_command(
    segment: SegmentArgument,
    code: CodeArgument,
    coder: CoderOption = None,
) -> None:
    """Remove a coding made by hand (and the person's acceptance of the automatic one).

    Example: qualcode untag barcelona/c01_habitatge_pah.txt#12 inequality/housing --coder laia

    To disagree with an automatic coding, reject it with 'qualcode review' instead.
    """
    from qualcode.people.tagging import untag

    with state.open_store() as store:
        result = untag(store, segment, code, person(coder))
    if result.changed:
        typer.echo(f"Untagged {_what(result)}.")
    if result.decision_withdrawn:
        typer.echo(f"Withdrew {result.coder}'s acceptance of the automatic coding.")


def _what(result: TagResult) -> str:
    return f"{result.segment.reference} with {result.code_path} (coder {result.coder})"


# -- review -------------------------------------------------------------------------------------


@app.command("review")
def review_command(
    code: Annotated[
        str | None,
        typer.Option("--code", help="Code to review (its sub-codes included).", show_default=False),
    ] = None,
    coder: CoderOption = None,
    accept_all: Annotated[
        bool, typer.Option("--accept-all", help="Accept every undecided automatic coding.")
    ] = False,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file",
            help="CSV or XLSX of decisions: columns segment, code, decision (accept or reject), "
            "optionally note.",
            show_default=False,
        ),
    ] = None,
    auto_coder: Annotated[
        str | None,
        typer.Option(
            "--auto-coder",
            help="Which automatic coder (default: the latest run's), e.g. auto:justice@1.0.",
            show_default=False,
        ),
    ] = None,
    redo: Annotated[
        bool, typer.Option("--redo", help="Also show codings you decided before.")
    ] = False,
) -> None:
    """Accept or reject the automatic codings of a code, one segment at a time.

    Example: qualcode review --code inequality/housing --coder laia

    Shows each segment with its evidence highlighted and asks a (accept), r (reject), s (skip)
    or q (quit); each decision is saved as it is made. A decision belongs to the segment and code,
    so it outlives reruns of 'qualcode code': a rejected coding is not counted as the reviewer's,
    and 'qualcode code' says how many of its codings were rejected. In scripts, use --accept-all
    or --from-file (all or nothing: any bad row and no decision is recorded).
    """
    from qualcode.people.review import apply_decisions_file, decide, review_queue

    reviewer = person(coder)
    if accept_all and from_file:
        raise UsageError("use --accept-all or --from-file, not both")
    with state.open_store() as store:
        if from_file is not None:
            outcome = apply_decisions_file(
                store, from_file, reviewer, code=code, auto_coder=auto_coder
            )
            typer.echo(
                f"Recorded {reviewer}'s decisions on codings by {outcome.auto_coder}: "
                f"{outcome.accepted} accepted, {outcome.rejected} rejected."
            )
            return
        if code is None:
            raise UsageError("--code is needed (only --from-file can do without)")
        if not accept_all and not _stdin_is_terminal():
            raise UsageError(
                "review asks questions: run it in a terminal, or use --accept-all or --from-file"
            )
        queue = review_queue(
            store, code, reviewer, auto_coder=auto_coder, include_decided=redo and not accept_all
        )
        what = f"automatic codings of {queue.code_path} by {queue.auto_coder}"
        earlier = f" ({queue.decided} decided earlier)" if queue.decided else ""
        if not queue.items:
            typer.echo(f"Nothing to review: no undecided {what} for {reviewer}{earlier}.")
            return
        if accept_all:
            accepted = decide(store, queue.items, reviewer, Decision.ACCEPT, queue.auto_coder)
            typer.echo(f"Accepted {accepted} {what} for {reviewer}{earlier}.")
            return
        typer.echo(f"Reviewing {len(queue.items)} {what} as {reviewer}{earlier}.\n")
        tally = {"a": 0, "r": 0, "s": 0}
        interrupted = False
        for index, item in enumerate(queue.items, start=1):
            typer.echo(_review_text(item, index, len(queue.items)))
            answer = _ask()
            if answer is None:
                interrupted = True
                break
            if answer == "q":
                break
            if answer in ("a", "r"):
                choice = Decision.ACCEPT if answer == "a" else Decision.REJECT
                try:  # each decision commits on its own: an interruption keeps the earlier ones
                    decide(store, [item], reviewer, choice, queue.auto_coder)
                except KeyboardInterrupt:
                    interrupted = True
                    break
            tally[answer] += 1
            typer.echo("")
    left = len(queue.items) - sum(tally.values())
    typer.echo(
        f"{reviewer}: {tally['a']} accepted, {tally['r']} rejected, {tally['s']} skipped"
        + (f", {left} left for later" if left else "")
        + "."
    )
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


def _ask() -> str | None:
    """a, r, s or q; None when input ends or Ctrl-C is pressed."""
    while True:
        try:
            answer: str = typer.prompt(
                "accept, reject, skip or quit? [a/r/s/q]", default="", show_default=False
            )
        except typer.Abort:
            typer.echo("")
            return None
        answer = answer.strip().lower()
        if answer in ("a", "r", "s", "q"):
            return answer
        typer.echo("Type a (accept), r (reject), s (skip) or q (quit).")


def _review_text(item: ReviewItem, index: int, total: int) -> str:
    segment = item.segment
    earlier = f"  [you {item.decision.value}ed it before]" if item.decision else ""
    header = f"[{index}/{total}] {item.reference}  {who(segment)}  {item.code_path}{earlier}"
    body = quote(segment, item.evidence, use_colour())
    evidence = [f"  evidence: {evidence_text(item.evidence)}"] if item.evidence else []
    return "\n".join([header, body, *evidence])


# -- import and export --------------------------------------------------------------------------


@import_app.command("codings")
def import_codings_command(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file.", show_default=False)],
    coder: Annotated[
        str | None,
        typer.Option(
            "--coder",
            help=f"Coder of rows without a coder column (default: ${CODER_ENV}, else your login "
            "name).",
            show_default=False,
        ),
    ] = None,
    create_codes: Annotated[
        bool,
        typer.Option("--create-codes", help="Create code paths the project does not know yet."),
    ] = False,
) -> None:
    """Import people's codings from a spreadsheet, all or nothing.

    Example: qualcode import codings laia.xlsx --coder laia

    Either one row per coding, with the columns document, code, coder (optional with --coder)
    and one of: ordinal (segment number), start and end (character span, 0-based, end
    excluded), or text (the quoted passage); or a coding sheet from 'qualcode export
    coding-sheet' (one 0/1 column per code). A span or quote is attached to every segment it
    overlaps. Unknown documents, codes and segments and unmatched quotes are listed by row and
    nothing is imported. Codes must exist (from 'qualcode code') unless --create-codes.
    """
    from qualcode.people.imports import import_codings

    with state.open_store() as store, progress_bar("Importing codings") as progress:
        result = import_codings(
            store,
            file,
            coder=coder if coder is not None else _fallback_coder(),
            create_codes=create_codes,
            progress=progress,
        )
    coders = ", ".join(result.coders) or "nobody"
    if result.shape == "coding sheet":
        typer.echo(
            f"Imported {file.name} (coding sheet): {count(result.rows, 'row')}, "
            f"{count(result.cells, 'cell')} judged by {coders}; "
            f"{count(result.added, 'coding')} added, {result.already} already there, "
            f"{result.removed} removed (marked 0)."
        )
    else:
        typer.echo(
            f"Imported {file.name} (one row per coding): {count(result.rows, 'row')} by "
            f"{coders}; {count(result.added, 'coding')} added, {result.already} already there."
        )
    if result.unaligned_rows:
        several = (
            f" ({result.multi_segment_rows} spanned more than one)"
            if result.multi_segment_rows
            else ""
        )
        one = result.unaligned_rows == 1
        typer.echo(
            f"{count(result.unaligned_rows, 'span or quote', 'spans or quotes')} did not match a "
            f"segment exactly: attached to the {count(result.unaligned_segments, 'segment')} "
            f"{'it overlaps' if one else 'they overlap'}{several}."
        )
    if result.codes_created:
        typer.echo(f"Created codes: {', '.join(result.codes_created)}.")


def _fallback_coder() -> str | None:
    """The default coder, or None when there is none (rows may each name their coder)."""
    from qualcode.coders import default_coder

    try:
        return default_coder()
    except UsageError:
        return None


class RoleChoice(StrEnum):
    ALL = "all"
    RESPONDENT = "respondent"
    INTERVIEWER = "interviewer"
    CHAIR = "chair"


@export_app.command("coding-sheet")
def export_coding_sheet_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The .xlsx file to write.", show_default=False)
    ],
    code: Annotated[
        list[str] | None,
        typer.Option("--code", help="Code columns (sub-codes included); default: every code."),
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", help="Only this many segments, drawn at random.", min=1),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random sample.")] = 1,
    role: Annotated[
        RoleChoice, typer.Option("--role", help="Only respondent, interviewer or chair turns.")
    ] = RoleChoice.ALL,
    next_count: Annotated[
        int | None,
        typer.Option(
            "--next",
            help="The N segments whose learned suggestion is least certain (needs --coder).",
            min=1,
            show_default=False,
        ),
    ] = None,
    coder: Annotated[
        str | None,
        typer.Option("--coder", help="With --next: whose learned model.", show_default=False),
    ] = None,
) -> None:
    """Write an XLSX to code by hand: segments as rows, codes as 0/1 columns with a drop-down.

    Example: qualcode export coding-sheet --out laia.xlsx --code inequality --sample 40 --seed 7

    With --next N --coder NAME: the N segments NAME has not looked at whose suggestion by the
    model learned from NAME is least certain, spread over codes, cities and documents; the
    columns are the model's codes. Coding them teaches the next round of 'learn' most.

    Every row left in the returned sheet counts as coded: an empty cell means "does not apply".
    Read it back with 'qualcode import codings laia.xlsx --coder laia'.
    """
    from qualcode.exports.coding_sheet import export_coding_sheet

    chosen_role = None if role is RoleChoice.ALL else Role(role.value)
    if next_count is not None and (coder is None or sample is not None):
        raise UsageError("--next needs --coder NAME, and no --sample")
    with state.open_store() as store, progress_bar("Writing the coding sheet") as progress:
        segment_ids = None
        if next_count is not None and coder is not None:
            from qualcode.learning import model_codes, next_to_code

            picks = next_to_code(store, coder, next_count)
            segment_ids = [pick.segment_id for pick in picks]
            code = code or model_codes(store, coder)
        result = export_coding_sheet(
            store,
            out,
            codes=code or [],
            sample=sample,
            seed=seed,
            role=chosen_role,
            segment_ids=segment_ids,
            progress=progress,
        )
    if next_count is not None:
        typer.echo(
            f"Wrote {out}: {count(result.rows, 'segment')} whose suggestion is least certain "
            f"× {count(len(result.code_paths), 'code')}."
        )
        typer.echo(
            f"Code in it, then: qualcode import codings {out.name} --coder {coder}; "
            f"qualcode learn --coder {coder}"
        )
        return
    drawn = (
        f" (a random sample of {result.population}, seed {result.seed})"
        if result.seed is not None and result.rows < result.population
        else ""
    )
    typer.echo(
        f"Wrote {out}: {count(result.rows, 'segment')}{drawn} × "
        f"{count(len(result.code_paths), 'code')}."
    )
    typer.echo(f"Code in it, then: qualcode import codings {out.name} --coder NAME")


# -- agree --------------------------------------------------------------------------------------


class UnitChoice(StrEnum):
    SEGMENT = "segment"
    DOCUMENT = "document"


@app.command("agree")
def agree_command(
    coder: Annotated[
        list[str],
        typer.Option(
            "--coder",
            help="A coder (repeat: two or more); the first is the reference. Automatic coders "
            "are auto:CODEBOOK@VERSION.",
            show_default=False,
        ),
    ],
    unit: Annotated[
        UnitChoice, typer.Option("--unit", help="Compare segments or whole documents.")
    ] = UnitChoice.SEGMENT,
    code: Annotated[
        list[str] | None,
        typer.Option("--code", help="Only these codes (sub-codes included)."),
    ] = None,
    show_disagreements: Annotated[
        bool,
        typer.Option(
            "--show-disagreements", help="List where the coders differ, with the evidence."
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for agreement.csv, disagreements.csv and agreement.xlsx.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Agreement between coders per code: percent, Cohen's kappa, Krippendorff's alpha,
    precision, recall and F1 of each coder against the first, with the counts behind them.

    Example: qualcode agree --coder laia --coder auto:justice@1.0 --show-disagreements

    Units compared: for each code, the segments every coder looked at. A person looked at the
    rows of a coding sheet they returned (for its code columns), every segment of a document they
    coded otherwise (tag, import), and each segment they coded or reviewed; an automatic coder
    looked at every segment its last run read. A person's codings are their own plus the
    automatic codings they accepted, minus those they rejected. Undefined values (a code no
    coder used, or that every coder used everywhere) show as n/a with the reason.
    """
    from qualcode.agreement import build_tables, compare, disagreement_details

    with state.open_store() as store:
        tables = build_tables(store, coder, unit=unit.value, codes=code or [])
        report = compare(tables)
        details = disagreement_details(store, report) if show_disagreements or out else []
    _print_report(report)
    if show_disagreements:
        _print_disagreements(report, details)
    if out is not None:
        from qualcode.exports.agreement_files import write_agreement_files

        paths = write_agreement_files(report, details, out)
        typer.echo(f"Wrote {', '.join(str(p) for p in paths)}.")


_PAIR_HEADERS = [
    "code", "n", "both", "A only", "B only", "neither", "agree", "kappa", "alpha", "P", "R", "F1",
    "reading*",
]  # fmt: skip
_PAIR_ALIGN = ["l", *["r"] * 11, "l"]
_LISTED_UNCOVERED = 6


def _print_report(report: AgreementReport) -> None:
    from qualcode.agreement import (
        KRIPPENDORFF_NOTE,
        LANDIS_KOCH_NOTE,
        UNDEFINED_NOTE,
        UNITS_DEFINITION,
    )

    coders = report.coders
    typer.echo(
        f"Agreement of {len(coders)} coders on {count(report.units, report.unit)}: "
        + ", ".join(coders)
    )
    typer.echo(textwrap.fill(UNITS_DEFINITION.format(unit=report.unit), 100))
    typer.echo("")
    undefined = False
    if report.group:
        typer.echo("All coders (agree: every coder gave the same value):")
        names = _code_labels([g.code_path for g in report.group])
        rows: list[list[Cell]] = [
            [name, g.units, _percent(g.agreement.value), g.alpha.text(), g.interpretation]
            for name, g in zip(names, report.group, strict=True)
        ]
        undefined = any(g.alpha.value is None for g in report.group)
        typer.echo(
            table(
                ["code", "n", "agree", "alpha", "reading*"], rows, align=["l", "r", "r", "r", "l"]
            )
        )
        typer.echo(textwrap.fill("* " + KRIPPENDORFF_NOTE, 100))
        typer.echo("")
    for pair in report.pairs:
        _print_pair(pair)
        undefined = undefined or any(r.kappa.value is None for r in pair.rows)
    typer.echo(textwrap.fill("* " + LANDIS_KOCH_NOTE, 100))
    if undefined:
        typer.echo(textwrap.fill(UNDEFINED_NOTE, 100))
    if report.uncovered:
        listed = ", ".join(report.uncovered[:_LISTED_UNCOVERED])
        more = ", …" if len(report.uncovered) > _LISTED_UNCOVERED else ""
        typer.echo(
            textwrap.fill(
                f"Not compared, no {report.unit} every coder looked at: "
                f"{count(len(report.uncovered), 'code')} ({listed}{more}).",
                100,
            )
        )


def _print_pair(pair: PairReport) -> None:
    typer.echo(
        f"A: {pair.reference} (reference), B: {pair.compared}; P, R, F1: precision, recall "
        "and F1 of B against A"
    )
    names = _code_labels([r.code_path for r in pair.rows])
    rows: list[list[Cell]] = [
        [
            name,
            r.units,
            r.counts.both,
            r.counts.only_a,
            r.counts.only_b,
            r.counts.neither,
            _percent(r.agreement.value),
            r.kappa.text(),
            r.alpha.text(),
            r.precision.text(),
            r.recall.text(),
            r.f1.text(),
            r.interpretation,
        ]
        for name, r in zip(names, pair.rows, strict=True)
    ]
    typer.echo(fitted_table(_PAIR_HEADERS, rows, align=_PAIR_ALIGN, min_shrunk=24))
    typer.echo("")


def _code_labels(paths: list[str]) -> list[str]:
    """Sub-codes indented under their parent when it is listed too, else the full path."""
    shown = set(paths)
    depth: dict[str, int] = {}
    labels = []
    for path in paths:
        parent = path.rsplit("/", 1)[0] if "/" in path else None
        if parent is not None and parent in shown:
            depth[path] = depth.get(parent, 0) + 1
            labels.append("  " * depth[path] + path.rsplit("/", 1)[-1])
        else:
            depth[path] = 0
            labels.append(path)
    return labels


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _print_disagreements(report: AgreementReport, details: list[DisagreementDetail]) -> None:
    if not details:
        typer.echo("\nNo disagreements.")
        return
    typer.echo(f"\nDisagreements ({len(details)}):\n")
    colour = use_colour()
    for detail in details:
        typer.echo(f"{detail.disagreement.code_path}  {detail.disagreement.label}")
        for view in detail.segments:
            segment = view.segment
            judgements = "  ".join(
                f"{coder}: {judgement}"
                for coder, judgement in zip(report.coders, view.judgements, strict=True)
            )
            if report.unit == "document":
                typer.echo(f"  #{segment.ordinal}  {who(segment)}")
            else:
                typer.echo(f"  {who(segment)}")
            typer.echo(f"  {judgements}")
            typer.echo(quote(segment, view.evidence, colour, indent="    "))
            if view.evidence:
                evidence = f"evidence: {evidence_text(view.evidence)}"
                typer.echo(textwrap.fill(evidence, 100, initial_indent="    ",
                                         subsequent_indent="      "))  # fmt: skip
        typer.echo("")
