"""The made-up evidence base the tagger's tests share.

The corpus is invented for these tests: fixed expressions repeated often enough to be
frequent, and neutral filler. The thesaurus links come from made-up OEWN synsets, a made-up
Moby entry and a made-up tortured-phrase alignment."""

from __future__ import annotations

from collections import namedtuple

import pytest

from mtdetect.evidence import load_evidence
from mtdetect.tagger.docview import build_view
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


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
def view_of():
    """``view_of(evidence, text)``: the document view of ``text``."""

    def make(evidence, text):
        return build_view(evidence, text, segment(text).sentences)

    return make
