"""How far can learned coding go on cmp-spanish? A learning curve, and ideas not tried before.

The setup of bench/bench_learn_vectors.py (seven themes, draws seeded 1, 2, …, the codebook's
hits as features, the Universal Sentence Encoder's vectors cached in ``--cache``, 5-fold
cross-validation with qualcode.learning's folds and classifier, each way tried alone and with
context and the one with the higher cross-validated mean F1 kept, as ``learn`` does).

For every draw and context, each fold's model (and the final one) scores **every** sentence of
the corpus; those scores are cached in ``--scores``, so that each way of combining them below
costs no more fitting (the cache is named by fraction, draw and context only: empty it after
changing qualcode.learning's features or classifier). Ways, all chosen on the training part only:

- **n-grams**: ``learn`` without ``--vectors``; **blend 0.5**: ``learn --vectors``;
- **vectors**: the vector model alone;
- **per-code share**: each code's vector share, of 0, 0.25, 0.5, 0.75 and 1, the one with the
  best cross-validated F1 on the training part (a tie: 0.5);
- **CV picks**: for all codes, of n-grams, blend 0.5 and vectors alone, the one with the best
  cross-validated mean F1;
- **spread λ**: label spreading over a graph of every sentence (each joined to its ``K`` nearest
  by sentence vector, cosine, and to its neighbours in the manifesto), from the training labels,
  averaged into the blend with weight λ (cross-validated by spreading from the other folds'
  labels only);
- **kNN smoothing β**: the blend's score averaged with the mean blend score of its ``K``
  nearest sentences among those whose label the model did not see (cross-validated with each
  fold's model scoring the fold and the unlabelled sentences);
- **CV picks spreading / smoothing**: of the settings above or none, for all codes, the one with
  the best cross-validated mean F1;
- **blend, vectors C 0.3**, **blend, vectors apart**: the vector model at ``C`` 0.3, or with the
  neighbours' vectors as 512 columns of their own beside the sentence's (not added to it);
- **blend, one code per segment**: of the codes whose score reaches their threshold, only the one
  furthest above it (CMP gives each quasi-sentence one category);
- **…, context per code**: each code alone or in context by its own cross-validated F1;
- **stacked**: a balanced logistic regression per code over the log-odds of the models'
  out-of-fold scores (and of the spreading and smoothed scores), cross-validated fold by fold.

The ideas are tried at the fractions of ``--ideas``; the learning curve (the first three ways) at
every fraction of ``--fractions``. At 90 % the held-out part is 922 sentences, 30 to 100 positives
a theme: read its figures with the cross-validated ones on the 8,289 of the training part.

    .venv/bin/python bench/bench_learn_ceiling.py --fractions 0.05,0.10,0.25,0.50,0.90
    .venv/bin/python bench/bench_learn_ceiling.py --fractions 0.05,0.10,0.25   # from the cache
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
from bench_learn_vectors import classifier, encode
from qualcode.codebook import load_codebook
from qualcode.learning import (
    CONTEXT_WEIGHTS,
    FOLDS,
    SEED,
    Features,
    best_threshold,
    dictionary_hits,
    feature_text,
    in_context,
    neighbours,
)

K = 10
SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)


def fold_scores(matrix: Any, train: Any, labels: Any, c: float | None = None) -> tuple[Any, Any]:
    """(scores of every row by each fold's model and, last, by the final model: (FOLDS + 1) × N,
    fold of each training row), with ``cross_validate``'s folds and classifier."""
    import numpy
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    scores = numpy.zeros((FOLDS + 1, matrix.shape[0]), dtype=numpy.float32)
    fold_of = numpy.zeros(len(train), dtype=int)
    train_matrix = matrix[train]
    for number, (inside, outside) in enumerate(folds.split(numpy.zeros(len(train)), labels)):
        model = classifier(c).fit(train_matrix[inside], labels[inside])
        scores[number] = model.predict_proba(matrix)[:, 1]
        fold_of[outside] = number
    scores[FOLDS] = classifier(c).fit(train_matrix, labels).predict_proba(matrix)[:, 1]
    return scores, fold_of


def oof(scores: Any, train: Any, fold_of: Any) -> Any:
    """Each training row's score by the fold model that did not see it."""
    return scores[fold_of, train]


def judged(
    oof_scores: Any, y: Any, fold_of: Any, test_scores: Any, y_test: Any
) -> tuple[float, float]:
    """(F1 estimated by cross-validation, each fold at the threshold best on the others;
    F1 held out, at the threshold best on every training row)."""
    import numpy

    predicted = numpy.zeros(len(y), dtype=int)
    for number in range(FOLDS):
        inside, outside = fold_of == number, fold_of != number
        predicted[inside] = oof_scores[inside] >= best_threshold(oof_scores[outside], y[outside])
    threshold = best_threshold(oof_scores, y)
    return f1(y.tolist(), predicted.tolist()), f1(
        y_test.tolist(), (test_scores >= threshold).astype(int).tolist()
    )


def knn_graph(vectors: Any, k: int) -> tuple[Any, Any]:
    """(indices, cosine similarities) of each row's ``k`` nearest other rows."""
    import numpy

    count = vectors.shape[0]
    index = numpy.zeros((count, k), dtype=int)
    similarity = numpy.zeros((count, k), dtype=numpy.float32)
    for start in range(0, count, 1000):
        block = vectors[start : start + 1000] @ vectors.T
        for row in range(block.shape[0]):
            block[row, start + row] = -2  # not itself
        top = numpy.argpartition(-block, k, axis=1)[:, :k]
        index[start : start + 1000] = top
        similarity[start : start + 1000] = numpy.take_along_axis(block, top, axis=1)
    return index, similarity


def spreading_operator(index: Any, similarity: Any, near: Any) -> Any:
    """The normalised graph D^-1/2 W D^-1/2 of the kNN edges (made symmetric) and the
    manifesto-neighbour edges (weighted as the context)."""
    import numpy
    from scipy import sparse

    count = index.shape[0]
    rows = numpy.repeat(numpy.arange(count), index.shape[1])
    weights = sparse.csr_matrix(
        (numpy.clip(similarity.ravel(), 0, None), (rows, index.ravel())), shape=(count, count)
    )
    weights = weights.maximum(weights.T)
    r, c, v = [], [], []
    for row, found in enumerate(near):
        for other, distance in found:
            r.append(row)
            c.append(other)
            v.append(CONTEXT_WEIGHTS[distance - 1])
    weights = weights + sparse.csr_matrix((v, (r, c)), shape=(count, count))
    degree = numpy.asarray(weights.sum(axis=1)).ravel()
    scale = sparse.diags(1 / numpy.sqrt(numpy.maximum(degree, 1e-12)))
    return (scale @ weights @ scale).tocsr()


def spread(operator: Any, known: Any, y: Any, alpha: float, steps: int = 30) -> Any:
    """Label spreading from the rows ``known`` with labels ``y``, each class weighted by its
    size (as balanced class weights do); the score: the positive class's share."""
    import numpy

    seeds = numpy.zeros((operator.shape[0], 2))
    positives = y == 1
    seeds[known[positives], 0] = 1 / max(positives.sum(), 1)
    seeds[known[~positives], 1] = 1 / max((~positives).sum(), 1)
    spread_scores = seeds.copy()
    for _ in range(steps):
        spread_scores = alpha * (operator @ spread_scores) + (1 - alpha) * seeds
    total = spread_scores.sum(axis=1)
    return numpy.where(total > 0, spread_scores[:, 0] / numpy.maximum(total, 1e-300), 0.5)


def smoothed(scores: Any, index: Any, usable: Any, beta: float) -> Any:
    """Each score averaged (weight ``beta``) with the mean score of its nearest rows that are
    ``usable``; a row with none keeps its own."""
    import numpy

    mask = usable[index]
    total = (scores[index] * mask).sum(axis=1)
    count = mask.sum(axis=1)
    mean = numpy.where(count > 0, total / numpy.maximum(count, 1), scores)
    return (1 - beta) * scores + beta * mean


def main() -> None:
    import numpy
    from scipy import sparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fractions", default="0.05,0.10,0.25,0.50,0.90")
    parser.add_argument("--splits", type=int, default=2)
    parser.add_argument("--ideas", default="0.05,0.10,0.25", help="fractions to try ideas on")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/qualcode-vectors"))
    parser.add_argument("--scores", type=Path, default=Path("/tmp/qualcode-ceiling"))
    arguments = parser.parse_args()
    with CORPUS.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    mapping = themes()
    codebook = load_codebook(CODEBOOK)
    texts = [feature_text(r["text"]) for r in rows]
    hits = dictionary_hits(codebook, [(r["text"], "es", None) for r in rows])
    raw = encode("use", [r["text"] for r in rows], arguments.cache)
    labels = {
        theme: numpy.array([int(r["cmp_code"] in categories) for r in rows])
        for theme, (categories, _) in mapping.items()
    }
    every_code = [code.path for code in codebook.codes]
    near = neighbours([(r["manifesto_id"], int(r["sentence_id"])) for r in rows])
    index, similarity = knn_graph(raw, K)
    operator = spreading_operator(index, similarity, near)
    arguments.scores.mkdir(parents=True, exist_ok=True)
    ideas = {float(f) for f in arguments.ideas.split(",")}
    print(
        "| training | held out | method | macro-F1 held out | per draw | macro-F1 by CV "
        "| context kept |"
    )
    print("|---:|---:|---|---:|---|---:|---:|")
    for fraction in [float(f) for f in arguments.fractions.split(",")]:
        held: dict[str, list[float]] = {}
        estimate: dict[str, list[float]] = {}
        kept: dict[str, int] = {}
        for split in range(arguments.splits):
            order = list(range(len(rows)))
            random.Random(split + 1).shuffle(order)
            cut = int(len(rows) * fraction)
            train = numpy.array(sorted(order[:cut]))
            test = numpy.array(sorted(order[cut:]))
            features: Features | None = None
            best: dict[str, tuple[float, float, bool]] = {}
            by_context: dict[int, dict[str, list[tuple[float, float]]]] = {}
            for context in [(), CONTEXT_WEIGHTS]:
                path = arguments.scores / f"{fraction:.2f}-{split + 1}-{len(context)}.npz"
                if path.is_file():
                    cached = dict(numpy.load(path))
                else:
                    begun = time.perf_counter()
                    if features is None:
                        features = Features.fit([texts[i] for i in train], every_code)
                        own = features.matrix(texts, hits)
                    ngrams = in_context(own, near, context)
                    dense = sparse.csr_matrix(in_context(raw, near, context))
                    cached = {}
                    for theme in mapping:
                        y = labels[theme][train]
                        cached[f"{theme}/ngrams"], cached[f"{theme}/folds"] = fold_scores(
                            ngrams, train, y
                        )
                        cached[f"{theme}/vectors"], _ = fold_scores(dense, train, y)
                    numpy.savez(path, **cached)
                    print(
                        f"<!-- {fraction:.0%} draw {split + 1} context {len(context)}: "
                        f"{time.perf_counter() - begun:.0f} s -->",
                        flush=True,
                    )
                if fraction in ideas and f"{next(iter(mapping))}/vectors C 0.3" not in cached:
                    # (d) the vector model at a smaller C, and with the neighbours' vectors as
                    # columns of their own (512 dense columns, which 900 examples may weigh)
                    mixed_vectors = in_context(raw, near, context)
                    apart = sparse.csr_matrix(
                        numpy.hstack([raw, mixed_vectors - raw]) if context else raw
                    )
                    mixed_vectors = sparse.csr_matrix(mixed_vectors)
                    for theme in mapping:
                        y = labels[theme][train]
                        cached[f"{theme}/vectors C 0.3"], _ = fold_scores(
                            mixed_vectors, train, y, 0.3
                        )
                        cached[f"{theme}/vectors apart"], _ = fold_scores(apart, train, y)
                    numpy.savez(path, **cached)
                results, themewise = evaluate(
                    cached, mapping, labels, train, test, fraction in ideas, index, operator
                )
                by_context[len(context)] = themewise
                for method, (estimated, held_out) in results.items():
                    if method not in best or estimated > best[method][0]:
                        best[method] = (estimated, held_out, bool(context))
            if fraction in ideas:
                # (d) each code's context (alone or with neighbours) by its own cross-validated F1
                for method in ("n-grams", "blend 0.5", "CV picks spreading α, λ (or none)"):
                    alone, near_ = by_context[0][method], by_context[len(CONTEXT_WEIGHTS)][method]
                    picked = [
                        max(a, b, key=lambda f: f[0]) for a, b in zip(alone, near_, strict=True)
                    ]
                    best[f"{method}, context per code"] = (
                        sum(e for e, _ in picked) / len(picked),
                        sum(h for _, h in picked) / len(picked),
                        sum(b[0] > a[0] for a, b in zip(alone, near_, strict=True)) * 2
                        > len(alone),
                    )
            for method, (estimated, held_out, with_context) in best.items():
                held.setdefault(method, []).append(held_out)
                estimate.setdefault(method, []).append(estimated)
                kept[method] = kept.get(method, 0) + with_context
        for method in held:
            draws = held[method]
            print(
                f"| {fraction:.0%} | {len(rows) - int(len(rows) * fraction):,} | {method} | "
                f"{sum(draws) / len(draws):.3f} | "
                + ", ".join(f"{value:.3f}" for value in draws)
                + f" | {sum(estimate[method]) / len(draws):.3f} | {kept[method]}/{len(draws)} |",
                flush=True,
            )


def evaluate(
    cached: dict[str, Any],
    mapping: dict[str, Any],
    labels: dict[str, Any],
    train: Any,
    test: Any,
    ideas: bool,
    index: Any,
    operator: Any,
) -> tuple[dict[str, tuple[float, float]], dict[str, list[tuple[float, float]]]]:
    """({method: (mean F1 by CV on the training part, macro-F1 held out)}, {method: (F1 by CV,
    F1 held out) of each theme}) for one draw and context."""
    import numpy

    per: dict[str, list[tuple[float, float]]] = {}

    def add(method: str, figures: tuple[float, float]) -> None:
        per.setdefault(method, []).append(figures)

    for theme in mapping:
        y, y_test = labels[theme][train], labels[theme][test]
        fold_of = cached[f"{theme}/folds"]
        ngram, vector = cached[f"{theme}/ngrams"], cached[f"{theme}/vectors"]

        def mixed(share: float, ngram: Any = ngram, vector: Any = vector) -> Any:
            return (1 - share) * ngram + share * vector

        by_share = {}
        for share in SHARES:
            scores = mixed(share)
            by_share[share] = judged(
                oof(scores, train, fold_of), y, fold_of, scores[FOLDS, test], y_test
            )
        add("n-grams", by_share[0.0])
        add("blend 0.5", by_share[0.5])
        add("vectors", by_share[1.0])
        if not ideas:
            continue
        # (a) each code's share by its cross-validated F1; a tie keeps 0.5
        chosen = max(SHARES, key=lambda s: (by_share[s][0], s == 0.5))
        add("per-code share", by_share[chosen])
        for variant in ("vectors C 0.3", "vectors apart"):
            other = 0.5 * ngram + 0.5 * cached[f"{theme}/{variant}"]
            add(
                f"blend, {variant}",
                judged(oof(other, train, fold_of), y, fold_of, other[FOLDS, test], y_test),
            )
        blend = mixed(0.5)
        blend_oof = oof(blend, train, fold_of)
        # (c) label spreading over the graph of every sentence, cross-validated fold by fold
        for alpha in (0.5, 0.9):
            spread_oof = numpy.zeros(len(train))
            for number in range(FOLDS):
                known = fold_of != number
                scores = spread_of(operator, train[known], y[known], alpha)
                spread_oof[fold_of == number] = scores[train[fold_of == number]]
            spread_all = spread_of(operator, train, y, alpha)
            add(
                f"spread α {alpha:g} alone",
                judged(spread_oof, y, fold_of, spread_all[test], y_test),
            )
            for weight in (0.25, 0.5):
                add(
                    f"blend + spread α {alpha:g} λ {weight:g}",
                    judged(
                        (1 - weight) * blend_oof + weight * spread_oof,
                        y,
                        fold_of,
                        (1 - weight) * blend[FOLDS, test] + weight * spread_all[test],
                        y_test,
                    ),
                )
        # (c) kNN smoothing of the blend over sentences whose label the model did not see
        unlabelled = numpy.ones(blend.shape[1], dtype=bool)
        unlabelled[train] = False
        for beta in (0.25, 0.5):
            smooth_oof = numpy.zeros(len(train))
            for number in range(FOLDS):
                usable = unlabelled.copy()
                usable[train[fold_of == number]] = True
                scores = smoothed(blend[number], index, usable, beta)
                smooth_oof[fold_of == number] = scores[train[fold_of == number]]
            final = smoothed(blend[FOLDS], index, unlabelled, beta)
            add(
                f"blend, kNN smoothed β {beta:g}",
                judged(smooth_oof, y, fold_of, final[test], y_test),
            )
        # (d) stacking: a logistic regression per code over the models' out-of-fold scores
        # (log-odds) learns how to weigh them, instead of a share chosen from a grid
        ngram_oof, vector_oof = oof(ngram, train, fold_of), oof(vector, train, fold_of)
        both = (
            numpy.column_stack([logit(ngram_oof), logit(vector_oof)]),
            numpy.column_stack([logit(ngram[FOLDS, test]), logit(vector[FOLDS, test])]),
        )
        every = (
            numpy.column_stack([both[0], logit(spread_oof), logit(smooth_oof)]),
            numpy.column_stack([both[1], logit(spread_all[test]), logit(final[test])]),
        )
        for name, (inputs, test_inputs) in (
            ("stacked n-grams + vectors", both),
            ("stacked n-grams + vectors + spreading α 0.9 + smoothing β 0.5", every),
        ):
            add(name, stacked(inputs, y, fold_of, test_inputs, y_test))
    if ideas:
        for method, figures in exclusive(cached, mapping, labels, train, test).items():
            per[method] = figures
    results = {}
    for method, figures in per.items():
        results[method] = (
            sum(e for e, _ in figures) / len(figures),
            sum(h for _, h in figures) / len(figures),
        )
    if ideas:
        # (b) for all codes, the way with the best cross-validated mean F1
        pick = max(("n-grams", "blend 0.5", "vectors"), key=lambda m: results[m][0])
        results["CV picks of n-grams, blend, vectors"] = results[pick]
        # (c) α and λ of the spreading, or none, for all codes by cross-validated mean F1
        spreads = ["blend 0.5"] + [
            f"blend + spread α {a:g} λ {w:g}" for a in (0.5, 0.9) for w in (0.25, 0.5)
        ]
        pick = max(spreads, key=lambda m: results[m][0])
        results["CV picks spreading α, λ (or none)"] = results[pick]
        per["CV picks spreading α, λ (or none)"] = per[pick]
        smooth = ["blend 0.5", "blend, kNN smoothed β 0.25", "blend, kNN smoothed β 0.5"]
        pick = max(smooth, key=lambda m: results[m][0])
        results["CV picks smoothing β (or none)"] = results[pick]
    return results, per


def exclusive(
    cached: dict[str, Any], mapping: dict[str, Any], labels: dict[str, Any], train: Any, test: Any
) -> dict[str, list[tuple[float, float]]]:
    """(d) One code per segment: of the codes whose blend score reaches their threshold, only the
    one furthest above it (log-odds) is kept; CMP gives each quasi-sentence one category."""
    import numpy

    def logit(p: Any) -> Any:
        p = numpy.clip(p, 1e-6, 1 - 1e-6)
        return numpy.log(p / (1 - p))

    estimated, held = [], []
    for theme in mapping:
        y, fold_of = labels[theme][train], cached[f"{theme}/folds"]
        blend = 0.5 * cached[f"{theme}/ngrams"] + 0.5 * cached[f"{theme}/vectors"]
        scores = oof(blend, train, fold_of)
        cut = numpy.zeros(len(train))
        for number in range(FOLDS):
            outside = fold_of != number
            cut[fold_of == number] = best_threshold(scores[outside], y[outside])
        estimated.append(logit(scores) - logit(cut))
        held.append(logit(blend[FOLDS, test]) - logit(best_threshold(scores, y)))
    out = []
    for margins, rows in ((estimated, train), (held, test)):
        stacked = numpy.vstack(margins)
        top = stacked.argmax(axis=0)
        figures = []
        for number, theme in enumerate(mapping):
            predicted = (stacked[number] >= 0) & (top == number)
            figures.append(f1(labels[theme][rows].tolist(), predicted.astype(int).tolist()))
        out.append(figures)
    return {"blend, one code per segment": list(zip(out[0], out[1], strict=True))}


def logit(p: Any) -> Any:
    import numpy

    p = numpy.clip(p, 1e-6, 1 - 1e-6)
    return numpy.log(p / (1 - p))


def stacked(
    inputs: Any, y: Any, fold_of: Any, test_inputs: Any, y_test: Any
) -> tuple[float, float]:
    """A second-stage logistic regression (balanced) over out-of-fold scores: each fold scored
    by a stacker fitted on the other folds' rows, the held-out part by one fitted on all."""
    import numpy
    from sklearn.linear_model import LogisticRegression

    def stacker() -> Any:
        return LogisticRegression(class_weight="balanced", random_state=SEED)

    scores = numpy.zeros(len(y))
    for number in range(FOLDS):
        inside = fold_of == number
        fitted = stacker().fit(inputs[~inside], y[~inside])
        scores[inside] = fitted.predict_proba(inputs[inside])[:, 1]
    test_scores = stacker().fit(inputs, y).predict_proba(test_inputs)[:, 1]
    return judged(scores, y, fold_of, test_scores, y_test)


def spread_of(operator: Any, known: Any, y: Any, alpha: float) -> Any:
    return spread(operator, known, y, alpha)


if __name__ == "__main__":
    main()
