"""Which language a segment is in: from metadata, else identified with py3langid's model.

The model is py3langid's, restricted to the study's languages, which makes it both faster and more
accurate than asking among ~100; qualcode ships that part of it (nothing is downloaded). The scores
are py3langid's own, computed with numpy for all the segments of a document at once (py3langid
walks each text byte by byte in Python, most of ingest's time before). Short
segments ("Sí, és clar.") carry too little evidence: they take the document's main language. A long
segment is checked sentence by sentence when the whole-segment guess is not clear-cut, so a turn
that switches between Catalan and Spanish is recorded as ``ca,es`` and gets both languages'
patterns when coded.
"""

from __future__ import annotations

import importlib.resources
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
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


# py3langid's model for the study's languages, written by tools/language_model.py: the arrays
# py3langid ships (BSD-3-Clause; data/README.md), only these languages' columns, so that loading
# it does not mean decompressing the model of 97 languages.
MODEL_PATH = Path(str(importlib.resources.files("qualcode"))) / "ingest/data/language_model.npz"


@dataclass(frozen=True)
class _ModelArrays:
    """What the scorer needs of the model, for a set of languages."""

    classes: list[str]  # one per column; a script alias would repeat its language's code
    table: Any  # float32, features x classes: the log-probability of a feature per language
    prior: Any  # float32, per class
    next_move: Any  # the automaton's distinct rows of 256 next states, one after another
    row_of_state: Any  # the row of next_move each state uses
    output: Any  # int32, the feature each state emits, or -1


@lru_cache(maxsize=4)
def _model_arrays(languages: tuple[str, ...]) -> _ModelArrays:
    """The model restricted to ``languages``, loaded once per process and language set."""
    import numpy as np

    with np.load(MODEL_PATH, allow_pickle=False) as data:
        shipped: list[str] = data["classes"].tolist()
        unknown = sorted(set(languages) - set(shipped))
        if unknown:
            raise ValueError(f"no language model for {unknown}: qualcode has {shipped}")
        columns = [i for i, code in enumerate(shipped) if code in set(languages)]
        return _ModelArrays(
            classes=[shipped[i] for i in columns],
            table=data["ptc"][:, columns].astype(np.float32),
            prior=data["pc"][columns].astype(np.float32),
            next_move=data["nextmove"],
            row_of_state=data["nextmove_row"],
            output=data["out_feat"].astype(np.int32),
        )


# py3langid walks a byte automaton one byte at a time in Python and counts the feature (a byte
# n-gram) each state emits. Its automaton forgets everything but the last WINDOW bytes: from any
# state, the same WINDOW bytes lead to the same state as from the start (checked over every pair
# of states when this was written; tests/test_language_accuracy.py compares the scores). So the
# state at each byte is found for all bytes at once, walking WINDOW steps from the start over the
# bytes before it, and the texts of a whole document are scored together.
WINDOW = 6
_BATCH_BYTES = 1 << 20


class _Scorer:
    """py3langid's naive Bayes scores, computed with numpy over many texts at once.

    Same model, same features, same arithmetic (float32, counts through ``log1p``, scaled by the
    square root of the length before the softmax); only the order of the sums differs.
    """

    def __init__(self, model: _ModelArrays) -> None:
        import numpy as np

        self.np = np
        self.classes = model.classes
        # A script alias's column is added to its language's first one, as py3langid does.
        first: dict[str, int] = {}
        self.alias_pairs: list[tuple[int, int]] = []
        for column, code in enumerate(self.classes):
            if code in first:
                self.alias_pairs.append((first[code], column))
            else:
                first[code] = column
        self.table = model.table
        self.prior = model.prior
        self.next_move = model.next_move
        self.row_base = model.row_of_state.astype(np.int32) << 8
        self.output = model.output
        self.feature_bits = max(int(len(self.table) - 1).bit_length(), 1)
        after_one = self.next_move[self.row_base[0] + np.arange(256)].astype(np.int32)
        self.two_steps = self.next_move[
            (self.row_base[after_one][:, None] + np.arange(256)).ravel()
        ].astype(np.int32)

    def scores(self, texts: Sequence[str]) -> Any:
        """One row of probabilities per text, one column per language in ``self.classes``."""
        np = self.np
        encoded = [_encode(text) for text in texts]
        result = np.empty((len(texts), len(self.classes)), dtype=np.float32)
        start = 0
        while start < len(encoded):
            stop, size = start, 0
            while stop < len(encoded) and (
                stop == start or size + len(encoded[stop]) <= _BATCH_BYTES
            ):
                size += len(encoded[stop])
                stop += 1
            result[start:stop] = self._batch(encoded[start:stop])
            start = stop
        return result

    def _batch(self, encoded: list[bytes]) -> Any:
        np = self.np
        lengths = np.fromiter((len(data) for data in encoded), dtype=np.int64, count=len(encoded))
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.int32)
        # Each (text, feature) pair is counted as one number, the text's in the high bits, sorted:
        # in 32 bits when the batch's texts allow it, as 32-bit numbers sort faster.
        key_type = np.int64 if len(encoded) >= 1 << (31 - self.feature_bits) else np.int32
        text_key = np.repeat(np.arange(len(encoded), dtype=key_type) << self.feature_bits, lengths)
        position = np.arange(len(data)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        state = np.empty(len(data), dtype=np.int32)
        # Most bytes have WINDOW - 1 bytes of their text before them: every byte from the
        # WINDOW-th on is walked over the WINDOW - 1 bytes before it in the joined data (slices,
        # not look-ups), and the bytes near the start of a text are walked again below. The
        # first two steps from the start are one look-up in a table of every pair of bytes.
        walk = max(len(data) - WINDOW + 1, 0)
        walked = self.two_steps[(data[:walk] << 8) | data[1 : 1 + walk]]
        for step in range(2, WINDOW):
            walked = self.next_move[self.row_base[walked] + data[step : step + walk]]
        state[WINDOW - 1 :] = walked
        near_start = np.flatnonzero(position < WINDOW - 1)
        walked = np.zeros(len(near_start), dtype=np.int32)
        for back in range(WINDOW - 2, -1, -1):
            inside = np.flatnonzero(position[near_start] >= back)
            walked[inside] = self.next_move[
                self.row_base[walked[inside]] + data[near_start[inside] - back]
            ]
        state[near_start] = walked
        # A byte that emits no feature has -1 there, which sets every bit of its key: all of
        # them sort first as one key, dropped below.
        text_key |= self.output[state]
        text_key.sort()
        starts = np.flatnonzero(np.r_[len(text_key) > 0, text_key[1:] != text_key[:-1]])
        counts = np.diff(np.r_[starts, len(text_key)])
        keys = text_key[starts]
        if len(keys) and keys[0] < 0:
            keys, counts = keys[1:], counts[1:]
        texts_found = keys >> self.feature_bits
        # log1p of each count once: most counts are small and repeat.
        log_count = np.log1p(np.arange(counts.max() + 1 if len(counts) else 1, dtype=np.float32))
        features = np.take(self.table, keys & ((1 << self.feature_bits) - 1), axis=0)
        weighted = log_count[counts][:, None] * features
        raw = np.zeros((len(encoded), len(self.classes)), dtype=np.float32)
        if len(keys):
            first = np.flatnonzero(np.r_[True, texts_found[1:] != texts_found[:-1]])
            present = texts_found[first]
            raw[present] = np.add.reduceat(weighted, first, axis=0) + self.prior
        # A text without any feature scores 0 for every language, as in py3langid: uniform.
        raw *= (1.0 / np.sqrt(np.maximum(lengths, 1))).astype(np.float32)[:, None]
        raw = np.exp(raw - raw.max(axis=1, keepdims=True))
        raw /= raw.sum(axis=1, keepdims=True)
        for first_column, alias in self.alias_pairs:
            raw[:, first_column] += raw[:, alias]
            raw[:, alias] = 0.0
        return raw

    def best(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """The first of :meth:`rank` for each text, without sorting every language."""
        np = self.np
        # rank keeps each language's first column, and its stable sort the first of equal
        # scores: so does argmax over those columns in the same order.
        columns = [self.classes.index(language) for language in dict.fromkeys(self.classes)]
        chosen = self.scores(texts)[:, columns]
        best = chosen.argmax(axis=1)
        scores = chosen[np.arange(len(best)), best].tolist()
        return [
            (self.classes[columns[i]], score)
            for i, score in zip(best.tolist(), scores, strict=True)
        ]

    def rank(self, texts: Sequence[str]) -> list[list[tuple[str, float]]]:
        """Every language by probability, best first, for each text (py3langid's ``rank``)."""
        ranked = []
        for row in self.scores(texts).tolist():
            merged: dict[str, float] = {}
            for language, score in zip(self.classes, row, strict=True):
                merged.setdefault(language, score)
            ranked.append(sorted(merged.items(), key=lambda item: item[1], reverse=True))
        return ranked


def _encode(text: str) -> bytes:
    """The bytes py3langid scores for a text."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


class LanguageIdentifier:
    """py3langid's model restricted to a set of languages, loaded on first use."""

    def __init__(self, languages: Sequence[str] = SUPPORTED_LANGUAGES) -> None:
        self.languages = tuple(languages)

    @cached_property
    def _scorer(self) -> _Scorer:
        return _Scorer(_model_arrays(self.languages))

    def load(self) -> None:
        """Load the model now rather than on first use (before forking workers that share it)."""
        self._scorer  # noqa: B018 - a cached property: reading it loads the model

    def rank(self, text: str) -> list[tuple[str, float]]:
        return self.rank_many([text])[0]

    def rank_many(self, texts: Sequence[str]) -> list[list[tuple[str, float]]]:
        """:meth:`rank` for many texts in one pass."""
        return self._scorer.rank([text[:_SAMPLE_CHARS] for text in texts])

    def best_many(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """The most likely language of each text and its probability (``rank(text)[0]``)."""
        return self._scorer.best([text[:_SAMPLE_CHARS] for text in texts])

    def segment_languages(self, text: str, word_count: int) -> tuple[str, ...] | None:
        """The languages of one segment, or None when it is too short to tell."""
        return self.segments_languages([(text, word_count)])[0]

    def segments_languages(
        self, segments: Sequence[tuple[str, int]]
    ) -> list[tuple[str, ...] | None]:
        """:meth:`segment_languages` for many ``(text, word_count)`` pairs, scored together."""
        detected: list[tuple[str, ...] | None] = [None] * len(segments)
        to_rank = [i for i, (_, words) in enumerate(segments) if words >= MIN_WORDS_TO_DETECT]
        best: dict[int, str] = {}
        unclear: dict[int, list[tuple[str, int]]] = {}
        for index, (language, confidence) in zip(
            to_rank, self.best_many([segments[i][0] for i in to_rank]), strict=True
        ):
            text, word_count = segments[index]
            best[index] = language
            if confidence >= CLEAR_CONFIDENCE or word_count < 2 * MIN_WORDS_PER_SENTENCE:
                detected[index] = (language,)
                continue
            sentences = [(s, len(s.split())) for s in _SENTENCE.findall(text)]
            unclear[index] = [(s, n) for s, n in sentences if n >= MIN_WORDS_PER_SENTENCE]
        sentences = [pair for pairs in unclear.values() for pair in pairs]
        ranks = iter(self.best_many([sentence for sentence, _ in sentences]))
        for index, pairs in unclear.items():
            found: Counter[str] = Counter()
            for _, words in pairs:
                language, sentence_confidence = next(ranks)
                if sentence_confidence >= CLEAR_SENTENCE_CONFIDENCE:
                    found[language] += words
            total = sum(found.values())
            kept = tuple(
                lang for lang, count in found.most_common() if count >= MIN_SHARE_OF_SEGMENT * total
            )
            detected[index] = kept or (best[index],)
        return detected


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
        return [_with_language(s, declared[0]) for s in segments], declared
    detected: list[tuple[str, ...] | None] = []
    words: Counter[str] = Counter()
    for segment, languages in zip(
        segments,
        identifier.segments_languages([(s.text, s.word_count) for s in segments]),
        strict=True,
    ):
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
        _with_language(segment, ",".join(languages) if languages else main)
        for segment, languages in zip(segments, detected, strict=True)
    ]
    return assigned, document_languages


def _with_language(segment: Segment, language: str) -> Segment:
    """The segment with its language: its fields passed on as they are (``dataclasses.replace``
    checks every field of every segment again, which ingest paid for each one)."""
    return Segment(**{**vars(segment), "language": language})
