"""Probabilities and log-odds, in one place: logit, sigmoid and the mean log-odds of scores,
with their clipping constants named.

The array forms use numpy and the scalar forms :mod:`math`; the two are kept apart on purpose
(numpy's vectorised ``exp`` may differ from the C library's in the last bit, and scores are
reproduced bit for bit).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "LOGIT_EPS",
    "SIGMOID_CLIP",
    "SUM_EPS",
    "TREE_CLIP",
    "logit",
    "logit_scalar",
    "mean_logodds",
    "sigmoid",
    "sigmoid_scalar",
]

#: Sentence probabilities are clipped to [SUM_EPS, 1 - SUM_EPS] before their log-odds are
#: averaged or summed into document evidence, so that one sentence at 0 or 1 cannot swamp
#: the rest (its log-odds are at most about 9.2).
SUM_EPS = 1e-4
#: The clip of :func:`logit` by default (calibration inputs, a huge document's pieces).
LOGIT_EPS = 1e-6
#: Log-odds beyond which :func:`sigmoid` saturates (``exp`` overflows past about 709).
SIGMOID_CLIP = 500.0
#: The clip of the tagger's tree margins (30 is already a probability of 1 - 1e-13).
TREE_CLIP = 30.0


def logit(p: np.ndarray | Sequence[float], eps: float = LOGIT_EPS) -> np.ndarray:
    """Log-odds of probabilities clipped to ``[eps, 1 - eps]``."""
    q = np.clip(np.asarray(p, dtype=np.float64), eps, 1 - eps)
    return np.log(q / (1 - q))


def sigmoid(z: np.ndarray | float, clip: float = SIGMOID_CLIP) -> np.ndarray:
    """Probabilities of log-odds, ``z`` clipped to ``[-clip, clip]``."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -clip, clip)))


def logit_scalar(p: float, eps: float = LOGIT_EPS) -> float:
    """:func:`logit` of one probability, with :mod:`math`."""
    p = min(max(p, eps), 1 - eps)
    return math.log(p / (1 - p))


def sigmoid_scalar(z: float) -> float:
    """:func:`sigmoid` of one log-odds value, with :mod:`math` (no clip)."""
    return 1.0 / (1.0 + math.exp(-z))


def mean_logodds(scores: Sequence[float]) -> float:
    """The probability of the mean log-odds of ``scores`` (clipped at :data:`SUM_EPS`); 0.0
    when there are none."""
    if not len(scores):
        return 0.0
    return sigmoid_scalar(float(np.mean(logit(scores, SUM_EPS))))
