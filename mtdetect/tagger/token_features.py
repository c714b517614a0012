"""Token features for the span tagger, computed as arrays over a whole document.

For every word of a document, :func:`token_features` computes :data:`TOKEN_FEATURES` from
the document view (:class:`~mtdetect.tagger.docview.DocView`): Kneser-Ney probabilities from both
sides and relative to the document, n-gram counts, the gain of the best candidate original
(thesaurus swap, pair swap, another preposition, a dropped word, see
:mod:`mtdetect.tagger.candidates`), capitalisation and name evidence (a rare name that nearly
matches another name of the same document), and topic fit (word vectors against the
document's centroid). What the searches found is returned beside the matrix
(:class:`TokenEvidence`), for the spans' families, explanations and suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mtdetect.evidence import LINK_FLAGS
from mtdetect.tagger.candidates import (
    Candidates,
    collocate_substitutions,
    function_swaps,
    insertions,
    pair_substitutions,
    substitutions,
)
from mtdetect.tagger.docview import DocView

__all__ = ["FEATURE_INDEX", "TOKEN_FEATURES", "TokenEvidence", "token_features"]

TOKEN_FEATURES: tuple[str, ...] = (
    "lm_fwd",
    "lm_bwd",
    "lm_uni",
    "lm_fwd_ctx_gain",
    "lm_bwd_ctx_gain",
    "lm_fwd_next",
    "lm_bwd_prev",
    "lm_fwd_rel_doc",
    "lm_bwd_rel_doc",
    "log_count",
    "log_corpus",
    "log_web",
    "cap_ratio",
    "capital",
    "initial",
    "number",
    "function",
    "preposition",
    "article",
    "length",
    "log_bigram_left",
    "log_bigram_right",
    "log_trigram_mid",
    "link_left",
    "link_right",
    "sub_gain",
    "sub_tried",
    "sub_tortured",
    "sub_oewn",
    "sub_moby",
    "sub_freq_ratio",
    "pair_gain",
    "col_gain",
    "func_gain",
    "ins_gain",
    "ins_gain_next",
    "unknown",
    "unknown_cap",
    "doc_near_name",
    "lower_name",
    "topic_fit",
    "sub_topic_gain",
    "sent_lm_mean",
    "doc_lm_mean",
    "window_min_fwd",
    "neighbour_sub_gain",
    "sub_restored_count",
    "sub_compound",
    "pair_restored_count",
    "pair_tortured",
    "pair_compound",
)
#: Column of each feature in the matrix.
FEATURE_INDEX = {name: i for i, name in enumerate(TOKEN_FEATURES)}


@dataclass(slots=True)
class TokenEvidence:
    """What :func:`token_features` found besides the matrix: candidates and name evidence."""

    sub: Candidates
    pair: Candidates
    col: Candidates
    func: Candidates
    ins: Candidates
    near_name: list[str | None]  # the document's name a token nearly matches, or None


def _edit_distance_le(a: str, b: str, k: int) -> bool:
    """Whether the Levenshtein distance of ``a`` and ``b`` is at most ``k`` (small k).

    A common prefix or suffix never needs an edit, so it is cut off; then the first
    characters differ and one of the three edits there must be part of a shortest script:
    at most 3**k branches, each a few string operations (names are compared by the
    thousand, and a full table of distances costs several times more).
    """
    if abs(len(a) - len(b)) > k:
        return False
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    j = 0
    while j < n - i and a[-1 - j] == b[-1 - j]:
        j += 1
    a, b = a[i : len(a) - j], b[i : len(b) - j]
    if not a or not b:
        return max(len(a), len(b)) <= k
    if k == 0:
        return False
    return (
        _edit_distance_le(a[1:], b[1:], k - 1)
        or _edit_distance_le(a[1:], b, k - 1)
        or _edit_distance_le(a, b[1:], k - 1)
    )


#: A capitalised word is "rare" (a possible slip) under this corpus count and at least this long;
#: a name it nearly matches shares its first letters and is at most a few edits away.
NEAR_NAME_MAX_COUNT = 200
NEAR_NAME_MIN_LENGTH = 4
NEAR_NAME_PREFIX = 3
NEAR_NAME_MAX_EDITS = 2


def _near_names(view: DocView) -> list[str | None]:
    """For each rare capitalised word, a more frequent capitalised word of the same
    document that it nearly matches (same first three letters, at most two edits):
    "Kenyon" in a text that also says "Kenya" or "Kenyan". Needs no dictionary."""
    out: list[str | None] = [None] * len(view)
    caps = np.flatnonzero(view.capital & view.alpha)
    if len(caps) < 2:
        return out
    surface = view.surface
    counts = view.corpus_unigram[caps]
    # one count per word (a word's tokens share its id, hence its count), first seen first
    by_word = dict(zip([surface[i] for i in caps.tolist()], counts.tolist(), strict=True))
    # Candidates share the first three letters: bucket them so that a text with thousands
    # of distinct capitalised tokens (base64, code) is not compared pair by pair.
    by_prefix: dict[str, list[str]] = {}
    for u in by_word:
        by_prefix.setdefault(u[:NEAR_NAME_PREFIX], []).append(u)
    rare = caps[(counts < NEAR_NAME_MAX_COUNT) & (view.length[caps] >= NEAR_NAME_MIN_LENGTH)]
    for i in rare.tolist():
        w = surface[i]
        cw = by_word[w]
        for u in by_prefix[w[:NEAR_NAME_PREFIX]]:
            if u == w or by_word[u] <= cw:
                continue
            if u.lower().startswith(w.lower()) or w.lower().startswith(u.lower()):
                continue  # Kenya / Kenyan: an inflection, not a slip
            if _edit_distance_le(w, u, NEAR_NAME_MAX_EDITS):
                out[i] = u
                break
    return out


def _doc_centroid(view: DocView, content: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors of the tokens and the document's unit centroid of content words."""
    ev = view.evidence
    vec = ev.vector_ids(view.ids)
    sel = content & (vec != 0).any(axis=1)
    if not sel.any():
        return vec, np.zeros(vec.shape[1], np.float32)
    c = vec[sel].sum(axis=0)
    norm = np.linalg.norm(c)
    return vec, (c / norm if norm > 0 else c)


def _median(x: np.ndarray) -> float:
    """``np.median`` of a non-empty 1-d float array, without its NaN check (the language
    model never returns NaN), which costs more than the median of a short document."""
    n = len(x)
    part = np.partition(x, [(n - 1) // 2, n // 2])
    return float((part[(n - 1) // 2] + part[n // 2]) / 2) if n % 2 == 0 else float(part[n // 2])


def _sentence_means(view: DocView, values: np.ndarray) -> np.ndarray:
    """Each token's sentence mean of ``values``."""
    out = np.zeros(len(view))
    add = np.add.reduce  # what ndarray.mean sums with, without its per-call checks
    for sl in view.sentence_slices():
        if sl.stop > sl.start:
            out[sl] = add(values[sl]) / (sl.stop - sl.start)
    return out


def _restored_by_swap(view: DocView, sub: Candidates) -> tuple[np.ndarray, np.ndarray]:
    """How often the wording a thesaurus swap restores occurs with the word's neighbours (the
    larger of the two pairs), and whether either pair is a WordNet compound."""
    n, ev = len(view), view.evidence
    best_or_self = np.where(sub.best >= 0, sub.best, view.ids)
    # (left neighbour, restored word) and (restored word, right neighbour), in one lookup each
    firsts = np.concatenate([view.prev1, best_or_self])
    seconds = np.concatenate([best_or_self, view.next1])
    restored = ev.bigram_ids(firsts, seconds)
    compound = ev.compound_ids(firsts, seconds)
    return np.maximum(restored[:n], restored[n:]), compound[:n] | compound[n:]


def _restored_by_pair(view: DocView, pair: Candidates) -> tuple[np.ndarray, np.ndarray]:
    """The restored pair of a pair swap, (this word's original, the next one's) or the one
    before, counted once per position: how often it occurs, and whether it is a compound."""
    n, ev = len(view), view.evidence
    pb = np.where(pair.best >= 0, pair.best, -1)
    right_pair = np.zeros(n)
    left_pair = np.zeros(n)
    comp_r = np.zeros(n, bool)
    comp_l = np.zeros(n, bool)
    if n > 1:
        both = (pb[:-1] >= 0) & (pb[1:] >= 0)
        counts = np.where(both, ev.bigram_ids(pb[:-1], pb[1:]), 0.0)
        comp = both & ev.compound_ids(pb[:-1], pb[1:])
        right_pair[:-1] = counts
        left_pair[1:] = counts
        comp_r[:-1] = comp
        comp_l[1:] = comp
    return np.maximum(right_pair, left_pair), comp_r | comp_l


def token_features(view: DocView) -> tuple[np.ndarray, TokenEvidence]:
    """The feature matrix (float32, ``len(view)`` x ``len(TOKEN_FEATURES)``) and evidence."""
    n = len(view)
    X = np.zeros((n, len(TOKEN_FEATURES)), dtype=np.float32)
    if n == 0:
        e = Candidates.empty(0)
        return X, TokenEvidence(e, e, e, e, e, [])
    ev = view.evidence
    fwd, bwd, uni = view.lm_forward, view.lm_backward, view.lm_unigram
    content = view.alpha & ~view.function & ~view.number
    med_f = _median(fwd[content]) if content.any() else _median(fwd)
    med_b = _median(bwd[content]) if content.any() else _median(bwd)
    sub = substitutions(view)
    pair = pair_substitutions(view, sub)
    colloc = collocate_substitutions(view)
    func = function_swaps(view)
    ins = insertions(view)
    near = _near_names(view)
    vec, centroid = _doc_centroid(view, content)
    topic = vec @ centroid if len(centroid) else np.zeros(n)
    best_vec = ev.vector_ids(np.maximum(sub.best, 0))
    best_topic = np.where(sub.best >= 0, best_vec @ centroid if len(centroid) else 0.0, topic)
    cr = view.cap_ratio
    corpus = view.corpus_unigram
    sent_mean = _sentence_means(view, fwd)
    fwd_next = np.zeros(n)
    fwd_next[:-1] = np.where(view.link[1:], fwd[1:], 0.0)
    bwd_prev = np.zeros(n)
    bwd_prev[1:] = np.where(view.link[1:], bwd[:-1], 0.0)
    win = np.minimum(fwd, fwd_next)  # log-probabilities: 0 (no next word) never wins
    nb_sub = np.zeros(n)
    nb_sub[1:] = np.maximum(nb_sub[1:], sub.gain[:-1])
    nb_sub[:-1] = np.maximum(nb_sub[:-1], sub.gain[1:])
    ins_next = np.zeros(n)
    ins_next[:-1] = ins.gain[1:]
    uni_best = ev.unigram_ids(sub.best)
    sub_restored, sub_compound = _restored_by_swap(view, sub)
    pair_restored, pair_compound = _restored_by_pair(view, pair)
    cols = {
        "lm_fwd": fwd,
        "lm_bwd": bwd,
        "lm_uni": uni,
        "lm_fwd_ctx_gain": fwd - uni,
        "lm_bwd_ctx_gain": bwd - uni,
        "lm_fwd_next": fwd_next,
        "lm_bwd_prev": bwd_prev,
        "lm_fwd_rel_doc": fwd - med_f,
        "lm_bwd_rel_doc": bwd - med_b,
        "log_count": np.log1p(view.unigram),
        "log_corpus": np.log1p(corpus),
        "log_web": np.log1p(ev.web_ids(view.ids)),
        "cap_ratio": np.where(np.isnan(cr), -1.0, cr),
        "capital": view.capital,
        "initial": view.initial,
        "number": view.number,
        "function": view.function,
        "preposition": view.preposition,
        "article": view.article,
        "length": np.minimum(view.length, 20),
        "log_bigram_left": np.where(view.link, np.log1p(view.bigram_left), -1.0),
        "log_bigram_right": np.where(view.link_right, np.log1p(view.bigram_right), -1.0),
        "log_trigram_mid": np.where(view.link & view.link_right, np.log1p(view.trigram_mid), -1.0),
        "link_left": view.link,
        "link_right": view.link_right,
        "sub_gain": sub.gain,
        "sub_tried": sub.tried,
        "sub_tortured": (sub.flags & LINK_FLAGS["tortured"]) > 0,
        "sub_oewn": (sub.flags & (LINK_FLAGS["oewn"] | LINK_FLAGS["inflection"])) > 0,
        "sub_moby": (sub.flags & LINK_FLAGS["moby"]) > 0,
        "sub_freq_ratio": np.where(
            sub.best >= 0, np.log((uni_best + 1.0) / (view.unigram + 1.0)), 0.0
        ),
        "pair_gain": pair.gain,
        "col_gain": colloc.gain,
        "func_gain": func.gain,
        "ins_gain": ins.gain,
        "ins_gain_next": ins_next,
        "unknown": view.ids < 0,
        "unknown_cap": (view.ids < 0) & view.capital & ~view.initial,
        "doc_near_name": [x is not None for x in near],
        "lower_name": ~view.capital & view.alpha & (cr >= 0.9) & (corpus >= 20),
        "topic_fit": topic,
        "sub_topic_gain": best_topic - topic,
        "sent_lm_mean": sent_mean,
        "doc_lm_mean": np.full(n, fwd.mean()),
        "window_min_fwd": win,
        "neighbour_sub_gain": nb_sub,
        # How common the restored wording is, and whether it is a WordNet compound: the raw
        # evidence behind the smoothed gains ("artificial intelligence": 271 occurrences).
        "sub_restored_count": np.log1p(np.where(sub.best >= 0, sub_restored, 0.0)),
        "sub_compound": (sub.best >= 0) & sub_compound,
        "pair_restored_count": np.log1p(pair_restored),
        "pair_tortured": (pair.flags & LINK_FLAGS["tortured"]) > 0,
        "pair_compound": pair_compound,
    }
    for name, col in cols.items():
        X[:, FEATURE_INDEX[name]] = col
    return X, TokenEvidence(sub, pair, colloc, func, ins, near)
