"""mtdetect: find the fingerprints that machine translation and article spinners leave.

>>> import mtdetect
>>> detector = mtdetect.load()
>>> result = detector.score("The U. K. government said so.")
>>> result.verdict in {"clean", "suspect", "rewritten"}
True

Importing this package loads no tables or models; :func:`load` does, once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["__version__", "load"]

if TYPE_CHECKING:
    from mtdetect.pipeline import MTDetector

_DEFAULT: MTDetector | None = None


def load(model: str | None = None, *, trust: bool = False) -> MTDetector:
    """A detector: the shipped default when ``model`` is None (built once and cached).

    ``model`` is a path to a model file; one outside the package is refused unless
    ``trust=True``, because model files can run code when loaded.
    """
    global _DEFAULT
    from mtdetect.pipeline import MTDetector

    if model is None:
        if _DEFAULT is None:
            _DEFAULT = MTDetector()
        return _DEFAULT
    raise ValueError(f"cannot load model {model!r}: no trained model support yet")
