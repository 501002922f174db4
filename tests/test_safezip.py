"""The checks of zip packages and XML from users (safezip.py), and of CSV text (delimited.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.parsers import expat

import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hostile import Member, bomb, write_zip
from qualcode import safezip
from qualcode.errors import ImportFormatError, ReaderError, UsageError
from qualcode.readers import delimited, read_file
from qualcode.safezip import (
    MAX_XML_DEPTH,
    MB,
    SafeZip,
    ZipLimits,
    check_package,
    limits_from_environment,
    megabytes,
    nesting_depth,
)


def package(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def refusal(path: Path, limits: ZipLimits | None = None) -> str:
    with pytest.raises(ReaderError) as caught:
        check_package(path, ReaderError, kind=".docx file", limits=limits)
    return str(caught.value)


def test_the_defaults_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("QUALCODE_MAX_XML_MB", "QUALCODE_MAX_UNPACKED_MB"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("QUALCODE_MAX_COMPRESSION_RATIO", raising=False)
    assert limits_from_environment() == ZipLimits()
    assert ZipLimits().max_xml_bytes == 256 * MB
    monkeypatch.setenv("QUALCODE_MAX_XML_MB", "0.5")
    monkeypatch.setenv("QUALCODE_MAX_COMPRESSION_RATIO", "20")
    limits = limits_from_environment()
    assert (limits.max_xml_bytes, limits.max_ratio) == (500_000, 20)
    assert limits.max_total_bytes == ZipLimits().max_total_bytes


@pytest.mark.parametrize("value", ["none", "0", "-3", "nan"])
def test_a_bad_limit_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("QUALCODE_MAX_UNPACKED_MB", value)
    with pytest.raises(UsageError) as caught:
        limits_from_environment()
    assert str(caught.value) == f"QUALCODE_MAX_UNPACKED_MB must be a positive number, got '{value}'"


def test_megabytes_are_shown_to_compare() -> None:
    assert [megabytes(n) for n in (1_500 * MB, 256 * MB, 2_500_000, 5_900)] == [
        "1,500",
        "256",
        "2.5",
        "0.0059",
    ]


def test_an_xml_member_past_its_limit_is_refused_by_its_header(tmp_path: Path) -> None:
    path = package(tmp_path / "a.docx", {"word/document.xml": b"<a>" + b" " * 3000 + b"</a>"})
    assert refusal(path, ZipLimits(max_xml_bytes=2000)) == (
        f"{path}: 'word/document.xml' is too large when unpacked (0.003 MB > 0.002 MB) (if the "
        "file is genuine, raise the limit with QUALCODE_MAX_XML_MB; see docs/security.md)"
    )


def test_media_count_only_towards_the_whole(tmp_path: Path) -> None:
    members = {"word/media/a.png": b"\x89PNG" * 1000, "word/document.xml": b"<a/>"}
    path = package(tmp_path / "a.docx", members)
    check_package(path, ReaderError, kind=".docx file", limits=ZipLimits(max_xml_bytes=2000))
    assert refusal(path, ZipLimits(max_total_bytes=3000)) == (
        f"{path}: the whole file is too large when unpacked (0.004 MB > 0.003 MB) (if the file is "
        "genuine, raise the limit with QUALCODE_MAX_UNPACKED_MB; see docs/security.md)"
    )


def test_the_ratio_judges_large_members_only(tmp_path: Path) -> None:
    path = package(tmp_path / "a.docx", {"word/document.xml": b"<a>" + b" " * 200_000 + b"</a>"})
    check_package(path, ReaderError, kind=".docx file", limits=ZipLimits(ratio_floor_bytes=MB))
    message = refusal(path, ZipLimits(ratio_floor_bytes=100_000))
    assert message.startswith(
        f"{path}: 'word/document.xml' is too large when unpacked for its packed size (0.2 MB from "
    )
    assert "> 100): a decompression bomb (raise QUALCODE_MAX_COMPRESSION_RATIO" in message


def test_headers_that_understate_the_size_do_not_buy_more(tmp_path: Path) -> None:
    # The headers say 1 MB, the data inflates to 3 MB: reading stops at 1 MB and the file is
    # damaged; the cap then holds the read below the whole file's limit.
    member = bomb("word/document.xml", b"<a>", b"</a>", size=3 * MB)
    lie = Member(member.name, member.compressed, member.crc, member.size, declared_size=MB)
    path = write_zip(tmp_path / "a.docx", [lie])
    assert refusal(path).startswith(
        f"{path}: damaged member 'word/document.xml' (Bad CRC-32 for file 'word/document.xml')"
    )
    with SafeZip(path, ReaderError) as opened:
        assert opened.members[0].file_size == MB


def test_too_many_members(tmp_path: Path) -> None:
    path = package(tmp_path / "a.docx", {f"word/{n}.xml": b"<a/>" for n in range(5)})
    assert refusal(path, ZipLimits(max_members=4)) == (
        f"{path}: the archive holds 5 members, more than the 4 qualcode reads"
    )


@pytest.mark.parametrize(
    "xml",
    [
        b"<!DOCTYPE a><a/>",
        b'<?xml version="1.0"?>\n<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>',
        b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
    ],
)
def test_any_doctype_is_refused(tmp_path: Path, xml: bytes) -> None:
    path = package(tmp_path / "a.docx", {"word/document.xml": xml})
    assert refusal(path) == (
        f"{path}: 'word/document.xml' has a DOCTYPE, which no file qualcode reads needs: refusing "
        "it, since its entity declarations can expand without end or read other files (save the "
        "file again from the program that made it)"
    )


def test_a_syntax_error_says_where(tmp_path: Path) -> None:
    path = package(tmp_path / "a.docx", {"word/document.xml": b"<a>\n<b>\n</a>"})
    assert refusal(path) == (
        f"{path}: corrupt .docx file: 'word/document.xml' is not well-formed XML (line 3, column "
        "3: mismatched tag)"
    )


def test_an_undeclared_namespace_prefix_is_a_syntax_error(tmp_path: Path) -> None:
    # lxml (python-docx, openpyxl) reads with namespaces; so does the check, to fail first.
    path = package(tmp_path / "a.docx", {"word/document.xml": b'<w:document x:y="1"/>'})
    assert refusal(path) == (
        f"{path}: corrupt .docx file: 'word/document.xml' is not well-formed XML (line 1, column "
        "1: unbound prefix)"
    )


def test_nesting_is_refused_past_the_depth_limit(tmp_path: Path) -> None:
    deep = b"<a>" * (MAX_XML_DEPTH + 1) + b"</a>" * (MAX_XML_DEPTH + 1)
    path = package(tmp_path / "a.docx", {"word/document.xml": deep})
    assert refusal(path) == (
        f"{path}: 'word/document.xml' nests elements more than 256 levels deep: refusing it (save "
        "the file again from the program that made it)"
    )
    fine = b"<a>" * MAX_XML_DEPTH + b"</a>" * MAX_XML_DEPTH
    check_package(package(tmp_path / "b.docx", {"word/document.xml": fine}), ReaderError, kind="x")


def test_a_member_checked_before_is_hashed_not_parsed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    styles = b'<w:styles xmlns:w="urn:w">' + b"<w:style/>" * 500 + b"</w:styles>"
    first = package(tmp_path / "a.docx", {"word/styles.xml": styles, "word/document.xml": b"<a/>"})
    check_package(first, ReaderError, kind=".docx file")

    def not_again(*_: object) -> None:
        raise AssertionError("the member was parsed again")

    monkeypatch.setattr(safezip.XmlChecker, "feed", not_again)
    second = package(tmp_path / "b.docx", {"word/styles.xml": styles, "word/document.xml": b"<a/>"})
    check_package(second, ReaderError, kind=".docx file")
    with pytest.raises(AssertionError, match="parsed again"):  # other bytes are parsed
        check_package(
            package(tmp_path / "c.docx", {"word/styles.xml": styles + b" "}),
            ReaderError,
            kind=".docx file",
        )


def test_a_member_checked_before_still_meets_the_limits(tmp_path: Path) -> None:
    styles = b"<styles>" + b" " * 3000 + b"</styles>"
    path = package(tmp_path / "a.docx", {"word/styles.xml": styles})
    check_package(path, ReaderError, kind=".docx file")
    assert refusal(path, ZipLimits(max_total_bytes=2000)) == (
        f"{path}: the whole file is too large when unpacked (0.003 MB > 0.002 MB) (if the file is "
        "genuine, raise the limit with QUALCODE_MAX_UNPACKED_MB; see docs/security.md)"
    )


def test_headers_matching_a_member_checked_before_do_not_skip_the_check(tmp_path: Path) -> None:
    # Two members with the same CRC and size (a CRC is easy to forge) are told apart by their
    # digests: the new one is parsed and refused as without the earlier one.
    doctype = b'<!DOCTYPE a [<!ENTITY x "y">]><a/>'
    path = package(tmp_path / "a.docx", {"word/document.xml": doctype})
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("word/document.xml")
    safezip._PASSED[(info.CRC, info.file_size)] = b"\0" * 32
    try:
        assert "has a DOCTYPE, which no file qualcode reads needs: refusing it" in refusal(path)
    finally:
        del safezip._PASSED[(info.CRC, info.file_size)]


def expat_depth(data: bytes) -> int:
    parser = expat.ParserCreate(namespace_separator=" ")
    depth = deepest = 0

    def start(*_: object) -> None:
        nonlocal depth, deepest
        depth += 1
        deepest = max(deepest, depth)

    def end(*_: object) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.Parse(data, True)
    return deepest


_names = st.sampled_from(["a", "w:p", "w:r", "b"])
_texts = st.text(alphabet="ab />&\u00e9\u20ac", max_size=6).map(
    lambda text: text.replace("&", "&amp;").replace(" ", " ")
)
_trees = st.recursive(
    st.builds(lambda name: f"<{name}/>", _names),
    lambda inner: st.builds(
        lambda name, value, text, children: (
            f'<{name} v="{value}">{text}{"".join(children)}</{name}>'
        ),
        _names,
        _texts,
        _texts,
        st.lists(inner, max_size=4),
    ),
    max_leaves=30,
)


@given(
    _trees,
    st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']),
    st.sampled_from(["", "<!-- < -->", "<![CDATA[</a>]]>", "<?pi </a>?>"]),
    st.sampled_from(["utf-8", "utf-16"]),
)
def test_the_depth_read_from_the_bytes_is_expats_or_none(
    tree: str, declaration: str, extra: str, encoding: str
) -> None:
    root = '<w:root xmlns:w="urn:w">'
    xml = f"{declaration.replace('UTF-8', encoding.upper())}{root}{extra}{tree}</w:root>"
    data = xml.encode(encoding)
    found = nesting_depth(data, encoding.upper() if declaration else None)
    if not extra and encoding == "utf-8" and xml.count("<") == xml.count(">"):
        assert found == expat_depth(data)
    else:  # the bytes cannot tell: the check then counts element by element
        assert found is None


def test_the_depth_read_from_the_bytes_of_a_word_file(tmp_path: Path) -> None:
    deep = b"<a>" * 300 + b"<b/>" + b"</a>" * 300
    assert nesting_depth(deep, None) == 301 == expat_depth(deep)
    assert nesting_depth(b'<a v="x>y"/>', None) is None  # a '>' in a value: cannot tell
    assert nesting_depth(b"<a><!-- <b> --></a>", None) is None
    assert nesting_depth("<a>é</a>".encode("utf-16"), None) is None
    assert nesting_depth(b'<?xml version="1.0" encoding="UTF-8"?><a><b/></a>', "UTF-8") == 2
    assert nesting_depth(b"<a><b/></a>", "windows-1252") is None
    document = docx.Document()
    document.add_paragraph("Entrevista", style="Title").add_run(" 1").italic = True
    document.add_table(rows=2, cols=2).cell(0, 0).text = "a"
    document.save(str(tmp_path / "a.docx"))
    with zipfile.ZipFile(tmp_path / "a.docx") as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                data = archive.read(name)
                assert nesting_depth(data, "UTF-8") == expat_depth(data), name


def test_a_refi_doctype_without_entities_is_refused(tmp_path: Path) -> None:
    from qualcode.refi.xmltools import parse_untrusted

    with pytest.raises(ImportFormatError, match="refusing XML with a DOCTYPE"):
        parse_untrusted(b"<!DOCTYPE Project><Project/>", "p.qde")


def test_a_limit_from_the_environment_reaches_ingest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, write_docx
) -> None:
    path = write_docx(tmp_path / "t.docx", ["Sarah Malik: Rents are high."])
    assert read_file(path).text == "Sarah Malik: Rents are high."
    monkeypatch.setenv("QUALCODE_MAX_XML_MB", "0.001")
    with pytest.raises(ReaderError, match="is too large when unpacked"):
        read_file(path)


# -- CSV text ---------------------------------------------------------------------------------


def test_a_cell_longer_than_the_csv_modules_limit_is_read(tmp_path: Path) -> None:
    long = "x" * 500_000
    assert delimited.rows(f"a,b\n1,{long}\n", tmp_path / "t.csv", ReaderError) == [
        (1, ["a", "b"]),
        (2, ["1", long]),
    ]


def test_an_unclosed_quote_names_the_line_it_starts_on(tmp_path: Path) -> None:
    with pytest.raises(ReaderError) as caught:
        delimited.rows('a,b\n1,2\n3,"four\n5,6\n', tmp_path / "t.csv", ReaderError)
    assert str(caught.value) == (
        f"{tmp_path / 't.csv'}:3: a quoted cell starts on this line and is never closed (close "
        'the quote, or double a quote inside a quoted cell (""))'
    )


def test_a_stray_quote_is_read_as_spreadsheets_write_it(tmp_path: Path) -> None:
    assert delimited.rows('a;b\n"x";"y"z\n', tmp_path / "t.csv", ReaderError, delimiter=";") == [
        (1, ["a", "b"]),
        (2, ["x", "yz"]),
    ]


@given(st.lists(st.lists(st.text(max_size=20), min_size=1, max_size=4), min_size=1, max_size=5))
def test_rows_written_by_the_csv_module_come_back(table: list[list[str]]) -> None:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(table)
    read = [cells for _, cells in delimited.rows(out.getvalue(), Path("t.csv"), ReaderError)]
    assert read == table
