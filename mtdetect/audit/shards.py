"""Auditing one shard: its records read, audited and written to its part files, going on after
the parts an earlier attempt published (what a Dask worker runs)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtdetect.audit.options import AuditOptions
from mtdetect.audit.readers import (
    Record,
    Shard,
    read_shard,
)
from mtdetect.audit.records import _batches, audit_batch
from mtdetect.audit.writers import (
    ShardWriter,
    clean_temp_files,
    read_done,
    shard_complete,
)


def _writer(out: Path, shard: Shard, opts: AuditOptions, start_chunk: int = 0) -> ShardWriter:
    split = Path(opts.split_dir) if opts.split_dir else None
    return ShardWriter(
        out, shard, opts.output_format, split, opts.top_k, split_format=opts.split_format,
        max_file_size=opts.max_file_size, optional=opts.optional_columns,
        keep_fields=opts.keep_fields and opts.output_format == "csv", start_chunk=start_chunk,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Selection:
    """Which records of a shard to audit (``--limit``, ``--sample``): seqs below ``below``,
    or those in ``seqs``; None selects all."""

    below: int | None = None
    seqs: frozenset[int] | None = None

    def __contains__(self, seq: int) -> bool:
        if self.below is not None and seq >= self.below:
            return False
        return self.seqs is None or seq in self.seqs

    @property
    def empty(self) -> bool:
        return self.below == 0 or self.seqs == frozenset()


def _shard_records(
    shard: Shard,
    opts: AuditOptions,
    entries: list[dict[str, Any]],
    selection: _Selection | None,
    counters: dict[str, int],
) -> Iterator[Record]:
    """The shard's records still to do: after its published parts, within the selection."""
    start_seq = entries[-1]["next_seq"] if entries else 0
    start_offset = entries[-1].get("next_offset") if entries else None
    if selection is not None and selection.empty:
        return iter(())
    records = read_shard(shard, opts.read_options, start_seq=start_seq,
                         start_offset=start_offset, counters=counters)  # fmt: skip
    if selection is None:
        return records
    below = selection.below

    def selected() -> Iterator[Record]:
        for rec in records:
            if below is not None and rec.seq >= below:
                return  # nothing after the limit: stop reading
            if rec.seq in selection:
                yield rec

    return selected()


def run_shard(
    shard: Shard,
    out: str,
    opts: AuditOptions,
    batch_size: int = 64,
    selection: _Selection | None = None,
) -> dict[str, Any]:
    """Audit one whole shard in this process and publish it; returns its last part's
    statistics. Goes on after the parts a crashed earlier attempt published.

    This is the task a Dask worker runs.
    """
    outp = Path(out)
    split = [Path(opts.split_dir) / b for b in ("kept", "rejected")] if opts.split_dir else []
    # A worker that died mid-part left its temporary files: this retry replaces them.
    clean_temp_files(outp, outp / "_done", *split, shard=shard)
    entries = read_done(outp, shard)
    if shard_complete(entries):
        return entries[-1]
    writer = _writer(outp, shard, opts, len(entries))
    counters: dict[str, int] = {}
    try:
        for batch in _batches(_shard_records(shard, opts, entries, selection, counters),
                              batch_size):  # fmt: skip
            for rec, (row, audit) in zip(batch, audit_batch(batch, opts, shard.index),
                                         strict=True):  # fmt: skip
                writer.add(rec, row, audit)
        writer.add_blank_lines(counters.get("blank_lines", 0))
        return writer.commit()
    except BaseException:
        writer.abort()
        raise
