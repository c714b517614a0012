"""The audit's output: flat typed rows (JSON Lines and Parquet), parts cut by size that
resume one by one, resume keyed on content, split files in three formats, --limit and
--sample, and the HTML report and terminal summary."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mtdetect.audit import AuditUsageError, iter_rows, run_audit
from mtdetect.audit.schema import AUDIT_COLUMNS, FAMILY_COLUMNS

EN = "The town council voted on Tuesday to build a new sea wall after a winter of storms."
SPUN = "The U. K. government made a {quick|fast|rapid} decision, e. g. on its coastal fund."
DE = "Der Gemeinderat hat am Dienstag beschlossen, eine neue Ufermauer am Hafen zu bauen."


def audit(inputs, out, **kw):
    kw.setdefault("workers", 1)
    kw.setdefault("progress", False)
    return run_audit([str(i) for i in inputs], out, **kw)


def records(n: int) -> list[dict]:
    return [
        {"id": f"d{i}", "text": [EN, SPUN, DE, ""][i % 4] + f" {i}" * (i % 4 != 3),
         "meta": {"lang": "en", "n": i} if i % 5 else {}, "year": 2000 + i, "tags": ["a"]}
        for i in range(n)
    ]  # fmt: skip


def write_jsonl(path: Path, recs: list[dict]) -> bytes:
    data = b"".join(json.dumps(r).encode() + b"\n" for r in recs)
    path.write_bytes(data)
    return data


# --------------------------------------------------------------------------- flat schema


def test_parquet_output_is_flat_and_typed(tmp_path: Path) -> None:
    """Was: families and kept fields stored as JSON strings."""
    pq = pytest.importorskip("pyarrow.parquet")
    write_jsonl(tmp_path / "c.jsonl", records(12))
    out = tmp_path / "out"
    audit([tmp_path / "c.jsonl"], out, output_format="parquet", keep_fields=True,
          with_text=True, with_spans=True, detail="spans")  # fmt: skip
    table = pq.read_table(out / "part-00000-00000.parquet")
    types = {f.name: str(f.type) for f in table.schema}
    assert list(types)[: len(AUDIT_COLUMNS)] == list(AUDIT_COLUMNS)
    assert types["score"] == "double" and types["position"] == "int64"
    assert all(types[c] == "int64" for c in ("n_spans", *FAMILY_COLUMNS.values()))
    assert types["spans"].startswith("list<element: struct<start: int64, end: int64")
    assert types["result"].startswith("struct<schema: string")
    assert types["year"] == "int64" and types["tags"] == "list<element: string>"
    # "meta" holds empty objects as well as full ones: a struct Parquet can store
    assert types["meta"].startswith("struct<lang: string, n: int64")
    rows = table.to_pylist()
    assert [r["status"] for r in rows[:4]] == ["ok", "ok", "skipped", "skipped"]
    assert rows[1]["n_spinner_leftover"] >= 1 and rows[1]["spans"][0]["family"]
    assert rows[2]["n_spans"] is None and rows[2]["score"] is None
    assert rows[0]["text"].startswith(EN) and rows[0]["meta"] == {"lang": None, "n": None}
    # JSON Lines rows carry exactly the same columns and values.
    audit([tmp_path / "c.jsonl"], tmp_path / "j", keep_fields=True, with_text=True,
          with_spans=True, detail="spans")  # fmt: skip
    jrows = list(iter_rows(tmp_path / "j"))
    assert list(jrows[0]) == list(table.schema.names)
    assert [r["n_spans"] for r in jrows] == [r["n_spans"] for r in rows]
    assert jrows[0]["meta"] == {}  # JSON Lines keeps the value as it was


def test_family_columns_present_without_any_span(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": EN}, {"id": "b", "text": ""}])
    audit([tmp_path / "c.jsonl"], tmp_path / "o", output_format="parquet")
    t = pq.read_table(tmp_path / "o" / "part-00000-00000.parquet")
    assert t.column_names == list(AUDIT_COLUMNS)
    assert t.column("n_spans").to_pylist() == [0, None]


# --------------------------------------------------------------------------- parts, resume


def test_parts_by_size_and_resume_part_by_part(tmp_path: Path) -> None:
    """One huge compressed input is neither one file nor one unit of resume."""
    recs = [{"id": f"d{i}", "text": f"{EN} Item {i}."} for i in range(60)]
    (tmp_path / "c.jsonl.gz").write_bytes(gzip.compress(b"".join(
        json.dumps(r).encode() + b"\n" for r in recs)))  # fmt: skip
    out = tmp_path / "out"
    opts = dict(max_file_size=2000)
    audit([tmp_path / "c.jsonl.gz"], out, **opts)
    parts = sorted(out.glob("part-*.jsonl"))
    assert len(parts) >= 5 and all(p.stat().st_size < 2000 + 600 for p in parts)
    assert [r["id"] for r in iter_rows(out)] == [f"d{i}" for i in range(60)]
    full = {p.name: p.read_bytes() for p in parts}
    # A crash after two parts: their manifest entries stay, the rest are gone.
    for entry in sorted((out / "_done").glob("*.json"))[2:]:
        entry.unlink()
    (out / "_SUCCESS").unlink()
    kept = {p.name: p.stat().st_mtime_ns for p in parts[:2]}
    s = audit([tmp_path / "c.jsonl.gz"], out, resume=True, **opts)
    assert {p.name: p.read_bytes() for p in sorted(out.glob("part-*.jsonl"))} == full
    assert {p.name: p.stat().st_mtime_ns for p in parts[:2]} == kept  # not redone
    assert s.records == 60


def test_resume_is_keyed_on_content(tmp_path: Path) -> None:
    """Was: --resume accepted an input edited in place at the same size."""
    path = tmp_path / "c.jsonl"
    data = write_jsonl(path, records(8))
    out = tmp_path / "out"
    audit([path], out)
    (out / "_SUCCESS").unlink()
    st = path.stat()
    path.write_bytes(data.replace(b"Tuesday", b"Thursday".replace(b"Thur", b"Wedn")[:7]))
    assert path.stat().st_size == st.st_size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime
    with pytest.raises(AuditUsageError, match=r"c.jsonl changed .*content differs"):
        audit([path], out, resume=True)
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    with pytest.raises(AuditUsageError, match="modification time differs"):
        audit([path], out, resume=True)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert audit([path], out, resume=True).shards_run == 0


# --------------------------------------------------------------------------- split


def test_split_formats(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    recs = records(12)
    table = pa.table({"id": [r["id"] for r in recs], "text": [r["text"] for r in recs],
                      "year": pa.array([r["year"] for r in recs], pa.int16())})  # fmt: skip
    pq.write_table(table, tmp_path / "c.parquet")
    (tmp_path / "c.csv").write_text('id,text\nx1,"' + EN + '"\nx2,"' + SPUN + '"\n')
    out, split = tmp_path / "out", tmp_path / "split"
    audit([tmp_path / "c.parquet", tmp_path / "c.csv"], out, split_dir=str(split),
          threshold=0.7)  # fmt: skip
    rows = list(iter_rows(out))
    kept = pq.read_table(split / "kept" / "part-00000-00000.parquet")
    assert kept.schema.field("year").type == pa.int16()  # the input's own schema
    rejected = pq.read_table(split / "rejected" / "part-00000-00000.parquet")
    assert sorted(kept["id"].to_pylist() + rejected["id"].to_pylist()) == sorted(
        table["id"].to_pylist()
    )
    want = [r["id"] for r in rows[:12] if r["status"] != "ok" or r["score"] < 0.7]
    assert kept["id"].to_pylist() == want
    csv_kept = (split / "kept" / "part-00001-00000.csv").read_text()
    assert csv_kept.startswith("id,text\n")  # the header, then the rows as they were
    # --split-format parquet / jsonl: one format whatever the input.
    audit([tmp_path / "c.csv"], tmp_path / "o2", split_dir=str(tmp_path / "s2"),
          split_format="parquet", threshold=0.7)  # fmt: skip
    got = [pq.read_table(p).to_pylist() for p in sorted((tmp_path / "s2").rglob("*.parquet"))]
    assert sorted(r["id"] for t in got for r in t) == ["x1", "x2"]
    audit([tmp_path / "c.parquet"], tmp_path / "o3", split_dir=str(tmp_path / "s3"),
          split_format="jsonl")  # fmt: skip
    lines = [json.loads(x) for p in (tmp_path / "s3").rglob("*.jsonl") for x in
             p.read_text().splitlines()]  # fmt: skip
    assert sorted(x["id"] for x in lines) == sorted(table["id"].to_pylist())


# --------------------------------------------------------------------------- limit, sample


def test_limit_and_sample(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", records(10))
    write_jsonl(tmp_path / "b.jsonl", [dict(r, id="b" + r["id"]) for r in records(10)])
    ins = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    audit(ins, tmp_path / "l", limit=13, shard_bytes=600)
    assert [r["id"] for r in iter_rows(tmp_path / "l")] == (
        [f"d{i}" for i in range(10)] + ["bd0", "bd1", "bd2"]
    )
    s = audit(ins, tmp_path / "s", sample=7, seed=3)
    got = [r["id"] for r in iter_rows(tmp_path / "s")]
    order = [f"d{i}" for i in range(10)] + [f"bd{i}" for i in range(10)]
    assert len(got) == 7 == s.records and got == sorted(got, key=order.index)
    audit(ins, tmp_path / "s2", sample=7, seed=3)
    assert [r["id"] for r in iter_rows(tmp_path / "s2")] == got  # seeded: the same draw
    audit(ins, tmp_path / "s3", sample=7, seed=4)
    assert [r["id"] for r in iter_rows(tmp_path / "s3")] != got


# --------------------------------------------------------------------------- report, CLI


def test_report_captions_controls_thresholds_and_summary(tmp_path: Path) -> None:
    """Was: each caption sat above the wrong document, and a NUL from a record reached the
    page."""
    recs = [{"id": f"doc-{i}", "text": f"{SPUN} Item \x00{i}\x07."} for i in range(3)]
    write_jsonl(tmp_path / "c.jsonl", recs)
    report = tmp_path / "r.html"
    res = subprocess.run(
        [sys.executable, "-m", "mtdetect.cli", "audit", str(tmp_path / "c.jsonl"), "-o",
         str(tmp_path / "out"), "--workers", "1", "--report", str(report), "--threshold", "0.9"],
        capture_output=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    err = res.stderr.decode()
    assert f"report: {report}" in err.splitlines()[-1]  # the report's path, at the end
    assert "<- rewritten" in err and "by input" not in err  # one input: no breakdown
    html = report.read_text(encoding="utf-8")
    assert "\x00" not in html and "\x07" not in html and "\ufffd" in html
    sections = re.findall(r'<section class="doc">(.*?)</section>', html, re.S)
    assert len(sections) == 3
    for sec in sections:  # each section's heading names its own document
        heading = re.search(r"<h2>(.*?)</h2>", sec).group(1)
        doc_id = re.search(r"id (doc-\d)", heading).group(1)
        assert f"Item \ufffd{doc_id[-1]}" in sec
    assert "suspect threshold" in html and "rewritten threshold" in html
    assert "split threshold 0.9" in html


def test_help_has_no_type_placeholders() -> None:
    """Was: --help showed <bool> and <str> for options, and <list[str]> for arguments."""
    for cmd in ([], ["audit"], ["score"], ["info"]):
        res = subprocess.run([sys.executable, "-m", "mtdetect.cli", *cmd, "--help"],
                             capture_output=True, timeout=60, env={**os.environ,
                                                                  "COLUMNS": "200"})  # fmt: skip
        lines = [ln for ln in res.stdout.decode().splitlines() if "--" in ln or "│ *" in ln]
        assert any("--help" in ln for ln in lines)
        bad = [ln for ln in lines if re.search(r"<(bool|str|int|float|path|list)", ln)]
        assert not bad, bad


def test_parquet_parts_with_kept_fields_share_one_schema(tmp_path: Path) -> None:
    """Was: a kept field typed int64 in one part and string in another, and
    ``pyarrow.parquet.read_table(dir)`` and ``pandas.read_parquet(dir)`` refused the output."""
    pq = pytest.importorskip("pyarrow.parquet")
    pd = pytest.importorskip("pandas")
    text = "The council voted on Tuesday to build a new sea wall after the storms."
    a = [{"id": f"a{i}", "text": text, "n": i, "meta": {"k": i}} for i in range(3)]
    b = [{"id": f"b{i}", "text": text, "n": f"x{i}", "only_b": True} for i in range(3)]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in a))
    (tmp_path / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in b))
    out = tmp_path / "out"
    run_audit([str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")], out, workers=1,
              output_format="parquet", keep_fields=True, progress=False)  # fmt: skip
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) == 2
    schemas = [pq.read_schema(p) for p in parts]
    assert schemas[0].names == schemas[1].names and schemas[0].types == schemas[1].types
    table = pq.read_table(out)
    assert table.num_rows == 6
    col = dict(zip(table.column("id").to_pylist(), table.column("n").to_pylist(), strict=True))
    assert col == {"a0": "0", "a1": "1", "a2": "2", "b0": "x0", "b1": "x1", "b2": "x2"}
    df = pd.read_parquet(out)
    assert len(df) == 6 and df["only_b"].isna().sum() == 3
