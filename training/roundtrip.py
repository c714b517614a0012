"""Round trips of clean English through a real MT engine (Apertium), with token edit labels.

Usage::

    python -m training.roundtrip [--data DIR] [--out DIR] [--pivots spa,cat,glg,cat+glg]
                                 [--splits dev,test] [--scale 1.0]

Needs Debian's Apertium packages (``apt-get install apertium apertium-eng-spa
apertium-eng-cat apertium-en-gl``). Only the Spanish, Catalan and Galician pairs are used:
every other Apertium pair is reserved for evaluation.

What it makes: from the ``dev`` and ``test`` splits of the clean corpora (never ``train``,
which the count tables are built from), blocks of up to :data:`BLOCK_SENTENCES` consecutive
sentences of one article, sampled per register to fixed word quotas (:data:`QUOTAS`); every
sentence goes English -> pivot -> English, one sentence a line, so the round trip of each
sentence is known. Pivots: ``spa`` (Spanish), ``cat`` (Catalan), ``glg`` (Galician), and the
chain ``cat+glg`` (a Catalan round trip then a Galician one). Output: one gzipped JSON Lines
file per pivot and split in ``--out`` (default ``$MTDETECT_TRAIN_CACHE/roundtrip``), one block
a line: ``id, source, register, split, pivot, orig, rt, para`` (``orig``/``rt`` are aligned
sentence lists, ``para`` the paragraph index of each sentence). Token labels come from
:mod:`training.align` when the files are read.

Engine quirks that no scraper output shows are undone: HTML character references that the
engine's deformatter leaves for some non-ASCII letters (``F&#244;n``), and its ``#``/``@``
generation-error marks. Everything else is kept as the engine wrote it.

The engine's data is GPL: its outputs on our text are training data, never shipped.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mtdetect.text import segment
from training.corpora import CLEAN_SOURCES, data_dir, iter_clean
from training.splits import bucket

__all__ = [
    "BLOCK_SENTENCES",
    "EVAL_PIVOTS",
    "PIVOTS",
    "QUOTAS",
    "Block",
    "apertium_available",
    "clean_engine_output",
    "make_blocks",
    "read_blocks",
    "round_trip",
]

BLOCK_SENTENCES = 8
#: Pivot name -> the Apertium modes run in turn.
PIVOTS: dict[str, tuple[str, ...]] = {
    "spa": ("eng-spa", "spa-eng"),
    "cat": ("eng-cat", "cat-eng"),
    "glg": ("en-gl", "gl-en"),
    "cat+glg": ("eng-cat", "cat-eng", "en-gl", "gl-en"),
}
#: Pivots released for evaluation only: their round trips of ``test`` text measure an engine
#: never trained on. Nothing is trained, tuned or thresholded on them, and they are never
#: made of ``dev`` text (:func:`main` refuses).
EVAL_PIVOTS: dict[str, tuple[str, ...]] = {"hbs": ("eng-hbs", "hbs-eng")}
#: Words sampled per register and split (the informal register is small: all of it).
QUOTAS: dict[str, dict[str, int]] = {
    "dev": {
        "news": 150_000,
        "encyclopedic": 150_000,
        "science": 150_000,
        "fiction": 60_000,
        "reports": 40_000,
        "informal": 1_000_000,
    },
    "test": {
        "news": 60_000,
        "encyclopedic": 60_000,
        "science": 60_000,
        "fiction": 30_000,
        "reports": 20_000,
        "informal": 1_000_000,
    },
}
_WS_RE = re.compile(r"\s+")


def default_out() -> Path:
    base = Path(
        os.environ.get("MTDETECT_TRAIN_CACHE", Path(tempfile.gettempdir()) / "mtdetect_train")
    )
    return base / "roundtrip"


@dataclass
class Block:
    """Consecutive sentences of one article and (once made) their round trip."""

    id: str
    source: str
    register: str
    split: str
    orig: list[str]
    para: list[int]
    pivot: str = ""
    rt: list[str] | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "source": self.source,
                "register": self.register,
                "split": self.split,
                "pivot": self.pivot,
                "orig": self.orig,
                "rt": self.rt,
                "para": self.para,
            },
            ensure_ascii=False,
        )


def make_blocks(
    split: str,
    root: str | os.PathLike[str] | None = None,
    scale: float = 1.0,
    max_blocks_per_doc: int = 2,
) -> list[Block]:
    """Blocks of clean ``split`` text, per register up to its word quota.

    A register's quota is shared equally among its sources; documents are taken in file order
    from a stable 40% hash sample, so the blocks do not all come from the start of a file.
    """
    quotas = QUOTAS[split]
    by_reg: dict[str, list[str]] = {}
    for name, src in CLEAN_SOURCES.items():
        by_reg.setdefault(src.register, []).append(name)
    # WMT24 passages carry their own register (news, informal, fiction).
    want: dict[str, int] = {}
    for name, src in CLEAN_SOURCES.items():
        if name == "wmt24":
            continue
        want[name] = int(quotas.get(src.register, 0) * scale / len(by_reg[src.register]))
    out: list[Block] = []
    used: dict[str, int] = {}
    for doc in iter_clean(split=split, root=root):
        if doc.source != "wmt24":
            if used.get(doc.source, 0) >= want.get(doc.source, 0):
                continue
            if bucket(f"rt-sample:{doc.source}:{doc.id}") >= 40:
                continue
        sents = [
            (_WS_RE.sub(" ", s.text).strip(), s.paragraph)
            for s in segment(doc.text).sentences
            if len(s.text.split()) >= 3
        ]
        for b in range(max_blocks_per_doc):
            chunk = sents[b * BLOCK_SENTENCES : (b + 1) * BLOCK_SENTENCES]
            if len(chunk) < BLOCK_SENTENCES // 2:
                break
            out.append(
                Block(
                    f"{doc.source}:{doc.id}:{b}",
                    doc.source,
                    doc.register,
                    split,
                    [s for s, _ in chunk],
                    [p - chunk[0][1] for _, p in chunk],
                )
            )
            used[doc.source] = used.get(doc.source, 0) + sum(len(s.split()) for s, _ in chunk)
    return out


def apertium_available(modes: tuple[str, ...] = PIVOTS["spa"]) -> bool:
    """Whether the ``apertium`` command and the given modes are installed."""
    if shutil.which("apertium") is None:
        return False
    try:
        listed = subprocess.run(["apertium", "-l"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    have = set(listed.stdout.split())
    return all(m in have for m in modes)


def _run_mode(lines: list[str], mode: str) -> list[str] | None:
    """One Apertium mode over ``lines``, line for line; None if the line count changed."""
    proc = subprocess.run(
        ["apertium", "-u", mode],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    out = proc.stdout.split("\n")
    if out and out[-1] == "":
        out.pop()
    return out if len(out) == len(lines) else None


def _run_aligned(lines: list[str], mode: str) -> list[str]:
    """:func:`_run_mode`, bisecting a batch whose line count changed (the engine rarely
    splits or merges a line); a single line that comes back as several is joined."""
    out = _run_mode(lines, mode)
    if out is not None:
        return out
    if len(lines) == 1:
        proc = subprocess.run(
            ["apertium", "-u", mode], input=lines[0] + "\n", capture_output=True, text=True
        )
        return [" ".join(proc.stdout.split())]
    mid = len(lines) // 2
    return _run_aligned(lines[:mid], mode) + _run_aligned(lines[mid:], mode)


def _run_modes(lines: list[str], modes: tuple[str, ...]) -> list[str]:
    """Translate ``lines`` (one sentence each) through ``modes`` in turn, line for line."""
    data = [_WS_RE.sub(" ", x).strip() for x in lines]
    for mode in modes:
        data = [_WS_RE.sub(" ", x).strip() for x in _run_aligned(data, mode)]
    return data


_ENTITY_RE = re.compile(r"&#?\w+;")
_MARK_RE = re.compile(r"(?<![\w#@])[#@](?=\w)")


def clean_engine_output(original: str, translated: str) -> str:
    """Undo the engine's deformatter quirks (see the module docstring), keep the rest."""
    out = translated
    if "&" in out and not _ENTITY_RE.search(original):
        out = html.unescape(out)
    if ("#" in out or "@" in out) and not ("#" in original or "@" in original):
        out = _MARK_RE.sub("", out)
    return _WS_RE.sub(" ", out).strip()


def round_trip(sentences: list[str], pivot: str, chunk: int = 20_000) -> list[str]:
    """The round trip of each sentence through ``pivot`` (see :data:`PIVOTS`)."""
    modes = PIVOTS.get(pivot) or EVAL_PIVOTS[pivot]
    out: list[str] = []
    for i in range(0, len(sentences), chunk):
        part = sentences[i : i + chunk]
        out.extend(
            clean_engine_output(o, t) for o, t in zip(part, _run_modes(part, modes), strict=True)
        )
    return out


def read_blocks(path: str | os.PathLike[str]) -> Iterator[Block]:
    """The blocks of one output file."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            yield Block(
                d["id"], d["source"], d["register"], d["split"], d["orig"], d["para"],
                d["pivot"], d["rt"],
            )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None, help="shared data folder")
    ap.add_argument("--out", default=None, help="output folder (default: the training cache)")
    ap.add_argument("--pivots", default=",".join(PIVOTS))
    ap.add_argument("--splits", default="dev,test")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the word quotas")
    args = ap.parse_args(argv)
    out = Path(args.out) if args.out else default_out()
    out.mkdir(parents=True, exist_ok=True)
    pivots = [p for p in args.pivots.split(",") if p]
    splits = [s for s in args.splits.split(",") if s]
    for p in pivots:
        if p not in PIVOTS and p not in EVAL_PIVOTS:
            ap.error(f"unknown pivot {p!r}; choose from {', '.join([*PIVOTS, *EVAL_PIVOTS])}")
        if p in EVAL_PIVOTS and splits != ["test"]:
            ap.error(f"pivot {p!r} is for evaluation only: use it with --splits test")
        modes = PIVOTS.get(p) or EVAL_PIVOTS[p]
        if not apertium_available(modes):
            print(f"apertium or one of the modes {modes} is not installed", file=sys.stderr)
            return 2
    t0 = time.time()
    root = data_dir(args.data)
    for split in splits:
        blocks = make_blocks(split, root, scale=args.scale)
        sentences = [s for b in blocks for s in b.orig]
        n_words = sum(len(s.split()) for s in sentences)
        print(
            f"[{time.time() - t0:6.0f}s] {split}: {len(blocks):,} blocks, "
            f"{len(sentences):,} sentences, {n_words:,} words",
            flush=True,
        )
        for pivot in pivots:
            target = out / f"{pivot}.{split}.jsonl.gz"
            if target.exists():
                print(f"  {target.name} exists: kept", flush=True)
                continue
            rt = round_trip(sentences, pivot)
            tmp = target.with_suffix(".tmp")
            pos = 0
            with gzip.open(tmp, "wt", encoding="utf-8") as fh:
                for b in blocks:
                    b.pivot = pivot
                    b.rt = rt[pos : pos + len(b.orig)]
                    pos += len(b.orig)
                    fh.write(b.to_json() + "\n")
            tmp.rename(target)
            print(f"[{time.time() - t0:6.0f}s]   {pivot}: wrote {target.name}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
