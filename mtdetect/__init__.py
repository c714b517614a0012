"""mtdetect: find the fingerprints that machine translation and article spinners leave.

>>> import mtdetect
>>> detector = mtdetect.load()
>>> result = detector.score("The U. K. government said so.")
>>> result.verdict in {"clean", "suspect", "rewritten"}
True

Importing this package loads no tables or models; :func:`load` does, once.
"""

from __future__ import annotations

from mtdetect._version import __version__
from mtdetect.loading import load

__all__ = ["__version__", "load"]
