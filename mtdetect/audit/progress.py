"""The progress bar of an audit: records, bytes, rate and time left."""

from __future__ import annotations

import time
from typing import Any

from mtdetect.audit.readers import (
    Shard,
)


class _Progress:
    """A rich progress bar on stderr (docs, docs/s, MB/s, ETA), or nothing.

    Progress is counted in bytes of input on disk, compressed or not (readers report how
    far into each input they are), so the rate and the time left hold for both; with
    ``total_docs`` (``--limit``, ``--sample``: only some records are audited) it is counted
    in records, so that the bar and the time left follow those records, not the whole input.
    """

    def __init__(
        self, enabled: bool, total_bytes: int | None, shards: int, total_docs: int | None = None
    ) -> None:
        self.enabled = enabled
        self.total_docs = total_docs
        self.total = total_bytes if total_docs is None else total_docs
        self.shards = shards
        self.docs = 0
        self.bytes = 0
        self.counted: dict[int, tuple[int, int]] = {}
        self.t0 = time.perf_counter()
        self._progress: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("auditing"),
                BarColumn(),
                TextColumn("{task.fields[stats]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._progress.start()
            total = max(1, self.total) if self.total is not None else None
            self._task = self._progress.add_task("audit", total=total, stats="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def _refresh(self) -> None:
        if self._progress is None:
            return
        dt = max(1e-6, time.perf_counter() - self.t0)
        stats = f"{self.docs:,} docs  {self.docs / dt:,.0f} docs/s  {_rate(self.bytes / dt)}"
        done = self.bytes if self.total_docs is None else min(self.docs, self.total_docs)
        self._progress.update(self._task, completed=done, stats=stats)

    def advance(self, shard: Shard, docs: int, position: int) -> None:
        """``docs`` more records of ``shard`` done, ``position`` bytes into its input."""
        d, b = self.counted.get(shard.index, (0, 0))
        step = max(0, position - b)
        self.docs += docs
        self.bytes += step
        self.counted[shard.index] = (d + docs, b + step)
        self._refresh()

    def shard_done(self, shard: Shard, stats: dict[str, Any]) -> None:
        # Top up to the shard's size on disk (Dask runs report whole shards only).
        d, b = self.counted.pop(shard.index, (0, 0))
        if d == 0:
            self.docs += stats.get("records", 0)
        self.bytes += max(0, shard.size - b)
        self._refresh()


def _rate(bytes_per_s: float) -> str:
    """1.5 MB/s, or 820 KB/s when slower: a slow run never reads as 0.0 MB/s."""
    if bytes_per_s >= 1e6:
        return f"{bytes_per_s / 1e6:,.1f} MB/s"
    return f"{bytes_per_s / 1e3:,.0f} KB/s"


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "-"
