"""Segmentation speed: MB/s of news text on one core (median of several runs).

    python -m benchmarks.segmentation [--mb 5] [--runs 5]

Uses the clean news corpora (dev split) when the shared data folder is present, otherwise
the bundled example article repeated.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from mtdetect.text import segment


def news_text(target_bytes: int) -> tuple[str, str]:
    """About ``target_bytes`` of news prose, and where it came from."""
    try:
        from training.corpora import iter_clean

        parts: list[str] = []
        size = 0
        for doc in iter_clean(["reuters", "bbc"], split="dev"):
            parts.append(doc.text)
            size += len(doc.text.encode())
            if size >= target_bytes:
                break
        if parts:
            reps = max(1, -(-target_bytes // size))
            return "\n\n".join(parts * reps), "Reuters + BBC dev split"
    except (ImportError, OSError):
        pass
    sample = (Path(__file__).resolve().parent.parent / "examples" / "clean_article.txt").read_text(
        encoding="utf-8"
    )
    reps = max(1, target_bytes // len(sample.encode()))
    return "\n\n".join([sample] * reps), "bundled example article, repeated"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=float, default=5.0)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    text, origin = news_text(int(args.mb * 1e6))
    nbytes = len(text.encode())
    segment(text[:100_000])  # warm-up
    for with_tokens in (False, True):
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            doc = segment(text, with_tokens=with_tokens)
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        label = "sentences+tokens" if with_tokens else "sentences only"
        print(
            f"{label:17s}: {nbytes / 1e6 / med:6.2f} MB/s, {len(doc.sentences) / med:9.0f} "
            f"sentences/s (median of {args.runs}; {nbytes / 1e6:.1f} MB, {origin})"
        )


if __name__ == "__main__":
    main()
