"""Language identification: qualcode's batched scorer against py3langid itself, same run.

Both identify the language of every segment the way ingest does (``segments_languages``: the
whole segment, and its sentences when the whole is not clear-cut). The baseline is the same rule
over py3langid's own ``rank``, one text at a time, as qualcode ran before. Texts: the synthetic
en/es/ca segments of bench/common.py (``--mb`` of them), and, for accuracy, the labelled segments
in tests/fixtures/language/ (invented and real) and, when ../shared/corpora is present, the
Spanish manifesto quasi-sentences (all Spanish). Times are CPU seconds of this process (the
machine is shared), the median of ``--repeat`` interleaved runs. bench/bench_language_libraries.py
compares other identifiers on the real segments.

    .venv/bin/python bench/bench_language.py --mb 2
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from common import synthetic_segments
from qualcode.ingest.language import LanguageIdentifier
from qualcode.ingest.segment import count_words
from test_language_accuracy import (
    labelled,
    load_py3langid,
    py3langid_segment_languages,
    real_labelled,
)

ROOT = Path(__file__).resolve().parents[1]
MANIFESTO = ROOT.parent / "shared" / "corpora" / "cmp-spanish" / "quasi-sentences.csv"

Detect = Callable[[list[tuple[str, int]]], list[tuple[str, ...] | None]]


def accuracy(detect: Detect, rows: list[tuple[str, str]]) -> dict[str, str]:
    """Right per expected label, over the segments long enough to be identified."""
    found = detect([(text, count_words(text)) for _, text in rows])
    right: dict[str, list[bool]] = {}
    for (label, _), languages in zip(rows, found, strict=True):
        if languages is not None:
            # A turn in both languages may list either first (the one with more words leads).
            right.setdefault(label, []).append(set(languages) == set(label.split(",")))
    return {label: f"{sum(r)}/{len(r)}" for label, r in sorted(right.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()

    identifier = LanguageIdentifier()
    model = load_py3langid()
    identifier.rank("warm up")

    def ours(pairs: list[tuple[str, int]]) -> list[tuple[str, ...] | None]:
        return identifier.segments_languages(pairs)

    def theirs(pairs: list[tuple[str, int]]) -> list[tuple[str, ...] | None]:
        return [py3langid_segment_languages(model, text, words) for text, words in pairs]

    segments = list(synthetic_segments(int(options.mb * 1_000_000)))
    pairs = [(s.text, count_words(s.text)) for s in segments]
    megabytes = sum(len(s.text.encode()) for s in segments) / 1e6
    times: dict[str, list[float]] = {"py3langid": [], "qualcode": []}
    results = {}
    for _ in range(options.repeat):
        for name, detect in (("py3langid", theirs), ("qualcode", ours)):
            start = time.process_time()
            results[name] = detect(pairs)
            times[name].append(time.process_time() - start)
    same = sum(a == b for a, b in zip(results["py3langid"], results["qualcode"], strict=True))
    print(f"{len(pairs):,} synthetic segments, {megabytes:.1f} MB; same choice: {same:,}")
    for name, runs in times.items():
        seconds = statistics.median(runs)
        print(f"{name:10} {seconds:6.2f} s CPU  {megabytes / seconds:6.1f} MB/s  runs {runs}")
    speed_up = statistics.median(times["py3langid"]) / statistics.median(times["qualcode"])
    print(f"speed-up: {speed_up:.1f}x")

    synthetic = [(s.language, s.text) for s in segments]
    rows = {
        "labelled fixture": labelled(),
        "real segments": real_labelled(),
        "synthetic": synthetic,
    }
    if MANIFESTO.is_file():
        with MANIFESTO.open(encoding="utf-8", newline="") as handle:
            rows["cmp-spanish"] = [("es", row["text"]) for row in csv.DictReader(handle)]
    for set_name, labelled_rows in rows.items():
        print(f"accuracy on {set_name}:")
        for name, detect in (("py3langid", theirs), ("qualcode", ours)):
            print(f"  {name:10} {accuracy(detect, labelled_rows)}")


if __name__ == "__main__":
    main()
