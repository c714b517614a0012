"""The document view, the candidate searches and the span tagger on a made-up evidence base.

The corpus is invented for these tests: fixed expressions repeated often enough to be
frequent, and neutral filler. The thesaurus links come from made-up OEWN synsets, a made-up
Moby entry and a made-up tortured-phrase alignment.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

from mtdetect.evidence import load_evidence
from mtdetect.tagger.candidates import function_swaps, insertions, pair_substitutions, substitutions
from mtdetect.tagger.docview import build_view
from mtdetect.tagger.spans import TaggerModel, tag_spans
from mtdetect.tagger.token_features import TOKEN_FEATURES, _near_names, token_features
from mtdetect.tagger.trees import TreeEnsemble
from mtdetect.text import segment
from training.build_evidence import Lexicon, build_from_documents

Doc = namedtuple("Doc", "source text split")

_TEMPLATES = [
    ("Prices on the stock market rose again today.", 150),
    ("Researchers say artificial intelligence will change medicine.", 150),
    ("The old bazaar sold spice and cloth to visitors.", 60),
    ("Officials kept an eye on the border all week.", 150),
    ("The number of the victims has risen since Monday.", 150),
    ("The number of visitors has risen this year.", 80),
    ("Farmers in Kenya grow tea on the hills.", 120),
    ("A Kenyan runner won the race in the city.", 120),
    ("His consciousness returned slowly after the fall.", 40),
    ("The counterfeit notes were found in a bag.", 40),
    ("We waited for the bus in the rain with friends.", 300),
    ("They met at the station at noon.", 200),
    ("The fire engine raced to the burning barn.", 120),
    ("The city council met in the old hall.", 120),
    ("Reporters at the Pentagon said the plan was ready.", 120),
    ("They travelled via the new bridge to the coast.", 100),
    ("A quiet town sits by the river with a small school.", 300),
    ("Visitors came to the White House on Friday.", 400),
    ("They walked home after the game.", 100),
    ("The house stood empty for a year.", 100),
]


@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    out = tmp_path_factory.mktemp("tagger-evidence")
    docs = [Doc(f"s{i}", " ".join([s] * n), "train") for i, (s, n) in enumerate(_TEMPLATES)]
    lexicon = Lexicon(
        synsets=[
            ["market", "bazaar", "mart"],
            ["eye", "oculus"],
            ["artificial intelligence", "AI"],
            ["house", "home"],
            ["White House"],
        ],
        pos=["n", "n", "n", "n", "n"],
        gazetteer={"kenya": "location", "kenyan": "demonym"},
    )
    build_from_documents(
        docs,
        out,
        weights={},
        lexicon=lexicon,
        moby={"intelligence": ["consciousness", "wit"]},
        tortured={("artificial", "counterfeit"): 3},
        min_unigram=1,
        min_bigram=1,
        min_trigram=1,
    )
    return load_evidence(out)


def view_of(evidence, text):
    return build_view(evidence, text, segment(text).sentences)


def test_view_tokens_links_and_probes(evidence):
    text = "Prices on the stock market rose, again today."
    v = view_of(evidence, text)
    assert v.surface == ["Prices", "on", "the", "stock", "market", "rose", "again", "today"]
    assert [text[a:b] for a, b in zip(v.start, v.end, strict=True)] == v.surface
    # the comma breaks the chain between "rose" and "again"
    assert v.link.tolist() == [False, True, True, True, True, True, False, True]
    assert v.prev1[4] == evidence.word_id("stock") and v.next1[5] == -1
    assert v.bigram_left[4] == pytest.approx(evidence.bigram("stock", "market"))
    assert v.bigram_left[6] == 0.0
    np.testing.assert_allclose(v.lm_forward, evidence.lm_forward(v.ids, v.link))
    np.testing.assert_allclose(v.lm_backward, evidence.lm_backward(v.ids, v.link))
    assert v.sentence_slices() == [slice(0, 8)]


def test_substitution_finds_the_original(evidence):
    v = view_of(evidence, "Prices on the stock bazaar rose again today.")
    sub = substitutions(v)
    k = v.surface.index("bazaar")
    assert evidence.word(int(sub.best[k])) == "market"
    assert sub.gain[k] > 2.0
    clean = view_of(evidence, "Prices on the stock market rose again today.")
    assert substitutions(clean).gain.max() == 0.0


def test_pair_substitution_needs_both_swaps(evidence):
    v = view_of(evidence, "Researchers say counterfeit consciousness will change medicine.")
    single = substitutions(v)
    pair = pair_substitutions(v, single)
    k = v.surface.index("counterfeit")
    assert evidence.word(int(pair.best[k])) == "artificial"
    assert evidence.word(int(pair.best[k + 1])) == "intelligence"
    assert pair.gain[k] > single.gain[k]


def test_function_word_swap(evidence):
    v = view_of(evidence, "Officials kept an eye at the border all week.")
    f = function_swaps(v)
    k = v.surface.index("at")
    assert evidence.word(int(f.best[k])) == "on" and f.gain[k] > 1.0
    clean = view_of(evidence, "Officials kept an eye on the border all week.")
    assert function_swaps(clean).gain[clean.surface.index("on")] == 0.0


def test_dropped_word_filler(evidence):
    v = view_of(evidence, "The number of the has risen since Monday.")
    ins = insertions(v)
    k = v.surface.index("has")
    assert ins.gain[k] > 0 and ins.best[k] >= 0


def test_synonyms_side_by_side(evidence):
    from mtdetect.tagger.spans import spinner_pairs

    v = view_of(evidence, "Prices on the stock market bazaar rose again today.")
    spans = spinner_pairs(v)
    assert [(s.text, s.family, s.suggestion) for s in spans] == [
        ("market bazaar", "spinner-leftover", "market")
    ]
    clean = view_of(evidence, "The old bazaar sold spice and cloth to visitors.")
    assert spinner_pairs(clean) == []


def test_fixed_expression_with_a_replaced_word(evidence):
    from mtdetect.tagger.candidates import collocate_substitutions

    v = view_of(evidence, "The city engine raced to the burning barn.")
    col = collocate_substitutions(v)
    k = v.surface.index("city")
    assert evidence.word(int(col.best[k])) == "fire" and col.gain[k] > 0
    clean = view_of(evidence, "The fire engine raced to the burning barn.")
    assert collocate_substitutions(clean).gain.max() == 0.0


def test_lower_cased_name_and_new_prepositions(evidence):
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


def test_near_names_in_the_same_document(evidence):
    v = view_of(evidence, "Farmers in Kenya grow tea. A Kenyon runner won the race.")
    near = _near_names(v)
    assert near[v.surface.index("Kenyon")] == "Kenya"
    # an inflection is not a slip; a lone name has nothing to be near
    ok = view_of(evidence, "Farmers in Kenya grow tea. A Kenyan runner won the race.")
    assert all(x is None for x in _near_names(ok))


def test_features_shape_and_finite(evidence):
    v = view_of(evidence, "Researchers say counterfeit consciousness will change medicine.")
    X, _ = token_features(v)
    assert X.shape == (len(v), len(TOKEN_FEATURES))
    assert np.isfinite(X).all()
    assert X[v.surface.index("counterfeit"), TOKEN_FEATURES.index("pair_gain")] > 0
    empty = view_of(evidence, "!!!")
    assert token_features(empty)[0].shape == (0, len(TOKEN_FEATURES))


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


def test_spans_explain_themselves(evidence, tmp_path):
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


def test_known_pair_swap_is_flagged_whatever_the_trees_say(evidence):
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


def test_known_name_swap_restores_a_fixed_name(evidence):
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


def test_token_features_same_with_and_without_the_compiled_core(evidence):
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


def test_view_word_flags_match_their_definitions(evidence):
    """The word-list flags are read by id (with the key for words without one), alpha with
    numpy's per-character test, length from the offsets: each must equal the plain
    definition, with a small vocabulary (most function words unknown) and the shipped one."""
    from mtdetect.classifier.features import _FUNCTION_CLASS, _capitalised
    from mtdetect.evidence import load_evidence
    from mtdetect.tagger.docview import first_char_is
    from mtdetect.wordlists import ARTICLES, TAGGER_FUNCTION_WORDS, TAGGER_PREPOSITIONS

    text = (
        "Among the İstanbul crowd, an ǅemal of “Kenyon” stood beside 3,000 people; the "
        "well-known O’Neil didn't go via the bazaar. " + "x" * 100 + " and amidst the rain."
    )
    for ev in (evidence, load_evidence()):
        v = view_of(ev, text)
        assert v.function.tolist() == [k in TAGGER_FUNCTION_WORDS for k in v.keys]
        assert v.preposition.tolist() == [k in TAGGER_PREPOSITIONS for k in v.keys]
        assert v.article.tolist() == [k in ARTICLES for k in v.keys]
        assert v.alpha.tolist() == [s.isalpha() for s in v.surface]
        assert v.length.tolist() == [len(s) for s in v.surface]
        classes = v.word_codes("features", _FUNCTION_CLASS)
        assert classes.tolist() == [_FUNCTION_CLASS.get(k, 0) for k in v.keys]
        assert v.capital.tolist() == [s[:1].isupper() for s in v.surface]  # "ǅ" is not upper
        caps = first_char_is(text, v.start, _capitalised)
        assert caps.tolist() == [_capitalised(s[0]) for s in v.surface]
        assert caps[v.surface.index("ǅemal")] and not v.capital[v.surface.index("ǅemal")]
        short = view_of(ev, text.replace("x" * 100, "x"))  # the fixed-width path
        assert short.alpha.tolist() == [s.isalpha() for s in short.surface]


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
