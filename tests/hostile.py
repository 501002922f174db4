"""A hostile corpus of input files, made on demand: no binary is checked in.

Each :class:`Case` writes one file (or a small folder) that attacks or trips a reader — a
decompression bomb per zip format, a DOCTYPE with entities per XML format, XML that is not
well-formed or is nested thousands deep, a billion spaces asked for, malformed RTF escapes,
enormous CSV cells, broken metadata sidecars, tracked changes, an old Word file — with the command
that reads it, its expected exit code and the message qualcode must give.
``tests/test_hostile.py`` runs every case; ``python tests/hostile.py DIR`` writes the corpus to
look at.

Bombs are made cheaply: a megabyte of filler is deflated once after a full flush (which resets the
compressor's window, so the block is the same each time) and the block is repeated, giving a
valid zip member of hundreds of megabytes from a few hundred kilobytes, with its true CRC.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
import openpyxl
from odf.opendocument import OpenDocumentText
from odf.text import P

MB = 1_000_000
BOMB_BYTES = 300 * MB  # past the 256 MB limit on an XML member, and far past what a test may use
_FILLER = b"a" * (1 << 20)
SHEET = "xl/worksheets/sheet1.xml"
_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@dataclass(frozen=True)
class Member:
    """A zip member as written: raw deflate data, the CRC and size of what it inflates to."""

    name: str
    compressed: bytes
    crc: int
    size: int
    declared_size: int | None = None  # a lie in the headers, when set


def deflated(name: str, data: bytes) -> Member:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Member(name, packer.compress(data) + packer.flush(), zlib.crc32(data), len(data))


def bomb(name: str, head: bytes, tail: bytes, size: int = BOMB_BYTES) -> Member:
    """``head``, filler up to about ``size`` bytes, ``tail``: deflated in a few hundred KB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(_FILLER) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(_FILLER) + packer.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "a full flush should make the filler's block repeat exactly"
    count = max(size // len(_FILLER), 1)
    end = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(_FILLER, crc)
    crc = zlib.crc32(tail, crc)
    total = len(head) + count * len(_FILLER) + len(tail)
    return Member(name, start + block * count + end, crc, total)


def write_zip(path: Path, members: list[Member]) -> Path:
    """A zip file written by hand, so that members can be pre-deflated or declare a false size."""
    out = io.BytesIO()
    central = io.BytesIO()
    for member in members:
        offset = out.tell()
        name = member.name.encode()
        declared = member.declared_size if member.declared_size is not None else member.size
        fields = (20, 0, 8, 0, 0x21, member.crc, len(member.compressed), declared, len(name))
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", *fields, 0) + name)
        out.write(member.compressed)
        central.write(
            struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, offset)
            + name
        )
    start = out.tell()
    directory = central.getvalue()
    out.write(directory)
    out.write(
        struct.pack(
            "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), start, 0
        )
    )
    path.write_bytes(out.getvalue())
    return path


def members_of(data: bytes) -> list[Member]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return [deflated(info.filename, package.read(info)) for info in package.infolist()]


def replaced(data: bytes, replacement: Member) -> list[Member]:
    """The members of a real package, one of them replaced."""
    return [replacement if m.name == replacement.name else m for m in members_of(data)]


def replaced_all(members: list[Member], replacements: list[Member]) -> list[Member]:
    by_name = {member.name: member for member in replacements}
    return [by_name.get(member.name, member) for member in members]


# -- real small packages to corrupt --------------------------------------------------------------


def docx_bytes(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_bytes(*paragraphs: str) -> bytes:
    document = OpenDocumentText()
    for text in paragraphs:
        document.text.addElement(P(text=text))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


TURNS = ["Interviewer: How are rents?", "Sarah Malik: Rents are high here."]
ROWS = [["speaker", "text"], ["Interviewer", "How are rents?"], ["Sarah", "Rents are high."]]
PROJECT_QDE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Project xmlns="urn:QDA-XML:project:1.0" name="hostile" origin="tests"></Project>\n'
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    b' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
)


def _document_xml(body: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<w:document xmlns:w="' + _W.encode() + b'"><w:body>' + body + b"</w:body></w:document>"
    )


# -- the cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hostile input: the file to write, how qualcode reads it, and what it must answer."""

    name: str
    make: Callable[[Path], None]
    command: str  # ingest (beside a good file) | ingest-folder (the case's own) | import-…
    exit_code: int
    message: str  # on stderr (``Error: …`` or ``skipped …``), a part of the line


def _docx_bomb(path: Path) -> None:
    head = _document_xml(b"<w:p><w:r><w:t>")[: -len(b"</w:body></w:document>")]
    member = bomb("word/document.xml", head, b"</w:t></w:r></w:p></w:body></w:document>")
    write_zip(path, replaced(docx_bytes(*TURNS), member))


def _odt_bomb(path: Path) -> None:
    data = odt_bytes(*TURNS)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        content = package.read("content.xml")
    cut = content.rindex(b"</office:text>")
    member = bomb("content.xml", content[:cut] + b"<text:p>", b"</text:p>" + content[cut:])
    write_zip(path, replaced(data, member))


def _sheet(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read(SHEET)


def _xlsx_bomb(path: Path) -> None:
    data = xlsx_bytes(ROWS)
    sheet = _sheet(data)
    cut = sheet.rindex(b"</t>")  # the filler goes into the last cell's text
    write_zip(path, replaced(data, bomb(SHEET, sheet[:cut], sheet[cut:])))


def _shared_strings_bomb(path: Path) -> None:
    # A cell refers to a shared string by number: 3,000 cells repeat one string of 100,000
    # letters, 300 MB of text from a file of about 100 KB, which no size in the zip shows.
    words = random.Random(7).choices(["rents", "are", "high", "housing", "costs"], k=20_000)
    text = " ".join(words)[:100_000].encode()
    shared = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="' + _S.encode() + b'">'
        b"<si><t>text</t></si><si><t>" + text + b"</t></si></sst>"
    )
    cells = b"".join(
        b'<row r="%d"><c r="A%d" t="s"><v>1</v></c></row>' % (n, n) for n in range(2, 3002)
    )
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="' + _S.encode() + b'">'
        b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        + cells
        + b"</sheetData></worksheet>"
    )
    data = xlsx_bytes(ROWS)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        types = package.read("[Content_Types].xml").replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        relations = package.read("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>",
            b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            b"</Relationships>",
        )
    members = replaced(data, deflated(SHEET, sheet))
    members = replaced_all(
        members,
        [deflated("[Content_Types].xml", types), deflated("xl/_rels/workbook.xml.rels", relations)],
    )
    write_zip(path, [*members, deflated("xl/sharedStrings.xml", shared)])


def _ratio_bomb(path: Path) -> None:
    # Under the size limit, but 200 MB from about 200 KB: refused for its ratio alone.
    head = _document_xml(b"<w:p><w:r><w:t>")[: -len(b"</w:body></w:document>")]
    member = bomb("word/document.xml", head, b"</w:t></w:r></w:p></w:body></w:document>", 200 * MB)
    write_zip(path, replaced(docx_bytes(*TURNS), member))


def _lying_header(path: Path) -> None:
    # The headers say 1 MB; the data inflates to 300 MB. Reading stops at the declared size.
    head = _document_xml(b"<w:p><w:r><w:t>")[: -len(b"</w:body></w:document>")]
    member = bomb("word/document.xml", head, b"</w:t></w:r></w:p></w:body></w:document>")
    lie = Member(member.name, member.compressed, member.crc, member.size, declared_size=MB)
    write_zip(path, replaced(docx_bytes(*TURNS), lie))


def _qdpx_bomb(path: Path) -> None:
    head = PROJECT_QDE.split(b"></Project>")[0]
    write_zip(path, [bomb("project.qde", head + b"><Description>", b"</Description></Project>")])


def _docx_laughs(path: Path) -> None:
    xml = LAUGHS + _document_xml(b"<w:p><w:r><w:t>&lol3;</w:t></w:r></w:p>").split(b"?>\n", 1)[1]
    write_zip(path, replaced(docx_bytes(*TURNS), deflated("word/document.xml", xml)))


def _odt_laughs(path: Path) -> None:
    data = odt_bytes(*TURNS)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        content = package.read("content.xml")
    xml = LAUGHS + content.split(b"?>", 1)[1].replace(b"Rents are high", b"&lol3;")
    write_zip(path, replaced(data, deflated("content.xml", xml)))


def _xlsx_laughs(path: Path) -> None:
    data = xlsx_bytes(ROWS)
    sheet = _sheet(data).replace(b"Rents are high.", b"&lol3;")
    write_zip(path, replaced(data, deflated(SHEET, LAUGHS + sheet)))


def _qdpx_laughs(path: Path) -> None:
    write_zip(path, [deflated("project.qde", LAUGHS + b'<Project name="&lol3;"/>')])


def _docx_broken_xml(path: Path) -> None:
    xml = _document_xml(b"<w:p><w:r><w:t>Rents are high</w:r></w:p>")
    write_zip(path, replaced(docx_bytes(*TURNS), deflated("word/document.xml", xml)))


def _xlsx_broken_xml(path: Path) -> None:
    data = xlsx_bytes(ROWS)
    broken = _sheet(data).replace(b"</sheetData>", b"<row>")
    write_zip(path, replaced(data, deflated(SHEET, broken)))


def _qdpx_codes(codes: bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        head = PROJECT_QDE.split(b"></Project>")[0]
        qde = head + b"><CodeBook><Codes>" + codes + b"</Codes></CodeBook></Project>"
        write_zip(path, [deflated("project.qde", qde)])

    return make


def _code(number: int, inner: bytes = b"", name: bytes | None = None) -> bytes:
    guid = f"00000000-0000-4000-8000-{number:012d}".encode()
    label = name if name is not None else b"level %d" % number
    head = b'<Code guid="' + guid + b'" name="' + label + b'" isCodable="true">'
    return head + inner + b"</Code>"


def _deep_codes() -> bytes:
    codes = b""
    for level in range(500, 0, -1):
        codes = _code(level, codes)
    return codes


def _qdpx_broken_xml(path: Path) -> None:
    write_zip(path, [deflated("project.qde", b'<Project name="x">\n<Users>\n')])


def _docx_missing_attribute(path: Path) -> None:
    # Well-formed, but a merged cell's span has no value: python-docx fails in plain Python.
    body = (
        b"<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan/></w:tcPr><w:p><w:r><w:t>a</w:t></w:r></w:p>"
        b"</w:tc></w:tr></w:tbl>"
    )
    write_zip(
        path, replaced(docx_bytes(*TURNS), deflated("word/document.xml", _document_xml(body)))
    )


def _odt_content(path: Path, change: Callable[[bytes], bytes]) -> None:
    data = odt_bytes(*TURNS)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        content = package.read("content.xml")
    write_zip(path, replaced(data, deflated("content.xml", change(content))))


def _odt_deep(path: Path) -> None:
    # 5,000 nested spans: odfpy and the reader walk the tree recursively.
    nested = b"<text:span>" * 5000 + b"deep" + b"</text:span>" * 5000
    _odt_content(path, lambda content: content.replace(b"Rents are high here.", nested))


def _odt_billion_spaces(path: Path) -> None:
    spaces = b'Rents<text:s text:c="1000000000"/>are<text:s text:c="many"/>high.'
    _odt_content(path, lambda content: content.replace(b"Rents are high here.", spaces))


def _front_matter_aliases(path: Path) -> None:
    # Nine lists of nine aliases of the list before: 9^9 strings once written out.
    lines = ['a: &a ["rent", "rent", "rent", "rent", "rent", "rent", "rent", "rent", "rent"]']
    for before, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + before] * 9)}]")
    path.write_text("---\n" + "\n".join(lines) + "\n---\n" + "\n\n".join(TURNS) + "\n")


def _front_matter_deep(path: Path) -> None:
    path.write_text("---\ncity: " + "[" * 50_000 + "\n---\n" + "\n\n".join(TURNS) + "\n")


def _rtf_bad_escapes(path: Path) -> None:
    body = "\\uc1 Sarah Malik: rents \\u99999999999? and \\u" + "9" * 5000 + "? are high.\\par"
    path.write_text("{\\rtf1\\ansi " + body + "}", encoding="ascii")


def _csv_huge_cell(path: Path) -> None:
    answer = "Rents are high. " * 20_000  # 320,000 characters, past the csv module's 131,072
    path.write_text(f"speaker,text\nInterviewer,How are rents?\nSarah,{answer}\n")


def _metadata(rows: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        folder.mkdir()
        (folder / "t01.txt").write_text("\n\n".join(TURNS) + "\n")
        (folder / "metadata.csv").write_text(rows)

    return make


def _sidecar_huge_cell(folder: Path) -> None:
    _metadata(f"file,city,notes\nt01.txt,Birmingham,{'long note ' * 20_000}\n")(folder)


def _coding_sheet_huge_cell(path: Path) -> None:
    path.write_text(f"document,code,ordinal,memo\ngood.txt,housing,1,{'x' * 300_000}\n")


def _coding_sheet_code(code: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_text(f"document,ordinal,code\ngood.txt,1,{code}\n")

    return make


def _tracked_changes(path: Path) -> None:
    body = (
        b"<w:p><w:r><w:t xml:space='preserve'>Sarah Malik: rents are </w:t></w:r>"
        b"<w:ins w:id='1' w:author='Laia'><w:r><w:t>unaffordable</w:t></w:r></w:ins>"
        b"<w:del w:id='2' w:author='Laia'><w:r><w:delText>cheap</w:delText></w:r></w:del>"
        b"<w:r><w:t>.</w:t></w:r></w:p>"
    )
    data = docx_bytes(*TURNS)
    write_zip(path, replaced(data, deflated("word/document.xml", _document_xml(body))))


def _old_word(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)


def _codebook_aliases(path: Path) -> None:
    """A 612-byte codebook whose nine levels of nine aliases expand to 1.2 billion values."""
    lines = ["name: bomb", "version: '1'", "languages: [en]", 'x0: &x0 ["lol", "lol", "lol"]']
    for level in range(1, 10):
        previous = f"*x{level - 1}"
        lines.append(f"x{level}: &x{level} [{', '.join([previous] * 9)}]")
    lines.append("codes: [{id: a, patterns: {en: [rent]}, children: *x9}]")
    path.write_text("\n".join(lines) + "\n")


def _codebook_deep(path: Path) -> None:
    path.write_text(
        "name: deep\nversion: '1'\nlanguages: [en]\ncodes:\n"
        + "  - {id: a, patterns: {en: [rent]}, children: "
        + "[" * 1000
        + "]" * 1000
        + "}\n"
    )


def _codebook_regex(expression: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_text(
            "name: slow\nversion: '1'\nlanguages: [en]\ncodes:\n"
            f"  - id: a\n    patterns:\n      en: ['re:{expression}']\n"
        )

    return make


def _symlink_loop(folder: Path) -> None:
    folder.mkdir()
    (folder / "t01.txt").write_text("\n\n".join(TURNS) + "\n")
    (folder / "loop").symlink_to(".")


def _link_outside(folder: Path) -> None:
    """A link to a folder of files that are not transcripts (``/etc``, say), beside one."""
    system = folder.parent / "system-files"
    system.mkdir()
    (system / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    folder.mkdir()
    (folder / "t01.txt").write_text("\n\n".join(TURNS) + "\n")
    (folder / "etc").symlink_to(system)


TOO_LARGE = "is too large when unpacked"
DOCTYPE = "has a DOCTYPE, which no file qualcode reads needs"
CASES = [
    Case(
        "bomb.docx", _docx_bomb, "ingest", 3, f"'word/document.xml' {TOO_LARGE} (300 MB > 256 MB)"
    ),
    Case("bomb.odt", _odt_bomb, "ingest", 3, f"'content.xml' {TOO_LARGE} (300 MB > 256 MB)"),
    Case(
        "bomb.xlsx",
        _xlsx_bomb,
        "ingest",
        3,
        f"'{SHEET}' {TOO_LARGE} (300 MB > 256 MB)",
    ),
    Case(
        "shared-strings.xlsx",
        _shared_strings_bomb,
        "ingest",
        3,
        f"the text of its cells {TOO_LARGE} (256.0",
    ),
    Case("ratio-bomb.docx", _ratio_bomb, "ingest", 3, f"{TOO_LARGE} for its packed size"),
    Case("lying-header.docx", _lying_header, "ingest", 3, "damaged member 'word/document.xml'"),
    Case("bomb.qdpx", _qdpx_bomb, "import-qdpx", 1, f"'project.qde' {TOO_LARGE} (300 MB > 256 MB)"),
    Case("laughs.docx", _docx_laughs, "ingest", 3, f"'word/document.xml' {DOCTYPE}"),
    Case("laughs.odt", _odt_laughs, "ingest", 3, f"'content.xml' {DOCTYPE}"),
    Case("laughs.xlsx", _xlsx_laughs, "ingest", 3, f"'{SHEET}' {DOCTYPE}"),
    Case("laughs.qdpx", _qdpx_laughs, "import-qdpx", 1, "refusing XML with a DOCTYPE"),
    Case(
        "broken-xml.docx",
        _docx_broken_xml,
        "ingest",
        3,
        "corrupt .docx file: 'word/document.xml' is not well-formed XML (line 2, column",
    ),
    Case(
        "broken-xml.xlsx",
        _xlsx_broken_xml,
        "ingest",
        3,
        f"corrupt .xlsx file: '{SHEET}' is not well-formed XML (line",
    ),
    Case(
        "broken-xml.qdpx", _qdpx_broken_xml, "import-qdpx", 1, "project.qde:3: not well-formed XML"
    ),
    Case(
        "missing-attribute.docx",
        _docx_missing_attribute,
        "ingest",
        3,
        "corrupt .docx file: python-docx cannot read its structure (InvalidXmlError: required",
    ),
    Case("deep.odt", _odt_deep, "ingest", 3, "'content.xml' nests elements more than 256 levels"),
    Case("billion-spaces.odt", _odt_billion_spaces, "ingest", 0, "added      billion-spaces.odt"),
    Case(
        "aliases.txt",
        _front_matter_aliases,
        "ingest",
        3,
        "line 3: front matter value of 'b' must be text or a list of texts, not a nested",
    ),
    Case("deep-front-matter.txt", _front_matter_deep, "ingest", 3, "line 2: front matter is"),
    Case("bad-escapes.rtf", _rtf_bad_escapes, "ingest", 0, "added      bad-escapes.rtf"),
    Case("huge-cell.csv", _csv_huge_cell, "ingest", 0, "added      huge-cell.csv"),
    Case("huge-cell-sidecar", _sidecar_huge_cell, "ingest-folder", 0, "added      t01.txt"),
    Case(
        "two-file-columns",
        _metadata("file,city,file\nt01.txt,Birmingham,t02.txt\n"),
        "ingest-folder",
        1,
        "metadata.csv:1: the column 'file' appears 2 times (columns 1, 3)",
    ),
    Case(
        "unclosed-quote",
        _metadata('file,city\nt01.txt,Birmingham\n"t02.txt,Barcelona\nt03.txt,Barcelona\n'),
        "ingest-folder",
        1,
        "metadata.csv:3: a quoted cell starts on this line and is never closed",
    ),
    Case(
        "huge-cell-sheet.csv",
        _coding_sheet_huge_cell,
        "import-codings",
        1,
        "row 2: unknown code 'housing'",
    ),
    Case("tracked-changes.docx", _tracked_changes, "ingest", 0, "added      tracked-changes.docx"),
    Case("old-word.doc", _old_word, "ingest", 3, "save it as .docx in Word or LibreOffice"),
    Case(
        "aliases.yaml",
        _codebook_aliases,
        "code",
        1,
        "the codebook holds more than 200,000 values once its YAML aliases are",
    ),
    Case(
        "deep.yaml",
        _codebook_deep,
        "code",
        1,
        "the codebook nests lists and mappings more than 100 levels deep",
    ),
    Case(
        "deep-codes.qdpx",
        _qdpx_codes(_deep_codes()),
        "import-qdpx",
        1,
        "project.qde: codes nest more than 40 levels deep (at 'level 41'): refusing the code tree",
    ),
    Case(
        "duplicate-guids.qdpx",
        _qdpx_codes(_code(1, name=b"Housing") + _code(1, name=b"Rent")),
        "import-qdpx",
        1,
        "project.qde: two codes have the GUID 00000000-0000-4000-8000-000000000001 ('Housing' and "
        "'Rent')",
    ),
    Case(
        "same-names.qdpx",
        _qdpx_codes(_code(1, name=b"Housing") + _code(2, name=b"Housing")),
        "import-qdpx",
        0,
        "Codes: 2 in the archive, 2 new to the project.",
    ),
    Case(
        "dots-code.csv",
        _coding_sheet_code("housing/.."),
        "import-codings-create",
        1,
        "row 2: cannot create code 'housing/..': each part of a code path starts with a letter",
    ),
    Case(
        "script-code.csv",
        _coding_sheet_code("<script>alert(1)</script>"),
        "import-codings-create",
        1,
        "row 2: cannot create code '<script>alert(1)</script>': each part of a code path starts",
    ),
    Case("symlink-loop", _symlink_loop, "ingest-folder", 0, "unchanged; 1 link not followed."),
    Case("link-outside", _link_outside, "ingest-folder", 0, "unchanged; 1 link not followed."),
    Case(
        "slow-regex.yaml",
        _codebook_regex("a.*a.*a.*c"),
        "code",
        1,
        "pattern 're:a.*a.*a.*c': this regular expression can take time growing with the fourth",
    ),
    Case(
        "slow-digits.yaml",
        _codebook_regex("a.*.*.*\\d{6}"),
        "code",
        1,
        "pattern 're:a.*.*.*\\d{6}': this regular expression can take time growing with the",
    ),
]


def write_corpus(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for case in CASES:
        case.make(folder / case.name)
        written.append(folder / case.name)
    return written


if __name__ == "__main__":
    for written in write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")):
        print(written)
