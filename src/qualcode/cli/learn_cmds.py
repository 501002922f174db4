"""learn and suggest: a model learned from a person's codings, and its suggestions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.app import app, state
from qualcode.cli.views import Cell, changes, table

if TYPE_CHECKING:
    from qualcode.learning import LearnResult, SuggestResult


@app.command("learn")
def learn_command(
    coder: Annotated[
        str, typer.Option("--coder", help="Whose codings to learn from.", show_default=False)
    ],
    codebook: Annotated[
        str | None,
        typer.Option(
            "--codebook",
            "-c",
            help="Codebook whose hits are extra evidence (and whose scopes count).",
            show_default=False,
        ),
    ] = None,
    code: Annotated[
        list[str] | None,
        typer.Option("--code", help="Only this code (its sub-codes included); repeatable."),
    ] = None,
    vectors: Annotated[
        bool,
        typer.Option(
            "--vectors/--no-vectors",
            help="Also learn from sentence vectors (the 'vectors' extra): better on the "
            "benchmark, slower. Off unless asked, so that a project gives the same model "
            "wherever qualcode is installed.",
        ),
    ] = False,
) -> None:
    """Learn, per code, to code as a person did, and say how well by cross-validation.

    Example: qualcode learn --coder laia --codebook justice.yaml

    Positives are the segments the person coded with a code, negatives those they looked at
    (a returned coding sheet, a document they coded in, a review) and did not. The figures are
    the model's against the person on segments it did not learn from (5-fold, seed 17).
    """
    from qualcode.codebook import find_codebook, load_codebook
    from qualcode.learning import learn

    loaded = None
    if codebook is not None:
        path, _ = find_codebook(codebook, state.project_dir)
        loaded = load_codebook(path)
    with state.open_store() as store:
        result = learn(store, coder, codebook=loaded, codes=code or [], vectors=vectors)
    _print_learned(result)


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _print_learned(result: LearnResult) -> None:
    from qualcode.learning import FOLDS, SEED

    with_codebook = (
        f", with the hits of codebook {result.codebook_name}" if result.codebook_name else ""
    )
    typer.echo(
        f"Learned from {result.coder}: {result.codings:,} codings on {result.segments:,} "
        f"segments looked at{with_codebook}."
    )
    typer.echo(f"Features: {'; '.join(result.features)}.")
    typer.echo(
        f"Cross-validated ({FOLDS} folds, seed {SEED}): each segment judged by a model that did "
        "not learn from it."
    )
    typer.echo(
        f"A: {result.coder} (reference), B: the model; n: segments looked at in scope; "
        "P, R, F1: of B against A"
    )
    headers = [
        "code",
        "n",
        "both",
        "A only",
        "B only",
        "neither",
        "P",
        "R",
        "F1",
        "kappa",
        "threshold",
    ]
    if result.previous is not None:
        headers.append("F1 before")
    rows: list[list[Cell]] = []
    for f in result.figures:
        row: list[Cell] = [
            f.code_path,
            f.positives + f.negatives,
            f.counts.both,
            f.counts.only_a,
            f.counts.only_b,
            f.counts.neither,
            _figure(f.precision.value),
            _figure(f.recall.value),
            _figure(f.f1.value),
            _figure(f.kappa.value),
            f"{f.threshold:.2f}",
        ]
        if result.previous is not None:
            before = result.previous.get(f.code_path)
            row.append("new" if f.code_path not in result.previous else _figure(before))
        rows.append(row)
    typer.echo(table(headers, rows))
    for refusal in result.refused:
        typer.echo(f"Not learned: {refusal.code_path}: {refusal.reason}.")
    typer.echo(
        f"Model {result.model_id} stored ({result.seconds:.1f} s). Next: qualcode suggest "
        f"--coder {result.coder}"
    )


@app.command("suggest")
def suggest_command(
    coder: Annotated[
        str,
        typer.Option("--coder", help="Whose learned model to apply.", show_default=False),
    ],
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            help="CODE=X: suggest the code from score X (0-1); default: chosen by learn.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Apply the model learned from a person to every segment: codings by learned:NAME.

    Example: qualcode suggest --coder laia --threshold inequality/housing=0.6

    Each coding has its score and, as evidence, the words that weighed most for it. Rerunning
    replaces learned:NAME's codings in one transaction; nobody else's are touched. Review them
    with 'qualcode review --auto-coder learned:NAME --code CODE'.
    """
    from qualcode.learning import parse_thresholds, suggest

    thresholds = parse_thresholds(threshold or [])
    with state.open_store() as store:
        result = suggest(store, coder, thresholds=thresholds)
    _print_suggested(result)


def _print_suggested(result: SuggestResult) -> None:
    rows: list[list[Cell]] = [
        [
            c.code_path,
            c.in_scope,
            c.suggested,
            f"{c.threshold:.2f}",
            _figure(c.f1),
            *changes(c.added, c.removed),
        ]
        for c in result.codes
    ]
    typer.echo(
        table(["code", "in scope", "suggested", "threshold", "F1 (CV)", "added", "removed"], rows)
    )
    typer.echo(
        f"{result.segments_read:,} segments read; {result.codings:,} codings by {result.coder} "
        f"({result.seconds:.1f} s)."
    )
    typer.echo(
        f"F1 (CV) is learn's cross-validated figure; 'agree' of {result.learned_from} and "
        f"{result.coder} on what {result.learned_from} coded measures memory, not accuracy."
    )
