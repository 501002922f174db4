"""CPU time of reading and segmenting text transcripts, without languages or the store.

Reads each file of a folder with ``qualcode.readers.read_file`` and cuts it into turns with
``segment_document``, file by file as ingest does, and prints the CPU seconds of each stage as
JSON: the best of ``--passes`` passes in this process, with every cache of the speaker recognisers
emptied before each pass, so that each pass starts as a fresh process does. Run it with each
checkout's ``src`` first on ``PYTHONPATH`` to compare them on the same files:

    .venv/bin/python bench/bench_read_segment.py --size 10      # writes bench_ingest.py's set
    PYTHONPATH=src .venv/bin/python bench/bench_read_segment.py --folder /tmp/set/txt
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def measure(folder: Path, passes: int) -> dict[str, float]:
    from qualcode import speakers
    from qualcode.ingest import labels
    from qualcode.ingest.roles import RoleResolver
    from qualcode.ingest.segment import segment_document
    from qualcode.models import Unit
    from qualcode.readers import read_file

    files = sorted(path for path in folder.iterdir() if path.suffix == ".txt")
    roles = RoleResolver(speakers.DEFAULT_INTERVIEWER_LABELS, speakers.DEFAULT_CHAIR_LABELS)
    caches = [
        function
        for module in (speakers, labels)
        for function in vars(module).values()
        if hasattr(function, "cache_clear")
    ]
    reading, segmenting, segments = [], [], 0
    for _ in range(passes):
        for cache in caches:
            cache.cache_clear()
        read_seconds = segment_seconds = 0.0
        segments = 0
        for path in files:
            started = time.process_time()
            document = read_file(path)
            read = time.process_time()
            segments += len(segment_document(document, Unit.TURN, roles).segments)
            segment_seconds += time.process_time() - read
            read_seconds += read - started
        reading.append(read_seconds)
        segmenting.append(segment_seconds)
    return {
        "files": len(files),
        "segments": segments,
        "read_cpu_seconds": round(min(reading), 3),
        "segment_cpu_seconds": round(min(segmenting), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", help="a folder of .txt transcripts")
    parser.add_argument("--size", type=float, default=10, help="MB of bench_ingest.py's set")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--passes", type=int, default=5)
    options = parser.parse_args()
    if options.folder:
        print(json.dumps(measure(Path(options.folder), options.passes)))
        return
    import bench_ingest

    with tempfile.TemporaryDirectory() as temporary:
        bench_ingest.generate(Path(temporary), options.size, options.seed)
        print(json.dumps(measure(Path(temporary) / "txt", options.passes)))


if __name__ == "__main__":
    main()
