"""Turning spans into sentence and document scores when no trained model is loaded.

The heuristic score of a sentence is a noisy-OR of its span strengths, each weighted by how
much its family says about machine rewriting:

    score(sentence) = 1 - prod_i (1 - w[family_i] * strength_i)

The document score is the mean of the highest quarter of its sentence scores (at least one
sentence), so that a long clean article with one odd sentence is not called rewritten,
while an article where many sentences carry evidence is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mtdetect.odds import logit_scalar, sigmoid_scalar
from mtdetect.result import Span
from mtdetect.text import Sentence

__all__ = [
    "FAMILY_WEIGHTS",
    "HeuristicScorer",
    "PieceScore",
    "Scorer",
    "mean_logodds_of_pieces",
    "top_quarter_mean",
]


@dataclass(frozen=True, slots=True)
class PieceScore:
    """One analysed piece of a document (a whole document is one piece).

    ``score`` is the piece's own document score. ``evidence`` is what adds up across pieces
    for a scorer that combines them exactly (a trained model: each head's sum of sentence
    log-odds), empty otherwise; ``decisive`` says the piece holds a span that alone makes
    the document at least *suspect* (a spinner template, a listed tortured phrase at
    strength 0.9 or more).
    """

    score: float
    n_sentences: int
    evidence: tuple[float, ...] = ()
    decisive: bool = False


def mean_logodds_of_pieces(pieces: Sequence[PieceScore]) -> float | None:
    """The mean log-odds of the pieces' scores, weighted by their sentences (None for no
    sentences): how pieces combine when their evidence cannot be added up."""
    logits = []
    for piece in pieces:
        if piece.n_sentences:
            logits.append((logit_scalar(piece.score), piece.n_sentences))
    if not logits:
        return None
    z = sum(lg * n for lg, n in logits) / sum(n for _, n in logits)
    return sigmoid_scalar(z)


class Scorer(Protocol):
    """Everything the pipeline calls on a scorer: the heuristic one
    (:class:`HeuristicScorer`) or a trained model
    (:class:`mtdetect.classifier.model.TrainedScorer`).

    The pipeline scores a document (or each piece of a huge one) with :meth:`score_piece`
    and turns the pieces into the document score with :meth:`combine`; ``mtdetect info``
    shows :attr:`description` and :meth:`summary`.
    """

    #: The model's name and version, written into every result.
    name: str
    #: One line on how it scores.
    description: str
    suspect_threshold: float
    rewritten_threshold: float

    def score_sentences(
        self,
        text: str,
        sentences: Sequence[Sentence],
        spans: Sequence[Sequence[Span]],
        tokens: Any = None,
    ) -> list[float]:
        """One probability per sentence."""
        ...

    def document_score(self, sentence_scores: Sequence[float]) -> float:
        """A document score from sentence scores alone (for callers that have only those)."""
        ...

    def score_piece(
        self,
        text: str,
        sentences: Sequence[Sentence],
        spans: Sequence[Sequence[Span]],
        tokens: Any = None,
    ) -> tuple[list[float], PieceScore]:
        """The sentence scores of a document or piece and its :class:`PieceScore`."""
        ...

    def combine(self, pieces: Sequence[PieceScore]) -> float:
        """The document score of a document analysed in ``pieces``."""
        ...

    def summary(self) -> list[str]:
        """Lines about the model for ``mtdetect info`` (none for the heuristic scorer)."""
        ...


#: How much one span of each family, at strength 1, says about machine rewriting.
FAMILY_WEIGHTS: dict[str, float] = {
    "synonym-substitution": 0.9,
    "broken-collocation": 0.8,
    "function-word-swap": 0.6,
    "mangled-entity": 0.7,
    "dropped-word": 0.6,
    "spacing-artifact": 0.7,
    "spinner-leftover": 0.95,
    "literal-translation": 0.6,
    "non-prose": 0.15,
}


def top_quarter_mean(scores: Sequence[float]) -> float:
    """Mean of the highest quarter of ``scores`` (0.0 for none)."""
    if not scores:
        return 0.0
    k = max(1, math.ceil(len(scores) / 4))
    top = sorted(scores, reverse=True)[:k]
    return sum(top) / k


@dataclass
class HeuristicScorer:
    """Documented combination of span strengths, used until a trained model is loaded."""

    weights: dict[str, float] = field(default_factory=lambda: dict(FAMILY_WEIGHTS))
    suspect_threshold: float = 0.4
    rewritten_threshold: float = 0.7
    name: str = "heuristic-0.1"
    description: str = (
        "no trained classifier loaded: a sentence's score is the noisy-OR of its span "
        "strengths weighted by family; a document's is the mean of its top quarter of "
        "sentence scores"
    )

    def score_sentences(
        self,
        text: str,
        sentences: Sequence[Sentence],
        spans: Sequence[Sequence[Span]],
        tokens: Any = None,
    ) -> list[float]:
        """One score per sentence from that sentence's spans (``tokens`` unused)."""
        out = []
        for sent_spans in spans:
            keep = 1.0
            for sp in sent_spans:
                keep *= 1.0 - self.weights.get(sp.family, 0.5) * sp.strength
            out.append(1.0 - keep)
        return out

    def document_score(self, sentence_scores: Sequence[float]) -> float:
        return top_quarter_mean(sentence_scores)

    def score_piece(
        self,
        text: str,
        sentences: Sequence[Sentence],
        spans: Sequence[Sequence[Span]],
        tokens: Any = None,
    ) -> tuple[list[float], PieceScore]:
        """Sentence scores, and the piece's score from them (:meth:`document_score`)."""
        scores = self.score_sentences(text, sentences, spans, tokens=tokens) if sentences else []
        return scores, PieceScore(float(self.document_score(scores)), len(sentences))

    def combine(self, pieces: Sequence[PieceScore]) -> float:
        """The mean log-odds of the pieces' scores, weighted by their sentences (a document
        without sentences: :meth:`document_score` of none)."""
        combined = mean_logodds_of_pieces(pieces)
        return float(self.document_score([])) if combined is None else combined

    def summary(self) -> list[str]:
        return []
