"""Language per segment and per document: identified (en, es, ca) or declared in metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.ingest import ingest
from qualcode.ingest.language import LanguageIdentifier, assign_languages, normalise_language
from qualcode.ingest.segment import count_words
from qualcode.models import Segment
from qualcode.store import Store

ENGLISH = (
    "The council has lost almost half of its budget since 2010, and the housing waiting list "
    "keeps growing every year."
)
SPANISH = (
    "El ayuntamiento tiene que garantizar el derecho a la vivienda y parar los desahucios en los "
    "barrios más pobres de la ciudad."
)
CATALAN = (
    "L’Ajuntament ha de garantir el dret a l’habitatge i aturar els desnonaments als barris més "
    "pobres de la ciutat."
)
CATALAN_2 = (
    "Quan jo era petita, aquí tothom venia d’Andalusia i de Múrcia, i ara a Roquetes hi ha veïns "
    "del Pakistan, del Marroc i d’Hondures."
)
SPANISH_2 = (
    "Las mujeres migradas de ahora hacen lo mismo que hacían mi madre y mis tías en los sesenta: "
    "limpian casas, cuidan a los abuelos y sostienen a la familia."
)


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier()


def segment(ordinal: int, text: str) -> Segment:
    return Segment(ordinal, 0, len(text), text, word_count=count_words(text))


@pytest.mark.parametrize(
    ("text", "language"),
    [(ENGLISH, "en"), (SPANISH, "es"), (CATALAN, "ca"), (CATALAN_2, "ca"), (SPANISH_2, "es")],
)
def test_identifies_english_spanish_and_catalan(
    identifier: LanguageIdentifier, text: str, language: str
) -> None:
    assert identifier.segment_languages(text, count_words(text)) == (language,)


def test_too_short_to_tell(identifier: LanguageIdentifier) -> None:
    assert identifier.segment_languages("Sí, és clar.", 3) is None


@pytest.mark.parametrize(("long", "language"), [(CATALAN, "ca"), (SPANISH, "es"), (ENGLISH, "en")])
def test_short_segments_take_the_document_language(
    identifier: LanguageIdentifier, long: str, language: str
) -> None:
    segments = [segment(0, long), segment(1, "Sí, sí."), segment(2, long), segment(3, "Vale.")]
    assigned, languages = assign_languages(segments, (), identifier)
    assert languages == (language,)
    assert [s.language for s in assigned] == [language] * 4


def test_document_mixing_catalan_and_spanish_turns(identifier: LanguageIdentifier) -> None:
    texts = [CATALAN, SPANISH, CATALAN_2, SPANISH_2, CATALAN, "D’acord."]
    assigned, languages = assign_languages(
        [segment(i, t) for i, t in enumerate(texts)], (), identifier
    )
    assert set(languages) == {"ca", "es"}
    assert languages[0] == "ca"  # the main language comes first: more Catalan words here
    assert [s.language for s in assigned] == ["ca", "es", "ca", "es", "ca", "ca"]


def test_code_switching_segment_gets_both_languages(identifier: LanguageIdentifier) -> None:
    switching = f"{CATALAN_2} {SPANISH_2} {CATALAN}"
    assigned, languages = assign_languages(
        [segment(0, CATALAN), segment(1, switching), segment(2, CATALAN_2)], (), identifier
    )
    assert assigned[1].language is not None
    assert sorted(assigned[1].language.split(",")) == ["ca", "es"]
    assert assigned[0].language == assigned[2].language == "ca"
    assert languages[0] == "ca"


def test_a_small_share_of_another_language_is_not_a_document_language(
    identifier: LanguageIdentifier,
) -> None:
    texts = [ENGLISH] * 12 + [SPANISH]
    assigned, languages = assign_languages(
        [segment(i, t) for i, t in enumerate(texts)], (), identifier
    )
    assert languages == ("en",)
    assert assigned[-1].language == "es"  # the segment still says what it is


def test_one_declared_language_is_taken_as_given(identifier: LanguageIdentifier) -> None:
    assigned, languages = assign_languages([segment(0, SPANISH)], ("ca",), identifier)
    assert languages == ("ca",)
    assert assigned[0].language == "ca"


def test_several_declared_languages_are_told_apart(identifier: LanguageIdentifier) -> None:
    segments = [segment(0, CATALAN), segment(1, SPANISH), segment(2, ENGLISH), segment(3, "Sí.")]
    assigned, languages = assign_languages(segments, ("ca", "es"), identifier)
    assert set(languages) == {"ca", "es"}
    # English was not declared: the segment gets a declared language, never "en".
    assert [s.language for s in assigned[:2]] == ["ca", "es"]
    assert assigned[2].language in ("ca", "es")
    assert "en" not in languages


@pytest.mark.parametrize(
    ("declared", "codes"),
    [
        ("Catalan", ("ca",)),
        ("català", ("ca",)),
        ("ca-ES", ("ca",)),
        ("CA", ("ca",)),
        ("ca; es", ("ca", "es")),
        ("es, ca", ("es", "ca")),
        ("Catalan and Spanish", ("ca", "es")),
        ("català i castellà", ("ca", "es")),
        ("Español", ("es",)),
        ("castellano", ("es",)),
        ("English", ("en",)),
        ("en_GB", ("en",)),
        ("ca; ca-ES", ("ca",)),
    ],
)
def test_declared_languages_are_normalised(declared: str, codes: tuple[str, ...]) -> None:
    assert normalise_language(declared) == codes


def test_ingest_records_detected_and_declared_languages(
    corpus: Path, project_path: Path, write_text
) -> None:
    write_text(
        corpus / "c04.txt",
        "\n\n".join(
            [
                f"Entrevistadora: {CATALAN}",
                f"Rosa: {CATALAN_2} {SPANISH_2}",
                f"Entrevistadora: {SPANISH}",
                "Rosa: Sí, és clar.",
            ]
        ),
    )
    write_text(corpus / "b01.txt", f"Interviewer: {ENGLISH}\n\nSarah: Yes.\n")
    write_text(
        corpus / "c05.txt", f"Q: {SPANISH}\n\nA: {SPANISH_2}", front_matter="language: ca-ES"
    )
    with Store.open(project_path, create=True) as store:
        result = ingest(store, [corpus])
        documents = {d.name: d for d in store.documents()}
        c04 = documents["c04.txt"]
        assert set(c04.languages) == {"ca", "es"}
        assert c04.attributes["language"] == ",".join(c04.languages)
        languages = [s.language for s in store.segments(c04.document_id)]
        assert languages[0] == "ca" and languages[2] == "es"
        assert languages[1] is not None and sorted(languages[1].split(",")) == ["ca", "es"]
        assert languages[3] == c04.languages[0]
        b01 = documents["b01.txt"]
        assert (b01.language, b01.languages) == ("en", ("en",))
        c05 = documents["c05.txt"]  # declared Catalan wins over what the text looks like
        assert (c05.language, c05.attributes["language"]) == ("ca", "ca-ES")
        assert {s.language for s in store.segments(c05.document_id)} == {"ca"}
        assert store.mixed_language_documents() == [("c04.txt", ",".join(c04.languages))]
    by_name = {f.name: f for f in result.files}
    assert set(by_name["c04.txt"].languages) == {"ca", "es"}
