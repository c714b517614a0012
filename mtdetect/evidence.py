"""Run-time access to the evidence base: word, n-gram, thesaurus and name tables.

The tables are built by ``python -m training.build_evidence`` into ``mtdetect/data/evidence``
(see ``PROVENANCE.md`` there). Importing this module loads nothing; :func:`load_evidence`
memory-maps the arrays and reads the vocabulary once, then caches the :class:`Evidence`.

Counts and scales
    Every count is on the *corpus scale*: weighted occurrences in the training split of the
    clean corpora (about 37 M words, see :attr:`Evidence.total_words`). Web frequencies
    (wordfreq, wordsegment) are stored per billion words and, where a table merges them,
    rescaled to the corpus size; a merged count is ``max(corpus, web)``, so a web source fills
    gaps of the news/encyclopedia corpora without counting the same usage twice.

N-gram tables
    Bigrams and trigrams live in static bucketed cuckoo hash tables (:class:`CountTable`):
    4-slot buckets, two candidate buckets per key, each slot a ``uint32`` holding a 24-bit key
    fingerprint and an 8-bit log-scale count. A lookup reads two buckets, whatever the table
    size; a key that is absent can falsely match at most 8 fingerprints, so the false-hit rate
    is below ``8 / 2**24`` (about 5e-7).

Distributional tables (memory-mapped on first use)
    Word vectors (PPMI + truncated SVD of windowed co-occurrence counts, int8 rows compared by
    cosine) for the most frequent alphabetic words; top right/left collocates of the most
    frequent words (CSR, ranked by local mutual information); OEWN two-word lemmas as sorted
    packed bigram keys.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ID_BITS", "CountTable", "Evidence", "load_evidence", "pack_keys"]

#: Word ids are packed ``ID_BITS`` apiece into 64-bit n-gram keys (three fit in 63 bits).
ID_BITS = 21
_ID_MASK = (1 << ID_BITS) - 1
_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB
_ALT = 0xD6E8FEB86659FD93  # perturbs the second bucket's hash
_BUCKET = 4

_U = np.uint64
#: Batches up to this size are looked up key by key (same results, less overhead).
_SCALAR_MAX = 12


def pack_keys(*ids: np.ndarray) -> np.ndarray:
    """Pack aligned arrays of word ids (each ``< 2**ID_BITS``) into one uint64 key each."""
    key = np.asarray(ids[0], dtype=np.uint64)
    for part in ids[1:]:
        key = (key << _U(ID_BITS)) | np.asarray(part, dtype=np.uint64)
    return key


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on a uint64 array (wrapping arithmetic)."""
    z = x + _U(_GOLDEN)
    z = (z ^ (z >> _U(30))) * _U(_C1)
    z = (z ^ (z >> _U(27))) * _U(_C2)
    return z ^ (z >> _U(31))


def _mix_int(x: int) -> int:
    """:func:`_mix` for one Python int (the scalar lookup path)."""
    z = (x + _GOLDEN) & _M64
    z = ((z ^ (z >> 30)) * _C1) & _M64
    z = ((z ^ (z >> 27)) * _C2) & _M64
    return z ^ (z >> 31)


def _locate(keys: np.ndarray, seed: int, n_buckets: int):
    """(fingerprint << 8, bucket 1, bucket 2) for uint64 keys.

    Buckets come from the two 32-bit halves of one splitmix64 hash (multiply-shift range
    reduction, cheaper than a modulo); the fingerprint from an independent multiplicative
    hash of the key.
    """
    with np.errstate(over="ignore"):
        k = keys ^ _U(seed)
        h = _mix(k)
        nb = _U(n_buckets)
        b1 = ((h & _U(0xFFFFFFFF)) * nb) >> _U(32)
        b2 = ((h >> _U(32)) * nb) >> _U(32)
        fp = ((k * _U(_ALT)) >> _U(40)).astype(np.uint32)
    fp |= (fp == 0).astype(np.uint32)  # 0 marks an empty slot
    b1 = b1.astype(np.int64)
    b2 = b2.astype(np.int64)
    same = b1 == b2
    if same.any():
        b2[same] = (b1[same] + 1) % n_buckets
    return fp << np.uint32(8), b1, b2


def _locate_int(key: int, seed: int, n_buckets: int) -> tuple[int, int, int]:
    k = key ^ seed
    h = _mix_int(k)
    fp = ((k * _ALT) & _M64) >> 40 or 1
    b1 = ((h & 0xFFFFFFFF) * n_buckets) >> 32
    b2 = ((h >> 32) * n_buckets) >> 32
    if b2 == b1:
        b2 = (b1 + 1) % n_buckets
    return fp, b1, b2


class CountTable:
    """A static hash table from uint64 keys to approximate counts.

    Counts are quantised on a log scale: code ``q`` in 1..255 stands for
    ``base * 2 ** ((q - 1) / scale)``; absent keys read as 0.0.
    """

    def __init__(self, slots: np.ndarray, seed: int, scale: float, base: float) -> None:
        self.slots = slots.reshape(-1, _BUCKET)
        self._flat = slots.reshape(-1)
        self.seed = int(seed)
        self.scale = float(scale)
        self.base = float(base)
        self.n_buckets = int(self.slots.shape[0])
        lut = base * np.power(2.0, (np.arange(256) - 1) / scale)
        lut[0] = 0.0
        self._lut = lut
        self._lut_list = lut.tolist()

    # -- building -------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        keys: np.ndarray,
        counts: np.ndarray,
        *,
        seed: int,
        scale: float = 12.0,
        base: float = 0.5,
        load: float = 0.9,
        rng_seed: int = 0,
    ) -> CountTable:
        """Build a table for distinct ``keys`` with positive ``counts``."""
        keys = np.asarray(keys, dtype=np.uint64)
        counts = np.asarray(counts, dtype=np.float64)
        n = len(keys)
        n_buckets = max(1, math.ceil(n / (_BUCKET * load)))
        q = np.clip(np.rint(scale * np.log2(np.maximum(counts, 1e-300) / base)) + 1, 1, 255)
        fp, b1, b2 = _locate(keys, seed, n_buckets)
        value = fp | q.astype(np.uint32)
        slots = np.zeros((n_buckets, _BUCKET), dtype=np.uint32)
        owner = np.full((n_buckets, _BUCKET), -1, dtype=np.int64)
        fill = np.zeros(n_buckets, dtype=np.int64)
        pending = np.arange(n)
        # Vectorised greedy passes (first choice, then second); the rest by cuckoo eviction.
        for choice in (b1, b2):
            if not len(pending):
                break
            bk = choice[pending]
            order = np.argsort(bk, kind="stable")
            sb, sp = bk[order], pending[order]
            new_group = np.ones(len(sb), dtype=bool)
            new_group[1:] = sb[1:] != sb[:-1]
            group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(sb)), 0))
            pos = fill[sb] + (np.arange(len(sb)) - group_start)
            ok = pos < _BUCKET
            slots[sb[ok], pos[ok]] = value[sp[ok]]
            owner[sb[ok], pos[ok]] = sp[ok]
            np.add.at(fill, sb[ok], 1)
            pending = sp[~ok]
        if len(pending):
            cls._evict_insert(pending, b1, b2, value, slots, owner, fill, rng_seed)
        return cls(slots.reshape(-1), seed, scale, base)

    @staticmethod
    def _evict_insert(pending, b1, b2, value, slots, owner, fill, rng_seed) -> None:
        rng = np.random.default_rng(rng_seed)
        flat_s = slots.reshape(-1)
        flat_o = owner.reshape(-1)
        for start in pending.tolist():
            cur, bucket = start, int(b2[start])
            for _ in range(5000):
                for b in (int(b1[cur]), int(b2[cur])):
                    if fill[b] < _BUCKET:
                        i = b * _BUCKET + int(fill[b])
                        flat_s[i], flat_o[i] = value[cur], cur
                        fill[b] += 1
                        break
                else:
                    i = bucket * _BUCKET + int(rng.integers(_BUCKET))
                    victim = int(flat_o[i])
                    flat_s[i], flat_o[i] = value[cur], cur
                    cur = victim
                    bucket = int(b2[cur]) if int(b1[cur]) == bucket else int(b1[cur])
                    continue
                break
            else:
                raise RuntimeError("cuckoo insertion failed: lower the load factor")

    # -- lookups --------------------------------------------------------------------------
    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Counts (float64) for an array of uint64 keys; 0.0 where absent."""
        keys = np.asarray(keys, dtype=np.uint64)
        if keys.size == 0:
            return np.zeros(keys.shape, dtype=np.float64)
        if keys.size <= _SCALAR_MAX:
            # Tiny batches: a dozen numpy calls cost more than the pure-Python path.
            get = self.get
            return np.array([get(k) for k in keys.ravel().tolist()]).reshape(keys.shape)
        fp, b1, b2 = _locate(keys.reshape(-1), self.seed, self.n_buckets)
        fpc = fp[:, None]
        # XOR with the shifted fingerprint: a matching slot leaves only its count code (< 256).
        d1 = (np.take(self.slots, b1, axis=0) ^ fpc).min(axis=1)
        d2 = (np.take(self.slots, b2, axis=0) ^ fpc).min(axis=1)
        q = np.maximum(np.where(d1 < 256, d1, 0), np.where(d2 < 256, d2, 0))
        return self._lut[q].reshape(keys.shape)

    def get(self, key: int) -> float:
        """Count for one key (pure-Python path, no array overhead)."""
        fp, b1, b2 = _locate_int(key, self.seed, self.n_buckets)
        flat = self._flat
        for b in (b1, b2):
            for v in flat[b * _BUCKET : b * _BUCKET + _BUCKET].tolist():
                if v >> 8 == fp:
                    return self._lut_list[v & 0xFF]
        return 0.0

    def __len__(self) -> int:
        return int(np.count_nonzero(self._flat))


class Evidence:
    """The loaded evidence base. Build it with :func:`load_evidence`.

    Words are looked up by their n-gram key (:func:`mtdetect.text.ngram_key`: lower-cased,
    curly apostrophes straightened, numbers as ``<num>``); other spellings are normalised the
    same way. Unknown words have id -1 and count 0.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.meta: dict[str, Any] = json.loads((self.path / "meta.json").read_text("utf-8"))
        words = (self.path / "vocab.txt").read_text("utf-8").split("\n")
        self._words: list[str] = words
        self._vocab: dict[str, int] = dict(zip(words, range(len(words)), strict=True))

        def arr(name: str) -> np.ndarray:
            # A plain ndarray view of the memory map: indexing a np.memmap creates a memmap
            # object per result, which costs more than the lookup itself.
            return np.load(self.path / f"{name}.npy", mmap_mode="r").view(np.ndarray)

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
        self._web_scale = self.total_words / 1e9
        self._gazetteer_cache: dict[str, str] | None = None  # read on first use
        self._lazy: dict[str, np.ndarray] = {}
        self._unit_cache: np.ndarray | None = None

    def _arr(self, name: str) -> np.ndarray:
        """A table memory-mapped on first use (empty if the build did not write it)."""
        a = self._lazy.get(name)
        if a is None:
            p = self.path / f"{name}.npy"
            a = np.load(p, mmap_mode="r") if p.exists() else np.zeros(0, dtype=np.uint32)
            self._lazy[name] = a
        return a

    # -- vocabulary -----------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        """Number of words with an id."""
        return len(self._words)

    def word_id(self, word: str) -> int:
        """Id of ``word`` (an n-gram key or a raw word), or -1 if unknown."""
        i = self._vocab.get(word)
        if i is None:
            i = self._vocab.get(word.lower().replace("’", "'"), -1)
        return i

    def word(self, word_id: int) -> str:
        """The word (n-gram key) with this id."""
        return self._words[word_id]

    def ids(self, words: Sequence[str]) -> np.ndarray:
        """Ids (int64 array, -1 for unknown) of a sequence of words."""
        get = self.word_id
        return np.fromiter((get(w) for w in words), dtype=np.int64, count=len(words))

    # -- unigrams -------------------------------------------------------------------------
    def unigram(self, word: str) -> float:
        """Count of ``word``: ``max(corpus count, web frequency rescaled to the corpus)``."""
        i = self.word_id(word)
        if i < 0:
            return 0.0
        return max(float(self._uni_corpus[i]), float(self._uni_web[i]) * self._web_scale)

    def unigram_ids(self, ids: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`unigram` over an array of ids (-1 gives 0.0)."""
        ids = np.asarray(ids, dtype=np.int64)
        ok = ids >= 0
        safe = np.where(ok, ids, 0)
        val = np.maximum(self._uni_corpus[safe], self._uni_web[safe] * self._web_scale)
        return np.where(ok, val, 0.0)

    def corpus_unigram(self, word: str) -> float:
        """Weighted count of ``word`` in the training corpora only (no web data)."""
        i = self.word_id(word)
        return float(self._uni_corpus[i]) if i >= 0 else 0.0

    def web_frequency(self, word: str) -> float:
        """Web frequency of ``word`` per billion words (wordfreq, else wordsegment), or 0."""
        i = self.word_id(word)
        return float(self._uni_web[i]) if i >= 0 else 0.0

    def cap_ratio(self, word: str) -> float:
        """Share of non-sentence-initial corpus occurrences that were capitalised.

        Near 1 for names and demonyms ("Kenyan"), near 0 for common words; NaN when the
        word was never seen in a non-initial position.
        """
        i = self.word_id(word)
        return float(self._cap[i]) if i >= 0 else math.nan

    def cap_ratio_ids(self, ids: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`cap_ratio` (NaN for unknown ids)."""
        ids = np.asarray(ids, dtype=np.int64)
        ok = ids >= 0
        return np.where(ok, self._cap[np.where(ok, ids, 0)].astype(np.float64), np.nan)

    # -- n-grams --------------------------------------------------------------------------
    def bigram(self, w1: str, w2: str) -> float:
        """Count of the bigram ``w1 w2`` (corpus, merged with rescaled web bigrams)."""
        a, b = self.word_id(w1), self.word_id(w2)
        if a < 0 or b < 0:
            return 0.0
        return self._bigrams.get((a << ID_BITS) | b)

    def trigram(self, w1: str, w2: str, w3: str) -> float:
        """Count of the trigram ``w1 w2 w3`` in the corpora (and OEWN glosses)."""
        a, b, c = self.word_id(w1), self.word_id(w2), self.word_id(w3)
        if a < 0 or b < 0 or c < 0:
            return 0.0
        return self._trigrams.get((((a << ID_BITS) | b) << ID_BITS) | c)

    def bigram_ids(self, ids1: np.ndarray, ids2: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`bigram` over aligned id arrays; any id < 0 gives 0.0."""
        return self._ngram_ids(self._bigrams, ids1, ids2)

    def trigram_ids(self, ids1: np.ndarray, ids2: np.ndarray, ids3: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`trigram` over aligned id arrays; any id < 0 gives 0.0."""
        return self._ngram_ids(self._trigrams, ids1, ids2, ids3)

    @staticmethod
    def _ngram_ids(table: CountTable, *ids: np.ndarray) -> np.ndarray:
        arrays = [np.asarray(a, dtype=np.int64) for a in ids]
        low = arrays[0]
        for a in arrays[1:]:
            low = np.minimum(low, a)
        ok = low >= 0
        if ok.all():  # the common case: skip the masking copies
            return table.lookup(pack_keys(*arrays))
        out = table.lookup(pack_keys(*[np.where(ok, a, 0) for a in arrays]))
        out[~ok] = 0.0
        return out

    # -- lexicon --------------------------------------------------------------------------
    def neighbours(self, word: str) -> list[str]:
        """Thesaurus neighbours (OEWN synonyms of all senses and similar adjectives).

        The relation is symmetric before the cap of ``max_neighbours`` per word; the most
        frequent neighbours come first.
        """
        i = self.word_id(word)
        if i < 0:
            return []
        lo, hi = int(self._thes_off[i]), int(self._thes_off[i + 1])
        return [self._words[j] for j in self._thes_ids[lo:hi].tolist()]

    def neighbour_ids(self, word_id: int) -> np.ndarray:
        """Ids of the thesaurus neighbours of a word id (empty for -1)."""
        if word_id < 0:
            return np.zeros(0, dtype=np.int64)
        lo, hi = int(self._thes_off[word_id]), int(self._thes_off[word_id + 1])
        return np.asarray(self._thes_ids[lo:hi], dtype=np.int64)

    @property
    def _gazetteer(self) -> dict[str, str]:
        if self._gazetteer_cache is None:
            text = (self.path / "gazetteer.tsv").read_text("utf-8")
            self._gazetteer_cache = dict(
                line.split("\t", 1) for line in text.splitlines() if "\t" in line
            )
        return self._gazetteer_cache

    def gazetteer_type(self, word: str) -> str | None:
        """Name type of a word or phrase, or None.

        Types: ``location``, ``demonym``, ``organization``, ``person``, ``name`` (another
        proper name). Multi-word names are looked up as lower-cased, space-joined phrases.
        """
        kind = self._gazetteer.get(word)
        if kind is None:
            kind = self._gazetteer.get(word.lower().replace("’", "'"))
        return kind

    # -- word vectors ---------------------------------------------------------------------
    def _vector_rows(self, ids: np.ndarray) -> np.ndarray:
        """Vector row of each id, -1 for ids without a vector."""
        ids = np.asarray(ids, dtype=np.int64)
        vid = self._arr("vector_ids")
        if len(vid) == 0:
            return np.full(ids.shape, -1, dtype=np.int64)
        pos = np.searchsorted(vid, np.maximum(ids, 0))
        pos = np.minimum(pos, len(vid) - 1)
        return np.where((ids >= 0) & (vid[pos] == ids), pos, -1)

    @property
    def _unit(self) -> np.ndarray:
        """All vectors as unit-length float32 rows (built on first use)."""
        if self._unit_cache is None:
            v = np.asarray(self._arr("vectors"), dtype=np.float32)
            if v.ndim != 2:
                v = v.reshape(0, 1)
            norm = np.linalg.norm(v, axis=1, keepdims=True)
            self._unit_cache = v / np.where(norm > 0, norm, 1.0)
        return self._unit_cache

    @property
    def vector_dims(self) -> int:
        """Dimensions of the word vectors (0 if the base has none)."""
        return int(self._unit.shape[1]) if len(self._unit) else 0

    def has_vector(self, word: str) -> bool:
        """Whether ``word`` has a word vector."""
        return bool(self._vector_rows(np.array([self.word_id(word)]))[0] >= 0)

    def vector_ids(self, ids: np.ndarray) -> np.ndarray:
        """Unit word vectors (float32, one row per id); zeros for ids without a vector."""
        ids = np.asarray(ids, dtype=np.int64)
        rows = self._vector_rows(ids)
        unit = self._unit
        if not len(unit):
            return np.zeros((*ids.shape, 1), dtype=np.float32)
        out = unit[np.maximum(rows, 0)]
        out[rows < 0] = 0.0
        return out

    def similarity_ids(self, ids1: np.ndarray, ids2: np.ndarray) -> np.ndarray:
        """Cosine similarity of aligned id arrays; 0.0 where either has no vector."""
        v1, v2 = self.vector_ids(ids1), self.vector_ids(ids2)
        return np.einsum("...d,...d->...", v1, v2).astype(np.float64)

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words' vectors (0.0 if either has none)."""
        ids = self.ids([w1, w2])
        return float(self.similarity_ids(ids[:1], ids[1:])[0])

    def most_similar(self, word: str, k: int = 20) -> list[tuple[str, float]]:
        """The ``k`` words with the most similar vectors, most similar first."""
        row = int(self._vector_rows(np.array([self.word_id(word)]))[0])
        if row < 0 or k <= 0:
            return []
        unit = self._unit
        sims = unit @ unit[row]
        sims[row] = -np.inf
        k = min(k, len(sims) - 1)
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        vid = self._arr("vector_ids")
        return [(self._words[int(vid[r])], float(sims[r])) for r in top]

    # -- collocates -----------------------------------------------------------------------
    def _csr(self, name: str, word_id: int, k: int | None) -> np.ndarray:
        off = self._arr(f"{name}_offsets")
        if word_id < 0 or word_id + 1 >= len(off):
            return np.zeros(0, dtype=np.int64)
        lo, hi = int(off[word_id]), int(off[word_id + 1])
        if k is not None:
            hi = min(hi, lo + max(0, k))
        return np.asarray(self._arr(f"{name}_ids")[lo:hi], dtype=np.int64)

    def successor_ids(self, word_id: int, k: int | None = None) -> np.ndarray:
        """Ids of the top right collocates ``x`` of ``word_id`` (``w x``), best first.

        Ranked by local mutual information ``count * log(count * N / (f_w * f_x))`` over the
        merged bigram counts; only the most frequent words (see ``describe()``) have lists.
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

    def is_compound(self, w1: str, w2: str) -> bool:
        """Whether ``w1 w2`` is a two-word lemma of Open English WordNet ("heart disease")."""
        ids = self.ids([w1, w2])
        return bool(self.compound_ids(ids[:1], ids[1:])[0])

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
    return Path(__file__).resolve().parent / "data" / "evidence"


def load_evidence(path: str | Path | None = None) -> Evidence:
    """Load (once per path, then cached) the evidence base at ``path`` or the packaged one."""
    p = Path(path).resolve() if path is not None else default_path()
    with _LOCK:
        ev = _CACHE.get(p)
        if ev is None:
            ev = _CACHE[p] = Evidence(p)
    return ev
