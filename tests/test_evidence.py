"""Tests of the evidence base: a mini build from made-up text, then lookups."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from mtdetect.evidence import CountTable, load_evidence
from training import lookups
from training.build_evidence import Lexicon, build_from_documents, count_texts


@dataclass
class Doc:
    source: str
    text: str
    split: str


TRAIN_A = (
    "The harbour council met on Tuesday. The harbour council approved the plan.\n\n"
    "Officials from Norland said the harbour council would meet again. Ships left the ports and "
    "harbours."
)
TRAIN_B = (
    "A large crowd gathered near the harbour. The crowd was large and loud.\n\n"
    "Visitors from Norland praised the big harbour council."
)
# Distributional contexts: "cat" and "dog" share contexts, "stocks" and "shares" share others.
PETS = " ".join(
    f"The {a} {v} on the {o} near the {p}. "
    for a in ("cat", "dog")
    for v in ("slept", "sat", "ate", "played")
    for o in ("mat", "rug", "sofa")
    for p in ("door", "window")
)
MARKETS = " ".join(
    f"Investors {v} {a} in {o} trading, analysts {w}. "
    for a in ("stocks", "shares")
    for v in ("sold", "bought", "traded")
    for o in ("early", "late", "heavy")
    for w in ("said", "noted")
)
# Only in a held-out document: must never be counted.
HELD_OUT = "Zephyrine lanterns glowed. Zephyrine lanterns glowed again."


@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    out = tmp_path_factory.mktemp("evidence")
    docs = [
        Doc("news", TRAIN_A, "train"),
        Doc("news", TRAIN_A, "train"),
        Doc("blog", TRAIN_B, "train"),
        Doc("pets", PETS, "train"),
        Doc("money", MARKETS, "train"),
        Doc("news", HELD_OUT, "dev"),
        Doc("blog", HELD_OUT, "test"),
    ]
    lexicon = Lexicon(
        synsets=[
            ["big", "large", "huge"],
            ["harbour", "port", "haven"],
            ["loud", "noisy"],
            ["harbour council", "port authority", "harbour master"],
        ],
        similar=[(0, 2)],
        pos=["a", "n", "a", "n"],
        gazetteer={"norland": "location", "norlander": "demonym", "harbour council": "name"},
        texts=["a port where ships shelter"],
    )
    build_from_documents(
        docs,
        out,
        weights={"news": 1.0, "blog": 0.5},
        lexicon=lexicon,
        web_unigrams={"the": 50_000_000.0, "haven": 20_000.0},
        moby={"crowd": ["visitors", "throng"]},
        tortured={("council", "officials"): 2},
        min_unigram=1,
        min_bigram=1,
        min_trigram=1,
        vector_min_count=1,
        vector_dims=8,
        collocate_k=3,
    )
    return load_evidence(out)


def test_unigram_and_ngram_counts(evidence):
    # "harbour council": 3 per TRAIN_A copy (x2, weight 1) + 1 in TRAIN_B (weight 0.5)
    assert lookups.bigram(evidence, "harbour", "council") == pytest.approx(6.5, rel=0.07)
    # "The harbour council" twice and "the harbour council" once per TRAIN_A copy
    assert lookups.trigram(evidence, "the", "harbour", "council") == pytest.approx(6.0, rel=0.07)
    assert lookups.corpus_unigram(evidence, "norland") == pytest.approx(2.5)
    assert lookups.web_frequency(evidence, "haven") == pytest.approx(20_000.0)
    # punctuation breaks chains: "tuesday . the" is not a bigram
    assert lookups.bigram(evidence, "tuesday", "the") == 0.0
    assert evidence.total_words > 0


def test_web_unigrams_fill_gaps(evidence):
    assert lookups.unigram(evidence, "the") >= lookups.corpus_unigram(evidence, "the")
    # "haven" is never in the corpus: its count is the web frequency on the corpus scale
    assert lookups.corpus_unigram(evidence, "haven") == 0.0
    assert lookups.unigram(evidence, "haven") == pytest.approx(
        20_000.0 * evidence.total_words / 1e9
    )


def test_hash_keys_batch_and_position_independent():
    from mtdetect.evidence import hash_keys

    words = ["the", "harbour", "été", "x" * 300, "", "harbour"]
    h = hash_keys(words)
    assert h.dtype == np.uint64 and len(set(h.tolist())) == 5
    assert h[1] == h[5] == hash_keys(["harbour"])[0]
    assert hash_keys(["a", "été"])[1] == h[2]
    assert hash_keys(["ab"])[0] != hash_keys(["ba"])[0]
    assert hash_keys([]).shape == (0,)


def test_word_strings_round_trip(evidence):
    for w in ("harbour", "council", "norland"):
        i = lookups.word_id(evidence, w)
        assert i >= 0 and evidence.word(i) == w
    assert lookups.word_id(evidence, "Harbour") == lookups.word_id(evidence, "harbour")
    ids = evidence.ids(["the", "harbour"])
    assert ids[0] < ids[1]  # ids are in order of frequency


def test_kneser_ney_is_a_distribution(evidence):
    vocab = np.arange(evidence.vocab_size)
    for ctx in (("the", "harbour"), ("qwxyzzy", "the"), ("crowd", "was")):
        c2, c1 = evidence.ids(list(ctx)).tolist()
        p = np.exp(evidence.lm_triples(np.full(len(vocab), c2), np.full(len(vocab), c1), vocab))
        # unseen words keep a little mass, quantised counts and pruning lose a little
        assert 0.75 < p.sum() < 1.1, (ctx, p.sum())
    # the backward model too
    c2, c1 = evidence.ids(["council", "met"]).tolist()
    p = np.exp(
        evidence.lm_triples(np.full(len(vocab), c1), np.full(len(vocab), c2), vocab, backward=True)
    )
    assert 0.75 < p.sum() < 1.1


def test_kneser_ney_prefers_seen_continuations(evidence):
    words = ["the", "harbour", "council", "met"]
    seen = evidence.lm_forward(evidence.ids(words), np.array([False, True, True, True]))
    odd = evidence.lm_forward(
        evidence.ids(["the", "harbour", "crowd", "met"]), np.array([False, True, True, True])
    )
    assert seen[2] > odd[2] + 1.0
    # a chain break drops the context: word 2 is then scored alone
    alone = evidence.lm_forward(evidence.ids(words), np.array([False, True, False, True]))
    assert alone[2] == pytest.approx(evidence.lm_unigram(evidence.ids(["council"]))[0])
    back = evidence.lm_backward(evidence.ids(words), np.array([False, True, True, True]))
    assert back.shape == (4,) and np.isfinite(back).all()
    # an unknown word gets the floor
    unk = evidence.lm_forward(evidence.ids(["the", "qwxyzzy"]), np.array([False, True]))
    assert unk[1] < seen.min()


def test_held_out_documents_are_not_counted(evidence):
    assert lookups.word_id(evidence, "zephyrine") == -1
    assert lookups.unigram(evidence, "zephyrine") == 0.0
    assert lookups.bigram(evidence, "zephyrine", "lanterns") == 0.0


def test_unknown_words(evidence):
    assert lookups.word_id(evidence, "qwxyzzy") == -1
    assert lookups.unigram(evidence, "qwxyzzy") == 0.0
    assert lookups.bigram(evidence, "qwxyzzy", "council") == 0.0
    assert lookups.trigram(evidence, "the", "qwxyzzy", "council") == 0.0
    assert lookups.neighbours(evidence, "qwxyzzy") == []
    assert math.isnan(lookups.cap_ratio(evidence, "qwxyzzy"))
    assert lookups.gazetteer_type(evidence, "qwxyzzy") is None


def test_batch_equals_scalar(evidence):
    sentence = "the harbour council met on a large crowd big crowd qwxyzzy council"
    words = sentence.split(" ")
    ids = evidence.ids(words)
    assert ids[-2] == -1
    a, b, c = ids[:-2], ids[1:-1], ids[2:]
    bi = evidence.bigram_ids(a, b)
    tri = evidence.trigram_ids(a, b, c)
    for i in range(len(a)):
        assert bi[i] == lookups.bigram(evidence, words[i], words[i + 1])
        assert tri[i] == lookups.trigram(evidence, words[i], words[i + 1], words[i + 2])
    np.testing.assert_allclose(
        evidence.unigram_ids(ids), [lookups.unigram(evidence, w) for w in words]
    )
    assert (bi > 0).any() and (tri > 0).any()


def test_neighbours_both_directions(evidence):
    assert set(lookups.neighbours(evidence, "big")) >= {"large", "huge"}
    assert "big" in lookups.neighbours(evidence, "huge")
    # "similar" links (synset 0 <-> 2) in both directions
    assert "noisy" in lookups.neighbours(evidence, "large")
    assert "big" in lookups.neighbours(evidence, "loud")
    assert "big" not in lookups.neighbours(evidence, "big")
    # regular plurals of noun synonyms, when attested in the corpus
    assert "ports" in lookups.neighbours(evidence, "harbours")
    assert "harbours" in lookups.neighbours(evidence, "ports")
    assert "havens" not in lookups.neighbours(evidence, "ports")
    assert list(evidence.neighbour_ids(lookups.word_id(evidence, "port"))) == [
        lookups.word_id(evidence, w) for w in lookups.neighbours(evidence, "port")
    ]


def test_moby_and_tortured_links(evidence):
    from mtdetect.evidence import LINK_FLAGS

    # Moby: a listed word may stand for its root and the other way round
    assert "crowd" in lookups.neighbours(evidence, "visitors")
    assert "visitors" in lookups.neighbours(evidence, "crowd")
    assert lookups.word_id(evidence, "throng") == -1  # Moby adds links, not words
    # tortured-phrase alignment: the tortured word points at the expected one, first
    nb = lookups.neighbours(evidence, "officials")
    assert nb[0] == "council"
    assert "officials" not in lookups.neighbours(evidence, "council")  # one direction only
    flags = evidence.neighbour_flags(lookups.word_id(evidence, "officials"))
    assert flags[0] & LINK_FLAGS["tortured"]
    big = lookups.word_id(evidence, "big")
    owner, ids, fl = evidence.neighbours_batch(
        np.array([big, -1, lookups.word_id(evidence, "visitors")])
    )
    assert set(owner.tolist()) == {0, 2}
    assert lookups.words(evidence, ids[owner == 0].tolist()) == lookups.neighbours(evidence, "big")
    assert (fl[owner == 2] & LINK_FLAGS["moby"]).all()


def test_capitalisation_and_gazetteer(evidence):
    assert lookups.cap_ratio(evidence, "norland") == 1.0
    assert lookups.cap_ratio(evidence, "council") == 0.0
    # "The" only ever starts a sentence here: no non-initial observation
    assert lookups.gazetteer_type(evidence, "Norland") == "location"
    assert lookups.gazetteer_type(evidence, "harbour council") == "name"
    assert lookups.gazetteer_type(evidence, "norlander") == "demonym"


def test_describe(evidence):
    info = evidence.describe()
    assert info["vocab_size"] == evidence.vocab_size
    assert info["bigrams"] > 0 and "oewn" in info["licences"]
    assert info["vectors"]["words"] > 10 and info["vectors"]["dims"] == 8
    assert info["collocates"]["k"] == 3 and info["compounds"] >= 1


def test_count_texts_chains():
    counts = count_texts(["One two three. Four"])
    index = {w: i for i, w in enumerate(counts.vocab)}
    assert len(counts.bigram_keys) == 2  # "one two", "two three"; the full stop breaks
    assert counts.unigrams[index["four"]] == 1
    # "Four" follows a full stop: sentence-initial, so not a capitalisation observation
    assert counts.noninitial[index["four"]] == 0


def test_count_table_false_hits_are_rare():
    rng = np.random.default_rng(7)
    keys = np.unique(rng.integers(0, 2**62, 200_000, dtype=np.int64)).astype(np.uint64)
    counts = rng.uniform(2, 1000, len(keys))
    table = CountTable.build(keys, counts, seed=3)
    np.testing.assert_allclose(table.lookup(keys), counts, rtol=0.03)
    assert all(
        table.get(k) == v
        for k, v in zip(keys[:500].tolist(), table.lookup(keys[:500]), strict=True)
    )
    absent = rng.integers(0, 2**62, 200_000, dtype=np.int64).astype(np.uint64)
    absent = absent[~np.isin(absent, keys)]
    assert (table.lookup(absent) > 0).mean() < 1e-4


def test_vectors_share_contexts(evidence):
    assert evidence.vector_dims == 8
    assert (
        lookups.similarity(evidence, "cat", "dog")
        > lookups.similarity(evidence, "cat", "stocks") + 0.2
    )
    assert (
        lookups.similarity(evidence, "stocks", "shares")
        > lookups.similarity(evidence, "shares", "sofa") + 0.2
    )
    assert lookups.similarity(evidence, "cat", "cat") == pytest.approx(1.0, abs=1e-5)
    assert [w for w, _ in lookups.most_similar(evidence, "cat", k=1)] == ["dog"]
    top = lookups.most_similar(evidence, "stocks", k=3)
    assert top[0][0] == "shares" and len(top) == 3
    assert top[0][1] >= top[1][1] >= top[2][1]
    # unknown words and words without a vector give zeros
    assert lookups.similarity(evidence, "qwxyzzy", "cat") == 0.0
    assert lookups.most_similar(evidence, "qwxyzzy") == []
    ids = evidence.ids(["cat", "stocks", "qwxyzzy", "mat"])
    vec = evidence.vector_ids(ids)
    assert vec.shape == (4, 8)
    assert not vec[2].any()
    np.testing.assert_allclose(np.linalg.norm(vec[[0, 1, 3]], axis=1), 1.0, rtol=1e-5)
    sims = evidence.similarity_ids(ids, evidence.ids(["dog", "shares", "cat", "rug"]))
    expected = [
        lookups.similarity(evidence, a, b) for a, b in [("cat", "dog"), ("stocks", "shares")]
    ]
    np.testing.assert_allclose(sims[:2], expected, rtol=1e-6)
    assert sims[2] == 0.0


def test_collocates_order(evidence):
    # "harbour council" (6.5) is the strongest right collocate of "harbour"
    succ = [evidence.word(i) for i in evidence.successor_ids(lookups.word_id(evidence, "harbour"))]
    assert succ[0] == "council"
    pred = [
        evidence.word(i) for i in evidence.predecessor_ids(lookups.word_id(evidence, "council"))
    ]
    assert pred[0] == "harbour"
    # ranked by local mutual information: count * log(count * N / (f1 * f2)), best first
    the = lookups.word_id(evidence, "the")
    succ_the = evidence.successor_ids(the)
    assert len(succ_the) == 3
    pair = evidence.bigram_ids(np.full(3, the), succ_the)
    lmi = pair * np.log(
        pair
        * evidence.total_words
        / (lookups.unigram(evidence, "the") * evidence.unigram_ids(succ_the))
    )
    assert (np.diff(lmi) <= 0.15 * lmi[:-1]).all()  # counts are quantised (about 6 %)
    assert lmi[-1] > 0
    assert len(evidence.successor_ids(lookups.word_id(evidence, "the"))) <= 3  # collocate_k
    assert len(evidence.successor_ids(lookups.word_id(evidence, "the"), k=1)) == 1
    assert evidence.successor_ids(-1).size == 0
    assert evidence.predecessor_ids(10**9).size == 0


def test_compounds(evidence):
    assert lookups.is_compound(evidence, "harbour", "council")
    assert lookups.is_compound(evidence, "Harbour", "Council")
    assert not lookups.is_compound(evidence, "council", "harbour")
    assert not lookups.is_compound(evidence, "big", "harbour")
    assert not lookups.is_compound(evidence, "qwxyzzy", "council")
    # "harbour master": "master" is not in the vocabulary, so the lemma is not stored
    ids1 = evidence.ids(["harbour", "big", "qwxyzzy", "harbour"])
    ids2 = evidence.ids(["council", "crowd", "council", "master"])
    assert evidence.compound_ids(ids1, ids2).tolist() == [True, False, False, False]


def test_word_ids_from_the_cache_match_the_tables(evidence, monkeypatch):
    """Ids of words seen before come from a cache; they must be the tables' ids, unknown
    words included, and stay so when the cache fills up and starts over."""
    import mtdetect.evidence.base as ev_module
    from mtdetect.evidence import hash_keys

    words = ["the", "market", "zzqx", "The", "market", "", "naïve", "zzqx"]
    want = evidence.ids_of_hashes(hash_keys(words))
    assert (want < 0).any() and (want >= 0).any()
    for _ in range(2):  # the second call reads the cache
        np.testing.assert_array_equal(evidence.ids(words), want)
    monkeypatch.setattr(ev_module, "_ID_CACHE_WORDS", 3)
    more = ["stock", "prices", "qqzz"]
    np.testing.assert_array_equal(evidence.ids(more), evidence.ids_of_hashes(hash_keys(more)))
    assert sorted(evidence._id_cache) == sorted(more)  # full: it started over
    np.testing.assert_array_equal(evidence.ids(words[::-1]), want[::-1])
