"""The formatting detectors: what they must flag, and legitimate text they must not."""

from __future__ import annotations

import pytest

from mtdetect.detectors.nonprose import NonProseDetector
from mtdetect.detectors.spacing import SpacingDetector
from mtdetect.detectors.spinner import SpinnerDetector
from mtdetect.text import segment


def flags(detector, text: str) -> list[tuple[str, str | None]]:
    doc = segment(text)
    spans = detector.detect(text, doc.sentences)
    for sp in spans:
        assert text[sp.start : sp.end] == sp.text
        assert 0.0 <= sp.strength <= 1.0
        assert sp.explanation
        assert sp.family == detector.family
    return [(sp.text, sp.suggestion) for sp in spans]


@pytest.mark.parametrize(
    ("text", "flagged", "suggestion"),
    [
        ("The U. K. government agreed.", "U. K.", "U.K."),
        ("Trade with the U. S. grew.", "U. S.", "U.S."),
        ("Bring fruit, e. g. apples, to school.", "e. g.", "e.g."),
        ("Visit www. example. com for details.", "www. example. com", "www.example.com"),
        ("See harbour-trust. org for more.", "harbour-trust. org", "harbour-trust.org"),
        ('He said "we are ready. " Then he left.', '. "', '."'),
        ("The minister of Kenya 's cabinet spoke .", " 's", "'s"),
        ("Prices rose , traders said , and fell .", " ,", ","),
        # a closing quotation mark turned into an opening one, left at the paragraph end
        (
            "The delegates said the talks ended. \u201c\n\nThe next round is in May.",
            "\u201c",
            "\u201d",
        ),
        ("The talks ended.\u201c\nThe next round is in May.", "\u201c", "\u201d"),
        # code re-spaced at its dots
        (
            'Call document. getElementById("menu") first.',
            "document. getElementById",
            "document.getElementById",
        ),
        ("Then console. log(value) prints it.", "console. log", "console.log"),
    ],
)
def test_spacing_flags(text: str, flagged: str, suggestion: str) -> None:
    assert (flagged, suggestion) in flags(SpacingDetector(), text)


@pytest.mark.parametrize(
    "text",
    [
        "J. R. R. Tolkien wrote the book.",
        "George W. Bush visited the U.K. on Monday.",
        "Bring fruit, e.g. apples, to school.",
        "Prices rose 2.5 percent, or 1.2 points.",
        "She waited... and waited. Then she left.",
        'He said, "We are ready." Then he left.',
        'The sign read "Closed." Nobody came.',
        "Visit www.example.com or mail info@example.org today.",
        "The ratio was 3:2 (approximately).",
        "It is 5 p.m. in New York.",
        "One stray space , as people type, is not a pipeline.",
        "He said: \u201cWe will go.\u201d\n\nThen he left.",
        "She asked: \u201cWill you come?\u201d Nobody answered.",
        "The minister said: \u201cThe talks ended.\u201d\n\n\u201cWe go on,\u201d she added.",
        "He came home. Then (later) we ate.",
        "The call of document.getElementById is fine in a code sample.",
    ],
)
def test_spacing_leaves_legitimate_text_alone(text: str) -> None:
    assert flags(SpacingDetector(), text) == []


def test_spinner_flags_spintax_duplicates_and_doubled_words() -> None:
    text = (
        "The {quick|fast|rapid} reply surprised everyone. "
        "The committee will meet again next week. The committee will meet again next week. "
        "It was the the best result."
    )
    got = flags(SpinnerDetector(), text)
    assert ("{quick|fast|rapid}", "quick") in got
    assert ("The committee will meet again next week.", None) in got
    assert ("the the", "the") in got


@pytest.mark.parametrize(
    "text",
    [
        "What she had had was enough. He said that that was fine.",
        "The set {1, 2, 3} has three members.",
        "The committee met. The committee voted.",
        "Yes. Yes.",
    ],
)
def test_spinner_leaves_legitimate_text_alone(text: str) -> None:
    assert flags(SpinnerDetector(), text) == []


def test_nonprose_flags_code_markup_and_boilerplate() -> None:
    text = (
        "The storm closed roads.&nbsp;&nbsp;Schools shut.\n\n"
        "function(e){return e.target}\n\n"
        "Click here to subscribe to our newsletter.\n\n"
        "Read the <b>full</b> story."
    )
    got = [t for t, _ in flags(NonProseDetector(), text)]
    assert "&nbsp;" in got
    assert any(t.startswith("function(e){") for t in got)
    assert "Click here" in got
    assert "<b>" in got


@pytest.mark.parametrize(
    "text",
    [
        "The company said its privacy policy had changed after the ruling, and that users "
        "would be asked to agree to the new terms before they could log in again next month.",
        "Profits rose (after tax) by 5% to $3.1m; analysts were pleased.",
        "If prices fall, farmers lose; if they rise, buyers do.",
        "The function of the committee is to advise the minister.",
        # corpora replace links and addresses by placeholders: not markup
        "The full report is at <URL> and questions go to <EMAIL> until Friday.",
    ],
)
def test_nonprose_leaves_prose_alone(text: str) -> None:
    assert flags(NonProseDetector(), text) == []
