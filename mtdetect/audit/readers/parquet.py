"""Parquet records, a run of row groups at a time."""

from __future__ import annotations

from collections.abc import Iterator

from mtdetect.audit.readers.base import ReadOptions, Record, Shard, _from_fields


def _read_parquet(shard: Shard, ro: ReadOptions) -> Iterator[Record]:
    source = shard.paths[0]
    row = 0
    try:
        import pyarrow.parquet as pq
    except ImportError:
        yield Record(source, None, kind="parquet",
                     error="reading Parquet needs pyarrow: pip install 'mtdetect[parquet]'")  # fmt: skip
        return
    try:
        pf = pq.ParquetFile(shard.file(source))
        meta = pf.metadata
        end = meta.num_row_groups if shard.end is None else shard.end
        groups = list(range(shard.start, end))
        row = sum(meta.row_group(i).num_rows for i in range(shard.start))
        total = sum(meta.row_group(i).num_rows for i in groups) or 1
        first = row
        for batch in pf.iter_batches(batch_size=1024, row_groups=groups):
            for obj in batch.to_pylist():
                row += 1
                rec = Record(source, row, kind="parquet")
                rec.progress = int(shard.size * (row - first) / total)
                yield _from_fields(rec, obj, ro)
    except Exception as exc:
        yield Record(source, row or None, kind="parquet", error=f"bad Parquet file: {exc}")
