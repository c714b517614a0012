"""Crash safety: a real ``mtdetect audit`` run SIGKILLed at random points three times, then
resumed to the end. Every input record appears exactly once, in order, and no published
output file is ever half-written. Determinism: the same input gives byte-identical output
across runs and worker counts.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mtdetect.audit import iter_rows

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")

EN = "The town council voted on Tuesday to build a new sea wall after a winter of storms."
EN2 = "The U. K. government has promised to pay half of the cost, e. g. through its fund."
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def _check_published(out: Path) -> int:
    """Every part with a manifest entry is whole and holds exactly its records; returns how
    many shards are done."""
    done = sorted((out / "_done").glob("part-*.json")) if (out / "_done").is_dir() else []
    for entry in done:
        stats = json.loads(entry.read_text(encoding="utf-8"))  # whole JSON, or it would fail
        data = (out / f"{entry.stem}.jsonl").read_bytes()
        assert data.endswith(b"\n")
        assert len([json.loads(x) for x in data.splitlines()]) == stats["records"]
    for part in out.glob("part-*.jsonl"):  # a part without an entry must be whole too
        data = part.read_bytes()
        assert data.endswith(b"\n")
        for line in data.splitlines():
            json.loads(line)
    return len(done)


def test_three_random_sigkills_then_resume(tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    n = 400
    lines = [
        json.dumps({"id": f"d{i}", "text": f"{[EN, EN2][i % 2]} Item {i}."}).encode() + b"\n"
        for i in range(n)
    ]
    corpus = tmp_path / "c.jsonl"
    corpus.write_bytes(b"".join(lines))
    out, split = tmp_path / "out", tmp_path / "split"
    cmd = [sys.executable, "-m", "mtdetect.cli", "audit", str(corpus), "-o", str(out),
           "--shard-size", "512B", "--workers", "2", "--batch-size", "3", "--quiet",
           "--split-dir", str(split)]  # fmt: skip
    kills = 0
    for attempt in range(3):
        proc = subprocess.Popen([*cmd, *(["--resume"] if attempt else [])],
                                start_new_session=True, stderr=subprocess.PIPE, env=ENV)  # fmt: skip
        before = _check_published(out) if out.is_dir() else 0
        target = before + rng.randint(1, 6)  # kill after a random number of new shards ...
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "_done").is_dir() and len(list((out / "_done").glob("*.json"))) >= target:
                break
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.25))  # ... plus a random delay: lands mid-shard
        if proc.poll() is not None:
            break  # finished before the kill (a slow machine); the checks below still hold
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers: no clean-up
        proc.wait()
        _check_published(out)
        if (out / "_SUCCESS").exists():
            # The kill landed after the run's last write, before it exited: a marker is only
            # allowed when every record is there.
            assert [r["id"] for r in iter_rows(out)] == [f"d{i}" for i in range(n)], seed
            break
        kills += 1
    assert kills >= 2, f"seed {seed}: the run finished before it could be killed"

    res = subprocess.run([*cmd, "--resume"], capture_output=True, timeout=300, env=ENV)
    assert res.returncode == 0, (seed, res.stderr)
    rows = list(iter_rows(out))
    assert [r["id"] for r in rows] == [f"d{i}" for i in range(n)], f"seed {seed}"
    assert all(r["status"] == "ok" for r in rows)
    assert _check_published(out) == len(json.loads((out / "_plan.json").read_text())["shards"])
    assert (out / "_SUCCESS").exists()
    assert not list(out.rglob("*.tmp")) and not list(split.rglob("*.tmp"))
    assert json.loads((out / "_summary.json").read_text())["records"] == n
    split_lines = [
        ln for p in split.rglob("part-*") for ln in p.read_bytes().splitlines(keepends=True)
    ]
    assert sorted(split_lines) == sorted(lines), f"seed {seed}"


def _cli(*args: str) -> subprocess.CompletedProcess:
    res = subprocess.run([sys.executable, "-m", "mtdetect.cli", *args], capture_output=True,
                         timeout=300, env=ENV)  # fmt: skip
    assert res.returncode in (0, 1), res.stderr
    return res


def test_output_is_byte_identical_across_runs_and_workers(tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    texts = [p for p in sorted(examples.glob("*.txt"))]
    recs = [{"id": f"r{i}", "text": t} for i, t in enumerate(
        [p.read_text(encoding="utf-8") for p in texts] + [EN, EN2, "", "{a|b} x \ud800"] * 8
    )]  # fmt: skip
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    first = _cli("score", *map(str, texts), "-f", "json").stdout
    assert first == _cli("score", *map(str, texts), "-f", "json").stdout
    runs = []
    for i, workers in enumerate(["1", "2"]):
        out = tmp_path / f"run{i}" / "out"
        _cli("audit", str(corpus), "-o", str(out), "--workers", workers, "--shard-size", "1KB",
             "--batch-size", "5", "--detail", "sentences", "--quiet",
             "--report", str(out.parent / "r.html"))  # fmt: skip
        files = {
            p.relative_to(out.parent).as_posix(): p.read_bytes()
            for p in sorted(out.parent.rglob("*"))
            if p.is_file() and p.name != "_SUCCESS"
        }
        runs.append(files)
    assert runs[0].keys() == runs[1].keys()
    assert len([k for k in runs[0] if "part-" in k]) > 2
    for k in runs[0]:
        assert runs[0][k] == runs[1][k], k
