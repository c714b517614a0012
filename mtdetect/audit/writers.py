"""Writing one shard's output in parts, atomically, and the bookkeeping of an output folder.

Layout of an output directory ``OUT``::

    OUT/_plan.json                  inputs (with content fingerprints), shards and options
    OUT/part-00000-00000.jsonl      shard 0, part 0: rows in input order (or .csv / .parquet)
    OUT/_done/part-00000-00000.json the manifest entry of a finished part: its statistics
    OUT/_summary.json               totals over all parts (written when every shard is done)
    OUT/_SUCCESS                    empty; present only when the whole audit finished

A shard's rows are cut into parts of about ``--max-file-size`` bytes, at record boundaries,
so one huge input is neither one file nor one unit of resume. A part is written to a hidden
temporary file and renamed into place, and only then is its manifest entry written (also by
rename). So every ``part-*`` file is complete, and on ``--resume`` a shard goes on after its
last part with a manifest entry, replacing any later file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import math
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mtdetect.audit.readers import Record, Shard
from mtdetect.audit.schema import AUDIT_COLUMNS, OPTIONAL_COLUMNS, arrow_column, arrow_schema
from mtdetect.result import dumps_json, scrub_surrogates

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "HIST_BINS",
    "ShardWriter",
    "atomic_write_bytes",
    "clean_temp_files",
    "empty_stats",
    "merge_stats",
    "read_done",
    "shard_complete",
]

HIST_BINS = 20
MAX_ERRORS_KEPT = 20
#: Per part, at most this many sources and URL hosts are counted one by one.
MAX_SOURCES_PER_PART = 1000
#: The summary lists this many sources and hosts (the rest are added up as "other").
SUMMARY_SOURCES = 50
DEFAULT_MAX_FILE_SIZE = 128 * 1024 * 1024
SUFFIX = {"jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet"}
SPLIT_FORMATS = ("input", "jsonl", "parquet")
_OTHER = "(other)"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on every platform; best effort
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _temp_name(final: Path) -> Path:
    # Unique per writer: a retried task on a cluster must not write into another's file.
    return final.with_name(f".{final.name}.{uuid.uuid4().hex[:12]}.tmp")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    tmp = _temp_name(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # Ctrl-C or SIGTERM mid-write: leave no temporary file behind
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def clean_temp_files(*dirs: Path, shard: Shard | None = None) -> None:
    """Remove temporary files left by an interrupted run (only ``shard``'s, if given)."""
    pattern = f".{shard.name}-*.tmp" if shard is not None else ".*.tmp"
    for d in dirs:
        if d.is_dir():
            for p in d.rglob(pattern):
                with contextlib.suppress(OSError):
                    p.unlink()


def part_name(shard: Shard, chunk: int) -> str:
    return f"{shard.name}-{chunk:05d}"


def read_done(out: Path, shard: Shard) -> list[dict[str, Any]]:
    """The manifest entries of ``shard``'s finished parts, in order (part 0, 1, ... up to the
    first one missing or damaged, which counts as not done)."""
    entries = []
    while True:
        name = part_name(shard, len(entries))
        try:
            stats = json.loads((out / "_done" / f"{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return entries
        part = out / f"{name}{SUFFIX.get(stats.get('format', ''), '')}"
        if stats.get("shard") != shard.index or not part.is_file():
            return entries
        entries.append(stats)
        if stats.get("last"):
            return entries


def shard_complete(entries: list[dict[str, Any]]) -> bool:
    return bool(entries) and bool(entries[-1].get("last"))


def empty_stats() -> dict[str, Any]:
    return {
        "records": 0,
        "bytes": 0,
        "blank_lines": 0,
        "status": {"ok": 0, "error": 0, "skipped": 0},
        "verdicts": {},
        "histogram": [0] * HIST_BINS,
        "families": {},
        "family_docs": {},
        "error_reasons": {},
        "skip_reasons": {},
        "mt_markers": {},
        "ids": 0,
        "id_sketch": "",
        "errors": [],
        "kept": 0,
        "rejected": 0,
        "worst": [],
        "by_source": {},
        "by_host": {},
        "thresholds": {},
    }


def _top(worst: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
    # Total order (score desc, then input order) so every run picks the same documents.
    return sorted(worst, key=lambda w: (-w["score"], w["shard"], w["seq"]))[:k]


def _source_counts() -> dict[str, Any]:
    return {"records": 0, "ok": 0, "skipped": 0, "error": 0, "suspect": 0, "rewritten": 0,
            "score_sum": 0.0}  # fmt: skip


def _add_counts(into: dict[str, Any], c: dict[str, Any]) -> None:
    for k, v in c.items():
        into[k] = into.get(k, 0) + v


def _capped_table(table: dict[str, dict[str, Any]], n: int) -> dict[str, dict[str, Any]]:
    """The ``n`` largest entries by records (then name), the rest added up under "(other)"."""
    order = sorted(table.items(), key=lambda kv: (kv[0] == _OTHER, -kv[1]["records"], kv[0]))
    out = dict(order[:n])
    rest = [c for k, c in order[n:]]
    if rest:
        other = out.pop(_OTHER, None) or _source_counts()
        for c in rest:
            _add_counts(other, c)
        out[_OTHER] = other
    return out


#: HyperLogLog registers of the id sketch: 2**14 (16 kB), a relative error of about 0.8%.
SKETCH_BITS = 14


class IdSketch:
    """A HyperLogLog sketch of the distinct ids seen: a few kB whatever the corpus, merged
    across parts by taking each register's maximum, so the summary can say how many records
    share an id with another (exactly enough for small audits, within a few per cent for
    large ones) without holding the ids."""

    def __init__(self, encoded: str = "") -> None:
        m = 1 << SKETCH_BITS
        self.reg = bytearray(base64.b64decode(encoded)) if encoded else bytearray(m)
        if len(self.reg) != m:
            self.reg = bytearray(m)

    def add(self, key: str) -> None:
        h = int.from_bytes(
            hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big"
        )
        rest_bits = 64 - SKETCH_BITS
        rest = h & ((1 << rest_bits) - 1)
        rank = rest_bits - rest.bit_length() + 1
        i = h >> rest_bits
        if rank > self.reg[i]:
            self.reg[i] = rank

    def merge(self, other: IdSketch) -> None:
        self.reg = bytearray(max(a, b) for a, b in zip(self.reg, other.reg, strict=True))

    def encode(self) -> str:
        return base64.b64encode(bytes(self.reg)).decode() if any(self.reg) else ""

    def distinct(self) -> float:
        """The estimated number of distinct ids (HyperLogLog, small-range corrected)."""
        m = len(self.reg)
        est = (0.7213 / (1 + 1.079 / m)) * m * m / sum(2.0**-r for r in self.reg)
        zeros = self.reg.count(0)
        if est <= 2.5 * m and zeros:
            est = m * math.log(m / zeros)
        return est


def merge_stats(items: Iterable[dict[str, Any]], top_k: int = 10) -> dict[str, Any]:
    """Totals over part statistics (in the order given)."""
    total = empty_stats()
    ids = IdSketch()
    for s in items:
        total["records"] += s["records"]
        total["bytes"] += s["bytes"]
        total["blank_lines"] += s.get("blank_lines", 0)
        total["kept"] += s.get("kept", 0)
        total["ids"] += s.get("ids", 0)
        if s.get("id_sketch"):
            ids.merge(IdSketch(s["id_sketch"]))
        total["rejected"] += s.get("rejected", 0)
        for key in (
            "status",
            "verdicts",
            "families",
            "family_docs",
            "error_reasons",
            "skip_reasons",
            "mt_markers",
        ):
            for k, v in s.get(key, {}).items():
                total[key][k] = total[key].get(k, 0) + v
        total["histogram"] = [
            a + b for a, b in zip(total["histogram"], s["histogram"], strict=True)
        ]
        room = MAX_ERRORS_KEPT - len(total["errors"])
        total["errors"].extend(s["errors"][: max(0, room)])
        total["worst"] = _top(total["worst"] + s["worst"], top_k)
        for key in ("by_source", "by_host"):
            for name, c in s.get(key, {}).items():
                _add_counts(total[key].setdefault(name, _source_counts()), c)
        total["thresholds"] = total["thresholds"] or s.get("thresholds", {})
    total["families"] = dict(sorted(total["families"].items(), key=lambda kv: (-kv[1], kv[0])))
    for key in ("by_source", "by_host"):
        total[key] = _capped_table(total[key], SUMMARY_SOURCES)
    total["id_sketch"] = ids.encode()
    return total


# --------------------------------------------------------------------------- files


def _parquet_table(rows: list[dict[str, Any]], fixed: Any, types: dict[str, Any]) -> Any:
    """A table of ``rows``: the ``fixed`` schema's columns, then every other key as a typed
    column (``types`` where known, e.g. from a Parquet input; else inferred)."""
    import pyarrow as pa

    names = list(fixed.names) if fixed is not None else []
    extra: dict[str, None] = {}
    for r in rows:
        for k in r:
            if k not in extra and (fixed is None or k not in fixed.names):
                extra[k] = None
    arrays, fields = [], []
    for name in names:
        t = fixed.field(name).type
        arrays.append(pa.array([r.get(name) for r in rows], type=t))
        fields.append(pa.field(name, t))
    for name in extra:
        values = [r.get(name) for r in rows]
        arr = None
        if name in types:
            with contextlib.suppress(pa.ArrowException, TypeError, ValueError):
                arr = pa.array(values, type=types[name])
        if arr is None:
            arr, _ = arrow_column(values)
        arrays.append(arr)
        fields.append(pa.field(name, arr.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def unify_parquet_schemas(folder: Path) -> int:
    """Give every ``part-*.parquet`` file in ``folder`` one schema; returns how many parts
    were rewritten.

    A part's passthrough columns (``--keep-fields``) take their types from the part's own
    rows, so a field can be a number in one part and text in another, and readers of the
    whole folder (``pandas.read_parquet``, ``pyarrow.parquet.read_table``) then refuse it.
    Once every part is written: a column whose type differs between parts becomes text in
    all of them (strings as they are, anything else as JSON text), a column some parts lack
    is added to them as nulls, and the parts that differ from that schema are rewritten.
    The result depends only on the parts, so a resumed audit ends byte-identical to one
    that ran through."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from mtdetect.result import dumps_json

    parts = sorted(folder.glob("part-*.parquet"))
    if len(parts) < 2:
        return 0
    schemas = [pq.read_schema(p) for p in parts]
    types: dict[str, Any] = {}
    for schema in schemas:
        for f in schema:
            have = types.get(f.name)
            if have is None or pa.types.is_null(have):
                types[f.name] = f.type
            elif have != f.type and not pa.types.is_null(f.type):
                types[f.name] = pa.string()
    target = pa.schema([pa.field(n, t) for n, t in types.items()])
    rewritten = 0
    for path, schema in zip(parts, schemas, strict=True):
        if schema.names == target.names and schema.types == target.types:
            continue
        table = pq.read_table(path)
        arrays = []
        for field in target:
            if field.name not in table.column_names:
                arrays.append(pa.nulls(len(table), field.type))
                continue
            col = table.column(field.name)
            if col.type == field.type:
                arrays.append(col)
            elif pa.types.is_string(field.type):
                values = [v if v is None or isinstance(v, str)
                          else dumps_json(v, sort_keys=True, default=str)
                          for v in col.to_pylist()]  # fmt: skip
                arrays.append(pa.array(values, type=pa.string()))
            else:
                arrays.append(col.cast(field.type))
        tmp = _temp_name(path)
        pq.write_table(pa.Table.from_arrays(arrays, schema=target), tmp, row_group_size=64 * 1024)
        os.replace(tmp, path)
        rewritten += 1
    return rewritten


def _scrub(value: Any) -> Any:
    """Lone surrogates in strings (nested too) as U+FFFD: Arrow writes UTF-8 only."""
    if isinstance(value, str):
        return scrub_surrogates(value)
    if isinstance(value, dict):
        return {
            scrub_surrogates(k) if isinstance(k, str) else k: _scrub(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


class _TempFile:
    """A file written under a temporary name and renamed into place on commit, so that a
    crash never leaves a partial file under the final name."""

    final: Path
    tmp: Path
    _f: Any = None

    def _publish(self) -> None:
        """Flush and sync the stream (if any), then rename the temporary file into place."""
        if self._f is not None:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()
        os.replace(self.tmp, self.final)

    def abort(self) -> None:
        """Close and delete the temporary file."""
        if self._f is not None:
            with contextlib.suppress(Exception):
                self._f.close()
        with contextlib.suppress(OSError):
            self.tmp.unlink()


class _RowFile(_TempFile):
    """The rows of one part: JSON Lines or CSV streamed to a temporary file, Parquet held
    (a part is bounded by ``--max-file-size``) and written on commit."""

    def __init__(self, final: Path, fmt: str, columns: tuple[str, ...], fixed_schema: Any,
                 types: dict[str, Any]) -> None:  # fmt: skip
        self.final = final
        self.tmp = _temp_name(final)
        self.format = fmt
        self.size = 0
        self.rows: list[dict[str, Any]] = []
        self.fixed_schema = fixed_schema
        self.types = types
        self._f: Any = None
        if fmt != "parquet":
            self._f = open(self.tmp, "wb")  # noqa: SIM115 - closed in commit/abort
        if fmt == "csv":
            import csv

            self._text = io.TextIOWrapper(self._f, encoding="utf-8", newline="", write_through=True)
            self._csv = csv.writer(self._text, lineterminator="\n")
            self._columns = columns
            self._csv.writerow(columns)

    def add(self, row: dict[str, Any]) -> None:
        if self.format == "jsonl":
            data = dumps_json(row, separators=(",", ":")).encode() + b"\n"
            self._f.write(data)
            self.size += len(data)
        elif self.format == "csv":
            values = [_csv_value(row.get(c)) for c in self._columns]
            self._csv.writerow(values)
            self.size += sum(len(v) if isinstance(v, str) else 8 for v in values) + len(values)
        else:
            # Held until commit: the size is that of the row as JSON, before compression.
            self.rows.append(_scrub(row))
            self.size += len(dumps_json(row, separators=(",", ":"), default=str)) + 1

    def commit(self) -> None:
        if self.format == "parquet":
            import pyarrow.parquet as pq

            table = _parquet_table(self.rows, self.fixed_schema, self.types)
            pq.write_table(table, self.tmp, row_group_size=64 * 1024)
            self.rows = []
        elif self.format == "csv":
            self._text.flush()
        self._publish()


def _csv_value(v: Any) -> Any:
    if isinstance(v, (dict, list)):
        v = dumps_json(v, sort_keys=True)
    return scrub_surrogates(v) if isinstance(v, str) else v


class _SplitFile(_TempFile):
    """One bucket (kept or rejected) of one part of ``--split-dir``."""

    def __init__(self, final: Path, fmt: str, types: dict[str, Any]) -> None:
        self.final = final
        self.tmp = _temp_name(final)
        self.format = fmt  # raw (bytes as read) | jsonl | parquet
        self.types = types
        self.rows: list[dict[str, Any]] = []
        self.header_done = False
        self._f = open(self.tmp, "wb") if fmt != "parquet" else None  # noqa: SIM115

    def write_raw(self, data: bytes, header: bytes | None = None) -> None:
        assert self._f is not None
        if header is not None and not self.header_done:
            self._f.write(header if header.endswith(b"\n") else header + b"\n")
        self.header_done = True
        self._f.write(data if data.endswith(b"\n") else data + b"\n")

    def write_obj(self, obj: dict[str, Any]) -> None:
        if self.format == "parquet":
            self.rows.append(_scrub(obj))
        else:
            assert self._f is not None
            self._f.write(dumps_json(obj, default=str).encode() + b"\n")

    def commit(self) -> None:
        if self.format == "parquet":
            import pyarrow.parquet as pq

            if self.types and self.rows:  # a Parquet input: its own schema, where it fits
                import pyarrow as pa

                try:
                    schema = pa.schema([(n, t) for n, t in self.types.items()])
                    table = pa.Table.from_pylist(self.rows, schema=schema)
                except (pa.ArrowException, TypeError, ValueError):
                    table = _parquet_table(self.rows, None, self.types)
            else:
                table = _parquet_table(self.rows, None, self.types)
            pq.write_table(table, self.tmp)
        self._publish()


def _input_types(shard: Shard) -> dict[str, Any]:
    """Column types of a Parquet input (so passthrough columns keep them)."""
    if shard.kind != "parquet":
        return {}
    try:
        import pyarrow.parquet as pq

        schema = pq.read_schema(shard.file(shard.paths[0]))
        return {f.name: f.type for f in schema}
    except Exception:
        return {}


def _host(record: Record) -> str | None:
    url = (record.fields or {}).get("url")
    if not isinstance(url, str) or not url:
        return None
    try:
        return (urlsplit(url).hostname or "").lower() or None
    except ValueError:
        return None


class ShardWriter:
    """Writes one shard's rows (and split files) part by part; each part is published with
    its manifest entry when it reaches ``max_file_size`` and at :meth:`commit`.

    Used in the same way by local and Dask runs, so both produce the same bytes. To resume
    a shard, ``start_chunk`` is the number of its parts already published.
    """

    def __init__(
        self,
        out: Path,
        shard: Shard,
        output_format: str = "jsonl",
        split_dir: Path | None = None,
        top_k: int = 10,
        *,
        split_format: str = "input",
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        optional: tuple[str, ...] = (),
        keep_fields: bool = False,
        start_chunk: int = 0,
    ) -> None:
        self.out = out
        self.shard = shard
        self.format = output_format
        self.split_dir = split_dir
        self.split_format = split_format
        self.max_file_size = max(1, max_file_size)
        self.top_k = top_k
        self.chunk = start_chunk
        self.records_written = 0
        opt = tuple(c for c in OPTIONAL_COLUMNS if c in optional)
        self._columns = (*AUDIT_COLUMNS, *opt, *(("fields",) if keep_fields else ()))
        self._fixed = None
        if output_format == "parquet":
            self._fixed = arrow_schema(text="text" in opt, spans="spans" in opt,
                                       result="result" in opt)  # fmt: skip
        self._types = _input_types(shard)
        self._open()

    # -- one part

    def _open(self) -> None:
        name = part_name(self.shard, self.chunk)
        self.stats = empty_stats()
        self._id_sketch = IdSketch()
        self.stats.update(shard=self.shard.index, chunk=self.chunk, format=self.format)
        self._rows = _RowFile(self.out / f"{name}{SUFFIX[self.format]}", self.format,
                              self._columns, self._fixed, self._types)  # fmt: skip
        self._split: dict[str, _SplitFile] = {}
        self._next_seq: int | None = None
        self._next_offset: int | None = None

    def _split_file(self, bucket: str, record: Record) -> _SplitFile:
        f = self._split.get(bucket)
        if f is None:
            assert self.split_dir is not None
            kind = record.kind or self.shard.kind
            fmt, ext = self._split_kind(kind)
            d = self.split_dir / bucket
            d.mkdir(parents=True, exist_ok=True)
            name = part_name(self.shard, self.chunk)
            types = self._types if fmt == "parquet" and self.split_format == "input" else {}
            f = self._split[bucket] = _SplitFile(d / f"{name}{ext}", fmt, types)
        return f

    def _split_kind(self, kind: str) -> tuple[str, str]:
        """(how split records are written, file extension) for records of ``kind``."""
        if self.split_format == "parquet" or (self.split_format == "input" and kind == "parquet"):
            return "parquet", ".parquet"
        if self.split_format == "input" and kind in ("jsonl", "csv", "tsv"):
            return "raw", {"jsonl": ".jsonl", "csv": ".csv", "tsv": ".tsv"}[kind]
        return "jsonl", ".jsonl"

    def _publish(self, last: bool) -> dict[str, Any]:
        """Publish the open part: split files, then the part, then the manifest entry."""
        name = part_name(self.shard, self.chunk)
        files = [self._rows.final.name]
        for bucket, f in sorted(self._split.items()):
            f.commit()
            files.append(f"{bucket}/{f.final.name}")
        self._rows.commit()
        _fsync_dir(self.out)
        st = self.stats
        st["id_sketch"] = self._id_sketch.encode()
        st["last"] = last
        st["next_seq"] = self._next_seq
        st["next_offset"] = self._next_offset
        st["files"] = files
        done = self.out / "_done" / f"{name}.json"
        done.parent.mkdir(exist_ok=True)
        atomic_write_bytes(done, dumps_json(st, sort_keys=True).encode())
        return st

    # -- rows

    def add(self, record: Record, row: dict[str, Any], audit: dict[str, Any]) -> None:
        """Write the output row of ``record``; ``audit`` is its outcome (status, score,
        verdict, families, kept, and maybe a candidate for the worst documents)."""
        st = self.stats
        st["records"] += 1
        st["bytes"] += record.nbytes
        self.records_written += 1
        status = audit["status"]
        st["status"][status] = st["status"].get(status, 0) + 1
        if row.get("id") is not None:
            st["ids"] += 1
            self._id_sketch.add(str(row["id"]))  # encoded when the part is published
        marker = row.get("mt_marker")
        if marker:
            st["mt_markers"][marker] = st["mt_markers"].get(marker, 0) + 1
        src = st["by_source"]
        key = record.source if record.source in src or len(src) < MAX_SOURCES_PER_PART else _OTHER
        tables = [src.setdefault(key, _source_counts())]
        if record.kind == "warc" or self.shard.kind == "warc":
            host = _host(record) or "(no URL)"
            hosts = st["by_host"]
            host = host if host in hosts or len(hosts) < MAX_SOURCES_PER_PART else _OTHER
            tables.append(hosts.setdefault(host, _source_counts()))
        for c in tables:
            c["records"] += 1
            c[status] += 1
        if status == "ok":
            verdict = audit["verdict"]
            st["verdicts"][verdict] = st["verdicts"].get(verdict, 0) + 1
            b = min(HIST_BINS - 1, max(0, int(audit["score"] * HIST_BINS)))
            st["histogram"][b] += 1
            for fam, n in (audit.get("families") or {}).items():
                st["families"][fam] = st["families"].get(fam, 0) + n
                st["family_docs"][fam] = st["family_docs"].get(fam, 0) + 1
            for c in tables:
                c["score_sum"] += audit["score"]
                if verdict in ("suspect", "rewritten"):
                    c[verdict] += 1
        else:
            reasons = st["error_reasons"] if status == "error" else st["skip_reasons"]
            cat = (audit.get("reason") or status).split(":", 1)[0]
            reasons[cat] = reasons.get(cat, 0) + 1
            if status == "error" and len(st["errors"]) < MAX_ERRORS_KEPT:
                st["errors"].append(
                    {"source": record.source, "position": record.position,
                     "reason": audit.get("reason")}
                )  # fmt: skip
        if audit.get("thresholds") and not st["thresholds"]:
            st["thresholds"] = audit["thresholds"]
        if audit.get("worst") is not None:
            st["worst"] = _top([*st["worst"], audit["worst"]], self.top_k)
        self._rows.add(row)
        if self.split_dir is not None:
            self._write_split(record, audit)
        self._next_seq = record.seq + 1
        self._next_offset = (
            record.position + record.nbytes
            if record.kind == "jsonl" and self.shard.compression is None
            and self.shard.kind == "jsonl" and record.position is not None
            else None
        )  # fmt: skip
        if self._rows.size >= self.max_file_size:
            self._publish(last=False)
            self.chunk += 1
            self._open()

    def add_blank_lines(self, n: int) -> None:
        self.stats["blank_lines"] += n

    def _write_split(self, record: Record, audit: dict[str, Any]) -> None:
        bucket = "kept" if audit.get("kept") else "rejected"
        self.stats[bucket] += 1
        f = self._split_file(bucket, record)
        if f.format == "raw" and record.raw is not None:
            f.write_raw(record.raw, record.extra.get("header"))
            return
        if record.fields is not None:
            obj = dict(record.fields)
            if record.kind in ("txt", "warc"):  # no fields of their own to say where from
                obj = {"source": record.source, "position": record.position, **obj}
        elif f.format == "parquet" and f.types:
            return  # a Parquet input's unreadable part: no row fits its schema
        else:
            raw = record.raw.decode("utf-8", "replace") if record.raw is not None else None
            obj = {"mtdetect_source": record.source, "mtdetect_position": record.position,
                   "mtdetect_error": audit.get("reason"), "raw": raw}  # fmt: skip
        f.write_obj(obj)

    # -- publishing

    def commit(self) -> dict[str, Any]:
        """Publish the last part (an empty shard still gets one, so it counts as done)."""
        return self._publish(last=True)

    def abort(self) -> None:
        """Close and delete the open part's temporary files (after an interruption)."""
        self._rows.abort()
        for f in self._split.values():
            f.abort()
