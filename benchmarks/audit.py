"""Throughput of ``mtdetect audit``: docs/s, MB/s and peak memory at 1 and 2 workers.

Generates a JSON Lines corpus of made-up news-like documents (templates filled at random,
about a third of them with rewriting artifacts), then runs the real CLI on it once per
worker count in a subprocess, sampling the resident memory of the run and of each worker.

    python -m benchmarks.audit --docs 10000 100000 --workers 1 2
    python -m benchmarks.audit --score-many 2000     # MTDetector.score_many, n_jobs 1 and 2

The hostile 200,000-record corpus check is ``python -m benchmarks.audit_hostile``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_PLACES = ["Eastmere", "Port Calloway", "Linden Vale", "Harrowgate", "Saltby", "Northwick"]
_BODIES = ["council", "water board", "school trust", "harbour authority", "transport office"]
_THINGS = ["sea wall", "bus depot", "library", "flood barrier", "cycle lane", "market hall"]
_PEOPLE = ["Ana Ruiz", "Tom Becker", "Priya Natarajan", "J. R. Hale", "Mei Lin", "Owen Price"]
_CLEAN = [
    "The {body} of {place} voted on {day} to build a new {thing} after a winter of heavy storms.",
    "{person}, who chairs the {body}, said the work would start in the spring.",
    "Residents had asked for the {thing} for years, and many attended the meeting.",
    "The cost is put at {n} million pounds, half of it paid by the national government.",
    "Opponents argued that the money would be better spent on roads and schools.",
    "A final decision on the contractor is expected before the end of the year.",
    "Local businesses said they welcomed the plan but worried about months of noise.",
    "The {body} will publish the full design on its website next week.",
]
_ARTIFACTS = [
    "The U. K. government has promised to pay part of the cost, e. g. through its coastal fund.",
    "The {body} made a {{quick|fast|rapid}} decision after the storms.",
    "Officials said the the plan was approved on {day}.",
    "The project will use counterfeit consciousness to monitor the {thing}.",
    "Traders said prices rose , and Kenya 's exports fell.",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def make_document(rng: random.Random) -> str:
    """One made-up article of 6-10 sentences in two or three paragraphs."""
    fill = {
        "place": rng.choice(_PLACES),
        "body": rng.choice(_BODIES),
        "thing": rng.choice(_THINGS),
        "person": rng.choice(_PEOPLE),
        "day": rng.choice(_DAYS),
        "n": rng.randint(2, 90),
    }
    sentences = rng.sample(_CLEAN, rng.randint(6, 8))
    if rng.random() < 0.35:
        for s in rng.sample(_ARTIFACTS, rng.randint(1, 2)):
            sentences.insert(rng.randrange(len(sentences) + 1), s)
    text = [s.format(**fill) for s in sentences]
    cut = len(text) // 2
    return " ".join(text[:cut]) + "\n\n" + " ".join(text[cut:])


def write_corpus(path: Path, n: int, seed: int = 0) -> int:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"doc-{i}", "text": make_document(rng)}) + "\n")
    return path.stat().st_size


def run_once(corpus: Path, out: Path, workers: int) -> dict[str, float]:
    """Run the CLI; wall time and peak RSS of the main process and of the largest worker."""
    try:
        import psutil
    except ImportError:
        psutil = None
    cmd = [sys.executable, "-m", "mtdetect.cli", "audit", str(corpus), "-o", str(out),
           "--workers", str(workers), "--quiet", "--overwrite"]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    peak_main = peak_worker = 0
    if psutil is not None:
        p = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                peak_main = max(peak_main, p.memory_info().rss)
                for c in p.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        peak_worker = max(peak_worker, c.memory_info().rss)
            except psutil.Error:
                pass
            time.sleep(0.2)
    rc = proc.wait()
    wall = time.perf_counter() - t0
    if rc != 0:
        raise SystemExit(f"audit failed with exit code {rc}")
    if psutil is None:  # resource: the run's own peak only
        import resource

        peak_main = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"wall": wall, "rss_main": peak_main / 2**20, "rss_worker": peak_worker / 2**20}


def bench_score_many(n: int) -> None:
    """Docs/s of ``score_many`` at n_jobs 1 and 2 (the second n_jobs=2 call reuses warm
    workers), on ``n`` generated documents."""
    import os

    import mtdetect

    rng = random.Random(0)
    texts = [make_document(rng) for _ in range(n)]
    det = mtdetect.load()
    det.score(texts[0])
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print("| call | seconds | docs/s |")
    print("|---|---:|---:|")
    for label, jobs in (("n_jobs=1", 1), ("n_jobs=2 (cold)", 2), ("n_jobs=2 (warm)", 2)):
        t0 = time.perf_counter()
        got = sum(1 for _ in det.score_many(texts, n_jobs=jobs))
        dt = time.perf_counter() - t0
        assert got == n
        print(f"| {label} | {dt:.1f} | {n / dt:,.0f} |")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--score-many", type=int, metavar="N", help="time score_many on N docs")
    args = ap.parse_args(argv)
    if args.score_many:
        bench_score_many(args.score_many)
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.docs:
            corpus = Path(tmp) / f"corpus-{n}.jsonl"
            size = write_corpus(corpus, n)
            for w in args.workers:
                r = run_once(corpus, Path(tmp) / f"out-{n}-{w}", w)
                rows.append((n, size, w, r))
                print(f"done: {n} docs, {w} worker(s), {r['wall']:.1f}s", file=sys.stderr)
    print(
        "| documents | MB | workers | seconds | docs/s | MB/s | peak RSS main | peak RSS per worker |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, size, w, r in rows:
        worker = f"{r['rss_worker']:.0f} MiB" if w > 1 and r["rss_worker"] else "(in main)"
        print(
            f"| {n:,} | {size / 1e6:.1f} | {w} | {r['wall']:.1f} | {n / r['wall']:,.0f} | "
            f"{size / 1e6 / r['wall']:.2f} | {r['rss_main']:.0f} MiB | {worker} |"
        )


if __name__ == "__main__":
    main()
