"""The turns around a coded segment: the question it answers and its neighbours.

The question is the last turn before it of the interviewer or the chair (who gives the floor).

A quote is read and cited as it was said: after the question that prompted it, between the turns
that came before and after. Turns are the document's speaker turns (segments of one turn — its
paragraphs or sentences, or its parts around a stage direction — are one turn here); a document
without speakers has paragraphs for turns.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.models import Role, Segment
from qualcode.store import Store


@dataclass(frozen=True)
class Turn:
    """Consecutive segments of one speaker turn, as one piece of text."""

    speaker: str | None
    role: Role | None
    text: str
    first_ordinal: int

    def quoted(self) -> str:
        who = self.speaker or "unknown speaker"
        return f"{who}: {self.text}"


@dataclass(frozen=True)
class QuoteContext:
    """What surrounds a segment: the interviewer's or chair's turn before it, and up to N turns each
    side (the question among them, when it is that near)."""

    question: Turn | None
    before: tuple[Turn, ...]
    after: tuple[Turn, ...]


_ASKING = (Role.INTERVIEWER, Role.CHAIR)


class ContextFinder:
    """Finds quote contexts, reading each document's segments once."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._turns: dict[int, tuple[list[Turn], dict[int, int], list[Turn | None]]] = {}

    def around(self, segment: Segment, turns: int) -> QuoteContext:
        """The context of a current segment, ``turns`` turns each side (0: the question only)."""
        document_turns, turn_of, questions = self._document(segment.document_id or -1)
        index = turn_of.get(segment.ordinal)
        if index is None:
            return QuoteContext(None, (), ())
        question = questions[index]
        before = tuple(document_turns[max(0, index - turns) : index]) if turns else ()
        after = tuple(document_turns[index + 1 : index + 1 + turns]) if turns else ()
        return QuoteContext(question, before, after)

    def _document(self, document_id: int) -> tuple[list[Turn], dict[int, int], list[Turn | None]]:
        """The document's turns, the turn of each ordinal, and the interviewer's last turn before
        each turn (found once per document: looking back from each quote grew with the square of
        a long document's turns)."""
        known = self._turns.get(document_id)
        if known is None:
            turns, turn_of = _turns(self._store.segments(document_id))
            known = self._turns[document_id] = (turns, turn_of, _questions(turns))
        return known


def _questions(turns: list[Turn]) -> list[Turn | None]:
    """For each turn, the last interviewer or chair turn before it (None before the first)."""
    questions: list[Turn | None] = []
    last: Turn | None = None
    for turn in turns:
        questions.append(last)
        if turn.role in _ASKING:
            last = turn
    return questions


def _turns(segments: list[Segment]) -> tuple[list[Turn], dict[int, int]]:
    """The document's turns in order, and the turn of each segment ordinal."""
    turns: list[Turn] = []
    turn_of: dict[int, int] = {}
    pieces: list[Segment] = []

    def close() -> None:
        if pieces:
            first = pieces[0]
            text = " ".join(p.text.replace("\n", " ") for p in pieces)
            turns.append(Turn(first.speaker, first.role, text, first.ordinal))
            pieces.clear()

    for segment in segments:
        same_turn = (
            pieces
            and segment.turn is not None
            and segment.turn == pieces[-1].turn
            and segment.speaker == pieces[-1].speaker
        )
        if not same_turn:
            close()
        pieces.append(segment)
        turn_of[segment.ordinal] = len(turns)
    close()
    return turns, turn_of
