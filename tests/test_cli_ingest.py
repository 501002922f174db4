"""The ingest, status and config commands: exact output lines and exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import qualcode.cli
import qualcode.ingest
from qualcode.models import CodeRecord
from qualcode.store import Store

B01 = (
    "Interviewer: What does community wealth building mean to you?\n\n"
    "Sarah Malik: Keeping the money that the hospital and the university spend in the city.\n\n"
    "Interviewer: And the living wage?\n\n"
    "Sarah Malik: We were one of the first councils to pay it, back in 2012.\n"
)
C01 = (
    "Entrevistadora: Com va començar la cooperativa d’habitatge al barri?\n\n"
    "Laia Serra: Vam començar l’any 2012 amb un grup de veïnes que no podien pagar el lloguer.\n\n"
    "Laia Serra: Pero luego, la verdad, nos costó muchísimo encontrar un solar en el barrio y "
    "convencer al ayuntamiento.\n"
)


@pytest.fixture
def transcripts(corpus: Path, write_text) -> Path:
    write_text(corpus / "birmingham" / "b01.txt", B01)
    write_text(corpus / "barcelona" / "c01.txt", C01, front_matter="interviewee_role: Tècnica")
    return corpus


def test_ingest_prints_a_line_per_file_and_a_summary(cli, transcripts, project_path) -> None:
    result = cli("ingest", "transcripts")
    assert result.exit_code == 0
    assert result.stdout == (
        "added      barcelona/c01.txt  (3 segments, ca,es)\n"
        "added      birmingham/b01.txt  (4 segments, en)\n"
        f"2 files: 2 added, 0 updated, 0 unchanged. Project: {project_path}\n"
    )
    assert result.stderr == ""


B02 = (
    "Interviewer: Who decides on the budget?\n\n"
    "[inaudible]\n\n"
    "10:42\n\n"
    "Sarah Malik: The cabinet, in the end.\n"
)


def test_ingest_says_what_it_left_out_of_segments_and_status_totals_it(
    cli, transcripts, project_path, write_text
) -> None:
    write_text(transcripts / "birmingham" / "b02.txt", B02)
    result = cli("ingest", "transcripts")
    assert result.exit_code == 0
    assert result.stdout == (
        "added      barcelona/c01.txt  (3 segments, ca,es)\n"
        "added      birmingham/b01.txt  (4 segments, en)\n"
        "added      birmingham/b02.txt  (2 segments, en)\n"
        "           not in segments: stage direction 1 passage (1 word), "
        "clock time 1 passage (2 words); 2 speaker labels\n"
        f"3 files: 3 added, 0 updated, 0 unchanged. Project: {project_path}\n"
    )
    status = cli("status").stdout.splitlines()
    assert status[-2] == (
        "Not in segments: stage direction 1 passage (1 word), clock time 1 passage "
        "(2 words); 9 speaker labels ('qualcode show DOCUMENT' marks them)"
    )


def test_reingest_says_nothing_changed(cli, transcripts, project_path) -> None:
    cli("ingest", "transcripts")
    result = cli("ingest", "transcripts")
    assert result.exit_code == 0
    assert result.stdout == (
        f"2 files: 0 added, 0 updated, 2 unchanged (nothing changed). Project: {project_path}\n"
    )


def test_reingest_reports_updates_and_new_attributes(
    cli, transcripts, project_path, write_text
) -> None:
    cli("ingest", "transcripts")
    write_text(transcripts / "birmingham" / "b01.txt", B01 + "\nInterviewer: Thank you.\n")
    (transcripts / "metadata.csv").write_text("file,organisation\nbarcelona/c01.txt,Sostre Cívic\n")
    result = cli("ingest", "transcripts")
    assert result.exit_code == 0
    assert result.stdout == (
        "metadata   barcelona/c01.txt  (attributes updated)\n"
        "updated    birmingham/b01.txt  (5 segments, en)\n"
        "2 files: 0 added, 1 updated, 0 unchanged, 1 with new attributes. "
        f"Project: {project_path}\n"
    )


def test_bad_file_is_skipped_on_stderr_with_exit_code_3(cli, transcripts, project_path) -> None:
    (transcripts / "barcelona" / "broken.docx").write_bytes(b"not a zip")
    (transcripts / "barcelona" / "locked.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 9)
    result = cli("ingest", "transcripts")
    assert result.exit_code == 3
    assert result.stderr == (
        "skipped    transcripts/barcelona/broken.docx: "
        "not a valid .docx file (it is not a zip package)\n"
        "skipped    transcripts/barcelona/locked.docx: "
        "password-protected or old-format Word file (an OLE container, not a .docx package) "
        "(remove the password or save it as .docx in Word)\n"
    )
    assert result.stdout.splitlines()[-1] == (
        f"4 files: 2 added, 0 updated, 0 unchanged, 2 skipped. Project: {project_path}"
    )
    assert "Traceback" not in result.output


def test_unknown_folder_is_a_usage_error(cli, project_path) -> None:
    result = cli("ingest", "nothere")
    assert result.exit_code == 2
    assert result.stderr == "Error: no such file or folder: nothere\n"
    assert result.stdout == ""


def test_unknown_folder_creates_no_project(cli, project_path) -> None:
    assert cli("ingest", "nothere").exit_code == 2
    assert not project_path.exists()


def test_unmatched_metadata_row_is_a_warning(cli, transcripts, project_path) -> None:
    (transcripts / "metadata.csv").write_text("file,city\nghost.txt,Leeds\n")
    result = cli("ingest", "transcripts")
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: transcripts/metadata.csv: row for 'ghost.txt' matches no transcript\n"
    )


def test_metadata_csv_without_file_column_is_an_error(cli, transcripts) -> None:
    (transcripts / "metadata.csv").write_text("name,city\nb01.txt,Leeds\n")
    result = cli("ingest", "transcripts")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: transcripts/metadata.csv:1: needs a 'file' column naming each transcript "
        "(e.g. file,city,interviewee_role)\n"
    )


def test_set_attributes_and_bad_set(cli, transcripts) -> None:
    assert cli("ingest", "transcripts", "--set", "wave=2025").exit_code == 0
    status = cli("status", "--by", "wave")
    assert status.stdout.splitlines()[3].split()[:3] == ["2025", "ca", "1"]
    bad = cli("ingest", "transcripts", "--set", "wave")
    assert bad.exit_code == 2
    assert bad.stderr == "Error: --set expects key=value, got 'wave'\n"


def test_unit_sentence(cli, corpus: Path, write_text) -> None:
    write_text(
        corpus / "b02.txt",
        "Interviewer: Was the budget cut? By how much?\n\n"
        "Sarah Malik: Yes. By almost half since 2010. Nobody planned for that.\n",
    )
    result = cli("ingest", "transcripts", "--unit", "sentence")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "added      b02.txt  (5 segments, en)"
    result = cli("ingest", "transcripts", "--unit", "turn")
    assert result.stdout.splitlines()[0] == "updated    b02.txt  (2 segments, en)"
    wrong = cli("ingest", "transcripts", "--unit", "word")
    assert wrong.exit_code == 2
    assert "Invalid value for '--unit'" in wrong.stderr


# -- status ----------------------------------------------------------------------------------


def test_status(cli, transcripts, project_path) -> None:
    cli("ingest", "transcripts")
    result = cli("status")
    assert result.exit_code == 0
    assert result.stdout == (
        f"Project: {project_path}\n"
        "city        language  documents  segments  speakers  words\n"
        "----------  --------  ---------  --------  --------  -----\n"
        "barcelona   ca                1         3         2     42\n"
        "birmingham  en                1         4         2     38\n"
        "total                         2         7         4     80\n"
        "Segments by role: interviewer 3, respondent 4\n"
        "Mixed-language documents: barcelona/c01.txt (ca,es)\n"
        "Not in segments: 7 speaker labels only\n"
        "Stale codings: none\n"
    )


def test_status_by_another_attribute(cli, transcripts) -> None:
    cli("ingest", "transcripts")
    lines = cli("status", "--by", "interviewee_role").stdout.splitlines()
    assert lines[1].split() == [
        "interviewee_role",
        "language",
        "documents",
        "segments",
        "speakers",
        "words",
    ]
    assert [line.split()[:2] for line in lines[3:5]] == [["(none)", "en"], ["Tècnica", "ca"]]


def test_status_of_an_empty_project(cli, project_path) -> None:
    cli("config", "interviewer", "--add", "Marta")  # creates the project
    result = cli("status")
    assert result.stdout == (
        f"Project: {project_path}\nNo documents yet: run 'qualcode ingest FOLDER'.\n"
    )


def test_status_without_a_project(cli, project_path) -> None:
    result = cli("status")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {project_path}: no qualcode project here "
        "(run 'qualcode ingest FOLDER' first, or pass --project PATH)\n"
    )
    assert not project_path.exists()


def test_status_on_a_file_that_is_not_a_project(cli, project_path) -> None:
    project_path.write_text("not a database " * 100)
    result = cli("status")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {project_path}: not a qualcode project")


# -- choosing the project --------------------------------------------------------------------


def test_project_option_environment_and_default(cli, transcripts, tmp_path: Path) -> None:
    from_option = tmp_path / "option.qualcode"
    from_env = tmp_path / "env.qualcode"
    assert cli("--project", str(from_option), "ingest", "transcripts", project=False).exit_code == 0
    env = {"QUALCODE_PROJECT": str(from_env)}
    result = cli("ingest", "transcripts", project=False, env=env)
    assert result.stdout.endswith(f"Project: {from_env}\n")
    # --project wins over the environment
    result = cli("-p", str(from_option), "status", project=False, env=env)
    assert result.stdout.startswith(f"Project: {from_option}\n")
    # neither: project.qualcode in the working directory
    result = cli("ingest", "transcripts", project=False)
    assert result.stdout.endswith(f"Project: {tmp_path / 'project.qualcode'}\n")
    assert from_option.is_file() and from_env.is_file()
    assert (tmp_path / "project.qualcode").is_file()


# -- config ----------------------------------------------------------------------------------


def test_config_interviewer_gives_segments_their_roles_at_once(
    cli, transcripts, write_text
) -> None:
    write_text(transcripts / "c02.txt", "Marta Soler: Bon dia.\n\nJoan: Bon dia a tothom.\n")
    cli("ingest", "transcripts")
    result = cli("config", "interviewer", "Marta Soler; Q")
    # Marta now asks the questions; "Interviewer" and "Entrevistadora" no longer do
    assert result.stdout == (
        "Interviewer labels: Marta Soler; Q. 4 segments changed role (codings kept).\n"
    )
    shown = cli("config", "show").stdout.splitlines()
    assert shown[0] == "interviewer_labels: Marta Soler; Q"
    assert shown[1].startswith("chair_labels: chair; the chair; chairman; ")
    roles = cli("status").stdout.splitlines()[-4]
    assert roles == "Segments by role: interviewer 1, respondent 8"
    assert "unchanged" in cli("ingest", "transcripts").stdout
    added = cli("config", "interviewer", "--add", "Entrevistadora")
    assert added.stdout == (
        "Interviewer labels: Marta Soler; Q; Entrevistadora. "
        "1 segment changed role (codings kept).\n"
    )
    reset = cli("config", "interviewer")
    assert reset.stdout == (
        "Interviewer labels reset to the defaults. 3 segments changed role (codings kept).\n"
    )
    assert cli("config", "show").stdout.startswith("interviewer_labels: interviewer; ")
    assert cli("config", "interviewer").stdout == (
        "Interviewer labels reset to the defaults. No segment changed role.\n"
    )


SITTING = (
    "The Chair: Order. I call Ms Okafor.\n\n"
    "Grace Okafor: Rents in Lozells have doubled and nobody answers for it.\n\n"
    "Deputy Chair: Thank you. Mr Hughes.\n\n"
    "Tom Hughes: The housing fund is empty.\n\n"
    "Grace Okafor: Then the cabinet should say so.\n"
)


def test_config_chair_gives_segments_their_roles_and_keeps_codings(
    cli, corpus, write_text, project_path
) -> None:
    write_text(corpus / "sitting.txt", SITTING)
    cli("ingest", str(corpus))
    with Store.open(project_path) as store:
        (document,) = store.documents()
        before = store.segments(document.document_id)
        store.add_missing_codes([CodeRecord("housing", "housing", None, 1)], "sheet")
        store.add_person_codings([(s.segment_id or 0, "housing") for s in before], "laia")
    assert [s.role.value if s.role else None for s in before] == [
        "chair", "respondent", "respondent", "respondent", "respondent",
    ]  # fmt: skip
    assert "Segments by role: chair 1, respondent 4" in cli("status").stdout
    result = cli("config", "chair", "--add", "Deputy Chair")
    assert result.stdout == (
        "Chair labels: chair; the chair; chairman; chairwoman; chairperson; madam chair; "
        "mr chairman; president; presidenta; presidente; el president; la presidenta; "
        "el presidente; the president; vicepresident; vicepresidenta; vicepresidente; "
        "el vicepresident; la vicepresidenta; el vicepresidente; the speaker; mr speaker; "
        "madam speaker; the deputy speaker; moderator; moderador; moderadora; facilitator; "
        "facilitador; facilitadora; Deputy Chair. 1 segment changed role (codings kept).\n"
    )
    assert "Segments by role: chair 2, respondent 3" in cli("status").stdout
    with Store.open(project_path) as store:
        after = store.segments(document.document_id)
        assert [s.segment_id for s in after] == [s.segment_id for s in before]
        assert store.current_version(document.source_path).version == 1
        assert store.stale_codings() == []
        assert len(store.own_codings("laia")) == 5
    # One label, one role: the interviewer's labels give it up, and the chair's take it back.
    moved = cli("config", "interviewer", "--add", "Deputy Chair")
    assert moved.stdout.endswith(
        "; Deputy Chair. No longer chair labels: Deputy Chair. "
        "1 segment changed role (codings kept).\n"
    )
    assert "Segments by role: chair 1, interviewer 1, respondent 3" in cli("status").stdout
    assert cli("config", "chair").stdout == (
        "Chair labels reset to the defaults. No segment changed role.\n"
    )
    assert "unchanged" in cli("ingest", str(corpus)).stdout


# -- errors and tracebacks -------------------------------------------------------------------


def test_no_traceback_without_debug_and_one_with_it(cli) -> None:
    plain = cli("status")
    assert plain.exit_code == 1
    assert "Traceback" not in plain.output
    debug = cli("--debug", "status")
    assert debug.exit_code == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.splitlines()[-1].startswith("Error: ")


def test_internal_error_is_one_line_and_exit_70(
    transcripts, project_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("confidential words from an interview")

    monkeypatch.setattr(qualcode.ingest, "ingest", broken)  # the command imports it when run
    monkeypatch.chdir(transcripts.parent)
    for debug in ([], ["--debug"]):
        argv = ["qualcode", *debug, "--project", str(project_path), "ingest", "transcripts"]
        monkeypatch.setattr(sys, "argv", argv)
        with pytest.raises(SystemExit) as caught:
            qualcode.cli.main()
        assert caught.value.code == 70
        stderr = capsys.readouterr().err
        assert stderr.splitlines()[-1] == (
            "Error: internal error (RuntimeError); please report it with the output of the same "
            "command run with --debug"
        )
        assert ("Traceback" in stderr) == bool(debug)
        assert ("confidential" in stderr) == bool(debug)


def test_version(cli) -> None:
    result = cli("--version", project=False)
    assert result.exit_code == 0
    assert result.stdout == f"qualcode {qualcode.__version__}\n"


# -- turn tables with codes ------------------------------------------------------------------

TABLE = (
    "speakers,words,codes\n"
    "Interviewer,What is the housing situation?,\n"
    "Ana Puig,Rents doubled in ten years.,housing/rent; austerity\n"
    ",And the council cut its budget.,austerity\n"
)


def test_a_tables_codes_are_reported_without_a_coder_and_imported_with_one(
    cli, corpus: Path, project_path
) -> None:
    (corpus / "birmingham").mkdir(parents=True)
    (corpus / "birmingham" / "t01.csv").write_text(TABLE, encoding="utf-8")
    first = cli("ingest", "transcripts")
    assert first.exit_code == 0
    assert first.stdout.splitlines()[0] == "added      birmingham/t01.csv  (2 segments, en)"
    assert first.stderr == (
        "warning: birmingham/t01.csv: 1 turn carries codes from the table; "
        "pass --coder NAME to import them as that person's codings\n"
    )
    coded = cli("ingest", "transcripts", "--coder", "Marta Soler")
    assert coded.stdout.splitlines()[0] == (
        "coded      birmingham/t01.csv  (2 new codings from the table's codes, 1 turn)"
    )
    assert coded.stderr == ""
    again = cli("ingest", "transcripts", "--coder", "Marta Soler")
    assert again.stdout.splitlines()[0] == (
        "coded      birmingham/t01.csv  (0 new codings from the table's codes, 1 turn)"
    )
    with Store.open(project_path) as store:
        codings = store.own_codings("Marta Soler")
        assert [path for _, path in codings] == ["austerity", "housing/rent"]
        assert {c.path for c in store.codes()} == {"austerity", "housing", "housing/rent"}
        assert store.stale_codings() == []


def test_a_person_must_code_a_table_not_an_automatic_coder(cli, corpus: Path) -> None:
    (corpus / "t01.csv").parent.mkdir(parents=True, exist_ok=True)
    (corpus / "t01.csv").write_text(TABLE, encoding="utf-8")
    result = cli("ingest", "transcripts", "--coder", "auto:me")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: 'auto:me' is an automatic coder's name")


def test_an_interview_without_speaker_labels_is_a_warning(cli, corpus: Path) -> None:
    answer = "The council sold the land in the end, and the rents went up every year since. " * 6
    question = "What happened to the housing estate after the council sold the land?"
    text = "\n\n".join([question, answer, question.replace("What", "Why"), answer, answer, answer])
    (corpus / "notes").mkdir(parents=True)
    (corpus / "notes" / "n01.txt").write_text(text, encoding="utf-8")
    (corpus / "notes" / "paper.txt").write_text("\n\n".join([answer] * 8), encoding="utf-8")
    result = cli("ingest", "transcripts")
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: notes/n01.txt: reads like an interview (6 paragraphs, 2 of them questions) but "
        "marks no speakers that qualcode recognises; its paragraphs are text of an unknown speaker "
        "(docs/formats.md lists the speaker conventions)\n"
    )
    assert cli("ingest", "transcripts").stderr == ""  # said once, when the file is read


def test_speakers_option_and_attribute(cli, corpus: Path, write_text, project_path) -> None:
    write_text(corpus / "b01.txt", B01)
    write_text(
        corpus / "qa.txt",
        "Q: Who owns the land?\n\nA: The trust, for good.\n",
        front_matter="interviewer: Marta Soler\nrespondent: Joan Puig",
    )
    write_text(corpus / "notes.txt", B01, front_matter="speakers: none")
    assert cli("ingest", "transcripts").exit_code == 0
    with Store.open(project_path) as store:
        found = {
            d.name: [
                (s.speaker, s.role.value if s.role else None) for s in store.segments(d.document_id)
            ]
            for d in store.documents()
        }
    assert found["qa.txt"] == [("Marta Soler", "interviewer"), ("Joan Puig", "respondent")]
    assert found["notes.txt"] == [(None, None)] * 4  # the attribute wins: no labels read
    assert found["b01.txt"][0] == ("Interviewer", "interviewer")
    # the option re-segments the files it changes: b01 reads only Interviewer now, and the
    # answers, whose labels are not listed, are text of the interviewer's turns
    result = cli("ingest", "transcripts", "--speakers", "Interviewer")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "updated    b01.txt  (2 segments, en)"
    with Store.open(project_path) as store:
        b01 = next(d for d in store.documents() if d.name == "b01.txt")
        assert [s.speaker for s in store.segments(b01.document_id)] == ["Interviewer"] * 2


def test_bad_speakers_option_and_attribute(cli, corpus: Path, write_text) -> None:
    bad = cli("ingest", "transcripts", "--speakers", ",")
    assert bad.exit_code == 2
    assert bad.stderr == (
        "Error: speakers must be auto, none or a list of labels such as 'Q,A', not ','\n"
    )
    write_text(corpus / "b01.txt", B01, front_matter="speakers: ';'")
    result = cli("ingest", "transcripts")
    assert result.exit_code == 3
    assert result.stderr == (
        "skipped    transcripts/b01.txt: the speakers attribute must be auto, none or a list "
        "of labels, not ';'\n"
    )


def test_ingest_names_the_labels_it_read_as_text(
    cli, corpus: Path, write_text, project_path
) -> None:
    write_text(
        corpus / "b05.txt",
        "Interviewer: What matters most?\n\n"
        "Sarah Malik: Two things.\n\n"
        "Housing: the housing list is long.\n\n"
        "Wages: the wages are low.\n\n"
        "Interviewer: Thanks.\n",
    )
    result = cli("ingest", "transcripts")
    assert result.exit_code == 0
    assert result.stdout == (
        "added      b05.txt  (3 segments, en)\n"
        "           read as text, not speakers: Housing, Wages\n"
        f"1 file: 1 added, 0 updated, 0 unchanged. Project: {project_path}\n"
    )


def test_a_speakers_label_that_opens_nothing_is_a_warning(cli, corpus: Path, write_text) -> None:
    write_text(corpus / "b01.txt", B01)
    result = cli("ingest", "transcripts", "--speakers", "Interviewer,Sara Malik")
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: --speakers: no paragraph of the files read opens with 'sara malik' "
        "(did you mean 'Sarah Malik'?)\n"
    )


TURNS = "Interviewer: How are rents?\n\nSarah Malik: Rents are high.\n"


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_links_are_not_followed_outside_and_each_folder_is_walked_once(
    cli, tmp_path: Path, project_path: Path
) -> None:
    """A ``loop -> .`` link given as the path was walked again and again (13 s, 3.2 GB, exit 70),
    and a link to a folder of system files was read as transcripts."""
    folder = tmp_path / "t"
    (folder / "inner").mkdir(parents=True)
    (folder / "a.txt").write_text(TURNS)
    (folder / "inner" / "b.txt").write_text(TURNS)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.txt").write_text(TURNS)
    (folder / "loop").symlink_to(".")
    (folder / "again").symlink_to("inner")
    (folder / "out").symlink_to("../outside")
    (folder / "broken").symlink_to(tmp_path / "nothing")
    (tmp_path / "looplink").symlink_to("t")
    result = cli("ingest", "looplink/loop/")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        f"2 files: 2 added, 0 updated, 0 unchanged; 4 links not followed. Project: {project_path}"
    )
    assert result.stderr.splitlines() == [
        "warning: not followed: 1 link leading outside the folders given (--follow-links "
        "follows such links), such as looplink/loop/out -> ../outside",
        "warning: not followed: 2 links leading inside the folders given, read there under "
        "their own names, such as looplink/loop/again -> inner",
        "warning: not followed: 1 link leading nowhere (what they point to does not exist), "
        f"such as looplink/loop/broken -> {tmp_path / 'nothing'}",
    ]
    with Store.open(project_path) as store:
        assert sorted(d.name for d in store.documents()) == ["a.txt", "inner/b.txt"]
    project_path.unlink()
    result = cli("ingest", "t", "--follow-links")
    assert result.exit_code == 0, result.output
    assert "3 files: 3 added, 0 updated, 0 unchanged; 3 links not followed." in result.stdout
    with Store.open(project_path) as store:
        assert sorted(d.name for d in store.documents()) == ["a.txt", "inner/b.txt", "out/o.txt"]


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_follow_links_walks_a_loop_outside_once(cli, tmp_path: Path, project_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "a.txt").write_text(TURNS)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.txt").write_text(TURNS)
    (outside / "back").symlink_to(outside)  # a loop outside the folder given
    (folder / "out").symlink_to(outside)
    result = cli("ingest", "t", "--follow-links")
    assert result.exit_code == 0, result.output
    assert "2 files: 2 added, 0 updated, 0 unchanged; 1 link not followed." in result.stdout
    assert "1 link leading to a folder already read (a loop), such as t/out/back" in result.stderr


def test_a_tables_unsafe_codes_are_not_created_and_are_named(
    cli, corpus: Path, project_path
) -> None:
    """``import codings --create-codes`` refuses ``..`` and markup; a table's codes column is
    held to the same rule, and what it leaves out is said."""
    table = TABLE.replace("housing/rent; austerity", "housing/..; <script>x</script>; austerity")
    (corpus / "t01.csv").write_text(table, encoding="utf-8")
    result = cli("ingest", "transcripts", "--coder", "Marta Soler")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: t01.csv: codes not imported ('housing/..', '<script>x</script>'): each part of "
        "a code path starts with a letter or digit and holds only letters, digits, spaces, - "
        "and _\n"
    )
    with Store.open(project_path) as store:
        assert {c.path for c in store.codes()} == {"austerity"}
        assert [path for _, path in store.own_codings("Marta Soler")] == ["austerity"]
