"""Tests of the evidence base: a mini build from made-up text, then lookups."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from mtdetect.evidence import CountTable, load_evidence
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
# Only in a held-out document: must never be counted.
HELD_OUT = "Zephyrine lanterns glowed. Zephyrine lanterns glowed again."


@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    out = tmp_path_factory.mktemp("evidence")
    docs = [
        Doc("news", TRAIN_A, "train"),
        Doc("news", TRAIN_A, "train"),
        Doc("blog", TRAIN_B, "train"),
        Doc("news", HELD_OUT, "dev"),
        Doc("blog", HELD_OUT, "test"),
    ]
    lexicon = Lexicon(
        synsets=[["big", "large", "huge"], ["harbour", "port", "haven"], ["loud", "noisy"]],
        similar=[(0, 2)],
        pos=["a", "n", "a"],
        gazetteer={"norland": "location", "norlander": "demonym", "harbour council": "name"},
        texts=["a port where ships shelter"],
    )
    build_from_documents(
        docs,
        out,
        weights={"news": 1.0, "blog": 0.5},
        lexicon=lexicon,
        web_unigrams={"the": 50_000_000.0, "haven": 20_000.0},
        web_bigrams={("big", "crowd"): 100_000_000.0},
        min_unigram=1,
        min_bigram=1,
        min_trigram=1,
    )
    return load_evidence(out)


def test_unigram_and_ngram_counts(evidence):
    # "harbour council": 3 per TRAIN_A copy (x2, weight 1) + 1 in TRAIN_B (weight 0.5)
    assert evidence.bigram("harbour", "council") == pytest.approx(6.5, rel=0.07)
    # "The harbour council" twice and "the harbour council" once per TRAIN_A copy
    assert evidence.trigram("the", "harbour", "council") == pytest.approx(6.0, rel=0.07)
    assert evidence.corpus_unigram("norland") == pytest.approx(2.5)
    assert evidence.web_frequency("haven") == pytest.approx(20_000.0)
    # punctuation breaks chains: "tuesday . the" is not a bigram
    assert evidence.bigram("tuesday", "the") == 0.0
    assert evidence.total_words > 0


def test_web_bigrams_are_merged_by_max(evidence):
    expected = 100_000_000.0 * evidence.total_words / 1e9
    assert evidence.bigram("big", "crowd") == pytest.approx(expected, rel=0.07)
    assert evidence.unigram("the") >= evidence.corpus_unigram("the")


def test_held_out_documents_are_not_counted(evidence):
    assert evidence.word_id("zephyrine") == -1
    assert evidence.unigram("zephyrine") == 0.0
    assert evidence.bigram("zephyrine", "lanterns") == 0.0


def test_unknown_words(evidence):
    assert evidence.word_id("qwxyzzy") == -1
    assert evidence.unigram("qwxyzzy") == 0.0
    assert evidence.bigram("qwxyzzy", "council") == 0.0
    assert evidence.trigram("the", "qwxyzzy", "council") == 0.0
    assert evidence.neighbours("qwxyzzy") == []
    assert math.isnan(evidence.cap_ratio("qwxyzzy"))
    assert evidence.gazetteer_type("qwxyzzy") is None


def test_batch_equals_scalar(evidence):
    sentence = "the harbour council met on a large crowd big crowd qwxyzzy council"
    words = sentence.split(" ")
    ids = evidence.ids(words)
    assert ids[-2] == -1
    a, b, c = ids[:-2], ids[1:-1], ids[2:]
    bi = evidence.bigram_ids(a, b)
    tri = evidence.trigram_ids(a, b, c)
    for i in range(len(a)):
        assert bi[i] == evidence.bigram(words[i], words[i + 1])
        assert tri[i] == evidence.trigram(words[i], words[i + 1], words[i + 2])
    np.testing.assert_allclose(evidence.unigram_ids(ids), [evidence.unigram(w) for w in words])
    assert (bi > 0).any() and (tri > 0).any()


def test_neighbours_both_directions(evidence):
    assert set(evidence.neighbours("big")) >= {"large", "huge"}
    assert "big" in evidence.neighbours("huge")
    # "similar" links (synset 0 <-> 2) in both directions
    assert "noisy" in evidence.neighbours("large")
    assert "big" in evidence.neighbours("loud")
    assert "big" not in evidence.neighbours("big")
    # regular plurals of noun synonyms, when attested in the corpus
    assert "ports" in evidence.neighbours("harbours")
    assert "harbours" in evidence.neighbours("ports")
    assert "havens" not in evidence.neighbours("ports")
    assert list(evidence.neighbour_ids(evidence.word_id("port"))) == [
        evidence.word_id(w) for w in evidence.neighbours("port")
    ]


def test_capitalisation_and_gazetteer(evidence):
    assert evidence.cap_ratio("norland") == 1.0
    assert evidence.cap_ratio("council") == 0.0
    # "The" only ever starts a sentence here: no non-initial observation
    assert evidence.gazetteer_type("Norland") == "location"
    assert evidence.gazetteer_type("harbour council") == "name"
    assert evidence.gazetteer_type("norlander") == "demonym"


def test_describe(evidence):
    info = evidence.describe()
    assert info["vocab_size"] == evidence.vocab_size
    assert info["bigrams"] > 0 and "oewn" in info["licences"]


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
