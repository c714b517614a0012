"""JSON, JSON Lines and CSV renderers (built on :mod:`mtdetect.report.stream`)."""

from __future__ import annotations

from collections.abc import Sequence

from mtdetect.report.stream import CSV_COLUMNS, stream
from mtdetect.result import DocumentResult

__all__ = ["CSV_COLUMNS", "render_csv", "render_json", "render_jsonl"]


def render_json(results: Sequence[DocumentResult]) -> str:
    """One document: its JSON object; several: a JSON array of them."""
    return "".join(stream(results, "json"))


def render_jsonl(results: Sequence[DocumentResult]) -> str:
    """One JSON object per line, one line per document."""
    return "".join(stream(results, "jsonl"))


def render_csv(results: Sequence[DocumentResult]) -> str:
    """One row per span; a document without spans gets one row with empty span fields."""
    return "".join(stream(results, "csv"))
