"""Progress as a person sees it: the CLI with stderr on a real terminal (a pseudo-terminal).

Was: for compressed inputs the bar sat at 0.0 MB/s with no time left until the file was
done, and ``mtdetect score`` on many files showed no progress at all."""

from __future__ import annotations

import gzip
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")

EN = "The town council voted on Tuesday to build a new sea wall after a winter of storms."
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_terminal(*args: str) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal; (exit code, what the terminal got)."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "160", "TERM": "xterm-256color", "OMP_NUM_THREADS": "1"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "mtdetect.cli", *args],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave,
                            env=env)  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 1 << 16)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=300), _ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))


def test_audit_progress_on_compressed_input(tmp_path: Path) -> None:
    lines = (json.dumps({"id": f"d{i}", "text": f"{EN} Item {i}."}) + "\n" for i in range(1500))
    (tmp_path / "c.jsonl.gz").write_bytes(gzip.compress("".join(lines).encode()))
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "x", "text": EN}) + "\n")
    rc, screen = on_terminal("audit", str(tmp_path / "c.jsonl.gz"), str(tmp_path / "b.jsonl"),
                             "-o", str(tmp_path / "out"), "--workers", "1", "--batch-size", "16")  # fmt: skip
    assert rc == 0, screen
    frames = re.findall(r"auditing .*?([\d,]+) docs +([\d,]+) docs/s +([\d.,]+) (KB|MB)/s +(\S+)",
                        screen)  # fmt: skip
    mid = [f for f in frames if 0 < int(f[0].replace(",", "")) < 1500]
    assert mid, screen[-2000:]
    # Part-way through the compressed file: a rate and a time left, not 0 and -:--:--.
    assert any(float(f[2].replace(",", "")) > 0 and re.fullmatch(r"\d+:\d\d:\d\d", f[4])
               for f in mid), mid[:5]  # fmt: skip
    assert "by input" in screen and "c.jsonl.gz" in screen  # the per-input breakdown


def test_score_shows_progress_over_many_files(tmp_path: Path) -> None:
    paths = []
    for i in range(6):
        p = tmp_path / f"{i}.txt"
        p.write_text(f"{EN} Number {i}.", encoding="utf-8")
        paths.append(str(p))
    rc, screen = on_terminal("score", *paths, "-f", "jsonl")
    assert rc == 0, screen
    assert "scoring" in screen and "6/6" in screen
    rc, quiet = on_terminal("score", *paths, "-f", "jsonl", "--quiet")
    assert rc == 0 and "scoring" not in quiet


def test_progress_with_a_limit_counts_the_records_asked_for() -> None:
    """Was: with --limit the bar counted bytes of the whole input (9%, then a jump to
    100%); now it counts the records asked for."""
    from mtdetect.audit.progress import _Progress
    from mtdetect.audit.readers import Shard

    shard = Shard(0, "jsonl", ("x.jsonl",), size=1_000_000)
    with _Progress(True, 1_000_000, 1, total_docs=40) as bar:
        bar.advance(shard, 10, 20_000)
        task = bar._progress.tasks[0]
        assert task.total == 40 and task.completed == 10
        bar.advance(shard, 30, 90_000)
        assert bar._progress.tasks[0].completed == 40
    with _Progress(True, 1_000_000, 1) as bar:  # without a limit: bytes, as before
        bar.advance(shard, 10, 20_000)
        assert bar._progress.tasks[0].total == 1_000_000
        assert bar._progress.tasks[0].completed == 20_000
