"""REFI-QDA export as the other tools expect it: creation times and users on everything, review
decisions applied, memos as notes, and the standard's size limit for a file of the archive."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.ingest import ingest
from qualcode.memos import add_memo
from qualcode.models import Decision
from qualcode.people.review import decide, review_queue
from qualcode.refi import export
from qualcode.refi import guid as guids
from qualcode.refi.export import Span, export_project
from qualcode.refi.import_ import import_project
from qualcode.store import Store
from refi_support import (
    NS,
    add_document,
    auto_codings,
    code,
    project_qde,
    project_xml,
    validate,
    write_zip,
)

TEXT = (
    "Interviewer: What about housing?\n\n"
    "Sarah Malik: Rents doubled and evictions followed.\n\n"
    "Interviewer: And transport?\n\n"
    "Sarah Malik: The buses are cut <again> & again.\n"
)
STAMP = "2026-03-01T10:15:00+00:00"


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setattr("qualcode.store.clock.now", lambda: STAMP)
    store = Store.open(tmp_path / "study.qualcode", create=True)
    store.save_codes(
        [code("housing", "Housing"), code("housing/rent", "Rent"), code("cuts", "Cuts")], "study"
    )
    add_document(store, "birmingham/b01.txt", TEXT, {"city": "Birmingham"})
    segments = store.segments(store.documents()[0].document_id)
    rents, buses = segments[1], segments[3]
    assert rents.segment_id is not None and buses.segment_id is not None
    start = rents.start_char
    auto_codings(
        store,
        "auto:study@1",
        [
            (rents.segment_id, "housing/rent", start, start + 5),
            (buses.segment_id, "cuts", buses.start_char + 10, buses.start_char + 13),
        ],
    )
    monkeypatch.setattr("qualcode.store.clock.now", lambda: "2026-03-02T09:00:00+00:00")
    store.add_person_codings([(rents.segment_id, "housing")], "Laia Serra")
    yield store
    store.close()


def test_project_sources_selections_and_codings_say_who_made_them_and_when(
    study: Store, tmp_path: Path
) -> None:
    archive = tmp_path / "study.qdpx"
    export_project(study, archive)
    data = zipfile.ZipFile(archive).read("project.qde")
    validate(data, "Project")
    root = project_xml(archive)
    users = {u.get("guid"): u.get("name") for u in root.iterfind(".//q:User", NS)}
    assert users[root.get("creatingUserGUID")] == "qualcode"
    assert root.get("creationDateTime") == "2026-03-01T10:15:00Z"
    (source,) = root.iterfind(".//q:TextSource", NS)
    assert (users[source.get("creatingUser")], source.get("creationDateTime")) == (
        "qualcode",
        "2026-03-01T10:15:00Z",
    )
    made = {
        (users[coding.get("creatingUser")], coding.get("creationDateTime"))
        for coding in root.iterfind(".//q:Coding", NS)
    }
    assert made == {
        ("auto:study@1", "2026-03-01T10:15:00Z"),
        ("Laia Serra", "2026-03-02T09:00:00Z"),
    }
    for selection in root.iterfind(".//q:PlainTextSelection", NS):
        codings = selection.findall("q:Coding", NS)
        assert selection.get("creatingUser") == codings[0].get("creatingUser")
        assert selection.get("creationDateTime") == min(c.get("creationDateTime") for c in codings)


def test_review_decisions_are_exported_as_the_reviewers_codings(
    study: Store, tmp_path: Path
) -> None:
    rent = review_queue(study, "housing/rent", "Marc", auto_coder="auto:study@1").items
    cuts = review_queue(study, "cuts", "Marc", auto_coder="auto:study@1").items
    decide(study, rent, "Marc", Decision.ACCEPT, "auto:study@1")
    decide(study, cuts, "Marc", Decision.REJECT, "auto:study@1")
    archive = tmp_path / "study.qdpx"
    summary = export_project(study, archive, span=Span.EVIDENCE)
    validate(zipfile.ZipFile(archive).read("project.qde"), "Project")
    assert (summary.rejected, summary.accepted, summary.codings) == (1, 1, 3)
    root = project_xml(archive)
    users = {u.get("guid"): u.get("name") for u in root.iterfind(".//q:User", NS)}
    codes = {c.get("guid"): c.get("name") for c in root.iterfind(".//q:Code", NS)}
    found = sorted(
        (
            users[coding.get("creatingUser")],
            codes[coding.find("q:CodeRef", NS).get("targetGUID")],
            TEXT[int(selection.get("startPosition")) : int(selection.get("endPosition"))],
        )
        for selection in root.iterfind(".//q:PlainTextSelection", NS)
        for coding in selection.iterfind("q:Coding", NS)
    )
    # The rejected "cut" coding is gone; Marc's acceptance covers the automatic evidence.
    assert found == [
        ("Laia Serra", "Housing", "Rents doubled and evictions followed."),
        ("Marc", "Rent", "Rents"),
        ("auto:study@1", "Rent", "Rents"),
    ]
    marc = export_project(study, archive, coders=["Marc"])
    assert (marc.codings, marc.coders, marc.accepted, marc.rejected) == (1, ("Marc",), 1, 0)


def test_a_file_over_the_standards_limit_is_an_error_and_nothing_is_written(
    study: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = len(TEXT.encode("utf-8"))
    monkeypatch.setattr(export, "MAX_MEMBER_BYTES", size - 1)
    archive = tmp_path / "study.qdpx"
    with pytest.raises(QualcodeError) as raised:
        export_project(study, archive)
    assert str(raised.value) == (
        f"cannot export: birmingham/b01.txt is {size:,} bytes, more than the {size - 1:,} bytes "
        "REFI-QDA allows for one file of an archive (its section 8.5); nothing was written "
        "(split the document into smaller files and ingest those)"
    )
    assert not archive.exists()
    monkeypatch.setattr(export, "MAX_MEMBER_BYTES", size)
    with pytest.raises(QualcodeError, match=r"the project file \(project\.qde\) is"):
        export_project(study, archive)
    assert not archive.exists()
    monkeypatch.undo()
    assert export.MAX_MEMBER_BYTES == 2_147_483_647


def test_memos_are_notes_referred_to_by_what_they_are_on(study: Store, tmp_path: Path) -> None:
    on_project = add_memo(study, "Pilot <b>study</b> & more", "project", "Laia Serra")
    on_document = add_memo(study, "Long interview.", "b01", "Marc")
    on_segment = add_memo(study, "Rents, not mortgages.\nAsk again.", "b01.txt#1", "Marc")
    on_code = add_memo(study, "Only in Birmingham?", "rent", "Laia Serra")
    archive = tmp_path / "study.qdpx"
    summary = export_project(study, archive)
    assert summary.memos == 4
    data = zipfile.ZipFile(archive).read("project.qde")
    validate(data, "Project")
    assert b"Pilot &lt;b&gt;study&lt;/b&gt; &amp; more" in data
    root = project_xml(archive)
    notes = {n.get("guid"): n for n in root.iterfind("q:Notes/q:Note", NS)}
    assert {guid: n.find("q:PlainTextContent", NS).text for guid, n in notes.items()} == {
        on_project.guid: "Pilot <b>study</b> & more",
        on_document.guid: "Long interview.",
        on_segment.guid: "Rents, not mortgages.\nAsk again.",
        on_code.guid: "Only in Birmingham?",
    }
    users = {u.get("guid"): u.get("name") for u in root.iterfind(".//q:User", NS)}
    assert users[notes[on_segment.guid].get("creatingUser")] == "Marc"
    assert notes[on_segment.guid].get("creationDateTime") == "2026-03-02T09:00:00Z"
    assert notes[on_segment.guid].get("name") == "Rents, not mortgages."
    assert [r.get("targetGUID") for r in root.iterfind("q:NoteRef", NS)] == [on_project.guid]
    (source,) = root.iterfind(".//q:TextSource", NS)
    assert [r.get("targetGUID") for r in source.iterfind("q:NoteRef", NS)] == [on_document.guid]
    selections = source.findall("q:PlainTextSelection", NS)
    (memo_selection,) = [s for s in selections if s.find("q:Coding", NS) is None]
    assert memo_selection.find("q:NoteRef", NS).get("targetGUID") == on_segment.guid
    start, end = int(memo_selection.get("startPosition")), int(memo_selection.get("endPosition"))
    assert TEXT[start:end] == "Rents doubled and evictions followed."
    rent = root.find(f".//q:Code[@guid='{guids.code_guid('housing/rent')}']", NS)
    assert [r.get("targetGUID") for r in rent.iterfind("q:NoteRef", NS)] == [on_code.guid]


def memo_rows(store: Store) -> list[tuple[str, str, str, str, str]]:
    return [(m.reference, m.author, m.text, m.created_at, m.guid) for m in store.memos()]


def test_memos_round_trip(study: Store, tmp_path: Path) -> None:
    add_memo(study, "Pilot <b>study</b> & more", "project", "Laia Serra")
    add_memo(study, "Long interview.", "b01", "Marc")
    add_memo(study, "Rents, not mortgages.\nAsk again.", "b01.txt#1", "Marc")
    add_memo(study, "Also here.", "b01.txt#1", "Laia Serra")
    add_memo(study, "Only in Birmingham?", "rent", "Laia Serra")
    archive = tmp_path / "study.qdpx"
    export_project(study, archive)
    with Store.open(tmp_path / "other.qualcode", create=True) as other:
        summary = import_project(other, archive)
        assert summary.memos == (5, 0)
        assert not [w for w in summary.warnings if "note" in w]
        assert memo_rows(other) == memo_rows(study)
        again = import_project(other, archive)
        assert again.memos == (0, 5)
        assert len(other.memos()) == 5
        export_project(other, tmp_path / "again.qdpx")
    notes = [
        zipfile.ZipFile(path).read("project.qde").split(b"<Notes>")[1]
        for path in (archive, tmp_path / "again.qdpx")
    ]
    assert notes[0] == notes[1]


def test_notes_from_other_tools_become_memos_and_what_cannot_be_placed_is_counted(
    tmp_path: Path,
) -> None:
    user = "0000AAAA-0000-4000-8000-000000000001"
    source = "0000CCCC-0000-4000-8000-000000000003"
    qde = project_qde(
        f"""<Users><User guid="{{{user}}}" name="Ana"/></Users>
<Sources>
 <TextSource guid="{source}" name="notes.txt" plainTextPath="internal://{source}.txt">
  <PlainTextSelection guid="0000DDDD-0000-4000-8000-000000000004" startPosition="13"
    endPosition="19"><NoteRef targetGUID="0000EEEE-0000-4000-8000-000000000001"/>
  </PlainTextSelection>
  <NoteRef targetGUID="0000EEEE-0000-4000-8000-000000000002"/>
 </TextSource>
 <PictureSource guid="0000CCCC-0000-4000-8000-000000000009" name="map.png" path="internal://m.png">
  <NoteRef targetGUID="0000EEEE-0000-4000-8000-000000000003"/>
 </PictureSource>
</Sources>
<Notes>
 <Note guid="0000EEEE-0000-4000-8000-000000000001" name="On rent" creatingUser="{user}"
   creationDateTime="2024-05-06T07:08:09+02:00"><PlainTextContent>Rent!</PlainTextContent></Note>
 <Note guid="0000EEEE-0000-4000-8000-000000000002" name="file"
   plainTextPath="internal://note2.txt"/>
 <Note guid="0000EEEE-0000-4000-8000-000000000003" name="map"><Description>The map.</Description>
 </Note>
 <Note guid="0000EEEE-0000-4000-8000-000000000004" name="empty"/>
</Notes>"""
    )
    archive = write_zip(
        tmp_path / "vendor.qdpx",
        {
            "project.qde": qde,
            f"sources/{source}.txt": "Q: Housing?\r\n\r\nA: Rents doubled.\r\n",
            "sources/note2.txt": "\ufeffWhole document.\r\nTwo lines.",
        },
    )
    with Store.open(tmp_path / "p.qualcode", create=True) as store:
        summary = import_project(store, archive)
        memos = store.memos()
    assert summary.memos == (3, 0)
    assert [(m.reference, m.author, m.text, m.created_at) for m in memos] == [
        ("project", "refi-qda", "The map.", memos[0].created_at),
        ("notes.txt", "refi-qda", "Whole document.\nTwo lines.", memos[1].created_at),
        ("notes.txt#1", "Ana", "Rent!", "2024-05-06T05:08:09+00:00"),
    ]
    assert "1 notes without text left out" in summary.warnings
    assert "2 notes without an author, credited to 'refi-qda'" in summary.warnings
    assert (
        "1 notes on pictures, audio, video, cases, sets, links or graphs, kept as project memos"
        in summary.warnings
    )


def test_cli_export_says_what_review_and_memos_changed(cli, study: Store) -> None:
    rent = review_queue(study, "housing/rent", "Marc", auto_coder="auto:study@1").items
    cuts = review_queue(study, "cuts", "Marc", auto_coder="auto:study@1").items
    decide(study, rent, "Marc", Decision.ACCEPT, "auto:study@1")
    decide(study, cuts, "Marc", Decision.REJECT, "auto:study@1")
    add_memo(study, "Rents.", "b01.txt#1", "Marc")
    export = ("--project", str(study.path), "export", "qdpx", "study.qdpx")
    result = cli(*export, project=False)
    assert result.exit_code == 0, result.output
    assert result.stderr == "warning: 1 automatic coding rejected in review not exported\n"
    assert result.stdout == (
        "Wrote study.qdpx: 1 document, 3 codes, 3 coders, 3 codings in 3 selections (segment "
        "spans), 2 variables, 1 case, 1 memo.\n"
        "1 automatic coding accepted in review exported as the reviewer's too.\n"
    )
    add_document(study, "birmingham/b01.txt", TEXT.replace("doubled", "tripled"))
    again = cli(*export, project=False)
    assert again.exit_code == 0, again.output
    assert again.stderr.splitlines()[1:] == [
        "warning: 1 memo on segments of earlier versions of documents exported as notes on "
        "their document"
    ]
    assert again.stdout.endswith(", 1 memo.\n")


def test_two_copies_of_one_interview_get_two_guids(tmp_path: Path) -> None:
    """The same file ingested from two folders has the same name and content: the GUIDs still
    differ, as the standard requires of every object."""
    with Store.open(tmp_path / "p.qualcode", create=True) as store:
        add_document(store, "b01.txt", TEXT, source_path="/study/one/b01.txt")
        add_document(store, "b01.txt", TEXT, source_path="/study/two/b01.txt")
        export_project(store, tmp_path / "p.qdpx")
    data = zipfile.ZipFile(tmp_path / "p.qdpx").read("project.qde")
    validate(data, "Project")
    found = [
        s.get("guid") for s in project_xml(tmp_path / "p.qdpx").iterfind(".//q:TextSource", NS)
    ]
    assert len(set(found)) == 2


def test_a_note_on_a_coding_is_a_memo_on_its_segment(tmp_path: Path) -> None:
    source = "0000CCCC-0000-4000-8000-000000000003"
    code_guid = "0000FFFF-0000-4000-8000-000000000001"
    qde = project_qde(
        f"""<CodeBook><Codes><Code guid="{code_guid}" name="Rent" isCodable="true">
<NoteRef targetGUID="0000EEEE-0000-4000-8000-000000000002"/></Code></Codes></CodeBook>
<Sources>
 <TextSource guid="{source}" name="n.txt" plainTextPath="internal://{source}.txt">
  <PlainTextSelection guid="0000DDDD-0000-4000-8000-000000000004" startPosition="16"
    endPosition="21"><Coding guid="0000DDDD-0000-4000-8000-000000000005"><CodeRef
    targetGUID="{code_guid}"/><NoteRef targetGUID="0000EEEE-0000-4000-8000-000000000001"/>
  </Coding></PlainTextSelection>
 </TextSource>
</Sources>
<Notes>
 <Note guid="0000EEEE-0000-4000-8000-000000000001"><PlainTextContent>Why?</PlainTextContent></Note>
 <Note guid="0000EEEE-0000-4000-8000-000000000002"><PlainTextContent>Rent</PlainTextContent></Note>
</Notes>"""
    )
    archive = write_zip(
        tmp_path / "v.qdpx",
        {"project.qde": qde, f"sources/{source}.txt": "Q: Housing?\n\nA: Rents doubled.\n"},
    )
    with Store.open(tmp_path / "p.qualcode", create=True) as store:
        import_project(store, archive)
        assert [(m.reference, m.text) for m in store.memos()] == [
            ("n.txt#1", "Why?"),
            ("code:rent", "Rent"),
        ]


def test_a_pdf_goes_out_as_the_standards_pdf_source_and_comes_back(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for line in ("Interviewer: What about housing?", "", "Sarah Malik: Rents doubled."):
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    path = corpus / "b02.pdf"
    pdf.output(str(path))
    monkeypatch.chdir(tmp_path)
    with Store.open(tmp_path / "p.qualcode", create=True) as store:
        ingest(store, [corpus])
        store.save_codes([code("housing", "Housing")], "study")
        document = store.documents()[0]
        assert document.format == "pdf"
        segment = store.segments(document.document_id)[-1]
        store.add_person_codings([(segment.segment_id or 0, "housing")], "Laia Serra")
        add_memo(store, "Printed version.", "b02", "Laia Serra")
        archive = tmp_path / "p.qdpx"
        export_project(store, archive)
        text = store.document_text(document.document_id)
    with zipfile.ZipFile(archive) as opened:
        validate(opened.read("project.qde"), "Project")
        source_guid = guids.document_guid(document)
        assert opened.read(f"sources/{source_guid}.pdf") == path.read_bytes()
    root = project_xml(archive)
    assert root.find(".//q:TextSource", NS) is None
    pdf_source = root.find(".//q:PDFSource", NS)
    assert pdf_source.get("path") == f"internal://{source_guid}.pdf"
    representation = pdf_source.find("q:Representation", NS)
    assert representation.get("plainTextPath") == f"internal://{source_guid}.txt"
    (selection,) = representation.iterfind("q:PlainTextSelection", NS)
    start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
    assert text[start:end] == segment.text
    assert pdf_source.find("q:NoteRef", NS) is not None
    with Store.open(tmp_path / "other.qualcode", create=True) as other:
        summary = import_project(other, archive)
        assert summary.memos == (1, 0)
        coded = other.coded_segments()
        assert [(c.segment.text, c.code_path, c.coder) for c in coded] == [
            (segment.text, "housing", "Laia Serra")
        ]
        assert [m.reference for m in other.memos()] == ["b02.pdf"]
