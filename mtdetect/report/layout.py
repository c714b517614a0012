"""What every renderer shares: which spans can be highlighted side by side, and how scraped
text is made safe to show in a terminal."""

from __future__ import annotations

from collections.abc import Sequence

from mtdetect.result import Span

__all__ = ["layout_spans", "safe_text"]


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


# Control characters in scraped text could drive the terminal (escape sequences): show
# them as visible symbols instead.
_CONTROL = {i: 0xFFFD for i in [*range(0x00, 0x20), *range(0x7F, 0xA0)]}
_CONTROL[0x09] = 0x20
_CONTROL[0x0A] = 0x20
_CONTROL[0x0D] = 0x20
# Bidirectional overrides and isolates could reorder what the terminal shows ("Trojan
# Source"); show them as visible symbols as well.
_CONTROL.update({i: 0xFFFD for i in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


def safe_text(s: str) -> str:
    """``s`` with control characters and bidirectional overrides shown as U+FFFD (and tabs
    and line breaks as spaces): what a terminal may be given of scraped text."""
    return s.translate(_CONTROL)
