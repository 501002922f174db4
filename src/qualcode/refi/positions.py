"""How each tool counts selection positions, found per source, and the map onto qualcode's text.

The standard counts 0-based Unicode code points in the source's text as written, a Windows line
ending (``\\r\\n``) as two. Tools deviate in two ways, measured on real archives:

- **UTF-16 code units**: NVivo counts a character outside the Basic Multilingual Plane (an emoji,
  ``𝔘``) as two, so every selection after the first such character is shifted;
- **line endings counted once**: text written with ``\\r\\n`` but positions counted as if each
  line ended in ``\\n`` (what QualCoder writes for MAXQDA, and what QualCoder's code says ATLAS.ti
  does).

A reading is one choice of each. For a source where the readings differ (it has such characters,
or ``\\r\\n``), each is tried on the source's selections, counting the selection ends that fall
on word and line boundaries: a person selects words, and a wrong reading puts the ends in
mid-word, increasingly so along the text. The reading the writing tool is known for (from the
project's ``origin``; else the standard's) is used unless another puts clearly more ends on
boundaries (two more, and a tenth of the ends): a few selections cannot overturn it by chance.
An archive qualcode wrote is read as the standard says. ``--positions codepoints|utf16`` fixes
the unit; line endings are still read the way the boundaries say.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.defaults import Positions


@dataclass(frozen=True)
class Reading:
    """One way of counting positions: the unit, and whether ``\\r\\n`` counts once."""

    utf16: bool = False
    lf: bool = False

    @property
    def label(self) -> str:
        unit = "UTF-16 units" if self.utf16 else "code points"
        return f"{unit}, \\r\\n counted once" if self.lf else unit


STANDARD = Reading()

_EXPECTED = (
    ("nvivo", Reading(utf16=True)),
    ("maxqda", Reading(lf=True)),
    ("atlas", Reading(lf=True)),
)
"""What each tool is known to write, by a word of its ``origin`` (lower case)."""


def written_by_qualcode(origin: str) -> bool:
    """Whether qualcode wrote the archive (``qualcode 1.2.0``; not QualCoder)."""
    return origin.split(" ", 1)[0].lower() == "qualcode"


def expected_reading(origin: str) -> Reading:
    """The reading the tool named in a project's ``origin`` is known for; else the standard's."""
    name = origin.lower()
    for word, reading in _EXPECTED:
        if word in name:
            return reading
    return STANDARD


class PositionMap:
    """Positions of one reading, mapped onto qualcode's text (``\\n`` line endings)."""

    def __init__(self, written: str, reading: Reading = STANDARD) -> None:
        self.reading = reading
        self.text = written.replace("\r\n", "\n").replace("\r", "\n")
        base = self.text if reading.lf else written
        # the ``\r`` of each ``\r\n`` qualcode takes out, in the text as written
        self._removed: list[int] = []
        if not reading.lf:
            index = written.find("\r\n")
            while index != -1:
                self._removed.append(index)
                index = written.find("\r\n", index + 2)
        # unit offset, in the base text, of each character that UTF-16 writes as two units
        self._wide: list[int] = []
        if reading.utf16:
            wide = [index for index, character in enumerate(base) if ord(character) > 0xFFFF]
            self._wide = [index + count for count, index in enumerate(wide)]
        self.length = len(base) + len(self._wide)
        """The text's length in this reading's positions."""

    def place(self, position: int) -> int:
        """The offset in qualcode's text of ``position`` (in a character's middle: its start)."""
        offset = position - bisect.bisect_right(self._wide, position - 2)
        if self._wide and self.splits(position):
            offset -= 1
        return offset - bisect.bisect_left(self._removed, offset)

    def splits(self, position: int) -> bool:
        """Whether ``position`` falls between the two units of one character."""
        index = bisect.bisect_left(self._wide, position - 1)
        return index < len(self._wide) and self._wide[index] == position - 1


def readings(written: str, positions: Positions) -> list[Reading]:
    """The readings that give different results on this text, the standard's first."""
    units = [False]
    if positions is Positions.UTF16:
        units = [True]
    elif positions is Positions.AUTO and any(ord(c) > 0xFFFF for c in written):
        units = [False, True]
    line_ends = [False, True] if "\r\n" in written else [False]
    return [Reading(utf16=unit, lf=lf) for unit in units for lf in line_ends]


@dataclass(frozen=True)
class Choice:
    """The reading used for a source, and why."""

    map: PositionMap
    how: str
    """``compared``: the boundaries decided; ``tied``: they could not, so the tool's (or the
    standard's) was taken; ``only``: the readings do not differ on this text; ``asked``:
    ``--positions`` decided and the text has no ``\\r\\n``."""
    boundaries: int = 0
    """Selection ends on word or line boundaries in the reading used."""
    ends: int = 0
    """Selection ends looked at."""

    @property
    def summary(self) -> str:
        """What the import summary says of it."""
        label = self.map.reading.label
        if self.how == "compared":
            return f"{label} ({self.boundaries} of {self.ends} selection ends on word boundaries)"
        if self.how == "tied":
            return f"{label} (no other reading fits this source's selections clearly better)"
        return label


def choose(
    written: str,
    selections: Sequence[tuple[int, int]],
    origin: str,
    positions: Positions = Positions.AUTO,
) -> Choice:
    """The reading of a source's selections (``(start, end)`` as the archive has them)."""
    candidates = readings(written, positions)
    if positions is Positions.AUTO and written_by_qualcode(origin):
        candidates = [STANDARD]  # qualcode writes the standard's positions
    if len(candidates) == 1:
        how = "asked" if positions is not Positions.AUTO else "only"
        return Choice(PositionMap(written, candidates[0]), how)
    expected = expected_reading(origin)
    if positions is not Positions.AUTO:
        expected = Reading(utf16=positions is Positions.UTF16, lf=expected.lf)
    ends = 2 * len(selections)
    scored = [
        (_boundaries(mapped, selections), mapped)
        for mapped in (PositionMap(written, reading) for reading in candidates)
    ]
    kept = next(item for item in scored if item[1].reading == expected)
    best = max(scored, key=lambda item: item[0])
    # Another reading than the expected one must win clearly: by a tenth of the ends, and two.
    if best[0] >= kept[0] + max(2, ends // 10):
        return Choice(best[1], "compared", best[0], ends)
    if best[0] > kept[0] or sum(1 for score, _ in scored if score == kept[0]) > 1:
        return Choice(kept[1], "tied", kept[0], ends)
    return Choice(kept[1], "compared", kept[0], ends)


def _boundaries(mapped: PositionMap, selections: Sequence[tuple[int, int]]) -> int:
    """How many selection ends fall on a word or line boundary in this reading."""
    text, count = mapped.text, 0
    for start, end in selections:
        for position in (start, end):
            if position < 0 or position > mapped.length or mapped.splits(position):
                continue
            offset = mapped.place(position)
            inside = 0 < offset < len(text)
            if not (inside and text[offset - 1].isalnum() and text[offset].isalnum()):
                count += 1
    return count
