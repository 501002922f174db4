"""Plain text and Markdown transcripts, with optional YAML front matter.

The encoding is detected, not guessed: a BOM decides first; otherwise a file that is valid UTF-8 is
UTF-8 (a strict check that Windows-1252 or Latin-1 text with accents practically never passes), and
anything else is Windows-1252 or Latin-1, the single-byte encodings these transcripts come in. The
two differ only in the bytes 0x80-0x9F: curly quotes, dashes and the euro in Windows-1252, control
codes that never occur in text in Latin-1; so those bytes decide. (A statistical detector such as
charset-normalizer, given DOS and Mac code pages too, mis-decoded short Windows-1252 files, and
gave up on some.)
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

import yaml

from qualcode.errors import QualcodeError, ReaderError
from qualcode.models import Paragraph, ReadDocument
from qualcode.speakers import find_label, is_bare_clock, is_stage_direction

_C1_BYTE = re.compile(rb"[\x80-\x9f]")
# Bytes 0x80-0x9F that Windows-1252 leaves undefined: a file holding them is not Windows-1252.
_CP1252_UNDEFINED = frozenset({b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"})
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# Lines without a blank one between them (a line of nothing but white space ends a block).
_BLOCK = re.compile(r"[^\n]+(?:\n[ \t]*[^\s][^\n]*)*")
_HEADING = re.compile(r"^#{1,6}\s")


def decode(data: bytes, path: Path, error: type[QualcodeError] = ReaderError) -> tuple[str, str]:
    """Decode bytes of a text transcript or table and say which encoding they were in.

    ``error``: the class raised when they cannot be text (a reader's, an import's).
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as failure:
                raise error(
                    f"starts with a {encoding} byte-order mark but is not valid {encoding} "
                    f"(byte {failure.start})",
                    path=path,
                ) from failure
    if b"\x00" in data[:8192]:
        raise error("binary file, not text (contains NUL bytes)", path=path)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass  # not UTF-8: Windows-1252 or Latin-1, told apart by the bytes 0x80-0x9F below
    c1_bytes = set(_C1_BYTE.findall(data))
    if c1_bytes and not c1_bytes & _CP1252_UNDEFINED:
        return data.decode("cp1252"), "cp1252"
    return data.decode("latin_1"), "latin_1"


def read_text(path: Path) -> ReadDocument:
    return _read(path, fmt="txt")


def read_markdown(path: Path) -> ReadDocument:
    return _read(path, fmt="md")


def read_restructured_text(path: Path) -> ReadDocument:
    """reStructuredText is read as plain text: its marks stay in the text, as Markdown's do."""
    return _read(path, fmt="rst")


def _read(path: Path, fmt: str) -> ReadDocument:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReaderError(f"cannot read file: {error.strerror}", path=path) from error
    raw, encoding = decode(data, path)
    # NFC: a decomposed accent (e + U+0301) would otherwise split a word in two for matching.
    raw = unicodedata.normalize("NFC", raw)
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    properties, body = split_front_matter(raw, path)
    text = body.strip("\n")
    paragraphs = tuple(split_paragraphs(text, markdown=fmt == "md"))
    return ReadDocument(
        text=text, paragraphs=paragraphs, properties=properties, format=fmt, encoding=encoding
    )


def split_front_matter(raw: str, path: Path) -> tuple[dict[str, str], str]:
    """Separate YAML front matter (``---`` ... ``---``) from the transcript body."""
    if not raw.startswith("---\n"):
        return {}, raw
    closing = re.search(r"^(?:---|\.\.\.)[ \t]*$", raw[4:], flags=re.MULTILINE)
    if closing is None:
        raise ReaderError("front matter opened with '---' is never closed", path=path, line=1)
    block = raw[4 : 4 + closing.start()]
    try:
        loaded = yaml.safe_load(block)
    except RecursionError:  # PyYAML composes nested collections recursively
        raise ReaderError("front matter is nested too deeply", path=path, line=2) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise ReaderError(
            f"front matter is not valid YAML: {getattr(error, 'problem', error)}",
            path=path,
            line=line,
        ) from error
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise ReaderError("front matter must be a mapping of key: value", path=path, line=2)
    properties: dict[str, str] = {}
    for key, value in loaded.items():
        if value is None or not str(key).strip():
            continue
        if isinstance(value, dict) or (
            isinstance(value, list) and any(isinstance(item, list | dict) for item in value)
        ):
            # Attributes are text. Refused rather than written out: YAML aliases let a few
            # lines nest one list in another until writing it out takes gigabytes.
            raise ReaderError(
                f"front matter value of '{key}' must be text or a list of texts, not a nested "
                "structure",
                path=path,
                line=_key_line(block, str(key)),
            )
        properties[str(key).strip().lower()] = _scalar(value)
    body = raw[4 + closing.end() :]
    return properties, body.removeprefix("\n")


def _key_line(block: str, key: str) -> int:
    """The line of the file where front matter ``key:`` is written (the block starts on line 2)."""
    pattern = re.compile(rf"""\s*["']?{re.escape(key)}["']?\s*:""")
    for number, text in enumerate(block.split("\n"), start=2):
        if pattern.match(text):
            return number
    return 2


def _scalar(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value).strip()


def split_paragraphs(text: str, markdown: bool = False) -> list[Paragraph]:
    """Blocks separated by blank lines, split again where a line opens with a speaker label.

    Hard-wrapped lines stay in one paragraph; ``Name: ...`` lines written without blank lines
    between them still become one paragraph each, and so do lines that hold only a stage
    direction or a clock time.
    """
    paragraphs: list[Paragraph] = []
    for block_match in _BLOCK.finditer(text):
        block_start, block_end = block_match.span()
        block = block_match.group()
        if "\n" not in block:
            # A block of one line is one paragraph whatever the line opens with: only a line
            # that follows another in its block can open a paragraph of its own. Most
            # transcripts put a blank line between turns, so this is most paragraphs.
            _append_paragraph(paragraphs, text, block_start, block_end, markdown)
            continue
        offset = block_start
        current_start: int | None = None
        current_end = 0
        for line in block.split("\n"):
            line_start, line_end = offset, offset + len(line)
            offset = line_end + 1
            if not line.strip():
                continue
            # A stage direction or a clock time on a line of its own is not part of the speech
            # around it, even without blank lines: it stands as a paragraph of its own.
            stands_alone = is_stage_direction(line) or is_bare_clock(line)
            # Whether the line opens a turn matters only after another line of the paragraph.
            if current_start is not None and (stands_alone or _opens_turn(line, markdown)):
                _append_paragraph(paragraphs, text, current_start, current_end, markdown)
                current_start = None
            if stands_alone:
                _append_paragraph(paragraphs, text, line_start, line_end, markdown)
                continue
            if current_start is None:
                current_start = line_start
            current_end = line_end
        if current_start is not None:
            _append_paragraph(paragraphs, text, current_start, current_end, markdown)
    return paragraphs


def _opens_turn(line: str, markdown: bool) -> bool:
    return find_label(line) is not None or (markdown and _HEADING.match(line) is not None)


def _append_paragraph(
    paragraphs: list[Paragraph], text: str, start: int, end: int, markdown: bool
) -> None:
    """Add ``text[start:end]`` without its surrounding white space, unless that is all it is."""
    chunk = text[start:end]
    left_stripped = chunk.lstrip()
    body = left_stripped.rstrip()
    if not body:
        return
    start += len(chunk) - len(left_stripped)
    style = "heading" if markdown and _HEADING.match(body) else None
    paragraphs.append(
        Paragraph(text=body, start_char=start, end_char=start + len(body), style=style)
    )
