"""Planning an audit into shards and reading the records of one shard, streamed.

A *shard* is the unit of work: one input file, a byte range of a large plain JSON Lines file
(ranges start at line starts), a run of row groups of a large Parquet file, or a run of
consecutive ``.txt`` files. The plan is a pure function of the inputs and the shard size, so
a resumed or distributed run cuts the corpus exactly as the first run did.

What a file holds is decided by its content and its name together: compression by its magic
bytes (gzip, bzip2, xz, zstd), the format by the name and a look at the first decompressed
bytes. A file whose content contradicts its name (a ``.json`` holding one JSON array, a
``.warc.gz`` that is not a WARC file, a ``.jsonl`` that is binary) becomes one shard of kind
``invalid`` that reads as one error row saying so: never a silent one-document score.

Readers never raise for bad data: every problem becomes a :class:`Record` with ``error`` set
(reason plus the position where it happened), and reading goes on where it can. Blank lines
of JSON Lines and CSV are not records: they give no record and no row.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import glob
import hashlib
import io
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from mtdetect.inputs import InputError, compression_of, decode_bytes

__all__ = [
    "INPUT_FORMATS",
    "STDIN",
    "AuditInputError",
    "ReadOptions",
    "Record",
    "Shard",
    "fingerprint",
    "get_field",
    "plan_shards",
    "read_shard",
    "sniff_bytes",
]

#: Default bytes of input per shard (large plain JSONL and Parquet files are split).
DEFAULT_SHARD_BYTES = 64 * 1024 * 1024
#: At most this many ``.txt`` files go into one shard.
TXT_FILES_PER_SHARD = 1000
#: The name of standard input among the inputs, and its ``source`` in rows.
STDIN = "-"
STDIN_SOURCE = "<stdin>"
#: Values of ``--input-format`` (``auto``: by content and name).
INPUT_FORMATS = ("auto", "jsonl", "csv", "tsv", "txt", "parquet", "warc")

_TEXT_SUFFIXES = (".txt", ".text", ".md")
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_WARC_SUFFIXES = (".warc", ".arc", ".wet", ".wat")
_COMPRESSION_SUFFIXES = {".gz": "gz", ".gzip": "gz", ".bz2": "bz2", ".xz": "xz", ".zst": "zst",
                         ".zstd": "zst"}  # fmt: skip
_COMPRESSION_NAMES = {"gz": "gzip", "bz2": "bzip2", "xz": "xz", "zst": "zstd"}
_GLOB_CHARS = set("*?[")
_CHUNK = 1 << 20
_SNIFF = 1 << 16  # decompressed bytes looked at to tell the format
#: A compressed input may inflate to at most this many times its size on disk (or to
#: MIN_DECOMPRESSED bytes, whichever is more): text compresses 3-15x, a "bomb" 1000x.
DEFAULT_MAX_INFLATE = 100.0
MIN_DECOMPRESSED = 16 * 1024 * 1024


class AuditInputError(ValueError):
    """An input argument that names nothing to read (a usage error, raised before any work)."""


@dataclass(frozen=True, slots=True)
class Shard:
    """One unit of work. ``paths`` are as the user named them (they appear in ``source``).

    ``kind`` is txt | jsonl | csv | tsv | parquet | warc | invalid. For ``invalid``,
    ``note`` is the reason (the shard reads as one error row). ``start``/``end`` are a byte
    range of a plain JSON Lines file or a range of row groups of a Parquet file.
    """

    index: int
    kind: str
    paths: tuple[str, ...]
    start: int = 0
    end: int | None = None
    compression: str | None = None  # gz | bz2 | xz | zst
    size: int = 0  # bytes on disk this shard covers (for progress and planning)
    note: str | None = None
    #: The planning process's working folder, against which a relative path is opened (set
    #: for shards run elsewhere, such as on a Dask worker started in another folder); the
    #: path itself stays as named, for ``source``. Not part of the plan.
    base: str | None = None

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}"

    def file(self, path: str) -> str:
        """Where to open ``path`` (one of :attr:`paths`)."""
        if self.base is None or path == STDIN or os.path.isabs(path):
            return path
        return os.path.join(self.base, path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.kind,
            "paths": list(self.paths),
            "start": self.start,
            "end": self.end,
            "compression": self.compression,
            "size": self.size,
            "note": self.note,
        }


@dataclass(slots=True)
class Record:
    """One input record, or the report of one that could not be read.

    ``raw`` is the record's original bytes (a JSONL line with its newline, a CSV row's lines,
    a text file's content) for ``--split-dir``; ``fields`` the parsed record, if any;
    ``progress`` how many bytes of the shard's input on disk have been consumed after it.
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
    progress: int = 0
    kind: str = ""  # the format it was read as (jsonl, csv, ...)
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


# --------------------------------------------------------------------------- sniffing

_MAGIC_BINARY = (
    (b"\x7fELF", "an ELF executable"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\b\x1b")


def sniff_bytes(head: bytes) -> tuple[str, str | None]:
    """What the (decompressed) start of a file looks like: (kind, detail).

    kind is parquet | warc | jsonl (a line that starts with ``{`` among the first lines) |
    json (one JSON document: starts with ``[``, or a lone ``{`` line) | text | empty |
    binary | utf16 (a UTF-16/32 byte order mark).
    """
    if head.startswith(b"PAR1"):
        return "parquet", None
    if head.startswith((b"WARC/", b"filedesc://")):
        return "warc", None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf16", None
    for magic, what in _MAGIC_BINARY:
        if head.startswith(magic):
            return "binary", what
    sample = head[:8192]
    if sample:
        controls = sum(1 for b in sample if b < 32 and b not in _TEXT_CONTROLS)
        if b"\x00" in sample and controls / len(sample) > 0.05:
            return "binary", None
        if controls / len(sample) > 0.3:
            return "binary", None
    body = head.removeprefix(codecs.BOM_UTF8)
    lines = [ln for ln in (x.strip() for x in body.split(b"\n")[:50]) if ln]
    if not lines:
        return "empty", None
    first = lines[0]
    if first.startswith(b"[") or first == b"{":
        return "json", None
    if any(ln.startswith(b"{") for ln in lines[:20]):
        return "jsonl", None
    return "text", None


def _name_kind(path: str) -> tuple[str | None, str | None]:
    """(kind by name, compression by name); kind is None for an unknown name."""
    low = os.path.basename(path).lower()
    compression = None
    for suf, comp in _COMPRESSION_SUFFIXES.items():
        if low.endswith(suf):
            compression, low = comp, low[: -len(suf)]
            break
    if low.endswith(_JSONL_SUFFIXES):
        return "jsonl", compression
    if low.endswith(".json"):
        return "json", compression
    if low.endswith(_WARC_SUFFIXES) or low.endswith(".warc.wet"):
        return "warc", compression
    if low.endswith(_TEXT_SUFFIXES):
        return "txt", compression
    if low.endswith(".csv"):
        return "csv", compression
    if low.endswith(".tsv"):
        return "tsv", compression
    if low.endswith(".parquet"):
        return "parquet", compression
    return None, compression


def _readable_name(path: str) -> bool:
    return _name_kind(path)[0] is not None


def _decompress_prefix(data: bytes, comp: str, limit: int = _SNIFF) -> bytes:
    """The first decompressed bytes of ``data`` (best effort: b"" when it cannot)."""
    try:
        if comp == "gz":
            import zlib

            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, limit)
        if comp == "bz2":
            import bz2

            return bz2.BZ2Decompressor().decompress(data, limit)
        if comp == "xz":
            import lzma

            return lzma.LZMADecompressor().decompress(data, limit)
        if comp == "zst":
            import zstandard

            return zstandard.ZstdDecompressor().decompressobj().decompress(data)[:limit]
    except Exception:
        return b""
    return b""


def _file_head(path: str) -> tuple[bytes, str | None, bytes]:
    """(raw head, compression by content, decompressed head)."""
    with open(path, "rb") as f:
        raw = f.read(_SNIFF)
    comp = compression_of(raw)
    if comp is None:
        return raw, None, raw
    with open(path, "rb") as f:  # decompress enough input for _SNIFF output bytes
        data = f.read(4 * _SNIFF)
    return raw, comp, _decompress_prefix(data, comp)


_KIND_WORD = {"jsonl": "JSON Lines", "json": "JSON", "csv": "CSV", "tsv": "TSV",
              "parquet": "Parquet", "warc": "WARC/WET", "txt": "text"}  # fmt: skip


def resolve_kind(
    name_kind: str | None, content: str, detail: str | None, forced: str = "auto"
) -> tuple[str, str | None]:
    """The kind to read a file as, from its name and content: (kind, reason if invalid)."""
    if content == "binary":
        what = f" ({detail})" if detail else ""
        return "invalid", f"binary file: not text{what}"
    if content == "utf16":
        return "invalid", (
            "bad encoding: UTF-16/UTF-32 text (byte order mark); JSON Lines and CSV must be UTF-8"
        )
    want = forced if forced != "auto" else name_kind
    if content in ("parquet", "warc"):
        if want in (None, content) or forced == "auto":
            return content, None  # the content says what it is
        return "invalid", f"not {_KIND_WORD[want]}: the file is a {_KIND_WORD[content]} file"
    if want == "parquet":
        return "invalid", "not a Parquet file: no PAR1 header"
    if want == "warc":
        return "invalid", "not a WARC/WET file: it does not start with a WARC/ record header"
    if content == "json" and want in ("json", "jsonl"):
        return "invalid", (
            "not JSON Lines: the file is one JSON document (an array or a multi-line object), "
            "not one record a line; convert it first, e.g. jq -c '.[]'"
        )
    if want == "json":
        if content in ("jsonl", "empty"):
            return "jsonl", None
        return "invalid", "not JSON: a .json file whose lines are not JSON objects"
    if want == "jsonl":
        if content in ("jsonl", "empty") or forced == "jsonl":
            return "jsonl", None
        return "invalid", "not JSON Lines: none of the first lines is a JSON object"
    if want in ("csv", "tsv", "txt"):
        return want, None
    if content == "json":
        return "invalid", (
            "not text: the file is one JSON document; name it .json/.jsonl if it holds "
            "records, one a line"
        )
    # An unknown name, named explicitly: the content decides; plain text is one document.
    return ("jsonl" if content == "jsonl" else "txt"), None


def fingerprint(path: str, block: int = 1 << 16) -> dict[str, Any]:
    """What identifies an input's content for ``--resume``: size, modification time and a
    hash of its first and last ``block`` bytes (cheap on any size, and it changes when the
    file is edited in place, even at the same size)."""
    st = os.stat(path)
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        h.update(f.read(block))
        if st.st_size > block:
            f.seek(max(block, st.st_size - block))
            h.update(f.read(block))
    return {"path": path, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "hash": h.hexdigest()}


# --------------------------------------------------------------------------- planning


def _saved_dataset(path: Path) -> Path | None:
    """The folder of a Hugging Face ``datasets`` ``save_to_disk`` output at or below ``path``
    (a ``dataset_dict.json``, or a ``state.json`` beside ``.arrow`` files), or None."""
    if path.is_file():
        return path.parent if path.suffix == ".arrow" else None
    for marker in ("dataset_dict.json", "state.json"):
        for found in sorted(path.rglob(marker)):
            folder = found.parent
            if marker == "dataset_dict.json" or any(folder.glob("*.arrow")):
                return folder
    return None


def _refuse_saved_dataset(arg: str, folder: Path) -> AuditInputError:
    return AuditInputError(
        f"{arg}: {folder} is a Hugging Face datasets folder (save_to_disk); its records are "
        "in .arrow files, which audit does not read. Score it in Python: "
        "`from datasets import load_from_disk; from mtdetect.audit.adapters import "
        f"score_dataset; score_dataset(load_from_disk({str(folder)!r}), 'text')`, or export "
        f"it first: `load_from_disk({str(folder)!r}).to_json('records.jsonl')` (for a "
        "DatasetDict, one split at a time)"
    )


def _expand(inputs: list[str]) -> list[str]:
    files: list[str] = []
    for arg in inputs:
        if arg == STDIN:
            if STDIN in files:
                raise AuditInputError("-: standard input named more than once")
            files.append(arg)
            continue
        p = Path(arg)
        if (p.is_dir() or p.suffix == ".arrow") and (saved := _saved_dataset(p)) is not None:
            # Its JSON metadata would be audited and its records silently passed over.
            raise _refuse_saved_dataset(arg, saved)
        if p.is_dir():
            found = sorted(str(f) for f in p.rglob("*") if f.is_file() and _readable_name(f.name))
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


def _next_line_start(f: BinaryIO, pos: int) -> int:
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


def classify(path: str, input_format: str = "auto") -> tuple[str, str | None, str | None]:
    """(kind, compression, reason if invalid) of one input file."""
    name_kind, name_comp = _name_kind(path)
    if name_kind == "txt" and name_comp is None and input_format in ("auto", "txt"):
        return "txt", None, None  # named text: read as text (bad bytes are its error row)
    try:
        raw, comp, head = _file_head(path)
    except OSError:
        # Unreadable now: let the reader report it, as an error row.
        return name_kind if name_kind not in (None, "json") else "jsonl", name_comp, None
    if comp is not None and not head and raw:
        # A compressed file whose start does not decompress: go by its name; the reader
        # reports the corrupt stream after any records it could read.
        return (name_kind if name_kind not in (None, "json") else "txt"), comp, None
    content, detail = sniff_bytes(head)
    if comp is not None and content == "warc":
        return "warc", comp, None
    kind, reason = resolve_kind(name_kind, content, detail, input_format)
    if kind == "parquet" and comp is not None:
        return "invalid", comp, "Parquet files are not read compressed: decompress it first"
    return kind, comp, reason


def plan_shards(
    inputs: list[str], shard_bytes: int = DEFAULT_SHARD_BYTES, input_format: str = "auto"
) -> list[Shard]:
    """Cut the inputs into shards, deterministically (same inputs, same plan)."""
    if shard_bytes < 1:
        raise AuditInputError("shard size must be positive")
    if input_format not in INPUT_FORMATS:
        raise AuditInputError(f"input format must be one of {', '.join(INPUT_FORMATS)}")
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
        if path == STDIN:
            flush_txt()
            add("stdin", (STDIN,))  # its format is told from its first bytes when read
            continue
        kind, compression, reason = classify(path, input_format)
        try:
            size = os.path.getsize(path)
        except OSError:
            size = 0
        if kind == "txt" and compression is None:
            if txt_group and (
                txt_bytes + size > shard_bytes or len(txt_group) >= TXT_FILES_PER_SHARD
            ):
                flush_txt()
            txt_group.append(path)
            txt_bytes += size
            continue
        flush_txt()
        if kind == "invalid":
            add("invalid", (path,), compression=compression, size=size, note=reason)
        elif kind == "jsonl" and compression is None and size > shard_bytes:
            with open(path, "rb") as f:
                start = 0
                while start < size:
                    end = min(size, _next_line_start(f, start + shard_bytes))
                    add("jsonl", (path,), start=start, end=end, size=end - start)
                    start = end
        elif kind == "parquet" and size > shard_bytes:
            for start, end, nbytes in _parquet_groups(path, shard_bytes):
                add("parquet", (path,), start=start, end=end, size=nbytes)
        else:
            add(kind, (path,), compression=compression, size=size)
    flush_txt()
    return shards


def _parquet_groups(path: str, shard_bytes: int) -> list[tuple[int, int | None, int]]:
    """Runs of row groups of about ``shard_bytes`` (compressed) each: (start, end, bytes)."""
    try:
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        sizes = [meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)]
    except Exception:  # no pyarrow, or a broken file: one shard, the reader reports it
        return [(0, None, os.path.getsize(path))]
    total = sum(sizes) or 1
    scale = os.path.getsize(path) / total  # total_byte_size is uncompressed
    out = []
    start, acc = 0, 0
    for i, s in enumerate(sizes):
        acc += s
        if acc * scale >= shard_bytes or i == len(sizes) - 1:
            out.append((start, i + 1, int(acc * scale)))
            start, acc = i + 1, 0
    return out or [(0, None, os.path.getsize(path))]


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What the readers need to know (a subset of the audit options)."""

    text_field: str = "text"
    id_field: str = "id"
    max_chars: int = 1_000_000
    max_inflate: float = DEFAULT_MAX_INFLATE
    input_format: str = "auto"

    @property
    def max_record_bytes(self) -> int:
        # UTF-8 needs at most 4 bytes a character; leave room for the other fields.
        return 4 * self.max_chars + (1 << 20)

    def max_decompressed(self, compressed_size: int | None) -> int | None:
        """Decompressed bytes allowed for a compressed input of ``compressed_size`` bytes
        (unknown for standard input: the floor applies, grown as input arrives)."""
        if self.max_inflate <= 0:
            return None
        return max(MIN_DECOMPRESSED, int(self.max_inflate * (compressed_size or 0)))


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


class _Counting(io.RawIOBase):
    """A raw stream over ``f`` that counts the bytes read from it (progress on disk), with
    ``prefix`` (bytes already read from ``f`` to sniff it) served first."""

    def __init__(self, f: BinaryIO, prefix: bytes = b"") -> None:
        self.f = f
        self.prefix = prefix
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self.prefix:
            n = min(len(b), len(self.prefix))
            b[:n] = self.prefix[:n]
            self.prefix = self.prefix[n:]
        else:
            data = self.f.read(len(b))
            n = len(data)
            b[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        if self.f is not sys.stdin.buffer:
            self.f.close()
        super().close()


class _CappedStream(io.RawIOBase):
    """Counts the bytes read from a decompressed stream; raises past the cap."""

    def __init__(self, f: BinaryIO, cap: int | None, raw: _Counting, ratio: float) -> None:
        self.f = f
        self.cap = cap
        self.raw = raw
        self.ratio = ratio
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        # read1: what one step of the decompressor gives. A plain read(n) of a truncated
        # stream raises at the cut and drops everything it had decompressed in the call
        # (up to a whole buffer of records before the cut).
        data = self.f.read1(len(b))
        n = len(data)
        b[:n] = data
        self.count += n
        if self.cap is not None:
            cap = max(self.cap, int(self.ratio * self.raw.count))  # stdin: grows with input
            if self.count > cap:
                raise InflateLimitError(
                    f"decompressed beyond {cap:,} bytes from {self.raw.count:,} compressed "
                    f"(over --max-inflate {self.ratio:g}x): a decompression bomb? rest of the "
                    "input skipped"
                )
        return n

    def close(self) -> None:
        self.f.close()
        self.raw.close()
        super().close()


def _decompressor(raw: BinaryIO, comp: str) -> BinaryIO:
    if comp == "gz":
        import gzip

        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if comp == "bz2":
        import bz2

        return bz2.BZ2File(raw, "rb")  # type: ignore[return-value]
    if comp == "xz":
        import lzma

        return lzma.LZMAFile(raw, "rb")  # type: ignore[return-value]
    if comp == "zst":
        try:
            import zstandard
        except ImportError:  # pragma: no cover - depends on the environment
            raise OSError(
                "reading zstd needs the zstandard package: pip install zstandard"
            ) from None
        return _ZstdReader(raw, zstandard.ZstdDecompressor())  # type: ignore[return-value]
    raise ValueError(comp)


class _ZstdReader(io.RawIOBase):
    """Zstandard frames, one after another, read in small steps; a stream that ends inside
    a frame raises :class:`EOFError` (zstandard's stream reader ends quietly there, so a file
    cut at a block boundary read as complete)."""

    #: Compressed bytes fed per step: zstd expands a block at most about 32,000 times, so a
    #: step gives at most a few tens of MB, whatever the input.
    STEP = 1024

    def __init__(self, raw: BinaryIO, dctx: Any) -> None:
        self.raw = raw
        self.dctx = dctx
        self.obj: Any = None
        self.pending = b""
        self.out = b""

    def readable(self) -> bool:
        return True

    def read1(self, n: int = -1) -> bytes:
        while not self.out:
            if not self.pending:
                self.pending = self.raw.read(1 << 16)
                if not self.pending:
                    if self.obj is not None and not self.obj.eof:
                        raise EOFError("the stream ends inside a zstd frame (truncated)")
                    return b""
            if self.obj is None or self.obj.eof:
                self.obj = self.dctx.decompressobj()
            step, self.pending = self.pending[: self.STEP], self.pending[self.STEP :]
            self.out = self.obj.decompress(step)
            if self.obj.eof:  # the frame ended inside this step: the rest is the next frame
                self.pending = self.obj.unused_data + self.pending
        k = len(self.out) if n is None or n < 0 else n
        data, self.out = self.out[:k], self.out[k:]
        return data

    def readinto(self, b: Any) -> int:
        data = self.read1(len(b))
        b[: len(data)] = data
        return len(data)


class _Input:
    """An opened input: ``stream`` gives its (decompressed) bytes; ``raw.count`` is how many
    bytes of the file on disk (or of standard input) have been consumed."""

    def __init__(self, f: BinaryIO, comp: str | None, ro: ReadOptions, size: int | None,
                 prefix: bytes = b"") -> None:  # fmt: skip
        self.raw = _Counting(f, prefix)
        self.comp = comp
        self._shown = 0
        if comp is None:
            self.stream: BinaryIO = io.BufferedReader(self.raw, _CHUNK)  # type: ignore[assignment]
        else:
            # A small raw buffer: progress on disk moves in steps of 64 KB, not 1 MB.
            inner = _decompressor(io.BufferedReader(self.raw, 1 << 16), comp)  # type: ignore[arg-type]
            self._capped = _CappedStream(inner, ro.max_decompressed(size), self.raw, ro.max_inflate)
            self.stream = io.BufferedReader(self._capped, _CHUNK)  # type: ignore[assignment]

    def disk_progress(self, pos: int) -> int:
        """Bytes on disk consumed up to decompressed position ``pos``: the decompressed
        offset at the compression ratio seen so far, so progress moves with every record
        rather than in jumps of a read buffer."""
        if self.comp is None:
            return pos
        produced = self._capped.count
        if produced > 0:
            est = min(self.raw.count, int(pos * self.raw.count / produced))
            self._shown = max(self._shown, est)  # the ratio shifts a little: never go back
        return self._shown

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stream.close()
        with contextlib.suppress(Exception):
            self.raw.close()


def _open_file(shard: Shard, ro: ReadOptions, path: str | None = None) -> _Input:
    path = shard.file(path or shard.paths[0])
    f = open(path, "rb")  # noqa: SIM115 - closed through _Input.close
    if shard.compression is None and shard.start:
        f.seek(shard.start)
    return _Input(f, shard.compression, ro, os.path.getsize(path))


def _stream_error(exc: BaseException, comp: str | None) -> str:
    if isinstance(exc, InflateLimitError):
        return f"too large: {exc}"
    if comp and isinstance(exc, (EOFError, OSError, ValueError)):
        return f"corrupt or truncated {_COMPRESSION_NAMES[comp]} stream: {exc}"
    return f"read failed: {type(exc).__name__}: {exc}"


def _read_lines(
    f: BinaryIO, start: int, end: int | None, limit: int
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


_DOC_RECORDS = ("response", "resource", "conversion")


def _read_warc(inp: _Input, source: str, ro: ReadOptions) -> Iterator[Record]:
    """Each HTML response (WARC) or text conversion (WET) record is one document.

    HTML pages have their main text extracted by trafilatura; WET text is read as is
    (UTF-8, strictly). Other WARC records (warcinfo, request, metadata) are not documents.
    """
    offset = 0
    seen = docs = 0
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError:
        yield Record(source, None, kind="warc",
                     error="reading WARC needs warcio and trafilatura: pip install 'mtdetect[warc]'")  # fmt: skip
        return
    try:
        # gzip WARC: warcio reads the members itself, so offsets are those on disk.
        it = ArchiveIterator(inp.raw if inp.comp == "gz" else inp.stream)
        for wrec in it:
            seen += 1
            if wrec.rec_type not in _DOC_RECORDS:
                continue
            docs += 1
            rec = _warc_record(wrec, source, ro)
            offset = it.get_record_offset()  # only after the body: it consumes the record
            rec.position = offset
            rec.progress = inp.raw.count
            yield rec
    except Exception as exc:
        yield Record(source, offset, kind="warc", error=f"bad WARC file: {exc}")
        return
    if docs == 0:
        yield Record(source, None, kind="warc", error=(
            f"no documents: {seen:,} WARC records, none a response, resource or conversion "
            "(WET) record"))  # fmt: skip


def _warc_record(wrec: Any, source: str, ro: ReadOptions) -> Record:
    h = wrec.rec_headers
    url = h.get_header("WARC-Target-URI")
    rid = h.get_header("WARC-Record-ID")
    rec = Record(source, None, id=rid, kind="warc",
                 fields={"id": rid, "url": url, "date": h.get_header("WARC-Date")})  # fmt: skip
    if wrec.rec_type == "response" and wrec.http_headers:
        ctype = wrec.http_headers.get_header("Content-Type") or ""
    else:
        ctype = h.get_header("Content-Type") or ""
    body = wrec.content_stream().read(ro.max_record_bytes + 1)
    rec.nbytes = len(body)
    low = ctype.lower()
    if len(body) > ro.max_record_bytes:
        rec.error = f"record too large: over {ro.max_record_bytes:,} bytes"
    elif wrec.rec_type == "conversion" or low.startswith("text/plain"):
        try:
            rec.text = decode_bytes(body, "record")
        except InputError as exc:
            rec.error = _decode_error(exc)
    elif "html" in low:
        import trafilatura

        from mtdetect.audit.markers import mt_marker

        html = body.decode("utf-8", "replace")  # HTML declares its own charset; lenient
        rec.extra["mt_marker"] = mt_marker(html)
        rec.text = trafilatura.extract(html, url=url) or ""
        if not rec.text:
            rec.extra["skip"] = "no main text found in the page"
    else:
        rec.text = ""
        rec.extra["skip"] = f"not HTML: content type {ctype or 'unknown'}"
    assert rec.fields is not None
    rec.fields["text"] = rec.text
    return rec


# --------------------------------------------------------------------------- standard input

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


# --------------------------------------------------------------------------- dispatch


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
