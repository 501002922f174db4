"""What a ``project.qde`` says, as records: the parts qualcode reads, counts of those it leaves out.

Elements are found by local name (a file without the namespace is still read); GUIDs are
normalised (braces dropped, lower case) so that references match whatever case a tool wrote.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from qualcode.errors import ImportFormatError
from qualcode.ingest.metadata import normalise_key
from qualcode.refi import guid as guids
from qualcode.refi.codes import CodeTreeNotes, ParsedCode, read_code_tree
from qualcode.refi.xmltools import child, child_text, children, local_name

_VALUE_ELEMENTS = (
    "TextValue",
    "BooleanValue",
    "IntegerValue",
    "FloatValue",
    "DateValue",
    "DateTimeValue",
)
_LEFT_OUT = {  # notes become memos (qualcode.refi.notes)
    "Sets": "sets",
    "Links": "links",
    "Graphs": "graphs",
}


@dataclass(frozen=True)
class SelectionRecord:
    start: int
    end: int
    user: str | None
    codings: tuple[tuple[str | None, str | None, str | None], ...]
    """(code GUID, user GUID, when it was made) of each coding; the time (:func:`read_time`) is
    the coding's ``creationDateTime``, else its selection's, else None."""
    unreadable_times: int = 0
    """Codings whose ``creationDateTime`` (or their selection's) could not be read."""


@dataclass(frozen=True)
class SourceRecord:
    guid: str | None
    name: str
    content: str | None
    plain_path: str | None
    rich_path: str | None
    user: str | None
    selections: tuple[SelectionRecord, ...]
    values: tuple[tuple[str | None, str], ...]
    """(variable GUID, value) of each VariableValue."""


@dataclass(frozen=True)
class CaseRecord:
    name: str
    values: tuple[tuple[str | None, str], ...]
    sources: tuple[str, ...]


@dataclass
class ProjectRecord:
    name: str
    origin: str
    creating_user: str | None
    users: dict[str, str]
    codes: tuple[ParsedCode, ...]
    variables: dict[str, str]
    cases: list[CaseRecord]
    sources: list[SourceRecord]
    left_out: Counter[str] = field(default_factory=Counter)
    code_notes: CodeTreeNotes = field(default_factory=CodeTreeNotes)
    left_out_codings: Counter[str] = field(default_factory=Counter)
    """How many codings the elements counted in ``left_out`` carried, by the same labels."""
    base_path: str = ""
    """The ``basePath`` that ``relative://`` source paths are relative to."""


def read_project(root: ET.Element, where: str) -> ProjectRecord:
    """The parts of a ``project.qde`` qualcode uses, and counts of those it leaves out."""
    if local_name(root) != "Project":
        raise ImportFormatError(
            f"the project file's root element is <{local_name(root)}>, not <Project>", path=where
        )
    users: dict[str, str] = {}
    for user in _grandchildren(root, "Users", "User"):
        key = guids.normalise_guid(user.get("guid"))
        if key is not None:
            users[key] = (user.get("name") or user.get("id") or key).strip() or key
    code_notes = CodeTreeNotes()
    codes: tuple[ParsedCode, ...] = ()
    codebook = child(root, "CodeBook")
    codes_element = child(codebook, "Codes") if codebook is not None else None
    if codes_element is not None:
        codes = read_code_tree(codes_element, code_notes, where=where)
    variables: dict[str, str] = {}
    for variable in _grandchildren(root, "Variables", "Variable"):
        key = guids.normalise_guid(variable.get("guid"))
        name = normalise_key(variable.get("name") or "")
        if key is not None and name:
            variables[key] = name
    left_out: Counter[str] = Counter()
    carried: Counter[str] = Counter()

    def leave(label: str, elements: Iterable[ET.Element]) -> None:
        """Count elements left out, and the codings in them."""
        for element in elements:
            left_out[label] += 1
            carried[label] += sum(1 for e in element.iter() if local_name(e) == "Coding")

    cases = [
        CaseRecord(
            name=(case.get("name") or "").strip(),
            values=_values(case),
            sources=tuple(
                key
                for ref in children(case, "SourceRef")
                if (key := guids.normalise_guid(ref.get("targetGUID"))) is not None
            ),
        )
        for case in _grandchildren(root, "Cases", "Case")
    ]
    left_out["selections grouped in cases"] += sum(
        len(list(children(case, "SelectionRef"))) for case in _grandchildren(root, "Cases", "Case")
    )
    sources: list[SourceRecord] = []
    sources_element = child(root, "Sources")
    for element in sources_element if sources_element is not None else ():
        kind = local_name(element)
        if kind == "TextSource":
            sources.append(_text_source(element, element, left_out, carried))
        elif kind == "PDFSource":
            representation = child(element, "Representation")
            leave("PDF area selections", children(element, "PDFSelection"))
            leave("codings of whole sources", children(element, "Coding"))
            if representation is None:
                leave("PDF sources without their plain text", [element])
            else:
                sources.append(_text_source(representation, element, left_out, carried))
        elif kind in ("PictureSource", "AudioSource", "VideoSource"):
            medium = kind.removesuffix("Source")
            left_out[f"{medium.lower()} sources"] += 1
            leave(f"{medium.lower()} selections", children(element, f"{medium}Selection"))
            leave("codings of whole sources", children(element, "Coding"))
            leave("picture descriptions", children(element, "TextDescription"))
            for transcript in children(element, "Transcript"):
                leave("transcripts", [transcript])
                left_out["sync points of transcripts"] += len(
                    list(children(transcript, "SyncPoint"))
                )
    for element_name, label in _LEFT_OUT.items():
        container = child(root, element_name)
        if container is not None:
            leave(label, list(container))
    return ProjectRecord(
        name=(root.get("name") or "").strip(),
        origin=(root.get("origin") or "").strip(),
        creating_user=guids.normalise_guid(root.get("creatingUserGUID")),
        users=users,
        codes=codes,
        variables=variables,
        cases=cases,
        sources=sources,
        left_out=left_out,
        code_notes=code_notes,
        left_out_codings=carried,
        base_path=(root.get("basePath") or "").strip(),
    )


def _grandchildren(root: ET.Element, container: str, name: str) -> list[ET.Element]:
    found = child(root, container)
    return list(children(found, name)) if found is not None else []


def _values(element: ET.Element) -> tuple[tuple[str | None, str], ...]:
    values: list[tuple[str | None, str]] = []
    for value in children(element, "VariableValue"):
        reference = child(value, "VariableRef")
        key = guids.normalise_guid(reference.get("targetGUID")) if reference is not None else None
        text = next(
            (child_text(value, name) for name in _VALUE_ELEMENTS if child(value, name) is not None),
            "",
        )
        if text:
            values.append((key, text))
    return tuple(values)


def read_time(value: str | None) -> str | None:
    """An xsd:dateTime as the store writes times (UTC, to the second); None if absent or
    unreadable. A time without a zone is taken as UTC."""
    if not value or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _coding(coding: ET.Element, selected: str | None) -> tuple[str | None, str | None, str | None]:
    reference = child(coding, "CodeRef")
    code = guids.normalise_guid(reference.get("targetGUID")) if reference is not None else None
    created = read_time(coding.get("creationDateTime")) or selected
    return code, guids.normalise_guid(coding.get("creatingUser")), created


def _unreadable(element: ET.Element) -> bool:
    value = element.get("creationDateTime")
    return bool(value and value.strip()) and read_time(value) is None


def _text_source(
    text: ET.Element, outer: ET.Element, left_out: Counter[str], carried: Counter[str]
) -> SourceRecord:
    """A TextSource, or the plain-text Representation (``text``) of a PDFSource (``outer``)."""
    selections: list[SelectionRecord] = []
    for selection in children(text, "PlainTextSelection"):
        try:
            start = int((selection.get("startPosition") or "").strip())
            end = int((selection.get("endPosition") or "").strip())
        except ValueError:
            left_out["selections without readable positions"] += 1
            carried["selections without readable positions"] += len(
                list(children(selection, "Coding"))
            )
            continue
        if child_text(selection, "Description"):
            left_out["selection descriptions (memos)"] += 1
        selected = read_time(selection.get("creationDateTime"))
        elements = list(children(selection, "Coding"))
        codings = tuple(_coding(coding, selected) for coding in elements)
        selections.append(
            SelectionRecord(
                start=start,
                end=end,
                user=guids.normalise_guid(selection.get("creatingUser")),
                codings=codings,
                unreadable_times=sum(
                    1
                    for element, (_, _, created) in zip(elements, codings, strict=True)
                    if created is None and (_unreadable(element) or _unreadable(selection))
                ),
            )
        )
    if outer is text:
        whole = len(list(children(text, "Coding")))
        left_out["codings of whole sources"] += whole
        carried["codings of whole sources"] += whole
    content = child(text, "PlainTextContent")
    return SourceRecord(
        guid=guids.normalise_guid(outer.get("guid")),
        name=(outer.get("name") or "").strip(),
        content=(content.text or "") if content is not None else None,
        plain_path=text.get("plainTextPath"),
        rich_path=text.get("richTextPath") or (outer.get("path") if outer is not text else None),
        user=guids.normalise_guid(outer.get("creatingUser")),
        selections=tuple(selections),
        values=_values(outer),
    )
