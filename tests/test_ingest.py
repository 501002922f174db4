"""Ingest: files become documents with attributes and segments; re-ingest changes what changed."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.errors import QualcodeError, UsageError
from qualcode.ingest import ingest
from qualcode.ingest.metadata import parse_assignments
from qualcode.ingest.roles import apply_roles
from qualcode.models import CodeRecord, Role, Unit
from qualcode.readers import supported_suffixes
from qualcode.store import Store

B01 = (
    "Interviewer: What does community wealth building mean in Birmingham?\n\n"
    "Sarah Malik: Keeping more of the money that anchor institutions spend in the city, "
    "through local procurement and the real living wage.\n"
)
C01 = (
    "Entrevistadora: Com va començar la cooperativa d’habitatge?\n\n"
    "Laia Serra: Vam començar l’any 2012 amb un grup de veïnes que no podien pagar el lloguer.\n"
)


def attribute_sources(project: Path, name: str) -> dict[str, tuple[str, str]]:
    """Attributes with their source, straight from the project file."""
    connection = sqlite3.connect(project)
    try:
        rows = connection.execute(
            "SELECT a.key, a.value, a.source FROM attributes a JOIN documents d"
            " ON d.id = a.document_id WHERE d.name = ?",
            (name,),
        ).fetchall()
    finally:
        connection.close()
    return {key: (value, source) for key, value, source in rows}


def run_ingest(project: Path, *paths: Path, **options):
    with Store.open(project, create=True) as store:
        return ingest(store, list(paths), **options)


def documents(project: Path):
    with Store.open(project) as store:
        return {d.name: (d, store.segments(d.document_id)) for d in store.documents()}


# -- documents and segments ------------------------------------------------------------------


def test_ingest_a_folder(corpus: Path, project_path: Path, write_text, write_docx) -> None:
    write_text(corpus / "birmingham" / "b01.txt", B01)
    write_docx(
        corpus / "barcelona" / "c02.docx",
        [("Speaker", "Entrevistadora"), "Què en penses?", ("Speaker", "Pau"), "Que cal fer més."],
    )
    result = run_ingest(project_path, corpus)
    assert [(f.name, f.status, f.segments) for f in result.files] == [
        ("barcelona/c02.docx", "added", 2),
        ("birmingham/b01.txt", "added", 2),
    ]
    found = documents(project_path)
    b01, segments = found["birmingham/b01.txt"]
    assert (b01.format, b01.version, b01.unit, b01.encoding) == ("txt", 1, Unit.TURN, "utf-8")
    assert b01.attributes["city"] == "birmingham"
    assert b01.source_path == str((corpus / "birmingham" / "b01.txt").resolve())
    assert [(s.ordinal, s.speaker, s.role) for s in segments] == [
        (0, "Interviewer", Role.INTERVIEWER),
        (1, "Sarah Malik", Role.RESPONDENT),
    ]
    with Store.open(project_path) as store:
        text = store.document_text(b01.document_id)
    assert text == B01.strip()
    for segment in segments:
        assert text[segment.start_char : segment.end_char] == segment.text
        assert segment.document_id == b01.document_id and segment.segment_id is not None
    c02, c02_segments = found["barcelona/c02.docx"]
    assert c02.attributes["city"] == "barcelona"
    assert [s.speaker for s in c02_segments] == ["Entrevistadora", "Pau"]


def test_timestamps_roles_and_words_are_stored(
    corpus: Path, project_path: Path, write_text
) -> None:
    write_text(
        corpus / "b05.txt",
        "[00:04:28] Interviewer: Where did the money go?\n\n"
        "[00:04:31] Sarah Malik: Into adult social care, mostly.\n\n"
        "[00:05:02] Next topic, same speaker.\n",
    )
    run_ingest(project_path, corpus)
    _, segments = documents(project_path)["b05.txt"]
    assert [(s.turn, s.speaker, s.role, s.timestamp, s.word_count) for s in segments] == [
        (0, "Interviewer", Role.INTERVIEWER, "00:04:28", 5),
        (1, "Sarah Malik", Role.RESPONDENT, "00:04:31", 5),
        (1, "Sarah Malik", Role.RESPONDENT, "00:05:02", 4),
    ]


def test_files_that_are_not_transcripts_are_left_alone(
    corpus: Path, project_path: Path, write_text
) -> None:
    write_text(corpus / "b01.txt", B01)
    write_text(corpus / "README.md", "# About these transcripts\n")
    write_text(corpus / ".hidden" / "x.txt", B01)
    write_text(corpus / ".notes.txt", B01)
    write_text(corpus / "~$b01.docx", "lock file")
    write_text(corpus / "metadata.csv", "file,city\nb01.txt,Birmingham\n")
    result = run_ingest(project_path, corpus)
    assert [f.name for f in result.files] == ["b01.txt"]


def test_the_project_file_inside_the_ingested_folder_is_not_a_transcript(
    corpus: Path, write_text
) -> None:
    write_text(corpus / "b01.txt", B01)
    project = corpus / "project.qualcode"
    run_ingest(project, corpus)
    (corpus / "project.qualcode.before-002.bak").write_bytes(project.read_bytes())
    result = run_ingest(project, corpus)
    assert [(f.name, f.status) for f in result.files] == [("b01.txt", "unchanged")]


def test_single_files_can_be_ingested(corpus: Path, project_path: Path, write_text) -> None:
    path = write_text(corpus / "birmingham" / "b01.txt", B01)
    result = run_ingest(project_path, path)
    assert [(f.name, f.status) for f in result.files] == [("b01.txt", "added")]
    assert "city" not in documents(project_path)["b01.txt"][0].attributes  # the folder given


def test_unknown_path_is_a_usage_error(corpus: Path, project_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or folder"):
        run_ingest(project_path, corpus / "missing")


@pytest.mark.parametrize(
    ("unit", "texts"),
    [
        (Unit.TURN, ["Hello. How are you?", "Fine.\n\nThanks for asking."]),
        (Unit.PARAGRAPH, ["Hello. How are you?", "Fine.", "Thanks for asking."]),
        (Unit.SENTENCE, ["Hello.", "How are you?", "Fine.", "Thanks for asking."]),
    ],
)
def test_unit_is_recorded(
    corpus: Path, project_path: Path, write_text, unit: Unit, texts: list[str]
) -> None:
    write_text(
        corpus / "b01.txt", "Interviewer: Hello. How are you?\n\nSarah: Fine.\n\nThanks for asking."
    )
    run_ingest(project_path, corpus, unit=unit)
    document, segments = documents(project_path)["b01.txt"]
    assert document.unit is unit
    assert [s.text for s in segments] == texts


# -- metadata priority -----------------------------------------------------------------------


def test_metadata_priority_and_sources(
    corpus: Path, project_path: Path, write_text, write_docx
) -> None:
    write_text(
        corpus / "birmingham" / "b01.md",
        B01,
        front_matter="city: Solihull\ninterviewee_role: officer\norganisation: Council\n"
        "date: 2025-01-01",
    )
    write_text(corpus / "birmingham" / "b03.txt", B01)
    write_docx(
        corpus / "birmingham" / "b02.docx",
        ["Interviewer: Hello there, how are you today?", "Tom: Fine."],
        properties={"subject": "anchor institutions", "keywords": "procurement"},
    )
    (corpus / "metadata.csv").write_text(
        "file,organisation,date,keywords\n"
        "birmingham/b01.md,Birmingham City Council,2025-03-01,\n"
        "b02.docx,,2025-03-02,living wage\n"
    )
    run_ingest(project_path, corpus, assignments=parse_assignments(["date=2025-04-01"]))
    assert attribute_sources(project_path, "birmingham/b01.md") == {
        "city": ("Solihull", "front matter"),
        "interviewee_role": ("officer", "front matter"),
        "organisation": ("Birmingham City Council", "metadata.csv"),
        "date": ("2025-04-01", "command line"),
        "language": ("en", "detected"),
    }
    b02 = attribute_sources(project_path, "birmingham/b02.docx")
    assert b02["city"] == ("birmingham", "folder")
    assert b02["subject"] == ("anchor institutions", "document properties")
    assert b02["keywords"] == ("living wage", "metadata.csv")
    assert b02["date"] == ("2025-04-01", "command line")
    assert attribute_sources(project_path, "birmingham/b03.txt")["city"] == (
        "birmingham",
        "folder",
    )


def test_metadata_csv_semicolons_and_windows_1252(
    corpus: Path, project_path: Path, write_text
) -> None:
    write_text(corpus / "barcelona" / "c01.txt", C01)
    (corpus / "metadata.csv").write_bytes(
        "file;interviewee_role;organisation\n"
        "barcelona/c01.txt;Sòcia fundadora;Cooperativa “La Borda”\n".encode("cp1252")
    )
    run_ingest(project_path, corpus)
    attributes = documents(project_path)["barcelona/c01.txt"][0].attributes
    assert attributes["interviewee_role"] == "Sòcia fundadora"
    assert attributes["organisation"] == "Cooperativa “La Borda”"
    assert attributes["city"] == "barcelona"


def test_metadata_csv_without_file_column_stops_before_writing(
    corpus: Path, project_path: Path, write_text, dump
) -> None:
    write_text(corpus / "b01.txt", B01)
    (corpus / "metadata.csv").write_text("name,city\nb01.txt,Birmingham\n")
    with Store.open(project_path, create=True):
        pass
    before = dump(project_path)
    with pytest.raises(QualcodeError, match="needs a 'file' column"):
        run_ingest(project_path, corpus)
    assert dump(project_path) == before


def test_unmatched_metadata_rows_are_warned(corpus: Path, project_path: Path, write_text) -> None:
    write_text(corpus / "b01.txt", B01)
    (corpus / "metadata.csv").write_text("file,city\nb01.txt,Birmingham\nghost.txt,Leeds\n")
    result = run_ingest(project_path, corpus)
    assert result.warnings == [
        f"{corpus / 'metadata.csv'}: row for 'ghost.txt' matches no transcript"
    ]
    assert [f.status for f in result.files] == ["added"]


def test_per_document_interviewer_labels(corpus: Path, project_path: Path, write_text) -> None:
    write_text(corpus / "c01.txt", "Marta Soler: Bon dia.\n\nJoan: Bon dia.\n")
    write_text(corpus / "c02.txt", "Marta Soler: Bon dia.\n\nJoan: Bon dia.\n")
    (corpus / "metadata.csv").write_text("file,interviewer\nc01.txt,Marta Soler; Q\n")
    run_ingest(project_path, corpus)
    found = documents(project_path)
    assert [s.role for s in found["c01.txt"][1]] == [Role.INTERVIEWER, Role.RESPONDENT]
    assert [s.role for s in found["c02.txt"][1]] == [Role.RESPONDENT, Role.RESPONDENT]


def test_chair_labels_and_a_documents_chair_attribute(
    corpus: Path, project_path: Path, write_text
) -> None:
    sitting = (
        "La Presidenta: Té la paraula la senyora Puig.\n\nAnna Puig: Gràcies.\n\n"
        "Moderadora: Bé.\n\nJoan Mas: Bon dia.\n\nAnna Puig: Hola.\n"
    )
    write_text(corpus / "s01.txt", sitting)
    (corpus / "metadata.csv").write_text("file,interviewer\ns01.txt,Moderadora\n")
    run_ingest(project_path, corpus)
    ((_, segments),) = documents(project_path).values()
    # A document's interviewer wins over the default chair labels.
    assert [s.role for s in segments] == [
        Role.CHAIR, Role.RESPONDENT, Role.INTERVIEWER, Role.RESPONDENT, Role.RESPONDENT,
    ]  # fmt: skip
    with Store.open(project_path) as store:
        store.add_missing_codes([CodeRecord("thanks", "thanks", None)], "sheet")
        store.add_person_codings([(segments[1].segment_id or 0, "thanks")], "laia")
    # A chair attribute is applied to the stored segments: same segments, codings kept.
    (corpus / "metadata.csv").write_text("file,interviewer,chair\ns01.txt,Moderadora,Joan Mas\n")
    result = run_ingest(project_path, corpus)
    assert [f.status for f in result.files] == ["refreshed"]
    ((_, again),) = documents(project_path).values()
    assert [s.segment_id for s in again] == [s.segment_id for s in segments]
    assert [s.role for s in again][3] is Role.CHAIR
    with Store.open(project_path) as store:
        assert store.stale_codings() == []
        assert store.own_codings("laia") == [(segments[1].segment_id, "thanks")]
        assert apply_roles(store) == 0  # the attribute holds for config's re-application too


def test_project_interviewer_labels(corpus: Path, project_path: Path, write_text) -> None:
    write_text(corpus / "c01.txt", "Marta Soler: Bon dia.\n\nInterviewer: Hola.\n")
    with Store.open(project_path, create=True) as store:
        store.set_setting("interviewer_labels", "Marta Soler")
        ingest(store, [corpus])
        (document,) = store.documents()
        roles = [s.role for s in store.segments(document.document_id)]
    assert roles == [Role.INTERVIEWER, Role.RESPONDENT]  # the setting replaces the defaults


# -- re-ingest -------------------------------------------------------------------------------


def test_reingest_of_unchanged_files_changes_nothing(
    corpus: Path, project_path: Path, write_text, write_docx, dump
) -> None:
    write_text(corpus / "birmingham" / "b01.txt", B01)
    write_text(corpus / "barcelona" / "c01.md", C01, front_matter="language: Catalan")
    write_docx(corpus / "barcelona" / "c02.docx", [("Speaker", "Pau"), "Que cal fer més."])
    (corpus / "metadata.csv").write_text("file,organisation\nbirmingham/b01.txt,Council\n")
    run_ingest(project_path, corpus)
    before = dump(project_path)
    result = run_ingest(project_path, corpus)
    assert [f.status for f in result.files] == ["unchanged"] * 3
    assert dump(project_path) == before


def test_changed_file_gets_a_new_version(corpus: Path, project_path: Path, write_text) -> None:
    path = write_text(corpus / "b01.txt", B01)
    run_ingest(project_path, corpus)
    old_document, old_segments = documents(project_path)["b01.txt"]
    write_text(path, B01 + "\nInterviewer: And housing?\n\nSarah Malik: Worse every year.\n")
    result = run_ingest(project_path, corpus)
    assert [(f.status, f.segments) for f in result.files] == [("updated", 4)]
    document, segments = documents(project_path)["b01.txt"]
    assert document.document_id == old_document.document_id
    assert document.version == 2 and document.content_hash != old_document.content_hash
    assert [s.text for s in segments][-1] == "Worse every year."
    assert not {s.segment_id for s in segments} & {s.segment_id for s in old_segments}
    with Store.open(project_path) as store:
        assert store.document_text(document.document_id).endswith("Worse every year.")
    # nothing refers to version 1, so it is gone
    connection = sqlite3.connect(project_path)
    versions = connection.execute("SELECT version FROM document_versions").fetchall()
    connection.close()
    assert versions == [(2,)]


def test_old_version_stays_while_codings_refer_to_it(
    corpus: Path, project_path: Path, write_text
) -> None:
    path = write_text(corpus / "b01.txt", B01)
    run_ingest(project_path, corpus)
    _, old_segments = documents(project_path)["b01.txt"]
    connection = sqlite3.connect(project_path)
    with connection:
        connection.execute("INSERT INTO codes (path, label) VALUES ('cwb', 'Community wealth')")
        connection.execute(
            "INSERT INTO codings (segment_id, code_path, coder, created_at)"
            " VALUES (?, 'cwb', 'auto', '2025-01-01')",
            (old_segments[1].segment_id,),
        )
    connection.close()
    write_text(path, B01.replace("real living wage", "living wage"))
    run_ingest(project_path, corpus)
    with Store.open(project_path) as store:
        (document,) = store.documents()
        assert document.version == 2
        assert store.stale_codings() == [("auto", "b01.txt", 1)]
        assert store.document_text(document.document_id, version=1) == B01.strip()
        assert "real living wage" not in store.document_text(document.document_id)
        assert len(store.segments(document.document_id)) == 2  # current version only


def test_old_version_keeps_only_what_a_memo_refers_to(
    corpus: Path, project_path: Path, write_text
) -> None:
    from qualcode.memos import add_memo

    path = write_text(corpus / "b01.txt", B01)
    write_text(corpus / "b02.txt", B01.replace("Sarah Malik", "Tom Reid"))
    run_ingest(project_path, corpus)
    first = documents(project_path)["b01.txt"][1][0]
    with Store.open(project_path) as store:
        add_memo(store, "Procurement first.", "b01.txt#1", "laia")
        store._db.execute("INSERT INTO codes (path, label) VALUES ('cwb', 'Community wealth')")
        store.save_sheet_coverage([(first.segment_id, "cwb")], "marta", "sheet.xlsx")
    write_text(path, B01.replace("real living wage", "living wage"))
    run_ingest(project_path, corpus)
    connection = sqlite3.connect(project_path)
    kept = connection.execute(
        "SELECT d.name, s.version, s.ordinal FROM segments s JOIN documents d"
        " ON d.id = s.document_id WHERE s.version < d.current_version"
    ).fetchall()
    versions = connection.execute(
        "SELECT d.name, v.version FROM document_versions v JOIN documents d"
        " ON d.id = v.document_id ORDER BY d.name, v.version"
    ).fetchall()
    coverage = connection.execute("SELECT COUNT(*) FROM sheet_coverage").fetchone()
    connection.close()
    # the memo's segment stays on version 1; the other, and its coding-sheet cell, are gone
    assert kept == [("b01.txt", 1, 1)]
    assert versions == [("b01.txt", 1), ("b01.txt", 2), ("b02.txt", 1)]
    assert coverage == (0,)


def test_changed_metadata_only_updates_attributes(
    corpus: Path, project_path: Path, write_text, dump
) -> None:
    write_text(corpus / "b01.txt", B01)
    (corpus / "metadata.csv").write_text("file,organisation\nb01.txt,Council\n")
    run_ingest(project_path, corpus)
    _, old_segments = documents(project_path)["b01.txt"]
    (corpus / "metadata.csv").write_text("file,organisation\nb01.txt,Birmingham City Council\n")
    result = run_ingest(project_path, corpus)
    assert [f.status for f in result.files] == ["metadata"]
    document, segments = documents(project_path)["b01.txt"]
    assert document.version == 1
    assert document.attributes["organisation"] == "Birmingham City Council"
    assert segments == old_segments
    again = dump(project_path)
    assert [f.status for f in run_ingest(project_path, corpus).files] == ["unchanged"]
    assert dump(project_path) == again


def test_changed_interviewer_label_gives_new_roles_to_the_same_segments(
    corpus: Path, project_path: Path, write_text
) -> None:
    write_text(corpus / "c01.txt", "Marta Soler: Bon dia.\n\nJoan: Bon dia.\n")
    run_ingest(project_path, corpus)
    with Store.open(project_path) as store:
        first = store.segments(1)[0].segment_id or 0
        store.save_codes([CodeRecord("greetings", "Greetings", None)], "test")
        store.add_person_codings([(first, "greetings")], "marta")
    (corpus / "metadata.csv").write_text("file,interviewer\nc01.txt,Marta Soler\n")
    result = run_ingest(project_path, corpus)
    assert [f.status for f in result.files] == ["refreshed"]
    document, segments = documents(project_path)["c01.txt"]
    assert document.version == 1
    assert document.attributes["interviewer"] == "Marta Soler"
    assert [s.role for s in segments] == [Role.INTERVIEWER, Role.RESPONDENT]
    with Store.open(project_path) as store:
        assert store.own_codings("marta") == [(first, "greetings")]
        assert store.stale_codings() == []


def test_changed_unit_resegments(corpus: Path, project_path: Path, write_text) -> None:
    write_text(corpus / "b01.txt", B01 + "\nSarah Malik: It began in 2010. It went on.\n")
    run_ingest(project_path, corpus)
    result = run_ingest(project_path, corpus, unit=Unit.SENTENCE)
    assert [f.status for f in result.files] == ["updated"]
    assert documents(project_path)["b01.txt"][0].unit is Unit.SENTENCE


def test_changed_unit_that_cuts_the_same_segments_keeps_the_version(
    corpus: Path, project_path: Path, write_text
) -> None:
    write_text(corpus / "b01.txt", "Interviewer: Why?\n\nSarah Malik: Because.\n")
    run_ingest(project_path, corpus)
    result = run_ingest(project_path, corpus, unit=Unit.SENTENCE)
    assert [f.status for f in result.files] == ["refreshed"]
    document, _ = documents(project_path)["b01.txt"]
    assert (document.version, document.unit) == (1, Unit.SENTENCE)
    assert [f.status for f in run_ingest(project_path, corpus, unit=Unit.SENTENCE).files] == [
        "unchanged"
    ]


# -- bad input -------------------------------------------------------------------------------


def test_one_bad_file_among_good_ones(corpus: Path, project_path: Path, write_text) -> None:
    write_text(corpus / "a.txt", B01)
    (corpus / "b.docx").write_bytes(b"this is not a Word file")
    (corpus / "c.txt").write_bytes(b"")
    (corpus / "d.mp3").write_bytes(b"ID3\x03\x00")
    write_text(corpus / "e.txt", C01)
    reported = []
    known = ", ".join(supported_suffixes())
    result = run_ingest(project_path, corpus, on_file=reported.append)
    assert reported == result.files
    assert [(f.name, f.status) for f in result.files] == [
        ("a.txt", "added"),
        ("b.docx", "failed"),
        ("c.txt", "failed"),
        ("d.mp3", "failed"),
        ("e.txt", "added"),
    ]
    assert [(f.path, f.reason) for f in result.failed] == [
        (corpus / "b.docx", "not a valid .docx file (it is not a zip package)"),
        (corpus / "c.txt", "file is empty"),
        (corpus / "d.mp3", f"unsupported file type '.mp3' (qualcode reads {known})"),
    ]
    assert sorted(documents(project_path)) == ["a.txt", "e.txt"]


def test_a_file_fixed_later_is_added(corpus: Path, project_path: Path, write_text) -> None:
    (corpus / "b01.txt").write_bytes(b"")
    assert [f.status for f in run_ingest(project_path, corpus).files] == ["failed"]
    write_text(corpus / "b01.txt", B01)
    assert [f.status for f in run_ingest(project_path, corpus).files] == ["added"]


# -- property: re-ingest is idempotent -------------------------------------------------------

LINES = [
    "Interviewer: What changed after 2010?",
    "Sarah Malik: The budget halved, and the council sold buildings.",
    "Entrevistadora: I l’habitatge?",
    "Laia: Els lloguers han pujat un 40% en deu anys.",
    "(Riu.)",
    "Q: ¿Y la cooperativa?",
    "A: Funciona, pero cuesta mucho encontrar local.",
    "Plain text without a speaker.",
]
transcript_files = st.dictionaries(
    keys=st.sampled_from(["b01.txt", "b02.md", "birmingham/b03.txt", "barcelona/c01.txt"]),
    values=st.lists(st.sampled_from(LINES), min_size=1, max_size=6).map("\n\n".join),
    min_size=1,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    first=transcript_files,
    second=transcript_files,
    organisation=st.sampled_from(["", "Council", "Cooperativa"]),
)
def test_reingest_is_idempotent(dump, write_text, first, second, organisation) -> None:
    """Whatever was ingested before, ingesting the same files twice: the second run is a no-op."""
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "transcripts"
        project = Path(folder) / "project.qualcode"
        for name, content in first.items():
            write_text(corpus / name, content)
        options = {"assignments": parse_assignments(["language=en"])}  # skip loading the model
        run_ingest(project, corpus, **options)
        shutil.rmtree(corpus)
        for name, content in second.items():
            write_text(corpus / name, content)
        if organisation:
            (corpus / "metadata.csv").write_text(f"file,organisation\nb01.txt,{organisation}\n")
        first_run = run_ingest(project, corpus, **options)
        before = dump(project)
        again = run_ingest(project, corpus, **options)
        assert dump(project) == before
        assert [f.status for f in again.files] == ["unchanged"] * len(second)
        assert [f.name for f in again.files] == [f.name for f in first_run.files]


def test_one_file_ingested_again_alone_keeps_its_name_and_sidecar_attributes(
    tmp_path: Path,
) -> None:
    root = tmp_path / "transcripts"
    (root / "barcelona").mkdir(parents=True)
    transcript = root / "barcelona" / "c01.txt"
    transcript.write_text("ENTREVISTADORA: Hola?\n\nJORDI: El lloguer puja.\n", encoding="utf-8")
    (root / "metadata.csv").write_text(
        "file,interviewee_role\nbarcelona/c01.txt,Activista\nbarcelona/c02.txt,Tècnica\n",
        encoding="utf-8",
    )
    (root / "barcelona" / "c02.txt").write_text("A: Sí.\n", encoding="utf-8")
    store = Store.open(tmp_path / "p.qualcode", create=True)
    ingest(store, [root])
    transcript.write_text(
        "ENTREVISTADORA: Hola?\n\nJORDI: El lloguer puja molt.\n", encoding="utf-8"
    )
    result = ingest(store, [transcript])
    assert [(f.name, f.status) for f in result.files] == [("barcelona/c01.txt", "updated")]
    assert result.warnings == []  # the sidecar's other rows are not this ingest's business
    document = store.documents()[0]
    assert [d.name for d in store.documents()] == ["barcelona/c01.txt", "barcelona/c02.txt"]
    assert document.attributes["interviewee_role"] == "Activista"
    assert document.attributes["city"] == "barcelona"
    store.close()
