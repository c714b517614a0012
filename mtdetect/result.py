"""Result model: spans, sentences and documents, and their one JSON form (``mtdetect/1``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FAMILIES",
    "SCHEMA",
    "DocumentResult",
    "SentenceResult",
    "Span",
    "dumps_json",
    "scrub_surrogates",
    "verdict_for",
]

SCHEMA = "mtdetect/1"

#: The artifact families, as described in ``docs/artifacts.md``.
FAMILIES: tuple[str, ...] = (
    "synonym-substitution",
    "broken-collocation",
    "function-word-swap",
    "mangled-entity",
    "dropped-word",
    "spacing-artifact",
    "spinner-leftover",
    "literal-translation",
    "non-prose",
)


@dataclass(slots=True)
class Span:
    """A suspect stretch of text: where, which family, how strong, why, and what was meant.

    ``start``/``end`` are character offsets into the document text.
    """

    start: int
    end: int
    text: str
    family: str
    strength: float
    explanation: str
    suggestion: str | None = None

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown artifact family {self.family!r}")
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span offsets {self.start}..{self.end}")
        self.strength = float(min(1.0, max(0.0, self.strength)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "family": self.family,
            "strength": round(self.strength, 4),
            "explanation": self.explanation,
            "suggestion": self.suggestion,
        }


@dataclass(slots=True)
class SentenceResult:
    """A sentence with its probability of being machine-rewritten and its spans."""

    start: int
    end: int
    text: str
    score: float
    spans: list[Span] = field(default_factory=list)
    #: Index of the paragraph the sentence belongs to (for layout; not in the JSON form).
    paragraph: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 4),
            "spans": [s.to_dict() for s in self.spans],
        }


@dataclass(slots=True)
class DocumentResult:
    """The result for one document: its score, verdict and scored sentences."""

    score: float
    verdict: str
    model: str
    sentences: list[SentenceResult]
    id: str | None = None
    source: str | None = None

    @property
    def spans(self) -> list[Span]:
        """All spans of the document, in text order."""
        return [sp for s in self.sentences for sp in s.spans]

    def family_counts(self) -> dict[str, int]:
        """Number of spans per family (families without spans left out)."""
        counts: dict[str, int] = {}
        for sp in self.spans:
            counts[sp.family] = counts.get(sp.family, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON form (schema ``mtdetect/1``)."""
        return {
            "schema": SCHEMA,
            "id": self.id,
            "source": self.source,
            "score": round(self.score, 4),
            "verdict": self.verdict,
            "model": self.model,
            "sentences": [s.to_dict() for s in self.sentences],
        }

    def to_json(self, indent: int | None = None) -> str:
        return dumps_json(self.to_dict(), indent=indent)


def verdict_for(score: float, suspect: float, rewritten: float) -> str:
    """``clean`` below ``suspect``, ``rewritten`` at or above ``rewritten``, else ``suspect``."""
    if score >= rewritten:
        return "rewritten"
    if score >= suspect:
        return "suspect"
    return "clean"


# Lone surrogates (U+D800..U+DFFF) are legal in a Python ``str`` (from the Python API, from
# "\ud800" escapes in JSON input, or from undecodable file names) but cannot be encoded as
# UTF-8 and are not portable JSON. Policy: output replaces each one with U+FFFD, one code
# point for one, so every offset still holds in what is written.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(s: str) -> str:
    """``s`` with every lone surrogate replaced by U+FFFD (same length, so offsets hold)."""
    return _SURROGATE_RE.sub("\ufffd", s) if _SURROGATE_RE.search(s) else s


def dumps_json(obj: Any, **kw: Any) -> str:
    """``json.dumps`` with ``ensure_ascii=False`` whose output always encodes as UTF-8.

    Surrogates can only occur inside JSON strings, so scrubbing the serialised text is the
    same as scrubbing every string in ``obj``; the same holds for the line separators.
    """
    kw.setdefault("ensure_ascii", False)
    out = scrub_surrogates(json.dumps(obj, **kw))
    # U+2028, U+2029 and U+0085 are line breaks to str.splitlines and to some JSON Lines
    # readers: escape them so that one document is always one line.
    if "\u2028" in out or "\u2029" in out or "\x85" in out:
        out = out.translate(_LINE_BREAKS)
    return out


_LINE_BREAKS = {0x2028: "\\u2028", 0x2029: "\\u2029", 0x85: "\\u0085"}
