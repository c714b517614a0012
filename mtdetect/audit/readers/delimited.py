"""CSV and TSV records, quoted fields over many lines included; an unclosed quote becomes one
error row and the lines it would have swallowed are read again as rows."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from typing import BinaryIO

from mtdetect.audit.readers.base import _CHUNK, ReadOptions, Record, _from_fields
from mtdetect.audit.readers.streams import _Input, _stream_error

# CSV records are cut by a scanner that follows the quoting rules of Python's csv reader
# (RFC 4180 quotes, doubled quotes, a quote inside an unquoted field is literal), so that a
# quoted field spanning many lines, or one over the size limit, is one record: never rows
# made of the pieces of a field.
_START, _UNQUOTED, _QUOTED, _QUOTE_IN_QUOTED = range(4)


_CSV_TOKENS = {",": re.compile(rb'[",]'), "\t": re.compile(rb'["\t]')}


def _csv_scan(piece: bytes, state: int, tokens: re.Pattern[bytes], delim: int) -> int:
    """The quoting state after ``piece`` (a line or part of one, without its newline)."""
    last = -1
    for m in tokens.finditer(piece):
        p = m.start()
        if p > last + 1 and state in (_START, _QUOTE_IN_QUOTED):
            state = _UNQUOTED  # ordinary characters: the field is (now) unquoted
        c = piece[p]
        if state == _QUOTED:
            if c == 0x22:
                state = _QUOTE_IN_QUOTED
        elif state in (_QUOTE_IN_QUOTED, _START):
            # "" inside a quoted field is a quote; a quote opens a field; a delimiter ends it
            state = _QUOTED if c == 0x22 else _START
        elif c == delim:
            state = _START
        last = p
    if len(piece) > last + 1 and state in (_START, _QUOTE_IN_QUOTED):
        state = _UNQUOTED
    return state


def _csv_records(f: BinaryIO, delimiter: str, limit: int) -> Iterator[tuple[bytes | None, int]]:
    """(raw bytes of one CSV record or None when over ``limit``, its length in bytes)."""
    tokens = _CSV_TOKENS[delimiter]
    delim = ord(delimiter)
    while True:
        parts: list[bytes] = []
        n = 0
        state = _START
        held = True
        while True:
            piece = f.readline(_CHUNK)
            if not piece:
                break
            n += len(piece)
            ends = piece.endswith(b"\n")
            body = piece.rstrip(b"\r\n") if ends else piece
            state = _csv_scan(body, state, tokens, delim)
            if held:
                parts.append(piece)
                if n > limit:
                    held, parts = False, []  # keep scanning to the record's end, not holding
            if ends:
                if state == _QUOTED:
                    continue  # a newline inside a quoted field
                break
        if n == 0:
            return
        yield (b"".join(parts) if held else None), n


_DIGITS_RE = re.compile(rb"\d+")


def _first_field_shape(line: bytes, delimiter: bytes) -> bytes:
    """A row's first field with its digits collapsed (``c123`` -> ``c0``): rows of one
    table share it."""
    return _DIGITS_RE.sub(b"0", line.split(delimiter, 1)[0].strip())


def _swallowed_rows(raw: bytes, n_fields: int, delimiter: str, shape: bytes | None) -> int:
    """How many rows a quote left open swallowed into ``raw``, or 0.

    A quoted field may span lines, so one record over many lines is legal. It is taken for
    rows merged by an unbalanced quote only when every line after its first reads as a row of
    its own, with a first field shaped like the previous row's (ids such as ``c123``): the
    lines in between have no quote (any quote would have closed the open one) and the
    header's number of fields; the last one, where a quote closed the open one, is a complete
    row with that number of fields. Prose in a quoted field almost never looks like that."""
    if shape is None or n_fields < 2:
        return 0
    lines = raw.rstrip(b"\r\n").split(b"\n")
    if len(lines) < 2:
        return 0
    delim = delimiter.encode()
    for line in lines[1:]:
        if _first_field_shape(line, delim) != shape:
            return 0
    for line in lines[1:-1]:
        if b'"' in line or line.rstrip(b"\r").count(delim) != n_fields - 1:
            return 0
    last = lines[-1].rstrip(b"\r")
    if _csv_scan(last, _START, _CSV_TOKENS[delimiter], ord(delimiter)) == _QUOTED:
        return 0
    try:
        rows = list(csv.reader(io.StringIO(last.decode("utf-8"), newline=""), delimiter=delimiter))
    except (UnicodeDecodeError, csv.Error):
        return 0
    return len(lines) - 1 if len(rows) == 1 and len(rows[0]) == n_fields else 0


def _read_csv(
    inp: _Input, source: str, ro: ReadOptions, kind: str, counters: dict[str, int] | None = None
) -> Iterator[Record]:
    delimiter = "\t" if kind == "tsv" else ","
    delim_b = delimiter.encode()
    csv.field_size_limit(sys.maxsize)  # records are bounded by the scanner instead
    row_no = 0
    header: list[str] | None = None
    header_raw = b""
    pos = 0
    shape: bytes | None = None  # the first field's shape in the last good row

    def row(raw: bytes | None, n: int) -> Iterator[Record]:
        nonlocal row_no, pos, shape
        assert header is not None
        row_no += 1
        rec = Record(source, row_no, raw=raw, nbytes=n, kind=kind,
                     progress=inp.disk_progress(pos))  # fmt: skip
        rec.extra["header"] = header_raw
        if raw is None:
            rec.error = f"record too large: {n:,} bytes (over --max-chars)"
            yield rec
            return
        if b"\x00" in raw:
            rec.error = "binary data: NUL byte in the record"
            yield rec
            return
        swallowed = _swallowed_rows(raw, len(header), delimiter, shape)
        if swallowed:
            # The quote that opened this row's field is never closed: this row is damaged,
            # the lines it swallowed are rows of their own and are read again as such.
            first, _, rest = raw.partition(b"\n")
            rec.raw = first + b"\n"
            rec.nbytes = len(rec.raw)
            rec.error = (
                f"malformed CSV: a quote in this row is never closed; the {swallowed:,} lines "
                "after it would have been read into it, and are read as rows of their own"
            )
            yield rec
            for raw2, n2 in _csv_records(io.BytesIO(rest), delimiter, ro.max_record_bytes):
                if raw2 is not None and not raw2.strip():
                    continue
                yield from row(raw2, n2)
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            rec.error = f"bad encoding: not valid UTF-8 (bad byte at offset {exc.start} of the row)"
            yield rec
            return
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            rec.error = f"malformed CSV: {exc}"
            yield rec
            return
        if len(rows) != 1:
            rec.error = "malformed CSV: a line break inside an unquoted field"
            yield rec
            return
        fields = rows[0]
        if len(fields) != len(header):
            rec.error = f"malformed CSV: row has {len(fields)} fields, header has {len(header)}"
            yield rec
            return
        shape = _first_field_shape(raw, delim_b)
        yield _from_fields(rec, dict(zip(header, fields, strict=True)), ro)

    try:
        for raw, n in _csv_records(inp.stream, delimiter, ro.max_record_bytes):
            pos += n
            if raw is not None and not raw.strip():
                if counters is not None:
                    counters["blank_lines"] = counters.get("blank_lines", 0) + 1
                continue
            if header is None:
                if raw is None or b"\x00" in raw:
                    yield Record(source, 0, kind=kind, nbytes=n,
                                 error="malformed CSV: the header row is too large or binary")  # fmt: skip
                    return
                try:
                    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""),
                                             delimiter=delimiter))  # fmt: skip
                except (UnicodeDecodeError, csv.Error, StopIteration) as exc:
                    yield Record(source, 0, kind=kind, nbytes=n,
                                 error=f"malformed CSV: bad header row ({exc})")  # fmt: skip
                    return
                header_raw = raw
                continue
            yield from row(raw, n)
    except Exception as exc:
        yield Record(source, row_no, kind=kind, error=_stream_error(exc, inp.comp))
