"""The statistical detectors on a small made-up evidence base.

The corpus below is invented for these tests: a few fixed expressions repeated often enough
for the detectors' thresholds, and neutral filler so that chance expectations are realistic.
"""

from __future__ import annotations

from collections import namedtuple

import pytest

from mtdetect.detectors.collocation import CollocationDetector
from mtdetect.detectors.dropped import DroppedWordDetector
from mtdetect.detectors.entities import EntityDetector, edits1
from mtdetect.detectors.function_words import FunctionWordDetector
from mtdetect.detectors.literal import LiteralTranslationDetector
from mtdetect.detectors.synonym import SynonymDetector
from mtdetect.evidence import load_evidence
from mtdetect.text import segment
from training.build_evidence import Lexicon, build_from_documents

Doc = namedtuple("Doc", "source text split")

_TEMPLATES = [
    ("Prices on the share market rose again today.", 120),
    ("The old bazaar sold spice and cloth to visitors.", 40),
    ("Officials were accused of fraud by the panel.", 220),
    ("We waited for the bus and for the train in the rain.", 250),
    ("The Norlander team won the cup in the final.", 420),
    ("Ships sailed to Norland in the summer months.", 320),
    ("The board has approved the plan for the harbour.", 420),
    ("The board met in the hall with the staff.", 200),
    ("She took a photo of the harbour at dawn.", 90),
    ("They made a decision about the harbour wall.", 90),
    ("A quiet town sits by the river with a small school.", 300),
    ("Farmers grow wheat and barley on the hills near the town.", 300),
]


@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    out = tmp_path_factory.mktemp("lexical-evidence")
    docs = []
    for i, (sentence, times) in enumerate(_TEMPLATES):
        docs.append(Doc(f"s{i}", " ".join([sentence] * times), "train"))
    lexicon = Lexicon(
        synsets=[["market", "bazaar", "mart"], ["accuse", "charge"], ["photo", "picture"]],
        pos=["n", "v", "n"],
        gazetteer={"norland": "location", "norlander": "demonym"},
    )
    build_from_documents(
        docs, out, weights={}, lexicon=lexicon, min_unigram=1, min_bigram=1, min_trigram=1
    )
    return load_evidence(out)


def spans_of(detector, text: str):
    doc = segment(text)
    spans = detector.detect(text, doc.sentences)
    for sp in spans:
        assert text[sp.start : sp.end] == sp.text
        assert sp.family == detector.family
        assert 0.0 <= sp.strength <= 1.0
        assert "reference" in sp.explanation or "name" in sp.explanation
    return spans


def test_synonym_swap_found_with_original_as_suggestion(evidence) -> None:
    spans = spans_of(SynonymDetector(evidence), "Prices on the share bazaar rose again.")
    spans += spans_of(CollocationDetector(evidence), "Prices on the share bazaar rose again.")
    assert [(sp.text, sp.suggestion) for sp in spans] == [("share bazaar", "share market")]
    assert "share market" in spans[0].explanation


def test_expression_as_written_is_not_flagged(evidence) -> None:
    text = "Prices on the share market rose again. The old bazaar sold spice."
    assert spans_of(SynonymDetector(evidence), text) == []
    assert spans_of(CollocationDetector(evidence), text) == []


def test_function_word_swap(evidence) -> None:
    spans = spans_of(FunctionWordDetector(evidence), "Officials were accused for fraud.")
    assert [(sp.text, sp.suggestion) for sp in spans] == [("accused for", "accused of")]
    assert spans_of(FunctionWordDetector(evidence), "Officials were accused of fraud.") == []


def test_misspelled_and_lowercased_names(evidence) -> None:
    det = EntityDetector(evidence)
    det.lower_min = 300.0  # the made-up corpus is small
    spans = spans_of(det, "The Norlandor team won the cup.")
    assert [(sp.text, sp.suggestion) for sp in spans] == [("Norlandor", "Norlander")]
    spans = spans_of(det, "Fans in Norland said the norlander team won.")
    assert spans_of(det, "fans said the norlander team won.") == []  # all lower case
    assert [(sp.text, sp.suggestion) for sp in spans] == [("norlander", "Norlander")]
    assert spans_of(det, "The Norlander team won the cup.") == []


def test_dropped_word(evidence) -> None:
    det = DroppedWordDetector(evidence)
    det.expected_min = 20.0  # the made-up corpus is small: chance expectations are too
    spans = spans_of(det, "Yesterday the has approved the plan.")
    assert [(sp.text, sp.suggestion) for sp in spans] == [("the has", "the board has")]
    assert spans_of(det, "The board has approved the plan.") == []


def test_article_before_name_and_light_verb(evidence) -> None:
    det = LiteralTranslationDetector(evidence)
    spans = spans_of(det, "Ships sailed to the Norland in June.")
    assert [(sp.text, sp.suggestion) for sp in spans] == [("the Norland", "Norland")]
    spans = spans_of(det, "She made a photo of the harbour.")
    assert [(sp.text, sp.suggestion) for sp in spans] == [("made a photo", "took a photo")]
    assert spans_of(det, "She took a photo of the harbour. Ships sailed to Norland.") == []


def test_edits1() -> None:
    assert "kenyan" in edits1("kenyon")
    assert "kenya" in edits1("kenyan")
    assert "abc" not in edits1("abc")
