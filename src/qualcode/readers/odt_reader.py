"""OpenDocument text (.odt, LibreOffice and others) through odfpy.

Body paragraphs, headings, list items and table rows are read in document order; a table row
becomes one paragraph with its cells joined by `` | ``, as in Word files. A paragraph's style is the
name the user sees (``Intervinent``, ``Heading 1``), taken through the automatic style LibreOffice
wraps around it, so speaker and stage-direction styles work as they do in Word. A paragraph is
italic when its style or every run of its text is.

Kept: body text, tables, lists, sections, paragraph styles, italics, the title, subject, author,
keywords, description, language and creation date. Dropped: headers and footers (they live in the
styles part), footnotes and endnotes, comments, tracked deletions, text boxes and captions in
frames, the table of contents, images.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax import SAXException

from odf.element import Element, IllegalChild, IllegalText, Node
from odf.namespaces import DCNS, DRAWNS, FONS, METANS, OFFICENS, STYLENS, TABLENS, TEXTNS
from odf.opendocument import OpenDocument, load

from qualcode.errors import ReaderError
from qualcode.models import ReadDocument
from qualcode.readers.assemble import Block, assemble
from qualcode.safezip import SafeZip, structure_errors

_TEXT_MIMETYPE = "application/vnd.oasis.opendocument.text"
_CELL_SEPARATOR = " | "
_MAX_SPACES = 1000
# Containers whose paragraphs are read as body text, in order.
_CONTAINERS = {
    (TEXTNS, "section"),
    (TEXTNS, "list"),
    (TEXTNS, "list-item"),
    (TEXTNS, "list-header"),
    (TEXTNS, "soft-page-break"),
    (TEXTNS, "numbered-paragraph"),
}
# Inline elements that are not the paragraph's own text.
_SKIPPED_INLINE = {
    (TEXTNS, "note"),
    (OFFICENS, "annotation"),
    (OFFICENS, "annotation-end"),
    (DRAWNS, "frame"),
    (DRAWNS, "a"),
    (TEXTNS, "ruby-text"),
    (TEXTNS, "tracked-changes"),
}
_ROWS = {
    (TABLENS, "table-header-rows"),
    (TABLENS, "table-rows"),
    (TABLENS, "table-row-group"),
}


@dataclass(frozen=True)
class _Style:
    display_name: str
    parent: str | None
    italic: bool | None
    automatic: bool  # made by the application around a user's style (P1, T2...)


def read_odt(path: Path) -> ReadDocument:
    with structure_errors(path, ".odt", "odfpy", ReaderError, (IllegalChild, IllegalText)):
        return _read_odt(path)


def _read_odt(path: Path) -> ReadDocument:
    document = _open(path)
    styles = _styles(document)
    body = _office_text(document)
    if body is None:
        raise ReaderError("the OpenDocument file has no text body", path=path)
    blocks = list(_blocks(body, styles))
    text, paragraphs = assemble(blocks)
    return ReadDocument(
        text=text, paragraphs=paragraphs, properties=_properties(document), format="odt"
    )


def _open(path: Path) -> OpenDocument:
    if not zipfile.is_zipfile(path):
        raise ReaderError("not a valid .odt file (it is not a zip package)", path=path)
    with SafeZip(path, ReaderError, kind=".odt file") as package:
        parts = {info.filename: info for info in package.members}
        mimetype = ""
        if "mimetype" in parts:
            mimetype = package.read(parts["mimetype"]).decode("ascii", "replace").strip()
        if mimetype and not mimetype.startswith(_TEXT_MIMETYPE):
            raise ReaderError(
                f"not an OpenDocument text (the package holds '{mimetype}')", path=path
            )
        manifest = parts.get("META-INF/manifest.xml")
        if manifest is not None and b"encryption-data" in package.read(manifest):
            raise ReaderError(
                "password-protected .odt file", path=path, hint="save it without a password"
            )
        if "content.xml" not in parts:
            raise ReaderError("not a valid .odt file (content.xml is missing)", path=path)
        # odfpy does not raise on a part that is not well-formed XML: it prints the whole part
        # (the interview text) to stdout and goes on without it. So every part is checked first.
        package.check_all_xml()
    try:
        return load(str(path))
    except (KeyError, SAXException, zipfile.BadZipFile, ValueError, OSError) as error:
        raise ReaderError(f"corrupt .odt file ({error})", path=path) from error


def _office_text(document: OpenDocument) -> Element | None:
    for body in document.body.childNodes:
        if body.nodeType == Node.ELEMENT_NODE and body.qname == (OFFICENS, "text"):
            return body
    return None


def _styles(document: OpenDocument) -> dict[str, _Style]:
    """Paragraph and text styles by internal name, common and automatic alike."""
    found: dict[str, _Style] = {}
    for container, automatic in ((document.styles, False), (document.automaticstyles, True)):
        for style in container.childNodes:
            if style.nodeType != Node.ELEMENT_NODE or style.qname != (STYLENS, "style"):
                continue
            name = style.getAttrNS(STYLENS, "name")
            if not name:
                continue
            italic: bool | None = None
            for child in style.childNodes:
                if child.nodeType == Node.ELEMENT_NODE and child.qname == (
                    STYLENS,
                    "text-properties",
                ):
                    posture = child.getAttrNS(FONS, "font-style")
                    if posture is not None:
                        italic = posture in ("italic", "oblique")
            found[name] = _Style(
                display_name=style.getAttrNS(STYLENS, "display-name") or name,
                parent=style.getAttrNS(STYLENS, "parent-style-name"),
                italic=italic,
                automatic=automatic,
            )
    return found


def _style_name(name: str | None, styles: dict[str, _Style]) -> str | None:
    """The name a user sees: automatic styles (P1, P2...) stand for their parent style."""
    seen: set[str] = set()
    while name and name in styles and name not in seen:
        seen.add(name)
        style = styles[name]
        if style.automatic and style.parent:
            name = style.parent
            continue
        return style.display_name
    return name


def _is_italic(name: str | None, styles: dict[str, _Style]) -> bool:
    seen: set[str] = set()
    while name and name in styles and name not in seen:
        seen.add(name)
        if styles[name].italic is not None:
            return bool(styles[name].italic)
        name = styles[name].parent
    return False


def _blocks(container: Element, styles: dict[str, _Style]) -> Iterator[Block]:
    for node in container.childNodes:
        if node.nodeType != Node.ELEMENT_NODE:
            continue
        qname = node.qname
        if qname in ((TEXTNS, "p"), (TEXTNS, "h")):
            yield _paragraph(node, styles)
        elif qname == (TABLENS, "table"):
            yield from _table_rows(node, styles)
        elif qname in _CONTAINERS:
            yield from _blocks(node, styles)


def _paragraph(node: Element, styles: dict[str, _Style]) -> Block:
    style_key = node.getAttrNS(TEXTNS, "style-name")
    style = _style_name(style_key, styles)
    if node.qname == (TEXTNS, "h") and not style:
        style = "Heading"
    runs: list[tuple[str, bool]] = []
    _inline(node, _is_italic(style_key, styles), styles, runs)
    text = "".join(piece for piece, _ in runs)
    italic = any(piece.strip() for piece, _ in runs) and all(
        italic for piece, italic in runs if piece.strip()
    )
    return Block(text=text, style=style, italic=italic)


def _inline(
    node: Element, italic: bool, styles: dict[str, _Style], runs: list[tuple[str, bool]]
) -> None:
    """Collect (text, italic) runs of a paragraph, leaving out notes, comments and frames."""
    for child in node.childNodes:
        if child.nodeType == Node.TEXT_NODE:
            runs.append((str(child.data), italic))
            continue
        if child.nodeType != Node.ELEMENT_NODE or child.qname in _SKIPPED_INLINE:
            continue
        qname = child.qname
        if qname == (TEXTNS, "s"):
            runs.append((" " * _space_count(child.getAttrNS(TEXTNS, "c")), italic))
        elif qname == (TEXTNS, "tab"):
            runs.append(("\t", italic))
        elif qname == (TEXTNS, "line-break"):
            runs.append(("\n", italic))
        elif qname == (TEXTNS, "span"):
            span_style = child.getAttrNS(TEXTNS, "style-name")
            span_italic = italic
            if span_style in styles and styles[span_style].italic is not None:
                span_italic = bool(styles[span_style].italic)
            _inline(child, span_italic, styles, runs)
        else:
            _inline(child, italic, styles, runs)


def _space_count(value: str | None) -> int:
    """How many spaces a ``<text:s text:c="N"/>`` stands for: 1 when N is missing or not a
    number, and at most :data:`_MAX_SPACES`, since a file may ask for a billion."""
    if value is None or not value.strip().isdigit():
        return 1
    return max(1, min(int(value), _MAX_SPACES))


def _table_rows(table: Element, styles: dict[str, _Style]) -> Iterator[Block]:
    for row in _rows(table):
        cells: list[str] = []
        for cell in row.childNodes:
            if cell.nodeType != Node.ELEMENT_NODE or cell.qname != (TABLENS, "table-cell"):
                continue  # covered cells of a merged cell repeat nothing
            texts = [block.text for block in _blocks(cell, styles)]
            cells.append(" ".join(" ".join(texts).split()))
        while cells and not cells[-1]:
            cells.pop()
        yield Block(text=_CELL_SEPARATOR.join(cells), style="table", in_table=True)


def _rows(table: Element) -> Iterator[Element]:
    for node in table.childNodes:
        if node.nodeType != Node.ELEMENT_NODE:
            continue
        if node.qname == (TABLENS, "table-row"):
            yield node
        elif node.qname in _ROWS:
            yield from _rows(node)


def _properties(document: OpenDocument) -> dict[str, str]:
    fields = {
        (DCNS, "title"): "title",
        (DCNS, "subject"): "subject",
        (DCNS, "creator"): "author",
        (METANS, "initial-creator"): "author",
        (METANS, "keyword"): "keywords",
        (DCNS, "description"): "comments",
        (DCNS, "language"): "language",
        (METANS, "creation-date"): "date",
    }
    found: dict[str, str] = {}
    for node in document.meta.childNodes:
        if node.nodeType != Node.ELEMENT_NODE or node.qname not in fields:
            continue
        key = fields[node.qname]
        value = "".join(
            str(child.data) for child in node.childNodes if child.nodeType == Node.TEXT_NODE
        ).strip()
        if not value:
            continue
        if key == "date":
            value = value[:10]
        if key == "keywords" and "keywords" in found:
            value = f"{found['keywords']}; {value}"
        if node.qname == (DCNS, "creator"):
            key = "last_author"  # the initial creator is the author; the last editor only stands in
        found[key] = value
    last_author = found.pop("last_author", None)
    if "author" not in found and last_author:
        found["author"] = last_author
    return found
