"""Plain-text report for a terminal: spans in colour, or in brackets when piped."""

from __future__ import annotations

from collections.abc import Sequence

from mtdetect.report import layout_spans
from mtdetect.result import DocumentResult, SentenceResult

__all__ = ["render_text", "sentence_lines"]

# ANSI colours per family (foreground on a dim background), kept readable on dark and light.
_COLORS = {
    "synonym-substitution": "1;31",
    "broken-collocation": "1;35",
    "function-word-swap": "1;33",
    "mangled-entity": "1;36",
    "dropped-word": "1;34",
    "spacing-artifact": "1;32",
    "spinner-leftover": "1;91",
    "literal-translation": "1;95",
    "non-prose": "2;37",
}


# Control characters in scraped text could drive the terminal (escape sequences): show
# them as visible symbols instead.
_CONTROL = {i: 0xFFFD for i in [*range(0x00, 0x20), *range(0x7F, 0xA0)]}
_CONTROL[0x09] = 0x20
_CONTROL[0x0A] = 0x20
_CONTROL[0x0D] = 0x20
# Bidirectional overrides and isolates could reorder what the terminal shows ("Trojan
# Source"); show them as visible symbols as well.
_CONTROL.update({i: 0xFFFD for i in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


def _safe(s: str) -> str:
    return s.translate(_CONTROL)


def _highlight(sent: SentenceResult, color: bool) -> str:
    out: list[str] = []
    pos = sent.start
    text = sent.text
    for sp in layout_spans(sent.spans):
        out.append(_safe(text[pos - sent.start : sp.start - sent.start]))
        piece = _safe(text[sp.start - sent.start : sp.end - sent.start])
        if color:
            out.append(f"\x1b[{_COLORS.get(sp.family, '1')}m{piece}\x1b[0m")
        else:
            out.append(f"[[{piece}]]")
        pos = sp.end
    out.append(_safe(text[pos - sent.start :]))
    return "".join(out)


def sentence_lines(i: int, sent: SentenceResult, color: bool) -> list[str]:
    """The text form's lines for sentence ``i`` (which has spans): the sentence with its
    spans highlighted, then one line per span."""
    lines = [f"  [{i}] {sent.score:.2f}  {_highlight(sent, color)}"]
    for sp in sent.spans:
        hint = f" -> '{_safe(sp.suggestion)}'" if sp.suggestion else ""
        lines.append(
            f"        {sp.family} {sp.strength:.2f} '{_safe(sp.text)}'{hint}: "
            f"{_safe(sp.explanation)}"
        )
    return lines


def render_text(results: Sequence[DocumentResult], *, color: bool = False) -> str:
    """Each document's verdict, then its suspect sentences with spans and explanations."""
    from mtdetect.report.stream import stream

    return "".join(stream(results, "text", color=color))
