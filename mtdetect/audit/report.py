"""The HTML summary of an audit (``--report``): totals, a score histogram drawn as inline SVG,
the families table, the first errors and the worst documents with highlighted sentences.

Self-contained like the ``score`` report (no scripts, no external resources), and every
piece of corpus text, path and reason is escaped. The document sections reuse the
renderer in :mod:`mtdetect.report.html`.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from mtdetect._version import __version__
from mtdetect.report.html import _CSS, _EXTRA_CSS, FAMILY_COLORS, _document_html, histogram_svg
from mtdetect.result import DocumentResult, SentenceResult, Span, scrub_surrogates

__all__ = ["histogram_svg", "render_audit_html"]


def _result_from_dict(d: dict[str, Any]) -> DocumentResult:
    sentences = [
        SentenceResult(
            s["start"], s["end"], s["text"], s["score"], [Span(**sp) for sp in s["spans"]]
        )
        for s in d["sentences"]
    ]
    return DocumentResult(
        d["score"], d["verdict"], d["model"], sentences, d.get("id"), d.get("source")
    )


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(rows_i) + "</tr>" for rows_i in rows)
    return f"<table class=t><tr>{th}</tr>{body}</table>"


def render_audit_html(summary: dict[str, Any], title: str = "mtdetect audit") -> str:
    """One self-contained page for the merged statistics of an audit."""
    records = summary["records"]
    status_rows = [
        [f"<td>{escape(k)}</td>", f"<td class=n>{v:,}</td>"] for k, v in summary["status"].items()
    ]
    verdict_rows = [
        [f"<td>{escape(k)}</td>", f"<td class=n>{v:,}</td>"]
        for k, v in sorted(summary["verdicts"].items())
    ]
    fam_rows = [
        [
            f'<td><span class=sw style="background:{FAMILY_COLORS.get(f, "#000")}"></span> '
            f"{escape(f)}</td>",
            f"<td class=n>{n:,}</td>",
            f"<td class=n>{summary['family_docs'].get(f, 0):,}</td>",
        ]
        for f, n in summary["families"].items()
    ]
    err_rows = [
        [
            f"<td>{escape(str(e['source']))}</td>",
            f"<td class=n>{escape(str(e['position']))}</td>",
            f"<td>{escape(e['reason'])}</td>",
        ]
        for e in summary["errors"]
    ]
    reasons = [
        [f"<td>{escape(k)}</td>", f"<td class=n>{v:,}</td>"]
        for k, v in sorted({**summary["error_reasons"], **summary["skip_reasons"]}.items())
    ]
    worst = []
    for i, w in enumerate(summary["worst"]):
        doc = _result_from_dict(w["result"])
        # Where the document is from is its section's own heading (a caption placed before
        # the section would read as the end of the previous document).
        doc.source = f"{w['source']} @ {w['position']}" + (
            f" (id {w['id']})" if w.get("id") else ""
        )
        worst.append(_document_html(doc, i))
    by_source = _breakdown(summary.get("by_source") or {})
    by_host = _breakdown(summary.get("by_host") or {})
    sections = [
        f"<h1>{escape(title)}</h1>",
        f'<div class="meta">mtdetect {escape(__version__)}; {records:,} records, '
        f"{summary['bytes'] / 1e6:,.1f} MB read</div>",
        "<h2>Records</h2>",
        _table(["status", "records"], status_rows),
        _table(["verdict", "documents"], verdict_rows) if verdict_rows else "",
        "<h2>Document scores</h2>",
        histogram_svg(summary["histogram"], thresholds=summary.get("thresholds")),
        "<h2>Artifact families</h2>",
        _table(["family", "spans", "documents"], fam_rows)
        if fam_rows
        else "<p>No spans found.</p>",
    ]
    markers = summary.get("mt_markers") or {}
    if markers:
        rows = [[f"<td>{escape(str(k))}</td>", f"<td class=n>{v:,}</td>"]
                for k, v in sorted(markers.items(), key=lambda kv: -kv[1])]  # fmt: skip
        sections += [
            "<h2>Pages that say they are machine-translated</h2>",
            "<p>The page's own HTML carries a machine-translation marker (a translation "
            "plugin, a translation meta tag or link); the rows have it in <code>mt_marker</code>."
            "</p>",
            _table(["marker", "pages"], rows),
        ]
    head = ["records", "ok", "skipped", "error", "suspect", "rewritten", "mean score"]
    if by_source:
        sections += ["<h2>By input</h2>", _table(["input", *head], by_source)]
    if by_host:
        sections += ["<h2>By URL host</h2>", _table(["host", *head], by_host)]
    if reasons:
        sections += ["<h2>Errors and skipped records</h2>", _table(["reason", "records"], reasons)]
    if err_rows:
        sections += [_table(["source", "position", "error"], err_rows)]
    if worst:
        sections += ["<h2>Highest-scoring documents</h2>", *worst]
    page = (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        f"<title>{escape(title)}</title><style>{_CSS}{_EXTRA_CSS}</style></head><body>"
        + "".join(sections)
        + "</body></html>\n"
    )
    # Control characters from the corpus (NUL and the like) are not allowed in HTML: shown
    # as U+FFFD, one for one. Surrogates likewise.
    return _CONTROLS.sub("\ufffd", scrub_surrogates(page))


_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _breakdown(table: dict[str, dict[str, Any]]) -> list[list[str]]:
    rows = []
    for name, c in table.items():
        mean = f"{c['score_sum'] / c['ok']:.3f}" if c.get("ok") else "-"
        rows.append(
            [f"<td>{escape(name)}</td>"]
            + [f"<td class=n>{c.get(k, 0):,}</td>"
               for k in ("records", "ok", "skipped", "error", "suspect", "rewritten")]
            + [f"<td class=n>{mean}</td>"]
        )  # fmt: skip
    return rows
