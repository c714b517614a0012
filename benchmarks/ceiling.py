"""How fast scoring could get if its costliest compiled work cost nothing: an ablation.

    python -m benchmarks.ceiling [--runs 5] [--bytes 400000] [--out benchmarks/results]

Times ``mtdetect.load().score`` over the benchmark corpus (:func:`benchmarks.run.build_corpus`)
three ways in one process, alternating run by run so that machine load falls on all alike:

- **full**: as shipped;
- **no searches**: the compiled candidate searches (``gather_search``, ``pair_search``)
  return at once, finding nothing; all the Python around them still runs;
- **no searches, no trees**: the tree walks (``tree_sum``: the tagger's trees and the
  classifier heads') also return at once, with zero leaf sums.

The last two give wrong scores: they are not modes of the scorer, only upper bounds on what
any speed-up of the rest of the pipeline (Python, numpy and the smaller compiled loops) can
reach while the tagger keeps its searches and trees, and of what the searches and trees alone
cost. Writes ``ceiling.json`` and ``ceiling.md`` to ``--out`` when given.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

VARIANTS = ("full", "no searches", "no searches, no trees")


class _Stub:
    """The compiled core, with some functions replaced."""

    def __init__(self, real: Any, skip: dict[str, Callable[..., None]]) -> None:
        self._real, self._skip = real, skip

    def __getattr__(self, name: str) -> Any:
        return self._skip.get(name) or getattr(self._real, name)


def _zero_tree_sum(*args: Any) -> None:
    np.asarray(args[-1])[:] = 0.0  # `out`, the last argument


@contextmanager
def ablated(variant: str) -> Iterator[None]:
    """Scoring with the compiled searches (and, for the last variant, tree walks) skipped."""
    import mtdetect.tagger.candidates as candidates
    import mtdetect.tagger.trees as forest

    if variant == "full":
        yield
        return
    saved = candidates.core, forest.core
    real = saved[0]()
    searches = {"gather_search": lambda *a: None, "pair_search": lambda *a: None}
    stub = _Stub(real, searches)
    candidates.core = lambda: stub
    if variant == "no searches, no trees":
        tree_stub = _Stub(real, {"tree_sum": _zero_tree_sum})
        forest.core = lambda: tree_stub
    try:
        yield
    finally:
        candidates.core, forest.core = saved


def measure(docs: Sequence[str], runs: int) -> dict[str, Any]:
    """Sentences per second of each variant (median over ``runs``, alternating)."""
    import mtdetect
    from mtdetect.native import core

    if core() is None:
        raise SystemExit("the compiled core is not built: nothing to ablate")
    det = mtdetect.load()
    n_sent = sum(len(det.score(d).sentences) for d in docs)  # also warms up
    seconds: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for run in range(runs):
        print(f"run {run + 1}/{runs}", file=sys.stderr)
        for v in VARIANTS:
            with ablated(v):
                t = time.perf_counter()
                for d in docs:
                    det.score(d)
                seconds[v].append(time.perf_counter() - t)
    med = {v: statistics.median(s) for v, s in seconds.items()}
    return {
        "sentences": n_sent,
        "runs": runs,
        "seconds": seconds,
        "median_seconds": med,
        "sentences_per_second": {v: n_sent / s for v, s in med.items()},
        "speedup_over_full": {v: med["full"] / s for v, s in med.items()},
    }


def markdown(r: dict[str, Any]) -> str:
    """The report as a markdown table."""
    lines = [
        "# Ablation: the ceiling of everything but the searches and trees",
        "",
        f"`python -m benchmarks.ceiling --runs {r['runs']}` on {r['when']}: {r['machine']}.",
        "",
        f"Corpus: {r['corpus']}; {r['sentences']:,} sentences. Medians of {r['runs']} "
        "alternating runs in one process. The ablated variants give wrong scores: they bound "
        "what speeding up the rest of the pipeline can reach.",
        "",
        "| variant | seconds | sentences/s | x full |",
        "|---|---:|---:|---:|",
    ]
    for v in VARIANTS:
        lines.append(
            f"| {v} | {r['median_seconds'][v]:.3f} | {r['sentences_per_second'][v]:,.0f} | "
            f"{r['speedup_over_full'][v]:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the ablation; print and (with ``--out``) write the report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bytes", type=int, default=400_000, help="corpus size")
    ap.add_argument("--out", type=Path, default=None, help="write ceiling.json/.md here")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    from benchmarks.run import build_corpus, machine_info

    docs, corpus, _ = build_corpus(args.bytes)
    info = machine_info()
    report = {
        "when": info["date"],
        "machine": f"{info['cpu_model']}, {info['cores']} cores, load {info['load_average']}, "
        f"commit {info['commit']}",
        "machine_info": info,
        "corpus": f"{len(docs)} documents, {corpus}",
        **measure(docs, args.runs),
    }
    md = markdown(report)
    print(md)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "ceiling.json").write_text(json.dumps(report, indent=2) + "\n")
        (args.out / "ceiling.md").write_text(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
