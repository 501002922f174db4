"""The one reading of CSV, TSV and XLSX grids: encodings, delimiters, blank cells, numbers, errors.

Every file is written here as the tools people use write them: Excel's "CSV UTF-8" (a byte-order
mark, CRLF), a Spanish or Catalan Excel's CSV (semicolons, Windows-1252), Excel's "Unicode text"
(UTF-16, tabs), and workbooks written with openpyxl.
"""

from __future__ import annotations

import codecs
from datetime import datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest

from qualcode.errors import ImportFormatError, QualcodeError, ReaderError
from qualcode.ingest.metadata import load_sidecar
from qualcode.people.tables import read_table
from qualcode.readers.grid import Row, Workbook, cell_text, read_delimited, sniff_delimiter


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_excel_csv_utf8_with_a_byte_order_mark_and_crlf(tmp_path: Path) -> None:
    text = "speaker,text\r\nAna Puig,Sí; la vivienda.\r\nJordi,D’acord\r\n"
    path = _write(tmp_path / "t.csv", codecs.BOM_UTF8 + text.encode("utf-8"))
    grid = read_delimited(path, ReaderError)
    assert grid.encoding == "utf-8-sig"
    assert grid.cells() == [
        ["speaker", "text"],
        ["Ana Puig", "Sí; la vivienda."],
        ["Jordi", "D’acord"],
    ]


def test_spanish_excel_csv_semicolons_in_windows_1252(tmp_path: Path) -> None:
    # Excel in a Spanish or Catalan locale separates with ';' and writes the ANSI code page:
    # curly quotes and the dash are bytes 0x91-0x97, which only Windows-1252 reads right.
    text = (
        "file;ciutat;organització\r\n"
        "c01.txt;Barcelona;Cooperativa “La Borda”, SCCL\r\n"
        "c02.txt;L’Hospitalet;Tècnic — Pla de Barris\r\n"
    )
    grid = read_delimited(_write(tmp_path / "m.csv", text.encode("cp1252")), QualcodeError)
    assert grid.encoding == "cp1252"
    assert grid.cells() == [
        ["file", "ciutat", "organització"],
        ["c01.txt", "Barcelona", "Cooperativa “La Borda”, SCCL"],
        ["c02.txt", "L’Hospitalet", "Tècnic — Pla de Barris"],
    ]


def test_latin_1_is_read_as_latin_1(tmp_path: Path) -> None:
    # No byte in 0x80-0x9F: Latin-1 and Windows-1252 read the same, and Latin-1 is said.
    path = _write(tmp_path / "l.csv", "file,rol\nb.txt,Tècnica àrea\n".encode("latin_1"))
    grid = read_delimited(path, QualcodeError)
    assert (grid.encoding, grid.cells()[1]) == ("latin_1", ["b.txt", "Tècnica àrea"])


def test_a_byte_windows_1252_leaves_undefined_reads_as_latin_1_not_as_a_replacement(
    tmp_path: Path,
) -> None:
    # 0x81 has no character in Windows-1252: decoding as Windows-1252 "with replacement" made it
    # U+FFFD without a word; as Latin-1 every byte is kept.
    path = _write(tmp_path / "c.csv", b"document,code\nb\x81.txt,housing\n")
    grid = read_delimited(path, ImportFormatError)
    assert grid.encoding == "latin_1"
    assert grid.cells()[1] == ["b\x81.txt", "housing"]


def test_excel_unicode_text_utf16_with_tabs(tmp_path: Path) -> None:
    text = "document\tcode\r\nbarcelona/c01.txt\thabitatge\r\n"
    path = _write(tmp_path / "codings.txt", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    grid = read_delimited(path, ImportFormatError)
    assert grid.encoding == "utf-16"
    assert grid.cells() == [["document", "code"], ["barcelona/c01.txt", "habitatge"]]


def test_nul_bytes_without_a_mark_are_refused_with_the_callers_error(tmp_path: Path) -> None:
    # UTF-16 without its byte-order mark: any single-byte decoding would be wrong.
    path = _write(tmp_path / "x.csv", "document,code\n".encode("utf-16-le"))
    with pytest.raises(ImportFormatError) as caught:
        read_delimited(path, ImportFormatError)
    assert str(caught.value) == f"{path}: binary file, not text (contains NUL bytes)"


def test_a_missing_file_is_an_error_of_the_callers_class(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match="cannot read file"):
        read_delimited(tmp_path / "gone.csv", ReaderError)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n4;5,5;6\n", ";"),  # decimal commas inside semicolon rows
        ("a\tb\n1\t2\n", "\t"),
        ('speaker;text\nAna;"Sí, claro; y después"\n', ";"),
        ("text\nonly one column, with a comma\n", ","),  # nothing to sniff: the first line's
    ],
)
def test_the_delimiter_is_sniffed(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_a_tsv_file_is_split_on_tabs_whatever_its_cells_hold(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.tsv", b"speaker\ttext\nAna\tyes, well, no, then\n")
    assert read_delimited(path, ReaderError).cells()[1] == ["Ana", "yes, well, no, then"]


def test_quoted_newlines_keep_the_row_and_say_the_line_it_starts_on(tmp_path: Path) -> None:
    text = 'speaker;text\nAna;"First line.\nSecond line."\nJordi;Tercera\n'
    grid = read_delimited(_write(tmp_path / "q.csv", text.encode()), ReaderError)
    assert grid.rows == [
        Row(1, ["speaker", "text"]),
        Row(2, ["Ana", "First line.\nSecond line."]),
        Row(4, ["Jordi", "Tercera"]),
    ]


def test_an_unclosed_quote_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "u.csv", b'file,city\nb01.txt,"Birmingham\nb02.txt,Leeds\n')
    with pytest.raises(QualcodeError) as caught:
        read_delimited(path, QualcodeError)
    assert caught.value.line == 2
    assert "never closed" in caught.value.message


def test_a_single_quote_is_never_a_quote(tmp_path: Path) -> None:
    # The csv sniffer guesses ' as the quote from these rows, and read so the first row loses
    # a cell: name 't Hooft,teachers' and no group.
    text = "file,name,group\nb01.txt,'t Hooft,teachers'\nb02.txt,Puig,nurses\n"
    grid = read_delimited(_write(tmp_path / "metadata.csv", text.encode()), QualcodeError)
    assert grid.cells()[1] == ["b01.txt", "'t Hooft", "teachers'"]
    sidecar = load_sidecar(tmp_path)
    assert sidecar is not None
    assert sidecar.rows["b01.txt"] == {"name": "'t Hooft", "group": "teachers'"}


def test_trailing_empty_cells_and_rows_are_dropped_blank_rows_between_kept(
    tmp_path: Path,
) -> None:
    # Excel pads every row of a CSV to the widest row, and writes the empty rows it formatted.
    text = "document;code;;\r\nb.txt;housing;;\r\n;;;\r\nc.txt;work;; \r\n;;;\r\n\r\n"
    grid = read_delimited(_write(tmp_path / "p.csv", text.encode()), ImportFormatError)
    assert grid.cells() == [["document", "code"], ["b.txt", "housing"], [], ["c.txt", "work"]]


def _workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "turns"
    sheet.append(["Speaker", "Time", "Text", "Year", "Share"])
    sheet.append(["Ana", time(0, 1, 2), "Primera", 2021.0, 0.25])
    sheet.append([])  # an empty row in the middle
    sheet.append(["Jordi", timedelta(hours=1, minutes=2, seconds=3, milliseconds=500), "Segona"])
    sheet.append([datetime(2024, 3, 1, 9, 30), None, "merged", 7])
    sheet.merge_cells("C5:D5")
    sheet["F9"].value = None  # formatted beyond the data: padded rows and columns
    sheet["F9"].number_format = "0.00"
    workbook.create_sheet("notes").append(["note"])
    workbook.properties.title = "BCN-01"
    workbook.save(path)
    return path


def test_an_xlsx_sheet_as_the_text_its_cells_show(tmp_path: Path) -> None:
    with Workbook(_workbook(tmp_path / "w.xlsx"), ReaderError) as workbook:
        assert workbook.titles == ["turns", "notes"]
        assert workbook.properties()["title"] == "BCN-01"
        grid = workbook.sheet("turns")
    assert grid.rows == [
        Row(1, ["Speaker", "Time", "Text", "Year", "Share"]),
        Row(2, ["Ana", "00:01:02", "Primera", "2021", "0.25"]),
        Row(3, []),
        Row(4, ["Jordi", "01:02:03.500", "Segona"]),
        Row(5, ["2024-03-01 09:30:00", "", "merged"]),
    ]


def test_chart_sheets_are_not_worksheets(tmp_path: Path) -> None:
    from openpyxl.chart import BarChart, Reference

    workbook = openpyxl.Workbook()
    data = workbook.active
    assert data is not None
    data.title = "turns"
    for row in (["Speaker", "Text", "Words"], ["Ana", "Hola", 1], ["Jordi", "Adéu", 1]):
        data.append(row)
    chart = BarChart()
    chart.add_data(Reference(data, min_col=3, min_row=1, max_row=3), titles_from_data=True)
    workbook.create_chartsheet("chart", 0).add_chart(chart)
    path = tmp_path / "charted.xlsx"
    workbook.save(path)
    with Workbook(path, ReaderError) as opened:
        assert opened.titles == ["turns"]
        with pytest.raises(ReaderError, match="no worksheet named 'chart'"):
            opened.sheet("chart")
    from qualcode.readers import read_file

    assert read_file(path).text == "Ana: Hola\nJordi: Adéu"


def test_a_sheet_saved_as_csv_and_as_xlsx_gives_the_same_rows(tmp_path: Path) -> None:
    rows = [["document", "ordinal", "text", "work"], ["b.txt", "3", "Sí, claro", "1"], ["", ""]]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append([int(c) if c.isdigit() else (c or None) for c in row])
    sheet["H12"].number_format = "0.00"
    workbook.save(tmp_path / "s.xlsx")
    csv_text = "document;ordinal;text;work;;;;\nb.txt;3;Sí, claro;1;;;;\n;;;;;;;\n"
    csv_path = _write(tmp_path / "s.csv", csv_text.encode("cp1252"))
    with Workbook(tmp_path / "s.xlsx", ImportFormatError) as opened:
        from_xlsx = opened.sheet(opened.titles[0]).cells()
    assert from_xlsx == read_delimited(csv_path, ImportFormatError).cells() == rows[:2]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (3.0, "3"),
        (2.5, "2.5"),
        (17, "17"),
        (True, "True"),
        (time(14, 5), "14:05:00"),
        (timedelta(minutes=90), "01:30:00"),
        (datetime(2023, 5, 4), "2023-05-04 00:00:00"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_an_xlsx_that_is_not_a_zip_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "sheet.xlsx", b"document,code\nb.txt,work\n")
    with pytest.raises(ImportFormatError) as caught:
        Workbook(path, ImportFormatError)
    assert str(caught.value) == f"{path}: not a valid .xlsx file (it is not a zip package)"


def test_the_three_callers_read_one_file_alike(tmp_path: Path) -> None:
    """A transcript table, a sidecar and a list of codings, all Spanish Excel CSV files."""
    from qualcode.readers import read_file

    transcript = "Hablante;Texto\r\nAna;“Sí”, claro\r\n;;\r\n".encode("cp1252")
    document = read_file(_write(tmp_path / "t.csv", transcript))
    assert (document.format, document.encoding, document.text) == (
        "csv",
        "cp1252",
        "Ana: “Sí”, claro",
    )
    _write(tmp_path / "metadata.csv", "file;rol;\r\nt.csv;Tècnica;\r\n".encode("cp1252"))
    sidecar = load_sidecar(tmp_path)
    assert sidecar is not None and sidecar.rows == {"t.csv": {"rol": "Tècnica"}}
    codings = _write(tmp_path / "c.csv", "document;code\r\nt.csv;“vivienda”\r\n".encode("cp1252"))
    assert read_table(codings).rows == [(2, {"document": "t.csv", "code": "“vivienda”"})]
