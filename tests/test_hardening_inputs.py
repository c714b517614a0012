"""Bad files for ``mtdetect score`` and ``mtdetect audit``: each gets a clear message (and in
an audit exactly one error row per bad record), and nothing else is lost.

Also the non-English warning of ``score`` and the mixed-language helper of the audit.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

from mtdetect.audit import iter_rows, run_audit
from mtdetect.audit.language import looks_english, mask_non_english
from mtdetect.audit.readers import ReadOptions, plan_shards, read_shard
from mtdetect.inputs import MAX_BYTES

EN = "The town council voted on Tuesday to build a new sea wall after a winter of storms."
DE = (
    "Der Gemeinderat hat am Dienstag beschlossen, eine neue Ufermauer zu bauen, nachdem es "
    "im Winter schwere Stürme gab und die Straße überflutet wurde."
)


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mtdetect.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=300,
        env={**__import__("os").environ, "OMP_NUM_THREADS": "1"},
    )


def audit(inputs, out, **kw):
    kw.setdefault("workers", 1)
    kw.setdefault("progress", False)
    return run_audit([str(i) for i in inputs], out, **kw)


# --------------------------------------------------------------------------- score


def test_score_bad_files_each_get_one_clear_line(tmp_path: Path) -> None:
    files = {
        "good.txt": EN.encode(),
        "utf16.txt": codecs.BOM_UTF16_LE + EN.encode("utf-16-le"),
        "utf16be.txt": codecs.BOM_UTF16_BE + EN.encode("utf-16-be"),
        "utf8bom.txt": codecs.BOM_UTF8 + EN.encode(),
        "invalid.txt": b"The council \xff\xfe voted.",
        "binary.txt": b"\x7fELF\x02\x01\x01\x00\x00\x00" * 50,
        "empty.txt": b"",
        "blank.txt": b" \n\t\r\n ",
        "german.txt": DE.encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:  # a 50 MB single line, just over the limit
        f.write(b"word " * (MAX_BYTES // 5) + b"x")
    args = [str(tmp_path / n) for n in files] + [str(big)]
    res = cli("score", *args, "-f", "jsonl")
    assert res.returncode == 2, res.stderr  # some inputs could not be read
    err = res.stderr.decode()
    lines = err.splitlines()
    assert not any("Traceback" in x for x in lines), err

    def line_for(name: str) -> str:
        found = [x for x in lines if f"{name}:" in x]
        assert len(found) == 1, (name, err)
        return found[0]

    assert "not valid UTF-8 (bad byte at offset 12)" in line_for("invalid.txt")
    assert "binary file" in line_for("binary.txt")
    assert "empty" in line_for("empty.txt") and "empty" in line_for("blank.txt")
    assert "over the 52,428,800-byte limit" in line_for("big.txt")
    assert "does not look like English" in line_for("german.txt")  # a warning, still scored
    scored = [json.loads(x)["source"] for x in res.stdout.decode().splitlines()]
    assert [Path(s).name for s in scored] == [
        "good.txt",
        "utf16.txt",
        "utf16be.txt",
        "utf8bom.txt",
        "german.txt",
    ]
    assert "5 input(s) could not be scored" in err


def test_score_stdin_binary_and_quiet_warning() -> None:
    res = cli("score", "-", stdin=b"\x00\x01\x02")
    assert res.returncode == 2 and b"<stdin>: binary file" in res.stderr
    res = cli("score", "-", "-q", "-f", "json", stdin=DE.encode())
    assert res.returncode == 0 and res.stderr == b""  # --quiet: errors only
    assert json.loads(res.stdout)["schema"] == "mtdetect/1"


# --------------------------------------------------------------------------- audit


def gzip_bomb(records: bytes, inflated_mb: int) -> bytes:
    """Valid records, then ``inflated_mb`` MB of one never-ending line, as gzip members."""
    member = gzip.compress(b"x" * (8 << 20), compresslevel=9)  # 8 MB -> about 8 KB
    return gzip.compress(records) + member * (inflated_mb // 8)


def test_audit_bad_files_give_error_rows_and_lose_nothing(tmp_path: Path) -> None:
    good = json.dumps({"id": "ok", "text": EN}).encode() + b"\n"
    src = tmp_path / "in"
    src.mkdir()
    jsonl_lines = [
        good,
        b'{"id": "broken", "text": \n',
        b'{"id": "enc", "text": "caf\xe9"}\n',
        b'{"id": "deep", "x": ' + b"[" * 100_000 + b"\n",
        b'{"id": ' + b"9" * 5000 + b', "text": "x"}\n',
        json.dumps({"id": "sur\udfff", "text": EN + " \ud800 \udc80"}).encode() + b"\n",
        b"\n",
        good.replace(b'"ok"', b'"last"'),
    ]
    (src / "a.jsonl").write_bytes(b"".join(jsonl_lines))
    (src / "b.jsonl").write_bytes(codecs.BOM_UTF16_LE + good.decode().encode("utf-16-le"))
    (src / "c.jsonl").write_bytes(b"\x00\x01binary\x00" * 100)
    (src / "d.jsonl").write_bytes(b"")
    full = gzip.compress(b"".join(good.replace(b'"ok"', f'"g{i}"'.encode()) for i in range(300)))
    (src / "e.jsonl.gz").write_bytes(full[: len(full) // 2])  # truncated
    (src / "f.jsonl.gz").write_bytes(gzip_bomb(good * 3, inflated_mb=1024))  # 1 GB inflated
    with open(src / "g.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerow(["c1", EN])
        f.write("c2\n")  # a missing field
        f.write(f"c3,{EN},extra\n")  # one too many
        f.write("c4," + "word " * 600_000 + "\n")  # 3 MB unquoted line: over the limit
        w.writerow(["c5", EN])
    big = src / "h.txt"
    with open(big, "wb") as f:  # a 50 MB single line
        f.write(b"word " * (MAX_BYTES // 5))
    (src / "i.txt").write_bytes(b"")
    (src / "j.txt").write_bytes(b"ok \xff bad")
    out = tmp_path / "out"
    t0 = time.perf_counter()
    s = audit([src], out, max_chars=200_000, split_dir=str(tmp_path / "split"))
    assert time.perf_counter() - t0 < 90  # the bomb was cut off, not inflated
    rows = list(iter_rows(out))
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(Path(r["source"]).name, []).append(r)

    a = [(r["id"], r["status"], r["reason"] or "") for r in by["a.jsonl"]]
    assert len(a) == len(jsonl_lines) - 1  # one row per record, in order: not the blank line
    assert a[0][:2] == ("ok", "ok") and a[-1][:2] == ("last", "ok")
    assert a[1][2].startswith("malformed JSON")
    assert a[2][2].startswith("bad encoding: not valid UTF-8")
    assert a[3][2] == "malformed JSON: nested too deeply"  # was: the rest of the file lost
    assert a[4][2].startswith("malformed JSON")  # 5,000-digit integer: likewise
    assert a[5][:2] == ("sur\ufffd", "ok")  # was: a crash of the whole audit
    assert a[6][:2] == ("last", "ok")
    assert by["b.jsonl"][0]["reason"].startswith("bad encoding: UTF-16")
    assert by["c.jsonl"][0]["reason"].startswith("binary file")
    assert "d.jsonl" not in by  # an empty file has no records
    e = by["e.jsonl.gz"]
    assert e[-1]["status"] == "error" and "truncated" in e[-1]["reason"]
    assert all(r["status"] == "ok" for r in e[:-1]) and len(e) < 301
    f_rows = by["f.jsonl.gz"]
    assert [r["status"] for r in f_rows] == ["ok", "ok", "ok", "error"]
    assert "decompression bomb" in f_rows[-1]["reason"]
    g = [(r["id"], r["position"], r["status"], r["reason"] or "") for r in by["g.csv"]]
    assert [x[1] for x in g] == [1, 2, 3, 4, 5]  # was: the long line made bogus extra rows
    assert g[0][2] == g[4][2] == "ok" and g[4][0] == "c5"
    assert "row has 1 fields" in g[1][3] and "row has 3 fields" in g[2][3]
    assert g[3][3].startswith("record too large")
    assert by["h.txt"][0]["reason"].startswith("record too large")
    assert by["i.txt"][0]["status"] == "skipped"
    assert by["j.txt"][0]["reason"].startswith("bad encoding")
    assert s.stats["records"] == len(rows)
    # All outputs are valid UTF-8 JSON; the surrogates were written as U+FFFD. (Split files
    # keep the input lines byte for byte, bad bytes included: they are not checked here.)
    for p in out.rglob("*.json*"):
        for line in p.read_bytes().decode("utf-8").splitlines():
            json.loads(line) if p.suffix == ".jsonl" else None
        if p.suffix == ".json":
            json.loads(p.read_bytes())
    split_lines = [ln for p in (tmp_path / "split").rglob("part-00000-*.jsonl") for ln in
                   p.read_bytes().splitlines(keepends=True)]  # fmt: skip
    assert sorted(split_lines) == sorted(ln for ln in jsonl_lines if ln.strip())  # byte for byte


def test_inflate_cap_is_configurable(tmp_path: Path) -> None:
    good = json.dumps({"id": "ok", "text": EN}).encode() + b"\n"
    data = good * 20_000  # 1.9 MB of repeated records: compresses about 200x
    path = tmp_path / "r.jsonl.gz"
    path.write_bytes(gzip.compress(data))
    shard = plan_shards([str(path)])[0]
    # Default: at least 16 MB may always be inflated, so this small file reads whole.
    recs = list(read_shard(shard, ReadOptions()))
    assert len(recs) == 20_000 and all(r.error is None for r in recs)
    # A tight cap (the floor still applies) ...
    capped = ReadOptions(max_inflate=1.0)
    assert capped.max_decompressed(10) == 16 * 1024 * 1024
    assert ReadOptions(max_inflate=0).max_decompressed(10) is None  # 0: no cap
    # ... and a bomb bigger than the floor is cut at ratio x compressed size.
    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(gzip_bomb(good, inflated_mb=256))
    recs = list(read_shard(plan_shards([str(bomb)])[0], ReadOptions(max_inflate=100)))
    assert recs[0].id == "ok" and "decompression bomb" in (recs[-1].error or "")
    recs = list(read_shard(plan_shards([str(bomb)])[0], ReadOptions(max_inflate=0)))
    assert "record too large" in (recs[-1].error or "")  # no cap: read through, still bounded


def test_cli_rejects_bad_max_inflate(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": EN}) + "\n", encoding="utf-8")
    res = cli("audit", str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "o"), "--max-inflate", "-1")
    assert res.returncode == 2 and b"max-inflate" in res.stderr


# --------------------------------------------------------------------------- language


def test_mask_non_english_keeps_offsets_and_english_part() -> None:
    text = f"{EN} It was wet.\n\n{DE}\n\nThe U. K. government paid half of it, e. g. twice."
    masked, skipped, total = mask_non_english(text)
    assert (skipped, total) == (1, 3) and len(masked) == len(text)
    assert "Gemeinderat" not in masked and masked.startswith(EN)
    for a, b in zip(masked, text, strict=True):
        assert a == b or a == " "
    assert mask_non_english(EN) == (EN, 0, 1)
    assert looks_english(masked)
    import mtdetect

    result = mtdetect.load().score(masked)
    assert all(text[s.start : s.end] == s.text for s in result.sentences)
    assert not any("Gemeinderat" in s.text for s in result.sentences)


def test_open_input_reads_blocks_and_names_the_file_offset(tmp_path: Path, monkeypatch) -> None:
    """``score`` reads a file a block at a time: the text is the whole decode whatever the
    block boundaries split, and an invalid byte anywhere is named by its offset in the file."""
    from mtdetect import inputs
    from mtdetect.inputs import InputError, open_input, read_input

    monkeypatch.setattr(inputs, "CHUNK_BYTES", 5)  # multi-byte characters cut across blocks
    text = "Caf\u00e9 \u20ac5 and \U0001f600 twice: \u00e9\u20ac\U0001f600.\n\nEnd of it."
    for encoding, bom in (
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-32-le", codecs.BOM_UTF32_LE),
    ):
        f = tmp_path / f"{encoding}-{len(bom)}.txt"
        f.write_bytes(bom + text.encode(encoding))
        with open_input(str(f)) as doc:
            assert "".join(doc.chunks()) == text
            assert doc.head == text
            assert list(doc.chunks()) == list(doc.chunks())  # read again, the same
        assert read_input(str(f)).text == text
    good = "Plain English text. " * 10
    for prefix, at in ((b"", 200), (codecs.BOM_UTF8, 203)):
        f = tmp_path / "bad.txt"
        f.write_bytes(prefix + good.encode() + b"\xff more")
        try:
            open_input(str(f))
        except InputError as exc:
            assert f"bad byte at offset {at})" in str(exc)
        else:
            raise AssertionError("an invalid byte was accepted")
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b" \n" * 20)
    try:
        open_input(str(blank))
    except InputError as exc:
        assert "empty" in str(exc)
    else:
        raise AssertionError("a blank file was accepted")
    pretty = tmp_path / "data.txt"  # JSON is refused even when its first line is not JSON
    pretty.write_text("  \n" + json.dumps({"text": good, "n": list(range(30))}, indent=1))
    try:
        open_input(str(pretty))
    except InputError as exc:
        assert "JSON data" in str(exc)
    else:
        raise AssertionError("JSON was accepted as prose")
    with (
        open_input(str(tmp_path / "utf-8-0.txt")) as doc,
        open(doc._path, "ab") as grown,
    ):  # a file that changes between the check and the reading is an error
        grown.write(b"\xff")
        grown.flush()
        try:
            list(doc.chunks())
        except InputError as exc:
            assert "bad byte" in str(exc)
        else:
            raise AssertionError("a changed file was read without a word")


def test_score_reads_a_pipe_as_a_file(tmp_path: Path) -> None:
    """A named pipe (what ``mtdetect score <(zcat a.gz)`` hands over) cannot be read twice: it
    is copied aside and scored like the same text in a file."""
    import os
    import threading

    text = (EN + " " + "The U. K. said so, e. g. on Tuesday.\n\n") * 3
    plain = tmp_path / "plain.txt"
    plain.write_text(text, encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as fh:
            fh.write(text.encode())

    t = threading.Thread(target=feed)
    t.start()
    res = cli("score", str(fifo), "-f", "json")
    t.join(timeout=60)
    assert res.returncode == 0, res.stderr.decode()
    want = cli("score", str(plain), "-f", "json")
    got, expected = json.loads(res.stdout), json.loads(want.stdout)
    assert got["source"] == str(fifo)
    got["source"] = expected["source"]
    assert got == expected


def test_score_and_audit_expand_a_folder_alike(tmp_path: Path) -> None:
    """One folder walk for both commands: recursive, sorted as strings (so 'b-c/x' comes
    before 'b/c'), each keeping the files it reads."""
    from mtdetect.audit.readers import plan_shards
    from mtdetect.inputs import expand_paths

    for rel in ("b/c.txt", "b-c/x.txt", "a.md", "skip.bin", "d/e.jsonl"):
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text('{"text": "x"}' if rel.endswith(".jsonl") else EN, encoding="utf-8")
    scored = list(expand_paths([str(tmp_path)]))
    names = [Path(p).relative_to(tmp_path).as_posix() for p in scored]
    assert names == ["a.md", "b-c/x.txt", "b/c.txt"]
    audited = [Path(p).relative_to(tmp_path).as_posix()
               for s in plan_shards([str(tmp_path)]) for p in s.paths]  # fmt: skip
    assert [n for n in audited if n.endswith((".txt", ".md"))] == names
    assert "d/e.jsonl" in audited
