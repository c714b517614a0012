"""Shared n-gram view of a document for the statistical detectors.

Every lexical detector asks the same questions of the same words (ids, unigram and bigram
counts), so the view is computed once per document and reused: the pipeline runs its
detectors one after the other on the same sentence list, and :func:`document_view` keeps the
last view it built for that list.

A *chain* is a run of word/number tokens with no punctuation between them; n-grams never
cross a chain break, exactly as the tables were counted (:func:`mtdetect.text.ngram_key`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mtdetect.evidence import Evidence
from mtdetect.text import Sentence, ngram_key

__all__ = [
    "ARTICLES",
    "FUNCTION_WORDS",
    "PREPOSITIONS",
    "DocView",
    "WordSeq",
    "document_view",
    "fmt_count",
]

ARTICLES = frozenset({"a", "an", "the"})
PREPOSITIONS = frozenset(
    [
        "about",
        "above",
        "across",
        "after",
        "against",
        "along",
        "among",
        "around",
        "as",
        "at",
        "before",
        "behind",
        "below",
        "beneath",
        "beside",
        "between",
        "beyond",
        "by",
        "despite",
        "down",
        "during",
        "except",
        "for",
        "from",
        "in",
        "inside",
        "into",
        "like",
        "near",
        "of",
        "off",
        "on",
        "onto",
        "out",
        "outside",
        "over",
        "past",
        "since",
        "through",
        "throughout",
        "till",
        "to",
        "toward",
        "towards",
        "under",
        "underneath",
        "until",
        "unto",
        "up",
        "upon",
        "with",
        "within",
        "without",
    ]
)
FUNCTION_WORDS = (
    frozenset(
        [
            "a",
            "an",
            "the",
            "this",
            "that",
            "these",
            "those",
            "some",
            "any",
            "each",
            "every",
            "no",
            "all",
            "both",
            "either",
            "neither",
            "such",
            "i",
            "me",
            "my",
            "mine",
            "we",
            "us",
            "our",
            "you",
            "your",
            "he",
            "him",
            "his",
            "she",
            "her",
            "it",
            "its",
            "they",
            "them",
            "their",
            "what",
            "which",
            "who",
            "whom",
            "whose",
            "where",
            "when",
            "why",
            "how",
            "whether",
            "if",
            "then",
            "than",
            "so",
            "because",
            "although",
            "though",
            "while",
            "as",
            "and",
            "or",
            "but",
            "nor",
            "not",
            "n't",
            "be",
            "am",
            "is",
            "are",
            "was",
            "were",
            "been",
            "being",
            "have",
            "has",
            "had",
            "having",
            "do",
            "does",
            "did",
            "doing",
            "will",
            "would",
            "shall",
            "should",
            "can",
            "could",
            "may",
            "might",
            "must",
            "there",
            "here",
            "also",
            "only",
            "just",
            "very",
            "too",
            "more",
            "most",
            "less",
            "least",
            "much",
            "many",
            "few",
            "other",
            "another",
            "own",
            "same",
            "one",
        ]
    )
    | PREPOSITIONS
)


@dataclass(slots=True)
class WordSeq:
    """The word and number tokens of one sentence with their evidence.

    Arrays are aligned with ``keys``; ``pair_count[i]`` is the count of ``keys[i] keys[i+1]``
    (0 across a chain break, where ``linked[i]`` is False).
    """

    sentence: Sentence
    surface: list[str]
    keys: list[str]
    starts: list[int]
    ends: list[int]
    ids: np.ndarray
    uni: np.ndarray
    linked: np.ndarray
    pair_count: np.ndarray
    initial: np.ndarray  # first word of the sentence or of a clause after ":" / a quote
    capital: np.ndarray  # surface starts with an upper-case letter


@dataclass(slots=True)
class DocView:
    sequences: list[WordSeq]


_local = threading.local()


def document_view(evidence: Evidence, sentences: Sequence[Sentence]) -> DocView:
    """The n-gram view of ``sentences``, built once per sentence list."""
    last = getattr(_local, "last", None)
    if last is not None and last[0] is sentences and last[1] is evidence:
        return last[2]
    view = _build(evidence, sentences)
    _local.last = (sentences, evidence, view)
    return view


_INITIAL_AFTER = frozenset(':;"“‘(—–-')


def _build(evidence: Evidence, sentences: Sequence[Sentence]) -> DocView:
    seqs: list[WordSeq] = []
    all_keys: list[str] = []
    bounds: list[tuple[int, int]] = []
    raw: list[tuple[list[str], list[str], list[int], list[int], list[bool], list[bool]]] = []
    for sent in sentences:
        surface: list[str] = []
        keys: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        linked: list[bool] = []
        initial: list[bool] = []
        prev_word = False
        after_break_char = True
        for tok in sent.tokens:
            key = ngram_key(tok)
            if key is None:
                prev_word = False
                if tok.text in _INITIAL_AFTER:
                    after_break_char = True
                continue
            if keys:
                linked.append(prev_word)
            surface.append(tok.text)
            keys.append(key)
            starts.append(tok.start)
            ends.append(tok.end)
            initial.append(after_break_char)
            after_break_char = False
            prev_word = True
        raw.append((surface, keys, starts, ends, linked, initial))
        bounds.append((len(all_keys), len(all_keys) + len(keys)))
        all_keys.extend(keys)
    ids = evidence.ids(all_keys) if all_keys else np.zeros(0, dtype=np.int64)
    uni = evidence.unigram_ids(ids) if all_keys else np.zeros(0)
    # All adjacent pairs of the document in one batch lookup.
    pairs = evidence.bigram_ids(ids[:-1], ids[1:]) if len(ids) > 1 else np.zeros(0)
    for sent, (lo, hi), (surface, keys, starts, ends, linked, initial) in zip(
        sentences, bounds, raw, strict=True
    ):
        link = np.asarray(linked, dtype=bool)
        pc = pairs[lo : max(lo, hi - 1)].copy() if hi - lo > 1 else np.zeros(0)
        if pc.size:
            pc[~link] = 0.0
        seqs.append(
            WordSeq(
                sent,
                surface,
                keys,
                starts,
                ends,
                ids[lo:hi],
                uni[lo:hi],
                link,
                pc,
                np.asarray(initial, dtype=bool),
                np.asarray([s[:1].isupper() for s in surface], dtype=bool),
            )
        )
    return DocView(seqs)


def fmt_count(x: float) -> str:
    """A count for an explanation: '0', '41', '3,200', '41,000'."""
    if x < 1:
        return "0"
    if x < 1000:
        return f"{x:,.0f}"
    return f"{float(f'{x:.2g}'):,.0f}"
