"""Artifact-family detectors, one module per family, all behind :class:`Detector`."""

from __future__ import annotations

from mtdetect.detectors.base import Detector, make_span
from mtdetect.detectors.nonprose import NonProseDetector
from mtdetect.detectors.spacing import SpacingDetector
from mtdetect.detectors.spinner import SpinnerDetector
from mtdetect.detectors.tortured_list import TorturedPhraseDetector

__all__ = ["Detector", "default_detectors", "make_span"]


def default_detectors() -> list[Detector]:
    """The detectors a default :class:`~mtdetect.pipeline.MTDetector` runs, in order."""
    return [
        SpacingDetector(),
        SpinnerDetector(),
        NonProseDetector(),
        TorturedPhraseDetector(),
    ]
