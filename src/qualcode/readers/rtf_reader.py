"""Rich Text Format (.rtf) transcripts through striprtf.

The bytes are decoded like a text file (RTF is 7-bit in principle, but older tools write accented
letters as raw Windows-1252 bytes); striprtf then resolves ``\\'e8`` and ``\\u8217?`` escapes with
the file's declared code page (``\\ansicpg1252``), which is the encoding recorded for the document.
Every RTF paragraph (and line break) becomes a paragraph; a table row becomes one paragraph with its
cells joined by `` | ``, as in Word files. Speaker labels (``Name:``) are found by the segmenter.

Kept: the body text and tables, in order. Dropped: headers, footers, footnotes, comments,
pictures, fields' codes (their shown result stays), styles, italics and all other formatting.
"""

from __future__ import annotations

import re
from pathlib import Path

from striprtf.striprtf import rtf_to_text

from qualcode.errors import ReaderError
from qualcode.models import ReadDocument
from qualcode.readers.assemble import Block, assemble, read_bytes, unescape_entities
from qualcode.readers.text_reader import decode

_MAGIC = "{\\rtf"
_CODE_PAGE = re.compile(r"\\ansicpg(\d+)")
_BRACE = re.compile(r"\\[\\{}]|[{}]")
_INFO_FIELDS = {"title": "title", "subject": "subject", "author": "author", "keywords": "keywords"}
_CELL_SEPARATOR = " | "
# An escaped backslash, a \\uc without its number, or a \\uN escape (N is a signed 16-bit
# number in the standard).
_UNICODE_ESCAPE = re.compile(r"\\\\|\\uc(?![a-z]|-?\d)|\\u(-?\d+)")
_REPLACEMENT = "\\u65533"
_CREATED = re.compile(r"\\creatim\s*\\yr(\d{4})\s*\\mo(\d{1,2})\s*\\dy(\d{1,2})")


def read_rtf(path: Path) -> ReadDocument:
    raw, encoding = decode(read_bytes(path), path)
    if not raw.lstrip().startswith(_MAGIC):
        raise ReaderError("not an RTF file (it does not start with '{\\rtf')", path=path)
    unclosed = _unclosed_groups(raw)
    if unclosed:
        raise ReaderError(
            f"the RTF file is cut short: {unclosed} group(s) never closed",
            path=path,
            hint="open it in a word processor and save it again",
        )
    code_page = _CODE_PAGE.search(raw[:4096])
    if code_page is not None:
        encoding = f"cp{code_page.group(1)}"
    try:
        plain = rtf_to_text(
            _UNICODE_ESCAPE.sub(_checked_unicode, raw), encoding="cp1252", errors="replace"
        )
    except LookupError as error:  # a font charset or code page Python has no codec for
        raise ReaderError(f"unsupported RTF code page ({error})", path=path) from error
    except (ValueError, OverflowError, TypeError) as error:  # a control word striprtf cannot read
        raise ReaderError(f"malformed RTF escape ({error})", path=path) from error
    # striprtf turns the \uN escapes of a character beyond the BMP (an emoji) into two halves of
    # a surrogate pair; join them into the character (and replace a half left alone).
    plain = plain.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    blocks = [_block(line) for line in plain.split("\n")]
    text, paragraphs = assemble(blocks)
    return ReadDocument(
        text=text,
        paragraphs=paragraphs,
        properties=_info(raw),
        format="rtf",
        encoding=encoding,
    )


def _checked_unicode(match: re.Match[str]) -> str:
    """A ``\\uN`` escape as written when N can be a character, else U+FFFD's escape: striprtf
    turns N into a character with ``chr``, which fails on numbers past U+10FFFF. A ``\\uc``
    without its number becomes ``\\uc1``, the default."""
    if match.group() == "\\uc":  # striprtf reads the missing number as int(None)
        return "\\uc1"
    number = match.group(1)
    if number is None:
        return match.group()
    if len(number) > 7 or not -32768 <= int(number) <= 0x10FFFF:
        return _REPLACEMENT
    return match.group()


def _block(line: str) -> Block:
    line = unescape_entities(line.replace("\xad", ""))  # \- optional hyphens are not letters
    if line.rstrip().endswith("|"):  # striprtf ends every table cell with "|"
        cells = [" ".join(cell.split()) for cell in line.rstrip().rstrip("|").split("|")]
        return Block(text=_CELL_SEPARATOR.join(cells), style="table", in_table=True)
    return Block(text=line)


def _unclosed_groups(raw: str) -> int:
    depth = 0
    for match in _BRACE.finditer(raw):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
    return max(depth, 0)


def _info(raw: str) -> dict[str, str]:
    """Title, subject, author, keywords and creation date from the ``{\\info ...}`` group."""
    found: dict[str, str] = {}
    for control, key in _INFO_FIELDS.items():
        match = re.search(r"\{\\" + control + r"[ \t\r\n]+([^{}]+)\}", raw)
        if match is None:
            continue
        value = rtf_to_text("{\\rtf1 " + match.group(1) + "}", errors="replace")
        if value.strip():
            found[key] = " ".join(value.split())
    created = _CREATED.search(raw)
    if created is not None:
        year, month, day = (int(group) for group in created.groups())
        found["date"] = f"{year:04d}-{month:02d}-{day:02d}"
    return found
