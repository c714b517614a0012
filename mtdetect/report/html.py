"""A self-contained HTML page: sentences shaded by score, spans highlighted with their
explanation and suggestion on hover and on keyboard focus, a legend of families.

No scripts, no external resources; every piece of input text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from mtdetect import __version__
from mtdetect.report import layout_spans
from mtdetect.result import FAMILIES, DocumentResult, SentenceResult, scrub_surrogates

__all__ = ["FAMILY_COLORS", "render_html"]

FAMILY_COLORS = {
    "synonym-substitution": "#e6194b",
    "broken-collocation": "#f58231",
    "function-word-swap": "#bfa100",
    "mangled-entity": "#3cb44b",
    "dropped-word": "#4363d8",
    "spacing-artifact": "#911eb4",
    "spinner-leftover": "#f032e6",
    "literal-translation": "#469990",
    "non-prose": "#808080",
}

_CSS = """
body{font:16px/1.6 system-ui,-apple-system,Segoe UI,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1a1a1a;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;word-break:break-all;unicode-bidi:isolate}
.meta{color:#555;font-size:.9rem}
.verdict-clean{color:#1b7a1b}.verdict-suspect{color:#a66b00}.verdict-rewritten{color:#b00020}
.doc p{margin:.6rem 0}
.s{border-radius:3px;padding:1px 0;unicode-bidi:isolate;white-space:pre-wrap}
mark{position:relative;background:none;border-bottom:3px solid var(--c);padding:0 1px;
cursor:help;color:inherit;unicode-bidi:isolate}
mark:focus{outline:2px solid var(--c);outline-offset:1px}
mark .tip{display:none;position:absolute;left:0;top:1.7em;z-index:10;min-width:16rem;max-width:28rem;
background:#222;color:#fff;font-size:.85rem;line-height:1.4;padding:.4rem .6rem;border-radius:4px;
white-space:normal}
mark:hover .tip,mark:focus .tip{display:block}
.tip b{color:var(--c);filter:brightness(1.6)}
.legend{display:flex;flex-wrap:wrap;gap:.4rem 1rem;font-size:.85rem;margin:1rem 0}
.legend span::before{content:"";display:inline-block;width:1.4rem;height:0;margin-right:.3rem;
border-bottom:3px solid var(--c);vertical-align:middle}
.scale{font-size:.85rem;color:#555}
table.spans{border-collapse:collapse;font-size:.85rem;margin-top:.5rem;width:100%}
table.spans td,table.spans th{border-top:1px solid #ddd;padding:.2rem .4rem;text-align:left;
vertical-align:top}
"""


#: Tables and the score histogram of overviews (the audit report's and a many-document page's).
_EXTRA_CSS = """
table.t{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}
table.t td,table.t th{border-top:1px solid #ddd;padding:.2rem .6rem;text-align:left}
table.t td.n{text-align:right;font-variant-numeric:tabular-nums}
.sw{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;vertical-align:middle}
svg text{font:11px system-ui,sans-serif;fill:#444}
"""
#: Bins of the score histogram of a many-document page.
HIST_BINS = 20


def histogram_svg(
    counts: list[int],
    width: int = 560,
    height: int = 180,
    thresholds: dict[str, float] | None = None,
) -> str:
    """Bars for score bins over [0, 1], with axis labels and a dashed line at each
    threshold (``{"suspect": 0.39, ...}``), as an inline SVG element."""
    th = {k: float(v) for k, v in (thresholds or {}).items() if 0.0 <= float(v) <= 1.0}
    suspect = th.get("suspect", 0.4)
    rewritten = th.get("rewritten", 0.7)
    n = max(1, len(counts))
    left, bottom, top_pad = 40, 22, 8
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    peak = max(counts) if counts and max(counts) > 0 else 1
    bw = plot_w / n
    parts = [
        f'<svg width="{width}" height="{height}" '
        f'role="img" aria-label="histogram of document scores">'
    ]
    base = top_pad + plot_h
    for i, c in enumerate(counts):
        h = plot_h * c / peak
        x = left + i * bw
        y = top_pad + plot_h - h
        # Colour follows the verdict bands (clean green, suspect amber, rewritten red).
        mid = (i + 0.5) / n
        color = "#1b7a1b" if mid < suspect else "#a66b00" if mid < rewritten else "#b00020"
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(0.0, bw - 2):.1f}" '
            f'height="{h:.1f}" fill="{color}"><title>{i / n:.2f}-{(i + 1) / n:.2f}: '
            f"{c:,} documents</title></rect>"
        )
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#888"/>')
    for t in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        x = left + t * plot_w
        parts.append(f'<text x="{x:.1f}" y="{base + 15}" text-anchor="middle">{t:.1f}</text>')
    labels = {"suspect": "suspect", "rewritten": "rewritten", "keep_below": "split"}
    drawn: list[float] = []
    for name, t in sorted(th.items(), key=lambda kv: kv[1]):
        if name == "keep_below" and any(abs(t - d) < 1e-9 for d in drawn):
            continue  # the split threshold is the rewritten one unless --threshold is given
        drawn.append(t)
        x = left + t * plot_w
        parts.append(
            f'<line x1="{x:.1f}" y1="{top_pad}" x2="{x:.1f}" y2="{base}" stroke="#333" '
            f'stroke-dasharray="4 3"><title>{escape(labels.get(name, name))} threshold '
            f"{t:.3g}</title></line>"
            f'<text x="{x + 3:.1f}" y="{top_pad + 9 + 11 * (len(drawn) - 1)}">'
            f"{escape(labels.get(name, name))} {t:.3g}</text>"
        )
    parts.append(f'<text x="{left - 4}" y="{top_pad + 9}" text-anchor="end">{peak:,}</text>')
    parts.append(f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>')
    parts.append("</svg>")
    return "".join(parts)


def _shade(score: float) -> str:
    # Sentences are shaded from transparent (0) to a light red (1).
    alpha = max(0.0, min(1.0, score)) * 0.35
    return f"background:rgba(220,40,40,{alpha:.3f})"


def _sentence_html(sent: SentenceResult) -> str:
    parts: list[str] = []
    pos = sent.start
    for sp in layout_spans(sent.spans):
        parts.append(escape(sent.text[pos - sent.start : sp.start - sent.start]))
        color = FAMILY_COLORS.get(sp.family, "#000")
        suggestion = f"<br>suggested: <i>{escape(sp.suggestion)}</i>" if sp.suggestion else ""
        parts.append(
            f'<mark tabindex="0" style="--c:{color}" data-family="{escape(sp.family)}">'
            f"{escape(sent.text[sp.start - sent.start : sp.end - sent.start])}"
            f'<span class="tip" role="tooltip"><b>{escape(sp.family)}</b> '
            f"({sp.strength:.2f})<br>{escape(sp.explanation)}{suggestion}</span></mark>"
        )
        pos = sp.end
    parts.append(escape(sent.text[pos - sent.start :]))
    return (
        f'<span class="s" style="{_shade(sent.score)}" title="sentence score {sent.score:.2f}">'
        f"{''.join(parts)}</span>"
    )


def _document_html(r: DocumentResult, index: int, numbered: bool = False) -> str:
    name = r.source or r.id or f"document {index + 1}"
    if numbered:  # a many-document page: the overview's index refers to §N
        name = f"§{index + 1} {name}"
    by_paragraph: dict[int, list[str]] = {}
    for sent in r.sentences:
        by_paragraph.setdefault(sent.paragraph, []).append(_sentence_html(sent))
    paragraphs = ["<p>" + " ".join(p) + "</p>" for p in by_paragraph.values()]
    rows = "".join(
        f"<tr><td>{escape(sp.family)}</td><td>{sp.strength:.2f}</td><td>{escape(sp.text)}</td>"
        f"<td>{escape(sp.suggestion or '')}</td><td>{escape(sp.explanation)}</td></tr>"
        for sp in r.spans
    )
    table = (
        "<details><summary>all spans</summary><table class=spans><tr><th>family</th>"
        f"<th>strength</th><th>text</th><th>suggestion</th><th>why</th></tr>{rows}</table>"
        "</details>"
        if rows
        else ""
    )
    return (
        f'<section class="doc"><h2>{escape(name)}</h2>'
        f'<div class="meta">score {r.score:.2f}, verdict '
        f'<strong class="verdict-{escape(r.verdict)}">{escape(r.verdict)}</strong>, '
        f"{len(r.sentences)} sentences, {len(r.spans)} suspect spans</div>"
        f"{''.join(paragraphs)}{table}</section>"
    )


def _overview_html(results: Sequence[DocumentResult], thresholds: dict[str, float] | None) -> str:
    """For a page of several documents: counts by verdict, the histogram of document scores
    and an index of the documents, highest score first (each with its section number)."""
    verdicts: dict[str, int] = {}
    hist = [0] * HIST_BINS
    for r in results:
        verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1
        hist[min(HIST_BINS - 1, max(0, int(r.score * HIST_BINS)))] += 1
    counts = ", ".join(
        f'<strong class="verdict-{escape(v)}">{verdicts[v]:,} {escape(v)}</strong>'
        for v in ("rewritten", "suspect", "clean")
        if v in verdicts
    )
    order = sorted(range(len(results)), key=lambda i: (-results[i].score, i))
    rows = "".join(
        f"<tr><td class=n>§{i + 1}</td><td>{escape(r.source or r.id or f'document {i + 1}')}"
        f'</td><td class=n>{r.score:.2f}</td><td class="verdict-{escape(r.verdict)}">'
        f"{escape(r.verdict)}</td><td class=n>{len(r.sentences):,}</td>"
        f"<td class=n>{len(r.spans):,}</td></tr>"
        for i, r in ((i, results[i]) for i in order)
    )
    return (
        f'<section class="overview"><h2>{len(results):,} documents</h2><p>{counts}</p>'
        f"{histogram_svg(hist, thresholds=thresholds)}"
        "<h2>Documents, highest score first</h2><table class=t><tr><th>§</th><th>document</th>"
        "<th>score</th><th>verdict</th><th>sentences</th><th>spans</th></tr>"
        f"{rows}</table></section>"
    )


def render_html(
    results: Sequence[DocumentResult],
    title: str = "mtdetect report",
    thresholds: dict[str, float] | None = None,
) -> str:
    """One self-contained page for the given documents; with several, an overview first
    (verdict counts, a score histogram with ``thresholds``, an index by score)."""
    legend = "".join(f'<span style="--c:{FAMILY_COLORS[f]}">{escape(f)}</span>' for f in FAMILIES)
    model = escape(results[0].model) if results else ""
    many = len(results) > 1
    overview = _overview_html(results, thresholds) if many else ""
    docs = "".join(_document_html(r, i, numbered=many) for i, r in enumerate(results))
    return scrub_surrogates(
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        f"<title>{escape(title)}</title><style>{_CSS}{_EXTRA_CSS if many else ''}</style>"
        "</head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<div class="meta">mtdetect {escape(__version__)}; model: {model}</div>'
        f'<div class="legend" aria-label="families">{legend}</div>'
        '<div class="scale">Sentence shading: the darker, the likelier machine-rewritten. '
        "Hover over or tab to a highlight for its explanation.</div>"
        f"{overview}{docs}</body></html>\n"
    )
