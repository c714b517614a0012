"""Lexical style model: which words and word pairs machine translation prefers.

Neural machine translation is fluent, and its errors are rare, but its word choice is not a
human translator's: it prefers some words, constructions and punctuation over others. A
linear model over hashed word unigrams and bigrams of a sentence learns those preferences;
its log-odds become one feature of the sentence classifier (:mod:`mtdetect.model`).

Names and numbers are masked (a capitalised word that does not start the sentence becomes
``C``, a number ``#``) so that the model cannot learn "foreign names mean machine
translation": topic and names must not drive the score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from mtdetect.text import tokenize

__all__ = ["StyleModel", "style_tokens"]


def style_tokens(text: str) -> list[str]:
    """Unigrams and bigrams of a sentence with names and numbers masked."""
    toks = ["<s>"]
    for k, t in enumerate(tokenize(text)):
        if t.kind == "word":
            toks.append("C" if k > 0 and t.text[:1].isupper() else t.text.lower())
        elif t.kind == "number":
            toks.append("#")
        elif t.kind in ("url", "email"):
            toks.append("<link>")
        else:
            toks.append(t.text)
    toks.append("</s>")
    return toks + [f"{a} {b}" for a, b in pairwise(toks)]


def _vectorizer(n_features: int):
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer=style_tokens, n_features=n_features, alternate_sign=False, norm="l2"
    )


@dataclass
class StyleModel:
    """Hashed n-gram logistic regression; only its weights are stored (float32)."""

    n_features: int = 2**18
    C: float = 3.0
    coef: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    intercept: float = 0.0

    def fit(
        self, texts: Sequence[str], y: Sequence[int], sample_weight: np.ndarray | None = None
    ) -> StyleModel:
        """Fit on sentences ``texts`` with labels ``y`` (1 = machine-rewritten)."""
        from sklearn.linear_model import LogisticRegression

        X = _vectorizer(self.n_features).transform(texts)
        clf = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced")
        clf.fit(X, np.asarray(y), sample_weight=sample_weight)
        self.coef = clf.coef_.ravel().astype(np.float32)
        self.intercept = float(clf.intercept_[0])
        return self

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Log-odds per sentence (0.0 for every sentence when not fitted)."""
        if not len(texts):
            return np.zeros(0)
        if self.coef.size == 0:
            return np.zeros(len(texts))
        X = _vectorizer(self.n_features).transform(texts)
        return np.asarray(X @ self.coef, dtype=np.float64) + self.intercept
