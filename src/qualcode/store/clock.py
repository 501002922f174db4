"""The time the store writes into its rows.

Every module of the store calls :func:`now` through this module (``clock.now()``), so that one
replacement of it fixes every time a project records.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
