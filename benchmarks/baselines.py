"""Two baselines that mtdetect is compared with in ``python -m benchmarks run``.

* :class:`ListMatcherBaseline`: what a typical user does with the published tortured-phrase
  list: take the first quoted phrase of *every* row of the CSV (context terms, exclusions and
  proximity operators dropped, held-out rows included) and flag any lower-cased token
  sequence that equals one of them.
* :class:`FluencyBaseline`: a perplexity-style filter as corpus tools use: a sentence's score
  is the mean negative log bigram probability of its words, from the counts of
  :mod:`mtdetect.evidence` alone (no detector, no list).

Both score a text (a sentence, usually) with a float where higher means "more likely machine
rewritten", so that ROC-AUC can be computed against mtdetect's sentence scores.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mtdetect.evidence import Evidence

__all__ = ["FluencyBaseline", "ListMatcherBaseline", "naive_tokens"]

_FIRST_QUOTED_RE = re.compile(r'"([^"]+)"')
_NAIVE_TOKEN_RE = re.compile(r"\w+(?:['’-]\w+)*|[^\w\s]")


def naive_tokens(text: str) -> list[tuple[str, int, int]]:
    """Lower-cased word and punctuation tokens of ``text`` with their offsets."""
    return [
        (m.group().lower().replace("’", "'"), m.start(), m.end())
        for m in _NAIVE_TOKEN_RE.finditer(text)
    ]


class ListMatcherBaseline:
    """Exact token-sequence matching of a flat list of phrases (lower-cased)."""

    name = "list matcher (all rows, exact)"

    def __init__(self, phrases: Iterable[str]) -> None:
        self.index: dict[str, set[tuple[str, ...]]] = {}
        self.max_len = 0
        n = 0
        for phrase in phrases:
            keys = tuple(t for t, _, _ in naive_tokens(phrase))
            if not keys:
                continue
            bucket = self.index.setdefault(keys[0], set())
            if keys not in bucket:
                bucket.add(keys)
                n += 1
            self.max_len = max(self.max_len, len(keys))
        self.size = n

    @classmethod
    def from_csv(cls, path: str | Path) -> ListMatcherBaseline:
        """The first quoted phrase of every row of a ``tortured_phrase,...`` CSV."""
        phrases: list[str] = []
        with open(path, encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh):
                m = _FIRST_QUOTED_RE.search(rec.get("tortured_phrase") or "")
                if m:
                    phrases.append(m.group(1).rstrip("*").strip())
        return cls(phrases)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every listed phrase found in ``text``."""
        toks = naive_tokens(text)
        keys = [t for t, _, _ in toks]
        out: list[tuple[int, int]] = []
        for i, k in enumerate(keys):
            bucket = self.index.get(k)
            if not bucket:
                continue
            for n in range(1, min(self.max_len, len(keys) - i) + 1):
                if tuple(keys[i : i + n]) in bucket:
                    out.append((toks[i][1], toks[i + n - 1][2]))
        return out

    def score(self, text: str) -> float:
        """Number of listed phrases found (0 for none)."""
        return float(len(self.spans(text)))


class FluencyBaseline:
    """Mean negative log bigram probability (Dirichlet-smoothed) of a text's word chains.

    ``p(w2 | w1) = (c(w1 w2) + mu * p(w2)) / (c(w1) + mu)`` with
    ``p(w) = (c(w) + 0.5) / (N + 0.5 V)``; chains break at punctuation, as in the tables.
    """

    name = "fluency (bigram surprisal)"

    def __init__(self, evidence: Evidence, mu: float = 50.0) -> None:
        self.ev = evidence
        self.mu = mu
        self._denom = evidence.total_words + 0.5 * evidence.vocab_size

    def score(self, text: str) -> float:
        """Mean surprisal in nats per bigram (unigram surprisal for a one-word text)."""
        from mtdetect.text import ngram_key, tokenize

        chains: list[list[str]] = [[]]
        for tok in tokenize(text):
            key = ngram_key(tok)
            if key is None:
                if chains[-1]:
                    chains.append([])
            else:
                chains[-1].append(key)
        first: list[str] = []
        second: list[str] = []
        words: list[str] = []
        for ch in chains:
            words.extend(ch)
            first.extend(ch[:-1])
            second.extend(ch[1:])
        if not words:
            return 0.0
        if not first:
            uni = self.ev.unigram_ids(self.ev.ids(words))
            return float(np.mean(-np.log((uni + 0.5) / self._denom)))
        id1, id2 = self.ev.ids(first), self.ev.ids(second)
        c12 = self.ev.bigram_ids(id1, id2)
        c1 = self.ev.unigram_ids(id1)
        p2 = (self.ev.unigram_ids(id2) + 0.5) / self._denom
        p = (c12 + self.mu * p2) / (c1 + self.mu)
        return float(np.mean(-np.log(np.maximum(p, math.ulp(1.0)))))
