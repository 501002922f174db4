"""CPU time of ``export_project`` (``qualcode export qdpx``) on a generated project.

The project: 300 documents of 60 turns each, 30 codes, one automatic run giving each turn three
codes with one piece of evidence (54,000 codings in 18,000 selections of segment spans). The
export is timed five times in CPU seconds (``time.process_time``: the machine is shared, and wall
time there measures the neighbours); the median is reported.

To compare with another version, run the same script with that version first on the path:

    .venv/bin/python bench/bench_refi_export.py
    git archive HEAD~1 src | tar -x -C /tmp/baseline
    PYTHONPATH=/tmp/baseline/src .venv/bin/python bench/bench_refi_export.py
"""

from __future__ import annotations

import hashlib
import random
import statistics
import tempfile
import time
from pathlib import Path

import qualcode
from qualcode.models import CodeRecord, Segment, StagedCoding, Unit
from qualcode.refi.export import export_project
from qualcode.store import Store

DOCUMENTS = 300
TURNS = 60
CODES = 30
PER_TURN = 3
RUNS = 5


def build(path: Path) -> Store:
    random.seed(1)
    store = Store.open(path, create=True)
    store.save_codes([CodeRecord(f"c{i}", f"Code {i}", None) for i in range(CODES)], "bench")
    starts: dict[int, int] = {}
    for number in range(DOCUMENTS):
        turns, segments, position = [], [], 0
        for ordinal in range(TURNS):
            turn = f"Speaker {ordinal % 2}: housing rent cuts council word{number}_{ordinal} " * 3
            segments.append(Segment(ordinal, position, position + len(turn), turn, word_count=30))
            turns.append(turn)
            position += len(turn) + 2
        text = "\n\n".join(turns)
        document_id, _ = store.save_document(
            name=f"d{number}.txt",
            source_path=f"/bench/d{number}.txt",
            format="txt",
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            segmentation_key="bench",
            encoding="utf-8",
            text=text,
            properties={},
            languages=("en",),
            unit=Unit.TURN,
            segments=segments,
        )
        for segment in store.segments(document_id):
            starts[segment.segment_id or 0] = segment.start_char
    run = store.start_run(
        coder="auto:bench@1",
        codebook_name="bench",
        codebook_version="1",
        codebook_hash="0" * 64,
        codebook_path="bench.yaml",
        options={},
    )
    staged = [
        StagedCoding(segment_id, f"c{code}", "rent", "word", start, start + 5)
        for segment_id, start in starts.items()
        for code in random.sample(range(CODES), PER_TURN)
    ]
    store.replace_codings("auto:bench@1", run, staged)
    return store


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = build(Path(folder) / "bench.qualcode")
        times = []
        for _ in range(RUNS):
            start = time.process_time()
            summary = export_project(store, Path(folder) / "bench.qdpx")
            times.append(time.process_time() - start)
        size = (Path(folder) / "bench.qdpx").stat().st_size
        store.close()
    print(
        f"qualcode from {Path(qualcode.__file__).parent}: {summary.codings:,} codings in "
        f"{summary.selections:,} selections, archive {size / 1e6:.2f} MB, export CPU s "
        f"median {statistics.median(times):.2f} ({', '.join(f'{t:.2f}' for t in times)})"
    )


if __name__ == "__main__":
    main()
