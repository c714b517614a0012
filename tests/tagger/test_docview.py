"""The document view: tokens, links, table probes and word classes as arrays, on the made-up
evidence base of ``conftest.py``."""

from __future__ import annotations

import numpy as np
import pytest

from mtdetect.evidence import load_evidence
from training import lookups


def test_view_tokens_links_and_probes(view_of, evidence):
    text = "Prices on the stock market rose, again today."
    v = view_of(evidence, text)
    assert v.surface == ["Prices", "on", "the", "stock", "market", "rose", "again", "today"]
    assert [text[a:b] for a, b in zip(v.start, v.end, strict=True)] == v.surface
    # the comma breaks the chain between "rose" and "again"
    assert v.link.tolist() == [False, True, True, True, True, True, False, True]
    assert v.prev1[4] == lookups.word_id(evidence, "stock") and v.next1[5] == -1
    assert v.bigram_left[4] == pytest.approx(lookups.bigram(evidence, "stock", "market"))
    assert v.bigram_left[6] == 0.0
    np.testing.assert_allclose(v.lm_forward, evidence.lm_forward(v.ids, v.link))
    np.testing.assert_allclose(v.lm_backward, evidence.lm_backward(v.ids, v.link))
    assert v.sentence_slices() == [slice(0, 8)]


def test_view_word_flags_match_their_definitions(view_of, evidence):
    """The word-list flags are read by id (with the key for words without one), alpha with
    numpy's per-character test, length from the offsets: each must equal the plain
    definition, with a small vocabulary (most function words unknown) and the shipped one."""
    from mtdetect.classifier.features import _FUNCTION_CLASS, _capitalised
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
