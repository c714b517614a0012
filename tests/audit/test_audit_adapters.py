"""Adapters, end to end with the real libraries: datatrove (JsonlReader -> MTDetectFilter ->
ParquetWriter), pandas and Dask dataframes to Parquet, a Hugging Face ``datasets`` map, and a
NeMo Curator ``DocumentFilter`` inside NeMo Curator's own ``ScoreFilter`` stage.

The corpora start with documents that are not scored (empty, not English), which used to
give null- or empty-struct-typed columns that Parquet writers refuse.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from mtdetect.audit.adapters import COLUMNS, score_dataframe, score_text
from mtdetect.audit.schema import FAMILY_COLUMNS

EN = "The town council voted on Tuesday to build a new sea wall after a winter of storms."
SPUN = "The U. K. government made a {quick|fast|rapid} decision, e. g. on its coastal fund."
DE = "Der Gemeinderat hat am Dienstag beschlossen, eine neue Ufermauer am Hafen zu bauen."
TEXTS = ["", DE, EN, SPUN, EN + " It rained.", None]


def test_score_text_statuses_and_flat_columns() -> None:
    ok = score_text(SPUN)
    assert list(ok) == list(COLUMNS) and ok["status"] == "ok"
    assert ok["n_spans"] == sum(ok[c] for c in FAMILY_COLUMNS.values()) >= 2
    assert ok["n_spinner_leftover"] >= 1 and ok["n_spacing_artifact"] >= 1
    assert score_text("")["status"] == "skipped" and score_text("")["n_spans"] is None
    assert score_text(3)["status"] == "error"
    assert score_text(EN * 10, max_chars=20)["reason"].startswith("record too large")


def test_score_text_checks_a_record_as_the_audit_does(tmp_path: Path) -> None:
    """One record check for the runner and the adapters: a mixed document is scored on its
    English paragraphs in both (the adapters used to score the whole text), with the same
    reason and score."""
    from mtdetect.audit import iter_rows, run_audit

    de_paragraph = " ".join([DE] * 3)
    mixed = "\n\n".join([EN + " " + SPUN, de_paragraph, EN])
    texts = [mixed, "", DE, EN * 10]
    (tmp_path / "c.jsonl").write_text(
        "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts))
    )
    run_audit([str(tmp_path / "c.jsonl")], tmp_path / "out", workers=1, progress=False,
              max_chars=300)  # fmt: skip
    rows = {r["id"]: r for r in iter_rows(tmp_path / "out")}
    for i, text in enumerate(texts):
        adapter = score_text(text, max_chars=300)
        row = rows[str(i)]
        assert (adapter["status"], adapter["score"]) == (row["status"], row["score"]), i
        assert adapter["reason"] == (row["reason"] or "").replace("--max-chars", "max_chars") or (
            adapter["reason"] is None and row["reason"] is None
        )
    assert score_text(mixed)["reason"].startswith("mixed languages: scored on the English part")


def test_score_dataframe_pandas_to_parquet(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"doc": ["a", "b", "c"], "body": [EN, SPUN, None]})
    out = score_dataframe(df, "body")
    assert list(df.columns) == ["doc", "body"]  # the input is not modified
    assert list(out["mtdetect_status"]) == ["ok", "ok", "skipped"]
    assert out["mtdetect_score"][1] > out["mtdetect_score"][0]
    assert out["mtdetect_n_spinner_leftover"][1] >= 1
    assert pd.isna(out["mtdetect_score"][2]) and pd.isna(out["mtdetect_n_spans"][2])
    # Was: .to_parquet() failed when no row had spans (a column of empty dicts).
    clean = score_dataframe(pd.DataFrame({"body": ["", EN, DE]}), "body")
    assert int(clean["mtdetect_n_spans"].fillna(0).sum()) == 0
    clean.to_parquet(tmp_path / "clean.parquet")
    back = pd.read_parquet(tmp_path / "clean.parquet")
    assert str(back["mtdetect_n_spans"].dtype) == "Int64"
    assert list(back["mtdetect_status"]) == ["skipped", "ok", "skipped"]


def test_score_dataframe_dask_typed_meta_to_parquet(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe", exc_type=ImportError)
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"body": [EN, SPUN, "", DE] * 2})
    ddf = score_dataframe(dd.from_pandas(df, npartitions=2), "body")
    # Was: object dtype in the meta.
    assert str(ddf.dtypes["mtdetect_score"]) == "float64"
    assert str(ddf.dtypes["mtdetect_n_spans"]) == "Int64"
    assert str(ddf.dtypes["mtdetect_status"]).startswith("string")
    ddf.to_parquet(tmp_path / "dask", compute_kwargs={"scheduler": "sync"})
    back = pd.read_parquet(tmp_path / "dask")
    want = score_dataframe(df, "body")
    assert list(back["mtdetect_score"].fillna(-1)) == list(want["mtdetect_score"].fillna(-1))
    assert list(back["mtdetect_n_spans"].fillna(-1)) == list(want["mtdetect_n_spans"].fillna(-1))


def test_datatrove_jsonl_filter_parquet(tmp_path: Path) -> None:
    """Was: JsonlReader -> MTDetectFilter -> ParquetWriter failed with "Cannot write struct
    type 'families' with no child field"."""
    pytest.importorskip("datatrove", exc_type=ImportError)
    pytest.importorskip("orjson")  # datatrove's JsonlReader needs it
    pq = pytest.importorskip("pyarrow.parquet")
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter, ParquetWriter

    from mtdetect.audit.adapters import MTDetectFilter

    src = tmp_path / "in"
    src.mkdir()
    docs = [{"id": f"d{i}", "text": t or ""} for i, t in enumerate(TEXTS)]
    (src / "c.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    LocalPipelineExecutor(
        [
            JsonlReader(str(src)),
            MTDetectFilter(threshold=0.5, exclusion_writer=JsonlWriter(str(tmp_path / "drop"))),
            ParquetWriter(str(tmp_path / "kept"), batch_size=2),
        ],
        tasks=1,
        logging_dir=str(tmp_path / "logs"),
    ).run()
    table = pq.read_table(next((tmp_path / "kept").glob("*.parquet")))
    rows = table.to_pylist()
    meta = [r["metadata"]["mtdetect"] for r in rows]
    # datatrove's reader drops empty texts itself; the first document left is not English:
    # unscored, kept, and typed like the scored ones.
    assert meta[0]["status"] == "skipped" and math.isnan(meta[0]["score"])
    assert all(m["kept"] for m in meta)
    assert all(math.isnan(m["score"]) or m["score"] < 0.5 for m in meta)
    assert set(meta[0]) >= {"status", "score", "verdict", "n_spans", *FAMILY_COLUMNS.values()}
    dropped = [json.loads(x) for p in (tmp_path / "drop").glob("*") for x in
               __import__("gzip").open(p, "rt").read().splitlines()]  # fmt: skip
    assert dropped and all(d["metadata"]["mtdetect"]["score"] >= 0.5 for d in dropped)
    assert len(rows) + len(dropped) == len([t for t in TEXTS if t])


def test_huggingface_datasets_map_to_parquet(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    pq = pytest.importorskip("pyarrow.parquet")
    from mtdetect.audit.adapters import hf_features, hf_map_function, score_dataset

    ds = datasets.Dataset.from_dict({"id": list(range(len(TEXTS))), "text": TEXTS})
    # The first batch holds only unscored rows: the features keep the column types right.
    out = ds.map(hf_map_function("text"), batched=True, batch_size=2,
                 features=hf_features(ds.features))  # fmt: skip
    assert out["mtdetect_status"] == ["skipped", "skipped", "ok", "ok", "ok", "skipped"]
    assert out["mtdetect_score"][0] is None and out["mtdetect_score"][3] > out["mtdetect_score"][2]
    assert out["mtdetect_n_spinner_leftover"][3] >= 1
    out.to_parquet(tmp_path / "hf.parquet")
    schema = pq.read_schema(tmp_path / "hf.parquet")
    assert str(schema.field("mtdetect_score").type) == "double"
    assert str(schema.field("mtdetect_n_spans").type) == "int64"
    again = score_dataset(ds, "text", batch_size=2)
    assert again["mtdetect_n_spans"] == out["mtdetect_n_spans"]
    assert again["id"] == list(range(len(TEXTS)))


def test_nemo_style_document_filter_interface() -> None:
    from mtdetect.audit.adapters import MTDetectDocumentFilter

    f = MTDetectDocumentFilter(threshold=0.5)
    scores = [f.score_document(t or "") for t in TEXTS]
    assert math.isnan(scores[0]) and math.isnan(scores[1])
    assert [f.keep_document(s) for s in scores] == [True, True] + [s < 0.5 for s in scores[2:5]] + [
        True
    ]
    strict = MTDetectDocumentFilter(threshold=0.5, drop_unscored=True)
    assert not strict.keep_document(float("nan")) and strict.name == "mtdetect"
    import pickle

    assert pickle.loads(pickle.dumps(f)).keep_document(0.1)


def test_nemo_curator_score_filter_stage() -> None:
    """The filter inside NeMo Curator's own ScoreFilter stage, on a DocumentBatch."""
    pytest.importorskip("nemo_curator.stages.text.filters", exc_type=ImportError)
    pd = pytest.importorskip("pandas")
    from nemo_curator.stages.text.filters import DocumentFilter, ScoreFilter
    from nemo_curator.tasks import DocumentBatch

    from mtdetect.audit.adapters import MTDetectDocumentFilter

    f = MTDetectDocumentFilter(threshold=0.5, drop_unscored=True)
    assert isinstance(f, DocumentFilter)
    df = pd.DataFrame({"id": range(5), "text": [t or "" for t in TEXTS[:5]]})
    stage = ScoreFilter(f, text_field="text", score_field="mtdetect_score")
    stage.setup()
    kept = stage.process(DocumentBatch(dataset_name="t", data=df)).to_pandas()
    want = [i for i, t in enumerate(TEXTS[:5]) if t and score_text(t)["status"] == "ok"
            and score_text(t)["score"] < 0.5]  # fmt: skip
    assert list(kept["id"]) == want and want
    assert (kept["mtdetect_score"] < 0.5).all()


def test_adapters_take_the_sensitivity() -> None:
    """The same score at every sensitivity; a wrong value is the caller's error."""
    import pandas as pd

    text = (Path(__file__).parent.parent / "fixtures" / "rewritten" / "spun_news.txt").read_text(
        "utf-8"
    )
    default, high = score_text(text), score_text(text, sensitivity="high")
    assert default["score"] == high["score"] and high["n_spans"] > default["n_spans"]
    df = score_dataframe(pd.DataFrame({"t": [text]}), "t", sensitivity="high")
    assert int(df["mtdetect_n_spans"].iloc[0]) == high["n_spans"]
    with pytest.raises(ValueError, match="unknown sensitivity"):
        score_text(text, sensitivity="max")
