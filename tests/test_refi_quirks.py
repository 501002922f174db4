"""Archives shaped as NVivo, MAXQDA, ATLAS.ti, qc and QualCoder write them (tests/refi_quirks.py):
every coding on text comes back on exactly its passage and code, what cannot is counted, and a
re-export then import gives the same spans and codes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from qualcode.errors import ImportFormatError
from qualcode.refi.export import export_project
from qualcode.refi.import_ import ImportSummary, import_project
from qualcode.store import Store
from refi_quirks import guid, quirks
from refi_support import undated, write_zip

QUIRKS = quirks()
POSITIONS = {
    "atlas": ["code points, \\r\\n counted once (8 of 8 selection ends on word boundaries)"],
    "maxqda": ["code points, \\r\\n counted once (8 of 8 selection ends on word boundaries)"],
    "nvivo": ["UTF-16 units (14 of 14 selection ends on word boundaries)"],
    "qc": ["code points"],
    "relative": ["code points", "code points", "code points"],
}


def labels(store: Store, code_path: str) -> tuple[str, ...]:
    label = {code.path: code.label for code in store.codes()}
    parts = code_path.split("/")
    return tuple(label["/".join(parts[: i + 1])] for i in range(len(parts)))


def coded(store: Store) -> set[tuple[str, str, tuple[str, ...], str]]:
    """(document, selected text, code labels, coder) of every coding's selected passages."""
    texts = {d.name: store.document_text(d.document_id) for d in store.documents()}
    return {
        (c.document_name, texts[c.document_name][a:b], labels(store, c.code_path), c.coder)
        for c in store.coded_segments()
        for a, b in c.spans
    }


def spans(store: Store) -> set[tuple[str, int, int, tuple[str, ...], str]]:
    return {
        (c.document_name, a, b, labels(store, c.code_path), c.coder)
        for c in store.coded_segments()
        for a, b in c.spans
    }


def import_quirk(name: str, folder: Path, store: Store, **options: object) -> ImportSummary:
    quirk = QUIRKS[name]
    archive = write_zip(folder / f"{name}.qdpx", quirk.members(folder))
    base = folder / "moved" if name == "relative" else None
    return import_project(store, archive, base=base, **options)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store.open(tmp_path / "project.qualcode", create=True)
    yield opened
    opened.close()


@pytest.mark.parametrize("name", sorted(QUIRKS))
def test_every_coding_comes_back_on_its_passage(name: str, store: Store, tmp_path: Path) -> None:
    quirk = QUIRKS[name]
    summary = import_quirk(name, tmp_path, store)
    assert coded(store) == quirk.expected()
    assert summary.losses == quirk.expected_losses
    for warning in quirk.expected_warnings:
        assert warning in summary.warnings
    assert summary.selections == len(quirk.expected())  # each selection is on one passage


def test_positions_reading_per_source(tmp_path: Path) -> None:
    found = {}
    for name in sorted(QUIRKS):
        with Store.open(tmp_path / f"{name}.qualcode", create=True) as store:
            found[name] = [d.positions for d in import_quirk(name, tmp_path, store).documents]
    assert found == POSITIONS


@pytest.mark.parametrize("name", sorted(QUIRKS))
def test_export_then_import_gives_the_same_spans_and_codes(name: str, tmp_path: Path) -> None:
    with Store.open(tmp_path / "first.qualcode", create=True) as first:
        import_quirk(name, tmp_path, first)
        export_project(first, tmp_path / "out.qdpx", name="study")
        expected = spans(first)
        with Store.open(tmp_path / "second.qualcode", create=True) as second:
            summary = import_project(second, tmp_path / "out.qdpx")
            assert summary.losses == ()
            assert spans(second) == expected
            assert coded(second) == QUIRKS[name].expected()
            assert [
                s.start_char for d in second.documents() for s in second.segments(d.document_id)
            ] == [s.start_char for d in first.documents() for s in first.segments(d.document_id)]
            export_project(second, tmp_path / "again.qdpx", name="study")
    with (
        zipfile.ZipFile(tmp_path / "out.qdpx") as one,
        zipfile.ZipFile(tmp_path / "again.qdpx") as two,
    ):
        assert undated(one.read("project.qde")) == undated(two.read("project.qde"))


def test_strict_refuses_any_loss(store: Store, tmp_path: Path, dump) -> None:
    before = dump(store.path)
    with pytest.raises(ImportFormatError) as raised:
        import_quirk("atlas", tmp_path, store, strict=True)
    assert raised.value.message == (
        "--strict: the import would leave out 1 sources whose file is not in the archive left "
        f"out: Marta.txt (internal://{guid('Marta.txt')}.txt); left out 2 selections with 2 "
        "codings on the sources not imported"
    )
    assert dump(store.path) == before


def test_strict_accepts_an_archive_without_loss(store: Store, tmp_path: Path) -> None:
    summary = import_quirk("qc", tmp_path, store, strict=True)
    assert summary.losses == ()
    assert len(coded(store)) == 3


def test_files_outside_base_are_never_read(store: Store, tmp_path: Path) -> None:
    """An archive cannot make qualcode read a file of its choosing: only under --base."""
    quirk = QUIRKS["relative"]
    members = quirk.members(tmp_path)
    secret = tmp_path / "secret.txt"
    qde = members["project.qde"].decode()
    qde = qde.replace("relative:///notes/assembly.txt", "relative:///../secret.txt")
    qde = qde.replace("absolute:///D:/Post/letter.txt", f"absolute://{secret}")
    members["project.qde"] = qde.encode()
    archive = write_zip(tmp_path / "hostile.qdpx", members)
    summary = import_project(store, archive, base=tmp_path / "moved")
    assert [d.name for d in store.documents()] == ["diary"]
    assert summary.losses == (
        "2 sources outside the archive not found (pass --base with the folder that holds them; "
        "files outside the archive are read only from there) left out: assembly "
        f"(relative:///../secret.txt), letter (absolute://{secret})",
        "left out 2 selections with 2 codings on the sources not imported",
    )
    texts = [store.document_text(d.document_id) for d in store.documents()]
    assert all("not to be read" not in text for text in texts)
