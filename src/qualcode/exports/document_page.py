"""``qualcode show``: a document view as terminal text or as one self-contained HTML page.

Interview text is data: the page is the Jinja2 template ``exports/html/document.html.j2`` with
autoescape on, so every piece of text is escaped, and nothing is loaded from elsewhere (no script,
no font, no stylesheet link: the style, ``exports/html/document.css``, is inline).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualcode.exports.templates import Markup, asset, template
from qualcode.models import Exclusion, exclusion_summary

if TYPE_CHECKING:
    from qualcode.document_view import DocumentView, ViewBlock

_INDENT = "     "
Paragraph = list[tuple[str, Exclusion | None]]  # (text, reason) pieces: reason None is speech


def render_text(view: DocumentView) -> str:
    lines = [_title(view), _summary(view), ""]
    for block in view.blocks:
        if block.segment is not None:
            lines.append(f"{'#' + str(block.segment.ordinal):<5}{_segment_header(block)}")
            lines += [
                _INDENT + "".join(text if reason is None else f"{{{reason.label}: {text}}}"
                                  for text, reason in paragraph).strip()
                for paragraph in _segment_paragraphs(block)
            ]  # fmt: skip
        elif block.reason is Exclusion.SPEAKER_LABEL:
            continue  # shown as the speaker of the segment that follows
        else:
            what = block.reason.label if block.reason else "not recorded"
            first, *rest = _paragraphs(block.text) or [""]
            lines.append(f"{'·':<5}{what}: {first}")
            lines += [f"{_INDENT}{line}" for line in rest]
    return "\n".join(lines)


def _title(view: DocumentView) -> str:
    document = view.document
    count = document.segment_count
    languages = ",".join(document.languages) or "?"
    return (
        f"{document.name}  (version {document.version}, {count:,} "
        f"{'segment' if count == 1 else 'segments'} by {document.unit.value}, {languages})"
    )


def _summary(view: DocumentView) -> str:
    if not view.recorded:
        return (
            "Ingested before qualcode recorded excluded text: text in no segment is shown as "
            "'not recorded' (ingest the file again to record why)"
        )
    substantive = [c for c in view.excluded if c.reason is not Exclusion.SPEAKER_LABEL]
    labels = sum(c.regions for c in view.excluded if c.reason is Exclusion.SPEAKER_LABEL)
    said = exclusion_summary(substantive) if substantive else "nothing"
    if labels:
        said += f"; {labels:,} speaker labels, shown as each segment's speaker"
    return f"Not in segments: {said}"


def _segment_header(block: ViewBlock) -> str:
    segment = block.segment
    assert segment is not None
    parts = [segment.speaker or "(no speaker)"]
    if segment.role is not None:
        parts.append(segment.role.value)
    parts.append(segment.language or "?")
    if segment.timestamp:
        parts.append(segment.timestamp)
    if segment.page is not None:
        parts.append(f"page {segment.page}")
    return " · ".join(parts)


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _segment_paragraphs(block: ViewBlock) -> list[Paragraph]:
    """The segment's paragraphs, each a list of (text, reason) pieces: reason None is speech."""
    pieces: Paragraph = []
    position = block.start_char
    offset = block.start_char
    for region in block.inline:
        pieces.append((block.text[position - offset : region.start_char - offset], None))
        inline = block.text[region.start_char - offset : region.end_char - offset]
        pieces.append((inline, region.reason))
        position = region.end_char
    pieces.append((block.text[position - offset :], None))
    paragraphs: list[Paragraph] = [[]]
    for text, reason in pieces:
        first, *more = text.split("\n")
        paragraphs[-1].append((first, reason))
        for line in more:
            paragraphs.append([(line, reason)])
    return [p for p in paragraphs if "".join(text for text, _ in p).strip()]


# -- HTML ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    """A block of the page: a segment (with its paragraphs of (text, reason label) pieces) or
    text left out of every segment (with its paragraphs of text)."""

    segment: bool
    paragraphs: list[Any]
    role: str = ""
    ordinal: int = 0
    header: str = ""
    language: str = ""
    kind: str = ""
    what: str = ""


def render_html(view: DocumentView) -> str:
    blocks = [_html_block(block) for block in view.blocks]
    return template("document.html.j2").render(
        name=view.document.name,
        title=_title(view),
        summary=_summary(view),
        style=_style(),
        blocks=[block for block in blocks if block is not None],
    )


def _html_block(block: ViewBlock) -> _Section | None:
    segment = block.segment
    if segment is None:
        if block.reason is Exclusion.SPEAKER_LABEL:
            return None  # shown as the speaker of the segment that follows
        return _Section(
            segment=False,
            paragraphs=_paragraphs(block.text),
            kind="excluded" if block.reason else "unrecorded",
            what=block.reason.label if block.reason else "not recorded",
        )
    return _Section(
        segment=True,
        paragraphs=[_stripped(paragraph) for paragraph in _segment_paragraphs(block)],
        role=segment.role.value if segment.role else "unknown",
        ordinal=segment.ordinal,
        header=_segment_header(block),
        language=(segment.language or "").split(",")[0],
    )


def _stripped(paragraph: Paragraph) -> list[tuple[str, str | None]]:
    """The pieces with the paragraph's outer spaces taken off the speech at its ends (an
    excluded piece is shown whole), and each reason as its label."""
    pieces = [(text, reason.label if reason else None) for text, reason in paragraph]
    if pieces and pieces[0][1] is None:
        pieces[0] = (pieces[0][0].lstrip(), None)
    if pieces and pieces[-1][1] is None:
        pieces[-1] = (pieces[-1][0].rstrip(), None)
    return pieces


def _style() -> Markup:
    return Markup(asset("document.css"))  # the package's own style sheet: inline as it is
