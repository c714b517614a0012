"""What corpus builders hold, read right: compressed JSON Lines of every kind, ``.json`` files
of JSON Lines, CSV with huge quoted fields, WARC and WET, standard input; and the hostile
files that used to lose records or flood the output (a NUL byte, millions of blank lines).
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import subprocess
import sys
from pathlib import Path

import pytest

from mtdetect.audit import iter_rows, run_audit
from mtdetect.audit.readers import ReadOptions, plan_shards, read_shard

EN = "The town council voted on Tuesday to build a new sea wall after a winter of storms."
EN2 = "The U. K. government has promised to pay half of the cost, e. g. through its fund."


def audit(inputs, out, **kw):
    kw.setdefault("workers", 1)
    kw.setdefault("progress", False)
    return run_audit([str(i) for i in inputs], out, **kw)


def jsonl(n: int, prefix: str = "d") -> bytes:
    return b"".join(
        json.dumps({"id": f"{prefix}{i}", "text": f"{[EN, EN2][i % 2]} {i}"}).encode() + b"\n"
        for i in range(n)
    )


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mtdetect.cli", *args], input=stdin,
                          capture_output=True, timeout=300)  # fmt: skip


# --------------------------------------------------------------------------- CSV


def test_csv_huge_quoted_multiline_field_is_one_record(tmp_path: Path) -> None:
    """Was: 3 records with one 1.1 MB quoted multi-line field gave 1,638 rows, and a field
    over the limit gave a row per line of it, scored with sentences as ids."""
    para = (EN + " ") * 3
    big = "\n".join([para] * 4500)  # 1.1 MB over 4,500 lines, quoted
    huge = "\n".join([para] * 25_000)  # 6.3 MB: over the record limit
    path = tmp_path / "c.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerow(["a", EN])
        w.writerow(["big", big])
        w.writerow(["b", EN2])
        w.writerow(["huge", huge])
        w.writerow(["c", EN])
    out = tmp_path / "out"
    audit([path], out)
    rows = list(iter_rows(out))
    assert [r["position"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["id"] for r in rows] == ["a", "big", "b", None, "c"]
    assert rows[1]["status"] == "error" and "over --max-chars" in rows[1]["reason"]
    assert rows[3]["status"] == "error" and rows[3]["reason"].startswith("record too large")
    assert [rows[i]["status"] for i in (0, 2, 4)] == ["ok"] * 3


def test_csv_records_match_the_csv_module(tmp_path: Path) -> None:
    """Quotes in unquoted fields, doubled quotes, quoted newlines, CRLF, empty fields: every
    record is cut exactly where Python's csv reader cuts it."""
    rows = [
        ["id", "text", "note"],
        ["1", EN, 'a 5" screen'],
        ["2", 'she said ""hi""', "x,y"],
        ["3", "line one\nline two\r\nline three", ""],
        ["4", '"quoted" start', 'tail "quote'],
        ["5", "", '"'],
        ["6", EN2, "end"],
    ]
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    data = buf.getvalue().replace('a 5"" screen', 'a 5" screen').encode()  # a raw quote
    (tmp_path / "t.csv").write_bytes(data)
    want = list(csv.reader(io.StringIO(data.decode(), newline="")))[1:]
    recs = list(read_shard(plan_shards([str(tmp_path / "t.csv")])[0], ReadOptions()))
    assert [r.error for r in recs] == [None] * len(want)
    assert [list(r.fields.values()) for r in recs] == want
    assert b"".join(r.raw for r in recs) == data.split(b"\r\n", 1)[1]  # bytes as read


# --------------------------------------------------------------------------- hostile files


def test_blank_lines_are_not_records(tmp_path: Path) -> None:
    """Was: a 3.9 KB .jsonl.gz of 4 M newlines gave 4,000,000 'skipped: blank line' rows."""
    data = b"\n" * 2_000_000 + jsonl(2) + b"\r\n  \n" * 1000
    path = tmp_path / "blank.jsonl.gz"
    path.write_bytes(gzip.compress(data))
    assert path.stat().st_size < 10_000
    out = tmp_path / "out"
    s = audit([path], out)
    rows = list(iter_rows(out))
    assert [r["id"] for r in rows] == ["d0", "d1"]
    assert s.records == 2 and s.stats["blank_lines"] == 2_002_000
    assert sum(p.stat().st_size for p in out.glob("part-*")) < 5000


def test_one_nul_byte_costs_one_record(tmp_path: Path) -> None:
    """Was: one NUL byte in record 5 of a JSONL or CSV file made the whole file one
    'binary file' row: 399 records lost."""
    lines = jsonl(400).splitlines(keepends=True)
    lines[4] = lines[4].replace(b"council", b"coun\x00cil")
    (tmp_path / "n.jsonl").write_bytes(b"".join(lines))
    with open(tmp_path / "n.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(400):
            w.writerow([f"c{i}", f"{EN} {i}" if i != 4 else f"{EN}\x00 {i}"])
    out = tmp_path / "out"
    audit([tmp_path / "n.jsonl", tmp_path / "n.csv"], out, lang_check=False)
    rows = list(iter_rows(out))
    for name in ("n.jsonl", "n.csv"):
        mine = [r for r in rows if r["source"].endswith(name)]
        assert len(mine) == 400, name
        assert [r["status"] for r in mine].count("ok") == 399
        assert mine[4]["status"] == "error" and "NUL" in mine[4]["reason"]


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    "name,compress",
    [
        ("c.json", lambda b: b),  # Hugging Face naming for JSON Lines
        ("c.json.gz", gzip.compress),  # C4, Dolma
        ("c.jsonl.bz2", bz2.compress),
        ("c.jsonl.xz", lzma.compress),
        ("c.jsonl.zst", None),
        ("c.ndjson.gz", gzip.compress),
        ("misnamed.jsonl.gz", lambda b: b),  # not compressed after all: read by content
        ("c.data", gzip.compress),  # unknown name: gzip JSON Lines by content
    ],
)
def test_json_lines_in_every_wrapping(tmp_path: Path, name: str, compress) -> None:
    """Was: .json scored as one document of raw JSON ('ok', 0.99); .json.gz, .jsonl.bz2
    and .jsonl.xz called binary."""
    if compress is None:
        zstd = pytest.importorskip("zstandard")
        compress = zstd.ZstdCompressor().compress
    path = tmp_path / name
    path.write_bytes(compress(jsonl(30)))
    out = tmp_path / "out"
    s = audit([path], out)
    rows = list(iter_rows(out))
    assert [r["id"] for r in rows] == [f"d{i}" for i in range(30)]
    assert all(r["status"] == "ok" for r in rows) and s.records == 30


def test_compressed_progress_moves_with_the_input(tmp_path: Path) -> None:
    """Was: compressed inputs reported no bytes until done (the bar sat at 0.0 MB/s)."""
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(60_000), compresslevel=1))
    assert path.stat().st_size > 300_000
    shard = plan_shards([str(path)])[0]
    progress = [r.progress for r in read_shard(shard, ReadOptions())]
    assert progress == sorted(progress)
    assert 0 < progress[len(progress) // 2] < shard.size  # moves part-way ...
    assert progress[-1] >= 0.9 * shard.size  # ... to the end of the file on disk


@pytest.mark.parametrize(
    "name,data,reason",
    [
        ("array.json", json.dumps([{"text": EN}] * 3, indent=1).encode(), "one JSON document"),
        ("prose.json", (EN + "\n") * 5, "not JSON"),
        ("bin.jsonl", b"\x00\x01\x02binary\x00" * 100, "binary file"),
        ("fake.warc.gz", gzip.compress(jsonl(3)), "not a WARC/WET file"),
        ("fake.parquet", jsonl(3), "not a Parquet file"),
        ("pic.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "PNG image"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_one_clear_error_row(
    tmp_path: Path, name: str, data, reason: str
) -> None:
    (tmp_path / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    out = tmp_path / "out"
    audit([tmp_path / name], out)
    rows = list(iter_rows(out))
    assert len(rows) == 1 and rows[0]["status"] == "error", rows
    assert reason in rows[0]["reason"]


def _warc(path: Path, records: list[tuple[str, str, bytes, str]], gz: bool = True) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=gz)
        for uri, rtype, body, ctype in records:
            if rtype == "response":
                http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
                rec = w.create_warc_record(uri, rtype, payload=io.BytesIO(body), http_headers=http)
            else:
                rec = w.create_warc_record(uri, rtype, payload=io.BytesIO(body),
                                           warc_content_type=ctype)  # fmt: skip
            w.write_record(rec)


def test_wet_files_and_warc_hosts(tmp_path: Path) -> None:
    """Was: a Common Crawl WET file was called binary, and renamed to .warc.gz audited
    0 records with exit 0."""
    pytest.importorskip("warcio")
    pytest.importorskip("trafilatura", exc_type=ImportError)
    docs = [
        (f"https://news.example.org/{i}", "conversion", f"{EN} {i}\n{EN2}".encode(), "text/plain")
        for i in range(3)
    ] + [("https://blog.example.com/x", "conversion", "Ein kurzer Text auf Deutsch über das "
          "Wetter und die Stadt, der nicht englisch ist.".encode(), "text/plain")]  # fmt: skip
    _warc(tmp_path / "CC-MAIN-1.warc.wet.gz", [("", "warcinfo", b"software: x", "text/plain"),
                                                *docs])  # fmt: skip
    _warc(tmp_path / "renamed.warc.gz", docs)
    _warc(tmp_path / "requests.warc.gz", [("https://a.example/", "request", b"GET /", "x/y")])
    out = tmp_path / "out"
    s = audit(sorted(tmp_path.glob("*.gz")), out, report=tmp_path / "r.html")
    rows = list(iter_rows(out))
    by: dict[str, list] = {}
    for r in rows:
        by.setdefault(Path(r["source"]).name, []).append(r)
    for name in ("CC-MAIN-1.warc.wet.gz", "renamed.warc.gz"):
        assert [r["status"] for r in by[name]] == ["ok", "ok", "ok", "skipped"], name
        assert all(r["id"].startswith("<urn:uuid:") for r in by[name])
    (only,) = by["requests.warc.gz"]
    assert only["status"] == "error" and only["reason"].startswith("no documents")
    hosts = s.stats["by_host"]
    assert hosts["news.example.org"]["records"] == 6 and hosts["news.example.org"]["ok"] == 6
    assert hosts["blog.example.com"]["skipped"] == 2
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "news.example.org" in html and "renamed.warc.gz" in html


def test_score_refuses_corpus_data_with_a_clear_message(tmp_path: Path) -> None:
    """Was: `mtdetect score x.json` (JSON Lines) scored raw JSON as one document, 0.99."""
    (tmp_path / "x.json").write_bytes(jsonl(3))
    (tmp_path / "y.txt").write_bytes(jsonl(3))
    (tmp_path / "z.txt").write_bytes(gzip.compress(EN.encode()))
    res = cli("score", str(tmp_path / "x.json"), str(tmp_path / "y.txt"), str(tmp_path / "z.txt"))
    assert res.returncode == 2 and res.stdout == b""
    err = res.stderr.decode()
    assert "x.json: a .json corpus file, not a document; use 'mtdetect audit" in err
    assert "y.txt: JSON data, not prose" in err
    assert "z.txt: gz-compressed data, not text" in err
    res = cli("score", "-", stdin=jsonl(2))
    assert res.returncode == 2 and b"JSON data, not prose; 'mtdetect audit -'" in res.stderr


# --------------------------------------------------------------------------- stdin


def test_audit_reads_standard_input(tmp_path: Path) -> None:
    """Was: `mtdetect audit -` did not read stdin."""
    for i, data in enumerate([jsonl(5), gzip.compress(jsonl(5)), bz2.compress(jsonl(5))]):
        out = tmp_path / f"o{i}"
        res = cli("audit", "-", "-o", str(out), "--workers", "1", "--quiet", stdin=data)
        assert res.returncode == 0, res.stderr
        rows = list(iter_rows(out))
        assert [r["id"] for r in rows] == [f"d{j}" for j in range(5)]
        assert {r["source"] for r in rows} == {"<stdin>"}
    csv_in = f'id,text\nc1,{EN}\nc2,"{EN2}"\n'.encode()
    res = cli("audit", "-", "-o", str(tmp_path / "c"), "--input-format", "csv", "-q",
              stdin=csv_in)  # fmt: skip
    assert res.returncode == 0 and [r["id"] for r in iter_rows(tmp_path / "c")] == ["c1", "c2"]
    res = cli("audit", "-", "-o", str(tmp_path / "o0"), "--resume", stdin=jsonl(5))
    assert res.returncode == 2 and b"standard input cannot be resumed" in res.stderr


def test_a_saved_hugging_face_dataset_is_refused_with_how_to_read_it(tmp_path: Path) -> None:
    """Was: a ``save_to_disk`` folder gave two error rows for its JSON metadata, and the
    records in its .arrow files were passed over without a word, exit 0."""
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"id": ["a", "b"], "text": ["One sentence.", "Another."]})
    ds.save_to_disk(str(tmp_path / "crawl" / "saved"))
    (tmp_path / "crawl" / "other.jsonl").write_text(json.dumps({"text": "x"}) + "\n")
    for target in (tmp_path / "crawl" / "saved", tmp_path / "crawl"):
        proc = subprocess.run(
            [sys.executable, "-m", "mtdetect.cli", "audit", str(target), "-o",
             str(tmp_path / "out"), "--quiet"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 2, proc.stderr
        assert "save_to_disk" in proc.stderr and "score_dataset" in proc.stderr
        assert "load_from_disk" in proc.stderr
        assert not (tmp_path / "out" / "_SUCCESS").exists()
    arrow = next((tmp_path / "crawl" / "saved").glob("*.arrow"))
    with pytest.raises(ValueError, match="save_to_disk"):
        plan_shards([str(arrow)])
    # An ordinary folder of JSON Lines is not taken for one.
    assert plan_shards([str(tmp_path / "crawl" / "other.jsonl")])


def test_an_audit_in_which_every_record_fails_does_not_exit_0(tmp_path: Path) -> None:
    """Was: every record an error row (here: malformed JSON, a missing text field), and the
    audit still said 0 and wrote _SUCCESS as if it had scored something."""
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": broken\n{"body": "no text field here"}\n')
    proc = cli("audit", str(bad), "-o", str(tmp_path / "out"), "--quiet")
    assert proc.returncode == 1, proc.stderr
    assert "every one of the 2 records is an error row" in proc.stderr.decode()
    rows = list(iter_rows(tmp_path / "out"))
    assert [r["status"] for r in rows] == ["error", "error"]
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": "The council met on Tuesday to vote on the plan."}) + "\n")
    proc = cli("audit", str(bad), str(good), "-o", str(tmp_path / "out2"), "--quiet")
    assert proc.returncode == 0, proc.stderr


def _readable_prefix(data: bytes, comp: str) -> int:
    """Complete records in what a streaming decompressor recovers from a cut file."""
    import zlib

    if comp == "gz":
        out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    elif comp == "bz2":
        out = bz2.BZ2Decompressor().decompress(data)
    elif comp == "xz":
        out = lzma.LZMADecompressor().decompress(data)
    else:
        import zstandard

        out = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return out.count(b"\n")


@pytest.mark.parametrize("comp", ["gz", "bz2", "xz", "zst"])
@pytest.mark.parametrize("records", [300, 6000])
def test_a_cut_compressed_file_gives_every_record_before_the_cut_then_one_error(
    tmp_path: Path, comp: str, records: int
) -> None:
    """Was: a truncated gzip, bzip2 or xz file lost up to a read buffer of records before
    the cut (all of them in a small file), and a zstd file cut at a block boundary read as
    complete, with no error row."""
    import random

    rng = random.Random(records)
    words = [
        "council",
        "river",
        "storm",
        "wall",
        "budget",
        "vote",
        "harbour",
        "winter",
        "spring",
        "bridge",
    ]
    lines = [json.dumps({"id": f"r{i}", "text": " ".join(rng.choices(words, k=12))}) + "\n"
             for i in range(records)]  # fmt: skip
    data = "".join(lines).encode()
    if comp == "zst":
        zstandard = pytest.importorskip("zstandard")
        # Two blocks, the cut exactly between them: only an end-of-frame check sees it.
        cobj = zstandard.ZstdCompressor().compressobj()
        half = len(lines) // 2
        first = cobj.compress("".join(lines[:half]).encode())
        first += cobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        packed = first + cobj.compress("".join(lines[half:]).encode()) + cobj.flush()
        cut = packed[: len(first)]
        expected = half
    else:
        # bzip2 at level 1: blocks of 100 kB, so that a cut file has whole blocks to read.
        packed = {"gz": gzip.compress, "bz2": lambda d: bz2.compress(d, 1),
                  "xz": lzma.compress}[comp](data)  # fmt: skip
        cut = packed[: int(len(packed) * 0.6)]
        expected = _readable_prefix(cut, comp)
    path = tmp_path / f"c.jsonl.{comp}"
    path.write_bytes(cut)
    (shard,) = plan_shards([str(path)])
    recs = list(read_shard(shard, ReadOptions()))
    ok = [r for r in recs if r.error is None]
    errors = [r for r in recs if r.error is not None]
    assert len(ok) == expected
    assert expected > 0 or (comp == "bz2" and records == 300)  # one block, cut: none whole
    assert [r.id for r in ok] == [f"r{i}" for i in range(expected)]
    assert len(errors) == 1 and recs[-1] is errors[0]
    assert "truncated" in errors[0].error and "malformed" not in errors[0].error


def test_an_unbalanced_csv_quote_costs_one_row_not_the_rows_after_it(tmp_path: Path) -> None:
    """Was: one quote left open merged the next rows into one record (11 rows for 500
    records, all ok). Now the damaged row is an error row and the rest are read as rows."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "text", "note"])
    for i in range(500):
        text = "Officials met on Monday, then again on Friday" if i == 300 else f"Row {i} text"
        w.writerow([f"c{i}", text, "n"])
    data = buf.getvalue().replace("c10,Row 10 text,n", 'c10,"He said hello,n', 1)
    (tmp_path / "t.csv").write_text(data)
    recs = list(read_shard(plan_shards([str(tmp_path / "t.csv")])[0], ReadOptions()))
    assert len(recs) == 500
    assert [r.position for r in recs] == list(range(1, 501))
    errors = [r for r in recs if r.error]
    assert [r.id for r in recs if not r.error] == [f"c{i}" for i in range(500) if i != 10]
    assert len(errors) == 1 and "never closed" in errors[0].error
    assert b"".join(r.raw for r in recs) == data.encode().split(b"\n", 1)[1]
    # A quoted field over many lines of prose is one record, as the CSV says.
    prose = "First line of a letter.\nSecond line, with a comma.\nThird line, again, here."
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerows([["id", "text"], ["c1", "Plain."], ["c2", prose], ["c3", "Plain again."]])
    (tmp_path / "p.csv").write_text(buf.getvalue())
    recs = list(read_shard(plan_shards([str(tmp_path / "p.csv")])[0], ReadOptions()))
    assert [r.error for r in recs] == [None, None, None]
    assert recs[1].text == prose
    # A quote left open and closed on the very next row (whose own field is quoted): two
    # rows, not one merged record.
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerows([["id", "text", "note"], ["c1", "Plain.", "n"], ["c2", "Broken", "n"],
                 ["c3", "Quoted, with a comma", 'a 5" screen'], ["c4", "Plain.", "n"]])  # fmt: skip
    data = buf.getvalue().replace("c2,Broken,n", 'c2,"Broken,n')
    (tmp_path / "q.csv").write_text(data)
    recs = list(read_shard(plan_shards([str(tmp_path / "q.csv")])[0], ReadOptions()))
    assert [(r.id, bool(r.error)) for r in recs] == [
        ("c1", False), (None, True), ("c3", False), ("c4", False)
    ]  # fmt: skip
