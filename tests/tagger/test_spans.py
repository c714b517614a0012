"""The span tagger: spans that explain themselves, the rules that flag whatever the trees say,
and model files that must match the features."""

from __future__ import annotations

import numpy as np
import pytest

from mtdetect.tagger.spans import TaggerModel, tag_spans
from mtdetect.tagger.token_features import TOKEN_FEATURES, token_features
from mtdetect.tagger.trees import TreeEnsemble


def _hand_model(threshold: float = 0.5) -> TaggerModel:
    """One hand-made tree that looks only at the substitution gains (for testing the span
    machinery): pair_gain > 1 or sub_gain > 1 -> log-odds +5, else -5."""
    pair, sub = TOKEN_FEATURES.index("pair_gain"), TOKEN_FEATURES.index("sub_gain")
    trees = TreeEnsemble(
        feature=np.array([pair, sub, 0, 0, 0], np.int32),
        threshold=np.array([1.0, 1.0, np.inf, np.inf, np.inf]),
        left=np.array([1, 2, 2, 3, 4], np.int32),
        right=np.array([4, 3, 2, 3, 4], np.int32),
        value=np.array([0.0, 0.0, -5.0, 5.0, 5.0]),
        roots=np.array([0], np.int32),
        depth=2,
        baseline=0.0,
    )
    return TaggerModel(TOKEN_FEATURES, trees, threshold=threshold)


def test_synonyms_side_by_side(view_of, evidence):
    from mtdetect.tagger.spans import spinner_pairs

    v = view_of(evidence, "Prices on the stock market bazaar rose again today.")
    spans = spinner_pairs(v)
    assert [(s.text, s.family, s.suggestion) for s in spans] == [
        ("market bazaar", "spinner-leftover", "market")
    ]
    clean = view_of(evidence, "The old bazaar sold spice and cloth to visitors.")
    assert spinner_pairs(clean) == []


def test_spans_explain_themselves(view_of, evidence, tmp_path):
    model = _hand_model()
    model.save(tmp_path / "tagger.npz")
    model = TaggerModel.load(tmp_path / "tagger.npz")
    text = "Researchers say counterfeit consciousness will change medicine."
    v = view_of(evidence, text)
    X, te = token_features(v)
    p = model.predict_proba(X)
    spans = tag_spans(v, X, p, te, model.threshold)
    assert [(s.text, s.family, s.suggestion) for s in spans] == [
        ("counterfeit consciousness", "synonym-substitution", "artificial intelligence")
    ]
    assert "artificial intelligence" in spans[0].explanation
    assert text[spans[0].start : spans[0].end] == spans[0].text
    clean = view_of(evidence, "Researchers say artificial intelligence will change medicine.")
    X, te = token_features(clean)
    assert tag_spans(clean, X, model.predict_proba(X), te, model.threshold) == []


def test_known_pair_swap_is_flagged_whatever_the_trees_say(view_of, evidence):
    from mtdetect.tagger.spans import known_pair_swap

    model = _hand_model(threshold=0.999)  # the trees alone flag nothing at this threshold
    text = "Researchers say counterfeit consciousness will change medicine."
    v = view_of(evidence, text)
    X, te = token_features(v)
    assert known_pair_swap(X).tolist() == [False, False, True, True, False, False, False]
    spans = tag_spans(v, X, model.predict_proba(X) * 0, te, model.threshold)
    assert [(s.text, s.suggestion) for s in spans] == [
        ("counterfeit consciousness", "artificial intelligence")
    ]
    assert spans[0].strength >= 0.9
    clean = view_of(evidence, "Researchers say artificial intelligence will change medicine.")
    assert not known_pair_swap(token_features(clean)[0]).any()


def test_model_file_must_match_features(tmp_path):
    model = _hand_model()
    model.features = ("other",) * len(TOKEN_FEATURES)
    model.save(tmp_path / "bad.npz")
    with pytest.raises(ValueError, match="other token features"):
        TaggerModel.load(tmp_path / "bad.npz")
    model = _hand_model()
    model.trees.left[0] = 99  # a child outside the tree
    model.save(tmp_path / "broken.npz")
    with pytest.raises(ValueError, match="inconsistent"):
        TaggerModel.load(tmp_path / "broken.npz")


def test_known_name_swap_restores_a_fixed_name(view_of, evidence):
    from mtdetect.tagger.spans import known_name_swap

    model = _hand_model(threshold=0.999)  # the trees alone flag nothing at this threshold
    v = view_of(evidence, "Visitors came to the White Home on Friday.")
    X, te = token_features(v)
    assert known_name_swap(X).tolist() == [i == v.surface.index("Home") for i in range(len(v))]
    spans = tag_spans(v, X, model.predict_proba(X) * 0, te, model.threshold)
    assert [(s.text, s.family, s.suggestion) for s in spans] == [
        ("Home", "broken-collocation", "House")
    ]
    assert "'White House', a fixed expression" in spans[0].explanation
    assert spans[0].strength >= 0.9
    # the name as written, and the word in lower case, are left alone
    for text in ("Visitors came to the White House on Friday.", "They walked home after the game."):
        assert not known_name_swap(token_features(view_of(evidence, text))[0]).any()


def test_every_family_the_tagger_names_has_its_explainer() -> None:
    """The families token_family can return: each has an explainer in the registry, except
    word-for-word text, which the generic line explains."""
    import inspect

    from mtdetect.result import FAMILIES
    from mtdetect.tagger.spans import EXPLAINERS, token_family

    named = {f for f in FAMILIES if f'"{f}"' in inspect.getsource(token_family)}
    assert named - set(EXPLAINERS) == {"literal-translation"}
    assert set(EXPLAINERS) <= set(FAMILIES)
