"""Records that flow through the core.

Offsets everywhere are 0-based code-point indexes into a document's plain text, end excluded
(the REFI-QDA convention): ``document.text[segment.start_char:segment.end_char] == segment.text``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """Who speaks in a segment. Segments without a known speaker have no role."""

    INTERVIEWER = "interviewer"
    RESPONDENT = "respondent"
    CHAIR = "chair"


def in_scope(role: Role | None) -> bool:
    """Whether a turn is in the default scope: the respondents' and those of unknown speakers,
    not the interviewer's or the chair's."""
    return role in (None, Role.RESPONDENT)


class Unit(StrEnum):
    """What one segment is."""

    TURN = "turn"
    PARAGRAPH = "paragraph"
    SENTENCE = "sentence"


@dataclass(frozen=True)
class Paragraph:
    """One paragraph as a reader found it, located in the document's plain text."""

    text: str
    start_char: int
    end_char: int
    style: str | None = None
    italic: bool = False
    in_table: bool = False
    # Set by readers of formats that say themselves who speaks and when (subtitles, spreadsheets
    # of turns). A paragraph with a speaker or a timestamp is a turn of its own; its text is the
    # speech without the label printed before it, and the segmenter takes the speaker and time
    # from here instead of parsing a label.
    speaker: str | None = None
    timestamp: str | None = None  # "00:01:02.500" or a start-end range "00:01:02.500-00:01:09.000"
    page: int | None = None  # 1-based page the paragraph starts on (PDF)
    codes: tuple[str, ...] = ()  # codes a spreadsheet of turns already gave this turn


@dataclass(frozen=True)
class ReadDocument:
    """What a reader makes of one file: its plain text, paragraphs and embedded metadata."""

    text: str
    paragraphs: tuple[Paragraph, ...]
    properties: dict[str, str] = field(default_factory=dict)
    format: str = "txt"
    encoding: str | None = None


@dataclass(frozen=True)
class Segment:
    """A unit of coding: a speaker turn, a paragraph or a sentence."""

    ordinal: int
    start_char: int
    end_char: int
    text: str
    speaker: str | None = None
    role: Role | None = None
    timestamp: str | None = None
    turn: int | None = None
    language: str | None = None
    word_count: int = 0
    segment_id: int | None = None
    document_id: int | None = None
    page: int | None = None  # 1-based page the segment starts on (PDF)


class Exclusion(StrEnum):
    """Why a part of a document's text belongs to no segment. Stored: never rename a value."""

    SPEAKER_LABEL = "speaker_label"  # `Name:` before a turn, or a name in its own paragraph
    FRONT_MATTER = "front_matter"  # `Date:`/`Transcriber:` lines, a transcript's title lines
    STAGE_DIRECTION = "stage_direction"  # `(Remor de veus.)`, `[inaudible]`, inline `(Riu.)`
    CLOCK_TIME = "clock_time"  # a paragraph that is only a time, `10:42`
    HEADING = "heading"  # a title, heading or agenda style, a Markdown `#` heading

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class ExcludedRegion:
    """A span of a document's text in no segment, and why. Same coordinates as segments."""

    start_char: int
    end_char: int
    reason: Exclusion


@dataclass(frozen=True)
class ExclusionCount:
    """How much text of one reason a document (or the project) left out of its segments.

    ``regions`` counts excluded regions: each is a whole paragraph, a note inside one (a stage
    direction or clock time in brackets), or the label at a paragraph's start (speaker labels).
    """

    reason: Exclusion
    regions: int
    words: int


def exclusion_summary(counts: Sequence[ExclusionCount]) -> str:
    """``front matter 3 passages (41 words), heading 1 passage (4 words)``.

    A passage is a whole paragraph, or a note inside one (``(Riu.)``): not always a paragraph.
    """
    return ", ".join(
        f"{c.reason.label} {c.regions:,} {'passage' if c.regions == 1 else 'passages'} "
        f"({c.words:,} {'word' if c.words == 1 else 'words'})"
        for c in counts
    )


@dataclass(frozen=True)
class Segmentation:
    """What the segmenter makes of a document: its segments and the text it left out of them.

    Together they account for every character of the text that is not white space.
    """

    segments: list[Segment]
    excluded: list[ExcludedRegion]
    text_labels: tuple[str, ...] = ()
    """``Word:`` openings read as text, not as speakers (``Housing``, ``Exemples``), in order."""
    speaker_labels: tuple[str, ...] = ()
    """The labels read as speakers (before ``Q`` takes a name), each once, in order."""


@dataclass(frozen=True)
class Document:
    """A transcript in the project, at its current version."""

    document_id: int
    name: str
    source_path: str
    format: str
    version: int
    content_hash: str
    language: str | None
    languages: tuple[str, ...]
    unit: Unit
    encoding: str | None
    ingested_at: str
    attributes: dict[str, str] = field(default_factory=dict)
    segment_count: int = 0


class Decision(StrEnum):
    """A person's verdict on an automatic coding (qualcode review)."""

    ACCEPT = "accept"
    REJECT = "reject"


@dataclass(frozen=True)
class ReviewDecision:
    """A reviewer's decision on the automatic coding of one segment with one code.

    Keyed by segment, code and reviewer, so it outlives reruns of the automatic coder.
    """

    segment_id: int
    code_path: str
    reviewer: str
    decision: Decision
    auto_coder: str
    decided_at: str = ""
    note: str = ""


class MemoTarget(StrEnum):
    """What a memo is written on. Stored: never rename a value."""

    PROJECT = "project"
    DOCUMENT = "document"
    SEGMENT = "segment"
    CODE = "code"


@dataclass(frozen=True)
class Memo:
    """A person's note on the project, a document, a segment or a code (``qualcode memo``)."""

    memo_id: int
    guid: str
    target: MemoTarget
    text: str
    author: str
    created_at: str
    document_id: int | None = None
    document_name: str | None = None
    segment_id: int | None = None
    segment_ordinal: int | None = None
    segment_current: bool = True
    """False for a memo on a segment of an earlier version of its document."""
    code_path: str | None = None

    @property
    def reference(self) -> str:
        """What the memo is on, as ``memo add --on`` takes it."""
        if self.target is MemoTarget.SEGMENT:
            return f"{self.document_name}#{self.segment_ordinal}"
        if self.target is MemoTarget.DOCUMENT:
            return self.document_name or ""
        if self.target is MemoTarget.CODE:
            return f"code:{self.code_path}"
        return "project"


@dataclass(frozen=True)
class DocumentVersion:
    """What is needed to decide whether a file changed since it was ingested."""

    document_id: int
    version: int
    content_hash: str
    segmentation_key: str
    properties: dict[str, str]


@dataclass(frozen=True)
class CodeRecord:
    """A code as the project knows it, whichever codebook (or import) brought it."""

    path: str
    label: str
    parent_path: str | None
    description: str = ""
    include: str = ""
    exclude: str = ""
    colour: str | None = None
    sort_order: int = 0


@dataclass(frozen=True)
class StagedCoding:
    """One piece of evidence for a coding, in document coordinates, before it is saved."""

    segment_id: int
    code_path: str
    pattern: str
    kind: str
    start_char: int
    end_char: int


@dataclass(frozen=True)
class Evidence:
    pattern: str
    kind: str
    start_char: int
    end_char: int
    matched: str


Span = tuple[int, int]
"""(start_char, end_char) in document coordinates."""


@dataclass(frozen=True)
class CodedSegment:
    document_name: str
    segment: Segment
    code_path: str
    coder: str
    evidence: tuple[Evidence, ...]
    spans: tuple[Span, ...] = ()
    """The exact passages the coder selected (from a REFI-QDA archive), in text order; empty
    when the coding is of the whole segment. A span may run past the segment when the selection
    did (it is kept whole on each segment it overlaps)."""


@dataclass(frozen=True)
class CodingRun:
    """A coding run: which codebook (name, version, content hash) made a coder's codings, when."""

    coder: str
    codebook_name: str
    codebook_version: str
    codebook_hash: str
    started_at: str
    finished_at: str | None
    codebook_path: str = ""  # the file as the run found it (explain and search look there again)


@dataclass(frozen=True)
class LearnedModelRecord:
    """A round of ``qualcode learn``: what it was learned from, its figures, its model."""

    model_id: int
    coder: str
    trained_at: str
    codings: int
    segments: int
    codebook_name: str | None
    codebook_hash: str | None
    metrics: dict[str, Any]
    qualcode_version: str
    sklearn_version: str
    model: bytes | None = None
