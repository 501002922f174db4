"""Word (.docx) transcripts: python-docx opens the package, its styles and its properties; the
body's paragraphs and runs are read from the XML elements directly.

Body paragraphs and tables are read in document order (a table row becomes one paragraph, its cells
joined by `` | ``); headers, footers, footnotes and comments live in other parts of the package and
are left out. Paragraphs are joined with a newline to make the document's plain text.
"""

from __future__ import annotations

import unicodedata
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.exceptions import PythonDocxError
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.exceptions import InvalidXmlError, XmlchemyError
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from qualcode.errors import ReaderError
from qualcode.models import Paragraph, ReadDocument
from qualcode.safezip import check_package, structure_errors

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CELL_SEPARATOR = " | "
_PARAGRAPH = qn("w:p")
_TABLE = qn("w:tbl")
_RUN = qn("w:r")
_PARAGRAPH_PROPERTIES = qn("w:pPr")
_PARAGRAPH_STYLE = qn("w:pStyle")
_RUN_PROPERTIES = qn("w:rPr")
_ITALIC = qn("w:i")
_VALUE = qn("w:val")
_BREAK_TYPE = qn("w:type")
_TEXT = qn("w:t")
# What a run's other children stand for in its text, as python-docx's ``CT_R.text`` spells them;
# a break (``w:br``) is a newline only when it breaks a line (not a page or column).
_RUN_CHARACTERS = {
    qn("w:tab"): "\t",
    qn("w:ptab"): "\t",
    qn("w:cr"): "\n",
    qn("w:noBreakHyphen"): "-",
}
_BREAK = qn("w:br")
# Inline elements whose runs are the paragraph's text; anything else (w:del, w:moveFrom, w:pPr,
# bookmarks, proofing marks) holds no shown text.
_INLINE_CONTAINERS = {
    qn(name)
    for name in (
        "w:ins",
        "w:moveTo",
        "w:hyperlink",
        "w:fldSimple",
        "w:smartTag",
        "w:customXml",
        "w:sdt",
        "w:sdtContent",
        "w:dir",
        "w:bdo",
    )
}


def read_docx(path: Path) -> ReadDocument:
    # python-docx reads the package's parts lazily, while the blocks are walked: the whole
    # reading is inside.
    library_errors = (PythonDocxError, XmlchemyError)
    with structure_errors(path, ".docx", "python-docx", ReaderError, library_errors):
        return _read_docx(path)


def _read_docx(path: Path) -> ReadDocument:
    document = _open(path)
    texts: list[tuple[str, str | None, bool, bool]] = []
    for text, style, italic, in_table in _blocks(document):
        if text.strip():
            # NFC: a decomposed accent (e + U+0301) would split a word in two for matching.
            texts.append((unicodedata.normalize("NFC", text.strip()), style, italic, in_table))
    paragraphs: list[Paragraph] = []
    offset = 0
    for text, style, italic, in_table in texts:
        paragraphs.append(
            Paragraph(
                text=text,
                start_char=offset,
                end_char=offset + len(text),
                style=style,
                italic=italic,
                in_table=in_table,
            )
        )
        offset += len(text) + 1
    plain = "\n".join(text for text, *_ in texts)
    return ReadDocument(
        text=plain,
        paragraphs=tuple(paragraphs),
        properties=_properties(document),
        format="docx",
        encoding=None,
    )


def _open(path: Path) -> DocxDocument:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == _OLE_MAGIC:
        raise ReaderError(
            "password-protected or old-format Word file (an OLE container, not a .docx package)",
            path=path,
            hint="remove the password or save it as .docx in Word",
        )
    if not zipfile.is_zipfile(path):
        raise ReaderError("not a valid .docx file (it is not a zip package)", path=path)
    check_package(path, ReaderError, kind=".docx file")
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile) as error:
        raise ReaderError(f"not a valid .docx file ({error})", path=path) from error
    except (ValueError, OSError, etree.XMLSyntaxError) as error:
        raise ReaderError(f"corrupt .docx file ({error})", path=path) from error


def _blocks(document: DocxDocument) -> Iterator[tuple[str, str | None, bool, bool]]:
    """Yield (text, style, italic, in_table) for body paragraphs and table rows, in order.

    Paragraphs are read from the XML elements directly, not through python-docx's proxies: its
    ``Run.text`` runs an XPath query per run, which made reading slow (bench/README.md, Ingest).
    """
    body = document.element.body
    styles = _StyleLookup(document)
    for child in body.iterchildren():
        if child.tag == _PARAGRAPH:
            style, style_italic = styles.of(child)
            text, italic = _text_and_italic(child, style_italic)
            yield text, style, italic, False
        elif child.tag == _TABLE:
            for row in Table(child, document).rows:
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell repeats in row.cells
                        continue
                    seen.add(id(cell._tc))
                    texts_in_cell = (
                        _text(paragraph) for paragraph in cell._tc.iterchildren(_PARAGRAPH)
                    )
                    cells.append(" ".join(" ".join(texts_in_cell).split()))
                yield _CELL_SEPARATOR.join(cells), "table", False, True


class _StyleLookup:
    """A paragraph's style name and whether the style is italic, looked up once per style.

    python-docx's ``paragraph.style`` scans every style of the document on each call of a
    paragraph in the default style, so each style is asked for once, by the first paragraph that
    has it.
    """

    def __init__(self, document: DocxDocument) -> None:
        self._document = document
        self._known: dict[str | None, tuple[str | None, bool]] = {}

    def of(self, paragraph: BaseOxmlElement) -> tuple[str | None, bool]:
        style_id = _style_id(paragraph)
        if style_id not in self._known:
            try:
                style = DocxParagraph(paragraph, self._document).style
            except (KeyError, ValueError):
                style = None
            self._known[style_id] = (
                style.name if style is not None else None,
                bool(style is not None and style.font.italic),
            )
        return self._known[style_id]


def _style_id(paragraph: BaseOxmlElement) -> str | None:
    """The paragraph's ``w:pStyle`` value, None for the default style (as ``CT_P.style``)."""
    properties = _first_child(paragraph, _PARAGRAPH_PROPERTIES)
    if properties is None:
        return None
    style = _first_child(properties, _PARAGRAPH_STYLE)
    return None if style is None else style.get(_VALUE)


def _first_child(element: BaseOxmlElement, tag: str) -> BaseOxmlElement | None:
    """The first child with the tag, as ``element.find(tag)``, whose path parsing costs more."""
    return next(element.iterchildren(tag), None)


def _runs(paragraph: BaseOxmlElement) -> list[BaseOxmlElement]:
    """The runs of a paragraph's text in order: those in tracked insertions, hyperlinks, fields,
    smart tags and content controls too, none of tracked deletions (``w:del``, ``w:moveFrom``).

    python-docx's ``paragraph.text`` reads only the paragraph's own runs and hyperlinks, so a word
    typed with track changes on was lost (``rents are .``). A stack instead of recursion: the
    nesting is the file's to choose.
    """
    found: list[BaseOxmlElement] = []
    stack = list(reversed(paragraph))
    while stack:
        node = stack.pop()
        if node.tag == _RUN:
            found.append(node)
        elif node.tag in _INLINE_CONTAINERS:
            stack.extend(reversed(node))
    return found


def _text(paragraph: BaseOxmlElement) -> str:
    return "".join(_run_text(run) for run in _runs(paragraph))


def _run_text(run: BaseOxmlElement) -> str:
    """A run's text as python-docx's ``CT_R.text`` gives it: ``w:t`` text, tabs, breaks, hyphens."""
    parts: list[str] = []
    for child in run:
        tag = child.tag
        if tag == _TEXT:
            parts.append(child.text or "")
        elif tag == _BREAK:
            if child.get(_BREAK_TYPE, "textWrapping") == "textWrapping":
                parts.append("\n")
        elif tag in _RUN_CHARACTERS:
            parts.append(_RUN_CHARACTERS[tag])
    return "".join(parts)


def _text_and_italic(paragraph: BaseOxmlElement, style_italic: bool) -> tuple[str, bool]:
    """The paragraph's text, and whether every run that shows text is italic (by its own setting,
    else by the paragraph's style); False when no run shows text."""
    parts: list[str] = []
    shown = False
    italic = True
    for run in _runs(paragraph):
        text = _run_text(run)
        parts.append(text)
        if text.strip():
            shown = True
            # Every shown run's setting is read, so that an invalid one is reported.
            own = _italic(run)
            italic = italic and bool(own or (own is None and style_italic))
    return "".join(parts), shown and italic


def _italic(run: BaseOxmlElement) -> bool | None:
    """The run's own italic setting (``w:rPr/w:i``), None when it has none (as ``Run.italic``)."""
    properties = _first_child(run, _RUN_PROPERTIES)
    if properties is None:
        return None
    italic = _first_child(properties, _ITALIC)
    if italic is None:
        return None
    value = italic.get(_VALUE)
    if value is None:
        return True
    if value not in ("1", "0", "true", "false", "on", "off"):
        raise InvalidXmlError(f"w:i value must be one of 1, 0, true, false, on, off, got {value!r}")
    return value in ("1", "true", "on")


def _properties(document: DocxDocument) -> dict[str, str]:
    core = document.core_properties
    found: dict[str, str] = {}
    for key in ("title", "subject", "author", "keywords", "comments", "category"):
        value = getattr(core, key, None)
        if value and str(value).strip():
            found[key] = str(value).strip()
    if core.language and core.language.strip():
        found["language"] = core.language.strip()
    created = core.created
    if isinstance(created, datetime):
        found["date"] = created.date().isoformat()
    return found
