"""Worker processes for long work (``code`` and ``ingest``), which end when their parent does.

Only the standard library here: ingest must not import the pattern engine to start its workers.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from qualcode.defaults import MAX_JOBS
from qualcode.errors import QualcodeError

PARENT_CHECK_SECONDS = 0.2
"""How often a worker looks whether the process that started it is still there."""
AHEAD_PER_JOB = 4
"""Tasks in flight per worker process (batches to code, files to read): enough that the workers
never wait while the main process writes, few enough that memory holds a handful of them, not the
corpus."""

Item = TypeVar("Item")
Result = TypeVar("Result")


def default_jobs() -> int:
    """Processes that work at once by default: the cores this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_JOBS))


def start_method() -> str:
    """fork starts workers at once and shares the imported modules; elsewhere (macOS, Windows)
    fork is unsafe or missing, and each worker imports qualcode afresh."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


def start_worker() -> None:
    """What every worker does first: leave Ctrl-C to its parent, and die with it."""
    # Ctrl-C reaches the whole process group; the main process alone decides what to do.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(os.getppid())


def die_with_parent(parent: int) -> None:
    """End this worker when its parent is gone (killed with -9, say).

    Otherwise a worker waits for work for ever: forked, it holds both ends of its task pipe, so
    the pipe never closes, and it keeps the caller's stdout open, so a script reading the output
    of the killed command would hang too.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="qualcode-parent-watch", daemon=True).start()


def worker_started() -> None:
    """A task that does nothing: its result means a worker ran its initializer."""


def start_pool(
    jobs: int,
    initializer: Callable[..., None],
    initargs: tuple[object, ...],
    stopped: Callable[[], QualcodeError],
) -> ProcessPoolExecutor:
    """``jobs`` worker processes, each started (its ``initializer`` run) before this returns, so
    that their start-up happens before any transaction opens. A worker that dies while starting
    is the error ``stopped()`` makes; anything else it raised is raised here."""
    pool = ProcessPoolExecutor(
        jobs,
        mp_context=multiprocessing.get_context(start_method()),
        initializer=initializer,
        initargs=initargs,
    )
    try:
        for started in [pool.submit(worker_started) for _ in range(jobs)]:
            started.result()
    except BaseException as error:
        pool.shutdown(wait=True, cancel_futures=True)
        if isinstance(error, BrokenProcessPool):
            raise stopped() from error
        raise
    return pool


def in_order(
    submit: Callable[[Item], Future[Result]],
    items: Iterable[Item],
    jobs: int,
    stopped: Callable[[], QualcodeError],
) -> Iterator[tuple[Item, Result]]:
    """Each item with its result, in the items' order, with at most ``AHEAD_PER_JOB * jobs``
    sent and not yet taken, so that the main process writes in a fixed order while memory stays
    bounded. A worker that dies is the error ``stopped()`` makes."""
    pending: deque[tuple[Item, Future[Result]]] = deque()
    try:
        for item in items:
            pending.append((item, submit(item)))
            if len(pending) >= AHEAD_PER_JOB * jobs:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    except BrokenProcessPool as error:
        raise stopped() from error
