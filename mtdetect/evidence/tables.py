"""Count tables: static cuckoo hash tables from uint64 keys to approximate counts (one byte
per count, log-scaled), built by ``training/`` and memory-mapped at run time."""

from __future__ import annotations

import math

import numpy as np

from mtdetect.evidence.hashing import _BUCKET, _locate, _locate_int
from mtdetect.native import core

#: Batches up to this size are looked up key by key (same results, less overhead).
_SCALAR_MAX = 12


class CountTable:
    """A static hash table from uint64 keys to approximate counts.

    Counts are quantised on a log scale: code ``q`` in 1..255 stands for
    ``base * 2 ** ((q - 1) / scale)``; absent keys read as 0.0. :meth:`slots_of` gives the
    slot that holds each key, so that arrays aligned with the slots can carry more values
    per key (the bigram fan-outs), coded the same way (:meth:`decode`).
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
    def encode(self, values: np.ndarray) -> np.ndarray:
        """Log-scale codes (uint8; 0 for values <= 0) of positive values."""
        v = np.asarray(values, dtype=np.float64)
        q = np.clip(np.rint(self.scale * np.log2(np.maximum(v, 1e-300) / self.base)) + 1, 1, 255)
        return np.where(v > 0, q, 0).astype(np.uint8)

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Values (float64) of log-scale codes."""
        return self._lut[np.asarray(codes, dtype=np.intp)]

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
        return cls.build_with_slots(
            keys, counts, seed=seed, scale=scale, base=base, load=load, rng_seed=rng_seed
        )[0]

    @classmethod
    def build_with_slots(
        cls,
        keys: np.ndarray,
        counts: np.ndarray,
        *,
        seed: int,
        scale: float = 12.0,
        base: float = 0.5,
        load: float = 0.9,
        rng_seed: int = 0,
    ) -> tuple[CountTable, np.ndarray]:
        """:meth:`build`, also returning the key index held by each slot (-1 if empty)."""
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
        return cls(slots.reshape(-1), seed, scale, base), owner.reshape(-1)

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
    def slots_of(self, keys: np.ndarray) -> np.ndarray:
        """Flat slot index holding each uint64 key (int64), -1 where absent."""
        keys = np.ascontiguousarray(keys, dtype=np.uint64).reshape(-1)
        if keys.size == 0:
            return np.zeros(0, dtype=np.int64)
        fast = core()
        if fast is not None:
            out = np.empty(len(keys), dtype=np.int64)
            fast.slots_of(self._flat, self.n_buckets, self.seed, keys, out)
            return out
        fp, b1, b2 = _locate(keys, self.seed, self.n_buckets)
        fpc = fp[:, None]
        r1 = (np.take(self.slots, b1, axis=0) ^ fpc) < 256
        r2 = (np.take(self.slots, b2, axis=0) ^ fpc) < 256
        k1 = r1.argmax(axis=1)
        k2 = r2.argmax(axis=1)
        return np.where(
            r1.any(axis=1),
            b1 * _BUCKET + k1,
            np.where(r2.any(axis=1), b2 * _BUCKET + k2, -1),
        )

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Counts (float64) for an array of uint64 keys; 0.0 where absent."""
        keys = np.asarray(keys, dtype=np.uint64)
        if keys.size == 0:
            return np.zeros(keys.shape, dtype=np.float64)
        fast = core()
        if fast is not None:
            flat = np.ascontiguousarray(keys).reshape(-1)
            codes = np.empty(len(flat), dtype=np.uint8)
            fast.lookup(self._flat, self.n_buckets, self.seed, flat, codes)
            return self._lut[codes].reshape(keys.shape)
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
