"""``--sensitivity``: which spans are shown, never a score.

The shipped tagger carries three operating points set on dev text
(``python -m training.train_tagger --points-only``); a lower one never flags a token that a
higher one leaves alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mtdetect.tagger.spans import SENSITIVITIES, TaggerModel, known_name_swap, known_pair_swap

#: Made-up news with spinner swaps of several strengths (``tests/fixtures/rewritten``).
SPUN = (Path(__file__).parent.parent / "fixtures" / "rewritten" / "spun_news.txt").read_text(
    "utf-8"
)


def _spans(result) -> list[tuple[int, int, str]]:
    return [(sp.start, sp.end, sp.family) for sp in result.spans]


def test_the_shipped_points_are_ordered(detector) -> None:
    model = detector.tagger.model
    low, default, high = (model.point(s) for s in SENSITIVITIES)
    assert low[0] > default[0] > high[0]  # three distinct points, in order
    assert low[1] >= default[1] >= high[1]
    # the classifier's own point (what its span features were trained on) is not a user's
    assert model.point() == (model.threshold, model.threshold_explained)


def test_sensitivity_moves_spans_not_scores(detector) -> None:
    text = SPUN * 2
    results = {s: detector.score(text, sensitivity=s) for s in SENSITIVITIES}
    scores = {s: (r.score, [x.score for x in r.sentences]) for s, r in results.items()}
    assert scores["low"] == scores["default"] == scores["high"]
    n = {s: len(r.spans) for s, r in results.items()}
    assert n["low"] <= n["default"] < n["high"], n
    # every word flagged at a lower sensitivity is flagged at a higher one
    for lower, higher in (("low", "default"), ("default", "high")):
        covered = {i for s, e, _ in _spans(results[higher]) for i in range(s, e)}
        for s, e, _ in _spans(results[lower]):
            assert set(range(s, e)) <= covered


def test_default_is_what_score_and_detect_show(detector) -> None:
    plain = detector.score(SPUN)
    assert _spans(detector.score(SPUN, sensitivity="default")) == _spans(plain)
    _, groups = detector.detect(SPUN)
    assert [(s.start, s.end, s.family) for g in groups for s in g] == _spans(plain)
    _, groups = detector.detect(SPUN, sensitivity="high")
    assert len([s for g in groups for s in g]) == len(
        detector.score(SPUN, sensitivity="high").spans
    )


def test_min_strength_filters_at_any_sensitivity(detector) -> None:
    full = detector.score(SPUN, sensitivity="high")
    strong = detector.score(SPUN, sensitivity="high", min_strength=0.9)
    assert all(sp.strength >= 0.9 for sp in strong.spans)
    assert len(strong.spans) <= len(full.spans)


def test_unknown_sensitivity_is_a_clear_error(detector) -> None:
    with pytest.raises(ValueError, match="low, default, high"):
        detector.score("A sentence.", sensitivity="max")
    with pytest.raises(ValueError, match="low, default, high"):
        list(detector.score_many(["A sentence."], sensitivity="max"))


def test_cli_sensitivity(tmp_path: Path) -> None:
    doc = tmp_path / "g.txt"
    doc.write_text(SPUN, encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "mtdetect.cli", *args],
                              capture_output=True, timeout=300)  # fmt: skip

    out = {s: json.loads(run("score", str(doc), "-f", "json", "--sensitivity", s).stdout)
           for s in ("default", "high")}  # fmt: skip
    assert out["default"]["score"] == out["high"]["score"]
    n = {s: sum(len(x["spans"]) for x in d["sentences"]) for s, d in out.items()}
    assert n["high"] > n["default"]
    bad = run("score", str(doc), "--sensitivity", "max")
    assert bad.returncode == 2 and b"unknown sensitivity 'max'" in bad.stderr
    assert b"Traceback" not in bad.stderr


def test_points_survive_save_and_load(detector, tmp_path: Path) -> None:
    model = detector.tagger.model
    path = tmp_path / "tagger.npz"
    model.save(path)
    again = TaggerModel.load(path)
    for s in SENSITIVITIES:
        assert again.point(s) == model.point(s)


def test_a_file_without_points_shows_default_spans_everywhere(detector, tmp_path: Path) -> None:
    model = detector.tagger.model
    path = tmp_path / "tagger.npz"
    model.save(path)
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files if k != "points"}
    np.savez(path, **arrays)
    old = TaggerModel.load(path)
    assert old.point("high") == old.point("low") == old.point("default")
    arrays["points"] = np.array([[0.5, 0.5], [2.0, 0.5], [0.5, 0.5]])
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="operating points"):
        TaggerModel.load(path)


def test_audit_sensitivity(tmp_path: Path) -> None:
    from mtdetect.audit import AuditUsageError, iter_rows, run_audit

    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "g", "text": SPUN}) + "\n", encoding="utf-8")

    def audit(out: Path, **kw):
        return run_audit([str(corpus)], out, workers=1, progress=False, detail="spans",
                         with_spans=True, **kw)  # fmt: skip

    audit(tmp_path / "d")
    audit(tmp_path / "h", sensitivity="high")
    d, h = next(iter_rows(tmp_path / "d")), next(iter_rows(tmp_path / "h"))
    assert d["score"] == h["score"] and d["verdict"] == h["verdict"]
    assert h["n_spans"] > d["n_spans"]
    # a plan of the default sensitivity reads as plans written before the option existed
    plan = json.loads((tmp_path / "d" / "_plan.json").read_text("utf-8"))
    assert "sensitivity" not in plan["options"]
    with pytest.raises(AuditUsageError, match="differ"):
        audit(tmp_path / "d", resume=True, sensitivity="high")
    with pytest.raises(AuditUsageError, match="--sensitivity"):
        audit(tmp_path / "x", sensitivity="max")


def test_a_shown_span_states_its_measured_precision(detector) -> None:
    """Shown tagger spans carry the precision measured for their surest word (a map fitted
    on dev), not its raw probability; the classifier's spans keep the probability."""
    model = detector.tagger.model
    assert model.precision_knots is not None
    ys = [model.precision(float(x)) for x in np.linspace(0.5, 1.0, 51)]
    assert ys == sorted(ys) and ys[0] >= 0.0 and ys[-1] <= 1.0
    _, _, tagged, tokens = detector.find(SPUN)
    result = detector.score(SPUN, sensitivity="high")
    shown = result.spans
    rewritten = result.score >= detector.scorer.rewritten_threshold  # one piece
    checked = 0
    forced = known_pair_swap(tokens.X) | known_name_swap(tokens.X)
    for sp in shown:
        inside = (tokens.view.start >= sp.start) & (tokens.view.end <= sp.end)
        if not inside.any() or sp.family in ("spacing-artifact", "spinner-leftover"):
            continue  # a rule's span
        peak = float(tokens.proba[inside].max())
        by_rule = bool(forced[inside].any())
        assert sp.strength == pytest.approx(model.shown_strength(peak, by_rule, rewritten))
        if not by_rule and not rewritten:
            assert sp.strength == pytest.approx(model.precision(peak))
            assert sp.strength != pytest.approx(peak)
        checked += 1
    assert checked >= 1
    raw = {(s.start, s.end): s.strength for s in tagged}
    for sp in tagged:
        inside = (tokens.view.start >= sp.start) & (tokens.view.end <= sp.end)
        if inside.any() and raw[(sp.start, sp.end)] < 0.9:
            assert raw[(sp.start, sp.end)] == pytest.approx(float(tokens.proba[inside].max()))


def test_a_bad_precision_map_is_refused(detector, tmp_path: Path) -> None:
    path = tmp_path / "tagger.npz"
    detector.tagger.model.save(path)
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    good = dict(arrays)
    arrays["precision_y"] = arrays["precision_y"][::-1].copy()  # decreasing
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="precision map"):
        TaggerModel.load(path)
    arrays = dict(good, precision_x=np.where(np.arange(len(good["precision_x"])) == 0, np.nan,
                                             good["precision_x"]))  # fmt: skip
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="precision map"):
        TaggerModel.load(path)
    np.savez(path, **dict(good, forced_precision=np.array([1.5])))
    with pytest.raises(ValueError, match="forced precision"):
        TaggerModel.load(path)
    np.savez(path, **dict(good, points=good["points"][::-1].copy()))  # high above low
    with pytest.raises(ValueError, match="operating points"):
        TaggerModel.load(path)


#: Made-up news garbled by hand the way a round trip garbles (``tests/fixtures/rewritten``).
GARBLED = (Path(__file__).parent.parent / "fixtures" / "rewritten" / "garbled_news.txt").read_text(
    "utf-8"
)


def test_a_document_called_rewritten_shows_more_never_another_score(detector) -> None:
    """Where the classifier calls a piece rewritten, the tagger's evidence is shown down to
    the points measured for such documents: more spans, the same scores."""
    model = detector.tagger.model
    assert set(model.rewritten_points) == set(SENSITIVITIES)
    text = GARBLED * 4
    result = detector.score(text)
    assert result.verdict == "rewritten"
    _, _, _, tokens = detector.find(text)
    for s in SENSITIVITIES:
        assert model.rewritten_points[s] <= min(model.point(s))
        plain = detector.tagger.spans_at(tokens, s, rewritten=False)
        gated = detector.tagger.spans_at(tokens, s, rewritten=True)
        covered = {i for sp in gated for i in range(sp.start, sp.end)}
        assert all(set(range(sp.start, sp.end)) <= covered for sp in plain)
        assert len(gated) >= len(plain)
        shown = detector.score(text, sensitivity=s)
        starts = {i for sp in shown.spans for i in range(sp.start, sp.end)}
        assert all(sp.start in starts for sp in gated)  # what score() shows is the gated set
        assert shown.score == result.score
    assert len(detector.tagger.spans_at(tokens, "high", True)) > len(
        detector.tagger.spans_at(tokens, "high", False)
    )


def test_what_is_shown_follows_the_verdict(detector) -> None:
    """A document the classifier does not call rewritten shows the ordinary points exactly; one
    it calls rewritten shows the gated ones, which differ."""
    from mtdetect.pipeline import assign_spans

    def shown_as(text: str, rewritten: bool) -> set:
        sentences, ruled, _, tokens = detector.find(text)
        spans = assign_spans(sentences, ruled + detector.tagger.spans_at(tokens, "high", rewritten))
        return {(sp.start, sp.end, sp.family) for g in spans for sp in g}

    def shown(text: str) -> set:
        return {
            (sp.start, sp.end, sp.family) for sp in detector.score(text, sensitivity="high").spans
        }

    assert detector.score(SPUN).verdict != "rewritten"
    assert shown_as(SPUN, False)  # the ordinary points show something here
    assert shown(SPUN) == shown_as(SPUN, False) != shown_as(SPUN, True)
    assert detector.score(GARBLED).verdict == "rewritten"
    assert shown(GARBLED) == shown_as(GARBLED, True) != shown_as(GARBLED, False)


def test_bad_rewritten_points_are_refused(detector, tmp_path: Path) -> None:
    path = tmp_path / "tagger.npz"
    detector.tagger.model.save(path)
    again = TaggerModel.load(path)
    assert again.rewritten_points == detector.tagger.model.rewritten_points
    with np.load(path) as z:
        good = {k: z[k] for k in z.files}
    for bad in (good["rewritten_points"][::-1].copy(), np.array([0.9, np.nan, 0.5])):
        np.savez(path, **dict(good, rewritten_points=bad))
        with pytest.raises(ValueError, match="rewritten points"):
            TaggerModel.load(path)
