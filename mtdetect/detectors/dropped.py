"""``dropped-word``: a word lost on the way, leaving a sequence edited prose never has.

"the number of the has risen": "the has" never occurs although both words are among the
most frequent in English, so chance alone would produce it thousands of times. The word
most likely dropped is the frequent word ``x`` that best bridges the gap (both "the x" and
"x has" frequent), found by one batch lookup over the most frequent words.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mtdetect.detectors.base import make_span
from mtdetect.detectors.ngrams import document_view, fmt_count
from mtdetect.detectors.substitution import EvidenceDetector
from mtdetect.evidence import Evidence
from mtdetect.result import Span
from mtdetect.text import Sentence

__all__ = ["DroppedWordDetector"]

FAMILY = "dropped-word"


class DroppedWordDetector(EvidenceDetector):
    """Adjacent frequent words that never meet, and the word that would join them."""

    name = "dropped-word"
    family = FAMILY

    #: The pair must be expected this many times by chance (from the two words' counts) ...
    expected_min = 150.0
    #: ... and seen at most this share of that.
    seen_share_max = 0.001
    #: Words tried as the dropped one (most frequent first) and how well they must bridge.
    bridge_vocab = 3000
    bridge_min = 60.0

    def __init__(self, evidence: Evidence | None = None) -> None:
        super().__init__(evidence)
        self._bridge_ids: np.ndarray | None = None

    def _bridges(self) -> np.ndarray:
        if self._bridge_ids is None:
            ev = self.evidence
            counts = ev.unigram_ids(np.arange(ev.vocab_size))
            order = np.argsort(-counts, kind="stable")
            keep = [int(i) for i in order[: self.bridge_vocab * 2] if ev.word(int(i)).isalpha()]
            self._bridge_ids = np.asarray(keep[: self.bridge_vocab], dtype=np.int64)
        return self._bridge_ids

    def detect(self, text: str, sentences: Sequence[Sentence]) -> list[Span]:
        ev = self.evidence
        spans: list[Span] = []
        total = ev.total_words
        for seq in document_view(ev, sentences).sequences:
            if len(seq.keys) < 2:
                continue
            expected = seq.uni[:-1] * seq.uni[1:] / total
            cand = np.nonzero(
                seq.linked
                & (expected >= self.expected_min)
                & (seq.pair_count <= expected * self.seen_share_max)
                & ~seq.capital[1:]
            )[0]
            for i in cand.tolist():
                a, b = seq.keys[i], seq.keys[i + 1]
                if not (a.isalpha() and b.isalpha()) or a == b:
                    continue
                bridges = self._bridges()
                left = ev.bigram_ids(np.full(len(bridges), seq.ids[i]), bridges)
                right = ev.bigram_ids(bridges, np.full(len(bridges), seq.ids[i + 1]))
                support = np.minimum(left, right)
                best = int(np.argmax(support))
                if support[best] < self.bridge_min:
                    continue
                word = ev.word(int(bridges[best]))
                obs = float(seq.pair_count[i])
                exp = float(expected[i])
                strength = min(0.9, 0.25 + 0.15 * np.log10(exp / (obs + 1.0)))
                spans.append(
                    make_span(
                        text,
                        seq.starts[i],
                        seq.ends[i + 1],
                        FAMILY,
                        strength,
                        f"'{seq.surface[i]} {seq.surface[i + 1]}' occurs {fmt_count(obs)} times "
                        f"in the reference counts where chance alone predicts {fmt_count(exp)}; "
                        f"a word seems missing, e.g. '{a} {word} {b}'",
                        f"{seq.surface[i]} {word} {seq.surface[i + 1]}",
                    )
                )
        return spans
