"""``spinner-leftover``: a spinning tool's own markup or duplicates that survived."""

from __future__ import annotations

import re
from collections.abc import Sequence

from mtdetect.detectors.base import make_span
from mtdetect.result import Span
from mtdetect.text import Sentence

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


#: How a spinner template's span explanation begins (the pipeline reads it: a template left
#: in the text makes the document at least suspect).
TEMPLATE_EXPLANATION = "spinner template left in the text"


class SpinnerDetector:
    """Flags spintax, doubled function words and a sentence repeated right after itself.
    (Two synonyms side by side, "exactness accuracy", need the word tables: the tagger
    reports them, :func:`mtdetect.tagger.spans.spinner_pairs`.)"""

    name = "spinner"
    family = FAMILY

    def detect(self, text: str, sentences: Sequence[Sentence]) -> list[Span]:
        spans: list[Span] = []
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
                            f"{TEMPLATE_EXPLANATION}: {len(options)} alternatives",
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
