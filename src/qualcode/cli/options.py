"""The options and arguments several commands take, defined once so that they mean the same.

Each is a ``typing.Annotated`` alias a command names as a parameter's type, with its default
beside it (``coder: CoderOption = None``); an option whose help names the command's work is
made by a function of that wording. Only the standard library, typer, the version and
``defaults`` are imported here: every command module imports this one before any command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode import __version__
from qualcode.defaults import CODER_ENV, MAX_JOBS, PARALLEL_MIN_BYTES, PARALLEL_MIN_SEGMENTS

# -- before the command: every command takes these ----------------------------------------------

PROJECT_FLAGS = ("--project", "-p")
ProjectOption = Annotated[
    Path | None,
    typer.Option(
        *PROJECT_FLAGS,
        help="Project file (default: $QUALCODE_PROJECT, else ./project.qualcode).",
        show_default=False,
    ),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
NoWaitOption = Annotated[
    bool,
    typer.Option(
        "--no-wait",
        help="If another qualcode command is writing the project, stop (exit 75) "
        "instead of waiting for it.",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qualcode {__version__}")
        raise typer.Exit()


VersionOption = Annotated[
    bool,
    typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
]

# -- who codes, and whose codings ---------------------------------------------------------------

CoderOption = Annotated[
    str | None,
    typer.Option(
        "--coder",
        help=f"Who is coding (default: ${CODER_ENV}, else your login name).",
        show_default=False,
    ),
]
"""The person coding or reviewing now; :func:`person` gives the default."""


def person(option: str | None) -> str:
    """The name given, else ``$QUALCODE_CODER``, else the login name (what the help says)."""
    from qualcode.coders import default_coder

    return option if option is not None else default_coder()


WhoseCodingsOption = Annotated[
    str | None,
    typer.Option(
        "--coder",
        help="Whose codings: a human coder's name, or auto:CODEBOOK@VERSION. "
        "Default: the most recent automatic run.",
        show_default=False,
    ),
]

# -- which codes, segments and documents --------------------------------------------------------

SEGMENT_HELP = (
    "Segment: DOCUMENT#ORDINAL, with the document name as 'qualcode status' and exports show "
    "it (barcelona/c01_habitatge_pah.txt#12), or the numeric segment id."
)
SegmentArgument = Annotated[str, typer.Argument(help=SEGMENT_HELP, show_default=False)]
CodeArgument = Annotated[str, typer.Argument(help="Code path (or its last part, if unique).")]
CodesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--code", help="Only this code and its sub-codes (repeatable).", show_default=False
    ),
]
CityOption = Annotated[
    str | None, typer.Option("--city", help="Only documents of this city.", show_default=False)
]
WhereOption = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        help="Only documents with this attribute value, e.g. --where language=ca (repeatable).",
        show_default=False,
    ),
]


def document_filters(city: str | None, where: list[str] | None) -> tuple[tuple[str, str], ...]:
    """``--where`` pairs, checked, and ``--city`` as one more."""
    from qualcode.report import parse_filters

    filters = parse_filters(where or [])
    if city:
        filters += (("city", city),)
    return filters


ByOption = Annotated[
    str,
    typer.Option(
        "--by",
        help="Document attribute to group by (city, interviewee_role, organisation_type, "
        "language...), or 'document' for one group per document.",
    ),
]

# -- codebooks ----------------------------------------------------------------------------------

LatestCodebookOption = Annotated[
    str | None,
    typer.Option(
        "--codebook",
        "-c",
        help="Codebook file or name; default: the one of the project's latest automatic run.",
        show_default=False,
    ),
]

# -- how the work runs and what it shows --------------------------------------------------------


def _jobs(work: str, when: str) -> Any:
    return typer.Option(
        "--jobs",
        "-j",
        min=1,
        help=f"Processes that {work} at once (1: no worker processes). Default: the cores, at "
        f"most {MAX_JOBS}, {when}.",
        show_default=False,
    )


CodeJobsOption = Annotated[
    int | None,
    _jobs("match", f"on projects of {PARALLEL_MIN_SEGMENTS:,} segments or more"),
]
IngestJobsOption = Annotated[
    int | None,
    _jobs("read files", f"when the files hold {PARALLEL_MIN_BYTES / 1e6:g} MB or more"),
]


def context_option(text: str) -> Any:
    """``--context N``: the question before each quote and N turns either side (0: the question
    alone; not given: neither); ``text``, the help, says where the command shows them."""
    return typer.Option("--context", min=0, help=text, show_default=False)


AddLabelsOption = Annotated[bool, typer.Option("--add", help="Add to the current labels.")]
