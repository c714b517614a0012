"""Plain-text report for a terminal: spans in colour, or in brackets when piped."""

from __future__ import annotations

from mtdetect.report.layout import layout_spans, safe_text
from mtdetect.result import SentenceResult

__all__ = ["sentence_lines"]

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


def _highlight(sent: SentenceResult, color: bool) -> str:
    out: list[str] = []
    pos = sent.start
    text = sent.text
    for sp in layout_spans(sent.spans):
        out.append(safe_text(text[pos - sent.start : sp.start - sent.start]))
        piece = safe_text(text[sp.start - sent.start : sp.end - sent.start])
        if color:
            out.append(f"\x1b[{_COLORS.get(sp.family, '1')}m{piece}\x1b[0m")
        else:
            out.append(f"[[{piece}]]")
        pos = sp.end
    out.append(safe_text(text[pos - sent.start :]))
    return "".join(out)


def sentence_lines(i: int, sent: SentenceResult, color: bool) -> list[str]:
    """The text form's lines for sentence ``i`` (which has spans): the sentence with its
    spans highlighted, then one line per span."""
    lines = [f"  [{i}] {sent.score:.2f}  {_highlight(sent, color)}"]
    for sp in sent.spans:
        hint = f" -> '{safe_text(sp.suggestion)}'" if sp.suggestion else ""
        lines.append(
            f"        {sp.family} {sp.strength:.2f} '{safe_text(sp.text)}'{hint}: "
            f"{safe_text(sp.explanation)}"
        )
    return lines
