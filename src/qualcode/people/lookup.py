"""Documents, segments and codes by the names people type, with the closest matches when a
name is mistyped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.code_paths import find_code, is_within
from qualcode.errors import UsageError, closest, suggesting
from qualcode.models import CodeRecord, Document, Segment
from qualcode.store import Store


@dataclass(frozen=True)
class LocatedSegment:
    """A current segment with the name of its document."""

    document_name: str
    segment: Segment

    @property
    def segment_id(self) -> int:
        assert self.segment.segment_id is not None
        return self.segment.segment_id

    @property
    def reference(self) -> str:
        return f"{self.document_name}#{self.segment.ordinal}"


def _file_name(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _file_stem(name: str) -> str:
    return _file_name(name).rsplit(".", 1)[0]


def find_document(documents: Sequence[Document], name: str) -> Document | str:
    """The document called ``name``, else a message saying why there is none.

    The name is the one ``qualcode status`` and exports show (``barcelona/c01.txt``); a file
    name alone (``c01.txt``) or without its suffix (``c01``) also works when only one matches.
    """
    wanted = name.strip().replace("\\", "/")
    if not wanted:
        return "the document name is empty"
    for document in documents:
        if document.name == wanted:
            return document
    for key in (_file_name, _file_stem):
        found = [d for d in documents if key(d.name) == wanted]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(d.name for d in found)
            return f"'{name}' matches several documents ({names}): give the folder too"
    known = [d.name for d in documents]
    containing = [n for n in known if wanted.casefold() in n.casefold()]
    close = (containing or closest(wanted, known))[:3]
    return suggesting(f"no document '{name}' in the project", close)


def unknown_code_message(codes: Sequence[CodeRecord], path: str) -> str:
    paths = [code.path for code in codes]
    leaf = path.strip().strip("/")
    several = [p for p in paths if p.rsplit("/", 1)[-1] == leaf]
    if len(several) > 1:
        return f"code '{path}' is ambiguous ({', '.join(several)}): give its full path"
    leaves = {p.rsplit("/", 1)[-1]: p for p in paths}
    close = closest(leaf, paths, n=1, cutoff=0.75) or [
        leaves[found] for found in closest(leaf, leaves, n=1, cutoff=0.75)
    ]
    if not paths:
        no_codes = "the project has no codes yet: run 'qualcode code --codebook FILE'"
        return f"unknown code '{path}' ({no_codes})"
    return suggesting(f"unknown code '{path}'", close)


def resolve_code(store: Store, path: str) -> str:
    return _resolve(store.codes(), path)


def resolve_codes(store: Store, paths: Sequence[str]) -> tuple[str, ...]:
    """The full paths of ``--code`` options (a path, or a last part only one code has).

    Raises :class:`UsageError` with the closest codes for the first that names no code, so that
    a typo is never an empty report or file.
    """
    if not paths:
        return ()
    codes = store.codes()
    return tuple(_resolve(codes, path) for path in paths)


def _resolve(codes: Sequence[CodeRecord], path: str) -> str:
    found = find_code(codes, path)
    if found is None:
        raise UsageError(unknown_code_message(codes, path))
    return found


def codes_under(codes: Sequence[CodeRecord], paths: Sequence[str]) -> list[CodeRecord]:
    """The codes each ``--code`` option names, with their descendants; all codes without any.

    Raises :class:`UsageError` naming the first unknown code.
    """
    if not paths:
        return list(codes)
    scopes = [_resolve(codes, path) for path in paths]
    return [code for code in codes if any(is_within(code.path, scope) for scope in scopes)]


REFERENCE_HELP = "use DOCUMENT#ORDINAL (e.g. barcelona/c01_habitatge_pah.txt#12) or a segment id"


def resolve_segment(store: Store, reference: str) -> LocatedSegment:
    """A current segment from ``DOCUMENT#ORDINAL`` or its numeric segment id."""
    text = reference.strip()
    if text.isdigit():
        found = store.segment_by_id(int(text))
        if found is None:
            raise UsageError(f"no segment with id {text}", hint=REFERENCE_HELP)
        name, segment, current = found
        if not current:
            raise UsageError(
                f"segment {text} is of an earlier version of {name}, which changed since",
                hint=f"use {name}#ORDINAL for its current text",
            )
        return LocatedSegment(name, segment)
    name, sep, ordinal = text.rpartition("#")
    if not sep or not ordinal.strip().isdigit():
        raise UsageError(f"'{reference}' is not a segment reference", hint=REFERENCE_HELP)
    document = find_document(store.documents(), name)
    if isinstance(document, str):
        raise UsageError(document)
    current_segment = store.segment_by_ordinal(document.document_id, int(ordinal))
    if current_segment is None:
        raise UsageError(
            f"{document.name} has no segment #{int(ordinal)}",
            hint=f"its segments are #0 to #{document.segment_count - 1}",
        )
    return LocatedSegment(document.name, current_segment)
