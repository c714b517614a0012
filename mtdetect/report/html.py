"""A self-contained HTML page: sentences shaded by score, spans highlighted with their
explanation and suggestion on hover and on keyboard focus, a legend of families.

No scripts, no external resources; every piece of input text is escaped.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from html import escape

from mtdetect._version import __version__
from mtdetect.report.layout import layout_spans
from mtdetect.result import FAMILIES, DocumentResult, SentenceResult, Span, scrub_surrogates

__all__ = ["FAMILY_COLORS", "HtmlPage", "render_html"]

#: Page text kept in memory before it moves to a temporary file.
SPOOL_BYTES = 8 << 20
_READ = 1 << 20

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


def _document_name(label: str | None, index: int, numbered: bool) -> str:
    name = label or f"document {index + 1}"
    return f"§{index + 1} {name}" if numbered else name  # §N: the overview's index


def _document_head(name: str, score: float, verdict: str, n_sentences: int, n_spans: int) -> str:
    return (
        f'<section class="doc"><h2>{escape(name)}</h2>'
        f'<div class="meta">score {score:.2f}, verdict '
        f'<strong class="verdict-{escape(verdict)}">{escape(verdict)}</strong>, '
        f"{n_sentences} sentences, {n_spans} suspect spans</div>"
    )


def _span_row(sp: Span) -> str:
    return (
        f"<tr><td>{escape(sp.family)}</td><td>{sp.strength:.2f}</td><td>{escape(sp.text)}</td>"
        f"<td>{escape(sp.suggestion or '')}</td><td>{escape(sp.explanation)}</td></tr>"
    )


_TABLE_OPEN = (
    "<details><summary>all spans</summary><table class=spans><tr><th>family</th>"
    "<th>strength</th><th>text</th><th>suggestion</th><th>why</th></tr>"
)
_TABLE_CLOSE = "</table></details>"


def _document_html(r: DocumentResult, index: int, numbered: bool = False) -> str:
    """One document's section (whole; :class:`HtmlPage` writes the same a piece at a time)."""
    body = _DocumentBody()
    body.add(r.sentences)
    name = _document_name(r.source or r.id, index, numbered)
    head = _document_head(name, r.score, r.verdict, len(r.sentences), len(r.spans))
    return head + "".join(body.parts()) + "</section>"


class _DocumentBody:
    """A document's paragraphs and its table of spans, built as sentences arrive; held in
    temporary files (in memory up to :data:`SPOOL_BYTES`), so a huge document is not."""

    def __init__(self) -> None:
        self.n_sentences = self.n_spans = 0
        self._paragraph: int | None = None
        self._text = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in parts()
            max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline=""
        )
        self._rows = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in parts()
            max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline=""
        )

    def add(self, sentences: Iterable[SentenceResult]) -> None:
        for sent in sentences:
            # Sentences come in text order, so a paragraph's sentences are consecutive.
            if self._paragraph is None:
                sep = "<p>"
            else:
                sep = " " if sent.paragraph == self._paragraph else "</p><p>"
            self._paragraph = sent.paragraph
            self._text.write(scrub_surrogates(sep + _sentence_html(sent)))
            for sp in sent.spans:
                self._rows.write(scrub_surrogates(_span_row(sp)))
            self.n_sentences += 1
            self.n_spans += len(sent.spans)

    def close(self) -> None:
        self._text.close()
        self._rows.close()

    def parts(self) -> Iterator[str]:
        """The body's HTML in blocks (once; the temporary files are closed after)."""
        try:
            if self._paragraph is not None:
                self._text.write("</p>")
            for spool, before, after, written in (
                (self._text, "", "", self.n_sentences),
                (self._rows, _TABLE_OPEN, _TABLE_CLOSE, self.n_spans),
            ):
                if not written:
                    continue
                yield before
                spool.seek(0)
                while block := spool.read(_READ):
                    yield block
                yield after
        finally:
            self.close()


@dataclass(frozen=True, slots=True)
class _Entry:
    """What a page's overview needs of a document."""

    label: str | None
    score: float
    verdict: str
    n_sentences: int
    n_spans: int


class HtmlPage:
    """A page written a document at a time: :meth:`add` each document's sentences in text
    order, :meth:`end_document` when its score is known, then :meth:`finish` yields the page.

    The documents' sections wait in a temporary file (in memory up to :data:`SPOOL_BYTES`,
    then on disk), so that the page of a huge document, or of many, is never held whole.
    The page is the same, byte for byte, as :func:`render_html` of the whole results (which
    is built on this class).
    """

    def __init__(self, title: str = "mtdetect report", thresholds: dict[str, float] | None = None):
        self.title, self.thresholds = title, thresholds
        self._entries: list[_Entry] = []
        self._lengths: list[int] = []  # characters of each document's body in the spool
        self._model: str | None = None
        self._body: _DocumentBody | None = None
        self._spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in finish
            max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline=""
        )

    def add(self, sentences: Iterable[SentenceResult]) -> None:
        """The current document's next sentences."""
        if self._body is None:
            self._body = _DocumentBody()
        self._body.add(sentences)

    def end_document(
        self,
        score: float,
        verdict: str,
        model: str,
        id: str | None = None,
        source: str | None = None,
    ) -> None:
        """The current document is complete."""
        body = self._body or _DocumentBody()
        self._body = None
        n = 0
        for block in body.parts():
            self._spool.write(block)
            n += len(block)
        self._lengths.append(n)
        self._entries.append(_Entry(source or id, score, verdict, body.n_sentences, body.n_spans))
        if self._model is None:
            self._model = model

    def drop_document(self) -> None:
        """Forget the current document's sentences (it could not be read to its end)."""
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        """Drop the page unwritten (nothing was scored): its temporary files go."""
        self.drop_document()
        self._spool.close()

    def finish(self) -> Iterator[str]:
        """The page, in pieces."""
        try:
            many = len(self._entries) > 1
            legend = "".join(
                f'<span style="--c:{FAMILY_COLORS[f]}">{escape(f)}</span>' for f in FAMILIES
            )
            yield scrub_surrogates(
                "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
                '<meta name=viewport content="width=device-width,initial-scale=1">'
                "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
                "style-src 'unsafe-inline'\">"
                f"<title>{escape(self.title)}</title>"
                f"<style>{_CSS}{_EXTRA_CSS if many else ''}</style>"
                "</head><body>"
                f"<h1>{escape(self.title)}</h1>"
                f'<div class="meta">mtdetect {escape(__version__)}; '
                f"model: {escape(self._model or '')}</div>"
                f'<div class="legend" aria-label="families">{legend}</div>'
                '<div class="scale">Sentence shading: the darker, the likelier machine-rewritten. '
                "Hover over or tab to a highlight for its explanation.</div>"
                + (_overview_html(self._entries, self.thresholds) if many else "")
            )
            self._spool.seek(0)
            for i, (e, n) in enumerate(zip(self._entries, self._lengths, strict=True)):
                name = _document_name(e.label, i, many)
                yield scrub_surrogates(
                    _document_head(name, e.score, e.verdict, e.n_sentences, e.n_spans)
                )
                while n > 0:
                    block = self._spool.read(min(n, _READ))
                    n -= len(block)
                    yield block
                yield "</section>"
            yield "</body></html>\n"
        finally:
            self._spool.close()


def _overview_html(entries: Sequence[_Entry], thresholds: dict[str, float] | None) -> str:
    """For a page of several documents: counts by verdict, the histogram of document scores
    and an index of the documents, highest score first (each with its section number)."""
    verdicts: dict[str, int] = {}
    hist = [0] * HIST_BINS
    for r in entries:
        verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1
        hist[min(HIST_BINS - 1, max(0, int(r.score * HIST_BINS)))] += 1
    counts = ", ".join(
        f'<strong class="verdict-{escape(v)}">{verdicts[v]:,} {escape(v)}</strong>'
        for v in ("rewritten", "suspect", "clean")
        if v in verdicts
    )
    order = sorted(range(len(entries)), key=lambda i: (-entries[i].score, i))
    rows = "".join(
        f"<tr><td class=n>§{i + 1}</td><td>{escape(r.label or f'document {i + 1}')}"
        f'</td><td class=n>{r.score:.2f}</td><td class="verdict-{escape(r.verdict)}">'
        f"{escape(r.verdict)}</td><td class=n>{r.n_sentences:,}</td>"
        f"<td class=n>{r.n_spans:,}</td></tr>"
        for i, r in ((i, entries[i]) for i in order)
    )
    return (
        f'<section class="overview"><h2>{len(entries):,} documents</h2><p>{counts}</p>'
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
    page = HtmlPage(title, thresholds)
    for r in results:
        page.add(r.sentences)
        page.end_document(r.score, r.verdict, r.model, r.id, r.source)
    return "".join(page.finish())
