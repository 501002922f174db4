"""Learned coding: a model per code learned from a person's codings, then applied to the rest.

**Examples.** For a person and a code, the positives are the segments the person stands behind with
that code (:func:`qualcode.people.codings.coder_codings`) and the negatives the segments they looked
at for that code, by the rule ``agree`` uses (:func:`qualcode.agreement.coverage`), and did not code
with it. Only segments in the code's scope count (respondent turns and unknown speakers by default,
as the codebook says). A code with fewer than :data:`MIN_POSITIVES` positives, or negatives, is
refused: its figures would mean nothing.

**Features**, from the folded text (:func:`qualcode.text.fold_words`), so that accents, case and
apostrophes do not split a word: TF-IDF of words and word pairs, TF-IDF of character n-grams of 2
to 5 within words (they carry Catalan, Spanish and English endings and compounds alike), and, when
a codebook is given, one feature per code of the codebook that its patterns found in the segment.
**Context**: a segment's features can be its own plus those of its neighbours in the same
document, down-weighted by distance (:data:`CONTEXT_WEIGHTS`): manifesto sentences and interview
turns are coded in context, and a sentence's neighbours often say what it is about. Where topics
change from one segment to the next, the neighbours are noise; so ``learn`` cross-validates every
code both ways and keeps, for all codes, the way with the higher mean F1 (a tie: no context).

**Sentence vectors**, when the extra is installed (:mod:`qualcode.sentence_vectors`): each
segment's vector, in context as its other features are, feeds a second logistic regression per
code, and a segment's score is the mean of the two models' probabilities
(:data:`VECTOR_SHARE`). The words of a sample say what it holds; the vectors bring what the
encoder learned from far more text, which a few hundred examples cannot teach.

**Model**: a logistic regression per code with balanced class weights; the score of a segment is
its probability, and a segment is suggested a code when its score reaches the code's threshold.

**Figures.** Each code's precision, recall, F1 and Cohen's kappa against the person are
cross-validated (:data:`FOLDS` stratified folds, seed :data:`SEED`): every example is scored by a
model that did not see it, and judged at a threshold chosen on the other folds' scores, so the
threshold is not fitted to the example it judges. The vocabulary and word weights (IDF) are
learned from all the examples' text, labels unseen. The threshold kept for ``suggest`` maximises
F1 over every example's cross-validated score.

A model is stored as arrays (``numpy.savez``, no pickles: opening a project never runs code it
holds), with the scikit-learn version that computed them; another version refuses to use it.
"""

from __future__ import annotations

import io
import json
import math
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode import __version__
from qualcode.agreement import (
    Counts,
    Measure,
    cohen_kappa,
    coverage,
    pair_counts,
    precision_recall_f1,
)
from qualcode.codebook import Codebook, Scope, covers, load_codebook
from qualcode.coders import check_coder, learned_coder
from qualcode.errors import QualcodeError, UsageError, closest, did_you_mean
from qualcode.models import LearnedModelRecord
from qualcode.people.codings import coder_codings
from qualcode.people.lookup import codes_under
from qualcode.sentence_vectors import DIMENSIONS, PACKAGE, installed_version
from qualcode.store import Store, evidence_json, now
from qualcode.text import fold_words

if TYPE_CHECKING:
    import numpy
    from scipy import sparse

MIN_POSITIVES = 5
"""Fewest positives (and negatives) a code needs: below that, cross-validation cannot say
anything about it (each of the folds must hold one)."""
FOLDS = 5
SEED = 17
REGULARISATION = 1.0
"""``C`` of the logistic regressions: of 1, 3 and 10, the one that did best on a held-out draw
of cmp-spanish (bench/README.md)."""
DICTIONARY_WEIGHT = 1.0
"""The value of a codebook-hit feature, beside TF-IDF rows of length one."""
CONTEXT_WEIGHTS: tuple[float, ...] = (0.5, 0.25)
"""Weight of the features of the segments 1, 2, … before and after a segment in its document,
added to its own, when cross-validation says they help. Of ±1 at 0.3, 0.5 and 1, ±2 at
(0.5, 0.25) and ±3 at (0.5, 0.25, 0.125), these were the best on two 10 % draws of cmp-spanish
(bench/README.md)."""
MAX_CHAR_FEATURES = 150_000
VECTOR_SHARE = 0.5
"""Share of the sentence-vector model in a segment's score (the n-gram model has the rest). Of
0.3, 0.5 and 0.7, and of the vectors as extra columns of the n-gram model, the best on two 10 %
draws of cmp-spanish (bench/README.md)."""
EVIDENCE_WORDS = 3
"""Words a suggested coding names as its evidence: those that weighed most for it, short stop
words left out."""
SHORT_WORD = 4
"""Stop words this long or shorter (articles, prepositions, pronouns) are never evidence. The
stop-word lists also hold longer words that carry meaning (Spanish ``trabajo``), which stay."""
BATCH_SIZE = 2000


def feature_text(text: str) -> str:
    """The folded words of ``text``, separated by single spaces."""
    return " ".join(fold_words(text).split())


# -- features -----------------------------------------------------------------------------------


class Features:
    """Turns segments into a feature matrix: word and word-pair TF-IDF, character 2-5-gram
    TF-IDF (within words), and one column per codebook code its patterns found."""

    def __init__(
        self,
        word_terms: Sequence[str],
        word_idf: numpy.ndarray,
        char_terms: Sequence[str],
        char_idf: numpy.ndarray,
        dictionary_codes: Sequence[str],
    ) -> None:
        self.word_terms = list(word_terms)
        self.char_terms = list(char_terms)
        self.dictionary_codes = list(dictionary_codes)
        self._word = _vectorizer("word", self.word_terms, word_idf)
        self._char = _vectorizer("char_wb", self.char_terms, char_idf)
        self.word_idf = word_idf
        self.char_idf = char_idf
        self._dictionary_index = {code: index for index, code in enumerate(dictionary_codes)}

    @classmethod
    def fit(cls, texts: Sequence[str], dictionary_codes: Sequence[str]) -> Features:
        """Vocabularies and IDF weights from ``texts`` (feature texts, :func:`feature_text`)."""
        import numpy

        word = _new_vectorizer("word")
        char = _new_vectorizer("char_wb")
        word.fit(texts)
        char.fit(texts)
        return cls(
            _terms(word.vocabulary_),
            numpy.asarray(word.idf_, dtype=numpy.float64),
            _terms(char.vocabulary_),
            numpy.asarray(char.idf_, dtype=numpy.float64),
            dictionary_codes,
        )

    @property
    def size(self) -> int:
        return len(self.word_terms) + len(self.char_terms) + len(self.dictionary_codes)

    def matrix(self, texts: Sequence[str], hits: Sequence[Iterable[str]]) -> sparse.csr_matrix:
        """One row per text; ``hits``: the codebook codes found in each (ignored without)."""
        from scipy import sparse

        parts = [self._word.transform(texts), self._char.transform(texts)]
        if self.dictionary_codes:
            rows, columns = [], []
            for row, found in enumerate(hits):
                for code in found:
                    column = self._dictionary_index.get(code)
                    if column is not None:
                        rows.append(row)
                        columns.append(column)
            parts.append(
                sparse.csr_matrix(
                    ([DICTIONARY_WEIGHT] * len(rows), (rows, columns)),
                    shape=(len(texts), len(self.dictionary_codes)),
                )
            )
        return sparse.hstack(parts, format="csr")

    def word_columns(self, text: str) -> list[tuple[str, int]]:
        """(word, column) of each distinct single word of a feature text in the vocabulary."""
        index = self._word.vocabulary_
        seen: dict[str, int] = {}
        for word in text.split():
            if word not in seen and word in index:
                seen[word] = index[word]
        return list(seen.items())


def _new_vectorizer(analyzer: str, vocabulary: dict[str, int] | None = None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    if analyzer == "word":
        return TfidfVectorizer(
            token_pattern=r"\S+",
            lowercase=False,
            ngram_range=(1, 2),
            min_df=2,
            sublinear_tf=True,
            dtype=_float(),
            vocabulary=vocabulary,
        )
    return TfidfVectorizer(
        analyzer="char_wb",
        lowercase=False,
        ngram_range=(2, 5),
        min_df=2,
        sublinear_tf=True,
        max_features=None if vocabulary else MAX_CHAR_FEATURES,
        dtype=_float(),
        vocabulary=vocabulary,
    )


def _float() -> Any:
    import numpy

    return numpy.float32


def _vectorizer(analyzer: str, terms: Sequence[str], idf: numpy.ndarray) -> Any:
    vocabulary = {term: index for index, term in enumerate(terms)}
    vectorizer = _new_vectorizer(analyzer, vocabulary)
    vectorizer.idf_ = idf  # with a fixed vocabulary, the IDF weights are all it needs
    return vectorizer


def _terms(vocabulary: dict[str, int]) -> list[str]:
    terms = [""] * len(vocabulary)
    for term, index in vocabulary.items():
        terms[index] = term
    return terms


def neighbours(segments: Sequence[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """For each (document, start) of ``segments``: (position in ``segments``, distance) of the
    segments at most ``len(CONTEXT_WEIGHTS)`` away before and after it in the same document."""
    order = sorted(range(len(segments)), key=lambda index: segments[index])
    found: list[list[tuple[int, int]]] = [[] for _ in segments]
    for rank, index in enumerate(order):
        for distance in range(1, len(CONTEXT_WEIGHTS) + 1):
            for other in (rank - distance, rank + distance):
                if 0 <= other < len(order):
                    neighbour = order[other]
                    if segments[neighbour][0] == segments[index][0]:
                        found[index].append((neighbour, distance))
    return found


def in_context(
    matrix: sparse.csr_matrix,
    near: Sequence[Sequence[tuple[int, int]]],
    weights: Sequence[float],
) -> sparse.csr_matrix:
    """Each row of ``matrix`` plus its neighbours' rows (``near``: (row, distance) of each),
    weighted by ``weights[distance - 1]``; ``weights`` empty: ``matrix`` as it is. A dense
    ``matrix`` (sentence vectors) gives a dense one."""
    import numpy
    from scipy import sparse

    if not weights:
        return matrix
    rows, columns = list(range(matrix.shape[0])), list(range(matrix.shape[0]))
    values = [1.0] * matrix.shape[0]
    for row, found in enumerate(near):
        for neighbour, distance in found:
            if distance <= len(weights):
                rows.append(row)
                columns.append(neighbour)
                values.append(weights[distance - 1])
    mix = sparse.csr_matrix((values, (rows, columns)), shape=(len(near), matrix.shape[0]))
    if isinstance(matrix, numpy.ndarray):
        return numpy.asarray(mix @ matrix, dtype=matrix.dtype)
    return sparse.csr_matrix(mix @ matrix, dtype=matrix.dtype)


def dictionary_hits(
    codebook: Codebook | None, segments: Sequence[tuple[str, str | None, str | None]]
) -> list[set[str]]:
    """The codes a codebook's patterns find in each (text, languages, role), as ``code`` does."""
    if codebook is None:
        return [set() for _ in segments]
    matcher = _matcher(codebook)
    every = codebook.languages
    found = matcher.codings_batch(
        [(text, languages or every, role, 0) for text, languages, role in segments]
    )
    return [{code for code, _ in codings} for codings in found]


_MATCHERS: dict[str, Any] = {}


def _matcher(codebook: Codebook) -> Any:
    from qualcode.matching import Matcher

    matcher = _MATCHERS.get(codebook.content_hash)
    if matcher is None:
        matcher = _MATCHERS[codebook.content_hash] = Matcher(codebook)
    return matcher


# -- one code: cross-validation and the final model ---------------------------------------------


@dataclass(frozen=True)
class CodeFigures:
    """A code's cross-validated figures against the person, and the threshold kept."""

    code_path: str
    positives: int
    negatives: int
    counts: Counts
    """Examples coded by the person only (A), by the model only (B), by both, by neither."""
    precision: Measure
    recall: Measure
    f1: Measure
    kappa: Measure
    threshold: float

    def as_json(self) -> dict[str, Any]:
        return {
            "positives": self.positives,
            "negatives": self.negatives,
            "both": self.counts.both,
            "only_person": self.counts.only_a,
            "only_model": self.counts.only_b,
            "neither": self.counts.neither,
            "precision": self.precision.value,
            "recall": self.recall.value,
            "f1": self.f1.value,
            "kappa": self.kappa.value,
            "threshold": self.threshold,
        }


def best_threshold(scores: numpy.ndarray, labels: numpy.ndarray) -> float:
    """The score threshold with the highest F1 on these examples (halfway to the next score).

    Ties in F1 go to the higher threshold (fewer codings).
    """
    import numpy

    positives = int(labels.sum())
    if positives == 0 or len(scores) == 0:
        return 1.0
    order = numpy.argsort(-scores, kind="stable")
    ranked, ranked_labels = scores[order], labels[order]
    found = numpy.cumsum(ranked_labels)
    taken = numpy.arange(1, len(ranked) + 1)
    f1 = 2 * found / (taken + positives)
    last_of_ties = numpy.r_[ranked[:-1] != ranked[1:], True]
    f1 = numpy.where(last_of_ties, f1, -1.0)
    best = int(numpy.argmax(f1))
    if best + 1 < len(ranked):
        return float((ranked[best] + ranked[best + 1]) / 2)
    return float(ranked[best] / 2)


def _classifier() -> Any:
    from sklearn.linear_model import LogisticRegression

    # The dual problem: with far fewer examples than features it is the smaller one to solve,
    # and it gives the same weights as the primal.
    return LogisticRegression(
        C=REGULARISATION,
        class_weight="balanced",
        solver="liblinear",
        dual=True,
        random_state=SEED,
    )


def _probabilities(classifier: Any, matrix: Any) -> numpy.ndarray:
    probabilities: numpy.ndarray = classifier.predict_proba(matrix)[:, 1]
    return probabilities


def cross_validate(
    code_path: str, matrix: Any, labels: numpy.ndarray, vectors: numpy.ndarray | None = None
) -> CodeFigures:
    """:class:`CodeFigures` of a code from :data:`FOLDS`-fold cross-validation; with
    ``vectors`` (a row per example), of the blend of both models, on the same folds."""
    import numpy
    from sklearn.model_selection import StratifiedKFold

    positives = int(labels.sum())
    negatives = len(labels) - positives
    folds = StratifiedKFold(
        n_splits=min(FOLDS, positives, negatives), shuffle=True, random_state=SEED
    )
    scores = numpy.zeros(len(labels))
    fold_of = numpy.zeros(len(labels), dtype=int)
    for number, (train, test) in enumerate(folds.split(numpy.zeros(len(labels)), labels)):
        classifier = _classifier().fit(matrix[train], labels[train])
        scores[test] = _probabilities(classifier, matrix[test])
        if vectors is not None:
            second = _classifier().fit(vectors[train], labels[train])
            scores[test] = _blend(scores[test], _probabilities(second, vectors[test]))
        fold_of[test] = number
    predicted = numpy.zeros(len(labels), dtype=int)
    for number in range(folds.get_n_splits()):
        inside, outside = fold_of == number, fold_of != number
        threshold = best_threshold(scores[outside], labels[outside])
        predicted[inside] = scores[inside] >= threshold
    counts = pair_counts(labels.tolist(), predicted.tolist())
    precision, recall, f1 = precision_recall_f1(counts)
    return CodeFigures(
        code_path=code_path,
        positives=positives,
        negatives=negatives,
        counts=counts,
        precision=precision,
        recall=recall,
        f1=f1,
        kappa=cohen_kappa(counts),
        threshold=best_threshold(scores, labels),
    )


def _blend(ngram_scores: numpy.ndarray, vector_scores: numpy.ndarray) -> numpy.ndarray:
    blended: numpy.ndarray = (1 - VECTOR_SHARE) * ngram_scores + VECTOR_SHARE * vector_scores
    return blended


def mean_f1(figures: Sequence[CodeFigures]) -> float:
    """The cross-validated F1 of the codes, averaged (an F1 without value counts as 0)."""
    if not figures:
        return 0.0
    return sum(f.f1.value or 0.0 for f in figures) / len(figures)


@dataclass(frozen=True)
class CodeModel:
    """A code's model: weights over the features, intercept, threshold and scope; with sentence
    vectors, the second model's weights over them and its intercept."""

    code_path: str
    weights: numpy.ndarray
    intercept: float
    threshold: float
    scope: str
    vector_weights: numpy.ndarray | None = None
    vector_intercept: float = 0.0

    def scores(self, matrix: Any, vectors: numpy.ndarray | None = None) -> numpy.ndarray:
        """Scores of the rows of ``matrix`` (and of ``vectors``, the same rows' vectors, which
        a model learned with them needs)."""
        scores = _sigmoid(matrix @ self.weights + self.intercept)
        if self.vector_weights is None:
            return scores
        if vectors is None:
            raise ValueError(f"the model of {self.code_path} needs the segments' vectors")
        return _blend(scores, _sigmoid(vectors @ self.vector_weights + self.vector_intercept))


def _sigmoid(margin: Any) -> numpy.ndarray:
    import numpy

    result: numpy.ndarray = 1 / (1 + numpy.exp(-numpy.asarray(margin, dtype=numpy.float64)))
    return result


def fit_code(
    code_path: str,
    matrix: Any,
    labels: numpy.ndarray,
    threshold: float,
    scope: str,
    vectors: numpy.ndarray | None = None,
) -> CodeModel:
    import numpy

    classifier = _classifier().fit(matrix, labels)
    second = _classifier().fit(vectors, labels) if vectors is not None else None
    return CodeModel(
        code_path,
        numpy.asarray(classifier.coef_[0], dtype=numpy.float32),
        float(classifier.intercept_[0]),
        threshold,
        scope,
        numpy.asarray(second.coef_[0], dtype=numpy.float32) if second is not None else None,
        float(second.intercept_[0]) if second is not None else 0.0,
    )


# -- the stored model ---------------------------------------------------------------------------


@dataclass
class Model:
    """Every code's model over shared features, and the codebook whose hits are features."""

    features: Features
    codes: list[CodeModel]
    codebook: Codebook | None = None
    codebook_path: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    context: tuple[float, ...] = ()
    """The neighbours' weights ``learn`` chose (:data:`CONTEXT_WEIGHTS` or none; none in a
    model stored before context was added, which is applied as it was learned)."""
    vectors: str | None = None
    """The version of the sentence-vector package the model was learned with; None: without."""

    def to_bytes(self) -> bytes:
        import numpy

        buffer = io.BytesIO()
        meta = {
            **self.meta,
            "codebook_path": self.codebook_path,
            "codes": [
                {
                    "path": c.code_path,
                    "intercept": c.intercept,
                    "threshold": c.threshold,
                    "scope": c.scope,
                }
                for c in self.codes
            ],
            "dictionary_codes": self.features.dictionary_codes,
            "context_weights": list(self.context),
            "vectors": self.vectors,
        }
        if self.vectors is not None:
            for entry, code in zip(meta["codes"], self.codes, strict=True):
                entry["vector_intercept"] = code.vector_intercept
        weights = (
            numpy.vstack([c.weights for c in self.codes])
            if self.codes
            else numpy.zeros((0, self.features.size), dtype=numpy.float32)
        )
        vector_weights = numpy.vstack(
            [
                c.vector_weights
                for c in self.codes
                if self.vectors is not None and c.vector_weights is not None
            ]
            or [numpy.zeros((0, DIMENSIONS), dtype=numpy.float32)]
        )
        numpy.savez_compressed(
            buffer,
            meta=numpy.array(json.dumps(meta, ensure_ascii=False)),
            word_terms=numpy.array(self.features.word_terms, dtype=str),
            word_idf=self.features.word_idf,
            char_terms=numpy.array(self.features.char_terms, dtype=str),
            char_idf=self.features.char_idf,
            weights=weights,
            vector_weights=vector_weights,
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Model:
        import numpy

        with numpy.load(io.BytesIO(data), allow_pickle=False) as arrays:
            meta = json.loads(str(arrays["meta"]))
            features = Features(
                arrays["word_terms"].tolist(),
                arrays["word_idf"],
                arrays["char_terms"].tolist(),
                arrays["char_idf"],
                meta["dictionary_codes"],
            )
            weights = arrays["weights"]
            # a model stored before sentence vectors existed has none
            vectors = meta.get("vectors")
            vector_weights = arrays["vector_weights"] if vectors is not None else None
        codes = [
            CodeModel(
                c["path"],
                weights[index],
                c["intercept"],
                c["threshold"],
                c["scope"],
                vector_weights[index] if vector_weights is not None else None,
                float(c.get("vector_intercept", 0.0)),
            )
            for index, c in enumerate(meta["codes"])
        ]
        context = tuple(float(w) for w in meta.get("context_weights", []))
        return cls(features, codes, None, meta.get("codebook_path", ""), meta, context, vectors)


def sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


# -- learn --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    code_path: str
    positives: int
    negatives: int

    @property
    def reason(self) -> str:
        if self.positives < MIN_POSITIVES:
            more = MIN_POSITIVES - self.positives
            return (
                f"{self.positives} positive{'s' if self.positives != 1 else ''}; at least "
                f"{MIN_POSITIVES} are needed (code it on {more} more segment"
                f"{'s' if more != 1 else ''} it applies to)"
            )
        return (
            f"{self.negatives} segment{'s' if self.negatives != 1 else ''} looked at without "
            f"it; at least {MIN_POSITIVES} are needed"
        )


@dataclass(frozen=True)
class LearnResult:
    coder: str
    model_id: int
    codings: int
    segments: int
    figures: tuple[CodeFigures, ...]
    refused: tuple[Refusal, ...]
    previous: dict[str, float | None] | None
    """F1 per code of the coder's previous round of learn (None: this is the first)."""
    codebook_name: str | None
    seconds: float
    features: tuple[str, ...] = ()
    """What the model learned from, in words (``learn`` prints it)."""


@dataclass(frozen=True)
class _Example:
    segment_id: int
    text: str
    languages: str | None
    role: str | None
    document_id: int
    start_char: int


def _rows_in_context(
    features: Features,
    codebook: Codebook | None,
    context: Sequence[float],
    segments: Sequence[_Example],
    near: Sequence[Sequence[tuple[int, int]]],
    wanted: Sequence[int],
    vectors: dict[int, numpy.ndarray] | None = None,
) -> tuple[sparse.csr_matrix, numpy.ndarray | None]:
    """Feature rows of ``segments[wanted]``, each with its neighbours' (``near``, of
    :func:`neighbours` over ``segments``) weighted by ``context``; with ``vectors`` (sentence
    vectors by position in ``segments``, encoded here where missing), the same rows' vectors
    in context too, else None."""
    import numpy

    close = [[(n, d) for n, d in near[p] if d <= len(context)] for p in range(len(near))]
    needed = sorted(set(wanted).union(n for p in wanted for n, _ in close[p]))
    place = {position: row for row, position in enumerate(needed)}
    chosen = [segments[p] for p in needed]
    own = features.matrix(
        [feature_text(s.text) for s in chosen],
        dictionary_hits(codebook, [(s.text, s.languages, s.role) for s in chosen]),
    )
    wanted_set = set(wanted)  # a neighbour's own neighbours are not needed: it is not a row
    near_rows = [[(place[n], d) for n, d in close[p]] if p in wanted_set else [] for p in needed]
    rows = [place[p] for p in wanted]
    mixed = in_context(own, near_rows, context)[rows]
    if vectors is None:
        return mixed, None
    from qualcode.sentence_vectors import encode

    missing = [p for p in needed if p not in vectors]
    vectors.update(zip(missing, encode([segments[p].text for p in missing]), strict=True))
    dense = (
        numpy.vstack([vectors[p] for p in needed])
        if needed
        else numpy.zeros((0, DIMENSIONS), dtype=numpy.float32)
    )
    return mixed, in_context(dense, near_rows, context)[rows]


def _near(segments: Sequence[_Example]) -> list[list[tuple[int, int]]]:
    return neighbours([(s.document_id, s.start_char) for s in segments])


def _current_segments(store: Store) -> list[_Example]:
    return [
        _Example(segment_id, str(text), language, role, document_id, start)
        for batch in store.iter_segments_to_code(BATCH_SIZE)
        for segment_id, start, text, language, role, document_id in batch
    ]


def learn(
    store: Store,
    coder: str,
    *,
    codebook: Codebook | None = None,
    codes: Sequence[str] = (),
    vectors: bool = False,
) -> LearnResult:
    """Learn a model per code from ``coder``'s codings, cross-validate it and store it.

    ``vectors``: learn from sentence vectors beside the words (the ``vectors`` extra). Off unless
    asked, so that a project gives the same model wherever qualcode is installed.
    """
    import numpy

    started = time.perf_counter()
    coder = check_coder(coder)
    vectors_version = installed_version() if vectors else None
    if vectors and vectors_version is None:
        raise UsageError(
            "sentence vectors are not installed",
            hint=f"install {PACKAGE} with pip install 'qualcode[vectors]', or leave out --vectors",
        )
    records = store.codes()
    if not records:
        raise QualcodeError("the project has no codes yet", hint="code or import codings first")
    chosen = [r.path for r in codes_under(records, codes)]
    scope_of = {code.path: code.scope.value for code in codebook.codes} if codebook else {}
    segments = _current_segments(store)
    document_of = {s.segment_id: s.document_id for s in segments}
    seen = coverage(store, coder, document_of)
    coded = coder_codings(store, coder)
    if seen.empty and not coded:
        people = sorted(set(store.coders()) - set(store.automatic_coders()))
        close = closest(coder, people)
        if close:
            raise UsageError(
                f"'{coder}' has coded nothing in this project", hint=did_you_mean(close)
            )
        raise UsageError(
            f"'{coder}' has coded nothing in this project",
            hint=f"people who coded: {', '.join(people) or 'none'}; "
            "code a sheet first ('qualcode export coding-sheet')",
        )
    by_id = {s.segment_id: s for s in segments}
    examples: dict[str, tuple[list[int], list[int]]] = {}
    for path in chosen:
        scope = scope_of.get(path, Scope.RESPONDENT.value)
        ids = [
            segment_id
            for segment_id in sorted(seen.segments(path))
            if covers(scope, by_id[segment_id].role)
        ]
        if ids:
            examples[path] = (ids, [int((segment_id, path) in coded) for segment_id in ids])
    if not examples:
        raise UsageError(
            f"'{coder}' looked at no segment in scope for "
            + (", ".join(codes) if codes else "any code"),
        )
    trained_on = sorted({i for ids, _ in examples.values() for i in ids})
    index_of = {segment_id: row for row, segment_id in enumerate(trained_on)}
    texts = [feature_text(by_id[i].text) for i in trained_on]
    dictionary_codes = [code.path for code in codebook.codes] if codebook else []
    features = Features.fit(texts, dictionary_codes)
    position = {s.segment_id: p for p, s in enumerate(segments)}
    near = _near(segments)
    best: tuple[float, tuple[float, ...], list[CodeFigures], list[CodeModel]] | None = None
    encoded: dict[int, numpy.ndarray] | None = {} if vectors_version else None
    for context in ((), CONTEXT_WEIGHTS):
        matrix, vector_matrix = _rows_in_context(
            features,
            codebook,
            context,
            segments,
            near,
            [position[i] for i in trained_on],
            encoded,
        )
        figures: list[CodeFigures] = []
        refused: list[Refusal] = []
        models: list[CodeModel] = []
        for path, (ids, labels) in examples.items():
            positives = sum(labels)
            negatives = len(labels) - positives
            if positives < MIN_POSITIVES or negatives < MIN_POSITIVES:
                refused.append(Refusal(path, positives, negatives))
                continue
            chosen_rows = [index_of[i] for i in ids]
            rows = matrix[chosen_rows]
            vector_rows = vector_matrix[chosen_rows] if vector_matrix is not None else None
            y = numpy.array(labels)
            result = cross_validate(path, rows, y, vector_rows)
            figures.append(result)
            scope = scope_of.get(path, Scope.RESPONDENT.value)
            models.append(fit_code(path, rows, y, result.threshold, scope, vector_rows))
        macro = mean_f1(figures)
        if best is None or macro > best[0]:  # a tie keeps the segments on their own
            best = (macro, context, figures, models)
    assert best is not None
    _, context, figures, models = best
    if not models:
        raise QualcodeError(
            "no code has enough examples to learn from: "
            + "; ".join(f"{r.code_path}: {r.reason}" for r in refused)
        )
    earlier = store.learned_models(coder)
    previous = (
        {path: values.get("f1") for path, values in earlier[-1].metrics.items()}
        if earlier
        else None
    )
    codings = sum(positives for positives in (f.positives for f in figures))
    model = Model(
        features,
        models,
        codebook,
        str(codebook.source_path.resolve()) if codebook else "",
        {"codebook_hash": codebook.content_hash if codebook else None},
        context,
        vectors_version,
    )
    model_id = store.save_learned_model(
        LearnedModelRecord(
            model_id=0,
            coder=coder,
            trained_at=now(),
            codings=codings,
            segments=len(trained_on),
            codebook_name=codebook.name if codebook else None,
            codebook_hash=codebook.content_hash if codebook else None,
            metrics={f.code_path: f.as_json() for f in figures},
            qualcode_version=__version__,
            sklearn_version=sklearn_version(),
            model=model.to_bytes(),
        )
    )
    return LearnResult(
        coder=coder,
        model_id=model_id,
        codings=codings,
        segments=len(trained_on),
        figures=tuple(figures),
        refused=tuple(refused),
        previous=previous,
        codebook_name=codebook.name if codebook else None,
        seconds=time.perf_counter() - started,
        features=_described(codebook, context, vectors_version),
    )


def _described(
    codebook: Codebook | None, context: Sequence[float], vectors_version: str | None
) -> tuple[str, ...]:
    described = ["words and word pairs", "character 2-5-grams"]
    if codebook is not None:
        described.append(f"the hits of codebook {codebook.name}")
    if vectors_version is not None:
        described.append(f"sentence vectors ({PACKAGE} {vectors_version})")
    if context:
        described.append(f"each with the {len(context)} segments before and after it")
    return tuple(described)


def load_model(store: Store, coder: str) -> tuple[LearnedModelRecord, Model]:
    """The coder's latest model, with its codebook; refused if another scikit-learn made it."""
    rounds = store.learned_models(coder, with_model=True)
    if not rounds or rounds[-1].model is None:
        known = store.learned_coders()
        close = closest(coder, known)
        if close:
            raise UsageError(f"no model learned from '{coder}'", hint=did_you_mean(close))
        raise UsageError(
            f"no model learned from '{coder}'",
            hint=f"run 'qualcode learn --coder {coder}' first; models were learned from: "
            + (", ".join(known) or "nobody yet"),
        )
    record = rounds[-1]
    assert record.model is not None
    if record.sklearn_version != sklearn_version():
        raise QualcodeError(
            f"the model learned from '{coder}' was made with scikit-learn "
            f"{record.sklearn_version}, and this is {sklearn_version()}",
            hint=f"run 'qualcode learn --coder {coder}' again to re-learn it",
        )
    try:
        model = Model.from_bytes(record.model)
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as error:
        # a pickle in the arrays (refused unread), or bytes that are no model of this qualcode
        raise QualcodeError(
            f"the stored model learned from '{coder}' cannot be read ({error})",
            hint=f"run 'qualcode learn --coder {coder}' again",
        ) from error
    if model.vectors is not None:
        here = installed_version()
        if here is None:
            raise QualcodeError(
                f"the model learned from '{coder}' uses sentence vectors ({PACKAGE} "
                f"{model.vectors}), which are not installed",
                hint=f"pip install 'qualcode[vectors]', or learn without them: "
                f"qualcode learn --coder {coder}",
            )
        if here != model.vectors:
            raise QualcodeError(
                f"the model learned from '{coder}' was made with {PACKAGE} {model.vectors}, "
                f"and this is {here}",
                hint=f"run 'qualcode learn --coder {coder}' again to re-learn it",
            )
    if record.codebook_hash:
        from pathlib import Path

        path = Path(model.codebook_path)
        if not path.is_file():
            raise QualcodeError(
                f"the codebook the model of '{coder}' uses is gone",
                path=path,
                hint=f"put it back, or run 'qualcode learn --coder {coder}' again",
            )
        codebook = load_codebook(path)
        if codebook.content_hash != record.codebook_hash:
            raise QualcodeError(
                f"the codebook changed since the model of '{coder}' was learned",
                path=path,
                hint=f"run 'qualcode learn --coder {coder} --codebook {path}' again",
            )
        model.codebook = codebook
    return record, model


# -- suggest ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestedCode:
    code_path: str
    threshold: float
    in_scope: int
    suggested: int
    added: int
    removed: int
    f1: float | None


@dataclass(frozen=True)
class SuggestResult:
    coder: str
    learned_from: str
    codes: tuple[SuggestedCode, ...]
    segments_read: int
    codings: int
    seconds: float


def _scored_batches(
    model: Model, segments: Sequence[_Example]
) -> Iterable[tuple[Sequence[_Example], list[str], numpy.ndarray]]:
    """(batch, feature texts, scores: segments × codes) of the segments in the scope of some
    code (the others are never scored), batch by batch in the order given."""
    import numpy

    weights = numpy.vstack([c.weights for c in model.codes]).T
    intercepts = numpy.array([c.intercept for c in model.codes])
    vector_weights = (
        numpy.vstack([c.vector_weights for c in model.codes if c.vector_weights is not None]).T
        if model.vectors is not None
        else None
    )
    vector_intercepts = numpy.array([c.vector_intercept for c in model.codes])
    scopes = {c.scope for c in model.codes}
    near = _near(segments)
    scored = [p for p, s in enumerate(segments) if any(covers(sc, s.role) for sc in scopes)]
    for start in range(0, len(scored), BATCH_SIZE):
        positions = scored[start : start + BATCH_SIZE]
        batch = [segments[p] for p in positions]
        texts = [feature_text(s.text) for s in batch]
        # a batch's own vectors only: kept for the whole corpus, they would fill the memory
        matrix, vectors = _rows_in_context(
            model.features,
            model.codebook,
            model.context,
            segments,
            near,
            positions,
            {} if vector_weights is not None else None,
        )
        scores = _sigmoid(numpy.asarray(matrix @ weights) + intercepts)
        if vector_weights is not None and vectors is not None:
            scores = _blend(scores, _sigmoid(vectors @ vector_weights + vector_intercepts))
        yield batch, texts, scores


def _evidence(model: Model, code_index: int, example: _Example, text: str) -> str:
    """The words that weighed most for the code in the segment, as evidence spans."""
    weights = model.codes[code_index].weights
    idf = model.features.word_idf
    weighed = sorted(
        (
            (float(weights[column] * idf[column]), word)
            for word, column in model.features.word_columns(text)
        ),
        reverse=True,
    )
    stop = _stop_words(example.languages)
    top = [
        word
        for weight, word in weighed
        if weight > 0 and not (len(word) <= SHORT_WORD and word in stop)
    ][:EVIDENCE_WORDS]
    folded = fold_words(example.text)
    spans = []
    for word in top:
        start = _word_position(folded, word)
        if start is not None:
            start += example.start_char
            spans.append((word, "learned", start, start + len(word)))
    spans.sort(key=lambda item: (item[2], item[3]))
    return evidence_json(spans)


def _stop_words(languages: str | None) -> frozenset[str]:
    """Stop words of the segment's languages (all three of the study's when not known): they
    weigh in the model, but say nothing to the researcher as evidence."""
    from qualcode.words import stop_words

    chosen = languages.split(",") if languages else ["ca", "es", "en"]
    return frozenset().union(*(stop_words(language) for language in chosen))


def _word_position(folded: str, word: str) -> int | None:
    position = 0
    while True:
        found = folded.find(word, position)
        if found < 0:
            return None
        end = found + len(word)
        before = found == 0 or folded[found - 1] == " "
        after = end == len(folded) or folded[end] == " "
        if before and after:
            return found
        position = found + 1


def suggest(
    store: Store, coder: str, *, thresholds: dict[str, float] | None = None
) -> SuggestResult:
    """Apply the model learned from ``coder`` to every current segment in each code's scope,
    and make its suggestions the only codings of ``learned:CODER``, with scores and evidence."""
    started = time.perf_counter()
    coder = check_coder(coder)
    record, model = load_model(store, coder)
    given = dict(thresholds or {})
    paths = [c.code_path for c in model.codes]
    for path in given:
        if path not in paths:
            raise UsageError(
                f"--threshold names {path}, which the model of '{coder}' has no model for",
                hint=f"its codes: {', '.join(paths)}",
            )
    cut = {c.code_path: given.get(c.code_path, c.threshold) for c in model.codes}
    segments = _current_segments(store)
    name = learned_coder(coder)
    in_scope_count: Counter[str] = Counter()
    suggested: Counter[str] = Counter()
    scores: list[tuple[int, str, float]] = []
    with store.transaction(check_references=False):
        run_id = store.start_run(
            coder=name,
            codebook_name=record.codebook_name or "(learned)",
            codebook_version=f"model {record.model_id}",
            codebook_hash=record.codebook_hash or "",
            codebook_path=model.codebook_path,
            options={"learned_from": coder, "model_id": record.model_id, "thresholds": cut},
        )
        writer = store.run_writer(name, run_id)
        # every segment is read, scored or not: a coding left on one out of scope goes
        read = [s.segment_id for s in segments]
        position_of = {segment_id: index for index, segment_id in enumerate(read)}
        done = 0
        for batch, texts, batch_scores in _scored_batches(model, segments):
            rows = []
            for row, (example, text) in enumerate(zip(batch, texts, strict=True)):
                for index, code in enumerate(model.codes):
                    if not covers(code.scope, example.role):
                        continue
                    in_scope_count[code.code_path] += 1
                    score = float(batch_scores[row, index])
                    if score >= cut[code.code_path]:
                        suggested[code.code_path] += 1
                        rows.append(
                            (
                                example.segment_id,
                                code.code_path,
                                _evidence(model, index, example, text),
                            )
                        )
                        scores.append((example.segment_id, code.code_path, round(score, 4)))
            rows.sort(key=lambda item: (item[0], item[1]))
            end = position_of[batch[-1].segment_id] + 1
            writer.write(read[done:end], rows)
            done = end
        writer.write(read[done:], [])
        changes = writer.finish()
        store.replace_learned_scores(name, scores)
    return SuggestResult(
        coder=name,
        learned_from=coder,
        codes=tuple(
            SuggestedCode(
                code_path=c.code_path,
                threshold=cut[c.code_path],
                in_scope=in_scope_count[c.code_path],
                suggested=suggested[c.code_path],
                added=changes.get(c.code_path, (0, 0))[0],
                removed=changes.get(c.code_path, (0, 0))[1],
                f1=record.metrics.get(c.code_path, {}).get("f1"),
            )
            for c in model.codes
        ),
        segments_read=len(segments),
        codings=sum(suggested.values()),
        seconds=time.perf_counter() - started,
    )


def parse_thresholds(values: Sequence[str]) -> dict[str, float]:
    """``CODE=X`` options as {code: X}, X between 0 and 1."""
    found: dict[str, float] = {}
    for value in values:
        code, sep, number = value.partition("=")
        try:
            threshold = float(number)
        except ValueError:
            threshold = math.nan
        if not sep or not code.strip() or not 0 <= threshold <= 1:
            raise UsageError(
                f"--threshold '{value}' is not CODE=X with X between 0 and 1",
                hint="for example --threshold inequality/housing=0.6",
            )
        found[code.strip()] = threshold
    return found


# -- code next what teaches most ----------------------------------------------------------------


@dataclass(frozen=True)
class NextPick:
    segment_id: int
    code_path: str
    score: float
    threshold: float


def model_codes(store: Store, coder: str) -> list[str]:
    """The codes the coder's latest model codes: the columns of a ``--next`` coding sheet."""
    return [c.code_path for c in load_model(store, coder)[1].codes]


def next_to_code(store: Store, coder: str, count: int) -> list[NextPick]:
    """The ``count`` segments the coder has not looked at whose suggestion is least certain
    (score nearest the threshold, on the log-odds scale), taken from each code in turn and
    spread over documents and cities: among a code's closest candidates, one from the document
    and city picked least so far comes first."""
    if count < 1:
        raise UsageError("--next must be at least 1")
    coder = check_coder(coder)
    _, model = load_model(store, coder)
    segments = _current_segments(store)
    document_of = {s.segment_id: s.document_id for s in segments}
    seen = coverage(store, coder, document_of)
    city_of = {d.document_id: d.attributes.get("city", "") for d in store.documents()}
    candidates: dict[str, list[tuple[float, int, float]]] = {c.code_path: [] for c in model.codes}
    for batch, _, scores in _scored_batches(model, segments):
        for row, example in enumerate(batch):
            for index, code in enumerate(model.codes):
                if not covers(code.scope, example.role):
                    continue
                if example.segment_id in seen.segments(code.code_path):
                    continue
                score = float(scores[row, index])
                distance = abs(_logit(score) - _logit(code.threshold))
                candidates[code.code_path].append((distance, example.segment_id, score))
    for items in candidates.values():
        items.sort()
    picked: list[NextPick] = []
    taken: set[int] = set()
    per_document: Counter[int] = Counter()
    per_city: Counter[str] = Counter()
    position = {path: 0 for path in candidates}
    window = 20
    thresholds = {c.code_path: c.threshold for c in model.codes}
    while len(picked) < count:
        progressed = False
        for path, items in candidates.items():
            if len(picked) >= count:
                break
            while position[path] < len(items) and items[position[path]][1] in taken:
                position[path] += 1
            pool = [
                item
                for item in items[position[path] : position[path] + window * 3]
                if item[1] not in taken
            ][:window]
            if not pool:
                continue
            choice = min(
                pool,
                key=lambda item: (
                    per_document[document_of[item[1]]],
                    per_city[city_of.get(document_of[item[1]], "")],
                    item[0],
                    item[1],
                ),
            )
            distance, segment_id, score = choice
            taken.add(segment_id)
            per_document[document_of[segment_id]] += 1
            per_city[city_of.get(document_of[segment_id], "")] += 1
            picked.append(NextPick(segment_id, path, score, thresholds[path]))
            progressed = True
        if not progressed:
            break
    return picked


def _logit(probability: float) -> float:
    p = min(max(probability, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))
