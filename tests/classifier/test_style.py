"""The lexical style model: masking, fitting and scoring on made-up sentences."""

from __future__ import annotations

import numpy as np
import pytest

from mtdetect.classifier.style import StyleModel, style_tokens


def test_names_and_numbers_are_masked() -> None:
    toks = style_tokens("Officials in Norland said 42 boats left.")
    assert "norland" not in toks and "C" in toks
    assert "42" not in toks and "#" in toks
    assert "officials" in toks  # the first word is not taken for a name
    assert "said #" in toks  # bigrams


def test_fit_learns_word_preferences() -> None:
    human = [f"The council said on day {i} that the plan would go ahead." for i in range(40)]
    machine = [
        f"The council stated on day {i} that the plan will be carried out." for i in range(40)
    ]
    model = StyleModel(n_features=2**12).fit(human + machine, [0] * 40 + [1] * 40)
    scores = model.decision_function(
        [
            "The board said the work would go ahead.",
            "The board stated the work will be carried out.",
        ]
    )
    assert scores[1] > scores[0]
    assert model.coef.dtype == np.float32 and model.coef.shape == (2**12,)


def test_unfitted_model_scores_zero() -> None:
    assert StyleModel().decision_function(["Any sentence."]).tolist() == [0.0]
    assert StyleModel().decision_function([]).shape == (0,)


def test_sentence_tokens_give_the_same_scores() -> None:
    """The scorer passes each sentence's own tokens (offsets into the document) instead of
    tokenising again; the scores must not change."""
    from mtdetect.text import segment

    human = ["The council approved the plan on Monday."] * 20
    machine = ["The council has approved the plan at Monday."] * 20
    model = StyleModel(n_features=2**12).fit(human + machine, [0] * 20 + [1] * 20)
    doc = (
        "The council has approved the plan at Monday. Mr. Okafor said 3,000 homes (in 12 towns) "
        "get help, see www.example.org or mail info@example.org! It's “well-known” now…"
    )
    sents = segment(doc).sentences
    texts = [s.text for s in sents]
    np.testing.assert_array_equal(
        model.decision_function(texts, [s.tokens for s in sents]), model.decision_function(texts)
    )
    with pytest.raises(ValueError, match="one token list per sentence"):
        model.decision_function(texts, [sents[0].tokens])
