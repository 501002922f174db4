"""`export segments` (CSV, XLSX), `export qdpx` and `report --html`: time against their rows.

Builds bench_report.py's project (synthetic en/es/ca interviews coded by its seeded stand-in) at
each size, then times each export once, in a child process per measurement, in CPU seconds (the
machine is shared), with two baselines from the same run on the same rows: the segment rows
written with ``csv.writer`` and with openpyxl directly (no pandas, no neutralising, no widths).
An export linear in its rows keeps its seconds per 1,000 rows flat as the project grows, and its
ratio to the baseline flat too (the ratio is what to compare: the load on the machine varies).
Rows are codings for the segment exports and the QDPX archive, embedded quotes for the page
(``--max-quotes 0``: all of them).

    .venv/bin/python bench/bench_exports.py --sizes 1,3,10
    git archive 6fef584 src | tar -x -C /tmp/base && .venv/bin/python bench/bench_exports.py \\
        --sizes 10 --document-kb 10000 --tasks "segments csv context,report html context" \\
        --baseline-src /tmp/base/src
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TASKS = ("csv floor", "segments csv", "xlsx floor", "segments xlsx", "qdpx", "report html")
MORE_TASKS = ("segments csv context", "report html context")  # --context 1
CHILD = """
import csv, json, sys, time
from datetime import UTC, datetime
from pathlib import Path
from qualcode.store import Store
from qualcode.report import ReportOptions
task, project, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
context = 1 if task.endswith(" context") else None
with Store.open(project) as store:
    started = time.process_time()
    if task in ("csv floor", "xlsx floor"):
        from qualcode.exports.segments import coded_segments_frame
        frame = coded_segments_frame(store)[1]
        rows = [list(row) for row in frame.itertuples(index=False, name=None)]
        started = time.process_time()  # the floor is the writing alone
        if task == "csv floor":
            with open(out, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(frame.columns)
                writer.writerows(rows)
        else:
            import openpyxl
            book = openpyxl.Workbook()
            sheet = book.active
            sheet.append(list(frame.columns))
            for row in rows:
                sheet.append([None if v is None or v != v else v for v in row])
            book.save(out)
        count = len(rows)
    elif task.startswith("segments"):
        from qualcode.exports.segments import coded_segments_frame, write_table
        frame = coded_segments_frame(store, context=context)[1]
        write_table(frame, out, "segments")
        count = len(frame)
    elif task == "qdpx":
        from qualcode.refi.export import export_project
        count = export_project(store, out).codings
    else:
        from qualcode.exports.html_report import write_html_report
        from qualcode.report import build_report
        options = ReportOptions()
        report = build_report(store, options)
        made = datetime(2026, 1, 1, tzinfo=UTC)  # a fixed date: pages compare byte for byte
        page = write_html_report(
            store, options, report, None, out, max_quotes=None, context=context, made_at=made
        )
        count = page.quotes.embedded
    print(json.dumps({"seconds": time.process_time() - started, "rows": count}))
"""
SUFFIX = {"csv": ".csv", "qdpx": ".qdpx", "html": ".html"}


def timed(src: Path, task: str, project: Path, folder: Path) -> dict[str, float | str]:
    kind = next((word for word in task.split() if word in SUFFIX), "xlsx")
    out = folder / ("out" + SUFFIX.get(kind, ".xlsx"))
    environment = {**os.environ, "PYTHONPATH": str(src)}
    output = subprocess.run(
        [sys.executable, "-c", CHILD, task, str(project), str(out)],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = {**json.loads(output), "sha256": hashlib.sha256(out.read_bytes()).hexdigest()}
    out.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,3,10", help="MB of text, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--tasks", default=",".join(TASKS), help="comma-separated: " + ", ".join(TASKS + MORE_TASKS)
    )
    parser.add_argument(
        "--document-kb",
        type=int,
        default=200,
        help="KB of text per generated document (more: longer documents, same total)",
    )
    parser.add_argument(
        "--baseline-src",
        type=Path,
        help="another checkout's src: each export is timed with it too, and the files compared",
    )
    options = parser.parse_args()
    tasks = options.tasks.split(",")
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_report

    bench_report.DOCUMENT_BYTES = options.document_kb * 1000

    print(f"Documents of {options.document_kb} KB")
    base = options.baseline_src
    more = " baseline CPU s | same bytes |" if base else ""
    print("| MB | export | rows | CPU s | s per 1,000 rows |" + more, flush=True)
    print("|---:|---|---:|---:|---:|" + ("---:|---|" if base else ""))
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for size in (float(s) for s in options.sizes.split(",")):
            project = folder / f"bench-{size:g}.qualcode"
            bench_report.build_project(project, int(size * 1_000_000), options.seed)
            for task in tasks:
                result = timed(ROOT / "src", task, project, folder)
                rows = int(result["rows"])
                seconds = float(result["seconds"])
                per_thousand = seconds / rows * 1000
                cells = ""
                if base:
                    before = timed(base.resolve(), task, project, folder)
                    same = "yes" if before["sha256"] == result["sha256"] else "NO"
                    cells = f" {float(before['seconds']):.2f} | {same} |"
                print(
                    f"| {size:g} | {task} | {rows:,} | {seconds:.2f} | {per_thousand:.3f} |"
                    + cells,
                    flush=True,
                )
            project.unlink()


if __name__ == "__main__":
    main()
