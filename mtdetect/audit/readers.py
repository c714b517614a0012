"""Planning an audit into shards and reading the records of one shard, streamed.

A *shard* is the unit of work, output and resume: one input file, a byte range of a large
plain JSON Lines file (ranges start at line starts), or a run of consecutive ``.txt`` files.
The plan is a pure function of the inputs and the shard size, so a resumed or distributed run
cuts the corpus exactly as the first run did.

Readers never raise for bad data: every problem becomes a :class:`Record` with ``error`` set
(reason plus the position where it happened), and reading goes on where it can.
"""

from __future__ import annotations

import codecs
import csv
import glob
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtdetect.inputs import InputError, decode_bytes

__all__ = [
    "AuditInputError",
    "Record",
    "Shard",
    "get_field",
    "plan_shards",
    "read_shard",
]

#: Default bytes of input per shard (large plain JSONL files are split at about this size).
DEFAULT_SHARD_BYTES = 64 * 1024 * 1024
#: At most this many ``.txt`` files go into one shard.
TXT_FILES_PER_SHARD = 1000

_TEXT_SUFFIXES = (".txt", ".text", ".md")
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_COMPRESSED = {".gz": "gz", ".zst": "zst"}
_GLOB_CHARS = set("*?[")
_CHUNK = 1 << 20
#: A compressed JSON Lines file may inflate to at most this many times its size on disk (or
#: to MIN_DECOMPRESSED bytes, whichever is more): text compresses 3-15x, a "gzip bomb" 1000x.
DEFAULT_MAX_INFLATE = 100.0
MIN_DECOMPRESSED = 16 * 1024 * 1024


class AuditInputError(ValueError):
    """An input argument that names nothing to read (a usage error, raised before any work)."""


@dataclass(frozen=True, slots=True)
class Shard:
    """One unit of work. ``paths`` are as the user named them (they appear in ``source``)."""

    index: int
    kind: str  # txt | jsonl | csv | tsv | parquet | warc | binary
    paths: tuple[str, ...]
    start: int = 0
    end: int | None = None  # exclusive byte offset for a byte range of a plain file
    compression: str | None = None  # gz | zst
    size: int = 0  # bytes on disk this shard covers (for progress and planning)

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.kind,
            "paths": list(self.paths),
            "start": self.start,
            "end": self.end,
            "compression": self.compression,
            "size": self.size,
        }


@dataclass(slots=True)
class Record:
    """One input record, or the report of one that could not be read.

    ``raw`` is the record's original bytes (a JSONL line with its newline, a CSV row's lines,
    a text file's content) for ``--split-dir``; ``fields`` the parsed record, if any.
    """

    source: str
    position: int | None
    seq: int = 0  # index within the shard; orders ties deterministically
    text: str | None = None
    id: str | None = None
    fields: dict[str, Any] | None = None
    raw: bytes | None = None
    error: str | None = None
    nbytes: int = 0  # bytes consumed from the (decompressed) input
    extra: dict[str, Any] = field(default_factory=dict)


def get_field(obj: Any, path: str) -> Any:
    """``obj[a][b]`` for ``path`` "a.b"; a key containing the dots wins. KeyError if absent."""
    if isinstance(obj, dict) and path in obj:
        return obj[path]
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            raise KeyError(path)
        cur = cur[part]
    return cur


# --------------------------------------------------------------------------- planning


def _kind_of(path: str) -> tuple[str, str | None] | None:
    low = path.lower()
    compression = None
    for suf, comp in _COMPRESSED.items():
        if low.endswith(suf):
            compression, low = comp, low[: -len(suf)]
            break
    if low.endswith(_JSONL_SUFFIXES):
        return "jsonl", compression
    if low.endswith(".warc") or low.endswith(".arc"):
        return "warc", compression  # warcio handles gz itself
    if compression is not None:
        return None
    if low.endswith(_TEXT_SUFFIXES):
        return "txt", None
    if low.endswith(".csv"):
        return "csv", None
    if low.endswith(".tsv"):
        return "tsv", None
    if low.endswith(".parquet"):
        return "parquet", None
    return None


def _expand(inputs: list[str]) -> list[str]:
    files: list[str] = []
    for arg in inputs:
        p = Path(arg)
        if p.is_dir():
            found = sorted(
                str(f) for f in p.rglob("*") if f.is_file() and _kind_of(f.name) is not None
            )
            if not found:
                raise AuditInputError(f"{arg}: directory has no files mtdetect can read")
            files.extend(found)
        elif p.is_file():
            files.append(arg)
        elif _GLOB_CHARS & set(arg):
            found = sorted(f for f in glob.glob(arg, recursive=True) if os.path.isfile(f))
            if not found:
                raise AuditInputError(f"{arg}: pattern matches no files")
            files.extend(found)
        else:
            raise AuditInputError(f"{arg}: no such file or directory")
    return files


def _next_line_start(f: io.BufferedReader, pos: int) -> int:
    """The first line start at or after ``pos`` (scans in chunks: lines may be huge)."""
    if pos <= 0:
        return 0
    f.seek(pos - 1)
    offset = pos - 1
    while True:
        chunk = f.read(_CHUNK)
        if not chunk:
            return offset
        nl = chunk.find(b"\n")
        if nl >= 0:
            return offset + nl + 1
        offset += len(chunk)


def _looks_binary(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(8192)
    except OSError:
        return False  # the reader reports it, as an error row
    return b"\x00" in head


def plan_shards(inputs: list[str], shard_bytes: int = DEFAULT_SHARD_BYTES) -> list[Shard]:
    """Cut the inputs into shards, deterministically (same inputs, same plan)."""
    if shard_bytes < 1:
        raise AuditInputError("shard size must be positive")
    shards: list[Shard] = []
    txt_group: list[str] = []
    txt_bytes = 0

    def add(kind: str, paths: tuple[str, ...], **kw: Any) -> None:
        shards.append(Shard(len(shards), kind, paths, **kw))

    def flush_txt() -> None:
        nonlocal txt_group, txt_bytes
        if txt_group:
            add("txt", tuple(txt_group), size=txt_bytes)
        txt_group, txt_bytes = [], 0

    for path in _expand(inputs):
        kind, compression = _kind_of(path) or ("txt", None)  # named explicitly: try as text
        try:
            size = os.path.getsize(path)
        except OSError:
            size = 0
        if kind == "txt":
            if txt_group and (
                txt_bytes + size > shard_bytes or len(txt_group) >= TXT_FILES_PER_SHARD
            ):
                flush_txt()
            txt_group.append(path)
            txt_bytes += size
            continue
        flush_txt()
        if kind in ("jsonl", "csv", "tsv") and compression is None and _looks_binary(path):
            add("binary", (path,), size=size)
        elif kind == "jsonl" and compression is None and size > shard_bytes:
            with open(path, "rb") as f:
                start = 0
                while start < size:
                    end = min(size, _next_line_start(f, start + shard_bytes))
                    add("jsonl", (path,), start=start, end=end, size=end - start)
                    start = end
        else:
            add(kind, (path,), compression=compression, size=size)
    flush_txt()
    return shards


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What the readers need to know (a subset of the audit options)."""

    text_field: str = "text"
    id_field: str = "id"
    max_chars: int = 1_000_000
    max_inflate: float = DEFAULT_MAX_INFLATE

    @property
    def max_record_bytes(self) -> int:
        # UTF-8 needs at most 4 bytes a character; leave room for the other fields.
        return 4 * self.max_chars + (1 << 20)

    def max_decompressed(self, compressed_size: int) -> int | None:
        """Decompressed bytes allowed for a compressed file of ``compressed_size`` bytes."""
        if self.max_inflate <= 0:
            return None
        return max(MIN_DECOMPRESSED, int(self.max_inflate * compressed_size))


def _id_str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _decode_error(exc: InputError) -> str:
    msg = str(exc).split(": ", 1)[-1].replace(")", " of the record)")
    return f"bad encoding: {msg}"


def _from_fields(rec: Record, obj: Any, ro: ReadOptions) -> Record:
    """Fill text/id from a parsed record, or set ``error`` if the text is missing."""
    if not isinstance(obj, dict):
        rec.error = f"not a record: JSON {type(obj).__name__}, expected an object"
        return rec
    rec.fields = obj
    try:
        rec.id = _id_str(get_field(obj, ro.id_field))
    except KeyError:
        rec.id = None
    try:
        text = get_field(obj, ro.text_field)
    except KeyError:
        rec.error = f"missing field: no {ro.text_field!r} in the record"
        return rec
    if text is None:
        text = ""
    if not isinstance(text, str):
        rec.error = f"bad field: {ro.text_field!r} is {type(text).__name__}, not a string"
        return rec
    rec.text = text
    return rec


class InflateLimitError(OSError):
    """A compressed input inflates beyond the cap (a decompression bomb, or --max-inflate)."""


class _CappedStream:
    """Counts the bytes read from a decompressed stream; raises past ``cap``."""

    def __init__(self, f: io.BufferedIOBase, cap: int, compressed: int, ratio: float) -> None:
        self.f = f
        self.cap = cap
        self.compressed = compressed
        self.ratio = ratio
        self.count = 0

    def _check(self, data: bytes) -> bytes:
        self.count += len(data)
        if self.count > self.cap:
            raise InflateLimitError(
                f"decompressed beyond {self.cap:,} bytes from {self.compressed:,} compressed "
                f"(over --max-inflate {self.ratio:g}x): a decompression bomb? rest of file skipped"
            )
        return data

    def readline(self, size: int = -1) -> bytes:
        return self._check(self.f.readline(size))

    def read(self, size: int = -1) -> bytes:
        return self._check(self.f.read(size))

    def seek(self, pos: int) -> int:
        return self.f.seek(pos)

    def close(self) -> None:
        self.f.close()

    def __enter__(self) -> _CappedStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_stream(shard: Shard, ro: ReadOptions | None = None) -> io.BufferedIOBase:
    f = _open_raw_stream(shard)
    cap = ro.max_decompressed(os.path.getsize(shard.paths[0])) if ro and shard.compression else None
    if cap is None:
        return f
    assert ro is not None
    return _CappedStream(f, cap, os.path.getsize(shard.paths[0]), ro.max_inflate)  # type: ignore[return-value]


def _open_raw_stream(shard: Shard) -> io.BufferedIOBase:
    path = shard.paths[0]
    if shard.compression == "gz":
        import gzip

        return gzip.open(path, "rb")  # type: ignore[return-value]
    if shard.compression == "zst":
        try:
            import zstandard
        except ImportError:  # pragma: no cover - depends on the environment
            raise OSError(
                "reading .zst needs the zstandard package: pip install zstandard"
            ) from None
        raw = open(path, "rb")  # noqa: SIM115 - closed through the wrapper
        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))
    return open(path, "rb")


def _stream_error(exc: BaseException, shard: Shard) -> str:
    if isinstance(exc, InflateLimitError):
        return f"too large: {exc}"
    if shard.compression and isinstance(exc, (EOFError, OSError, ValueError)):
        return f"corrupt or truncated {shard.compression} stream: {exc}"
    return f"read failed: {type(exc).__name__}: {exc}"


def _read_lines(
    f: io.BufferedIOBase, start: int, end: int | None, limit: int
) -> Iterator[tuple[int, bytes | None, int]]:
    """(offset, line or None when longer than ``limit``, length) for each line in range."""
    offset = start
    while end is None or offset < end:
        line = f.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            n = len(line)
            while True:  # skip the rest of the oversized line without holding it
                more = f.readline(_CHUNK)
                n += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield offset, None, n
            offset += n
            continue
        yield offset, line, len(line)
        offset += len(line)


def _read_jsonl(shard: Shard, ro: ReadOptions) -> Iterator[Record]:
    source = shard.paths[0]
    offset = shard.start
    try:
        f = _open_stream(shard, ro)
    except OSError as exc:
        yield Record(source, 0, error=f"cannot open: {exc.strerror or exc}")
        return
    with f:
        try:
            if shard.start:
                f.seek(shard.start)
            first = True
            for offset, line, n in _read_lines(f, shard.start, shard.end, ro.max_record_bytes):
                rec = Record(source, offset, raw=line, nbytes=n)
                if line is None:
                    rec.error = f"record too large: {n:,} bytes (over --max-chars)"
                    yield rec
                    continue
                if first and shard.compression and b"\x00" in line:
                    rec.error = "binary file: contains NUL bytes, not text"
                    yield rec
                    return
                first = False
                body = line.rstrip(b"\r\n")
                if not body.strip():
                    rec.error = None
                    rec.text = ""
                    rec.extra["blank"] = True
                    yield rec
                    continue
                try:
                    decoded = decode_bytes(body, "record")
                except InputError as exc:
                    rec.error = _decode_error(exc)
                    yield rec
                    continue
                try:
                    obj = json.loads(decoded)
                except json.JSONDecodeError as exc:
                    rec.error = f"malformed JSON: {exc.msg} at column {exc.colno}"
                    yield rec
                    continue
                except RecursionError:
                    rec.error = "malformed JSON: nested too deeply"
                    yield rec
                    continue
                except ValueError as exc:  # e.g. an integer over Python's 4,300-digit limit
                    rec.error = f"malformed JSON: {exc}"
                    yield rec
                    continue
                yield _from_fields(rec, obj, ro)
            offset = -1
        except Exception as exc:  # a stream that breaks mid-way: report, keep what was read
            yield Record(source, offset if offset >= 0 else None, error=_stream_error(exc, shard))


class _RawLines:
    """Feeds decoded lines to ``csv.reader`` while remembering the raw bytes consumed."""

    def __init__(self, f: io.BufferedIOBase, limit: int) -> None:
        self.f = f
        self.limit = limit
        self.consumed: list[bytes] = []
        self.offset = 0

    def __iter__(self) -> _RawLines:
        return self

    def __next__(self) -> str:
        line = self.f.readline(self.limit + 1)
        if not line:
            raise StopIteration
        if len(line) > self.limit and not line.endswith(b"\n"):
            # A line over the limit: skip the rest of it without holding it, and report the
            # row (``csv.reader`` starts afresh on the next call, so no bogus rows follow).
            n = len(line)
            while True:
                more = self.f.readline(_CHUNK)
                n += len(more)
                if not more or more.endswith(b"\n"):
                    break
            self.consumed.clear()
            self.offset += n
            raise _OversizedRow(n)
        self.consumed.append(line)
        self.offset += len(line)
        # surrogateescape keeps bad bytes visible; the row is reported as an error below.
        return line.decode("utf-8", "surrogateescape")


class _OversizedRow(Exception):
    def __init__(self, nbytes: int) -> None:
        super().__init__(nbytes)
        self.nbytes = nbytes


def _read_csv(shard: Shard, ro: ReadOptions) -> Iterator[Record]:
    source = shard.paths[0]
    try:
        f = open(source, "rb")  # noqa: SIM115
    except OSError as exc:
        yield Record(source, 0, error=f"cannot open: {exc.strerror or exc}")
        return
    csv.field_size_limit(ro.max_record_bytes)
    lines = _RawLines(f, ro.max_record_bytes)
    reader = csv.reader(lines, delimiter="\t" if shard.kind == "tsv" else ",")
    row_no = 0
    with f:
        try:
            header = next(reader, None)
            if header is None:
                return
            if header and header[0].startswith("\ufeff"):
                header[0] = header[0][1:]
            header_raw = b"".join(lines.consumed)
            lines.consumed.clear()
            while True:
                row_no += 1
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except _OversizedRow as exc:
                    yield Record(source, row_no, nbytes=exc.nbytes,
                                 error=f"record too large: a line of {exc.nbytes:,} bytes "
                                 "(over --max-chars)")  # fmt: skip
                    continue
                except csv.Error as exc:
                    raw = b"".join(lines.consumed)
                    lines.consumed.clear()
                    yield Record(source, row_no, raw=raw, nbytes=len(raw),
                                 error=f"malformed CSV: {exc}")  # fmt: skip
                    continue
                raw = b"".join(lines.consumed)
                lines.consumed.clear()
                rec = Record(source, row_no, raw=raw, nbytes=len(raw))
                rec.extra["header"] = header_raw
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    rec.error = (
                        f"bad encoding: not valid UTF-8 (bad byte at offset {exc.start} of the row)"
                    )
                    yield rec
                    continue
                if len(row) != len(header):
                    rec.error = (
                        f"malformed CSV: row has {len(row)} fields, header has {len(header)}"
                    )
                    yield rec
                    continue
                yield _from_fields(rec, dict(zip(header, row, strict=True)), ro)
        except Exception as exc:
            yield Record(source, row_no, error=_stream_error(exc, shard))


def _read_txt(shard: Shard, ro: ReadOptions) -> Iterator[Record]:
    for path in shard.paths:
        rec = Record(path, None, id=path)
        try:
            size = os.path.getsize(path)
            if size > ro.max_record_bytes:
                rec.error = f"record too large: file is {size:,} bytes (over --max-chars)"
                rec.nbytes = size
                yield rec
                continue
            data = Path(path).read_bytes()
        except OSError as exc:
            rec.error = f"cannot read: {exc.strerror or exc}"
            yield rec
            continue
        rec.raw, rec.nbytes = data, len(data)
        try:
            rec.text = decode_bytes(data, path)
        except InputError as exc:
            rec.error = str(exc).split(": ", 1)[-1]
            if rec.error.startswith("not valid"):
                rec.error = "bad encoding: " + rec.error
        rec.fields = {"id": path, "text": rec.text} if rec.text is not None else None
        yield rec


def _read_parquet(shard: Shard, ro: ReadOptions) -> Iterator[Record]:
    source = shard.paths[0]
    row = 0
    try:
        import pyarrow.parquet as pq
    except ImportError:
        yield Record(
            source, None, error="reading Parquet needs pyarrow: pip install 'mtdetect[parquet]'"
        )
        return
    try:
        pf = pq.ParquetFile(source)
        for batch in pf.iter_batches(batch_size=1024):
            for obj in batch.to_pylist():
                row += 1
                yield _from_fields(Record(source, row), obj, ro)
    except Exception as exc:
        yield Record(source, row or None, error=f"bad Parquet file: {exc}")


def _read_warc(shard: Shard, ro: ReadOptions) -> Iterator[Record]:
    """Each HTTP response with an HTML body is one record; its main text is extracted."""
    source = shard.paths[0]
    offset = 0
    try:
        import trafilatura
        from warcio.archiveiterator import ArchiveIterator
    except ImportError:
        yield Record(
            source,
            None,
            error="reading WARC needs warcio and trafilatura: pip install 'mtdetect[warc]'",
        )
        return
    try:
        with open(source, "rb") as f:
            it = ArchiveIterator(f)
            for wrec in it:
                if wrec.rec_type != "response":
                    continue
                url = wrec.rec_headers.get_header("WARC-Target-URI")
                rid = wrec.rec_headers.get_header("WARC-Record-ID")
                rec = Record(source, None, id=rid, fields={"id": rid, "url": url})
                ctype = (
                    wrec.http_headers.get_header("Content-Type") if wrec.http_headers else ""
                ) or ""
                body = wrec.content_stream().read(ro.max_record_bytes + 1)
                offset = it.get_record_offset()  # only after the body: it consumes the record
                rec.position = offset
                rec.nbytes = len(body)
                if "html" not in ctype.lower():
                    rec.text = ""
                    rec.extra["skip"] = f"not HTML: content type {ctype or 'unknown'}"
                elif len(body) > ro.max_record_bytes:
                    rec.error = f"record too large: over {ro.max_record_bytes:,} bytes"
                else:
                    html = body.decode("utf-8", "replace")  # HTML declares its own charset; lenient
                    rec.text = trafilatura.extract(html, url=url) or ""
                    if not rec.text:
                        rec.extra["skip"] = "no main text found in the page"
                rec.fields["text"] = rec.text
                yield rec
    except Exception as exc:
        yield Record(source, offset, error=f"bad WARC file: {exc}")


def _binary_reason(shard: Shard) -> str:
    try:
        with open(shard.paths[0], "rb") as f:
            head = f.read(4)
    except OSError:
        head = b""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # UTF-32 LE's BOM starts like UTF-16 LE's: both are "not UTF-8" to the user.
        return (
            "bad encoding: UTF-16/UTF-32 text (byte order mark); JSON Lines and CSV must be UTF-8"
        )
    return "binary file: contains NUL bytes, not text"


def read_shard(shard: Shard, ro: ReadOptions) -> Iterator[Record]:
    """The records of ``shard`` in input order, each with its ``seq`` within the shard."""
    if shard.kind == "binary":
        readers: Iterator[Record] = iter([Record(shard.paths[0], 0, error=_binary_reason(shard))])
    else:
        reader = {
            "jsonl": _read_jsonl,
            "csv": _read_csv,
            "tsv": _read_csv,
            "txt": _read_txt,
            "parquet": _read_parquet,
            "warc": _read_warc,
        }[shard.kind]
        readers = reader(shard, ro)
    for seq, rec in enumerate(readers):
        rec.seq = seq
        yield rec
