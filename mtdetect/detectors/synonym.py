"""``synonym-substitution``: a word of a fixed expression swapped for a thesaurus synonym.

"the stock showcase" for "the stock market": see :mod:`mtdetect.detectors.substitution`
for the test (a rare pair that a thesaurus swap makes frequent).
"""

from __future__ import annotations

from mtdetect.detectors.substitution import SubstitutionDetector

__all__ = ["SynonymDetector"]


class SynonymDetector(SubstitutionDetector):
    """Rare word pairs whose thesaurus swap is a frequent expression."""

    name = "synonym"
    family = "synonym-substitution"
