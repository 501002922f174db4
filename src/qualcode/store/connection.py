"""Opening a project file: where it is, the pragmas, waiting for another command's lock, the
migrations, and the transactions every command writes in.

The schema exists only as the migrations in :mod:`qualcode.store.migrations`, applied when a project
is opened (after a backup copy, when the project already holds data). Foreign keys are on. Callers
wrap each command's writes in :meth:`Connection.transaction`, so an interrupted command leaves the
project as it was: SQLite's rollback journal undoes a transaction that never committed, even after a
kill.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Self

from qualcode.errors import ProjectBusyError, StoreError
from qualcode.store import clock
from qualcode.store.migrations import MIGRATIONS

DEFAULT_PROJECT_FILE = "project.qualcode"
PROJECT_ENV = "QUALCODE_PROJECT"


def resolve_project_path(option: Path | None) -> Path:
    """``--project`` wins, then ``QUALCODE_PROJECT``, then ``project.qualcode`` here."""
    if option is not None:
        return option
    from_env = os.environ.get(PROJECT_ENV)
    if from_env:
        return Path(from_env)
    return Path.cwd() / DEFAULT_PROJECT_FILE


BUSY_MESSAGE = "another qualcode command is writing this project"
BUSY_HINT = "wait for it to finish, or run again without --no-wait to wait for it"
BUSY_GRACE_SECONDS = 0.5
"""How long a command waits for a lock before it says it is waiting (or, --no-wait, stops)."""
BUSY_TIMEOUT_SECONDS = 600
"""Once open, how long one statement waits for another command's lock before it fails."""


PAGE_SIZE = 16384
"""Bytes per database page of a new project. SQLite's default, 4096, is made for small records;
a project holds transcripts and hundreds of thousands of codings, and larger pages make fewer
page splits and reads while a coding run writes them. A project keeps the page size it was
created with."""


def is_busy(error: sqlite3.Error) -> bool:
    """Whether SQLite failed because another connection holds the project's lock."""
    return isinstance(error, sqlite3.OperationalError) and (
        "database is locked" in str(error) or "database is busy" in str(error)
    )


def _wait_for_writer(
    connection: sqlite3.Connection,
    path: Path,
    wait: bool,
    on_wait: Callable[[], None] | None,
) -> None:
    """Return once no other command is writing the project (a write lock taken and let go).

    SQLite's own wait ends in "database is locked" after its timeout, which a long ingest
    passes; here the wait is as long as the other command takes, in steps of a second so that
    Ctrl-C stops it.
    """
    told = False
    while True:
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                return  # a read-only file, say: the command's own statements will tell
            if not wait:
                raise ProjectBusyError(BUSY_MESSAGE, path=path, hint=BUSY_HINT) from None
            if not told and on_wait is not None:
                on_wait()
            told = True
            connection.execute("PRAGMA busy_timeout = 1000")
            continue
        connection.execute("ROLLBACK")
        return


class Connection:
    """An open project file: the connection, its transactions and its migrations."""

    commits: ClassVar[int] = 0
    """Transactions committed in this process, migrations aside: what an interrupt reports."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._in_transaction = False
        self._migrating = False

    @classmethod
    def open(
        cls,
        path: Path,
        create: bool = False,
        *,
        wait: bool = True,
        on_wait: Callable[[], None] | None = None,
    ) -> Self:
        """Open a project, applying pending migrations. ``create`` allows a new, empty file.

        If another command is writing the project, wait for it to finish (calling ``on_wait``
        once first) or, with ``wait=False``, raise :class:`ProjectBusyError`.
        """
        path = Path(path)
        if not path.exists() and not create:
            raise StoreError(
                "no qualcode project here",
                path=path,
                hint="run 'qualcode ingest FOLDER' first, or pass --project PATH",
            )
        if path.exists() and path.is_dir():
            raise StoreError("the project path is a folder, not a project file", path=path)
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists() or path.stat().st_size == 0
        connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_GRACE_SECONDS)
        try:
            connection.row_factory = sqlite3.Row
            if new:  # before anything writes: the first write fixes the page size
                connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            _wait_for_writer(connection, path, wait, on_wait)
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA synchronous = NORMAL")
            store = cls(path, connection)
            store._migrate()
        except sqlite3.DatabaseError as error:
            connection.close()
            if is_busy(error):
                raise ProjectBusyError(BUSY_MESSAGE, path=path, hint=BUSY_HINT) from error
            raise StoreError(f"not a qualcode project ({error})", path=path) from error
        except BaseException:
            connection.close()  # never leave the file open (and locked, on Windows) on failure
            raise
        return store

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        db = self._db
        tables = {
            row["name"] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if tables and "_migrations" not in tables:
            raise StoreError(
                "not a qualcode project (an SQLite database of another application)",
                path=self.path,
                hint="choose another --project path",
            )
        db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        applied = {row["name"] for row in db.execute("SELECT name FROM _migrations")}
        known = {name for name, _ in MIGRATIONS}
        unknown = applied - known
        if unknown:
            raise StoreError(
                f"the project was written by a newer qualcode (schema {sorted(unknown)[-1]})",
                path=self.path,
                hint="upgrade qualcode",
            )
        pending = [(name, fn) for name, fn in MIGRATIONS if name not in applied]
        if not pending:
            return
        if applied and self._has_documents():
            self._backup(suffix=f".before-{pending[0][0]}.bak")
        self._migrating = True
        try:
            self._apply(pending)
        finally:
            self._migrating = False

    def _apply(self, pending: list[tuple[str, Any]]) -> None:
        db = self._db
        with self.transaction():
            for name, migration in pending:
                migration(db)
                db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, clock.now()))

    def _has_documents(self) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents'"
        ).fetchone()
        return (
            row is not None and self._db.execute("SELECT 1 FROM documents").fetchone() is not None
        )

    def _backup(self, suffix: str) -> Path:
        target = self.path.with_name(self.path.name + suffix)
        with sqlite3.connect(target) as copy:
            self._db.backup(copy)
        copy.close()
        return target

    def applied_migrations(self) -> list[str]:
        return [r["name"] for r in self._db.execute("SELECT name FROM _migrations ORDER BY name")]

    def created_at(self) -> str | None:
        """When the project file was made: the time its first migration was applied."""
        row = self._db.execute("SELECT MIN(applied_at) FROM _migrations").fetchone()
        return None if row is None or row[0] is None else str(row[0])

    @contextmanager
    def transaction(self, *, check_references: bool = True) -> Iterator[None]:
        """All writes inside commit together or not at all (nested calls join the outer one).

        ``check_references=False`` turns SQLite's foreign-key checks off until the transaction
        ends. It is for a coding run, which writes hundreds of thousands of codings that refer
        only to segments, codes and a run it has itself read or written in the transaction:
        checking each reference again would cost much of their insert time.
        Nothing cascades either, so what such a transaction deletes, it deletes with its
        dependents itself (:func:`old_versions.drop_unreferenced_old_versions`). A nested call
        keeps the outer transaction's checks.
        """
        if self._in_transaction:
            yield
            return
        if not check_references:
            self._db.execute("PRAGMA foreign_keys = OFF")  # only possible between transactions
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                try:
                    self._db.execute("COMMIT")
                finally:
                    # Counted even when an interrupt arrives just after COMMIT: the message of
                    # an interrupt must say the changes are saved. Counted on the store's class,
                    # Store, which is where the command line resets and reads it.
                    if not self._db.in_transaction and not self._migrating:
                        type(self).commits += 1
            finally:
                self._in_transaction = False
        finally:
            if not check_references:
                self._db.execute("PRAGMA foreign_keys = ON")


def _sql_text(value: str) -> str:
    """An SQL expression for ``value``, whatever characters it holds (quotes, NUL)."""
    return f"CAST(X'{value.encode().hex()}' AS TEXT)"
