"""The typer application, its command groups, the state a command runs with, and the mapping of
errors to messages and exit codes."""

from __future__ import annotations

import errno
import sqlite3
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from qualcode.cli.options import (
    PROJECT_FLAGS,
    DebugOption,
    NoWaitOption,
    ProjectOption,
    VersionOption,
)
from qualcode.entry import command_started, tell_interrupted
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.store import Store

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_BUSY = 75
EXIT_INTERRUPTED = 130


class QualcodeGroup(TyperGroup):
    """Runs a command and turns the errors qualcode expects into one line on stderr.

    Every command also takes ``--project`` after its name (``qualcode status --project X``), as
    well as before it: researchers add options at the end of a command line.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, project_option_first(args))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except QualcodeError as error:
            _fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            if state.debug:
                traceback.print_exc()
            tell_interrupted()
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except sqlite3.DatabaseError as error:
            from qualcode.store import BUSY_HINT, BUSY_MESSAGE, is_busy

            if is_busy(error):  # another command took the lock after this one opened the project
                _fail(f"{state.project_path}: {BUSY_MESSAGE} ({BUSY_HINT})", EXIT_BUSY)
            _fail(f"{state.project_path}: project database error: {error}", EXIT_ERROR)
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise  # output piped into `head` and closed: typer exits quietly
            where = f"{error.filename}: " if error.filename else ""
            _fail(f"{where}{error.strerror or error}", EXIT_ERROR)


def project_option_first(args: list[str]) -> list[str]:
    """The arguments with a ``--project``/``-p`` (or ``--no-wait``) given after the command
    moved before it."""
    moved: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        if arg in PROJECT_FLAGS and index + 1 < len(args):
            moved.extend(args[index : index + 2])
            index += 2
            continue
        if arg.startswith("--project=") or arg == "--no-wait":
            moved.append(arg)
        else:
            rest.append(arg)
        index += 1
    return moved + rest


def _fail(message: str, code: int) -> None:
    if state.debug:
        traceback.print_exc()
    print(f"Error: {message}", file=sys.stderr)
    raise typer.Exit(code)


app = typer.Typer(
    cls=QualcodeGroup,
    name="qualcode",
    help=(
        "Deductive coding of interview transcripts: ingest, code with a YAML codebook, report.\n\n"
        "  qualcode ingest transcripts/\n\n"
        "  qualcode code --codebook justice.yaml\n\n"
        "  qualcode report --compare"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # tracebacks only with --debug, and never with local values
    rich_markup_mode=None,
)


# Command groups that several command modules add to.
export_app = typer.Typer(
    help="Write the project to files: segments, quotes, coding sheets, REFI-QDA.",
    no_args_is_help=True,
)
import_app = typer.Typer(
    help="Read codings and projects made elsewhere into the project.", no_args_is_help=True
)
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")


@dataclass
class State:
    project: Path | None = None
    debug: bool = False
    no_wait: bool = False

    @property
    def project_path(self) -> Path:
        from qualcode.store import resolve_project_path

        return resolve_project_path(self.project)

    @property
    def project_dir(self) -> Path:
        """The project file's folder, where codebook names are looked up first."""
        return self.project_path.resolve().parent

    def open_store(self, create: bool = False) -> Store:
        from qualcode.store import Store

        return Store.open(
            self.project_path, create=create, wait=not self.no_wait, on_wait=_tell_waiting
        )


def _tell_waiting() -> None:
    from qualcode.store import BUSY_MESSAGE

    print(f"{BUSY_MESSAGE}; waiting…", file=sys.stderr, flush=True)


state = State()


@app.callback()
def main_options(
    project: ProjectOption = None,
    debug: DebugOption = False,
    no_wait: NoWaitOption = False,
    version: VersionOption = False,
) -> None:
    state.project = project
    state.debug = debug
    state.no_wait = no_wait
    # What an interrupt reports is about this command alone; the store is imported only by a
    # command, so it is reset only where an earlier command (in the same process) loaded it.
    store = sys.modules.get("qualcode.store")
    if store is not None:
        store.Store.commits = 0
    command_started()
