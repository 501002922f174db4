"""Throughput of the pattern engine against a floor, on synthetic en/es/ca transcripts.

The floor is the least any matcher must do per segment: ``re.findall(r"\\w+", text.lower())``.
For each size the same text is timed three ways, interleaved chunk by chunk so that machine noise
hits all three alike: the floor, ``Matcher.match`` per segment with a ~500-pattern codebook
without fuzzy words (they are plain words there), and with the same codebook's ~20 fuzzy words.
Time is the process's CPU time: the machine is shared, and waiting for a core is not the matcher's
cost. MB are millions of bytes of UTF-8 text.

    .venv/bin/python bench/bench_match.py                 # sizes 1 and 10 MB
    .venv/bin/python bench/bench_match.py --sizes 1,10,100
    .venv/bin/python bench/bench_match.py --quick         # 1 MB once, for a smoke test
    .venv/bin/python bench/bench_match.py --domain-share 0.03   # fewer hits per MB
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DOMAIN_SHARE, SyntheticSegment, generate_codebook_yaml, synthetic_segments
from qualcode.codebook import load_codebook
from qualcode.matching import Matcher

_WORD = re.compile(r"\w+")
CHUNK_BYTES = 2_000_000


Runner = Callable[[list[SyntheticSegment]], int]


def floor(chunk: list[SyntheticSegment]) -> int:
    """The floor: lower-case and tokenise each segment. Returns the number of tokens."""
    count = 0
    for segment in chunk:
        count += len(_WORD.findall(segment.text.lower()))
    return count


def per_segment(matcher: Matcher) -> Runner:
    def run(chunk: list[SyntheticSegment]) -> int:
        count = 0
        for segment in chunk:
            count += len(matcher.match(segment.text, [segment.language], segment.role))
        return count

    return run


CONTENDERS = ("floor", "match", "match fuzzy")


def load(yaml_text: str) -> Matcher:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.yaml"
        path.write_text(yaml_text, encoding="utf-8")
        codebook = load_codebook(path)
    return Matcher(codebook)


def count_patterns(yaml_text: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.yaml"
        path.write_text(yaml_text, encoding="utf-8")
        return sum(len(code.patterns) for code in load_codebook(path).codes)


def run(
    size_mb: float, seed: int, domain_share: float, with_fuzzy: str, without_fuzzy: str
) -> dict[str, float]:
    """CPU seconds of each contender over ``size_mb`` of text, plus bytes and hits.

    Each contender has its own Matcher, built before the clock starts and warmed by nothing:
    the caches of stems and fuzzy tokens fill as the text goes by, as in a real run.
    """
    runners: dict[str, Runner] = {
        "floor": floor,
        "match": per_segment(load(without_fuzzy)),
        "match fuzzy": per_segment(load(with_fuzzy)),
    }
    seconds = dict.fromkeys(runners, 0.0)
    hits = dict.fromkeys(runners, 0)
    total = 0
    chunk: list[SyntheticSegment] = []
    chunk_bytes = 0

    def time_chunk() -> None:
        for name, runner in runners.items():
            started = time.process_time()
            hits[name] += runner(chunk)
            seconds[name] += time.process_time() - started

    for segment in synthetic_segments(
        int(size_mb * 1_000_000), seed=seed, domain_share=domain_share
    ):
        chunk.append(segment)
        chunk_bytes += len(segment.text.encode("utf-8"))
        if chunk_bytes >= CHUNK_BYTES:
            time_chunk()
            total += chunk_bytes
            chunk, chunk_bytes = [], 0
    if chunk:
        time_chunk()
        total += chunk_bytes
    return {
        "bytes": total,
        **{f"s:{k}": v for k, v in seconds.items()},
        **{f"n:{k}": v for k, v in hits.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10", help="MB of text, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="1 MB, one repetition")
    parser.add_argument(
        "--domain-share",
        type=float,
        default=DOMAIN_SHARE,
        help="share of tokens from the codebook's vocabulary (sets the hit density)",
    )
    options = parser.parse_args()
    sizes = [1.0] if options.quick else [float(s) for s in options.sizes.split(",")]
    with_fuzzy = generate_codebook_yaml(seed=options.seed, fuzzy=True)
    without_fuzzy = generate_codebook_yaml(seed=options.seed, fuzzy=False)
    print(
        f"codebook: {count_patterns(with_fuzzy)} patterns with fuzzy words, "
        f"{count_patterns(without_fuzzy)} without"
    )
    print(f"{'size':>7} {'floor':>7} {'no fuzzy words':>14} {'fuzzy words':>14} {'hits/MB':>8}")
    print(f"{'':>7} {'MB/s':>7} {'MB/s  ratio':>14} {'MB/s  ratio':>14}")
    for size in sizes:
        repeats = 1 if options.quick or size >= 10 else 3
        results = [
            run(size, options.seed, options.domain_share, with_fuzzy, without_fuzzy)
            for _ in range(repeats)
        ]
        megabytes = results[0]["bytes"] / 1e6
        rate = {
            name: statistics.median(megabytes / r[f"s:{name}"] for r in results)
            for name in CONTENDERS
        }
        cells = [
            f"{rate[name]:>7.1f} {rate[name] / rate['floor']:>6.2f}" for name in CONTENDERS[1:]
        ]
        hits_per_mb = results[0]["n:match fuzzy"] / megabytes
        print(
            f"{megabytes:>5.0f}MB {rate['floor']:>7.1f} {cells[0]:>14} {cells[1]:>14} "
            f"{hits_per_mb:>8.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
