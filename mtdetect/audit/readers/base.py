"""What every reader shares: the shard and record types, the read options, field access, and the
constants of planning."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from mtdetect.inputs import InputError

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
