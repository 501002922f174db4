"""Readers turn one file into plain text and located paragraphs (a :class:`ReadDocument`).

One module per format. Each reader raises :class:`ReaderError` with the reason when a file cannot be
read; ingest reports it and goes on with the other files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qualcode.errors import ReaderError
from qualcode.models import ReadDocument
from qualcode.readers import (
    docx_reader,
    odt_reader,
    pdf_reader,
    rtf_reader,
    subtitles_reader,
    table_reader,
    text_reader,
)

Reader = Callable[[Path], ReadDocument]

READERS: dict[str, Reader] = {
    ".txt": text_reader.read_text,
    ".md": text_reader.read_markdown,
    ".rst": text_reader.read_restructured_text,
    ".docx": docx_reader.read_docx,
    ".odt": odt_reader.read_odt,
    ".pdf": pdf_reader.read_pdf,
    ".vtt": subtitles_reader.read_vtt,
    ".srt": subtitles_reader.read_srt,
    ".rtf": rtf_reader.read_rtf,
    ".csv": table_reader.read_csv,
    ".tsv": table_reader.read_tsv,
    ".xlsx": table_reader.read_xlsx,
}

# Formats qualcode does not read whose files convert to one it does, and how.
CONVERT_HINTS = {
    ".doc": "an old Word file: save it as .docx in Word or LibreOffice",
    ".xls": "an old Excel file: save it as .xlsx in Excel or LibreOffice",
}


def supported_suffixes() -> tuple[str, ...]:
    return tuple(sorted(READERS))


def read_file(path: Path) -> ReadDocument:
    """Read a transcript with the reader for its suffix."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(supported_suffixes())
        raise ReaderError(
            f"unsupported file type '{path.suffix or path.name}' (qualcode reads {known})",
            path=path,
            hint=CONVERT_HINTS.get(path.suffix.lower()),
        )
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ReaderError(f"cannot read file: {error.strerror}", path=path) from error
    if size == 0:
        raise ReaderError("file is empty", path=path)
    document = reader(path)
    if not document.text.strip():
        raise ReaderError("no text found in the file", path=path)
    return document
