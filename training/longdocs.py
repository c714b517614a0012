"""Whole documents of every length, for the verdict evaluation by length and by engine.

Usage::

    python -m training.longdocs [--data DIR] [--out FILE] [--per-bin 100] [--rt-per-bin 16]
                                [--pivots spa,hbs]

Training and test documents of about eight segments hid that the previous model's verdict
grew with length. This builds, from the clean **test** split only (never counted, never
trained on), documents in every length bin of :data:`BINS` for every register:

* **whole texts and their prefixes**: an article longer than the bin's target is cut at the
  end of a sentence; where the register has no text that long (news, abstracts, informal
  passages), consecutive texts of the same source are **joined** (a blank line between them)
  until the target is reached, as a scraped page or a corpus shard joins them. ``joined``
  says how many texts a document holds;
* **round trips of the same documents** through Apertium, sentence by sentence with the
  paragraphs kept: ``spa`` (a training pivot) and ``hbs`` (Serbo-Croatian, **released for
  evaluation only**: nothing is trained, tuned or thresholded on it);
* **neural MT** of the held-out WMT22 language pairs (:data:`training.datasets.WMT_TEST_PAIRS`):
  consecutive lines of a system output, of its human reference (the same lines) and of the
  native English originals, in blocks of every bin's target.

Each document is one JSON line: ``id, kind, register, engine, bin, n_target, joined, label,
group, text`` (``group`` pairs a round trip or an MT block with its original or reference).
The engine's output is GPL data: it stays in the training cache, never in the package.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from mtdetect.text import segment
from training.corpora import REGISTERS, CleanDoc, data_dir, iter_clean
from training.roundtrip import EVAL_PIVOTS, PIVOTS, apertium_available, default_out, round_trip

__all__ = ["BINS", "LongDoc", "bin_of", "build", "main", "read_docs"]

#: Length bins in sentences (inclusive bounds) and the target length drawn in each.
BINS: tuple[tuple[str, int, int], ...] = (
    ("1", 1, 1),
    ("2-4", 2, 4),
    ("5-16", 5, 16),
    ("17-64", 17, 64),
    ("65-256", 65, 256),
    ("257+", 257, 400),
)
#: Registers whose documents are round-tripped (the rest are measured clean only).
RT_REGISTERS = ("news", "encyclopedic", "science")


def bin_of(n_sentences: int) -> str:
    """The name of the length bin of a document of ``n_sentences`` sentences."""
    for name, _lo, hi in BINS[:-1]:
        if n_sentences <= hi:
            return name
    return BINS[-1][0]


@dataclass
class LongDoc:
    """One evaluation document (see the module docstring)."""

    id: str
    kind: str
    register: str
    engine: str
    bin: str
    n_target: int
    joined: int
    label: int
    group: str
    text: str


def read_docs(path: str | Path) -> list[LongDoc]:
    """The documents of a file written by :func:`build`."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [LongDoc(**json.loads(line)) for line in fh]


def _sentence_ends(text: str) -> list[int]:
    return [s.end for s in segment(text).sentences]


def _take(stream: Iterator[CleanDoc], target: int) -> tuple[str, int] | None:
    """The first ``target`` sentences of the next texts of ``stream`` (joined when one text is
    too short), and how many texts were used; None when the stream runs out."""
    parts: list[str] = []
    have = 0
    for doc in stream:
        ends = _sentence_ends(doc.text)
        if not ends:
            continue
        need = target - have
        if len(ends) >= need:
            parts.append(doc.text[: ends[need - 1]].rstrip())
            return "\n\n".join(parts), len(parts)
        parts.append(doc.text.rstrip())
        have += len(ends)
    return None


def _mark_used(docs: list[CleanDoc], pool: list[int], used: set[int]) -> Iterator[CleanDoc]:
    for i in pool:
        used.add(i)
        yield docs[i]


def clean_docs(root: Path, per_bin: int, seed: int = 0) -> list[LongDoc]:
    """Clean test documents of every register in every length bin."""
    rng = random.Random(seed)
    by_reg: dict[str, list[CleanDoc]] = {}
    for d in iter_clean(split="test", root=root):
        by_reg.setdefault(d.register, []).append(d)
    out: list[LongDoc] = []
    for reg in REGISTERS:
        docs = by_reg.get(reg, [])
        if not docs:
            continue
        # Long bins take the longest unused texts, so that whole long articles are used whole
        # where the register has them; the others a fixed shuffled order.
        order = docs[:]
        rng.shuffle(order)
        used: set[int] = set()
        for name, lo, hi in BINS:
            pool = [i for i in range(len(order)) if i not in used]
            if lo >= 65:
                pool.sort(key=lambda i: -len(order[i].text))
            src = _mark_used(order, pool, used)
            for k in range(per_bin):
                target = rng.randint(lo, hi)
                got = _take(src, target)
                if got is None:
                    break
                text, joined = got
                out.append(LongDoc(f"clean:{reg}:{name}:{k}", "clean", reg, "", name, target,
                                   joined, 0, f"{reg}:{name}:{k}", text))  # fmt: skip
    return out


def round_trip_docs(clean: Sequence[LongDoc], pivots: Sequence[str], per_bin: int) -> list[LongDoc]:
    """Round trips of the first ``per_bin`` clean documents of each bin of :data:`RT_REGISTERS`."""
    chosen = [
        d for d in clean if d.register in RT_REGISTERS and int(d.id.rsplit(":", 1)[1]) < per_bin
    ]
    out: list[LongDoc] = []
    for pivot in pivots:
        t0 = time.time()
        # One engine call for all documents: sentences joined with a marker line would risk
        # the engine merging them, so documents go one by one but sentences in one batch.
        sents_of = [segment(d.text).sentences for d in chosen]
        flat = [" ".join(s.text.split()) for ss in sents_of for s in ss]
        rt = round_trip(flat, pivot)
        pos = 0
        for d, ss in zip(chosen, sents_of, strict=True):
            paras: list[list[str]] = []
            last = None
            for s in ss:
                if s.paragraph != last:
                    paras.append([])
                    last = s.paragraph
                paras[-1].append(rt[pos])
                pos += 1
            text = "\n\n".join(" ".join(p) for p in paras)
            out.append(LongDoc(d.id.replace("clean:", f"roundtrip:{pivot}:", 1), "roundtrip",
                               d.register, pivot, d.bin, d.n_target, d.joined, 1, d.group,
                               text))  # fmt: skip
        print(f"  {pivot}: {len(flat):,} sentences in {time.time() - t0:.0f}s", flush=True)
    return out


def wmt_docs(root: Path, per_bin: int, seed: int = 0) -> list[LongDoc]:
    """Blocks of consecutive lines of the held-out WMT22 pairs: MT, reference, originals."""
    from training.datasets import WMT_TEST_PAIRS, _read_lines

    rng = random.Random(seed)
    base = root / "mt" / "wmt22_toen"
    out: list[LongDoc] = []
    for pair in WMT_TEST_PAIRS:
        refs = sorted((base / "references").glob(f"generaltest2022.{pair}.ref.*.en"))
        hyps = sorted((base / "system-outputs").glob(f"generaltest2022.{pair}.hyp.*.en"))
        if not refs or not hyps:
            continue
        ref = _read_lines(refs[0])
        systems = {p.name: _read_lines(p) for p in hyps}
        names = sorted(n for n, v in systems.items() if len(v) == len(ref))
        for name, lo, hi in BINS[:5]:  # a test set has ~2,000 lines: no 257+ block per pair
            for k in range(per_bin // 2):
                target = rng.randint(lo, hi)
                if target >= len(ref):
                    break
                start = rng.randrange(0, len(ref) - target)
                sys_name = rng.choice(names)
                lines = slice(start, start + target)
                group = f"wmt:{pair}:{name}:{k}"
                for kind, label, text in (
                    ("wmt-mt", 1, systems[sys_name][lines]),
                    ("wmt-ref", 0, ref[lines]),
                ):
                    out.append(LongDoc(f"{kind}:{pair}:{name}:{k}", kind, "news", "", name,
                                       target, 1, label, group, "\n\n".join(text)))  # fmt: skip
    orig: list[str] = []
    for lang in ("de", "hr"):
        orig += _read_lines(base / "english-originals" / f"generaltest2022.en-{lang}.src.en")
    for name, lo, hi in BINS[:5]:
        for k in range(per_bin):
            target = rng.randint(lo, hi)
            if target >= len(orig):
                break
            start = rng.randrange(0, len(orig) - target)
            out.append(LongDoc(f"wmt-orig:{name}:{k}", "wmt-orig", "web", "", name, target, 1, 0,
                               f"wmt-orig:{name}:{k}",
                               "\n\n".join(orig[start : start + target])))  # fmt: skip
    return out


def build(
    root: str | Path | None = None,
    per_bin: int = 100,
    rt_per_bin: int = 16,
    pivots: Sequence[str] = ("spa", "hbs"),
    seed: int = 0,
) -> list[LongDoc]:
    """Every evaluation document (see the module docstring)."""
    base = data_dir(root)
    t0 = time.time()
    clean = clean_docs(base, per_bin, seed)
    print(f"[{time.time() - t0:5.0f}s] {len(clean):,} clean documents", flush=True)
    rts = round_trip_docs(clean, pivots, rt_per_bin)
    print(f"[{time.time() - t0:5.0f}s] {len(rts):,} round trips", flush=True)
    wmt = wmt_docs(base, per_bin, seed)
    print(f"[{time.time() - t0:5.0f}s] {len(wmt):,} WMT documents", flush=True)
    return clean + rts + wmt


def default_path() -> Path:
    return default_out().parent / "longdocs.jsonl.gz"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None, help="shared data folder")
    ap.add_argument("--out", default=None, help="output file (default: in the training cache)")
    ap.add_argument("--per-bin", type=int, default=100, help="clean documents per register and bin")
    ap.add_argument("--rt-per-bin", type=int, default=16, help="round-tripped documents per bin")
    ap.add_argument("--pivots", default="spa,hbs")
    args = ap.parse_args(argv)
    pivots = [p for p in args.pivots.split(",") if p]
    for p in pivots:
        modes = PIVOTS.get(p) or EVAL_PIVOTS.get(p)
        if modes is None or not apertium_available(modes):
            print(f"pivot {p!r}: unknown, or its Apertium modes are not installed", file=sys.stderr)
            return 2
    out = Path(args.out) if args.out else default_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    docs = build(args.data, args.per_bin, args.rt_per_bin, pivots)
    tmp = out.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(asdict(d), ensure_ascii=False) + "\n")
    tmp.rename(out)
    print(f"wrote {len(docs):,} documents to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
