"""``qualcode show``: a document view as terminal text or as one self-contained HTML page.

Interview text is data: in the page every piece of it is escaped, and nothing is loaded from
elsewhere (no script, no font, no stylesheet link).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from qualcode.cli.render import exclusion_summary
from qualcode.models import Exclusion

if TYPE_CHECKING:
    from qualcode.document_view import DocumentView, ViewBlock

_INDENT = "     "


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


# -- HTML ------------------------------------------------------------------------------------

_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
       color: #1d1d1f; }
h1 { font-size: 1.3rem; margin-bottom: .2rem; }
.summary { color: #555; margin-top: 0; }
section { margin: .6rem 0; padding: .4rem .8rem; border-left: 4px solid #9bb7d4; }
section.interviewer { border-color: #c9a227; background: #fdf8e8; }
section.chair { border-color: #8e6bbf; background: #f5f0fb; }
section.excluded { border-color: #bbb; background: #f3f3f3; color: #555; }
section.unrecorded { border-color: #d9534f; background: #fbeeee; }
header { font-size: .85rem; color: #444; }
header .ordinal { font-weight: 600; margin-right: .5rem; }
.reason { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
p { margin: .2rem 0; white-space: pre-wrap; }
mark { background: #e4e4e4; color: #555; border-radius: 3px; padding: 0 .2rem; }
"""


def render_html(view: DocumentView) -> str:
    body = [f"<h1>{_escape(view.document.name)}</h1>", f'<p class="summary">{_escape(_title(view))}'
            f"<br>{_escape(_summary(view))}</p>"]  # fmt: skip
    for block in view.blocks:
        if block.segment is not None:
            body.append(_html_segment(block))
        elif block.reason is not Exclusion.SPEAKER_LABEL:
            what = block.reason.label if block.reason else "not recorded"
            kind = "excluded" if block.reason else "unrecorded"
            paragraphs = "".join(f"<p>{_escape(p)}</p>" for p in _paragraphs(block.text))
            body.append(
                f'<section class="{kind}"><header class="reason">{_escape(what)}</header>'
                f"{paragraphs}</section>"
            )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_escape(view.document.name)} · qualcode</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def _html_segment(block: ViewBlock) -> str:
    segment = block.segment
    assert segment is not None
    role = segment.role.value if segment.role else "unknown"
    language = (segment.language or "").split(",")[0]
    lang = f' lang="{_escape(language)}"' if language else ""
    paragraphs = "".join(
        f"<p{lang}>{_html_marked(pieces)}</p>" for pieces in _segment_paragraphs(block)
    )
    return (
        f'<section class="{_escape(role)}"><header><span class="ordinal">#{segment.ordinal}'
        f"</span>{_escape(_segment_header(block))}</header>{paragraphs}</section>"
    )


def _segment_paragraphs(block: ViewBlock) -> list[list[tuple[str, Exclusion | None]]]:
    """The segment's paragraphs, each a list of (text, reason) pieces: reason None is speech."""
    pieces: list[tuple[str, Exclusion | None]] = []
    position = block.start_char
    offset = block.start_char
    for region in block.inline:
        pieces.append((block.text[position - offset : region.start_char - offset], None))
        inline = block.text[region.start_char - offset : region.end_char - offset]
        pieces.append((inline, region.reason))
        position = region.end_char
    pieces.append((block.text[position - offset :], None))
    paragraphs: list[list[tuple[str, Exclusion | None]]] = [[]]
    for text, reason in pieces:
        first, *more = text.split("\n")
        paragraphs[-1].append((first, reason))
        for line in more:
            paragraphs.append([(line, reason)])
    return [p for p in paragraphs if "".join(text for text, _ in p).strip()]


def _html_marked(paragraph: list[tuple[str, Exclusion | None]]) -> str:
    return "".join(
        _escape(text)
        if reason is None
        else f'<mark title="{_escape(reason.label)}, not in the segment">{_escape(text)}</mark>'
        for text, reason in paragraph
    ).strip()


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
