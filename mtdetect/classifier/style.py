"""Lexical style model: which words and word pairs machine translation prefers.

Neural machine translation is fluent, and its errors are rare, but its word choice is not a
human translator's: it prefers some words, constructions and punctuation over others. A
linear model over hashed word unigrams and bigrams of a sentence learns those preferences;
its log-odds become one feature of the sentence classifier (:mod:`mtdetect.classifier.model`).

Names and numbers are masked (a capitalised word that does not start the sentence becomes
``C``, a number ``#``) so that the model cannot learn "foreign names mean machine
translation": topic and names must not drive the score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from zlib import crc32

import numpy as np

from mtdetect.native import core
from mtdetect.text import Token, tokenize

__all__ = ["StyleModel", "style_tokens"]


def style_tokens(text: str, tokens: Sequence[Token] | None = None) -> list[str]:
    """Unigrams and bigrams of a sentence with names and numbers masked; ``tokens``, when
    given, are the sentence's own (``Sentence.tokens``: the same as ``tokenize(text)``, with
    offsets into the document), so that it is not tokenised twice."""
    toks = ["<s>"]
    for k, t in enumerate(tokenize(text) if tokens is None else tokens):
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


def _crc32(toks: list[str]) -> np.ndarray:
    """CRC-32 (zlib's) of the UTF-8 bytes of each token, as int64."""
    return np.fromiter(
        (crc32(t.encode("utf-8", "surrogatepass")) for t in toks), np.int64, len(toks)
    )


def _style_hashes(
    texts: Sequence[str], tokens: Sequence[Sequence[Token]] | None = None
) -> tuple[np.ndarray, list[int]]:
    """``_crc32`` of the style tokens of every sentence, one after another, and how many
    each sentence has: in the compiled core straight from the tokens (no token strings are
    made), else with :func:`style_tokens` and ``zlib``."""
    fast = core()
    if fast is not None:
        toks = tokens if tokens is not None else [tokenize(t) for t in texts]
        lengths = [2 * len(t) + 3 for t in toks]
        hashes = np.empty(sum(lengths), np.int64)
        try:
            fast.style_hashes(toks, hashes)
            return hashes, lengths
        except TypeError:
            pass  # not plain Token tuples of str (the tokenizer always gives those)
    all_toks: list[str] = []
    lengths = []
    for k, text in enumerate(texts):
        st = style_tokens(text, None if tokens is None else tokens[k])
        all_toks.extend(st)
        lengths.append(len(st))
    return _crc32(all_toks), lengths


def _hashed(
    texts: Sequence[str], n_features: int, tokens: Sequence[Sequence[Token]] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR parts (indptr, indices, data) of the L2-normalised hashed token counts.

    Tokens are hashed with CRC-32 (stable across runs and platforms, in the standard
    library), so scoring needs no scikit-learn. All sentences are hashed and counted in one
    pass (a key per sentence and hash), not one small array per sentence.
    """
    if not len(texts):
        return np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0)
    hashes, lengths = _style_hashes(texts, tokens)
    hashes &= n_features - 1
    sent = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    keys, cnt = np.unique(sent * n_features + hashes, return_counts=True)
    row, idx = np.divmod(keys, n_features)
    per_row = np.bincount(row, minlength=len(texts))
    indptr = np.concatenate([[0], np.cumsum(per_row)])
    # Each sentence's squared counts summed exactly (integers), as np.sum per row would.
    sq = np.bincount(row, weights=cnt * cnt, minlength=len(texts))
    val = cnt / np.sqrt(sq[row])
    return indptr, idx, val


@dataclass
class StyleModel:
    """Hashed n-gram logistic regression; only its weights are stored (float32).

    ``n_features`` must be a power of two (the hash is masked, not reduced modulo).
    """

    n_features: int = 2**18
    C: float = 3.0
    coef: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    intercept: float = 0.0

    def fit(
        self, texts: Sequence[str], y: Sequence[int], sample_weight: np.ndarray | None = None
    ) -> StyleModel:
        """Fit on sentences ``texts`` with labels ``y`` (1 = machine-rewritten)."""
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression

        indptr, indices, data = _hashed(texts, self.n_features)
        X = csr_matrix((data, indices, indptr), shape=(len(texts), self.n_features))
        clf = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced")
        clf.fit(X, np.asarray(y), sample_weight=sample_weight)
        self.coef = clf.coef_.ravel().astype(np.float32)
        self.intercept = float(clf.intercept_[0])
        return self

    def decision_function(
        self, texts: Sequence[str], tokens: Sequence[Sequence[Token]] | None = None
    ) -> np.ndarray:
        """Log-odds per sentence (0.0 for every sentence when not fitted); ``tokens``, when
        given, are each sentence's tokens (see :func:`style_tokens`)."""
        if not len(texts):
            return np.zeros(0)
        if self.coef.size == 0:
            return np.zeros(len(texts))
        if tokens is not None and len(tokens) != len(texts):
            raise ValueError("one token list per sentence is needed")
        indptr, indices, data = _hashed(texts, self.n_features, tokens)
        contrib = self.coef[indices].astype(np.float64) * data
        sums = np.add.reduceat(contrib, indptr[:-1]) if contrib.size else np.zeros(len(texts))
        # reduceat repeats the next value for an empty row: empty rows contribute nothing.
        sums[indptr[:-1] == indptr[1:]] = 0.0
        return sums + self.intercept
