"""Report renderers: terminal text, JSON, JSON Lines, CSV and a self-contained HTML page."""

from __future__ import annotations

from collections.abc import Sequence

from mtdetect.report.layout import layout_spans
from mtdetect.result import DocumentResult, scrub_surrogates

__all__ = ["FORMATS", "layout_spans", "render"]

FORMATS = ("text", "json", "jsonl", "csv", "html")


def render(
    results: Sequence[DocumentResult],
    fmt: str,
    *,
    color: bool = False,
    thresholds: dict[str, float] | None = None,
) -> str:
    """Render results in one of :data:`FORMATS`.

    The output always encodes as UTF-8: lone surrogates (possible only in text given through
    the Python API or JSON escapes) are written as U+FFFD, one for one.
    ``thresholds`` (``{"suspect": ..., "rewritten": ...}``) mark the score histogram of an
    HTML page of several documents.
    """
    return scrub_surrogates(_render(results, fmt, color=color, thresholds=thresholds))


def _render(
    results: Sequence[DocumentResult],
    fmt: str,
    *,
    color: bool = False,
    thresholds: dict[str, float] | None = None,
) -> str:
    if fmt in ("text", "json", "jsonl", "csv"):
        from mtdetect.report.stream import stream

        return "".join(stream(results, fmt, color=color))
    if fmt == "html":
        from mtdetect.report.html import render_html

        return render_html(results, thresholds=thresholds)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
