"""Archives that reproduce what other tools write, made here rather than kept as binaries.

Each :class:`Quirk` is one vendor's way of writing a REFI-QDA project, on invented interview
text: its members (``project.qde`` and the source files), what an import must give back (every
coding on exactly the passage the person selected, with its code and coder), and the counts the
summary must show. Positions are computed the way that tool counts them, so a reader that counts
otherwise lands the selections elsewhere.

- ``nvivo``: positions in UTF-16 code units, emoji before most selections, a single ``PSZ:`` line
  a tenth of the way in (not a transcript's speaker), nested codes, a picture with a coded area;
- ``maxqda``: text written with ``\\r\\n``, positions counting each line end once, an audio
  source with a transcript and sync points;
- ``atlas``: ``Parent::Child`` hierarchies in code names, ``\\r\\n`` counted once, a source whose
  file is missing from the archive;
- ``qc``: ``plainTextPath="board_2017.txt"``, a bare file name inside ``sources/`` (qc 1.3.2);
- ``relative``: sources outside the archive, read from under ``--base`` (``moved/``): a
  ``relative://`` one, an ``absolute://`` one below the project's ``basePath`` and one found by
  its file name.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

NAMESPACE = uuid.UUID("5d1f0a8e-7a43-4d4b-9b1e-3c0a4f6e2b19")


def guid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts))).upper()


def code_points(text: str, offset: int) -> int:
    """The standard's count: code points of the text as written (``\\r\\n`` is two)."""
    return offset


def utf16_units(text: str, offset: int) -> int:
    """NVivo's count: UTF-16 code units."""
    return len(text[:offset].encode("utf-16-le")) // 2


def lf_counted(text: str, offset: int) -> int:
    """MAXQDA's and ATLAS.ti's count: code points with each ``\\r\\n`` counted once."""
    return offset - text[:offset].count("\r\n")


@dataclass(frozen=True)
class Coded:
    """One coded selection: the words selected, the code's path (labels) and the person."""

    phrase: str
    code: tuple[str, ...]
    user: str


@dataclass(frozen=True)
class Source:
    name: str
    text: str
    """As written in the archive (line endings included)."""
    codings: tuple[Coded, ...]
    path: str = ""
    """``plainTextPath``; default ``internal://GUID.txt``."""
    in_archive: bool = True


@dataclass
class Quirk:
    name: str
    origin: str
    count: Callable[[str, int], int]
    sources: list[Source]
    flat_codes: bool = False
    """Codes written flat with ``Parent::Child`` names (ATLAS.ti) instead of nested."""
    base_path: str = ""
    extra_sources: str = ""
    """Raw XML of sources qualcode does not import (pictures, audio)."""
    external: dict[str, str] = field(default_factory=dict)
    """Files outside the archive: path relative to the folder given to :meth:`members`."""
    expected_losses: tuple[str, ...] = ()
    expected_warnings: tuple[str, ...] = ()

    def codes(self) -> list[tuple[str, ...]]:
        found: list[tuple[str, ...]] = []
        for source in self.sources:
            for coded in source.codings:
                for depth in range(1, len(coded.code) + 1):
                    if coded.code[:depth] not in found:
                        found.append(coded.code[:depth])
        return found

    def users(self) -> list[str]:
        return sorted({coded.user for source in self.sources for coded in source.codings})

    def expected(self) -> set[tuple[str, str, tuple[str, ...], str]]:
        """(document, selected text, code labels, coder) of every coding that must come back."""
        return {
            (source.name, coded.phrase, coded.code, coded.user)
            for source in self.sources
            if source.in_archive or source.path.startswith(("relative://", "absolute://"))
            for coded in source.codings
        }

    def members(self, folder: Path) -> dict[str, bytes]:
        """The archive's members; files it names outside itself are written under ``folder``."""
        members: dict[str, bytes] = {"project.qde": self._project(folder).encode("utf-8")}
        for source in self.sources:
            reference = source.path or f"internal://{guid(source.name)}.txt"
            data = source.text.encode("utf-8")
            if reference.startswith("internal://") and source.in_archive:
                members[f"sources/{reference.removeprefix('internal://')}"] = data
            elif "://" not in reference and source.in_archive:
                members[f"sources/{reference}"] = data
        for relative, text in self.external.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        return members

    def _project(self, folder: Path) -> str:
        users = "".join(
            f"<User guid={quoteattr(guid('user', u))} name={quoteattr(u)}/>" for u in self.users()
        )
        base = (
            f" basePath={quoteattr(self.base_path.format(folder=folder))}" if self.base_path else ""
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<Project xmlns="urn:QDA-XML:project:1.0" name={quoteattr(self.name)} '
            f"origin={quoteattr(self.origin)}{base}>"
            f"<Users>{users}</Users><CodeBook><Codes>{self._code_tree()}</Codes></CodeBook>"
            f"<Sources>{''.join(self._source(s, folder) for s in self.sources)}"
            f"{self.extra_sources}</Sources></Project>\n"
        )

    def _code_tree(self) -> str:
        def element(path: tuple[str, ...], inner: str) -> str:
            name = "::".join(path) if self.flat_codes else path[-1]
            return (
                f"<Code guid={quoteattr(guid('code', *path))} name={quoteattr(name)} "
                f'isCodable="true">{inner}</Code>'
            )

        codes = self.codes()
        if self.flat_codes:
            return "".join(element(path, "") for path in codes)

        def tree(parent: tuple[str, ...]) -> str:
            return "".join(
                element(path, tree(path))
                for path in codes
                if len(path) == len(parent) + 1 and path[: len(parent)] == parent
            )

        return tree(())

    def _source(self, source: Source, folder: Path) -> str:
        reference = source.path.format(folder=folder) or f"internal://{guid(source.name)}.txt"
        selections = []
        used: dict[str, int] = {}
        for index, coded in enumerate(source.codings):
            start = source.text.index(coded.phrase, used.get(coded.phrase, 0))
            used[coded.phrase] = start + 1
            end = start + len(coded.phrase)
            user = guid("user", coded.user)
            selections.append(
                f"<PlainTextSelection guid={quoteattr(guid(source.name, 'selection', str(index)))} "
                f'startPosition="{self.count(source.text, start)}" '
                f'endPosition="{self.count(source.text, end)}" creatingUser="{user}">'
                f"<Coding guid={quoteattr(guid(source.name, 'coding', str(index)))} "
                f'creatingUser="{user}"><CodeRef targetGUID="{guid("code", *coded.code)}"/>'
                "</Coding></PlainTextSelection>"
            )
        return (
            f"<TextSource guid={quoteattr(guid(source.name))} name={quoteattr(source.name)} "
            f"plainTextPath={quoteattr(reference)}>{''.join(selections)}</TextSource>"
        )


NVIVO_TEXT = (
    "Interjú a lakhatásról 🏠, Pécs, 2019. március 😊\n\n"
    "A bérleti díj 😟 minden évben nő, és a fizetésem nem.\n\n"
    "PSZ: Januártól a rezsi is drágább lett 💡, ezt nem tudjuk kifizetni.\n\n"
    "A buszbérlet 🚌 ára is emelkedett, pedig naponta kétszer utazom.\n\n"
    "Az önkormányzat 🏛 semmit sem tett a lakhatásért, csak ígért.\n"
)
MAXQDA_TEXT = (
    "Interviewer: How has the rent changed since you moved in?\r\n\r\n"
    "Respondent: It doubled in four years.\r\n"
    "We pay half of what we earn on it.\r\n\r\n"
    "Interviewer: And the heating?\r\n\r\n"
    "Respondent: We heat one room only, the kitchen.\r\n"
)
ATLAS_TEXT = (
    "Entrevistadora: Com va canviar el lloguer?\r\n\r\n"
    "Jordi: El lloguer va pujar un trenta per cent.\r\n\r\n"
    "Entrevistadora: I el transport?\r\n\r\n"
    "Jordi: El bus és car, però el metro encara més.\r\n"
)
QC_TEXT = (
    "Board meeting, 12 March 2017.\n\n"
    "The chair opened the meeting and asked about the housing fund.\n\n"
    "The treasurer said the fund was spent on repairs, not on new homes.\n"
)
RELATIVE_TEXT = "Notes from the tenants' assembly.\n\nRents rose again; three families left.\n"
ABSOLUTE_TEXT = "Diary, week 3.\n\nThe bus was late every day, so I walked.\n"
LETTER_TEXT = "Dear landlord,\n\nIn January the heating failed twice.\n"
PICTURE = (
    '<PictureSource guid="{g}" name="flat.jpg" path="internal://{g}.jpg">'
    '<PictureSelection guid="{s}" firstX="1" firstY="1" secondX="9" secondY="9">'
    '<Coding guid="{c1}"><CodeRef targetGUID="{code}"/></Coding>'
    '<Coding guid="{c2}"><CodeRef targetGUID="{code}"/></Coding>'
    "</PictureSelection></PictureSource>"
)
AUDIO = (
    '<AudioSource guid="{g}" name="call.m4a" path="relative:///call.m4a">'
    '<Transcript guid="{t}" plainTextPath="internal://{t}.txt">'
    '<SyncPoint guid="{p1}" timeStamp="0" position="0"/>'
    '<SyncPoint guid="{p2}" timeStamp="5000" position="20"/>'
    '<TranscriptSelection guid="{s}" fromSyncPoint="{p1}" toSyncPoint="{p2}">'
    '<Coding guid="{c1}"><CodeRef targetGUID="{code}"/></Coding></TranscriptSelection>'
    "</Transcript></AudioSource>"
)


def quirks() -> dict[str, Quirk]:
    rent = ("Lakhatás", "Bérleti díj")
    return {
        "nvivo": Quirk(
            name="Pécs interjúk",
            origin="NVivo 12.6 (Windows)",
            count=utf16_units,
            sources=[
                Source(
                    "Interjú 07",
                    NVIVO_TEXT,
                    (
                        Coded("lakhatásról", ("Lakhatás",), "Kovács Kata"),
                        Coded("bérleti díj", rent, "Kovács Kata"),
                        Coded("minden évben nő", rent, "Kovács Kata"),
                        Coded("a rezsi is drágább lett", ("Költségek", "Rezsi"), "Kovács Kata"),
                        Coded("buszbérlet", ("Költségek", "Közlekedés"), "Szabó Bence"),
                        Coded("naponta kétszer utazom", ("Költségek", "Közlekedés"), "Szabó Bence"),
                        Coded("Az önkormányzat 🏛 semmit sem tett", ("Kormányzás",), "Szabó Bence"),
                    ),
                )
            ],
            extra_sources=PICTURE.format(
                g=guid("picture"),
                s=guid("picture", "selection"),
                c1=guid("picture", "coding", "1"),
                c2=guid("picture", "coding", "2"),
                code=guid("code", "Lakhatás"),
            ),
            expected_losses=(
                "left out 1 picture selections with 2 codings: qualcode does not hold them",
                "left out 1 picture sources: qualcode does not hold them",
            ),
        ),
        "maxqda": Quirk(
            name="Rent study",
            origin="MAXQDA 24 (Release 24.1.0)",
            count=lf_counted,
            sources=[
                Source(
                    "Interview B12",
                    MAXQDA_TEXT,
                    (
                        Coded("It doubled in four years.", ("Housing", "Rent"), "Sam"),
                        Coded("half of what we earn", ("Housing", "Rent"), "Sam"),
                        Coded("We heat one room only", ("Energy",), "Alex"),
                        Coded("the kitchen", ("Energy",), "Sam"),
                    ),
                )
            ],
            extra_sources=AUDIO.format(
                g=guid("audio"),
                t=guid("audio", "transcript"),
                p1=guid("audio", "sync", "1"),
                p2=guid("audio", "sync", "2"),
                s=guid("audio", "selection"),
                c1=guid("audio", "coding"),
                code=guid("code", "Energy"),
            ),
            expected_losses=(
                "left out 1 audio sources: qualcode does not hold them",
                "left out 2 sync points of transcripts: qualcode does not hold them",
                "left out 1 transcripts with 1 coding: qualcode does not hold them",
            ),
        ),
        "atlas": Quirk(
            name="Barcelona",
            origin="ATLAS.ti 23.2.1",
            count=lf_counted,
            flat_codes=True,
            sources=[
                Source(
                    "Jordi.txt",
                    ATLAS_TEXT,
                    (
                        Coded("El lloguer va pujar", ("Habitatge", "Lloguer"), "Laia"),
                        Coded("trenta per cent", ("Habitatge", "Lloguer"), "Laia"),
                        Coded("El bus és car", ("Transport", "Bus"), "Laia"),
                        Coded("el metro encara més", ("Transport", "Metro"), "Laia"),
                    ),
                ),
                Source(
                    "Marta.txt",
                    "Marta: No en tinc ni idea.\n",
                    (
                        Coded("No en tinc", ("Habitatge",), "Laia"),
                        Coded("ni idea", ("Habitatge",), "Laia"),
                    ),
                    in_archive=False,
                ),
            ],
            expected_losses=(
                "1 sources whose file is not in the archive left out: Marta.txt "
                f"(internal://{guid('Marta.txt')}.txt)",
                "left out 2 selections with 2 codings on the sources not imported",
            ),
            expected_warnings=(
                "3 code names hold their hierarchy as Parent::Child; read as a tree",
            ),
        ),
        "qc": Quirk(
            name="Board",
            origin="qc 1.3.2",
            count=code_points,
            sources=[
                Source(
                    "board_2017",
                    QC_TEXT,
                    (
                        Coded("housing fund", ("Housing",), "coder1"),
                        Coded("spent on repairs", ("Spending",), "coder1"),
                        Coded("not on new homes", ("Housing",), "coder2"),
                    ),
                    path="board_2017.txt",
                )
            ],
            expected_warnings=(
                "1 sources named by a bare file name instead of internal://; read from the "
                "archive's sources/ folder: board_2017",
            ),
        ),
        "relative": Quirk(
            name="Assembly",
            origin="QualCoder 3.5",
            count=code_points,
            base_path="C:/Study/Sources",
            sources=[
                Source(
                    "assembly",
                    RELATIVE_TEXT,
                    (Coded("three families left", ("Displacement",), "Ana"),),
                    path="relative:///notes/assembly.txt",
                    in_archive=False,
                ),
                Source(
                    "diary",
                    ABSOLUTE_TEXT,
                    (Coded("The bus was late", ("Transport",), "Ana"),),
                    path="absolute:///C:/Study/Sources/diaries/diary.txt",
                    in_archive=False,
                ),
                Source(
                    "letter",
                    LETTER_TEXT,
                    (Coded("the heating failed", ("Energy",), "Ana"),),
                    path="absolute:///D:/Post/letter.txt",
                    in_archive=False,
                ),
            ],
            external={
                "moved/notes/assembly.txt": RELATIVE_TEXT,
                "moved/diaries/diary.txt": ABSOLUTE_TEXT,
                "moved/letter.txt": LETTER_TEXT,
                "secret.txt": "not to be read\n",
            },
        ),
    }
