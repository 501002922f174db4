"""Build tests/fixtures/language/real_segments.tsv: real English, Catalan and Spanish segments.

The sources are public transcripts (see tests/fixtures/language/README.md for their origin and
licence); they are read from local copies given on the command line, so the set can be rebuilt
and extended, and nothing of them is read at run time by qualcode.

How each label is decided, without any of the language identifiers the set is used to compare:

- Parlament de Catalunya transcripts (Word): a sentence is labelled when two independent signals
  agree. The first is the transcript's own markup: the Parlament's editors mark Spanish runs of
  text with the Word language ``es-ES`` (Catalan is the document default), so a paragraph whose
  characters are mostly marked ``es-ES`` is Spanish and one with almost none is Catalan. The
  second is a count of words and spellings that only one of the two languages writes (``amb``,
  ``però``, ``l·l``, ``à`` against ``con``, ``pero``, ``ñ``, ``á``, ``¿``). A sentence whose
  signals disagree, or whose words do not decide, is left out unless it was read and labelled
  by hand (``--reviewed``). A paragraph in which each language has a sentence of its own is a
  ``ca,es`` candidate: those were all read by hand, and only the ones kept there are used.
- English: the sources are English-only (US congressional hearings, NASA mission transcripts), so
  the label is the source's; a sample was read to check.

Segments are sampled by length (3-5, 6-10, 11-20 and 21-40 words) so that short segments, the
hard case for identification, are well represented.

    .venv/bin/python bench/language_set.py --parlament DIR... --hearings FILE \
        --spacelog GIT_DIR --reviewed tests/fixtures/language/hand_labelled.tsv \
        --out tests/fixtures/language/real_segments.tsv
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.oxml.ns import qn

LENGTHS = ((3, 5, 260), (6, 10, 360), (11, 20, 330), (21, 40, 150))
SPACELOG_FILES = (
    "missions/a11/transcripts/CM",
    "missions/a11/transcripts/TEC",
    "missions/a13/transcripts/TEC",
    "missions/a8/transcripts/TEC",
)


def _words(text: str) -> set[str]:
    return set(text.split())


# Words written in only one of the two languages (forms both write, such as "una", "entre",
# "les" or "del", are in neither list).
CATALAN_ONLY = _words(
    "i amb els per però perquè és són molt aquest aquesta aquests aquestes això allò doncs "
    "també avui hem seu seva seus seves nostre nostra nostres vostè vostès fer tenir dels pels "
    "més ho gràcies senyor senyora diputat diputats diputada diputades mai encara quan tot tota "
    "tots totes allà fins sense dins després abans només sempre poden pot volem vull estem "
    "estan està uns cal"
)
SPANISH_ONLY = _words(
    "y con los pero porque muy este esta estos estas esto eso también hoy hemos su sus nuestro "
    "nuestra nuestros usted ustedes hacer tener las más señor señora señores gracias presidente "
    "diputado diputados sido son está están hay qué cómo cuando todo toda todos todas hasta "
    "sin dentro después antes solo sólo siempre pueden puede queremos quiero estamos lo le unos "
    "hace tiene tienen él ella ellos"
)
CATALAN_SPELLING = re.compile(r"[àèòç]|l·l|\b[dlns]['’]\w", re.IGNORECASE)
SPANISH_SPELLING = re.compile(r"[áñ¿¡]", re.IGNORECASE)
WORD = re.compile(r"[\w·’']+")
SENTENCE = re.compile(r"(?:[^.!?…]|[.!?…](?!\s|$))+(?:[.!?…]+[»”\"’)]?|$)")
ROLL_CALL = re.compile(r":\s*«(?:Sí|No)\.?»")
ASIDE = re.compile(r"\s*\([^()]*\)\s*")
SPACELOG_TURN = re.compile(r"^[A-Z0-9-]+:\s+(.*)$")
SPACELOG_MARKUP = re.compile(r"\[(?:glossary|time):(?:[^\]|]*\|)?([^\]]*)\]")


def spelling_votes(text: str) -> tuple[int, int]:
    """How many words and spellings of the text only Catalan, and only Spanish, write."""
    words = [w.lower().strip("’'") for w in WORD.findall(text)]
    catalan = sum(w in CATALAN_ONLY for w in words) + len(CATALAN_SPELLING.findall(text))
    spanish = sum(w in SPANISH_ONLY for w in words) + len(SPANISH_SPELLING.findall(text))
    return catalan, spanish


def spelling_label(text: str) -> str:
    catalan, spanish = spelling_votes(text)
    if catalan >= 2 and catalan >= 4 * spanish:
        return "ca"
    if spanish >= 2 and spanish >= 4 * catalan:
        return "es"
    return "?"


def marked_label(paragraph: object) -> str:
    """The paragraph's language by the transcript's markup: ``es`` runs or none of them."""
    marked = total = 0
    for run in paragraph.runs:  # type: ignore[attr-defined]
        total += len(run.text)
        properties = run._r.rPr
        language = properties.find(qn("w:lang")) if properties is not None else None
        if language is not None and (language.get(qn("w:val")) or "").startswith("es"):
            marked += len(run.text)
    share = marked / max(total, 1)
    return "es" if share > 0.8 else "ca" if share < 0.2 else "?"


def parlament_paragraphs(paths: list[Path]) -> Iterator[tuple[str, str, str]]:
    """(file name, marked language, text without stage directions) of each speech paragraph."""
    for path in paths:
        for paragraph in docx.Document(str(path)).paragraphs:
            if paragraph.style.name != "D3/ Text normal" or not paragraph.text.strip():
                continue
            yield path.name, marked_label(paragraph), ASIDE.sub(" ", paragraph.text).strip()


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph, without the roll-call votes (``Name: «Sí.»``)."""
    found = [s.strip(" ,;") for s in SENTENCE.findall(text)]
    return [s for s in found if s and not ROLL_CALL.search(s)]


def spacelog_turns(git_dir: Path) -> Iterator[tuple[str, str]]:
    for name in SPACELOG_FILES:
        text = subprocess.run(
            ["git", "--git-dir", str(git_dir), "show", f"HEAD:{name}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        turn: list[str] = []
        for line in [*text.splitlines(), ""]:
            match = SPACELOG_TURN.match(line)
            if match or not line.strip() or line.startswith(("[", "_")):
                if turn:
                    yield name, SPACELOG_MARKUP.sub(r"\1", " ".join(turn))
                turn = [match.group(1)] if match else []
            elif turn:
                turn.append(line.strip())


def sample_by_length(
    rows: list[tuple[str, str]], rng: random.Random, share: float = 1.0
) -> list[tuple[str, str]]:
    """Up to ``share`` of each length band's quota of (source, text) rows, reproducibly."""
    chosen = []
    for low, high, quota in LENGTHS:
        band = [row for row in rows if low <= len(row[1].split()) <= high]
        rng.shuffle(band)
        chosen += band[: round(quota * share)]
    return chosen


def mostly_capitals(text: str) -> bool:
    """Checklist read-outs (``FDAI POWER/GPI, OFF``): acronyms rather than English."""
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) > 0.5 * len(letters)


def read_reviewed(path: Path) -> list[tuple[str, str, str]]:
    """Rows read and labelled by hand: label, source, text (``x`` drops the text)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if row and row[0][:1] != "#"]
    return [(label, source, text) for label, source, text in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parlament", type=Path, nargs="+", required=True)
    parser.add_argument("--hearings", type=Path, required=True)
    parser.add_argument("--spacelog", type=Path, required=True)
    parser.add_argument("--reviewed", type=Path, required=True)
    parser.add_argument("--candidates", type=Path, help="write the sentences to read by hand")
    parser.add_argument("--out", type=Path, required=True)
    options = parser.parse_args()
    rng = random.Random(15)

    docx_files = sorted(p for d in options.parlament for p in sorted(d.glob("*.docx")))
    agreed: dict[str, list[tuple[str, str]]] = {"ca": [], "es": []}
    to_read: list[tuple[str, str, str]] = []
    for name, marked, text in parlament_paragraphs(docx_files):
        parts = [(s, spelling_label(s)) for s in sentences(text)]
        if marked in agreed:
            for sentence, label in parts:
                if label == marked:
                    agreed[label].append((f"parlament:{name}", sentence))
                elif label == "?" and len(sentence.split()) >= 3:
                    to_read.append((marked, f"parlament:{name}", sentence))
        languages = {label for s, label in parts if label != "?" and len(s.split()) >= 5}
        if languages == {"ca", "es"} and len(text.split()) <= 120:
            to_read.append(("ca,es", f"parlament:{name}", text))

    reviewed = read_reviewed(options.reviewed)
    if options.candidates:
        with options.candidates.open("w", encoding="utf-8") as handle:
            for row in to_read:
                handle.write("\t".join(row) + "\n")

    with options.hearings.open(encoding="utf-8", newline="") as handle:
        hearings = [("congress-hearings", row["sentences"]) for row in csv.DictReader(handle)]
    spacelog = [
        (f"spacelog:{name}", text)
        for name, text in spacelog_turns(options.spacelog)
        if not mostly_capitals(text)
    ]

    # The rows read by hand are kept in their own file (the tests read both); a text there is
    # not repeated here.
    rows: list[tuple[str, str, str]] = []
    seen = {" ".join(text.split()) for _, _, text in reviewed}
    # The hearings give about half of the English set; the mission turns, most of them short,
    # the rest.
    for label, candidates, share in (
        ("ca", agreed["ca"], 1.0),
        ("es", agreed["es"], 1.0),
        ("en", hearings, 1.0),
        ("en", spacelog, 0.65),
    ):
        for source, text in sample_by_length(candidates, rng, share):
            text = " ".join(text.split())
            if text not in seen:
                seen.add(text)
                rows.append((label, source, text))
    with options.out.open("w", encoding="utf-8") as handle:
        handle.write("# label\tsource\ttext; README.md says where each came from\n")
        for label, source, text in rows:
            handle.write(f"{label}\t{source}\t{text}\n")


if __name__ == "__main__":
    main()
