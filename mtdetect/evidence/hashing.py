"""Hashing: 64-bit keys of words (a polynomial hash of their UTF-8, vectorised), packed n-gram
keys of word ids, and the two buckets of a key in a count table."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from mtdetect.native import BUCKET, HASH_ALT, HASH_C1, HASH_C2, HASH_GOLDEN, ID_BITS

_ID_MASK = (1 << ID_BITS) - 1


_M64 = (1 << 64) - 1


# The hash and table constants are shared with the compiled core (mtdetect.native).
_GOLDEN, _C1, _C2, _ALT, _BUCKET = HASH_GOLDEN, HASH_C1, HASH_C2, HASH_ALT, BUCKET


_U = np.uint64


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


#: Multiplier of the polynomial string hash (odd, so it is invertible modulo 2**64).
_POLY = 0x100000001B3


_POLY_INV = pow(_POLY, -1, 1 << 64)


_pow_lock = threading.Lock()


_pow_cache: list[np.ndarray] = [np.ones(1, np.uint64), np.ones(1, np.uint64)]


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(_POLY**j, _POLY_INV**j)`` for ``j < n`` as wrapping uint64 arrays (cached, grown)."""
    fwd, inv = _pow_cache
    if len(fwd) < n:
        with _pow_lock:
            size = max(n, 2 * len(_pow_cache[0]), 4096)
            with np.errstate(over="ignore"):
                fwd = np.cumprod(np.full(size, _POLY, np.uint64), dtype=np.uint64)
                inv = np.cumprod(np.full(size, _POLY_INV, np.uint64), dtype=np.uint64)
            fwd = np.concatenate([np.ones(1, np.uint64), fwd[:-1]])
            inv = np.concatenate([np.ones(1, np.uint64), inv[:-1]])
            _pow_cache[:] = [fwd, inv]
    return fwd, inv


def hash_keys(keys: Sequence[str]) -> np.ndarray:
    """A 64-bit hash (uint64) of each string, computed for the whole batch at once.

    A polynomial hash of the UTF-8 bytes modulo 2**64, position-normalised with the inverse
    multiplier so that one cumulative sum serves every string of the batch, then mixed with
    the string's length by the splitmix64 finaliser. The same function builds the tables
    (``training.build_evidence``) and reads them, so it must never change.
    """
    n = len(keys)
    if n == 0:
        return np.zeros(0, np.uint64)
    data = "\x00".join(keys).encode("utf-8", "surrogatepass") + b"\x00"
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == 0)
    if len(ends) != n:  # a key contained NUL: hash each key alone
        return np.concatenate([hash_keys([k.replace("\x00", "\ufffd")]) for k in keys])
    starts = np.empty(n, np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    fwd, inv = _powers(len(buf) + 1)
    with np.errstate(over="ignore"):
        terms = (buf.astype(np.uint64) + _U(1)) * inv[: len(buf)]
        csum = np.zeros(len(buf) + 1, np.uint64)
        np.cumsum(terms, dtype=np.uint64, out=csum[1:])
        h = (csum[ends] - csum[starts]) * fwd[starts]
        h ^= (ends - starts).astype(np.uint64) * _U(_C2)
        return _mix(h)
