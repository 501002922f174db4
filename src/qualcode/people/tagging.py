"""Tagging and untagging a segment by hand."""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.coders import check_coder
from qualcode.errors import QualcodeError
from qualcode.people.lookup import LocatedSegment, resolve_code, resolve_segment
from qualcode.store import Store


@dataclass(frozen=True)
class TagResult:
    segment: LocatedSegment
    code_path: str
    coder: str
    changed: bool
    """A coding was added (tag) or removed (untag)."""
    decision_withdrawn: bool = False
    """Tag: the coder's rejection of the automatic coding was withdrawn; untag: their acceptance."""


def tag(store: Store, reference: str, code: str, coder: str) -> TagResult:
    """Code a segment as a person; withdraws that person's rejection of the same coding."""
    coder = check_coder(coder)
    located = resolve_segment(store, reference)
    code_path = resolve_code(store, code)
    pair = [(located.segment_id, code_path)]
    added, withdrawn = store.add_person_codings(pair, coder)
    return TagResult(located, code_path, coder, added > 0, withdrawn > 0)


def untag(store: Store, reference: str, code: str, coder: str) -> TagResult:
    """Remove a person's coding of a segment, and their acceptance of the automatic one."""
    coder = check_coder(coder)
    located = resolve_segment(store, reference)
    code_path = resolve_code(store, code)
    pair = [(located.segment_id, code_path)]
    removed, withdrawn = store.remove_person_codings(pair, coder)
    if not removed and not withdrawn:
        raise QualcodeError(
            f"{coder} has not coded {located.reference} with {code_path}",
            hint=f"to reject an automatic coding, use 'qualcode review --code {code_path}'",
        )
    return TagResult(located, code_path, coder, removed > 0, withdrawn > 0)
