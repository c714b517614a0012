"""Running an audit: plan shards, score records in worker processes, write, resume, summarise.

The per-record work (:func:`audit_batch`) and the per-shard writing (:class:`ShardWriter`)
are shared by the local runner here and the Dask runner, so both write the same bytes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import shutil
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtdetect.audit.checks import check_text
from mtdetect.audit.readers import (
    DEFAULT_MAX_INFLATE,
    DEFAULT_SHARD_BYTES,
    INPUT_FORMATS,
    STDIN,
    AuditInputError,
    ReadOptions,
    Record,
    Shard,
    fingerprint,
    plan_shards,
    read_shard,
)
from mtdetect.audit.schema import AUDIT_COLUMNS, OPTIONAL_COLUMNS, audit_columns, keep_decision
from mtdetect.audit.writers import (
    DEFAULT_MAX_FILE_SIZE,
    SPLIT_FORMATS,
    ShardWriter,
    atomic_write_bytes,
    clean_temp_files,
    merge_stats,
    read_done,
    shard_complete,
)
from mtdetect.result import dumps_json

__all__ = [
    "AuditOptions",
    "AuditSummary",
    "AuditTerminated",
    "AuditUsageError",
    "audit_batch",
    "format_summary",
    "iter_rows",
    "run_audit",
    "run_shard",
]

DETAILS = ("none", "sentences", "spans")
OUTPUT_FORMATS = ("jsonl", "csv", "parquet")
_BATCH_CHARS = 4_000_000  # a batch is cut early past this many characters (memory bound)
_PLAN_VERSION = 2


class AuditUsageError(ValueError):
    """Bad arguments or an output directory that cannot be used (nothing was processed)."""


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """Everything that shapes the output rows. Picklable: sent to every worker."""

    text_field: str = "text"
    id_field: str = "id"
    detail: str = "none"  # none | sentences | spans
    keep_fields: bool = False
    with_text: bool = False
    with_spans: bool = False
    metadata_field: str | None = None
    split_dir: str | None = None
    split_format: str = "input"  # input | jsonl | parquet
    drop_unscored: bool = False
    threshold: float | None = None  # None: the detector's "rewritten" threshold
    output_format: str = "jsonl"
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    input_format: str = "auto"
    max_chars: int = 1_000_000
    max_inflate: float = DEFAULT_MAX_INFLATE  # 0: no cap on decompressed size
    lang_check: bool = True
    min_strength: float = 0.0
    model: str | None = None
    trust_model: bool = False
    top_k: int = 10
    limit: int | None = None  # only the first N records (in input order)
    sample: int | None = None  # N records drawn at random (seeded), in input order
    seed: int = 0

    def validate(self) -> None:
        if self.detail not in DETAILS:
            raise AuditUsageError(f"--detail must be one of {', '.join(DETAILS)}")
        if self.output_format not in OUTPUT_FORMATS:
            raise AuditUsageError(f"--output-format must be one of {', '.join(OUTPUT_FORMATS)}")
        if self.split_format not in SPLIT_FORMATS:
            raise AuditUsageError(f"--split-format must be one of {', '.join(SPLIT_FORMATS)}")
        if self.input_format not in INPUT_FORMATS:
            raise AuditUsageError(f"--input-format must be one of {', '.join(INPUT_FORMATS)}")
        if self.metadata_field and self.output_format != "jsonl":
            raise AuditUsageError("--metadata-field needs --output-format jsonl")
        if self.max_chars < 1:
            raise AuditUsageError("--max-chars must be positive")
        if self.max_file_size < 1:
            raise AuditUsageError("--max-file-size must be positive")
        if not self.max_inflate >= 0:  # also refuses NaN
            raise AuditUsageError("--max-inflate must be 0 (no cap) or positive")
        for name in ("limit", "sample"):
            v = getattr(self, name)
            if v is not None and v < 1:
                raise AuditUsageError(f"--{name} must be positive")
        if self.limit is not None and self.sample is not None:
            raise AuditUsageError("--limit and --sample cannot be used together")
        if self.output_format == "parquet" or self.split_format == "parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise AuditUsageError(
                    "Parquet output needs pyarrow: pip install 'mtdetect[parquet]'"
                ) from None

    @property
    def read_options(self) -> ReadOptions:
        return ReadOptions(self.text_field, self.id_field, self.max_chars, self.max_inflate,
                           self.input_format)  # fmt: skip

    @property
    def optional_columns(self) -> tuple[str, ...]:
        return tuple(
            c for c, on in zip(OPTIONAL_COLUMNS, (self.with_text, self.with_spans,
                                                  self.detail != "none"), strict=True) if on
        )  # fmt: skip


# --------------------------------------------------------------------------- per record


def _detector(opts: AuditOptions) -> Any:
    """The process's detector for these options (loaded on first use and cached by
    :func:`mtdetect.load`; workers are long-lived)."""
    import mtdetect

    return mtdetect.load(opts.model, trust=opts.trust_model)


def _set_path(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``obj`` with ``value`` at dotted ``path`` (copies only the dicts on the path)."""
    out = dict(obj)
    cur = out
    parts = path.split(".")
    for part in parts[:-1]:
        nxt = cur.get(part)
        cur[part] = dict(nxt) if isinstance(nxt, dict) else {}
        cur = cur[part]
    cur[parts[-1]] = value
    return out


def _without_path(obj: dict[str, Any], path: str) -> dict[str, Any]:
    if path in obj:
        return {k: v for k, v in obj.items() if k != path}
    parts = path.split(".")
    out = dict(obj)
    cur = out
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            return out
        cur[part] = dict(nxt)
        cur = cur[part]
    cur.pop(parts[-1], None)
    return out


def _result_detail(result: Any, detail: str) -> dict[str, Any]:
    d = result.to_dict()
    if detail == "spans":  # compact: only the sentences that carry spans
        d["sentences"] = [s for s in d["sentences"] if s["spans"]]
    return d


def _thresholds(det: Any, opts: AuditOptions) -> dict[str, float]:
    scorer = det.scorer
    rewritten = float(getattr(scorer, "rewritten_threshold", 0.7))
    return {
        "suspect": float(getattr(scorer, "suspect_threshold", 0.4)),
        "rewritten": rewritten,
        "keep_below": float(opts.threshold if opts.threshold is not None else rewritten),
    }


def _audit_one(det: Any, rec: Record, opts: AuditOptions) -> tuple[dict[str, Any], Any]:
    """The audit outcome of one record, and its DocumentResult when it was scored.

    ``readable`` is False when the record could not be read as a document at all (a reader
    error): such records are always rejected by ``--split-dir``.
    """
    if rec.error is not None:
        return {"status": "error", "reason": rec.error, "readable": False}, None
    if rec.extra.get("skip"):
        return {"status": "skipped", "reason": f"no text: {rec.extra['skip']}"}, None
    checked = check_text(
        rec.text or "", max_chars=opts.max_chars, lang_check=opts.lang_check,
        limit_name="--max-chars",
    )  # fmt: skip
    if checked.text is None:
        return {"status": checked.status, "reason": checked.reason}, None
    text, reason = checked.text, checked.reason
    try:
        result = det.score(text, id=rec.id, source=rec.source, min_strength=opts.min_strength)
    except Exception as exc:  # a detector bug must not lose the record or stop the run
        return {"status": "error", "reason": f"detector failed: {type(exc).__name__}: {exc}"}, None
    audit = {
        "status": "ok",
        "reason": reason,
        "score": round(result.score, 4),
        "verdict": result.verdict,
        "families": dict(sorted(result.family_counts().items())),
    }
    return audit, result


_RESERVED = frozenset((*AUDIT_COLUMNS, *OPTIONAL_COLUMNS, "fields"))


def _passthrough(rec: Record, opts: AuditOptions) -> dict[str, Any]:
    """The record's other fields: all but the text field, and the id field (already the
    ``id`` column). A field named like an audit column is renamed ``input_<name>``."""
    fields = _without_path(rec.fields or {}, opts.text_field)
    if opts.id_field in fields:
        fields.pop(opts.id_field)
    return {(f"input_{k}" if k in _RESERVED else k): v for k, v in fields.items()}


def _row(rec: Record, audit: dict[str, Any], result: Any, opts: AuditOptions) -> dict[str, Any]:
    """The flat output row of one record (see :mod:`mtdetect.audit.schema`)."""
    row: dict[str, Any] = {"id": rec.id, "source": rec.source, "position": rec.position}
    row.update(audit_columns(audit["status"], audit.get("reason"), audit.get("score"),
                             audit.get("verdict"), audit.get("families")))  # fmt: skip
    row["mt_marker"] = rec.extra.get("mt_marker")
    if opts.with_text:
        row["text"] = rec.text
    if opts.with_spans:
        row["spans"] = [sp.to_dict() for sp in result.spans] if result is not None else None
    if opts.detail != "none":
        row["result"] = _result_detail(result, opts.detail) if result is not None else None
    if opts.metadata_field:
        # The input record as it was, with the audit under the metadata field (datatrove /
        # NeMo Curator style); records that could not be parsed keep their id and position.
        base = rec.fields if rec.fields is not None else {"id": rec.id}
        meta = {k: v for k, v in row.items() if k != "id"}
        return _set_path(base, opts.metadata_field, meta)
    if opts.keep_fields:
        kept = _passthrough(rec, opts) if rec.fields is not None else {}
        if opts.output_format == "csv":
            row["fields"] = kept if rec.fields is not None else None  # CSV: one JSON column
        else:
            row.update(kept)
    return row


def audit_batch(
    records: list[Record], opts: AuditOptions, shard_index: int = 0
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Score a batch: (row, audit) per record, in order.

    ``audit`` has the status, reason, score, verdict, family counts, the keep decision of
    ``--split-dir``, the thresholds in force, and for the batch's highest-scoring documents
    a ``worst`` entry with their sentences (for the HTML report).
    """
    det = _detector(opts)
    thresholds = _thresholds(det, opts)
    out = []
    scored: list[tuple[int, dict[str, Any], Any]] = []
    for i, rec in enumerate(records):
        audit, result = _audit_one(det, rec, opts)
        audit["kept"] = keep_decision(audit["status"], audit.get("score"),
                                      thresholds["keep_below"], opts.drop_unscored,
                                      audit.pop("readable", True))  # fmt: skip
        audit["thresholds"] = thresholds
        out.append((_row(rec, audit, result, opts), audit))
        if result is not None:
            scored.append((i, audit, result))
    scored.sort(key=lambda t: (-t[1]["score"], records[t[0]].seq))
    for i, audit, result in scored[: opts.top_k]:  # only these carry their sentences
        rec = records[i]
        audit["worst"] = {"shard": shard_index, "seq": rec.seq, "score": audit["score"],
                          "id": rec.id, "source": rec.source, "position": rec.position,
                          "result": _worst_result(result)}  # fmt: skip
    return out


def _worst_result(result: Any) -> dict[str, Any]:
    d = result.to_dict()
    if sum(len(s["text"]) for s in d["sentences"]) > 20_000:
        d["sentences"] = [s for s in d["sentences"] if s["spans"]][:200]
    return d


def _batches(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    batch: list[Record] = []
    chars = 0
    for rec in records:
        batch.append(rec)
        chars += len(rec.text or "")
        if len(batch) >= size or chars >= _BATCH_CHARS:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def _for_worker(batch: list[Record]) -> list[Record]:
    # The raw bytes stay in the parent (only --split-dir needs them).
    return [
        dataclasses.replace(r, raw=None, extra={k: v for k, v in r.extra.items() if k != "header"})
        for r in batch
    ]


def _writer(out: Path, shard: Shard, opts: AuditOptions, start_chunk: int = 0) -> ShardWriter:
    split = Path(opts.split_dir) if opts.split_dir else None
    return ShardWriter(
        out, shard, opts.output_format, split, opts.top_k, split_format=opts.split_format,
        max_file_size=opts.max_file_size, optional=opts.optional_columns,
        keep_fields=opts.keep_fields and opts.output_format == "csv", start_chunk=start_chunk,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Selection:
    """Which records of a shard to audit (``--limit``, ``--sample``): seqs below ``below``,
    or those in ``seqs``; None selects all."""

    below: int | None = None
    seqs: frozenset[int] | None = None

    def __contains__(self, seq: int) -> bool:
        if self.below is not None and seq >= self.below:
            return False
        return self.seqs is None or seq in self.seqs

    @property
    def empty(self) -> bool:
        return self.below == 0 or self.seqs == frozenset()


def _shard_records(
    shard: Shard,
    opts: AuditOptions,
    entries: list[dict[str, Any]],
    selection: _Selection | None,
    counters: dict[str, int],
) -> Iterator[Record]:
    """The shard's records still to do: after its published parts, within the selection."""
    start_seq = entries[-1]["next_seq"] if entries else 0
    start_offset = entries[-1].get("next_offset") if entries else None
    if selection is not None and selection.empty:
        return iter(())
    records = read_shard(shard, opts.read_options, start_seq=start_seq,
                         start_offset=start_offset, counters=counters)  # fmt: skip
    if selection is None:
        return records
    below = selection.below

    def selected() -> Iterator[Record]:
        for rec in records:
            if below is not None and rec.seq >= below:
                return  # nothing after the limit: stop reading
            if rec.seq in selection:
                yield rec

    return selected()


def run_shard(
    shard: Shard,
    out: str,
    opts: AuditOptions,
    batch_size: int = 64,
    selection: _Selection | None = None,
) -> dict[str, Any]:
    """Audit one whole shard in this process and publish it; returns its last part's
    statistics. Goes on after the parts a crashed earlier attempt published.

    This is the task a Dask worker runs.
    """
    outp = Path(out)
    split = [Path(opts.split_dir) / b for b in ("kept", "rejected")] if opts.split_dir else []
    # A worker that died mid-part left its temporary files: this retry replaces them.
    clean_temp_files(outp, outp / "_done", *split, shard=shard)
    entries = read_done(outp, shard)
    if shard_complete(entries):
        return entries[-1]
    writer = _writer(outp, shard, opts, len(entries))
    counters: dict[str, int] = {}
    try:
        for batch in _batches(_shard_records(shard, opts, entries, selection, counters),
                              batch_size):  # fmt: skip
            for rec, (row, audit) in zip(batch, audit_batch(batch, opts, shard.index),
                                         strict=True):  # fmt: skip
                writer.add(rec, row, audit)
        writer.add_blank_lines(counters.get("blank_lines", 0))
        return writer.commit()
    except BaseException:
        writer.abort()
        raise


# --------------------------------------------------------------------------- local pool


def _worker_init(
    lifeline: Any = None, run_pid: int | None = None, run_tempdir: str | None = None
) -> None:
    """Set up a pool worker: ignore Ctrl-C (the run stops us) and die with the run.

    ``lifeline`` is the read end of a pipe whose only write end the run holds: it reads EOF
    the moment the run exits, however it exits (``kill -9`` included). The worker's parent
    is the forkserver, which itself lives as long as any worker does, so ``getppid()``
    cannot tell that the run is gone. When the run (``run_pid``) is gone, the worker also
    removes the run's multiprocessing folder (``run_tempdir``, the ``pymp-*`` folder that
    holds the forkserver's socket), which a killed run cannot remove itself.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if lifeline is None:
        return

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv_bytes()  # blocks; the run never writes
        if run_pid is not None and run_tempdir:
            # The run's pipe closes a moment before the run is gone from the process table;
            # a run that lives on (it closed the pipe at the end of an audit) keeps its folder.
            deadline = time.monotonic() + 2.0
            while _alive(run_pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            if not _alive(run_pid):
                shutil.rmtree(run_tempdir, ignore_errors=True)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="mtdetect-lifeline").start()


class AuditTerminated(KeyboardInterrupt):
    """The run received SIGTERM or SIGHUP; unwinds like Ctrl-C, so finished parts are kept
    and temporary files and worker processes are cleaned up."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`AuditTerminated` while an audit runs.

    What ``timeout``, systemd and SLURM send must clean up like Ctrl-C does, not kill the
    run with its workers left behind. Only possible in the main thread.
    """
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise AuditTerminated(signum)

    old = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            old[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


class _Done(Future):
    """A future that is already resolved (the single-process path)."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.set_result(value)


def _run_local(
    out: Path,
    shards: list[Shard],
    opts: AuditOptions,
    workers: int,
    batch_size: int,
    on_progress: Callable[[Shard, int, int], None],
    on_shard: Callable[[Shard, dict[str, Any]], None],
    selections: dict[int, _Selection] | None = None,
) -> None:
    """Read shards in order in this process, score batches in a pool, write in order.

    ``shards`` is the whole plan: finished ones are passed over (``--limit`` counts their
    records). ``selections`` (``--sample``) picks records per shard.
    """
    pool = None
    lifeline_w = None
    window: deque[tuple[ShardWriter, list[Record] | None, Future | None, dict[str, int]]]
    window = deque()
    max_inflight = max(2, workers * 3)
    open_writers: list[ShardWriter] = []
    remaining = opts.limit  # --limit: records still to take, in plan order

    def drain_one() -> None:
        writer, batch, fut, counters = window.popleft()
        if batch is None:
            open_writers.remove(writer)
            writer.add_blank_lines(counters.get("blank_lines", 0))
            on_shard(writer.shard, writer.commit())
            return
        assert fut is not None
        for rec, (row, audit) in zip(batch, fut.result(), strict=True):
            writer.add(rec, row, audit)
        on_progress(writer.shard, len(batch), max(r.progress for r in batch))

    try:
        for shard in shards:
            entries = read_done(out, shard)
            published = sum(e["records"] for e in entries)
            if shard_complete(entries):
                if remaining is not None:
                    remaining = max(0, remaining - published)
                continue
            if pool is None and workers > 1:
                pool, lifeline_w = _start_pool(workers)
            selection = (selections or {}).get(shard.index)
            if remaining is not None:
                selection = _Selection(below=(entries[-1]["next_seq"] if entries else 0)
                                       + remaining)  # fmt: skip
            writer = _writer(out, shard, opts, len(entries))
            open_writers.append(writer)
            counters: dict[str, int] = {}
            taken = 0
            for batch in _batches(_shard_records(shard, opts, entries, selection, counters),
                                  batch_size):  # fmt: skip
                taken += len(batch)
                if pool is None:
                    fut: Future = _Done(audit_batch(batch, opts, shard.index))
                else:
                    fut = pool.submit(audit_batch, _for_worker(batch), opts, shard.index)
                window.append((writer, batch, fut, counters))
                while len(window) > max_inflight:
                    drain_one()
            if remaining is not None:
                remaining = max(0, remaining - taken)
            window.append((writer, None, None, counters))
            while len(window) > max_inflight:
                drain_one()
        while window:
            drain_one()
    except BaseException:
        for w in open_writers:
            w.abort()
        if pool is not None:
            _stop_pool(pool)
            pool = None
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        if lifeline_w is not None:
            lifeline_w.close()  # workers still running (none, normally) exit on EOF


def _start_pool(workers: int) -> tuple[Any, Any]:
    """A process pool whose workers load the detector once and die with this process."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["mtdetect.audit.runner", "mtdetect.pipeline"])
    lifeline_r, lifeline_w = ctx.Pipe(duplex=False)
    import multiprocessing.util

    # The folder the forkserver's socket goes in (made now if it is not yet).
    tempdir = multiprocessing.util.get_temp_dir()
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init,
                               initargs=(lifeline_r, os.getpid(), tempdir))  # fmt: skip
    return pool, lifeline_w


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still exists (a zombie, not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2] != "Z"
    return True


def _stop_pool(pool: Any) -> None:
    """Stop a pool now: cancel queued batches and end the workers mid-batch."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(2.0)


# --------------------------------------------------------------------------- orchestration


def _input_paths(shards: list[Shard]) -> list[str]:
    seen: dict[str, None] = {}
    for sh in shards:
        for p in sh.paths:
            seen.setdefault(p, None)
    return [p for p in seen if p != STDIN]


def _plan_doc(shards: list[Shard], opts: AuditOptions, shard_bytes: int) -> dict[str, Any]:
    shape = dataclasses.asdict(opts)
    shape.pop("split_dir")  # where split files go does not change them
    inputs = []
    for p in _input_paths(shards):
        try:
            inputs.append(fingerprint(p))
        except OSError:
            inputs.append({"path": p, "size": None, "mtime_ns": None, "hash": None})
    return {
        "format": "mtdetect-audit",
        "version": _PLAN_VERSION,
        "options": shape,
        "shard_bytes": shard_bytes,
        "inputs": inputs,
        "shards": [s.to_dict() for s in shards],
    }


def _plan_difference(old: Any, new: dict[str, Any]) -> str:
    """What differs between the interrupted run's plan and this one, in a few words."""
    if not isinstance(old, dict) or old.get("version") != new["version"]:
        return "the output was written by another version of mtdetect"
    if old.get("options") != new["options"] or old.get("shard_bytes") != new["shard_bytes"]:
        keys = sorted(
            k for k in new["options"] if (old.get("options") or {}).get(k) != new["options"][k]
        )
        return "the options differ" + (f" ({', '.join(keys)})" if keys else "")
    old_in = {i["path"]: i for i in old.get("inputs", [])}
    new_paths = [i["path"] for i in new["inputs"]]
    if list(old_in) != new_paths:
        return "the inputs differ"
    for i in new["inputs"]:
        o = old_in[i["path"]]
        if o != i:
            what = "size" if o.get("size") != i["size"] else (
                "content" if o.get("hash") != i["hash"] else "modification time")  # fmt: skip
            return f"{i['path']} changed since the interrupted run ({what} differs)"
    return "the inputs were cut into other shards"


_OURS = ("_plan.json", "_summary.json", "_SUCCESS", "_done")


def _prepare_output(
    out: Path, plan: dict[str, Any], split: Path | None, resume: bool, overwrite: bool
) -> None:
    plan_file = out / "_plan.json"
    if out.exists() and not out.is_dir():
        raise AuditUsageError(f"{out}: exists and is not a directory")
    if plan_file.exists() and resume and not overwrite:
        try:
            old = json.loads(plan_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if old != plan:
            raise AuditUsageError(
                f"{out}: cannot resume: {_plan_difference(old, plan)}; rerun with the same "
                "inputs and options, or use --overwrite to start again"
            )
        return
    leftovers = [p for p in out.iterdir()] if out.is_dir() else []
    split_parts = (
        [p for b in ("kept", "rejected") for p in (split / b).glob("part-*")] if split else []
    )
    if (leftovers or split_parts) and not overwrite:
        what = "holds an audit" if plan_file.exists() else "is not empty"
        raise AuditUsageError(
            f"{out if leftovers else split}: {what}; use --resume to finish it or --overwrite"
        )
    if overwrite:
        for p in leftovers:
            if p.name in _OURS or p.name.startswith("part-") or p.name.endswith(".tmp"):
                if p.is_dir():
                    shutil.rmtree(p)
                else:
                    p.unlink()
        for p in split_parts:
            p.unlink()
    try:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(plan_file, json.dumps(plan, indent=1, sort_keys=True).encode())
    except OSError as exc:
        raise AuditUsageError(
            f"{out}: cannot create the output folder ({exc.strerror or exc})"
        ) from None


def _check_writable(split: Path | None, report: str | os.PathLike[str] | None) -> None:
    """Fail before the work, not after it, when the split folder or report cannot be written."""
    if split is not None:
        try:
            split.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AuditUsageError(
                f"{split}: cannot create the split folder ({exc.strerror or exc})"
            ) from None
    if report is not None:
        parent = Path(report).absolute().parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AuditUsageError(
                f"{report}: cannot write the report there ({exc.strerror or exc})"
            ) from None
        if not os.access(parent, os.W_OK):
            raise AuditUsageError(f"{report}: cannot write the report there (folder not writable)")


@dataclass
class AuditSummary:
    """What an audit run did: totals over all shards, and where the output is."""

    output: Path
    shards: int
    shards_run: int
    stats: dict[str, Any]
    seconds: float
    report: Path | None = None

    @property
    def records(self) -> int:
        return self.stats["records"]


def run_audit(
    inputs: Iterable[str] | str,
    output: str | os.PathLike[str],
    *,
    options: AuditOptions | None = None,
    workers: int | None = None,
    batch_size: int = 64,
    shard_bytes: int = DEFAULT_SHARD_BYTES,
    resume: bool = False,
    overwrite: bool = False,
    scheduler: Any = None,
    report: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    **option_kwargs: Any,
) -> AuditSummary:
    """Audit a corpus into the output directory ``output``; see ``docs/audit.md``.

    ``options`` (or keyword arguments of :class:`AuditOptions`) shape the rows. ``scheduler``
    is a Dask scheduler address or ``distributed.Client``: the same shards are then run on
    the cluster (inputs and ``output`` must be on storage every worker sees).
    """
    t0 = time.perf_counter()
    inputs = [inputs] if isinstance(inputs, str) else list(inputs)
    opts = options if options is not None else AuditOptions(**option_kwargs)
    if options is not None and option_kwargs:
        opts = dataclasses.replace(options, **option_kwargs)
    if opts.split_dir:  # workers (maybe on other machines) need absolute paths
        opts = dataclasses.replace(opts, split_dir=str(Path(opts.split_dir).absolute()))
    opts.validate()
    if batch_size < 1:
        raise AuditUsageError("batch size must be positive")
    if STDIN in inputs:
        if resume:
            raise AuditUsageError("-: standard input cannot be resumed; audit a file instead")
        if scheduler is not None:
            raise AuditUsageError("-: standard input is read locally, not on a Dask cluster")
        if opts.sample is not None:
            raise AuditUsageError("--sample reads the input twice: not possible for stdin")
    if scheduler is not None and (opts.limit is not None or opts.sample is not None):
        raise AuditUsageError("--limit and --sample run locally, without --scheduler")
    out = Path(output).absolute()
    try:
        shards = plan_shards(inputs, shard_bytes, opts.input_format)
    except AuditInputError as exc:
        raise AuditUsageError(str(exc)) from None
    split = Path(opts.split_dir) if opts.split_dir else None
    _check_writable(split, report)
    _prepare_output(out, _plan_doc(shards, opts, shard_bytes), split, resume, overwrite)
    clean_temp_files(out, *([split] if split else []))
    (out / "_SUCCESS").unlink(missing_ok=True)

    pending = [s for s in shards if not shard_complete(read_done(out, s))]
    if workers is None or workers < 1:
        workers = os.cpu_count() or 1
    show = progress if progress is not None else sys.stderr.isatty()
    try:
        with _terminate_as_interrupt():
            selections = _sample(shards, opts) if opts.sample is not None else None
            size = None if any(s.kind == "stdin" for s in pending) else sum(s.size for s in pending)
            wanted = opts.limit if opts.limit is not None else opts.sample
            with _Progress(show, size, len(pending), wanted) as bar:
                if scheduler is not None:
                    from mtdetect.audit.dask_runner import run_on_dask

                    run_on_dask(scheduler, out, pending, opts, batch_size, bar.shard_done,
                                task=run_shard)  # fmt: skip
                else:
                    _run_local(out, shards, opts, min(workers, 61), batch_size, bar.advance,
                               bar.shard_done, selections)  # fmt: skip
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM: the open parts were aborted while unwinding, but a signal that
        # lands while a part file is being created leaves a file no writer holds yet. In a
        # local run nothing writes any more (workers only score): remove every temporary
        # file. (A Dask worker may still be writing; its retry removes its own.)
        if scheduler is None:
            clean_temp_files(out, *([split] if split else []))
        raise

    # Every part is published: temporary files left now are a dead worker's (a Dask retry
    # removes its shard's own, this catches any other).
    clean_temp_files(out, *([split] if split else []))
    all_stats = []
    for s in shards:
        entries = read_done(out, s)
        if not shard_complete(entries):  # pragma: no cover - a shard left unfinished
            raise RuntimeError(f"shard {s.name} has no complete manifest after the run")
        all_stats.extend(entries)
    if opts.output_format == "parquet" or opts.split_format == "parquet":
        from mtdetect.audit.writers import unify_parquet_schemas

        for folder in (out, *((split / "kept", split / "rejected") if split else ())):
            unify_parquet_schemas(folder)
    total = merge_stats(all_stats, opts.top_k)
    total["duplicate_ids"] = duplicate_ids(total)
    total.pop("id_sketch", None)  # 16 kB of registers: the estimate above is what it is for
    atomic_write_bytes(out / "_summary.json",
                       dumps_json(total, indent=1, sort_keys=True).encode())  # fmt: skip
    (out / "_SUCCESS").write_bytes(b"")  # the audit is complete, whatever the report does
    if report is not None:
        from mtdetect.audit.report import render_audit_html

        html = render_audit_html(total, title=f"mtdetect audit of {out.name}")
        try:
            atomic_write_bytes(Path(report), html.encode("utf-8"))
        except OSError as exc:
            raise AuditUsageError(
                f"{report}: cannot write the report ({exc.strerror or exc}); the audit itself "
                f"finished in {out}"
            ) from None
    return AuditSummary(out, len(shards), len(pending), total, time.perf_counter() - t0,
                        Path(report).absolute() if report is not None else None)  # fmt: skip


def _sample(shards: list[Shard], opts: AuditOptions) -> dict[int, _Selection]:
    """``--sample N``: N records drawn uniformly (seeded) from the whole corpus.

    A first pass counts the records of every shard (reading, not scoring); the draw is a
    pure function of the counts and the seed, so a resumed run draws the same records.
    """
    counts = []
    ro = opts.read_options
    for shard in shards:
        counts.append(sum(1 for _ in read_shard(shard, ro)))
    total = sum(counts)
    chosen = sorted(random.Random(opts.seed).sample(range(total), min(opts.sample or 0, total)))
    out: dict[int, _Selection] = {}
    i = base = 0
    for shard, n in zip(shards, counts, strict=True):
        picked = []
        while i < len(chosen) and chosen[i] < base + n:
            picked.append(chosen[i] - base)
            i += 1
        out[shard.index] = _Selection(seqs=frozenset(picked))
        base += n
    return out


def iter_rows(output: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The rows of a finished JSON Lines audit, in input order."""
    for part in sorted(Path(output).glob("part-*.jsonl")):
        with open(part, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)


# --------------------------------------------------------------------------- progress


class _Progress:
    """A rich progress bar on stderr (docs, docs/s, MB/s, ETA), or nothing.

    Progress is counted in bytes of input on disk, compressed or not (readers report how
    far into each input they are), so the rate and the time left hold for both; with
    ``total_docs`` (``--limit``, ``--sample``: only some records are audited) it is counted
    in records, so that the bar and the time left follow those records, not the whole input.
    """

    def __init__(
        self, enabled: bool, total_bytes: int | None, shards: int, total_docs: int | None = None
    ) -> None:
        self.enabled = enabled
        self.total_docs = total_docs
        self.total = total_bytes if total_docs is None else total_docs
        self.shards = shards
        self.docs = 0
        self.bytes = 0
        self.counted: dict[int, tuple[int, int]] = {}
        self.t0 = time.perf_counter()
        self._progress: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("auditing"),
                BarColumn(),
                TextColumn("{task.fields[stats]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._progress.start()
            total = max(1, self.total) if self.total is not None else None
            self._task = self._progress.add_task("audit", total=total, stats="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def _refresh(self) -> None:
        if self._progress is None:
            return
        dt = max(1e-6, time.perf_counter() - self.t0)
        stats = f"{self.docs:,} docs  {self.docs / dt:,.0f} docs/s  {_rate(self.bytes / dt)}"
        done = self.bytes if self.total_docs is None else min(self.docs, self.total_docs)
        self._progress.update(self._task, completed=done, stats=stats)

    def advance(self, shard: Shard, docs: int, position: int) -> None:
        """``docs`` more records of ``shard`` done, ``position`` bytes into its input."""
        d, b = self.counted.get(shard.index, (0, 0))
        step = max(0, position - b)
        self.docs += docs
        self.bytes += step
        self.counted[shard.index] = (d + docs, b + step)
        self._refresh()

    def shard_done(self, shard: Shard, stats: dict[str, Any]) -> None:
        # Top up to the shard's size on disk (Dask runs report whole shards only).
        d, b = self.counted.pop(shard.index, (0, 0))
        if d == 0:
            self.docs += stats.get("records", 0)
        self.bytes += max(0, shard.size - b)
        self._refresh()


def _rate(bytes_per_s: float) -> str:
    """1.5 MB/s, or 820 KB/s when slower: a slow run never reads as 0.0 MB/s."""
    if bytes_per_s >= 1e6:
        return f"{bytes_per_s / 1e6:,.1f} MB/s"
    return f"{bytes_per_s / 1e3:,.0f} KB/s"


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "-"


def duplicate_ids(stats: dict[str, Any]) -> int:
    """About how many records of an audit share their id with another (0 when that is within
    the sketch's error: under 2 records or 3% of the ids)."""
    from mtdetect.audit.writers import IdSketch

    ids = int(stats.get("ids", 0))
    if ids < 2 or not stats.get("id_sketch"):
        return 0
    dup = ids - round(IdSketch(stats["id_sketch"]).distinct())
    return dup if dup >= max(2, 0.03 * ids) else 0


def format_summary(summary: AuditSummary) -> str:
    """A few lines for the terminal: counts by status, a score histogram with the verdict
    thresholds, families, the breakdown by source (and URL host), errors."""
    st = summary.stats
    lines = [
        f"audited {st['records']:,} records in {summary.shards} shard(s) "
        f"({summary.shards_run} run now) in {summary.seconds:.1f}s -> {summary.output}",
        "status: " + ", ".join(f"{k} {v:,}" for k, v in st["status"].items()),
    ]
    if st.get("blank_lines"):
        lines.append(f"blank lines (not records, no rows): {st['blank_lines']:,}")
    if st["verdicts"]:
        lines.append(
            "verdicts: " + ", ".join(f"{k} {v:,}" for k, v in sorted(st["verdicts"].items()))
        )
    if st.get("kept") or st.get("rejected"):
        lines.append(f"split: kept {st['kept']:,}, rejected {st['rejected']:,}")
    hist = st["histogram"]
    th = st.get("thresholds") or {}
    if any(hist):
        marks = {k: v for k, v in th.items() if k in ("suspect", "rewritten")}
        lines.append(
            "scores:" + "".join(f"  ({k} from {v:.3g})" for k, v in sorted(marks.items(),
                                                                         key=lambda kv: kv[1]))
        )  # fmt: skip
        top = max(hist)
        n = len(hist)
        for i in range(0, n, 2):  # 10 rows of two bins each keep it short
            c = hist[i] + (hist[i + 1] if i + 1 < n else 0)
            bar = "#" * (round(30 * c / (2 * top)) if c else 0)
            lo, hi = i / n, (i + 2) / n
            tag = "".join(f" <- {k} {v:.3g}" for k, v in marks.items() if lo <= v < hi)
            lines.append(f"  {lo:.1f}-{hi:.1f} {c:>9,} {bar}{tag}")
    dup = st.get("duplicate_ids", 0)
    if dup:
        lines.append(
            f"warning: about {dup:,} of {st['ids']:,} records share their id with another "
            "record (duplicate ids; estimated from a sketch of the ids)"
        )
    markers = st.get("mt_markers") or {}
    if markers:
        shown = ", ".join(f"{k} {v:,}" for k, v in sorted(markers.items(), key=lambda kv: -kv[1]))
        lines.append(f"pages that say they are machine-translated: {sum(markers.values()):,} "
                     f"({shown}; column mt_marker)")  # fmt: skip
    if st["families"]:
        lines.append("top families (spans / documents):")
        for fam, n in list(st["families"].items())[:5]:
            lines.append(f"  {fam:<22} {n:>9,} / {st['family_docs'].get(fam, 0):,}")
    for key, title in (("by_source", "by input"), ("by_host", "by URL host")):
        table = st.get(key) or {}
        if len(table) < 2 and key == "by_source":
            continue
        if not table:
            continue
        lines.append(f"{title} (records, ok, skipped, error, rewritten, mean score):")
        for name, c in list(table.items())[:10]:
            mean = f"{c['score_sum'] / c['ok']:.3f}" if c["ok"] else "-"
            lines.append(
                f"  {name[-48:]:<48} {c['records']:>8,} {c['ok']:>8,} {c['skipped']:>7,} "
                f"{c['error']:>7,} {_pct(c['rewritten'], c['ok']):>6} {mean:>6}"
            )
        if len(table) > 10:
            lines.append(f"  ... {len(table) - 10:,} more (all in _summary.json and the report)")
    if st["error_reasons"]:
        lines.append(
            "errors: " + ", ".join(f"{k} {v:,}" for k, v in sorted(st["error_reasons"].items()))
        )
        for e in st["errors"][:5]:
            lines.append(f"  {e['source']} @ {e['position']}: {e['reason']}")
    if st["skip_reasons"]:
        lines.append(
            "skipped: " + ", ".join(f"{k} {v:,}" for k, v in sorted(st["skip_reasons"].items()))
        )
    if summary.report is not None:
        lines.append(f"report: {summary.report}")
    return "\n".join(lines)
