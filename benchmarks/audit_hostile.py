"""The audit on a hostile mixed corpus: exactly one row per record, whatever the format.

Generates, in a temporary folder, a corpus of about ``--records`` records in every format
the audit reads (plain, ``.json``, gzip, bzip2, xz and zstd JSON Lines; CSV and TSV with huge
quoted multi-line fields; Parquet; WARC and WET; text files), laced with hostile records
(malformed JSON, NUL bytes, bad UTF-8, oversized records, surrogates, non-English and empty
texts, blank lines that are not records, a JSON array, a binary file, compressed files cut
short in every codec, a CSV quote never closed), and knows how many
records each file holds. Then runs the real ``mtdetect audit`` on it (optionally killing it
with SIGKILL and SIGTERM at random points and resuming) and checks that every file has
exactly its records as rows, none twice, none for a blank line, and that no process of the
run is left behind.

    python -m benchmarks.audit_hostile --records 200000 --workers 2 --kills 2
"""

from __future__ import annotations

import argparse
import bz2
import csv
import gzip
import io
import json
import lzma
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

_EN = [
    "The town council voted on Tuesday to build a new sea wall after a winter of storms.",
    "The U. K. government has promised to pay half of the cost, e. g. through its fund.",
    "Residents had asked for the library for years, and many attended the meeting.",
    "The board made a {quick|fast|rapid} decision after the storms.",
    "Officials said the the plan was approved on Monday.",
    "A final decision on the contractor is expected before the end of the year.",
    "The project will use counterfeit consciousness to monitor the flood barrier.",
    "Local businesses said they welcomed the plan but worried about months of noise.",
]
_DE = "Der Gemeinderat hat am Dienstag beschlossen, eine neue Ufermauer am Hafen zu bauen."
MAX_CHARS = 20_000  # the run's --max-chars: oversized records are cheap to make


def _text(rng: random.Random) -> str:
    return " ".join(rng.sample(_EN, rng.randint(1, 2)))


def _json_lines(rng: random.Random, n: int, prefix: str) -> tuple[bytes, int]:
    """``n`` records, about 2% of them hostile, with blank lines between (not records)."""
    out = io.BytesIO()
    for i in range(n):
        if rng.random() < 0.03:
            out.write(rng.choice([b"\n", b"   \n", b"\r\n", b"\t\n"]))
        rid = f"{prefix}{i}"
        r = rng.random()
        if r < 0.98:
            out.write(json.dumps({"id": rid, "text": _text(rng), "n": i}).encode() + b"\n")
            continue
        kind = rng.randrange(10)
        line = [
            b'{"id": "' + rid.encode() + b'", "text": ',  # malformed
            json.dumps({"id": rid, "text": "NUL\u0000"}).encode().replace(b"\\u0000", b"\x00"),
            b'{"id": "' + rid.encode() + b'", "text": "caf\xe9"}',  # bad UTF-8
            json.dumps({"id": rid, "text": "word " * (MAX_CHARS // 4)}).encode(),  # too long
            json.dumps({"id": rid, "text": _DE}).encode(),  # not English
            json.dumps({"id": rid, "text": ""}).encode(),  # empty
            json.dumps({"id": rid}).encode(),  # no text field
            json.dumps({"id": rid, "text": 5}).encode(),  # not a string
            json.dumps({"id": rid, "text": _EN[0] + " \ud800"}).encode(),  # a lone surrogate
            b"[1, 2, 3]",  # not an object
        ][kind]
        out.write(line + b"\n")
    return out.getvalue(), n


def _csv(rng: random.Random, n: int, delimiter: str, prefix: str) -> tuple[bytes, int]:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(["id", "text", "note"])
    records = 0
    for i in range(n):
        rid = f"{prefix}{i}"
        if i == n // 3:  # a quoted field over the record limit, over many lines
            w.writerow([rid, "\n".join([_EN[0]] * 14_000), "huge"])
        elif i == n // 2:  # over --max-chars but under the byte limit
            w.writerow([rid, "\n".join([_EN[2]] * 300), "long"])
        elif i % 97 == 5:
            buf.write(f"{rid}{delimiter}NUL\x00 here{delimiter}x\n")
        elif i == n // 4:  # a quote never closed: one error row, the rows after it their own
            buf.write(f'{rid}{delimiter}"an unbalanced quote{delimiter}x\n')
        elif i % 101 == 7:
            buf.write(f"{rid}\n")  # a short row
        else:
            w.writerow([rid, _text(rng), 'a 5" screen'])
        records += 1
        if rng.random() < 0.02:
            buf.write("\n")  # blank: not a record
    return buf.getvalue().encode(), records


def _warc(path: Path, rng: random.Random, n: int, wet: bool) -> int:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    hosts = ["news.example.org", "blog.example.com", "shop.example.net"]
    docs = 0
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=True)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "benchmark"}))
        for i in range(n):
            url = f"https://{rng.choice(hosts)}/{i}"
            if wet:
                body = (_text(rng) + "\n" + _text(rng)).encode()
                rec = w.create_warc_record(url, "conversion", payload=io.BytesIO(body),
                                           warc_content_type="text/plain")  # fmt: skip
            else:
                if i % 10 == 9:  # a request record: not a document
                    w.write_record(w.create_warc_record(url, "request",
                                                        payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"),
                                                        warc_content_type="application/http"))  # fmt: skip
                ctype = "image/png" if i % 17 == 3 else "text/html"
                html = "<html><body><article>" + "".join(
                    f"<p>{_text(rng)} It went on for a while.</p>" for _ in range(4)
                ) + "</article></body></html>"  # fmt: skip
                http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
                rec = w.create_warc_record(url, "response", payload=io.BytesIO(html.encode()),
                                           http_headers=http)  # fmt: skip
            w.write_record(rec)
            docs += 1
    return docs


def _records_in(data: bytes) -> int:
    """Records among the complete lines of ``data`` (blank lines are not records)."""
    return sum(1 for line in data.split(b"\n")[:-1] if line.strip())


def _truncated(root: Path, rng: random.Random, n: int) -> dict[str, int]:
    """JSON Lines files cut short in every codec: each must give every record before the cut
    and then one error row (a zstd file cut at a block boundary included)."""
    import zlib

    out: dict[str, int] = {}
    cuts = {
        "cut.jsonl.gz": (gzip.compress, lambda b: zlib.decompressobj(47).decompress(b)),
        "cut.jsonl.bz2": (lambda b: bz2.compress(b, 1), lambda b: bz2.BZ2Decompressor().decompress(b)),
        "cut.jsonl.xz": (lzma.compress, lambda b: lzma.LZMADecompressor().decompress(b)),
    }  # fmt: skip
    for name, (pack, unpack) in cuts.items():
        data, _ = _json_lines(rng, n, name.split(".")[-1])
        packed = pack(data)
        cut = packed[: int(len(packed) * 0.6)]
        (root / name).write_bytes(cut)
        out[name] = _records_in(unpack(cut)) + 1
    try:
        import zstandard
    except ImportError:  # pragma: no cover
        return out
    data, _ = _json_lines(rng, n, "zst")
    half = data[: data.rindex(b"\n", 0, len(data) // 2) + 1]
    cobj = zstandard.ZstdCompressor().compressobj()
    first = cobj.compress(half) + cobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    (root / "cut.jsonl.zst").write_bytes(first)  # cut at a block boundary, inside the frame
    out["cut.jsonl.zst"] = _records_in(half) + 1
    return out


def build_corpus(
    root: Path, total: int, seed: int = 0, blank_lines: int = 4_000_000
) -> dict[str, int]:
    """Write the corpus under ``root``; returns {file name: records in it}."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    want: dict[str, int] = {}

    def share(f: float) -> int:
        return max(3, int(total * f))

    data, n = _json_lines(rng, share(0.42), "p")
    (root / "plain.jsonl").write_bytes(data)
    want["plain.jsonl"] = n
    wrappers = [("hf.json", lambda b: b, 0.05), ("c4.json.gz", gzip.compress, 0.10),
                ("b.jsonl.bz2", bz2.compress, 0.05), ("x.jsonl.xz", lzma.compress, 0.05)]  # fmt: skip
    try:
        import zstandard

        wrappers.append(("z.jsonl.zst", zstandard.ZstdCompressor().compress, 0.05))
    except ImportError:  # pragma: no cover
        pass
    for name, compress, f in wrappers:
        data, n = _json_lines(rng, share(f), name.split(".")[0])
        (root / name).write_bytes(compress(data))
        want[name] = n
    data, n = _csv(rng, share(0.09), ",", "c")
    (root / "table.csv").write_bytes(data)
    want["table.csv"] = n
    data, n = _csv(rng, share(0.03), "\t", "t")
    (root / "table.tsv").write_bytes(data)
    want["table.tsv"] = n
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        n = share(0.10)
        texts = [_text(rng) if i % 50 else [_DE, None, ""][i % 3] for i in range(n)]
        pq.write_table(pa.table({"id": [f"q{i}" for i in range(n)], "text": texts,
                                 "year": [2000 + i % 20 for i in range(n)]}),
                       root / "rows.parquet", row_group_size=5000)  # fmt: skip
        want["rows.parquet"] = n
    except ImportError:  # pragma: no cover
        pass
    try:
        want["CC-MAIN-0.warc.wet.gz"] = _warc(
            root / "CC-MAIN-0.warc.wet.gz", rng, share(0.05), True
        )
        want["crawl.warc.gz"] = _warc(root / "crawl.warc.gz", rng, max(3, share(0.01)), False)
    except ImportError:  # pragma: no cover
        pass
    for name, n in _truncated(root, rng, share(0.02)).items():
        want[name] = n
    docs = root / "docs"
    docs.mkdir()
    for i in range(min(200, share(0.001))):
        (docs / f"{i:04d}.txt").write_text(_text(rng) + "\n", encoding="utf-8")
        want[f"{i:04d}.txt"] = 1
    (root / "array.json").write_text(json.dumps([{"text": _EN[0]}] * 5, indent=1))
    want["array.json"] = 1  # one error row: a JSON document, not JSON Lines
    (root / "bin.jsonl").write_bytes(os.urandom(1 << 16).replace(b"\n", b"\x00"))
    want["bin.jsonl"] = 1  # one error row: binary
    blank, n = _json_lines(rng, 3, "blank")
    (root / "blank.jsonl.gz").write_bytes(gzip.compress(b"\n" * blank_lines + blank))
    want["blank.jsonl.gz"] = n  # millions of blank lines: no rows
    return want


def _session(sid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                pids.append(int(entry))
    return pids


def run(corpus: Path, out: Path, workers: int, kills: int, seed: int) -> dict[str, object]:
    """Audit ``corpus`` with the CLI, killed ``kills`` times (SIGKILL, then SIGTERM, ...) at
    random points and resumed; returns timings and what was left behind."""
    rng = random.Random(seed)
    cmd = [sys.executable, "-m", "mtdetect.cli", "audit", str(corpus), "-o", str(out),
           "--workers", str(workers), "--max-chars", str(MAX_CHARS), "--quiet",
           "--shard-size", "4MB", "--max-file-size", "4MB", "--report", str(out) + ".html"]  # fmt: skip
    t0 = time.perf_counter()
    left: list[int] = []
    signals = []
    for k in range(kills):
        proc = subprocess.Popen([*cmd, *(["--resume"] if k else [])], start_new_session=True)
        time.sleep(rng.uniform(8, 30))
        if proc.poll() is not None:
            break
        sig = signal.SIGKILL if k % 2 == 0 else signal.SIGTERM
        os.kill(proc.pid, sig)
        proc.wait()
        signals.append(signal.Signals(sig).name)
        deadline = time.monotonic() + 30
        while _session(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        left += _session(proc.pid)
    final = subprocess.run([*cmd, *(["--resume"] if signals else [])], capture_output=True)
    if final.returncode != 0:
        raise SystemExit(final.stderr.decode())
    return {"seconds": time.perf_counter() - t0, "signals": signals, "left": left}


def check(out: Path, want: dict[str, int]) -> Counter:
    """Rows per input file; raises when any file has not exactly its records."""
    got: Counter = Counter()
    seen = set()
    for part in sorted(out.glob("part-*.jsonl")):
        for line in part.open(encoding="utf-8"):
            r = json.loads(line)
            key = (r["source"], r["position"], r["id"])
            if key in seen:
                raise SystemExit(f"a record twice: {key}")
            seen.add(key)
            if "blank" in (r["reason"] or ""):
                raise SystemExit(f"a row for a blank line: {r}")
            got[Path(r["source"]).name] += 1
    bad = {k: (want.get(k), got.get(k)) for k in set(want) | set(got) if want.get(k) != got.get(k)}
    if bad:
        raise SystemExit(f"rows differ from records (want, got): {bad}")
    return got


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--kills", type=int, default=0, help="kill and resume this many times")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        t0 = time.perf_counter()
        want = build_corpus(corpus, args.records, args.seed)
        made = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())
        res = run(corpus, Path(tmp) / "out", args.workers, args.kills, args.seed)
        got = check(Path(tmp) / "out", want)
        summary = json.loads((Path(tmp) / "out" / "_summary.json").read_text())
    total = sum(want.values())
    secs = float(res["seconds"])  # type: ignore[arg-type]
    print(f"corpus: {len(want):,} files, {size / 1e6:.1f} MB on disk, {total:,} records "
          f"(made in {made:.0f}s)")  # fmt: skip
    print(f"rows: {sum(got.values()):,} (exactly one per record; none for "
          f"{summary['blank_lines']:,} blank lines)")  # fmt: skip
    print("status: " + ", ".join(f"{k} {v:,}" for k, v in summary["status"].items()))
    print(
        f"audit: {secs:.0f}s with {args.workers} workers, {total / secs:,.0f} records/s"
        + (f", killed with {', '.join(res['signals'])} and resumed" if res["signals"] else "")
    )  # type: ignore[arg-type]
    print(f"processes left after the kills: {len(res['left'])}")  # type: ignore[arg-type]
    if res["left"]:
        raise SystemExit("processes were left behind")


if __name__ == "__main__":
    main()
