"""Resume: a real ``mtdetect audit`` run killed with SIGKILL, then ``--resume``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mtdetect.audit import iter_rows

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")

EN = "The town council voted on Tuesday to build a new sea wall after a winter of storms."


def test_sigkill_then_resume_gives_every_record_once(tmp_path: Path) -> None:
    n = 240
    lines = [
        json.dumps({"id": f"d{i}", "text": f"{EN} Item {i}."}).encode() + b"\n" for i in range(n)
    ]
    corpus = tmp_path / "c.jsonl"
    corpus.write_bytes(b"".join(lines))
    out, split = tmp_path / "out", tmp_path / "split"
    # ~4 records a shard: many shards, so the kill lands between some of them.
    cmd = [sys.executable, "-m", "mtdetect.cli", "audit", str(corpus), "-o", str(out),
           "--shard-size", "512B", "--workers", "1", "--batch-size", "4", "--quiet",
           "--split-dir", str(split)]  # fmt: skip
    proc = subprocess.Popen(cmd, start_new_session=True, stderr=subprocess.PIPE)
    done = out / "_done"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if done.is_dir() and len(list(done.glob("*.json"))) >= 3:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the run and any worker: nothing gets to clean up
    proc.wait()
    shards = len(json.loads((out / "_plan.json").read_text())["shards"])
    finished = len(list(done.glob("*.json")))
    assert 3 <= finished < shards
    assert not (out / "_SUCCESS").exists()
    # Every published part is whole: complete JSON lines only.
    for part in out.glob("part-*.jsonl"):
        data = part.read_bytes()
        assert data.endswith(b"\n")
        for line in data.splitlines():
            json.loads(line)

    res = subprocess.run([*cmd, "--resume"], capture_output=True, timeout=120)
    assert res.returncode == 0, res.stderr
    rows = list(iter_rows(out))
    assert [r["id"] for r in rows] == [f"d{i}" for i in range(n)]  # each once, in order
    assert all(r["status"] == "ok" for r in rows)
    assert (out / "_SUCCESS").exists()
    assert not list(out.rglob("*.tmp")) and not list(split.rglob("*.tmp"))
    assert json.loads((out / "_summary.json").read_text())["records"] == n
    split_lines = [
        ln for p in split.rglob("part-*") for ln in p.read_bytes().splitlines(keepends=True)
    ]
    assert sorted(split_lines) == sorted(lines)
