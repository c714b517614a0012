"""``spinner-leftover``: a spinning tool's own markup or duplicates that survived."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mtdetect.detectors.base import make_span
from mtdetect.result import Span
from mtdetect.text import Sentence

if TYPE_CHECKING:
    from mtdetect.evidence import Evidence

__all__ = ["SpinnerDetector"]

FAMILY = "spinner-leftover"

# Spintax: {a|b|c}, the template syntax of article spinners.
_SPINTAX_RE = re.compile(r"\{([^{}|\n]{1,80}(?:\|[^{}|\n]{0,80})+)\}")
# A doubled function word ("the the"). "had had" and "that that" are grammatical.
_DOUBLED_RE = re.compile(
    r"\b(the|a|an|of|to|in|on|at|for|and|or|with|by|from|is|are|was|were|be|it)\s+\1\b",
    re.IGNORECASE,
)
_NORM_RE = re.compile(r"\W+")


class SpinnerDetector:
    """Flags spintax, doubled function words, a sentence repeated right after itself and,
    with an evidence base, two thesaurus synonyms side by side ("exactness accuracy")."""

    name = "spinner"
    family = FAMILY

    def __init__(self, evidence: Evidence | None = None, use_evidence: bool = True) -> None:
        self._evidence = evidence
        self._use_evidence = use_evidence

    def detect(self, text: str, sentences: Sequence[Sentence]) -> list[Span]:
        spans: list[Span] = []
        ev = self._get_evidence()
        if ev is not None:
            spans.extend(self._synonym_pairs(ev, text, sentences))
        previous = ""
        for sent in sentences:
            s, e = sent.start, sent.end
            if "{" in sent.text:
                for m in _SPINTAX_RE.finditer(text, s, e):
                    options = [o.strip() for o in m.group(1).split("|")]
                    spans.append(
                        make_span(
                            text,
                            m.start(),
                            m.end(),
                            FAMILY,
                            1.0,
                            f"spinner template left in the text: {len(options)} alternatives",
                            options[0] or None,
                        )
                    )
            for m in _DOUBLED_RE.finditer(text, s, e):
                spans.append(
                    make_span(
                        text,
                        m.start(),
                        m.end(),
                        FAMILY,
                        0.4,
                        f"'{m.group(1)}' twice in a row",
                        m.group(1),
                    )
                )
            norm = _NORM_RE.sub(" ", sent.text.lower()).strip()
            if len(norm) >= 20 and norm == previous:
                spans.append(
                    make_span(
                        text,
                        s,
                        e,
                        FAMILY,
                        0.9,
                        "the same sentence twice in a row",
                        None,
                    )
                )
            previous = norm
        return spans

    def _get_evidence(self) -> Evidence | None:
        if self._evidence is None and self._use_evidence:
            from mtdetect.evidence import default_path, load_evidence

            if (default_path() / "meta.json").exists():
                self._evidence = load_evidence()
            else:
                self._use_evidence = False
        return self._evidence

    @staticmethod
    def _synonym_pairs(ev: Evidence, text: str, sentences: Sequence[Sentence]) -> list[Span]:
        """Two thesaurus neighbours side by side, a pair edited prose does not have: the
        spinner kept both the original and its replacement."""
        from mtdetect.detectors.ngrams import FUNCTION_WORDS, document_view
        from mtdetect.detectors.substitution import neighbour_set

        out: list[Span] = []
        for seq in document_view(ev, sentences).sequences:
            for i in range(len(seq.keys) - 1):
                if not seq.linked[i] or seq.pair_count[i] > 1:
                    continue
                a, b = seq.keys[i], seq.keys[i + 1]
                if a == b or a in FUNCTION_WORDS or b in FUNCTION_WORDS or not a.isalpha():
                    continue
                if seq.capital[i + 1] or (seq.capital[i] and not seq.initial[i]):
                    continue
                if b in neighbour_set(ev, a):
                    out.append(
                        make_span(
                            text,
                            seq.starts[i],
                            seq.ends[i + 1],
                            FAMILY,
                            0.6,
                            f"'{seq.surface[i]}' and '{seq.surface[i + 1]}' are synonyms side by "
                            "side, a pair the reference counts never have: a spinner kept both",
                            seq.surface[i],
                        )
                    )
        return out
