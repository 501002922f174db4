"""Constants and choices the command line needs before it runs a command.

They live here, beside nothing heavy, so that ``qualcode --help`` can show them without importing
the modules that use them (pandas, numpy, the pattern engine, …).
"""

from __future__ import annotations

from enum import StrEnum

PARALLEL_MIN_SEGMENTS = 20_000
"""Fewer current segments than this are coded in one process: starting workers costs more."""
MAX_JOBS = 4
PARALLEL_MIN_BYTES = 5_000_000
"""Files of fewer bytes than this are ingested in one process: starting workers costs more."""

CODER_ENV = "QUALCODE_CODER"

DEFAULT_MAX_QUOTES = 200
"""Quotes per code and city that ``report --html`` embeds unless told otherwise."""

DEFAULT_CASE_ATTRIBUTE = "city"
"""The attribute whose values become REFI-QDA cases."""
DEFAULT_LANGUAGES = ("en", "es", "ca")


class Span(StrEnum):
    """What a selection covers."""

    SEGMENT = "segment"
    EVIDENCE = "evidence"


class Positions(StrEnum):
    """What ``import qdpx --positions`` asks for."""

    AUTO = "auto"
    CODEPOINTS = "codepoints"
    UTF16 = "utf16"
