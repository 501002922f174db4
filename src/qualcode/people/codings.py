"""What a person stands behind: their own codings and their review decisions together."""

from __future__ import annotations

from qualcode.coders import is_automatic
from qualcode.models import Decision
from qualcode.store import Store


def coder_codings(store: Store, coder: str) -> set[tuple[int, str]]:
    """(segment_id, code_path) the coder stands behind, on current segments.

    A person's own codings, plus the automatic codings they accepted, minus those they rejected;
    an automatic coder's own codings.
    """
    own = set(store.own_codings(coder))
    if is_automatic(coder):
        return own
    decisions = store.decisions(coder)
    accepted = {(d.segment_id, d.code_path) for d in decisions if d.decision is Decision.ACCEPT}
    rejected = {(d.segment_id, d.code_path) for d in decisions if d.decision is Decision.REJECT}
    return (own | accepted) - rejected
