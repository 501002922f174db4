"""memo add and memo list."""

from __future__ import annotations

import textwrap
from typing import Annotated

import typer

from qualcode.cli.app import app, state
from qualcode.cli.options import person

memo_app = typer.Typer(
    help="Notes on the project, a document, a segment or a code.", no_args_is_help=True
)
app.add_typer(memo_app, name="memo")

ON_HELP = (
    "What the memo is on: project, a document (barcelona/c01.txt), a segment (DOCUMENT#N or its "
    "id) or a code (inequality/housing); document:NAME or code:PATH when a name is both."
)


@memo_app.command("add")
def memo_add(
    text: Annotated[str, typer.Argument(help="The memo.")],
    on: Annotated[str, typer.Option("--on", help=ON_HELP)] = "project",
    author: Annotated[
        str | None,
        typer.Option(
            "--author",
            help="Who writes it (default: $QUALCODE_CODER, else your login name).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a memo on the project, a document, a segment or a code.

    Example: qualcode memo add "Rent, not mortgages, in every Birmingham turn" --on housing

    Memos go out in REFI-QDA archives as notes (export qdpx), come back from them (import qdpx)
    and are listed in the HTML report.
    """
    from qualcode.memos import add_memo

    with state.open_store() as store:
        memo = add_memo(store, text, on, person(author))
    typer.echo(f"Added a memo by {memo.author} on {memo.reference}.")


@memo_app.command("list")
def memo_list(
    on: Annotated[
        str | None,
        typer.Option("--on", help="Only the memos on this; a document's include its segments'."),
    ] = None,
) -> None:
    """List the memos, oldest first: the project's, then each document's and each code's.

    Example: qualcode memo list --on barcelona/c01.txt
    """
    from qualcode.memos import list_memos

    with state.open_store() as store:
        memos = list_memos(store, on)
    if not memos:
        typer.echo("No memos" + (f" on {on}." if on else " yet: add one with 'qualcode memo add'."))
        return
    for memo in memos:
        earlier = "" if memo.segment_current else ", on an earlier version of the document"
        typer.echo(f"{memo.reference}  ({memo.author}, {memo.created_at}{earlier})")
        for line in memo.text.splitlines() or [""]:
            typer.echo(textwrap.indent(line, "    ") if line else "")
