"""The evidence base as one front object (:class:`Evidence`): vocabulary, counts, the
Kneser-Ney language model, thesaurus, names, vectors and collocates, over the tables of one
folder, memory-mapped on first use; :func:`load_evidence` loads each folder once."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mtdetect.evidence.hashing import _U, hash_keys, pack_keys
from mtdetect.evidence.tables import CountTable
from mtdetect.native import ID_BITS, core
from mtdetect.text import word_key

#: Format of the evidence folder this module reads (``meta.json`` ``format``).
FORMAT = 2


_NO_IDS = np.zeros(0, np.int64)


#: Words whose ids Evidence.ids keeps (a few MB); the cache starts over when full.
_ID_CACHE_WORDS = 50_000


#: Thesaurus link sources, one bit each in ``thesaurus_flags``.
LINK_FLAGS: dict[str, int] = {
    "oewn": 1,  # Open English WordNet synonyms (all senses) and similar adjectives
    "inflection": 2,  # a regular inflection of an OEWN link ("rights" ~ "privileges")
    "moby": 4,  # Moby thesaurus: the observed word is listed under this root
    "tortured": 8,  # aligned words of published tortured/expected phrase pairs
}


#: Gazetteer type codes (``gazetteer_type.npy``).
GAZ_TYPES: tuple[str, ...] = ("", "location", "demonym", "organization", "person", "name")


def _ragged_rows(
    offsets: np.ndarray, ids: np.ndarray, k: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """For rows ``ids`` of a table stored as ``offsets`` into a flat array: (owner index into
    ``ids``, position in the flat array) of the first ``k`` entries of each row, in order.
    Unknown ids (negative or out of range) have no entries."""
    ids = np.asarray(ids, dtype=np.int64)
    ok = (ids >= 0) & (ids + 1 < len(offsets))
    safe = np.where(ok, ids, 0)
    lo = np.where(ok, offsets[safe].astype(np.int64), 0)
    hi = np.where(ok, offsets[np.minimum(safe + 1, len(offsets) - 1)].astype(np.int64), 0)
    n = hi - lo if k is None else np.minimum(hi - lo, k)
    total = int(n.sum())
    if total == 0:
        z = np.zeros(0, np.int64)
        return z, z
    owner = np.repeat(np.arange(len(ids)), n)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(n)[:-1]]), n)
    return owner, starts + np.arange(total)


class Evidence:
    """The loaded evidence base. Build it with :func:`load_evidence`.

    Words are looked up by their n-gram key (:func:`mtdetect.text.ngram_key`: lower-cased,
    curly apostrophes straightened, numbers as ``<num>``); other spellings are normalised the
    same way. Unknown words have id -1 and count 0.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.meta: dict[str, Any] = json.loads((self.path / "meta.json").read_text("utf-8"))
        if self.meta.get("format") != FORMAT:
            raise ValueError(
                f"evidence tables in {self.path} have format {self.meta.get('format')}, "
                f"this version reads format {FORMAT}: rebuild with training.build_evidence"
            )

        def arr(name: str) -> np.ndarray:
            # A plain ndarray view of the memory map: indexing a np.memmap creates a memmap
            # object per result, which costs more than the lookup itself.
            return np.load(self.path / f"{name}.npy", mmap_mode="r").view(np.ndarray)

        self._arr_ = arr
        self._vocab_hash = arr("vocab_hash")
        self._vocab_hash_ids = arr("vocab_hash_ids")
        self._uni_corpus = arr("unigram_corpus")
        self._uni_web = arr("unigram_web")
        self._cap = arr("cap_ratio")
        self._thes_off = arr("thesaurus_offsets")
        self._thes_ids = arr("thesaurus_ids")
        tables = self.meta["tables"]
        self._bigrams = CountTable(arr("bigram"), **tables["bigram"]["params"])
        self._trigrams = CountTable(arr("trigram"), **tables["trigram"]["params"])
        #: Weighted corpus tokens (words and numbers) counted: the base of relative frequencies.
        self.total_words: float = float(self.meta["total_words"])
        kn = self.meta["kn"]
        self._d2 = float(kn["d2"])
        self._d3 = float(kn["d3"])
        self._n_bigram_types = float(kn["bigram_types"])
        self._lazy: dict[str, np.ndarray] = {}
        self._p1_norm: dict[str, float] = {}
        self._lazy_tables: tuple | None = None
        self._unit_cache: np.ndarray | None = None
        self._blob: np.ndarray | None = None
        # Ids of words seen lately: a word of running text has nearly always been seen in an
        # earlier document, and a dict lookup costs less than hashing it and a binary search
        # through the vocabulary (about 135 us per document, mostly cache misses).
        self._id_cache: dict[str, int] = {}
        #: Id of the number token ``<num>`` (-1 if absent): never a candidate word.
        self.num_id: int = int(self.ids(["<num>"])[0])

    @property
    def thesaurus_offsets(self) -> np.ndarray:
        """Row offsets of the thesaurus (uint32, one row per word id, plus the end): word
        ``i``'s neighbours are ``thesaurus_ids[thesaurus_offsets[i]:thesaurus_offsets[i + 1]]``."""
        return self._thes_off

    @property
    def thesaurus_ids(self) -> np.ndarray:
        """The thesaurus neighbours' word ids, row after row (see :attr:`thesaurus_offsets`)."""
        return self._thes_ids

    def table(self, name: str) -> np.ndarray:
        """The table ``name`` of the evidence folder (``name.npy``), memory-mapped on first use;
        empty if the build did not write it (e.g. ``thesaurus_flags`` of older builds)."""
        return self._arr(name)

    def _arr(self, name: str) -> np.ndarray:
        """A table memory-mapped on first use (empty if the build did not write it)."""
        a = self._lazy.get(name)
        if a is None:
            p = self.path / f"{name}.npy"
            a = self._arr_(name) if p.exists() else np.zeros(0, dtype=np.uint32)
            self._lazy[name] = a
        return a

    # -- vocabulary -----------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        """Number of words with an id."""
        return len(self._uni_corpus)

    def ids(self, words: Sequence[str]) -> np.ndarray:
        """Ids (int64 array, -1 for unknown) of a sequence of n-gram keys, in one batch."""
        if not len(words):
            return np.zeros(0, dtype=np.int64)
        cache = self._id_cache
        out = list(map(cache.get, words))  # None where the word is not cached yet
        missing = [i for i, v in enumerate(out) if v is None] if None in out else []
        if missing:
            found = self.ids_of_hashes(hash_keys([words[i] for i in missing])).tolist()
            if len(cache) + len(missing) > _ID_CACHE_WORDS:
                cache.clear()
            for i, v in zip(missing, found, strict=True):
                out[i] = cache[words[i]] = v
        return np.array(out, dtype=np.int64)

    def ids_of_hashes(self, hashes: np.ndarray) -> np.ndarray:
        """Ids (int64, -1 for unknown) of words given by their :func:`hash_keys` hashes."""
        table = self._vocab_hash
        if not len(table):
            return np.full(len(hashes), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(table, hashes), len(table) - 1)
        hit = table[pos] == hashes
        return np.where(hit, self._vocab_hash_ids[pos].astype(np.int64), -1)

    def word(self, word_id: int) -> str:
        """The word (n-gram key) with this id."""
        if not 0 <= word_id < self.vocab_size:
            raise IndexError(f"no word with id {word_id}")
        if self._blob is None:
            self._blob = np.fromfile(self.path / "vocab_blob.bin", dtype=np.uint8)
        off = self._arr("vocab_offsets")
        lo, hi = int(off[word_id]), int(off[word_id + 1])
        return self._blob[lo:hi].tobytes().decode("utf-8", "surrogatepass")

    # -- unigrams -------------------------------------------------------------------------

    def unigram_ids(self, ids: np.ndarray) -> np.ndarray:
        """Count of each word id: ``max(corpus count, web frequency rescaled to the corpus)`` (-1
        gives 0.0)."""
        ids = np.asarray(ids, dtype=np.int64)
        ok = ids >= 0
        safe = np.where(ok, ids, 0)
        web = self._uni_web[safe].astype(np.float64) * (self.total_words / 1e9)
        val = np.maximum(self._uni_corpus[safe].astype(np.float64), web)
        return np.where(ok, val, 0.0)

    def corpus_unigram_ids(self, ids: np.ndarray) -> np.ndarray:
        """Weighted training-corpus counts of ids (no web data; 0.0 for -1)."""
        ids = np.asarray(ids, dtype=np.int64)
        return np.where(ids >= 0, self._uni_corpus[np.maximum(ids, 0)].astype(np.float64), 0.0)

    def web_ids(self, ids: np.ndarray) -> np.ndarray:
        """Web frequencies per billion words (wordfreq) of ids (0.0 for -1)."""
        ids = np.asarray(ids, dtype=np.int64)
        return np.where(ids >= 0, self._uni_web[np.maximum(ids, 0)].astype(np.float64), 0.0)

    def cap_ratio_ids(self, ids: np.ndarray) -> np.ndarray:
        """Share of each word's non-sentence-initial corpus occurrences that were capitalised (NaN
        for unknown ids or words never seen in such a position)."""
        ids = np.asarray(ids, dtype=np.int64)
        ok = ids >= 0
        return np.where(ok, self._cap[np.where(ok, ids, 0)].astype(np.float64), np.nan)

    # -- n-grams --------------------------------------------------------------------------

    def bigram_ids(self, ids1: np.ndarray, ids2: np.ndarray) -> np.ndarray:
        """Weighted counts of the bigrams of aligned id arrays; any id < 0 gives 0.0."""
        return self._ngram_ids(self._bigrams, ids1, ids2)

    def trigram_ids(self, ids1: np.ndarray, ids2: np.ndarray, ids3: np.ndarray) -> np.ndarray:
        """Weighted counts of the trigrams of aligned id arrays; any id < 0 gives 0.0."""
        return self._ngram_ids(self._trigrams, ids1, ids2, ids3)

    @staticmethod
    def _ngram_ids(table: CountTable, *ids: np.ndarray) -> np.ndarray:
        arrays = [np.asarray(a, dtype=np.int64) for a in ids]
        fast = core()
        n = len(arrays[0]) if arrays[0].ndim == 1 else -1
        if fast is not None and n > 0 and all(a.shape == (n,) for a in arrays):
            # One pass: the negative check, the packing and the probe (same counts).
            out = np.empty(n)
            c = np.ascontiguousarray
            third = c(arrays[2]) if len(arrays) == 3 else _NO_IDS
            fast.ngram_counts(table._flat, table.n_buckets, table.seed, table._lut,
                              c(arrays[0]), c(arrays[1]), third, out)  # fmt: skip
            return out
        low = arrays[0]
        for a in arrays[1:]:
            low = np.minimum(low, a)
        ok = low >= 0
        if ok.all():  # the common case: skip the masking copies
            return table.lookup(pack_keys(*arrays))
        out = table.lookup(pack_keys(*[np.where(ok, a, 0) for a in arrays]))
        out[~ok] = 0.0
        return out

    def _bigram_full(self, ids1: np.ndarray, ids2: np.ndarray):
        """(count, right fan-out, left fan-out) of aligned bigrams; zeros where absent."""
        a = np.asarray(ids1, dtype=np.int64)
        b = np.asarray(ids2, dtype=np.int64)
        ok = (a >= 0) & (b >= 0)
        slot = self._bigrams.slots_of(pack_keys(np.where(ok, a, 0), np.where(ok, b, 0)))
        slot = np.where(ok, slot, -1)
        have = slot >= 0
        s = np.maximum(slot, 0)
        t = self._bigrams
        count = np.where(have, t.decode(t._flat[s] & np.uint32(0xFF)), 0.0)
        right = np.where(have, t.decode(self._arr("bigram_fanout_right")[s]), 0.0)
        left = np.where(have, t.decode(self._arr("bigram_fanout_left")[s]), 0.0)
        return count, right, left

    # -- language model -------------------------------------------------------------------
    def _kn_word(self, name: str, ids: np.ndarray) -> np.ndarray:
        a = self._arr(name)
        return np.where(ids >= 0, a[np.maximum(ids, 0)].astype(np.float64), 0.0)

    def kn_tables(self) -> tuple:
        """The language model's tables as the compiled core takes them (built once)."""
        t = self._lazy_tables
        if t is None:
            big, tri = self._bigrams, self._trigrams
            t = self._lazy_tables = (
                big._flat,
                big.n_buckets,
                big.seed,
                self._arr("bigram_fanout_right"),
                self._arr("bigram_fanout_left"),
                tri._flat,
                tri.n_buckets,
                tri.seed,
                big._lut,
                self._arr("kn_left"),
                self._arr("kn_right"),
                self._arr("kn_mid"),
                self._arr("kn_mid_left"),
                self._arr("kn_mid_right"),
                self._d2,
                self._d3,
                self._p1_normaliser("kn_left"),
                self._p1_normaliser("kn_right"),
            )
        return t

    def _p1_normaliser(self, name: str) -> float:
        norm = self._p1_norm.get(name)
        if norm is None:
            zero = np.count_nonzero(np.asarray(self._arr(name)) == 0)
            norm = self._p1_norm[name] = max(self._n_bigram_types, 1.0) + 0.5 * zero
        return norm

    def _p_continuation(self, name: str, ids: np.ndarray) -> np.ndarray:
        """Lowest-order KN probability: continuation count over all bigram types; a word
        never seen in a bigram (or unknown) counts half a type, so the vocabulary sums to 1."""
        return np.maximum(self._kn_word(name, ids), 0.5) / self._p1_normaliser(name)

    def lm_triples(
        self, c2: np.ndarray, c1: np.ndarray, w: np.ndarray, *, backward: bool = False
    ) -> np.ndarray:
        """Interpolated Kneser-Ney ``ln P(w | c2 c1)`` for aligned id arrays.

        Forward, ``c2 c1`` are the two words before ``w``; with ``backward=True`` they are
        the two words after it (``w c1 c2``) and the model predicts a word from its right.
        A negative context id (unknown word or chain break) drops that context and what lies
        beyond it; an unknown ``w`` gets the floor probability of an unseen word.
        """
        w = np.asarray(w, dtype=np.int64)
        c1 = np.asarray(c1, dtype=np.int64)
        c2 = np.where(c1 >= 0, np.asarray(c2, dtype=np.int64), -1)
        if len(w) > 64 and core() is None:
            # Candidate searches repeat many triples: compute each distinct one once (the
            # compiled core computes a triple faster than numpy finds the distinct ones).
            key = (
                (np.maximum(c2 + 1, 0).astype(np.uint64) << _U(2 * ID_BITS))
                | (np.maximum(c1 + 1, 0).astype(np.uint64) << _U(ID_BITS))
                | np.maximum(w + 1, 0).astype(np.uint64)
            )
            uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
            if len(uniq) < 0.8 * len(w):
                return self._lm_distinct(c2[first], c1[first], w[first], backward)[inv]
        return self._lm_distinct(c2, c1, w, backward)

    def _lm_distinct(
        self, c2: np.ndarray, c1: np.ndarray, w: np.ndarray, backward: bool
    ) -> np.ndarray:
        fast = core()
        if fast is not None:
            out = np.empty(len(w), dtype=np.float64)
            fast.kn_triples(
                self.kn_tables(),
                np.ascontiguousarray(c2, dtype=np.int64),
                np.ascontiguousarray(c1, dtype=np.int64),
                np.ascontiguousarray(w, dtype=np.int64),
                backward,
                out,
            )
            return out
        n = len(w)
        d2, d3 = self._d2, self._d3
        p1 = self._p_continuation("kn_right" if backward else "kn_left", w)
        # One slot lookup for both bigrams: (c1, w) for the bigram level, (c2, c1) (forward)
        # or (c1, c2) (backward) for the trigram context.
        if backward:
            a = np.concatenate([w, c1])
            b = np.concatenate([c1, c2])
        else:
            a = np.concatenate([c1, c2])
            b = np.concatenate([w, c1])
        count, right, left = self._bigram_full(a, b)
        mid = self._kn_word("kn_mid", c1)
        if backward:
            fan = right[:n]  # N1+(w c1 .)
            other = self._kn_word("kn_mid_left", c1)  # |{w: N1+(w c1 .) > 0}|
            ctx, fan3 = count[n:], left[n:]  # count(c1 c2), N1+(. c1 c2)
            c3 = self.trigram_ids(w, c1, c2)
        else:
            fan = left[:n]  # N1+(. c1 w)
            other = self._kn_word("kn_mid_right", c1)  # |{w: N1+(. c1 w) > 0}|
            ctx, fan3 = count[n:], right[n:]  # count(c2 c1), N1+(c2 c1 .)
            c3 = self.trigram_ids(c2, c1, w)
        ok2 = (c1 >= 0) & (mid > 0)
        safe_mid = np.where(ok2, mid, 1.0)
        p2 = np.where(ok2, np.maximum(fan - d2, 0.0) / safe_mid + d2 * other / safe_mid * p1, p1)
        ok3 = (c2 >= 0) & (ctx > 0)
        safe_ctx = np.where(ok3, ctx, 1.0)
        p3 = np.where(ok3, np.maximum(c3 - d3, 0.0) / safe_ctx + d3 * fan3 / safe_ctx * p2, p2)
        return np.log(np.clip(p3, 1e-12, 1.0))

    def lm_forward(self, ids: np.ndarray, link: np.ndarray) -> np.ndarray:
        """``ln P(w_i | w_{i-2} w_{i-1})`` for a word sequence; ``link[i]`` says whether word
        ``i`` continues the chain of word ``i-1`` (no punctuation between them)."""
        ids = np.asarray(ids, dtype=np.int64)
        link = np.asarray(link, dtype=bool)
        c1 = np.full(len(ids), -1, np.int64)
        c2 = np.full(len(ids), -1, np.int64)
        c1[1:] = np.where(link[1:], ids[:-1], -1)
        c2[2:] = np.where(link[2:] & link[1:-1], ids[:-2], -1)
        return self.lm_triples(c2, c1, ids)

    def lm_backward(self, ids: np.ndarray, link: np.ndarray) -> np.ndarray:
        """``ln P(w_i | w_{i+1} w_{i+2})``: the same model read from the right."""
        ids = np.asarray(ids, dtype=np.int64)
        link = np.asarray(link, dtype=bool)
        c1 = np.full(len(ids), -1, np.int64)
        c2 = np.full(len(ids), -1, np.int64)
        c1[:-1] = np.where(link[1:], ids[1:], -1)
        c2[:-2] = np.where(link[1:-1] & link[2:], ids[2:], -1)
        return self.lm_triples(c2, c1, ids, backward=True)

    def lm_unigram(self, ids: np.ndarray) -> np.ndarray:
        """``ln`` of the Kneser-Ney continuation probability of each word (no context)."""
        return np.log(self._p_continuation("kn_left", np.asarray(ids, dtype=np.int64)))

    # -- lexicon --------------------------------------------------------------------------
    def neighbour_ids(self, word_id: int) -> np.ndarray:
        """Ids of the thesaurus neighbours of a word id (empty for -1), most frequent first."""
        if word_id < 0 or word_id + 1 >= len(self._thes_off):
            return np.zeros(0, dtype=np.int64)
        lo, hi = int(self._thes_off[word_id]), int(self._thes_off[word_id + 1])
        return np.asarray(self._thes_ids[lo:hi], dtype=np.int64)

    def neighbour_flags(self, word_id: int) -> np.ndarray:
        """:data:`LINK_FLAGS` bits of each neighbour of :meth:`neighbour_ids`."""
        if word_id < 0 or word_id + 1 >= len(self._thes_off):
            return np.zeros(0, dtype=np.uint8)
        lo, hi = int(self._thes_off[word_id]), int(self._thes_off[word_id + 1])
        return np.asarray(self._arr("thesaurus_flags")[lo:hi], dtype=np.uint8)

    def neighbours_batch(
        self, ids: np.ndarray, k: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All (owner index, neighbour id, flags) for an array of ids, at most ``k`` each.

        ``owner`` indexes into ``ids``; neighbours come most frequent first per owner.
        """
        owner, pos = _ragged_rows(self._thes_off, ids, k)
        if not len(pos):
            return owner, owner, np.zeros(0, np.uint8)
        flags = self._arr("thesaurus_flags")
        return (
            owner,
            np.asarray(self._thes_ids[pos], dtype=np.int64),
            np.asarray(flags[pos], dtype=np.uint8) if len(flags) else np.zeros(len(pos), np.uint8),
        )

    def gazetteer_types(self, phrases: Sequence[str]) -> list[str | None]:
        """Name type of each (lower-cased, space-joined) word or phrase, or None.

        Types: ``location``, ``demonym``, ``organization``, ``person``, ``name`` (another
        proper name).
        """
        table = self._arr("gazetteer_hash")
        if not len(table) or not len(phrases):
            return [None] * len(phrases)
        h = hash_keys([word_key(p) for p in phrases])
        pos = np.minimum(np.searchsorted(table, h), len(table) - 1)
        codes = np.where(table[pos] == h, self._arr("gazetteer_type")[pos], 0)
        return [GAZ_TYPES[int(c)] or None for c in codes]

    # -- word vectors ---------------------------------------------------------------------
    def vector_rows(self, ids: np.ndarray) -> np.ndarray:
        """Vector row of each id, -1 for ids without a vector."""
        ids = np.asarray(ids, dtype=np.int64)
        vid = self._arr("vector_ids")
        if len(vid) == 0:
            return np.full(ids.shape, -1, dtype=np.int64)
        # Keys of the table's own type (word ids fit): int64 keys would convert the table.
        keys = np.maximum(ids, 0).astype(vid.dtype)
        pos = np.minimum(np.searchsorted(vid, keys), len(vid) - 1)
        return np.where((ids >= 0) & (vid[pos] == ids), pos, -1)

    @property
    def unit_vectors(self) -> np.ndarray:
        """All vectors as unit-length float32 rows (built on first use)."""
        if self._unit_cache is None:
            self._unit_cache = self._unit_rows(slice(None))
        return self._unit_cache

    def _raw_vectors(self) -> np.ndarray:
        """The stored vectors (int8 rows), 2-d (no rows if the base has none)."""
        v = self._arr("vectors")
        return v if v.ndim == 2 else v.reshape(0, 1)

    def _unit_rows(self, rows: np.ndarray | slice) -> np.ndarray:
        """The unit vectors of the given table rows (float32), without making the whole
        table (24 MB, 40 ms at the first document) unless ``rows`` asks for it."""
        v = np.asarray(self._raw_vectors()[rows], dtype=np.float32)
        norm = np.linalg.norm(v, axis=-1, keepdims=True)
        return v / np.where(norm > 0, norm, 1.0)

    @property
    def vector_dims(self) -> int:
        """Dimensions of the word vectors (0 if the base has none)."""
        v = self._raw_vectors()
        return int(v.shape[1]) if len(v) else 0

    def vector_ids(self, ids: np.ndarray) -> np.ndarray:
        """Unit word vectors (float32, one row per id); zeros for ids without a vector."""
        ids = np.asarray(ids, dtype=np.int64)
        if not self.vector_dims:
            return np.zeros((*ids.shape, 1), dtype=np.float32)
        rows = self.vector_rows(ids)
        out = self._unit_rows(np.maximum(rows, 0))
        out[rows < 0] = 0.0
        return out

    def similarity_ids(self, ids1: np.ndarray, ids2: np.ndarray) -> np.ndarray:
        """Cosine similarity of aligned id arrays; 0.0 where either has no vector."""
        v1, v2 = self.vector_ids(ids1), self.vector_ids(ids2)
        return np.einsum("...d,...d->...", v1, v2).astype(np.float64)

    # -- collocates -----------------------------------------------------------------------
    def _csr(self, name: str, word_id: int, k: int | None) -> np.ndarray:
        off = self._arr(f"{name}_offsets")
        if word_id < 0 or word_id + 1 >= len(off):
            return np.zeros(0, dtype=np.int64)
        lo, hi = int(off[word_id]), int(off[word_id + 1])
        if k is not None:
            hi = min(hi, lo + max(0, k))
        return np.asarray(self._arr(f"{name}_ids")[lo:hi], dtype=np.int64)

    def collocates_batch(self, name: str, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(owner index, collocate id) of the first ``k`` ``name`` (``successor`` or
        ``predecessor``) collocates of every id, in list order per owner."""
        owner, pos = _ragged_rows(self._arr(f"{name}_offsets"), ids, k)
        if not len(pos):
            return owner, owner
        return owner, np.asarray(self._arr(f"{name}_ids")[pos], dtype=np.int64)

    def successor_ids(self, word_id: int, k: int | None = None) -> np.ndarray:
        """Ids of the top right collocates ``x`` of ``word_id`` (``w x``), best first.

        Ranked by local mutual information ``count * log(count * N / (f_w * f_x))`` over the
        bigram counts; only the most frequent words (see ``describe()``) have lists.
        """
        return self._csr("successor", word_id, k)

    def predecessor_ids(self, word_id: int, k: int | None = None) -> np.ndarray:
        """Ids of the top left collocates ``x`` of ``word_id`` (``x w``), best first."""
        return self._csr("predecessor", word_id, k)

    # -- compounds ------------------------------------------------------------------------
    def compound_ids(self, ids1: np.ndarray, ids2: np.ndarray) -> np.ndarray:
        """Whether each aligned pair of ids is an OEWN two-word lemma (bool array)."""
        a = np.asarray(ids1, dtype=np.int64)
        b = np.asarray(ids2, dtype=np.int64)
        table = self._arr("compounds")
        ok = (a >= 0) & (b >= 0)
        if not len(table):
            return np.zeros(np.broadcast(a, b).shape, dtype=bool)
        keys = pack_keys(np.where(ok, a, 0), np.where(ok, b, 0))
        pos = np.minimum(np.searchsorted(table, keys), len(table) - 1)
        return ok & (table[pos] == keys)

    # -- summary --------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """Table sizes, sources and licences (for ``mtdetect info``)."""
        files = {p.name: p.stat().st_size for p in sorted(self.path.iterdir()) if p.is_file()}
        return {
            "path": str(self.path),
            "built": self.meta.get("built"),
            "vocab_size": self.vocab_size,
            "total_words": self.total_words,
            "bigrams": self.meta["tables"]["bigram"]["entries"],
            "trigrams": self.meta["tables"]["trigram"]["entries"],
            "thesaurus_links": int(self._thes_ids.shape[0]),
            "gazetteer_entries": self.meta.get("gazetteer_entries"),
            "vectors": self.meta.get("vectors"),
            "collocates": self.meta.get("collocates"),
            "compounds": self.meta.get("compounds"),
            "bytes_on_disk": sum(files.values()),
            "files": files,
            "sources": self.meta.get("sources", {}),
            "licences": self.meta.get("licences", {}),
        }


_CACHE: dict[Path, Evidence] = {}


_LOCK = threading.Lock()


def default_path() -> Path:
    """The packaged evidence folder."""
    return Path(__file__).resolve().parent.parent / "data" / "evidence"


def load_evidence(path: str | Path | None = None) -> Evidence:
    """Load (once per path, then cached) the evidence base at ``path`` or the packaged one."""
    p = Path(path).resolve() if path is not None else default_path()
    with _LOCK:
        ev = _CACHE.get(p)
        if ev is None:
            ev = _CACHE[p] = Evidence(p)
    return ev
