"""``function-word-swap``: a preposition or particle replaced by another.

The preposition after a verb, noun or adjective is mostly fixed by that word ("accused of",
"depends on", "interested in"). When the pair seen is rare but the same head with another
preposition is frequent, and the three words around it are not a known sequence either,
the swap is flagged with the frequent preposition as suggestion.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mtdetect.detectors.base import make_span
from mtdetect.detectors.ngrams import FUNCTION_WORDS, PREPOSITIONS, document_view, fmt_count
from mtdetect.detectors.substitution import EvidenceDetector
from mtdetect.result import Span
from mtdetect.text import Sentence

__all__ = ["FunctionWordDetector"]

FAMILY = "function-word-swap"

#: The prepositions tried as the likely original.
_CANDIDATES = [
    "of",
    "in",
    "to",
    "for",
    "on",
    "at",
    "with",
    "from",
    "by",
    "about",
    "as",
    "into",
    "over",
    "after",
    "under",
    "between",
    "through",
    "against",
    "during",
    "without",
    "within",
    "upon",
    "toward",
    "towards",
    "among",
]


class FunctionWordDetector(EvidenceDetector):
    """Prepositions that their head word does not take."""

    name = "function-words"
    family = FAMILY

    head_min = 200.0  # the head word must be this frequent for its counts to mean much
    alt_min = 100.0
    ratio_min = 25.0
    #: The pair seen must be far rarer than chance predicts (an anti-collocation) ...
    seen_share_max = 0.05
    #: ... and the head must govern the suggested preposition: this share of its uses.
    govern_min = 0.1

    def detect(self, text: str, sentences: Sequence[Sentence]) -> list[Span]:
        ev = self.evidence
        cand_ids = ev.ids(_CANDIDATES)
        spans: list[Span] = []
        for seq in document_view(ev, sentences).sequences:
            for i in range(1, len(seq.keys)):
                prep = seq.keys[i]
                if prep not in PREPOSITIONS or not seq.linked[i - 1]:
                    continue
                head = seq.keys[i - 1]
                if head in FUNCTION_WORDS or not head.isalpha() or seq.capital[i - 1]:
                    continue
                if seq.uni[i - 1] < self.head_min:
                    continue
                obs = float(seq.pair_count[i - 1])
                # Cheap test first: most pairs are common, and need no lookups at all.
                expected = seq.uni[i - 1] * seq.uni[i] / ev.total_words
                if obs > self.seen_share_max * expected:
                    continue
                heads = np.full(len(cand_ids), seq.ids[i - 1])
                alts = ev.bigram_ids(heads, cand_ids)
                best = int(np.argmax(alts))
                alt = float(alts[best])
                alt_word = _CANDIDATES[best]
                if alt_word == prep or alt < self.alt_min:
                    continue
                ratio = (alt + 1) / (obs + 1)
                if ratio < self.ratio_min or alt < self.govern_min * seq.uni[i - 1]:
                    continue
                # The word after decides in the end: with a content word there, the
                # suggested three-word sequence must be known and the one seen unknown
                # ("accused for years" is fine, "accused for fraud" is not).
                nxt = seq.keys[i + 1] if i + 1 < len(seq.keys) and seq.linked[i] else None
                if nxt is not None and nxt.isalpha() and nxt not in FUNCTION_WORDS:
                    if ev.trigram(head, prep, nxt) > 0 or ev.trigram(head, alt_word, nxt) < 2:
                        continue
                elif alt < 0.3 * seq.uni[i - 1]:
                    continue  # no telling context: only heads that nearly always govern
                surf = seq.surface[i]
                spans.append(
                    make_span(
                        text,
                        seq.starts[i - 1],
                        seq.ends[i],
                        FAMILY,
                        min(0.9, 0.2 + 0.15 * np.log10(ratio)),
                        f"'{seq.surface[i - 1]} {surf}' occurs {fmt_count(obs)} times in the "
                        f"reference counts; '{head} {alt_word}' occurs {fmt_count(alt)} times",
                        f"{seq.surface[i - 1]} {alt_word}",
                    )
                )
        return spans
