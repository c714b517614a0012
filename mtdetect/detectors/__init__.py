"""Artifact-family detectors, one module per family, all behind :class:`Detector`."""

from __future__ import annotations

from mtdetect.detectors.base import Detector, make_span
from mtdetect.detectors.nonprose import NonProseDetector
from mtdetect.detectors.spacing import SpacingDetector
from mtdetect.detectors.spinner import SpinnerDetector
from mtdetect.detectors.tortured_list import TorturedPhraseDetector

__all__ = ["Detector", "default_detectors", "make_span"]


def default_detectors() -> list[Detector]:
    """The rule-based detectors a default :class:`~mtdetect.pipeline.MTDetector` runs.

    These are the formatting families (spacing, spinner leftovers, non-prose) and the
    published tortured-phrase list; the lexical families come from the learned span tagger
    (:mod:`mtdetect.tagger.spans`), which :func:`mtdetect.load` adds when its model and the
    evidence tables are installed.
    """
    return [
        SpacingDetector(),
        SpinnerDetector(),
        NonProseDetector(),
        TorturedPhraseDetector(),
    ]
