"""The span tagger: per-token evidence of machine rewriting, learned from real machine output.

For every word of a document, :func:`token_features` computes :data:`TOKEN_FEATURES` as
array operations over the whole document (:class:`~mtdetect.docview.DocView`): Kneser-Ney
probabilities from both sides and relative to the document, n-gram counts, the gain of the
best candidate original (thesaurus swap, pair swap, another preposition, a dropped word,
see :mod:`mtdetect.candidates`), capitalisation and name evidence, topic fit.

:class:`TaggerModel` turns them into a calibrated probability per token. It is an additive
model (a logistic regression over quantile bins of each feature, trained by
``training.train_tagger`` on round trips through a real MT engine and on spinner rewrites), so
the log-odds of a token is a sum of one contribution per feature. That makes every span
explain itself: :func:`tag_spans` groups the contributions by artifact family, names the
family with the most evidence and writes its explanation from the feature values.

The model is stored as plain arrays (``tagger.npz``: bin edges, bin weights, calibration),
read with ``allow_pickle=False``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mtdetect.candidates import (
    Candidates,
    function_swaps,
    insertions,
    pair_substitutions,
    substitutions,
)
from mtdetect.docview import DocView
from mtdetect.evidence import LINK_FLAGS
from mtdetect.result import Span

__all__ = [
    "FEATURE_FAMILY",
    "TOKEN_FEATURES",
    "Tagger",
    "TaggerModel",
    "TokenEvidence",
    "TokenOutputs",
    "load_tagger",
    "tag_spans",
    "token_features",
]

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
)
_COL = {name: i for i, name in enumerate(TOKEN_FEATURES)}

#: The artifact family each feature testifies for (features that describe rather than
#: accuse, such as the document means, testify for none).
FEATURE_FAMILY: dict[str, str | None] = {
    **dict.fromkeys(TOKEN_FEATURES, "literal-translation"),
    **dict.fromkeys(
        (
            "sub_gain",
            "sub_tried",
            "sub_tortured",
            "sub_oewn",
            "sub_moby",
            "sub_freq_ratio",
            "pair_gain",
            "sub_topic_gain",
            "neighbour_sub_gain",
            "topic_fit",
        ),
        "synonym-substitution",
    ),
    **dict.fromkeys(("func_gain", "preposition", "article", "function"), "function-word-swap"),
    **dict.fromkeys(("ins_gain", "ins_gain_next"), "dropped-word"),
    **dict.fromkeys(
        ("cap_ratio", "capital", "unknown_cap", "doc_near_name", "lower_name", "unknown"),
        "mangled-entity",
    ),
    **dict.fromkeys(
        ("initial", "number", "length", "link_left", "link_right", "sent_lm_mean", "doc_lm_mean"),
        None,
    ),
}


@dataclass(slots=True)
class TokenEvidence:
    """What :func:`token_features` found besides the matrix: candidates and name evidence."""

    sub: Candidates
    pair: Candidates
    func: Candidates
    ins: Candidates
    near_name: list[str | None]  # the document's name a token nearly matches, or None


def _edit_distance_le(a: str, b: str, k: int) -> bool:
    """Whether the Levenshtein distance of ``a`` and ``b`` is at most ``k`` (small k)."""
    if abs(len(a) - len(b)) > k:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        lo = i
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            lo = min(lo, cur[j])
        if lo > k:
            return False
        prev = cur
    return prev[-1] <= k


def _near_names(view: DocView) -> list[str | None]:
    """For each rare capitalised word, a more frequent capitalised word of the same
    document that it nearly matches (same first three letters, at most two edits):
    "Kenyon" in a text that also says "Kenya" or "Kenyan". Needs no dictionary."""
    out: list[str | None] = [None] * len(view)
    caps = np.flatnonzero(view.capital & view.alpha)
    if len(caps) < 2:
        return out
    counts = view.corpus_unigram
    by_word: dict[str, float] = {}
    for i in caps.tolist():
        by_word.setdefault(view.surface[i], float(counts[i]))
    words = list(by_word)
    for i in caps.tolist():
        w = view.surface[i]
        cw = by_word[w]
        if cw >= 200 or len(w) < 4:
            continue
        for u in words:
            if u == w or u[:3] != w[:3] or by_word[u] <= cw:
                continue
            if u.lower().startswith(w.lower()) or w.lower().startswith(u.lower()):
                continue  # Kenya / Kenyan: an inflection, not a slip
            if _edit_distance_le(w, u, 2):
                out[i] = u
                break
    return out


def _doc_centroid(view: DocView, content: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors of the tokens and the document's unit centroid of content words."""
    ev = view.evidence
    vec = ev.vector_ids(view.ids)
    sel = content & (np.abs(vec).sum(axis=1) > 0)
    if not sel.any():
        return vec, np.zeros(vec.shape[1], np.float32)
    c = vec[sel].sum(axis=0)
    norm = np.linalg.norm(c)
    return vec, (c / norm if norm > 0 else c)


def token_features(view: DocView) -> tuple[np.ndarray, TokenEvidence]:
    """The feature matrix (float32, ``len(view)`` x ``len(TOKEN_FEATURES)``) and evidence."""
    n = len(view)
    X = np.zeros((n, len(TOKEN_FEATURES)), dtype=np.float32)
    if n == 0:
        e = Candidates.empty(0)
        return X, TokenEvidence(e, e, e, e, [])
    ev = view.evidence
    fwd, bwd, uni = view.lm_forward, view.lm_backward, view.lm_unigram
    content = view.alpha & ~view.function & ~view.number
    med_f = float(np.median(fwd[content])) if content.any() else float(np.median(fwd))
    med_b = float(np.median(bwd[content])) if content.any() else float(np.median(bwd))
    sub = substitutions(view)
    pair = pair_substitutions(view, sub)
    func = function_swaps(view)
    ins = insertions(view)
    near = _near_names(view)
    vec, centroid = _doc_centroid(view, content)
    topic = vec @ centroid if len(centroid) else np.zeros(n)
    best_vec = ev.vector_ids(np.maximum(sub.best, 0))
    best_topic = np.where(sub.best >= 0, best_vec @ centroid if len(centroid) else 0.0, topic)
    cr = view.cap_ratio
    corpus = view.corpus_unigram
    sent_mean = np.zeros(n)
    for sl in view.sentence_slices():
        if sl.stop > sl.start:
            sent_mean[sl] = fwd[sl].mean()
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
        "func_gain": func.gain,
        "ins_gain": ins.gain,
        "ins_gain_next": ins_next,
        "unknown": view.ids < 0,
        "unknown_cap": (view.ids < 0) & view.capital & ~view.initial,
        "doc_near_name": np.fromiter((x is not None for x in near), bool, n),
        "lower_name": ~view.capital & view.alpha & (cr >= 0.9) & (corpus >= 20),
        "topic_fit": topic,
        "sub_topic_gain": best_topic - topic,
        "sent_lm_mean": sent_mean,
        "doc_lm_mean": np.full(n, fwd.mean()),
        "window_min_fwd": win,
        "neighbour_sub_gain": nb_sub,
    }
    for name, col in cols.items():
        X[:, _COL[name]] = col
    return X, TokenEvidence(sub, pair, func, ins, near)


@dataclass
class TaggerModel:
    """Additive logistic model over quantile bins of each token feature.

    ``edges[j]`` are the bin edges of feature ``j`` (ascending; ``np.searchsorted`` with
    ``side="right"`` gives the bin), ``weights[j]`` one log-odds contribution per bin,
    ``baseline[j]`` the contribution of a typical clean token (subtracted when attributing
    evidence), ``intercept``; ``calib_a``/``calib_b`` a sigmoid calibration of the summed
    log-odds; ``threshold`` the probability a token needs to become part of a span.
    """

    features: tuple[str, ...]
    edges: list[np.ndarray]
    weights: list[np.ndarray]
    baseline: np.ndarray
    intercept: float
    calib_a: float = 1.0
    calib_b: float = 0.0
    threshold: float = 0.5
    meta: dict = field(default_factory=dict)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per-token, per-feature log-odds contributions relative to the baseline."""
        out = np.empty((X.shape[0], len(self.features)), dtype=np.float64)
        for j in range(len(self.features)):
            b = np.searchsorted(self.edges[j], X[:, j], side="right")
            out[:, j] = self.weights[j][b] - self.baseline[j]
        return out

    def decision(self, X: np.ndarray, contrib: np.ndarray | None = None) -> np.ndarray:
        """Summed log-odds per token (before calibration)."""
        if contrib is None:
            contrib = self.contributions(X)
        return contrib.sum(axis=1) + self.baseline.sum() + self.intercept

    def predict_proba(self, X: np.ndarray, contrib: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probability per token that it was changed by machine rewriting."""
        z = self.calib_a * self.decision(X, contrib) + self.calib_b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    # -- storage ----------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the model as plain arrays (``.npz``)."""
        lens = np.array([len(e) for e in self.edges], dtype=np.int64)
        np.savez(
            path,
            features=np.array(self.features),
            edge_lens=lens,
            edges=np.concatenate(self.edges).astype(np.float64) if len(lens) else np.zeros(0),
            weights=np.concatenate(self.weights).astype(np.float64),
            baseline=self.baseline.astype(np.float64),
            scalars=np.array([self.intercept, self.calib_a, self.calib_b, self.threshold]),
        )

    @classmethod
    def load(cls, path: str | Path) -> TaggerModel:
        """Read a model written by :meth:`save` (no pickles)."""
        with np.load(path, allow_pickle=False) as z:
            features = tuple(str(x) for x in z["features"])
            lens = z["edge_lens"]
            edges_flat, weights_flat = z["edges"], z["weights"]
            baseline = z["baseline"]
            intercept, a, b, thr = (float(x) for x in z["scalars"])
        if features != TOKEN_FEATURES:
            raise ValueError("tagger model was trained on other token features: retrain it")
        edges, weights = [], []
        pe = pw = 0
        for n in lens.tolist():
            edges.append(edges_flat[pe : pe + n])
            weights.append(weights_flat[pw : pw + n + 1])
            pe += n
            pw += n + 1
        return cls(features, edges, weights, baseline, intercept, a, b, thr)


# --- spans ------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    if x < 1:
        return "0"
    if x < 1000:
        return f"{x:,.0f}"
    return f"{float(f'{x:.2g}'):,.0f}"


def _match_case(surface: str, word: str) -> str:
    if surface.isupper() and len(surface) > 1:
        return word.upper()
    if surface[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def tag_spans(
    view: DocView,
    X: np.ndarray,
    proba: np.ndarray,
    contrib: np.ndarray,
    evidence: TokenEvidence,
    threshold: float,
) -> list[Span]:
    """Runs of tokens at or above ``threshold`` as spans, each with its family, strength,
    explanation and (where a candidate search found one) suggestion."""
    spans: list[Span] = []
    n = len(view)
    hot = proba >= threshold
    if not hot.any():
        return spans
    fam_names = [FEATURE_FAMILY.get(f) for f in TOKEN_FEATURES]
    families = sorted({f for f in fam_names if f})
    fam_index = {f: k for k, f in enumerate(families)}
    fam_mat = np.zeros((len(TOKEN_FEATURES), len(families)))
    for j, f in enumerate(fam_names):
        if f:
            fam_mat[j, fam_index[f]] = 1.0
    by_family = np.maximum(contrib, 0.0) @ fam_mat
    ev = view.evidence
    i = 0
    while i < n:
        if not hot[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and hot[j + 1] and view.link[j + 1]:
            j += 1
        peak = i + int(np.argmax(proba[i : j + 1]))
        fam = families[int(np.argmax(by_family[i : j + 1].sum(axis=0)))]
        start, end = int(view.start[i]), int(view.end[j])
        explanation, suggestion = _explain(view, X, evidence, fam, i, j, peak)
        if fam == "synonym-substitution" and suggestion is not None:
            # a swap inside a compound or named expression is a broken collocation
            best = (
                evidence.sub.best[peak]
                if evidence.sub.best[peak] >= 0
                else evidence.pair.best[peak]
            )
            left, right = view.prev1[peak], view.next1[peak]
            if best >= 0 and (
                ev.compound_ids(np.array([left]), np.array([best]))[0]
                or ev.compound_ids(np.array([best]), np.array([right]))[0]
            ):
                fam = "broken-collocation"
        spans.append(
            Span(start, end, view.text[start:end], fam, float(proba[peak]), explanation, suggestion)
        )
        i = j + 1
    return spans


def _explain(
    view: DocView, X: np.ndarray, te: TokenEvidence, fam: str, i: int, j: int, peak: int
) -> tuple[str, str | None]:
    """One line of evidence for the span ``i..j`` and the likely original, if known."""
    ev = view.evidence
    phrase = " ".join(view.surface[i : j + 1])
    if fam in ("synonym-substitution", "broken-collocation"):
        words = list(view.surface[i : j + 1])
        changed = False
        for k in range(i, j + 1):
            best = te.pair.best[k] if te.pair.gain[k] > te.sub.gain[k] else te.sub.best[k]
            if best >= 0:
                words[k - i] = _match_case(view.surface[k], ev.word(int(best)))
                changed = True
        if changed:
            sugg = " ".join(words)
            gain = float(max(te.sub.gain[i : j + 1].max(), te.pair.gain[i : j + 1].max()))
            return (
                f"'{phrase}' is unusual here; '{sugg}' fits the context about "
                f"{_fmt(np.exp(min(gain, 50)))}x better",
                sugg,
            )
    if fam == "function-word-swap":
        for k in range(i, j + 1):
            if te.func.best[k] >= 0:
                w = _match_case(view.surface[k], ev.word(int(te.func.best[k])))
                sugg = " ".join(w if m == k else view.surface[m] for m in range(i, j + 1))
                return (
                    f"'{view.surface[k]}' is an unlikely preposition or article here; "
                    f"'{w}' fits about {_fmt(np.exp(min(te.func.gain[k], 50)))}x better",
                    sugg,
                )
    if fam == "dropped-word":
        for k in range(i, j + 2):
            if k < len(view) and te.ins.best[k] >= 0 and view.link[k]:
                w = ev.word(int(te.ins.best[k]))
                return (
                    f"a word seems to be missing between '{view.surface[k - 1]}' and "
                    f"'{view.surface[k]}' (e.g. '{w}')",
                    f"{view.surface[k - 1]} {w} {view.surface[k]}",
                )
    if fam == "mangled-entity":
        for k in range(i, j + 1):
            if te.near_name[k]:
                return (
                    f"'{view.surface[k]}' looks like a misspelling of '{te.near_name[k]}', "
                    "which this text also uses",
                    te.near_name[k],
                )
            if X[k, _COL["lower_name"]]:
                name = view.surface[k][:1].upper() + view.surface[k][1:]
                return (f"the name '{name}' is written in lower case", name)
            if X[k, _COL["unknown_cap"]]:
                return (f"'{view.surface[k]}' is a capitalised word no reference list knows", None)
    count = float(view.bigram_left[peak]) if view.link[peak] else float(view.unigram[peak])
    return (
        f"'{phrase}' reads as word-for-word or garbled text: the reference counts have "
        f"'{' '.join(view.surface[max(i - 1, 0) if view.link[i] else i : j + 1])}' "
        f"{_fmt(count)} times",
        None,
    )


# --- run time ---------------------------------------------------------------------------------


@dataclass(slots=True)
class TokenOutputs:
    """The tagger's view of one document, for the sentence features."""

    view: DocView
    X: np.ndarray
    proba: np.ndarray
    threshold: float


class Tagger:
    """Runs the tagger on a segmented document: spans for the report, token outputs for the
    sentence classifier. Build with :func:`load_tagger`."""

    name = "tagger"
    family = "synonym-substitution"  # reports several families; this is the most common

    def __init__(self, model: TaggerModel, evidence) -> None:
        self.model = model
        self.evidence = evidence

    def run(self, text: str, sentences) -> tuple[list[Span], TokenOutputs]:
        from mtdetect.docview import build_view

        view = build_view(self.evidence, text, sentences)
        X, te = token_features(view)
        if len(view):
            contrib = self.model.contributions(X)
            proba = self.model.predict_proba(X, contrib)
            spans = tag_spans(view, X, proba, contrib, te, self.model.threshold)
        else:
            proba = np.zeros(0)
            spans = []
        return spans, TokenOutputs(view, X, proba, self.model.threshold)

    def detect(self, text: str, sentences) -> list[Span]:
        """The :class:`~mtdetect.detectors.Detector` interface: spans only."""
        return self.run(text, sentences)[0]


def load_tagger(path: str | Path, evidence=None) -> Tagger:
    """A :class:`Tagger` for the model file at ``path`` and the (packaged) evidence base."""
    if evidence is None:
        from mtdetect.evidence import load_evidence

        evidence = load_evidence()
    return Tagger(TaggerModel.load(path), evidence)
