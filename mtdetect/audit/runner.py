"""Running an audit: plan shards, score records in worker processes, write, resume, summarise.

The per-record work (:func:`audit_batch`) and the per-shard writing (:class:`ShardWriter`)
are shared by the local runner here and the Dask runner, so both write the same bytes."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from mtdetect.audit.options import AuditOptions, AuditUsageError
from mtdetect.audit.pool import _run_local, _terminate_as_interrupt
from mtdetect.audit.progress import _Progress
from mtdetect.audit.readers import (
    DEFAULT_SHARD_BYTES,
    STDIN,
    AuditInputError,
    Shard,
    fingerprint,
    plan_shards,
    read_shard,
)
from mtdetect.audit.shards import _Selection, run_shard
from mtdetect.audit.summary import AuditSummary, duplicate_ids
from mtdetect.audit.writers import (
    atomic_write_bytes,
    clean_temp_files,
    merge_stats,
    read_done,
    shard_complete,
)
from mtdetect.result import dumps_json

_PLAN_VERSION = 2


def _input_paths(shards: list[Shard]) -> list[str]:
    seen: dict[str, None] = {}
    for sh in shards:
        for p in sh.paths:
            seen.setdefault(p, None)
    return [p for p in seen if p != STDIN]


def _plan_doc(shards: list[Shard], opts: AuditOptions, shard_bytes: int) -> dict[str, Any]:
    shape = dataclasses.asdict(opts)
    shape.pop("split_dir")  # where split files go does not change them
    if shape["sensitivity"] == "default":  # as in plans written before the option existed
        shape.pop("sensitivity")
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
