"""Token alignment of a rewritten sentence with its original: where the rewrite changed it.

The rewritten side gets one label per token (0 kept, 1 changed) and the list of edits with
character offsets into the rewritten sentence, each with the original words it stands for.
A deletion (original words with nothing in their place) is recorded as a zero-width edit at
the position of the gap and marks the token after the gap with label 2 ("something was
dropped before this"), so a tagger can learn dropped words.

Alignment is :class:`difflib.SequenceMatcher` over lower-cased token texts (no junk
heuristic), which is exact for the small edits round trips and spinners make and degrades to
"everything changed" for a sentence rewritten beyond recognition.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from mtdetect.text import Token, tokenize

__all__ = ["Edit", "align_tokens", "token_labels"]

KEPT, CHANGED, GAP_BEFORE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Edit:
    """One difference: ``op`` is ``replace``, ``insert`` or ``delete``; ``start``/``end`` are
    offsets into the rewritten text (equal for a deletion); ``original`` is what the original
    had there."""

    op: str
    start: int
    end: int
    original: str


def align_tokens(original: str, rewritten: str) -> tuple[list[Token], list[Edit]]:
    """Tokens of ``rewritten`` and the edits that turn ``original`` into it."""
    a = tokenize(original)
    b = tokenize(rewritten)
    sm = SequenceMatcher(None, [t.text.lower() for t in a], [t.text.lower() for t in b], False)
    edits: list[Edit] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        orig = original[a[i1].start : a[i2 - 1].end] if i2 > i1 else ""
        if op == "delete":
            pos = b[j1].start if j1 < len(b) else len(rewritten)
            edits.append(Edit("delete", pos, pos, orig))
        else:
            edits.append(Edit(op, b[j1].start, b[j2 - 1].end, orig))
    return b, edits


def token_labels(tokens: list[Token], edits: list[Edit]) -> list[int]:
    """Per token of the rewritten side: 0 kept, 1 inside a replace/insert, 2 after a gap."""
    labels = [KEPT] * len(tokens)
    starts = [t.start for t in tokens]
    for e in edits:
        if e.op == "delete":
            for k, s in enumerate(starts):
                if s >= e.start:
                    if labels[k] == KEPT:
                        labels[k] = GAP_BEFORE
                    break
            continue
        for k, t in enumerate(tokens):
            if t.start >= e.start and t.end <= e.end:
                labels[k] = CHANGED
    return labels
