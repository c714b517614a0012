"""One view of a document for the tagger and the detectors: its words as arrays.

The view is computed once per document and read by everything that needs word statistics:
the words (and numbers) of every sentence, flattened in text order, with their offsets,
sentence, chain links (two words are *linked* when nothing but space separates them inside
a sentence: n-grams never cross punctuation, exactly as the tables were counted), case, ids,
and table probes (counts, Kneser-Ney probabilities from both sides) as numpy arrays.
Probes are computed on first use, in one vectorised call per table for the whole document.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from mtdetect.evidence import Evidence
from mtdetect.text import Sentence, word_key
from mtdetect.wordlists import ARTICLES, TAGGER_FUNCTION_WORDS, TAGGER_PREPOSITIONS

__all__ = ["DocView", "build_view", "first_char_is"]

_INITIAL_AFTER = frozenset(':;"“‘(—–-')
#: Word-list bits (see DocView._classes).
_FUNCTION, _PREPOSITION, _ARTICLE = 1, 2, 4
#: Longest token for which DocView.alpha makes a fixed-width array.
_WIDE_TOKEN = 64
_CODE_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def first_char_is(text: str, starts: np.ndarray, test) -> np.ndarray:
    """``test`` of the character at each of ``starts``, for a test that is true of A-Z and of
    no other ASCII character (``str.isupper``, "capitalised"): ASCII by code point, anything
    else by calling ``test``."""
    if not len(starts):
        return np.zeros(0, bool)
    a, b = int(starts.min()), int(starts.max()) + 1
    cp = np.frombuffer(text[a:b].encode("utf-32-le", "surrogatepass"), np.uint32)[starts - a]
    out = (cp >= 65) & (cp <= 90)  # A-Z
    for j in np.flatnonzero(cp >= 128).tolist():
        out[j] = test(chr(int(cp[j])))
    return out


_CLASS_CODES = {
    w: (_FUNCTION if w in TAGGER_FUNCTION_WORDS else 0)
    | (_PREPOSITION if w in TAGGER_PREPOSITIONS else 0)
    | (_ARTICLE if w in ARTICLES else 0)
    for w in TAGGER_FUNCTION_WORDS | TAGGER_PREPOSITIONS | ARTICLES
}


def _code_table(evidence: Evidence, name: str, codes: Mapping[str, int]) -> tuple[np.ndarray, bool]:
    """The code (0 for none) of every vocabulary id under the word list ``codes``, and whether
    every listed word has an id; built once per evidence base and list ``name``."""
    per_evidence = _CODE_TABLES.setdefault(evidence, {})
    got = per_evidence.get(name)
    if got is None:
        words = sorted(codes)
        ids = evidence.ids(words)
        table = np.zeros(evidence.vocab_size, np.uint8)
        for w, i in zip(words, ids.tolist(), strict=True):
            if i >= 0:
                table[i] = codes[w]
        got = per_evidence[name] = (table, bool((ids >= 0).all()))
    return got


@dataclass(eq=False)
class DocView:
    """Word tokens of a document as aligned arrays, with lazily computed table probes.

    Index ``i`` is the ``i``-th word or number token of the document. ``link[i]`` is True
    when token ``i`` continues the chain of token ``i - 1``.
    """

    evidence: Evidence
    text: str
    sentences: Sequence[Sentence]
    surface: list[str]
    keys: list[str]
    start: np.ndarray
    end: np.ndarray
    sent: np.ndarray
    link: np.ndarray
    initial: np.ndarray
    capital: np.ndarray
    number: np.ndarray
    ids: np.ndarray
    #: Tokens of each sentence (all kinds) and its punctuation tokens, for the sentence
    #: features; None when the view was not made by :func:`build_view`.
    sent_tokens: np.ndarray | None = None
    sent_punct: np.ndarray | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.keys)

    # -- per-token facts ------------------------------------------------------------------
    @cached_property
    def link_right(self) -> np.ndarray:
        """Whether token ``i + 1`` continues the chain of token ``i``."""
        out = np.zeros(len(self), dtype=bool)
        out[:-1] = self.link[1:]
        return out

    def word_codes(self, name: str, codes: Mapping[str, int]) -> np.ndarray:
        """The code of each token's key in the word list ``codes`` (0 for a word not in it;
        uint8), read by id from a table built once per evidence base and list ``name``."""
        got = self._cache.get(("codes", name))
        if got is None:
            table, complete = _code_table(self.evidence, name, codes)
            ids = self.ids
            got = np.where(ids >= 0, table[np.maximum(ids, 0)], 0).astype(np.uint8)
            if not complete:  # a listed word has no id: unknown words are looked up by key
                for j in np.flatnonzero(ids < 0).tolist():
                    got[j] = codes.get(self.keys[j], 0)
            self._cache[("codes", name)] = got
        return got

    @cached_property
    def _classes(self) -> np.ndarray:
        """Word-list bits of each token (:data:`_FUNCTION`, :data:`_PREPOSITION`,
        :data:`_ARTICLE`)."""
        return self.word_codes("docview", _CLASS_CODES)

    @cached_property
    def function(self) -> np.ndarray:
        return (self._classes & _FUNCTION) > 0

    @cached_property
    def preposition(self) -> np.ndarray:
        return (self._classes & _PREPOSITION) > 0

    @cached_property
    def article(self) -> np.ndarray:
        return (self._classes & _ARTICLE) > 0

    @cached_property
    def alpha(self) -> np.ndarray:
        """Purely alphabetic words (no digits, hyphens or apostrophes)."""
        if len(self) and int(self.length.max()) <= _WIDE_TOKEN:
            # numpy's per-character test is Python's str.isalpha, without a call per word
            # (on a fixed-width array: a very long token would make it huge, hence the bound)
            return np.char.isalpha(np.array(self.surface))
        return np.fromiter((s.isalpha() for s in self.surface), bool, len(self))

    @cached_property
    def length(self) -> np.ndarray:
        """Characters of each token (its offsets: tokens are spans of the text)."""
        return self.end - self.start

    # -- table probes ---------------------------------------------------------------------
    @cached_property
    def unigram(self) -> np.ndarray:
        """Counts on the corpus scale (corpus or rescaled web frequency, the larger)."""
        return self.evidence.unigram_ids(self.ids)

    @cached_property
    def corpus_unigram(self) -> np.ndarray:
        return self.evidence.corpus_unigram_ids(self.ids)

    @cached_property
    def cap_ratio(self) -> np.ndarray:
        """Share of capitalised non-initial corpus occurrences (NaN if never seen so)."""
        return self.evidence.cap_ratio_ids(self.ids)

    @cached_property
    def prev1(self) -> np.ndarray:
        """Id of the linked left neighbour, -1 at a chain start."""
        out = np.full(len(self), -1, np.int64)
        out[1:] = np.where(self.link[1:], self.ids[:-1], -1)
        return out

    @cached_property
    def prev2(self) -> np.ndarray:
        out = np.full(len(self), -1, np.int64)
        out[2:] = np.where(self.link[2:] & self.link[1:-1], self.ids[:-2], -1)
        return out

    @cached_property
    def next1(self) -> np.ndarray:
        """Id of the linked right neighbour, -1 at a chain end."""
        out = np.full(len(self), -1, np.int64)
        out[:-1] = np.where(self.link[1:], self.ids[1:], -1)
        return out

    @cached_property
    def next2(self) -> np.ndarray:
        out = np.full(len(self), -1, np.int64)
        out[:-2] = np.where(self.link[1:-1] & self.link[2:], self.ids[2:], -1)
        return out

    @cached_property
    def bigram_left(self) -> np.ndarray:
        """Count of (previous word, this word); 0 at a chain start."""
        return self.evidence.bigram_ids(self.prev1, self.ids)

    @cached_property
    def bigram_right(self) -> np.ndarray:
        """Count of (this word, next word); 0 at a chain end."""
        out = np.zeros(len(self))
        out[:-1] = self.bigram_left[1:]
        return out

    @cached_property
    def trigram_mid(self) -> np.ndarray:
        """Count of (previous, this, next); 0 unless linked on both sides."""
        return self.evidence.trigram_ids(self.prev1, self.ids, self.next1)

    @cached_property
    def lm_forward(self) -> np.ndarray:
        """``ln P(w_i | two words to the left)`` (Kneser-Ney)."""
        return self.evidence.lm_triples(self.prev2, self.prev1, self.ids)

    @cached_property
    def lm_backward(self) -> np.ndarray:
        """``ln P(w_i | two words to the right)``."""
        return self.evidence.lm_triples(self.next2, self.next1, self.ids, backward=True)

    @cached_property
    def lm_unigram(self) -> np.ndarray:
        """``ln`` continuation probability of each word alone."""
        return self.evidence.lm_unigram(self.ids)

    def sentence_slices(self) -> list[slice]:
        """The token range of each sentence (empty slices for sentences without words)."""
        n = len(self.sentences)
        bounds = np.searchsorted(self.sent, np.arange(n + 1))
        return [slice(int(bounds[k]), int(bounds[k + 1])) for k in range(n)]


def build_view(evidence: Evidence, text: str, sentences: Sequence[Sentence]) -> DocView:
    """The :class:`DocView` of a segmented document."""
    surface: list[str] = []
    keys: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    link: list[bool] = []
    initial: list[bool] = []
    number: list[bool] = []
    # (the loop binds the list methods once: it runs for every token of every document)
    add_surface, add_key, add_start, add_end = (
        surface.append,
        keys.append,
        starts.append,
        ends.append,
    )
    add_link, add_initial, add_number = link.append, initial.append, number.append
    n_sent = len(sentences)
    sent_tokens = np.zeros(n_sent, np.int64)
    sent_punct = np.zeros(n_sent, np.int64)
    sent_words = np.zeros(n_sent, np.int64)
    for k, sent in enumerate(sentences):
        prev_word = False
        after_break = True
        toks = sent.tokens
        before = len(keys)
        punct = 0
        curly = "’" in sent.text  # only then can a key need its apostrophe folded
        for tok_text, tok_start, tok_end, kind in toks:
            if kind == "word":
                add_key(word_key(tok_text) if curly else tok_text.lower())
                add_number(False)
            elif kind == "number":
                add_key("<num>")
                add_number(True)
            else:
                prev_word = False
                if kind == "punct":
                    punct += 1
                if tok_text in _INITIAL_AFTER:
                    after_break = True
                continue
            add_surface(tok_text)
            add_start(tok_start)
            add_end(tok_end)
            add_link(prev_word)
            add_initial(after_break)
            after_break = False
            prev_word = True
        sent_tokens[k] = len(toks)
        sent_punct[k] = punct
        sent_words[k] = len(keys) - before
    n = len(keys)
    ids = evidence.ids(keys) if n else np.zeros(0, np.int64)
    start = np.array(starts, dtype=np.int64)
    return DocView(
        evidence,
        text,
        sentences,
        surface,
        keys,
        start,
        np.array(ends, dtype=np.int64),
        np.repeat(np.arange(n_sent, dtype=np.int64), sent_words),
        np.array(link, dtype=bool),
        np.array(initial, dtype=bool),
        first_char_is(text, start, str.isupper),
        np.array(number, dtype=bool),
        ids,
        sent_tokens,
        sent_punct,
    )
