"""Development evaluation sets for the notebooks and ``make_figures.py``, scored as tables.

The documents come from the classifier's own data (:mod:`training.datasets`), ``dev`` split
only, so nothing here is test data:

* ``clean``: blocks of clean prose of several registers (news, Wikinews, science abstracts,
  fiction, informal 2024 posts) from the tables' ``dev`` split (label 0);
* ``roundtrip``: round trips of the same kind of text through Apertium (label 1), when the
  round trips have been made (``python -m training.roundtrip``); otherwise left out;
* ``wmt-orig``: native English sources of WMT22 en->X test sets (label 0);
* ``wmt-ref``: WMT22 human reference translations into English (label 0, hard negatives);
* ``wmt-mt``: WMT22 system outputs for the same source segments (label 1);
* ``mlqe-mt``: MLQE-PE machine translations into English (label 1);
* ``spin``: the sampled clean blocks rewritten by the spinner simulation (label 1; our own
  generator, shown last).

Nothing is written anywhere; the shared data folder is only read.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the repository's `training` and `benchmarks` packages
    sys.path.insert(0, str(ROOT))

from training.corpora import data_dir  # noqa: E402

__all__ = ["KINDS", "NEGATIVE_KINDS", "data_status", "dev_documents", "score_documents"]

KINDS: tuple[str, ...] = ("clean", "roundtrip", "wmt-orig", "wmt-ref", "wmt-mt", "mlqe-mt", "spin")
NEGATIVE_KINDS: frozenset[str] = frozenset({"clean", "wmt-orig", "wmt-ref"})


def data_status() -> tuple[bool, str]:
    """(usable, message): whether the shared data folder is there, and a sentence saying so."""
    base = data_dir()
    has = base.is_dir() and (base / "clean").is_dir()
    if not has:
        return False, (
            f"Shared data folder not found at {base} (set MTDETECT_DATA to point to it): "
            "the evaluation cells below are skipped."
        )
    try:
        import training.datasets  # noqa: F401
    except ImportError as exc:
        return False, (
            f"training.datasets cannot be imported ({exc}): the evaluation cells are skipped."
        )
    return True, f"Reading the development data from {base}."


def _stable(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def _sample(docs: list[Any], n: int) -> list[Any]:
    return sorted(docs, key=lambda d: _stable("nb:" + d.id))[:n]


def _clean_blocks(split: str, per_source: int) -> list[Any]:
    from training.corpora import iter_clean
    from training.datasets import Doc
    from training.roundtrip import BLOCK_SENTENCES
    from training.splits import bucket

    from mtdetect.text import segment

    out: list[Any] = []
    for source in ("bbc", "wikinews", "acl", "brown", "wmt24"):
        n = 0
        for doc in iter_clean([source], split=split):
            if bucket(f"nb:{doc.id}") >= 50:
                continue
            sents = [s.text for s in segment(doc.text).sentences if len(s.text.split()) >= 3]
            sents = [" ".join(x.split()) for x in sents[:BLOCK_SENTENCES]]
            if len(sents) < BLOCK_SENTENCES // 2:
                continue
            meta = {"register": doc.register, "source": source}
            out.append(Doc(f"clean:{source}:{doc.id}", "clean", split, sents, [0] * len(sents), 0, meta))
            n += 1
            if n >= per_source:
                break
    return out


def dev_documents(sample: int, split: str = "dev", seed: int = 0) -> dict[str, list[Any]]:
    """Up to ``sample`` documents of ``split`` per kind (a stable sample), keyed by kind.

    Each value is a list of :class:`training.datasets.Doc` (about eight segments each).
    """
    from training import datasets as ds
    from training.tagger_data import roundtrip_docs, spin_docs

    base = data_dir()
    clean = _sample(_clean_blocks(split, max(2, sample // 4)), sample)
    out: dict[str, list[Any]] = {"clean": clean}
    try:
        rt = [d for d in roundtrip_docs(("spa", "cat", "glg"), ("dev",), with_clean=False)
              if d.split == split]  # fmt: skip
    except FileNotFoundError:
        rt = []  # round trips not made on this machine
    if rt:
        out["roundtrip"] = _sample(rt, sample)
    by_kind: dict[str, list[Any]] = {}
    for d in ds.wmt_docs(base) + ds.mlqe_docs(base):
        if d.split == split:
            by_kind.setdefault(d.kind, []).append(d)
    for kind in ("wmt-orig", "wmt-ref", "wmt-mt", "mlqe-mt"):
        out[kind] = _sample(by_kind.get(kind, []), sample)
    out["spin"] = spin_docs(clean, seed=seed, root=str(base))
    return out


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def score_documents(detector: Any, sets: dict[str, list[Any]]) -> tuple[Any, Any]:
    """Score every document; return ``(documents, sentences)`` as pandas DataFrames.

    ``documents``: kind, id, label, score, verdict, spans, families.
    ``sentences``: kind, doc_id, label, score, text, spans (list of dicts: family, text,
    suggestion, strength), n_spans, edits (synthetic only: the labelled edits in the
    sentence, as ``"text [family]"``). A sentence's label is its segment's label, or for a
    synthetic document whether a labelled edit overlaps it.
    """
    import pandas as pd

    docs_rows: list[dict[str, Any]] = []
    sent_rows: list[dict[str, Any]] = []
    for kind, docs in sets.items():
        for d in docs:
            text = d.text
            r = detector.score(text, id=d.id)
            docs_rows.append(
                {
                    "kind": kind,
                    "id": d.id,
                    "label": d.label,
                    "score": r.score,
                    "verdict": r.verdict,
                    "spans": len(r.spans),
                    "families": r.family_counts(),
                }
            )
            offsets = d.seg_offsets()
            for s in r.sentences:
                if d.edits:
                    edits = [e for e in d.edits if _overlaps(e[0], e[1], s.start, s.end)]
                    label = int(bool(edits))
                else:
                    edits = []
                    seg = next(
                        (i for i, (a, b) in enumerate(offsets) if a <= s.start < b + 2), None
                    )
                    label = d.seg_labels[seg] if seg is not None else d.label
                sent_rows.append(
                    {
                        "kind": kind,
                        "doc_id": d.id,
                        "label": label,
                        "score": s.score,
                        "text": s.text,
                        "spans": [
                            {
                                "family": sp.family,
                                "text": sp.text,
                                "suggestion": sp.suggestion,
                                "strength": round(sp.strength, 2),
                            }
                            for sp in s.spans
                        ],
                        "n_spans": len(s.spans),
                        "edits": [f"{text[a:b]!r} [{fam}]" for a, b, fam in edits],
                    }
                )
    return pd.DataFrame(docs_rows), pd.DataFrame(sent_rows)
