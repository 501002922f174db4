"""Learned coding against people: macro-F1 on human-coded Spanish manifesto sentences, and time.

**Accuracy.** ../shared/corpora/cmp-spanish holds 9,211 quasi-sentences each coded by a trained
Manifesto Project coder with one category. Seven themes stand for CMP categories as
bench/cmp_themes.csv says (written before any result was looked at); each theme also names the codes
of codebooks/justice.yaml that stand for it. For 5 %, 10 % and 25 % of the sentences drawn at
random as what a person coded by hand (the rest held out), per theme:

- **dictionary**: the theme is found when a justice code of the theme is (its patterns, Spanish);
- **model**: qualcode's learned model (qualcode.learning: words, word pairs, character 2-5-grams,
  logistic regression, threshold chosen by cross-validation on the training part);
- **dictionary + model**: the same, with every justice code's hits as extra features;
- **dictionary + model + vectors**: the same blended with a model of the sentence vectors, as
  ``learn --vectors`` does (qualcode.sentence_vectors); only when the ``vectors`` extra is
  installed.

Each model is cross-validated with each sentence alone and with its neighbours in the manifesto
(by sentence_id, qualcode.learning.CONTEXT_WEIGHTS), and the way with the higher mean F1 by
cross-validation on the training part is kept, as ``learn`` does; ``--no-context`` tries alone only.

F1 against the human codes on the held-out sentences, averaged over the seven themes (macro-F1),
then over ``--splits`` random draws; beside it the macro-F1 that ``learn``'s cross-validation
estimated on the training part alone, to see whether the figure ``learn`` prints can be trusted.

**Time.** ``learn`` and ``suggest`` through the store on a generated project of 100,000 segments
(bench/common.py, en/es/ca), a person having coded 10 % of them for five codes; with sentence
vectors when they are installed, unless ``--no-vectors``.

    .venv/bin/python bench/bench_learn.py                      # accuracy and time
    .venv/bin/python bench/bench_learn.py --no-time --splits 1
    .venv/bin/python bench/bench_learn.py --no-accuracy --no-vectors   # time the words alone

``--corpus`` and ``--language`` measure the same on another corpus of the same columns, such as
the English and Catalan manifestos bench/cmp_extract.py writes.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import save_generated_document, synthetic_segments
from qualcode.agreement import pair_counts, precision_recall_f1
from qualcode.codebook import load_codebook
from qualcode.learning import (
    CONTEXT_WEIGHTS,
    Features,
    cross_validate,
    dictionary_hits,
    feature_text,
    fit_code,
    in_context,
    learn,
    mean_f1,
    neighbours,
    sklearn_version,
    suggest,
)
from qualcode.sentence_vectors import installed_version
from qualcode.store import Store

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT / "../shared/corpora/cmp-spanish/quasi-sentences.csv"
CODEBOOK = ROOT / "codebooks/justice.yaml"


def themes() -> dict[str, tuple[set[str], list[str]]]:
    with (HERE / "cmp_themes.csv").open(encoding="utf-8") as file:
        return {
            row["theme"]: (set(row["cmp_categories"].split(";")), row["justice_codes"].split(";"))
            for row in csv.DictReader(file)
        }


def f1(truth: list[int], predicted: list[int]) -> float:
    value = precision_recall_f1(pair_counts(truth, predicted))[2].value
    return 0.0 if value is None else value


def accuracy(
    corpus: Path,
    language: str,
    fractions: list[float],
    splits: int,
    contexts: list[tuple[float, ...]],
    with_vectors: bool,
) -> None:
    import numpy

    from qualcode.sentence_vectors import encode

    with corpus.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    mapping = themes()
    codebook = load_codebook(CODEBOOK)
    texts = [feature_text(r["text"]) for r in rows]
    started = time.perf_counter()
    hits = dictionary_hits(codebook, [(r["text"], language, None) for r in rows])
    print(f"{len(rows):,} sentences; dictionary hits in {time.perf_counter() - started:.1f} s")
    labels = {
        theme: numpy.array([int(r["cmp_code"] in categories) for r in rows])
        for theme, (categories, _) in mapping.items()
    }
    dictionary = {
        theme: [int(bool(found & set(codes))) for found in hits]
        for theme, (_, codes) in mapping.items()
    }
    every_code = [code.path for code in codebook.codes]
    methods: list[tuple[str, list[str], Any]] = [
        ("model", [], None),
        ("dictionary + model", every_code, None),
    ]
    if with_vectors:
        started = time.perf_counter()
        vectors = encode([r["text"] for r in rows])
        print(f"sentence vectors in {time.perf_counter() - started:.0f} s")
        methods.append(("dictionary + model + vectors", every_code, vectors))
    near = neighbours([(r["manifesto_id"], int(r["sentence_id"])) for r in rows])
    print("| training | method | macro-F1 held out | macro-F1 by CV on training | context kept | "
          + " | ".join(mapping) + " | s |")  # fmt: skip
    print("|---:|---|---:|---:|---:|" + "---:|" * len(mapping) + "---:|")
    for fraction in fractions:
        results: dict[str, list[list[float]]] = {}
        estimates: dict[str, list[float]] = {}
        seconds: dict[str, float] = {}
        kept: dict[str, int] = {}
        for split in range(splits):
            order = list(range(len(rows)))
            random.Random(split + 1).shuffle(order)
            cut = int(len(rows) * fraction)
            train, test = sorted(order[:cut]), sorted(order[cut:])
            results.setdefault("dictionary", []).append(
                [
                    f1([int(labels[t][i]) for i in test], [dictionary[t][i] for i in test])
                    for t in mapping
                ]
            )
            for method, codes, vectors in methods:
                begun = time.perf_counter()
                features = Features.fit([texts[i] for i in train], codes)
                own = features.matrix(texts, hits)
                best: tuple[float, list[float], bool] | None = None
                for context in contexts:
                    matrix = in_context(own, near, context)
                    train_matrix, test_matrix = matrix[train], matrix[test]
                    dense = in_context(vectors, near, context) if vectors is not None else None
                    train_vectors = dense[train] if dense is not None else None
                    test_vectors = dense[test] if dense is not None else None
                    held_out, estimated = [], []
                    for theme in mapping:
                        y = labels[theme][train]
                        figures = cross_validate(theme, train_matrix, y, train_vectors)
                        model = fit_code(
                            theme, train_matrix, y, figures.threshold, "all", train_vectors
                        )
                        scores = model.scores(test_matrix, test_vectors)
                        predicted = [int(s >= figures.threshold) for s in scores]
                        held_out.append(f1([int(v) for v in labels[theme][test]], predicted))
                        estimated.append(figures)
                    if best is None or mean_f1(estimated) > best[0]:
                        best = (mean_f1(estimated), held_out, bool(context))
                assert best is not None
                results.setdefault(method, []).append(best[1])
                estimates.setdefault(method, []).append(best[0])
                kept[method] = kept.get(method, 0) + best[2]
                seconds[method] = seconds.get(method, 0.0) + time.perf_counter() - begun
        for method, per_split in results.items():
            per_theme = [sum(values) / len(values) for values in zip(*per_split, strict=True)]
            macro = sum(per_theme) / len(per_theme)
            estimate = (
                f"{sum(estimates[method]) / len(estimates[method]):.3f}"
                if method in estimates
                else "–"
            )
            took = f"{seconds[method] / splits:.0f}" if method in seconds else "–"
            context = f"{kept[method]}/{splits}" if method in kept else "–"
            print(
                f"| {fraction:.0%} | {method} | {macro:.3f} | {estimate} | {context} | "
                + " | ".join(f"{value:.2f}" for value in per_theme)
                + f" | {took} |",
                flush=True,
            )


TIMED_CODES = [
    "inequality/housing",
    "economic_justice/labour",
    "governance/participation",
    "inequality/education",
    "inequality/gender",
]


def timing(segments: int, vectors: bool) -> None:
    from qualcode.learning import dictionary_hits as hits_of

    codebook = load_codebook(CODEBOOK)
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "bench.qualcode", create=True)
        generated = synthetic_segments(10**12, seed=3)
        made = 0
        number = 0
        with store.transaction():
            while made < segments:
                batch = [next(generated) for _ in range(min(500, segments - made))]
                save_generated_document(store, number, batch)
                made += len(batch)
                number += 1
        from qualcode.coding import code_records

        store.save_codes(code_records(codebook), codebook.name)
        every = [s for batch in store.iter_current_segments() for s in batch]
        rng = random.Random(7)
        sample = rng.sample(every, len(every) // 10)
        found = hits_of(
            codebook, [(s.text, s.language, s.role.value if s.role else None) for s in sample]
        )
        cells = [(s.segment_id, code) for s in sample for code in TIMED_CODES]
        # the person codes as the dictionary would, and misses one coding in five
        codings = [
            (s.segment_id, code)
            for s, hit in zip(sample, found, strict=True)
            for code in TIMED_CODES
            if code in hit and rng.random() < 0.8
        ]
        store.save_sheet_coverage(cells, "bench", "generated")  # type: ignore[arg-type]
        store.add_person_codings(codings, "bench")  # type: ignore[arg-type]
        begun = time.perf_counter()
        learned = learn(store, "bench", codebook=codebook, codes=TIMED_CODES, vectors=vectors)
        learn_seconds = time.perf_counter() - begun
        begun = time.perf_counter()
        suggested = suggest(store, "bench")
        suggest_seconds = time.perf_counter() - begun
        store.close()
    print(
        f"| {segments:,} | {learned.segments:,} | {len(TIMED_CODES)} | {len(codings):,} | "
        f"{learn_seconds:.0f} | {suggest_seconds:.0f} | {suggested.codings:,} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fractions", default="0.05,0.10,0.25")
    parser.add_argument("--splits", type=int, default=3)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--no-time", action="store_true")
    parser.add_argument("--no-accuracy", action="store_true")
    parser.add_argument("--no-context", action="store_true")
    parser.add_argument("--no-vectors", action="store_true", help="leave sentence vectors out")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="quasi-sentences, as csv")
    parser.add_argument("--language", default="es", choices=["es", "ca", "en"], help="its language")
    arguments = parser.parse_args()
    print(f"scikit-learn {sklearn_version()}")
    vectors = not arguments.no_vectors and installed_version() is not None
    if not arguments.no_accuracy:
        contexts = [()] if arguments.no_context else [(), CONTEXT_WEIGHTS]
        fractions = [float(f) for f in arguments.fractions.split(",")]
        accuracy(
            arguments.corpus, arguments.language, fractions, arguments.splits, contexts, vectors
        )
    if not arguments.no_time:
        print("| segments | looked at | codes | codings | learn s | suggest s | suggested |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        timing(arguments.segments, vectors)


if __name__ == "__main__":
    main()
