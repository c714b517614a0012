"""Pictures of how well the detector separates machine-rewritten from clean text.

Score histograms, ROC and precision-recall curves, a calibration plot and per-family bars,
used by the error-analysis notebook and ``notebooks/make_figures.py``.

matplotlib is an optional dependency (``pip install 'mtdetect[plots]'``): it is imported
inside each function, so importing this module costs nothing. Every function draws onto the
axes it is given (or a new figure) and returns what it drew on; nothing is shown or saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "GROUP_COLORS",
    "calibration_plot",
    "family_bars",
    "roc_pr_curves",
    "save_figure",
    "score_histogram",
]

#: Colours for the usual evaluation groups (others cycle through matplotlib's default).
GROUP_COLORS: dict[str, str] = {
    "clean": "#1b7a1b",
    "wmt-orig": "#5fa55f",
    "wmt-ref": "#2b6cb0",
    "mlqe-pe": "#6b9bd1",
    "wmt-mt": "#d95f02",
    "mlqe-mt": "#e7298a",
    "roundtrip": "#7b3294",
    "spin": "#b00020",
    "synthetic": "#b00020",
}


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "mtdetect.report.plots needs matplotlib: pip install 'mtdetect[plots]'"
        ) from None
    return plt


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=figsize, layout="constrained")
    return ax


def score_histogram(
    scores: Mapping[str, Sequence[float]],
    ax: Axes | None = None,
    *,
    bins: int = 20,
    thresholds: Mapping[str, float] | None = None,
    title: str | None = None,
    share: bool = True,
    log: bool = False,
) -> Axes:
    """Overlaid step histograms of scores in [0, 1], one per group (e.g. ``clean``, ``wmt-mt``).

    With ``share`` each group's bars are its share of items (so groups of different sizes
    compare), else counts; ``log`` puts the y axis on a log scale (most clean text scores 0).
    ``thresholds`` (label -> score, e.g. ``{"suspect": 0.4}``) are drawn as dashed vertical
    lines. Empty groups are left out; the legend gives each group's size.
    """
    ax = _new_axes(ax, (7.0, 3.6))
    edges = np.linspace(0.0, 1.0, bins + 1)
    for i, (name, values) in enumerate(scores.items()):
        v = np.clip(np.asarray(values, dtype=float), 0.0, 1.0)
        if v.size == 0:
            continue
        ax.hist(
            v,
            bins=edges,
            weights=np.full(v.size, 1.0 / v.size) if share else None,
            histtype="step",
            linewidth=1.8,
            color=GROUP_COLORS.get(name, f"C{i}"),
            label=f"{name} (n={v.size:,})",
        )
    for label, x in (thresholds or {}).items():
        ax.axvline(x, color="#555", linestyle="--", linewidth=1)
        ax.annotate(
            label,
            (x, 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, 4),
            textcoords="offset points",
            fontsize=8,
            color="#555",
        )
    ax.set_xlim(0, 1)
    ax.set_xlabel("score")
    ax.set_ylabel("share of group" if share else "count")
    if log:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def roc_pr_curves(
    curves: Mapping[str, tuple[Sequence[int], Sequence[float]]],
    axes: Sequence[Axes] | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """ROC (left) and precision-recall (right) curves, one line per comparison.

    ``curves`` maps a label (e.g. ``"wmt-mt vs wmt-ref"``) to ``(y_true, y_score)`` with
    ``y_true`` 1 for machine-rewritten. The legend gives ROC-AUC and average precision;
    comparisons with only one class are left out.
    """
    from sklearn.metrics import (
        average_precision_score,
        precision_recall_curve,
        roc_auc_score,
        roc_curve,
    )

    if axes is None:
        fig, axes = _pyplot().subplots(1, 2, figsize=(9.0, 3.8), layout="constrained")
    else:
        fig = axes[0].figure
    ax_roc, ax_pr = axes[0], axes[1]
    for i, (name, (y, s)) in enumerate(curves.items()):
        y_arr = np.asarray(y, dtype=int)
        s_arr = np.asarray(s, dtype=float)
        if y_arr.size == 0 or len(np.unique(y_arr)) < 2:
            continue
        color = f"C{i}"
        fpr, tpr, _ = roc_curve(y_arr, s_arr)
        ax_roc.plot(fpr, tpr, color=color, label=f"{name} (AUC {roc_auc_score(y_arr, s_arr):.2f})")
        prec, rec, _ = precision_recall_curve(y_arr, s_arr)
        ap = average_precision_score(y_arr, s_arr)
        ax_pr.plot(rec, prec, color=color, label=f"{name} (AP {ap:.2f})")
        ax_pr.axhline(y_arr.mean(), color=color, linestyle=":", linewidth=0.8)
    ax_roc.plot([0, 1], [0, 1], color="#999", linestyle="--", linewidth=0.8)
    ax_roc.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="false-positive rate", ylabel="recall")
    ax_roc.set_title("ROC")
    ax_pr.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="recall", ylabel="precision")
    ax_pr.set_title("precision-recall (dotted: base rate)")
    for ax in (ax_roc, ax_pr):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, frameon=False, loc="lower right")
    if title:
        fig.suptitle(title)
    return fig


def calibration_plot(
    y_true: Sequence[int],
    y_prob: Sequence[float],
    ax: Axes | None = None,
    *,
    n_bins: int = 10,
    strategy: str = "uniform",
    label: str = "detector",
    title: str | None = None,
) -> Axes:
    """Reliability diagram: the share of machine-rewritten items per score bin against the
    mean score in the bin (:func:`sklearn.calibration.calibration_curve`).

    A calibrated scorer lies on the diagonal. The grey bars show how many items fall in each
    bin (right-hand axis).
    """
    from sklearn.calibration import calibration_curve

    ax = _new_axes(ax, (4.6, 4.2))
    y = np.asarray(y_true, dtype=int)
    p = np.clip(np.asarray(y_prob, dtype=float), 0.0, 1.0)
    ax.plot([0, 1], [0, 1], color="#999", linestyle="--", linewidth=0.8, label="calibrated")
    if y.size and len(np.unique(y)) == 2:
        frac, mean = calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
        ax.plot(mean, frac, marker="o", color="C3", label=label)
        counts, edges = np.histogram(p, bins=n_bins, range=(0, 1))
        twin = ax.twinx()
        twin.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="#ccc", alpha=0.5)
        twin.set_ylabel("items per bin", color="#888")
        twin.tick_params(axis="y", colors="#888")
        ax.set_zorder(twin.get_zorder() + 1)
        ax.patch.set_visible(False)
    ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="mean score in bin")
    ax.set_ylabel("share machine-rewritten")
    ax.set_title(title or "calibration")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    return ax


def family_bars(
    recall: Mapping[str, float | None],
    false_flags: Mapping[str, float] | None = None,
    axes: Sequence[Axes] | None = None,
    *,
    recall_label: str = "recall on synthetic edits (our generator)",
    false_flag_label: str = "false flags per 1,000 clean words",
) -> Figure:
    """Horizontal bars per artifact family: recall (left) and false-flag rate (right).

    ``recall`` maps family -> share in [0, 1] (None: no edits of that family, drawn as
    "n/a"); ``false_flags`` maps family -> flags per 1,000 words of clean text (families
    missing from it had no flag). Without ``false_flags`` only the left panel is drawn.
    """
    n_panels = 2 if false_flags is not None else 1
    if axes is None:
        fig, ax_list = _pyplot().subplots(
            1, n_panels, figsize=(4.6 * n_panels, 0.35 * max(len(recall), 3) + 1.2),
            layout="constrained", squeeze=False,
        )  # fmt: skip
        axes = list(ax_list[0])
    fig = axes[0].figure
    families = list(recall)
    ypos = np.arange(len(families))
    ax = axes[0]
    values = [recall[f] if recall[f] is not None else 0.0 for f in families]
    ax.barh(ypos, values, color="C0")
    for y, f in zip(ypos, families, strict=True):
        r = recall[f]
        ax.text((r or 0.0) + 0.01, y, "n/a" if r is None else f"{r:.2f}", va="center", fontsize=8)
    ax.set_yticks(ypos, families)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.set_xlabel(recall_label)
    if false_flags is not None:
        ax2 = axes[1]
        rates = [float(false_flags.get(f, 0.0)) for f in families]
        ax2.barh(ypos, rates, color="C3")
        top = max(rates, default=0.0) or 1.0
        for y, r in zip(ypos, rates, strict=True):
            ax2.text(r + top * 0.01, y, f"{r:.2f}", va="center", fontsize=8)
        ax2.set_yticks(ypos, [""] * len(families))
        ax2.invert_yaxis()
        ax2.set_xlim(0, top * 1.2)
        ax2.set_xlabel(false_flag_label)
    return fig


def save_figure(fig: Figure, path: str, *, dpi: int = 100) -> int:
    """Save ``fig`` as PNG (white background, tight bounding box), close it, and return the
    file's size in bytes."""
    import os

    fig.savefig(path, dpi=dpi, facecolor="white", bbox_inches="tight")
    _pyplot().close(fig)
    return os.path.getsize(path)
