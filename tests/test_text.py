"""Segmentation: exact offsets and the hard cases (abbreviations, quotes, re-spacing)."""

from __future__ import annotations

import pytest

from mtdetect.text import ngram_key, segment, split_paragraphs, tokenize


def sentences(text: str) -> list[str]:
    doc = segment(text)
    for s in doc.sentences:
        assert text[s.start : s.end] == s.text
        for t in s.tokens:
            assert text[t.start : t.end] == t.text
            assert s.start <= t.start < t.end <= s.end
    return [s.text for s in doc.sentences]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith went to Washington. He arrived at 5.30 p.m. on Monday.",
            ["Mr. Smith went to Washington.", "He arrived at 5.30 p.m. on Monday."],
        ),
        (
            "The U.S. economy grew 2.5 pct. The central bank said so.",
            ["The U.S. economy grew 2.5 pct.", "The central bank said so."],
        ),
        (
            "Shares rose in the U.S. The index gained.",
            ["Shares rose in the U.S.", "The index gained."],
        ),
        (
            "J. R. R. Tolkien wrote it. Dr. Jones agreed.",
            ["J. R. R. Tolkien wrote it.", "Dr. Jones agreed."],
        ),
        (
            "He lives at No. 5 Elm Road. It is small.",
            ["He lives at No. 5 Elm Road.", "It is small."],
        ),
        ("Bring fruit, e.g. apples. Then leave.", ["Bring fruit, e.g. apples.", "Then leave."]),
        (
            "He paused... Then he left. Really?! Yes.",
            ["He paused...", "Then he left.", "Really?!", "Yes."],
        ),
        ("She waited… and waited.", ["She waited… and waited."]),
        ('He said, "We will win." Then he left.', ['He said, "We will win."', "Then he left."]),
        ("It costs $4.50 today. Prices rose 3.2%.", ["It costs $4.50 today.", "Prices rose 3.2%."]),
        (
            "Mail john.doe@example.com or see https://example.com/a.b/c. Thanks.",
            ["Mail john.doe@example.com or see https://example.com/a.b/c.", "Thanks."],
        ),
    ],
)
def test_sentence_boundaries(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Re-spaced forms stay inside one sentence, so a detector can flag them.
        ("The U. K. government agreed.", ["The U. K. government agreed."]),
        ("Bring fruit, e. g. apples, to school.", ["Bring fruit, e. g. apples, to school."]),
        ("Visit www. example. com for details.", ["Visit www. example. com for details."]),
        ('He said "we are ready. " Then he left.', ['He said "we are ready. "', "Then he left."]),
    ],
)
def test_respaced_forms_stay_in_one_sentence(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_headline_and_bullets_without_full_stops() -> None:
    text = "Storm Hits Coast Town\nThe storm arrived at night. Roofs were lost.\n\n- roads closed\n- schools shut"
    assert sentences(text) == [
        "Storm Hits Coast Town",
        "The storm arrived at night.",
        "Roofs were lost.",
        "- roads closed",
        "- schools shut",
    ]


def test_hard_wrapped_lines_are_joined_into_sentences() -> None:
    text = (
        "Rain fell across the northern valley for most of the week in\n"
        "the farming district, easing a drought that began in early\n"
        "January and helping the coming harvest.\n"
        "    Traders expect prices to fall."
    )
    got = sentences(text)
    assert len(got) == 2
    assert got[0].startswith("Rain fell") and got[0].endswith("harvest.")


def test_paragraph_offsets_and_indices() -> None:
    text = "  First one. Second one.\n\n\nThird one.  \n"
    assert [text[s:e] for s, e in split_paragraphs(text)] == [
        "First one. Second one.",
        "Third one.",
    ]
    doc = segment(text)
    assert [s.paragraph for s in doc.sentences] == [0, 0, 1]


def test_offsets_survive_unusual_characters() -> None:
    text = "Café\u200b owners said “no”. Ünïcode 👍🏽 works — mostly.\r\n\r\nΝέα παράγραφος."
    got = sentences(text)
    assert len(got) == 3


def test_empty_and_whitespace() -> None:
    assert segment("").sentences == []
    assert segment(" \n\t ").sentences == []


def test_tokenize_kinds_and_keys() -> None:
    text = "Kenya's well-known firm earned 1,200.50 at www.example.com, said a@b.org."
    toks = tokenize(text)
    kinds = {t.text: t.kind for t in toks}
    assert kinds["Kenya's"] == "word"
    assert kinds["well-known"] == "word"
    assert kinds["1,200.50"] == "number"
    assert kinds["www.example.com"] == "url"
    assert kinds["a@b.org"] == "email"
    assert kinds[","] == "punct"
    keys = [ngram_key(t) for t in toks]
    assert keys[:5] == ["kenya's", "well-known", "firm", "earned", "<num>"]
    assert None in keys


def test_stream_windows_cuts_as_windows_does_for_any_chunking() -> None:
    """The pieces of a text read a chunk at a time are the pieces of the whole text: cut at the
    same places, with the same paragraph numbers, whatever the chunks and the window."""
    import random

    from mtdetect.text import stream_windows, windows

    rng = random.Random(7)
    parts = ["a", "word ", " ", "\n", "\n\n", " \n \n ", "\t", "\r\n\r\n", "\xa0", "\u2029", "é"]
    for trial in range(3000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(0, 120)))
        width = rng.randint(1, 40)
        expected = [(a, text[a:b], first) for a, b, first in windows(text, width)]
        size = rng.choice([1, 2, 3, 17, 1000])
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        if trial % 5 == 0:
            chunks.insert(rng.randint(0, len(chunks)), "")  # an empty chunk changes nothing
        assert list(stream_windows(chunks, width)) == expected, (text, width, size)
    assert list(stream_windows([], 10)) == [(0, "", 0)]


def test_word_key_is_the_one_folding_rule() -> None:
    from mtdetect.text import Token, ngram_key, word_key

    assert word_key("Don’t") == "don't" == word_key("DON'T")
    assert ngram_key(Token("Don’t", 0, 5, "word")) == word_key("Don’t")
    assert ngram_key(Token("42", 0, 2, "number")) == "<num>"
