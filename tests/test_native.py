"""The compiled core computes exactly what the numpy implementations compute.

``pip install`` builds ``mtdetect._core`` (see ``setup.py``); CI installs the package, so the
core must be there. Each test runs the same computation with the core and with the numpy
implementations (``mtdetect.native`` switched off) and compares.
"""

from __future__ import annotations

from collections import namedtuple
from contextlib import contextmanager

import numpy as np
import pytest

from mtdetect import native
from mtdetect.evidence import CountTable, load_evidence
from mtdetect.tagger.trees import TreeEnsemble
from training import lookups
from training.build_evidence import build_from_documents


@contextmanager
def pure_python():
    saved = dict(native._STATE)
    native._STATE["core"] = None
    try:
        yield
    finally:
        native._STATE.clear()
        native._STATE.update(saved)


def test_core_is_built():
    assert native.core() is not None, native.core_status()
    assert "in use" in native.core_status()


def test_count_table_lookups_match():
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 2**62, 50_000, dtype=np.int64)).astype(np.uint64)
    table = CountTable.build(keys, rng.uniform(1, 500, len(keys)), seed=11)
    probe = np.concatenate([keys[:20_000], rng.integers(0, 2**62, 20_000).astype(np.uint64)])
    fast_counts, fast_slots = table.lookup(probe), table.slots_of(probe)
    with pure_python():
        np.testing.assert_array_equal(table.lookup(probe), fast_counts)
        np.testing.assert_array_equal(table.slots_of(probe), fast_slots)
    assert (fast_slots[:20_000] >= 0).all()


Doc = namedtuple("Doc", "source text split")


@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    out = tmp_path_factory.mktemp("native-evidence")
    words = [
        "the",
        "a",
        "market",
        "share",
        "stock",
        "rose",
        "fell",
        "prices",
        "of",
        "on",
        "in",
        "town",
        "river",
        "school",
        "today",
    ]
    rng = np.random.default_rng(5)
    text = ". ".join(" ".join(rng.choice(words, 9)) for _ in range(3000))
    build_from_documents(
        [Doc("s", text, "train")], out, weights={}, min_unigram=1, min_bigram=1, min_trigram=1
    )
    return load_evidence(out)


def test_kneser_ney_matches(evidence):
    rng = np.random.default_rng(9)
    n = evidence.vocab_size
    c2, c1, w = (rng.integers(-1, n, 5000) for _ in range(3))
    c1[:100] = -1  # chain starts
    w[100:200] = n + 5  # out of range: treated as unknown
    for backward in (False, True):
        fast = evidence.lm_triples(c2, c1, w, backward=backward)
        with pure_python():
            slow = evidence.lm_triples(c2, c1, np.where(w >= n, -1, w), backward=backward)
        np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


def test_tree_sums_match():
    rng = np.random.default_rng(1)
    n_nodes = 7
    trees = TreeEnsemble(
        feature=np.array([0, 1, 0, 0, 2, 0, 0], np.int32),
        threshold=np.array([0.0, 0.5, np.inf, np.inf, -0.2, np.inf, np.inf]),
        left=np.array([1, 2, 2, 3, 5, 5, 6], np.int32),
        right=np.array([4, 3, 2, 3, 6, 5, 6], np.int32),
        value=np.array([0.0, 0.0, 1.0, -1.0, 0.0, 2.0, -2.0]),
        roots=np.array([0, 4], np.int32),
        depth=2,
        baseline=0.25,
    )
    assert len(trees.feature) == n_nodes
    X = rng.normal(size=(1000, 3))
    fast = trees.decision(X)
    with pure_python():
        np.testing.assert_allclose(trees.decision(X), fast)
    bad = TreeEnsemble(**{**trees.__dict__, "left": np.array([9] * 7, np.int32)})
    with pytest.raises(ValueError, match="inconsistent"):
        bad.decision(X)
    # a cycle (node 1 leads back to the root) never reaches a leaf
    cycle = TreeEnsemble(**{**trees.__dict__, "left": np.array([1, 0, 2, 3, 5, 5, 6], np.int32)})
    with pytest.raises(ValueError, match="inconsistent"):
        cycle.decision(np.zeros((5, 3)))


def test_tree_sums_match_a_fitted_model():
    """On a fitted scikit-learn model (unbalanced trees, 31 leaves), the compiled walk, the
    numpy walk and scikit-learn agree."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(3)
    X = rng.normal(size=(3000, 6))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(size=3000) > 0.5).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, y)
    trees = TreeEnsemble.from_sklearn(model)
    fast = trees.decision(X)
    with pure_python():
        np.testing.assert_array_equal(trees.decision(X), fast)
    np.testing.assert_allclose(fast, model.decision_function(X), rtol=1e-9, atol=1e-9)


def _shipped_view(text):
    from mtdetect.tagger.docview import build_view
    from mtdetect.text import segment

    return build_view(load_evidence(), text, segment(text).sentences)


def _rich_text() -> str:
    """The bundled examples, a tortured phrase, and sentences of random words with many
    thesaurus neighbours: nearly every word and pair is searched, and counts tie often."""
    from pathlib import Path

    examples = Path(__file__).resolve().parent.parent / "examples"
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(examples.glob("*.txt")))
    text += " Researchers say counterfeit consciousness and profound learning will help."
    ev = load_evidence()
    off = ev._thes_off.astype(np.int64)
    rich = np.flatnonzero(np.diff(off) >= 30)
    words = [ev.word(int(i)) for i in np.random.default_rng(5).choice(rich, 400)]
    words = [w for w in words if w.isalpha()]
    # with function words between, so that preposition, article and dropped-word searches run
    glue = ["of", "the", "in", "a", "at", "to", "an", "on"]
    mixed = [w if i % 3 else f"{glue[i % 8]} {w}" for i, w in enumerate(words)]
    return (
        text
        + " "
        + " ".join(" ".join(mixed[i : i + 8]).capitalize() + "." for i in range(0, len(mixed), 8))
    )


def _same(fast, slow) -> None:
    np.testing.assert_array_equal(fast.gain, slow.gain)
    np.testing.assert_array_equal(fast.best, slow.best)
    np.testing.assert_array_equal(fast.flags, slow.flags)
    np.testing.assert_array_equal(fast.tried, slow.tried)


def test_candidate_searches_match_numpy():
    """Each compiled search (candidates gathered, sorted, filtered, scored and recorded in
    C) equals its numpy implementation exactly, on the shipped tables."""
    from mtdetect.tagger import candidates as c

    text = _rich_text()
    searches = {
        "substitutions": c.substitutions,
        "collocates": c.collocate_substitutions,
        "function words": c.function_swaps,
        "insertions": c.insertions,
    }
    view = _shipped_view(text)
    with pure_python():
        slow_view = _shipped_view(text)
        slow = {name: f(slow_view) for name, f in searches.items()}
    for name, f in searches.items():
        fast = f(view)
        assert fast.tried.any() and (fast.gain > 0).any(), name
        _same(fast, slow[name])


def test_search_floor_changes_nothing_recorded():
    """The compiled search's bar (a candidate stops being scored once it cannot reach it)
    records the same with 0 as with no bar at all, and nothing but ``tried`` with a bar no
    candidate reaches."""
    from mtdetect.tagger import candidates as c

    view = _shipped_view(_rich_text())
    pos = np.flatnonzero(c.suspect_content(view))
    outs = {}
    for bar in (-np.inf, 0.0, 1e9):
        out = outs[bar] = c.Candidates.empty(len(view))
        c._gather(view, out, pos, 0, c._DROP_SELF | c._SPIN_PRIOR | c._KEEP_FLAGS,
                  a=c._thesaurus(view.evidence, c._OWN, 60), min_score=bar)  # fmt: skip
    assert (outs[0.0].gain > 0).any()
    _same(outs[0.0], outs[-np.inf])
    np.testing.assert_array_equal(outs[1e9].tried, outs[0.0].tried)
    assert not (outs[1e9].gain > 0).any()
    assert (outs[1e9].best == -1).all()


def test_pair_search_matches_numpy():
    """The compiled pair search (every combination of two words' thesaurus options, ranked
    by pair count, the shortlist scored in context) equals the numpy blocks exactly, on the
    shipped tables."""
    from mtdetect.tagger.candidates import pair_substitutions, substitutions

    text = _rich_text()
    view = _shipped_view(text)
    # Short shortlists cut through ties of pair counts: their order must match too.
    for shortlist in (1, 2, 16):
        fast = pair_substitutions(view, substitutions(view), shortlist=shortlist)
        with pure_python():
            slow_view = _shipped_view(text)
            slow = pair_substitutions(slow_view, substitutions(slow_view), shortlist=shortlist)
        assert fast.tried.any() and (fast.gain > 0).any()
        _same(fast, slow)


def test_pair_search_rejects_arrays_that_do_not_fit():
    ev = load_evidence()
    n = 4
    ids = np.zeros(n, np.int64)
    args = [ev.kn_tables(), ev._thes_off, ev._thes_ids, ev._arr("thesaurus_flags"),
            np.zeros(81), 8, np.array([3], np.int64), ids, ids, ids, ids, 40, 16,
            np.zeros(n), np.full(n, -1, np.int64), np.zeros(n, np.uint8), np.zeros(n, np.uint8)]  # fmt: skip
    with pytest.raises(ValueError, match="pair_search"):
        native.core().pair_search(*args)  # a pair that starts at the last word
    args[6] = np.array([2**63 - 1], np.int64)
    with pytest.raises(ValueError, match="pair_search"):
        native.core().pair_search(*args)  # far past the end (no overflow in the check)
    args[6] = np.array([0], np.int64)
    args[13] = np.zeros(n - 1)
    with pytest.raises(ValueError, match="pair_search"):
        native.core().pair_search(*args)  # an output of the wrong length


def test_searches_break_ties_as_numpy_does(tmp_path):
    """Three candidates with the same counts everywhere score the same: the compiled search
    must pick the one numpy picks (the lowest id after sorting), not another."""
    from mtdetect.tagger import candidates as c

    Doc = namedtuple("Doc", "id text split source")
    text = " ".join(
        [f"We saw red {w} sky." for w in ("alpha", "beta", "gamma") for _ in range(200)]
        + ["Zulu zulu zulu went home."] * 5
    )
    build_from_documents(
        [Doc("t", text, "train", "s")], tmp_path, weights={}, min_unigram=1, min_bigram=1,
        min_trigram=1,
    )  # fmt: skip
    ev = load_evidence(tmp_path)
    from mtdetect.tagger.docview import build_view
    from mtdetect.text import segment

    tied = min(lookups.word_id(ev, w) for w in ("alpha", "beta", "gamma"))
    doc = "We saw red zulu sky."  # "zulu" in place of one of the three
    fast = c.collocate_substitutions(build_view(ev, doc, segment(doc).sentences))
    with pure_python():
        slow = c.collocate_substitutions(build_view(ev, doc, segment(doc).sentences))
    assert slow.best[3] == tied
    _same(fast, slow)


def test_style_hashes_match_python():
    """The style model's token hashes from the compiled core equal zlib's CRC-32 of
    style_tokens: names (ASCII and not, a title-case digraph), numbers, links, punctuation,
    emoji, a lone surrogate, an empty text, upper-case letters that lower-case to other
    lengths; and random tokens of every kind. Token lists come as the tokenizer gives them and
    as plain lists."""
    import random

    from mtdetect.classifier.style import _style_hashes
    from mtdetect.text import Token, tokenize

    texts = [
        "Officials in Norland said 42 boats left.",
        "Ünal said “naïve” things… 😀 at http://example.org/x and a.b@example.com.",
        "",
        "ÉCOLE était là. Über alles, İstanbul and ǅemal; Straße STRASSE ΣΟΦΙΑ.",
        "x\udc80y said: (3.5%) -- 'quoted' [sic]",
        "MixedCase wORDS and THE END",
    ]
    rng = random.Random(7)
    alphabet = "aZé ÉİßǅΣ😀\udc80#-.'1"
    kinds = ["word", "number", "url", "email", "punct"]
    made = [
        [
            Token("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))), 0, 0, k)
            for k in rng.choices(kinds, k=rng.randint(0, 8))
        ]
        for _ in range(500)
    ]
    token_lists = [tokenize(t) for t in texts] + made
    fast, lengths = _style_hashes([""] * len(token_lists), token_lists)
    fast_texts, _ = _style_hashes(texts)
    with pure_python():
        slow, slow_lengths = _style_hashes([""] * len(token_lists), token_lists)
        slow_texts, _ = _style_hashes(texts)
    assert lengths == slow_lengths and sum(lengths) == len(fast)
    assert fast.tolist() == slow.tolist()
    assert fast_texts.tolist() == slow_texts.tolist()

    # str subclasses (which could run Python code mid-call) are refused by the core, and
    # _style_hashes then takes the Python path: the same hashes as Python's
    class Shout(str):
        def lower(self) -> str:
            token_lists.clear()  # would pull the list from under a loop that read it
            return "x"

    odd = [[Token(Shout("Straße"), 0, 0, "word"), Token(Shout("ABC"), 0, 0, "word")]]
    with pytest.raises(TypeError):
        native.core().style_hashes(odd, np.empty(7, np.int64))
    odd_fast, _ = _style_hashes([""], odd)
    with pure_python():
        odd_slow, _ = _style_hashes([""], odd)
    assert odd_fast.tolist() == odd_slow.tolist()
    # a list that is not made of tokens is refused, and nothing is written past `out`
    core = native.core()
    with pytest.raises(TypeError):
        core.style_hashes([["not a token"]], np.empty(5, np.int64))
    with pytest.raises(ValueError):
        core.style_hashes([tokenize("two words")], np.empty(3, np.int64))


def test_segment_stats_match_numpy():
    """Sums (in bincount's order), counts, minima and maxima per segment from the compiled
    pass equal the numpy ones bit for bit: owners in any order, empty segments, NaN and
    infinities included."""
    from mtdetect.classifier.features import segment_stats

    rng = np.random.default_rng(5)
    for trial in range(60):
        n = int(rng.integers(1, 9))
        m = int(rng.integers(0, 50))
        owner = rng.integers(0, n, m)
        if trial % 2:
            owner = np.sort(owner)
        values = rng.normal(size=(int(rng.integers(1, 5)), m)) * 10.0 ** rng.integers(-3, 9)
        special = rng.random(values.shape)
        values[special < 0.05] = np.nan
        values[(special > 0.05) & (special < 0.1)] = np.inf
        values[(special > 0.1) & (special < 0.15)] = -np.inf
        values[(special > 0.15) & (special < 0.25)] = 0.0
        values[(special > 0.25) & (special < 0.35)] = -0.0  # ties of signed zeros
        fast = segment_stats(values, owner, n)
        with pure_python(), np.errstate(invalid="ignore"):
            slow = segment_stats(values, owner, n)
        for name in ("sums", "counts", "mins", "maxs"):
            a, b = getattr(fast, name), getattr(slow, name)
            np.testing.assert_array_equal(a, b, err_msg=name)
            assert np.array_equal(np.signbit(a), np.signbit(b)), name  # -0.0 is not 0.0 here
        want = np.array([np.bincount(owner, weights=v, minlength=n) for v in values])
        np.testing.assert_array_equal(fast.sums, want)
    with pytest.raises(ValueError, match="segment_stats"):
        native.core().segment_stats(np.zeros(2), np.array([0, 3]), np.zeros(2), np.zeros(2, np.int64),
                                    np.zeros(2), np.zeros(2))  # fmt: skip


def test_tokenizer_matches_the_regex():
    """The compiled tokenizer gives the plain pattern's tokens (same texts, offsets, kinds,
    Token objects) on random strings of letters, digits of several scripts (decimal or not),
    joiners, suffixes, white space of all kinds, '_' and astral characters, and on every code
    point next to letters and digits."""
    import random

    from mtdetect import text as T

    def by_regex(s: str, a: int, b: int, off: int) -> list:
        return [
            T.Token(m.group(), m.start() + off, m.end() + off, m.lastgroup)
            for m in T._PLAIN_TOKEN_RE.finditer(s, a, b)
        ]

    pool = [*"abcXYZ éßİıΣσςΑ中文ـ0123٣۴०²³½Ⅻ-'’.,:/…!?;\"“”()_~$%&*+=<>", " ", "\t", "\n",
            "\u00a0", "\u2028", "\u200b", "\u0301", "🙂", "𝟘", "𝐀", "st", "nd", "th", "s", "...",
            "'s", "’s"]  # fmt: skip
    rng = random.Random(0)
    tokenize = native.core().tokenize
    for _ in range(5000):
        s = "".join(rng.choice(pool) for _ in range(rng.randint(0, 25)))
        a, b = sorted((rng.randint(0, len(s)), rng.randint(0, len(s))))
        off = rng.choice([0, 7])
        fast = tokenize(s, a, b, off, T.Token, T._KINDS)
        assert fast == by_regex(s, a, b, off), (s, a, b)
        assert all(type(t) is T.Token for t in fast)
    for cp in [*range(0, 0x3000), *range(0xFF00, 0x10000, 3), *range(0x10000, 0x20000, 97)]:
        if 0xD800 <= cp <= 0xDFFF:
            continue
        for s in (chr(cp), f"1{chr(cp)}2", f"a{chr(cp)}b"):
            assert tokenize(s, 0, len(s), 0, T.Token, T._KINDS) == by_regex(s, 0, len(s), 0), cp
    # the public function takes the compiled path only for text without URLs or addresses,
    # and for offsets that cannot overflow
    text = "Mail x@y.org or see www.example.com, 3rd time."
    with pure_python():
        slow = T.tokenize(text, offset=4)
    assert T.tokenize(text, offset=4) == slow
    for off in (-5, 2**63 - 1):
        assert T.tokenize("a b", offset=off) == by_regex("a b", 0, 3, off)
    with pytest.raises(OverflowError):
        tokenize("a b", 0, 3, 2**63 - 1, T.Token, T._KINDS)
    # only a named tuple of four fields (a struct sequence keeps hidden fields)
    import collections
    import time

    for wrong in (time.struct_time, tuple, collections.namedtuple("Three", "a b c")):
        with pytest.raises(TypeError, match="named tuple"):
            tokenize("a b", 0, 3, 0, wrong, T._KINDS)


def test_ngram_counts_match(evidence):
    """Counts of id pairs and triples (negative ids give 0) in one compiled pass, as numpy
    packs and looks them up."""
    rng = np.random.default_rng(4)
    n = evidence.vocab_size
    a, b, c = (rng.integers(-1, n, 3000) for _ in range(3))
    fast2, fast3 = evidence.bigram_ids(a, b), evidence.trigram_ids(a, b, c)
    assert (fast2 > 0).any() and (fast3 > 0).any() and (fast2[a < 0] == 0).all()
    with pure_python():
        np.testing.assert_array_equal(evidence.bigram_ids(a, b), fast2)
        np.testing.assert_array_equal(evidence.trigram_ids(a, b, c), fast3)


def test_compiled_loops_refuse_or_bound_extreme_arguments():
    """Sizes that would overflow are refused or cut to what the tables hold, never a crash;
    the public pair search takes shortlists past the compiled limit (numpy does them)."""
    from mtdetect.tagger.candidates import pair_substitutions, substitutions

    ev = load_evidence()
    view = _shipped_view("Researchers say counterfeit consciousness will change medicine.")
    n = len(view)
    out = [np.zeros(n), np.full(n, -1, np.int64), np.zeros(n, np.uint8), np.zeros(n, np.uint8)]
    huge = 2**63 - 1
    from mtdetect.tagger.candidates import DocArrays, SearchOutputs, SpinPrior, TableRows

    rows = TableRows(ev.thesaurus_offsets, ev.thesaurus_ids, np.zeros(0, np.uint8), 0, huge)
    native.core().gather_search(
        ev.kn_tables(), DocArrays(view.ids, view.prev2, view.prev1, view.next1, view.next2),
        np.arange(n, dtype=np.int64), 0, np.arange(5, dtype=np.int64), rows, rows,
        2, np.zeros(0, np.uint8), ev.num_id, SpinPrior(ev.thesaurus_offsets, np.zeros(81), 8),
        SearchOutputs(*out), 0.0,
    )  # fmt: skip
    assert out[2].all()  # every position searched
    trees = TreeEnsemble(np.zeros(1, np.int32), np.full(1, np.inf), np.zeros(1, np.int32),
                         np.zeros(1, np.int32), np.ones(1), np.zeros(1, np.int32), 0, 0.0)  # fmt: skip
    with pytest.raises(ValueError, match="tree_sum"):
        native.core().tree_sum(np.zeros(4), 2**62 + 1, trees.feature, trees.threshold,
                               trees.left, trees.right, trees.value, trees.roots, np.zeros(4))  # fmt: skip
    sub = substitutions(view)
    wide = pair_substitutions(view, sub, shortlist=100)
    with pure_python():
        slow_view = _shipped_view(view.text)
        want = pair_substitutions(slow_view, substitutions(slow_view), shortlist=100)
    _same(wide, want)


def test_the_compiled_core_shares_pythons_constants_or_is_not_used(monkeypatch) -> None:
    """The constants of the C boundary are defined once in Python (mtdetect.native) and once in
    C; the compiled module exports its own and a build whose values differ is not used."""
    import sys
    import types
    import warnings

    from mtdetect import native

    built = native.core()
    if built is not None:
        assert native.mismatched_constants(built) == []
    stale = types.ModuleType("mtdetect._core")
    for name, value in native._SHARED.items():
        setattr(stale, name, value)
    stale.ID_BITS = native.ID_BITS + 1
    monkeypatch.setitem(sys.modules, "mtdetect._core", stale)
    import mtdetect

    monkeypatch.setattr(mtdetect, "_core", stale, raising=False)
    monkeypatch.setattr(native, "_STATE", {})
    monkeypatch.delenv("MTDETECT_PURE_PYTHON", raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert native.core() is None
    assert any("ID_BITS" in str(w.message) for w in caught)
    assert "other sources" in native.core_status()
