"""Token-labelled documents for the span tagger, and their featurisation.

Sources (label 1 = a token the rewriting changed, or the token after a word it dropped):

``roundtrip``
    Apertium round trips (:mod:`training.roundtrip`) of clean ``dev``/``test`` text,
    labelled by token alignment with the original (:mod:`training.align`);
``clean``
    the originals of the same blocks (every token 0);
``spin``
    the same clean blocks rewritten by a simulated spinner with a broad thesaurus (OEWN all
    senses + Moby + the swaps of the training part of the tortured-phrase list) and the other
    synthetic families of :mod:`training.rewriter`, with exact edit labels;
``tortured``
    the same clean blocks with a *published* tortured phrase (training part of the list) in
    place of its expected phrase wherever the text has one.

Model splits: blocks from the clean ``dev`` split go to ``train`` (60%) or ``dev`` (40%) by a
stable hash of the block (so every pivot of one block lands on the same side); blocks of the
clean ``test`` split are ``test``. The count tables never saw any of this text.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.align import align_tokens
from training.docs import Doc
from training.roundtrip import PIVOTS, Block, default_out, read_blocks
from training.splits import bucket

__all__ = [
    "TokenData",
    "block_docs",
    "featurize_tokens",
    "model_split",
    "roundtrip_docs",
    "spin_docs",
    "token_labels",
    "tortured_docs",
]


def model_split(block: Block) -> str:
    """``train``/``dev`` (60/40) for blocks of clean dev text, ``test`` for clean test."""
    if block.split == "test":
        return "test"
    return "train" if bucket("model:" + block.id) < 60 else "dev"


def _doc(block: Block, kind: str, segments: list[str], pivot: str = "") -> Doc:
    meta = {
        "register": block.register,
        "source": block.source,
        "pivot": pivot,
        "block": block.id,
    }
    label = 0 if kind == "clean" else 1
    return Doc(
        f"{kind}:{pivot + ':' if pivot else ''}{block.id}",
        kind,
        model_split(block),
        list(segments),
        [0] * len(segments),
        label,
        meta,
    )


def block_docs(block: Block) -> tuple[Doc, Doc]:
    """The clean original of a round-tripped block and its round trip with edit labels."""
    clean = _doc(block, "clean", block.orig)
    rt = _doc(block, "roundtrip", block.rt or [], block.pivot)
    edits: list[tuple[int, int, str]] = []
    pos = 0
    for k, (o, r) in enumerate(zip(block.orig, block.rt or [], strict=True)):
        _, sent_edits = align_tokens(o, r)
        rt.seg_labels[k] = int(bool(sent_edits))
        edits.extend((pos + e.start, pos + e.end, e.op) for e in sent_edits)
        pos += len(r) + 2
    rt.edits = edits
    return clean, rt


def roundtrip_docs(
    pivots: Sequence[str] = tuple(PIVOTS),
    splits: Sequence[str] = ("dev", "test"),
    folder: str | os.PathLike[str] | None = None,
    with_clean: bool = True,
) -> list[Doc]:
    """Round-trip documents (and, once per block, their clean originals)."""
    base = Path(folder) if folder else default_out()
    out: list[Doc] = []
    seen_clean: set[str] = set()
    for split in splits:
        for pivot in pivots:
            path = base / f"{pivot}.{split}.jsonl.gz"
            if not path.exists():
                raise FileNotFoundError(f"{path}: run python -m training.roundtrip first")
            for block in read_blocks(path):
                clean, rt = block_docs(block)
                out.append(rt)
                if with_clean and block.id not in seen_clean:
                    seen_clean.add(block.id)
                    out.append(clean)
    return out


def spin_docs(clean: Iterable[Doc], seed: int = 0, root: str | None = None) -> list[Doc]:
    """Spinner rewrites of clean documents (see the module docstring), with edit labels."""
    from training.docs import synthesize
    from training.rewriter import Rewriter
    from training.spinner import broad_thesaurus

    rewriter = Rewriter(broad_thesaurus(root))
    out = []
    for d in clean:
        rng = random.Random(f"spin:{seed}:{d.id}")
        # a spinner swaps words; some pipelines also drop, mangle and re-space
        fams = ["synonym-substitution"]
        fams += rng.sample(
            ["broken-collocation", "function-word-swap", "mangled-entity", "dropped-word"], 2
        )
        new = synthesize(
            d, rewriter, fams, scale=rng.choice([1.0, 2.0, 3.0]), seed=seed, kind="spin"
        )
        if new is not None:
            new.id = d.id.replace("clean:", "spin:", 1)
            out.append(new)
    return out


def tortured_docs(clean: Iterable[Doc], per_phrase: int = 5, root: str | None = None) -> list[Doc]:
    """Clean documents with a published tortured phrase put in place of its expected phrase
    ("machine translation" -> "machine interpretation"), with edit labels.

    Only the training part of the list is used (the fixed held-out fifth measures unlisted
    phrases), only plain phrases (no search syntax), and at most ``per_phrase`` documents per
    expected phrase, so that a few very common ones ("united states") do not dominate.
    """
    import re

    from mtdetect.detectors.tortured_list import clean_expected
    from training.build_tortured import kept_rows
    from training.corpora import data_dir

    variants: dict[str, list[str]] = {}
    for row in kept_rows(data_dir(root)):
        m = re.fullmatch(r'"([^"*]+)"', row.tortured_phrase.strip())
        expected = clean_expected(row.expected_phrase).split("(")[0].strip().lower()
        if not m or len(expected.split()) < 2 or "?" in expected or not expected.isascii():
            continue
        if m.group(1).strip().lower() != expected:
            variants.setdefault(expected, []).append(m.group(1).strip())
    if not variants:
        return []
    alternatives = "|".join(re.escape(e) for e in sorted(variants, key=len, reverse=True))
    rx = re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)
    used: dict[str, int] = {}
    out = []
    for d in clean:
        segs, edits, labels = [], [], []
        pos = 0
        changed = False
        for seg in d.segments:
            labels.append(0)
            m = rx.search(seg)
            key = m.group(0).lower() if m else ""
            if m and used.get(key, 0) < per_phrase:
                used[key] = used.get(key, 0) + 1
                rng = random.Random(f"tortured:{d.id}:{key}")
                new = rng.choice(variants[key])
                if m.group(0)[:1].isupper():
                    new = new[:1].upper() + new[1:]
                seg = seg[: m.start()] + new + seg[m.end() :]
                edits.append((pos + m.start(), pos + m.start() + len(new), "replace"))
                labels[-1] = 1
                changed = True
            segs.append(seg)
            pos += len(seg) + 2
        if changed:
            new_doc = Doc(
                d.id.replace("clean:", "tortured:", 1),
                "tortured",
                d.split,
                segs,
                labels,
                1,
                dict(d.meta),
                edits,
            )  # fmt: skip
            out.append(new_doc)
    return out


def token_labels(doc: Doc, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """1 for word tokens inside a replace/insert edit or right after a deletion."""
    y = np.zeros(len(starts), dtype=np.int8)
    for a, b, op in doc.edits:
        if a == b or op == "delete":
            k = int(np.searchsorted(starts, a))
            if k < len(starts):
                y[k] = 1
        else:
            y[(starts < b) & (ends > a)] = 1
    return y


@dataclass
class TokenData:
    """Featurised tokens of many documents (rows aligned)."""

    X: np.ndarray  # float32 [n_tokens, n_features]
    y: np.ndarray  # int8
    doc: np.ndarray  # int32 index into ``docs``
    sent: np.ndarray  # int32 sentence index within the document
    docs: list[Doc]

    def select_docs(self, keep: np.ndarray) -> TokenData:
        """Rows of the documents where ``keep`` (indexed by document) is True."""
        rows = keep[self.doc]
        remap = np.cumsum(keep) - 1
        return TokenData(
            self.X[rows],
            self.y[rows],
            remap[self.doc[rows]].astype(np.int32),
            self.sent[rows],
            [d for d, k in zip(self.docs, keep, strict=True) if k],
        )


_WORKER: dict = {}


def _init_worker(evidence_path: str | None) -> None:
    from mtdetect.evidence import load_evidence

    _WORKER["ev"] = load_evidence(evidence_path)


def _featurize_batch(docs: list[Doc]):
    from mtdetect.tagger.docview import build_view
    from mtdetect.tagger.token_features import token_features
    from mtdetect.text import segment

    ev = _WORKER["ev"]
    out = []
    for d in docs:
        text = d.text
        sents = segment(text).sentences
        view = build_view(ev, text, sents)
        X, _ = token_features(view)
        y = token_labels(d, view.start, view.end)
        out.append((X, y, view.sent.astype(np.int32)))
    return out


def _cache_key(docs: Sequence[Doc], evidence_path: str | None) -> str:
    h = hashlib.blake2b(digest_size=12)
    from mtdetect import evidence, native, odds, wordlists
    from mtdetect.tagger import candidates, docview, token_features

    for mod in (candidates, docview, token_features, native, odds, wordlists):
        h.update(Path(mod.__file__).read_bytes())
    for f in sorted(Path(evidence.__file__).parent.glob("*.py")):  # the evidence package
        h.update(f.read_bytes())
    ev = Path(evidence_path) if evidence_path else evidence.default_path()
    h.update((ev / "meta.json").read_bytes())
    for d in docs:
        h.update(d.id.encode())
        h.update(str(len(d.text)).encode())
    return h.hexdigest()


def featurize_tokens(
    docs: list[Doc],
    evidence_path: str | None = None,
    n_jobs: int = 2,
    cache_dir: str | os.PathLike[str] | None = None,
    batch: int = 64,
    log=print,
) -> TokenData:
    """Token features and labels of ``docs`` (cached on disk by content)."""
    cache = Path(
        cache_dir
        or os.environ.get("MTDETECT_TRAIN_CACHE", Path(tempfile.gettempdir()) / "mtdetect_train")
    )
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"tokens-{_cache_key(docs, evidence_path)}.npz"
    if path.exists():
        with np.load(path) as z:
            return TokenData(z["X"], z["y"], z["doc"], z["sent"], docs)
    t0 = time.time()
    batches = [docs[i : i + batch] for i in range(0, len(docs), batch)]
    parts = []
    with ProcessPoolExecutor(n_jobs, initializer=_init_worker, initargs=(evidence_path,)) as ex:
        for k, res in enumerate(ex.map(_featurize_batch, batches)):
            parts.extend(res)
            if k % 20 == 0:
                log(f"  featurised {min((k + 1) * batch, len(docs)):,}/{len(docs):,} docs "
                    f"({time.time() - t0:.0f}s)")  # fmt: skip
    X = np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, 0), np.float32)
    y = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int8)
    doc = np.concatenate([np.full(len(p[1]), i, np.int32) for i, p in enumerate(parts)])
    sent = np.concatenate([p[2] for p in parts])
    np.savez(path, X=X, y=y, doc=doc, sent=sent)
    (path.with_suffix(".json")).write_text(json.dumps({"docs": len(docs), "tokens": len(y)}))
    return TokenData(X, y, doc, sent, docs)
