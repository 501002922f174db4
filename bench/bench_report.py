"""Time of ``qualcode report`` and the exports on a generated project of the benchmark size.

The project is built directly through the store, like bench_code.py: documents of ~200 KB of
synthetic en/es/ca interview text (bench/common.py), one segment per turn, half of them in
Barcelona and half in Birmingham, with an interviewee role each. It is coded with the codes of
codebooks/justice.yaml by a seeded random stand-in (the coder is not what is measured): each
respondent segment carries each leaf code with a probability that depends on the code and the
city, with one evidence span per coding, written document by document through the store's
``RunWriter`` as the coding engine does.

Then, each timed on its own, in the same process:

- ``report``: :func:`build_report` (counts, roll-up, co-occurrence, code × document), what
  ``qualcode report`` prints;
- ``compare``: the tests of ``--compare`` on segments and interviews, with the adjustment;
- ``--out``: every table as CSV, the XLSX workbook and the Markdown file;
- ``--chart``: the PNG chart;
- ``export segments``: the coded-segments CSV (every coding with its evidence and text);
- ``export quotes``: the Word report with at most 20 quotes per code and city.

    .venv/bin/python bench/bench_report.py                 # 10 MB
    .venv/bin/python bench/bench_report.py --sizes 10,100
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SyntheticSegment, save_generated_document, synthetic_segments
from qualcode.codebook import load_codebook
from qualcode.coding import begin_run
from qualcode.exports.charts import chart_data, write_chart
from qualcode.exports.docx_report import write_quotes_docx
from qualcode.exports.segments import coded_segments_frame, write_table
from qualcode.exports.tables import write_report_files
from qualcode.models import Role
from qualcode.report import ReportOptions, build_report, compare
from qualcode.store import CodingRow, RunWriter, Store, evidence_json

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT_BYTES = 200_000
CITIES = ("Barcelona", "Birmingham")
ROLES = ("Officer", "Politician", "Practitioner", "Activist")
CODER = "auto:justice@1.0"


def build_project(path: Path, size_bytes: int, seed: int) -> tuple[int, int]:
    """Write and code a project of about ``size_bytes`` of text; return (bytes, codings)."""
    codebook = load_codebook(ROOT / "codebooks" / "justice.yaml")
    leaves = [code.path for code in codebook.codes if not codebook.children(code.path)]
    rng = random.Random(seed)
    # Per leaf and city, the chance that a respondent segment carries it: 0.5 % to 6 %, with a
    # few codes much more frequent in one city, so that the comparison finds something.
    chance = {
        (leaf, city): rng.uniform(0.005, 0.06) * (3 if rng.random() < 0.15 else 1)
        for leaf in leaves
        for city in CITIES
    }
    store = Store.open(path, create=True)
    written = codings = 0
    with store.transaction():
        writer = begin_run(store, codebook, CODER, {"bench": True})
        batch: list[SyntheticSegment] = []
        batch_bytes = number = 0
        for segment in synthetic_segments(size_bytes, seed=seed):
            batch.append(segment)
            batch_bytes += len(segment.text.encode("utf-8"))
            if batch_bytes >= DOCUMENT_BYTES:
                bytes_, staged = _save(store, writer, number, batch, leaves, chance, rng)
                written, codings = written + bytes_, codings + staged
                number += 1
                batch, batch_bytes = [], 0
        if batch:
            bytes_, staged = _save(store, writer, number, batch, leaves, chance, rng)
            written, codings = written + bytes_, codings + staged
        writer.finish()
    store.close()
    return written, codings


def _save(
    store: Store,
    writer: RunWriter,
    number: int,
    batch: list[SyntheticSegment],
    leaves: list[str],
    chance: dict[tuple[str, str], float],
    rng: random.Random,
) -> tuple[int, int]:
    city = CITIES[number % 2]
    document_id = save_generated_document(store, number, batch)
    store.set_attributes(
        document_id,
        {"city": (city, "bench"), "interviewee_role": (ROLES[number // 2 % 4], "bench")},
    )
    segments = store.segments(document_id)
    rows: list[CodingRow] = []
    for saved in segments:
        if saved.role != Role.RESPONDENT or saved.segment_id is None:
            continue
        end = saved.text.find(" ")
        end = end if end > 0 else len(saved.text)
        evidence = evidence_json([("bench", "word", saved.start_char, saved.start_char + end)])
        for leaf in leaves:
            if rng.random() < chance[(leaf, city)]:
                rows.append((saved.segment_id, leaf, evidence))
    writer.write([s.segment_id for s in segments if s.segment_id is not None], rows)
    return sum(len(item.text.encode("utf-8")) for item in batch), len(rows)


def measure(size: float, seed: int) -> str:
    """Build a project of ``size`` MB, time each step once, and return the table line."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        project = folder / "bench.qualcode"
        written, codings = build_project(project, int(size * 1_000_000), seed)
        seconds: list[float] = []
        with Store.open(project) as store:
            started = time.perf_counter()
            report = build_report(store, ReportOptions())
            seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            comparison = compare(report)
            seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            write_report_files(report, comparison, folder / "out")
            seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            write_chart(chart_data(report, comparison), folder / "shares.png")
            seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            write_table(coded_segments_frame(store)[1], folder / "segments.csv", "segments")
            seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            write_quotes_docx(store, ReportOptions(), folder / "quotes.docx", max_quotes=20)
            seconds.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings = " ".join(f"{s:9.2f}" for s in seconds)
    return f"{written / 1e6:6.1f} {report.total.segments:10,} {codings:9,} {timings} {peak:9.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10", help="MB of text per project, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    steps = ["report", "compare", "--out", "chart", "segments", "quotes"]
    print(
        f"{'MB':>6} {'in scope':>10} {'codings':>9} "
        + " ".join(f"{step + ' s':>9}" for step in steps)
        + f" {'peak MB':>9}"
    )
    for size in [float(s) for s in args.sizes.split(",")]:
        print(measure(size, args.seed), flush=True)


if __name__ == "__main__":
    main()
