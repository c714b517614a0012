"""Running an audit: plan shards, score records in worker processes, write, resume, summarise.

The per-record work (:func:`audit_batch`) and the per-shard writing (:class:`ShardWriter`)
are shared by the local runner here and the Dask runner, so both write the same bytes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
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

from mtdetect.audit.language import looks_english, mask_non_english
from mtdetect.audit.readers import (
    DEFAULT_MAX_INFLATE,
    DEFAULT_SHARD_BYTES,
    AuditInputError,
    ReadOptions,
    Record,
    Shard,
    plan_shards,
    read_shard,
)
from mtdetect.audit.writers import (
    ShardWriter,
    atomic_write_bytes,
    clean_temp_files,
    merge_stats,
    read_done,
)
from mtdetect.result import dumps_json

__all__ = [
    "AuditOptions",
    "AuditTerminated",
    "AuditUsageError",
    "audit_batch",
    "run_audit",
    "run_shard",
]

DETAILS = ("none", "sentences", "spans")
OUTPUT_FORMATS = ("jsonl", "csv", "parquet")
_BATCH_CHARS = 4_000_000  # a batch is cut early past this many characters (memory bound)
_PLAN_VERSION = 1


class AuditUsageError(ValueError):
    """Bad arguments or an output directory that cannot be used (nothing was processed)."""


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """Everything that shapes the output rows. Picklable: sent to every worker."""

    text_field: str = "text"
    id_field: str = "id"
    detail: str = "none"  # none | sentences | spans
    keep_fields: bool = False
    metadata_field: str | None = None
    split_dir: str | None = None
    threshold: float | None = None  # None: the detector's "rewritten" threshold
    output_format: str = "jsonl"
    max_chars: int = 1_000_000
    max_inflate: float = DEFAULT_MAX_INFLATE  # 0: no cap on decompressed size
    lang_check: bool = True
    min_strength: float = 0.0
    model: str | None = None
    trust_model: bool = False
    top_k: int = 10

    def validate(self) -> None:
        if self.detail not in DETAILS:
            raise AuditUsageError(f"--detail must be one of {', '.join(DETAILS)}")
        if self.output_format not in OUTPUT_FORMATS:
            raise AuditUsageError(f"--output-format must be one of {', '.join(OUTPUT_FORMATS)}")
        if self.metadata_field and self.output_format != "jsonl":
            raise AuditUsageError("--metadata-field needs --output-format jsonl")
        if self.max_chars < 1:
            raise AuditUsageError("--max-chars must be positive")
        if not self.max_inflate >= 0:  # also refuses NaN
            raise AuditUsageError("--max-inflate must be 0 (no cap) or positive")
        if self.output_format == "parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise AuditUsageError(
                    "--output-format parquet needs pyarrow: pip install 'mtdetect[parquet]'"
                ) from None

    @property
    def read_options(self) -> ReadOptions:
        return ReadOptions(self.text_field, self.id_field, self.max_chars, self.max_inflate)


# --------------------------------------------------------------------------- per record

_DETECTORS: dict[tuple[str | None, bool], Any] = {}


def _detector(opts: AuditOptions) -> Any:
    """One detector per process, loaded on first use (workers are long-lived)."""
    key = (opts.model, opts.trust_model)
    if key not in _DETECTORS:
        import mtdetect

        _DETECTORS[key] = mtdetect.load(opts.model, trust=opts.trust_model)
    return _DETECTORS[key]


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


def _audit_one(det: Any, rec: Record, opts: AuditOptions) -> tuple[dict[str, Any], Any]:
    """The audit outcome of one record, and its DocumentResult when it was scored."""
    if rec.error is not None:
        return {"status": "error", "reason": rec.error}, None
    if rec.extra.get("blank"):
        return {"status": "skipped", "reason": "empty: blank line"}, None
    if rec.extra.get("skip"):
        return {"status": "skipped", "reason": f"no text: {rec.extra['skip']}"}, None
    text = rec.text or ""
    if not text.strip():
        return {"status": "skipped", "reason": "empty: no text to score"}, None
    if len(text) > opts.max_chars:
        return {
            "status": "error",
            "reason": f"record too large: {len(text):,} characters, over --max-chars {opts.max_chars:,}",
        }, None
    if opts.lang_check and not looks_english(text):
        return {
            "status": "skipped",
            "reason": "not English: too few English letters or words",
        }, None
    reason = None
    if opts.lang_check:
        # A mixed document is scored on its English paragraphs only (same length, so every
        # offset still points into the original text).
        masked, other, paragraphs = mask_non_english(text)
        if other:
            text = masked
            reason = f"mixed languages: scored on the English part ({other} of {paragraphs} paragraphs left out)"
    try:
        result = det.score(text, id=rec.id, source=rec.source, min_strength=opts.min_strength)
    except Exception as exc:  # a detector bug must not lose the record or stop the run
        return {"status": "error", "reason": f"detector failed: {type(exc).__name__}: {exc}"}, None
    threshold = opts.threshold
    if threshold is None:
        threshold = getattr(det.scorer, "rewritten_threshold", 0.7)
    audit = {
        "status": "ok",
        "score": round(result.score, 4),
        "verdict": result.verdict,
        "families": dict(sorted(result.family_counts().items())),
        "kept": result.score < threshold,
    }
    if reason:
        audit["reason"] = reason
    return audit, result


def _row(rec: Record, audit: dict[str, Any], result: Any, opts: AuditOptions) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": rec.id,
        "source": rec.source,
        "position": rec.position,
        "status": audit["status"],
        "reason": audit.get("reason"),
        "score": audit.get("score"),
        "verdict": audit.get("verdict"),
        "families": audit.get("families"),
    }
    if opts.detail != "none":
        info["result"] = _result_detail(result, opts.detail) if result is not None else None
    if opts.metadata_field:
        # The input record as it was, with the audit under the metadata field (datatrove /
        # NeMo Curator style); records that could not be parsed keep their id and position.
        base = rec.fields if rec.fields is not None else {"id": rec.id}
        meta = {k: v for k, v in info.items() if k != "id"}
        return _set_path(base, opts.metadata_field, meta)
    if opts.keep_fields:
        info["fields"] = (
            _without_path(rec.fields, opts.text_field) if rec.fields is not None else None
        )
    return info


def audit_batch(
    records: list[Record], opts: AuditOptions, shard_index: int = 0
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]]]:
    """Score a batch: (row, audit) per record in order, and the batch's worst documents."""
    det = _detector(opts)
    out = []
    worst: list[dict[str, Any]] = []
    for rec in records:
        audit, result = _audit_one(det, rec, opts)
        out.append((_row(rec, audit, result, opts), audit))
        if result is not None:
            worst.append(
                {"shard": shard_index, "seq": rec.seq, "score": audit["score"], "id": rec.id,
                 "source": rec.source, "position": rec.position, "result": result}
            )  # fmt: skip
    worst.sort(key=lambda w: (-w["score"], w["seq"]))
    worst = worst[: opts.top_k]
    for w in worst:  # only the few worst carry their sentences (for the HTML report)
        w["result"] = _worst_result(w["result"])
    return out, worst


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


def _writer(out: Path, shard: Shard, opts: AuditOptions) -> ShardWriter:
    split = Path(opts.split_dir) if opts.split_dir else None
    return ShardWriter(out, shard, opts.output_format, split, opts.top_k)


def run_shard(shard: Shard, out: str, opts: AuditOptions, batch_size: int = 64) -> dict[str, Any]:
    """Audit one whole shard in this process and publish it; returns its statistics.

    This is the task a Dask worker runs.
    """
    writer = _writer(Path(out), shard, opts)
    try:
        for batch in _batches(read_shard(shard, opts.read_options), batch_size):
            rows, worst = audit_batch(batch, opts, shard.index)
            for rec, (row, audit) in zip(batch, rows, strict=True):
                writer.add(rec, row, audit)
            writer.add_worst(worst)
        return writer.commit()
    except BaseException:
        writer.abort()
        raise


# --------------------------------------------------------------------------- local pool


def _worker_init(lifeline: Any = None) -> None:
    """Set up a pool worker: ignore Ctrl-C (the run stops us) and die with the run.

    ``lifeline`` is the read end of a pipe whose only write end the run holds: it reads EOF
    the moment the run exits, however it exits (``kill -9`` included). The worker's parent
    is the forkserver, which itself lives as long as any worker does, so ``getppid()``
    cannot tell that the run is gone.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if lifeline is None:
        return

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv_bytes()  # blocks; the run never writes
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
) -> None:
    """Read shards in order in this process, score batches in a pool, write in order."""
    pool = None
    lifeline_w = None
    if workers > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["mtdetect.audit.runner", "mtdetect.pipeline"])
        lifeline_r, lifeline_w = ctx.Pipe(duplex=False)
        pool = ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_worker_init, initargs=(lifeline_r,)
        )
    window: deque[tuple[ShardWriter, list[Record] | None, Future | None]] = deque()
    max_inflight = max(2, workers * 3)
    open_writers: list[ShardWriter] = []

    def drain_one() -> None:
        writer, batch, fut = window.popleft()
        if batch is None:
            open_writers.remove(writer)
            on_shard(writer.shard, writer.commit())
            return
        assert fut is not None
        rows, worst = fut.result()
        for rec, (row, audit) in zip(batch, rows, strict=True):
            writer.add(rec, row, audit)
        writer.add_worst(worst)
        # Compressed files: bytes on disk are counted when the shard completes.
        nbytes = sum(r.nbytes for r in batch) if writer.shard.compression is None else 0
        on_progress(writer.shard, len(batch), nbytes)

    try:
        for shard in shards:
            writer = _writer(out, shard, opts)
            open_writers.append(writer)
            for batch in _batches(read_shard(shard, opts.read_options), batch_size):
                if pool is None:
                    fut: Future = _Done(audit_batch(batch, opts, shard.index))
                else:
                    fut = pool.submit(audit_batch, _for_worker(batch), opts, shard.index)
                window.append((writer, batch, fut))
                while len(window) > max_inflight:
                    drain_one()
            window.append((writer, None, None))
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


def _plan_doc(shards: list[Shard], opts: AuditOptions, shard_bytes: int) -> dict[str, Any]:
    shape = dataclasses.asdict(opts)
    shape.pop("split_dir")  # where split files go does not change them
    return {
        "format": "mtdetect-audit",
        "version": _PLAN_VERSION,
        "options": shape,
        "shard_bytes": shard_bytes,
        "shards": [s.to_dict() for s in shards],
    }


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
                f"{out}: the inputs or options differ from the interrupted run; "
                "rerun with the same ones, or use --overwrite to start again"
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
    """Audit a corpus into the output directory ``output``; see README "Auditing a corpus".

    ``options`` (or keyword arguments of :class:`AuditOptions`) shape the rows. ``scheduler``
    is a Dask scheduler address or ``distributed.Client``: the same shards are then run on
    the cluster (inputs and ``output`` must be on storage every worker sees).
    """
    t0 = time.perf_counter()
    if isinstance(inputs, str):
        inputs = [inputs]
    opts = options if options is not None else AuditOptions(**option_kwargs)
    if options is not None and option_kwargs:
        opts = dataclasses.replace(options, **option_kwargs)
    if opts.split_dir:  # workers (maybe on other machines) need absolute paths
        opts = dataclasses.replace(opts, split_dir=str(Path(opts.split_dir).absolute()))
    opts.validate()
    if batch_size < 1:
        raise AuditUsageError("batch size must be positive")
    out = Path(output).absolute()
    try:
        shards = plan_shards(list(inputs), shard_bytes)
    except AuditInputError as exc:
        raise AuditUsageError(str(exc)) from None
    split = Path(opts.split_dir) if opts.split_dir else None
    _check_writable(split, report)
    _prepare_output(out, _plan_doc(shards, opts, shard_bytes), split, resume, overwrite)
    clean_temp_files(out, *([split] if split else []))
    (out / "_SUCCESS").unlink(missing_ok=True)

    pending = [s for s in shards if read_done(out, s) is None]
    if workers is None or workers < 1:
        workers = os.cpu_count() or 1
    show = progress if progress is not None else sys.stderr.isatty()
    with (
        _terminate_as_interrupt(),
        _Progress(show, sum(s.size for s in pending), len(pending)) as bar,
    ):

        def on_shard(shard: Shard, stats: dict[str, Any]) -> None:
            bar.shard_done(shard, stats)

        if scheduler is not None:
            from mtdetect.audit.dask_runner import run_on_dask

            run_on_dask(scheduler, out, pending, opts, batch_size, on_shard)
        else:
            _run_local(out, pending, opts, min(workers, 61), batch_size, bar.advance, on_shard)

    all_stats = []
    for s in shards:
        st = read_done(out, s)
        if st is None:  # pragma: no cover - a shard finished without its manifest entry
            raise RuntimeError(f"shard {s.name} has no manifest entry after the run")
        all_stats.append(st)
    total = merge_stats(all_stats, opts.top_k)
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
    return AuditSummary(out, len(shards), len(pending), total, time.perf_counter() - t0)


def iter_rows(output: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The rows of a finished JSON Lines audit, in shard order then input order."""
    for part in sorted(Path(output).glob("part-*.jsonl")):
        with open(part, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)


# --------------------------------------------------------------------------- progress


class _Progress:
    """A rich progress bar on stderr (docs, docs/s, MB/s, ETA), or nothing."""

    def __init__(self, enabled: bool, total_bytes: int, shards: int) -> None:
        self.enabled = enabled
        self.total = total_bytes
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
            self._task = self._progress.add_task("audit", total=max(1, self.total), stats="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def _refresh(self) -> None:
        if self._progress is None:
            return
        dt = max(1e-6, time.perf_counter() - self.t0)
        stats = (
            f"{self.docs:,} docs  {self.docs / dt:,.0f} docs/s  {self.bytes / dt / 1e6:,.1f} MB/s"
        )
        self._progress.update(self._task, completed=self.bytes, stats=stats)

    def advance(self, shard: Shard, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.bytes += nbytes
        d, b = self.counted.get(shard.index, (0, 0))
        self.counted[shard.index] = (d + docs, b + nbytes)
        self._refresh()

    def shard_done(self, shard: Shard, stats: dict[str, Any]) -> None:
        # Top up to the shard's records and size on disk: Dask runs and compressed files
        # report only whole shards.
        d, b = self.counted.pop(shard.index, (0, 0))
        self.docs += max(0, stats["records"] - d)
        self.bytes += max(0, shard.size - b)
        self._refresh()


def format_summary(summary: AuditSummary) -> str:
    """A few lines for the terminal: counts by status, a score histogram, families, errors."""
    st = summary.stats
    lines = [
        f"audited {st['records']:,} records in {summary.shards} shard(s) "
        f"({summary.shards_run} run now) in {summary.seconds:.1f}s -> {summary.output}",
        "status: " + ", ".join(f"{k} {v:,}" for k, v in st["status"].items()),
    ]
    if st["verdicts"]:
        lines.append(
            "verdicts: " + ", ".join(f"{k} {v:,}" for k, v in sorted(st["verdicts"].items()))
        )
    hist = st["histogram"]
    if any(hist):
        lines.append("scores:")
        top = max(hist)
        n = len(hist)
        for i in range(0, n, 2):  # 10 rows of two bins each keep it short
            c = hist[i] + (hist[i + 1] if i + 1 < n else 0)
            bar = "#" * (round(30 * c / (2 * top)) if c else 0)
            lines.append(f"  {i / n:.1f}-{(i + 2) / n:.1f} {c:>9,} {bar}")
    if st["families"]:
        lines.append("top families (spans / documents):")
        for fam, n in list(st["families"].items())[:5]:
            lines.append(f"  {fam:<22} {n:>9,} / {st['family_docs'].get(fam, 0):,}")
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
    return "\n".join(lines)
