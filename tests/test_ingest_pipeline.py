"""The one way a read document becomes a version: segments, their languages, the write."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from qualcode.ingest import ingest
from qualcode.ingest.language import LanguageIdentifier
from qualcode.ingest.pipeline import (
    save_version,
    segment_and_identify,
    segment_with,
    with_detected_language,
)
from qualcode.ingest.roles import ProjectRoles, RoleResolver
from qualcode.models import ReadDocument, Role, Segmentation, Unit
from qualcode.readers import read_file
from qualcode.store import Store

TRANSCRIPT = (
    "Marta: Com va començar tot plegat, i què en recordes dels primers dies al barri?\n\n"
    "Jordi: Vam arribar l'any noranta, quan el lloguer encara es podia pagar amb un sou.\n\n"
    "Marta: I després?\n\n"
    "Jordi: Després el propietari va doblar el preu i ens en vam haver d'anar del pis.\n"
)


def stored(store: Store) -> list[tuple[object, ...]]:
    (document,) = store.documents()
    return [
        (s.start_char, s.end_char, s.speaker, s.role, s.language, s.word_count)
        for s in store.segments(document.document_id)
    ]


def test_ingest_stores_what_the_pipeline_makes(tmp_path: Path) -> None:
    """A change to the pipeline is a change to ingest: the file ingested is the file piped."""
    path = tmp_path / "c01.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    with Store.open(tmp_path / "ingested.qualcode", create=True) as ingested:
        ingest(ingested, [path])
        expected = stored(ingested)
    read = read_file(path)
    with Store.open(tmp_path / "piped.qualcode", create=True) as piped, piped.transaction():
        segmented = segment_and_identify(
            read, {}, ProjectRoles.of(piped), segment_with(Unit.TURN), LanguageIdentifier()
        )
        save_version(
            piped,
            segmented,
            name="c01.txt",
            source_path=str(path),
            content_hash="",
            segmentation_key="",
        )
        assert stored(piped) == expected
    assert [row[4] for row in expected] == ["ca"] * 4  # each turn identified as Catalan


def test_the_document_attributes_give_the_roles_and_the_language(tmp_path: Path) -> None:
    read = read_file(_write(tmp_path, TRANSCRIPT))
    attributes = {"interviewer": ("Marta", "metadata.csv"), "language": ("es", "--set")}
    roles = ProjectRoles(interviewer=[], chair=[])
    segmented = segment_and_identify(
        read, attributes, roles, segment_with(Unit.TURN), LanguageIdentifier()
    )
    assert [(s.speaker, s.role) for s in segmented.segments] == [
        ("Marta", Role.INTERVIEWER),
        ("Jordi", Role.RESPONDENT),
        ("Marta", Role.INTERVIEWER),
        ("Jordi", Role.RESPONDENT),
    ]
    assert {s.language for s in segmented.segments} == {"es"}  # declared: taken as given
    assert segmented.languages == ("es",)
    assert with_detected_language(attributes, ("ca",)) == attributes


def test_the_segmenter_says_the_unit_of_the_version(tmp_path: Path) -> None:
    """The REFI-QDA import cuts its own way and may change the unit; the version keeps it."""
    read = read_file(_write(tmp_path, TRANSCRIPT))

    def whole(document: ReadDocument, roles: RoleResolver) -> tuple[Segmentation, Unit]:
        cut = segment_with(Unit.TURN)(document, roles)[0]
        return replace(cut, segments=cut.segments[:1]), Unit.PARAGRAPH

    with Store.open(tmp_path / "p.qualcode", create=True) as store, store.transaction():
        segmented = segment_and_identify(
            read, {}, ProjectRoles.of(store), whole, LanguageIdentifier()
        )
        assert segmented.unit is Unit.PARAGRAPH and len(segmented.segments) == 1
        save_version(
            store, segmented, name="c01", source_path="c01", content_hash="", segmentation_key=""
        )
        (document,) = store.documents()
        assert document.unit is Unit.PARAGRAPH
        assert document.languages == segmented.languages
    detected = with_detected_language({}, segmented.languages)
    assert detected == {"language": (",".join(segmented.languages), "detected")}


def _write(folder: Path, text: str) -> Path:
    path = folder / "c01.txt"
    path.write_text(text, encoding="utf-8")
    return path
