"""The project store: one SQLite file per project. Only this package talks to it.

:class:`Store` is an open project, composed of one class per idea, each holding the SQL of its
tables: the connection (opening, locks, migrations, transactions), settings, documents, segments,
status counts, codes, coding runs, codings, people's codings and decisions, memos and learned
models. Each of them returns records, never cursors.
"""

from __future__ import annotations

from qualcode.store.clock import now
from qualcode.store.codes import CodeStore
from qualcode.store.codings import CodingStore
from qualcode.store.connection import (
    BUSY_GRACE_SECONDS,
    BUSY_HINT,
    BUSY_MESSAGE,
    BUSY_TIMEOUT_SECONDS,
    DEFAULT_PROJECT_FILE,
    PAGE_SIZE,
    PROJECT_ENV,
    Connection,
    is_busy,
    resolve_project_path,
)
from qualcode.store.documents import DocumentStore
from qualcode.store.evidence import SELECTION_KIND, SELECTION_PATTERN, evidence_json
from qualcode.store.learned import LearnedStore
from qualcode.store.memos import MemoStore
from qualcode.store.old_versions import SEGMENT_DEPENDENTS
from qualcode.store.people import PeopleStore, PersonCodingChange
from qualcode.store.runs import CodingRow, RunStore, RunWriter
from qualcode.store.segments import SegmentStore, SegmentToCode, segment_from_row
from qualcode.store.settings import SettingStore
from qualcode.store.status import StatusRow, StatusStore

__all__ = [
    "BUSY_GRACE_SECONDS",
    "BUSY_HINT",
    "BUSY_MESSAGE",
    "BUSY_TIMEOUT_SECONDS",
    "DEFAULT_PROJECT_FILE",
    "PAGE_SIZE",
    "PROJECT_ENV",
    "SEGMENT_DEPENDENTS",
    "SELECTION_KIND",
    "SELECTION_PATTERN",
    "CodingRow",
    "PersonCodingChange",
    "RunWriter",
    "SegmentToCode",
    "StatusRow",
    "Store",
    "evidence_json",
    "is_busy",
    "now",
    "resolve_project_path",
    "segment_from_row",
]


class Store(
    SettingStore,
    DocumentStore,
    SegmentStore,
    StatusStore,
    CodeStore,
    RunStore,
    CodingStore,
    PeopleStore,
    MemoStore,
    LearnedStore,
    Connection,
):
    """An open project. Use :meth:`open`; close it (or use ``with``) when done."""
