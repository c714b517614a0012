"""Make synthetic spinner/round-trip sentences with exact edit labels.

Usage::

    python -m training.make_synthetic --split dev --out runs/synthetic_dev.jsonl \\
        [--sources reuters bbc] [--families synonym-substitution ...] [--rate-scale 1.0] \\
        [--clean-share 0.3] [--limit N] [--seed 0]

Clean documents of the chosen split are cut into sentences; each sentence is either kept as
it is (a negative, at ``--clean-share``) or rewritten. Negatives and positives thus come from
the same documents. One JSON record a line::

    {"source", "doc_id", "split", "sent_index", "original", "rewritten", "edits": [...]}

Each edit carries ``start``/``end`` into ``rewritten`` (zero-width for deletions),
``family``, ``kind``, ``original``, ``replacement`` and ``label_start``/``label_end`` (a
non-empty span for span-level scoring; see :meth:`training.rewriter.Edit.label_span`). A
sentence picked for rewriting may come out unchanged (no eligible site fired): it is written
with ``edits: []`` as well. Output is deterministic given the seed: each document has its own
random stream, seeded from ``seed``, source and document id, so ``--limit`` and source order
do not change the records of a document.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mtdetect.text import segment
from training.corpora import iter_clean
from training.rewriter import (
    SYNTH_FAMILIES,
    Edit,
    RewriteConfig,
    Rewriter,
    Thesaurus,
    default_thesaurus,
)

__all__ = ["main", "synthesize"]

DEFAULT_SOURCES = ("reuters", "bbc")


def _edit_record(edit: Edit, new_text: str) -> dict[str, Any]:
    label_start, label_end = edit.label_span(new_text)
    return {**edit.to_dict(), "label_start": label_start, "label_end": label_end}


def synthesize(
    split: str,
    config: RewriteConfig,
    thesaurus: Thesaurus,
    sources: Sequence[str] = DEFAULT_SOURCES,
    clean_share: float = 0.3,
    limit: int | None = None,
    min_words: int = 5,
    root: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield one record per sentence of the clean documents of ``split``.

    ``limit`` caps the number of records; sentences with fewer than ``min_words`` words
    (headlines, datelines, fragments) are skipped.
    """
    rewriter = Rewriter(thesaurus)
    n = 0
    for doc in iter_clean(list(sources), split=split, root=root):
        # String seeds are hashed with SHA-512 by `random`: stable across runs and platforms.
        rng = random.Random(f"{config.seed}:{doc.source}:{doc.id}")
        for index, sent in enumerate(segment(doc.text).sentences):
            if sum(1 for t in sent.tokens if t.kind == "word") < min_words:
                continue
            if rng.random() < clean_share:
                new, edits = sent.text, []
            else:
                new, edits = rewriter.rewrite(sent.text, config, rng)
            yield {
                "source": doc.source,
                "doc_id": doc.id,
                "split": doc.split,
                "sent_index": index,
                "original": sent.text,
                "rewritten": new,
                "edits": [_edit_record(e, new) for e in edits],
            }
            n += 1
            if limit is not None and n >= limit:
                return


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m training.make_synthetic", description=__doc__)
    ap.add_argument("--split", required=True, choices=("train", "dev", "test"))
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--sources", nargs="+", default=list(DEFAULT_SOURCES))
    ap.add_argument(
        "--families", nargs="+", default=list(SYNTH_FAMILIES), choices=list(SYNTH_FAMILIES)
    )
    ap.add_argument("--rate-scale", type=float, default=1.0, help="multiply every default rate")
    ap.add_argument("--clean-share", type=float, default=0.3, help="share of sentences kept as is")
    ap.add_argument("--limit", type=int, default=None, help="stop after N records")
    ap.add_argument("--min-words", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default=None, help="shared data folder (default: ../shared/data)")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    args = _parse(argv)
    config = RewriteConfig.only(args.families, scale=args.rate_scale, seed=args.seed)
    t0 = time.perf_counter()
    thesaurus = default_thesaurus(args.data)
    t_load = time.perf_counter() - t0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fams: Counter[str] = Counter()
    n = n_pos = 0
    t1 = time.perf_counter()
    with open(args.out, "w", encoding="utf-8") as fh:
        for rec in synthesize(
            args.split,
            config,
            thesaurus,
            sources=args.sources,
            clean_share=args.clean_share,
            limit=args.limit,
            min_words=args.min_words,
            root=args.data,
        ):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
            n_pos += bool(rec["edits"])
            fams.update(e["family"] for e in rec["edits"])
    dt = time.perf_counter() - t1
    print(
        f"{n} sentences ({n_pos} rewritten) -> {args.out} in {dt:.1f}s "
        f"({n / max(dt, 1e-9):.0f} sentences/s; thesaurus {t_load:.1f}s)",
        file=sys.stderr,
    )
    for fam, count in sorted(fams.items()):
        print(f"  {fam:22s} {count}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
