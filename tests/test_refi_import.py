"""REFI-QDA import: a hand-written archive (tests/fixtures/refi/breakfast) laid out the way the
standard says and the ways the big tools deviate from it, and archives that must be refused."""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path

import pytest

from qualcode.codebook import load_codebook
from qualcode.coding import code_project
from qualcode.errors import ImportFormatError
from qualcode.ingest import ingest
from qualcode.models import Decision, ReviewDecision, Unit
from qualcode.refi.archive import ArchiveLimits
from qualcode.refi.export import export_project
from qualcode.refi.import_ import ImportSummary, import_project
from qualcode.store import Store
from refi_support import (
    breakfast_members,
    project_qde,
    write_zip,
)

MINI = Path(__file__).parent / "fixtures" / "coding" / "mini.yaml"
MABEL = "0E5F3C1A-7D2B-4C8E-9A61-3B7F0D2E4C11.txt"
JORDI = "7C2D9E44-1F3A-4B5C-8D6E-9F0A1B2C3D4E.txt"
BREAKFAST_CODES = [
    ("breakfast_food", "Breakfast food", None),
    ("breakfast_food/bacon_and_eggs", "Bacon and eggs", "breakfast_food"),
    ("breakfast_food/pa_amb_tomaquet", "Pa amb tomàquet", "breakfast_food"),
    ("coke", "Coke", None),
    ("coke/full_fat_coke", "full-fat Coke", "coke"),
    ("coke/diet_coke", "diet Coke", "coke"),
    ("feelings", "Feelings", None),
    ("feelings/happiness", "happiness", "feelings"),
]
# (document, segment text, code path, coder): what the fixture's selections mean.
BREAKFAST_CODINGS = {
    (
        "Mabel.txt",
        "Porridge for the baby, and a Diet Coke for me, honestly. It's mayhem in the morning.",
        "coke/diet_coke",
        "Marta Soler",
    ),
    (
        "Mabel.txt",
        "Bacon and eggs at my mum's, when we can afford it. I feel happy then.",
        "breakfast_food/bacon_and_eggs",
        "Oriol Sanz",
    ),
    (
        "Mabel.txt",
        "Bacon and eggs at my mum's, when we can afford it. I feel happy then.",
        "feelings/happiness",
        "Oriol Sanz",
    ),
    (
        "Jordi Puig.txt",
        "Un cafè amb llet ☕ i pa amb tomàquet 🍅🍞. L’esmorzar és sagrat.",
        "breakfast_food/pa_amb_tomaquet",
        "Marta Soler",
    ),
    (
        "Jordi Puig.txt",
        "Croissants de la fleca del barri 🥐, i de vegades una Coca-Cola light.",
        "coke/diet_coke",
        "Oriol Sanz",
    ),
}
LEFT_OUT = [
    '1 codes marked not codable (isCodable="false", folders) imported as ordinary codes: '
    "qualcode has no such mark, and exports every code as codable",
    "2 code names hold their hierarchy as Parent::Child; read as a tree",
    "left out 1 codings of whole sources: qualcode does not hold them",
    "left out 1 picture sources: qualcode does not hold them",
    "left out 1 selection descriptions (memos): qualcode does not hold them",
    "left out 1 sets: qualcode does not hold them",
]


@pytest.fixture
def store(project_path: Path) -> Store:
    opened = Store.open(project_path, create=True)
    yield opened
    opened.close()


def codings_of(store: Store) -> set[tuple[str, str, str, str]]:
    return {(c.document_name, c.segment.text, c.code_path, c.coder) for c in store.coded_segments()}


def import_breakfast(store: Store, tmp_path: Path, **layout: str) -> ImportSummary:
    archive = write_zip(tmp_path / "breakfast.qdpx", breakfast_members(**layout))
    return import_project(store, archive)


def test_fixture_positions_select_what_their_names_say() -> None:
    """The hand-written positions are code points, end excluded, emoji counted once."""
    folder = Path(__file__).parent / "fixtures" / "refi" / "breakfast" / "sources"
    mabel = (folder / MABEL).read_text(encoding="utf-8")
    jordi = (folder / JORDI).read_text(encoding="utf-8")
    assert mabel[90:99] == "Diet Coke" and mabel[188:202] == "Bacon and eggs"
    assert jordi[75:93] == "pa amb tomàquet 🍅🍞" and jordi[223:238] == "Coca-Cola light"


def test_standard_archive(store: Store, tmp_path: Path) -> None:
    summary = import_breakfast(store, tmp_path)
    assert [(d.name, d.status, d.segments) for d in summary.documents] == [
        ("Mabel.txt", "added", 4),
        ("Jordi Puig.txt", "added", 4),
    ]
    assert [(c.path, c.label, c.parent_path) for c in store.codes()] == BREAKFAST_CODES
    assert codings_of(store) == BREAKFAST_CODINGS
    assert list(summary.warnings) == LEFT_OUT
    assert summary.codings == {"Marta Soler": (2, 0), "Oriol Sanz": (3, 0)}
    assert (summary.project_name, summary.selections, summary.codes_in_archive) == (
        "Breakfast study",
        4,
        8,
    )
    documents = {d.name: d for d in store.documents()}
    assert documents["Mabel.txt"].attributes == {
        "age": "34",
        "case": "Parents",
        "city": "Birmingham",
        "language": "en",
    }
    assert documents["Jordi Puig.txt"].attributes == {"city": "Barcelona", "language": "ca"}
    assert (
        documents["Jordi Puig.txt"].source_path == "refi-qda:17fb9cb8-7858-4291-a162-65424b9942ec"
    )


def test_descriptions_notes_and_colours_come_in(store: Store, tmp_path: Path) -> None:
    import_breakfast(store, tmp_path)
    codes = {c.path: c for c in store.codes()}
    food = codes["breakfast_food"]
    assert (food.description, food.include, food.exclude, food.colour) == (
        "The foods people eat for breakfast",
        "Anything eaten before noon.",
        "",
        "#46aa00",
    )
    assert (codes["coke/diet_coke"].description, codes["coke"].colour) == ("non sucré", "#966450")
    assert codes["feelings"].colour is None


def test_reimport_changes_nothing(store: Store, tmp_path: Path, dump, project_path) -> None:
    import_breakfast(store, tmp_path)
    before = dump(project_path)
    summary = import_breakfast(store, tmp_path)
    assert [d.status for d in summary.documents] == ["unchanged", "unchanged"]
    assert summary.codings == {"Marta Soler": (0, 2), "Oriol Sanz": (0, 3)}
    assert summary.codes_added == ()
    assert dump(project_path) == before


# -- deviations --------------------------------------------------------------------------------


def test_other_name_than_project_qde(store: Store, tmp_path: Path) -> None:
    summary = import_breakfast(store, tmp_path, project_name="Breakfast study.QDE")
    assert summary.warnings[0] == (
        "the project file in the archive is 'Breakfast study.QDE', not project.qde; reading it"
    )
    assert codings_of(store) == BREAKFAST_CODINGS


def test_missing_sources_folder(store: Store, tmp_path: Path) -> None:
    summary = import_breakfast(store, tmp_path, sources_folder="")
    assert "2 source files are not in a sources/ folder; read from where they are" in (
        summary.warnings
    )
    assert codings_of(store) == BREAKFAST_CODINGS


def test_tree_inside_a_folder_and_other_letter_case(store: Store, tmp_path: Path) -> None:
    summary = import_breakfast(
        store, tmp_path, top="Breakfast/", sources_folder="Sources/", project_name="Project.qde"
    )
    assert list(summary.warnings) == [
        "the project file is inside the folder 'Breakfast/' of the archive, not at its top; "
        "reading it from there",
        *LEFT_OUT,
    ]
    assert codings_of(store) == BREAKFAST_CODINGS


def test_backslashes_as_separators(store: Store, tmp_path: Path) -> None:
    summary = import_breakfast(store, tmp_path, sources_folder="sources\\")
    assert codings_of(store) == BREAKFAST_CODINGS
    assert list(summary.warnings) == LEFT_OUT


CRLF_TEXT = "Q: One?\r\n\r\nA: Uno.\r\n\r\nQ: Two?\r\n\r\nA: Dos.\r\n\r\nQ: Three?\r\n\r\nA: Tres."


def selection(start: int, end: int, code: str = "C0DE0000-0000-4000-8000-000000000001") -> str:
    return (
        f'<PlainTextSelection guid="5E1EC700-0000-4000-8000-{start:06d}{end:06d}" '
        f'startPosition="{start}" endPosition="{end}"><Coding guid="C0D1C000-0000-4000-8000-'
        f'{start:06d}{end:06d}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
    )


def one_source(selections: str, *, path: str = "internal://s.txt", extra: str = "") -> str:
    return project_qde(
        '<Users><User guid="0000AAAA-0000-4000-8000-000000000001" name="Ana"/></Users>'
        '<CodeBook><Codes><Code guid="C0DE0000-0000-4000-8000-000000000001" name="Number" '
        'isCodable="true"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="50E0CE00-0000-4000-8000-000000000001" name="numbers.txt" '
        f'plainTextPath="{path}" creatingUser="0000AAAA-0000-4000-8000-000000000001">'
        f"{selections}</TextSource>{extra}</Sources>"
    )


def test_windows_line_endings_move_positions(store: Store, tmp_path: Path) -> None:
    """Positions count \\r\\n as two code points, as a Windows tool counts them in the file."""
    dos, tres = CRLF_TEXT.index("Dos"), CRLF_TEXT.index("Tres")
    archive = write_zip(
        tmp_path / "crlf.qdpx",
        {
            "project.qde": one_source(selection(dos, dos + 3) + selection(tres, tres + 4)),
            "sources/s.txt": CRLF_TEXT,
        },
    )
    summary = import_project(store, archive, unit=Unit.PARAGRAPH)
    assert summary.warnings == (
        "1 sources have Windows line endings; read with \\n line endings, selection positions "
        "moved to match (each source's line says how they count \\r\\n)",
    )
    assert [d.positions for d in summary.documents] == [
        "code points (4 of 4 selection ends on word boundaries)"
    ]
    assert {(c.segment.text, c.coder, c.spans) for c in store.coded_segments()} == {
        ("Dos.", "Ana", ((dos - 6, dos - 3),)),
        ("Tres.", "Ana", ((tres - 10, tres - 6),)),
    }
    assert "\r" not in store.document_text(store.documents()[0].document_id)


def test_plain_text_inside_the_project_file(store: Store, tmp_path: Path) -> None:
    text = "Q: Com estàs? 😀\nA: Molt bé, gràcies."
    start = text.index("Molt")
    qde = (
        one_source(selection(start, start + 4), path="")
        .replace('plainTextPath=""', "")
        .replace(
            "<PlainTextSelection",
            f"<PlainTextContent>{text}</PlainTextContent><PlainTextSelection",
            1,
        )
    )
    summary = import_project(store, write_zip(tmp_path / "inline.qdpx", {"project.qde": qde}))
    assert summary.warnings == ()
    assert {c.segment.text for c in store.coded_segments()} == {"Molt bé, gràcies."}


def test_word_source_without_text_twin(store: Store, tmp_path: Path, write_docx) -> None:
    docx = write_docx(
        tmp_path / "w.docx",
        [
            ("Speaker", "Interviewer"),
            "Any rent problems?",
            ("Speaker", "Sarah Malik"),
            "Rents doubled.",
        ],
    )
    qde = one_source(selection(0, 0), path="").replace(
        'plainTextPath=""', 'richTextPath="internal://w.docx"'
    )
    from qualcode.readers import read_file

    text = read_file(docx).text
    start = text.index("Rents")
    qde = qde.replace(selection(0, 0), selection(start, start + 5))
    summary = import_project(
        store,
        write_zip(tmp_path / "w.qdpx", {"project.qde": qde, "sources/w.docx": docx.read_bytes()}),
    )
    assert summary.warnings == (
        "1 sources read from their Word file, the archive having no plain text: selections are "
        "placed on qualcode's reading of it; check them: numbers.txt",
    )
    assert [(s.speaker, s.text) for s in store.segments(store.documents()[0].document_id)] == [
        ("Interviewer", "Any rent problems?"),
        ("Sarah Malik", "Rents doubled."),
    ]
    assert {c.segment.text for c in store.coded_segments()} == {"Rents doubled."}


def test_missing_namespace_and_bad_colour_warn(store: Store, tmp_path: Path) -> None:
    qde = (
        one_source(selection(3, 6))
        .replace(' xmlns="urn:QDA-XML:project:1.0"', "")
        .replace('isCodable="true"', 'isCodable="true" color="red"')
    )
    summary = import_project(
        store,
        write_zip(tmp_path / "n.qdpx", {"project.qde": qde, "sources/s.txt": "A: One two three."}),
    )
    assert summary.warnings[0].startswith(
        "project.qde does not follow the REFI-QDA schema (line 2: Element 'Project': No matching "
        "global declaration available for the validation root."
    )
    assert "colours that are not #RRGGBB left out: Number (red)" in summary.warnings
    assert {c.segment.text for c in store.coded_segments()} == {"One two three."}


def test_selection_problems_are_counted(store: Store, tmp_path: Path) -> None:
    text = "Title line\n\nA: First answer.\n\nA: Second answer."
    first = text.index("First")
    selections = (
        selection(first + 5, first)  # start after end
        + selection(0, 5)  # the heading before the first speaker: a segment of its own
        + selection(10, 12)  # white space between paragraphs: in no segment
        + selection(first, first)  # empty
        + selection(500, 510)  # outside the text
        + selection(first, 999)  # runs past the end
        + selection(first, first + 3, code="C0DE0000-0000-4000-8000-0000000000FF")  # unknown code
    )
    summary = import_project(
        store,
        write_zip(
            tmp_path / "p.qdpx", {"project.qde": one_source(selections), "sources/s.txt": text}
        ),
    )
    assert summary.warnings == (
        "1 codings of codes not in the codebook",
        "1 empty selections left out (with 1 coding)",
        "1 selections outside every segment (white space, or text the project's segments "
        "leave out) left out (with 1 coding)",
        "1 selections outside their source's text left out (with 1 coding)",
        "1 selections running past the end of the text, cut there",
        "1 selections with start after end, read the other way",
    )
    assert sorted(c.segment.text for c in store.coded_segments()) == [
        "First answer.",
        "Second answer.",
        "Title line",
    ]


def test_users_and_sources_the_archive_does_not_describe(store: Store, tmp_path: Path) -> None:
    qde = (
        one_source(selection(3, 6))
        .replace('creatingUser="0000AAAA-0000-4000-8000-000000000001"', "")
        .replace("<Coding guid", '<Coding creatingUser="0000BBBB-0000-4000-8000-000000000002" guid')
    )
    extra = (
        '<TextSource guid="50E0CE00-0000-4000-8000-000000000002" name="far.txt" '
        'plainTextPath="absolute:///C:/Interviews/far.txt"/>'
        '<TextSource guid="50E0CE00-0000-4000-8000-000000000003" name="gone.txt" '
        'plainTextPath="internal://gone.txt"/>'
    )
    qde = qde.replace("</TextSource></Sources>", f"</TextSource>{extra}</Sources>")
    summary = import_project(
        store,
        write_zip(tmp_path / "p.qdpx", {"project.qde": qde, "sources/s.txt": "A: One two three."}),
    )
    assert summary.warnings == (
        "1 sources outside the archive not found (pass --base with the folder that holds them; "
        "files outside the archive are read only from there) left out: far.txt "
        "(absolute:///C:/Interviews/far.txt)",
        "1 sources whose file is not in the archive left out: gone.txt (internal://gone.txt)",
        "1 codings by users the archive does not list",
    )
    assert {c.coder for c in store.coded_segments()} == {"0000bbbb-0000-4000-8000-000000000002"}


def test_codings_without_any_user(store: Store, tmp_path: Path) -> None:
    qde = one_source(selection(3, 6)).replace(
        'creatingUser="0000AAAA-0000-4000-8000-000000000001"', ""
    )
    summary = import_project(
        store,
        write_zip(tmp_path / "p.qdpx", {"project.qde": qde, "sources/s.txt": "A: One two three."}),
    )
    assert summary.warnings == ("1 codings without a user, credited to 'refi-qda'",)
    assert summary.codings == {"refi-qda": (1, 0)}


def test_text_not_in_utf8(store: Store, tmp_path: Path) -> None:
    text = "A: L’habitatge és car."
    start = text.index("car")
    summary = import_project(
        store,
        write_zip(
            tmp_path / "p.qdpx",
            {
                "project.qde": one_source(selection(start, start + 3)),
                "sources/s.txt": text.encode("cp1252"),
            },
        ),
    )
    assert summary.warnings == (
        "1 sources not in UTF-8, as the standard requires: numbers.txt (read as cp1252)",
    )
    assert store.document_text(store.documents()[0].document_id) == text


# -- into a project that has the documents ---------------------------------------------------


@pytest.fixture
def coded_project(store: Store, corpus: Path, write_text) -> Store:
    write_text(
        corpus / "birmingham" / "b01.txt",
        "Interviewer: Housing?\n\nSarah Malik: Rents and evictions, and the rent again.\n",
    )
    ingest(store, [corpus])
    code_project(store, load_codebook(MINI))
    return store


def test_round_trip_through_another_tool_lands_on_the_projects_segments(
    coded_project: Store, tmp_path: Path
) -> None:
    """Out to NVivo, a person codes there, back in: the person's codings join the project."""
    store = coded_project
    archive = tmp_path / "out.qdpx"
    export_project(store, archive)
    with zipfile.ZipFile(archive) as opened:
        members = {name: opened.read(name) for name in opened.namelist()}
    qde = members["project.qde"].decode()
    segment = store.coded_segments()[0].segment
    person = '<User guid="0000AAAA-0000-4000-8000-000000000001" name="Laia Serra"/></Users>'
    qde = qde.replace("</Users>", person, 1)
    rent_guid = qde.split('name="Rent"')[0].rsplit('guid="', 1)[1].split('"')[0]
    human = selection(segment.start_char, segment.start_char + 5, rent_guid).replace(
        "<Coding ", '<Coding creatingUser="0000AAAA-0000-4000-8000-000000000001" '
    )
    qde = re.sub(r"(<TextSource [^>]*>)", lambda m: m.group(1) + human, qde, count=1)
    members["project.qde"] = qde.encode()
    assert segment.segment_id is not None
    store.save_decisions(
        [
            ReviewDecision(
                segment.segment_id, "housing/rent", "Laia Serra", Decision.REJECT, "auto:mini@1"
            )
        ]
    )
    before = {c for c in codings_of(store)}
    summary = import_project(store, write_zip(tmp_path / "back.qdpx", members))
    assert [(d.name, d.status) for d in summary.documents] == [("birmingham/b01.txt", "unchanged")]
    assert summary.codes_added == ()
    assert summary.warnings == (
        "2 codings by auto:mini@1 left out: the project has its own runs of auto:mini@1",
    )
    assert codings_of(store) - before == {
        ("birmingham/b01.txt", segment.text, "housing/rent", "Laia Serra")
    }
    assert store.decisions("Laia Serra") == []  # her coding withdraws her rejection


def test_same_name_and_text_is_the_same_document(coded_project: Store, tmp_path: Path) -> None:
    store = coded_project
    document = store.documents()[0]
    text = store.document_text(document.document_id)
    start = text.index("evictions")
    qde = one_source(selection(start, start + 9)).replace(
        'name="numbers.txt"', f'name="{document.name}"'
    )
    summary = import_project(
        store, write_zip(tmp_path / "p.qdpx", {"project.qde": qde, "sources/s.txt": text})
    )
    assert [(d.name, d.status) for d in summary.documents] == [(document.name, "unchanged")]
    assert len(store.documents()) == 1
    assert {(c.code_path, c.coder) for c in store.coded_segments(coders=["Ana"])} == {
        ("number", "Ana")
    }


def test_changed_text_becomes_a_new_version(store: Store, tmp_path: Path) -> None:
    import_breakfast(store, tmp_path)
    members = breakfast_members()
    members[f"sources/{MABEL}"] = members[f"sources/{MABEL}"].replace(b"Porridge", b"Oatmeal!")
    summary = import_project(store, write_zip(tmp_path / "v2.qdpx", members))
    assert [(d.name, d.status) for d in summary.documents] == [
        ("Mabel.txt", "updated"),
        ("Jordi Puig.txt", "unchanged"),
    ]
    assert (
        "Mabel.txt: the archive's text differs from the project's; imported as a new version "
        "(codings on the old version become stale)"
    ) in summary.warnings
    assert len(store.documents()) == 2


def test_codebook_keeps_code_ids(store: Store, tmp_path: Path) -> None:
    """Codes found in the codebook by label keep its ids instead of ids made from names."""
    qde = one_source(selection(3, 6)).replace('name="Number"', 'name="Housing"')
    import_project(
        store,
        write_zip(
            tmp_path / "p.qdpx",
            {
                "project.qde": qde.replace("</Code></Codes>", "</Code></Codes>"),
                "sources/s.txt": "A: Rent is high.",
            },
        ),
        codebook=load_codebook(MINI),
    )
    assert {c.code_path for c in store.coded_segments()} == {"housing"}
    assert [c.path for c in store.codes()] == ["housing", "housing/rent", "participation"]


def test_failure_leaves_the_project_as_it_was(
    store: Store, tmp_path: Path, dump, project_path, monkeypatch
) -> None:
    import_breakfast(store, tmp_path)
    before = dump(project_path)
    members = breakfast_members()
    members[f"sources/{MABEL}"] += b"\nMabel: And toast.\n"

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "add_selected_codings", broken)
    with pytest.raises(RuntimeError):
        import_project(store, write_zip(tmp_path / "v2.qdpx", members))
    assert dump(project_path) == before


# -- refusals ------------------------------------------------------------------------------------


def refused(store: Store, archive: Path, **limits: int) -> str:
    with pytest.raises(ImportFormatError) as caught:
        import_project(store, archive, limits=ArchiveLimits(**limits))
    return str(caught.value)


def test_not_a_zip(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.qdpx"
    path.write_text("<Project/>")
    assert refused(store, path) == (
        f"{path}: not a REFI-QDA project: a .qdpx file is a zip archive holding project.qde"
    )


def test_zip_without_project(store: Store, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "x.qdpx", {"sources/a.txt": "text"})
    assert refused(store, path) == (
        f"{path}: no project.qde in the archive: not a REFI-QDA project (a codebook (.qdc) goes "
        "to 'qualcode codebook import')"
    )


def test_several_project_files(store: Store, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "x.qdpx", {"a.qde": "<Project/>", "b.qde": "<Project/>"})
    assert refused(store, path) == (
        f"{path}: the archive holds several project files (a.qde, b.qde) and none is project.qde"
    )


@pytest.mark.parametrize(
    "member",
    ["../evil.txt", "sources/../../evil.txt", "/etc/evil.txt", "C:\\evil.txt", "..\\evil.txt"],
)
def test_paths_that_climb_out_are_refused(
    store: Store, tmp_path: Path, member: str, dump, project_path
) -> None:
    before = dump(project_path)
    members = breakfast_members()
    members[member] = b"gotcha"
    path = write_zip(tmp_path / "x.qdpx", members)
    assert refused(store, path) == (
        f"{path}: refusing the archive: member '{member}' points outside the archive (a REFI-QDA "
        "archive holds project.qde and sources/ only)"
    )
    assert dump(project_path) == before
    assert not (tmp_path.parent / "evil.txt").exists()


def test_symbolic_links_are_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("sources/link.txt")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
        archive.writestr("project.qde", project_qde(""))
    assert refused(store, path) == (
        f"{path}: refusing the archive: member 'sources/link.txt' is a symbolic link"
    )


def test_unpacked_size_is_capped(store: Store, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "x.qdpx", breakfast_members())
    assert refused(store, path, max_total_bytes=2000) == (
        f"{path}: the whole file is too large when unpacked (0.0059 MB > 0.002 MB) (if the file "
        "is genuine, raise the limit with QUALCODE_MAX_UNPACKED_MB; see docs/security.md)"
    )
    bomb = write_zip(
        tmp_path / "bomb.qdpx",
        {"project.qde": project_qde(""), "sources/zeros.txt": b"0" * 5_000_000},
    )
    assert bomb.stat().st_size < 20_000
    assert refused(store, bomb, max_member_bytes=1_000_000) == (
        f"{bomb}: 'sources/zeros.txt' is too large when unpacked (5.0 MB > 1.0 MB)"
    )


def test_number_of_members_is_capped(store: Store, tmp_path: Path) -> None:
    members = {f"sources/{n}.txt": "x" for n in range(20)}
    path = write_zip(tmp_path / "x.qdpx", {"project.qde": project_qde(""), **members})
    assert refused(store, path, max_members=10) == (
        f"{path}: the archive holds 21 members, more than the 10 qualcode reads"
    )


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Project [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&secret;"/>
"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entities_are_refused(store: Store, tmp_path: Path, xml: str) -> None:
    path = write_zip(tmp_path / "x.qdpx", {"project.qde": xml})
    message = refused(store, path)
    assert message == (
        f"{path}:project.qde: refusing XML with a DOCTYPE: its entity declarations can expand "
        "without end or read other files (REFI-QDA files need neither; export the file again "
        "from the tool that wrote it)"
    )


def test_malformed_xml_says_where(store: Store, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "x.qdpx", {"project.qde": '<Project name="x">\n<Users>\n'})
    assert refused(store, path) == (
        f"{path}:project.qde:3: not well-formed XML (column 1): no element found"
    )


def test_other_root_element(store: Store, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "x.qdpx", {"project.qde": "<CodeBook><Codes/></CodeBook>"})
    assert refused(store, path) == (
        f"{path}:project.qde: the project file's root element is <CodeBook>, not <Project>"
    )


def test_a_selection_keeps_its_span_and_goes_back_out_exactly(store: Store, tmp_path: Path) -> None:
    text = "A: One two three.\n\nB: Four five.\n"
    two, five = text.index("two"), text.index("five")
    across = (text.index("three"), text.index("Four") + 4)  # over two segments
    qde = one_source(selection(two, two + 3) + selection(*across) + selection(five, five + 4))
    archive = write_zip(tmp_path / "p.qdpx", {"project.qde": qde, "sources/s.txt": text})
    summary = import_project(store, archive)
    assert summary.codings == {"Ana": (2, 0)}  # codings count segments, as reports do
    assert [(c.segment.text, c.spans) for c in store.coded_segments()] == [
        ("One two three.", ((two, two + 3), across)),
        ("Four five.", (across, (five, five + 4))),
    ]
    export_project(store, tmp_path / "out.qdpx")
    positions = re.findall(
        r'startPosition="(\d+)" endPosition="(\d+)"',
        zipfile.ZipFile(tmp_path / "out.qdpx").read("project.qde").decode(),
    )
    assert [(int(a), int(b)) for a, b in positions] == [
        (two, two + 3),
        across,
        (five, five + 4),
    ]
    # Imported again (the document is recognised), nothing is new and no span is added.
    again = import_project(store, tmp_path / "out.qdpx")
    assert again.codings == {"Ana": (0, 2)}
    assert [c.spans for c in store.coded_segments()] == [
        ((two, two + 3), across),
        (across, (five, five + 4)),
    ]


def test_codings_keep_who_made_them_and_when(store: Store, tmp_path: Path) -> None:
    text = "A: One two three.\n\nB: Four five.\n\nA: Six seven.\n"
    one, four, six = text.index("One"), text.index("Four"), text.index("Six")
    selections = (
        # the coding's own time, in another zone
        selection(one, one + 3).replace(
            "<Coding guid", '<Coding creationDateTime="2019-03-04T10:15:00+01:00" guid'
        )
        # no time of its own: its selection's
        + selection(four, four + 4).replace(
            "<PlainTextSelection", '<PlainTextSelection creationDateTime="2018-12-31T23:59:59Z"'
        )
        # a time no one can read: the import's own, and a warning
        + selection(six, six + 3).replace(
            "<Coding guid", '<Coding creationDateTime="last Tuesday" guid'
        )
    )
    archive = write_zip(
        tmp_path / "p.qdpx", {"project.qde": one_source(selections), "sources/s.txt": text}
    )
    summary = import_project(store, archive)
    assert summary.warnings[1:] == (  # after the schema's complaint about the same time
        "1 codings whose creationDateTime cannot be read, dated by the import",
    )
    assert summary.losses == ()
    dates = {
        text_of: when
        for (segment_id, _, coder), when in store.coding_dates().items()
        for text_of in [store.segment_by_id(segment_id)[1].text]
        if coder == "Ana"
    }
    assert dates["One two three."] == "2019-03-04T09:15:00+00:00"
    assert dates["Four five."] == "2018-12-31T23:59:59+00:00"
    assert dates["Six seven."] > "2026"
    # Exported, the same times go out; imported into another project, they come back.
    export_project(store, tmp_path / "out.qdpx")
    written = zipfile.ZipFile(tmp_path / "out.qdpx").read("project.qde").decode()
    assert re.findall(r'<Coding [^>]*creationDateTime="([^"]+)"', written)[:2] == [
        "2019-03-04T09:15:00Z",
        "2018-12-31T23:59:59Z",
    ]
    with Store.open(tmp_path / "other.qualcode", create=True) as other:
        import_project(other, tmp_path / "out.qdpx")
        assert sorted(other.coding_dates().values()) == sorted(store.coding_dates().values())


def test_codes_marked_not_codable(store: Store, tmp_path: Path) -> None:
    """A folder (isCodable="false") is kept in the tree; a coding a person made with it anyway is
    kept too, and both are said."""
    folder = (
        '<Code guid="C0DE0000-0000-4000-8000-000000000002" name="Topics" isCodable="false">'
        '<Code guid="C0DE0000-0000-4000-8000-000000000003" name="Money" isCodable="true"/></Code>'
    )
    qde = one_source(
        selection(3, 6) + selection(7, 10, code="C0DE0000-0000-4000-8000-000000000002")
    ).replace("</Codes>", f"{folder}</Codes>")
    archive = write_zip(
        tmp_path / "p.qdpx", {"project.qde": qde, "sources/s.txt": "A: One two three."}
    )
    summary = import_project(store, archive)
    assert summary.warnings == (
        '1 codes marked not codable (isCodable="false", folders) imported as ordinary codes: '
        "qualcode has no such mark, and exports every code as codable",
        '1 codings of codes marked not codable (isCodable="false") kept as codings',
    )
    assert summary.losses == ()
    assert [(c.path, c.parent_path) for c in store.codes()] == [
        ("number", None),
        ("topics", None),
        ("topics/money", "topics"),
    ]
    assert sorted((c.code_path, c.spans) for c in store.coded_segments()) == [
        ("number", ((3, 6),)),
        ("topics", ((7, 10),)),
    ]


@pytest.mark.parametrize(
    "text",
    [
        # one role label halfway: a speaker for ingest, so for the import too
        "Notes before we started.\n\nMore notes.\n\nInterviewer: How was it?\n\nIt was fine.\n",
        # a single short label a third of the way in: the text before it stays
        "Az év eleje nehéz volt.\n\nPSZ: Januártól a rezsi is drágább lett.\n\nEzt nem tudjuk.\n",
        # labels that recur and alternate: a transcript
        "Laia: Hola.\n\nJordi: Bon dia.\n\nLaia: Com va?\n\nJordi: Bé.\n",
        # headings with colons: text
        "Objetivo: vivienda digna.\n\nExemples: tres casos.\n\nHousing: that's the big one.\n",
    ],
)
def test_import_and_ingest_agree_on_who_speaks(store: Store, tmp_path: Path, text: str) -> None:
    """One rule decides who speaks: a source imported is cut as the same text ingested."""
    path = tmp_path / "s.txt"
    path.write_text(text, encoding="utf-8")
    with Store.open(tmp_path / "ingested.qualcode", create=True) as ingested:
        ingest(ingested, [path])
        (document,) = ingested.documents()
        expected = [
            (s.start_char, s.end_char, s.speaker) for s in ingested.segments(document.document_id)
        ]
    # a selection on each paragraph, as a person in another tool might have made
    starts = [0, *(i + 2 for i in range(len(text)) if text.startswith("\n\n", i))]
    ends = [text.index("\n", start) for start in starts]
    qde = one_source("".join(selection(a, b) for a, b in zip(starts, ends, strict=True)))
    summary = import_project(
        store, write_zip(tmp_path / "p.qdpx", {"project.qde": qde, "sources/s.txt": text})
    )
    assert summary.losses == ()
    (imported,) = store.documents()
    assert [
        (s.start_char, s.end_char, s.speaker) for s in store.segments(imported.document_id)
    ] == expected
