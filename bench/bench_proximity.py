"""Proximity rules on dense text: codebooks/justice.yaml against the floor, linear and plain.

The study's codebook has `unless … within` rules on common words (`rent` unless `car` within 3,
`income` unless `income tax`, `wealth`, `health`, `race`, …). On text where many tokens are those
words, comparing every pair of hits (the plain definition, as the matcher did before) grows with
the square of the hits in a segment. This times ``Matcher.codings_batch`` over English respondent
turns of 20–120 words (``--words``) where ``--shares`` of the tokens are such words (the rest
everyday filler), interleaved batch by batch with the floor (``re.findall(r"\\w+", text.lower())``)
and with the same matcher using the plain definition (``use_plain_proximity`` of bench/common.py).
CPU seconds, with Python's garbage collector set as ``qualcode code`` sets it.

    .venv/bin/python bench/bench_proximity.py --mb 1 --shares 0.02,0.1,0.3,0.6
    .venv/bin/python bench/bench_proximity.py --mb 1 --words 300,1500   # long speeches
    .venv/bin/python bench/bench_proximity.py --baseline /tmp/matching_before.py  # before/after

With ``--baseline``, the matcher of another version of ``matching.py`` (loaded from that file)
runs too, interleaved with the others, and ``same`` says whether all gave the same codings.
"""

from __future__ import annotations

import argparse
import gc
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import qualcode.matching
from bench_match import baseline_matcher
from qualcode.codebook import load_codebook
from qualcode.coding import YOUNG_OBJECTS
from qualcode.matching import Matcher
from test_proximity import plain_rule_spans

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK_WORDS = (
    "rent",
    "car",
    "income",
    "tax",
    "basic",
    "wealth",
    "community",
    "build",
    "health",
    "financial",
    "economic",
    "race",
    "arms",
    "housing",
    "inequality",
    "poverty",
    "landlord",
    "eviction",
    "wage",
    "wages",
    "council",
    "public",
    "services",
)
FILLER = (
    "the",
    "a",
    "and",
    "we",
    "they",
    "it",
    "was",
    "is",
    "that",
    "in",
    "of",
    "to",
    "for",
    "with",
    "on",
    "at",
    "this",
    "so",
    "but",
    "then",
    "people",
    "here",
    "really",
    "think",
    "know",
    "said",
    "because",
    "when",
    "there",
    "very",
    "just",
    "about",
    "year",
    "years",
    "time",
    "lot",
)
_WORD = re.compile(r"\w+")
BATCH = 2000


def turns(total_bytes: int, share: float, seed: int, length: tuple[int, int]) -> list[str]:
    rng = random.Random(seed)
    texts, size = [], 0
    while size < total_bytes:
        words = [
            rng.choice(CODEBOOK_WORDS) if rng.random() < share else rng.choice(FILLER)
            for _ in range(rng.randint(*length))
        ]
        text = " ".join(words).capitalize() + "."
        texts.append(text)
        size += len(text.encode())
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=1.0)
    parser.add_argument("--shares", default="0.02,0.1,0.3,0.6")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--words", default="20,120", help="fewest and most words in a turn")
    parser.add_argument(
        "--baseline",
        metavar="MATCHING_PY",
        help="another version of src/qualcode/matching.py to time beside this one",
    )
    options = parser.parse_args()
    before = baseline_matcher(options.baseline) if options.baseline else None
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])  # as `qualcode code` sets it
    codebook = load_codebook(ROOT / "codebooks" / "justice.yaml")
    linear_spans = qualcode.matching._rule_spans

    def plain(rule, spans, tokens):  # type: ignore[no-untyped-def]
        return plain_rule_spans(rule, spans, tokens._joined)

    more = " before MB/s | ratio |" if before else ""
    print(
        f"| share | hits/MB | floor MB/s | linear MB/s | ratio | plain MB/s | ratio |{more} same |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if before else "") + "---|")
    for share in (float(s) for s in options.shares.split(",")):
        low, high = (int(n) for n in options.words.split(","))
        texts = turns(int(options.mb * 1_000_000), share, options.seed, (low, high))
        megabytes = sum(len(t.encode()) for t in texts) / 1e6
        segments = [(text, "en", "respondent", 0) for text in texts]
        matchers = {"linear": Matcher(codebook), "plain": Matcher(codebook)}
        if before is not None:
            matchers["before"] = before(codebook)
        seconds = dict.fromkeys(["floor", *matchers], 0.0)
        found: dict[str, list[list[tuple[str, str]]]] = {name: [] for name in matchers}
        for start in range(0, len(segments), BATCH):
            batch = segments[start : start + BATCH]
            began = time.process_time()
            for text, *_ in batch:
                _WORD.findall(text.lower())
            seconds["floor"] += time.process_time() - began
            for name, matcher in matchers.items():
                qualcode.matching._rule_spans = linear_spans if name == "linear" else plain  # type: ignore[assignment]
                began = time.process_time()
                found[name] += matcher.codings_batch(batch)
                seconds[name] += time.process_time() - began
        qualcode.matching._rule_spans = linear_spans
        hits = sum(
            len(hit_list)
            for text in texts[:2000]
            for hit_list in [matchers["linear"].match(text, "en", "respondent")]
        )
        hits_per_mb = hits / (sum(len(t.encode()) for t in texts[:2000]) / 1e6)
        rate = {name: megabytes / s for name, s in seconds.items()}
        cells = [f"{rate[name]:.1f} | {seconds['floor'] / seconds[name]:.2f}" for name in matchers]
        same = all(codings == found["linear"] for codings in found.values())
        print(
            f"| {share} | {hits_per_mb:,.0f} | {rate['floor']:.1f} | {' | '.join(cells)} | "
            f"{same} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
