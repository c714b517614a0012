"""Documents written piece by piece give the same output as the whole results, and the CLI
writes a long document that way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import mtdetect
from mtdetect import pipeline
from mtdetect.report import render
from mtdetect.report import stream as stream_mod
from mtdetect.report.stream import DocumentWriter, closing

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def detector():
    return mtdetect.load()


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


def test_html_is_not_streamed() -> None:
    with pytest.raises(ValueError, match="cannot stream"):
        DocumentWriter("html")


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


def test_cli_streams_a_long_document(tmp_path: Path, detector) -> None:
    """More than two analysis windows in one file: the CLI's piecewise JSON is the API's."""
    base = (EXAMPLES / "rewritten_article.txt").read_text(encoding="utf-8")
    text = "\n\n".join([base] * (2 * pipeline.WINDOW_CHARS // len(base) + 2))
    assert len(text) > 2 * pipeline.WINDOW_CHARS
    f = tmp_path / "long.txt"
    f.write_text(text, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "mtdetect.cli", "score", str(f), "-f", "json", "-q"],
        capture_output=True,
        timeout=600,
        check=True,
    )
    expected = render([detector.score(text, source=str(f))], "json")
    assert out.stdout.decode("utf-8") == expected
