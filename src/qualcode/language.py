"""Which language a segment is in: from metadata, else identified with py3langid.

py3langid ships its model inside the package (nothing is downloaded) and is restricted here to the
study's languages, which makes it both faster and more accurate than asking among ~100. Short
segments ("Sí, és clar.") carry too little evidence: they take the document's main language. A long
segment is checked sentence by sentence when the whole-segment guess is not clear-cut, so a turn
that switches between Catalan and Spanish is recorded as ``ca,es`` and gets both languages'
patterns when coded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property, lru_cache
from typing import Any

from qualcode.models import Segment

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "es", "ca")
MIN_WORDS_TO_DETECT = 6
MIN_WORDS_PER_SENTENCE = 5
MIN_SHARE_OF_DOCUMENT = 0.10
# py3langid's normalised probabilities are peaked: a turn in one language scores above 0.9999,
# while a Catalan turn with several Spanish sentences still scores 0.99-0.9997. Below
# CLEAR_CONFIDENCE a segment is checked sentence by sentence; a sentence counts when it is itself
# clear, and a language is kept when it holds MIN_SHARE_OF_SEGMENT of the words counted, so that
# one misread sentence in a long speech does not make it bilingual.
CLEAR_CONFIDENCE = 0.9999
CLEAR_SENTENCE_CONFIDENCE = 0.99
MIN_SHARE_OF_SEGMENT = 0.15
_SAMPLE_CHARS = 2000

_NAMES = {
    "english": "en",
    "anglès": "en",
    "ingles": "en",
    "inglés": "en",
    "en-gb": "en",
    "en-us": "en",
    "spanish": "es",
    "castellano": "es",
    "español": "es",
    "espanol": "es",
    "castellà": "es",
    "espanyol": "es",
    "es-es": "es",
    "catalan": "ca",
    "català": "ca",
    "catala": "ca",
    "catalán": "ca",
    "ca-es": "ca",
}
_SENTENCE = re.compile(r"[^.!?…]+[.!?…]*")


def normalise_language(value: str) -> tuple[str, ...]:
    """``Catalan``, ``ca-ES``, ``ca; es`` → language codes, in the order given."""
    codes: list[str] = []
    for part in re.split(r"[;,+/]|\s+and\s+|\s+i\s+|\s+y\s+", value):
        token = part.strip().lower()
        if not token:
            continue
        code = _NAMES.get(token, token.split("-")[0].split("_")[0])
        if code not in codes:
            codes.append(code)
    return tuple(codes)


@lru_cache(maxsize=4)
def _load_model(languages: tuple[str, ...]) -> Any:
    """Loading the model takes about half a second: do it once per process and language set."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.langid import LanguageIdentifier as LangidModel

    model = LangidModel.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    model.set_languages(list(languages))
    return model


class LanguageIdentifier:
    """A py3langid model restricted to a set of languages, loaded on first use."""

    def __init__(self, languages: Sequence[str] = SUPPORTED_LANGUAGES) -> None:
        self.languages = tuple(languages)

    @cached_property
    def _model(self) -> Any:
        return _load_model(self.languages)

    def rank(self, text: str) -> list[tuple[str, float]]:
        return [(str(lang), float(p)) for lang, p in self._model.rank(text[:_SAMPLE_CHARS])]

    def segment_languages(self, text: str, word_count: int) -> tuple[str, ...] | None:
        """The languages of one segment, or None when it is too short to tell."""
        if word_count < MIN_WORDS_TO_DETECT:
            return None
        ranked = self.rank(text)
        best, confidence = ranked[0]
        if confidence >= CLEAR_CONFIDENCE or word_count < 2 * MIN_WORDS_PER_SENTENCE:
            return (best,)
        found: Counter[str] = Counter()
        for sentence in _SENTENCE.findall(text):
            words = len(sentence.split())
            if words >= MIN_WORDS_PER_SENTENCE:
                language, sentence_confidence = self.rank(sentence)[0]
                if sentence_confidence >= CLEAR_SENTENCE_CONFIDENCE:
                    found[language] += words
        total = sum(found.values())
        kept = tuple(
            lang for lang, count in found.most_common() if count >= MIN_SHARE_OF_SEGMENT * total
        )
        return kept or (best,)


def assign_languages(
    segments: Sequence[Segment],
    declared: tuple[str, ...],
    identifier: LanguageIdentifier,
) -> tuple[list[Segment], tuple[str, ...]]:
    """Give every segment its language(s) and return the document's languages, main one first.

    ``declared`` comes from metadata; a single declared language is taken as given, several are
    told apart per segment. With nothing declared, each segment is identified and the document's
    languages are those that hold at least a tenth of its words.
    """
    if len(declared) == 1:
        return [replace(s, language=declared[0]) for s in segments], declared
    detected: list[tuple[str, ...] | None] = []
    words: Counter[str] = Counter()
    for segment in segments:
        languages = identifier.segment_languages(segment.text, segment.word_count)
        if languages is not None and declared:
            languages = tuple(lang for lang in languages if lang in declared) or declared[:1]
        detected.append(languages)
        if languages is not None:
            for lang in languages:
                words[lang] += segment.word_count // len(languages)
    total = sum(words.values())
    if total == 0:
        document_languages = declared[:1] or (identifier.languages[0],)
        if not declared and segments:
            joined = " ".join(s.text for s in segments)[:_SAMPLE_CHARS]
            document_languages = (identifier.rank(joined)[0][0],)
    else:
        document_languages = tuple(
            lang for lang, count in words.most_common() if count / total >= MIN_SHARE_OF_DOCUMENT
        )
    main = document_languages[0]
    assigned = [
        replace(segment, language=",".join(languages) if languages else main)
        for segment, languages in zip(segments, detected, strict=True)
    ]
    return assigned, document_languages
