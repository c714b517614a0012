"""The tortured-phrase list detector, on a tiny list of made-up fingerprints.

None of the phrases below comes from the published list: they are invented to exercise the
search syntax (phrase, AND, NOT, OR, proximity, prefix).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mtdetect.detectors.tortured_list import (
    DEFAULT_PATH,
    FingerprintError,
    TorturedPhraseDetector,
    load_matcher,
    parse_fingerprint,
)
from mtdetect.text import segment

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from training.build_tortured import (  # noqa: E402
    Row,
    compile_rows,
    holdout_key,
    is_heldout,
    write_compiled,
)

MADE_UP = [
    ('"velvet hammer"', "soft skills", "1,500"),
    ('"cloudy bookkeeping" AND "ledger"', "fuzzy accounting", "50"),
    ('"shiny forecast" NOT "weather"', "bright outlook", "30"),
    ('"lemon engine" OR "citrus motor"', "sour machine", "20"),
    ('"dancing spreadsheet"~3', "pivot table", "10"),
    ('"tin bridge" AND ("river" OR "canal")', "metal bridge", "7"),
    ('"glass ladder" AND optimi*', "career ladder", "5"),
    ('"gadget (GX)"', "gizmo (GX)", "3"),
    ('"wobbly" AND "jelly"', "unstable", "2"),
    ('"cheerful" NOT specular', "happy", "2"),
]

GARBAGE = [
    ('"quiet kettle" ADN "tea"', "silent kettle", "4"),  # misspelt operator
    ('"half open', "ajar", "4"),  # unbalanced quote
    ('""', "nothing", "4"),  # empty term
    ('"lonely"~4', "alone", "4"),  # proximity on one word
    ('("red hat" AND "blue hat")', "hats", "4"),  # nesting other than OR lists
    ('NOT "gloomy"', "sad", "4"),  # nothing to anchor on
    ('"rusty trumpet"', "old horn", "many"),  # not a number
    ('"pale window"', "pale window", "4"),  # tortured phrase == expected phrase
    ("AND", "x", "1"),
]


def _rows(triples: list[tuple[str, str, str]]) -> list[Row]:
    out = []
    for i, (tp, ex, n) in enumerate(triples, start=2):
        digits = n.replace(",", "")
        out.append(Row(i, tp, ex, int(digits) if digits.isdigit() else None, n))
    return out


@pytest.fixture()
def detector(tmp_path: Path) -> TorturedPhraseDetector:
    entries, report = compile_rows(_rows(MADE_UP))
    assert report.compiled == len(MADE_UP), report.lines()
    path = tmp_path / "tiny.json"
    write_compiled(entries, report, path)
    return TorturedPhraseDetector(path)


def _detect(det: TorturedPhraseDetector, text: str):
    spans = det.detect(text, segment(text).sentences)
    for sp in spans:
        assert sp.text == text[sp.start : sp.end]
        assert sp.family == "synonym-substitution"
        assert 0.0 < sp.strength <= 1.0
    return spans


def test_plain_match_offsets_and_explanation(detector: TorturedPhraseDetector) -> None:
    text = "Good teams value the velvet hammer approach."
    (span,) = _detect(detector, text)
    assert text[span.start : span.end] == "velvet hammer"
    assert span.suggestion == "soft skills"
    assert "1,500 papers" in span.explanation
    assert "'soft skills'" in span.explanation
    assert detector.name == "tortured-list"


def test_case_insensitive(detector: TorturedPhraseDetector) -> None:
    text = "The VELVET Hammer works. A Velvet  hammer too."
    spans = _detect(detector, text)
    assert [s.text for s in spans] == ["VELVET Hammer", "Velvet  hammer"]


def test_no_match_on_expected_phrase_or_partial(detector: TorturedPhraseDetector) -> None:
    text = "Soft skills matter. A velvet glove and a hammer. Bright outlook, sour machine."
    assert _detect(detector, text) == []


def test_and_requires_context(detector: TorturedPhraseDetector) -> None:
    assert _detect(detector, "They did cloudy bookkeeping all year.") == []
    text = "They did cloudy bookkeeping all year.\n\nThe ledger was lost."
    (span,) = _detect(detector, text)
    assert span.text == "cloudy bookkeeping"
    assert "context present: ledger" in span.explanation
    # The context word alone flags nothing.
    assert _detect(detector, "The ledger was lost.") == []


def test_and_scope(tmp_path: Path, detector: TorturedPhraseDetector) -> None:
    text = "They did cloudy bookkeeping.\n\nThe ledger was lost."
    narrow = TorturedPhraseDetector(detector.path, scope="paragraph")
    assert _detect(narrow, text) == []
    assert len(_detect(narrow, "They did cloudy bookkeeping. The ledger was lost.")) == 1
    sentence = TorturedPhraseDetector(detector.path, scope="sentence")
    assert _detect(sentence, "They did cloudy bookkeeping. The ledger was lost.") == []
    with pytest.raises(ValueError):
        TorturedPhraseDetector(detector.path, scope="page")


def test_and_with_or_group_and_prefix(detector: TorturedPhraseDetector) -> None:
    assert _detect(detector, "A tin bridge stood there.") == []
    assert len(_detect(detector, "A tin bridge crossed the canal.")) == 1
    assert _detect(detector, "The glass ladder was long.") == []
    (span,) = _detect(detector, "The glass ladder was optimised for speed.")
    assert span.text == "glass ladder"


def test_single_word_anchor_needs_context(detector: TorturedPhraseDetector) -> None:
    assert _detect(detector, "The bridge was wobbly.") == []
    (span,) = _detect(detector, "The wobbly jelly fell.")
    assert span.text == "wobbly"  # the context word is not flagged


def test_not_excludes(detector: TorturedPhraseDetector) -> None:
    (span,) = _detect(detector, "Our shiny forecast for sales is good.")
    assert span.text == "shiny forecast"
    assert _detect(detector, "Our shiny forecast says the weather is good.") == []
    assert _detect(detector, "A shiny forecast.\n\nWeather: rain.") == []
    assert len(_detect(detector, "A cheerful day.")) == 1
    assert _detect(detector, "A cheerful specular highlight.") == []


def test_or_alternatives(detector: TorturedPhraseDetector) -> None:
    text = "The lemon engine and the citrus motor."
    spans = _detect(detector, text)
    assert [s.text for s in spans] == ["lemon engine", "citrus motor"]
    assert all(s.suggestion == "sour machine" for s in spans)


def test_proximity(detector: TorturedPhraseDetector) -> None:
    (span,) = _detect(detector, "A dancing spreadsheet helps.")
    assert span.text == "dancing spreadsheet"
    text = "The dancing, colourful old spreadsheet helps."  # 3 words between
    (span,) = _detect(detector, text)
    assert span.text == "dancing, colourful old spreadsheet"
    (span,) = _detect(detector, "The spreadsheet kept dancing.")  # any order
    assert span.text == "spreadsheet kept dancing"
    # Four words between: too far apart.
    assert _detect(detector, "The dancing and very colourful old spreadsheet.") == []
    # Proximity does not cross sentences.
    assert _detect(detector, "They were dancing. The spreadsheet helps.") == []


def test_punctuation_in_phrase(detector: TorturedPhraseDetector) -> None:
    (span,) = _detect(detector, "Use a gadget (GX) here.")
    assert span.text == "gadget (GX)"
    assert _detect(detector, "Use a gadget GX here.") == []


def test_longest_match_wins(tmp_path: Path) -> None:
    rows = _rows([('"paper kite"', "a", "5"), ('"blue paper kite"', "b", "9")])
    entries, report = compile_rows(rows)
    path = tmp_path / "overlap.json"
    write_compiled(entries, report, path)
    (span,) = _detect(TorturedPhraseDetector(path), "A blue paper kite flew.")
    assert span.text == "blue paper kite"
    assert span.suggestion == "b"


def test_offsets_with_curly_apostrophe(tmp_path: Path) -> None:
    rows = _rows([('"giant\'s spoon"', "big ladle", "3")])
    entries, report = compile_rows(rows)
    path = tmp_path / "apos.json"
    write_compiled(entries, report, path)
    text = "Intro line.\n\nThen the Giant’s Spoon arrived."
    (span,) = _detect(TorturedPhraseDetector(path), text)
    assert span.text == "Giant’s Spoon"
    assert (span.start, span.end) == (text.index("Giant"), text.index(" arrived"))


def test_garbage_rows_reported_not_raised() -> None:
    entries, report = compile_rows(_rows(MADE_UP + GARBAGE))
    assert report.compiled == len(MADE_UP)
    assert len(entries) == len(MADE_UP)
    rejected = {row.tortured_phrase: why for row, why in report.rejected}
    assert set(rejected) == {tp for tp, _, _ in GARBAGE}
    assert "parse error" in rejected['"quiet kettle" ADN "tea"']
    assert "num_papers" in rejected['"rusty trumpet"']
    assert "equals the expected" in rejected['"pale window"']
    assert any("rejected" in line for line in report.lines())


@pytest.mark.parametrize("bad", ['"a" "b"', '"a" AND', '"a" OR', "(", '"a" AND ("b" OR)', "a b"])
def test_parser_errors(bad: str) -> None:
    with pytest.raises(FingerprintError):
        parse_fingerprint(bad)


def test_parser_structure() -> None:
    fp = parse_fingerprint('"Fizzy Pen" OR "bubbly pen" AND "ink" AND NOT "shop"')
    assert [t.keys for t in fp.anchors] == [("fizzy", "pen"), ("bubbly", "pen")]
    assert [[t.keys for t in g] for g in fp.required] == [[("ink",)]]
    assert [t.keys for t in fp.excluded] == [("shop",)]
    near = parse_fingerprint('"sleepy  lamp"~7').anchors[0]
    assert (near.keys, near.near) == (("sleepy", "lamp"), 7)
    assert set(fp.clause_types) == {"phrase", "or", "and", "not"}


def test_heldout_rule_is_stable_and_about_a_fifth() -> None:
    keys = [f'"made up phrase {i}"' for i in range(4000)]
    share = sum(is_heldout(k) for k in keys) / len(keys)
    assert 0.17 < share < 0.23
    # Variants of one tortured phrase fall on the same side.
    assert holdout_key('"Soggy  Biscuit" AND "tea"') == holdout_key('"soggy biscuit"')
    assert is_heldout('"soggy biscuit" NOT "x"') == is_heldout('"soggy biscuit"')


@pytest.mark.skipif(not DEFAULT_PATH.exists(), reason="compiled list not built")
def test_shipped_list_loads_lazily() -> None:
    det = TorturedPhraseDetector()
    assert det._matcher is None
    text = "The committee met on Tuesday and approved the budget."
    assert isinstance(_detect(det, text), list)
    assert len(load_matcher()) > 1000
