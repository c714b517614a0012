"""The one interface every artifact-family detector implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from mtdetect.result import Span
from mtdetect.text import Sentence

__all__ = ["Detector", "make_span"]


@runtime_checkable
class Detector(Protocol):
    """Text and its sentences (with tokens) in, spans out.

    ``family`` names the artifact family the detector reports; ``name`` identifies the
    detector (several detectors may serve one family). ``detect`` returns spans with
    offsets into ``text``; each span lies inside one sentence.
    """

    name: str
    family: str

    def detect(self, text: str, sentences: Sequence[Sentence]) -> list[Span]: ...


def make_span(
    text: str,
    start: int,
    end: int,
    family: str,
    strength: float,
    explanation: str,
    suggestion: str | None = None,
) -> Span:
    """A span whose ``text`` is exactly ``text[start:end]``."""
    return Span(start, end, text[start:end], family, strength, explanation, suggestion)
