"""Batch-auditing corpora: ``mtdetect audit`` and :func:`run_audit`.

See ``docs/audit.md`` for the output layout, sharding and resume.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    # The runner (readers, writers, process pools) loads on first use, so that
    # `mtdetect score`, which only needs mtdetect.audit.language, starts without it.
    if name in __all__:
        from mtdetect.audit import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'mtdetect.audit' has no attribute {name!r}")
