"""Throughput of the pattern engine against a floor, on synthetic en/es/ca transcripts.

The floor is the least any matcher must do per segment: ``re.findall(r"\\w+", text.lower())``.
For each size the same text is timed three ways, interleaved chunk by chunk so that machine noise
hits all three alike: the floor, and ``Matcher.codings_batch`` (what ``qualcode code`` calls, on
batches of as many segments as it reads at once) with a ~500-pattern codebook without fuzzy words
(they are plain words there), and with the same codebook's ~20 fuzzy words. Each size runs three
times (``--repeats``), each time with fresh matchers; the ratios to the floor are taken within a
run, and the median is shown. Time is the process's CPU time: the machine is shared, and waiting for
a core is not the matcher's cost. MB are millions of bytes of UTF-8 text. Python's garbage collector
is set as ``qualcode code`` sets it (``coding.YOUNG_OBJECTS``), for all three.

    .venv/bin/python bench/bench_match.py                 # sizes 1 and 10 MB
    .venv/bin/python bench/bench_match.py --sizes 1,10,100
    .venv/bin/python bench/bench_match.py --quick         # 1 MB once, for a smoke test
    .venv/bin/python bench/bench_match.py --domain-share 0.03   # fewer hits per MB
    .venv/bin/python bench/bench_match.py --domain-share 0.6    # dense: ~100,000 hits per MB
    .venv/bin/python bench/bench_match.py --domain-share 0.6 --plain-proximity  # its baseline
    git show main:src/qualcode/matching.py > /tmp/matching_before.py
    .venv/bin/python bench/bench_match.py --baseline /tmp/matching_before.py  # before/after

With ``--baseline``, the matchers of another version of ``matching.py`` (loaded from that file, the
rest of qualcode as it is) run too, interleaved with the others, and their codings are compared
with the current ones (``same``).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import pickle
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DOMAIN_SHARE, generate_codebook_yaml, synthetic_segments, use_plain_proximity
from qualcode.codebook import load_codebook
from qualcode.coding import BATCH_SIZE, YOUNG_OBJECTS
from qualcode.matching import Matcher

_WORD = re.compile(r"\w+")
CHUNK_BYTES = 2_000_000


# a segment as coding hands it to the matcher: text, language, role, offset
Item = tuple[str, str, str, int]
Runner = Callable[[list[Item]], Any]


def floor(chunk: list[Item]) -> int:
    """The floor: lower-case and tokenise each segment. Returns the number of tokens."""
    count = 0
    for text, _, _, _ in chunk:
        count += len(_WORD.findall(text.lower()))
    return count


def batched(matcher: Any) -> Runner:
    """``codings_batch`` on batches of BATCH_SIZE segments. Returns the codings."""

    def run(chunk: list[Item]) -> list[list[tuple[str, str]]]:
        codings = []
        for start in range(0, len(chunk), BATCH_SIZE):
            codings += matcher.codings_batch(chunk[start : start + BATCH_SIZE])
        return codings

    return run


def baseline_matcher(path: str) -> Any:
    """The ``Matcher`` class of the ``matching.py`` at ``path``, beside the current one."""
    spec = importlib.util.spec_from_file_location("baseline_matching", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.Matcher


def count_hits(matcher: Matcher, chunk: list[Item]) -> int:
    """The hits (spans of evidence) the matcher finds in a chunk; not timed."""
    return sum(len(matcher.match(text, language, role)) for text, language, role, _ in chunk)


CONTENDERS = ("floor", "match", "match fuzzy")
BASELINES = ("before", "before fuzzy")


def load(yaml_text: str, matcher_class: Any = Matcher) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.yaml"
        path.write_text(yaml_text, encoding="utf-8")
        codebook = load_codebook(path)
    return matcher_class(codebook)


def count_patterns(yaml_text: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.yaml"
        path.write_text(yaml_text, encoding="utf-8")
        return sum(len(code.patterns) for code in load_codebook(path).codes)


def chunks_of(size_mb: float, seed: int, domain_share: float) -> tuple[list[bytes], int]:
    """The synthetic segments of ``size_mb`` in chunks of about CHUNK_BYTES, and their bytes.

    Each chunk is kept pickled and unpickled when it is timed, so that, as in `qualcode code`,
    which reads the project batch by batch, only the text being matched is in Python objects.
    """
    chunks: list[bytes] = []
    chunk: list[Item] = []
    chunk_bytes = total = 0
    for segment in synthetic_segments(
        int(size_mb * 1_000_000), seed=seed, domain_share=domain_share
    ):
        chunk.append((segment.text, segment.language, segment.role, 0))
        size = len(segment.text.encode("utf-8"))
        chunk_bytes += size
        total += size
        if chunk_bytes >= CHUNK_BYTES:
            chunks.append(pickle.dumps(chunk))
            chunk, chunk_bytes = [], 0
    if chunk:
        chunks.append(pickle.dumps(chunk))
    return chunks, total


def run(
    chunks: list[bytes], with_fuzzy: str, without_fuzzy: str, baseline: Any = None
) -> tuple[dict[str, float], bool]:
    """CPU seconds of each contender over the chunks, interleaved chunk by chunk, and whether
    the baseline's codings (if there is one) are the current ones.

    Each contender has its own Matcher, built before the clock starts and warmed by nothing:
    the caches of stems and fuzzy tokens fill as the text goes by, as in a real run.
    """
    runners: dict[str, Runner] = {
        "floor": floor,
        "match": batched(load(without_fuzzy)),
        "match fuzzy": batched(load(with_fuzzy)),
    }
    if baseline is not None:
        runners["before"] = batched(load(without_fuzzy, baseline))
        runners["before fuzzy"] = batched(load(with_fuzzy, baseline))
    seconds = dict.fromkeys(runners, 0.0)
    same = True
    for blob in chunks:
        chunk = pickle.loads(blob)
        found = {}
        for name, runner in runners.items():
            started = time.process_time()
            found[name] = runner(chunk)
            seconds[name] += time.process_time() - started
        if baseline is not None:
            same &= (
                found["before"] == found["match"] and found["before fuzzy"] == found["match fuzzy"]
            )
        del found
    return seconds, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10", help="MB of text, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="1 MB, one repetition")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size (median shown)")
    parser.add_argument(
        "--domain-share",
        type=float,
        default=DOMAIN_SHARE,
        help="share of tokens from the codebook's vocabulary (sets the hit density)",
    )
    parser.add_argument(
        "--plain-proximity",
        action="store_true",
        help="baseline: near/unless-within rules as before they were linear (quadratic)",
    )
    parser.add_argument(
        "--baseline",
        metavar="MATCHING_PY",
        help="another version of src/qualcode/matching.py to time beside this one",
    )
    options = parser.parse_args()
    baseline = baseline_matcher(options.baseline) if options.baseline else None
    names = CONTENDERS + (BASELINES if baseline is not None else ())
    if options.plain_proximity:
        use_plain_proximity()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
    sizes = [1.0] if options.quick else [float(s) for s in options.sizes.split(",")]
    if options.quick:
        options.repeats = 1
    with_fuzzy = generate_codebook_yaml(seed=options.seed, fuzzy=True)
    without_fuzzy = generate_codebook_yaml(seed=options.seed, fuzzy=False)
    print(
        f"codebook: {count_patterns(with_fuzzy)} patterns with fuzzy words, "
        f"{count_patterns(without_fuzzy)} without"
    )
    before = f" {'before: no fuzzy':>16} {'before: fuzzy':>14} {'same':>5}" if baseline else ""
    print(
        f"{'size':>7} {'floor':>7} {'no fuzzy words':>14} {'fuzzy words':>14} {'hits/MB':>8}"
        + before
    )
    print(
        f"{'':>7} {'MB/s':>7} {'MB/s  ratio':>14} {'MB/s  ratio':>14} {'':>8}"
        + (f" {'MB/s  ratio':>16} {'MB/s  ratio':>14}" if baseline else "")
    )
    for size in sizes:
        chunks, total = chunks_of(size, options.seed, options.domain_share)
        megabytes = total / 1e6
        runs = [run(chunks, with_fuzzy, without_fuzzy, baseline) for _ in range(options.repeats)]
        results = [seconds for seconds, _ in runs]
        # each ratio within one repetition, then the median over repetitions
        rate = {name: statistics.median(megabytes / r[name] for r in results) for name in names}
        ratio = {name: statistics.median(r["floor"] / r[name] for r in results) for name in names}
        cells = [f"{rate[name]:>7.1f} {ratio[name]:>6.2f}" for name in names[1:]]
        counting = load(with_fuzzy)
        hits_per_mb = sum(count_hits(counting, pickle.loads(blob)) for blob in chunks) / megabytes
        after = (
            f" {cells[2]:>16} {cells[3]:>14} {all(same for _, same in runs)!s:>5}"
            if baseline
            else ""
        )
        print(
            f"{megabytes:>5.0f}MB {rate['floor']:>7.1f} {cells[0]:>14} {cells[1]:>14} "
            f"{hits_per_mb:>8.0f}" + after,
            flush=True,
        )


if __name__ == "__main__":
    main()
