"""``broken-collocation``: one word of a compound or named expression replaced.

"a suppose tank" for "a think tank", "the White Home" for "the White House". The same test
as synonym substitution (:mod:`mtdetect.detectors.substitution`); a finding belongs here
when the restored pair is a fixed expression (far above chance) or a capitalised name with
one word swapped.
"""

from __future__ import annotations

from mtdetect.detectors.substitution import SubstitutionDetector

__all__ = ["CollocationDetector"]


class CollocationDetector(SubstitutionDetector):
    """Fragments of compounds and named expressions."""

    name = "collocation"
    family = "broken-collocation"
