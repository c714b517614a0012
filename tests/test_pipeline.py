"""The pipeline: spans grouped by sentence, decisive spans, and a document scored piece by piece
(from the whole text or from its chunks) as if it were whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtdetect import pipeline

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_score_pieces_combine_to_score(detector, monkeypatch) -> None:
    monkeypatch.setattr(pipeline, "WINDOW_CHARS", 400)
    text = (EXAMPLES / "rewritten_article.txt").read_text(encoding="utf-8") * 3
    pieces = list(detector.score_pieces(text))
    assert len(pieces) > 2
    whole = detector.score(text)
    assert [s for p, _ in pieces for s in p] == whole.sentences
    combined = detector.combine_pieces([piece for _, piece in pieces])
    # The pieces' evidence adds up: the same score as one piece would give.
    assert combined == pytest.approx(whole.score)
    assert sum(piece.n_sentences for _, piece in pieces) == len(whole.sentences)
    assert detector.verdict(combined) == whole.verdict


def test_a_piece_analysed_alone_is_the_piece_analysed_in_its_document(
    detector, monkeypatch
) -> None:
    """Why reading a file a block at a time is exact: no detector, nor the tagger, nor the
    scorer, looks past the ends of the piece it is given."""
    from mtdetect.text import windows

    text = "\n\n".join(
        (EXAMPLES / name).read_text(encoding="utf-8")
        for name in ("rewritten_article.txt", "clean_article.txt", "rewritten_article.txt")
    )
    cuts = windows(text, 300)  # between paragraphs, and inside the longer ones
    assert len(cuts) > 6
    for a, b, first in cuts:
        s1, sp1, sc1, p1 = detector._score_piece(text, a, b, first)
        s2, sp2, sc2, p2 = detector._score_piece(text[a:b], 0, None, first)
        assert [(s.start, s.end, s.text, s.paragraph) for s in s1] == [
            (s.start + a, s.end + a, s.text, s.paragraph) for s in s2
        ]
        assert [[(x.start, x.end, x.text, x.family, x.strength, x.explanation) for x in g]
                for g in sp1] == [
            [(x.start + a, x.end + a, x.text, x.family, x.strength, x.explanation) for x in g]
            for g in sp2
        ]  # fmt: skip
        assert list(sc1) == list(sc2)
        assert p1 == p2


def test_score_pieces_of_chunks_is_score_pieces_of_the_text(detector, monkeypatch) -> None:
    monkeypatch.setattr(pipeline, "WINDOW_CHARS", 500)
    text = (EXAMPLES / "rewritten_article.txt").read_text(encoding="utf-8") * 3
    whole = list(detector.score_pieces(text))
    for size in (1, 7, 499, 501, 10_000):
        chunks = (text[i : i + size] for i in range(0, len(text), size))
        assert list(detector.score_pieces(chunks)) == whole
    with pytest.raises(TypeError, match="must be str"):
        list(detector.score_pieces([b"bytes"]))
    with pytest.raises(TypeError, match="must be str"):
        list(detector.score_pieces(b"bytes"))


def test_assign_spans_groups_clips_and_keeps_the_strongest_duplicate() -> None:
    from mtdetect.pipeline import assign_spans
    from mtdetect.result import Span
    from mtdetect.text import segment

    text = "The U. K. said so. It rained all day."
    s1, s2 = segment(text).sentences
    weak = Span(4, 9, "U. K.", "spacing-artifact", 0.5, "weak")
    strong = Span(4, 9, "U. K.", "spacing-artifact", 0.9, "strong")
    across = Span(
        s1.end - 3, s2.start + 2, text[s1.end - 3 : s2.start + 2], "dropped-word", 0.7, "x"
    )
    outside = Span(len(text) + 1, len(text) + 3, "", "non-prose", 0.5, "after the text")
    groups = assign_spans([s1, s2], [weak, across, strong, outside])
    assert [sp.explanation for sp in groups[0]] == ["strong", "x"]
    assert groups[0][1].end == s1.end and groups[0][1].text == text[groups[0][1].start : s1.end]
    assert groups[1] == []


def test_decisive_spans_are_exact_rule_findings_at_strength() -> None:
    from mtdetect.detectors.spinner import TEMPLATE_EXPLANATION
    from mtdetect.detectors.tortured_list import LISTED_MARK
    from mtdetect.pipeline import DECISIVE_STRENGTH, is_decisive
    from mtdetect.result import Span

    def span(explanation: str, strength: float) -> Span:
        return Span(0, 4, "text", "spinner-leftover", strength, explanation)

    assert is_decisive(span(TEMPLATE_EXPLANATION + ": 3 alternatives", DECISIVE_STRENGTH))
    assert is_decisive(span(f"'x' {LISTED_MARK} (2 papers)", 0.95))
    assert not is_decisive(span(TEMPLATE_EXPLANATION, DECISIVE_STRENGTH - 0.01))
    assert not is_decisive(span("a thesaurus swap", 1.0))
