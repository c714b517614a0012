"""Reading one shard: the reader of its kind, every problem a record with its error."""

from __future__ import annotations

from collections.abc import Iterator

from mtdetect.audit.readers.base import ReadOptions, Record, Shard
from mtdetect.audit.readers.delimited import _read_csv
from mtdetect.audit.readers.jsonl import _read_jsonl
from mtdetect.audit.readers.parquet import _read_parquet
from mtdetect.audit.readers.stdin import _read_stdin
from mtdetect.audit.readers.streams import _open_file
from mtdetect.audit.readers.text import _read_txt_files, _read_txt_stream
from mtdetect.audit.readers.warc import _read_warc


def _read_file(shard: Shard, ro: ReadOptions, counters: dict[str, int] | None) -> Iterator[Record]:
    source = shard.paths[0]
    try:
        inp = _open_file(shard, ro)
    except OSError as exc:
        yield Record(source, 0, kind=shard.kind, error=f"cannot open: {exc.strerror or exc}")
        return
    try:
        if shard.kind == "jsonl":
            yield from _read_jsonl(inp, source, ro, shard.start, shard.end, counters)
        elif shard.kind in ("csv", "tsv"):
            yield from _read_csv(inp, source, ro, shard.kind, counters)
        elif shard.kind == "warc":
            yield from _read_warc(inp, source, ro)
        else:  # a compressed text file
            yield from _read_txt_stream(inp, source, ro)
    finally:
        inp.close()


def read_shard(
    shard: Shard,
    ro: ReadOptions,
    *,
    start_seq: int = 0,
    start_offset: int | None = None,
    counters: dict[str, int] | None = None,
) -> Iterator[Record]:
    """The records of ``shard`` in input order, each with its ``seq`` within the shard.

    To resume a shard part-way, ``start_seq`` skips the records before it (they are read,
    not returned); ``start_offset`` (plain JSON Lines) seeks there instead, and numbering
    goes on from ``start_seq``. ``counters`` receives counts of what is not a record
    (``blank_lines``).
    """
    seq0 = 0
    if start_offset is not None and shard.kind == "jsonl" and shard.compression is None:
        shard = Shard(shard.index, shard.kind, shard.paths, start_offset, shard.end,
                      None, shard.size, base=shard.base)  # fmt: skip
        seq0 = start_seq
    records: Iterator[Record]
    if shard.kind == "invalid":
        records = iter([Record(shard.paths[0], 0, error=shard.note)])
    elif shard.kind == "stdin":
        records = _read_stdin(shard, ro, counters)
    elif shard.kind == "txt" and shard.compression is None:
        records = _read_txt_files(shard, ro)
    elif shard.kind == "parquet":
        records = _read_parquet(shard, ro)
    else:
        records = _read_file(shard, ro, counters)
    for seq, rec in enumerate(records, seq0):
        if seq < start_seq:
            continue
        rec.seq = seq
        yield rec
