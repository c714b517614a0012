"""Batch-auditing corpora: ``mtdetect audit`` and :func:`run_audit`.

See ``docs/audit.md`` for the output layout, sharding and resume.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mtdetect.audit.options import AuditOptions, AuditUsageError
    from mtdetect.audit.runner import iter_rows, run_audit
    from mtdetect.audit.summary import AuditSummary, format_summary

__all__ = [
    "AuditOptions",
    "AuditSummary",
    "AuditUsageError",
    "format_summary",
    "iter_rows",
    "run_audit",
]


#: The module of each name above.
_HOMES = {
    "AuditOptions": "options",
    "AuditUsageError": "options",
    "AuditSummary": "summary",
    "format_summary": "summary",
    "iter_rows": "runner",
    "run_audit": "runner",
}


def __getattr__(name: str) -> Any:
    # The runner (readers, writers, process pools) loads on first use, so that
    # `mtdetect score`, which only needs mtdetect.audit.language, starts without it.
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"mtdetect.audit.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'mtdetect.audit' has no attribute {name!r}")
