"""`export quotes --format docx` with every quote: time against the number of quotes.

Builds bench_report.py's project (synthetic en/es/ca interviews coded by its seeded stand-in) at
each size, then writes the Word report of every quote (``--max-quotes 0``) once, in a child
process per measurement, timed in CPU seconds (the machine is shared), with the child's peak
resident memory. ``--baseline-src`` names
another checkout's ``src`` folder (for example one made with ``git archive``) to time the same
project with it too, in the same run. A writer linear in its quotes keeps the seconds per 1,000
quotes flat as the project grows.

    .venv/bin/python bench/bench_quotes.py --sizes 1,3
    git archive main src | tar -x -C /tmp/main && \\
        .venv/bin/python bench/bench_quotes.py --sizes 1,3 --baseline-src /tmp/main/src
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, resource, sys, time
from pathlib import Path
from qualcode.exports.docx_report import write_quotes_docx
from qualcode.report import ReportOptions
from qualcode.store import Store
with Store.open(Path(sys.argv[1])) as store:
    started = time.process_time()
    summary = write_quotes_docx(store, ReportOptions(), Path(sys.argv[2]))
    seconds = time.process_time() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "quotes": summary.quotes, "peak_rss_mb": peak_mb}))
"""


def timed(src: Path, project: Path, out: Path) -> dict[str, float]:
    environment = {**os.environ, "PYTHONPATH": str(src)}
    output = subprocess.run(
        [sys.executable, "-c", CHILD, str(project), str(out)],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,3", help="MB of text, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline-src", type=Path)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_report import build_project

    sources = {"this checkout": ROOT / "src"}
    if options.baseline_src:
        sources = {"baseline": options.baseline_src.resolve(), **sources}
    columns = " | ".join(f"{name} CPU s | s per 1,000 | peak RSS MB" for name in sources)
    print(f"| MB | quotes | {columns} |")
    print("|---:|---:|" + "---:|---:|---:|" * len(sources))
    with tempfile.TemporaryDirectory() as folder:
        for size in (float(s) for s in options.sizes.split(",")):
            project = Path(folder) / f"bench-{size:g}.qualcode"
            build_project(project, int(size * 1_000_000), options.seed)
            cells, quotes = [], 0
            for src in sources.values():
                result = timed(src, project, Path(folder) / "quotes.docx")
                quotes = int(result["quotes"])
                per_thousand = result["seconds"] / quotes * 1000
                cells.append(
                    f"{result['seconds']:.1f} | {per_thousand:.2f} | {result['peak_rss_mb']:.0f}"
                )
            print(f"| {size:g} | {quotes:,} | " + " | ".join(cells) + " |", flush=True)
            project.unlink()


if __name__ == "__main__":
    main()
