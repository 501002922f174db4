"""How selection positions count, per source: UTF-16 units (NVivo), ``\\r\\n`` counted once
(MAXQDA, ATLAS.ti via QualCoder), or the standard's code points."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.refi.import_ import import_project
from qualcode.refi.positions import PositionMap, Positions, Reading, choose, expected_reading
from qualcode.store import Store
from refi_support import project_qde, write_zip

TEXT = "A: Hi 😀 there, 𝔘 here.\n\nB: The rent 🏠 went up.\n\nA: And the bus fares?\n"
PHRASES = ["there", "rent", "went up", "bus fares"]


@pytest.fixture
def store(project_path: Path) -> Store:
    opened = Store.open(project_path, create=True)
    yield opened
    opened.close()


def utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def selections_xml(ends: list[tuple[int, int]]) -> str:
    return "".join(
        f'<PlainTextSelection guid="5E1EC700-0000-4000-8000-{index:012d}" startPosition="{a}" '
        f'endPosition="{b}"><Coding guid="C0D1C000-0000-4000-8000-{index:012d}"><CodeRef '
        'targetGUID="C0DE0000-0000-4000-8000-000000000001"/></Coding></PlainTextSelection>'
        for index, (a, b) in enumerate(ends)
    )


def archive(tmp_path: Path, text: str, ends: list[tuple[int, int]], origin: str) -> Path:
    qde = project_qde(
        '<Users><User guid="0000AAAA-0000-4000-8000-000000000001" name="Ana"/></Users>'
        '<CodeBook><Codes><Code guid="C0DE0000-0000-4000-8000-000000000001" name="Topic" '
        'isCodable="true"/></Codes></CodeBook>'
        '<Sources><TextSource guid="50E0CE00-0000-4000-8000-000000000001" name="talk.txt" '
        'plainTextPath="internal://talk.txt" creatingUser="0000AAAA-0000-4000-8000-000000000001">'
        f"{selections_xml(ends)}</TextSource></Sources>",
        origin=origin,
    )
    return write_zip(tmp_path / "a.qdpx", {"project.qde": qde, "sources/talk.txt": text})


def spans_of(text: str) -> list[tuple[int, int]]:
    return [(text.index(p), text.index(p) + len(p)) for p in PHRASES]


def selected(store: Store) -> list[str]:
    text = store.document_text(store.documents()[0].document_id)
    found = {span for c in store.coded_segments() for span in c.spans}
    return [text[a:b] for a, b in sorted(found)]


def test_position_map_reads_utf16_units_and_line_endings() -> None:
    written = "Hi 😀 there\r\nnext 🍅 line"
    kept = written.replace("\r\n", "\n")
    both = PositionMap(written, Reading(utf16=True))
    for offset in range(len(written) + 1):
        if offset and written[offset - 1] == "\r":
            continue
        expected = offset - written[:offset].count("\r\n")
        assert both.place(utf16(written, offset)) == expected
    assert both.splits(4) and both.place(4) == 3  # inside 😀: its start
    assert both.length == len(written.encode("utf-16-le")) // 2
    once = PositionMap(written, Reading(utf16=True, lf=True))
    assert [once.place(utf16(kept, i)) for i in range(len(kept) + 1)] == list(range(len(kept) + 1))
    assert PositionMap(written, Reading(lf=True)).length == len(kept)


@pytest.mark.parametrize(
    ("origin", "reading"),
    [
        ("NVivo 12.6 (Windows)", Reading(utf16=True)),
        ("MAXQDA 24", Reading(lf=True)),
        ("ATLAS.ti 23", Reading(lf=True)),
        ("QualCoder 3.5", Reading()),
        ("", Reading()),
    ],
)
def test_what_each_tool_is_known_for(origin: str, reading: Reading) -> None:
    assert expected_reading(origin) == reading


def test_utf16_positions_found_from_the_boundaries(store: Store, tmp_path: Path) -> None:
    ends = [(utf16(TEXT, a), utf16(TEXT, b)) for a, b in spans_of(TEXT)]
    summary = import_project(store, archive(tmp_path, TEXT, ends, "SomeTool 1.0"))
    assert [d.positions for d in summary.documents] == [
        "UTF-16 units (8 of 8 selection ends on word boundaries)"
    ]
    assert selected(store) == PHRASES


def test_positions_option_overrides(store: Store, tmp_path: Path) -> None:
    ends = [(utf16(TEXT, a), utf16(TEXT, b)) for a, b in spans_of(TEXT)]
    path = archive(tmp_path, TEXT, ends, "NVivo 15")
    summary = import_project(store, path, positions=Positions.CODEPOINTS)
    assert [d.positions for d in summary.documents] == ["code points"]
    assert selected(store) == [TEXT[a:b] for a, b in ends]  # shifted, as asked
    assert selected(store) != PHRASES


def test_crlf_text_with_lf_positions(store: Store, tmp_path: Path) -> None:
    written = TEXT.replace("\n", "\r\n")
    ends = spans_of(TEXT)  # counted as if each line ended in \n
    summary = import_project(store, archive(tmp_path, written, ends, "MAXQDA 24"))
    assert [d.positions for d in summary.documents] == [
        "code points, \\r\\n counted once (8 of 8 selection ends on word boundaries)"
    ]
    assert selected(store) == PHRASES


def test_a_tie_takes_the_tools_reading() -> None:
    written = "A: 😀 x\n"
    assert choose(written, [], "NVivo 12").summary == (
        "UTF-16 units (no other reading fits this source's selections clearly better)"
    )
    assert choose(written, [], "QualCoder").map.reading == Reading()
    assert choose("plain\n", [(0, 5)], "NVivo").summary == "code points"
    # An archive qualcode wrote is read as the standard says, however its selections fall.
    assert choose("A: 😀 x\n", [(1, 3)] * 9, "qualcode 1.0.0").summary == "code points"
    assert choose("A: 😀 x\n", [(1, 3)] * 9, "QualCoder 3.5").map.reading == Reading()


letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyzàéïóçñß", min_size=8, max_size=12)
emoji = st.sampled_from(["😀", "🏠", "𝔘", "🍅"])


@st.composite
def coded_sources(
    draw: st.DrawFn,
) -> tuple[str, Reading, list[tuple[int, int]], list[str]]:
    """A text, the reading its tool wrote positions in, those positions, and the passages."""
    lines = [
        " ".join(draw(st.lists(st.one_of(letters, emoji), min_size=1, max_size=4)))
        for _ in range(draw(st.integers(0, 2)))
    ]
    last = draw(st.lists(letters, min_size=4, max_size=8))
    lines.append(draw(emoji) + " " + " ".join(last))
    crlf = draw(st.booleans())
    written = ("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")
    reading = Reading(
        utf16=draw(st.booleans()),
        lf=crlf and draw(st.booleans()),
    )
    kept = written.replace("\r\n", "\n")
    offset = kept.rindex("\n", 0, len(kept) - 1) + 1 if "\n" in kept[:-1] else 0
    starts = [offset + 2]
    for word in last[:-1]:
        starts.append(starts[-1] + len(word) + 1)
    runs = draw(st.lists(st.tuples(st.integers(0, len(last) - 1), st.integers(1, 3)), min_size=3))
    positions, passages = [], []
    for first, length in runs:
        end_word = min(first + length, len(last)) - 1
        start, end = starts[first], starts[end_word] + len(last[end_word])
        passages.append(kept[start:end])
        base = kept if reading.lf else written
        before = kept[:start].count("\n") if not reading.lf and crlf else 0
        a, b = start + before, end + (kept[:end].count("\n") if not reading.lf and crlf else 0)
        if reading.utf16:
            a, b = utf16(base, a), utf16(base, b)
        positions.append((a, b))
    return written, reading, positions, passages


@given(coded_sources())
def test_the_reading_a_tool_wrote_is_found(case) -> None:
    """Whatever the tool counted, the passages come back: the reading chosen is the tool's, or
    one that places every selection where the tool's does (a UTF-16 shift and a line end counted
    once can cancel out)."""
    written, reading, positions, passages = case
    choice = choose(written, positions, "")
    text = choice.map.text
    assert [text[choice.map.place(a) : choice.map.place(b)] for a, b in positions] == passages
    truth = PositionMap(written, reading)
    assert [choice.map.place(p) for pair in positions for p in pair] == [
        truth.place(p) for pair in positions for p in pair
    ]
