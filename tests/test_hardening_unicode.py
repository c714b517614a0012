"""Hostile Unicode: segmentation and scoring never crash, offsets always hold, JSON always
encodes.

Property-based (hypothesis) over arbitrary code points, lone surrogates included, and over
texts assembled from the fragments the segmenter and detectors care about (terminal
punctuation, quotes, abbreviations, spintax, URLs) mixed with control characters, combining
marks, RTL text, emoji and ZWJ sequences.

Policy for lone surrogates (legal in a Python ``str``, from the API or "\\ud800" escapes in
JSON input): results keep them (offsets are into the text as given); every writer replaces
each with U+FFFD, one code point for one, so what is written is valid UTF-8 and every
offset still holds in it.
"""

from __future__ import annotations

import json
import math
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtdetect.report import FORMATS, render
from mtdetect.result import FAMILIES, dumps_json, scrub_surrogates
from mtdetect.text import segment, split_paragraphs, tokenize

# --------------------------------------------------------------------------- strategies

ANY_CHAR = st.characters(exclude_categories=())  # every code point, surrogates included

FRAGMENTS = [
    # terminal punctuation, quotes, brackets, openers
    ".", "...", "…", "!", "?", "?!", '"', "'", "“", "”", "‘", "’", "(", ")", "[", "]", "«",
    "»", "¿", "¡", ",", ";", ":", "-", "—", "/", "@", "{", "|", "}",
    # space of every kind
    " ", "  ", "\n", "\n\n", "\r\n", "\t", "\u00a0", "\u2028", "\u2029", "\u3000", "\x0b",
    "\x0c", "\x85",
    # words, abbreviations, initials, numbers, URLs
    "The", "the", "U", "K", "U.", "K.", "U. K.", "e. g.", "e.g.", "Mr.", "Dr", "No.", "etc.",
    "Inc.", "J. R. R.", "well-known", "Kenya's", "1,200.50", "3rd", "www.example.com",
    "https://x.org/a?b=c", "a@b.org", "{quick|fast}", "had had", "- ", "1) ", "* ",
    "council", "voted", "Tuesday", "artificial", "intelligence", "counterfeit", "consciousness",
    # hostile characters
    "\x00", "\x1b[31m", "\x7f", "\u200b", "\u200d", "\u200e", "\u200f", "\u202e", "\u2066",
    "\ufeff", "\ufffd", "\ud800", "\udc80", "\udfff", "\ud83d\ude00", "e\u0301",
    "\u0301\u0301\u0301", "👍🏽", "👨\u200d👩\u200d👧", "🏳️\u200d🌈", "עברית", "العربية",
    "中文。", "日本語です。", "Ελληνικά.", "Ωμέγα", "İı", "ß", "ﬁ", "Å", "\U0010ffff",
    "<script>", "&amp;", "</style>",
]  # fmt: skip

FRAGMENT_TEXT = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(ANY_CHAR, max_size=4)), max_size=60
).map("".join)
HOSTILE_TEXT = st.one_of(st.text(ANY_CHAR, max_size=300), FRAGMENT_TEXT)


# --------------------------------------------------------------------------- segmentation


def check_segmentation(text: str) -> None:
    n = len(text)
    paras = split_paragraphs(text)
    prev = 0
    for a, b in paras:
        assert prev <= a < b <= n
        assert not text[a].isspace() and not text[b - 1].isspace()
        prev = b
    doc = segment(text, with_tokens=True)
    assert doc.text is text
    prev_end, prev_para = 0, 0
    for s in doc.sentences:
        assert 0 <= prev_end <= s.start < s.end <= n, (s, prev_end)
        assert text[s.start : s.end] == s.text
        assert not s.text[0].isspace() and not s.text[-1].isspace()
        assert s.paragraph >= prev_para
        assert any(a <= s.start and s.end <= b for a, b in paras)  # inside one paragraph
        prev_end, prev_para = s.end, s.paragraph
        tok_end = s.start
        for t in s.tokens:
            assert tok_end <= t.start < t.end <= s.end
            assert text[t.start : t.end] == t.text
            assert t.kind in ("word", "number", "url", "email", "punct")
            tok_end = t.end
    # Every non-space character is in some sentence (nothing is dropped).
    inside = bytearray(n)
    for s in doc.sentences:
        inside[s.start : s.end] = b"\x01" * (s.end - s.start)
    assert all(inside[i] or text[i].isspace() for i in range(n))


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE_TEXT)
def test_segmentation_offsets_hold_on_any_unicode(text: str) -> None:
    check_segmentation(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00",
        "\ud800",
        "\ud83d\ude00. Next.",
        "A.\u2029B. \u0301C.",
        "\u202eevil. Text.",
        "e\u0301. É.",
        ". " * 50,
        "\n" * 30 + "x",
    ],
)
def test_segmentation_examples(text: str) -> None:
    check_segmentation(text)


# Pathological inputs that made the segmenter backtrack: a run of dots not followed by space
# was exponential (60 dots: hours), a run of "?!" or "…" quadratic, and a long dotted word
# before an "@" quadratic in the tokenizer. Each must now take well under a second.
@pytest.mark.parametrize(
    "text",
    [
        "Loading" + "." * 5000,
        "." * 100_000 + "x",
        "?!" * 50_000 + "x",
        "…" * 100_000,
        "a." * 50_000 + "@",
        "+" * 100_000 + "@",
        "www." * 20_000 + "@",
        ("Ab cd\n" * 20_000),
    ],
    ids=["dot-leader", "dots", "qbang", "ellipsis", "dotted-email", "plus-email", "www", "lines"],
)
def test_segmentation_is_linear_on_pathological_runs(text: str) -> None:
    t0 = time.perf_counter()
    doc = segment(text, with_tokens=True)
    assert time.perf_counter() - t0 < 2.0
    assert all(text[s.start : s.end] == s.text for s in doc.sentences)
    t0 = time.perf_counter()
    tokenize(text)
    assert time.perf_counter() - t0 < 2.0


# --------------------------------------------------------------------------- scoring


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_result(text: str, result) -> None:
    assert math.isfinite(result.score) and 0.0 <= result.score <= 1.0
    assert result.verdict in ("clean", "suspect", "rewritten")
    prev = 0
    for sent in result.sentences:
        assert prev <= sent.start < sent.end <= len(text)
        assert text[sent.start : sent.end] == sent.text
        assert math.isfinite(sent.score) and 0.0 <= sent.score <= 1.0
        prev = sent.end
        for sp in sent.spans:
            assert sent.start <= sp.start <= sp.end <= sent.end, (sp, sent)
            assert text[sp.start : sp.end] == sp.text
            assert sp.family in FAMILIES and 0.0 <= sp.strength <= 1.0
    d = result.to_dict()
    json.dumps(d)  # ASCII form: always valid
    written = result.to_json()
    data = written.encode("utf-8")  # never raises: surrogates are scrubbed
    back = json.loads(data)
    assert back == json.loads(dumps_json(d))
    # Offsets still hold in what was written: each surrogate became one U+FFFD.
    clean = scrub_surrogates(text)
    for s in back["sentences"]:
        assert clean[s["start"] : s["end"]] == s["text"]
        for sp in s["spans"]:
            assert clean[sp["start"] : sp["end"]] == sp["text"]
            assert s["text"][sp["start"] - s["start"] : sp["end"] - s["start"]] == sp["text"]
    assert not _SURROGATE.search(written)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE_TEXT)
def test_scoring_any_unicode(detector, text: str) -> None:
    result = detector.score(text, id="x\ud800", source="<s>")
    check_result(text, result)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(HOSTILE_TEXT, min_size=1, max_size=3))
def test_every_report_format_renders_and_encodes(detector, texts: list[str]) -> None:
    results = [detector.score(t, id=f"doc{i}\udc80") for i, t in enumerate(texts)]
    for fmt in FORMATS:
        out = render(results, fmt, color=True)
        out.encode("utf-8")  # valid UTF-8 whatever the input
        if fmt == "json":
            json.loads(out)
        if fmt == "jsonl":  # one line per document, even for str.splitlines
            assert len([json.loads(x) for x in out.splitlines()]) == len(texts)
        if fmt == "text":
            # no terminal control from the input: only our own colour sequences
            assert not re.search(r"\x1b(?!\[[0-9;]*m)", out)
            assert "\u202e" not in out and "\x00" not in out
        if fmt == "html":
            assert "<script" not in out.lower()


def test_surrogates_in_real_text_are_scored_and_written(detector) -> None:
    text = "The U. K. government \ud800said so. It was {good|fine} \udc80 indeed."
    result = detector.score(text)
    check_result(text, result)
    assert "spacing-artifact" in result.family_counts()
    assert "\ufffd" in result.to_json() and "\ud800" in result.sentences[0].text
