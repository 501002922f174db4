"""Write qualcode's language model: py3langid's model restricted to the study's languages.

qualcode identifies languages with py3langid's model (byte n-gram naive Bayes over a byte
automaton), but only for English, Spanish and Catalan. py3langid ships the model for 97
languages LZMA-compressed (68 MB once decompressed); reading it was most of the time an ingest of
a few interviews took. This script keeps the arrays the scorer uses, the three languages'
columns only, in a zlib-compressed npz inside the package. The arrays are py3langid's, unchanged,
so the scores are the same; tests/test_language_model.py rebuilds them from the installed
py3langid and compares.

    .venv/bin/python tools/language_model.py          # rewrite src/qualcode/ingest/data/
    .venv/bin/python tools/language_model.py --check  # exit 1 when the shipped file differs
"""

from __future__ import annotations

import argparse
import hashlib
import io
import lzma
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from qualcode.ingest.language import MODEL_PATH, SUPPORTED_LANGUAGES  # noqa: E402


def source_model() -> Path:
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    return Path(MODEL_DIR) / MODEL_FILE


def derived_arrays(source: Path, languages: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays of py3langid's model file that qualcode's scorer reads, for ``languages``
    (columns in py3langid's order, as its ``set_languages`` keeps them)."""
    packed = source.read_bytes()
    with np.load(io.BytesIO(lzma.decompress(packed)), allow_pickle=False) as data:
        classes = data["classes"].tolist()
        columns = [i for i, code in enumerate(classes) if code in set(languages)]
        missing = set(languages) - {classes[i] for i in columns}
        if missing:
            raise SystemExit(f"py3langid's model has no {sorted(missing)}")
        return {
            "classes": np.array([classes[i] for i in columns]),
            "ptc": np.ascontiguousarray(data["ptc"][:, columns]),
            "pc": data["pc"][columns],
            "nextmove": data["nextmove"],
            "nextmove_row": data["nextmove_row"],
            "out_feat": data["out_feat"],
            "source": np.array(
                [f"py3langid {version('py3langid')}", hashlib.sha256(packed).hexdigest()]
            ),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    options = parser.parse_args()
    arrays = derived_arrays(source_model(), SUPPORTED_LANGUAGES)
    if options.check:
        with np.load(MODEL_PATH, allow_pickle=False) as shipped:
            same = set(shipped.files) == set(arrays) and all(
                np.array_equal(shipped[key], value) for key, value in arrays.items()
            )
        print("same" if same else f"{MODEL_PATH} differs: run tools/language_model.py")
        raise SystemExit(0 if same else 1)
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    with open(MODEL_PATH, "wb") as out:
        np.savez_compressed(out, **arrays)
    print(f"wrote {MODEL_PATH.relative_to(ROOT)} ({MODEL_PATH.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
