"""Writing one shard's output atomically, and the bookkeeping files of an output directory.

Layout of an output directory ``OUT``::

    OUT/_plan.json            the shard plan and the options that shape the output
    OUT/part-00000.jsonl      one file per shard, rows in input order (or .csv / .parquet)
    OUT/_done/part-00000.json the manifest entry of a finished shard: its statistics
    OUT/_summary.json         totals over all shards (written when every shard is done)
    OUT/_SUCCESS              empty; present only when the whole audit finished

A shard is written to a hidden temporary file and renamed into place, and only then is its
manifest entry written (also by rename). So every ``part-*`` file is complete, and a shard
without a manifest entry is simply done again on ``--resume``, replacing any earlier file.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mtdetect.audit.readers import Record, Shard
from mtdetect.result import dumps_json, scrub_surrogates

__all__ = [
    "HIST_BINS",
    "ShardWriter",
    "atomic_write_bytes",
    "clean_temp_files",
    "done_path",
    "empty_stats",
    "merge_stats",
    "read_done",
]

HIST_BINS = 20
MAX_ERRORS_KEPT = 20
SUFFIX = {"jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet"}
CSV_COLUMNS = ("id", "source", "position", "status", "reason", "score", "verdict", "families")


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
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def clean_temp_files(*dirs: Path) -> None:
    """Remove temporary files left by an interrupted run."""
    for d in dirs:
        if d.is_dir():
            for p in d.rglob(".*.tmp"):
                with contextlib.suppress(OSError):
                    p.unlink()


def done_path(out: Path, shard: Shard) -> Path:
    return out / "_done" / f"{shard.name}.json"


def read_done(out: Path, shard: Shard) -> dict[str, Any] | None:
    """The manifest entry of ``shard`` if it finished (a damaged entry counts as not done)."""
    try:
        stats = json.loads(done_path(out, shard).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    part = out / f"{shard.name}{SUFFIX.get(stats.get('format', ''), '')}"
    return stats if stats.get("shard") == shard.index and part.is_file() else None


def empty_stats() -> dict[str, Any]:
    return {
        "records": 0,
        "bytes": 0,
        "status": {"ok": 0, "error": 0, "skipped": 0},
        "verdicts": {},
        "histogram": [0] * HIST_BINS,
        "families": {},
        "family_docs": {},
        "error_reasons": {},
        "skip_reasons": {},
        "errors": [],
        "kept": 0,
        "rejected": 0,
        "worst": [],
    }


def _top(worst: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
    # Total order (score desc, then input order) so every run picks the same documents.
    return sorted(worst, key=lambda w: (-w["score"], w["shard"], w["seq"]))[:k]


def merge_stats(items: Iterable[dict[str, Any]], top_k: int = 10) -> dict[str, Any]:
    """Totals over shard statistics (in the order given)."""
    total = empty_stats()
    for s in items:
        total["records"] += s["records"]
        total["bytes"] += s["bytes"]
        total["kept"] += s.get("kept", 0)
        total["rejected"] += s.get("rejected", 0)
        for key in (
            "status",
            "verdicts",
            "families",
            "family_docs",
            "error_reasons",
            "skip_reasons",
        ):
            for k, v in s[key].items():
                total[key][k] = total[key].get(k, 0) + v
        total["histogram"] = [
            a + b for a, b in zip(total["histogram"], s["histogram"], strict=True)
        ]
        room = MAX_ERRORS_KEPT - len(total["errors"])
        total["errors"].extend(s["errors"][: max(0, room)])
        total["worst"] = _top(total["worst"] + s["worst"], top_k)
    total["families"] = dict(sorted(total["families"].items(), key=lambda kv: (-kv[1], kv[0])))
    return total


class ShardWriter:
    """Writes one shard's rows (and split files) to temporary files; :meth:`commit` publishes.

    Used in the same way by local and Dask runs, so both produce the same bytes.
    """

    def __init__(
        self,
        out: Path,
        shard: Shard,
        output_format: str = "jsonl",
        split_dir: Path | None = None,
        top_k: int = 10,
    ) -> None:
        self.out = out
        self.shard = shard
        self.format = output_format
        self.top_k = top_k
        self.final = out / f"{shard.name}{SUFFIX[output_format]}"
        self.tmp = _temp_name(self.final)
        self.stats = empty_stats()
        self.stats["shard"] = shard.index
        self.stats["format"] = output_format
        self._rows: list[dict[str, Any]] = []  # parquet is written at commit (one row group)
        self._f: io.BufferedWriter | None = None
        self._csv: Any = None
        if output_format != "parquet":
            self._f = open(self.tmp, "wb")  # noqa: SIM115 - closed in commit/abort
        if output_format == "csv":
            import csv

            self._text = io.TextIOWrapper(self._f, encoding="utf-8", newline="", write_through=True)
            self._csv = csv.writer(self._text, lineterminator="\n")
            self._csv.writerow((*CSV_COLUMNS, "detail"))
        self.split: dict[str, tuple[Path, Path, Any]] = {}
        if split_dir is not None:
            ext = {"jsonl": ".jsonl", "csv": ".csv", "tsv": ".tsv"}.get(shard.kind, ".jsonl")
            for bucket in ("kept", "rejected"):
                d = split_dir / bucket
                d.mkdir(parents=True, exist_ok=True)
                final = d / f"{shard.name}{ext}"
                tmp = _temp_name(final)
                self.split[bucket] = (final, tmp, open(tmp, "wb"))  # noqa: SIM115
        self._split_header_done: set[str] = set()

    # -- rows

    def add(self, record: Record, row: dict[str, Any], audit: dict[str, Any]) -> None:
        """Write the output row of ``record``; ``audit`` is its status/score/verdict/families."""
        st = self.stats
        st["records"] += 1
        st["bytes"] += record.nbytes
        status = audit["status"]
        st["status"][status] = st["status"].get(status, 0) + 1
        if status == "ok":
            st["verdicts"][audit["verdict"]] = st["verdicts"].get(audit["verdict"], 0) + 1
            b = min(HIST_BINS - 1, max(0, int(audit["score"] * HIST_BINS)))
            st["histogram"][b] += 1
            for fam, n in (audit.get("families") or {}).items():
                st["families"][fam] = st["families"].get(fam, 0) + n
                st["family_docs"][fam] = st["family_docs"].get(fam, 0) + 1
        else:
            reasons = st["error_reasons"] if status == "error" else st["skip_reasons"]
            cat = audit["reason"].split(":", 1)[0]
            reasons[cat] = reasons.get(cat, 0) + 1
            if status == "error" and len(st["errors"]) < MAX_ERRORS_KEPT:
                st["errors"].append(
                    {
                        "source": record.source,
                        "position": record.position,
                        "reason": audit["reason"],
                    }
                )
        self._write_row(row)
        if self.split:
            self._write_split(record, audit)

    def _write_row(self, row: dict[str, Any]) -> None:
        if self.format == "jsonl":
            assert self._f is not None
            self._f.write(dumps_json(row, separators=(",", ":")).encode())
            self._f.write(b"\n")
        elif self.format == "csv":
            self._csv.writerow(_flat_row(row))
        else:
            self._rows.append(dict(zip((*CSV_COLUMNS, "detail"), _flat_row(row), strict=True)))

    def _write_split(self, record: Record, audit: dict[str, Any]) -> None:
        keep = audit["status"] == "ok" and audit.get("kept", False)
        bucket = "kept" if keep else "rejected"
        self.stats[bucket] += 1
        f = self.split[bucket][2]
        header = record.extra.get("header")
        if header is not None and bucket not in self._split_header_done:
            f.write(header)
            self._split_header_done.add(bucket)
        if record.raw is not None and self.shard.kind in ("jsonl", "csv", "tsv"):
            raw = record.raw
            f.write(raw if raw.endswith(b"\n") else raw + b"\n")
        else:
            obj = record.fields if record.fields is not None else {"id": record.id}
            line = {"source": record.source, "position": record.position, **obj}
            f.write(dumps_json(line, default=str).encode() + b"\n")

    def add_worst(self, worst: list[dict[str, Any]]) -> None:
        self.stats["worst"] = _top(self.stats["worst"] + worst, self.top_k)

    # -- publishing

    def commit(self) -> dict[str, Any]:
        """Publish the shard (split files, then the part, then the manifest entry)."""
        if self.format == "parquet":
            _write_parquet(self.tmp, self._rows)
        else:
            assert self._f is not None
            if self._csv is not None:
                self._text.flush()
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()
        for final, tmp, f in self.split.values():
            f.flush()
            os.fsync(f.fileno())
            f.close()
            os.replace(tmp, final)
        os.replace(self.tmp, self.final)
        _fsync_dir(self.out)
        done = done_path(self.out, self.shard)
        done.parent.mkdir(exist_ok=True)
        atomic_write_bytes(done, dumps_json(self.stats, sort_keys=True).encode())
        return self.stats

    def abort(self) -> None:
        """Close and delete the temporary files (after an interruption)."""
        handles = [self._f] + [f for _, _, f in self.split.values()]
        for f in handles:
            if f is not None:
                with contextlib.suppress(Exception):
                    f.close()
        for p in [self.tmp] + [tmp for _, tmp, _ in self.split.values()]:
            with contextlib.suppress(OSError):
                p.unlink()


def _flat_row(row: dict[str, Any]) -> tuple[Any, ...]:
    """A row for CSV/Parquet: families and any detail as JSON strings."""
    fams = row.get("families")
    detail = {k: v for k, v in row.items() if k not in CSV_COLUMNS}
    flat = (
        row.get("id"),
        row.get("source"),
        row.get("position"),
        row.get("status"),
        row.get("reason"),
        row.get("score"),
        row.get("verdict"),
        None if fams is None else dumps_json(fams, sort_keys=True),
        dumps_json(detail) if detail else None,
    )
    # Lone surrogates (from "\ud800" escapes in the input) cannot be written as UTF-8.
    return tuple(scrub_surrogates(v) if isinstance(v, str) else v for v in flat)


def _write_parquet(path: Path, rows: list[dict[str, Any]]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - checked before the run starts
        raise RuntimeError(
            "--output-format parquet needs pyarrow: pip install 'mtdetect[parquet]'"
        ) from None
    schema = pa.schema(
        [("id", pa.string()), ("source", pa.string()), ("position", pa.int64()),
         ("status", pa.string()), ("reason", pa.string()), ("score", pa.float64()),
         ("verdict", pa.string()), ("families", pa.string()), ("detail", pa.string())]
    )  # fmt: skip
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path)
