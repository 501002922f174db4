"""Throughput of the whole ``qualcode code`` run against the floor, on generated projects.

For each size a project is built directly through the store (documents of ~200 KB of synthetic
en/es/ca interview text, one segment per turn), then ``code_project`` runs with a generated
~500-pattern codebook (words, wildcards, phrases, stems, a few regexes and fuzzy words): compiling
the codebook, reading segments in batches, matching, and writing codings with their evidence. Each
size is coded in one process (``--jobs 1``) and with the default worker processes, each on its own
copy of the project, first on the uncoded project and then again (a rerun: nothing changes). The
floor is ``re.findall(r"\\w+", text.lower())`` over the same segment texts, timed in the same run;
times are wall clock, since the workers run beside the main process.

    .venv/bin/python bench/bench_code.py                  # 1 and 10 MB
    .venv/bin/python bench/bench_code.py --sizes 1,10,100
    .venv/bin/python bench/bench_code.py --domain-share 0.6                    # dense
    .venv/bin/python bench/bench_code.py --domain-share 0.6 --plain-proximity  # its baseline
    git show main:src/qualcode/matching.py > /tmp/matching_before.py
    .venv/bin/python bench/bench_code.py --sizes 1 --baseline /tmp/matching_before.py --repeats 3

With ``--baseline``, each run is also made with the matcher of another version of
``matching.py`` (loaded from that file, the rest of qualcode as it is), alternating with the
current one on copies of the same project; the rows show medians over ``--repeats`` and whether the
codings table (segment, code, coder, evidence) came out the same (``same``).
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualcode.coding
from bench_match import baseline_matcher
from common import (
    DENSE_DOMAIN_SHARE,
    DOMAIN_SHARE,
    SyntheticSegment,
    generate_codebook_yaml,
    save_generated_document,
    synthetic_segments,
    use_plain_proximity,
)
from qualcode.codebook import Codebook, load_codebook
from qualcode.coding import PARALLEL_MIN_SEGMENTS, code_project, default_jobs
from qualcode.store import Store

_WORD = re.compile(r"\w+")
DOCUMENT_BYTES = 200_000


def build_project(path: Path, size_bytes: int, seed: int, domain_share: float) -> int:
    """Write a project of about ``size_bytes`` of segment text; return the bytes written."""
    store = Store.open(path, create=True)
    written = 0
    batch: list[SyntheticSegment] = []
    batch_bytes = 0
    number = 0
    with store.transaction():
        for segment in synthetic_segments(size_bytes, seed=seed, domain_share=domain_share):
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


def timed_runs(project: Path, codebook: Codebook, jobs: int | None) -> tuple[float, float, int]:
    """Seconds of a first run and of a rerun on ``project``, and the codings made."""
    store = Store.open(project)
    started = time.perf_counter()
    summary = code_project(store, codebook, jobs=jobs)
    first = time.perf_counter() - started
    started = time.perf_counter()
    code_project(store, codebook, jobs=jobs)
    rerun = time.perf_counter() - started
    store.close()
    return first, rerun, summary.codings


def codings_table(project: Path) -> list[tuple[object, ...]]:
    """Every coding of a project with its evidence, in a fixed order."""
    with sqlite3.connect(project) as db:
        return db.execute(
            "SELECT segment_id, code_path, coder, evidence FROM codings ORDER BY 1, 2, 3"
        ).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10", help="MB of text per project, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--domain-share",
        type=float,
        default=DOMAIN_SHARE,
        help=f"share of tokens from the codebook's vocabulary (dense: {DENSE_DOMAIN_SHARE})",
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
    parser.add_argument("--repeats", type=int, default=1, help="runs of each (median shown)")
    args = parser.parse_args()
    current = qualcode.coding.Matcher
    versions = {"after": current}
    if args.baseline:
        versions = {"before": baseline_matcher(args.baseline), "after": current}
    if args.plain_proximity:
        use_plain_proximity()
    sizes = [float(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        codebook_path = Path(folder) / "bench.yaml"
        codebook_path.write_text(generate_codebook_yaml(patterns=500, seed=args.seed), "utf-8")
        codebook = load_codebook(codebook_path)
        patterns = sum(len(code.patterns) for code in codebook.codes)
        print(f"codebook: {patterns} patterns in {len(codebook.codes)} codes")
        print(f"default jobs here: {default_jobs()}")
        print(
            f"{'MB':>6} {'floor MB/s':>11} {'jobs':>5} {'code MB/s':>10} {'ratio':>6} "
            f"{'rerun MB/s':>11} {'ratio':>6} {'codings':>9} {'code s':>7} {'peak RSS MB':>12}"
            + ("  version  same" if args.baseline else "")
        )
        for size in sizes:
            project = Path(folder) / f"bench-{size:g}.qualcode"
            written = build_project(project, int(size * 1_000_000), args.seed, args.domain_share)
            store = Store.open(project)
            floor = floor_seconds(store)
            parallel = store.current_segment_count() >= PARALLEL_MIN_SEGMENTS
            store.close()
            megabytes = written / 1_000_000
            for jobs in (1, None):
                times: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
                tables: dict[str, list[tuple[object, ...]]] = {}
                for _ in range(args.repeats):
                    for name, matcher_class in versions.items():
                        # worker processes are forked after this, so they use it too
                        qualcode.coding.Matcher = matcher_class
                        copy = project.with_suffix(".run")
                        shutil.copyfile(project, copy)
                        first, rerun, codings = timed_runs(copy, codebook, jobs)
                        times[name].append((first, rerun))
                        if args.baseline and name not in tables:
                            tables[name] = codings_table(copy)
                        copy.unlink()
                qualcode.coding.Matcher = current
                same = len({tuple(table) for table in tables.values()}) <= 1
                # The largest of this process and of any worker (each a process of its own).
                peak = (
                    max(
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                    )
                    / 1024
                )
                # what the default chose: worker processes (as many as cores, at most 4) or not
                label = "1" if jobs == 1 or not parallel else f"{default_jobs()}w"
                for name, runs in times.items():
                    first = statistics.median(seconds for seconds, _ in runs)
                    rerun = statistics.median(seconds for _, seconds in runs)
                    print(
                        f"{megabytes:6.1f} {megabytes / floor:11.1f} {label:>5} "
                        f"{megabytes / first:10.1f} {floor / first:6.2f} "
                        f"{megabytes / rerun:11.1f} {floor / rerun:6.2f} {codings:9,} "
                        f"{first:7.1f} {peak:12.0f}"
                        + (f"  {name:>7}  {same}" if args.baseline else "")
                    )
            project.unlink()


if __name__ == "__main__":
    main()
