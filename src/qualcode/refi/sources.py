"""The text of each source of an archive, and how selection positions map onto it.

The plain text file (``plainTextPath``) comes first, then text inside the project file
(``PlainTextContent``), then the Word file (``richTextPath``) read by qualcode's Word reader. When
both the plain text and the Word file are there and qualcode's reading of the Word file is exactly
the plain text, the Word file's paragraph styles segment the document (speaker-name paragraphs),
as when it was ingested. Text that is not UTF-8 is decoded as ingest would, and Windows line
endings become ``\\n`` with the positions moved to match (:mod:`qualcode.refi.positions` finds
how each source's positions count).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from qualcode.errors import ReaderError
from qualcode.models import ReadDocument
from qualcode.readers import read_file
from qualcode.readers.text_reader import decode
from qualcode.refi.archive import INTERNAL_SCHEME, Archive
from qualcode.refi.positions import Choice, PositionMap
from qualcode.refi.qde import SourceRecord

_DRIVE_PATH = re.compile(r"/[A-Za-z]:/")


@dataclass(frozen=True)
class SourceText:
    """A source's text as qualcode keeps it, and how positions in the archive map onto it."""

    text: str
    written: str
    """The text as the archive has it, line endings as written: what positions count in."""
    raw: bytes
    format: str
    encoding: str | None
    read: ReadDocument | None = None
    """What the Word reader made of the source's ``.docx`` file: when the archive has no plain
    text, or when its reading is exactly the plain text (then its paragraph styles segment)."""
    choice: Choice | None = None
    """How the source's positions are read (:func:`qualcode.refi.positions.choose`); None: as
    the standard says."""

    @property
    def positions(self) -> PositionMap:
        return self.choice.map if self.choice is not None else PositionMap(self.written)

    @property
    def original_length(self) -> int:
        """The text's length in the positions of the reading used."""
        return self.positions.length

    def position(self, offset: int) -> int:
        return self.positions.place(offset)


@dataclass
class TextNotes:
    """What reading the sources had to put up with, for the warnings."""

    crlf: int = 0
    no_sources_folder: int = 0
    external: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    bare: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    not_utf8: list[str] = field(default_factory=list)
    from_docx: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)

    def warnings(self) -> list[str]:
        """One warning per kind of deviation met, with the sources concerned."""
        return [message for message, _ in self._messages()]

    def losses(self) -> list[str]:
        """The warnings about sources left out."""
        return [message for message, lost in self._messages() if lost]

    def _messages(self) -> list[tuple[str, bool]]:
        """(warning, whether it says a source was left out)."""
        found = []
        if self.no_sources_folder:
            found.append(
                (
                    f"{self.no_sources_folder} source files are not in a sources/ folder; read "
                    "from where they are",
                    False,
                )
            )
        if self.crlf:
            found.append(
                (
                    f"{self.crlf} sources have Windows line endings; read with \\n line endings, "
                    "selection positions moved to match (each source's line says how they count "
                    "\\r\\n)",
                    False,
                )
            )
        for items, message, lost in (
            (self.not_utf8, "sources not in UTF-8, as the standard requires", False),
            (
                self.from_docx,
                "sources read from their Word file, the archive having no plain text: "
                "selections are placed on qualcode's reading of it; check them",
                False,
            ),
            (
                self.bare,
                "sources named by a bare file name instead of internal://; read from the "
                "archive's sources/ folder",
                False,
            ),
            (self.outside, "sources read from outside the archive, where the archive says", False),
            (
                self.external,
                "sources outside the archive not found (pass --base with the folder that holds "
                "them; files outside the archive are read only from there) left out",
                True,
            ),
            (self.missing, "sources whose file is not in the archive left out", True),
            (self.unreadable, "sources that cannot be read left out", True),
            (self.empty, "empty sources left out", True),
        ):
            if items:
                found.append((f"{len(items)} {message}: {', '.join(items)}", lost))
        return found


def _plain(data: bytes, text: str, fmt: str, encoding: str | None, notes: TextNotes) -> SourceText:
    if "\r" in text:
        notes.crlf += 1
    kept = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceText(kept, text, data, fmt, encoding)


@dataclass(frozen=True)
class Where:
    """Where the files an archive names outside itself are looked for."""

    base_path: str = ""
    """The project's ``basePath``: the folder, on the machine that wrote the archive, that
    ``relative://`` paths are relative to and ``absolute://`` ones may be inside."""
    base: Path | None = None
    """``import qdpx --base DIR``: that folder on this machine. Files outside the archive are read
    only from here: ``relative://`` paths under it, ``absolute://`` ones by their path below the
    ``basePath``, else by their file name."""


@dataclass
class _Locator:
    """Finds the bytes a source's reference names, in the archive or outside it."""

    archive: Archive
    project_member: str
    where: Where
    notes: TextNotes
    label: str

    def fetch(
        self, reference: str | None, problems: list[tuple[str, str]]
    ) -> tuple[str, bytes] | None:
        """(where it was found, its bytes), or None (and why, in problems)."""
        if not reference:
            return None
        if reference.startswith(INTERNAL_SCHEME) or "://" not in reference:
            bare = not reference.startswith(INTERNAL_SCHEME)
            name = reference if not bare else f"{INTERNAL_SCHEME}{reference}"
            member = self.archive.source_member(name, self.project_member)
            if member is None:
                problems.append(("missing", reference))
                return None
            if bare:
                self.notes.bare.append(self.label)
            elif not self.archive.in_sources_folder(member):
                self.notes.no_sources_folder += 1
            return member, self.archive.read(member)
        path = self._outside(reference)
        if path is None:
            problems.append(("external", reference))
            return None
        size = path.stat().st_size
        if size > self.archive.limits.max_member_bytes:
            self.notes.unreadable.append(f"{self.label} ({path}: {size:,} bytes, too large)")
            return None
        try:
            data = path.read_bytes()
        except OSError as error:
            self.notes.unreadable.append(f"{self.label} ({path}: {error.strerror})")
            return None
        self.notes.outside.append(f"{self.label} ({path})")
        return str(path), data

    def _outside(self, reference: str) -> Path | None:
        """The file under ``--base`` that a ``relative://`` or ``absolute://`` reference names.

        Only with ``--base``, and only inside it: an archive that names a file of its own
        choosing (``absolute:///home/you/.ssh/…``) never has it read.
        """
        base = self.where.base
        if base is None:
            return None
        scheme, _, rest = reference.partition("://")
        path = rest.replace("\\", "/")
        if _DRIVE_PATH.match(path):  # absolute:///C:/… from a Windows machine
            path = path[1:]
        candidates: list[str] = []
        if scheme.lower() == "relative":
            candidates.append(path.lstrip("/"))
        elif scheme.lower() == "absolute":
            root = self.where.base_path.replace("\\", "/").rstrip("/")
            if _DRIVE_PATH.match(root):
                root = root[1:]
            if root and path.lower().startswith(f"{root.lower()}/"):
                candidates.append(path[len(root) + 1 :])
            candidates.append(PurePosixPath(path).name)
        inside = base.resolve()
        for candidate in candidates:
            found = (base / candidate).resolve()
            if found.is_file() and found.is_relative_to(inside):
                return base / candidate
        return None


def source_text(
    archive: Archive,
    project_member: str,
    source: SourceRecord,
    notes: TextNotes,
    where: Where | None = None,
) -> SourceText | None:
    """The plain text file, else the text in the project file, else the Word file."""
    label = source.name or source.guid or "unnamed source"
    locator = _Locator(archive, project_member, where or Where(), notes, label)
    fmt = "md" if source.name.lower().endswith(".md") else "txt"
    problems: list[tuple[str, str]] = []
    found = locator.fetch(source.plain_path, problems)
    if found is not None:
        plain = _decoded(found[1], found[0], label, fmt, notes)
        word = locator.fetch(source.rich_path, []) if plain is not None else None
        if plain is not None and word is not None and word[0].lower().endswith(".docx"):
            read = _read_docx(word[1])
            if read is not None and read.text == plain.text:
                return replace(plain, read=read, raw=word[1], format="docx", encoding=None)
        return plain
    if source.content is not None:
        return _plain(source.content.encode("utf-8"), source.content, fmt, "utf-8", notes)
    found = locator.fetch(source.rich_path, problems)
    if found is not None:
        if not found[0].lower().endswith(".docx"):
            notes.unreadable.append(f"{label} (only a {Path(found[0]).suffix} file)")
            return None
        return _docx_text(found[1], label, notes)
    for kind, reference in problems:
        if kind == "external":
            notes.external.append(f"{label} ({reference})")
        else:
            notes.missing.append(f"{label} ({reference})")
    if not problems:
        notes.missing.append(f"{label} (no text and no file named)")
    return None


def _decoded(data: bytes, member: str, label: str, fmt: str, notes: TextNotes) -> SourceText | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = decode(data, Path(member))
        except ReaderError as error:
            notes.unreadable.append(f"{label} ({error.message})")
            return None
        notes.not_utf8.append(f"{label} (read as {encoding})")
    return _plain(data, text, fmt, encoding, notes)


def _docx_text(data: bytes, label: str, notes: TextNotes) -> SourceText | None:
    problem: list[str] = []
    read = _read_docx(data, problem)
    if read is None:
        notes.unreadable.append(f"{label} ({problem[0]})")
        return None
    notes.from_docx.append(label)
    return SourceText(read.text, read.text, data, "docx", None, read)


def _read_docx(data: bytes, problem: list[str] | None = None) -> ReadDocument | None:
    """qualcode's reading of a Word file, or None (and why, in ``problem``)."""
    with tempfile.TemporaryDirectory(prefix="qualcode-refi-") as folder:
        path = Path(folder) / "source.docx"
        path.write_bytes(data)
        try:
            return read_file(path)
        except ReaderError as error:
            if problem is not None:
                problem.append(error.message)
            return None
