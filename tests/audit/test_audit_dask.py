"""The same audit on a Dask cluster writes byte-identical output to a local run."""

from __future__ import annotations

import gzip
import json
import os
import signal
import time
from pathlib import Path

import pytest

from mtdetect.audit import iter_rows, run_audit

distributed = pytest.importorskip("distributed")

EN = "The town council voted on Tuesday to build a new sea wall after a winter of storms."
EN2 = "The U. K. government has promised to pay half of the cost, e. g. through its fund."


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_dask_output_is_byte_identical_to_local(tmp_path: Path) -> None:
    recs = [{"id": f"d{i}", "text": f"{EN if i % 3 else EN2} {i}"} for i in range(90)]
    data = b"".join(json.dumps(r).encode() + b"\n" for r in recs) + b"{bad json\n"
    (tmp_path / "big.jsonl").write_bytes(data)  # split into byte ranges below
    (tmp_path / "small.jsonl.gz").write_bytes(gzip.compress(data[:2000]))
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(4):
        (docs / f"{i}.txt").write_text(f"{EN2} {i}", encoding="utf-8")
    inputs = [str(tmp_path / "big.jsonl"), str(tmp_path / "small.jsonl.gz"), str(docs)]
    common = dict(shard_bytes=1500, progress=False, detail="spans", report=None)

    local = run_audit(
        inputs, tmp_path / "local", workers=2, split_dir=str(tmp_path / "sl"), **common
    )
    assert local.shards > 5
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = run_audit(inputs, tmp_path / "dask", scheduler=client,
                           split_dir=str(tmp_path / "sd"), **common)  # fmt: skip
        # An address works as well as a client (used by --scheduler); all shards done: no-op.
        again = run_audit(inputs, tmp_path / "dask", scheduler=cluster.scheduler_address,
                          resume=True, split_dir=str(tmp_path / "sd"), **common)  # fmt: skip
    assert again.shards_run == 0
    assert remote.records == local.records == 90 + 1 + len(gzip.decompress(
        (tmp_path / "small.jsonl.gz").read_bytes()).splitlines()) + 4  # fmt: skip
    assert _files(tmp_path / "local") == _files(tmp_path / "dask")
    assert _files(tmp_path / "sl") == _files(tmp_path / "sd")


def test_dead_worker_leaves_no_temp_file(tmp_path: Path) -> None:
    """Was: a stray .tmp part stayed after a Dask worker died mid-shard."""
    recs = [{"id": f"d{i}", "text": f"{EN if i % 2 else EN2} {i}"} for i in range(400)]
    (tmp_path / "c.jsonl").write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in recs))
    out, split = tmp_path / "out", tmp_path / "split"
    with (
        distributed.LocalCluster(
            n_workers=1, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        import threading

        result: dict = {}
        run = threading.Thread(target=lambda: result.update(s=run_audit(
            [str(tmp_path / "c.jsonl")], out, scheduler=client, progress=False,
            split_dir=str(split), batch_size=4)))  # fmt: skip
        run.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(out.glob(".part-*.tmp")):
            time.sleep(0.005)
        assert list(out.glob(".part-*.tmp")), "the shard finished before the worker died"
        (pid,) = client.run(os.getpid).values()  # the worker process itself, not its nanny
        os.kill(pid, signal.SIGKILL)  # the worker dies mid-part; its nanny starts another
        run.join(timeout=300)
    assert result["s"].records == 400
    assert [r["id"] for r in iter_rows(out)] == [f"d{i}" for i in range(400)]
    assert not list(out.rglob("*.tmp")) and not list(split.rglob("*.tmp"))


def test_relative_inputs_are_found_by_workers_started_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: workers started in another folder answered "cannot open" for every input named
    by a relative path, and the audit exited 0. Now they open it against the submitting
    process's folder, and the rows still name it as given."""
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    recs = [{"id": f"d{i}", "text": f"{EN} {i}"} for i in range(12)]
    (here / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    (here / "docs").mkdir()
    (here / "docs" / "a.txt").write_text(EN2, encoding="utf-8")
    monkeypatch.chdir(elsewhere)  # the workers start here...
    with (
        distributed.LocalCluster(
            n_workers=1, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        monkeypatch.chdir(here)  # ...the audit is submitted from here, with relative paths
        run_audit(["in.jsonl", "docs"], tmp_path / "dask", scheduler=client, progress=False)
    run_audit(["in.jsonl", "docs"], tmp_path / "local", workers=1, progress=False)
    rows = list(iter_rows(tmp_path / "dask"))
    assert [r["status"] for r in rows] == ["ok"] * 13, rows[:2]
    assert {r["source"] for r in rows} == {"in.jsonl", os.path.join("docs", "a.txt")}
    assert _files(tmp_path / "local") == _files(tmp_path / "dask")
