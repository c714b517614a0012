"""Train and evaluate the span tagger (``mtdetect/data/model/tagger.npz``).

Usage::

    python -m training.train_tagger [--data DIR] [--out mtdetect/data/model] [--quick]
                                    [--flags-per-1000 1.0] [--jobs 2] [--pool-limit 150]
                                    [--points-only]

Needs the round trips of :mod:`training.roundtrip` in the training cache. Steps:

1. documents: Apertium round trips (pivots ``spa``, ``cat``, ``glg``, chain ``cat+glg``),
   their clean originals, spinner rewrites of the same originals, the originals with a
   published tortured phrase (training part of the list) in place of its expected phrase, and
   the native English of the WMT test sets as more clean text (:mod:`training.tagger_data`);
2. token features (:func:`mtdetect.tagger.token_features`), cached;
3. gradient-boosted trees (scikit-learn, exported to plain arrays), fitted on the ``train``
   blocks with every kind and, within it, every register weighted the same; a sigmoid
   calibration on ``dev``; the span threshold set on ``dev`` so that the clean text of every
   register gets at most ``--flags-per-1000`` flagged tokens per 1,000 words (informal
   prose and fiction 1.5);
   then the thresholds of the shown sensitivities (``--sensitivity``) and the precision map
   of shown strengths, on the dev blocks and a larger sample of clean dev prose
   (``--pool-limit`` documents per source, :func:`clean_pool`), leaving room in every
   register for what the rule detectors and document passes show there
   (``--points-only`` redoes only this step for the shipped trees);
4. evaluation on ``test`` blocks (never seen by the tables or the model): token ROC-AUC and
   span precision/recall per source, and the cross-pivot protocol: for each pivot, a model
   trained without it (and without chains through it) is tested on that pivot's round trips.

Writes ``tagger.npz`` and ``tagger_report.json`` to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mtdetect.tagger.spans import TOKEN_FEATURES, TaggerModel
from mtdetect.tagger.trees import TreeEnsemble
from training.corpora import clean_sample
from training.tagger_data import (
    TokenData,
    featurize_tokens,
    roundtrip_docs,
    spin_docs,
    tortured_docs,
)

__all__ = [
    "calibrate",
    "choose_points",
    "choose_threshold",
    "evaluate",
    "fit_precision",
    "fit_tagger",
    "main",
]

SEED = 0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def native_web_docs(root: str | None = None) -> list:
    """Native English of the WMT test sets (news, e-commerce, customer-service chat, social
    posts) as clean documents of the register ``web``, in their own fixed splits."""
    from training.corpora import data_dir
    from training.datasets import wmt21_docs, wmt_docs

    base = data_dir(root)
    out = [d for d in wmt_docs(base) + wmt21_docs(base) if d.kind == "wmt-orig"]
    for d in out:
        d.kind = "clean"
        d.meta = {**d.meta, "register": "web"}
    return out


#: Weight of each kind in training (the spinner simulation is our own generator: it counts
#: half as much as real machine output).
KIND_WEIGHT = {"spin": 0.5, "tortured": 0.5}


def sample_weights(data: TokenData) -> np.ndarray:
    """Documents of each kind weigh the same in total (:data:`KIND_WEIGHT` aside), whatever
    their length; so do the registers within each kind (informal prose is scarce but must
    not be flagged)."""
    kinds = np.array([d.kind for d in data.docs])[data.doc]
    regs = np.array([d.meta.get("register", "") for d in data.docs])[data.doc]
    w = np.ones(len(data.y))
    kind_names = np.unique(kinds)
    for k in kind_names:
        m = kinds == k
        reg_names = np.unique(regs[m])
        for r in reg_names:
            mr = m & (regs == r)
            share = KIND_WEIGHT.get(str(k), 1.0)
            w[mr] = share * len(data.y) / (len(kind_names) * len(reg_names) * mr.sum())
    return w


def fit_tagger(
    train: TokenData,
    max_iter: int = 200,
    learning_rate: float = 0.1,
    max_leaf_nodes: int = 31,
    min_samples_leaf: int = 100,
) -> TaggerModel:
    """Gradient-boosted trees on ``train`` (uncalibrated; see :func:`calibrate`)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    clf = HistGradientBoostingClassifier(
        max_iter=max_iter,
        learning_rate=learning_rate,
        max_leaf_nodes=max_leaf_nodes,
        min_samples_leaf=min_samples_leaf,
        early_stopping=False,
        random_state=SEED,
    )
    clf.fit(train.X, train.y, sample_weight=sample_weights(train))
    meta = {
        "max_iter": max_iter,
        "learning_rate": learning_rate,
        "max_leaf_nodes": max_leaf_nodes,
        "min_samples_leaf": min_samples_leaf,
    }
    return TaggerModel(TOKEN_FEATURES, TreeEnsemble.from_sklearn(clf), meta=meta)


def calibrate(model: TaggerModel, dev: TokenData) -> None:
    """Sigmoid (Platt) calibration of the model's log-odds on ``dev``, in place."""
    from sklearn.linear_model import LogisticRegression

    z = model.trees.decision(dev.X).reshape(-1, 1)
    lr = LogisticRegression(C=1e4, max_iter=1000).fit(z, dev.y)
    model.calib_a = float(lr.coef_[0, 0])
    model.calib_b = float(lr.intercept_[0])


def _kinds(data: TokenData) -> np.ndarray:
    return np.array([d.kind for d in data.docs])[data.doc] if len(data.doc) else np.zeros(0, str)


#: Multipliers of ``--flags-per-1000`` per register for the tagger's own threshold (at the
#: default 1.0: at most 1.0 flag per 1,000 words of clean news, 1.5 of informal web text). Informal prose and the native web
#: text of the WMT sets are pooled: each of their dev sets alone is a few thousand words.
REGISTER_RATES = {"news": 1.0, "encyclopedic": 1.0, "science": 1.0, "informal": 1.5}
_POOL = {"web": "informal"}
#: Registers measured but not used to set the thresholds: Brown's 1961 fiction and essays
#: (literary vocabulary) and the formulaic Beige Book reports.
_NOT_SETTING = frozenset({"fiction", "reports"})


#: Shares of each register's flag budget tried for explained tokens (see
#: :func:`mtdetect.tagger.spans.explained`); the rest goes to tokens flagged on the model alone.
EXPLAINED_SHARES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


#: Clean dev documents per source read for the shown sensitivities (``--pool-limit``): every
#: dev document of the small sources, 150 of the large ones.
POOL_LIMIT = 150
#: The shown sensitivities are set for this share of their clean-flag rates on dev: set on one
#: half of the dev prose, they flag the other half up to 4% over the rate in its worst
#: register (0.99 and 1.04 per 1,000 at the default), so a margin is kept for unseen text.
POOL_MARGIN = 0.85
_WORD_RE = re.compile(r"[^\W\d_]+")


@dataclass
class CleanPool:
    """Clean prose the shown sensitivities are set on, beside the tagger's own dev blocks:
    each word token's probability, whether a candidate search explained it, its register;
    and per register the words and, per sensitivity, the spans that the rule detectors and
    the document passes show there (the tagger's budget leaves room for them)."""

    p: np.ndarray
    explained: np.ndarray
    register: np.ndarray
    words: dict[str, int] = field(default_factory=dict)
    rule_flags: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Per token: its document is one the shipped classifier calls *rewritten* (all False
    #: without a classifier).
    rewritten: np.ndarray | None = None

    def rule_rate(self, sensitivity: str, register: str) -> float:
        """Rule and pass spans per 1,000 words of ``register`` at ``sensitivity``."""
        words = self.words.get(register, 0)
        return 1000 * self.rule_flags[sensitivity].get(register, 0) / words if words else 0.0


def clean_pool(
    model: TaggerModel, split: str = "dev", limit: int = POOL_LIMIT, root: str | None = None,
    evidence: str | None = None, scorer=None,
) -> CleanPool:  # fmt: skip
    """The :class:`CleanPool` of :func:`training.corpora.clean_sample` ``(split, limit)``, as
    the pipeline sees it with ``model`` as its tagger (non-prose spans left out, as in the
    benchmarks), each document scored by ``scorer`` if given."""
    from mtdetect.pipeline import assign_spans
    from mtdetect.tagger.consistency import document_spans
    from mtdetect.tagger.spans import SENSITIVITIES, explained

    det = _pipeline(model, evidence, scorer)
    ps, exps, regs, rws = [], [], [], []
    words: dict[str, int] = defaultdict(int)
    rules: dict[str, dict[str, int]] = {s: defaultdict(int) for s in SENSITIVITIES}
    texts = clean_sample(split, limit, root, share=100)
    for k, (register, text) in enumerate(texts):
        sentences, ruled_all, tagged, tokens = det.find(text)
        ruled = [sp for sp in ruled_all if sp.family != "non-prose"]
        words[register] += len(_WORD_RE.findall(text))
        pairs = []
        if tokens is not None and len(tokens.view):
            ps.append(tokens.proba)
            exps.append(explained(tokens.X))
            regs.append(np.full(len(tokens.proba), register, dtype=object))
            pairs = tokens.pairs or []
            called = scorer is not None and _called(
                det, text, sentences, ruled_all + tagged, tokens
            )
            rws.append(np.full(len(tokens.proba), called))
        for s in SENSITIVITIES:
            passes = (
                document_spans(tokens.view, tokens.evidence, s)
                if tokens is not None and tokens.evidence is not None
                else []
            )
            rules[s][register] += sum(
                len(g) for g in assign_spans(sentences, ruled + pairs + passes)
            )
        if k % 500 == 0:
            log(f"  clean pool {k:,}/{len(texts):,}")
    cat = lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt)  # noqa: E731
    return CleanPool(
        cat(ps, np.float64), cat(exps, bool), cat(regs, object).astype(str), dict(words),
        {s: dict(v) for s, v in rules.items()}, cat(rws, bool),
    )  # fmt: skip


def _cut(p: np.ndarray, allowed: int) -> float:
    """The lowest threshold that at most ``allowed`` of the probabilities ``p`` reach (0 when
    all of them may)."""
    if len(p) <= allowed:
        return 0.0
    return float(np.sort(p)[::-1][allowed]) + 1e-9


def choose_threshold(
    model: TaggerModel,
    dev: TokenData,
    per_1000: float,
    every_register: bool = False,
    pool: CleanPool | None = None,
    sensitivity: str = "default",
) -> float:
    """Set the model's two span thresholds on dev and return the general one.

    For every register the clean dev tokens may be flagged at most ``per_1000`` times per
    1,000 (times :data:`REGISTER_RATES` for some; with ``every_register``, exactly
    ``per_1000`` in every register, fiction and reports included); that budget is split
    between explained tokens and the others, and the split (:data:`EXPLAINED_SHARES`) that
    flags the most changed tokens of the dev round trips and rewrites wins.

    With a ``pool`` (the shown sensitivities), its clean prose joins the dev blocks', each
    register's budget is :data:`POOL_MARGIN` of ``per_1000`` less what the rules and document
    passes show there at ``sensitivity``, and the split that wins flags the largest sum of
    recalls over round trips, spinner rewrites and tortured phrases (each kind counts the
    same, not by its number of words).
    """
    from mtdetect.tagger.spans import explained

    kinds = _kinds(dev)
    clean = kinds == "clean"
    regs = np.array([_POOL.get(r, r) for r in (d.meta.get("register", "") for d in dev.docs)])
    regs = regs[dev.doc]
    p_all = model.predict_proba(dev.X)
    exp = explained(dev.X)
    positive = ~clean & (dev.y == 1)
    weight = np.ones(int(positive.sum()))
    cp, cexp, creg = p_all[clean], exp[clean], regs[clean].astype(str)
    rates = {} if every_register else REGISTER_RATES
    not_setting = frozenset() if every_register else _NOT_SETTING
    allowance: dict[str, float] = {}
    if pool is not None:
        cp = np.concatenate([cp, pool.p])
        cexp = np.concatenate([cexp, pool.explained])
        creg = np.concatenate([creg, np.array([_POOL.get(r, r) for r in pool.register], str)])
        pk = kinds[positive]
        for kind in np.unique(pk):
            weight[pk == kind] = 1.0 / (pk == kind).sum()
        allowance = {r: per_1000 * POOL_MARGIN - pool.rule_rate(sensitivity, r)
                     for r in np.unique(creg)}  # fmt: skip
    setting = [r for r in np.unique(creg) if r not in not_setting]

    def budget(r: str, n: int) -> float:
        rate = allowance[r] if r in allowance else rates.get(r, 1.0) * per_1000
        return max(rate, 0.0) / 1000 * n

    best: tuple[float, float, float] | None = None
    for share in EXPLAINED_SHARES:
        thr = {True: 0.5, False: 0.5}
        for r in setting:
            in_reg = creg == r
            allowed = budget(str(r), int(in_reg.sum()))
            for flag, part in ((True, share), (False, 1 - share)):
                thr[flag] = max(thr[flag], _cut(cp[in_reg & (cexp == flag)], int(allowed * part)))
        t_exp, t_other = min(0.99, thr[True]), min(0.99, thr[False])
        if t_exp > t_other:
            continue  # a flag that shows its original must not need more than one that does not
        hot = p_all[positive] >= np.where(exp[positive], t_exp, t_other)
        hits = float(weight[hot].sum())
        if best is None or hits > best[0]:
            best = (hits, t_exp, t_other)
    if best is None:  # no split keeps that order: one threshold for every token
        t = 0.5
        for r in setting:
            in_reg = creg == r
            t = max(t, _cut(cp[in_reg], int(budget(str(r), int(in_reg.sum())))))
        best = (0, min(0.99, t), min(0.99, t))
    model.threshold_explained, model.threshold = float(best[1]), float(best[2])
    return model.threshold


def choose_points(
    model: TaggerModel, dev: TokenData, per_1000: float, pool: CleanPool | None = None
) -> dict[str, Any]:
    """Set the thresholds of every sensitivity on dev (:data:`SENSITIVITY_RATES` times
    ``per_1000`` clean flags per 1,000 words in every register, with the ``pool`` of clean
    dev prose if given) and return them; the model's own thresholds (the classifier's) stay
    as they are. A lower sensitivity never flags a token a higher one leaves alone."""
    from mtdetect.tagger.spans import SENSITIVITY_RATES

    own = (model.threshold, model.threshold_explained)
    points = {}
    for name, rate in SENSITIVITY_RATES.items():
        choose_threshold(model, dev, per_1000 * rate, every_register=True, pool=pool,
                         sensitivity=name)  # fmt: skip
        points[name] = (model.threshold, model.threshold_explained)
    d = points["default"]
    points["low"] = (max(points["low"][0], d[0]), max(points["low"][1], d[1]))
    points["high"] = (min(points["high"][0], d[0]), min(points["high"][1], d[1]))
    model.threshold, model.threshold_explained = own
    model.points = points
    return {k: {"threshold": round(g, 4), "threshold_explained": round(x, 4),
                "clean_flags_per_1000_target": per_1000 * SENSITIVITY_RATES[k]}
            for k, (g, x) in points.items()}  # fmt: skip


#: Tokens under this probability never start a shown span (below every sensitivity's
#: threshold), so the precision map is fitted above it.
PRECISION_FLOOR = 0.5


def _mixture_weights(data: TokenData, more_clean: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Whether each token is right to flag (changed by a rewriting) and its weight in a mix
    of half clean, half rewritten text (by words), ``more_clean`` clean tokens besides."""
    clean = _kinds(data) == "clean"
    right = (data.y > 0) & ~clean
    n_clean, n_rw = max(int(clean.sum()) + more_clean, 1), max(int((~clean).sum()), 1)
    return right, np.where(clean, n_rw / n_clean, 1.0)


def _knots(
    p: np.ndarray, right: np.ndarray, w: np.ndarray, bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Knots of an increasing map from probability to precision: ``p`` in ``bins`` bins of
    equal count, each bin's weighted share ``right`` at its weighted mean probability, made
    increasing by isotonic regression."""
    from sklearn.isotonic import IsotonicRegression

    right = right.astype(float)
    edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    xs, ys, ws = [], [], []
    for b in range(len(edges) - 1):
        k = which == b
        if k.any():
            xs.append(float(np.average(p[k], weights=w[k])))
            ys.append(float(np.average(right[k], weights=w[k])))
            ws.append(float(w[k].sum()))
    fit = IsotonicRegression(y_min=0.0, y_max=1.0).fit(xs, ys, sample_weight=ws)
    return np.asarray(xs, np.float64), np.asarray(fit.predict(xs), np.float64)


def fit_precision(
    model: TaggerModel, dev: TokenData, bins: int = 16, pool: CleanPool | None = None
) -> dict[str, Any]:
    """Fit the map from a token's probability to the precision of a flag on it and store it
    as knots: dev tokens (and the ``pool``'s clean ones) over :data:`PRECISION_FLOOR` in
    ``bins`` bins of equal count, each bin's share right (clean and rewritten text weighing
    half each) at its mean probability, made increasing by isotonic regression."""
    p = model.predict_proba(dev.X)
    more = len(pool.p) if pool is not None else 0
    right, w = _mixture_weights(dev, more)
    if pool is not None:
        clean_weight = (
            float(w[_kinds(dev) == "clean"][0]) if (_kinds(dev) == "clean").any() else 1.0
        )
        p = np.concatenate([p, pool.p])
        right = np.concatenate([right, np.zeros(more, bool)])
        w = np.concatenate([w, np.full(more, clean_weight)])
    m = p >= PRECISION_FLOOR
    xs, ky = _knots(p[m], right[m], w[m], bins)
    model.precision_knots = (xs, ky)
    # the two swap rules flag words whatever the trees say: their own precision
    from mtdetect.tagger.spans import known_name_swap, known_pair_swap

    forced = known_pair_swap(dev.X) | known_name_swap(dev.X)
    right_all, w_all = _mixture_weights(dev)
    model.forced_precision = (
        float(np.average(right_all[forced], weights=w_all[forced])) if forced.any() else None
    )
    return {"x": [round(float(v), 4) for v in xs], "precision": [round(float(v), 4) for v in ky],
            "forced_precision": model.forced_precision,
            "forced_words": int(forced.sum())}  # fmt: skip


#: The share of shown spans that must be right, on dev, in documents the classifier calls
#: *rewritten*, at each sensitivity: there the evidence is shown down to this precision.
REWRITTEN_PRECISION = {"low": 0.9, "default": 0.8, "high": 0.7}
#: The lowest threshold tried for documents called rewritten (and the floor of their map).
REWRITTEN_FLOOR = 0.3


def shipped_scorer():
    """The installed trained classifier (for the verdicts that gate the points of documents
    called rewritten), or None when only the heuristic scorer loads."""
    import mtdetect

    scorer = mtdetect.load().scorer
    return None if scorer.name.startswith("heuristic") else scorer


def _pipeline(model: TaggerModel, evidence: str | None, scorer=None):
    """A detector with the default rules, ``model`` as its tagger and ``scorer`` (the
    heuristic one if None)."""
    from mtdetect.classifier.scoring import HeuristicScorer
    from mtdetect.evidence import load_evidence
    from mtdetect.pipeline import MTDetector
    from mtdetect.tagger.spans import Tagger

    return MTDetector(
        scorer=scorer or HeuristicScorer(), tagger=Tagger(model, load_evidence(evidence))
    )


def _called(det, text: str, sentences, found: list, tokens) -> bool:
    """Whether ``det`` shows ``text`` (one piece, analysed into ``sentences``, the spans its
    classifier reads and the tagger's ``tokens``) as one its classifier calls rewritten."""
    from mtdetect.pipeline import assign_spans

    _, piece = det.scorer.score_piece(text, sentences, assign_spans(sentences, found), tokens)
    return det.reads_rewritten(piece.score)


def called_rewritten(
    model: TaggerModel, docs: list, scorer, evidence: str | None = None
) -> np.ndarray:
    """Whether ``scorer`` calls each document *rewritten* (scored as one piece, with
    ``model`` as the tagger)."""
    det = _pipeline(model, evidence, scorer)
    out = np.zeros(len(docs), bool)
    for k, d in enumerate(docs):
        sentences, ruled, tagged, tokens = det.find(d.text)
        out[k] = _called(det, d.text, sentences, ruled + tagged, tokens)
        if k % 2000 == 0:
            log(f"  verdicts {k:,}/{len(docs):,}")
    return out


def choose_rewritten_points(
    model: TaggerModel, dev: TokenData, dev_called: np.ndarray, pool: CleanPool, per_1000: float
) -> dict[str, Any]:
    """Set :attr:`~mtdetect.tagger.spans.TaggerModel.rewritten_points` and their precision
    map on dev and return them: for each sensitivity the lowest threshold at which the words
    flagged in documents called rewritten (dev blocks of every kind, clean pool) are right
    :data:`REWRITTEN_PRECISION` of the time, raised until every register's clean pool still
    stays under its clean-flag rate with them; never above the sensitivity's own points,
    and a lower sensitivity never below a higher one."""
    from mtdetect.tagger.spans import SENSITIVITIES, SENSITIVITY_RATES

    p_dev = model.predict_proba(dev.X)
    in_rw = dev_called[dev.doc]
    clean = _kinds(dev) == "clean"
    right = (dev.y > 0) & ~clean
    pool_rw = pool.rewritten if pool.rewritten is not None else np.zeros(len(pool.p), bool)
    p = np.concatenate([p_dev[in_rw], pool.p[pool_rw]])
    ok = np.concatenate([right[in_rw], np.zeros(int(pool_rw.sum()), bool)])
    grid = np.round(np.arange(0.99, REWRITTEN_FLOOR - 1e-9, -0.01), 2)
    points: dict[str, float] = {}
    report: dict[str, Any] = {}
    for name in SENSITIVITIES:
        own = min(model.point(name))
        t = own
        for cand in grid[grid < own]:
            flagged = p >= cand
            if not flagged.any() or ok[flagged].mean() < REWRITTEN_PRECISION[name]:
                break
            t = float(cand)
        # every register's clean text within its rate, the extra flags counted
        rate = per_1000 * SENSITIVITY_RATES[name]
        general, expl = model.point(name)
        ordinary = np.where(pool.explained, expl, general)
        while t < own:
            shown = pool.p >= np.where(pool_rw, np.minimum(ordinary, t), ordinary)
            extra = shown & ~(pool.p >= ordinary)
            # a register over its rate with these extra flags (one over already by its rules
            # and ordinary flags only counts when they add to it)
            over = [
                r for r, w in pool.words.items()
                if (extra & (pool.register == r)).any()
                and 1000 * int((shown & (pool.register == r)).sum()) / max(w, 1)
                + pool.rule_rate(name, r) > rate
            ]  # fmt: skip
            if not over:
                break
            t = round(t + 0.01, 2)
        points[name] = min(t, own)
    points["default"] = max(points["default"], points["high"])
    points["low"] = max(points["low"], points["default"])
    model.rewritten_points = points
    m = p >= REWRITTEN_FLOOR
    if m.sum() >= 50:
        model.rewritten_knots = _knots(p[m], ok[m], np.ones(int(m.sum())), 16)
    for name, t in points.items():
        flagged = p >= t
        report[name] = {
            "threshold": round(t, 4),
            "target_precision": REWRITTEN_PRECISION[name],
            "dev_precision": round(float(ok[flagged].mean()), 3) if flagged.any() else None,
            "dev_recall_in_called_rewritten": round(
                float((flagged & ok).sum() / max(ok.sum(), 1)), 3
            ),
        }
    report["documents_called_rewritten"] = {
        "dev_blocks": int(dev_called.sum()),
        "dev_clean_blocks": int(dev_called[np.array([d.kind == "clean" for d in dev.docs])].sum()),
        "clean_pool_words": int(pool_rw.sum()),
    }
    log(f"points in documents called rewritten: {report}")
    return report


def precision_reliability(model: TaggerModel, data: TokenData) -> list[dict[str, Any]]:
    """Mean stated precision against the share right, per band, of the tokens over
    :data:`PRECISION_FLOOR` (clean and rewritten text weighing half each)."""
    p = model.predict_proba(data.X)
    right, w = _mixture_weights(data)
    m = p >= PRECISION_FLOOR
    stated = np.array([model.precision(float(v)) for v in p[m]])
    out = []
    for lo in np.arange(0.0, 1.0, 0.1):
        b = (stated >= lo) & (stated < lo + 0.1 if lo < 0.9 else stated <= 1.0)
        if b.sum() < 20:
            continue
        ww = w[m][b]
        out.append({
            "band": f"{lo:.1f}-{lo + 0.1:.1f}",
            "tokens": int(b.sum()),
            "stated": round(float(np.average(stated[b], weights=ww)), 3),
            "right": round(float(np.average(right[m][b], weights=ww)), 3),
        })  # fmt: skip
    return out


def _auc(y: np.ndarray, s: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    if len(np.unique(y)) < 2:
        return None
    return round(float(roc_auc_score(y, s)), 4)


def evaluate(
    model: TaggerModel,
    data: TokenData,
    threshold: float | None = None,
    sensitivity: str | None = None,
) -> dict[str, Any]:
    """Token ROC-AUC, token precision/recall at the model's span thresholds (its own, those
    of ``sensitivity``, or ``threshold`` for every token), flags per 1,000 clean words, per
    document kind and (round trips) pivot."""
    p = model.predict_proba(data.X)
    thr = model.thresholds(data.X, sensitivity) if threshold is None else np.full(len(p), threshold)
    kinds = _kinds(data)
    pivots = np.array([d.meta.get("pivot", "") for d in data.docs])[data.doc]
    regs = np.array([d.meta.get("register", "") for d in data.docs])[data.doc]
    out: dict[str, Any] = {}
    clean = kinds == "clean"
    out["clean"] = {
        "tokens": int(clean.sum()),
        "flags_per_1000": round(1000 * float((p[clean] >= thr[clean]).mean()), 3)
        if clean.any()
        else None,
        "by_register": {
            r: round(1000 * float((p[m] >= thr[m]).mean()), 3)
            for r in sorted(set(regs[clean]))
            if (m := clean & (regs == r)).any()
        },
    }
    groups = {
        f"roundtrip:{pv}": (kinds == "roundtrip") & (pivots == pv)
        for pv in sorted(set(pivots[kinds == "roundtrip"]))
    }
    groups["spin"] = kinds == "spin"
    groups["tortured"] = kinds == "tortured"
    for name, m in groups.items():
        if not m.any():
            continue
        both = m | clean
        flagged = p[m] >= thr[m]
        y = data.y[m]
        out[name] = {
            "tokens": int(m.sum()),
            "changed_share": round(float(y.mean()), 3),
            "auc_vs_clean": _auc(np.where(m[both], 1, 0), p[both]),
            "auc_changed_vs_kept": _auc(y, p[m]),
            "flags_per_1000": round(1000 * float(flagged.mean()), 2),
            "precision": round(float(y[flagged].mean()), 3) if flagged.any() else None,
            "recall": round(float(flagged[y == 1].mean()), 4) if (y == 1).any() else None,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--evidence", default=None, help="evidence folder (default: packaged)")
    ap.add_argument("--out", default=None, help="default mtdetect/data/model (quick: runs/quick)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--flags-per-1000", type=float, default=1.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--pool-limit",
        type=int,
        default=POOL_LIMIT,
        help="clean dev documents per source the shown sensitivities are set on",
    )
    ap.add_argument(
        "--points-only",
        action="store_true",
        help="keep the trees of <out>/tagger.npz; set the sensitivities' thresholds on dev again",
    )
    args = ap.parse_args(argv)
    if args.out is None:  # a quick check never writes over the shipped tagger
        args.out = "runs/quick/model" if args.quick else "mtdetect/data/model"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log("reading round trips")
    docs = roundtrip_docs()
    clean = [d for d in docs if d.kind == "clean"]
    docs += spin_docs(clean, root=args.data)
    docs += tortured_docs(clean, root=args.data)
    docs += native_web_docs(args.data)
    if args.quick:
        docs = docs[:: max(1, len(docs) // 1500)]
        args.pool_limit = min(args.pool_limit, 10)
    if args.points_only:
        return _points_only(out, docs, args)
    log(f"{len(docs):,} documents; featurising")
    data = featurize_tokens(docs, args.evidence, n_jobs=args.jobs, log=log)
    split = np.array([d.split for d in data.docs])
    log(f"{len(data.y):,} tokens, {data.y.mean():.3f} changed")
    train, dev, test = (data.select_docs(split == s) for s in ("train", "dev", "test"))
    model = fit_tagger(train)
    calibrate(model, dev)
    model.threshold = choose_threshold(model, dev, args.flags_per_1000)
    log(f"threshold {model.threshold:.3f}")
    log(
        "the points for documents called rewritten need the classifier: after python -m "
        "training.train, run python -m training.train_tagger --points-only"
    )
    pool = clean_pool(model, "dev", args.pool_limit, args.data, args.evidence)
    shown = set_shown_spans(model, dev, test, args.flags_per_1000, pool)
    model.save(out / "tagger.npz")  # before the (slow) cross-pivot refits
    report: dict[str, Any] = {
        "threshold": model.threshold,
        "flags_per_1000_target": args.flags_per_1000,
        "threshold_explained": model.threshold_explained,
        "dev": evaluate(model, dev),
        "test": evaluate(model, test),
    } | shown
    # Cross-pivot: retrain without one pivot (and chains through it), test on it.
    piv_of = np.array([d.meta.get("pivot", "") for d in data.docs])
    kind_of = np.array([d.kind for d in data.docs])
    cross = {}
    for held in ("spa", "cat", "glg"):
        uses = np.array([held in p.split("+") for p in piv_of])
        tr = data.select_docs((split == "train") & ~uses)
        dv = data.select_docs((split == "dev") & ~uses)
        te = data.select_docs(
            (split == "test")
            & ((kind_of == "clean") | ((kind_of == "roundtrip") & (piv_of == held)))
        )
        m = fit_tagger(tr)
        calibrate(m, dv)
        choose_threshold(m, dv, args.flags_per_1000)
        cross[held] = evaluate(m, te)[f"roundtrip:{held}"] | {
            "threshold": round(m.threshold, 4),
            "threshold_explained": round(m.threshold_explained, 4),
        }
        log(f"held-out pivot {held}: {cross[held]}")
    report["cross_pivot"] = cross
    model.save(out / "tagger.npz")
    (out / "tagger_report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    log(json.dumps(report["test"], indent=1))
    return 0


def set_shown_spans(
    model: TaggerModel,
    dev: TokenData,
    test: TokenData,
    per_1000: float,
    pool: CleanPool | None = None,
) -> dict[str, Any]:
    """Set what users are shown on dev (the sensitivities' thresholds, the precision map),
    with the ``pool`` of clean dev prose if given, and return the report's parts: each
    sensitivity's thresholds and token figures on dev and test, and the map with its
    reliability on test."""
    points = choose_points(model, dev, per_1000, pool)
    knots = fit_precision(model, dev, pool=pool)
    out: dict[str, Any] = {
        "sensitivities": {
            name: point
            | {
                "dev": evaluate(model, dev, sensitivity=name),
                "test": evaluate(model, test, sensitivity=name),
            }
            for name, point in points.items()
        },
        "precision_map": knots | {"test_reliability": precision_reliability(model, test)},
    }
    if pool is not None:
        out["clean_pool"] = {
            "words": pool.words,
            "margin": POOL_MARGIN,
            "rule_flags_per_1000": {
                s: {r: round(pool.rule_rate(s, r), 3) for r in pool.words} for s in pool.rule_flags
            },
        }
    log(f"sensitivities {points}; precision map {out['precision_map']}")
    return out


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _update_card_checksum(out: Path, before: str) -> None:
    """Write the new ``tagger.npz``'s SHA-256 into the model card beside it, if the card named
    the file as it was before (``before``). ``--points-only`` keeps the trees, the calibration
    and the tagger's own thresholds, so what that classifier reads is unchanged and it needs
    no retraining; only the shown points change. A card that named another tagger stays as
    it is: its classifier must be retrained."""
    card = out / "model_card.json"
    if not card.exists():
        return
    data = json.loads(card.read_text("utf-8"))
    if not isinstance(data.get("tagger"), dict):
        return
    if data["tagger"].get("sha256") != before:
        log("model card names another tagger: retrain the classifier (python -m training.train)")
        return
    digest = _sha256(out / "tagger.npz")
    data["tagger"]["sha256"] = digest
    card.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    log(f"model card: tagger sha256 {digest[:16]}...")


def _points_only(out: Path, docs: list, args: argparse.Namespace) -> int:
    """``--points-only``: the shipped trees and calibration, the sensitivities' thresholds
    set again on dev (only dev and test documents are featurised)."""
    if not (out / "tagger.npz").exists():
        raise SystemExit(f"{out / 'tagger.npz'}: no tagger to set points on; train one first")
    before = _sha256(out / "tagger.npz")
    model = TaggerModel.load(out / "tagger.npz")
    own = (model.calib_a, model.calib_b, model.threshold, model.threshold_explained)
    docs = [d for d in docs if d.split in ("dev", "test")]
    log(f"{len(docs):,} dev and test documents; featurising")
    data = featurize_tokens(docs, args.evidence, n_jobs=args.jobs, log=log)
    split = np.array([d.split for d in data.docs])
    dev, test = (data.select_docs(split == s) for s in ("dev", "test"))
    # the installed classifier's verdicts gate the points of documents called rewritten; it
    # is loaded before tagger.npz is rewritten (it checks the tagger's checksum)
    packaged = out.resolve() == (Path(__file__).resolve().parent.parent / "mtdetect/data/model")
    scorer = shipped_scorer() if packaged else None
    if scorer is None:
        log("no installed classifier for this tagger: no points for documents called rewritten")
    log("clean dev prose for the sensitivities")
    pool = clean_pool(model, "dev", args.pool_limit, args.data, args.evidence, scorer)
    shown = set_shown_spans(model, dev, test, args.flags_per_1000, pool)
    model.rewritten_points, model.rewritten_knots = {}, None
    if scorer is not None:
        log("verdicts of the dev blocks")
        called = called_rewritten(model, dev.docs, scorer, args.evidence)
        shown["rewritten_points"] = choose_rewritten_points(
            model, dev, called, pool, args.flags_per_1000
        )
    # what the classifier reads is untouched (its card may then name the new file)
    assert own == (model.calib_a, model.calib_b, model.threshold, model.threshold_explained)
    model.save(out / "tagger.npz")
    _update_card_checksum(out, before)
    path = out / "tagger_report.json"
    report = (json.loads(path.read_text("utf-8")) if path.exists() else {}) | shown
    path.write_text(json.dumps(report, indent=1), encoding="utf-8")
    log(json.dumps({k: v["test"]["clean"] for k, v in report["sensitivities"].items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
