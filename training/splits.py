"""Fixed development splits, the same for every table, model and benchmark.

Every document of every source goes to ``train``, ``dev`` or ``test`` by a stable hash of
``source:doc_id`` (80/10/10). Count tables and models see ``train`` only; thresholds are
chosen on ``dev``; figures are reported on ``test``. Never change the rule: it would leak
evaluated text into the tables.
"""

from __future__ import annotations

import hashlib

__all__ = ["split_of"]


def split_of(source: str, doc_id: str) -> str:
    """``train`` (80%), ``dev`` (10%) or ``test`` (10%) for one document, stably."""
    digest = hashlib.blake2b(f"{source}:{doc_id}".encode(), digest_size=8).digest()
    bucket = int.from_bytes(digest, "big") % 100
    if bucket < 80:
        return "train"
    if bucket < 90:
        return "dev"
    return "test"
