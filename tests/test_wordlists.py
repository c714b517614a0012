"""The closed word lists: their keys and how they nest. The lists the shipped model and tagger
were trained with keep their contents (a change would silently change the model's inputs)."""

from __future__ import annotations

import hashlib

from mtdetect import wordlists as W
from mtdetect.text import word_key

ALL = {
    name: getattr(W, name)
    for name in W.__all__  # every list the module exports
}


def test_every_word_is_its_own_lookup_key() -> None:
    for name, words in ALL.items():
        bad = [w for w in words if word_key(w) != w or w != w.strip() or " " in w or not w]
        assert not bad, (name, bad)


def test_the_lists_nest_as_the_searches_assume() -> None:
    # a search only tries words of the classes the tagger knows
    assert set(W.PREPOSITION_CANDIDATES) <= W.TAGGER_PREPOSITIONS
    assert set(W.ARTICLE_CANDIDATES) <= W.TAGGER_FUNCTION_WORDS
    assert set(W.DROPPED_WORD_CANDIDATES) <= W.TAGGER_FUNCTION_WORDS
    assert W.ARTICLES <= W.SENTENCE_FUNCTION_WORDS and W.ARTICLES <= W.TAGGER_FUNCTION_WORDS
    assert W.SENTENCE_PREPOSITIONS <= W.SENTENCE_FUNCTION_WORDS
    assert W.SENTENCE_PREPOSITIONS <= W.TAGGER_PREPOSITIONS <= W.TAGGER_FUNCTION_WORDS
    # ordered candidate lists: each word once (the order is the order of the search)
    for seq in (W.PREPOSITION_CANDIDATES, W.ARTICLE_CANDIDATES, W.DROPPED_WORD_CANDIDATES):
        assert len(seq) == len(set(seq))


def test_the_trained_lists_keep_their_contents() -> None:
    """Fingerprints of the lists the shipped heads and tagger were trained with (changing one
    needs retraining) and of the document passes' lists (changing one needs their clean-flag
    rates measured again); then update the fingerprint here."""

    def digest(words) -> str:
        ordered = list(words) if isinstance(words, (list, tuple)) else sorted(words)
        return hashlib.sha256("\n".join(ordered).encode()).hexdigest()[:12]

    got = {name: digest(words) for name, words in ALL.items()}
    assert got == {
        "ARTICLES": "ce8abd5d1b33",
        "ARTICLE_CANDIDATES": "8cdf8c82a4e9",
        "DROPPED_WORD_CANDIDATES": "46134a7162fe",
        "GAP_AUXILIARIES": "b3423677a26a",
        "LANGUAGE_CHECK_WORDS": "7e262e0345ea",
        "PREPOSITION_CANDIDATES": "4b6958c67584",
        "SENTENCE_FUNCTION_WORDS": "3995d164d54f",
        "SENTENCE_PREPOSITIONS": "d4cf738a3ba0",
        "TAGGER_FUNCTION_WORDS": "1a61c1432620",
        "TAGGER_PREPOSITIONS": "1843aa2367d0",
    }
