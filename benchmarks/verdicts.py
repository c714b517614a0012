"""Document verdicts by length bin, register and engine, beside two trivial baselines.

    python -m benchmarks.verdicts score --label new [--model DIR] [--docs FILE] [--n-jobs 2]
    python -m benchmarks.verdicts report [--labels old,new] [--out benchmarks/results/verdicts]

``score`` scores every document of :mod:`training.longdocs` (whole clean test texts of every
register in six length bins, their Apertium round trips through a training pivot and through
Serbo-Croatian, which nothing is trained on, and held-out WMT22 MT beside its references and
native English) with the importable mtdetect (``--model``: another model folder) and writes
``scores_<label>.jsonl`` next to the documents. It imports nothing but mtdetect, so an older
checkout can score the same documents (``cd OLD && python -m benchmarks.verdicts score`` with
this file copied in, or ``PYTHONPATH=OLD``).

``report`` reads the score files and writes ``verdicts.md`` and ``verdicts.json``:

* clean documents called *rewritten* per register and length bin (the target is at most 1 %
  in every cell);
* document ROC-AUC per length bin for round trips (training pivot, unseen engine) against
  their own originals, and for MT against its human reference and against native English;
* the same for two baselines: **length only** (the number of sentences as the score) and the
  **fluency baseline** (:class:`FluencyBaseline`: a logistic regression over eight generic
  fluency features under web-scale counts, trained on Apertium round trips through Spanish,
  Catalan and Galician of eight-sentence blocks of the tables' dev split, and thresholded at
  the 98th percentile of the clean dev blocks' scores);
* a reliability table per length bin (mean score against the share of rewritten documents).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FLUENCY_FEATURES", "FluencyBaseline", "fluency_features", "main"]

#: The fluency baseline's eight document features.
FLUENCY_FEATURES: tuple[str, ...] = (
    "unigram_logp_mean",
    "unigram_logp_p10",
    "unseen_bigram_share",
    "bigram_pmi_mean",
    "unknown_share",
    "sentence_words_mean",
    "function_share",
    "type_token_ratio",
)
_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
_TABLES: dict[str, Any] = {}


def _tables() -> tuple[dict[str, float], dict[str, float], float]:
    """The ``wordsegment`` package's unigram and bigram counts (web-scale), loaded once."""
    if not _TABLES:
        import wordsegment

        wordsegment.load()
        _TABLES["uni"] = wordsegment.UNIGRAMS
        _TABLES["bi"] = wordsegment.BIGRAMS
        _TABLES["total"] = float(sum(wordsegment.UNIGRAMS.values()))
    return _TABLES["uni"], _TABLES["bi"], _TABLES["total"]


def fluency_features(text: str, sentences: Sequence[str] | None = None) -> np.ndarray:
    """The eight features of :data:`FLUENCY_FEATURES` for one document.

    Words are lower-case letter runs (an apostrophe inside kept); a bigram is two adjacent
    words of one sentence. ``sentences`` defaults to mtdetect's segmentation of ``text``.
    """
    from mtdetect.wordlists import SENTENCE_FUNCTION_WORDS as FUNCTION_WORDS

    uni, bi, total = _tables()
    if sentences is None:
        from mtdetect.text import segment

        sentences = [s.text for s in segment(text).sentences]
    words_all: list[str] = []
    logp: list[float] = []
    pairs = unseen = unknown = func = 0
    pmi: list[float] = []
    lengths = []
    for sent in sentences:
        words = _WORD_RE.findall(sent.lower().replace("’", "'"))
        lengths.append(len(words))
        words_all.extend(words)
        for w in words:
            c = uni.get(w)
            if c is None:
                unknown += 1
            else:
                logp.append(math.log(c / total))
            if w in FUNCTION_WORDS:
                func += 1
        for a, b in itertools.pairwise(words):
            ca, cb = uni.get(a), uni.get(b)
            if ca is None or cb is None:
                continue
            pairs += 1
            cab = bi.get(f"{a} {b}")
            if cab is None:
                unseen += 1
            else:
                pmi.append(math.log(cab * total / (ca * cb)))
    n = len(words_all)
    if not n:
        return np.zeros(len(FLUENCY_FEATURES))
    return np.array(
        [
            float(np.mean(logp)) if logp else -25.0,
            float(np.percentile(logp, 10)) if logp else -25.0,
            unseen / pairs if pairs else 0.0,
            float(np.mean(pmi)) if pmi else 0.0,
            unknown / n,
            float(np.mean(lengths)),
            func / n,
            len(set(words_all)) / n,
        ]
    )


class FluencyBaseline:
    """Logistic regression over :func:`fluency_features` (standardised)."""

    name = "fluency baseline (8 features, LR)"

    def __init__(self) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
        self.threshold = 0.5

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> FluencyBaseline:
        X = np.array([fluency_features(t) for t in texts])
        self.model.fit(X, np.asarray(labels))
        return self

    def score(self, texts: Sequence[str]) -> np.ndarray:
        X = np.array([fluency_features(t) for t in texts])
        return self.model.predict_proba(X)[:, 1]

    def set_threshold(self, clean_texts: Sequence[str], share: float = 0.02) -> float:
        """The score that at most ``share`` of ``clean_texts`` reach."""
        s = np.sort(self.score(clean_texts))
        k = max(1, math.floor(share * len(s)))
        self.threshold = float(np.nextafter(s[-k - 1], 1.0)) if len(s) > k else 1.0
        return self.threshold


def train_fluency_baseline(folder: str | None = None) -> FluencyBaseline:
    """The fluency baseline, fitted on the round trips (Spanish, Catalan, Galician) of the
    model-train blocks and thresholded on the clean model-dev blocks."""
    from training.tagger_data import roundtrip_docs

    docs = roundtrip_docs(pivots=("spa", "cat", "glg"), splits=("dev",), folder=folder)
    train = [d for d in docs if d.split == "train"]
    base = FluencyBaseline().fit([d.text for d in train], [d.label for d in train])
    base.set_threshold([d.text for d in docs if d.split == "dev" and d.kind == "clean"])
    return base


# --- scoring ----------------------------------------------------------------------------------


def _read_jsonl_gz(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def default_docs() -> Path:
    import os
    import tempfile

    cache = os.environ.get("MTDETECT_TRAIN_CACHE", Path(tempfile.gettempdir()) / "mtdetect_train")
    return Path(cache) / "longdocs.jsonl.gz"


def score(docs_path: Path, label: str, model: str | None, n_jobs: int) -> Path:
    """Score every document with mtdetect; write ``scores_<label>.jsonl`` beside them."""
    import mtdetect

    detector = mtdetect.load(model, trust=True) if model else mtdetect.load()
    docs = _read_jsonl_gz(docs_path)
    out = docs_path.parent / f"scores_{label}.jsonl"
    t0 = time.time()
    n_sent = 0
    with open(out, "w", encoding="utf-8") as fh:
        results = detector.score_many((d["text"] for d in docs), n_jobs=n_jobs, batch_size=8)
        for k, (d, r) in enumerate(zip(docs, results, strict=True)):
            n_sent += len(r.sentences)
            rec = {"id": d["id"], "score": r.score, "verdict": r.verdict,
                   "n_sentences": len(r.sentences)}  # fmt: skip
            fh.write(json.dumps(rec) + "\n")
            if k % 200 == 0:
                print(f"  {k:,}/{len(docs):,} documents, {time.time() - t0:.0f}s", flush=True)
    meta = {
        "label": label,
        "model": detector.model_name,
        "suspect": detector.scorer.suspect_threshold,
        "rewritten": detector.scorer.rewritten_threshold,
        "seconds": round(time.time() - t0, 1),
        "sentences": n_sent,
    }
    out.with_suffix(".meta.json").write_text(json.dumps(meta, indent=1) + "\n", "utf-8")
    print(f"wrote {out} ({n_sent:,} sentences in {meta['seconds']} s)")
    return out


# --- report -----------------------------------------------------------------------------------


def _auc(y: np.ndarray, s: np.ndarray) -> float | None:
    from scipy.stats import rankdata

    pos = y == 1
    n1, n0 = float(pos.sum()), float((~pos).sum())
    if not n1 or not n0:
        return None
    return float((rankdata(s)[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


#: Comparisons: name -> (positive selector, negative selector), over document records.
def _comparisons() -> dict[str, tuple[Any, Any]]:
    return {
        "round trips, training pivot (Spanish) vs originals": (
            lambda d: d["kind"] == "roundtrip" and d["engine"] == "spa",
            lambda d: d["kind"] == "clean" and d["register"] in ("news", "encyclopedic", "science"),
        ),
        "round trips, unseen engine (Serbo-Croatian) vs originals": (
            lambda d: d["kind"] == "roundtrip" and d["engine"] == "hbs",
            lambda d: d["kind"] == "clean" and d["register"] in ("news", "encyclopedic", "science"),
        ),
        "WMT22 MT (held-out pairs) vs human reference": (
            lambda d: d["kind"] == "wmt-mt",
            lambda d: d["kind"] == "wmt-ref",
        ),
        "WMT22 MT (held-out pairs) vs native English": (
            lambda d: d["kind"] == "wmt-mt",
            lambda d: d["kind"] == "wmt-orig",
        ),
    }


def report(docs_path: Path, labels: Sequence[str], out_dir: Path, rt_folder: str | None) -> dict:
    """Tables by length bin x register and by engine for each scored model and both
    baselines; written to ``out_dir``."""
    from training.longdocs import BINS, bin_of

    docs = _read_jsonl_gz(docs_path)
    scores: dict[str, dict[str, dict[str, Any]]] = {}
    metas: dict[str, dict[str, Any]] = {}
    for label in labels:
        path = docs_path.parent / f"scores_{label}.jsonl"
        with open(path, encoding="utf-8") as fh:
            scores[label] = {r["id"]: r for r in map(json.loads, fh)}
        metas[label] = json.loads(path.with_suffix(".meta.json").read_text("utf-8"))
    first = scores[labels[0]]
    # The measured length (sentences mtdetect found) decides the bin.
    for d in docs:
        d["n"] = first[d["id"]]["n_sentences"]
        d["bin"] = bin_of(max(d["n"], 1))
    print("fitting the fluency baseline ...", flush=True)
    base = train_fluency_baseline(rt_folder)
    base_scores = base.score([d["text"] for d in docs])
    columns = [*labels, "fluency", "length"]

    def col_scores(col: str) -> np.ndarray:
        if col == "fluency":
            return base_scores
        if col == "length":
            return np.array([float(d["n"]) for d in docs])
        return np.array([scores[col][d["id"]]["score"] for d in docs])

    def col_flags(col: str) -> np.ndarray | None:
        if col == "fluency":
            return base_scores >= base.threshold
        if col == "length":
            return None
        return np.array([scores[col][d["id"]]["verdict"] == "rewritten" for d in docs])

    all_scores = {c: col_scores(c) for c in columns}
    all_flags = {c: col_flags(c) for c in columns}
    bins = [b for b, _, _ in BINS]
    kinds = np.array([d["kind"] for d in docs])
    regs = np.array([d["register"] for d in docs])
    dbins = np.array([d["bin"] for d in docs])
    result: dict[str, Any] = {"models": metas, "fluency_threshold": base.threshold}
    # 1. clean documents called rewritten
    fv: dict[str, dict[str, dict[str, Any]]] = {}
    clean_mask = np.isin(kinds, ["clean", "wmt-orig"])
    for reg in sorted(set(regs[clean_mask])):
        fv[reg] = {}
        for b in [*bins, "all"]:
            m = clean_mask & (regs == reg) & ((dbins == b) if b != "all" else True)
            if not m.any():
                continue
            cell: dict[str, Any] = {"n": int(m.sum())}
            for c in columns:
                f = all_flags[c]
                if f is not None:
                    cell[c] = round(float(f[m].mean()), 4)
            fv[reg][b] = cell
    result["clean_called_rewritten"] = fv
    # 2. AUC per comparison and bin
    aucs: dict[str, dict[str, dict[str, Any]]] = {}
    for name, (pos_f, neg_f) in _comparisons().items():
        pos = np.array([bool(pos_f(d)) for d in docs])
        neg = np.array([bool(neg_f(d)) for d in docs])
        aucs[name] = {}
        for b in [*bins, "all"]:
            inb = (dbins == b) if b != "all" else np.ones(len(docs), bool)
            m = (pos | neg) & inb
            if not (pos & inb).any() or not (neg & inb).any():
                continue
            y = pos[m].astype(int)
            cell = {"n_pos": int(y.sum()), "n_neg": int((1 - y).sum())}
            for c in columns:
                a = _auc(y, all_scores[c][m])
                cell[c] = None if a is None else round(a, 4)
            aucs[name][b] = cell
    result["auc"] = aucs
    # 3. reliability per bin: every labelled document, scores in five bands
    rel: dict[str, list[dict[str, Any]]] = {}
    labels_y = np.array([d["label"] for d in docs])
    for c in labels:
        rel[c] = []
        s = all_scores[c]
        for b in bins:
            m = dbins == b
            if not m.any():
                continue
            for lo in (0.0, 0.2, 0.4, 0.6, 0.8):
                mm = m & (s >= lo) & (s < lo + 0.2 + (1e-9 if lo == 0.8 else 0))
                if mm.sum() >= 5:
                    rel[c].append({"bin": b, "band": f"{lo:.1f}-{lo + 0.2:.1f}",
                                   "n": int(mm.sum()), "mean_score": round(float(s[mm].mean()), 3),
                                   "share_rewritten": round(float(labels_y[mm].mean()), 3)})  # fmt: skip
    result["reliability"] = rel
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_reliability(result, labels[-1], bins, out_dir / "reliability.png")
    (out_dir / "verdicts.json").write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    (out_dir / "verdicts.md").write_text(render_md(result, columns, bins), "utf-8")
    print(f"wrote {out_dir / 'verdicts.md'}")
    return result


def update_card(card_path: Path, result: dict[str, Any], label: str) -> None:
    """Write the tables of model ``label``, beside both baselines, into a model card (its
    checksum covers the model file only)."""
    card = json.loads(card_path.read_text("utf-8"))
    keep = (label, "fluency", "length", "n", "n_pos", "n_neg")
    card["length_and_engine"] = {
        "command": "python -m training.longdocs && python -m benchmarks.verdicts score --label "
        f"{label} && python -m benchmarks.verdicts report",
        "clean_called_rewritten": {
            reg: {b: {k: v for k, v in cell.items() if k in keep} for b, cell in cells.items()}
            for reg, cells in result["clean_called_rewritten"].items()
        },
        "document_auc": {
            name: {b: {k: v for k, v in cell.items() if k in keep} for b, cell in cells.items()}
            for name, cells in result["auc"].items()
        },
    }
    card_path.write_text(json.dumps(card, indent=2) + "\n", "utf-8")
    print(f"updated {card_path}")


def plot_reliability(result: dict[str, Any], label: str, bins: Sequence[str], path: Path) -> None:
    """Mean score against the share of rewritten documents, one line per length bin (needs
    matplotlib; skipped with a note without it)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no reliability plot (pip install '.[plots]')")
        return
    rows = result["reliability"].get(label, [])
    fig, ax = plt.subplots(figsize=(5.2, 4.4), dpi=110)
    ax.plot([0, 1], [0, 1], color="0.7", lw=1, ls="--", label="perfect calibration")
    for b in bins:
        pts = [(r["mean_score"], r["share_rewritten"]) for r in rows if r["bin"] == b]
        if pts:
            xs, ys = zip(*pts, strict=True)
            unit = "sentence" if b == "1" else "sentences"
            ax.plot(xs, ys, marker="o", ms=3, lw=1.2, label=f"{b} {unit}")
    ax.set_xlabel("mean document score in the band")
    ax.set_ylabel("share of rewritten documents")
    ax.set_title(f"Reliability by document length ({label})", fontsize=10)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def _table(
    title: str, cells: dict[str, Any], bins: Sequence[str], count: str, cols: Sequence[str], fmt
) -> list[str]:
    """One markdown table: a row per length bin, the count column, then ``cols``."""
    lines = [f"**{title}**", "", f"| bin | {count} | " + " | ".join(cols) + " |",
             "|---|---:|" + "---:|" * len(cols)]  # fmt: skip
    for b in bins:
        c = cells.get(b)
        if c:
            n = str(c["n"]) if "n" in c else f"{c['n_pos']} / {c['n_neg']}"
            lines.append(f"| {b} | {n} | " + " | ".join(fmt(c.get(k)) for k in cols) + " |")
    return [*lines, ""]


def render_md(r: dict[str, Any], columns: Sequence[str], bins: Sequence[str]) -> str:
    models = [c for c in columns if c in r["models"]]
    lines = [
        "# Verdicts by length, register and engine",
        "",
        "Written by `python -m benchmarks.verdicts report`. Documents: `python -m training.longdocs` "
        "(clean test text only). Models: "
        + "; ".join(
            f"`{c}` = {r['models'][c]['model']} (rewritten at {r['models'][c]['rewritten']:.3f})"
            for c in models
        )
        + f"; fluency baseline thresholded at {r['fluency_threshold']:.3f}.",
        "",
        "## Clean documents called rewritten (target: at most 1% in every cell)",
        "",
    ]
    flag_cols = [c for c in columns if c != "length"]
    for reg, cells in r["clean_called_rewritten"].items():
        lines += _table(reg, cells, [*bins, "all"], "n", flag_cols, _pct)
    lines += ["## Document ROC-AUC by length bin", ""]
    for name, cells in r["auc"].items():
        lines += _table(name, cells, [*bins, "all"], "pos / neg", columns, _num)
    lines += ["## Reliability by length bin (mean score vs share of rewritten documents)", ""]
    for c, rows in r["reliability"].items():
        lines.append(f"**{c}**")
        lines.append("")
        lines.append("| bin | score band | n | mean score | share rewritten |")
        lines.append("|---|---|---:|---:|---:|")
        for row in rows:
            lines.append(f"| {row['bin']} | {row['band']} | {row['n']} | {row['mean_score']:.3f} "
                         f"| {row['share_rewritten']:.3f} |")  # fmt: skip
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("score", help="score the documents with the importable mtdetect")
    s.add_argument("--label", required=True)
    s.add_argument("--model", default=None, help="model folder (default: the shipped one)")
    s.add_argument("--docs", default=None, help="documents (default: in the training cache)")
    s.add_argument("--n-jobs", type=int, default=2)
    r = sub.add_parser("report", help="tables from the score files and the baselines")
    r.add_argument("--labels", default="new")
    r.add_argument("--docs", default=None)
    r.add_argument("--roundtrips", default=None, help="round-trip folder (training cache)")
    r.add_argument("--out", default="benchmarks/results/verdicts")
    r.add_argument("--card", default=None, help="also write the last label's tables into this card")
    args = ap.parse_args(argv)
    docs = Path(args.docs) if args.docs else default_docs()
    if not docs.exists():
        print(f"{docs}: run python -m training.longdocs first", file=sys.stderr)
        return 2
    if args.cmd == "score":
        score(docs, args.label, args.model, args.n_jobs)
    else:
        labels = [x for x in args.labels.split(",") if x]
        result = report(docs, labels, Path(args.out), args.roundtrips)
        if args.card:
            update_card(Path(args.card), result, labels[-1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
