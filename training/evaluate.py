"""Evaluate a trained model; write ``training/report/evaluation.json`` and ``evaluation.md``.

Usage::

    python -m training.evaluate [--model mtdetect/data/model] [--data DIR] [--quick]
                                [--old-scores FILE]

The protocol, meant to predict what users will see on tools and text nobody here has seen
(every figure is on ``test`` documents, see :mod:`training.datasets` for the hold-outs):

1. **Round trips through a pivot the model never saw**: for each Apertium pivot (Spanish,
   Catalan, Galician), the garble head and the combiner are refitted without that pivot (and
   without the chain through it) and tested on that pivot's round trips of held-out articles
   against the articles themselves (content-controlled).
2. **Neural MT**: WMT22 system outputs against the human references of the same segments
   (content-controlled) and against native English; on language pairs and systems never
   trained on; and **across years**: the nmt head and the style model refitted on WMT21 and
   MLQE-PE only (no WMT22 at all), tested on the same WMT22 test documents.
3. MLQE-PE MT against native English and against its human post-edits.
4. **False verdicts** on clean test documents of every register (news, encyclopedic,
   science, informal, fiction, reports) and on human translations.
5. Last, the synthetic set: spinner rewrites of held-out articles (our own generator).

Every AUC has a 95 % bootstrap interval (documents resampled). Beside the model: a word and
bigram rarity baseline (``benchmarks.baselines.FluencyBaseline``: the mean negative log
bigram probability of a document's words from the same count tables), and, when
``--old-scores`` gives them, the previous model's document scores on the same documents.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mtdetect.classifier.model import CARD_FILE, EnsembleModel, load_model
from training.datasets import WMT_TEST_PAIRS, WMT_TEST_SYSTEMS, Doc
from training.fit import (
    CLEAN_KINDS,
    HEADS,
    Featurized,
    attach_style,
    doc_registers,
    ensemble_doc_scores,
    fit_combiner,
    fit_head,
    head_doc_scores,
    load_data,
    log,
)

__all__ = ["bootstrap_auc", "run"]

N_BOOT = 1000
PIVOTS = ("spa", "cat", "glg")


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    """Rank-based ROC-AUC (ties averaged)."""
    from scipy.stats import rankdata

    pos = y == 1
    n1 = float(pos.sum())
    n0 = len(y) - n1
    return float((rankdata(s)[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def bootstrap_auc(y: np.ndarray, s: np.ndarray, seed: int = 0, n: int = N_BOOT) -> dict[str, Any]:
    """ROC-AUC with a 95 % bootstrap interval over documents."""
    if len(set(y.tolist())) < 2:
        return {"auc": None, "ci": None, "n_pos": int(y.sum()), "n_neg": int((1 - y).sum())}
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        if 0 < y[i].sum() < len(i):
            vals.append(_auc(y[i], s[i]))
    return {
        "auc": round(_auc(y, s), 4),
        "ci": [
            round(float(np.percentile(vals, 2.5)), 4),
            round(float(np.percentile(vals, 97.5)), 4),
        ],
        "n_pos": int(y.sum()),
        "n_neg": int((1 - y).sum()),
    }


def _sent_auc(f: Featurized, p: np.ndarray, docmask: np.ndarray) -> float | None:
    rows = docmask[f.doc_index]
    y = f.y[rows]
    if len(set(y.tolist())) < 2:
        return None
    return round(_auc(y.astype(int), p[rows]), 4)


def fluency_baseline(docs: list[Doc]) -> np.ndarray:
    """The word/bigram rarity baseline's document scores (higher = more suspect)."""
    from benchmarks.baselines import FluencyBaseline
    from mtdetect.evidence import load_evidence

    base = FluencyBaseline(load_evidence())
    return np.array([base.score(d.text) for d in docs])


def fit_fluency_lr(train: Featurized) -> Any:
    """The fluency baseline of ``benchmarks.verdicts`` (eight generic fluency features, a
    logistic regression), fitted on the training round trips and originals (Spanish,
    Catalan, Galician)."""
    from benchmarks.verdicts import FluencyBaseline

    keep = [d for d in train.docs if d.kind in ("roundtrip", "clean")]
    return FluencyBaseline().fit([d.text for d in keep], [d.label for d in keep])


def unseen_engine_docs(scorer: Any, tagger_path: str, n_jobs: int = 2) -> Featurized | None:
    """Round trips of the test blocks through the evaluation-only engine (Serbo-Croatian),
    featurised with the style column of ``scorer``; None when they were not made
    (``python -m training.roundtrip --pivots hbs --splits test``)."""
    from training.fit import featurize
    from training.roundtrip import EVAL_PIVOTS
    from training.tagger_data import roundtrip_docs

    try:
        docs = roundtrip_docs(pivots=tuple(EVAL_PIVOTS), splits=("test",), with_clean=False)
    except FileNotFoundError as exc:
        log(f"  no unseen-engine round trips: {exc}")
        return None
    f = featurize(docs, tagger_path, n_jobs=n_jobs)
    col = scorer.style.decision_function(f.texts).astype(np.float32)
    return Featurized(f.docs, np.column_stack([f.X, col]), f.y, f.doc_index, f.texts)


def run(
    model_dir: str | Path,
    data: Featurized,
    report_dir: str | Path = "training/report",
    quick: bool = False,
    old_scores: dict[str, float] | None = None,
    update_model_card: bool = True,
    dev_lengths: Featurized | None = None,
) -> dict[str, Any]:
    """Evaluate the model in ``model_dir`` on the featurised documents; write the report (and,
    with ``update_model_card``, its headline figures into the model's card)."""
    t0 = time.time()
    scorer = load_model(model_dir, trust=True)
    model: EnsembleModel = scorer.estimator
    thr, sus = scorer.rewritten_threshold, scorer.suspect_threshold
    test = data.select(data.mask(split="test"))
    p_test = model.predict_proba(test.X)[:, 1]
    d_test = ensemble_doc_scores(model, test)
    heads_test = head_doc_scores(model, test)
    base_test = fluency_baseline(test.docs)
    train = data.select(data.mask(split="train"))
    fluency_lr = fit_fluency_lr(train)  # fitted once: its features are read from the text
    flu_test = fluency_lr.score([d.text for d in test.docs])
    kinds = test.kinds()
    pivots = np.array([d.meta.get("pivot", "") for d in test.docs])
    pairs = np.array([d.meta.get("pair", "") for d in test.docs])
    systems = np.array([d.meta.get("system", "") for d in test.docs])
    old = np.array([old_scores.get(d.id, np.nan) for d in test.docs]) if old_scores else None
    results: dict[str, Any] = {}

    def compare(name: str, pos: np.ndarray, neg: np.ndarray, d=d_test, p=p_test, f=test) -> None:
        m = pos | neg
        if not pos.any() or not neg.any():
            return
        y = pos[m].astype(int)
        r = {"model": bootstrap_auc(y, d[m]), "sentence_auc": _sent_auc(f, p, m)}
        if f is test:
            r["baseline"] = bootstrap_auc(y, base_test[m])
            r["fluency_lr"] = bootstrap_auc(y, flu_test[m])
            r["heads"] = {h: round(_auc(y, v[m]), 4) for h, v in heads_test.items()}
            if old is not None and np.isfinite(old[m]).all():
                r["old_model"] = bootstrap_auc(y, old[m])
        results[name] = r
        log(f"  {name}: model {r['model']['auc']} baseline {r.get('baseline', {}).get('auc')}")

    clean = kinds == "clean"
    # 1. round trips (the shipped model, which saw every pivot), then cross-pivot.
    for pv in PIVOTS:
        compare(f"roundtrip_{pv}_seen", (kinds == "roundtrip") & (pivots == pv), clean)
    dev = data.select(data.mask(split="dev"))

    def refit(keep: Callable[[Doc], bool], heads_to_refit: tuple[str, ...]) -> EnsembleModel:
        tr = train.select(np.array([keep(d) for d in train.docs]))
        dv = dev.select(np.array([keep(d) for d in dev.docs]))
        dl = (
            dv
            if dev_lengths is None
            else dev_lengths.select(np.array([keep(d) for d in dev_lengths.docs]))
        )
        heads = dict(model.heads)
        for h in heads_to_refit:
            pos_k, neg_k = HEADS[h]
            use = model.heads[h].coef != 0  # the columns the shipped head uses
            heads[h] = fit_head(
                tr.select(tr.mask(pos_k + neg_k)), dv.select(dv.mask(pos_k + neg_k)), use
            )
        return fit_combiner(heads, dl)

    cross = {}
    for pv in PIVOTS:
        m = refit(lambda d, pv=pv: pv not in d.meta.get("pivot", "").split("+"), ("garble",))
        p = m.predict_proba(test.X)[:, 1]
        d = ensemble_doc_scores(m, test)
        compare(f"roundtrip_{pv}_unseen", (kinds == "roundtrip") & (pivots == pv), clean, d, p)
        cross[pv] = results.get(f"roundtrip_{pv}_unseen", {}).get("model", {}).get("auc")
    # 1b. an engine never trained on, tuned or thresholded on (Serbo-Croatian)
    hbs = unseen_engine_docs(scorer, str(Path(model_dir) / "tagger.npz"))
    if hbs is not None:
        both = Featurized(
            test.docs + hbs.docs,
            np.concatenate([test.X, hbs.X]),
            np.concatenate([test.y, hbs.y]),
            np.concatenate([test.doc_index, hbs.doc_index + len(test.docs)]),
            test.texts + hbs.texts,
        )
        k2 = both.kinds()
        piv2 = np.array([d.meta.get("pivot", "") for d in both.docs])
        y_pos = (k2 == "roundtrip") & (piv2 == "hbs")
        m = y_pos | (k2 == "clean")
        y = y_pos[m].astype(int)
        # scores are per document: the test documents' are known, only the round trips are new
        d_both = np.concatenate([d_test, ensemble_doc_scores(model, hbs)])
        p_both = np.concatenate([p_test, model.predict_proba(hbs.X)[:, 1]])
        heads_hbs = head_doc_scores(model, hbs)
        heads_both = {h: np.concatenate([v, heads_hbs[h]]) for h, v in heads_test.items()}
        # the same for both baselines
        flu = np.concatenate([flu_test, fluency_lr.score([d.text for d in hbs.docs])])[m]
        rarity = np.concatenate([base_test, fluency_baseline(hbs.docs)])[m]
        results["roundtrip_hbs_unseen_engine"] = {
            "model": bootstrap_auc(y, d_both[m]),
            "sentence_auc": _sent_auc(both, p_both, m),
            "baseline": bootstrap_auc(y, rarity),
            "fluency_lr": bootstrap_auc(y, flu),
            "heads": {h: round(_auc(y, v[m]), 4) for h, v in heads_both.items()},
        }
        if old_scores:
            o = np.array([old_scores.get(d.id, np.nan) for d in both.docs])[m]
            if np.isfinite(o).all():
                results["roundtrip_hbs_unseen_engine"]["old_model"] = bootstrap_auc(y, o)
        log(f"  roundtrip_hbs_unseen_engine: {results['roundtrip_hbs_unseen_engine']}")
    # 2. neural MT
    is_test_pair = np.isin(pairs, list(WMT_TEST_PAIRS))
    is_test_sys = np.isin(systems, list(WMT_TEST_SYSTEMS))
    mt, ref, orig = kinds == "wmt-mt", kinds == "wmt-ref", kinds == "wmt-orig"
    compare("wmt_mt_vs_ref", mt, ref)
    compare("wmt_mt_vs_ref_unseen_pairs", mt & is_test_pair, ref & is_test_pair)
    compare("wmt_mt_vs_ref_unseen_systems", mt & is_test_sys & ~is_test_pair, ref & ~is_test_pair)
    compare("wmt_mt_vs_native", mt, orig)
    # across years: no WMT22 in the style model, the nmt head or the combiner
    no22 = np.array(
        [not (d.kind.startswith("wmt") and d.meta.get("year") == 2022) for d in data.docs]
    )
    nmt_pos, nmt_neg = HEADS["nmt"]
    base_cols = Featurized(data.docs, data.X[:, :-1], data.y, data.doc_index, data.texts)
    data21, _ = attach_style(
        base_cols, base_cols.mask(nmt_pos + nmt_neg) & base_cols.mask(split="train") & no22
    )
    tr21 = data21.select(data21.mask(split="train") & no22)
    dv21 = data21.select(data21.mask(split="dev") & no22)
    heads = dict(model.heads)
    use = model.heads["nmt"].coef != 0  # the columns the shipped nmt head uses
    heads["nmt"] = fit_head(
        tr21.select(tr21.mask(nmt_pos + nmt_neg)), dv21.select(dv21.mask(nmt_pos + nmt_neg)), use
    )
    m21 = fit_combiner(heads, dv21)
    test21 = data21.select(data21.mask(split="test"))
    p21 = m21.predict_proba(test21.X)[:, 1]
    d21 = ensemble_doc_scores(m21, test21)
    compare("wmt22_mt_vs_ref_unseen_year", mt, ref, d21, p21, test21)
    compare("wmt22_mt_vs_native_unseen_year", mt, orig, d21, p21, test21)
    # 3. MLQE-PE
    compare("mlqe_mt_vs_native", kinds == "mlqe-mt", clean | orig)
    compare("mlqe_mt_vs_postedit", kinds == "mlqe-mt", kinds == "mlqe-pe")
    # 4. false verdicts
    regs = doc_registers(test)
    fv: dict[str, Any] = {}
    for r in sorted(set(regs[np.isin(kinds, CLEAN_KINDS)])):
        m = np.isin(kinds, CLEAN_KINDS) & (regs == r)
        fv[r] = _rates(d_test[m], thr, sus, old[m] if old is not None else None)
    fv["human translations (WMT references)"] = _rates(
        d_test[ref], thr, sus, old[ref] if old is not None else None
    )
    fv["MLQE-PE post-edits"] = _rates(d_test[kinds == "mlqe-pe"], thr, sus)
    results["false_verdicts"] = fv
    # 5. published tortured phrases (training part of the list) in held-out articles, then
    # the synthetic set, last
    compare("tortured_vs_clean (published phrases, seen)", kinds == "tortured", clean)
    compare("spin_vs_clean (synthetic)", kinds == "spin", clean)
    report = {
        "model": {
            k: scorer.card.get(k)
            for k in (
                "name",
                "date",
                "aggregation",
                "suspect_threshold",
                "rewritten_threshold",
                "sha256",
                "quick",
            )
        },
        "hold_outs": scorer.card["training_data"]["hold_outs"],
        "cross_pivot_doc_auc": cross,
        "results": results,
        "seconds": round(time.time() - t0),
    }
    rd = Path(report_dir)
    rd.mkdir(parents=True, exist_ok=True)
    (rd / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    (rd / "evaluation.md").write_text(render_md(report), "utf-8")
    if update_model_card:
        update_card(model_dir, report)
    log(f"evaluation written to {rd} in {time.time() - t0:.0f}s")
    return report


def _rates(d: np.ndarray, thr: float, sus: float, old: np.ndarray | None = None) -> dict[str, Any]:
    if not len(d):
        return {"n_docs": 0}
    out = {
        "n_docs": len(d),
        "rewritten": round(float(np.mean(d >= thr)), 4),
        "suspect_or_worse": round(float(np.mean(d >= sus)), 4),
    }
    return out


def update_card(model_dir: str | Path, report: dict[str, Any]) -> None:
    """Copy the headline test figures into the model card (its checksum covers only the
    model file, so the card may be updated after training)."""
    path = Path(model_dir) / CARD_FILE
    card = json.loads(path.read_text("utf-8"))
    res = report["results"]
    head = {}
    for name in ("roundtrip_spa_unseen", "roundtrip_cat_unseen", "roundtrip_glg_unseen",
                 "roundtrip_hbs_unseen_engine", "wmt_mt_vs_ref", "wmt_mt_vs_native",
                 "wmt22_mt_vs_ref_unseen_year"):  # fmt: skip
        if name in res:
            head[f"{name} doc ROC-AUC"] = res[name]["model"]["auc"]
    fv = res.get("false_verdicts", {})
    for reg, r in fv.items():
        if r.get("n_docs"):
            head[f"clean {reg}: rewritten rate"] = r["rewritten"]
    card["headline_metrics"] = head
    path.write_text(json.dumps(card, indent=2) + "\n", "utf-8")


def _fmt(r: dict[str, Any] | None) -> str:
    if not r or r.get("auc") is None:
        return "-"
    return f"{r['auc']:.3f} [{r['ci'][0]:.3f}, {r['ci'][1]:.3f}]"


def render_md(report: dict[str, Any]) -> str:
    res = report["results"]
    has_old = any("old_model" in v for v in res.values() if isinstance(v, dict))
    lines = [
        "# Evaluation of the shipped classifier",
        "",
        f"Model `{report['model']['name']}` ({report['model']['date']}); thresholds suspect "
        f"{report['model']['suspect_threshold']:.3f}, rewritten "
        f"{report['model']['rewritten_threshold']:.3f}. Test documents only (about 8 segments "
        "each; every length: `benchmarks/results/verdicts/verdicts.md`); 95 % bootstrap intervals over documents. Written by `python -m training.train` "
        "(or `python -m training.evaluate`).",
        "",
        "| test set | model doc ROC-AUC | sentence | rarity baseline | fluency baseline (8 features, LR)"
        + (" | previous model" if has_old else "")
        + " |",
        "|---|---|---|---|---|" + ("---|" if has_old else ""),
    ]
    for name, r in res.items():
        if name == "false_verdicts" or not isinstance(r, dict) or "model" not in r:
            continue
        row = (
            f"| {name} | {_fmt(r['model'])} | {r.get('sentence_auc') or '-'} | "
            f"{_fmt(r.get('baseline'))} | {_fmt(r.get('fluency_lr'))}"
        )
        if has_old:
            row += f" | {_fmt(r.get('old_model'))}"
        lines.append(row + " |")
    lines += [
        "",
        "`_unseen` rows: the model was refitted without that pivot (round trips) or without any "
        "WMT22 document (year); `_seen` rows use the shipped model, which saw every pivot.",
        "",
        "## False verdicts on clean test documents",
        "",
        "| documents | n | called rewritten | suspect or worse |",
        "|---|---|---|---|",
    ]
    for reg, r in res.get("false_verdicts", {}).items():
        if r.get("n_docs"):
            lines.append(
                f"| {reg} | {r['n_docs']} | {100 * r['rewritten']:.1f} % | "
                f"{100 * r['suspect_or_worse']:.1f} % |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="mtdetect/data/model")
    ap.add_argument("--data", default=None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--report", default=None, help="default training/report (quick: runs/quick)")
    ap.add_argument("--old-scores", default=None, help="JSON {doc id: score} of a previous model")
    args = ap.parse_args(argv)
    if args.report is None:
        args.report = "runs/quick/report" if args.quick else "training/report"
    data = load_data(args.data, args.quick, args.n_jobs, str(Path(args.model) / "tagger.npz"))
    scorer = load_model(args.model, trust=True)
    from training.fit import attach_style as _attach
    from training.fit import load_lengths

    nmt_pos, nmt_neg = HEADS["nmt"]
    data, style = _attach(data, data.mask(nmt_pos + nmt_neg) & data.mask(split="train"))
    dev_len = load_lengths(data, str(Path(args.model) / "tagger.npz"), args.n_jobs, style)
    del scorer
    old = json.loads(Path(args.old_scores).read_text("utf-8")) if args.old_scores else None
    # A quick check of a model never rewrites that model card's headline figures.
    run(args.model, data, args.report, quick=args.quick, old_scores=old,
        update_model_card=not args.quick, dev_lengths=dev_len)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
