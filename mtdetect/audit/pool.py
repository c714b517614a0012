"""The local process pool and signals: workers that die with the run, Ctrl-C and SIGTERM turned
into a clean stop, and the shards run in order with their batches in flight."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from mtdetect.audit.options import AuditOptions
from mtdetect.audit.readers import (
    Record,
    Shard,
)
from mtdetect.audit.records import _batches, _for_worker, audit_batch
from mtdetect.audit.shards import _Selection, _shard_records, _writer
from mtdetect.audit.writers import (
    ShardWriter,
    read_done,
    shard_complete,
)


def _worker_init(
    lifeline: Any = None, run_pid: int | None = None, run_tempdir: str | None = None
) -> None:
    """Set up a pool worker: ignore Ctrl-C (the run stops us) and die with the run.

    ``lifeline`` is the read end of a pipe whose only write end the run holds: it reads EOF
    the moment the run exits, however it exits (``kill -9`` included). The worker's parent
    is the forkserver, which itself lives as long as any worker does, so ``getppid()``
    cannot tell that the run is gone. When the run (``run_pid``) is gone, the worker also
    removes the run's multiprocessing folder (``run_tempdir``, the ``pymp-*`` folder that
    holds the forkserver's socket), which a killed run cannot remove itself.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if lifeline is None:
        return

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv_bytes()  # blocks; the run never writes
        if run_pid is not None and run_tempdir:
            # The run's pipe closes a moment before the run is gone from the process table;
            # a run that lives on (it closed the pipe at the end of an audit) keeps its folder.
            deadline = time.monotonic() + 2.0
            while _alive(run_pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            if not _alive(run_pid):
                shutil.rmtree(run_tempdir, ignore_errors=True)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="mtdetect-lifeline").start()


class AuditTerminated(KeyboardInterrupt):
    """The run received SIGTERM or SIGHUP; unwinds like Ctrl-C, so finished parts are kept
    and temporary files and worker processes are cleaned up."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`AuditTerminated` while an audit runs.

    What ``timeout``, systemd and SLURM send must clean up like Ctrl-C does, not kill the
    run with its workers left behind. Only possible in the main thread.
    """
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise AuditTerminated(signum)

    old = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            old[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


class _Done(Future):
    """A future that is already resolved (the single-process path)."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.set_result(value)


def _run_local(
    out: Path,
    shards: list[Shard],
    opts: AuditOptions,
    workers: int,
    batch_size: int,
    on_progress: Callable[[Shard, int, int], None],
    on_shard: Callable[[Shard, dict[str, Any]], None],
    selections: dict[int, _Selection] | None = None,
) -> None:
    """Read shards in order in this process, score batches in a pool, write in order.

    ``shards`` is the whole plan: finished ones are passed over (``--limit`` counts their
    records). ``selections`` (``--sample``) picks records per shard.
    """
    pool = None
    lifeline_w = None
    window: deque[tuple[ShardWriter, list[Record] | None, Future | None, dict[str, int]]]
    window = deque()
    max_inflight = max(2, workers * 3)
    open_writers: list[ShardWriter] = []
    remaining = opts.limit  # --limit: records still to take, in plan order

    def drain_one() -> None:
        writer, batch, fut, counters = window.popleft()
        if batch is None:
            open_writers.remove(writer)
            writer.add_blank_lines(counters.get("blank_lines", 0))
            on_shard(writer.shard, writer.commit())
            return
        assert fut is not None
        for rec, (row, audit) in zip(batch, fut.result(), strict=True):
            writer.add(rec, row, audit)
        on_progress(writer.shard, len(batch), max(r.progress for r in batch))

    try:
        for shard in shards:
            entries = read_done(out, shard)
            published = sum(e["records"] for e in entries)
            if shard_complete(entries):
                if remaining is not None:
                    remaining = max(0, remaining - published)
                continue
            if pool is None and workers > 1:
                pool, lifeline_w = _start_pool(workers)
            selection = (selections or {}).get(shard.index)
            if remaining is not None:
                selection = _Selection(below=(entries[-1]["next_seq"] if entries else 0)
                                       + remaining)  # fmt: skip
            writer = _writer(out, shard, opts, len(entries))
            open_writers.append(writer)
            counters: dict[str, int] = {}
            taken = 0
            for batch in _batches(_shard_records(shard, opts, entries, selection, counters),
                                  batch_size):  # fmt: skip
                taken += len(batch)
                if pool is None:
                    fut: Future = _Done(audit_batch(batch, opts, shard.index))
                else:
                    fut = pool.submit(audit_batch, _for_worker(batch), opts, shard.index)
                window.append((writer, batch, fut, counters))
                while len(window) > max_inflight:
                    drain_one()
            if remaining is not None:
                remaining = max(0, remaining - taken)
            window.append((writer, None, None, counters))
            while len(window) > max_inflight:
                drain_one()
        while window:
            drain_one()
    except BaseException:
        for w in open_writers:
            w.abort()
        if pool is not None:
            _stop_pool(pool)
            pool = None
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        if lifeline_w is not None:
            lifeline_w.close()  # workers still running (none, normally) exit on EOF


def _start_pool(workers: int) -> tuple[Any, Any]:
    """A process pool whose workers load the detector once and die with this process."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(
            ["mtdetect.audit.pool", "mtdetect.audit.records", "mtdetect.pipeline"]
        )
    lifeline_r, lifeline_w = ctx.Pipe(duplex=False)
    import multiprocessing.util

    # The folder the forkserver's socket goes in (made now if it is not yet).
    tempdir = multiprocessing.util.get_temp_dir()
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init,
                               initargs=(lifeline_r, os.getpid(), tempdir))  # fmt: skip
    return pool, lifeline_w


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still exists (a zombie, not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2] != "Z"
    return True


def _stop_pool(pool: Any) -> None:
    """Stop a pool now: cancel queued batches and end the workers mid-batch."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(2.0)
