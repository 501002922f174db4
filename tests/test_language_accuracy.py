"""The batched scorer chooses exactly what py3langid chooses, and gets labelled segments right.

``ingest.language`` scores with numpy over py3langid's own model (its arrays for the three
languages, shipped in qualcode: tests/test_language_model.py). These tests compare it with
py3langid itself (``rank``, one text at a time, as qualcode used it before) on labelled segments in
tests/fixtures/language/, on the sample transcripts and, when ../shared/corpora is present, on the
Spanish manifesto sentences and the Parlament de Catalunya transcripts.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import docx
import pytest

from qualcode.ingest.language import (
    _SENTENCE,
    CLEAR_CONFIDENCE,
    CLEAR_SENTENCE_CONFIDENCE,
    MIN_SHARE_OF_SEGMENT,
    MIN_WORDS_PER_SENTENCE,
    MIN_WORDS_TO_DETECT,
    SUPPORTED_LANGUAGES,
    LanguageIdentifier,
)
from qualcode.ingest.segment import count_words

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "language"
LABELLED = FIXTURES / "segments.tsv"
REAL = (FIXTURES / "real_segments.tsv", FIXTURES / "hand_labelled.tsv")
CORPORA = ROOT.parent / "shared" / "corpora"
MANIFESTO = CORPORA / "cmp-spanish" / "quasi-sentences.csv"
PARLAMENT = CORPORA / "parlament-catalunya"


def labelled() -> list[tuple[str, str]]:
    lines = LABELLED.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return [(language, text) for language, text in rows]


def real_labelled() -> list[tuple[str, str]]:
    """(label, text) of the real segments of tests/fixtures/language/ (see the README there)."""
    rows = []
    for path in REAL:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                label, _, text = line.split("\t")
                if label != "x":
                    rows.append((label, text))
    return rows


def transcript_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted((ROOT / "transcripts").rglob("*")):
        if path.suffix in {".txt", ".md"}:
            text = path.read_bytes().decode("utf-8", errors="replace")
            paragraphs += [line for line in text.splitlines() if line.strip()]
        elif path.suffix == ".docx":
            paragraphs += [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]
    return paragraphs


def py3langid_segment_languages(model: Any, text: str, word_count: int) -> tuple[str, ...] | None:
    """qualcode's rule for one segment as it was written over py3langid's ``rank``."""
    if word_count < MIN_WORDS_TO_DETECT:
        return None
    best, confidence = model.rank(text[:2000])[0]
    if confidence >= CLEAR_CONFIDENCE or word_count < 2 * MIN_WORDS_PER_SENTENCE:
        return (best,)
    found: Counter[str] = Counter()
    for sentence in _SENTENCE.findall(text):
        words = len(sentence.split())
        if words >= MIN_WORDS_PER_SENTENCE:
            language, sentence_confidence = model.rank(sentence[:2000])[0]
            if sentence_confidence >= CLEAR_SENTENCE_CONFIDENCE:
                found[language] += words
    total = sum(found.values())
    kept = tuple(lang for lang, n in found.most_common() if n >= MIN_SHARE_OF_SEGMENT * total)
    return kept or (best,)


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier()


def load_py3langid(languages: tuple[str, ...] = SUPPORTED_LANGUAGES) -> Any:
    """py3langid's own identifier restricted to ``languages``: the reference (a dev dependency)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.langid import LanguageIdentifier as LangidModel

    model = LangidModel.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    model.set_languages(list(languages))
    return model


@pytest.fixture(scope="module")
def py3langid() -> Any:
    return load_py3langid()


def assert_same_as_py3langid(
    identifier: LanguageIdentifier, model: Any, texts: list[str], tolerance: float = 1e-5
) -> None:
    ours = identifier.rank_many(texts)
    theirs = [model.rank(text[:2000]) for text in texts]
    for text, mine, reference in zip(texts, ours, theirs, strict=True):
        assert [lang for lang, _ in mine] == [lang for lang, _ in reference], text
        for (_, p), (_, q) in zip(mine, reference, strict=True):
            assert p == pytest.approx(q, abs=tolerance), text
    words = [count_words(text) for text in texts]
    assert identifier.segments_languages(list(zip(texts, words, strict=True))) == [
        py3langid_segment_languages(model, text, n) for text, n in zip(texts, words, strict=True)
    ]


def test_labelled_segments_get_their_languages(identifier: LanguageIdentifier) -> None:
    rows = labelled()
    assert Counter(language for language, _ in rows)["ca"] >= 20
    found = identifier.segments_languages([(text, count_words(text)) for _, text in rows])
    assert [",".join(f or ()) for f in found] == [language for language, _ in rows]


def test_same_choices_as_py3langid_on_labelled_segments(
    identifier: LanguageIdentifier, py3langid: Any
) -> None:
    assert_same_as_py3langid(identifier, py3langid, [text for _, text in labelled()])


def test_same_choices_as_py3langid_on_odd_texts(
    identifier: LanguageIdentifier, py3langid: Any
) -> None:
    """Empty, featureless, upper-case, long and non-Latin texts score as py3langid scores them."""
    texts = ["", " ", "€€€ ###", "a", "HOLA, QUÉ TAL ESTÁS HOY", "Привет, как дела?", "x" * 5000]
    texts.append("El ayuntamiento tiene que garantizar el derecho a la vivienda. " * 60)
    assert_same_as_py3langid(identifier, py3langid, texts)
    for text in texts:  # alone in its batch: a batch of no feature at all, or of no byte
        assert_same_as_py3langid(identifier, py3langid, [text])


def test_a_text_scores_the_same_whatever_its_batch(identifier: LanguageIdentifier) -> None:
    """A batch of many short texts (keys in 64 bits) scores each as a batch of its own."""
    words = " ".join(transcript_paragraphs()).split()
    texts = [" ".join(words[i : i + 2]) for i in range(0, 2 * 20_000, 2)]
    assert len(texts) == 20_000
    together = identifier.rank_many(texts)
    assert together[:300] == [identifier.rank(text) for text in texts[:300]]
    assert together[-300:] == [identifier.rank(text) for text in texts[-300:]]


def test_same_choices_as_py3langid_on_the_sample_transcripts(
    identifier: LanguageIdentifier, py3langid: Any
) -> None:
    paragraphs = transcript_paragraphs()
    assert len(paragraphs) > 200
    assert_same_as_py3langid(identifier, py3langid, paragraphs)


@pytest.mark.skipif(not MANIFESTO.is_file(), reason=f"{MANIFESTO} not available")
def test_spanish_manifesto_sentences(identifier: LanguageIdentifier, py3langid: Any) -> None:
    with MANIFESTO.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert len(texts) > 9000
    assert_same_as_py3langid(identifier, py3langid, texts)
    found = identifier.segments_languages([(text, count_words(text)) for text in texts])
    told = [f for f in found if f is not None]
    assert sum(f == ("es",) for f in told) / len(told) > 0.97


@pytest.mark.skipif(not PARLAMENT.is_dir(), reason=f"{PARLAMENT} not available")
def test_same_choices_as_py3langid_on_parlament_transcripts(
    identifier: LanguageIdentifier, py3langid: Any
) -> None:
    paragraphs = []
    for path in sorted(PARLAMENT.glob("*.docx")):
        paragraphs += [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]
    assert len(paragraphs) > 600
    assert_same_as_py3langid(identifier, py3langid, paragraphs)


# Floors just below what the scorer gets on the real segments (bench/README.md has the figures
# and the other identifiers'): a change that identifies fewer of them fails here.
REAL_FLOORS = {"en": 0.985, "ca": 0.994, "es": 0.992}
SHORT_FLOOR = 0.985  # Catalan and Spanish segments of 3 to 5 words
BOTH_FOUND_FLOOR = 0.40  # ca,es turns in which ingest's rule finds both languages
CALLED_BILINGUAL_CEILING = 0.005  # one-language segments ingest's rule records as two


def test_real_segments_get_their_language(identifier: LanguageIdentifier) -> None:
    rows = [(label, text) for label, text in real_labelled() if "," not in label]
    assert Counter(label for label, _ in rows).most_common()[-1][1] >= 1000
    found = [language for language, _ in identifier.best_many([text for _, text in rows])]
    for language, floor in REAL_FLOORS.items():
        told = [f == label for f, (label, _) in zip(found, rows, strict=True) if label == language]
        assert sum(told) / len(told) >= floor, language
    short = [
        f == label
        for f, (label, text) in zip(found, rows, strict=True)
        if label != "en" and len(text.split()) <= 5
    ]
    assert len(short) > 400
    assert sum(short) / len(short) >= SHORT_FLOOR


def test_real_turns_that_switch_language(identifier: LanguageIdentifier) -> None:
    rows = real_labelled()
    mixed = [text for label, text in rows if label == "ca,es"]
    single = [text for label, text in rows if "," not in label and count_words(text) >= 10]
    assert len(mixed) >= 80
    found = identifier.segments_languages([(text, count_words(text)) for text in mixed])
    both = sum(set(languages or ()) == {"ca", "es"} for languages in found)
    assert both / len(mixed) >= BOTH_FOUND_FLOOR
    found = identifier.segments_languages([(text, count_words(text)) for text in single])
    called_bilingual = sum(len(languages or ()) > 1 for languages in found)
    assert called_bilingual / len(single) <= CALLED_BILINGUAL_CEILING


def test_same_choices_as_py3langid_on_real_segments(
    identifier: LanguageIdentifier, py3langid: Any
) -> None:
    # Float32 sums in another order: on a long, evenly split turn the probabilities differ by up
    # to 1.2e-5, far from changing a choice.
    texts = [text for _, text in real_labelled()]
    assert_same_as_py3langid(identifier, py3langid, texts, tolerance=2e-5)
