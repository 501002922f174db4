"""Errors the core raises. The CLI turns them into one line on stderr and an exit code.

Every error says what went wrong and where (file, line, key, segment) so that the message alone is
enough to fix the input. The core never prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path


class QualcodeError(Exception):
    """Base class of every error qualcode expects and reports to the user."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.key = key
        self.hint = hint

    def where(self) -> str:
        parts = []
        if self.path is not None:
            parts.append(str(self.path) + (f":{self.line}" if self.line is not None else ""))
        if self.key is not None:
            parts.append(f"key '{self.key}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def detail(self) -> str:
        """The message with its line and hint but without the path, for a line that names the
        file already."""
        text = f"line {self.line}: {self.message}" if self.line is not None else self.message
        return f"{text} ({self.hint})" if self.hint else text


class UsageError(QualcodeError):
    """The command line asked for something that cannot be done as asked."""

    exit_code = 2


class ReaderError(QualcodeError):
    """A transcript could not be read: empty, corrupt, encrypted, binary or unsupported."""


class StoreError(QualcodeError):
    """The project file cannot be opened, is not a qualcode project, or is from a newer qualcode."""


class ProjectBusyError(StoreError):
    """Another qualcode command is writing the project, and the command was told not to wait."""

    exit_code = 75  # EX_TEMPFAIL: try again later


class CodebookError(QualcodeError):
    """A codebook is invalid. Carries the file, line and key of the problem."""


class ImportFormatError(QualcodeError):
    """A file to import (codings sheet, REFI-QDA archive) cannot be read as that format."""


def closest(wanted: str, known: Iterable[str], *, n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The names of ``known`` nearest to a mistyped ``wanted``, nearest first."""
    import difflib

    return difflib.get_close_matches(wanted, list(known), n=n, cutoff=cutoff)


def did_you_mean(names: Sequence[str]) -> str:
    """``did you mean 'a', 'b' or 'c'?``, or nothing without names.

    Every command offers its closest names in these words, so that a reader learns one shape.
    """
    if not names:
        return ""
    quoted = [f"'{name}'" for name in names]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f"did you mean {listed}?"


def suggesting(message: str, names: Sequence[str]) -> str:
    """``message (did you mean …?)``, or the message alone without names."""
    return f"{message} ({did_you_mean(names)})" if names else message


def unknown_coder(coder: str, known: Iterable[str]) -> UsageError:
    """The error for a coder name that made no codings: the closest names, else every coder."""
    names = sorted(set(known))
    close = closest(coder, names)
    if close:
        return UsageError(f"no codings by '{coder}' in this project", hint=did_you_mean(close))
    listed = ", ".join(names) or "none yet"
    return UsageError(f"no codings by '{coder}' in this project", hint=f"coders: {listed}")
