"""export qdpx, import qdpx, codebook export, codebook import: exact output and exit codes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from qualcode.refi.export import ORIGIN
from qualcode.store import Store
from refi_support import FIXTURES, breakfast_members, sources_undated, validate, write_zip

MINI = Path(__file__).parent / "fixtures" / "coding" / "mini.yaml"
B01 = (
    "Interviewer: What about housing? 🏠\n\n"
    "Sarah Malik: Rents doubled and evictions followed; housing is the crisis.\n"
)
C01 = "Entrevistadora: I l’habitatge?\n\nLaia Serra: El lloguer puja cada any.\n"


@pytest.fixture
def coded(cli, corpus: Path, write_text, project_path: Path) -> Path:
    write_text(corpus / "birmingham" / "b01.txt", B01)
    write_text(corpus / "barcelona" / "c01.txt", C01, front_matter="language: ca")
    assert cli("ingest", str(corpus)).exit_code == 0
    assert cli("code", "--codebook", str(MINI)).exit_code == 0
    with Store.open(project_path) as store:
        segment = store.segments(store.documents()[0].document_id)[1]
        store.add_person_codings([(segment.segment_id, "housing")], "Laia Serra")
    return project_path


def test_export_qdpx(cli, coded: Path, tmp_path: Path) -> None:
    result = cli("export", "qdpx", "study.qdpx")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Wrote study.qdpx: 2 documents, 3 codes, 2 coders, 4 codings in 3 selections (segment "
        "spans), 2 variables, 2 cases.\n"
    )
    assert result.stderr == ""
    validate(zipfile.ZipFile(tmp_path / "study.qdpx").read("project.qde"), "Project")


def test_export_qdpx_evidence_spans(cli, coded: Path) -> None:
    result = cli("export", "qdpx", "study.qdpx", "--span", "evidence")
    assert result.exit_code == 0
    assert result.stdout == (
        "Wrote study.qdpx: 2 documents, 3 codes, 2 coders, 4 codings in 5 selections (evidence "
        "spans), 2 variables, 2 cases.\n"
    )
    assert result.stderr == (
        "warning: 1 coding without evidence or selected passages cover their whole segment\n"
    )


def test_export_qdpx_one_coder_and_unknown_coder(cli, coded: Path) -> None:
    result = cli("export", "qdpx", "human.qdpx", "--coder", "Laia Serra")
    assert result.stdout == (
        "Wrote human.qdpx: 2 documents, 3 codes, 1 coder, 1 coding in 1 selection (segment "
        "spans), 2 variables, 2 cases.\n"
    )
    result = cli("export", "qdpx", "x.qdpx", "--coder", "Jordi")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: no codings by 'Jordi' in this project (coders: Laia Serra, auto:mini@1)\n"
    )


def test_export_qdpx_other_extension_and_stale_codings(
    cli, coded: Path, corpus: Path, write_text
) -> None:
    write_text(corpus / "birmingham" / "b01.txt", B01 + "\nInterviewer: Thanks.\n")
    assert cli("ingest", str(corpus)).exit_code == 0
    result = cli("export", "qdpx", "study.zip")
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: study.zip: REFI-QDA tools look for the .qdpx extension\n"
        "warning: 2 stale codings on earlier versions of documents not exported; run qualcode "
        "code to refresh them\n"
    )


def test_export_qdpx_without_project(cli, project_path: Path) -> None:
    result = cli("export", "qdpx", "study.qdpx")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {project_path}: no qualcode project here (run 'qualcode ingest FOLDER' first, "
        "or pass --project PATH)\n"
    )


def test_import_qdpx(cli, tmp_path: Path, project_path: Path) -> None:
    write_zip(tmp_path / "breakfast.qdpx", breakfast_members(sources_folder=""))
    result = cli("import", "qdpx", "breakfast.qdpx")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "added      Mabel.txt  (4 segments, en; positions: code points)\n"
        "added      Jordi Puig.txt  (4 segments, ca; positions: code points (4 of 4 selection "
        "ends on word boundaries))\n"
        "Codes: 8 in the archive, 8 new to the project.\n"
        "Codings: 4 selections read; Marta Soler +2; Oriol Sanz +3.\n"
        "Memos: 1 added from the archive's notes.\n"
        "Imported breakfast.qdpx (written by Hand-written fixture (invented data)). "
        f"Project: {project_path}\n"
    )
    assert result.stderr == (
        'warning: 1 codes marked not codable (isCodable="false", folders) imported as ordinary '
        "codes: qualcode has no such mark, and exports every code as codable\n"
        "warning: 2 code names hold their hierarchy as Parent::Child; read as a tree\n"
        "warning: 2 source files are not in a sources/ folder; read from where they are\n"
        "warning: left out 1 codings of whole sources: qualcode does not hold them\n"
        "warning: left out 1 picture sources: qualcode does not hold them\n"
        "warning: left out 1 selection descriptions (memos): qualcode does not hold them\n"
        "warning: left out 1 sets: qualcode does not hold them\n"
    )
    again = cli("import", "qdpx", "breakfast.qdpx")
    assert [line.partition("  (")[0] for line in again.stdout.splitlines()[:2]] == [
        "unchanged  Mabel.txt",
        "unchanged  Jordi Puig.txt",
    ]
    assert (
        "Codings: 4 selections read; Marta Soler +0 (2 already there); Oriol Sanz +0 (3 "
        "already there).\n" in again.stdout
    )


def test_import_qdpx_with_the_codebook_keeps_its_ids(cli, coded: Path, tmp_path: Path) -> None:
    assert cli("export", "qdpx", "study.qdpx").exit_code == 0
    other = tmp_path / "other.qualcode"
    result = cli(
        "--project",
        str(other),
        "import",
        "qdpx",
        "study.qdpx",
        "--codebook",
        str(MINI),
        project=False,
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-3:] == [
        "Codes: 3 in the archive, 0 new to the project.",
        "Codings: 3 selections read; Laia Serra +1; auto:mini@1 +3.",
        f"Imported study.qdpx (written by {ORIGIN}). Project: {other}",
    ]


def test_import_qdpx_errors(cli, tmp_path: Path, project_path: Path) -> None:
    (tmp_path / "notes.qdpx").write_text("not a zip")
    result = cli("import", "qdpx", "notes.qdpx")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: notes.qdpx: not a REFI-QDA project: a .qdpx file is a zip archive holding "
        "project.qde\n"
    )
    assert not project_path.exists()  # a refused archive creates no project
    members = breakfast_members()
    members["../../outside.txt"] = b"x"
    write_zip(tmp_path / "slip.qdpx", members)
    result = cli("import", "qdpx", "slip.qdpx")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: slip.qdpx: refusing the archive: member '../../outside.txt' points outside the "
        "archive (a REFI-QDA archive holds project.qde and sources/ only)\n"
    )
    result = cli("import", "qdpx", "missing.qdpx")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_codebook_export_from_project_and_from_yaml(cli, coded: Path, tmp_path: Path) -> None:
    result = cli("codebook", "export", "project.qdc")
    assert result.exit_code == 0
    assert result.stdout == f"Wrote project.qdc: 3 codes from the project's codes ({coded}).\n"
    validate((tmp_path / "project.qdc").read_bytes(), "Codebook")
    result = cli("codebook", "export", "mini.qdc", "--codebook", str(MINI))
    assert result.stdout == f"Wrote mini.qdc: 3 codes from codebook mini 1 ({MINI}, path).\n"
    assert (tmp_path / "mini.qdc").read_bytes() == (tmp_path / "project.qdc").read_bytes()


def test_codebook_export_needs_codes(cli, tmp_path: Path, project_path: Path) -> None:
    Store.open(project_path, create=True).close()
    result = cli("codebook", "export", "x.qdc")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the project has no codes yet (pass --codebook FILE, or run qualcode code first)\n"
    )


def test_codebook_import_then_check(cli, tmp_path: Path) -> None:
    result = cli(
        "codebook",
        "import",
        str(FIXTURES / "codebook.qdc"),
        "--out",
        "study.yaml",
        "--languages",
        "en,ca",
    )
    assert result.exit_code == 0
    assert result.stdout == (
        "Wrote study.yaml: codebook study with 7 codes.\n"
        "5 codes need patterns before the codebook can be used (topics/economy, "
        "topics/health_care, values/conservatives, values/liberals, habitatge_i_desnonaments); "
        "'qualcode codebook check study.yaml' lists them.\n"
    )
    assert result.stderr.splitlines()[1:] == [
        'warning: 2 codes marked not codable (isCodable="false", folders) imported as ordinary '
        "codes: qualcode has no such mark, and exports every code as codable",
        "warning: 2 code names hold their hierarchy as Parent::Child; read as a tree",
        "warning: colours that are not #RRGGBB left out: Values::Conservatives (red)",
    ]
    check = cli("codebook", "check", "study.yaml")
    assert check.exit_code == 1
    assert check.stdout.splitlines()[0] == (
        "study.yaml:15: error: patterns: code topics/economy: the code has no patterns and no "
        "children, so nothing can ever be coded with it"
    )
    assert len(check.stdout.splitlines()) == 5
    again = cli("codebook", "import", str(FIXTURES / "codebook.qdc"), "--out", "study.yaml")
    assert again.exit_code == 2
    assert again.stderr == "Error: study.yaml exists (pass --force to replace it)\n"


def test_codebook_import_bad_languages(cli, tmp_path: Path) -> None:
    result = cli(
        "codebook",
        "import",
        str(FIXTURES / "codebook.qdc"),
        "--out",
        "x.yaml",
        "--languages",
        "english",
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --languages expects ISO 639-1 codes separated by commas, such as en,es,ca; got "
        "'english'\n"
    )
    assert not (tmp_path / "x.yaml").exists()


def test_import_qdpx_from_nvivo_says_how_positions_were_read(
    cli, tmp_path: Path, project_path: Path
) -> None:
    from refi_quirks import quirks

    write_zip(tmp_path / "nvivo.qdpx", quirks()["nvivo"].members(tmp_path))
    result = cli("import", "qdpx", "nvivo.qdpx")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "added      Interjú 07  (5 segments, es,ca; positions: UTF-16 units (14 of 14 selection "
        "ends on word boundaries))\n"
        "Codes: 6 in the archive, 6 new to the project.\n"
        "Codings: 7 selections read; Kovács Kata +3; Szabó Bence +2.\n"
        "Imported nvivo.qdpx (written by NVivo 12.6 (Windows)). "
        f"Project: {project_path}\n"
    )
    assert result.stderr == (
        "warning: left out 1 picture selections with 2 codings: qualcode does not hold them\n"
        "warning: left out 1 picture sources: qualcode does not hold them\n"
    )


def test_import_qdpx_strict_and_base(cli, tmp_path: Path, project_path: Path) -> None:
    from refi_quirks import quirks

    write_zip(tmp_path / "far.qdpx", quirks()["relative"].members(tmp_path))
    strict = cli("import", "qdpx", "far.qdpx", "--strict")
    assert strict.exit_code == 1
    assert strict.stdout == ""
    assert strict.stderr == (
        "Error: far.qdpx: --strict: the import would leave out 3 sources outside the archive not "
        "found (pass --base with the folder that holds them; files outside the archive are read "
        "only from there) left out: assembly (relative:///notes/assembly.txt), diary "
        "(absolute:///C:/Study/Sources/diaries/diary.txt), letter (absolute:///D:/Post/letter.txt)"
        "; left out 3 selections with 3 codings on the sources not imported (without --strict the "
        "rest is imported and each loss is counted)\n"
    )
    assert not project_path.exists()
    found = cli("import", "qdpx", "far.qdpx", "--strict", "--base", "moved")
    assert found.exit_code == 0, found.output
    assert found.stderr == (
        "warning: 3 sources read from outside the archive, where the archive says: assembly "
        "(moved/notes/assembly.txt), diary (moved/diaries/diary.txt), letter (moved/letter.txt)\n"
    )


def test_evidence_spans_come_back_as_evidence(cli, coded: Path, tmp_path: Path) -> None:
    assert cli("export", "qdpx", "study.qdpx", "--span", "evidence").exit_code == 0
    fresh = tmp_path / "fresh" / "project.qualcode"  # same name: the export names the project
    imported = cli("--project", str(fresh), "import", "qdpx", "study.qdpx", project=False)
    assert imported.exit_code == 0, imported.output
    again = cli(
        "--project", str(fresh), "export", "qdpx", "again.qdpx", "--span", "evidence", project=False
    )
    assert again.exit_code == 0, again.output
    assert again.stderr == ""  # no coding is taken for a person's any more
    # the same, the times of codings included (the project's and its sources' are the import's)
    first = zipfile.ZipFile(tmp_path / "study.qdpx").read("project.qde")
    second = zipfile.ZipFile(tmp_path / "again.qdpx").read("project.qde")
    assert sources_undated(second) == sources_undated(first)
    with Store.open(fresh) as store:
        automatic = [c for c in store.coded_segments() if c.coder.startswith("auto:")]
        assert automatic and all(c.evidence and not c.spans for c in automatic)
        assert {e.pattern for c in automatic for e in c.evidence} == {"refi-qda selection"}
