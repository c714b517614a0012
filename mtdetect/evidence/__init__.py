"""Run-time access to the evidence base: word, n-gram, language-model, thesaurus and name tables.

The tables are built by ``python -m training.build_evidence`` into ``mtdetect/data/evidence``
(see ``PROVENANCE.md`` there). Importing this module loads nothing; :func:`load_evidence`
memory-maps the arrays (nothing is parsed into Python dicts at start-up), then caches the
:class:`Evidence`.

Vocabulary
    Words are found by a 64-bit hash of their n-gram key (:func:`hash_keys`, vectorised over
    a batch of words) in a sorted, memory-mapped hash array; the word strings themselves are
    one UTF-8 blob with offsets, read only to show a suggestion. Ids are in order of
    frequency (0 is the most frequent word).

Counts and scales
    Every count is on the *corpus scale*: weighted occurrences in the training split of the
    clean corpora (see :attr:`Evidence.total_words` and ``PROVENANCE.md`` for the weights).
    Web unigram frequencies (wordfreq) are stored per billion words.

N-gram tables
    Bigrams and trigrams live in static bucketed cuckoo hash tables (:class:`CountTable`):
    4-slot buckets, two candidate buckets per key, each slot a ``uint32`` holding a 24-bit key
    fingerprint and an 8-bit log-scale count. A lookup reads two buckets, whatever the table
    size; a key that is absent can falsely match at most 8 fingerprints, so the false-hit rate
    is below ``8 / 2**24`` (about 5e-7). The bigram table carries two more bytes per slot,
    the Kneser-Ney *fan-outs* of the bigram: how many distinct words follow it and precede it.

Language model
    :meth:`Evidence.lm_forward` and :meth:`Evidence.lm_backward` give interpolated
    Kneser-Ney trigram probabilities of every word of a word sequence given its two left
    (right) neighbours, so a word pair seen 0 times is still judged by how freely its words
    combine with others: "made it transparent" is compared with the continuation mass of "it"
    and of "transparent", not with one exact trigram count.

Distributional tables (memory-mapped on first use)
    Word vectors (PPMI + truncated SVD of windowed co-occurrence counts, int8 rows compared by
    cosine) for the most frequent alphabetic words; top right/left collocates of the most
    frequent words (CSR, ranked by local mutual information); OEWN two-word lemmas as sorted
    packed bigram keys.

The package: :mod:`.hashing` (word and n-gram keys), :mod:`.tables` (count tables) and
:mod:`.base` (the :class:`Evidence` front object and :func:`load_evidence`).
"""

from mtdetect.evidence.base import (
    FORMAT,
    GAZ_TYPES,
    LINK_FLAGS,
    Evidence,
    default_path,
    load_evidence,
)
from mtdetect.evidence.hashing import hash_keys, pack_keys
from mtdetect.evidence.tables import CountTable
from mtdetect.native import ID_BITS

__all__ = [
    "FORMAT",
    "GAZ_TYPES",
    "ID_BITS",
    "LINK_FLAGS",
    "CountTable",
    "Evidence",
    "default_path",
    "hash_keys",
    "load_evidence",
    "pack_keys",
]
