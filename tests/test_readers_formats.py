"""More transcript formats: ODT, PDF, WebVTT, SRT, RTF and spreadsheets of turns.

Every fixture is written here, by the test that reads it, with the library that writes that
format (odfpy, fpdf2, webvtt-py, openpyxl, csv; RTF by a small writer with proper escapes, as no
maintained library writes it). Each format goes through qualcode's ingest into a real project, and
the segments read back from the store must slice the stored text exactly.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Callable, Sequence
from datetime import time
from pathlib import Path

import openpyxl
import pytest
import webvtt
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from odf import dc, meta
from odf.opendocument import OpenDocumentText
from odf.style import Header, MasterPage, PageLayout, Style, TextProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, List, ListItem, Note, NoteBody, NoteCitation, P, S

from qualcode.errors import ReaderError
from qualcode.ingest import ingest
from qualcode.ingest.roles import RoleResolver
from qualcode.ingest.segment import segment_document
from qualcode.models import ReadDocument, Role, Segment, Unit
from qualcode.readers import read_file, supported_suffixes
from qualcode.readers.table_reader import detect_columns
from qualcode.speakers import DEFAULT_INTERVIEWER_LABELS
from qualcode.store import Store

ROLES = RoleResolver(DEFAULT_INTERVIEWER_LABELS)


# -- checks shared by every format -----------------------------------------------------------


def assert_paragraphs_slice_text(document: ReadDocument) -> None:
    assert document.paragraphs, "a readable document has paragraphs"
    previous_end = -1
    for paragraph in document.paragraphs:
        assert document.text[paragraph.start_char : paragraph.end_char] == paragraph.text
        assert paragraph.text == paragraph.text.strip() and paragraph.text
        assert paragraph.start_char > previous_end
        previous_end = paragraph.end_char


def ingest_and_read_back(project: Path, *paths: Path) -> dict[str, tuple[str, list[Segment]]]:
    """Ingest into a project; return {name: (stored text, stored segments)}, spans checked."""
    with Store.open(project, create=True) as store:
        result = ingest(store, list(paths))
        assert not result.failed, [(f.name, f.reason) for f in result.failed]
        found: dict[str, tuple[str, list[Segment]]] = {}
        for document in store.documents():
            text = store.document_text(document.document_id)
            segments = store.segments(document.document_id)
            assert segments, document.name
            for segment in segments:
                assert text[segment.start_char : segment.end_char] == segment.text
                assert segment.text == segment.text.strip() and segment.text
            found[document.name] = (text, segments)
        return found


def turns(segments: Sequence[Segment]) -> list[tuple[str | None, str]]:
    return [(segment.speaker, segment.text) for segment in segments]


# -- writers -----------------------------------------------------------------------------------


def write_odt(path: Path, *, with_extras: bool = True) -> Path:
    """A LibreOffice-style interview: speaker-style paragraphs, an italic stage direction, a
    table, a list, a footnote and a page header (the last two must not reach the text)."""
    document = OpenDocumentText()
    speaker = Style(name="Intervinent", displayname="Intervinent", family="paragraph")
    document.styles.addElement(speaker)
    normal = Style(name="Text_20_normal", displayname="Text normal", family="paragraph")
    document.styles.addElement(normal)
    # LibreOffice wraps user styles in automatic ones (P1...); italics often live there.
    automatic_speaker = Style(name="P1", family="paragraph", parentstylename="Intervinent")
    document.automaticstyles.addElement(automatic_speaker)
    stage = Style(name="P2", family="paragraph", parentstylename="Text_20_normal")
    stage.addElement(TextProperties(fontstyle="italic"))
    document.automaticstyles.addElement(stage)
    layout = PageLayout(name="pm1")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    header = Header()
    header.addElement(P(text="Entrevista BCN-07 · confidencial"))
    master.addElement(header)
    document.masterstyles.addElement(master)

    document.text.addElement(H(outlinelevel=1, text="Entrevista a Roquetes"))
    document.text.addElement(P(stylename=automatic_speaker, text="Entrevistadora"))
    document.text.addElement(P(stylename=normal, text="Quant fa que viu a Roquetes?"))
    document.text.addElement(P(stylename=speaker, text="Rosa Martínez"))
    answer = P(stylename=normal)
    answer.addText("Des del 1974, a l’escala B.")
    answer.addElement(S(c=2))
    answer.addText("L’habitatge")
    if with_extras:
        note = Note(noteclass="footnote", id="ftn1")
        note.addElement(NoteCitation(text="1"))
        body = NoteBody()
        body.addElement(P(text="Nota de la transcriptora: FOOTNOTE-TEXT"))
        note.addElement(body)
        answer.addElement(note)
    answer.addText(" és car.")
    document.text.addElement(answer)
    document.text.addElement(P(stylename=stage, text="Riu."))
    bullets = List()
    item = ListItem()
    item.addElement(P(stylename=normal, text="i el lloguer puja cada any."))
    bullets.addElement(item)
    document.text.addElement(bullets)
    if with_extras:
        table = Table(name="Dades")
        table.addElement(TableColumn(numbercolumnsrepeated=2))
        for cells in (("Any", "Lloguer"), ("2010", "450 €")):
            row = TableRow()
            for value in cells:
                cell = TableCell()
                cell.addElement(P(text=value))
                row.addElement(cell)
            table.addElement(row)
        document.text.addElement(table)
    document.meta.addElement(dc.Title(text="Entrevista BCN-07"))
    document.meta.addElement(meta.InitialCreator(text="Marta Soler"))
    document.meta.addElement(dc.Language(text="ca"))
    document.save(str(path))
    return path


class _TranscriptPDF(FPDF):
    def __init__(self, running_header: str | None, numbered: bool) -> None:
        super().__init__()
        self.core_fonts_encoding = "windows-1252"  # typographic quotes and the euro sign
        self.running_header = running_header
        self.numbered = numbered

    def header(self) -> None:
        if self.running_header:
            self.set_font("helvetica", "I", 9)
            self.cell(0, 8, self.running_header, align="C", new_x="LMARGIN", new_y="NEXT")
            self.ln(4)

    def footer(self) -> None:
        if self.numbered:
            self.set_y(-15)
            self.set_font("helvetica", size=9)
            self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")


def write_pdf(
    path: Path,
    pages: Sequence[Sequence[Sequence[str]]],
    *,
    running_header: str | None = "Interview BHM-03 - Aston",
    numbered: bool = True,
    properties: dict[str, str] | None = None,
) -> Path:
    """A PDF whose pages hold paragraphs given line by line, so line ends are where the test says
    (hyphenated words included); paragraphs are separated by a wider gap, as word processors do."""
    pdf = _TranscriptPDF(running_header, numbered)
    pdf.set_auto_page_break(False)
    for paragraphs in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=11)
        for lines in paragraphs:
            for line in lines:
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
    for key, value in (properties or {}).items():
        getattr(pdf, f"set_{key}")(value)
    pdf.output(str(path))
    return path


def write_scanned_pdf(path: Path) -> Path:
    """Two pages that are only a picture, as a scanner makes them: no text layer at all."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).rectangle((40, 40, 360, 60), fill="black")  # a "line of text"
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.image(image, x=10, y=10, w=190)
    pdf.output(str(path))
    return path


def write_captions(path: Path, cues: Sequence[tuple[str, str, str]], *, header: str = "") -> Path:
    """Write (start, end, text) cues with webvtt-py: .vtt or, by the suffix, .srt."""
    captions = webvtt.WebVTT(
        captions=[webvtt.Caption(start, end, text) for start, end, text in cues]
    )
    if path.suffix == ".srt":
        with path.open("w", encoding="utf-8") as handle:
            captions.write(handle, format="srt")
    else:
        buffer = io.StringIO()
        captions.write(buffer)
        content = buffer.getvalue()
        if header:
            content = content.replace("WEBVTT", f"WEBVTT{header}", 1)
        path.write_text(content, encoding="utf-8")
    return path


def rtf_escape(text: str, code_page: str | None = None) -> str:
    r"""RTF for plain text: \, { and } escaped; other characters as \'xx in the code page when
    given and possible, else as \uN? (signed 16-bit, surrogate pairs beyond the BMP)."""
    out: list[str] = []
    for char in text:
        if char in "\\{}":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\line ")
        elif ord(char) < 128:
            out.append(char)
        else:
            if code_page is not None:
                try:
                    out.append("".join(f"\\'{byte:02x}" for byte in char.encode(code_page)))
                    continue
                except UnicodeEncodeError:
                    pass
            for unit in _utf16_units(char):
                out.append(f"\\u{unit - 65536 if unit > 32767 else unit}?")
    return "".join(out)


def _utf16_units(char: str) -> list[int]:
    data = char.encode("utf-16-le")
    return [int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)]


def write_rtf(
    path: Path,
    paragraphs: Sequence[str | list[str]],
    *,
    code_page: str | None = None,
    title: str | None = None,
) -> Path:
    """An RTF document: paragraphs (a list is a table row), a header and a footnote that must
    not reach the text, and an optional title in the info group."""
    body: list[str] = []
    for paragraph in paragraphs:
        if isinstance(paragraph, list):
            cells = "".join(
                f"\\pard\\intbl {rtf_escape(cell, code_page)}\\cell " for cell in paragraph
            )
            edges = "".join(f"\\cellx{2000 * (i + 1)}" for i in range(len(paragraph)))
            body.append(f"\\trowd{edges}{cells}\\row")
        else:
            body.append(f"\\pard\\plain {rtf_escape(paragraph, code_page)}\\par")
    info = f"{{\\info{{\\title {rtf_escape(title, code_page)}}}}}" if title else ""
    rtf = (
        "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\froman Times New Roman;}}"
        f"{info}{{\\header\\pard HEADER-TEXT\\par}}\n"
        + "\n".join(body)
        + "{\\footnote\\pard FOOTNOTE-TEXT\\par}}\n"
    )
    path.write_bytes(rtf.encode("ascii"))
    return path


def write_csv(
    path: Path, rows: Sequence[Sequence[str]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], *, title: str | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    if title:
        workbook.properties.title = title
    workbook.save(path)
    return path


# -- ODT ---------------------------------------------------------------------------------------


def test_odt_reads_paragraphs_styles_lists_and_tables_in_order(corpus: Path) -> None:
    document = read_file(write_odt(corpus / "bcn07.odt"))
    assert_paragraphs_slice_text(document)
    assert document.format == "odt"
    assert [(p.text, p.style, p.italic, p.in_table) for p in document.paragraphs] == [
        ("Entrevista a Roquetes", "Heading", False, False),
        ("Entrevistadora", "Intervinent", False, False),
        ("Quant fa que viu a Roquetes?", "Text normal", False, False),
        ("Rosa Martínez", "Intervinent", False, False),
        ("Des del 1974, a l’escala B.  L’habitatge és car.", "Text normal", False, False),
        ("Riu.", "Text normal", True, False),
        ("i el lloguer puja cada any.", "Text normal", False, False),
        ("Any | Lloguer", "table", False, True),
        ("2010 | 450 €", "table", False, True),
    ]
    assert "FOOTNOTE-TEXT" not in document.text and "confidencial" not in document.text
    assert document.properties == {
        "title": "Entrevista BCN-07",
        "author": "Marta Soler",
        "language": "ca",
    }


def test_odt_speaker_styles_make_turns_and_italics_are_not_speech(
    corpus: Path, project_path: Path
) -> None:
    write_odt(corpus / "bcn07.odt", with_extras=False)
    ((_, segments),) = ingest_and_read_back(project_path, corpus).values()
    assert turns(segments) == [
        ("Entrevistadora", "Quant fa que viu a Roquetes?"),
        ("Rosa Martínez", "Des del 1974, a l’escala B.  L’habitatge és car."),
        ("Rosa Martínez", "i el lloguer puja cada any."),  # after the stage direction, same turn
    ]
    assert segments[0].role is Role.INTERVIEWER and segments[1].role is Role.RESPONDENT
    assert segments[1].turn == segments[2].turn


# -- PDF ---------------------------------------------------------------------------------------

PDF_PAGES = [
    [
        ["Interviewer: What has changed in Aston since 2010?"],
        [
            "Sarah Malik: The council lost half its budget. What people feel is inequal-",
            "ity, plain and simple, and it is a well-known story: rents went up by £200 a",
            "month and the “community” centre closed.",
        ],
        ["Interviewer: And the housing associations?"],
    ],
    [
        [
            "Sarah Malik: They built, but not for us. A well-",
            "known developer took the site by the canal.",
        ],
        ["[inaudible]"],
        ["Interviewer: Thank you."],
    ],
    [
        ["Sarah Malik: You are welcome. Write it down: the people of Aston were not asked."],
    ],
]


def test_pdf_removes_running_lines_repairs_hyphens_and_keeps_pages(corpus: Path) -> None:
    path = write_pdf(corpus / "bhm03.pdf", PDF_PAGES, properties={"title": "BHM-03"})
    document = read_file(path)
    assert_paragraphs_slice_text(document)
    assert document.format == "pdf" and document.properties["title"] == "BHM-03"
    assert "Interview BHM-03" not in document.text  # running header
    assert "Page" not in document.text and " of 3" not in document.text  # page numbers
    assert [(p.page, p.text) for p in document.paragraphs] == [
        (1, "Interviewer: What has changed in Aston since 2010?"),
        (
            1,
            "Sarah Malik: The council lost half its budget. What people feel is inequality, "
            "plain and simple, and it is a well-known story: rents went up by £200 a month and "
            "the “community” centre closed.",
        ),
        (1, "Interviewer: And the housing associations?"),
        (
            2,
            "Sarah Malik: They built, but not for us. A well-known developer took the site by "
            "the canal.",
        ),
        (2, "[inaudible]"),
        (2, "Interviewer: Thank you."),
        (3, "Sarah Malik: You are welcome. Write it down: the people of Aston were not asked."),
    ]
    segments = segment_document(document, Unit.TURN, ROLES).segments
    assert [(s.page, s.speaker, s.role) for s in segments] == [
        (1, "Interviewer", Role.INTERVIEWER),
        (1, "Sarah Malik", Role.RESPONDENT),
        (1, "Interviewer", Role.INTERVIEWER),
        (2, "Sarah Malik", Role.RESPONDENT),
        (2, "Interviewer", Role.INTERVIEWER),
        (3, "Sarah Malik", Role.RESPONDENT),
    ]
    sentences = segment_document(document, Unit.SENTENCE, ROLES).segments
    assert {s.page for s in sentences} == {1, 2, 3}


def test_pdf_paragraph_running_over_a_page_break_stays_one(corpus: Path) -> None:
    pages = [
        [["Sarah Malik: Rents went up and the council said there was nothing it could"]],
        [["do about it, because the money had gone."], ["Interviewer: I see."]],
    ]
    document = read_file(write_pdf(corpus / "over.pdf", pages))
    assert [(p.page, p.text) for p in document.paragraphs] == [
        (
            1,
            "Sarah Malik: Rents went up and the council said there was nothing it could do "
            "about it, because the money had gone.",
        ),
        (2, "Interviewer: I see."),
    ]


def test_pdf_hyphens_of_catalan_pronouns_and_names_stay(corpus: Path) -> None:
    pages = [
        [
            [
                "Rosa: No ho volien mencionar-",
                "ho, però calia guanyar-",
                "se la confiança del barri i fer-",
                "la servir per a la lluita contra la desigual-",
                "tat, deia la Marie-",
                "Claire.",
            ]
        ],
    ]
    document = read_file(write_pdf(corpus / "ca.pdf", pages, running_header=None))
    assert document.paragraphs[0].text == (
        "Rosa: No ho volien mencionar-ho, però calia guanyar-se la confiança del barri i "
        "fer-la servir per a la lluita contra la desigualtat, deia la Marie-Claire."
    )


def test_pdf_running_lines_never_take_speech(corpus: Path) -> None:
    pages = [[["Interviewer: Next question."], ["Sarah Malik: Yes."]] for _ in range(3)]
    document = read_file(write_pdf(corpus / "same.pdf", pages))
    assert [p.text for p in document.paragraphs].count("Interviewer: Next question.") == 3


def test_single_page_pdf_keeps_every_line(corpus: Path) -> None:
    path = write_pdf(
        corpus / "one.pdf", [[["Interviewer: Hello."], ["Sarah Malik: Hello."]]], numbered=False
    )
    document = read_file(path)
    assert [p.text for p in document.paragraphs] == [
        "Interview BHM-03 - Aston",  # one page: nothing repeats, so nothing is a running header
        "Interviewer: Hello.",
        "Sarah Malik: Hello.",
    ]


def test_pdf_ingests_with_spans_that_slice_the_stored_text(
    corpus: Path, project_path: Path
) -> None:
    write_pdf(corpus / "bhm03.pdf", PDF_PAGES)
    ((text, segments),) = ingest_and_read_back(project_path, corpus).values()
    assert [s.speaker for s in segments] == [
        "Interviewer",
        "Sarah Malik",
        "Interviewer",
        "Sarah Malik",
        "Interviewer",
        "Sarah Malik",
    ]
    assert "inequality, plain" in segments[1].text and "[inaudible]" not in segments[3].text
    assert "[inaudible]" in text


def test_scanned_pdf_is_reported_as_such(corpus: Path) -> None:
    path = write_scanned_pdf(corpus / "scan.pdf")
    with pytest.raises(ReaderError, match=r"no text layer \(scanned PDF\?\)") as raised:
        read_file(path)
    assert "2 page(s)" in raised.value.message and "OCR" in str(raised.value)


# -- WebVTT and SRT ----------------------------------------------------------------------------


def test_vtt_voices_become_turns_with_start_and_end(corpus: Path, project_path: Path) -> None:
    cues = [
        ("00:00:01.000", "00:00:04.000", "<v Marta Soler>Bon dia, Rosa. Com va\ntot?</v>"),
        ("00:00:04.500", "00:00:07.000", "<v.loud Rosa Martínez>Molt bé &amp; gràcies."),
        ("00:00:07.000", "00:00:09.250", "L&#8217;habitatge <i>és</i> car."),  # same voice
        ("00:00:10.000", "00:00:12.000", "<v Marta Soler>Des de quan?"),
        ("00:00:12.000", "00:01:02.500", "<v Rosa Martínez>Des del 2010. <c.yellow>Sempre</c>."),
    ]
    path = write_captions(corpus / "bcn07.vtt", cues, header=" - Entrevista BCN-07\nLanguage: ca")
    document = read_file(path)
    assert_paragraphs_slice_text(document)
    assert (document.format, document.encoding) == ("vtt", "utf-8")
    assert document.properties == {"title": "Entrevista BCN-07", "language": "ca"}
    assert document.text.splitlines()[1] == (
        "[00:00:04.500] Rosa Martínez: Molt bé & gràcies. L’habitatge és car."
    )
    ((_, segments),) = ingest_and_read_back(project_path, corpus).values()
    assert [(s.speaker, s.timestamp, s.text, s.turn) for s in segments] == [
        ("Marta Soler", "00:00:01.000-00:00:04.000", "Bon dia, Rosa. Com va tot?", 0),
        ("Rosa Martínez", "00:00:04.500-00:00:09.250", "Molt bé & gràcies. L’habitatge és car.", 1),
        ("Marta Soler", "00:00:10.000-00:00:12.000", "Des de quan?", 2),
        ("Rosa Martínez", "00:00:12.000-00:01:02.500", "Des del 2010. Sempre.", 3),
    ]


def test_vtt_name_prefixes_mark_speakers_and_unlabelled_cues_continue(corpus: Path) -> None:
    cues = [
        ("00:00:01.000", "00:00:03.000", "Interviewer: How long have you lived in Aston?"),
        ("00:00:03.000", "00:00:05.000", "Sarah Malik: Twelve years."),
        ("00:00:05.000", "00:00:08.000", "Rents rose by £200."),
        ("00:00:08.000", "00:00:09.000", ">> INTERVIEWER: Why?"),
    ]
    document = read_file(write_captions(corpus / "zoom.vtt", cues))
    segments = segment_document(document, Unit.TURN, ROLES).segments
    assert [(s.speaker, s.role, s.timestamp, s.text) for s in segments] == [
        (
            "Interviewer",
            Role.INTERVIEWER,
            "00:00:01.000-00:00:03.000",
            "How long have you lived in Aston?",
        ),
        (
            "Sarah Malik",
            Role.RESPONDENT,
            "00:00:03.000-00:00:08.000",
            "Twelve years. Rents rose by £200.",
        ),
        ("INTERVIEWER", Role.INTERVIEWER, "00:00:08.000-00:00:09.000", "Why?"),
    ]


def test_vtt_without_speakers_is_one_voice_cut_at_pauses(corpus: Path) -> None:
    cues = [
        ("00:00:01.000", "00:00:03.000", "The council lost half its budget"),
        ("00:00:03.000", "00:00:05.000", "and nobody asked us."),
        ("00:00:09.000", "00:00:11.000", "Then the library closed."),  # a 4-second pause
    ]
    document = read_file(write_captions(corpus / "plain.vtt", cues))
    segments = segment_document(document, Unit.TURN, ROLES).segments
    assert [(s.speaker, s.role, s.timestamp, s.text) for s in segments] == [
        (
            None,
            None,
            "00:00:01.000-00:00:05.000",
            "The council lost half its budget and nobody asked us.",
        ),
        (None, None, "00:00:09.000-00:00:11.000", "Then the library closed."),
    ]


def test_rolling_captions_do_not_repeat_lines(corpus: Path) -> None:
    cues = [
        ("00:00:01.000", "00:00:02.000", "the rents went up"),
        ("00:00:02.000", "00:00:03.000", "the rents went up\nand the shops closed"),
    ]
    document = read_file(write_captions(corpus / "youtube.vtt", cues))
    assert document.paragraphs[0].text == "the rents went up and the shops closed"


def test_srt_in_windows_1252_with_labels_and_tags(corpus: Path, project_path: Path) -> None:
    cues = [
        ("00:00:01.000", "00:00:03.000", "Interviewer: How long have you\nlived in Aston?"),
        ("00:00:03.500", "00:00:06.000", "Sarah Malik: Twelve years &ndash; since 2012."),
        ("00:00:06.000", "00:00:08.000", "<i>Rents</i> rose by £200 — a lot."),
    ]
    path = write_captions(corpus / "bhm.srt", cues)
    path.write_bytes(path.read_text(encoding="utf-8").replace("\n", "\r\n").encode("cp1252"))
    document = read_file(path)
    assert_paragraphs_slice_text(document)
    assert (document.format, document.encoding) == ("srt", "cp1252")
    ((_, segments),) = ingest_and_read_back(project_path, corpus).values()
    assert [(s.speaker, s.timestamp, s.text) for s in segments] == [
        ("Interviewer", "00:00:01.000-00:00:03.000", "How long have you lived in Aston?"),
        (
            "Sarah Malik",
            "00:00:03.500-00:00:08.000",
            "Twelve years – since 2012. Rents rose by £200 — a lot.",
        ),
    ]


# -- RTF ---------------------------------------------------------------------------------------


def test_rtf_text_escapes_and_tables(corpus: Path, project_path: Path) -> None:
    paragraphs: list[str | list[str]] = [
        "Entrevistadora: Què passa a l’habitatge de la plaça?",
        "Rosa: La façana és vella {i bruta} &amp; ningú no fa res. 🏠",
        ["Any", "Lloguer"],
        ["2010", "450 €"],
    ]
    path = write_rtf(corpus / "bcn.rtf", paragraphs, code_page="cp1252", title="Entrevista Núria")
    document = read_file(path)
    assert_paragraphs_slice_text(document)
    assert (document.format, document.encoding) == ("rtf", "cp1252")
    assert document.properties == {"title": "Entrevista Núria"}
    assert [(p.text, p.in_table) for p in document.paragraphs] == [
        ("Entrevistadora: Què passa a l’habitatge de la plaça?", False),
        ("Rosa: La façana és vella {i bruta} & ningú no fa res. 🏠", False),
        ("Any | Lloguer", True),
        ("2010 | 450 €", True),
    ]
    assert "HEADER-TEXT" not in document.text and "FOOTNOTE-TEXT" not in document.text
    ((_, segments),) = ingest_and_read_back(project_path, corpus).values()
    assert [(s.speaker, s.role) for s in segments][:2] == [
        ("Entrevistadora", Role.INTERVIEWER),
        ("Rosa", Role.RESPONDENT),
    ]


def test_rtf_in_unicode_escapes_only(corpus: Path) -> None:
    path = write_rtf(corpus / "u.rtf", ["Rosa: L’habitatge és car — molt."])
    assert path.read_bytes().isascii()
    assert read_file(path).text == "Rosa: L’habitatge és car — molt."


# -- spreadsheets of turns ---------------------------------------------------------------------


def test_csv_of_turns_with_continuation_rows_and_codes(corpus: Path, project_path: Path) -> None:
    rows = [
        ["Timestamp", "Speaker", "Text", "Codes"],
        ["00:00:05", "Interviewer", "How long have you lived in Aston?", ""],
        ["00:00:09", "interviewee (Sarah)", "Twelve years.", "housing"],
        ["00:00:14", "", "Rents rose by £200, then the café closed.", "housing; austerity"],
        ["00:01:02", "Interviewer", "Why?", ""],
    ]
    write_csv(corpus / "bhm.csv", rows)
    document = read_file(corpus / "bhm.csv")
    assert_paragraphs_slice_text(document)
    assert (document.format, document.encoding) == ("csv", "utf-8")
    assert document.text.splitlines()[1] == "[00:00:09] interviewee (Sarah): Twelve years."
    assert [p.codes for p in document.paragraphs] == [(), ("housing", "austerity"), ()]
    ((_, segments),) = ingest_and_read_back(project_path, corpus).values()
    assert [(s.speaker, s.role, s.timestamp, s.text, s.turn) for s in segments] == [
        ("Interviewer", Role.INTERVIEWER, "00:00:05", "How long have you lived in Aston?", 0),
        (
            "interviewee (Sarah)",
            Role.RESPONDENT,
            "00:00:09",
            "Twelve years.\nRents rose by £200, then the café closed.",
            1,
        ),
        ("Interviewer", Role.INTERVIEWER, "00:01:02", "Why?", 2),
    ]


def test_spanish_csv_with_semicolons_in_windows_1252(corpus: Path) -> None:
    rows = [
        ["Inicio", "Fin", "Hablante", "Transcripción", "Códigos"],
        ["0:00:01", "0:00:04", "Entrevistador", "¿Desde cuándo vive aquí?", ""],
        [
            "0:00:04",
            "0:00:09",
            "Pilar Núñez",
            "Desde 1998; el alquiler subió un 40 % — mucho.",
            "vivienda",
        ],
    ]
    path = write_csv(corpus / "bcn.csv", rows, delimiter=";", encoding="cp1252")
    document = read_file(path)
    assert document.encoding == "cp1252"
    segments = segment_document(document, Unit.TURN, ROLES).segments
    assert [(s.speaker, s.role, s.timestamp, s.text) for s in segments] == [
        ("Entrevistador", Role.INTERVIEWER, "0:00:01-0:00:04", "¿Desde cuándo vive aquí?"),
        (
            "Pilar Núñez",
            Role.RESPONDENT,
            "0:00:04-0:00:09",
            "Desde 1998; el alquiler subió un 40 % — mucho.",
        ),
    ]
    assert document.paragraphs[1].codes == ("vivienda",)


def test_catalan_tsv_headers(corpus: Path) -> None:
    rows = [
        ["Temps", "Parlant", "Text"],
        ["00:10", "Entrevistadora", "I ara?"],
        ["00:12", "Jordi", "Ara, res."],
    ]
    document = read_file(write_csv(corpus / "bcn.tsv", rows, delimiter="\t"))
    segments = segment_document(document, Unit.TURN, ROLES).segments
    assert [(s.speaker, s.timestamp, s.text) for s in segments] == [
        ("Entrevistadora", "00:10", "I ara?"),
        ("Jordi", "00:12", "Ara, res."),
    ]


def test_xlsx_of_turns_with_time_cells(corpus: Path, project_path: Path) -> None:
    rows: list[list[object]] = [
        ["Interview BHM-05, transcribed by the agency"],  # a title row above the header
        ["Start time", "End time", "Speaker name", "Utterance", "Notes"],
        [time(0, 0, 5), time(0, 0, 9), "Q", "What do anchor institutions do here?", "x"],
        [time(0, 0, 9), time(0, 0, 20), "Tom Price", "The hospital buys locally now.", "y"],
        [None, time(0, 0, 31), None, "Mostly food and cleaning.", "z"],
    ]
    write_xlsx(corpus / "bhm05.xlsx", rows, title="BHM-05")
    document = read_file(corpus / "bhm05.xlsx")
    assert_paragraphs_slice_text(document)
    assert (document.format, document.encoding) == ("xlsx", None)
    assert document.properties["title"] == "BHM-05"
    assert "Notes" not in document.text and "x" not in document.text.split()
    ((_, segments),) = ingest_and_read_back(project_path, corpus).values()
    assert [(s.speaker, s.role, s.timestamp, s.text) for s in segments] == [
        ("Q", Role.INTERVIEWER, "00:00:05-00:00:09", "What do anchor institutions do here?"),
        (
            "Tom Price",
            Role.RESPONDENT,
            "00:00:09-00:00:31",
            "The hospital buys locally now.\nMostly food and cleaning.",
        ),
    ]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Speaker", "Text"], {"speaker": 0, "text": 1}),
        (
            ["hablante", "texto", "tiempo", "códigos"],
            {"speaker": 0, "text": 1, "timestamp": 2, "codes": 3},
        ),
        (
            ["Inici", "Fi", "Interlocutor", "Transcripció", "Codis"],
            {"timestamp": 0, "end": 1, "speaker": 2, "text": 3, "codes": 4},
        ),
        (["Nom", "Text", "Temps"], {"speaker": 0, "text": 1, "timestamp": 2}),
        (
            ["Start time (hh:mm:ss)", "End time", "Speaker name", "Text"],
            {"timestamp": 0, "end": 1, "speaker": 2, "text": 3},
        ),
        (["Who", "Utterance"], {"speaker": 0, "text": 1}),
        (["speakers", "words"], {"speaker": 0, "text": 1}),
        (["Speakers", "Words", "Text"], {"speaker": 0, "text": 2}),  # text is the surer name
        (["Speaker(s)", "Start", "Words"], {"speaker": 0, "timestamp": 1, "text": 2}),
    ],
)
def test_column_detection(headers: list[str], expected: dict[str, int]) -> None:
    columns = detect_columns(headers)
    assert columns is not None
    found = {
        role: getattr(columns, role) for role in ("speaker", "text", "timestamp", "end", "codes")
    }
    assert {role: index for role, index in found.items() if index is not None} == expected


def test_table_without_a_text_column_names_the_headers(corpus: Path) -> None:
    path = write_csv(corpus / "numbers.csv", [["Year", "Rent"], ["2010", "450"]])
    with pytest.raises(
        ReaderError, match="no column of turn text found: the headers are 'Year', 'Rent'"
    ):
        read_file(path)


# -- spans hold for any text ----------------------------------------------------------------

# Text with what the readers treat specially: tags, entities, labels, dashes, separators, quotes.
_PIECES = [
    *"abcAB ’'\"<>&;:-—|,.?\n\té",
    "&amp;",
    "&#8217;",
    "<v Ana>",
    "</v>",
    "<i>",
    "Ana: ",
    ">> ",
]
_TRICKY = st.lists(st.sampled_from(_PIECES), max_size=20).map("".join)
_CUES = st.lists(_TRICKY, min_size=1, max_size=6)


def _assert_segments_slice(document: ReadDocument) -> None:
    for unit in Unit:
        for segment in segment_document(document, unit, ROLES).segments:
            assert document.text[segment.start_char : segment.end_char] == segment.text


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cues=_CUES)
def test_any_subtitle_text_gives_spans_that_slice(tmp_path: Path, cues: list[str]) -> None:
    lines = ["WEBVTT", ""]
    for number, text in enumerate(cues):
        body = "\n".join(line for line in text.replace("-->", "->").split("\n") if line.strip())
        lines += [f"00:00:{number:02d}.000 --> 00:00:{number:02d}.900", body or "x", ""]
    lines += ["00:01:00.000 --> 00:01:01.000", "x", ""]  # so that the file has some text
    path = tmp_path / "any.vtt"
    path.write_text("\n".join(lines), encoding="utf-8")
    document = read_file(path)
    assert_paragraphs_slice_text(document)
    _assert_segments_slice(document)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(_TRICKY, _TRICKY, _TRICKY), min_size=1, max_size=6))
def test_any_table_text_gives_spans_that_slice(
    tmp_path: Path, rows: list[tuple[str, str, str]]
) -> None:
    path = write_csv(tmp_path / "any.csv", [["speaker", "text", "codes"], *rows, ["Ana", "x", ""]])
    document = read_file(path)
    assert_paragraphs_slice_text(document)
    _assert_segments_slice(document)


# -- broken files of every format, and all formats in one ingest --------------------------------

BrokenWriter = Callable[[Path], Path]


def _truncated(write: Callable[[Path], Path], keep: float) -> BrokenWriter:
    def make(path: Path) -> Path:
        write(path)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
        return path

    return make


def _bytes(data: bytes) -> BrokenWriter:
    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return make


def _zip_without_content(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    return path


def _odt_with_broken_xml(path: Path) -> Path:
    """A package whose content.xml was cut: odfpy alone would print it to stdout and go on."""
    write_odt(path)
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    parts["content.xml"] = parts["content.xml"][: len(parts["content.xml"]) // 2]
    with zipfile.ZipFile(path, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return path


BROKEN: dict[str, tuple[BrokenWriter, str]] = {
    "odt-broken-xml.odt": (
        _odt_with_broken_xml,
        "corrupt .odt file: 'content.xml' is not well-formed XML (line",
    ),
    "odt-not-zip.odt": (_bytes(b"PK not really a zip"), "not a valid .odt file"),
    "odt-empty-package.odt": (_zip_without_content, "content.xml is missing"),
    "pdf-garbage.pdf": (
        _bytes(b"%PDF-1.7\n this is not a PDF body at all"),
        "damaged or incomplete PDF",
    ),
    "pdf-cut.pdf": (
        _truncated(lambda p: write_pdf(p, PDF_PAGES), 0.7),
        "damaged or incomplete PDF",
    ),
    "pdf-not-pdf.pdf": (_bytes(b"Interviewer: hello"), "not a PDF file"),
    "vtt-no-header.vtt": (_bytes(b"00:00:01.000 --> 00:00:02.000\nHello\n"), "not a WebVTT file"),
    "srt-garbage.srt": (_bytes(b"Interviewer: this is no subtitle\n"), "not an SRT file"),
    "rtf-cut.rtf": (
        _truncated(lambda p: write_rtf(p, ["Rosa: una frase prou llarga per tallar-la."]), 0.5),
        "cut short",
    ),
    "rtf-not-rtf.rtf": (_bytes(b"Rosa: plain text with an rtf suffix\n"), "not an RTF file"),
    "xlsx-not-zip.xlsx": (_bytes(b"Speaker,Text\nA,b\n"), "not a valid .xlsx file"),
    "xlsx-cut.xlsx": (
        _truncated(lambda p: write_xlsx(p, [["Speaker", "Text"], ["Ana", "Hola"]]), 0.6),
        ".xlsx",
    ),
    "csv-binary.csv": (_bytes(b"Speaker,Text\n\x00\x01\x02"), "binary file"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_is_reported_and_skipped(
    name: str,
    corpus: Path,
    project_path: Path,
    write_text: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    make, reason = BROKEN[name]
    make(corpus / name)
    capsys.readouterr()
    write_text(corpus / "good.txt", "Interviewer: Hello?\n\nSarah Malik: Hello.\n")
    with Store.open(project_path, create=True) as store:
        result = ingest(store, [corpus])
        statuses = {f.name: (f.status, f.reason) for f in result.files}
        assert statuses["good.txt"] == ("added", None)
        status, message = statuses[name]
        assert status == "failed"
        assert message is not None and reason in message
        assert [d.name for d in store.documents()] == ["good.txt"]
    # The core never prints: no library may echo a broken file's content, nor log warnings that
    # would reach stderr through logging's last-resort handler.
    assert capsys.readouterr() == ("", "")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_every_format_in_one_folder(corpus: Path, project_path: Path) -> None:
    write_odt(corpus / "a.odt")
    write_pdf(corpus / "b.pdf", PDF_PAGES)
    write_captions(corpus / "c.vtt", [("00:00:01.000", "00:00:02.000", "<v Ana>Hola.")])
    write_captions(corpus / "d.srt", [("00:00:01.000", "00:00:02.000", "Ana: Hola.")])
    write_rtf(corpus / "e.rtf", ["Ana: Hola."])
    write_csv(corpus / "f.csv", [["speaker", "text"], ["Ana", "Hola."]])
    write_csv(corpus / "g.tsv", [["speaker", "text"], ["Ana", "Hola."]], delimiter="\t")
    write_xlsx(corpus / "h.xlsx", [["speaker", "text"], ["Ana", "Hola."]])
    write_scanned_pdf(corpus / "scan.pdf")
    with Store.open(project_path, create=True) as store:
        result = ingest(store, [corpus])
        assert {f.name: f.status for f in result.files} == {
            "a.odt": "added",
            "b.pdf": "added",
            "c.vtt": "added",
            "d.srt": "added",
            "e.rtf": "added",
            "f.csv": "added",
            "g.tsv": "added",
            "h.xlsx": "added",
            "scan.pdf": "failed",
        }
        assert {d.name: d.format for d in store.documents()} == {
            "a.odt": "odt",
            "b.pdf": "pdf",
            "c.vtt": "vtt",
            "d.srt": "srt",
            "e.rtf": "rtf",
            "f.csv": "csv",
            "g.tsv": "tsv",
            "h.xlsx": "xlsx",
        }
        for document in store.documents():
            text = store.document_text(document.document_id)
            for segment in store.segments(document.document_id):
                assert text[segment.start_char : segment.end_char] == segment.text
        # Re-ingesting unchanged files of every format writes nothing.
        again = ingest(store, [corpus])
        assert {f.status for f in again.files if f.name != "scan.pdf"} == {"unchanged"}


def test_new_suffixes_are_supported() -> None:
    assert {".odt", ".pdf", ".vtt", ".srt", ".rtf", ".csv", ".tsv", ".xlsx"} <= set(
        supported_suffixes()
    )
