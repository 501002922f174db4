"""Real documents: two Diari de Sessions transcripts of the Parlament de Catalunya, and the
Spanish manifestos of cmp-spanish.

They live in ../shared/corpora (see its README); the tests skip when that folder is absent.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from qualcode.ingest import ingest
from qualcode.ingest.roles import RoleResolver
from qualcode.ingest.segment import segment_document
from qualcode.models import Document, Role, Segment, Unit
from qualcode.readers import read_file
from qualcode.speakers import (
    DEFAULT_INTERVIEWER_LABELS,
    inline_notes,
    speaker_paragraph_name,
    style_is_speaker,
)
from qualcode.store import Store
from test_segment import assert_span_invariants

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "parlament-catalunya"
SITTING_0601 = "PCAT-0601-20052021.docx"
SITTING_6801 = "PCAT-6801-14122020.docx"

pytestmark = pytest.mark.skipif(
    not (CORPUS / SITTING_0601).is_file() or not (CORPUS / SITTING_6801).is_file(),
    reason=f"real transcripts not available in {CORPUS}",
)

# A paragraph that is only a stage direction, e.g. "(Remor de veus.)" or "(Aplaudiments.)".
STAGE_DIRECTION = re.compile(r"^\([^()]*\)$")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Document, list[Segment]]]:
    path = tmp_path_factory.mktemp("parlament") / "project.qualcode"
    with Store.open(path, create=True) as store:
        result = ingest(store, [CORPUS / SITTING_0601, CORPUS / SITTING_6801])
        assert [f.status for f in result.files] == ["added", "added"]
        found = {}
        for document in store.documents():
            segments = store.segments(document.document_id)
            text = store.document_text(document.document_id)
            found[document.name] = (document, segments, text)
    return found


@pytest.mark.parametrize(("name", "turns"), [(SITTING_0601, 16), (SITTING_6801, 28)])
def test_turn_counts(project, name: str, turns: int) -> None:
    _, segments, _ = project[name]
    assert sorted({s.turn for s in segments}) == list(range(turns))


def test_speakers_of_the_investiture_debate(project) -> None:
    _, segments, _ = project[SITTING_0601]
    speakers = {s.speaker for s in segments}
    assert {"La presidenta", "Salvador Illa i Roca", "Albert Batet i Canadell"} <= speakers
    first_turn = [s for s in segments if s.turn == 0]
    assert {s.speaker for s in first_turn} == {"La presidenta"}
    assert first_turn[0].text.startswith("Molt bona tarda.")


def test_speakers_of_the_6801_sitting(project) -> None:
    _, segments, _ = project[SITTING_6801]
    speakers = [s.speaker for s in segments]
    assert speakers[0] == "El president"
    assert "Carlos Carrizosa Torres" in speakers
    assert "Lorena Roldán Suárez" in speakers


def test_the_chair_of_each_sitting_has_the_chair_role(project) -> None:
    for name, chair in ((SITTING_0601, "La presidenta"), (SITTING_6801, "El president")):
        _, segments, _ = project[name]
        assert {s.speaker for s in segments if s.role is Role.CHAIR} == {chair}
        assert all(s.role is Role.RESPONDENT for s in segments if s.speaker != chair)
    # The vice-president of the Government is a member who speaks, not the chair.
    _, segments, _ = project[SITTING_6801]
    assert any(
        s.speaker.startswith("El vicepresident del Govern") and s.role is Role.RESPONDENT
        for s in segments
        if s.speaker
    )


def test_the_chair_leaves_a_third_of_the_segments_out_of_scope(project) -> None:
    """Before the chair role, the chairs' 31 turns counted as respondents: every segment."""
    segments = [s for name in (SITTING_0601, SITTING_6801) for s in project[name][1]]
    roles = Counter(s.role for s in segments)
    words = Counter({role: 0 for role in roles})
    for s in segments:
        words[s.role] += s.word_count
    assert roles == {Role.CHAIR: 31, Role.RESPONDENT: 60}
    assert round(100 * roles[Role.RESPONDENT] / len(segments), 1) == 65.9
    assert (words[Role.CHAIR], words[Role.RESPONDENT]) == (1389, 56364)


def test_speech_misstyled_as_a_speaker_stays_speech() -> None:
    """6801 has 38 paragraphs in a speaker style; 10 of them are long paragraphs of speech."""
    document = read_file(CORPUS / SITTING_6801)
    styled = [p for p in document.paragraphs if style_is_speaker(p.style)]
    names = [p for p in styled if speaker_paragraph_name(p.text, p.style) is not None]
    assert (len(styled), len(names)) == (38, 28)


def test_no_segment_is_a_stage_direction_or_a_name(project) -> None:
    for name in (SITTING_0601, SITTING_6801):
        _, segments, _ = project[name]
        for segment in segments:
            for line in segment.text.split("\n"):
                assert not STAGE_DIRECTION.match(line.strip()), line
        assert not any(s.text in ("(Remor de veus.)", "(Aplaudiments.)") for s in segments)


def test_directions_titles_and_names_are_outside_every_segment(project) -> None:
    for name in (SITTING_0601, SITTING_6801):
        document = read_file(CORPUS / name)
        _, segments, text = project[name]
        assert text == document.text
        spans = [(s.start_char, s.end_char) for s in segments]

        def covered(paragraph, spans=spans, text=text) -> bool:
            # Directions inside a paragraph, "(Aplaudiments.)", are cut out of its segments.
            inside = {
                i
                for a, b, _ in inline_notes(text, paragraph.start_char, paragraph.end_char)
                for i in range(a, b)
            }
            speech = [
                i
                for i in range(paragraph.start_char, paragraph.end_char)
                if i not in inside and not text[i].isspace()
            ]
            return bool(speech) and all(any(a <= i < b for a, b in spans) for i in speech)

        for paragraph in document.paragraphs:
            style = paragraph.style or ""
            if "Acotació" in style or "Títol" in style or "Ordre dia" in style:
                assert not covered(paragraph), (style, paragraph.text)
            elif speaker_paragraph_name(paragraph.text, paragraph.style) is not None:
                assert not covered(paragraph), paragraph.text
        # and every other paragraph of speech after the first speaker is in a segment
        first = min(s.start_char for s in segments)
        for paragraph in document.paragraphs:
            if paragraph.style == "D3/ Text normal" and paragraph.start_char > first:
                # "(Aplaudiments.)" in the body style is a direction all the same
                is_direction = STAGE_DIRECTION.match(paragraph.text) is not None
                assert covered(paragraph) != is_direction, paragraph.text[:80]


def test_spans_slice_the_text(project) -> None:
    for name in (SITTING_0601, SITTING_6801):
        _, segments, text = project[name]
        assert [s.ordinal for s in segments] == list(range(len(segments)))
        previous_end = 0
        for segment in segments:
            assert text[segment.start_char : segment.end_char] == segment.text
            assert segment.start_char >= previous_end
            previous_end = segment.end_char


def test_typographic_apostrophes_survive(project) -> None:
    _, segments, _ = project[SITTING_0601]
    assert any("l’ordre del dia" in s.text for s in segments)


def test_languages(project) -> None:
    document, segments, _ = project[SITTING_6801]
    assert document.languages[0] == "ca"
    carrizosa = [s for s in segments if s.speaker == "Carlos Carrizosa Torres"]
    assert carrizosa and all(s.language == "es" for s in carrizosa)
    president = [s for s in segments if s.speaker == "El president" and s.word_count > 20]
    assert president and all(s.language == "ca" for s in president)
    investiture, _, _ = project[SITTING_0601]
    assert investiture.languages == ("ca",)


def test_segments_and_excluded_regions_cover_each_sitting_exactly() -> None:
    """Every character of a real sitting is in one segment or one excluded region, and every
    speaker is a name the speaker style gives (no `Primer:` or `Diu:` inside a speech)."""
    roles = RoleResolver(DEFAULT_INTERVIEWER_LABELS)
    for name in (SITTING_0601, SITTING_6801):
        document = read_file(CORPUS / name)
        styled = {speaker_paragraph_name(p.text, p.style) for p in document.paragraphs}
        for unit in Unit:
            segmentation = segment_document(document, unit, roles)
            assert_span_invariants(document, segmentation)
            assert {s.speaker for s in segmentation.segments} <= styled - {None}


MANIFESTOS = CORPUS.parent / "cmp-spanish" / "quasi-sentences.csv"


@pytest.mark.skipif(not MANIFESTOS.is_file(), reason=f"manifestos not available in {MANIFESTOS}")
def test_manifestos_lose_no_paragraph_and_gain_no_speaker(tmp_path: Path) -> None:
    """The 64 Spanish manifestos of cmp-spanish, each written as a text file of its
    quasi-sentences in order: before the rule, 1,476 paragraphs were dropped as front matter and
    13 labels such as `Proponemos:` became speakers."""
    with MANIFESTOS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_manifesto: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_manifesto.setdefault(row["manifesto_id"], []).append(row)
    roles = RoleResolver(DEFAULT_INTERVIEWER_LABELS)
    excluded = []
    for manifesto, sentences in sorted(by_manifesto.items()):
        sentences.sort(key=lambda row: int(row["sentence_id"]))
        path = tmp_path / f"{manifesto}.txt"
        path.write_text("\n\n".join(row["text"].strip() for row in sentences), encoding="utf-8")
        document = read_file(path)
        segmentation = segment_document(document, Unit.TURN, roles)
        assert_span_invariants(document, segmentation)
        assert {s.speaker for s in segmentation.segments} == {None}
        excluded += [document.text[r.start_char : r.end_char] for r in segmentation.excluded]
    assert len(by_manifesto) == 64
    # one bracketed list of 15 words, a whole paragraph, is read as a stage direction
    assert len(excluded) == 1 and excluded[0].startswith("(Teruel, Daroca")
