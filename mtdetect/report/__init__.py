"""Report renderers: terminal text, JSON, JSON Lines, CSV and a self-contained HTML page."""

from __future__ import annotations

from collections.abc import Sequence

from mtdetect.result import DocumentResult, Span, scrub_surrogates

__all__ = ["FORMATS", "layout_spans", "render"]

FORMATS = ("text", "json", "jsonl", "csv", "html")


def layout_spans(spans: Sequence[Span]) -> list[Span]:
    """Spans that can be highlighted side by side: overlaps resolved by strength.

    Stronger spans win; a weaker span overlapping a kept one is dropped from the highlight
    (it stays in the JSON form).
    """
    kept: list[Span] = []
    for sp in sorted(spans, key=lambda s: (-s.strength, s.start, s.end)):
        if sp.end <= sp.start:
            continue
        if all(sp.end <= k.start or sp.start >= k.end for k in kept):
            kept.append(sp)
    return sorted(kept, key=lambda s: s.start)


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
    if fmt == "text":
        from mtdetect.report.terminal import render_text

        return render_text(results, color=color)
    if fmt in ("json", "jsonl", "csv"):
        from mtdetect.report import tabular

        return {"json": tabular.render_json, "jsonl": tabular.render_jsonl,
                "csv": tabular.render_csv}[fmt](results)  # fmt: skip
    if fmt == "html":
        from mtdetect.report.html import render_html

        return render_html(results, thresholds=thresholds)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
