"""The Python API and the documented JSON form, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import mtdetect
from mtdetect.result import FAMILIES, SCHEMA, Span

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def check_schema(d: dict, text: str) -> None:
    """Validate one document against the documented ``mtdetect/1`` form."""
    assert set(d) == {"schema", "id", "source", "score", "verdict", "model", "sentences"}
    assert d["schema"] == SCHEMA
    assert 0.0 <= d["score"] <= 1.0
    assert d["verdict"] in {"clean", "suspect", "rewritten"}
    assert isinstance(d["model"], str) and d["model"]
    last_end = 0
    for s in d["sentences"]:
        assert set(s) == {"start", "end", "text", "score", "spans"}
        assert text[s["start"] : s["end"]] == s["text"]
        assert s["start"] >= last_end
        last_end = s["end"]
        assert 0.0 <= s["score"] <= 1.0
        for sp in s["spans"]:
            assert set(sp) == {
                "start", "end", "text", "family", "strength", "explanation", "suggestion"
            }  # fmt: skip
            assert text[sp["start"] : sp["end"]] == sp["text"]
            assert s["start"] <= sp["start"] <= sp["end"] <= s["end"]
            assert sp["family"] in FAMILIES
            assert 0.0 <= sp["strength"] <= 1.0
            assert sp["explanation"]
            assert sp["suggestion"] is None or isinstance(sp["suggestion"], str)


def test_score_rewritten_sample_end_to_end() -> None:
    text = (EXAMPLES / "rewritten_article.txt").read_text(encoding="utf-8")
    result = mtdetect.load().score(text, id="doc-1")
    d = json.loads(result.to_json())
    check_schema(d, text)
    assert d["id"] == "doc-1"
    families = {sp["family"] for s in d["sentences"] for sp in s["spans"]}
    assert {"spacing-artifact", "spinner-leftover"} <= families
    # its spinner template alone makes it at least suspect (pipeline.is_decisive)
    assert result.verdict != "clean"


def test_clean_sample_has_no_spans_and_scores_below_its_rewrite() -> None:
    det = mtdetect.load()
    text = (EXAMPLES / "clean_article.txt").read_text(encoding="utf-8")
    result = det.score(text)
    check_schema(result.to_dict(), text)
    assert result.spans == []
    # The verdict depends on the scorer (a trained model may call a short article
    # "suspect"); it must never call the clean version "rewritten" or rank it higher.
    assert result.verdict != "rewritten"
    rewritten = det.score((EXAMPLES / "rewritten_article.txt").read_text(encoding="utf-8"))
    assert result.score < rewritten.score


def test_min_strength_hides_weak_spans_only() -> None:
    text = "It was the the best {plan|scheme}."
    det = mtdetect.load()
    full = det.score(text)
    strong = det.score(text, min_strength=0.9)
    assert len(strong.spans) < len(full.spans)
    assert all(sp.strength >= 0.9 for sp in strong.spans)
    assert strong.score == full.score


def test_empty_text_scores_zero() -> None:
    result = mtdetect.load().score("")
    assert result.sentences == [] and result.score == 0.0 and result.verdict == "clean"


def test_score_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        mtdetect.load().score(b"bytes")  # type: ignore[arg-type]


def test_score_many_streams_in_order_and_parallel_matches_serial() -> None:
    texts = [
        f"Report {i}: the U. K. said so." if i % 2 else f"Report {i} is fine." for i in range(30)
    ]
    det = mtdetect.load()
    serial = [r.to_dict() for r in det.score_many(texts)]
    parallel = [r.to_dict() for r in det.score_many(iter(texts), n_jobs=2, batch_size=4)]
    assert serial == parallel
    assert [r["sentences"][0]["text"].split(":")[0].split(" is")[0] for r in serial] == [
        f"Report {i}" for i in range(30)
    ]


def test_span_rejects_unknown_family() -> None:
    with pytest.raises(ValueError):
        Span(0, 1, "x", "no-such-family", 0.5, "why")


def test_import_is_lazy() -> None:
    code = (
        "import sys, mtdetect; "
        "bad = [m for m in ('numpy', 'sklearn', 'mtdetect.pipeline', 'mtdetect.evidence') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_load_refuses_unknown_model_path(tmp_path: Path) -> None:
    with pytest.raises((ValueError, OSError)):
        mtdetect.load(str(tmp_path / "nope.joblib"))


def test_version_agrees_with_pyproject() -> None:
    import re

    from mtdetect._version import __version__

    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text("utf-8")
    assert re.search(r'(?m)^version = "([^"]+)"', pyproject).group(1) == __version__
    assert mtdetect.__version__ == __version__


def test_load_builds_each_detector_once_per_process() -> None:
    from mtdetect.classifier.model import default_model_dir

    assert mtdetect.load() is mtdetect.load()
    path = default_model_dir()  # inside the package: no trust needed
    det = mtdetect.load(str(path))
    assert det is mtdetect.load(str(path)) is mtdetect.load(path.parent / path.name)
    assert det is not mtdetect.load() and det.model_name == mtdetect.load().model_name
