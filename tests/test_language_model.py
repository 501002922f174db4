"""The language model shipped in qualcode is py3langid's, for the study's languages, unchanged.

tools/language_model.py writes it from the installed py3langid (a dev dependency, pinned to the
version the file was made from); rebuilding it here must give the same arrays, so the scores are
py3langid's and an upgrade of py3langid that changes its model is noticed.
"""

from __future__ import annotations

import importlib.util
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from qualcode.ingest.language import MODEL_PATH, SUPPORTED_LANGUAGES, LanguageIdentifier

TOOL = Path(__file__).resolve().parents[1] / "tools" / "language_model.py"


def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("language_model", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_model_is_py3langids_for_three_languages() -> None:
    build = tool()
    rebuilt = build.derived_arrays(build.source_model(), SUPPORTED_LANGUAGES)
    with np.load(MODEL_PATH, allow_pickle=False) as shipped:
        assert sorted(shipped.files) == sorted(rebuilt)
        assert shipped["source"][0] == f"py3langid {version('py3langid')}"
        for key, value in rebuilt.items():
            assert shipped[key].dtype == value.dtype, key
            assert np.array_equal(shipped[key], value), f"{key}: run tools/language_model.py"
        assert sorted(shipped["classes"].tolist()) == sorted(SUPPORTED_LANGUAGES)


def test_a_language_outside_the_model_is_refused() -> None:
    with pytest.raises(ValueError, match="no language model for \\['fr'\\]"):
        LanguageIdentifier(("en", "fr")).rank("Bonjour tout le monde")


def test_two_of_the_languages_score_as_py3langid_restricted_to_them() -> None:
    from test_language_accuracy import load_py3langid

    text = "La vivienda es un derecho, i l'habitatge també ho és per a tothom."
    ours = LanguageIdentifier(("es", "ca")).rank(text)
    theirs = load_py3langid(("es", "ca")).rank(text)
    assert [code for code, _ in ours] == [code for code, _ in theirs]
    for (_, p), (_, q) in zip(ours, theirs, strict=True):
        assert p == pytest.approx(q, abs=1e-6)
