"""JSON, JSON Lines and CSV renderers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from mtdetect.result import DocumentResult, dumps_json

__all__ = ["CSV_COLUMNS", "render_csv", "render_json", "render_jsonl"]


def render_json(results: Sequence[DocumentResult]) -> str:
    """One document: its JSON object; several: a JSON array of them."""
    if len(results) == 1:
        return dumps_json(results[0].to_dict(), indent=2) + "\n"
    return dumps_json([r.to_dict() for r in results], indent=2) + "\n"


def render_jsonl(results: Sequence[DocumentResult]) -> str:
    """One JSON object per line, one line per document."""
    return "".join(dumps_json(r.to_dict()) + "\n" for r in results)


CSV_COLUMNS = [
    "source", "id", "doc_score", "verdict", "sentence", "sentence_score",
    "start", "end", "text", "family", "strength", "explanation", "suggestion",
]  # fmt: skip


def render_csv(results: Sequence[DocumentResult]) -> str:
    """One row per span; a document without spans gets one row with empty span fields."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in results:
        head = [r.source or "", r.id or "", f"{r.score:.4f}", r.verdict]
        wrote = False
        for i, sent in enumerate(r.sentences):
            for sp in sent.spans:
                writer.writerow(
                    [
                        *head,
                        i,
                        f"{sent.score:.4f}",
                        sp.start,
                        sp.end,
                        sp.text,
                        sp.family,
                        f"{sp.strength:.4f}",
                        sp.explanation,
                        sp.suggestion or "",
                    ]
                )
                wrote = True
        if not wrote:
            writer.writerow([*head, "", "", "", "", "", "", "", "", ""])
    return buf.getvalue()
