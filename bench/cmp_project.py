"""The human-coded Spanish manifesto sentences as a qualcode project, for the README's loop.

    .venv/bin/python bench/cmp_project.py manifestos/        # one .csv per manifesto
    .venv/bin/python bench/cmp_project.py --fill sample.xlsx  # fill a coding sheet from the CMP

The first writes each manifesto of ../shared/corpora/cmp-spanish as a table (speaker: the party;
text: one quasi-sentence a row, in the manifesto's order; ingest with ``--unit paragraph``). The
second stands in for a person who codes a sheet from ``qualcode export coding-sheet`` by hand:
it replaces the sheet's code columns by the seven themes of bench/cmp_themes.csv, with 1 where the
Manifesto Project coder gave the sentence a category of that theme. Sentences are found by their
text; a row whose text is not a quasi-sentence of the corpus is dropped, and counted.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "../shared/corpora/cmp-spanish/quasi-sentences.csv"


def _rows() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _key(text: str) -> str:
    return " ".join(text.split())


def write_manifestos(folder: Path) -> None:
    by_manifesto: dict[str, list[tuple[str, str]]] = defaultdict(list)
    # in the manifesto's own order (the corpus file is shuffled): learn reads neighbours
    for row in sorted(_rows(), key=lambda row: int(row["sentence_id"])):
        by_manifesto[row["manifesto_id"]].append((row["party_name"], _key(row["text"])))
    folder.mkdir(parents=True, exist_ok=True)
    for manifesto, rows in sorted(by_manifesto.items()):
        with (folder / f"{manifesto}.csv").open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["speaker", "text"])
            writer.writerows(rows)
    print(f"Wrote {len(by_manifesto)} manifestos to {folder}")


def fill(sheet: Path) -> None:
    import openpyxl

    sys.path.insert(0, str(HERE))
    from bench_learn import themes

    mapping = themes()
    category = {_key(row["text"]): row["cmp_code"] for row in _rows()}
    workbook = openpyxl.load_workbook(sheet)
    source = workbook["segments"]
    rows = list(source.iter_rows(values_only=True))
    header = list(rows[0])
    text_column = header.index("text")
    kept, dropped = [], 0
    for row in rows[1:]:
        code = category.get(_key(str(row[text_column])))
        if code is None:
            dropped += 1
            continue
        kept.append([*row[: text_column + 1], *(int(code in c) for c, _ in mapping.values())])
    out = openpyxl.Workbook()
    target = out.active
    assert target is not None
    target.title = "segments"
    target.append([*header[: text_column + 1], *mapping])
    for row in kept:
        target.append(row)
    out.save(sheet)
    print(f"Filled {sheet}: {len(kept)} rows × {len(mapping)} themes ({dropped} rows dropped)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--fill", action="store_true", help="fill the coding sheet PATH")
    arguments = parser.parse_args()
    if arguments.fill:
        fill(arguments.path)
    else:
        write_manifestos(arguments.path)


if __name__ == "__main__":
    main()
