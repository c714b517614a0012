"""Planning an audit into shards: the inputs found (files, folders, patterns), what each holds,
and how a large file is cut (byte ranges at line starts, runs of Parquet row groups, runs of
text files). The plan is a pure function of the inputs and the shard size."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any, BinaryIO

from mtdetect.audit.readers.base import (
    _CHUNK,
    _GLOB_CHARS,
    DEFAULT_SHARD_BYTES,
    INPUT_FORMATS,
    STDIN,
    TXT_FILES_PER_SHARD,
    AuditInputError,
    Shard,
)
from mtdetect.audit.readers.sniff import (
    _file_head,
    _name_kind,
    _readable_name,
    resolve_kind,
    sniff_bytes,
)
from mtdetect.inputs import STDIN_TWICE, files_in


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
                raise AuditInputError(STDIN_TWICE)
            files.append(arg)
            continue
        p = Path(arg)
        if (p.is_dir() or p.suffix == ".arrow") and (saved := _saved_dataset(p)) is not None:
            # Its JSON metadata would be audited and its records silently passed over.
            raise _refuse_saved_dataset(arg, saved)
        if p.is_dir():
            found = files_in(p, _readable_name)
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
