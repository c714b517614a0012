"""Batch-auditing corpora: ``mtdetect audit`` and :func:`run_audit`.

See README "Auditing a corpus" for the output layout, sharding and resume.
"""

from __future__ import annotations

from mtdetect.audit.runner import (
    AuditOptions,
    AuditSummary,
    AuditUsageError,
    format_summary,
    iter_rows,
    run_audit,
)

__all__ = [
    "AuditOptions",
    "AuditSummary",
    "AuditUsageError",
    "format_summary",
    "iter_rows",
    "run_audit",
]
