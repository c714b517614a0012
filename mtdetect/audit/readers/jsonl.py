"""JSON Lines records."""

from __future__ import annotations

import json
from collections.abc import Iterator

from mtdetect.audit.readers.base import ReadOptions, Record, _decode_error, _from_fields
from mtdetect.audit.readers.streams import _Input, _read_lines, _stream_error
from mtdetect.inputs import InputError, decode_bytes


def _parse_jsonl_line(rec: Record, line: bytes, ro: ReadOptions) -> Record:
    body = line.rstrip(b"\r\n")
    if b"\x00" in body:
        rec.error = "binary data: NUL byte in the record"
        return rec
    try:
        decoded = decode_bytes(body, "record")
    except InputError as exc:
        rec.error = _decode_error(exc)
        return rec
    try:
        obj = json.loads(decoded)
    except json.JSONDecodeError as exc:
        rec.error = f"malformed JSON: {exc.msg} at column {exc.colno}"
        return rec
    except RecursionError:
        rec.error = "malformed JSON: nested too deeply"
        return rec
    except ValueError as exc:  # e.g. an integer over Python's 4,300-digit limit
        rec.error = f"malformed JSON: {exc}"
        return rec
    return _from_fields(rec, obj, ro)


def _read_jsonl(
    inp: _Input, source: str, ro: ReadOptions, start: int = 0, end: int | None = None,
    counters: dict[str, int] | None = None,
) -> Iterator[Record]:  # fmt: skip
    offset = start
    try:
        for offset, line, n in _read_lines(inp.stream, start, end, ro.max_record_bytes):
            if line is not None and not line.strip():
                if counters is not None:  # blank lines are not records: counted, no row
                    counters["blank_lines"] = counters.get("blank_lines", 0) + 1
                continue
            rec = Record(source, offset, raw=line, nbytes=n, kind="jsonl")
            rec.progress = inp.disk_progress(offset + n) - (0 if inp.comp else start)
            if line is None:
                rec.error = f"record too large: {n:,} bytes (over --max-chars)"
                yield rec
                continue
            yield _parse_jsonl_line(rec, line, ro)
        offset = -1
    except Exception as exc:  # a stream that breaks mid-way: report, keep what was read
        yield Record(source, offset if offset >= 0 else None, kind="jsonl",
                     error=_stream_error(exc, inp.comp))  # fmt: skip
