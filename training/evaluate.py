"""Evaluate a trained model; write ``training/report/evaluation.json`` and ``evaluation.md``.

Usage::

    python -m training.evaluate [--model mtdetect/data/model] [--data DIR] [--quick]

Every figure is on ``test`` documents (see :mod:`training.datasets` for the hold-outs):
ROC-AUC, PR-AUC and F1 at the model's ``rewritten`` threshold, with 95 % bootstrap intervals
(documents resampled; a sentence-level interval resamples whole documents too), at sentence
and document level, for:

* ``synthetic``: rewrites of held-out Reuters/BBC articles vs the articles themselves;
* ``heldout:<family>``: a model trained *without* that family (same recipe) on test articles
  rewritten with that family only, vs the clean articles;
* ``wmt_mt_vs_ref`` (primary MT figure, content-controlled): WMT22 system outputs vs human
  references of the same source segments, held-out pairs and systems; also split into
  ``..._heldout_pairs`` and ``..._heldout_systems``;
* ``wmt_mt_vs_native``: the same outputs vs native English (WMT22 en->X sources);
* ``mlqe_mt_vs_postedit`` and ``mlqe_mt_vs_native``: MLQE-PE MT (test20, and the held-out pair)
  vs its human post-edits, and vs native English;
* false-flag rates on clean test documents;
* confound check: names and numbers masked (non-initial capitalised words -> "Name",
  numbers -> "0"), the score change and the ROC-AUC after masking.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mtdetect.model import CARD_FILE, load_model
from mtdetect.text import tokenize
from training.datasets import LEXICAL_FAMILIES, Doc, _bucket, without_family
from training.train import (
    CLEAN_KINDS,
    TRAIN_KINDS,
    Featurized,
    add_column,
    choose_thresholds,
    doc_scores,
    drop_style,
    featurize,
    fit_candidate,
    load_data,
    log,
    sentence_texts,
)

__all__ = ["mask_names_numbers", "metrics", "run"]

N_BOOT_DOC = 1000
N_BOOT_SENT = 200


def mask_names_numbers(text: str) -> str:
    """Replace capitalised words that do not start a line or sentence by ``Name`` and numbers
    by ``0``, keeping everything else."""
    out, pos, initial = [], 0, True
    for tok in tokenize(text):
        out.append(text[pos : tok.start])
        if "\n" in text[pos : tok.start]:
            initial = True
        rep = tok.text
        if tok.kind == "number":
            rep = "0"
        elif tok.kind == "word" and tok.text[0].isupper() and not initial:
            rep = "Name"
        out.append(rep)
        pos = tok.end
        initial = tok.kind == "punct" and tok.text in ".!?"
    out.append(text[pos:])
    return "".join(out)


def _auc_ap(y: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    return float(roc_auc_score(y, s)), float(average_precision_score(y, s))


def _auc_ap_fast(y: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """Rank-based ROC-AUC (ties averaged) and AP (ties in input order): for the bootstrap,
    where sklearn's per-call overhead dominates."""
    from scipy.stats import rankdata

    pos = y == 1
    n1 = float(pos.sum())
    n0 = len(y) - n1
    auc = (rankdata(s)[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
    yy = pos[np.argsort(-s, kind="stable")]
    prec = np.cumsum(yy) / np.arange(1, len(yy) + 1)
    return float(auc), float(prec[yy].sum() / n1)


def _f1(y: np.ndarray, s: np.ndarray, thr: float) -> float:
    pred = s >= thr
    tp = float(np.sum(pred & (y == 1)))
    fp = float(np.sum(pred & (y == 0)))
    fn = float(np.sum(~pred & (y == 1)))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _ci(vals: list[float]) -> list[float]:
    if not vals:
        return [float("nan"), float("nan")]
    return [round(float(np.percentile(vals, 2.5)), 4), round(float(np.percentile(vals, 97.5)), 4)]


def metrics(
    f: Featurized, sent_scores: np.ndarray, d_scores: np.ndarray, thr: float, seed: int = 0
) -> dict[str, Any]:
    """ROC-AUC, PR-AUC, F1 with bootstrap CIs at document and sentence level."""
    rng = np.random.default_rng(seed)
    yd = f.doc_labels()
    out: dict[str, Any] = {"n_docs": len(yd), "n_pos_docs": int(yd.sum()),
                           "n_sentences": len(f.y), "n_pos_sentences": int(f.y.sum())}  # fmt: skip
    if len(set(yd.tolist())) < 2:
        return out
    auc, ap = _auc_ap(yd, d_scores)
    boots: dict[str, list[float]] = {"auc": [], "ap": [], "f1": []}
    n = len(yd)
    for _ in range(N_BOOT_DOC):
        i = rng.integers(0, n, n)
        if len(set(yd[i].tolist())) < 2:
            continue
        a, p = _auc_ap_fast(yd[i], d_scores[i])
        boots["auc"].append(a)
        boots["ap"].append(p)
        boots["f1"].append(_f1(yd[i], d_scores[i], thr))
    out["doc"] = {
        "roc_auc": round(auc, 4), "roc_auc_ci": _ci(boots["auc"]),
        "pr_auc": round(ap, 4), "pr_auc_ci": _ci(boots["ap"]),
        "f1": round(_f1(yd, d_scores, thr), 4), "f1_ci": _ci(boots["f1"]),
    }  # fmt: skip
    ys = f.y.astype(int)
    if len(set(ys.tolist())) == 2:
        auc, ap = _auc_ap(ys, sent_scores)
        order = np.argsort(f.doc_index, kind="stable")
        bounds = np.searchsorted(f.doc_index[order], np.arange(n + 1))
        sb: dict[str, list[float]] = {"auc": [], "ap": [], "f1": []}
        for _ in range(N_BOOT_SENT):
            docs = rng.integers(0, n, n)
            rows = np.concatenate([order[bounds[d] : bounds[d + 1]] for d in docs])
            if len(set(ys[rows].tolist())) < 2:
                continue
            a, p = _auc_ap_fast(ys[rows], sent_scores[rows])
            sb["auc"].append(a)
            sb["ap"].append(p)
            sb["f1"].append(_f1(ys[rows], sent_scores[rows], thr))
        out["sentence"] = {
            "roc_auc": round(auc, 4), "roc_auc_ci": _ci(sb["auc"]),
            "pr_auc": round(ap, 4), "pr_auc_ci": _ci(sb["ap"]),
            "f1": round(_f1(ys, sent_scores, thr), 4), "f1_ci": _ci(sb["f1"]),
        }  # fmt: skip
    return out


def _doc_mask(f: Featurized, pred) -> np.ndarray:
    return np.array([bool(pred(d)) for d in f.docs], dtype=bool)


def run(
    model_dir: str | Path,
    data: dict[str, Featurized],
    report_dir: str | Path = "training/report",
    kind: str | None = None,
    quick: bool = False,
) -> dict[str, Any]:
    """Evaluate the model in ``model_dir`` on the featurised data sets; write the report."""
    t0 = time.time()
    scorer = load_model(model_dir, trust=True)
    card = scorer.card
    kind = kind or card.get("estimator", "hgb").split(" ")[0]
    agg, thr = scorer.aggregation, scorer.rewritten_threshold
    main = data["main"]
    test = main.select(main.mask(split="test"))
    p_test = scorer.estimator.predict_proba(test.X)[:, 1]
    d_test = doc_scores(p_test, test, agg)
    results: dict[str, Any] = {}

    def subset(name: str, pos, neg, f: Featurized = test, p=p_test, d=d_test) -> None:
        m = _doc_mask(f, lambda doc: pos(doc) or neg(doc))
        if not m.any():
            return
        sub = f.select(m)
        rows = m[f.doc_index]
        # Labels come from the documents: a negative's sentences are all 0.
        results[name] = metrics(sub, p[rows], d[m], thr)
        log(
            f"  {name}: {json.dumps({k: v.get('roc_auc') if isinstance(v, dict) else v for k, v in results[name].items()})}"
        )

    clean = lambda doc: doc.kind == "clean"  # noqa: E731
    subset("synthetic", lambda doc: doc.kind == "synthetic", clean)
    test_pairs = set(card["training_data"]["hold_outs"]["wmt_test_pairs"])

    def in_test_pair(doc: Doc) -> bool:
        return doc.meta.get("pair") in test_pairs

    subset("wmt_mt_vs_ref", lambda doc: doc.kind == "wmt-mt", lambda doc: doc.kind == "wmt-ref")
    subset("wmt_mt_vs_ref_heldout_pairs", lambda doc: doc.kind == "wmt-mt" and in_test_pair(doc),
           lambda doc: doc.kind == "wmt-ref" and in_test_pair(doc))  # fmt: skip
    subset("wmt_mt_vs_ref_heldout_systems",
           lambda doc: doc.kind == "wmt-mt" and not in_test_pair(doc),
           lambda doc: doc.kind == "wmt-ref" and not in_test_pair(doc))  # fmt: skip
    subset("wmt_mt_vs_native", lambda doc: doc.kind == "wmt-mt", lambda doc: doc.kind == "wmt-orig")
    subset(
        "mlqe_mt_vs_postedit", lambda doc: doc.kind == "mlqe-mt", lambda doc: doc.kind == "mlqe-pe"
    )
    subset("mlqe_mt_vs_native", lambda doc: doc.kind == "mlqe-mt",
           lambda doc: doc.kind in CLEAN_KINDS)  # fmt: skip

    # False flags on clean test documents.
    flags = {}
    for k in ("clean", "wmt-orig", "wmt-ref", "mlqe-pe"):
        m = test.mask([k])
        if m.any():
            flags[k] = {"n_docs": int(m.sum()),
                        "rewritten_rate": round(float(np.mean(d_test[m] >= thr)), 4),
                        "suspect_or_worse_rate": round(float(np.mean(d_test[m] >= scorer.suspect_threshold)), 4)}  # fmt: skip
    results["false_flags"] = flags

    # Cross-family: retrain without the family, test on rewrites with that family only.
    dev_all = main.select(main.mask(TRAIN_KINDS) & main.mask(split="dev"))
    train_all = main.select(main.mask(TRAIN_KINDS) & main.mask(split="train"))
    clean_test = test.select(test.mask(["clean"]))
    p_clean_main = scorer.estimator.predict_proba(clean_test.X)[:, 1]
    # The style model was fitted on every family: the retrained models leave its column out,
    # so the held-out family is truly unseen.
    styled = scorer.style is not None
    for fam in LEXICAL_FAMILIES:
        fam_set = data.get(f"family:{fam}")
        if fam_set is None or not len(fam_set.docs):
            continue
        keep_ids = {d.id for d in without_family(train_all.docs, fam)}
        tr = train_all.select(np.array([d.id in keep_ids for d in train_all.docs]))
        keep_ids = {d.id for d in without_family(dev_all.docs, fam)}
        dv = dev_all.select(np.array([d.id in keep_ids for d in dev_all.docs]))
        if styled:
            tr, dv = drop_style(tr), drop_style(dv)
        model = fit_candidate(kind, tr, dv)
        dv_scores = doc_scores(model.predict_proba(dv.X)[:, 1], dv, agg)
        _, fam_thr = choose_thresholds(dv_scores[dv.mask(CLEAN_KINDS)])
        combo = _concat(drop_style(fam_set) if styled else fam_set,
                        drop_style(clean_test) if styled else clean_test)  # fmt: skip
        p = model.predict_proba(combo.X)[:, 1]
        d = doc_scores(p, combo, agg)
        results[f"heldout:{fam}"] = metrics(combo, p, d, fam_thr)
        results[f"heldout:{fam}"]["style_column"] = (
            "left out (the style model saw the family)" if styled else None
        )
        # The shipped model (which saw the family) on the same documents, for comparison.
        p2 = np.concatenate([scorer.estimator.predict_proba(fam_set.X)[:, 1], p_clean_main])
        results[f"heldout:{fam}"]["shipped_model_doc_roc_auc"] = metrics(
            combo, p2, doc_scores(p2, combo, agg), thr)["doc"]["roc_auc"]  # fmt: skip
        log(f"  heldout:{fam}: doc AUC {results[f'heldout:{fam}']['doc']['roc_auc']}")

    # Confound check: names and numbers masked.
    conf: dict[str, Any] = {}
    for name, pos_k, neg_k in (("synthetic", "synthetic", ("clean",)),
                               ("wmt_mt_vs_ref", "wmt-mt", ("wmt-ref",)),
                               ("wmt_mt_vs_native", "wmt-mt", ("wmt-orig",))):  # fmt: skip
        m = test.mask([pos_k, *neg_k])
        # A stable sample of at most 1,000 documents keeps the extra detector pass short.
        idx = np.flatnonzero(m)
        keep = sorted(idx, key=lambda i: _bucket("mask:" + test.docs[i].id))[:1000]
        m = np.zeros(len(m), dtype=bool)
        m[keep] = True
        sub = test.select(m)
        masked_docs = [_masked(doc) for doc in sub.docs]
        fm = featurize(masked_docs, tag=f"masked:{name}:{quick}")
        if styled:
            fm = add_column(fm, scorer.style.decision_function(sentence_texts(fm)))
        pm = scorer.estimator.predict_proba(fm.X)[:, 1]
        dm = doc_scores(pm, fm, agg)
        before = d_test[m]
        from sklearn.metrics import roc_auc_score

        yd = sub.doc_labels()
        conf[name] = {
            "doc_roc_auc_before": round(float(roc_auc_score(yd, before)), 4),
            "doc_roc_auc_masked": round(float(roc_auc_score(yd, dm)), 4),
            "mean_abs_doc_score_change": round(float(np.mean(np.abs(dm - before))), 4),
            "mean_doc_score_change_pos": round(float(np.mean((dm - before)[yd == 1])), 4),
            "mean_doc_score_change_neg": round(float(np.mean((dm - before)[yd == 0])), 4),
        }
    results["confound_masking"] = conf
    report = {
        "model": {
            k: card.get(k)
            for k in (
                "name",
                "date",
                "estimator",
                "aggregation",
                "suspect_threshold",
                "rewritten_threshold",
                "sha256",
                "uses_evidence",
                "quick",
            )
        },
        "hold_outs": card["training_data"]["hold_outs"],
        "threshold_for_f1": thr,
        "results": results,
        "seconds": round(time.time() - t0),
    }
    rd = Path(report_dir)
    rd.mkdir(parents=True, exist_ok=True)
    (rd / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    (rd / "evaluation.md").write_text(render_md(report), "utf-8")
    update_card(model_dir, report)
    log(f"evaluation written to {rd} in {time.time() - t0:.0f}s")
    return report


def update_card(model_dir: str | Path, report: dict[str, Any]) -> None:
    """Copy the headline test figures into the model card (its checksum covers only the
    model file, so the card may be updated after training)."""
    path = Path(model_dir) / CARD_FILE
    card = json.loads(path.read_text("utf-8"))
    heads = {}
    for name in ("synthetic", "wmt_mt_vs_ref", "wmt_mt_vs_native", "mlqe_mt_vs_native"):
        doc = report["results"].get(name, {}).get("doc")
        if doc:
            heads[f"test doc ROC-AUC {name}"] = f"{doc['roc_auc']:.3f} {doc['roc_auc_ci']}"
    flags = report["results"].get("false_flags", {}).get("clean")
    if flags:
        heads["clean test docs called rewritten"] = f"{flags['rewritten_rate']:.1%}"
    card["headline_metrics"] = heads
    card["test_metrics"] = report["results"]
    path.write_text(json.dumps(card, indent=2) + "\n", "utf-8")


def _masked(doc: Doc) -> Doc:
    segs = [mask_names_numbers(s) for s in doc.segments]
    return Doc(doc.id + ":masked", doc.kind, doc.split, segs, list(doc.seg_labels), doc.label,
               dict(doc.meta))  # fmt: skip


def _concat(a: Featurized, b: Featurized) -> Featurized:
    return Featurized(
        a.docs + b.docs, np.concatenate([a.X, b.X]), np.concatenate([a.y, b.y]),
        np.concatenate([a.doc_index, b.doc_index + len(a.docs)]),
    )  # fmt: skip


def _fmt(m: dict[str, Any] | None, key: str) -> str:
    if not m or key not in m:
        return "–"
    lo, hi = m[f"{key}_ci"]
    return f"{m[key]:.3f} [{lo:.3f}, {hi:.3f}]"


def render_md(report: dict[str, Any]) -> str:
    """The report as a Markdown page."""
    r = report["results"]
    mdl = report["model"]
    lines = [
        "# mtdetect classifier: evaluation on held-out test data",
        "",
        f"Model `{mdl['name']}` ({mdl['estimator']}; document score = {mdl['aggregation']}; "
        f"rewritten at >= {mdl['rewritten_threshold']:.3f}, suspect at >= "
        f"{mdl['suspect_threshold']:.3f}; evidence tables: {mdl['uses_evidence']}"
        f"{'; QUICK RUN' if mdl.get('quick') else ''}).",
        "",
        f"Hold-outs: {json.dumps(report['hold_outs'])}. 95 % intervals: bootstrap over "
        "documents. F1 at the rewritten threshold (for held-out families, the threshold of "
        "the model trained without the family).",
        "",
        "| comparison | docs (pos) | doc ROC-AUC | doc PR-AUC | doc F1 | sentence ROC-AUC | sentence PR-AUC |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m in r.items():
        if name in ("false_flags", "confound_masking") or "doc" not in m:
            continue
        d, s = m.get("doc"), m.get("sentence")
        lines.append(
            f"| {name} | {m['n_docs']} ({m['n_pos_docs']}) | {_fmt(d, 'roc_auc')} | "
            f"{_fmt(d, 'pr_auc')} | {_fmt(d, 'f1')} | {_fmt(s, 'roc_auc')} | {_fmt(s, 'pr_auc')} |"
        )
    lines += ["", "## False flags on test documents", "",
              "| kind | docs | called rewritten | suspect or rewritten |", "|---|---|---|---|"]  # fmt: skip
    for k, v in r.get("false_flags", {}).items():
        lines.append(f"| {k} | {v['n_docs']} | {v['rewritten_rate']:.1%} | "
                     f"{v['suspect_or_worse_rate']:.1%} |")  # fmt: skip
    lines += ["", "## Confound check: names and numbers masked", "",
              "| comparison | doc ROC-AUC before | after masking | mean abs score change | "
              "mean change (pos / neg) |", "|---|---|---|---|---|"]  # fmt: skip
    for k, v in r.get("confound_masking", {}).items():
        lines.append(f"| {k} | {v['doc_roc_auc_before']:.3f} | {v['doc_roc_auc_masked']:.3f} | "
                     f"{v['mean_abs_doc_score_change']:.3f} | {v['mean_doc_score_change_pos']:+.3f}"
                     f" / {v['mean_doc_score_change_neg']:+.3f} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="mtdetect/data/model")
    ap.add_argument("--data", default=None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--report", default="training/report")
    args = ap.parse_args(argv)
    data = load_data(args.data, args.quick, args.n_jobs)
    style = load_model(args.model, trust=True).style
    if style is not None:
        # Training used out-of-fold style scores on its own rows; evaluation reads only dev
        # and test rows, where the shipped style model's scores are the right ones.
        for name, f in list(data.items()):
            data[name] = add_column(f, style.decision_function(sentence_texts(f)))
    run(args.model, data, args.report, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
