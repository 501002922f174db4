"""Document attributes: folder, embedded properties, metadata.csv and --set, key by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import QualcodeError, UsageError
from qualcode.ingest.metadata import (
    folder_attributes,
    load_sidecar,
    merge,
    normalise_key,
    parse_assignments,
)


@pytest.mark.parametrize(
    ("root", "file", "city"),
    [
        ("transcripts", "transcripts/birmingham/b01.txt", "birmingham"),
        ("transcripts", "transcripts/Barcelona/officials/c01.docx", "Barcelona"),
        ("transcripts", "transcripts/new_york/n1.txt", "new_york"),
        ("transcripts", "transcripts/uk/s1.txt", "uk"),
        ("corpus", "corpus/Docx Files/uk/s1.docx", "uk"),  # a folder of a file kind is skipped
        ("corpus", "corpus/Docx Files/s1.docx", None),
        ("work", "work/in/s1.txt", None),
        ("transcripts/birmingham", "transcripts/birmingham/b01.txt", None),  # the folder given
        ("transcripts", "transcripts/b01.txt", None),
        ("work/interviews", "work/interviews/b01.txt", None),
        ("work/Entrevistes", "work/Entrevistes/c01.txt", None),
        ("work/data", "work/data/raw/b01.txt", None),
        ("work", "work/.cache/b01.txt", None),
    ],
)
def test_city_from_folder(tmp_path: Path, root: str, file: str, city: str | None) -> None:
    (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / file).write_text("Q: Hola.\n")
    found = folder_attributes(tmp_path / root, tmp_path / file)
    assert found == ({"city": (city, "folder")} if city else {})


def test_set_assignments() -> None:
    assert parse_assignments(["city=Barcelona", " Interviewee Role = Council officer "]) == {
        "city": ("Barcelona", "command line"),
        "interviewee_role": ("Council officer", "command line"),
    }
    assert parse_assignments(["note=a=b"]) == {"note": ("a=b", "command line")}


@pytest.mark.parametrize("bad", ["city", "=Barcelona", " = x"])
def test_set_needs_key_and_value(bad: str) -> None:
    with pytest.raises(UsageError, match="--set expects key=value") as caught:
        parse_assignments([bad])
    assert caught.value.exit_code == 2


def test_keys_are_normalised() -> None:
    assert normalise_key(" Interviewee Role ") == "interviewee_role"
    assert normalise_key("Organisation/Type") == "organisation_type"


def test_later_layers_win_key_by_key() -> None:
    merged = merge(
        {"city": ("Birmingham", "folder")},
        {"city": ("Solihull", "front matter"), "role": ("officer", "front matter")},
        {"role": ("Council officer", "metadata.csv")},
    )
    assert merged == {
        "city": ("Solihull", "front matter"),
        "role": ("Council officer", "metadata.csv"),
    }


# -- metadata.csv ----------------------------------------------------------------------------


def test_sidecar_with_commas(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text(
        "file,City,Interviewee Role,organisation\n"
        'b01.txt,Birmingham,Council officer,"Birmingham City Council, Economy"\n'
        "officials/b02.docx,Birmingham,,Anchor hospital\n"
    )
    sidecar = load_sidecar(tmp_path)
    assert sidecar is not None
    assert sidecar.attributes_for(tmp_path, tmp_path / "b01.txt") == {
        "city": ("Birmingham", "metadata.csv"),
        "interviewee_role": ("Council officer", "metadata.csv"),
        "organisation": ("Birmingham City Council, Economy", "metadata.csv"),
    }
    # matched by path below the folder; an empty cell sets nothing
    assert sidecar.attributes_for(tmp_path, tmp_path / "officials" / "B02.docx") == {
        "city": ("Birmingham", "metadata.csv"),
        "organisation": ("Anchor hospital", "metadata.csv"),
    }
    assert sidecar.attributes_for(tmp_path, tmp_path / "other.txt") == {}


def test_sidecar_with_semicolons_in_windows_1252(tmp_path: Path) -> None:
    content = (
        "file;ciutat;organització;rol\n"
        "c01.txt;Barcelona;Cooperativa d’Habitatge “La Borda”;Sòcia fundadora\n"
        "c02.txt;Barcelona;Ajuntament;Tècnic — Pla de Barris\n"
    )
    (tmp_path / "metadata.csv").write_bytes(content.encode("cp1252"))
    sidecar = load_sidecar(tmp_path)
    assert sidecar is not None
    assert sidecar.attributes_for(tmp_path, tmp_path / "c01.txt") == {
        "ciutat": ("Barcelona", "metadata.csv"),
        "organització": ("Cooperativa d’Habitatge “La Borda”", "metadata.csv"),
        "rol": ("Sòcia fundadora", "metadata.csv"),
    }
    assert sidecar.attributes_for(tmp_path, tmp_path / "c02.txt")["rol"][0] == (
        "Tècnic — Pla de Barris"
    )


def test_sidecar_needs_a_file_column(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text("name,city\nb01.txt,Birmingham\n")
    with pytest.raises(QualcodeError) as caught:
        load_sidecar(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'metadata.csv'}:1: needs a 'file' column naming each transcript "
        "(e.g. file,city,interviewee_role)"
    )


def test_sidecar_row_without_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text("file,city\nb01.txt,Birmingham\n,Barcelona\n")
    with pytest.raises(QualcodeError, match="empty 'file' cell") as caught:
        load_sidecar(tmp_path)
    assert caught.value.line == 3


def test_sidecar_file_described_twice(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text("file,city\nb01.txt,Birmingham\nB01.txt,Leeds\n")
    with pytest.raises(QualcodeError, match="described twice") as caught:
        load_sidecar(tmp_path)
    assert caught.value.line == 3


def test_unmatched_sidecar_rows(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text("file,city\nb01.txt,Birmingham\nghost.txt,Leeds\n")
    (tmp_path / "b01.txt").write_text("Q: Hi.\n")
    sidecar = load_sidecar(tmp_path)
    assert sidecar is not None
    assert sidecar.unmatched(tmp_path, [tmp_path / "b01.txt"]) == ["ghost.txt"]


def test_no_sidecar(tmp_path: Path) -> None:
    assert load_sidecar(tmp_path) is None


def test_sidecar_column_named_twice(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text("file,City,File\nb01.txt,Birmingham,c01.txt\n")
    with pytest.raises(QualcodeError) as caught:
        load_sidecar(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'metadata.csv'}:1: the column 'file' appears 2 times (columns 1, 3); "
        "cannot tell which to use"
    )


def test_sidecar_unclosed_quote_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text(
        'file,city\nb01.txt,Birmingham\nc01.txt,"Barcelona\nc02.txt,Barcelona\n'
    )
    with pytest.raises(QualcodeError) as caught:
        load_sidecar(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'metadata.csv'}:3: a quoted cell starts on this line and is never closed "
        '(close the quote, or double a quote inside a quoted cell (""))'
    )


def test_sidecar_row_with_more_cells_than_columns(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text(
        "file,role\nb01.txt,Officer\nb02.txt,Officer, housing\nb03.txt,Officer,,\n"
    )
    with pytest.raises(QualcodeError) as caught:
        load_sidecar(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'metadata.csv'}:3: the row has 3 cells but the header names 2 columns "
        "(quote a value that holds the separator)"
    )


def test_sidecar_trailing_empty_cells_and_blank_rows_are_fine(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text("file,role\nb01.txt,Officer,,\n,\n\nb02.txt,Chair\n")
    sidecar = load_sidecar(tmp_path)
    assert sidecar is not None
    assert sidecar.rows == {"b01.txt": {"role": "Officer"}, "b02.txt": {"role": "Chair"}}


def test_sidecar_cell_past_the_csv_modules_limit(tmp_path: Path) -> None:
    note = "a long note " * 20_000
    (tmp_path / "metadata.csv").write_text(f"file,note\nb01.txt,{note}\n")
    sidecar = load_sidecar(tmp_path)
    assert sidecar is not None
    assert sidecar.rows["b01.txt"]["note"] == note.strip()


def test_sidecar_value_under_no_header_is_an_error(tmp_path: Path) -> None:
    # Excel writes "file;role;;" when a note sits in a column without a header: the note would
    # describe nothing, so it is refused rather than dropped.
    (tmp_path / "metadata.csv").write_text("file;role;;\nb01.txt;Officer;;\nb02.txt;Chair;;ask\n")
    with pytest.raises(QualcodeError) as caught:
        load_sidecar(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'metadata.csv'}:3: the row has 4 cells but the header names 2 columns "
        "(quote a value that holds the separator)"
    )


def test_sidecar_value_under_an_unnamed_column_between_named_ones_is_an_error(
    tmp_path: Path,
) -> None:
    (tmp_path / "metadata.csv").write_text("file,,role\nb01.txt,,Officer\nb02.txt,note,Chair\n")
    with pytest.raises(QualcodeError) as caught:
        load_sidecar(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'metadata.csv'}:3: the row has a value in column 2, which the header does "
        "not name (name the column in the header, or leave its cells empty)"
    )
