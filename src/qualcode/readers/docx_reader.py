"""Word (.docx) transcripts through python-docx.

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
from docx.oxml.exceptions import XmlchemyError
from docx.oxml.ns import qn
from docx.oxml.text.run import CT_R
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run
from lxml import etree

from qualcode.errors import ReaderError
from qualcode.models import Paragraph, ReadDocument
from qualcode.safezip import check_package, structure_errors

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CELL_SEPARATOR = " | "
_RUN = qn("w:r")
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
    """Yield (text, style, italic, in_table) for body paragraphs and table rows, in order."""
    body = document.element.body
    styles = _StyleLookup()
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = DocxParagraph(child, document)
            style, style_italic = styles.of(paragraph)
            runs = _runs(child)
            text = "".join(run.text for run in runs)
            yield text, style, _all_italic(runs, paragraph, style_italic), False
        elif child.tag == qn("w:tbl"):
            for row in Table(child, document).rows:
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell repeats in row.cells
                        continue
                    seen.add(id(cell._tc))
                    texts = (_text(paragraph) for paragraph in cell._tc.iterchildren(qn("w:p")))
                    cells.append(" ".join(" ".join(texts).split()))
                yield _CELL_SEPARATOR.join(cells), "table", False, True


class _StyleLookup:
    """A paragraph's style name and whether the style is italic, looked up once per style.

    python-docx's ``paragraph.style`` scans every style of the document on each call of a
    paragraph in the default style; that took nine tenths of the time of reading a transcript.
    """

    def __init__(self) -> None:
        self._known: dict[str | None, tuple[str | None, bool]] = {}

    def of(self, paragraph: DocxParagraph) -> tuple[str | None, bool]:
        style_id = paragraph._p.style  # the w:pStyle value, None for the default style
        if style_id not in self._known:
            try:
                style = paragraph.style
            except (KeyError, ValueError):
                style = None
            self._known[style_id] = (
                style.name if style is not None else None,
                bool(style is not None and style.font.italic),
            )
        return self._known[style_id]


def _runs(paragraph: BaseOxmlElement) -> list[CT_R]:
    """The runs of a paragraph's text in order: those in tracked insertions, hyperlinks, fields,
    smart tags and content controls too, none of tracked deletions (``w:del``, ``w:moveFrom``).

    python-docx's ``paragraph.text`` reads only the paragraph's own runs and hyperlinks, so a word
    typed with track changes on was lost (``rents are .``). A stack instead of recursion: the
    nesting is the file's to choose.
    """
    found: list[CT_R] = []
    stack = list(reversed(paragraph))
    while stack:
        node = stack.pop()
        if node.tag == _RUN:
            found.append(node)
        elif node.tag in _INLINE_CONTAINERS:
            stack.extend(reversed(node))
    return found


def _text(paragraph: BaseOxmlElement) -> str:
    return "".join(run.text for run in _runs(paragraph))


def _all_italic(runs: list[CT_R], paragraph: DocxParagraph, style_italic: bool) -> bool:
    shown = [Run(run, paragraph) for run in runs if run.text.strip()]
    if not shown:
        return False
    return all(run.italic or (run.italic is None and style_italic) for run in shown)


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
