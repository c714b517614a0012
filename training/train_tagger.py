"""Train and evaluate the span tagger (``mtdetect/data/model/tagger.npz``).

Usage::

    python -m training.train_tagger [--data DIR] [--out mtdetect/data/model] [--quick]
                                    [--flags-per-1000 0.8] [--jobs 2]

Needs the round trips of :mod:`training.roundtrip` in the training cache. Steps:

1. documents: Apertium round trips (pivots ``spa``, ``cat``, ``glg``, chain ``cat+glg``),
   their clean originals, and spinner rewrites of the same originals
   (:mod:`training.tagger_data`);
2. token features (:func:`mtdetect.tagger.token_features`), cached;
3. an additive logistic model over quantile bins of each feature, fitted on the ``train``
   blocks; a sigmoid calibration on ``dev``; the span threshold set on ``dev`` so that clean
   text gets at most ``--flags-per-1000`` flagged tokens per 1,000 words;
4. evaluation on ``test`` blocks (never seen by the tables or the model): token ROC-AUC and
   span precision/recall per source, and the cross-pivot protocol: for each pivot, a model
   trained without it (and without chains through it) is tested on that pivot's round trips.

Writes ``tagger.npz`` and ``tagger_report.json`` to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from mtdetect.tagger import TOKEN_FEATURES, TaggerModel
from training.tagger_data import TokenData, featurize_tokens, roundtrip_docs, spin_docs

__all__ = ["binarize", "fit_tagger", "main"]

SEED = 0
#: Features that take only the values 0 and 1.
_BINARY = {
    "capital", "initial", "number", "function", "preposition", "article", "link_left",
    "link_right", "sub_tried", "sub_tortured", "sub_oewn", "sub_moby", "unknown",
    "unknown_cap", "doc_near_name", "lower_name",
}  # fmt: skip


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def make_edges(X: np.ndarray, n_bins: int = 16, seed: int = SEED) -> list[np.ndarray]:
    """Quantile bin edges per feature (a single edge at 0.5 for binary features)."""
    rng = np.random.default_rng(seed)
    sample = X[rng.choice(len(X), min(len(X), 200_000), replace=False)] if len(X) else X
    edges = []
    qs = np.linspace(0, 1, n_bins + 1)[1:-1]
    for j, name in enumerate(TOKEN_FEATURES):
        if name in _BINARY:
            edges.append(np.array([0.5]))
            continue
        e = np.unique(np.quantile(sample[:, j], qs)) if len(sample) else np.zeros(0)
        edges.append(e.astype(np.float64))
    return edges


def binarize(X: np.ndarray, edges: list[np.ndarray]):
    """One-hot bin indicators (scipy CSR) and the column offset of each feature."""
    from scipy.sparse import csr_matrix

    n = X.shape[0]
    offsets = np.cumsum([0] + [len(e) + 1 for e in edges])
    cols = np.empty((n, len(edges)), dtype=np.int64)
    for j, e in enumerate(edges):
        cols[:, j] = offsets[j] + np.searchsorted(e, X[:, j], side="right")
    data = np.ones(n * len(edges), dtype=np.float32)
    indptr = np.arange(0, n * len(edges) + 1, len(edges))
    return csr_matrix((data, cols.ravel(), indptr), shape=(n, int(offsets[-1]))), offsets


def fit_tagger(
    train: TokenData, C: float = 0.5, n_bins: int = 16, max_iter: int = 400
) -> TaggerModel:
    """The additive model on ``train`` (uncalibrated; see :func:`calibrate`)."""
    from sklearn.linear_model import LogisticRegression

    edges = make_edges(train.X, n_bins)
    B, offsets = binarize(train.X, edges)
    # Documents of each kind weigh the same in total, whatever their length.
    kinds = np.array([d.kind for d in train.docs])[train.doc]
    w = np.ones(len(train.y))
    for k in np.unique(kinds):
        m = kinds == k
        w[m] = len(train.y) / (len(np.unique(kinds)) * m.sum())
    clf = LogisticRegression(C=C, max_iter=max_iter)
    clf.fit(B, train.y, sample_weight=w)
    coef = clf.coef_.ravel()
    weights = [coef[offsets[j] : offsets[j + 1]].astype(np.float64) for j in range(len(edges))]
    clean = train.X[train.y == 0]
    med = np.median(clean, axis=0) if len(clean) else np.zeros(len(edges))
    baseline = np.array(
        [weights[j][np.searchsorted(edges[j], med[j], side="right")] for j in range(len(edges))]
    )
    return TaggerModel(
        TOKEN_FEATURES, edges, weights, baseline, float(clf.intercept_[0]), meta={"C": C}
    )


def calibrate(model: TaggerModel, dev: TokenData) -> None:
    """Sigmoid (Platt) calibration of the model's log-odds on ``dev``, in place."""
    from sklearn.linear_model import LogisticRegression

    z = model.decision(dev.X).reshape(-1, 1)
    lr = LogisticRegression(C=1e4, max_iter=1000).fit(z, dev.y)
    model.calib_a = float(lr.coef_[0, 0])
    model.calib_b = float(lr.intercept_[0])


def _kinds(data: TokenData) -> np.ndarray:
    return np.array([d.kind for d in data.docs])[data.doc] if len(data.doc) else np.zeros(0, str)


def choose_threshold(model: TaggerModel, dev: TokenData, per_1000: float) -> float:
    """The lowest token threshold that flags at most ``per_1000`` clean tokens per 1,000."""
    clean = _kinds(dev) == "clean"
    p = np.sort(model.predict_proba(dev.X[clean]))[::-1]
    k = int(len(p) * per_1000 / 1000)
    return float(min(0.99, max(0.5, p[k] + 1e-9))) if len(p) > k else 0.5


def _auc(y: np.ndarray, s: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    if len(np.unique(y)) < 2:
        return None
    return round(float(roc_auc_score(y, s)), 4)


def evaluate(model: TaggerModel, data: TokenData, threshold: float) -> dict[str, Any]:
    """Token ROC-AUC, token precision/recall at the threshold, flags per 1,000 clean words,
    per document kind and (round trips) pivot."""
    p = model.predict_proba(data.X)
    kinds = _kinds(data)
    pivots = np.array([d.meta.get("pivot", "") for d in data.docs])[data.doc]
    regs = np.array([d.meta.get("register", "") for d in data.docs])[data.doc]
    out: dict[str, Any] = {}
    clean = kinds == "clean"
    out["clean"] = {
        "tokens": int(clean.sum()),
        "flags_per_1000": round(1000 * float((p[clean] >= threshold).mean()), 3)
        if clean.any()
        else None,
        "by_register": {
            r: round(1000 * float((p[clean & (regs == r)] >= threshold).mean()), 3)
            for r in sorted(set(regs[clean]))
        },
    }
    groups = {
        f"roundtrip:{pv}": (kinds == "roundtrip") & (pivots == pv)
        for pv in sorted(set(pivots[kinds == "roundtrip"]))
    }
    groups["spin"] = kinds == "spin"
    for name, m in groups.items():
        if not m.any():
            continue
        both = m | clean
        flagged = p[m] >= threshold
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
    ap.add_argument("--out", default="mtdetect/data/model")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--flags-per-1000", type=float, default=0.8)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--C", type=float, default=0.5)
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log("reading round trips")
    docs = roundtrip_docs()
    clean = [d for d in docs if d.kind == "clean"]
    docs += spin_docs(clean, root=args.data)
    if args.quick:
        docs = docs[:: max(1, len(docs) // 1500)]
    log(f"{len(docs):,} documents; featurising")
    data = featurize_tokens(docs, args.evidence, n_jobs=args.jobs, log=log)
    split = np.array([d.split for d in data.docs])
    log(f"{len(data.y):,} tokens, {data.y.mean():.3f} changed")
    train, dev, test = (data.select_docs(split == s) for s in ("train", "dev", "test"))
    model = fit_tagger(train, C=args.C)
    calibrate(model, dev)
    model.threshold = choose_threshold(model, dev, args.flags_per_1000)
    log(f"threshold {model.threshold:.3f}")
    report: dict[str, Any] = {
        "threshold": model.threshold,
        "flags_per_1000_target": args.flags_per_1000,
        "dev": evaluate(model, dev, model.threshold),
        "test": evaluate(model, test, model.threshold),
    }
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
        m = fit_tagger(tr, C=args.C)
        calibrate(m, dv)
        thr = choose_threshold(m, dv, args.flags_per_1000)
        cross[held] = evaluate(m, te, thr)[f"roundtrip:{held}"] | {"threshold": round(thr, 4)}
        log(f"held-out pivot {held}: {cross[held]}")
    report["cross_pivot"] = cross
    model.save(out / "tagger.npz")
    (out / "tagger_report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    log(json.dumps(report["test"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
