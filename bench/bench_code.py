"""Throughput of the whole ``qualcode code`` run against the floor, on generated projects.

For each size a project is built directly through the store (documents of ~200 KB of synthetic
en/es/ca interview text, one segment per turn), then ``code_project`` runs with a generated
~500-pattern codebook (words, wildcards, phrases, stems, a few regexes and fuzzy words): reading
segments in batches, matching, staging and writing codings with their evidence. The floor is
``re.findall(r"\\w+", text.lower())`` over the same segment texts, timed in the same run.

    .venv/bin/python bench/bench_code.py                  # 1 and 10 MB
    .venv/bin/python bench/bench_code.py --sizes 1,10,100
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    SyntheticSegment,
    generate_codebook_yaml,
    save_generated_document,
    synthetic_segments,
)
from qualcode.codebook import load_codebook
from qualcode.coding import code_project
from qualcode.store import Store

_WORD = re.compile(r"\w+")
DOCUMENT_BYTES = 200_000


def build_project(path: Path, size_bytes: int, seed: int) -> int:
    """Write a project of about ``size_bytes`` of segment text; return the bytes written."""
    store = Store.open(path, create=True)
    written = 0
    batch: list[SyntheticSegment] = []
    batch_bytes = 0
    number = 0
    with store.transaction():
        for segment in synthetic_segments(size_bytes, seed=seed):
            batch.append(segment)
            batch_bytes += len(segment.text.encode("utf-8"))
            if batch_bytes >= DOCUMENT_BYTES:
                written += _save(store, number, batch)
                number += 1
                batch, batch_bytes = [], 0
        if batch:
            written += _save(store, number, batch)
    store.close()
    return written


def _save(store: Store, number: int, batch: list[SyntheticSegment]) -> int:
    save_generated_document(store, number, batch)
    return sum(len(item.text.encode("utf-8")) for item in batch)


def floor_seconds(store: Store) -> float:
    """The floor over the project's segment texts; reading them from the store is not timed."""
    seconds = 0.0
    for batch in store.iter_current_segments():
        texts = [segment.text for segment in batch]
        started = time.perf_counter()
        for text in texts:
            _WORD.findall(text.lower())
        seconds += time.perf_counter() - started
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10", help="MB of text per project, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        codebook_path = Path(folder) / "bench.yaml"
        codebook_path.write_text(generate_codebook_yaml(patterns=500, seed=args.seed), "utf-8")
        codebook = load_codebook(codebook_path)
        patterns = sum(len(code.patterns) for code in codebook.codes)
        print(f"codebook: {patterns} patterns in {len(codebook.codes)} codes")
        print(
            f"{'MB':>6} {'floor MB/s':>11} {'code MB/s':>10} {'ratio':>6} {'codings':>9} "
            f"{'code s':>7} {'peak RSS MB':>12}"
        )
        for size in sizes:
            project = Path(folder) / f"bench-{size:g}.qualcode"
            written = build_project(project, int(size * 1_000_000), args.seed)
            store = Store.open(project)
            floor = floor_seconds(store)
            started = time.perf_counter()
            summary = code_project(store, codebook)
            seconds = time.perf_counter() - started
            store.close()
            megabytes = written / 1_000_000
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{megabytes:6.1f} {megabytes / floor:11.1f} {megabytes / seconds:10.1f} "
                f"{floor / seconds:6.2f} {summary.codings:9,} {seconds:7.1f} {peak:12.0f}"
            )


if __name__ == "__main__":
    main()
