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

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from qualcode.errors import ReaderError
from qualcode.models import ReadDocument
from qualcode.readers import read_file
from qualcode.readers.text_reader import decode
from qualcode.refi.archive import INTERNAL_SCHEME, Archive
from qualcode.refi.positions import Choice, PositionMap
from qualcode.refi.qde import SourceRecord


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
    missing: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    not_utf8: list[str] = field(default_factory=list)
    from_docx: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)

    def warnings(self) -> list[str]:
        """One warning per kind of deviation met, with the sources concerned."""
        found = []
        if self.no_sources_folder:
            found.append(
                f"{self.no_sources_folder} source files are not in a sources/ folder; read from "
                "where they are"
            )
        if self.crlf:
            found.append(
                f"{self.crlf} sources have Windows line endings; read with \\n line endings, "
                "selection positions moved to match (each source's line says how they count "
                "\\r\\n)"
            )
        for items, message in (
            (self.not_utf8, "sources not in UTF-8, as the standard requires"),
            (
                self.from_docx,
                "sources read from their Word file, the archive having no plain text: "
                "selections are placed on qualcode's reading of it; check them",
            ),
            (self.external, "sources outside the archive (relative:// or absolute://) left out"),
            (self.missing, "sources whose file is not in the archive left out"),
            (self.unreadable, "sources that cannot be read left out"),
            (self.empty, "empty sources left out"),
        ):
            if items:
                found.append(f"{len(items)} {message}: {', '.join(items)}")
        return found


def _plain(data: bytes, text: str, fmt: str, encoding: str | None, notes: TextNotes) -> SourceText:
    if "\r" in text:
        notes.crlf += 1
    kept = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceText(kept, text, data, fmt, encoding)


def source_text(
    archive: Archive, project_member: str, source: SourceRecord, notes: TextNotes
) -> SourceText | None:
    """The plain text file, else the text in the project file, else the Word file."""
    label = source.name or source.guid or "unnamed source"
    fmt = "md" if source.name.lower().endswith(".md") else "txt"
    problems: list[tuple[str, str]] = []
    member = _member(archive, project_member, source.plain_path, problems, notes)
    if member is not None:
        plain = _decoded(archive.read(member), member, label, fmt, notes)
        word = _member(archive, project_member, source.rich_path, [], notes)
        if plain is not None and word is not None and word.lower().endswith(".docx"):
            data = archive.read(word)
            read = _read_docx(data)
            if read is not None and read.text == plain.text:
                return replace(plain, read=read, raw=data, format="docx", encoding=None)
        return plain
    if source.content is not None:
        return _plain(source.content.encode("utf-8"), source.content, fmt, "utf-8", notes)
    member = _member(archive, project_member, source.rich_path, problems, notes)
    if member is not None:
        if not member.lower().endswith(".docx"):
            notes.unreadable.append(f"{label} (only a {Path(member).suffix} file)")
            return None
        return _docx_text(archive.read(member), label, notes)
    for kind, reference in problems:
        if kind == "external":
            notes.external.append(label)
        else:
            notes.missing.append(f"{label} ({reference})")
    if not problems:
        notes.missing.append(f"{label} (no text and no file named)")
    return None


def _member(
    archive: Archive,
    project_member: str,
    reference: str | None,
    problems: list[tuple[str, str]],
    notes: TextNotes,
) -> str | None:
    """The archive member an ``internal://`` reference names, or None (and why, in problems)."""
    if not reference:
        return None
    if not reference.startswith(INTERNAL_SCHEME):
        problems.append(("external", reference))
        return None
    member = archive.source_member(reference, project_member)
    if member is None:
        problems.append(("missing", reference))
    elif not archive.in_sources_folder(member):
        notes.no_sources_folder += 1
    return member


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
