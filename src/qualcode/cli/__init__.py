"""The command line: parses options, calls one core function, renders the result.

Errors are mapped to messages in one place, :class:`~qualcode.cli.app.QualcodeGroup`: one line on
stderr, and an exit code from the README's table.
"""

from __future__ import annotations

import sys
import traceback

# Importing a command module registers its commands; one line per module.
# isort: off
# The order of these imports is the order of the commands in --help: the researcher's workflow.
from qualcode.cli import ingest_cmds  # noqa: F401
from qualcode.cli import coding_cmds  # noqa: F401
from qualcode.cli import search_cmds  # noqa: F401
from qualcode.cli import report_cmds  # noqa: F401
from qualcode.cli import human_cmds  # noqa: F401
from qualcode.cli import learn_cmds  # noqa: F401
from qualcode.cli import memo_cmds  # noqa: F401
from qualcode.cli import refi_cmds  # noqa: F401

# isort: on
from qualcode.cli.app import EXIT_INTERNAL, app, state


def main() -> None:
    """Entry point of the ``qualcode`` command."""
    try:
        app()
    except Exception as error:  # a bug, not bad input: one line, the traceback only with --debug
        if state.debug:
            traceback.print_exc()
        print(
            f"Error: internal error ({type(error).__name__}); please report it with the output "
            "of the same command run with --debug",
            file=sys.stderr,
        )
        sys.exit(EXIT_INTERNAL)
