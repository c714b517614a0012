"""Per-token features: shapes, names, and the same numbers with and without the compiled core."""

from __future__ import annotations

import numpy as np
import pytest

from mtdetect.tagger.token_features import TOKEN_FEATURES, _near_names, token_features


def test_lower_cased_name_and_new_prepositions(view_of, evidence):
    from mtdetect.tagger.token_features import FEATURE_INDEX

    v = view_of(evidence, "Reporters at the pentagon said the plan was ready.")
    X, _ = token_features(v)
    lower = X[:, FEATURE_INDEX["lower_name"]]
    assert lower[v.surface.index("pentagon")] == 1 and lower.sum() == 1
    ok = view_of(evidence, "Reporters at the Pentagon said the plan was ready.")
    assert token_features(ok)[0][:, FEATURE_INDEX["lower_name"]].sum() == 0
    # "via" and "amid" are prepositions like the others
    v = view_of(evidence, "They travelled via the new bridge amid the storm.")
    assert v.preposition[v.surface.index("via")] and v.preposition[v.surface.index("amid")]


def test_near_names_in_the_same_document(view_of, evidence):
    v = view_of(evidence, "Farmers in Kenya grow tea. A Kenyon runner won the race.")
    near = _near_names(v)
    assert near[v.surface.index("Kenyon")] == "Kenya"
    # an inflection is not a slip; a lone name has nothing to be near
    ok = view_of(evidence, "Farmers in Kenya grow tea. A Kenyan runner won the race.")
    assert all(x is None for x in _near_names(ok))


def test_features_shape_and_finite(view_of, evidence):
    v = view_of(evidence, "Researchers say counterfeit consciousness will change medicine.")
    X, _ = token_features(v)
    assert X.shape == (len(v), len(TOKEN_FEATURES))
    assert np.isfinite(X).all()
    assert X[v.surface.index("counterfeit"), TOKEN_FEATURES.index("pair_gain")] > 0
    empty = view_of(evidence, "!!!")
    assert token_features(empty)[0].shape == (0, len(TOKEN_FEATURES))


def test_token_features_same_with_and_without_the_compiled_core(view_of, evidence):
    """Every candidate search (swaps, pairs, collocates, function words, insertions) gives
    the same features and candidates in C as in numpy."""
    from mtdetect import native

    if native.core() is None:
        pytest.skip(native.core_status())
    text = (
        "Researchers say counterfeit consciousness will change medicine. Prices on the "
        "stock bazaar rose again today. Officials kept an eye at the border all week. "
        "The city engine raced to the burning barn. They travelled the new bridge to the "
        "coast. Visitors came to the White Home on Friday. A Kenyon runner won the race."
    )
    v = view_of(evidence, text)
    X_fast, te_fast = token_features(v)
    saved = dict(native._STATE)
    native._STATE["core"] = None
    try:
        X_slow, te_slow = token_features(view_of(evidence, text))
    finally:
        native._STATE.clear()
        native._STATE.update(saved)
    np.testing.assert_allclose(X_fast, X_slow, rtol=1e-9, atol=1e-9)
    for name in ("sub", "pair", "col", "func", "ins"):
        a, b = getattr(te_fast, name), getattr(te_slow, name)
        np.testing.assert_array_equal(a.best, b.best)
        np.testing.assert_allclose(a.gain, b.gain, rtol=1e-9, atol=1e-9)
    assert X_fast[v.surface.index("counterfeit"), TOKEN_FEATURES.index("pair_gain")] > 0


def test_edit_distance_bound_matches_full_table():
    """The bounded edit distance of the name check agrees with a full Levenshtein table on
    random strings (small alphabets force repeats, near and far pairs)."""
    import random

    from mtdetect.tagger.token_features import _edit_distance_le

    def distance(a: str, b: str) -> int:
        prev = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            cur = [i]
            for j, cb in enumerate(b, 1):
                cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
            prev = cur
        return prev[-1]

    rng = random.Random(7)
    for trial in range(3000):
        alphabet = "ab" if trial % 3 == 0 else "abcdefg"
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        if trial % 2:  # a near miss of a
            b = a[: len(a) // 2] + b[:2] + a[len(a) // 2 + rng.randint(0, 2) :]
        d = distance(a, b)
        for k in range(4):
            assert _edit_distance_le(a, b, k) == (d <= k), (a, b, k)
    assert _edit_distance_le("Kenyon", "Kenyan", 1)
    assert not _edit_distance_le("Kenyon", "Kansas", 2)
