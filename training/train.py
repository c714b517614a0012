"""Train the sentence classifier (two specialised heads and a combiner), choose the document
aggregation and per-register thresholds, save it.

Usage::

    python -m training.train [--data DIR] [--out mtdetect/data/model] [--quick] [--n-jobs 2]
                             [--garble-columns all|fluency] [--no-eval]

Needs the round trips (``python -m training.roundtrip``) and the span tagger
(``python -m training.train_tagger``, which writes ``tagger.npz`` into the model folder).
Steps (seeded, deterministic):

1. documents from :mod:`training.datasets`: clean prose of every register, its Apertium round
   trips and spinner rewrites, WMT21/22 MT with references and native originals, MLQE-PE;
2. the default pipeline with the tagger (:meth:`mtdetect.pipeline.MTDetector.analyse`) and
   :func:`mtdetect.classifier.features.sentence_features`; cached under the training cache;
3. the *style* model (hashed word n-grams, names and numbers masked) fitted on the neural-MT
   sources only, out-of-fold for training rows;
4. two heads, each a scaled logistic regression calibrated on dev with a sigmoid:

   ``garble``: round trips and spinner rewrites against clean prose of every register,
   native originals and human translations; it never sees the style column;
   ``nmt``: neural MT (WMT, MLQE-PE) against the same negatives, with the style column;

   every (kind, label) group weighs the same in total, and within clean prose every register
   weighs the same, so no source or register dominates;
5. the combination. Sentences: noisy-OR of the two heads ("rewritten by one process or the
   other"), sigmoid-calibrated on dev. Documents: the dev documents regrouped into documents
   of every length (:func:`training.datasets.vary_lengths`: 1 to 128 segments, clean ones
   three times over) are featurised again; on them each head gets a
   :class:`mtdetect.classifier.model.DocumentHead` (its mean sentence log-odds weighted by
   ``n / (n + k)``: length alone cannot move a score, and the weight given to the evidence
   levels off), the heads' odds are added (``logsumexp``; the second head's scale and shift
   chosen by the dev ROC-AUC of both kinds of rewriting, :data:`ODDS_OBJECTIVE`), and the sum
   is sigmoid-calibrated;
6. thresholds on the same dev documents, *per register and length band*: ``rewritten`` is the
   lowest score that at most 1 % of the clean dev documents of every register (news,
   encyclopedic, science, informal + native web text pooled) reach in every band of
   :data:`LENGTH_BANDS`, ``suspect`` at most 10 %;
7. model + card to ``--out``; then :mod:`training.evaluate` writes the report."""

from __future__ import annotations

import argparse
import datetime as _dt
import platform
import sys
import time
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from mtdetect.classifier.model import (
    save_model,
)
from training.fit import (
    CLEAN_KINDS,
    DEV_COMPARISONS,
    GARBLE_COLUMNS,
    HEADS,
    MAX_CLEAN_REWRITTEN,
    MAX_CLEAN_SUSPECT,
    NMT_COLUMNS,
    SEED,
    attach_style,
    choose_thresholds,
    comparison_auc,
    doc_registers,
    ensemble_doc_scores,
    fit_all,
    load_data,
    load_lengths,
    log,
    summarize_counts,
)

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None, help="shared data folder (default ../shared/data)")
    ap.add_argument("--out", default=None, help="model folder (default mtdetect/data/model)")
    ap.add_argument("--tagger", default=None, help="tagger file (default <out>/tagger.npz)")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="small subsample, end-to-end check (writes to runs/quick, not the shipped model)",
    )
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument(
        "--garble-columns",
        choices=GARBLE_COLUMNS,
        default="all",
        help="the garble head's columns (see GARBLE_COLUMNS)",
    )
    ap.add_argument(
        "--nmt-columns",
        choices=NMT_COLUMNS,
        default="sentence",
        help="the nmt head's columns (see NMT_COLUMNS)",
    )
    ap.add_argument("--no-eval", action="store_true", help="skip training.evaluate")
    ap.add_argument("--report", default=None, help="report folder (default training/report)")
    ap.add_argument(
        "--old-scores",
        default=None,
        help="JSON {doc id: score} of a previous model, for the report",
    )
    args = ap.parse_args(argv)
    if args.out is None:
        args.out = "runs/quick/model" if args.quick else "mtdetect/data/model"
    if args.report is None:
        args.report = "runs/quick/report" if args.quick else "training/report"
    tagger_path = args.tagger or str(Path("mtdetect/data/model") / "tagger.npz")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if Path(tagger_path).resolve() != (out / "tagger.npz").resolve():
        import shutil

        shutil.copyfile(tagger_path, out / "tagger.npz")
    np.random.seed(SEED)
    t_start = time.time()
    data = load_data(args.data, args.quick, args.n_jobs, tagger_path)
    nmt_pos, nmt_neg = HEADS["nmt"]
    data, style = attach_style(data, data.mask(nmt_pos + nmt_neg) & data.mask(split="train"))
    dev_len = load_lengths(data, tagger_path, args.n_jobs, style)
    style_index = data.X.shape[1] - 1
    train = data.select(data.mask(split="train"))
    dev = data.select(data.mask(split="dev"))
    log(f"train {len(train.docs)} docs / {len(train.y)} sentences; "
        f"dev {len(dev.docs)} docs / {len(dev.y)} sentences")  # fmt: skip
    model, head_table = fit_all(train, dev, style_index, args.garble_columns, dev_len,
                                args.nmt_columns)  # fmt: skip
    agg = "mean_logodds"
    ds_dev = ensemble_doc_scores(model, dev_len)
    dev_table = {k: comparison_auc(dev_len, ds_dev, *v) for k, v in DEV_COMPARISONS.items()}
    log(f"dev document ROC-AUC: {dev_table}")
    clean = dev_len.mask(CLEAN_KINDS)
    n_dev = np.bincount(dev_len.doc_index, minlength=len(dev_len.docs))
    suspect, rewritten, per_register = choose_thresholds(
        ds_dev[clean], doc_registers(dev_len)[clean], n_dev[clean]
    )
    log(
        f"thresholds: suspect {suspect:.4f}, rewritten {rewritten:.4f}; per register {per_register}"
    )
    from mtdetect.evidence import load_evidence

    evidence = load_evidence()
    import joblib
    import sklearn

    card: dict[str, Any] = {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "estimator": "two heads (garble, nmt): scaled logistic regressions over sentence "
        "features with sigmoid calibration on dev; length-aware document heads whose odds add up",
        "quick": bool(args.quick),
        "training_data": {
            "summary": "clean prose of six registers (tables' dev split), its Apertium round "
            "trips (es, ca, gl, ca+gl) and spinner rewrites; WMT21/22 to-English MT, "
            "references and English originals (held-out pairs and systems excluded); MLQE-PE MT",
            "documents": summarize_counts(data),
            "train_sentences": len(train.y),
            "dev_sentences": len(dev.y),
            "hold_outs": _holdouts(),
        },
        "heads": {
            k: {"positives": list(v[0]), "negatives": list(v[1])}
            | ({"columns": args.garble_columns} if k == "garble" else {})
            | ({"columns": args.nmt_columns} if k == "nmt" else {})
            for k, v in HEADS.items()
        },
        "combination": {
            "rule": "sentences: noisy-or of the heads, sigmoid-calibrated on dev; documents: "
            "each head's mean sentence log-odds weighted by n / (n + k), odds of the heads "
            "added (logsumexp, positive scales: no veto), fitted on dev documents of every "
            "length",
            "sentence_calibration": [round(x, 4) for x in model.sent_cal],
            "document_heads": {h: asdict(v) for h, v in model.doc_heads.items()},
        },
        "evidence": evidence.meta.get("built"),
        "dev_heads": head_table,
        "dev_document_auc": dev_table,
        "threshold_rule": f"rewritten: <= {MAX_CLEAN_REWRITTEN:.0%} of the clean dev documents "
        f"of every register (news, encyclopedic, science, informal + web pooled); suspect: <= "
        f"{MAX_CLEAN_SUSPECT:.0%}",
        "thresholds_per_register": per_register,
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "joblib": joblib.__version__,
        },
        "seed": SEED,
    }
    name = f"mtdetect-clf-{_dt.date.today().isoformat()}{'-quick' if args.quick else ''}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        path = save_model(
            args.out, model, aggregation=agg, suspect_threshold=suspect,
            rewritten_threshold=rewritten, name=name, uses_evidence=True, card=card, style=style,
        )  # fmt: skip
    log(f"saved {path} ({path.stat().st_size / 1e6:.2f} MB) in {time.time() - t_start:.0f}s")
    if not args.no_eval:
        from training import evaluate

        old = None
        if args.old_scores:
            import json

            old = json.loads(Path(args.old_scores).read_text("utf-8"))
        evaluate.run(args.out, data, args.report, quick=args.quick, old_scores=old,
                     dev_lengths=dev_len)  # fmt: skip
    log(f"done in {time.time() - t_start:.0f}s")
    return 0


def _holdouts() -> dict[str, Any]:
    from training import datasets as ds

    return {
        "wmt_test_pairs": list(ds.WMT_TEST_PAIRS),
        "wmt_test_systems": list(ds.WMT_TEST_SYSTEMS),
        "wmt21": "train/dev only (WMT22 test blocks measure an unseen year)",
        "mlqe_test_pair": ds.MLQE_TEST_PAIR,
        "doc_segments": ds.DOC_SEGMENTS,
        "clean_and_round_trips": "blocks of the tables' dev split: 60 % train, 40 % dev by "
        "block; the tables' test split is test",
        "document_lengths": "the heads train on blocks of about 8 segments; the document "
        "heads, their calibration and the thresholds on the dev blocks cut and joined into "
        "documents of 1 to 128 segments (training.datasets.vary_lengths, clean ones 3 times)",
        "unseen_engine": "Serbo-Croatian round trips of test text: evaluation only",
    }


if __name__ == "__main__":
    sys.exit(main())
