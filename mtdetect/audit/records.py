"""Auditing records: each record's checks, score and row, a batch at a time (what a worker runs)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from mtdetect.audit.checks import check_text
from mtdetect.audit.options import AuditOptions
from mtdetect.audit.readers import (
    Record,
)
from mtdetect.audit.schema import AUDIT_COLUMNS, OPTIONAL_COLUMNS, audit_columns, keep_decision

_BATCH_CHARS = 4_000_000  # a batch is cut early past this many characters (memory bound)


def _detector(opts: AuditOptions) -> Any:
    """The process's detector for these options (loaded on first use and cached by
    :func:`mtdetect.load`; workers are long-lived)."""
    from mtdetect.loading import load

    return load(opts.model, trust=opts.trust_model)


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
        result = det.score(text, id=rec.id, source=rec.source, min_strength=opts.min_strength,
                           sensitivity=opts.sensitivity)  # fmt: skip
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
