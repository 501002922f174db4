"""The ``qualcode`` command's entry point: Ctrl-C handled before anything heavy is imported.

Importing the command line takes a moment (typer, and the modules commands import), and an
interrupt in that time used to end in a Python traceback. This module imports only the standard
library, installs the handler, then imports and runs the command line, so that an interrupt at
any moment is one line on stderr and exit 130, saying truly whether the command had already
saved its changes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType

EXIT_INTERRUPTED = 130

_told = False


def interrupted_message() -> str:
    """What an interrupt leaves: nothing written, or the command's changes already committed."""
    store = sys.modules.get("qualcode.store")
    committed = getattr(getattr(store, "Store", None), "commits", 0)
    if committed:
        return "finished; interrupted while closing (this command's changes are saved)"
    return "interrupted; the project is as it was before this command"


def tell_interrupted() -> None:
    """Print the interrupt's line, once per command."""
    global _told
    if not _told:
        _told = True
        print(f"Error: {interrupted_message()}", file=sys.stderr)


def command_started() -> None:
    """A command starts (several run in one process in the tests): nothing told yet."""
    global _told
    _told = False


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of the ``qualcode`` command (and of ``python -m qualcode``)."""
    signal.signal(signal.SIGINT, _on_interrupt)
    code: int | str | None = 0
    try:
        try:
            from qualcode.cli import main as run

            run()
        except SystemExit as done:
            code = done.code
        # Done: an interrupt from here on would escape every handler, and Python then ends by
        # killing itself with SIGINT (exit -2) instead of a line and 130.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:
        _exit_interrupted()
    if code == EXIT_INTERRUPTED:  # typer turns an interrupt outside a command into 130
        _exit_interrupted()
    sys.exit(code)


def _exit_interrupted() -> None:
    """Tell the interrupt and end with 130.

    Not through SystemExit: an interrupt that passed through an ``exec`` of a string (dataclasses
    and named tuples are made so while modules import) marks the interpreter, which then ends by
    killing itself with SIGINT (exit -2) whatever exit code it was given.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while closing: ignored
    tell_interrupted()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or a broken pipe
            stream.flush()
    os._exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
