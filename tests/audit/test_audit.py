"""``mtdetect audit``: readers, error rows, sharding, split files, options, report, CLI."""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mtdetect.audit import AuditUsageError, iter_rows, run_audit
from mtdetect.audit.language import looks_english
from mtdetect.audit.readers import ReadOptions, plan_shards, read_shard
from mtdetect.audit.schema import AUDIT_COLUMNS, FAMILY_COLUMNS

EN = "The town council voted on Tuesday to build a new sea wall after a winter of storms."
EN2 = "The U. K. government has promised to pay half of the cost, e. g. through its fund."
DE = (
    "Der Gemeinderat hat am Dienstag beschlossen, eine neue Ufermauer zu bauen, nachdem es "
    "im Winter schwere Stürme gab und die Straße überflutet wurde."
)
ROW_KEYS = set(AUDIT_COLUMNS)


def audit(inputs, out, **kw):
    kw.setdefault("workers", 1)
    kw.setdefault("progress", False)
    return run_audit([str(i) for i in inputs], out, **kw)


def jsonl_bytes(records: list[dict]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def line_offsets(data: bytes) -> list[int]:
    offs, pos = [], 0
    for line in data.splitlines(keepends=True):
        offs.append(pos)
        pos += len(line)
    return offs


# --------------------------------------------------------------------------- readers


def test_jsonl_rows_in_order_with_nested_fields(tmp_path: Path) -> None:
    recs = [{"text": EN if i % 2 else EN2, "meta": {"url": f"u{i}"}} for i in range(7)]
    data = jsonl_bytes(recs)
    (tmp_path / "c.jsonl").write_bytes(data)
    s = audit([tmp_path / "c.jsonl"], tmp_path / "out", id_field="meta.url")
    rows = list(iter_rows(tmp_path / "out"))
    assert [r["id"] for r in rows] == [f"u{i}" for i in range(7)]
    assert [r["position"] for r in rows] == line_offsets(data)
    assert all(set(r) == ROW_KEYS and r["status"] == "ok" for r in rows)
    assert all(0 <= r["score"] <= 1 and r["verdict"] for r in rows)
    assert s.records == 7 and (tmp_path / "out" / "_SUCCESS").exists()


def test_compressed_csv_tsv_txt_and_glob(tmp_path: Path) -> None:
    zstd = pytest.importorskip("zstandard")
    data = jsonl_bytes([{"id": "a", "body": EN}, {"id": "b", "body": EN2}])
    (tmp_path / "g.jsonl.gz").write_bytes(gzip.compress(data))
    (tmp_path / "z.jsonl.zst").write_bytes(zstd.ZstdCompressor().compress(data))
    with open(tmp_path / "c.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "body"])
        w.writerow(["c1", EN + "\nSecond line, inside quotes."])
        w.writerow(["c2", EN2])
    (tmp_path / "t.tsv").write_text(f"id\tbody\nt1\t{EN}\n", encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"{i}.txt").write_text(EN, encoding="utf-8")
    (docs / "ignored.bin").write_bytes(b"\x00\x01")
    out = tmp_path / "out"
    audit([tmp_path / "*.jsonl.*", tmp_path / "c.csv", tmp_path / "t.tsv", docs], out,
          text_field="body")  # fmt: skip
    rows = list(iter_rows(out))
    by_source: dict[str, list] = {}
    for r in rows:
        by_source.setdefault(Path(r["source"]).name, []).append(r)
    assert [r["id"] for r in by_source["g.jsonl.gz"]] == ["a", "b"]
    assert [r["id"] for r in by_source["z.jsonl.zst"]] == ["a", "b"]
    assert [(r["id"], r["position"]) for r in by_source["c.csv"]] == [("c1", 1), ("c2", 2)]
    assert [r["id"] for r in by_source["t.tsv"]] == ["t1"]
    assert sorted(k for k in by_source if k.endswith(".txt")) == ["0.txt", "1.txt", "2.txt"]
    assert all(r["status"] == "ok" for r in rows), rows


def test_parquet_reader_and_output(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({"id": ["p1", "p2"], "text": [EN, ""]})
    pq.write_table(table, tmp_path / "c.parquet")
    out = tmp_path / "out"
    audit([tmp_path / "c.parquet"], out, output_format="parquet")
    got = pq.read_table(out / "part-00000-00000.parquet").to_pylist()
    assert [(r["id"], r["position"], r["status"]) for r in got] == [
        ("p1", 1, "ok"),
        ("p2", 2, "skipped"),
    ]


def test_warc_reader(tmp_path: Path) -> None:
    pytest.importorskip("trafilatura", exc_type=ImportError)
    warcio = pytest.importorskip("warcio")
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders

    html = (
        "<html><head><title>News</title></head><body><article><h1>Sea wall</h1>"
        + "".join(
            f"<p>{EN} Paragraph {i} goes on about the plan in some detail.</p>" for i in range(5)
        )
        + "</article></body></html>"
    ).encode()
    path = tmp_path / "c.warc.gz"
    with open(path, "wb") as f:
        w = warcio.warcwriter.WARCWriter(f, gzip=True)
        for uri, ctype, body in [
            ("http://x/a", "text/html", html),
            ("http://x/i", "image/png", b"\x89PNG"),
        ]:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.0")
            w.write_record(
                w.create_warc_record(uri, "response", payload=BytesIO(body), http_headers=headers)
            )
    out = tmp_path / "out"
    audit([path], out, keep_fields=True)
    rows = list(iter_rows(out))
    assert [r["status"] for r in rows] == ["ok", "skipped"]
    assert rows[0]["url"] == "http://x/a"
    assert rows[1]["reason"].startswith("no text: not HTML")


# --------------------------------------------------------------------------- nothing lost


def test_error_rows_never_fatal(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "ok1", "text": EN}).encode(),
        b'{"id": "broken", "text": ',
        b'{"id": "enc", "text": "caf\xe9 au lait"}',
        b"",
        json.dumps({"id": "huge", "text": EN * 50}).encode(),
        json.dumps({"id": "notext"}).encode(),
        json.dumps({"id": "num", "text": 5}).encode(),
        json.dumps([1, 2]).encode(),
        json.dumps({"id": "de", "text": DE}).encode(),
        json.dumps({"id": "empty", "text": "  "}).encode(),
        json.dumps({"id": "ok2", "text": EN2}).encode(),
    ]
    data = b"\n".join(lines) + b"\n"
    (tmp_path / "c.jsonl").write_bytes(data)
    full = gzip.compress(jsonl_bytes([{"id": f"g{i}", "text": f"{EN} {i}"} for i in range(400)]))
    (tmp_path / "trunc.jsonl.gz").write_bytes(full[: len(full) // 2])
    (tmp_path / "bin.jsonl").write_bytes(b"\x00\x01\x02binary\x00" * 100)
    (tmp_path / "bin.txt").write_bytes(b"\x7fELF\x00\x00")
    (tmp_path / "bad.txt").write_bytes(b"ok then \xff\xfe bad")
    out = tmp_path / "out"
    s = audit(list(sorted(tmp_path.iterdir())), out, max_chars=2000)
    rows = list(iter_rows(out))
    c = [r for r in rows if r["source"].endswith("c.jsonl")]
    blank = line_offsets(data)[3]
    # one row per record, in order; the blank line is not a record
    assert [r["position"] for r in c] == [o for o in line_offsets(data) if o != blank]
    status = {(r["id"] or r["position"]): (r["status"], r["reason"] or "") for r in c}
    assert status["ok1"][0] == status["ok2"][0] == "ok"
    assert status[line_offsets(data)[1]][1].startswith("malformed JSON")
    assert status[line_offsets(data)[2]][1].startswith("bad encoding")
    assert blank not in status
    assert status["huge"][0] == "error" and "too large" in status["huge"][1]
    assert status["notext"][1].startswith("missing field")
    assert status["num"][1].startswith("bad field")
    assert status[line_offsets(data)[7]][1].startswith("not a record")
    assert status["de"] == ("skipped", "not English: too few English letters or words")
    assert status["empty"][0] == "skipped"
    trunc = [r for r in rows if r["source"].endswith("trunc.jsonl.gz")]
    assert trunc[-1]["status"] == "error" and "truncated" in trunc[-1]["reason"]
    assert all(r["status"] == "ok" for r in trunc[:-1]) and len(trunc) < 401
    positions = [r["position"] for r in trunc]
    assert positions == sorted(positions)
    by_name = {Path(r["source"]).name: r for r in rows}
    assert by_name["bin.jsonl"]["reason"].startswith("binary file")
    assert "binary" in by_name["bin.txt"]["reason"]
    assert by_name["bad.txt"]["reason"].startswith("bad encoding")
    assert s.stats["status"]["error"] >= 8
    assert s.stats["records"] == len(rows)


def test_oversized_line_is_skipped_without_reading_it_whole(tmp_path: Path) -> None:
    big = json.dumps({"id": "big", "text": "word " * 300_000}).encode()  # 1.5 MB line
    data = big + b"\n" + json.dumps({"id": "after", "text": EN}).encode() + b"\n"
    (tmp_path / "c.jsonl").write_bytes(data)
    recs = list(read_shard(plan_shards([str(tmp_path / "c.jsonl")])[0], ReadOptions(max_chars=10)))
    assert recs[0].error and recs[0].error.startswith("record too large") and recs[0].raw is None
    assert recs[1].id == "after" and recs[1].position == len(big) + 1


def test_byte_range_shards_cover_every_line_once(tmp_path: Path) -> None:
    recs = [{"id": str(i), "text": f"{EN} {'x' * (i * 37 % 300)}"} for i in range(120)]
    data = jsonl_bytes(recs)
    path = tmp_path / "c.jsonl"
    path.write_bytes(data)
    shards = plan_shards([str(path)], shard_bytes=1000)
    assert len(shards) > 5
    assert shards[0].start == 0 and shards[-1].end == len(data)
    starts = set(line_offsets(data))
    for a, b in itertools.pairwise(shards):
        assert a.end == b.start and b.start in starts
    ro = ReadOptions()
    got = [r.id for s in shards for r in read_shard(s, ro)]
    assert got == [str(i) for i in range(120)]


# --------------------------------------------------------------------------- options


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    recs = [
        {"id": f"d{i}", "text": [EN, EN2, DE, ""][i % 4], "meta": {"lang": "en", "n": i}}
        for i in range(12)
    ]
    (d / "c.jsonl").write_bytes(jsonl_bytes(recs) + b"{oops\n")
    return d / "c.jsonl"


def test_split_dir_keeps_original_bytes(tmp_path: Path, small_corpus: Path) -> None:
    split = tmp_path / "split"
    out = tmp_path / "out"
    audit([small_corpus], out, split_dir=str(split), threshold=0.7)
    kept = (split / "kept" / "part-00000-00000.jsonl").read_bytes().splitlines(keepends=True)
    rejected = (split / "rejected" / "part-00000-00000.jsonl").read_bytes()
    original = small_corpus.read_bytes().splitlines(keepends=True)
    assert sorted(kept + rejected.splitlines(keepends=True)) == sorted(original)
    rows = list(iter_rows(out))
    # The filter adapters' rule: scored below the threshold, or read but not scored
    # (skipped: empty, not English) is kept; what could not be read is rejected.
    want_kept = [
        line
        for line, r in zip(original, rows, strict=True)
        if (r["status"] == "ok" and r["score"] < 0.7) or r["status"] == "skipped"
    ]
    assert kept == want_kept
    assert rejected.endswith(b"{oops\n")
    # --drop-unscored rejects the skipped ones too.
    audit([small_corpus], tmp_path / "o2", split_dir=str(tmp_path / "s2"), threshold=0.7,
          drop_unscored=True)  # fmt: skip
    kept2 = (tmp_path / "s2" / "kept" / "part-00000-00000.jsonl").read_bytes()
    assert kept2.splitlines(keepends=True) == [
        line for line, r in zip(original, rows, strict=True)
        if r["status"] == "ok" and r["score"] < 0.7
    ]  # fmt: skip


def test_detail_keep_fields_and_metadata_field(tmp_path: Path, small_corpus: Path) -> None:
    audit([small_corpus], tmp_path / "a", detail="sentences", keep_fields=True)
    rows = list(iter_rows(tmp_path / "a"))
    assert rows[0]["result"]["schema"] == "mtdetect/1" and rows[0]["result"]["sentences"]
    # kept fields are columns of their own; the id field is the id column
    assert list(rows[0]) == [*AUDIT_COLUMNS, "result", "meta"]
    assert rows[0]["id"] == "d0" and rows[0]["meta"] == {"lang": "en", "n": 0}
    assert rows[-1]["status"] == "error" and rows[-1]["result"] is None
    audit([small_corpus], tmp_path / "b", metadata_field="metadata.mtdetect")
    rows = list(iter_rows(tmp_path / "b"))
    assert rows[0]["text"] == EN and rows[0]["meta"] == {"lang": "en", "n": 0}
    m = rows[0]["metadata"]["mtdetect"]
    assert m["status"] == "ok" and set(m) >= {"score", "verdict", "n_spans", "source", "position"}
    assert rows[-1]["metadata"]["mtdetect"]["status"] == "error"


def test_csv_output_format(tmp_path: Path, small_corpus: Path) -> None:
    audit([small_corpus], tmp_path / "o", output_format="csv")
    with open(tmp_path / "o" / "part-00000-00000.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 13 and rows[0]["status"] == "ok"
    assert list(rows[0]) == list(AUDIT_COLUMNS)
    assert int(rows[0]["n_spans"]) == sum(int(rows[0][c]) for c in FAMILY_COLUMNS.values())
    assert rows[2]["status"] == "skipped" and rows[2]["n_spans"] == ""


def test_existing_output_needs_resume_or_overwrite(tmp_path: Path, small_corpus: Path) -> None:
    out = tmp_path / "o"
    audit([small_corpus], out)
    with pytest.raises(AuditUsageError, match="--resume"):
        audit([small_corpus], out)
    with pytest.raises(AuditUsageError, match="differ"):
        audit([small_corpus], out, resume=True, detail="spans")
    s = audit([small_corpus], out, resume=True)  # all done: nothing to run
    assert s.shards_run == 0 and s.records == 13
    s = audit([small_corpus], out, overwrite=True, workers=2)
    assert s.shards_run == 1 and len(list(iter_rows(out))) == 13


def test_language_heuristic() -> None:
    assert looks_english(EN) and looks_english("Hello.")
    assert not looks_english(DE) and not looks_english("Пример текста на русском языке")
    assert not looks_english("12345 !!!")


# --------------------------------------------------------------------------- CLI + report


def test_cli_end_to_end_with_report(tmp_path: Path) -> None:
    evil = '<script>alert("x")</script>'
    recs = [{"id": evil, "text": f"{EN2} {evil} and {{quick|fast}} work."}, {"id": "b", "text": EN}]
    (tmp_path / "c.jsonl").write_bytes(jsonl_bytes(recs))
    report = tmp_path / "audit.html"
    cmd = [sys.executable, "-m", "mtdetect.cli", "audit", str(tmp_path / "c.jsonl"),
           "-o", str(tmp_path / "out"), "--workers", "2", "--report", str(report)]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, timeout=120)
    assert res.returncode == 0, res.stderr
    err = res.stderr.decode()
    assert "audited 2 records" in err and "status: ok 2" in err and "\x1b[" not in err
    html = report.read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html and "&lt;script&gt;" in html
    assert "<mark" in html  # the worst document's spans are highlighted
    again = subprocess.run(cmd, capture_output=True, timeout=120)
    assert again.returncode == 2 and b"--resume" in again.stderr
    quiet = subprocess.run([*cmd, "--resume", "--quiet"], capture_output=True, timeout=120)
    assert quiet.returncode == 0 and quiet.stderr == b""
    missing = subprocess.run([*cmd[:4], str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "x")],
                             capture_output=True, timeout=120)  # fmt: skip
    assert missing.returncode == 2 and b"no such file" in missing.stderr


def test_mixed_language_document_is_scored_on_its_english_part(tmp_path) -> None:
    import json as _json

    from mtdetect.audit import run_audit

    english = "The harbour council met on Tuesday and agreed to build a new sea wall for the town."
    german = (
        "Der Stadtrat hat am Dienstag beschlossen, eine neue Ufermauer zu bauen, weil die "
        "Stürme im Winter die alte Mauer schwer beschädigt haben und die Häuser am Hafen gefährdet sind."
    )
    src = tmp_path / "in.jsonl"
    src.write_text(_json.dumps({"id": "m", "text": f"{english}\n\n{german}\n\n{english}"}) + "\n")
    out = tmp_path / "out"
    run_audit([str(src)], out, workers=1, detail="sentences", progress=False)
    row = _json.loads((out / "part-00000-00000.jsonl").read_text().splitlines()[0])
    assert row["status"] == "ok"
    assert "mixed languages" in row["reason"]
    texts = [s["text"] for s in row["result"]["sentences"]]
    assert texts == [english, english]


def test_warc_pages_that_say_they_are_machine_translated(tmp_path: Path) -> None:
    """A page's own machine-translation marker (a translation plugin, a meta tag, an
    alternate link) is recorded in ``mt_marker`` and counted in the summary; an article that
    merely talks about translation is not marked."""
    pytest.importorskip("trafilatura", exc_type=ImportError)
    warcio = pytest.importorskip("warcio")
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders

    from mtdetect.audit import format_summary
    from mtdetect.audit.markers import mt_marker

    body = "".join(f"<p>{EN} Paragraph {i} goes on about the plan in detail.</p>" for i in range(5))
    pages = {
        "http://x/gt": f'<html><head><script src="https://cdn.gtranslate.net/widgets/latest/'
        f'float.js" defer></script></head><body><article>{body}</article></body></html>',
        "http://x/meta": '<html><head><meta name="translation-stats" content=\'{"total":3}\'>'
        f"</head><body><article>{body}</article></body></html>",
        "http://x/alt": '<html><head><link rel="alternate" hreflang="de" href="/de/" '
        'data-machine-translated="true"></head><body><article>'
        f"{body}</article></body></html>",
        "http://x/plain": "<html><head><title>News</title></head><body><article>"
        f"<p>Machine translation and Google Translate were discussed.</p>{body}"
        "</article></body></html>",
    }
    assert [mt_marker(h) for h in pages.values()] == [
        "gtranslate", "meta translation-stats", "alternate link marked machine-translated", None
    ]  # fmt: skip
    path = tmp_path / "c.warc.gz"
    with open(path, "wb") as f:
        w = warcio.warcwriter.WARCWriter(f, gzip=True)
        for uri, html in pages.items():
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                       protocol="HTTP/1.0")  # fmt: skip
            w.write_record(w.create_warc_record(uri, "response", payload=BytesIO(html.encode()),
                                                http_headers=headers))  # fmt: skip
    out = tmp_path / "out"
    summary = audit([path], out, report=tmp_path / "r.html")
    rows = list(iter_rows(out))
    assert [r["mt_marker"] for r in rows] == [
        "gtranslate", "meta translation-stats", "alternate link marked machine-translated", None
    ]  # fmt: skip
    assert all(r["status"] == "ok" for r in rows)
    assert summary.stats["mt_markers"] == {
        "gtranslate": 1, "meta translation-stats": 1, "alternate link marked machine-translated": 1
    }  # fmt: skip
    assert "say they are machine-translated: 3" in format_summary(summary)
    assert "Pages that say they are machine-translated" in (tmp_path / "r.html").read_text()


def test_duplicate_ids_are_counted_in_the_summary(tmp_path: Path) -> None:
    """Was: records sharing an id passed without a word. The summary estimates how many do
    (a sketch merged across parts: no id is held), and says nothing when none do."""
    from mtdetect.audit import format_summary

    recs = [{"id": f"d{i % 80}", "text": f"{EN} Item {i}."} for i in range(100)]
    (tmp_path / "a.jsonl").write_bytes(jsonl_bytes(recs[:50]))
    (tmp_path / "b.jsonl").write_bytes(jsonl_bytes(recs[50:]))  # d0-d19 again, in another part
    summary = audit([tmp_path / "a.jsonl", tmp_path / "b.jsonl"], tmp_path / "out")
    assert summary.stats["ids"] == 100 and summary.stats["duplicate_ids"] == 20
    assert "about 20 of 100 records share their id" in format_summary(summary)
    saved = json.loads((tmp_path / "out" / "_summary.json").read_text())
    assert saved["duplicate_ids"] == 20 and "id_sketch" not in saved
    unique = [{"id": f"u{i}", "text": EN} for i in range(100)]
    (tmp_path / "c.jsonl").write_bytes(jsonl_bytes(unique))
    summary = audit([tmp_path / "c.jsonl"], tmp_path / "out2")
    assert summary.stats["duplicate_ids"] == 0
    assert "share their id" not in format_summary(summary)
