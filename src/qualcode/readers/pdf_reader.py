"""PDF transcripts with a text layer, through pypdf.

Text comes out in the order the PDF draws it, which for a word processor's or a transcription
service's output is the reading order. pypdf reports where each line starts; from that:

- running headers and footers are removed: a line among the top or bottom three of a page whose
  text (digits aside, so "Page 3 of 9" counts as "Page 4 of 9") recurs there on at least half the
  pages; and so is a bare page number at the top or bottom of a page;
- lines are joined into paragraphs: a paragraph ends at a wider gap than the page's usual line
  spacing, before a speaker label or a line indented after a sentence end, around a stage
  direction or clock time on a line of its own, and at a page end that closes a sentence;
- a word hyphenated at a line end is joined again (``inequal-`` + ``ity`` gives ``inequality``),
  unless the document writes the hyphenated form elsewhere (``well-known``) or the second part is
  a Catalan weak pronoun (``mencionar-ho``, ``guanyar-se``) and the joined form appears nowhere;
- each paragraph keeps the page it starts on (``Paragraph.page``, and so ``Segment.page``).

A PDF without any text (a scan) is refused with a hint to run OCR; it is not ingested as empty.

Kept: body text, paragraphs, page numbers of paragraphs, italics (from font names), the title,
author, subject, keywords, language and creation date. Dropped: running headers and footers, page
numbers, images, annotations and form fields, hyphens at line ends, layout (columns are read in
drawing order), pages without a text layer in a partly scanned file.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from qualcode.errors import ReaderError
from qualcode.models import ReadDocument
from qualcode.readers.assemble import Block, assemble, squeeze_spaces
from qualcode.speakers import find_label, fold, is_bare_clock, is_stage_direction

# pypdf logs warnings about sloppy but readable files ("EOF marker not found", duplicate keys);
# with no handler configured they would reach stderr, and the core never prints.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# Exceptions pypdf lets through on damaged files besides its own.
_DAMAGED = (PyPdfError, KeyError, ValueError, TypeError, AttributeError, IndexError, AssertionError)
_EDGE_LINES = 3
_PAGE_NUMBER = re.compile(
    r"^(?:(?:page|pag|pág|pàg|pagina|página|pàgina|p)\.?\s*)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?"
    r"(?:\s*(?:of|de|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_ENDS_SENTENCE = re.compile(r"[.!?…:][\"'»”’)\]]*$")
_HYPHENATED_END = re.compile(r"([^\W\d_]+)-$")
_LOWER_START = re.compile(r"^([^\W\d_A-Z][\w’'-]*)")
# Catalan weak pronouns written after a hyphen (mencionar-ho, guanyar-se, deixar-nos-en). Those
# that are also English word endings (lev-el, wom-en, ta-bles) count only after a verb ending.
_CLITIC = re.compile(r"^(?:ho|hi|li|nos|vos|se|me|te|ne|us|los|lo)(?:[-’'].*)?$")
_AMBIGUOUS_CLITIC = re.compile(r"^(?:la|les|el|en|l|m|n|s|t)(?:[-’'].*)?$")
_VERB_END = re.compile(r"(?:r|re|nt|u)$")
_WORD = re.compile(r"[^\W\d_][\w’'-]*[^\W_]|[^\W\d_]")


@dataclass
class _Line:
    text: str
    x: float
    y: float
    size: float
    italic: bool
    page: int


@dataclass
class _LineBuilder:
    page: int
    parts: list[str] = field(default_factory=list)
    position: tuple[float, float, float] | None = None
    italic: bool = True

    def take(self, text: str, x: float, y: float, size: float, italic: bool) -> None:
        self.parts.append(text)
        if text.strip():
            if self.position is None:
                self.position = (x, y, size)
            self.italic = self.italic and italic

    def line(self) -> _Line | None:
        text = squeeze_spaces("".join(self.parts))
        if not text or self.position is None:
            return None
        x, y, size = self.position
        return _Line(text=text, x=x, y=y, size=size, italic=self.italic, page=self.page)


def read_pdf(path: Path) -> ReadDocument:
    if b"%PDF-" not in _head(path):
        raise ReaderError("not a PDF file (no '%PDF-' header)", path=path)
    reader = _open(path)
    try:
        page_count = len(reader.pages)
    except _DAMAGED as error:
        raise ReaderError(
            f"damaged PDF: its pages cannot be listed ({error})", path=path
        ) from error
    pages = [_page_lines(reader, index, path) for index in range(page_count)]
    if not any(pages):
        raise ReaderError(
            f"no text layer (scanned PDF?): none of its {page_count} page(s) has text to extract",
            path=path,
            hint="run it through OCR first, for instance 'ocrmypdf in.pdf out.pdf'",
        )
    pages = _without_running_lines(pages)
    blocks = _blocks(pages)
    text, paragraphs = assemble(blocks)
    return ReadDocument(
        text=text, paragraphs=paragraphs, properties=_properties(reader), format="pdf"
    )


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(1024)
    except OSError as error:
        raise ReaderError(f"cannot read file: {error.strerror}", path=path) from error


def _open(path: Path) -> PdfReader:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReaderError("password-protected PDF", path=path, hint="remove the password")
    except DependencyError as error:
        raise ReaderError(
            f"encrypted PDF that needs a cryptography library to open ({error})", path=path
        ) from error
    except FileNotDecryptedError as error:
        raise ReaderError("password-protected PDF", path=path) from error
    except _DAMAGED as error:
        raise ReaderError(f"damaged or incomplete PDF file ({error})", path=path) from error
    return reader


def _page_lines(reader: PdfReader, index: int, path: Path) -> list[_Line]:
    builder = _LineBuilder(page=index + 1)
    lines: list[_Line] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        nonlocal builder
        if not text:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]) or 1.0
        italic = _italic_font(font)
        pieces = text.split("\n")
        for number, piece in enumerate(pieces):
            if number:
                line = builder.line()
                if line is not None:
                    lines.append(line)
                builder = _LineBuilder(page=index + 1)
            if piece:
                builder.take(piece, x, y, size * scale, italic)

    try:
        reader.pages[index].extract_text(visitor_text=visit)
    except _DAMAGED as error:
        raise ReaderError(
            f"damaged PDF: the text of page {index + 1} cannot be read ({error})", path=path
        ) from error
    last = builder.line()
    if last is not None:
        lines.append(last)
    return lines


def _italic_font(font: Any) -> bool:
    try:
        name = str(font.get("/BaseFont", "")) if font is not None else ""
    except AttributeError:
        return False
    return "italic" in name.lower() or "oblique" in name.lower()


def _edges(lines: list[_Line]) -> tuple[list[_Line], list[_Line]]:
    """The top and bottom lines of a page (by position, not drawing order)."""
    by_height = sorted(lines, key=lambda line: -line.y)
    return by_height[:_EDGE_LINES], by_height[-_EDGE_LINES:]


def _running_key(text: str) -> str:
    return " ".join(_DIGITS.sub("#", fold(text)).split())


def _without_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Remove running headers and footers, and page numbers at the top or bottom of pages."""
    with_text = [lines for lines in pages if lines]
    needed = max(2, math.ceil(len(with_text) / 2))
    top_counts: Counter[str] = Counter()
    bottom_counts: Counter[str] = Counter()
    for lines in with_text:
        top, bottom = _edges(lines)
        top_counts.update({_running_key(line.text) for line in top})
        bottom_counts.update({_running_key(line.text) for line in bottom})
    cleaned: list[list[_Line]] = []
    for lines in pages:
        top, bottom = _edges(lines)
        drop: set[int] = set()
        for edge, counts in ((top, top_counts), (bottom, bottom_counts)):
            for line in edge:
                if _labelled(line.text):
                    continue  # a turn that happens to open pages is speech, not a header
                if counts[_running_key(line.text)] >= needed or (
                    len(pages) > 1 and _PAGE_NUMBER.match(line.text)
                ):
                    drop.add(id(line))
        cleaned.append([line for line in lines if id(line) not in drop])
    return cleaned


def _labelled(text: str) -> bool:
    label = find_label(text)
    return label is not None and label.speaker is not None


def _blocks(pages: list[list[_Line]]) -> list[Block]:
    vocabulary = {
        word.casefold() for lines in pages for line in lines for word in _WORD.findall(line.text)
    }
    paragraphs: list[list[_Line]] = []
    previous: _Line | None = None
    pitch = _line_pitch(pages)
    for lines in pages:
        left = min((line.x for line in lines), default=0.0)
        for line in lines:
            alone = is_stage_direction(line.text) or is_bare_clock(line.text)
            if previous is None or alone or _breaks(previous, line, pitch, left):
                paragraphs.append([line])
            else:
                paragraphs[-1].append(line)
            previous = None if alone else line
    blocks: list[Block] = []
    for lines in paragraphs:
        blocks.append(
            Block(
                text=_join(lines, vocabulary),
                italic=all(line.italic for line in lines),
                page=lines[0].page,
            )
        )
    return blocks


def _line_pitch(pages: list[list[_Line]]) -> float:
    """The document's usual distance between lines of one paragraph.

    A low percentile of the steps between consecutive lines, not the median: in a transcript of
    short turns most steps are paragraph gaps, and the median would be one of them.
    """
    steps = sorted(
        a.y - b.y
        for lines in pages
        for a, b in itertools.pairwise(lines)
        if 0 < a.y - b.y < 4 * (b.size or 10.0)
    )
    if not steps:
        return 0.0
    return steps[len(steps) // 5]


def _breaks(previous: _Line, line: _Line, pitch: float, left: float) -> bool:
    """Does ``line`` open a new paragraph after ``previous``?"""
    if find_label(line.text) is not None:
        return True
    ends_sentence = _ENDS_SENTENCE.search(previous.text) is not None
    if line.page != previous.page:  # a paragraph goes on over a page break at the same margin
        return ends_sentence or abs(line.x - previous.x) > (line.size or 10.0)
    step = previous.y - line.y
    size = line.size or 10.0
    if pitch and (step > pitch * 1.15 or step < -size):  # a wider gap, or a jump up (new column)
        return True
    return ends_sentence and line.x - left > size  # an indented first line


def _join(lines: list[_Line], vocabulary: set[str]) -> str:
    text = lines[0].text
    for line in lines[1:]:
        if text.endswith("\xad"):  # a soft hyphen marks a break inside a word
            text = text[:-1] + line.text
            continue
        end = _HYPHENATED_END.search(text)
        start = _LOWER_START.match(line.text)
        if end is not None and start is None and line.text[:1].isalpha():
            text = text + line.text  # Jean-Luc, anti-Brexit: a capital is never a word's middle
            continue
        if end is not None and start is not None:
            hyphenated = f"{end.group(1)}-{start.group(1)}".casefold()
            joined = f"{end.group(1)}{start.group(1)}".casefold()
            if joined not in vocabulary and (
                hyphenated in vocabulary or _is_clitic(end.group(1), start.group(1))
            ):
                text = text + line.text  # a compound such as well-known keeps its hyphen
            else:
                text = text[:-1] + line.text
            continue
        text = f"{text} {line.text}"
    return text


def _is_clitic(before: str, after: str) -> bool:
    after = after.casefold()
    if _CLITIC.match(after):
        return True
    return bool(_AMBIGUOUS_CLITIC.match(after) and _VERB_END.search(before.casefold()))


def _properties(reader: PdfReader) -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        metadata = reader.metadata
        if metadata is not None:
            for key, value in (
                ("title", metadata.title),
                ("author", metadata.author),
                ("subject", metadata.subject),
                ("keywords", metadata.get("/Keywords")),
            ):
                if value and str(value).strip():
                    found[key] = str(value).strip()
            created = metadata.creation_date
            if created is not None:
                found["date"] = created.date().isoformat()
        language = reader.root_object.get("/Lang")
        if language and str(language).strip():
            found["language"] = str(language).strip()
    except _DAMAGED:
        pass  # damaged metadata is not worth refusing the transcript for
    return found
