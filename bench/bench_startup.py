"""How long `qualcode --help`, `--version` and `status` take, from start to exit.

Each command runs as a fresh process (``python -m qualcode …``) ``--repeat`` times; the table shows
the median wall-clock time. ``--baseline-src`` names another checkout's ``src`` folder (for
example one made with ``git archive``) to run the same commands against it, interleaved with this
one, so both are measured under the same load. ``status`` runs on a project made from
``transcripts/`` by this checkout's ``ingest``.

    .venv/bin/python bench/bench_startup.py
    git archive main src | tar -x -C /tmp/main && \\
        .venv/bin/python bench/bench_startup.py --baseline-src /tmp/main/src
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "--help": ["--help"],
    "--version": ["--version"],
    "status": ["status"],
    "ingest --help": ["ingest", "--help"],
}


def run(src: Path, project: Path, arguments: list[str]) -> float:
    environment = {**os.environ, "PYTHONPATH": str(src), "QUALCODE_PROJECT": str(project)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "qualcode", *arguments],
        env=environment,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--baseline-src", type=Path)
    options = parser.parse_args()
    sources = {"this checkout": ROOT / "src"}
    if options.baseline_src:
        sources = {"baseline": options.baseline_src.resolve(), **sources}
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "small.qualcode"
        run(ROOT / "src", project, ["ingest", str(ROOT / "transcripts")])
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(options.repeat):
            for command, arguments in COMMANDS.items():
                for name, src in sources.items():
                    times.setdefault((name, command), []).append(run(src, project, arguments))
    print(f"median of {options.repeat} runs, wall clock, seconds")
    print("| command | " + " | ".join(sources) + " |")
    print("|---|" + "---:|" * len(sources))
    for command in COMMANDS:
        row = [f"{statistics.median(times[(name, command)]):.2f}" for name in sources]
        print(f"| `qualcode {command}` | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
