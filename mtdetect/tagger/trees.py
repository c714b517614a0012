"""Gradient-boosted trees as plain arrays: fitted with scikit-learn, evaluated with numpy.

A :class:`TreeEnsemble` holds every node of every tree in flat arrays (feature, threshold,
left child, right child, value). Leaves point to themselves, so evaluation is a fixed number
of vectorised steps (the depth of the deepest tree) for all rows and all trees at once, with
no branch per node and no scikit-learn at run time. It is stored with ``numpy.savez`` and
read with ``allow_pickle=False``: loading a model runs no code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mtdetect.native import core
from mtdetect.odds import TREE_CLIP, sigmoid

__all__ = ["TreeEnsemble"]


@dataclass
class TreeEnsemble:
    """Sum of regression trees (a binary classifier's log-odds, like scikit-learn's
    ``HistGradientBoostingClassifier``): ``decision(X) = baseline + sum of leaf values``."""

    feature: np.ndarray  # int32 per node (0 at leaves)
    threshold: np.ndarray  # float64 per node: go left when x <= threshold (+inf at leaves)
    left: np.ndarray  # int32 per node (the node itself at leaves)
    right: np.ndarray  # int32 per node (the node itself at leaves)
    value: np.ndarray  # float64 per node (used at leaves)
    roots: np.ndarray  # int32: the root node of each tree
    depth: int
    baseline: float

    @classmethod
    def from_sklearn(cls, model: Any) -> TreeEnsemble:
        """From a fitted binary ``HistGradientBoostingClassifier`` (numeric features only)."""
        feats, thrs, lefts, rights, vals, roots = [], [], [], [], [], []
        offset = 0
        depth = 0
        for iteration in model._predictors:
            (pred,) = iteration
            nodes = pred.nodes
            if nodes["is_categorical"].any():
                raise ValueError("categorical splits are not supported")
            leaf = nodes["is_leaf"].astype(bool)
            idx = np.arange(len(nodes), dtype=np.int64)
            feats.append(np.where(leaf, 0, nodes["feature_idx"]).astype(np.int32))
            thr = nodes["num_threshold"].astype(np.float64)
            # NaN never occurs in our features; missing values would follow the trained side.
            thrs.append(np.where(leaf, np.inf, thr))
            lefts.append((np.where(leaf, idx, nodes["left"]) + offset).astype(np.int32))
            rights.append((np.where(leaf, idx, nodes["right"]) + offset).astype(np.int32))
            vals.append(nodes["value"].astype(np.float64))
            roots.append(offset)
            depth = max(depth, int(nodes["depth"].max()))
            offset += len(nodes)
        baseline = float(np.ravel(model._baseline_prediction)[0])
        return cls(
            np.concatenate(feats),
            np.concatenate(thrs),
            np.concatenate(lefts),
            np.concatenate(rights),
            np.concatenate(vals),
            np.asarray(roots, dtype=np.int32),
            depth,
            baseline,
        )

    def decision(self, X: np.ndarray) -> np.ndarray:
        """Log-odds per row of ``X`` (float, ``n_rows x n_features``)."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        n, n_feat = X.shape
        if n == 0:
            return np.zeros(0)
        fast = core()
        if fast is not None:
            out = np.empty(n, dtype=np.float64)
            fast.tree_sum(
                X, n_feat, self.feature, self.threshold, self.left, self.right, self.value,
                self.roots, out,
            )  # fmt: skip
            return self.baseline + out
        flat = X.ravel()
        base = (np.arange(n, dtype=np.int64) * n_feat)[:, None]
        cur = np.broadcast_to(self.roots, (n, len(self.roots))).astype(np.int32)
        for _ in range(self.depth):
            x = flat[base + self.feature[cur]]
            cur = np.where(x <= self.threshold[cur], self.left[cur], self.right[cur])
        return self.baseline + self.value[cur].sum(axis=1)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probability of the positive class per row."""
        return sigmoid(self.decision(X), TREE_CLIP)

    def to_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """The arrays to store (see :meth:`from_arrays`)."""
        return {
            f"{prefix}feature": self.feature,
            f"{prefix}threshold": self.threshold,
            f"{prefix}left": self.left,
            f"{prefix}right": self.right,
            f"{prefix}value": self.value,
            f"{prefix}roots": self.roots,
            f"{prefix}scalars": np.array([self.depth, self.baseline], dtype=np.float64),
        }

    @classmethod
    def from_arrays(cls, z: Any, prefix: str = "") -> TreeEnsemble:
        """Rebuild from arrays written by :meth:`to_arrays`, checking that they fit."""
        feature = np.asarray(z[f"{prefix}feature"], dtype=np.int32)
        left = np.asarray(z[f"{prefix}left"], dtype=np.int32)
        right = np.asarray(z[f"{prefix}right"], dtype=np.int32)
        roots = np.asarray(z[f"{prefix}roots"], dtype=np.int32)
        depth, baseline = (float(x) for x in z[f"{prefix}scalars"])
        n = len(feature)
        for a in (left, right, roots):
            if len(a) and (a.min() < 0 or a.max() >= n):
                raise ValueError("tree arrays are inconsistent: a child index is out of range")
        return cls(
            feature,
            np.asarray(z[f"{prefix}threshold"], dtype=np.float64),
            left,
            right,
            np.asarray(z[f"{prefix}value"], dtype=np.float64),
            roots,
            int(depth),
            baseline,
        )
