"""REFI-QDA export: every archive and codebook is valid against the standard's schemas and keeps
the rules the schema cannot check (stable GUIDs, code-point positions with the end excluded, no
empty containers)."""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from qualcode.codebook import load_codebook, packaged_codebooks_dir
from qualcode.coding import code_project, code_records
from qualcode.errors import QualcodeError, UsageError
from qualcode.ingest import ingest
from qualcode.refi import guid as guids
from qualcode.refi.export import (
    ORIGIN,
    Span,
    codebook_document,
    export_codebook,
    export_project,
)
from qualcode.store import Store
from refi_support import (
    NS,
    add_document,
    auto_codings,
    code,
    project_xml,
    validate,
)

pytest_plugins = ["golden_plugin"]

MINI = Path(__file__).parent / "fixtures" / "coding" / "mini.yaml"
B01 = (
    "Interviewer: What about housing? 🏠\n\n"
    "Sarah Malik: Rents doubled 📈 and evictions followed; housing is the crisis.\n\n"
    "Interviewer: And participation?\n\n"
    "Sarah Malik: We participate in the anchor network.\n"
)
C01 = (
    "Entrevistadora: Com és l’habitatge al barri? 🏘️\n\n"
    "Laia Serra: El lloguer 💶 puja i hi ha desnonaments cada setmana; l’habitatge és car.\n"
)
CONTAINERS = ("Users", "CodeBook", "Codes", "Variables", "Cases", "Sources")


@pytest.fixture
def study(tmp_path: Path, corpus: Path, write_text, project_path: Path) -> Store:
    """Two invented transcripts ingested (one per city) and coded with the mini codebook, plus a
    person's codings."""
    write_text(corpus / "birmingham" / "b01.txt", B01, front_matter="organisation: Civic Trust")
    write_text(corpus / "barcelona" / "c01.txt", C01, front_matter="language: ca")
    store = Store.open(project_path, create=True)
    ingest(store, [corpus])
    code_project(store, load_codebook(MINI))
    first = store.documents()[0]
    segment = store.segments(first.document_id)[1]
    assert segment.segment_id is not None
    store.add_person_codings([(segment.segment_id, "housing/rent")], "Laia Serra")
    yield store
    store.close()


def texts_of(archive: Path) -> dict[str, str]:
    with zipfile.ZipFile(archive) as opened:
        return {
            name.removeprefix("sources/"): opened.read(name).decode("utf-8")
            for name in opened.namelist()
            if name.endswith(".txt")
        }


@pytest.mark.parametrize("span", list(Span))
def test_export_is_valid_against_the_project_schema(study: Store, tmp_path: Path, span) -> None:
    archive = tmp_path / "study.qdpx"
    export_project(study, archive, span=span)
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        validate(opened.read("project.qde"), "Project")
    assert names[0] == "project.qde"
    assert all(re.fullmatch(r"sources/[0-9a-f-]{36}\.txt", name) for name in names[1:])
    assert len(names) == 3


def test_selections_are_code_point_spans_of_the_segments(study: Store, tmp_path: Path) -> None:
    archive = tmp_path / "study.qdpx"
    export_project(study, archive)
    root, texts = project_xml(archive), texts_of(archive)
    expected = {
        (document.name, segment.text, coded.code_path, coded.coder)
        for document in study.documents()
        for coded in study.coded_segments()
        for segment in [coded.segment]
        if coded.document_name == document.name
    }
    users = {u.get("guid"): u.get("name") for u in root.iterfind(".//q:User", NS)}
    codes = {c.get("guid"): c.get("name") for c in root.iterfind(".//q:Code", NS)}
    found = set()
    for source in root.iterfind(".//q:TextSource", NS):
        text = texts[source.get("plainTextPath").removeprefix("internal://")]
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            for coding in selection.iterfind("q:Coding", NS):
                label = codes[coding.find("q:CodeRef", NS).get("targetGUID")]
                path = next(c.path for c in study.codes() if c.label == label)
                found.add(
                    (source.get("name"), text[start:end], path, users[coding.get("creatingUser")])
                )
    assert found == expected
    assert any("🏠" in text for text in texts.values())  # offsets after emoji were exercised


def test_evidence_spans_slice_the_matched_words(study: Store, tmp_path: Path) -> None:
    archive = tmp_path / "study.qdpx"
    summary = export_project(study, archive, span=Span.EVIDENCE)
    root, texts = project_xml(archive), texts_of(archive)
    selected = set()
    for source in root.iterfind(".//q:TextSource", NS):
        text = texts[source.get("plainTextPath").removeprefix("internal://")]
        for selection in source.iterfind("q:PlainTextSelection", NS):
            selected.add(
                text[int(selection.get("startPosition")) : int(selection.get("endPosition"))]
            )
    matched = {e.matched for coded in study.coded_segments() for e in coded.evidence}
    person = {c.segment.text for c in study.coded_segments(coders=["Laia Serra"])}
    assert selected == matched | person
    assert {"lloguer", "desnonaments", "evictions", "Rents"} <= selected
    assert summary.without_evidence == 1


def test_same_project_exports_to_the_same_bytes(study: Store, tmp_path: Path) -> None:
    first, second = tmp_path / "one.qdpx", tmp_path / "two.qdpx"
    export_project(study, first)
    study.close()
    reopened = Store.open(study.path)
    export_project(reopened, second)
    reopened.close()
    assert first.read_bytes() == second.read_bytes()


def build_small(store: Store, order: list[str]) -> None:
    store.save_codes(
        [code("housing", "Housing", colour="#2e86c1"), code("housing/rent", "Rent")], "study"
    )
    texts = {
        "b.txt": "Q: Rent?\n\nA: Rent is too high 😟.\n",
        "a.txt": "Q: Housing?\n\nA: Housing first, then rent.\n",
    }
    for name in order:
        add_document(store, name, texts[name], {"city": "Birmingham"})
    for document in store.documents():
        segment = store.segments(document.document_id)[1]
        store.add_person_codings([(segment.segment_id, "housing/rent")], "Laia Serra")


def test_guids_do_not_depend_on_database_row_ids(tmp_path: Path) -> None:
    """Two projects with the same content, made in a different order, export the same bytes."""
    archives = []
    for order in (["a.txt", "b.txt"], ["b.txt", "a.txt"]):
        with Store.open(tmp_path / f"{order[0]}.qualcode", create=True) as store:
            build_small(store, order)
            archive = tmp_path / f"{order[0]}.qdpx"
            export_project(store, archive, name="study")
            archives.append(without_dates(archive))
    assert archives[0] == archives[1]
    root = project_xml(tmp_path / "a.txt.qdpx")
    text = "Q: Housing?\n\nA: Housing first, then rent.\n"
    assert root.find(".//q:TextSource[@name='a.txt']", NS).get("guid") == guids.guid(
        "document", "a.txt", hashlib.sha256(text.encode()).hexdigest()
    )
    assert root.find(".//q:Code[@name='Rent']", NS).get("guid") == guids.code_guid("housing/rent")


def without_dates(archive: Path) -> bytes:
    """The archive's members with their creation times taken out (two projects made at two
    moments differ only there)."""
    with zipfile.ZipFile(archive) as opened:
        members = b"".join(opened.read(name) for name in sorted(opened.namelist()))
    return re.sub(rb' creationDateTime="[^"]*"', b"", members)


def test_guids_do_not_depend_on_where_the_files_were(
    tmp_path: Path, write_text, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same interviews ingested from two folders (two computers) export the same GUIDs."""
    archives = []
    for place in ("laptop/study", "server/projects/2026/study"):
        folder = tmp_path / place / "transcripts"
        write_text(folder / "birmingham" / "b01.txt", B01)
        write_text(folder / "barcelona" / "c01.txt", C01)
        monkeypatch.chdir(tmp_path / place)
        with Store.open(tmp_path / place / "project.qualcode", create=True) as store:
            ingest(store, [folder])
            code_project(store, load_codebook(MINI))
            export_project(store, tmp_path / place / "study.qdpx", name="study")
        archives.append(without_dates(tmp_path / place / "study.qdpx"))
    assert archives[0] == archives[1]


def test_small_project_matches_its_golden_file(
    tmp_path: Path, golden, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qualcode.store.clock.now", lambda: "2026-03-01T10:15:00+00:00")
    with Store.open(tmp_path / "study.qualcode", create=True) as store:
        build_small(store, ["a.txt", "b.txt"])
        store.save_codes(
            [
                code(
                    "housing/rent",
                    "Rent",
                    description="Paying for a home.",
                    include="Rent rises.",
                    exclude="Mortgages.",
                    colour="#abc",
                )
            ],
            "study",
        )
        segment = store.segments(store.documents()[0].document_id)[1]
        auto_codings(store, "auto:study@1.0", [(segment.segment_id, "housing", 14, 21)])
        export_project(store, tmp_path / "study.qdpx", name="study")
    with zipfile.ZipFile(tmp_path / "study.qdpx") as opened:
        data = opened.read("project.qde")
    # The version is left out so that a release does not change the golden file.
    golden("refi/project.qde", data.replace(ORIGIN.encode(), b"qualcode VERSION"))


def test_no_empty_containers(study: Store, tmp_path: Path) -> None:
    archive = tmp_path / "study.qdpx"
    export_project(study, archive)
    root = project_xml(archive)
    present = [e for name in CONTAINERS for e in root.iterfind(f".//q:{name}", NS)]
    assert len(present) == len(CONTAINERS)
    assert all(len(element) > 0 for element in present)


def test_empty_project_exports_a_bare_valid_project(tmp_path: Path) -> None:
    with Store.open(tmp_path / "empty.qualcode", create=True) as store:
        summary = export_project(store, tmp_path / "empty.qdpx")
    root = project_xml(tmp_path / "empty.qdpx")
    assert root.get("name") == "empty"
    # Only the user that made the project, which the project names as its creator.
    assert [child.tag.split("}")[1] for child in root] == ["Users"]
    (user,) = root.iterfind(".//q:User", NS)
    assert user.get("name") == "qualcode"
    assert root.get("creatingUserGUID") == user.get("guid")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", root.get("creationDateTime"))
    validate(zipfile.ZipFile(tmp_path / "empty.qdpx").read("project.qde"), "Project")
    assert (summary.documents, summary.codings, summary.selections) == (0, 0, 0)


def test_one_user_per_coder_and_coder_filter(study: Store, tmp_path: Path) -> None:
    archive = tmp_path / "study.qdpx"
    export_project(study, archive)
    names = [u.get("name") for u in project_xml(archive).iterfind(".//q:User", NS)]
    assert names == ["Laia Serra", "auto:mini@1", "qualcode"]
    summary = export_project(study, archive, coders=["Laia Serra"])
    root = project_xml(archive)
    assert [u.get("name") for u in root.iterfind(".//q:User", NS)] == ["Laia Serra", "qualcode"]
    assert summary.codings == 1 and len(root.findall(".//q:Coding", NS)) == 1
    with pytest.raises(UsageError, match="no codings by 'Jordi'"):
        export_project(study, archive, coders=["Jordi"])


def test_codes_keep_tree_descriptions_notes_and_colours(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p.qualcode", create=True) as store:
        store.save_codes(
            [
                code(
                    "housing",
                    "Housing",
                    description="Homes.",
                    include="Rents.",
                    exclude="Hotels.",
                    colour="#2e86c1",
                ),
                code("housing/rent", "Rent", colour="#abc"),
                code("gender", "Gender", include="Care work."),
            ],
            "study",
        )
        export_project(store, tmp_path / "p.qdpx")
    codes = project_xml(tmp_path / "p.qdpx").find("q:CodeBook/q:Codes", NS)
    gender, housing = list(codes)  # same sort order: by path
    assert (housing.get("name"), housing.get("color"), housing.get("isCodable")) == (
        "Housing",
        "#2E86C1",
        "true",
    )
    assert housing.find("q:Description", NS).text == "Homes.\n\nInclude: Rents.\n\nExclude: Hotels."
    rent = housing.find("q:Code", NS)
    assert (rent.get("name"), rent.get("color"), rent.find("q:Description", NS)) == (
        "Rent",
        "#AABBCC",
        None,
    )
    assert gender.find("q:Description", NS).text == "Include: Care work."


def test_attributes_are_variables_and_cities_are_cases(study: Store, tmp_path: Path) -> None:
    archive = tmp_path / "study.qdpx"
    summary = export_project(study, archive)
    root = project_xml(archive)
    variables = {v.get("guid"): v.get("name") for v in root.iterfind(".//q:Variable", NS)}
    assert sorted(variables.values()) == ["city", "language", "organisation"]
    assert {v.get("typeOfVariable") for v in root.iterfind(".//q:Variable", NS)} == {"Text"}
    values = {
        source.get("name"): {
            variables[value.find("q:VariableRef", NS).get("targetGUID")]: value.find(
                "q:TextValue", NS
            ).text
            for value in source.iterfind("q:VariableValue", NS)
        }
        for source in root.iterfind(".//q:TextSource", NS)
    }
    assert values == {
        "barcelona/c01.txt": {"city": "barcelona", "language": "ca"},
        "birmingham/b01.txt": {
            "city": "birmingham",
            "language": "en",
            "organisation": "Civic Trust",
        },
    }
    sources = {s.get("guid"): s.get("name") for s in root.iterfind(".//q:TextSource", NS)}
    cases = {
        case.get("name"): (
            [sources[ref.get("targetGUID")] for ref in case.iterfind("q:SourceRef", NS)],
            case.find("q:VariableValue/q:TextValue", NS).text,
        )
        for case in root.iterfind(".//q:Case", NS)
    }
    assert cases == {
        "barcelona": (["barcelona/c01.txt"], "barcelona"),
        "birmingham": (["birmingham/b01.txt"], "birmingham"),
    }
    assert summary.cases == 2
    export_project(study, archive, case_attribute="language")
    names = [c.get("name") for c in project_xml(archive).iterfind(".//q:Case", NS)]
    assert names == ["ca", "en"]


def test_stale_codings_are_counted_not_exported(
    study: Store, tmp_path: Path, corpus: Path, write_text
) -> None:
    before = len(study.coded_segments())
    write_text(
        corpus / "birmingham" / "b01.txt",
        B01 + "\nInterviewer: Thanks.\n",
        front_matter="organisation: Civic Trust",
    )
    ingest(study, [corpus])
    summary = export_project(study, tmp_path / "study.qdpx")
    stale = sum(n for _, name, n in study.stale_codings() if name == "birmingham/b01.txt")
    assert stale > 0 and summary.stale_codings == stale
    assert summary.codings == before - stale


def test_word_file_travels_when_unchanged(
    tmp_path: Path, corpus: Path, write_docx, project_path: Path
) -> None:
    path = write_docx(corpus / "b02.docx", [("Speaker", "Sarah Malik"), "Housing is a crisis."])
    with Store.open(project_path, create=True) as store:
        ingest(store, [corpus])
        export_project(store, tmp_path / "with.qdpx")
        path.write_bytes(path.read_bytes() + b"changed")
        export_project(store, tmp_path / "without.qdpx")
    source = project_xml(tmp_path / "with.qdpx").find(".//q:TextSource", NS)
    guid = source.get("guid")
    assert source.get("richTextPath") == f"internal://{guid}.docx"
    with zipfile.ZipFile(tmp_path / "with.qdpx") as opened:
        validate(opened.read("project.qde"), "Project")
        assert opened.read(f"sources/{guid}.docx") == path.read_bytes()[: -len(b"changed")]
    source = project_xml(tmp_path / "without.qdpx").find(".//q:TextSource", NS)
    assert source.get("richTextPath") is None
    assert len(zipfile.ZipFile(tmp_path / "without.qdpx").namelist()) == 2


def test_characters_xml_cannot_hold_are_replaced(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p.qualcode", create=True) as store:
        add_document(
            store, "odd\x0bname.txt", "A: Text with \x0c a form feed.\n", {"note": "bell\x07"}
        )
        store.save_codes([code("c", "Code\x01")], "study")
        export_project(store, tmp_path / "p.qdpx")
    with zipfile.ZipFile(tmp_path / "p.qdpx") as opened:
        data = opened.read("project.qde")
        validate(data, "Project")
        assert (
            "\x0c" in next(opened.read(n) for n in opened.namelist() if n.endswith(".txt")).decode()
        )  # the text file keeps it
    root = project_xml(tmp_path / "p.qdpx")
    assert root.find(".//q:TextSource", NS).get("name") == "odd\ufffdname.txt"


def test_archive_is_replaced_whole(study: Store, tmp_path: Path) -> None:
    archive = tmp_path / "study.qdpx"
    archive.write_bytes(b"an older file")
    export_project(study, archive)
    assert zipfile.is_zipfile(archive)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".study.qdpx")] == []


# -- codebooks -------------------------------------------------------------------------------------


def test_codebook_export_is_valid_and_matches_the_project_guids(tmp_path: Path) -> None:
    justice = load_codebook(packaged_codebooks_dir() / "justice.yaml")
    path = tmp_path / "justice.qdc"
    count = export_codebook(code_records(justice), path)
    data = path.read_bytes()
    validate(data, "Codebook")
    from lxml import etree

    root = etree.fromstring(data)
    codes = root.findall(".//c:Code", NS)
    assert count == len(codes) == len(justice.codes)
    assert [c.get("guid") for c in codes] == [guids.code_guid(c.path) for c in justice.codes]
    assert [len(top.findall("c:Code", NS)) for top in root.find("c:Codes", NS)] == [
        len(justice.children(c.path)) for c in justice.children(None)
    ]
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c.get("color")) for c in codes)


def test_codebook_export_needs_codes() -> None:
    with pytest.raises(QualcodeError, match="no codes"):
        codebook_document([])


def test_exported_sample_project_is_valid(tmp_path: Path, project_path: Path) -> None:
    """The bundled sample transcripts (Word and text, three languages) coded with justice."""
    transcripts = Path(__file__).resolve().parent.parent / "transcripts"
    copy = tmp_path / "transcripts"
    shutil.copytree(transcripts, copy)
    with Store.open(project_path, create=True) as store:
        ingest(store, [copy])
        code_project(store, load_codebook(packaged_codebooks_dir() / "justice.yaml"))
        for span in Span:
            export_project(store, tmp_path / f"{span}.qdpx", span=span)
            with zipfile.ZipFile(tmp_path / f"{span}.qdpx") as opened:
                validate(opened.read("project.qde"), "Project")
                assert sum(n.endswith(".docx") for n in opened.namelist()) == 2
