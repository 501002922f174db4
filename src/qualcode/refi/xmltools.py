"""XML for REFI-QDA: writing qualcode's own documents, reading other tools' safely, validating.

Writing uses the standard library's ElementTree on data qualcode made. Reading never trusts the
input: :func:`parse_untrusted` goes through defusedxml, which refuses a DOCTYPE outright (where
the "billion laughs" entities and references to other files are declared; no REFI-QDA file needs
one), and turns every failure into an :class:`~qualcode.errors.ImportFormatError` with the line.
Elements are looked up by local name, so a file that forgets the namespace or uses the other
schema's is still read; the schema check (:func:`schema_problems`, lxml against the standard's
XSDs shipped in ``schemas/``) then says so as a warning.
"""

from __future__ import annotations

import importlib.resources
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Literal

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree

from qualcode.errors import ImportFormatError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATIONS = {
    PROJECT_NS: "http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd",
    CODEBOOK_NS: "http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd",
}
Schema = Literal["Project", "Codebook"]

# Characters XML 1.0 cannot carry at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_MAX_LISTED_SCHEMA_PROBLEMS = 3


def xml_text(value: str) -> str:
    """``value`` as XML can hold it: characters XML 1.0 forbids become U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


class Builder:
    """Elements of one namespace's document, with only the attributes that have a value."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def element(
        self, parent: ET.Element | None, name: str, text: str | None = None, /, **attributes: object
    ) -> ET.Element:
        """A ``name`` element (child of ``parent`` unless None); attributes set to None are left
        out. Positional-only, so that an attribute may be called ``name`` too."""
        values = {
            key: xml_text(str(value)) for key, value in attributes.items() if value is not None
        }
        element = (
            ET.Element(name, values) if parent is None else ET.SubElement(parent, name, values)
        )
        if text is not None:
            element.text = xml_text(text)
        return element

    def serialise(self, root: ET.Element) -> bytes:
        """UTF-8 bytes with the XML declaration, indented, the namespace as the default one.

        Elements are built with local names and the namespace declared on the root, as written
        attributes: ElementTree's own namespace handling cannot make a default namespace beside
        the unqualified attributes REFI-QDA uses.
        """
        root.set("xmlns", self.namespace)
        root.set("xmlns:xsi", XSI_NS)
        root.set("xsi:schemaLocation", f"{self.namespace} {SCHEMA_LOCATIONS[self.namespace]}")
        ET.indent(root, space=" ")
        body = ET.tostring(root, encoding="unicode")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def parse_untrusted(data: bytes, where: Path | str) -> ET.Element:
    """The root element of XML from outside, or ImportFormatError saying why it cannot be read."""
    try:
        root: ET.Element = SafeET.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException:
        raise ImportFormatError(
            "refusing XML with a DOCTYPE: its entity declarations can expand without end or read "
            "other files",
            path=where,
            hint="REFI-QDA files need neither; export the file again from the tool that wrote it",
        ) from None
    except ET.ParseError as error:
        line, column = error.position
        raise ImportFormatError(
            f"not well-formed XML (column {column + 1}): {_parse_reason(error)}",
            path=where,
            line=line,
        ) from None
    return root


def _parse_reason(error: ET.ParseError) -> str:
    return str(error).split(":", 1)[0]


@lru_cache(maxsize=2)
def schema(name: Schema) -> etree.XMLSchema:
    """The standard's schema, from the copy shipped inside qualcode."""
    resource = importlib.resources.files("qualcode") / "refi" / "schemas" / f"{name}.xsd"
    return etree.XMLSchema(etree.fromstring(resource.read_bytes(), _hardened_parser()))


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def schema_problems(data: bytes, name: Schema) -> list[str]:
    """Where ``data`` breaks the standard's schema (``line N: message``), first few only.

    Call it on XML that :func:`parse_untrusted` accepted: the parser here resolves nothing either,
    but defusedxml is the one that refuses entity declarations outright.
    """
    try:
        document = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as error:
        return [f"line {error.lineno}: {error.msg}"]
    checker = schema(name)
    if checker.validate(document):
        return []
    return [
        f"line {entry.line}: {entry.message}"
        for entry in list(checker.error_log)[:_MAX_LISTED_SCHEMA_PROBLEMS]
    ]


def schema_warning(data: bytes, name: Schema, what: str) -> str | None:
    """A warning naming the first place ``data`` breaks the schema, or None when it is valid."""
    problems = schema_problems(data, name)
    if not problems:
        return None
    more = " and more" if len(problems) > 1 else ""
    return (
        f"{what} does not follow the REFI-QDA schema ({problems[0]}{more}); reading what "
        "qualcode can"
    )


def local_name(element: ET.Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(element: ET.Element) -> str:
    tag = element.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def children(element: ET.Element, *names: str) -> Iterator[ET.Element]:
    """Direct children with one of these local names, in document order, any namespace."""
    for child in element:
        if local_name(child) in names:
            yield child


def child(element: ET.Element, name: str) -> ET.Element | None:
    return next(children(element, name), None)


def child_text(element: ET.Element, name: str) -> str:
    """The stripped text of the first child called ``name``; empty when there is none."""
    found = child(element, name)
    return (found.text or "").strip() if found is not None else ""
