"""Codes between qualcode and REFI-QDA: the tree, descriptions, colours and ids.

A qualcode code has a path of ids (``inequality/income``), a label, a description, include and
exclude notes and a colour. A REFI-QDA code has a GUID, a name, one description and a colour. So:

- the name is the label (what a person reads in NVivo or ATLAS.ti), the GUID comes from the path;
- the description carries the include and exclude notes as its last paragraphs,
  ``Include: …`` and ``Exclude: …``, and an import takes them back from there;
- colours are written ``#RRGGBB``;
- on import a code's path is found by its GUID among the codes qualcode already knows, else by its
  label under the same parent, else made from its name (``Income and wealth`` →
  ``income_and_wealth``).

Tools that keep a flat list write the hierarchy into names, ``Parent::Child``; an import rebuilds
the tree from them.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from qualcode.errors import ImportFormatError
from qualcode.models import CodeRecord
from qualcode.refi import guid as guids
from qualcode.refi.xmltools import Builder, child_text, children

HIERARCHY_SEPARATOR = "::"
_NOTE = re.compile(r"(?:\A|\n\n)(Include|Exclude): ")
_COLOUR = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
_NOT_ID = re.compile(r"[^a-z0-9]+")
FALLBACK_ID = "code"
MAX_CODE_DEPTH = 40
"""How deep a REFI-QDA code tree may nest; deeper is refused (a codebook nests at most 48)."""


@dataclass(frozen=True)
class ParsedCode:
    """A code as an archive or codebook file gives it, with its children."""

    name: str
    guid: str | None = None
    description: str = ""
    include: str = ""
    exclude: str = ""
    colour: str | None = None
    children: tuple[ParsedCode, ...] = ()
    codable: bool = True
    """False for a folder (``isCodable="false"``): qualcode holds it as an ordinary code."""

    def walk(self) -> Iterable[ParsedCode]:
        yield self
        for code in self.children:
            yield from code.walk()


@dataclass
class CodeTreeNotes:
    """What reading a code tree had to put up with, for the warnings."""

    flattened: int = 0
    """Codes whose name holds the hierarchy (``Parent::Child``)."""
    bad_colours: list[str] = field(default_factory=list)
    unnamed: int = 0
    same_names: list[str] = field(default_factory=list)
    """Codes named like an earlier sibling: kept apart, not merged."""
    folders: int = 0
    """Codes marked ``isCodable="false"``."""

    def warnings(self) -> list[str]:
        found = []
        if self.folders:
            found.append(
                f'{self.folders} codes marked not codable (isCodable="false", folders) imported '
                "as ordinary codes: qualcode has no such mark, and exports every code as codable"
            )
        if self.flattened:
            found.append(
                f"{self.flattened} code names hold their hierarchy as Parent::Child; read as a tree"
            )
        if self.bad_colours:
            found.append(f"colours that are not #RRGGBB left out: {', '.join(self.bad_colours)}")
        if self.same_names:
            names = ", ".join(f"'{name}'" for name in dict.fromkeys(self.same_names))
            count = len(self.same_names)
            has = "1 code has" if count == 1 else f"{count} codes have"
            found.append(
                f"{has} the name of an earlier code beside them "
                f"({names}): kept apart, not merged (the later one's id ends in -2)"
            )
        if self.unnamed:
            found.append(f"{self.unnamed} codes without a name, called 'unnamed code'")
        return found

    def losses(self) -> list[str]:
        """The warnings that say something was left out."""
        return [w for w in self.warnings() if w.startswith("colours that are not")]


# -- writing -------------------------------------------------------------------------------------


def describe(code: CodeRecord) -> str:
    """One REFI-QDA description: the description, then the include and exclude notes."""
    parts = [code.description.strip()] if code.description.strip() else []
    if code.include.strip():
        parts.append(f"Include: {code.include.strip()}")
    if code.exclude.strip():
        parts.append(f"Exclude: {code.exclude.strip()}")
    return "\n\n".join(parts).replace("\r\n", "\n").replace("\r", "\n")


def hex_colour(colour: str | None) -> str | None:
    """``#c0392b`` or ``#abc`` → ``#C0392B`` / ``#AABBCC``; None for anything else."""
    if not colour:
        return None
    match = _COLOUR.fullmatch(colour.strip())
    if match is None:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return f"#{digits.upper()}"


def code_elements(builder: Builder, parent: ET.Element, codes: Sequence[CodeRecord]) -> None:
    """``Code`` elements for ``codes`` (a whole tree), nested by ``parent_path``, under ``parent``.

    A code whose parent is not among ``codes`` is written at the top.
    """
    paths = {code.path for code in codes}
    by_parent: dict[str | None, list[CodeRecord]] = {}
    for code in codes:
        parent_path = code.parent_path if code.parent_path in paths else None
        by_parent.setdefault(parent_path, []).append(code)

    def add(container: ET.Element, parent_path: str | None) -> None:
        for code in by_parent.get(parent_path, []):
            element = builder.element(
                container,
                "Code",
                guid=guids.code_guid(code.path),
                name=code.label or code.path.rsplit("/", 1)[-1],
                isCodable="true",
                color=hex_colour(code.colour),
            )
            description = describe(code)
            if description:
                builder.element(element, "Description", description)
            add(element, code.path)

    add(parent, None)


# -- reading -------------------------------------------------------------------------------------


def read_code_tree(
    codes_element: ET.Element, notes: CodeTreeNotes, *, where: str | None = None
) -> tuple[ParsedCode, ...]:
    """The codes under a ``Codes`` element, with ``Parent::Child`` names made into a tree.

    Refused (:class:`ImportFormatError`, naming ``where``) when codes nest more than
    :data:`MAX_CODE_DEPTH` levels or two codes share a GUID.
    """
    check_code_tree(codes_element, where, notes)
    return _nest(tuple(_read_code(e, notes) for e in children(codes_element, "Code")), notes)


def check_code_tree(
    codes_element: ET.Element, where: str | None, notes: CodeTreeNotes | None = None
) -> None:
    """Refuse a code tree nested past :data:`MAX_CODE_DEPTH`, or with a GUID used twice.

    Walked without recursion: a tree nested 500 levels ended in RecursionError. Two codes with
    one GUID would have one code's codings counted as the other's. Sibling codes of one name are
    kept apart (``housing``, ``housing-2``) and counted in ``notes``.
    """
    names: dict[str, str] = {}
    pending = [(code, 0) for code in reversed(list(children(codes_element, "Code")))]  # in order
    while pending:
        element, above = pending.pop()
        name = (element.get("name") or "").strip() or "unnamed code"
        depth = above + 1 + name.count(HIERARCHY_SEPARATOR)  # A::B nests B under A
        if depth > MAX_CODE_DEPTH:
            raise ImportFormatError(
                f"codes nest more than {MAX_CODE_DEPTH} levels deep (at '{name[:80]}'): refusing "
                "the code tree (real ones nest a few levels)",
                path=where,
            )
        guid = guids.normalise_guid(element.get("guid"))
        if guid is not None:
            if guid in names:
                raise ImportFormatError(
                    f"two codes have the GUID {guid} ('{names[guid][:80]}' and '{name[:80]}'): "
                    "refusing the code tree, since the codings of one would be counted as the "
                    "other's (the program that wrote it should give each code its own GUID)",
                    path=where,
                )
            names[guid] = name
        below = list(children(element, "Code"))
        pending.extend((code, depth) for code in reversed(below))
        _count_same_names(below, notes)
    _count_same_names(list(children(codes_element, "Code")), notes)


def _count_same_names(siblings: list[ET.Element], notes: CodeTreeNotes | None) -> None:
    seen: set[str] = set()
    for element in siblings:
        name = fold_label(element.get("name") or "")
        if name and name in seen and notes is not None:
            notes.same_names.append((element.get("name") or "").strip())
        seen.add(name)


def _read_code(element: ET.Element, notes: CodeTreeNotes) -> ParsedCode:
    name = (element.get("name") or "").strip()
    if not name:
        notes.unnamed += 1
        name = "unnamed code"
    if HIERARCHY_SEPARATOR in name:
        notes.flattened += 1
    description, include, exclude = split_description(child_text(element, "Description"))
    codable = (element.get("isCodable") or "true").strip().lower() not in ("false", "0")
    notes.folders += not codable
    colour = element.get("color")
    normalised = hex_colour(colour)
    if colour and normalised is None:
        notes.bad_colours.append(f"{name} ({colour})")
    return ParsedCode(
        name=name,
        guid=guids.normalise_guid(element.get("guid")),
        description=description,
        include=include,
        exclude=exclude,
        colour=normalised.lower() if normalised else None,
        children=_nest(tuple(_read_code(e, notes) for e in children(element, "Code")), notes),
        codable=codable,
    )


def split_description(text: str) -> tuple[str, str, str]:
    """(description, include, exclude) from a description :func:`describe` wrote.

    The notes are taken only as trailing paragraphs in that order; anything else stays in the
    description.
    """
    text = text.replace("\r\n", "\n").strip()
    matches = list(_NOTE.finditer(text))
    if not matches or [m.group(1) for m in matches] not in (
        ["Include"],
        ["Exclude"],
        ["Include", "Exclude"],
    ):
        return text, "", ""
    description = text[: matches[0].start()].strip()
    notes = {"Include": "", "Exclude": ""}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        notes[match.group(1)] = text[match.end() : end].strip()
    return description, notes["Include"], notes["Exclude"]


def _nest(codes: tuple[ParsedCode, ...], notes: CodeTreeNotes) -> tuple[ParsedCode, ...]:
    """Move ``A::B`` under the sibling named ``A`` (made when there is none), recursively."""
    if not any(HIERARCHY_SEPARATOR in code.name for code in codes):
        return codes
    order: list[str] = []
    plain: dict[str, ParsedCode] = {}
    nested: dict[str, list[ParsedCode]] = {}
    for index, code in enumerate(codes):
        head, separator, rest = code.name.partition(HIERARCHY_SEPARATOR)
        head = head.strip()
        if separator and head and rest.strip():
            nested.setdefault(head, []).append(replace(code, name=rest.strip()))
            key = head
        else:
            key = code.name if code.name not in plain else f"{code.name}\x00{index}"
            plain[key] = code
        if key not in order:
            order.append(key)
    result: list[ParsedCode] = []
    for key in order:
        parent = plain.get(key, ParsedCode(name=key))
        moved = tuple(nested.get(key, ()))
        if moved:
            parent = replace(parent, children=_nest(parent.children + moved, notes))
        result.append(parent)
    return tuple(result)


def make_id(label: str) -> str:
    """A code id from a label: accents dropped, lower case, other runs of characters ``_``."""
    decomposed = unicodedata.normalize("NFKD", label)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ID.sub("_", ascii_text.lower()).strip("_") or FALLBACK_ID


def unique_id(base: str, taken: set[str], parent_path: str | None) -> str:
    """``base``, or ``base-2``, ``base-3``… whichever path under ``parent_path`` is free."""
    candidate, number = base, 1
    while join_path(parent_path, candidate) in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def join_path(parent_path: str | None, code_id: str) -> str:
    return f"{parent_path}/{code_id}" if parent_path else code_id


def fold_label(label: str) -> str:
    return " ".join(label.split()).casefold()
