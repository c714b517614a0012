"""Sentence features: shapes, finite values, evidence columns, and the per-sentence reductions."""

from __future__ import annotations

import numpy as np
import pytest

from mtdetect.classifier.features import EVIDENCE_FEATURES, FEATURE_NAMES, sentence_features
from mtdetect.result import FAMILIES, Span
from mtdetect.text import segment

COL = {n: i for i, n in enumerate(FEATURE_NAMES)}


class _FakeEvidence:
    """What the features read from an Evidence, with made-up counts."""

    def __init__(self) -> None:
        words = ["the", "stock", "market", "showcase", "rose", "fell", "<num>", "in"]
        self._vocab = {w: i for i, w in enumerate(words)}
        self._bi = {(0, 1): 500.0, (1, 2): 2000.0, (2, 4): 50.0, (6, 7): 0.0}
        self._tri = {(0, 1, 2): 300.0}

    def ids(self, words):
        return np.array([self._vocab.get(w, -1) for w in words], dtype=np.int64)

    def unigram_ids(self, ids):
        return np.where(np.asarray(ids) >= 0, 1000.0, 0.0)

    def bigram_ids(self, a, b):
        return np.array([self._bi.get((int(i), int(j)), 0.0) for i, j in zip(a, b, strict=True)])

    def trigram_ids(self, a, b, c):
        return np.array(
            [self._tri.get((int(i), int(j), int(k)), 0.0) for i, j, k in zip(a, b, c, strict=True)]
        )


def test_feature_shape_and_values_without_evidence():
    text = "The U. K. said 42 people came. Anna met the Mayor of Springfield in Paris."
    sents = segment(text).sentences
    span = Span(4, 9, text[4:9], "spacing-artifact", 0.8, "re-spaced")
    x = sentence_features(text, sents, [[span], []])
    assert x.shape == (2, len(FEATURE_NAMES)) and x.dtype == np.float32
    assert x[0, COL["spacing-artifact:count"]] == 1
    assert x[0, COL["spacing-artifact:max"]] == pytest.approx(0.8)
    assert x[0, COL["spacing-artifact:sum"]] == pytest.approx(0.8)
    assert x[1, COL["spacing-artifact:count"]] == 0
    for fam in FAMILIES:
        if fam != "spacing-artifact":
            assert x[:, COL[f"{fam}:count"]].sum() == 0
    for name in EVIDENCE_FEATURES:  # no tables: those columns are 0
        assert (x[:, COL[name]] == 0).all()
    assert x[0, COL["digit_share"]] > 0 and x[1, COL["digit_share"]] == 0
    # "Mayor", "Springfield", "Paris": capitalised, of the 7 words after the initial one.
    assert x[1, COL["cap_noninitial_share"]] == pytest.approx(3 / 7)
    # Lower-case words of sentence 2: met, the, of, in -> the is an article, of/in prepositions.
    assert x[1, COL["article_share"]] == pytest.approx(1 / 4)
    assert x[1, COL["preposition_share"]] == pytest.approx(2 / 4)
    assert sentence_features("", [], []).shape == (0, len(FEATURE_NAMES))


def test_evidence_columns_and_names_do_not_count():
    ev = _FakeEvidence()
    text = "So the stock market rose. So the stock showcase fell. So Kenyon zzqx rose."
    sents = segment(text).sentences
    x = sentence_features(text, sents, [[], [], []], ev)
    b_zero, b_mean = COL["bigram_zero_share"], COL["bigram_logc_mean"]
    assert x[0, b_zero] == 0 and x[1, b_zero] > 0  # "stock showcase", "showcase fell" unseen
    assert x[0, b_mean] > x[1, b_mean]
    assert x[0, COL["trigram_logc_mean"]] > 0
    # A name breaks the chain and is not "unknown"; only the lower-case "zzqx" is.
    assert x[2, COL["unknown_share"]] == pytest.approx(1 / 2)
    assert x[2, COL["rare_word_share"]] == pytest.approx(1 / 2)
    # Document columns are shared by the sentences of a document, separate per document.
    d = COL["doc_bigram_zero_share"]
    assert x[0, d] == x[1, d] == x[2, d] > 0
    y = sentence_features(text, sents, [[], [], []], ev, doc_ids=[0, 1, 1])
    assert y[0, d] == 0 and y[1, d] > 0
    np.testing.assert_array_equal(
        y[:, : COL["doc_span_sentence_share"]], x[:, : COL["doc_span_sentence_share"]]
    )


def test_segment_extremes_match_ufunc_at() -> None:
    """Per-sentence minima and maxima by one reduceat over ordered owners equal ufunc.at (and
    any order falls back to it), empty sentences included."""
    from mtdetect.classifier.features import _segment_extreme

    rng = np.random.default_rng(2)
    for trial in range(50):
        n = int(rng.integers(1, 12))
        owner = np.sort(rng.integers(0, n, int(rng.integers(0, 40))))
        values = rng.normal(size=len(owner))
        values[rng.random(len(values)) < 0.1] = np.inf
        if trial % 2:
            owner = rng.permutation(owner)
        for ufunc, fill in ((np.minimum, np.inf), (np.maximum, -np.inf)):
            want = np.full(n, fill)
            ufunc.at(want, owner, values)
            np.testing.assert_array_equal(_segment_extreme(ufunc, values, owner, n, fill), want)
