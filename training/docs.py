"""The document every training and evaluation set is made of (:class:`Doc`), and its synthetic
rewrite (:func:`synthesize`): the bottom of ``training/``, which every data builder imports."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from training.rewriter import RewriteConfig, Rewriter

__all__ = ["Doc", "synthesize"]


@dataclass
class Doc:
    """One document with its segments and labels.

    ``seg_labels[i]`` is 1 when segment ``i`` was machine-rewritten; for synthetic documents
    ``edits`` holds ``(start, end, family)`` label spans with offsets into :attr:`text`.
    """

    id: str
    kind: str
    split: str
    segments: list[str]
    seg_labels: list[int]
    label: int
    meta: dict[str, Any] = field(default_factory=dict)
    edits: list[tuple[int, int, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.segments)

    def seg_offsets(self) -> list[tuple[int, int]]:
        """Character range of each segment in :attr:`text`."""
        out, pos = [], 0
        for s in self.segments:
            out.append((pos, pos + len(s)))
            pos += len(s) + 2
        return out


def synthesize(
    doc: Doc,
    rewriter: Rewriter,
    families: Sequence[str],
    scale: float = 1.0,
    seed: int = 0,
    kind: str = "synthetic",
) -> Doc | None:
    """Rewrite every segment of a clean document with ``families``; None if nothing changed."""
    rng = random.Random(f"{seed}:{doc.id}:{','.join(families)}")
    config = RewriteConfig.only(families, scale=scale, seed=seed)
    segs, labels, edits = [], [], []
    pos = 0
    fams_used: set[str] = set()
    for seg in doc.segments:
        new, seg_edits = rewriter.rewrite(seg, config, rng)
        segs.append(new)
        labels.append(int(bool(seg_edits)))
        for e in seg_edits:
            a, b = e.label_span(new)
            edits.append((pos + a, pos + b, e.family))
            fams_used.add(e.family)
        pos += len(new) + 2
    if not edits:
        return None
    meta = {**doc.meta, "families": sorted(fams_used), "config": sorted(families)}
    return Doc(
        doc.id.replace("clean:", f"{kind}:", 1), kind, doc.split, segs, labels, 1, meta, edits
    )
