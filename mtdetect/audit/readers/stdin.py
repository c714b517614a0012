"""Standard input: its format told from its first bytes, then read as that format."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from mtdetect.audit.readers.base import _SNIFF, STDIN_SOURCE, ReadOptions, Record, Shard
from mtdetect.audit.readers.delimited import _read_csv
from mtdetect.audit.readers.jsonl import _read_jsonl
from mtdetect.audit.readers.sniff import _decompress_prefix, resolve_kind, sniff_bytes
from mtdetect.audit.readers.streams import _Input
from mtdetect.audit.readers.text import _read_txt_stream
from mtdetect.audit.readers.warc import _read_warc
from mtdetect.inputs import compression_of

_STDIN_STATE: dict[str, Any] = {}


def _sniff_stdin(forced: str) -> tuple[str, str | None, str | None, bytes]:
    """Read the first bytes of standard input to tell its format (once per process)."""
    if "kind" not in _STDIN_STATE:
        f = sys.stdin.buffer
        head = b""
        while len(head) < 4 * _SNIFF:
            data = f.read1(4 * _SNIFF - len(head)) if hasattr(f, "read1") else f.read(_SNIFF)
            if not data:
                break
            head += data
        comp = compression_of(head)
        plain = _decompress_prefix(head, comp) if comp else head
        content, detail = sniff_bytes(plain)
        if content in ("parquet",):
            kind, reason = "invalid", "Parquet cannot be read from standard input: name the file"
        elif content == "warc" or forced == "warc":
            kind, reason = resolve_kind("warc", content, detail)
        else:
            kind, reason = resolve_kind(
                None if forced == "auto" else forced, content, detail, forced
            )
        _STDIN_STATE.update(kind=kind, comp=comp, reason=reason, head=head)
    s = _STDIN_STATE
    return s["kind"], s["comp"], s["reason"], s["head"]


def _read_stdin(shard: Shard, ro: ReadOptions, counters: dict[str, int] | None) -> Iterator[Record]:
    if sys.stdin is None or sys.stdin.isatty():
        yield Record(STDIN_SOURCE, None,
                     error="standard input is a terminal: pipe a corpus in or name files")  # fmt: skip
        return
    kind, comp, reason, head = _sniff_stdin(ro.input_format)
    if kind == "invalid":
        yield Record(STDIN_SOURCE, 0, error=reason)
        return
    inp = _Input(sys.stdin.buffer, comp, ro, None, prefix=head)
    try:
        if kind == "jsonl":
            yield from _read_jsonl(inp, STDIN_SOURCE, ro, counters=counters)
        elif kind in ("csv", "tsv"):
            yield from _read_csv(inp, STDIN_SOURCE, ro, kind, counters)
        elif kind == "warc":
            yield from _read_warc(inp, STDIN_SOURCE, ro)
        else:
            yield from _read_txt_stream(inp, STDIN_SOURCE, ro)
    finally:
        inp.close()
