"""Documents written piece by piece give the same output as the whole results, and the CLI
writes a long document that way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mtdetect import pipeline
from mtdetect.report import render
from mtdetect.report import stream as stream_mod
from mtdetect.report.stream import DocumentWriter, closing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def results(detector):
    texts = [
        (EXAMPLES / "rewritten_article.txt").read_text(encoding="utf-8"),
        (EXAMPLES / "clean_article.txt").read_text(encoding="utf-8"),
        "It was {good|fine}. The U. K. said so.\u2028 A lone \ud800 and an \x1b[31m escape.",
        "",  # no sentences at all
    ]
    return [
        detector.score(t, id=f"d{i}", source=f"s{i}.txt" if i % 2 else None)
        for i, t in enumerate(texts)
    ]


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv"])
def test_pieces_write_what_render_writes(results, fmt, monkeypatch) -> None:
    # A tiny spool: the sentences of every document go through a file on disk.
    monkeypatch.setattr(stream_mod, "SPOOL_BYTES", 64)
    for combo in (results[:1], results[3:], results):
        many = len(combo) > 1
        out = []
        for i, r in enumerate(combo):
            w = DocumentWriter(fmt, index=i, many=many, color=fmt == "text")
            # in uneven pieces, as the detector yields them for a long document
            for a, b in ((0, 1), (1, 4), (4, None)):
                w.add(r.sentences[a:b])
            out.extend(w.finish(r.score, r.verdict, r.model, r.id, r.source))
        out.append(closing(fmt, many))
        assert "".join(out) == render(combo, fmt, color=fmt == "text")
    if fmt in ("json", "jsonl"):
        text = render(results, fmt)
        docs = json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]
        assert [len(d["sentences"]) for d in docs] == [len(r.sentences) for r in results]


def test_html_page_written_in_pieces_is_the_rendered_page(results, monkeypatch) -> None:
    from mtdetect.report import html as html_mod

    with pytest.raises(ValueError, match="cannot stream"):
        DocumentWriter("html")  # a page is written by HtmlPage
    # A tiny spool: every document's paragraphs and spans go through files on disk.
    monkeypatch.setattr(html_mod, "SPOOL_BYTES", 64)
    thresholds = {"suspect": 0.4, "rewritten": 0.8}
    for combo in (results[:1], results[3:], results):
        page = html_mod.HtmlPage(thresholds=thresholds)
        for r in combo:
            for a, b in ((0, 1), (1, 4), (4, None)):
                page.add(r.sentences[a:b])
            page.end_document(r.score, r.verdict, r.model, r.id, r.source)
        got = "".join(page.finish())
        assert got == render(combo, "html", thresholds=thresholds)
        assert got.count('<section class="doc">') == len(combo)
    # A document that could not be read to its end leaves nothing on the page.
    page = html_mod.HtmlPage()
    page.add(results[0].sentences[:2])
    page.drop_document()
    r = results[1]
    page.add(r.sentences)
    page.end_document(r.score, r.verdict, r.model, r.id, r.source)
    assert "".join(page.finish()) == render([r], "html")


@pytest.mark.parametrize("fmt", ["json", "html", "text"])
def test_cli_streams_a_long_document(tmp_path: Path, detector, fmt: str) -> None:
    """More than two analysis windows in one file, read a block at a time: the CLI's output is
    the API's for the whole text."""
    base = (EXAMPLES / "rewritten_article.txt").read_text(encoding="utf-8")
    # Characters of every width, so that a block boundary falls inside a multi-byte one.
    base = base.replace(" the ", " the \u00e9\u20ac\U0001f600 ", 3)
    text = "\n\n".join([base] * (2 * pipeline.WINDOW_CHARS // len(base) + 2))
    assert len(text) > 2 * pipeline.WINDOW_CHARS
    f = tmp_path / "long.txt"
    f.write_text(text, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "mtdetect.cli", "score", str(f), "-f", fmt, "-q"],
        capture_output=True,
        timeout=600,
        check=True,
    )
    scorer = detector.scorer
    thresholds = {"suspect": scorer.suspect_threshold, "rewritten": scorer.rewritten_threshold}
    expected = render([detector.score(text, source=str(f))], fmt, thresholds=thresholds)
    assert out.stdout.decode("utf-8") == expected


@pytest.mark.parametrize("spool_bytes", [64, 8 << 20])
def test_html_keeps_carriage_returns(detector, monkeypatch, spool_bytes: int) -> None:
    """Hard-wrapped CRLF text keeps its CR in the page, whether the spooled sections stay in
    memory or go to disk (text-mode temporary files would turn CRLF into LF)."""
    from mtdetect.report import html as html_mod

    monkeypatch.setattr(html_mod, "SPOOL_BYTES", spool_bytes)
    text = "The council met on Tuesday and\r\nvoted to build a wall.\r\n\r\nIt rained\ragain."
    r = detector.score(text)
    assert any("\r" in s.text for s in r.sentences)
    page = render([r], "html")
    assert page.count("\r") == sum(s.text.count("\r") for s in r.sentences)


def test_score_takes_text_and_score_pieces_takes_chunks(detector) -> None:
    with pytest.raises(TypeError, match="must be str"):
        detector.score(["The U. K. said so.", "It rained."])
    assert list(detector.score_pieces(["The U. K. said so.", " It rained."]))
