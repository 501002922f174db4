"""English and Catalan manifesto sentences coded by the Manifesto Project, for bench_learn.py.

../shared/corpora/cmp-spanish holds Spanish only. The same public repository it came from,
sergialbi/CMP_encoder, also holds the raw Manifesto Project exports its Spanish set was cut
from: every quasi-sentence of the British manifestos since 2000 (CMPD_UK_raw.xlsx, English) and
of the Spanish parties' manifestos not written in Spanish (CMPD_Spain_foreign.xlsx, Catalan and
Galician), each with the category its trained coder gave it. This script reads them from a
snapshot of that repository (``fetch github:sergialbi/CMP_encoder`` in the tool library, or a
``git clone``) and writes them as cmp-spanish's quasi-sentences.csv is written, one file a
language, outside the project:

    .venv/bin/python bench/cmp_extract.py /work/.mirror/sergialbi+CMP_encoder/repo
    .venv/bin/python bench/bench_learn.py --corpus /tmp/qualcode-cmp/cmp-english.csv --language en

Kept as cmp-spanish keeps them: headings (``H``, no category) are dropped, and a subcategory
is its category's three digits (``202.1`` is 202), as the repository's own Spanish set does.
Galician rows are dropped (qualcode's codebooks have no Galician patterns).

Parties stood again with the same programme (the elections of December 2015 and June 2016 were
six months apart): a manifesto more than half of whose sentences are in an earlier one is
dropped whole, and a sentence whose text is already kept is dropped, so that no held-out sentence
has its twin among the training ones. What is dropped is counted and printed. Terms of the
Manifesto Project apply (non-commercial research use, cite the Manifesto Project); never copy the
files into the project.
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
from collections import Counter
from pathlib import Path

# The commit the files were read at: later commits removed the raw exports.
COMMIT = "f966b91"
SOURCES = {
    "english": "dataset/preprocessing/CMPD_raw/CMPD_UK_raw.xlsx",
    "catalan": "dataset/preprocessing/CMPD_raw/CMPD_Spain_foreign.xlsx",
}
COLUMNS = ["manifesto_id", "party_name", "date", "sentence_id", "text", "cmp_code"]


def _workbook_rows(repository: Path, member: str) -> list[dict[str, object]]:
    import openpyxl

    blob = subprocess.run(
        ["git", "--git-dir", str(repository), "show", f"{COMMIT}:{member}"],
        check=True,
        capture_output=True,
    ).stdout
    sheet = openpyxl.load_workbook(io.BytesIO(blob), read_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(name) for name in next(rows)]
    return [dict(zip(header, row, strict=True)) for row in rows]


REPEAT_SHARE = 0.5


def extract(repository: Path, language: str) -> tuple[list[dict[str, str]], Counter[str]]:
    sentences, dropped = _sentences(repository, language)
    by_manifesto: dict[str, list[dict[str, str]]] = {}
    for row in sentences:
        by_manifesto.setdefault(row["manifesto_id"], []).append(row)
    kept: list[dict[str, str]] = []
    seen: set[str] = set()
    # manifesto ids end in the election's year and month: earlier ones first
    for manifesto in sorted(by_manifesto, key=lambda name: (name.split("_")[-1], name)):
        rows = by_manifesto[manifesto]
        if sum(row["text"] in seen for row in rows) > REPEAT_SHARE * len(rows):
            dropped["in a repeated manifesto"] += len(rows)
            continue
        for row in rows:
            if row["text"] in seen:
                dropped["repeated"] += 1
            else:
                seen.add(row["text"])
                kept.append(row)
    return kept, dropped


def _sentences(repository: Path, language: str) -> tuple[list[dict[str, str]], Counter[str]]:
    kept, dropped = [], Counter[str]()
    for row in _workbook_rows(repository, SOURCES[language]):
        code, text = str(row["cmp_code"]).strip(), " ".join(str(row["text"] or "").split())
        if row["language"] != language:
            dropped[f"in {row['language']}"] += 1
        elif not text:
            dropped["no text"] += 1
        elif code == "H":
            dropped["heading"] += 1
        elif not code[:3].isdigit():
            dropped[f"category {code!r}"] += 1
        else:
            kept.append(
                {
                    "manifesto_id": str(row["manifesto_id"]),
                    "party_name": str(row["party_name"]),
                    "date": str(row["date"]),
                    "sentence_id": str(row["sentence_id"]),
                    "text": text,
                    "cmp_code": code[:3],
                }
            )
    return kept, dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repository", type=Path, help="git directory of sergialbi/CMP_encoder")
    parser.add_argument("--out", type=Path, default=Path("/tmp/qualcode-cmp"))
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    for language in SOURCES:
        rows, dropped = extract(arguments.repository, language)
        path = arguments.out / f"cmp-{language}.csv"
        with path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        manifestos = len({row["manifesto_id"] for row in rows})
        left_out = ", ".join(f"{count:,} {why}" for why, count in dropped.most_common())
        print(f"{path}: {len(rows):,} sentences of {manifestos} manifestos (dropped {left_out})")


if __name__ == "__main__":
    main()
