"""Fixed development splits, the same for every table, model and benchmark.

Clean prose goes to ``train`` (80%), ``dev`` (10%) or ``test`` (10%) by a stable hash of its
*canonical text* (:func:`split_of_text`): lower-cased, every run of non-word characters made
one space, the first :data:`CANONICAL_CHARS` characters. Every copy of an article (the news
corpora repeat some under other ids, updated versions keep their lead) therefore lands in the
same split whatever its id or source, so a test article can never be counted into a table
through its duplicate. Count tables and models see ``train`` only; thresholds are chosen on
``dev``; figures are reported on ``test``. Never change the rule without rebuilding every table
and model: it would leak evaluated text into them.

:func:`split_of` (a hash of ``source:key``) stays for keyed data that has no text of its own
to hash, such as the rows of the tortured-phrase list.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["CANONICAL_CHARS", "bucket", "canonical_text", "split_of", "split_of_text"]

#: Characters of canonical text that decide a document's split.
CANONICAL_CHARS = 1000
_NONWORD_RE = re.compile(r"[\W_]+")


def bucket(key: str) -> int:
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 100


def _split(bucket: int, train: int = 80, dev: int = 10) -> str:
    if bucket < train:
        return "train"
    if bucket < train + dev:
        return "dev"
    return "test"


def split_of(source: str, doc_id: str) -> str:
    """``train`` (80%), ``dev`` (10%) or ``test`` (10%) for one keyed item, stably."""
    return _split(bucket(f"{source}:{doc_id}"))


def canonical_text(text: str) -> str:
    """The part of ``text`` that decides its split: lower-cased words, single spaces."""
    return _NONWORD_RE.sub(" ", text.lower()).strip()[:CANONICAL_CHARS]


def split_of_text(text: str, train: int = 80, dev: int = 10) -> str:
    """The split of a document by its canonical text (copies share a split)."""
    return _split(bucket("text:" + canonical_text(text)), train, dev)
