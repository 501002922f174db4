"""Code paths as people type them: the code a name stands for, whether one code is within another,
and the paths an import may create.

Below ingest and people's coding alike (both look up the codes a table or a sheet names), so it
holds only the standard library and the records.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qualcode.models import CodeRecord

IMPORTED_CODEBOOK = "(imported)"
"""The ``codebook`` recorded for the codes an import creates (``import codings --create-codes``,
a table transcript's codes column)."""


def find_code(codes: Sequence[CodeRecord], path: str) -> str | None:
    """The code path ``path`` names: a full path, or a last part that only one code has."""
    wanted = path.strip().strip("/")
    paths = [code.path for code in codes]
    if wanted in paths:
        return wanted
    by_leaf = [p for p in paths if p.rsplit("/", 1)[-1] == wanted]
    return by_leaf[0] if len(by_leaf) == 1 else None


def is_within(code_path: str, scope: str) -> bool:
    return code_path == scope or code_path.startswith(scope + "/")


_CREATED_ID = re.compile(r"[^\W_][\w\- ]{0,99}")
"""What each part of a code path an import creates must be: a letter or digit, then letters,
digits, spaces, - and _ (no ``..``, no markup, no formula, nothing a file name, a URL or a
spreadsheet would read differently), at most 100 characters."""


def creatable_code_path(text: str) -> str | None:
    """``text`` as a code path an import may create (parts stripped), or None if a part is not
    safe (:data:`_CREATED_ID`)."""
    parts = [part.strip() for part in text.strip().strip("/").split("/")]
    if not all(_CREATED_ID.fullmatch(part) for part in parts):
        return None
    return "/".join(parts)
