"""The document passes (:mod:`mtdetect.tagger.consistency`): shown spans that only the whole
document gives, never a score."""

from __future__ import annotations

import pytest

from mtdetect.tagger import consistency
from mtdetect.tagger.consistency import one_slip

#: Made-up news: a demonym used twice and garbled once, a dropped noun, an engine's mark on a
#: word, a name lower-cased once and capitalised twice.
SLIPS = (
    "Kenyan officials met the press on Monday. The Kenyan runner won the race in Nairobi, "
    "and the Kenyon coach said the team was ready. The number of the has risen since the "
    "storm, officials said. Farmers take# part in the market every week. Nairobi police "
    "said smith would speak later. Police chief Smith gave no details, and Smith left early."
)


def _found(result) -> dict[str, tuple[str, str | None, str]]:
    return {sp.text: (sp.family, sp.suggestion, sp.explanation) for sp in result.spans}


@pytest.mark.parametrize(
    ("a", "b", "slip"),
    [
        ("Kenyon", "Kenyan", True),  # a letter changed
        ("Treausry", "Treasury", True),  # two neighbours swapped
        ("Preesident", "President", True),  # a letter added
        ("Uruguyans", "Uruguayans", True),  # a letter dropped
        ("Zionism", "Zionist", False),  # the ending changed: a derivation
        ("Horace", "Horse", False),  # two edits: both real names
        ("Kenya", "Kenyan", False),  # an inflection
        ("Paris", "Paris", False),
    ],
)
def test_one_slip(a: str, b: str, slip: bool) -> None:
    assert one_slip(a, b) is slip
    assert one_slip(b, a) is slip


def test_each_pass_finds_its_slip_with_the_likely_original(detector) -> None:
    found = _found(detector.score(SLIPS))
    family, suggestion, why = found["Kenyon"]
    assert (family, suggestion) == ("mangled-entity", "Kenyan")
    assert "'Kenyan'" in why and "2 times" in why  # both names shown
    assert found["the has"][0] == "dropped-word"
    assert found["take#"][:2] == ("spinner-leftover", "take")
    assert found["smith"][:2] == ("mangled-entity", "Smith")


def test_a_lowered_name_is_restored_as_the_text_spells_it(detector) -> None:
    text = (
        "Engineers at NASA launched the probe on Monday, and NASA said it was on course. "
        "Officials said nasa would publish the data. Coach McDonald spoke for the team, "
        "and McDonald took questions; later mcdonald left."
    )
    found = _found(detector.score(text))
    assert found["nasa"][1] == "NASA" and "'NASA' 2 times" in found["nasa"][2]
    assert found["mcdonald"][1] == "McDonald"


def test_a_pass_does_not_repeat_a_tagger_span(detector) -> None:
    """Where the tagger already shows a span of the same family, the pass's is left out."""
    from mtdetect.tagger.consistency import document_spans

    text = SLIPS * 3
    _, _, _, tokens = detector.find(text)
    for s in ("default", "high"):
        for rewritten in (False, True):
            shown = detector.tagger.spans_at(tokens, s, rewritten)
            passes = document_spans(tokens.view, tokens.evidence, s)
            for p in passes:
                same = [
                    t for t in shown if t.family == p.family and t.start < p.end and p.start < t.end
                ]
                assert len(same) == 1, (p.text, [(t.text, t.explanation) for t in same])


def test_passes_follow_the_sensitivity(detector) -> None:
    low = _found(detector.score(SLIPS, sensitivity="low"))
    assert "smith" not in low  # lowered names are not shown at low
    assert {"Kenyon", "the has", "take#"} <= set(low)


def test_passes_never_move_a_score(detector, monkeypatch) -> None:
    with_passes = detector.score(SLIPS)
    monkeypatch.setattr(consistency, "PASSES", {})
    without = detector.score(SLIPS)
    assert len(without.spans) < len(with_passes.spans)
    assert without.score == with_passes.score
    assert [s.score for s in without.sentences] == [s.score for s in with_passes.sentences]


def test_no_pass_fires_on_the_clean_fixtures(detector, clean_texts) -> None:
    for register, text in clean_texts.items():
        shown = detector.score(text, sensitivity="high").spans
        assert not [(sp.text, sp.explanation) for sp in shown if _is_pass(sp)], register


def test_legitimate_lookalikes_are_left_alone(detector) -> None:
    text = (
        "Horace met the horse trainer in Horse Park. Horse Park is busy in May. "
        "Programmers in C# and F# met at the Ogg conference; files end in .ogg and Ogg "
        "Vorbis is free. The Time in Between is a novel. Zionist writers debated Zionism, "
        "and Zionist papers covered it. The team she played for has folded, and the "
        "company he worked at has closed. In the park the does were grazing. Quote my "
        "order# 4521 or see example.com/page.html# for details. Fans of Brexit wrote "
        "#brexit under posts about Brexit."
    )
    assert not [sp.text for sp in detector.score(text, sensitivity="high").spans if _is_pass(sp)]


_PASS_WORDING = (
    "is used once;",
    "is in lower case here;",
    "directly before a verb",
    "engine's mark",
)


def _is_pass(sp) -> bool:
    """Whether a pass made ``sp`` (each states its evidence in its own words)."""
    return any(w in sp.explanation for w in _PASS_WORDING)
