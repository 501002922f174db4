"""Throughput of ingest on PDF and WebVTT corpora, against the reader library alone.

The same synthetic interviews as bench_ingest.py (bench/common.py: English, Spanish and Catalan)
are written, in files of about 200 KB of text each, as:

- PDF, with fpdf2: one paragraph per turn (``Name: text``), a running header and ``Page N of M``
  footers that the reader must remove, A4 pages, compressed streams as word processors write them;
- WebVTT, with webvtt-py: each turn cut into cues of about twelve words, ``<v Name>`` voices, as a
  video-call recording's transcript.

Each folder is ingested into a fresh project by ``qualcode.ingest.ingest`` (language detection on),
and the baseline is timed on the same files in the same run: pypdf's ``extract_text`` on every page,
or webvtt-py reading every cue's text. Every measurement runs in a child process of its own, so its
peak RSS is its own. MB are millions of bytes of UTF-8 text put into the files (the PDF and VTT
files themselves are smaller and larger: their sizes are printed too).

    .venv/bin/python bench/bench_ingest_formats.py                 # 1 and 10 MB
    .venv/bin/python bench/bench_ingest_formats.py --sizes 1 --formats vtt
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SyntheticSegment, synthetic_segments

FILE_BYTES = 200_000
FORMATS = ("pdf", "vtt")
RESPONDENTS = {"en": "Sarah Malik", "es": "Lucía Benítez", "ca": "Rosa Jiménez i Puig"}
INTERVIEWERS = {"en": "Interviewer", "es": "Entrevistador", "ca": "Entrevistadora"}
CUE_WORDS = 12
SECONDS_PER_WORD = 0.35


def speaker(segment: SyntheticSegment) -> str:
    names = INTERVIEWERS if segment.role == "interviewer" else RESPONDENTS
    return names[segment.language]


# -- generating the corpus -------------------------------------------------------------------


def write_pdf(path: Path, turns: list[SyntheticSegment], title: str) -> None:
    from fpdf import FPDF

    class Transcript(FPDF):
        def header(self) -> None:
            self.set_font("helvetica", "I", 9)
            self.cell(0, 8, title, align="C", new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("helvetica", size=9)
            self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Transcript(format="A4")
    pdf.core_fonts_encoding = "windows-1252"  # typographic apostrophes, ¿, …
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for segment in turns:
        pdf.multi_cell(0, 6, f"{speaker(segment)}: {segment.text}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.output(str(path))


def write_vtt(path: Path, turns: list[SyntheticSegment], title: str) -> None:
    import webvtt

    captions = []
    milliseconds = 1000
    for segment in turns:
        words = segment.text.split()
        for first in range(0, len(words), CUE_WORDS):
            chunk = words[first : first + CUE_WORDS]
            length = int(len(chunk) * SECONDS_PER_WORD * 1000)
            captions.append(
                webvtt.Caption(
                    _clock(milliseconds),
                    _clock(milliseconds + length),
                    f"<v {speaker(segment)}>{' '.join(chunk)}",
                )
            )
            milliseconds += length
        milliseconds += 700  # the pause between turns
    with path.open("w", encoding="utf-8") as handle:
        webvtt.WebVTT(captions=captions, header_text=f" - {title}").write(handle)


def _clock(milliseconds: int) -> str:
    seconds, fraction = divmod(milliseconds, 1000)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{fraction:03d}"


WRITERS = {"pdf": write_pdf, "vtt": write_vtt}


def generate(folder: Path, fmt: str, size_mb: float, seed: int) -> dict[str, float]:
    """Write about ``size_mb`` MB of text as files of one format; return files and bytes."""
    (folder / fmt).mkdir(parents=True)
    turns: list[SyntheticSegment] = []
    turn_bytes = 0
    written = 0
    text_bytes = 0

    def flush() -> None:
        nonlocal turns, turn_bytes, written
        name = f"interview_{written:04d}"
        WRITERS[fmt](folder / fmt / f"{name}.{fmt}", turns, f"Interview {written:04d} (generated)")
        written += 1
        turns, turn_bytes = [], 0

    for segment in synthetic_segments(int(size_mb * 1_000_000), seed=seed):
        turns.append(segment)
        size = len(segment.text.encode("utf-8"))
        turn_bytes += size
        text_bytes += size
        if turn_bytes >= FILE_BYTES:
            flush()
    if turns:
        flush()
    file_bytes = sum(path.stat().st_size for path in (folder / fmt).iterdir())
    return {"files": written, "text_bytes": text_bytes, "file_bytes": file_bytes}


# -- measuring (each in a child process) -----------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure_baseline(folder: Path, fmt: str) -> dict[str, float]:
    files = sorted(folder.iterdir())
    started = time.perf_counter()
    characters = 0
    if fmt == "pdf":
        from pypdf import PdfReader

        for path in files:
            reader = PdfReader(path)
            characters += sum(len(page.extract_text()) for page in reader.pages)
    else:
        import webvtt

        for path in files:
            characters += sum(len(caption.text) for caption in webvtt.read(str(path)))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "characters": characters, "peak_rss_mb": peak_rss_mb()}


def measure_ingest(folder: Path, project: Path) -> dict[str, float]:
    from qualcode.ingest import ingest
    from qualcode.store import Store

    started = time.perf_counter()
    with Store.open(project, create=True) as store:
        result = ingest(store, [folder])
        segments = sum(f.segments for f in result.files)
        failed = len(result.failed)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "segments": segments,
        "failed": failed,
        "project_mb": project.stat().st_size / 1e6,
        "peak_rss_mb": peak_rss_mb(),
    }


def child(task: str, folder: Path, fmt: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", task, "--folder", str(folder), "--format", fmt]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(output))


def run_child(options: argparse.Namespace) -> None:
    folder = Path(options.folder)
    if options.child == "baseline":
        result = measure_baseline(folder / options.format, options.format)
    else:
        result = measure_ingest(folder / options.format, folder / f"{options.format}.qualcode")
    print(json.dumps(result))


# -- report ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1,10", help="MB of text, comma-separated (1,10)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="pdf,vtt or one of them")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", choices=["baseline", "ingest"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--format", choices=FORMATS, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        run_child(options)
        return
    sizes = [float(size) for size in options.sizes.split(",")]
    formats = [fmt for fmt in options.formats.split(",") if fmt]
    print(
        f"qualcode ingest benchmark, more formats, {date.today().isoformat()}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, language detection on"
    )
    print(
        f"{'size':>5} {'format':>6} {'files':>5} {'text MB':>8} {'file MB':>8} "
        f"{'baseline MB/s':>14} {'ingest MB/s':>12} {'ratio':>6} {'segments':>9} "
        f"{'peak RSS MB':>12} {'generated in':>13}"
    )
    for size in sizes:
        for fmt in formats:
            with tempfile.TemporaryDirectory(prefix="qualcode-bench-") as temporary:
                folder = Path(temporary)
                started = time.perf_counter()
                corpus = generate(folder, fmt, size, options.seed)
                generated = time.perf_counter() - started
                baseline = child("baseline", folder, fmt)
                ingested = child("ingest", folder, fmt)
                assert ingested["failed"] == 0, "a generated file failed to ingest"
                megabytes = corpus["text_bytes"] / 1e6
                baseline_rate = megabytes / baseline["seconds"]
                ingest_rate = megabytes / ingested["seconds"]
                print(
                    f"{size:>5g} {fmt:>6} {int(corpus['files']):>5} {megabytes:>8.1f} "
                    f"{corpus['file_bytes'] / 1e6:>8.1f} {baseline_rate:>14.2f} "
                    f"{ingest_rate:>12.2f} {baseline_rate / ingest_rate:>5.1f}x "
                    f"{int(ingested['segments']):>9,} {ingested['peak_rss_mb']:>12.0f} "
                    f"{generated:>12.0f}s",
                    flush=True,
                )
    print("ratio: how many times longer ingest takes than the reader library alone")


if __name__ == "__main__":
    main()
