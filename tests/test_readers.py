"""Readers: bytes on disk become a document's plain text and located paragraphs."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

from qualcode.errors import ReaderError
from qualcode.models import ReadDocument
from qualcode.readers import read_file, supported_suffixes

ENGLISH = "Interviewer: How long have you lived in Aston?\n\nSarah Malik: Twelve years.\n"
CATALAN = "Entrevistadora: Quant fa que viu a Roquetes?\n\nRosa: Des del 1974, a l’escala B.\n"


def assert_paragraphs_slice_text(document: ReadDocument) -> None:
    assert document.paragraphs, "a readable document has paragraphs"
    previous_end = -1
    for paragraph in document.paragraphs:
        assert document.text[paragraph.start_char : paragraph.end_char] == paragraph.text
        assert paragraph.text == paragraph.text.strip() and paragraph.text
        assert paragraph.start_char > previous_end
        previous_end = paragraph.end_char


# -- encodings -------------------------------------------------------------------------------


def test_utf8_without_bom(corpus: Path, write_text) -> None:
    path = write_text(corpus / "c.txt", CATALAN)
    document = read_file(path)
    assert document.encoding == "utf-8"
    assert document.text == CATALAN.strip()
    assert document.format == "txt"


def test_utf8_with_bom_has_no_bom_in_text(corpus: Path, write_text) -> None:
    path = write_text(corpus / "c.txt", CATALAN, bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    document = read_file(path)
    assert document.encoding == "utf-8-sig"
    assert document.text == CATALAN.strip()
    assert "\ufeff" not in document.text


WINDOWS_1252 = (
    "Interviewer: What’s changed since 2010?\n\n"
    "Sarah Malik: “Austerity” — that’s the short answer. Rents rose by £200 a month; "
    "the café on the corner closed.\n"
)


def test_windows_1252_is_detected_and_decoded(corpus: Path, write_text) -> None:
    path = write_text(corpus / "b.txt", WINDOWS_1252, encoding="cp1252")
    raw = path.read_bytes()
    assert b"\x92" in raw and b"\x93" in raw and b"\x97" in raw  # curly quote, “, em dash
    document = read_file(path)
    assert document.encoding == "cp1252"
    assert document.text == WINDOWS_1252.strip()


# Short files were mis-decoded as DOS cp850 (— became ù, € became Ç) or not decoded at all by
# the statistical detector the reader used before.
@pytest.mark.parametrize(
    "content",
    ["A: —\n", "A: € the\n", "Q: d’una manera… clara\n", "A: — de í més però ñ més\n"],
)
def test_short_windows_1252_files(corpus: Path, write_text, content: str) -> None:
    document = read_file(write_text(corpus / "short.txt", content, encoding="cp1252"))
    assert (document.text, document.encoding) == (content.strip(), "cp1252")


LATIN_1 = (
    "Entrevistadora: Què passa a la plaça?\n\n"
    "Joan: La façana és vella i ara està pitjor. "
    "El niño no va a l'escola, diu la senyora Núñez.\n"
)


def test_latin_1_is_detected_and_decoded(corpus: Path, write_text) -> None:
    path = write_text(corpus / "l.txt", LATIN_1, encoding="latin_1")
    raw = path.read_bytes()
    assert not any(0x80 <= byte <= 0x9F for byte in raw)
    assert b"\xe0" in raw and b"\xe7" in raw and b"\xf1" in raw  # à ç ñ
    document = read_file(path)
    assert document.encoding == "latin_1"
    assert document.text == LATIN_1.strip()


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(corpus: Path, write_text, encoding: str) -> None:
    path = write_text(corpus / "u.txt", WINDOWS_1252, encoding=encoding, bom=True)
    document = read_file(path)
    assert document.encoding == "utf-16"
    assert document.text == WINDOWS_1252.strip()
    assert "\ufeff" not in document.text


def test_utf16_bom_with_broken_body_is_a_reader_error(corpus: Path) -> None:
    path = corpus / "u.txt"
    path.write_bytes(b"\xff\xfe" + "Q: Hola\n".encode("utf-16-le") + b"\x00\xd8")  # lone surrogate
    with pytest.raises(ReaderError, match="byte-order mark but is not valid utf-16"):
        read_file(path)


def test_crlf_and_cr_line_endings_are_normalised(corpus: Path, write_text) -> None:
    path = write_text(corpus / "w.txt", ENGLISH, newline="\r\n")
    assert b"\r\n" in path.read_bytes()
    document = read_file(path)
    assert "\r" not in document.text
    assert [p.text for p in document.paragraphs] == [
        "Interviewer: How long have you lived in Aston?",
        "Sarah Malik: Twelve years.",
    ]
    old_mac = read_file(write_text(corpus / "m.txt", ENGLISH, newline="\r"))
    assert old_mac.text == document.text


# -- front matter ----------------------------------------------------------------------------


def test_front_matter_is_parsed_and_stripped(corpus: Path, write_text) -> None:
    front = (
        "City: Birmingham\ninterviewee_role: Council officer\ndate: 2025-03-12\n"
        "language: en\ninterviewer: [Marta Soler, Q]"
    )
    path = write_text(corpus / "b.md", "\n" + ENGLISH, front_matter=front)
    document = read_file(path)
    assert document.format == "md"
    assert document.properties == {
        "city": "Birmingham",
        "interviewee_role": "Council officer",
        "date": "2025-03-12",
        "language": "en",
        "interviewer": "Marta Soler; Q",
    }
    assert document.text == ENGLISH.strip()
    assert "---" not in document.text and "Birmingham" not in document.text
    assert_paragraphs_slice_text(document)


def test_front_matter_in_a_text_file_too(corpus: Path, write_text) -> None:
    path = write_text(corpus / "c.txt", CATALAN, front_matter="city: Barcelona", newline="\r\n")
    document = read_file(path)
    assert document.properties == {"city": "Barcelona"}
    assert document.text == CATALAN.strip()


def test_invalid_front_matter_names_the_line(corpus: Path, write_text) -> None:
    front = "city: Birmingham\nrole: officer\norganisation: [Council\n"
    path = write_text(corpus / "b.md", ENGLISH, front_matter=front)
    with pytest.raises(ReaderError) as caught:
        read_file(path)
    error = caught.value
    assert error.path == path
    assert error.line is not None and 4 <= error.line <= 6  # the bracket opened on line 4
    assert "front matter is not valid YAML" in error.message
    assert str(error).startswith(f"{path}:{error.line}: front matter is not valid YAML")


def test_unclosed_front_matter(corpus: Path, write_text) -> None:
    path = write_text(corpus / "b.md", "---\ncity: Birmingham\n\n" + ENGLISH)
    with pytest.raises(ReaderError, match="never closed") as caught:
        read_file(path)
    assert caught.value.line == 1


def test_front_matter_must_be_a_mapping(corpus: Path, write_text) -> None:
    path = write_text(corpus / "b.md", ENGLISH, front_matter="- just\n- a list")
    with pytest.raises(ReaderError, match="must be a mapping"):
        read_file(path)


def test_a_rule_that_is_not_front_matter_stays_text(corpus: Path, write_text) -> None:
    content = "Interviewer: Hello.\n\n---\n\nSarah: Hi.\n"
    document = read_file(write_text(corpus / "b.md", content))
    assert document.properties == {}
    assert document.text == content.strip()


# -- Word ------------------------------------------------------------------------------------


@pytest.fixture
def word_transcript(corpus: Path, write_docx) -> Path:
    return write_docx(
        corpus / "b02.docx",
        [
            ("Title", "Interview B02 (illustrative)"),
            ("Speaker", "Interviewer"),
            "What does community wealth building mean here?",
            ("Speaker", "Dr Helen O’Brien"),
            "It means keeping the money local.",
            [["Anchor", "Local spend"], ["Hospital", "40%"]],
            ("italic", "(Laughs.)"),
            "The hospital is the biggest employer.",
        ],
        properties={"title": "B02", "language": "en-GB", "subject": "anchor institutions"},
        header="CONFIDENTIAL HEADER",
        footer="Page footer text",
        comment=(4, "Reviewer note: check this figure"),
    )


def test_docx_body_and_tables_in_document_order(word_transcript: Path) -> None:
    document = read_file(word_transcript)
    assert document.format == "docx" and document.encoding is None
    assert [p.text for p in document.paragraphs] == [
        "Interview B02 (illustrative)",
        "Interviewer",
        "What does community wealth building mean here?",
        "Dr Helen O’Brien",
        "It means keeping the money local.",
        "Anchor | Local spend",
        "Hospital | 40%",
        "(Laughs.)",
        "The hospital is the biggest employer.",
    ]
    assert document.text == "\n".join(p.text for p in document.paragraphs)
    assert_paragraphs_slice_text(document)


def test_docx_leaves_out_headers_footers_and_comments(word_transcript: Path) -> None:
    with zipfile.ZipFile(word_transcript) as package:
        parts = " ".join(
            package.read(name).decode() for name in package.namelist() if name.endswith(".xml")
        )
    for hidden in ("CONFIDENTIAL HEADER", "Page footer text", "Reviewer note"):
        assert hidden in parts  # the file does hold it...
    text = read_file(word_transcript).text
    for hidden in ("CONFIDENTIAL", "footer", "Reviewer note"):
        assert hidden not in text  # ...but the transcript's text does not


def test_docx_keeps_styles_italics_and_properties(word_transcript: Path) -> None:
    document = read_file(word_transcript)
    by_text = {p.text: p for p in document.paragraphs}
    assert by_text["Interviewer"].style == "Speaker"
    assert by_text["Dr Helen O’Brien"].style == "Speaker"
    assert by_text["Interview B02 (illustrative)"].style == "Title"
    assert by_text["It means keeping the money local."].style == "Normal"
    assert by_text["Hospital | 40%"].in_table and not by_text["Interviewer"].in_table
    assert by_text["(Laughs.)"].italic and not by_text["Interviewer"].italic
    assert document.properties["title"] == "B02"
    assert document.properties["language"] == "en-GB"
    assert document.properties["subject"] == "anchor institutions"


def test_docx_empty_paragraphs_are_dropped(corpus: Path, write_docx) -> None:
    path = write_docx(corpus / "e.docx", ["", "Q: Hola.", "   ", "A: Bon dia."])
    document = read_file(path)
    assert document.text == "Q: Hola.\nA: Bon dia."
    assert_paragraphs_slice_text(document)


# -- files that cannot be read ---------------------------------------------------------------


def reason(path: Path) -> str:
    with pytest.raises(ReaderError) as caught:
        read_file(path)
    assert caught.value.path == path
    return caught.value.message


def test_empty_file(corpus: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    assert reason(corpus / "empty.txt") == "file is empty"


def test_blank_file(corpus: Path) -> None:
    (corpus / "blank.md").write_text("\n\n   \n\t\n")
    assert reason(corpus / "blank.md") == "no text found in the file"


def test_docx_without_text(corpus: Path, write_docx) -> None:
    assert reason(write_docx(corpus / "blank.docx", ["", " "])) == "no text found in the file"


def test_random_bytes_named_docx(corpus: Path) -> None:
    path = corpus / "junk.docx"
    path.write_bytes(random.Random(7).randbytes(4096))
    assert reason(path) == "not a valid .docx file (it is not a zip package)"


def test_truncated_docx(corpus: Path, word_transcript: Path) -> None:
    data = word_transcript.read_bytes()
    path = corpus / "truncated.docx"
    path.write_bytes(data[: len(data) // 2])
    assert reason(path).startswith("not a valid .docx file")


def test_zip_that_is_not_a_word_document(corpus: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a Word document")
    path = corpus / "archive.docx"
    path.write_bytes(buffer.getvalue())
    assert reason(path).startswith("not a valid .docx file")


def test_password_protected_or_old_word_file(corpus: Path) -> None:
    path = corpus / "locked.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)
    with pytest.raises(ReaderError) as caught:
        read_file(path)
    assert caught.value.message.startswith("password-protected or old-format Word file")
    assert "save it as .docx" in str(caught.value)


def test_binary_file_named_txt(corpus: Path) -> None:
    path = corpus / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    assert reason(path) == "binary file, not text (contains NUL bytes)"


@pytest.mark.parametrize("name", ["interview.mp3", "photo.JPG", "NOTES"])
def test_unsupported_file_type(corpus: Path, name: str) -> None:
    path = corpus / name
    path.write_text("Interviewer: Hello.\n")
    message = reason(path)
    expected = path.suffix or name
    known = ", ".join(supported_suffixes())
    assert ".docx, " in known and ".txt" in known
    assert message == f"unsupported file type '{expected}' (qualcode reads {known})"


def test_missing_file(corpus: Path) -> None:
    assert reason(corpus / "gone.txt").startswith("cannot read file")


# -- paragraphs ------------------------------------------------------------------------------


def test_text_paragraphs_slice_the_text(corpus: Path, write_text) -> None:
    content = (
        "Interview notes, not speech.\n\n"
        "  Interviewer: A question that is\n  wrapped over two lines?\n"
        "Sarah: An answer written right below it.\n\n\n"
        "(Laughter.)\n"
        "Sarah: And another one… with “quotes” and l’accent.\n"
    )
    document = read_file(write_text(corpus / "p.txt", content))
    assert_paragraphs_slice_text(document)
    assert [p.text for p in document.paragraphs] == [
        "Interview notes, not speech.",
        "Interviewer: A question that is\n  wrapped over two lines?",
        "Sarah: An answer written right below it.",
        "(Laughter.)",
        "Sarah: And another one… with “quotes” and l’accent.",
    ]


def test_a_line_below_another_is_split_off_only_by_a_label_direction_or_clock(
    corpus: Path, write_text
) -> None:
    """What the reader checks of a line below another in its block (and only of such a line)."""
    content = (
        "   \n"
        "[00:00:05]\n"
        "Sarah: one line alone.\n\n"
        "(Riu.)\n\n"
        "10:42\n\n"
        "Malik: first\n"
        "  wrapped on, not a label: no\n"
        "Sarah: a label splits\n"
        "[inaudible]\n"
        "so: a lower-case word is no label\n"
        "10:43\n"
        "  \t  \n"
        "last"
    )
    document = read_file(write_text(corpus / "s.txt", content))
    assert_paragraphs_slice_text(document)
    assert [p.text for p in document.paragraphs] == [
        "[00:00:05]",
        "Sarah: one line alone.",
        "(Riu.)",
        "10:42",
        "Malik: first\n  wrapped on, not a label: no",
        "Sarah: a label splits",
        "[inaudible]",
        "so: a lower-case word is no label",
        "10:43",
        "last",
    ]


def test_markdown_headings_are_paragraphs_of_their_own(corpus: Path, write_text) -> None:
    content = "# Interview B04\n**Interviewer:** Hello.\n## Part two\n**Delroy:** Hi.\n"
    document = read_file(write_text(corpus / "b.md", content))
    assert [(p.text, p.style) for p in document.paragraphs] == [
        ("# Interview B04", "heading"),
        ("**Interviewer:** Hello.", None),
        ("## Part two", "heading"),
        ("**Delroy:** Hi.", None),
    ]


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("old.doc", "an old Word file: save it as .docx in Word or LibreOffice"),
        ("old.XLS", "an old Excel file: save it as .xlsx in Excel or LibreOffice"),
    ],
)
def test_old_office_formats_get_the_hint_to_convert(corpus: Path, name: str, hint: str) -> None:
    path = corpus / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(ReaderError) as caught:
        read_file(path)
    assert caught.value.hint == hint
    assert caught.value.detail().endswith(
        f"(qualcode reads {', '.join(supported_suffixes())}) ({hint})"
    )


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _with_body(source: Path, target: Path, body: str) -> Path:
    """A copy of a Word file whose body is ``body`` (WordprocessingML, ``w:`` prefix)."""
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}">'
        f"<w:body>{body}</w:body></w:document>"
    )
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = document.encode() if info.filename == "word/document.xml" else old.read(info)
            new.writestr(info, data)
    return target


def test_docx_tracked_changes_as_accepted(corpus: Path, write_docx) -> None:
    source = write_docx(corpus / "plain.docx", ["x"])
    body = (
        "<w:p><w:r><w:t xml:space='preserve'>Sarah: rents are </w:t></w:r>"
        "<w:ins w:id='1' w:author='A'><w:r><w:rPr><w:i/></w:rPr><w:t>un</w:t></w:r>"
        "<w:hyperlink><w:r><w:t>affordable</w:t></w:r></w:hyperlink></w:ins>"
        "<w:del w:id='2' w:author='A'><w:r><w:delText> cheap</w:delText></w:r></w:del>"
        "<w:moveFrom w:id='3' w:author='A'><w:r><w:t> moved away</w:t></w:r></w:moveFrom>"
        "<w:moveTo w:id='4' w:author='A'><w:r><w:t> now</w:t></w:r></w:moveTo>"
        "<w:r><w:t>.</w:t></w:r></w:p>"
        "<w:p><w:ins w:id='5' w:author='A'><w:r><w:rPr><w:i/></w:rPr>"
        "<w:t>(Laughs.)</w:t></w:r></w:ins></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:ins w:id='6' w:author='A'><w:r><w:t>inserted</w:t></w:r>"
        "</w:ins><w:del w:id='7' w:author='A'><w:r><w:delText>deleted</w:delText></w:r></w:del>"
        "</w:p></w:tc><w:tc><w:p><w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    )
    document = read_file(_with_body(source, corpus / "tracked.docx", body))
    assert document.text == "Sarah: rents are unaffordable now.\n(Laughs.)\ninserted | cell"
    assert [paragraph.italic for paragraph in document.paragraphs] == [False, True, False]


def test_docx_run_contents_read_as_python_docx_reads_them(corpus: Path, write_docx) -> None:
    """Tabs, line breaks, soft returns and non-breaking hyphens are text; page breaks are not; a
    run's italics may be switched off (``w:val="0"``) inside an italic style."""
    source = write_docx(corpus / "plain.docx", ["x"])
    body = (
        "<w:p><w:r><w:t>Q1</w:t><w:tab/><w:t>rents</w:t><w:br/><w:t>up</w:t>"
        "<w:br w:type='page'/><w:t>co</w:t><w:noBreakHyphen/><w:t>op</w:t><w:cr/>"
        "<w:ptab w:relativeTo='margin' w:alignment='right' w:leader='none'/><w:t>end</w:t>"
        "</w:r></w:p>"
        "<w:p><w:r><w:rPr><w:i w:val='true'/></w:rPr><w:t>(Pause.)</w:t></w:r>"
        "<w:r><w:rPr><w:i w:val='on'/></w:rPr><w:t> </w:t></w:r></w:p>"
        "<w:p><w:r><w:rPr><w:i w:val='0'/></w:rPr><w:t>Not in italics</w:t></w:r></w:p>"
    )
    document = read_file(_with_body(source, corpus / "runs.docx", body))
    assert document.text == "Q1\trents\nupco-op\n\tend\n(Pause.)\nNot in italics"
    assert [paragraph.italic for paragraph in document.paragraphs] == [False, True, False]


def test_docx_invalid_italic_value_is_a_reader_error(corpus: Path, write_docx) -> None:
    source = write_docx(corpus / "plain.docx", ["x"])
    body = "<w:p><w:r><w:rPr><w:i w:val='maybe'/></w:rPr><w:t>text</w:t></w:r></w:p>"
    with pytest.raises(ReaderError):
        read_file(_with_body(source, corpus / "bad-italic.docx", body))


def test_docx_deeply_nested_inline_elements_are_read_without_recursion(
    corpus: Path, write_docx
) -> None:
    source = write_docx(corpus / "plain.docx", ["x"])
    depth = 200  # lxml refuses deeper trees than 256 without its huge-tree option
    body = "<w:p>" + "<w:smartTag>" * depth + "<w:r><w:t>deep</w:t></w:r>"
    body += "</w:smartTag>" * depth + "</w:p>"
    assert read_file(_with_body(source, corpus / "deep.docx", body)).text == "deep"


@pytest.mark.parametrize(
    "escape",
    ["\\u99999999999?", "\\u" + "9" * 5000 + "?", "\\u-99999999?", "\\u1114112?"],
)
def test_rtf_escape_past_unicode_becomes_a_replacement_character(corpus: Path, escape: str) -> None:
    path = corpus / "odd.rtf"
    path.write_text("{\\rtf1\\ansi\\uc1 Sarah: rents " + escape + " high.\\par}", encoding="ascii")
    assert read_file(path).text == "Sarah: rents \ufffd high."


def test_rtf_escaped_backslash_is_not_an_escape(corpus: Path) -> None:
    path = corpus / "odd.rtf"
    path.write_text("{\\rtf1\\ansi Sarah: C:\\\\u99999999999 folder.\\par}", encoding="ascii")
    assert read_file(path).text == "Sarah: C:\\u99999999999 folder."


def test_front_matter_values_are_text_or_lists_of_text(corpus: Path) -> None:
    path = corpus / "t.txt"
    path.write_text("---\ncity: Barcelona\ntags: [housing, rent]\nwho:\n  name: Ana\n---\nA: hi\n")
    with pytest.raises(ReaderError) as caught:
        read_file(path)
    assert caught.value.line == 4
    assert caught.value.message == (
        "front matter value of 'who' must be text or a list of texts, not a nested structure"
    )
    path.write_text("---\ncity: Barcelona\ntags: [housing, rent]\n---\nA: hi\n")
    assert read_file(path).properties == {"city": "Barcelona", "tags": "housing; rent"}


def test_rtf_uc_without_its_number_is_the_default(corpus: Path) -> None:
    path = corpus / "odd.rtf"
    path.write_text("{\\rtf1\\ansi Sarah: \\uc \\u8217? rents \\ucx high.\\par}", encoding="ascii")
    assert read_file(path).text == "Sarah: \u2019 rents high."


def test_xlsx_whose_parts_lack_required_attributes(corpus: Path) -> None:
    from hostile import ROWS, deflated, replaced, write_zip, xlsx_bytes

    data = xlsx_bytes(ROWS)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        types = package.read("[Content_Types].xml")
    broken = types.replace(b"ContentType=", b"Kind=", 1)
    path = write_zip(corpus / "t.xlsx", replaced(data, deflated("[Content_Types].xml", broken)))
    assert reason(path) == (
        "corrupt .xlsx file: openpyxl cannot read its structure (TypeError: "
        "FileExtension.__init__() got an unexpected keyword argument 'Kind')"
    )
