"""Tree ensembles stored as plain arrays give scikit-learn's numbers."""

from __future__ import annotations

import numpy as np

from mtdetect.tagger.trees import TreeEnsemble


def test_tree_arrays_match_scikit_learn():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 5))
    y = ((X[:, 0] * X[:, 1] > 0) ^ (X[:, 2] > 1)).astype(int)
    clf = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=15, random_state=0)
    clf.fit(X, y)
    trees = TreeEnsemble.from_sklearn(clf)
    Xt = rng.normal(size=(500, 5))
    np.testing.assert_allclose(trees.predict_proba(Xt), clf.predict_proba(Xt)[:, 1], atol=1e-12)
    assert trees.decision(np.zeros((0, 5))).shape == (0,)
