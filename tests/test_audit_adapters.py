"""Adapters: ``score_dataframe`` (pandas, Dask) and the datatrove filter."""

from __future__ import annotations

import pytest

from mtdetect.audit.adapters import score_dataframe, score_text

EN = "The town council voted on Tuesday to build a new sea wall after a winter of storms."
SPUN = "The U. K. government made a {quick|fast|rapid} decision, e. g. on its coastal fund."


def test_score_text_statuses() -> None:
    assert score_text(EN)["status"] == "ok"
    assert score_text("")["status"] == "skipped"
    assert score_text(3)["status"] == "error"
    assert score_text(EN * 10, max_chars=20)["reason"].startswith("record too large")


def test_score_dataframe_pandas() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"doc": ["a", "b", "c"], "body": [EN, SPUN, None]})
    out = score_dataframe(df, "body")
    assert list(df.columns) == ["doc", "body"]  # the input is not modified
    assert list(out["mtdetect_status"]) == ["ok", "ok", "skipped"]
    assert out["mtdetect_score"][1] > out["mtdetect_score"][0]
    assert "spinner-leftover" in out["mtdetect_families"][1]
    assert pd.isna(out["mtdetect_score"][2])


def test_score_dataframe_dask() -> None:
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe", exc_type=ImportError)
    df = pd.DataFrame({"body": [EN, SPUN] * 3})
    ddf = dd.from_pandas(df, npartitions=2)
    out = score_dataframe(ddf, "body").compute(scheduler="sync")
    want = score_dataframe(df, "body")
    assert list(out["mtdetect_score"]) == list(want["mtdetect_score"])


def test_datatrove_filter() -> None:
    pytest.importorskip("datatrove", exc_type=ImportError)
    from datatrove.data import Document

    from mtdetect.audit.adapters import MTDetectFilter

    f = MTDetectFilter(threshold=0.5)
    docs = [Document(text=EN, id="a"), Document(text=SPUN, id="b")]
    kept = list(f.run(iter(docs)))
    assert [d.id for d in kept] == ["a"]
    assert docs[0].metadata["mtdetect"]["kept"] is True
    assert docs[1].metadata["mtdetect"]["drop_reason"].startswith("mtdetect-")
    assert docs[1].metadata["mtdetect"]["score"] >= 0.5
