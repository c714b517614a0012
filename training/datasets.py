"""Sentence- and document-level data sets for the trained classifier.

A *document* is a block of up to eight consecutive segments (sentences of a clean article or
of its rewrite, lines of a WMT test set, lines of MLQE-PE), joined as paragraphs; every
segment keeps its label, so the same documents give sentence-level labels too. Every document
has a fixed model ``split``:

``train``
    fits the tagger and the classifiers;
``dev``
    calibration, the document aggregation and the verdict thresholds (per register);
``test``
    figures only. No test document, segment or source segment is used in training in any
    form (see the hold-outs below), and test segments whose text also occurs in train/dev
    are dropped.

Where the documents come from (label 1 = machine-rewritten):

* ``clean`` (0): blocks of every register of clean prose (news, encyclopedic, science,
  informal, fiction, reports). The count tables are built from the *train* split of
  :func:`training.splits.split_of_text`, so only their ``dev`` split (halved into our train
  and dev, :func:`training.tagger_data.model_split`) and ``test`` split are used here;
* ``roundtrip`` (1): the same blocks through Apertium and back (:mod:`training.roundtrip`:
  Spanish, Catalan, Galician, and a Catalan-then-Galician chain);
* ``spin`` (1): the same blocks rewritten by a spinner simulation with a broad thesaurus
  (:func:`training.tagger_data.spin_docs`); ``tortured`` (1): the same blocks with a published
  tortured phrase (training part of the list) in place of its expected phrase;
* ``wmt-mt`` (1), ``wmt-ref`` (0, hard negatives: human translations), ``wmt-orig`` (0):
  WMT22 and WMT21 system outputs into English, their references and native English sources;
* ``mlqe-mt`` (1): MLQE-PE machine translations, detokenised; ``mlqe-pe`` (0): their human
  post-edits, the same content corrected by people (measured, not trained on: see
  ``training.fit.NEGATIVE_KINDS``).

Hold-outs (fixed; never change them, it would leak test text into training):

* language pairs :data:`WMT_TEST_PAIRS` are test only (every system, every reference, in
  both years);
* systems :data:`WMT_TEST_SYSTEMS` are never trained on (both years);
* WMT segments are grouped into blocks of :data:`DOC_SEGMENTS` consecutive lines, and a
  block goes to one split as a whole, so a source segment's MT and its reference are always
  in the same split; WMT21 is training data only (``train``/``dev``), so WMT22 also measures
  a year the classifier never saw;
* MLQE-PE pair :data:`MLQE_TEST_PAIR` is test only; the other pairs use MLQE's own
  train/dev/test20 files.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from training.corpora import data_dir
from training.docs import Doc, synthesize
from training.rewriter import Rewriter

__all__ = [
    "DOC_SEGMENTS",
    "LEXICAL_FAMILIES",
    "MLQE_TEST_PAIR",
    "WMT_TEST_PAIRS",
    "WMT_TEST_SYSTEMS",
    "Doc",
    "build_all",
    "detokenize",
    "family_test_docs",
    "vary_lengths",
    "without_family",
    "wmt21_docs",
]

DOC_SEGMENTS = 8
WMT_TEST_PAIRS: tuple[str, ...] = ("ja-en", "uk-en")
WMT_TEST_SYSTEMS: tuple[str, ...] = ("Online-B", "Lan-Bridge")
MLQE_TEST_PAIR = "ro-en"
#: Families a synthetic training document is rewritten with (a random subset of this size).
SUBSET_SIZE = 4
#: The lexical families, each held out once in the cross-family evaluation.
LEXICAL_FAMILIES: tuple[str, ...] = (
    "synonym-substitution",
    "broken-collocation",
    "function-word-swap",
    "mangled-entity",
    "dropped-word",
    "literal-translation",
)


def _bucket(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % 100


def _split3(key: str, train: int = 80, dev: int = 10) -> str:
    b = _bucket(key)
    return "train" if b < train else "dev" if b < train + dev else "test"


def _chunks(items: Sequence[str], n: int = DOC_SEGMENTS) -> Iterator[tuple[int, list[str]]]:
    """Consecutive groups of ``n`` (the last one kept if at least half full)."""
    for b, i in enumerate(range(0, len(items), n)):
        chunk = list(items[i : i + n])
        if len(chunk) >= max(1, n // 2):
            yield b, chunk


_WS_RE = re.compile(r"\s+")


def _norm(s: str) -> str:
    return _WS_RE.sub(" ", s.strip())


# --- detokenising MLQE-PE -------------------------------------------------------------------

_DETOK_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r" ([.,;:!?%)\]}])"), r"\1"),
    (re.compile(r"([(\[{$£€]) "), r"\1"),
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m|’s)\b", re.IGNORECASE), r"\1"),
    (re.compile(r"(\d) ([.,]) (\d)"), r"\1\2\3"),
    (re.compile(r"n '(t)\b"), r"n'\1"),
    (re.compile(r"(\d)([.,:]) (\d)"), r"\1\2\3"),
]


def detokenize(line: str) -> str:
    """Undo Moses-style tokenisation: ``'Kenya 's " Love " ( 2011 ) .'`` -> ``'Kenya's "Love" (2011).'``."""
    s = _norm(line)
    # Straight double quotes: attach alternately to the following and the preceding word.
    if '"' in s:
        parts = s.split('"')
        out = parts[0]
        for k, part in enumerate(parts[1:]):
            # Even quotes open (glue to the next word), odd ones close (glue to the previous).
            out = out + '"' + part.lstrip() if k % 2 == 0 else out.rstrip() + '"' + part
        s = out
    for rx, rep in _DETOK_RULES:
        s = rx.sub(rep, s)
    s = s.replace(" @-@ ", "-").replace("@-@", "-")
    return _WS_RE.sub(" ", s).strip()


# --- clean and synthetic ----------------------------------------------------------------------


def without_family(docs: Sequence[Doc], family: str) -> list[Doc]:
    """Documents whose rewrite config did not include ``family`` (for the cross-family test)."""
    return [d for d in docs if d.kind != "synthetic" or family not in d.meta.get("config", ())]


def family_test_docs(
    clean_test: Sequence[Doc], rewriter: Rewriter, family: str, seed: int = 0
) -> list[Doc]:
    """Clean test documents rewritten with ``family`` alone (at twice its default rate)."""
    out = []
    for d in clean_test:
        new = synthesize(d, rewriter, [family], scale=2.0, seed=seed, kind=f"only-{family}")
        if new is not None:
            out.append(new)
    return out


# --- WMT22 ------------------------------------------------------------------------------------

_HYP_RE = re.compile(r"generaltest2022\.(\w+-en)\.hyp\.(.+)\.en$")
_REF_RE = re.compile(r"generaltest2022\.(\w+-en)\.ref\.(.+)\.en$")


def _read_lines(path: Path) -> list[str]:
    return [_norm(x) for x in path.read_text("utf-8").split("\n")[:-1]] if path.exists() else []


def wmt_original_blocks(root: Path, split: str) -> list[str]:
    """The WMT22 English originals (en-de, en-hr) of ``split`` as text blocks of
    :data:`DOC_SEGMENTS` lines, split as :func:`wmt_docs` splits them for the classifier
    (a block is in one split everywhere)."""
    base = root / "mt" / "wmt22_toen" / "english-originals"
    out = []
    for lang in ("de", "hr"):
        lines = _read_lines(base / f"generaltest2022.en-{lang}.src.en")
        for b, chunk in _chunks(lines):
            if _split3(f"wmt-orig:en-{lang}:{b}", train=60, dev=10) == split:
                out.append(" ".join(chunk))
    return out


def wmt_split(pair: str, block: int, system: str | None) -> str | None:
    """Split of a WMT22 block for one system (None for a reference) or None (unused)."""
    if pair in WMT_TEST_PAIRS:
        return "test"
    split = _split3(f"wmt:{pair}:{block}")
    if system in WMT_TEST_SYSTEMS:
        return "test" if split == "test" else None
    if split == "test" and system is not None:
        return None  # test blocks of training pairs: only held-out systems and references
    return split


def wmt_docs(root: Path, systems_per_block: int = 2, test_systems_per_block: int = 3) -> list[Doc]:
    """WMT22 MT outputs, references and English originals as documents.

    Per block a few systems are sampled (stably) so that no block dominates: in training pairs
    ``systems_per_block`` of the training systems, in test pairs ``test_systems_per_block``.
    """
    base = root / "mt" / "wmt22_toen"
    hyps: dict[str, dict[str, list[str]]] = {}
    for p in sorted((base / "system-outputs").glob("*.en")):
        m = _HYP_RE.match(p.name)
        if m:
            hyps.setdefault(m.group(1), {})[m.group(2)] = _read_lines(p)
    out: list[Doc] = []
    for p in sorted((base / "references").glob("*.en")):
        m = _REF_RE.match(p.name)
        if not m:
            continue
        pair, ref_id = m.groups()
        for b, chunk in _chunks(_read_lines(p)):
            split = wmt_split(pair, b, None)
            if split is None:
                continue
            meta = {"pair": pair, "system": f"ref-{ref_id}", "block": b}
            out.append(Doc(f"wmt-ref:{pair}:{ref_id}:{b}", "wmt-ref", split, chunk,
                           [0] * len(chunk), 0, meta))  # fmt: skip
    for pair, systems in sorted(hyps.items()):
        names = sorted(systems)
        n_blocks = max((len(v) for v in systems.values()), default=0) // DOC_SEGMENTS + 1
        for b in range(n_blocks):
            rng = random.Random(f"wmt-systems:{pair}:{b}")
            if pair in WMT_TEST_PAIRS:
                chosen = rng.sample(names, min(test_systems_per_block, len(names)))
            else:
                train_sys = [s for s in names if s not in WMT_TEST_SYSTEMS]
                chosen = rng.sample(train_sys, min(systems_per_block, len(train_sys)))
                chosen += [s for s in names if s in WMT_TEST_SYSTEMS]
            for system in chosen:
                split = wmt_split(pair, b, system)
                if split is None:
                    continue
                chunk = systems[system][b * DOC_SEGMENTS : (b + 1) * DOC_SEGMENTS]
                if len(chunk) < DOC_SEGMENTS // 2:
                    continue
                meta = {"pair": pair, "system": system, "block": b}
                out.append(Doc(f"wmt-mt:{pair}:{system}:{b}", "wmt-mt", split, chunk,
                               [1] * len(chunk), 1, meta))  # fmt: skip
    for lang in ("de", "hr"):  # en-liv originals are the liv-en references: left out
        lines = _read_lines(base / "english-originals" / f"generaltest2022.en-{lang}.src.en")
        for b, chunk in _chunks(lines):
            # A larger test share: there are few native documents of this domain.
            split = _split3(f"wmt-orig:en-{lang}:{b}", train=60, dev=10)
            meta = {"pair": f"en-{lang}", "system": "original", "block": b}
            out.append(Doc(f"wmt-orig:en-{lang}:{b}", "wmt-orig", split, chunk,
                           [0] * len(chunk), 0, meta))  # fmt: skip
    return out


# --- MLQE-PE ----------------------------------------------------------------------------------


def mlqe_docs(root: Path, train_every: int = 3) -> list[Doc]:
    """MLQE-PE MT (positives) and the human post-edits of the same sentences (negatives for
    a content-controlled comparison), detokenised.

    Training uses every ``train_every``-th training block, to keep the set balanced.
    """
    base = root / "mt" / "mlqe_pe_toen" / "extracted"
    out: list[Doc] = []
    for folder in sorted(base.glob("post-editing.*-en-*")):
        pair, part = re.match(r"post-editing\.(\w+-en)-(\w+)$", folder.name).groups()  # type: ignore[union-attr]
        sub = next(folder.iterdir(), None)
        if sub is None:
            continue
        stem = {"train": "train", "dev": "dev", "test": "test20"}[part]
        mt = [detokenize(x) for x in _read_lines(sub / f"{stem}.mt")]
        pe = [detokenize(x) for x in _read_lines(sub / f"{stem}.pe")]
        split = "test" if pair == MLQE_TEST_PAIR else part
        for b, chunk in _chunks(mt):
            if split == "train" and b % train_every:
                continue
            meta = {"pair": pair, "block": b, "mlqe_split": part}
            out.append(Doc(f"mlqe-mt:{pair}:{part}:{b}", "mlqe-mt", split, chunk,
                           [1] * len(chunk), 1, meta))  # fmt: skip
            if pe:
                pchunk = pe[b * DOC_SEGMENTS : b * DOC_SEGMENTS + len(chunk)]
                out.append(Doc(f"mlqe-pe:{pair}:{part}:{b}", "mlqe-pe", split, pchunk,
                               [0] * len(pchunk), 0, meta))  # fmt: skip
    return out


# --- documents of every length ---------------------------------------------------------------

#: Regrouped train and dev documents have log-uniform lengths in [1, MAX_DOC_SEGMENTS].
MAX_DOC_SEGMENTS = 128


def _group_key(d: Doc) -> tuple[str, ...]:
    m = d.meta
    return (d.split, d.kind, str(m.get("register", "")), str(m.get("pivot", "")),
            str(m.get("pair", "")), str(m.get("system", "")), str(m.get("year", "")))  # fmt: skip


def _order_key(d: Doc) -> tuple[str, int]:
    head, _, tail = d.id.rpartition(":")
    return (head, int(tail)) if tail.isdigit() else (d.id, 0)


def _segment_edits(d: Doc) -> list[list[tuple[int, int, str]]]:
    """``d.edits`` split by segment, with offsets into the segment."""
    out: list[list[tuple[int, int, str]]] = [[] for _ in d.segments]
    offs = d.seg_offsets()
    starts = [a for a, _ in offs]
    for a, b, fam in d.edits:
        i = max(0, bisect.bisect_right(starts, a) - 1)
        s0, s1 = offs[i]
        out[i].append((a - s0, min(b, s1) - s0, fam))
    return out


def vary_lengths(docs: Sequence[Doc], seed: int = 0, copies: int = 1) -> list[Doc]:
    """The train and dev documents regrouped into documents of every length; test documents
    are returned unchanged.

    Blocks of about eight segments hid that a model's verdict grew with length. Here the
    segments of every group of documents of one split, kind and origin (register and pivot;
    WMT pair, system and year) are taken in order (the blocks of one article are consecutive,
    WMT blocks in line order) and cut into documents whose lengths are drawn log-uniformly
    from 1 to :data:`MAX_DOC_SEGMENTS` segments: single sentences, short texts, whole articles
    and, where a group runs on, texts joined as a scraped page joins them. Segment labels and
    edit spans move with their segments. ``copies`` > 1 regroups the clean negatives of dev
    (which set the thresholds) that many times with other cuts, for more documents per
    register and length.
    """
    groups: dict[tuple[str, ...], list[Doc]] = {}
    out: list[Doc] = []
    for d in docs:
        if d.split == "test":
            out.append(d)
        else:
            groups.setdefault(_group_key(d), []).append(d)
    for key, members in sorted(groups.items()):
        members.sort(key=_order_key)
        segs: list[tuple[str, int, list[tuple[int, int, str]], Doc]] = []
        for d in members:
            for seg, lab, eds in zip(d.segments, d.seg_labels, _segment_edits(d), strict=True):
                segs.append((seg, lab, eds, d))
        n_copies = copies if key[0] == "dev" and key[1] in ("clean", "wmt-orig") else 1
        for copy in range(n_copies):
            rng = random.Random(f"vary:{seed}:{copy}:{':'.join(key)}")
            pos = k = 0
            while pos < len(segs):
                size = int(math.exp(rng.uniform(0.0, math.log(MAX_DOC_SEGMENTS + 1))))
                part = segs[pos : pos + max(1, size)]
                pos += len(part)
                texts, labels, edits, offset = [], [], [], 0
                for seg, lab, eds, _ in part:
                    texts.append(seg)
                    labels.append(lab)
                    edits.extend((offset + a, offset + b, fam) for a, b, fam in eds)
                    offset += len(seg) + 2
                first = part[0][3]
                joined = len({id(src) for *_, src in part})
                meta = {**first.meta, "joined": joined, "regrouped": copy}
                label = int(any(src.label for *_, src in part))
                out.append(Doc(f"{first.kind}:n{len(part)}:{':'.join(key[2:])}:{copy}:{k}",
                               first.kind, first.split, texts, labels, label, meta,
                               edits))  # fmt: skip
                k += 1
    return out


# --- everything -------------------------------------------------------------------------------


def drop_leaks(docs: list[Doc]) -> list[Doc]:
    """Remove from test every segment whose text occurs in train or dev (documents left
    with fewer than half their segments are dropped)."""
    seen = {s.lower() for d in docs if d.split != "test" for s in d.segments}
    out = []
    for d in docs:
        if d.split != "test" or d.kind.startswith(("synthetic", "only-")):
            out.append(d)  # rewrites are of test articles only: already disjoint
            continue
        keep = [i for i, s in enumerate(d.segments) if s.lower() not in seen]
        if len(keep) == len(d.segments):
            out.append(d)
        elif len(keep) >= DOC_SEGMENTS // 2 and not d.edits:
            d.segments = [d.segments[i] for i in keep]
            d.seg_labels = [d.seg_labels[i] for i in keep]
            out.append(d)
    return out


def wmt21_docs(root: Path, systems_per_block: int = 2) -> list[Doc]:
    """WMT21 MT outputs, references and English originals (train/dev only).

    Pairs in :data:`WMT_TEST_PAIRS` and systems in :data:`WMT_TEST_SYSTEMS` are left out, so
    that the WMT22 test pairs and systems stay unseen in every year.
    """
    import gzip

    base = root / "mt" / "wmt21_toen"

    def lines(path: Path) -> list[str]:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return [_norm(x) for x in fh.read().split("\n")[:-1]]

    out: list[Doc] = []
    hyp_re = re.compile(r"newstest2021\.(\w+-en)\.hyp\.(.+)\.en\.gz$")
    ref_re = re.compile(r"newstest2021\.(\w+-en)\.ref\.(.+)\.en\.gz$")
    hyps: dict[str, dict[str, Path]] = {}
    for p in sorted((base / "system-outputs").glob("*.gz")):
        m = hyp_re.match(p.name)
        if m and m.group(1) not in WMT_TEST_PAIRS and m.group(2) not in WMT_TEST_SYSTEMS:
            hyps.setdefault(m.group(1), {})[m.group(2)] = p
    for p in sorted((base / "references").glob("*.gz")):
        m = ref_re.match(p.name)
        if not m or m.group(1) in WMT_TEST_PAIRS:
            continue
        pair, ref_id = m.groups()
        for b, chunk in _chunks(lines(p)):
            split = _split3(f"wmt21:{pair}:{b}", train=80, dev=20)
            meta = {"pair": pair, "system": f"ref-{ref_id}", "block": b, "year": 2021}
            out.append(Doc(f"wmt-ref:2021:{pair}:{ref_id}:{b}", "wmt-ref", split, chunk,
                           [0] * len(chunk), 0, meta))  # fmt: skip
    for pair, systems in sorted(hyps.items()):
        texts = {name: lines(path) for name, path in systems.items()}
        names = sorted(texts)
        n_blocks = max((len(v) for v in texts.values()), default=0) // DOC_SEGMENTS + 1
        for b in range(n_blocks):
            rng = random.Random(f"wmt21-systems:{pair}:{b}")
            split = _split3(f"wmt21:{pair}:{b}", train=80, dev=20)
            for system in rng.sample(names, min(systems_per_block, len(names))):
                chunk = texts[system][b * DOC_SEGMENTS : (b + 1) * DOC_SEGMENTS]
                chunk = [c for c in chunk if c]
                if len(chunk) < DOC_SEGMENTS // 2:
                    continue
                meta = {"pair": pair, "system": system, "block": b, "year": 2021}
                out.append(Doc(f"wmt-mt:2021:{pair}:{system}:{b}", "wmt-mt", split, chunk,
                               [1] * len(chunk), 1, meta))  # fmt: skip
    for name in ("en-cs", "en-ha"):
        for b, chunk in _chunks(
            lines(base / "english-originals" / f"newstest2021.{name}.src.en.gz")
        ):
            split = _split3(f"wmt21-orig:{name}:{b}", train=80, dev=20)
            meta = {"pair": name, "system": "original", "block": b, "year": 2021}
            out.append(Doc(f"wmt-orig:2021:{name}:{b}", "wmt-orig", split, chunk,
                           [0] * len(chunk), 0, meta))  # fmt: skip
    return out


def build_all(root: str | Path | None = None, quick: bool = False, seed: int = 0) -> list[Doc]:
    """Every document of the classifier's data set (see the module docstring)."""
    from training.tagger_data import roundtrip_docs, spin_docs, tortured_docs

    base = data_dir(root)
    rt = roundtrip_docs()
    clean = [d for d in rt if d.kind == "clean"]
    spin = spin_docs(clean, seed=seed, root=str(base)) + tortured_docs(clean, root=str(base))
    wmt = wmt_docs(base) + wmt21_docs(base)
    for d in wmt:
        d.meta.setdefault("year", 2022)
    mlqe = mlqe_docs(base, train_every=12 if quick else 3)
    docs = rt + spin + wmt + mlqe
    if quick:  # a small, stable subsample for the end-to-end check
        docs = [d for d in docs if _bucket("q:" + d.id) < 12]
    return drop_leaks(docs)
