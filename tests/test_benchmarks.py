"""``python -m benchmarks run --quick`` runs without the shared data and writes its report.

Only the harness is checked here: no time or memory figure is asserted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.__main__ import main as bench_main


def test_quick_run_without_shared_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-data"
    empty.mkdir()
    monkeypatch.setenv("MTDETECT_DATA", str(empty))
    out = tmp_path / "results"
    assert bench_main(["run", "--quick", "--out", str(out)]) == 0

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["schema"] == "mtdetect-bench/1"
    for key in (
        "machine",
        "settings",
        "corpus",
        "throughput",
        "profile",
        "startup",
        "audit",
        "accuracy",
        "targets",
        "notes",
        "seconds",
    ):
        assert key in report, key
    for key in ("cpu_model", "cores", "python", "numpy", "sklearn", "date"):
        assert key in report["machine"], key
    assert report["corpus"]["news"] is False
    assert report["accuracy"] is None  # needs the shared data: skipped with a note
    assert any("accuracy skipped" in n for n in report["notes"])

    thr = report["throughput"]
    stages = {s["stage"] for s in thr["stages"]}
    assert {"segmentation", "tokenisation", "assign spans"} <= stages
    assert any(s.startswith("detector: ") for s in stages)
    assert {
        "document view (ids, Kneser-Ney probes)",
        "candidate searches and token features",
        "tagger: trees and spans",
        "sentence features",
        "classifier heads and combination",
    } <= stages
    # the stages add up to the whole: each share is of the end-to-end time
    assert sum(s["share"] for s in thr["stages"] if s["share"] is not None) > 0.8
    for key in ("seconds", "sentences_per_s", "mb_per_s"):
        assert key in thr["end_to_end"] and key in thr["limit"]
    assert len(report["profile"]["top"]) == 10
    # by document length: every sentence scored at each grouping, and the fitted costs
    bl = thr["by_length"]
    assert [r["sentences_per_doc"] for r in bl["rows"]] == [1, 8]
    assert bl["rows"][0]["documents"] >= bl["rows"][1]["documents"] > 0
    assert all(r["sentences"] > 0 and r["ms_per_doc"] > 0 for r in bl["rows"])
    assert bl["ms_per_document"] == bl["ms_per_document"]  # a number, not NaN
    for key in ("cold_start_s", "import_s", "cli_peak_rss_mb"):
        assert key in report["startup"]
    assert report["startup"]["exit_codes"] == [0]
    assert report["audit"]["exit_code"] == 0 and "peak_rss_mb" in report["audit"]
    large = report["large"]
    assert large["exit_code"] == 0 and large["bytes"] > 400_000 and large["output_bytes"] > 0
    assert [f["format"] for f in large["formats"]] == ["json", "jsonl", "csv", "text", "html"]
    assert large["peak_rss_mb"] == max(f["peak_rss_mb"] for f in large["formats"])
    assert [p["exit_code"] for p in report["pathological"]] == [0, 0]
    assert {t["key"] for t in report["targets"]} == {
        "end_to_end_sentences_per_s",
        "cold_start_s",
        "cli_peak_rss_mb",
        "large_peak_rss_mb",
    }

    md = (out / "report.md").read_text(encoding="utf-8")
    for heading in (
        "# mtdetect benchmarks",
        "## Targets",
        "## Throughput",
        "### By document length",
        "## Profile",
        "## Start-up and memory",
        "## Notes",
    ):
        assert heading in md, heading


def test_ceiling_ablation_skips_and_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ablation finds nothing with the searches skipped, zero log-odds sums with the
    trees skipped, and leaves the scorer as it was afterwards."""
    import numpy as np

    import mtdetect
    from benchmarks.ceiling import VARIANTS, ablated
    from mtdetect.native import core
    from mtdetect.tagger.token_features import FEATURE_INDEX

    if core() is None:
        pytest.skip("the compiled core is not built")
    det = mtdetect.load()
    text = "The counterfeit consciousness of the firm kept an eye at the market."
    full = det.score(text)
    tok_full = det.analyse(text)[2]
    gains = [FEATURE_INDEX[c] for c in ("sub_gain", "col_gain", "func_gain", "ins_gain")]
    assert tok_full.X[:, gains].any()  # the full scorer finds something to restore here
    with ablated("no searches"):
        _, _, tok = det.analyse(text)
        assert not tok.X[:, gains].any()
    with ablated("no searches, no trees"):
        _, _, tok = det.analyse(text)
        assert np.allclose(tok.proba, tok.proba[0])  # every token: the baseline alone
    assert det.score(text).score == full.score
    assert np.array_equal(det.analyse(text)[2].proba, tok_full.proba)
    assert VARIANTS[0] == "full"


def test_fluency_baseline_features_follow_fluency() -> None:
    """The fluency baseline's features on made-up text: garbled word order has more unseen
    pairs and a lower association than the same words in order, and every share is a share."""
    from benchmarks.verdicts import FLUENCY_FEATURES, FluencyBaseline, fluency_features

    fluent = "The council voted on Tuesday to build a new sea wall after the winter storms."
    garbled = "The council voted Tuesday on to build wall sea a new after storms the winter."
    f, g = fluency_features(fluent), fluency_features(garbled)
    col = {name: i for i, name in enumerate(FLUENCY_FEATURES)}
    assert len(f) == len(FLUENCY_FEATURES) == 8
    assert g[col["unseen_bigram_share"]] > f[col["unseen_bigram_share"]]
    assert g[col["bigram_pmi_mean"]] < f[col["bigram_pmi_mean"]]
    # The same words: the unigram features and the type/token ratio do not move.
    for name in ("unigram_logp_mean", "unknown_share", "function_share", "type_token_ratio"):
        assert g[col[name]] == f[col[name]]
    for name in ("unseen_bigram_share", "unknown_share", "function_share", "type_token_ratio"):
        assert 0.0 <= f[col[name]] <= 1.0
    assert fluency_features("").tolist() == [0.0] * 8
    base = FluencyBaseline().fit([fluent, garbled] * 3, [0, 1] * 3)
    s = base.score([fluent, garbled])
    assert s[1] > s[0]


def test_length_bins_cover_every_length() -> None:
    from training.longdocs import BINS, bin_of

    assert [bin_of(n) for n in (1, 2, 4, 5, 16, 17, 64, 65, 256, 257, 5000)] == [
        "1", "2-4", "2-4", "5-16", "5-16", "17-64", "17-64", "65-256", "65-256", "257+", "257+"
    ]  # fmt: skip
    assert [b for b, _, _ in BINS] == ["1", "2-4", "5-16", "17-64", "65-256", "257+"]


def test_span_curve_accounting(detector, tmp_path: Path) -> None:
    """benchmarks.spans on made-up text: every point is cut from one analysis, recall and
    clean flags grow as the threshold falls, the named sensitivities match what users see,
    and the report renders."""
    from benchmarks.spans import (
        Tally,
        markdown,
        plot,
        points_of,
        reliability,
        spans_at_points,
        summarise,
        tally_gold,
    )

    root = Path(__file__).parent / "fixtures"
    spun = (root / "rewritten" / "spun_news.txt").read_text("utf-8")
    gold = [(spun.index(w), spun.index(w) + len(w), "synonym-substitution")
            for w in ("stock trade", "finance clergyman", "news gathering")]  # fmt: skip
    points = points_of(detector)
    clean: dict[str, Tally] = {}
    for path in sorted((root / "clean").glob("*.txt")):
        text = path.read_text("utf-8")
        clean[path.stem] = Tally()
        tally_gold(clean[path.stem], spans_at_points(detector, text, points), [], 100)
    rt = Tally()
    cut = spans_at_points(detector, spun, points)
    tally_gold(rt, cut, gold, 100)
    # the named points show what score() shows at that sensitivity
    for s in ("low", "default", "high"):
        shown = [(x.span.start, x.span.end, x.span.family) for x in cut[s]]
        got = detector.score(spun, sensitivity=s).spans
        assert shown == [(sp.start, sp.end, sp.family) for sp in got if sp.family != "non-prose"]
    sets = {"clean": clean, "roundtrips": {"made-up": rt}}
    res = summarise(sets, points)
    grid = [r for r in res["points"] if r["point"].startswith("t=")]
    recalls = [r["roundtrip:made-up"]["recall"] for r in grid]
    flags = [r["clean_flags_per_1000_all"] for r in grid]
    assert recalls == sorted(recalls) and flags == sorted(flags)  # thresholds fall down the grid
    assert recalls[-1] > recalls[0]
    high = next(r for r in res["points"] if r["point"] == "high")
    assert high["roundtrip:made-up"]["recall"] == pytest.approx(rt.hit["high"] / 3, abs=1e-3)
    assert all(0.0 <= b["right"] <= 1.0 for b in reliability(sets, "high"))
    res |= {"split": "made-up", "seconds": 0, "clean_words": 400, "roundtrip_words": 100}
    text = markdown(res)
    assert "| **high** |" in text and "made-up recall" in text
    plot(res, tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 1000
