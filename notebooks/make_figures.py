"""Render the documentation's pictures from the development data into ``notebooks/figures/``.

    python notebooks/make_figures.py [--sample N] [--out DIR]

``score_distribution.png``: document and sentence scores per kind of text;
``roc.png``: ROC and precision-recall curves of the document score.
Reads the shared data folder (``MTDETECT_DATA`` overrides); exits quietly without it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import evaldata  # noqa: E402

import mtdetect  # noqa: E402
from mtdetect.report import plots  # noqa: E402

MAX_BYTES = 150_000


def comparisons(docs, level_label: str = "label") -> dict[str, tuple[list[int], list[float]]]:
    """The standard comparisons: (y_true, score) for each, from a scored DataFrame."""

    def pick(pos: str, negs: tuple[str, ...]):
        sub = docs[docs.kind.isin((pos, *negs))]
        return sub[level_label].tolist(), sub.score.tolist()

    return {
        "round trips vs clean": pick("roundtrip", ("clean",)),
        "spin vs clean": pick("spin", ("clean",)),
        "WMT22 MT vs references": pick("wmt-mt", ("wmt-ref",)),
        "MLQE-PE MT vs clean": pick("mlqe-mt", ("clean", "wmt-orig")),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sample", type=int, default=int(os.environ.get("MTDETECT_NB_SAMPLE", "300")))
    ap.add_argument("--out", type=Path, default=HERE / "figures")
    args = ap.parse_args(argv)
    ok, message = evaldata.data_status()
    print(message)
    if not ok:
        return 0
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t0 = time.time()
    detector = mtdetect.load()
    sets = evaldata.dev_documents(args.sample)
    docs, sents = evaldata.score_documents(detector, sets)
    print(f"scored {len(docs):,} documents, {len(sents):,} sentences in {time.time() - t0:.0f} s")
    model = detector.model_name
    th = {
        "suspect": detector.scorer.suspect_threshold,
        "rewritten": detector.scorer.rewritten_threshold,
    }
    args.out.mkdir(parents=True, exist_ok=True)

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    for ax, frame, what in ((axes[0], docs, "documents"), (axes[1], sents, "sentences")):
        by_kind = {k: frame.score[frame.kind == k].tolist() for k in evaldata.KINDS}
        log = bool((frame.score < 0.05).mean() > 0.5)  # most text scored 0: log scale
        plots.score_histogram(by_kind, ax, thresholds=th, log=log, title=f"{what} (dev)")
    fig.suptitle(f"mtdetect scores by kind of text; scorer {model}", fontsize=10)
    size = plots.save_figure(fig, str(args.out / "score_distribution.png"))
    print(f"score_distribution.png: {size / 1000:.0f} KB")

    fig = plots.roc_pr_curves(comparisons(docs), title=f"document scores (dev); scorer {model}")
    size2 = plots.save_figure(fig, str(args.out / "roc.png"))
    print(f"roc.png: {size2 / 1000:.0f} KB")
    if max(size, size2) > MAX_BYTES:
        print(f"warning: a figure is over {MAX_BYTES // 1000} KB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
