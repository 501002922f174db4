"""Who coded: people, and the automatic coders whose names they may not take.

A codebook's run codes as ``auto:NAME@VERSION``, a model learned from a person's codings as
``learned:PERSON``; every other name is a person's. This module is the bottom of the pipeline
(standard library only), so that reports, agreement and exports can tell the two apart without
importing the pattern engine that makes automatic codings.
"""

from __future__ import annotations

import getpass
import os

from qualcode.defaults import CODER_ENV
from qualcode.errors import UsageError

AUTO_PREFIX = "auto:"
"""The coder of a codebook run's codings: ``auto:justice@1.0``."""
LEARNED_PREFIX = "learned:"
"""The coder of the codings a model learned from a person suggested: ``learned:laia``."""


def auto_coder_name(codebook_name: str, version: str) -> str:
    """The coder name of a codebook's automatic codings: ``auto:justice@1.0``."""
    return f"{AUTO_PREFIX}{codebook_name}@{version}"


def learned_coder(coder: str) -> str:
    """The coder name of the suggestions learned from a person's codings: ``learned:laia``."""
    return f"{LEARNED_PREFIX}{coder}"


def is_automatic(coder: str) -> bool:
    """A codebook's coder (``auto:``) or a learned model's (``learned:``), not a person."""
    return coder.startswith((AUTO_PREFIX, LEARNED_PREFIX))


def default_coder() -> str:
    """``$QUALCODE_CODER``, else the name of the user logged in to this computer."""
    name = os.environ.get(CODER_ENV, "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError) as error:  # no login name in the environment nor in passwd
        raise UsageError(
            "cannot tell who is coding", hint=f"pass --coder NAME or set {CODER_ENV}"
        ) from error


def check_coder(name: str) -> str:
    """A person's coder name, stripped; automatic coders' names are refused."""
    name = name.strip()
    if not name:
        raise UsageError("the coder name is empty")
    if name.startswith(AUTO_PREFIX):
        raise UsageError(
            f"'{name}' is an automatic coder's name",
            hint=f"names starting with '{AUTO_PREFIX}' are kept for codebook runs",
        )
    if name.startswith(LEARNED_PREFIX):
        raise UsageError(
            f"'{name}' is a learned coder's name",
            hint=f"names starting with '{LEARNED_PREFIX}' are kept for 'qualcode suggest'",
        )
    return name
