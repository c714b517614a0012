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


def _document_html(r: DocumentResult, index: int) -> str:
    name = r.source or r.id or f"document {index + 1}"
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


def render_html(results: Sequence[DocumentResult], title: str = "mtdetect report") -> str:
    """One self-contained page for the given documents."""
    legend = "".join(f'<span style="--c:{FAMILY_COLORS[f]}">{escape(f)}</span>' for f in FAMILIES)
    model = escape(results[0].model) if results else ""
    docs = "".join(_document_html(r, i) for i, r in enumerate(results))
    return scrub_surrogates(
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<div class="meta">mtdetect {escape(__version__)}; model: {model}</div>'
        f'<div class="legend" aria-label="families">{legend}</div>'
        '<div class="scale">Sentence shading: the darker, the likelier machine-rewritten. '
        "Hover over or tab to a highlight for its explanation.</div>"
        f"{docs}</body></html>\n"
    )
