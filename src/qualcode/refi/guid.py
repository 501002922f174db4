"""GUIDs for REFI-QDA objects, the same at every export of the same project.

REFI-QDA identifies every object by a GUID. Random ones would make two exports of an unchanged
project differ in every line and would make a re-import unable to recognise what it exported, so
each GUID is a name-based UUID (version 5) of the object's stable identity in qualcode, in a
namespace of qualcode's own:

- a document: its name in the project (the path relative to the folder it was ingested from,
  ``barcelona/c01.txt``) and the hash of its content, never the absolute path: the same
  interviews ingested in two folders, or on two computers, export with the same GUIDs;
- a user: the coder's name (``qualcode`` itself is the user that made the project and its
  sources);
- a code: its path (``inequality/housing``), so a code has the same GUID in every project and
  codebook export that holds it;
- a variable: the attribute's key; a case: the attribute and its value;
- a selection: its document, span and coder; a coding: its selection and code path;
- a memo: a GUID of its own, made when it is written (or kept from the archive it came from),
  stored with it.
"""

from __future__ import annotations

import functools
import re
import uuid

from qualcode.models import Document

NAMESPACE = uuid.UUID("c9ee8ad0-ed16-49e2-ae77-275ead0b47be")
"""qualcode's namespace for REFI-QDA GUIDs. Never change it: every exported GUID depends on it."""

IMPORTED_SOURCE_PREFIX = "refi-qda:"
"""Source identity of a document imported from an archive: the prefix and the source's GUID."""

_GUID = re.compile(
    r"\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?"
)


def guid(kind: str, *identity: str | int) -> str:
    """The GUID of the object of ``kind`` (document, code, user...) with this identity."""
    name = "\x1f".join([kind, *(str(part) for part in identity)])
    return str(uuid.uuid5(NAMESPACE, name))


def document_guid(document: Document) -> str:
    """A document's GUID, from its name and content; one imported from an archive keeps the GUID
    it had there."""
    source_path = document.source_path
    if source_path.startswith(IMPORTED_SOURCE_PREFIX):
        kept = normalise_guid(source_path[len(IMPORTED_SOURCE_PREFIX) :])
        if kept is not None:
            return kept
    return guid("document", document.name, document.content_hash)


@functools.lru_cache(maxsize=4096)  # asked once per coding: a project has few codes and users
def code_guid(code_path: str) -> str:
    return guid("code", code_path)


@functools.lru_cache(maxsize=1024)
def user_guid(coder: str) -> str:
    return guid("user", coder)


def variable_guid(key: str) -> str:
    return guid("variable", key)


def case_guid(key: str, value: str) -> str:
    return guid("case", key, value)


def selection_guid(document: str, start: int, end: int, coder: str) -> str:
    return guid("selection", document, start, end, coder)


def coding_guid(selection: str, code_path: str) -> str:
    return guid("coding", selection, code_path)


def normalise_guid(text: str | None) -> str | None:
    """``{ABCD…}`` or ``abcd…`` → ``abcd…``: GUIDs compare case-insensitively, braces optional.

    None when ``text`` is not a GUID.
    """
    if text is None:
        return None
    match = _GUID.fullmatch(text.strip())
    return match.group(1).lower() if match else None
