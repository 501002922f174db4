"""Building a document's plain text from the blocks a reader found, and helpers readers share.

Readers of formats without a plain text of their own (ODT, PDF, subtitles, RTF, spreadsheets) make
a list of :class:`Block` and let :func:`assemble` join them with newlines, as the Word reader does.
A block may carry a label (``[00:01:02.500] Ana Puig: ``) that is printed before its text but stays
outside the paragraph, so the document reads like a transcript while spans hold only the speech.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import ReaderError
from qualcode.models import Paragraph

# Only complete references (``&amp;``, ``&#233;``, ``&#xE9;``): html.unescape alone also expands
# legacy names without a semicolon, which would turn "S&deg" or "&copy" in plain speech into signs.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SPACES = re.compile(r"[ \t\u00a0]+")


@dataclass(frozen=True)
class Block:
    """One paragraph to be: its text, and what the reader knows about it."""

    text: str
    label: str = ""
    style: str | None = None
    italic: bool = False
    in_table: bool = False
    speaker: str | None = None
    timestamp: str | None = None
    page: int | None = None
    codes: tuple[str, ...] = ()


def assemble(blocks: list[Block]) -> tuple[str, tuple[Paragraph, ...]]:
    """Join blocks with newlines; each paragraph spans its block's text, without the label."""
    lines: list[str] = []
    paragraphs: list[Paragraph] = []
    offset = 0
    for block in blocks:
        # NFC: a decomposed accent (e + U+0301) would otherwise split a word in two for matching.
        text = unicodedata.normalize("NFC", block.text).strip()
        label = unicodedata.normalize("NFC", block.label)
        if not text:
            continue
        start = offset + len(label)
        paragraphs.append(
            Paragraph(
                text=text,
                start_char=start,
                end_char=start + len(text),
                style=block.style,
                italic=block.italic,
                in_table=block.in_table,
                speaker=block.speaker,
                timestamp=block.timestamp,
                page=block.page,
                codes=block.codes,
            )
        )
        line = label + text
        lines.append(line)
        offset += len(line) + 1
    return "\n".join(lines), tuple(paragraphs)


def turn_label(speaker: str | None, timestamp: str | None) -> str:
    """The label printed before a turn's text: ``[00:01:02.500] Ana Puig: `` or a part of it."""
    label = f"[{timestamp}] " if timestamp else ""
    if speaker:
        label += f"{speaker}: "
    return label


def unescape_entities(text: str) -> str:
    """Decode HTML character references (``&amp;``, ``&#8217;``) in subtitle and RTF text."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda match: html.unescape(match.group()), text)


def squeeze_spaces(text: str) -> str:
    """Runs of spaces and tabs (justified PDF lines, subtitle padding) become one space."""
    return _SPACES.sub(" ", text).strip()


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ReaderError(f"cannot read file: {error.strerror}", path=path) from error
