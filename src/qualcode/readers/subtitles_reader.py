"""WebVTT (.vtt) and SubRip (.srt) subtitles through webvtt-py: cues merged into speaker turns.

A cue says who speaks with a voice span (``<v Ana Puig>``), a label (``Ana Puig:``, ``>> ANA:``),
or not at all. Consecutive cues of one speaker make one turn, and a cue without a speaker continues
the turn before it. A file that marks no speaker at all is one unknown speaker: its cues are cut
into passages at pauses of two seconds or more (and after about 80 words at a sentence end), each a
segment of its own. Every turn keeps the start of its first cue and the end of its last one as
``start-end`` (``00:01:02.500-00:01:09.000``), and its text is printed after a label
(``[00:01:02.500] Ana Puig: ``) so the document reads like a transcript; spans hold only speech.

Kept: cue text (tags such as ``<i>`` and ``<c.loud>`` removed, character references such as
``&amp;`` decoded), voices, times, the VTT title and ``Language:`` header. Dropped: cue settings,
styles, regions, ``NOTE`` comments, cue identifiers and the lines that YouTube's rolling captions
repeat from the previous cue.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from qualcode.errors import ReaderError
from qualcode.models import ReadDocument
from qualcode.readers.assemble import (
    Block,
    assemble,
    read_bytes,
    squeeze_spaces,
    turn_label,
    unescape_entities,
)
from qualcode.readers.text_reader import decode
from qualcode.speakers import find_label

_VOICE_TAG = re.compile(r"<v(?:\.[^\s>]*)*(?:[ \t]+(?P<name>[^>]*))?>|</v>")
_TAG = re.compile(r"<[^>]*>")  # <i>, <b>, <c.loud>, <lang ca>, <00:00:01.000>, <font color=...>
_ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")  # {\an8} positioning that SRT files borrow from ASS
_CHEVRONS = re.compile(r"^\s*>>+\s*")  # ">> ANA:" marks a new speaker in broadcast captions
_DIALOGUE_DASH = re.compile(r"^\s*[-–—]\s+")  # "- Yes." lines of two unnamed speakers in one cue
_SENTENCE_END = re.compile(r"[.!?…][\"'»”’)\]]*$")
PAUSE_MS = 2000
UNMARKED_PASSAGE_WORDS = 80


@dataclass
class _Line:
    """One line of a cue, with the speaker it names (if any) and the cue's times."""

    speaker: str | None
    text: str
    start: str
    end: str
    start_ms: int
    end_ms: int


@dataclass
class _Turn:
    speaker: str | None
    start: str
    end: str
    end_ms: int
    texts: list[str] = field(default_factory=list)
    words: int = 0

    def add(self, line: _Line) -> None:
        self.texts.append(line.text)
        self.words += len(line.text.split())
        self.end, self.end_ms = line.end, line.end_ms


def read_vtt(path: Path) -> ReadDocument:
    text, encoding = decode(read_bytes(path), path)
    try:
        captions = webvtt.from_string(text)
    except MalformedFileError as error:
        raise ReaderError(
            "not a WebVTT file (the first line must be 'WEBVTT')", path=path
        ) from error
    except MalformedCaptionError as error:
        raise ReaderError(f"malformed WebVTT cue ({error})", path=path) from error
    properties: dict[str, str] = {}
    title = captions.header_text.strip().lstrip("-–— \t").strip() if captions.header_text else ""
    if title:
        properties["title"] = title
    for line in captions.metadata:
        key, _, value = line.partition(":")
        if key.strip().lower() == "language" and value.strip():
            properties["language"] = value.strip()
    return _document(path, captions.captions, "vtt", encoding, properties)


def read_srt(path: Path) -> ReadDocument:
    text, encoding = decode(read_bytes(path), path)
    try:
        captions = webvtt.from_buffer(io.StringIO(text), format="srt")
    except MalformedFileError as error:
        raise ReaderError(
            "not an SRT file (it must open with a cue number and a timing line such as "
            "'00:00:01,000 --> 00:00:04,000')",
            path=path,
        ) from error
    except MalformedCaptionError as error:
        raise ReaderError(f"malformed SRT cue ({error})", path=path) from error
    return _document(path, captions.captions, "srt", encoding, {})


def _document(
    path: Path,
    captions: list[webvtt.Caption],
    fmt: str,
    encoding: str,
    properties: dict[str, str],
) -> ReadDocument:
    if not captions:
        raise ReaderError("no subtitle cues found", path=path)
    lines = _lines(captions)
    blocks = [
        Block(
            text=" ".join(turn.texts),
            label=turn_label(turn.speaker, turn.start),
            speaker=turn.speaker,
            timestamp=f"{turn.start}-{turn.end}",
        )
        for turn in _turns(lines)
    ]
    text, paragraphs = assemble(blocks)
    return ReadDocument(
        text=text, paragraphs=paragraphs, properties=properties, format=fmt, encoding=encoding
    )


def _lines(captions: list[webvtt.Caption]) -> list[_Line]:
    """Every cue line with its speaker: the voice span, else a label at its start, else none."""
    found: list[_Line] = []
    previous_last = ""
    for caption in captions:
        start, end = caption.start, caption.end
        start_ms, end_ms = caption.start_time.in_milliseconds(), caption.end_time.in_milliseconds()
        raw_lines = [line for line in caption.lines if line.strip()]
        # Rolling captions repeat the previous cue's last line as their first one.
        if len(raw_lines) > 1 and _clean(raw_lines[0]) == previous_last:
            raw_lines = raw_lines[1:]
        if raw_lines:
            previous_last = _clean(raw_lines[-1])
        voice: str | None = None
        for raw in raw_lines:
            pieces, voice = _voiced_pieces(raw, voice)
            for speaker, piece in pieces:
                text = _clean(piece)
                if not text:
                    continue
                if speaker is None:
                    speaker, text = _labelled(text)
                found.append(_Line(speaker, text, start, end, start_ms, end_ms))
    return found


def _voiced_pieces(raw: str, voice: str | None) -> tuple[list[tuple[str | None, str]], str | None]:
    """Split a cue line at voice spans: ([(speaker or None, raw text), ...], voice at its end).

    A voice opened on one line of a cue goes on over the next lines until ``</v>``.
    """
    pieces: list[tuple[str | None, str]] = []
    position = 0
    for match in _VOICE_TAG.finditer(raw):
        pieces.append((voice, raw[position : match.start()]))
        if match.group().startswith("</"):
            voice = None
        else:
            voice = squeeze_spaces(unescape_entities(match.group("name") or "")) or None
        position = match.end()
    pieces.append((voice, raw[position:]))
    return [(speaker, text) for speaker, text in pieces if text.strip()], voice


def _clean(raw: str) -> str:
    text = _TAG.sub("", _ASS_OVERRIDE.sub("", raw))
    text = _DIALOGUE_DASH.sub("", text)
    return squeeze_spaces(unescape_entities(text))


def _labelled(text: str) -> tuple[str | None, str]:
    """``Ana Puig: text`` or ``>> ANA: text`` gives the speaker and the text after the label."""
    unchevroned = _CHEVRONS.sub("", text)
    label = find_label(unchevroned)
    if label is None or label.speaker is None:
        return None, unchevroned
    return label.speaker, unchevroned[label.prefix_length :].strip()


def _turns(lines: list[_Line]) -> list[_Turn]:
    marked = any(line.speaker is not None for line in lines)
    turns: list[_Turn] = []
    for line in lines:
        current = turns[-1] if turns else None
        if marked:
            speaker = line.speaker
            if speaker is None and current is not None:
                speaker = current.speaker  # a cue without a speaker goes on with the last one
            opens = current is None or speaker != current.speaker
        else:
            speaker = None
            opens = (
                current is None
                or line.start_ms - current.end_ms >= PAUSE_MS
                or (
                    current.words >= UNMARKED_PASSAGE_WORDS
                    and _SENTENCE_END.search(current.texts[-1]) is not None
                )
            )
        if opens or current is None:
            current = _Turn(speaker=speaker, start=line.start, end=line.end, end_ms=line.end_ms)
            turns.append(current)
        current.add(line)
    return turns
