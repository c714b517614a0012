"""Artifact-family detectors, one module per family, all behind :class:`Detector`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mtdetect.detectors.base import Detector, make_span
from mtdetect.detectors.collocation import CollocationDetector
from mtdetect.detectors.dropped import DroppedWordDetector
from mtdetect.detectors.entities import EntityDetector
from mtdetect.detectors.function_words import FunctionWordDetector
from mtdetect.detectors.literal import LiteralTranslationDetector
from mtdetect.detectors.nonprose import NonProseDetector
from mtdetect.detectors.spacing import SpacingDetector
from mtdetect.detectors.spinner import SpinnerDetector
from mtdetect.detectors.synonym import SynonymDetector
from mtdetect.detectors.tortured_list import TorturedPhraseDetector

if TYPE_CHECKING:
    from mtdetect.evidence import Evidence

__all__ = ["Detector", "default_detectors", "make_span"]


def default_detectors(evidence: Evidence | None = None) -> list[Detector]:
    """The detectors a default :class:`~mtdetect.pipeline.MTDetector` runs, in order.

    The statistical detectors load the packaged evidence base on first use, unless
    ``evidence`` is given; without either, only the formatting and list detectors run.
    """
    formatting: list[Detector] = [
        SpacingDetector(),
        SpinnerDetector(evidence),
        NonProseDetector(),
        TorturedPhraseDetector(),
    ]
    if evidence is None:
        from mtdetect.evidence import default_path

        if not (default_path() / "meta.json").exists():
            return formatting
    return [
        *formatting,
        SynonymDetector(evidence),
        CollocationDetector(evidence),
        FunctionWordDetector(evidence),
        EntityDetector(evidence),
        DroppedWordDetector(evidence),
        LiteralTranslationDetector(evidence),
    ]
