"""Decomposed accents (NFD, as some macOS tools write them) are composed on reading, so that
``desnonàment`` written as ``a`` + U+0300 is one word for matching, not two."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import docx

from qualcode.codebook import load_codebook
from qualcode.coding import code_project
from qualcode.ingest import ingest
from qualcode.readers import read_file
from qualcode.store import Store

CODEBOOK = """\
name: nfd
version: "1"
description: One accented word.
languages: [ca]
codes:
  - id: participation
    label: Participation
    patterns:
      ca: ["participació"]
"""
TEXT = "ENTREVISTADORA: I doncs?\n\nMARIA: La participació ciutadana és clau.\n"


def test_text_and_word_files_are_read_as_nfc(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", TEXT)
    assert nfd != TEXT
    text_file = tmp_path / "a.txt"
    text_file.write_text(nfd, encoding="utf-8")
    word_file = tmp_path / "b.docx"
    document = docx.Document()
    for paragraph in nfd.split("\n\n"):
        document.add_paragraph(paragraph.strip())
    document.save(str(word_file))
    assert read_file(text_file).text == TEXT.strip("\n")
    assert read_file(word_file).text == TEXT.strip("\n").replace("\n\n", "\n")


def test_decomposed_accents_do_not_hide_a_word(tmp_path: Path) -> None:
    folder = tmp_path / "barcelona"
    folder.mkdir()
    (folder / "a.txt").write_text(unicodedata.normalize("NFD", TEXT), encoding="utf-8")
    codebook = tmp_path / "nfd.yaml"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    store = Store.open(tmp_path / "p.qualcode", create=True)
    ingest(store, [folder], assignments={"language": ("ca", "command line")})
    summary = code_project(store, load_codebook(codebook))
    assert [(row.code_path, row.segments) for row in summary.codes] == [("participation", 1)]
    store.close()
