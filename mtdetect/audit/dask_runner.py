"""Running the shards of an audit on a Dask distributed cluster.

Each shard is one task, :func:`mtdetect.audit.shards.run_shard` (passed in as ``task``), which
reads the shard, scores it with the worker's detector (loaded once per worker process) and
publishes the part file and its manifest entry exactly as a local run does. Inputs and the output
directory must therefore be on storage that every worker sees under the same path.

Start a cluster with ``dask scheduler`` and, on each machine, ``dask worker ADDRESS
--nthreads 1 --nworkers auto`` (one single-threaded process per core: scoring is CPU-bound
Python, so threads would share one core).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mtdetect.audit.readers import Shard

__all__ = ["run_on_dask"]


def run_on_dask(
    scheduler: Any,
    out: Path,
    shards: list[Shard],
    opts: Any,
    batch_size: int,
    on_shard: Callable[[Shard, dict[str, Any]], None],
    task: Callable[..., dict[str, Any]],
) -> None:
    """Run ``task(shard, out, opts, batch_size)`` for each of ``shards`` on the cluster at
    ``scheduler`` (an address or a ``distributed.Client``); ``on_shard`` gets each result."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise RuntimeError(
            "--scheduler needs dask distributed: pip install 'mtdetect[dask]'"
        ) from None
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        if not shards:
            return
        by_key = {}
        futures = []
        # Inputs were found by this process: a worker started in another folder opens a
        # relative path against this one's (the rows keep the path as it was named).
        cwd = os.getcwd()
        for shard in shards:
            fut = client.submit(task, dataclasses.replace(shard, base=cwd), str(out), opts,
                                batch_size, pure=False, retries=2)  # fmt: skip
            by_key[fut.key] = shard
            futures.append(fut)
        try:
            for fut in as_completed(futures):
                on_shard(by_key[fut.key], fut.result())
        except BaseException:
            client.cancel(futures)
            raise
    finally:
        if own:
            client.close()
