"""Build the evidence base (``mtdetect/data/evidence``) from the shared data.

Usage::

    python -m training.build_evidence [--data DIR] [--out mtdetect/data/evidence]
                                      [--limit-docs N] [--workers 2]

Inputs (see ``PROVENANCE.md`` in the output folder for the record of a build):

* the TRAIN split of the clean corpora (:func:`training.corpora.iter_clean`), weighted per
  source by :data:`training.corpora.CLEAN_SOURCES`; dev and test documents are never counted;
* Open English WordNet: definitions and examples are counted like a small corpus; synsets
  give the thesaurus and the gazetteer;
* web frequencies: ``wordfreq`` (unigrams) and ``wordsegment`` (Google web unigrams and
  bigrams), stored per billion words.

Scaling: corpus counts stay raw weighted counts (the *corpus scale*). Web frequencies are
kept separately per billion words for unigrams; web bigrams are rescaled to the corpus size
and merged as ``max(corpus, web)`` (no double counting of the same usage).

Distributional tables: word vectors (PPMI + truncated SVD of co-occurrences within a few
words inside a sentence, int8 rows) for the most frequent alphabetic words, the top right and
left collocates of the most frequent words (local mutual information over the merged bigram
counts), and the OEWN two-word lemmas as sorted packed bigram keys.

Counting maps tokens to integer ids and counts packed int64 n-gram keys with ``np.unique``;
sources (and shards of the large Wikipedia sample) are counted in parallel processes.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import multiprocessing as mp
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mtdetect.evidence import ID_BITS, CountTable, pack_keys
from mtdetect.text import ngram_key, tokenize

__all__ = [
    "Counts",
    "Lexicon",
    "build_from_documents",
    "count_texts",
    "load_oewn",
    "load_web",
    "merge_counts",
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
    "corpora": "training split of the clean corpora; Wikipedia 2015 sample is CC BY-SA 3.0; "
    "Reuters-21578, BBC News, ABC, Beige Book are research-use inputs: they shape the counts "
    "but no text of theirs is redistributed",
    "oewn": "Open English WordNet, CC BY 4.0 (and the Princeton WordNet licence): attribution "
    "required",
    "wordfreq": "wordfreq 3.x data (Robyn Speer et al.), CC BY-SA 4.0",
    "wordsegment": "wordsegment 1.3 (Grant Jenks, Apache-2.0 package) unigram/bigram counts: "
    "Peter Norvig's count_1w/count_2w, extracted from the Google Web 1T 5-gram corpus "
    "(LDC2006T13), whose LDC terms limit use to linguistic education and research; "
    "rebuild with --no-wordsegment for tables free of them",
    "tables": "the shipped count tables are a data file under CC BY-SA 4.0 with attribution "
    "(see LICENSE-DATA.md), separate from the Apache-2.0 code",
}


# --- counting -------------------------------------------------------------------------------


@dataclass
class Counts:
    """Weighted counts over a local vocabulary.

    ``bigram_keys``/``trigram_keys`` pack word ids ``ID_BITS`` apiece (see
    :func:`mtdetect.evidence.pack_keys`); the keys are sorted and distinct.
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
            c2,
            k3,
            c3,
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
    """Merge per-source counts into one global vocabulary, each scaled by its weight."""
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
    uni, cap, nonin = (np.zeros(n) for _ in range(3))
    k2s, c2s, k3s, c3s = [], [], [], []
    streams: list[tuple[np.ndarray, float]] = []
    docs = toks = 0
    for counts, weight, gmap in mapped:
        for stream, w in counts.streams:
            g = gmap.astype(np.int32)[np.maximum(stream, 0)] if len(gmap) else stream
            streams.append((np.where(stream >= 0, g, stream).astype(np.int32), w * weight))
        np.add.at(uni, gmap, counts.unigrams * weight)
        np.add.at(cap, gmap, counts.cap * weight)
        np.add.at(nonin, gmap, counts.noninitial * weight)
        k = counts.bigram_keys
        k2s.append((gmap[k >> ID_BITS] << ID_BITS) | gmap[k & _MASK])
        c2s.append(counts.bigram_counts * weight)
        k = counts.trigram_keys
        k3s.append(
            (((gmap[k >> (2 * ID_BITS)] << ID_BITS) | gmap[(k >> ID_BITS) & _MASK]) << ID_BITS)
            | gmap[k & _MASK]
        )
        c3s.append(counts.trigram_counts * weight)
        docs += counts.documents
        toks += counts.tokens
    vocab = [""] * n
    for w, i in index.items():
        vocab[i] = w
    k2, c2 = _unique_sum(
        np.concatenate(k2s or [np.zeros(0, np.int64)]), np.concatenate(c2s or [np.zeros(0)])
    )
    k3, c3 = _unique_sum(
        np.concatenate(k3s or [np.zeros(0, np.int64)]), np.concatenate(c3s or [np.zeros(0)])
    )
    return Counts(vocab, uni, cap, nonin, k2, c2, k3, c3, docs, toks, streams)


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


def load_web(
    min_wordsegment_per_billion: float = 100.0, *, use_wordsegment: bool = True
) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    """Web unigram and bigram frequencies per billion words.

    Unigrams: wordfreq's English table (loaded once), else wordsegment's web count if it is
    at least ``min_wordsegment_per_billion`` (its tail is mostly web junk). Bigrams:
    wordsegment. Entries that are not a single n-gram key per word are dropped.

    wordsegment's counts come from Norvig's extract of the Google Web 1T corpus (LDC2006T13),
    whose terms limit use to linguistic education and research: ``use_wordsegment=False``
    (``--no-wordsegment``) builds tables free of them.
    """
    import wordfreq

    uni: dict[str, float] = {}
    for w, f in wordfreq.get_frequency_dict("en").items():
        if _lexicon_key(w) == w:
            uni[w] = f * 1e9
    if not use_wordsegment:
        return uni, {}
    import wordsegment

    seg = wordsegment.Segmenter()
    seg.load()
    total = float(seg.total)
    for w, c in seg.unigrams.items():
        pb = c / total * 1e9
        if w not in uni and pb >= min_wordsegment_per_billion and _lexicon_key(w) == w:
            uni[w] = pb
    bi: dict[tuple[str, str], float] = {}
    for pair, c in seg.bigrams.items():
        parts = pair.split(" ")
        if len(parts) == 2 and all(_lexicon_key(p) == p for p in parts):
            bi[(parts[0], parts[1])] = c / total * 1e9
    return uni, bi


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


def write_evidence(
    out_dir: Path,
    counts: Counts,
    *,
    lexicon: Lexicon | None = None,
    web_unigrams: Mapping[str, float] | None = None,
    web_bigrams: Mapping[tuple[str, str], float] | None = None,
    min_unigram: float = 2.0,
    min_bigram: float = 2.0,
    min_trigram: float = 2.0,
    max_neighbours: int = 40,
    load: float = 0.9,
    budget_bytes: int | None = None,
    sources: Mapping[str, Any] | None = None,
    vector_words: int = 64_000,
    vector_dims: int = 96,
    vector_window: int = 4,
    vector_min_count: float = 5.0,
    collocate_heads: int = 50_000,
    collocate_k: int = 24,
) -> dict[str, Any]:
    """Prune ``counts``, add the lexicon and web tables, and write the evidence folder.

    With ``budget_bytes``, the trigram threshold is raised above ``min_trigram`` until all
    tables fit. Returns the metadata written to ``meta.json``.

    Also written: word vectors (PPMI + truncated SVD of windowed co-occurrence counts in
    ``counts.streams``, int8 rows) for the ``vector_words`` most frequent alphabetic corpus
    words; the top ``collocate_k`` right and left collocates of the ``collocate_heads`` most
    frequent words, ranked by local mutual information ``count * log(count * N / (f1 * f2))``;
    and the sorted packed keys of OEWN two-word lemmas.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lexicon = lexicon or Lexicon()
    web_unigrams = web_unigrams or {}
    web_bigrams = web_bigrams or {}
    total_words = float(counts.unigrams.sum())
    web_scale = total_words / 1e9

    # Vocabulary: frequent corpus words, web words, lexicon words; most frequent first.
    lex_words: set[str] = set()
    for members in lexicon.synsets:
        lex_words.update(k for m in members if (k := _lexicon_key(m)) and " " not in k)
    lex_words.update(k for k in lexicon.gazetteer if " " not in k)
    keep = counts.unigrams >= min_unigram
    words = {w for w, k in zip(counts.vocab, keep, strict=True) if k}
    words.update(web_unigrams)
    words.update(lex_words)
    cindex = {w: i for i, w in enumerate(counts.vocab)}

    def freq(w: str) -> float:
        i = cindex.get(w)
        c = counts.unigrams[i] if i is not None else 0.0
        return max(float(c), web_unigrams.get(w, 0.0) * web_scale)

    vocab = sorted(words, key=lambda w: (-freq(w), w))
    if len(vocab) > (1 << ID_BITS) - 1:
        raise ValueError("vocabulary too large for packed n-gram keys")
    vindex = {w: i for i, w in enumerate(vocab)}
    # local corpus id -> final id (-1 if pruned)
    remap = np.fromiter((vindex.get(w, -1) for w in counts.vocab), np.int64, len(counts.vocab))
    have = remap >= 0
    uni_corpus = np.zeros(len(vocab), dtype=np.float32)
    cap = np.full(len(vocab), np.nan, dtype=np.float16)
    uni_corpus[remap[have]] = counts.unigrams[have]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(counts.noninitial > 0, counts.cap / counts.noninitial, np.nan)
    cap[remap[have]] = ratio[have]
    uni_web = np.zeros(len(vocab), dtype=np.float32)
    for w, f in web_unigrams.items():
        uni_web[vindex[w]] = f

    # Bigrams: corpus counts >= min_bigram, merged with rescaled web bigrams by max.
    def remap_keys(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        parts = [remap[(keys >> (ID_BITS * (n - 1 - j))) & _MASK] for j in range(n)]
        ok = np.logical_and.reduce([p >= 0 for p in parts])
        return pack_keys(*[p[ok] for p in parts]).astype(np.int64), ok

    sel = counts.bigram_counts >= min_bigram
    k2, ok = remap_keys(counts.bigram_keys[sel], 2)
    c2 = counts.bigram_counts[sel][ok]
    wk = [(vindex.get(a, -1), vindex.get(b, -1), f) for (a, b), f in web_bigrams.items()]
    wk = [(a, b, f) for a, b, f in wk if a >= 0 and b >= 0]
    n_web_bigrams = len(wk)
    if wk:
        wa = np.array(wk, dtype=np.float64)
        wkeys = pack_keys(wa[:, 0].astype(np.int64), wa[:, 1].astype(np.int64)).astype(np.int64)
        allk = np.concatenate([k2, wkeys])
        allc = np.concatenate([c2, wa[:, 2] * web_scale])
        k2, inv = np.unique(allk, return_inverse=True)
        c2 = np.zeros(len(k2))
        np.maximum.at(c2, inv, allc)
    tables: dict[str, Any] = {}

    def save_table(name: str, keys: np.ndarray, vals: np.ndarray, seed: int) -> None:
        table = CountTable.build(keys.astype(np.uint64), vals, seed=seed, load=load)
        np.save(out_dir / f"{name}.npy", table._flat)
        tables[name] = {
            "entries": len(keys),
            "params": {"seed": seed, "scale": table.scale, "base": table.base},
            "buckets": table.n_buckets,
        }

    save_table("bigram", k2, c2, BIGRAM_SEED)

    # Thesaurus: symmetric neighbour sets, capped, most frequent first.
    neigh: dict[int, set[int]] = {}
    syn_ids = []
    for members in lexicon.synsets:
        ids = {vindex[k] for m in members if (k := _lexicon_key(m)) and k in vindex}
        syn_ids.append(ids)
        for i in ids:
            neigh.setdefault(i, set()).update(ids)
    # Regular inflections of noun and verb synonyms ("rights" ~ "privileges"), where the
    # inflected forms are attested in the corpus: spinners substitute inflected words too.
    attested = {w for w, c in zip(counts.vocab, counts.unigrams, strict=True) if c >= min_unigram}
    for members, pos in zip(lexicon.synsets, lexicon.pos, strict=False):
        for suffix in _INFLECTIONS.get(pos, ()):
            forms = {
                vindex[f]
                for m in members
                if (k := _lexicon_key(m)) and " " not in k
                if (f := _inflect(k, suffix)) in attested and f in vindex
            }
            if len(forms) > 1:
                for i in forms:
                    neigh.setdefault(i, set()).update(forms)
    for a, b in lexicon.similar:
        for i in syn_ids[a]:
            neigh.setdefault(i, set()).update(syn_ids[b])
        for i in syn_ids[b]:
            neigh.setdefault(i, set()).update(syn_ids[a])
    offsets = np.zeros(len(vocab) + 1, dtype=np.uint32)
    flat: list[int] = []
    for i in range(len(vocab)):
        others = neigh.get(i)
        if others:
            # ids are ordered by frequency, so sorting ids puts frequent neighbours first
            flat.extend(sorted(others - {i})[:max_neighbours])
        offsets[i + 1] = len(flat)
    np.save(out_dir / "thesaurus_offsets.npy", offsets)
    np.save(out_dir / "thesaurus_ids.npy", np.asarray(flat, dtype=np.uint32))
    np.save(out_dir / "unigram_corpus.npy", uni_corpus)
    np.save(out_dir / "unigram_web.npy", uni_web)
    np.save(out_dir / "cap_ratio.npy", cap)
    (out_dir / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    gaz = "".join(f"{k}\t{v}\n" for k, v in sorted(lexicon.gazetteer.items()))
    (out_dir / "gazetteer.tsv").write_text(gaz, encoding="utf-8")

    # Word vectors: the most frequent alphabetic words of the corpora.
    t_vec = time.time()
    alpha = np.fromiter((bool(_ALPHA_RE.fullmatch(w)) for w in vocab), bool, len(vocab))
    cand = np.flatnonzero(alpha & (uni_corpus >= vector_min_count))
    cand = cand[np.lexsort((cand, -uni_corpus[cand]))][:vector_words]
    vec_ids = np.sort(cand).astype(np.uint32)  # row r is the word with id vec_ids[r]
    row_of = np.full(len(vocab), -1, dtype=np.int64)
    row_of[vec_ids] = np.arange(len(vec_ids))
    rowmap = np.where(remap >= 0, row_of[np.maximum(remap, 0)], -1) if len(remap) else remap
    vectors = np.zeros((len(vec_ids), 0), dtype=np.int8)
    if len(vec_ids) > 1:
        cooc = cooccurrence(counts.streams, rowmap, len(vec_ids), window=vector_window)
        vectors = quantise_rows(ppmi_svd(cooc, vector_dims))
        del cooc
    np.save(out_dir / "vector_ids.npy", vec_ids)
    np.save(out_dir / "vectors.npy", vectors)
    vec_seconds = time.time() - t_vec

    # Collocates by local mutual information, from the merged bigram counts.
    a2 = (k2 >> ID_BITS).astype(np.int64)
    b2 = (k2 & _MASK).astype(np.int64)
    freq_all = np.maximum(np.maximum(uni_corpus, uni_web * web_scale), 1.0).astype(np.float64)
    with np.errstate(divide="ignore"):
        lmi = c2 * np.log(c2 * max(total_words, 1.0) / (freq_all[a2] * freq_all[b2]))
    n_heads = min(collocate_heads, len(vocab))
    succ_off, succ_ids = top_collocates(a2, b2, lmi, n_heads, collocate_k)
    pred_off, pred_ids = top_collocates(b2, a2, lmi, n_heads, collocate_k)
    np.save(out_dir / "successor_offsets.npy", succ_off)
    np.save(out_dir / "successor_ids.npy", succ_ids)
    np.save(out_dir / "predecessor_offsets.npy", pred_off)
    np.save(out_dir / "predecessor_ids.npy", pred_ids)

    # OEWN two-word lemmas ("heart disease"), as sorted packed bigram keys.
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

    # Trigrams get what is left of the byte budget: raise their threshold until they fit.
    sel = counts.trigram_counts >= min_trigram
    k3, ok = remap_keys(counts.trigram_keys[sel], 3)
    c3 = counts.trigram_counts[sel][ok]
    if budget_bytes is not None:
        used = sum(
            p.stat().st_size for p in out_dir.iterdir() if p.is_file() and p.name != "trigram.npy"
        )
        max_entries = max(0, int((budget_bytes - used) / 16 * 4 * load) - 8)
        if len(c3) > max_entries:
            cut = np.sort(c3)[::-1][max_entries]
            min_trigram = float(cut) + 1e-9
            k3, c3 = k3[c3 >= min_trigram], c3[c3 >= min_trigram]
    save_table("trigram", k3, c3, TRIGRAM_SEED)
    meta = {
        "format": 1,
        "built": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "total_words": total_words,
        "documents": counts.documents,
        "tokens_counted": counts.tokens,
        "vocab_size": len(vocab),
        "web_bigrams_merged": n_web_bigrams,
        "thesaurus_links": len(flat),
        "vectors": {
            "words": len(vec_ids),
            "dims": int(vectors.shape[1]),
            "window": vector_window,
            "min_count": vector_min_count,
            "weighting": "PPMI (context smoothing 0.75), truncated SVD, U * S^0.5, "
            "L2-normalised, int8 rows (cosine only)",
            "seconds": round(vec_seconds, 1),
        },
        "collocates": {
            "heads": n_heads,
            "k": collocate_k,
            "successor_links": len(succ_ids),
            "predecessor_links": len(pred_ids),
            "ranking": "local mutual information: count * log(count * N / (f1 * f2)) > 0",
        },
        "compounds": len(compounds),
        "gazetteer_entries": len(lexicon.gazetteer),
        "pruning": {
            "min_unigram": min_unigram,
            "min_bigram": min_bigram,
            "min_trigram": min_trigram,
            "max_neighbours": max_neighbours,
            "load": load,
        },
        "scaling": "counts are weighted training-corpus counts; unigram_web is per billion "
        "words; bigrams = max(corpus, web per billion * total_words / 1e9)",
        "tables": tables,
        "sources": dict(sources or {}),
        "licences": LICENCES,
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
        p
        for p in out_dir.iterdir()
        if p.is_file() and p.suffix in {".npy", ".txt", ".tsv", ".json"}
    )
    src = meta["sources"]
    rows = "\n".join(
        f"| {name} | {rec['weight']:g} | {rec['documents']:,} | {rec['tokens']:,} |"
        for name, rec in sorted(src["corpora"].items())
    )
    sizes = "\n".join(f"| `{p.name}` | {p.stat().st_size / 1e6:.2f} MB |" for p in files)
    total = sum(p.stat().st_size for p in files)
    t = meta["tables"]
    pr = meta["pruning"]
    vec = meta["vectors"]
    col = meta["collocates"]
    text = (
        f"""# Evidence base: provenance

Built {meta["built"]} in {meta.get("build_seconds", "?")} s with

    {src["command"].strip()}

## Inputs
Training split only (`training.splits.split_of`, 80 %): dev and test documents of every source
are never counted. Counts are weighted per source (`training.corpora.CLEAN_SOURCES`).

| source | weight | documents | tokens counted |
|---|---|---|---|
{rows}

Also: Open English WordNet ({src["oewn_synsets"]:,} synsets: glosses and examples counted above as
`oewn_glosses`; synonyms of all senses, "similar" adjective links and attested regular inflections of noun and
verb synonyms give the thesaurus; capitalised
lemmas, demonym glosses and lexicographer files give the gazetteer); wordfreq English unigrams and
wordsegment web unigrams/bigrams ({src["web"]["wordfreq_unigrams"]:,} unigrams,
{src["web"]["wordsegment_bigrams"]:,} bigrams).

## Scaling
{meta["scaling"]}. Total weighted corpus tokens: {meta["total_words"]:,.0f}.
N-gram counts are quantised to 8-bit log codes (step 2^(1/12), about 6 %).

## Tables
Vocabulary {meta["vocab_size"]:,} words; bigrams {t["bigram"]["entries"]:,} (weighted count >=
{pr["min_bigram"]:g}, plus {meta["web_bigrams_merged"]:,} web bigrams merged by max); trigrams
{t["trigram"]["entries"]:,} (weighted count >= {pr["min_trigram"]:.3g}; the threshold rises above
--min-trigram only when needed to fit --budget-mb);
thesaurus {meta["thesaurus_links"]:,} links (at most {pr["max_neighbours"]} per word);
gazetteer {meta["gazetteer_entries"]:,} names.

Word vectors (`vectors.npy`, rows for the word ids in `vector_ids.npy`): {vec["words"]:,} most
frequent alphabetic corpus words, {vec["dims"]} dimensions; co-occurrences within
{vec["window"]} words on either side inside a sentence (across other punctuation; a pair d words
apart weighs (window - d + 1) / window), weighted per source like the counts;
{vec["weighting"]}. Built in {vec["seconds"]} s.

Collocates (`successor_*.npy`, `predecessor_*.npy`, CSR): for the {col["heads"]:,} most frequent
words, the top {col["k"]} right and left neighbours in the merged bigram table
({col["successor_links"]:,} and {col["predecessor_links"]:,} links), ranked by
{col["ranking"]}.

Compounds (`compounds.npy`): {meta["compounds"]:,} Open English WordNet two-word lemmas (lower-cased,
both words in the vocabulary) as sorted packed bigram keys.

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


def main(argv: list[str] | None = None) -> int:
    from training.corpora import CLEAN_SOURCES, data_dir

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None, help="shared data folder")
    ap.add_argument("--out", default="mtdetect/data/evidence")
    ap.add_argument("--limit-docs", type=int, default=None, help="per source, for quick runs")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--min-bigram", type=float, default=2.0)
    ap.add_argument("--min-trigram", type=float, default=2.0)
    ap.add_argument("--max-neighbours", type=int, default=40)
    ap.add_argument(
        "--no-wordsegment", action="store_true", help="leave out Google Web 1T derived counts"
    )
    ap.add_argument("--budget-mb", type=float, default=44.5, help="all tables together")
    ap.add_argument("--vector-words", type=int, default=64_000)
    ap.add_argument("--vector-dims", type=int, default=96)
    ap.add_argument("--vector-window", type=int, default=4)
    ap.add_argument("--collocate-heads", type=int, default=50_000)
    ap.add_argument("--collocate-k", type=int, default=24)
    args = ap.parse_args(argv)
    t0 = time.time()
    root = data_dir(args.data)
    tasks = []
    for src in CLEAN_SOURCES:
        shards = 4 if src == "enwiki" else 1  # the Wikipedia sample is two thirds of the words
        tasks.extend((src, s, shards, str(root), args.limit_docs) for s in range(shards))
    tasks.sort(key=lambda t: t[0] != "enwiki")  # longest first
    ctx = mp.get_context("fork" if sys.platform != "win32" else "spawn")
    parts: list[tuple[Counts, float]] = []
    per_source: dict[str, dict[str, float]] = {}
    with ctx.Pool(args.workers) as pool:
        lex_async = pool.apply_async(_oewn_worker, (str(root / "lexicon" / "oewn"),))
        for src, counts, secs in pool.imap_unordered(_count_task, tasks):
            w = CLEAN_SOURCES[src][1]
            parts.append((counts, w))
            rec = per_source.setdefault(src, {"weight": w, "documents": 0, "tokens": 0})
            rec["documents"] += counts.documents
            rec["tokens"] += counts.tokens
            print(
                f"[{time.time() - t0:6.1f}s] counted {src}: {counts.tokens:,} tokens ({secs:.0f}s)",
                flush=True,
            )
        web = load_web(use_wordsegment=not args.no_wordsegment)
        print(
            f"[{time.time() - t0:6.1f}s] web tables: {len(web[0]):,} unigrams, "
            f"{len(web[1]):,} bigrams",
            flush=True,
        )
        lexicon = lex_async.get()
    oewn_counts = count_texts(lexicon.texts)
    parts.append((oewn_counts, OEWN_WEIGHT))
    per_source["oewn_glosses"] = {
        "weight": OEWN_WEIGHT,
        "documents": oewn_counts.documents,
        "tokens": oewn_counts.tokens,
    }
    print(
        f"[{time.time() - t0:6.1f}s] OEWN: {len(lexicon.synsets):,} synsets, "
        f"{len(lexicon.gazetteer):,} names",
        flush=True,
    )
    merged = merge_counts(parts)
    del parts
    print(
        f"[{time.time() - t0:6.1f}s] merged: {len(merged.vocab):,} words, "
        f"{len(merged.bigram_keys):,} bigrams, {len(merged.trigram_keys):,} trigrams",
        flush=True,
    )
    meta = write_evidence(
        Path(args.out),
        merged,
        lexicon=lexicon,
        web_unigrams=web[0],
        web_bigrams=web[1],
        min_bigram=args.min_bigram,
        min_trigram=args.min_trigram,
        max_neighbours=args.max_neighbours,
        budget_bytes=int(args.budget_mb * 1e6),
        vector_words=args.vector_words,
        vector_dims=args.vector_dims,
        vector_window=args.vector_window,
        collocate_heads=args.collocate_heads,
        collocate_k=args.collocate_k,
        sources={
            "corpora": per_source,
            "split": "train only (training.splits.split_of)",
            "web": {"wordfreq_unigrams": len(web[0]), "wordsegment_bigrams": len(web[1])},
            "oewn_synsets": len(lexicon.synsets),
            # Absolute paths are this machine's, not the recipe: shown as <path>.
            "command": "python -m training.build_evidence "
            + " ".join("<path>" if a.startswith("/") else a for a in (argv or sys.argv[1:])),
        },
    )
    meta["build_seconds"] = round(time.time() - t0, 1)
    (Path(args.out) / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    write_provenance(Path(args.out), meta)
    size = sum(p.stat().st_size for p in Path(args.out).iterdir() if p.is_file())
    print(
        f"[{time.time() - t0:6.1f}s] wrote {args.out}: vocab {meta['vocab_size']:,}, "
        f"bigrams {meta['tables']['bigram']['entries']:,}, "
        f"trigrams {meta['tables']['trigram']['entries']:,}, {size / 1e6:.1f} MB",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
