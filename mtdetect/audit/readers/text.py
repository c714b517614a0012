"""Text files: one record each, or a text stream as one record."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from mtdetect.audit.readers.base import ReadOptions, Record, Shard
from mtdetect.audit.readers.streams import _Input, _stream_error
from mtdetect.inputs import InputError, decode_bytes


def _read_txt_files(shard: Shard, ro: ReadOptions) -> Iterator[Record]:
    done = 0
    for path in shard.paths:
        rec = Record(path, None, id=path, kind="txt")
        try:
            size = os.path.getsize(shard.file(path))
            done += size
            rec.progress = done
            if size > ro.max_record_bytes:
                rec.error = f"record too large: file is {size:,} bytes (over --max-chars)"
                rec.nbytes = size
                yield rec
                continue
            data = Path(shard.file(path)).read_bytes()
        except OSError as exc:
            rec.error = f"cannot read: {exc.strerror or exc}"
            yield rec
            continue
        yield _txt_record(rec, data, path)


def _txt_record(rec: Record, data: bytes, name: str) -> Record:
    rec.raw, rec.nbytes = data, len(data)
    try:
        rec.text = decode_bytes(data, name)
    except InputError as exc:
        rec.error = str(exc).split(": ", 1)[-1]
        if rec.error.startswith("not valid"):
            rec.error = "bad encoding: " + rec.error
    rec.fields = {"id": rec.id, "text": rec.text} if rec.text is not None else None
    return rec


def _read_txt_stream(inp: _Input, source: str, ro: ReadOptions) -> Iterator[Record]:
    """A compressed text file, or standard input: one document."""
    rec = Record(source, None, id=source, kind="txt")
    try:
        data = inp.stream.read(ro.max_record_bytes + 1)
    except Exception as exc:
        rec.error = _stream_error(exc, inp.comp)
        yield rec
        return
    rec.progress = inp.raw.count
    if len(data) > ro.max_record_bytes:
        rec.error = f"record too large: over {ro.max_record_bytes:,} bytes (over --max-chars)"
        rec.nbytes = len(data)
        yield rec
        return
    yield _txt_record(rec, data, source)
