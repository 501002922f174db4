"""A progress bar on stderr for long work, shown only to a person at a terminal.

Core functions take a ``progress(done, total)`` callback and know nothing of terminals; a command
passes what :func:`progress_bar` yields. When stderr is not a terminal (scripts, pipes, tests) it
yields None, so the command's output is exactly what it was without a bar. At a terminal the bar
appears only once the work has run for :data:`SHOW_AFTER_SECONDS` (short commands stay quiet),
with the count done, the total and an estimate of the time left, and is erased when the work ends.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Progress = Callable[[int, int], None]
SHOW_AFTER_SECONDS = 1.5


class _Bar:
    def __init__(self, description: str) -> None:
        self.description = description
        self.started = time.monotonic()
        self._live: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._live is None:
            if time.monotonic() - self.started < SHOW_AFTER_SECONDS:
                return
            self._start(total)
        self._live.update(self._task, completed=done, total=total)

    def _start(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._live = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
            transient=True,
            # What the command prints on stdout goes above the bar when both are the terminal;
            # stdout sent to a file or a pipe is left alone.
            redirect_stdout=sys.stdout.isatty(),
            redirect_stderr=True,
        )
        self._live.start()
        self._task = self._live.add_task(self.description, total=total)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()


@contextmanager
def progress_bar(description: str) -> Iterator[Progress | None]:
    """``with progress_bar("Ingesting") as progress: core_function(..., progress=progress)``."""
    if not sys.stderr.isatty():
        yield None
        return
    bar = _Bar(description)
    try:
        yield bar
    finally:
        bar.close()
