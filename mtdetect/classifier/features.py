"""Sentence features for the trained classifier.

One row per sentence, :data:`FEATURE_NAMES` columns (float32):

* per artifact family (:data:`mtdetect.result.FAMILIES`): number of spans, strongest span,
  sum of strengths;
* sentence statistics: length, word length, unknown-word share, n-gram rarity, function-word
  profile, punctuation/digit shares, share of capitalised words that are not sentence-initial.

Names and numbers must not drive the score (a news story about "Kyiv" is not machine
translated because Kyiv is rare), so every lexical statistic is computed over lower-cased,
non-capitalised words only, numbers count as ``<num>``, and a capitalised word breaks an
n-gram chain like punctuation does. Without an :class:`~mtdetect.evidence.Evidence` the
evidence-based columns (unknown share, rarity) are 0, which keeps the tests table-free.

Speed: tokens come from the segmenter (already computed for the detectors); all table
lookups for a whole batch of sentences are done in one vectorised call per table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mtdetect.native import core
from mtdetect.result import FAMILIES, Span
from mtdetect.tagger.docview import first_char_is
from mtdetect.text import Sentence, word_key
from mtdetect.wordlists import ARTICLES, SENTENCE_FUNCTION_WORDS, SENTENCE_PREPOSITIONS

if TYPE_CHECKING:
    from mtdetect.evidence import Evidence
    from mtdetect.tagger.docview import DocView
    from mtdetect.tagger.spans import TokenOutputs

__all__ = [
    "EVIDENCE_FEATURES",
    "FEATURE_NAMES",
    "TAGGER_FEATURES",
    "sentence_features",
]


_FAMILY_COLS = [f"{fam}:{stat}" for fam in FAMILIES for stat in ("count", "max", "sum")]
_STAT_COLS = [
    "n_tokens",
    "mean_word_len",
    "unknown_share",
    "bigram_logc_mean",
    "bigram_logc_min",
    "bigram_zero_share",
    "trigram_logc_mean",
    "trigram_logc_min",
    "trigram_zero_share",
    "function_share",
    "article_share",
    "preposition_share",
    "punct_share",
    "digit_share",
    "cap_noninitial_share",
    "unigram_logc_mean",
    "unigram_logc_min",
    "rare_word_share",
    "bigram_pmi_mean",
    "bigram_pmi_min",
    "bigram_unexpected_share",
]
#: Document context, the same for every sentence of a document: a sentence of machine
#: translation is often unremarkable alone, its document is not. Every one is a mean or a
#: share, never a count or a statistic that grows with the document: a sentence's score must
#: not depend on how long its document is (the number of sentences and Guiraud's lexical
#: richness, types over the square root of tokens, were columns once, and a classifier
#: extrapolated them into calling every long clean article rewritten).
_DOC_COLS = [
    "doc_span_sentence_share",
    "doc_span_strength_mean",
    "doc_tokens_mean",
    "doc_unigram_logc_mean",
    "doc_rare_word_share",
    "doc_bigram_logc_mean",
    "doc_bigram_zero_share",
    "doc_bigram_unexpected_share",
    "doc_trigram_logc_mean",
    "doc_trigram_zero_share",
    "doc_function_share",
]
#: Summaries of the span tagger's token outputs (:class:`mtdetect.tagger.TokenOutputs`):
#: its probabilities, the Kneser-Ney fluency of the words from both sides, and the gains of
#: the candidate searches; ``doc_*`` the same over the whole document.
_TAGGER_COLS = [
    "tag_max",
    "tag_mean",
    "tag_top2_mean",
    "tag_share_03",
    "tag_share_thr",
    "lm_fwd_mean",
    "lm_bwd_mean",
    "lm_fwd_min",
    "lm_bwd_min",
    "lm_ctx_gain_mean",
    "lm_low_share",
    "lm_fwd_rel_doc",
    "sub_gain_max",
    "sub_gain_sum",
    "pair_gain_max",
    "func_gain_max",
    "ins_gain_max",
    "doc_tag_mean",
    "doc_tag_share_thr",
    "doc_lm_fwd_mean",
    "doc_lm_low_share",
    "doc_sub_gain_mean",
    "doc_func_gain_mean",
]
#: Column names, in order.
FEATURE_NAMES: tuple[str, ...] = tuple(_FAMILY_COLS + _STAT_COLS + _DOC_COLS + _TAGGER_COLS)
#: Columns that need the span tagger's outputs (0 without them).
TAGGER_FEATURES: frozenset[str] = frozenset(_TAGGER_COLS)
#: Columns that need the evidence tables (0 without them).
EVIDENCE_FEATURES: frozenset[str] = frozenset(
    {
        "unknown_share",
        "bigram_logc_mean",
        "bigram_logc_min",
        "bigram_zero_share",
        "trigram_logc_mean",
        "trigram_logc_min",
        "trigram_zero_share",
        "unigram_logc_mean",
        "unigram_logc_min",
        "rare_word_share",
        "bigram_pmi_mean",
        "bigram_pmi_min",
        "bigram_unexpected_share",
        "doc_bigram_unexpected_share",
        "doc_unigram_logc_mean",
        "doc_rare_word_share",
        "doc_bigram_logc_mean",
        "doc_bigram_zero_share",
        "doc_trigram_logc_mean",
        "doc_trigram_zero_share",
    }
)
#: A lower-case word rarer than this (weighted corpus count) counts as rare.
RARE_COUNT = 20.0
_FAM_INDEX = {fam: i for i, fam in enumerate(FAMILIES)}
_COL = {name: i for i, name in enumerate(FEATURE_NAMES)}
_N_FAM = len(FAMILIES)
_BREAK = "\x00"  # chain break marker in the key stream
_NO_DIGITS = str.maketrans("", "", "0123456789")


def _span_block(spans_per_sentence: Sequence[Sequence[Span]], n: int) -> np.ndarray:
    out = np.zeros((n, 3 * _N_FAM), dtype=np.float32)
    for i, spans in enumerate(spans_per_sentence):
        for sp in spans:
            j = 3 * _FAM_INDEX[sp.family]
            out[i, j] += 1.0
            out[i, j + 1] = max(out[i, j + 1], sp.strength)
            out[i, j + 2] += sp.strength
    return out


def _segment_extreme(
    ufunc: np.ufunc, values: np.ndarray, owner: np.ndarray, n: int, fill: float
) -> np.ndarray:
    """``ufunc`` (np.minimum or np.maximum) of ``values`` per owner, ``fill`` where an owner
    has none: one ``reduceat`` over runs when the owners are in order (sentences read in
    order always are), else ``ufunc.at``. Either gives the same numbers: an extreme does not
    depend on the order it is taken in."""
    out = np.full(n, fill)
    if not len(values):
        return out
    if (owner[1:] >= owner[:-1]).all():
        starts = np.flatnonzero(np.concatenate([[True], owner[1:] != owner[:-1]]))
        out[owner[starts]] = ufunc(ufunc.reduceat(values, starts), fill)
    else:
        ufunc.at(out, owner, values)
    return out


@dataclass(slots=True)
class SegmentStats:
    """Per-segment statistics of k rows of values (see :func:`segment_stats`)."""

    sums: np.ndarray  # k x n float64, in element order (as np.bincount adds weights)
    counts: np.ndarray  # n int64: members per segment
    mins: np.ndarray  # k x n: +inf for an empty segment
    maxs: np.ndarray  # k x n: -inf for an empty segment

    def means(self) -> np.ndarray:
        """Sums over counts, 0 for an empty segment."""
        return _share_rows(self.sums, self.counts)

    def finite_mins(self) -> np.ndarray:
        """The least values, 0 where a segment has none."""
        return np.where(np.isinf(self.mins), 0.0, self.mins)

    def finite_maxs(self) -> np.ndarray:
        """The greatest values, 0 where a segment has none."""
        return np.where(np.isinf(self.maxs), 0.0, self.maxs)


def segment_stats(values: np.ndarray, owner: np.ndarray, n: int) -> SegmentStats:
    """Sum, count, least and greatest value per segment (``owner``: the segment of each
    column, in ``[0, n)``) of each row of ``values`` (k x m), in one pass of the compiled core:
    what a bincount, a reduceat or a mean per row and segment gives, bit for bit, for the cost
    of one numpy call (a document's sentence columns are dozens of them)."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[None]
    owner = np.ascontiguousarray(owner, dtype=np.int64)
    k = values.shape[0]
    fast = core()
    if fast is not None and n > 0:
        out = SegmentStats(np.empty((k, n)), np.empty(n, np.int64), np.empty((k, n)),
                           np.empty((k, n)))  # fmt: skip
        fast.segment_stats(values, owner, out.sums, out.counts, out.mins, out.maxs)
        return out
    sums = np.array([np.bincount(owner, weights=v, minlength=n) for v in values]).reshape(k, n)
    mins = [_segment_extreme(np.minimum, v, owner, n, np.inf) for v in values]
    maxs = [_segment_extreme(np.maximum, v, owner, n, -np.inf) for v in values]
    return SegmentStats(sums, np.bincount(owner, minlength=n).astype(np.int64),
                        np.array(mins).reshape(k, n), np.array(maxs).reshape(k, n))  # fmt: skip


def sentence_features(
    text: str,
    sentences: Sequence[Sentence],
    spans_per_sentence: Sequence[Sequence[Span]],
    evidence: Evidence | None = None,
    doc_ids: Sequence[int] | np.ndarray | None = None,
    tokens: TokenOutputs | None = None,
) -> np.ndarray:
    """Feature matrix (``len(sentences)`` x ``len(FEATURE_NAMES)``, float32).

    ``text`` is the document text (the features read only the sentences' own text and
    tokens). ``sentences`` are one document's, unless ``doc_ids`` (non-decreasing, one per
    sentence) says which document each belongs to: training featurises many documents in
    one call that way. The ``doc_*`` columns are computed per document. ``tokens`` are the
    span tagger's outputs for these sentences (one document), for the tagger columns.
    """
    n = len(sentences)
    out = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float32)
    if n == 0:
        return out
    out[:, : 3 * _N_FAM] = _span_block(spans_per_sentence, n)
    docs = np.zeros(n, dtype=np.int64) if doc_ids is None else np.asarray(doc_ids, np.int64)

    view = tokens.view if tokens is not None else None
    if (
        doc_ids is None
        and view is not None
        and view.sent_tokens is not None
        and (evidence is None or view.evidence is evidence)
    ):
        c, stream = _view_counts(view, sentences, evidence)
    else:
        c, stream = _token_counts(sentences, docs, evidence)
    n_docs = int(docs.max()) + 1
    out[:, _COL["n_tokens"]] = c.tokens
    out[:, _COL["mean_word_len"]] = _share_rows(c.word_chars, c.words)
    out[:, _COL["function_share"]] = _share_rows(c.function, c.lower)
    out[:, _COL["article_share"]] = _share_rows(c.articles, c.lower)
    out[:, _COL["preposition_share"]] = _share_rows(c.prepositions, c.lower)
    out[:, _COL["punct_share"]] = _share_rows(c.punct, c.tokens)
    out[:, _COL["digit_share"]] = _share_rows(c.digits, c.chars)
    out[:, _COL["cap_noninitial_share"]] = _share_rows(c.capitals, np.maximum(c.words - 1, 0))

    if evidence is not None and stream is not None:
        _stream_columns(out, stream[0], stream[1], n, evidence)
    _document_columns(out, docs, n_docs, c.tokens, c.lower, evidence is not None)
    if tokens is not None and len(tokens.proba):
        _tagger_columns(out, tokens, n)
    return out


@dataclass(slots=True)
class _Counts:
    """Per-sentence counts (float64 arrays)."""

    tokens: np.ndarray
    words: np.ndarray
    word_chars: np.ndarray
    lower: np.ndarray
    function: np.ndarray
    articles: np.ndarray
    prepositions: np.ndarray
    punct: np.ndarray
    capitals: np.ndarray  # capitalised words that do not start their sentence
    chars: np.ndarray
    digits: np.ndarray


def _token_counts(
    sentences: Sequence[Sentence], docs: np.ndarray, evidence: Evidence | None
) -> tuple[_Counts, tuple[np.ndarray, np.ndarray] | None]:
    """The counts and the key stream's (ids, sentence) read token by token (any sentences,
    of one or many documents)."""
    n = len(sentences)
    n_tok = np.zeros(n)
    n_words = np.zeros(n)
    word_chars = np.zeros(n)
    n_lower = np.zeros(n)
    n_func = np.zeros(n)
    n_art = np.zeros(n)
    n_prep = np.zeros(n)
    n_punct = np.zeros(n)
    n_cap = np.zeros(n)
    n_chars = np.zeros(n)
    n_digits = np.zeros(n)
    # The key stream: lower-case words and <num>, with _BREAK at punctuation and names.
    keys: list[str] = []
    key_owner: list[int] = []
    func = SENTENCE_FUNCTION_WORDS
    for i, sent in enumerate(sentences):
        st = sent.text
        n_chars[i] = len(st)
        n_digits[i] = len(st) - len(st.translate(_NO_DIGITS))
        first = True
        tw = wc = low = fw = ar = pr = pu = cap = 0
        toks = sent.tokens
        for tok in toks:
            kind = tok.kind
            if kind == "word":
                w = tok.text
                tw += 1
                wc += len(w)
                if w[0].isupper() or (not w[0].islower() and w[0].isalpha()):
                    if not first:
                        cap += 1
                    # A name (or a sentence-initial word): not counted, breaks the chain.
                    keys.append(_BREAK)
                else:
                    lw = w.lower()
                    if "’" in lw:
                        lw = word_key(lw)
                    low += 1
                    if lw in func:
                        fw += 1
                        if lw in ARTICLES:
                            ar += 1
                        elif lw in SENTENCE_PREPOSITIONS:
                            pr += 1
                    keys.append(lw)
                first = False
            elif kind == "number":
                keys.append("<num>")
                first = False
            else:
                if kind == "punct":
                    pu += 1
                keys.append(_BREAK)
            key_owner.append(i)
        keys.append(_BREAK)  # sentences never chain into each other
        key_owner.append(i)
        n_tok[i] = len(toks)
        n_words[i] = tw
        word_chars[i] = wc
        n_lower[i] = low
        n_func[i] = fw
        n_art[i] = ar
        n_prep[i] = pr
        n_punct[i] = pu
        n_cap[i] = cap
    stream = None
    if evidence is not None and keys:
        stream = (_stream_ids(keys, evidence), np.asarray(key_owner, dtype=np.int64))
    counts = _Counts(n_tok, n_words, word_chars, n_lower, n_func, n_art, n_prep, n_punct,
                     n_cap, n_chars, n_digits)  # fmt: skip
    return counts, stream


#: Function-word class of a lower-case key: a function word, an article, a preposition (0 for
#: any other word).
_CLASS_FUNCTION, _CLASS_ARTICLE, _CLASS_PREPOSITION = 1, 2, 3
_FUNCTION_CLASS = (
    dict.fromkeys(SENTENCE_FUNCTION_WORDS, _CLASS_FUNCTION)
    | dict.fromkeys(ARTICLES, _CLASS_ARTICLE)
    | dict.fromkeys(SENTENCE_PREPOSITIONS, _CLASS_PREPOSITION)
)


def _capitalised(c: str) -> bool:
    return c.isupper() or (not c.islower() and c.isalpha())


def _view_counts(
    view: DocView, sentences: Sequence[Sentence], evidence: Evidence | None
) -> tuple[_Counts, tuple[np.ndarray, np.ndarray] | None]:
    """What :func:`_token_counts` computes, from the tagger's document view (its words,
    keys, ids and per-sentence token counts) instead of a second pass over the tokens."""
    n, nv = len(sentences), len(view)
    sent, number = view.sent, view.number
    # Capitalised as the token pass decides: a first letter that is not lower case.
    cap = first_char_is(view.text, view.start, _capitalised)
    word = ~number
    low = word & ~cap
    fclass = view.word_codes("features", _FUNCTION_CLASS)
    first = np.ones(nv, bool)  # the first word or number of its sentence
    first[1:] = sent[1:] != sent[:-1]

    n_chars = np.zeros(n)
    n_digits = np.zeros(n)
    for i, sentence in enumerate(sentences):
        st = sentence.text
        n_chars[i] = len(st)
        n_digits[i] = len(st) - len(st.translate(_NO_DIGITS))
    # Counts per sentence as sums of 0/1 rows (exact), in one pass: words, their letters,
    # lower-case words, and of those function words, articles and prepositions, then
    # capitalised words not first in their sentence.
    words, letters, lower, function, articles, prepositions, caps = range(7)
    rows = np.empty((7, nv))
    rows[words] = word
    rows[letters] = np.where(word, view.length, 0)
    rows[lower] = low
    rows[function] = low & (fclass > 0)
    rows[articles] = low & (fclass == _CLASS_ARTICLE)
    rows[prepositions] = low & (fclass == _CLASS_PREPOSITION)
    rows[caps] = word & cap & ~first
    sums = segment_stats(rows, sent, n).sums
    counts = _Counts(
        view.sent_tokens.astype(np.float64),
        sums[words],
        sums[letters],
        sums[lower],
        sums[function],
        sums[articles],
        sums[prepositions],
        view.sent_punct.astype(np.float64),
        sums[caps],
        n_chars,
        n_digits,
    )
    if evidence is None:
        return counts, None
    # The key stream: lower-case words and numbers, a break (-2) before every word that does
    # not continue a chain and in place of a capitalised word, and one at the end.
    brk = ~view.link
    at = np.arange(nv) + np.cumsum(brk)
    ids = np.full(nv + int(brk.sum()) + 1, -2, dtype=np.int64)
    ids[at] = np.where(low | number, view.ids, -2)
    owner = np.zeros(len(ids), dtype=np.int64)
    owner[at] = sent
    return counts, (ids, owner)


def _document_columns(
    out: np.ndarray,
    docs: np.ndarray,
    n_docs: int,
    n_tok: np.ndarray,
    n_lower: np.ndarray,
    with_evidence: bool,
) -> None:
    """Document context: sentence columns averaged over each document (token-weighted)."""
    n = len(docs)
    fam = out[:, : 3 * _N_FAM]
    weighted = ["function_share"]
    if with_evidence:
        weighted += [
            "unigram_logc_mean",
            "rare_word_share",
            "bigram_logc_mean",
            "bigram_zero_share",
            "bigram_unexpected_share",
            "trigram_logc_mean",
            "trigram_zero_share",
        ]
    # Per document in one pass: the plain means' numerators, the weighted means' numerators
    # (value x lower-case words), then the two denominators.
    rows = np.empty((5 + len(weighted), n))
    rows[0] = fam[:, 0::3].sum(axis=1) > 0
    rows[1] = fam[:, 2::3].sum(axis=1)
    rows[2] = n_tok
    for r, col in enumerate(weighted, start=3):
        rows[r] = out[:, _COL[col]].astype(np.float64) * n_lower
    rows[-2] = 1.0
    rows[-1] = n_lower
    sums = segment_stats(rows, docs, n_docs).sums
    n_sent, doc_lower = sums[-2], sums[-1]
    plain = _share_rows(sums[:3], n_sent)[:, docs]
    out[:, _COL["doc_span_sentence_share"]] = plain[0]
    out[:, _COL["doc_span_strength_mean"]] = plain[1]
    out[:, _COL["doc_tokens_mean"]] = plain[2]
    by_words = _share_rows(sums[3:-2], doc_lower)[:, docs]
    for r, col in enumerate(weighted):
        out[:, _COL["doc_" + col]] = by_words[r]


def _share_rows(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num`` over ``den``, each row of it if it has rows (0 where ``den`` is 0)."""
    return np.divide(num, den, out=np.zeros(num.shape), where=den > 0)


#: The token values the tagger columns summarise, one row each: seven token features, then
#: the tagger's probability, whether the forward log-probability is low, whether the
#: probability passes the span threshold and :data:`TAG_SHARE_LEVEL`, and the two highest
#: probabilities of each sentence (their values and where they are).
_TAG_FEATURES = ("lm_fwd", "lm_bwd", "lm_fwd_ctx_gain", "sub_gain", "func_gain", "pair_gain",
                 "ins_gain")  # fmt: skip
_TAG_ROWS = (*_TAG_FEATURES, "proba", "lm_low", "over_threshold", "over_level", "top2_proba",
             "top2")  # fmt: skip
_R = {name: i for i, name in enumerate(_TAG_ROWS)}
#: A forward log-probability (natural log) under this counts as low (``lm_low_share``).
LM_LOW = -12.0
#: The tagger probability whose share of a sentence's tokens is ``tag_share_03``.
TAG_SHARE_LEVEL = 0.3


def _tagger_columns(out: np.ndarray, t: TokenOutputs, n: int) -> None:
    """The tagger columns from one document's token outputs."""
    from mtdetect.tagger.token_features import FEATURE_INDEX

    own = t.view.sent
    p = t.proba
    m = len(p)
    # one row per token value the sentence columns summarise, one pass over them all
    v = np.empty((len(_TAG_ROWS), m))
    v[: len(_TAG_FEATURES)] = t.X[:, [FEATURE_INDEX[c] for c in _TAG_FEATURES]].T
    fwd, sub, func = v[_R["lm_fwd"]], v[_R["sub_gain"]], v[_R["func_gain"]]
    v[_R["proba"]] = p
    v[_R["lm_low"]] = fwd < LM_LOW
    v[_R["over_threshold"]] = p >= t.threshold
    v[_R["over_level"]] = p >= TAG_SHARE_LEVEL
    # The two highest probabilities of each sentence (zeros elsewhere add nothing to a sum).
    order = np.lexsort((-p, own))
    rank = np.arange(m) - np.searchsorted(own[order], own[order])
    top2 = np.zeros(m, bool)
    top2[order[rank < 2]] = True
    v[_R["top2_proba"]] = np.where(top2, p, 0.0)
    v[_R["top2"]] = top2
    st = segment_stats(v, own, n)
    mean = st.means()
    low, over = v[_R["lm_low"]], v[_R["over_threshold"]]
    cnt = st.counts
    mx = st.finite_maxs()
    mins = st.finite_mins()
    cols_out = {
        "tag_max": mx[_R["proba"]],
        "tag_mean": mean[_R["proba"]],
        "tag_top2_mean": _share_rows(st.sums[_R["top2_proba"]], st.sums[_R["top2"]]),
        "tag_share_03": mean[_R["over_level"]],
        "tag_share_thr": mean[_R["over_threshold"]],
        "lm_fwd_mean": mean[_R["lm_fwd"]],
        "lm_bwd_mean": mean[_R["lm_bwd"]],
        "lm_fwd_min": mins[_R["lm_fwd"]],
        "lm_bwd_min": mins[_R["lm_bwd"]],
        "lm_ctx_gain_mean": mean[_R["lm_fwd_ctx_gain"]],
        "lm_low_share": mean[_R["lm_low"]],
        "sub_gain_max": mx[_R["sub_gain"]],
        "sub_gain_sum": st.sums[_R["sub_gain"]],
        "pair_gain_max": mx[_R["pair_gain"]],
        "func_gain_max": mx[_R["func_gain"]],
        "ins_gain_max": mx[_R["ins_gain"]],
    }
    doc_fwd = float(fwd.mean())
    cols_out["lm_fwd_rel_doc"] = np.where(cnt > 0, mean[_R["lm_fwd"]] - doc_fwd, 0.0)
    cols_out["doc_tag_mean"] = np.full(n, float(p.mean()))
    cols_out["doc_tag_share_thr"] = np.full(n, float(over.mean()))
    cols_out["doc_lm_fwd_mean"] = np.full(n, doc_fwd)
    cols_out["doc_lm_low_share"] = np.full(n, float(low.mean()))
    cols_out["doc_sub_gain_mean"] = np.full(n, float(sub.mean()))
    cols_out["doc_func_gain_mean"] = np.full(n, float(func.mean()))
    for name, col in cols_out.items():
        out[:, _COL[name]] = col


def _stream_ids(keys: list[str], evidence: Evidence) -> np.ndarray:
    """Ids of the key stream: -2 for a chain break, -1 for an unknown word."""
    # One batched lookup for all words. (numpy would strip the NUL marker from a str, so the
    # positions are found in Python.)
    word_pos = np.fromiter((i for i, k in enumerate(keys) if k != _BREAK), dtype=np.int64)
    ids = np.full(len(keys), -2, dtype=np.int64)
    if len(word_pos):
        ids[word_pos] = evidence.ids([keys[i] for i in word_pos.tolist()])
    return ids


def _stream_columns(
    out: np.ndarray, ids: np.ndarray, owner: np.ndarray, n: int, evidence: Evidence
) -> None:
    """Unknown-word share, word and n-gram rarity, with one batch lookup per table, from the
    key stream's ids (see :func:`_stream_ids`) and the sentence of each."""
    is_word = ids != -2
    known = ids >= 0
    wsel = np.flatnonzero(is_word)
    uni = np.log1p(evidence.unigram_ids(np.where(known[wsel], ids[wsel], -1)))
    st = segment_stats(np.stack([uni, uni < np.log1p(RARE_COUNT), ~known[wsel]]), owner[wsel], n)
    mean = st.means()
    out[:, _COL["unknown_share"]] = mean[2]
    out[:, _COL["unigram_logc_mean"]] = mean[0]
    out[:, _COL["unigram_logc_min"]] = st.finite_mins()[0]
    out[:, _COL["rare_word_share"]] = mean[1]
    # N-grams over adjacent positions with no break between them.
    for order, prefix in ((2, "bigram"), (3, "trigram")):
        m = len(ids) - order + 1
        if m <= 0:
            continue
        parts = [ids[k : k + m] for k in range(order)]
        pair = np.logical_and.reduce([p != -2 for p in parts])
        if not pair.any():
            continue
        both_known = np.logical_and.reduce([p >= 0 for p in parts]) & pair
        sel = np.flatnonzero(pair)
        counts = np.zeros(len(sel))
        kk = both_known[sel]
        if kk.any():
            sub = [p[sel[kk]] for p in parts]
            if order == 2:
                counts[kk] = evidence.bigram_ids(*sub)
            else:
                counts[kk] = evidence.trigram_ids(*sub)
        zero = (counts == 0) & kk
        # Rows summarised per sentence in one pass: log count, unseen known n-grams, known
        # n-grams; for pairs also the association of the known ones (0 elsewhere adds nothing
        # to a sum, +inf elsewhere is never the least) and the unexpected unseen pairs.
        rows = [np.log1p(counts), zero, kk]
        if order == 2:
            # Association: a pair of common words that is (nearly) never seen together is the
            # trace of a substitution, a pair of rare words with no count is not.
            a, b = (p[sel] for p in parts)
            total = max(float(getattr(evidence, "total_words", 1.0)), 1.0)
            expected = np.zeros(len(sel))
            expected[kk] = evidence.unigram_ids(a[kk]) * evidence.unigram_ids(b[kk]) / total
            pmi = np.log((counts + 0.5) / (expected + 0.5))
            rows += [np.where(kk, pmi, 0.0), np.where(kk, pmi, np.inf), zero & (expected >= 1.0)]
        st = segment_stats(np.stack(rows), owner[sel], n)
        per_known = _share_rows(st.sums, st.sums[2])  # over the known n-grams
        mins = st.finite_mins()
        out[:, _COL[f"{prefix}_logc_mean"]] = st.means()[0]
        out[:, _COL[f"{prefix}_logc_min"]] = mins[0]
        out[:, _COL[f"{prefix}_zero_share"]] = per_known[1]
        if order == 2 and kk.any():
            out[:, _COL["bigram_pmi_mean"]] = per_known[3]
            out[:, _COL["bigram_pmi_min"]] = mins[4]
            out[:, _COL["bigram_unexpected_share"]] = per_known[5]
