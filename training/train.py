"""Train the sentence classifier, calibrate it, choose aggregation and thresholds, save it.

Usage::

    python -m training.train [--data DIR] [--out mtdetect/data/model] [--quick] [--n-jobs 2]
                             [--no-eval]

Steps (seeded, deterministic):

1. data sets from :mod:`training.datasets` (documents of ~8 segments, fixed splits);
2. spans from the default detectors (a heuristic-scorer :class:`~mtdetect.pipeline.MTDetector`)
   and :func:`mtdetect.features.sentence_features` with the evidence tables when installed;
   features are cached under ``/tmp/mtdetect_train`` (never in the repository);
3. LogisticRegression (scaled) and HistGradientBoosting fitted on ``train`` sentences, each
   (kind, label) group weighted to the same total so no source dominates;
4. each calibrated with a sigmoid on ``dev`` (CalibratedClassifierCV over the frozen model);
   the candidate and document aggregation with the best mean dev document ROC-AUC over the
   dev comparisons win;
5. thresholds on ``dev``: ``rewritten`` so that at most 2 % of clean dev documents (Reuters,
   BBC, WMT22 English originals) reach it, ``suspect`` at most 10 %;
6. model + card written to ``--out``; then :mod:`training.evaluate` writes the report.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as _dt
import hashlib
import os
import platform
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mtdetect.features import FEATURE_NAMES, sentence_features
from mtdetect.model import AGGREGATIONS, save_model
from mtdetect.style import StyleModel
from mtdetect.text import segment
from training.datasets import Doc, build_all

__all__ = [
    "Featurized",
    "add_column",
    "doc_scores",
    "drop_style",
    "featurize",
    "fit_candidate",
    "main",
    "sentence_texts",
]

SEED = 0
CACHE_DIR = Path(os.environ.get("MTDETECT_TRAIN_CACHE", "/tmp/mtdetect_train"))
TRAIN_KINDS = ("clean", "synthetic", "wmt-ref", "wmt-mt", "wmt-orig", "mlqe-mt")
CLEAN_KINDS = ("clean", "wmt-orig")
#: Dev comparisons (positive kinds, negative kinds) used to pick the model and aggregation.
DEV_COMPARISONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "synthetic_vs_clean": (("synthetic",), ("clean",)),
    "wmt_mt_vs_ref": (("wmt-mt",), ("wmt-ref",)),
    "wmt_mt_vs_native": (("wmt-mt",), ("wmt-orig",)),
    "mlqe_mt_vs_native": (("mlqe-mt",), ("clean", "wmt-orig")),
}
MAX_CLEAN_REWRITTEN = 0.02
PREFER_LINEAR_MARGIN = 0.01
MAX_CLEAN_SUSPECT = 0.10


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- features -------------------------------------------------------------------------------


@dataclass
class Featurized:
    """Sentence features and labels of a list of documents."""

    docs: list[Doc]
    X: np.ndarray  # (n_sentences, n_features)
    y: np.ndarray  # sentence labels
    doc_index: np.ndarray  # document of each sentence

    def doc_labels(self) -> np.ndarray:
        return np.array([d.label for d in self.docs], dtype=np.int64)

    def select(self, keep: np.ndarray) -> Featurized:
        """The documents where ``keep`` (a boolean mask over documents) is true."""
        keep_idx = np.flatnonzero(keep)
        remap = np.full(len(self.docs), -1, dtype=np.int64)
        remap[keep_idx] = np.arange(len(keep_idx))
        rows = keep[self.doc_index]
        return Featurized(
            [self.docs[i] for i in keep_idx], self.X[rows], self.y[rows],
            remap[self.doc_index[rows]],
        )  # fmt: skip

    def mask(self, kinds: Sequence[str] | None = None, split: str | None = None) -> np.ndarray:
        return np.array(
            [
                (kinds is None or d.kind in kinds) and (split is None or d.split == split)
                for d in self.docs
            ],
            dtype=bool,
        )


_WORKER: dict[str, Any] = {}


def _worker_state():
    if not _WORKER:
        from mtdetect.pipeline import MTDetector
        from mtdetect.scoring import HeuristicScorer

        _WORKER["detector"] = MTDetector(scorer=HeuristicScorer())
        _WORKER["evidence"] = _try_evidence()
    return _WORKER["detector"], _WORKER["evidence"]


def _try_evidence():
    try:
        from mtdetect.evidence import load_evidence

        return load_evidence()
    except (OSError, KeyError, ValueError):
        return None


def sentence_labels(doc: Doc, sentences) -> list[int]:
    """Label of each detector sentence: its segment's label, or for synthetic documents
    whether an edit's label span overlaps the sentence."""
    offs = doc.seg_offsets()
    starts = [a for a, _ in offs]
    out = []
    for s in sentences:
        if doc.edits:
            out.append(int(any(a < s.end and b > s.start for a, b, _ in doc.edits)))
        else:
            i = max(0, bisect.bisect_right(starts, s.start) - 1)
            out.append(doc.seg_labels[i])
    return out


def _featurize_batch(docs: list[Doc]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    detector, evidence = _worker_state()
    sents, spans, labels, owner = [], [], [], []
    for k, d in enumerate(docs):
        ss, sp = detector.detect(d.text)
        sents.extend(ss)
        spans.extend(sp)
        labels.extend(sentence_labels(d, ss))
        owner.extend([k] * len(ss))
    x = sentence_features("", sents, spans, evidence, doc_ids=owner)
    return x, np.asarray(labels, dtype=np.int8), np.asarray(owner, dtype=np.int64)


def _detector_files() -> list[str]:
    import mtdetect

    root = Path(mtdetect.__file__).resolve().parent
    return [str(p) for p in (root / "detectors").glob("*.py")] + [str(root / "features.py")]


def _cache_key(docs: Sequence[Doc], tag: str) -> str:
    detector, evidence = _worker_state()
    h = hashlib.sha256(tag.encode())
    h.update(",".join(sorted(det.name for det in detector.detectors)).encode())
    h.update(",".join(FEATURE_NAMES).encode())
    # The feature and detector code too: a changed detector must not reuse stale features.
    for mod in sorted(_detector_files()):
        h.update(hashlib.blake2b(Path(mod).read_bytes(), digest_size=8).digest())
    h.update(str(evidence.meta.get("built") if evidence is not None else None).encode())
    for d in docs:
        h.update(d.id.encode())
        h.update(hashlib.blake2b(d.text.encode(), digest_size=8).digest())
    return h.hexdigest()[:20]


def featurize(docs: list[Doc], n_jobs: int = 2, tag: str = "") -> Featurized:
    """Detect and featurise ``docs`` (in worker processes; cached on disk by content)."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"feat_{_cache_key(docs, tag)}.npz"
    if path.exists():
        z = np.load(path)
        return Featurized(docs, z["X"], z["y"], z["doc_index"])
    size = 150
    batches = [docs[i : i + size] for i in range(0, len(docs), size)]
    if n_jobs == 1 or len(batches) == 1:
        parts = [_featurize_batch(b) for b in batches]
    else:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=n_jobs)(delayed(_featurize_batch)(b) for b in batches)
    xs, ys, owners = [], [], []
    for bi, (x, y, own) in enumerate(parts):
        xs.append(x)
        ys.append(y)
        owners.append(own + bi * size)
    X = np.concatenate(xs) if xs else np.zeros((0, len(FEATURE_NAMES)), np.float32)
    y = np.concatenate(ys) if ys else np.zeros(0, np.int8)
    own = np.concatenate(owners) if owners else np.zeros(0, np.int64)
    np.savez_compressed(path, X=X, y=y, doc_index=own)
    return Featurized(docs, X, y, own)


# --- style column -------------------------------------------------------------------------


def sentence_texts(f: Featurized) -> list[str]:
    """The sentence texts behind the rows of ``f`` (the detector's own segmentation)."""
    texts = [s.text for d in f.docs for s in segment(d.text).sentences]
    if len(texts) != len(f.y):
        raise RuntimeError(f"{len(texts)} sentences re-segmented, {len(f.y)} featurised")
    return texts


def add_column(f: Featurized, col: np.ndarray) -> Featurized:
    return Featurized(f.docs, np.column_stack([f.X, col.astype(np.float32)]), f.y, f.doc_index)


def drop_style(f: Featurized) -> Featurized:
    """``f`` without the style column (the last one)."""
    return Featurized(f.docs, f.X[:, :-1], f.y, f.doc_index)


def fit_style(f: Featurized, texts: list[str]) -> StyleModel:
    return StyleModel().fit(texts, f.y, sample_weight=group_weights(f))


def attach_style(data: dict[str, Featurized], train_mask: np.ndarray) -> StyleModel:
    """Fit the style model and append its column to every data set, in place.

    Training rows get out-of-fold values (two folds by a stable hash of the document id),
    so the classifier sees the style score as it will be on unseen text; every other row
    gets the score of the style model fitted on all training documents, which is shipped.
    """
    main = data["main"]
    texts = sentence_texts(main)
    rows_of = main.doc_index
    fold = np.array(
        [hashlib.blake2b(d.id.encode(), digest_size=2).digest()[0] % 2 for d in main.docs]
    )
    col = np.zeros(len(main.y))
    t0 = time.time()
    full = fit_style(
        main.select(train_mask), [t for t, r in zip(texts, rows_of, strict=True) if train_mask[r]]
    )
    col[~train_mask[rows_of]] = full.decision_function(
        [t for t, r in zip(texts, rows_of, strict=True) if not train_mask[r]]
    )
    for k in (0, 1):
        fit_docs = train_mask & (fold != k)
        pred_docs = train_mask & (fold == k)
        model = fit_style(
            main.select(fit_docs), [t for t, r in zip(texts, rows_of, strict=True) if fit_docs[r]]
        )
        col[pred_docs[rows_of]] = model.decision_function(
            [t for t, r in zip(texts, rows_of, strict=True) if pred_docs[r]]
        )
    data["main"] = add_column(main, col)
    for name, f in list(data.items()):
        if name != "main":
            data[name] = add_column(f, full.decision_function(sentence_texts(f)))
    log(f"style model fitted (2 folds + full) in {time.time() - t0:.0f}s")
    return full


# --- models ---------------------------------------------------------------------------------


def group_weights(f: Featurized) -> np.ndarray:
    """Sample weights giving every (document kind, sentence label) group the same total."""
    kinds = np.array([d.kind for d in f.docs])[f.doc_index]
    keys = np.char.add(kinds.astype(str), f.y.astype(str))
    _, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
    w = 1.0 / counts[inv]
    return w * (len(w) / w.sum())


def make_estimator(kind: str):
    """An unfitted candidate: ``logreg`` (scaled) or ``hgb``."""
    if kind == "logreg":
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=3000))
    if kind == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            max_iter=250, learning_rate=0.08, max_leaf_nodes=31, min_samples_leaf=40,
            l2_regularization=1.0, early_stopping=False, random_state=SEED,
        )  # fmt: skip
    raise ValueError(kind)


def fit_candidate(kind: str, train: Featurized, dev: Featurized):
    """Fit on ``train`` and calibrate (sigmoid) on ``dev``."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    est = make_estimator(kind)
    w = group_weights(train)
    if kind == "logreg":
        est.fit(train.X, train.y, logisticregression__sample_weight=w)
    else:
        est.fit(train.X, train.y, sample_weight=w)
    cal = CalibratedClassifierCV(FrozenEstimator(est), method="sigmoid")
    with warnings.catch_warnings():
        # The frozen model ignores the weights by design: they are meant for the calibrator.
        warnings.filterwarnings("ignore", message="Since FrozenEstimator")
        cal.fit(dev.X, dev.y, sample_weight=group_weights(dev))
    return cal


def doc_scores(sent_scores: np.ndarray, f: Featurized, aggregation: str) -> np.ndarray:
    """Aggregate sentence scores into one score per document."""
    agg = AGGREGATIONS[aggregation]
    order = np.argsort(f.doc_index, kind="stable")
    bounds = np.searchsorted(f.doc_index[order], np.arange(len(f.docs) + 1))
    s = sent_scores[order]
    return np.array([agg(s[bounds[i] : bounds[i + 1]].tolist()) for i in range(len(f.docs))])


def comparison_auc(f: Featurized, d_scores: np.ndarray, pos: Sequence[str], neg: Sequence[str]):
    from sklearn.metrics import roc_auc_score

    kinds = np.array([d.kind for d in f.docs])
    m = np.isin(kinds, list(pos) + list(neg))
    y = np.isin(kinds[m], list(pos)).astype(int)
    if len(set(y)) < 2:
        return None
    return float(roc_auc_score(y, d_scores[m]))


def choose_thresholds(clean_scores: np.ndarray) -> tuple[float, float]:
    """(suspect, rewritten): the lowest cut-offs at which at most 10 % / 2 % of clean dev
    documents would be flagged."""

    def cut(share: float) -> float:
        s = np.sort(clean_scores)
        k = int(np.floor(share * len(s)))  # this many may reach the threshold
        if k <= 0:
            return float(np.nextafter(s[-1], 1.0))
        return float(np.nextafter(s[-k - 1], 1.0))

    rewritten = min(0.999, cut(MAX_CLEAN_REWRITTEN))
    suspect = min(rewritten, cut(MAX_CLEAN_SUSPECT))
    return suspect, rewritten


def select_and_fit(train: Featurized, dev: Featurized, candidates=("logreg", "hgb")):
    """Fit the candidates; return the best (model, kind, aggregation) and the dev table.

    Gradient boosting must beat the linear model by more than :data:`PREFER_LINEAR_MARGIN`
    mean dev AUC to be chosen: its predictions cost milliseconds per document (OpenMP
    start-up on small batches) where the linear model's cost microseconds.
    """
    table: dict[str, dict[str, Any]] = {}
    best_by_kind: dict[str, tuple[float, Any, str, str]] = {}
    for kind in candidates:
        t0 = time.time()
        model = fit_candidate(kind, train, dev)
        p = model.predict_proba(dev.X)[:, 1]
        for agg in AGGREGATIONS:
            ds = doc_scores(p, dev, agg)
            aucs = {name: comparison_auc(dev, ds, *pn) for name, pn in DEV_COMPARISONS.items()}
            vals = [v for v in aucs.values() if v is not None]
            mean = float(np.mean(vals)) if vals else 0.0
            table[f"{kind}/{agg}"] = {"mean_doc_auc": round(mean, 4), **{
                k: (round(v, 4) if v is not None else None) for k, v in aucs.items()}}  # fmt: skip
            if kind not in best_by_kind or mean > best_by_kind[kind][0]:
                best_by_kind[kind] = (mean, model, kind, agg)
        log(f"  {kind}: fitted in {time.time() - t0:.0f}s; dev {table}")
    best = max(best_by_kind.values(), key=lambda b: b[0])
    linear = best_by_kind.get("logreg")
    if linear is not None and best[0] - linear[0] <= PREFER_LINEAR_MARGIN:
        best = linear
    return best[1], best[2], best[3], table


# --- main -----------------------------------------------------------------------------------


def load_data(root: str | None, quick: bool, n_jobs: int) -> dict[str, Featurized]:
    """Build the data sets and featurise them: ``main`` and ``family:<name>``."""
    t0 = time.time()
    sets = build_all(root, quick=quick, seed=SEED)
    log(f"data sets built in {time.time() - t0:.0f}s: "
        + ", ".join(f"{k}={len(v)}" for k, v in sets.items()))  # fmt: skip
    out = {}
    for name, docs in sets.items():
        t0 = time.time()
        out[name] = featurize(docs, n_jobs=n_jobs, tag=name)
        log(f"featurised {name}: {len(docs)} docs, {len(out[name].y)} sentences, "
            f"{time.time() - t0:.0f}s")  # fmt: skip
    return out


def summarize_counts(f: Featurized) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for d in f.docs:
        out.setdefault(d.split, {}).setdefault(d.kind, 0)
        out[d.split][d.kind] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None, help="shared data folder (default ../shared/data)")
    ap.add_argument("--out", default=None, help="model folder (default mtdetect/data/model)")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="small subsample, end-to-end check (writes to runs/quick, not the shipped model)",
    )
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--no-eval", action="store_true", help="skip training.evaluate")
    ap.add_argument("--report", default=None, help="report folder (default training/report)")
    args = ap.parse_args(argv)
    # A quick check must never replace the shipped model or its report.
    if args.out is None:
        args.out = "runs/quick/model" if args.quick else "mtdetect/data/model"
    if args.report is None:
        args.report = "runs/quick/report" if args.quick else "training/report"
    np.random.seed(SEED)
    t_start = time.time()
    data = load_data(args.data, args.quick, args.n_jobs)
    style = attach_style(data, data["main"].mask(TRAIN_KINDS) & data["main"].mask(split="train"))
    main_set = data["main"]
    train_kinds_mask = main_set.mask(TRAIN_KINDS)
    train = main_set.select(train_kinds_mask & main_set.mask(split="train"))
    dev = main_set.select(train_kinds_mask & main_set.mask(split="dev"))
    log(f"train {len(train.docs)} docs / {len(train.y)} sentences; "
        f"dev {len(dev.docs)} docs / {len(dev.y)} sentences")  # fmt: skip
    model, kind, agg, dev_table = select_and_fit(train, dev)
    log(f"chosen: {kind} with {agg} aggregation")
    p_dev = model.predict_proba(dev.X)[:, 1]
    ds_dev = doc_scores(p_dev, dev, agg)
    clean_dev = ds_dev[dev.mask(CLEAN_KINDS)]
    suspect, rewritten = choose_thresholds(clean_dev)
    log(f"thresholds: suspect {suspect:.4f}, rewritten {rewritten:.4f} "
        f"(clean dev docs: {len(clean_dev)})")  # fmt: skip
    _, evidence = _worker_state()
    detector, _ = _worker_state()
    import joblib
    import sklearn

    card: dict[str, Any] = {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "estimator": f"{kind} + sigmoid calibration on dev",
        "quick": bool(args.quick),
        "training_data": {
            "summary": "Reuters+BBC (tables' dev split) clean and synthetic rewrites, WMT22 "
            "to-English system outputs / references / English originals (held-out pairs "
            "and systems excluded), MLQE-PE MT (detokenised)",
            "documents": summarize_counts(main_set),
            "train_sentences": len(train.y),
            "dev_sentences": len(dev.y),
            "hold_outs": _holdouts(),
        },
        "detectors": sorted(det.name for det in detector.detectors),
        "evidence": evidence.meta.get("built") if evidence is not None else None,
        "dev_selection": dev_table,
        "selection_rule": "highest mean dev document ROC-AUC over " + ", ".join(DEV_COMPARISONS),
        "threshold_rule": f"rewritten: <= {MAX_CLEAN_REWRITTEN:.0%} of clean dev documents; "
        f"suspect: <= {MAX_CLEAN_SUSPECT:.0%}",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "joblib": joblib.__version__,
        },
        "seed": SEED,
    }
    name = f"mtdetect-clf-{_dt.date.today().isoformat()}{'-quick' if args.quick else ''}"
    path = save_model(
        args.out, model, aggregation=agg, suspect_threshold=suspect,
        rewritten_threshold=rewritten, name=name, uses_evidence=evidence is not None,
        card=card, style=style,
    )  # fmt: skip
    size = path.stat().st_size
    log(f"saved {path} ({size / 1e6:.2f} MB); training took {time.time() - t_start:.0f}s")
    if size > 20e6:
        log("WARNING: model file is over 20 MB")
    if not args.no_eval:
        from training import evaluate

        evaluate.run(args.out, data, args.report, kind=kind, quick=args.quick)
    log(f"done in {time.time() - t_start:.0f}s")
    return 0


def _holdouts() -> dict[str, Any]:
    from training import datasets as ds

    return {
        "wmt_test_pairs": list(ds.WMT_TEST_PAIRS),
        "wmt_test_systems": list(ds.WMT_TEST_SYSTEMS),
        "mlqe_test_pair": ds.MLQE_TEST_PAIR,
        "doc_segments": ds.DOC_SEGMENTS,
    }


if __name__ == "__main__":
    sys.exit(main())
