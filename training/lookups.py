"""The evidence base by words: counts, neighbours, names and vectors of words given as strings.

:class:`mtdetect.evidence.Evidence` answers by word ids and arrays (what the runtime uses); these
functions look the words up first, one at a time: for tests, notebooks and looking around.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mtdetect.evidence import Evidence
from mtdetect.text import word_key

__all__ = [
    "bigram",
    "cap_ratio",
    "corpus_unigram",
    "gazetteer_type",
    "has_vector",
    "is_compound",
    "most_similar",
    "neighbours",
    "similarity",
    "trigram",
    "unigram",
    "web_frequency",
    "word_id",
    "words",
]


def word_id(ev: Evidence, word: str) -> int:
    """Id of ``word`` (an n-gram key or a raw word, folded to its key), or -1."""
    return int(ev.ids([word_key(word)])[0])


def words(ev: Evidence, ids: Sequence[int]) -> list[str]:
    """The words of several ids."""
    return [ev.word(int(i)) for i in ids]


def unigram(ev: Evidence, word: str) -> float:
    """Count of ``word``: ``max(corpus count, web frequency rescaled to the corpus)``."""
    return float(ev.unigram_ids(np.array([word_id(ev, word)]))[0])


def corpus_unigram(ev: Evidence, word: str) -> float:
    """Weighted count of ``word`` in the training corpora only (no web data)."""
    return float(ev.corpus_unigram_ids(np.array([word_id(ev, word)]))[0])


def web_frequency(ev: Evidence, word: str) -> float:
    """Web frequency of ``word`` per billion words (wordfreq), or 0."""
    return float(ev.web_ids(np.array([word_id(ev, word)]))[0])


def cap_ratio(ev: Evidence, word: str) -> float:
    """Share of non-sentence-initial corpus occurrences that were capitalised.

    Near 1 for names and demonyms ("Kenyan"), near 0 for common words; NaN when the
    word was never seen in a non-initial position.
    """
    return float(ev.cap_ratio_ids(np.array([word_id(ev, word)]))[0])


def bigram(ev: Evidence, w1: str, w2: str) -> float:
    """Weighted count of the bigram ``w1 w2``."""
    a, b = ev.ids([w1.lower(), w2.lower()]).tolist()
    if a < 0 or b < 0:
        return 0.0
    return float(ev.bigram_ids(np.array([a]), np.array([b]))[0])


def trigram(ev: Evidence, w1: str, w2: str, w3: str) -> float:
    """Weighted count of the trigram ``w1 w2 w3``."""
    a, b, c = ev.ids([w1.lower(), w2.lower(), w3.lower()]).tolist()
    if a < 0 or b < 0 or c < 0:
        return 0.0
    return float(ev.trigram_ids(np.array([a]), np.array([b]), np.array([c]))[0])


def neighbours(ev: Evidence, word: str) -> list[str]:
    """Thesaurus neighbours of a word (OEWN, Moby, tortured-phrase alignments)."""
    return words(ev, ev.neighbour_ids(word_id(ev, word)).tolist())


def gazetteer_type(ev: Evidence, word: str) -> str | None:
    """Name type of a word or phrase (see :meth:`~mtdetect.evidence.Evidence.gazetteer_types`), or None."""
    return ev.gazetteer_types([word])[0]


def similarity(ev: Evidence, w1: str, w2: str) -> float:
    """Cosine similarity of two words' vectors (0.0 if either has none)."""
    ids = ev.ids([w1.lower(), w2.lower()])
    return float(ev.similarity_ids(ids[:1], ids[1:])[0])


def most_similar(ev: Evidence, word: str, k: int = 20) -> list[tuple[str, float]]:
    """The ``k`` words with the most similar vectors, most similar first."""
    row = int(ev.vector_rows(np.array([word_id(ev, word)]))[0])
    if row < 0 or k <= 0:
        return []
    unit = ev.unit_vectors
    sims = unit @ unit[row]
    sims[row] = -np.inf
    k = min(k, len(sims) - 1)
    if k <= 0:
        return []
    top = np.argpartition(-sims, k - 1)[:k]
    top = top[np.argsort(-sims[top], kind="stable")]
    vid = ev.table("vector_ids")
    return [(ev.word(int(vid[r])), float(sims[r])) for r in top]


def is_compound(ev: Evidence, w1: str, w2: str) -> bool:
    """Whether ``w1 w2`` is a two-word lemma of Open English WordNet ("heart disease")."""
    ids = ev.ids([w1.lower(), w2.lower()])
    return bool(ev.compound_ids(ids[:1], ids[1:])[0])


def has_vector(ev: Evidence, word: str) -> bool:
    """Whether ``word`` has a word vector."""
    return bool(ev.vector_rows(np.array([word_id(ev, word)]))[0] >= 0)
