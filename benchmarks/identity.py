"""Fingerprints of every output on a fixed corpus: the check that a refactoring changed nothing.

    python -m benchmarks.identity --out before.json          # on the old code
    python -m benchmarks.identity --check before.json        # on the new code: exit 1 if any
                                                               output differs, naming it

The corpus: the bundled examples and test fixtures, strings that exercise the edge cases
(spinner templates, re-spaced initialisms, lone surrogates, control characters, no sentence
at all), one document long enough to be analysed in several pieces, and, when the training
cache holds it (``python -m training.longdocs``), every 20th document of the long-document
evaluation set (clean text of every register and length, Apertium round trips, WMT). For each
document: the SHA-256 of its JSON form; for the whole corpus, of the text, JSON Lines, CSV
and HTML forms, and of the result rows of ``mtdetect audit`` on it as JSON Lines.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EDGE_CASES = [
    "It was {good|fine|great}. The U. K. said so, e. g. on Tuesday.",
    "Researchers say counterfeit consciousness will change medicine.",
    'He said. " It was fine . "\u2028 A lone \ud800 and an \x1b[31m escape.',
    "",
    "   \n\n  ",
    "no sentence end " * 40,
    "\U0001f4f0 Emoji and \u00e9l\u00e8ve, \u20ac5.\n\nSecond paragraph.",
    "Hard-wrapped CRLF text goes\r\non here.\r\n\r\nA lone\rreturn, the U. K. said.",
]


def corpus(longdocs: Path | None, every: int = 20) -> list[tuple[str, str]]:
    """``(name, text)`` of every document of the fixed corpus, in a fixed order."""
    docs: list[tuple[str, str]] = []
    for folder in (ROOT / "examples", ROOT / "tests" / "fixtures" / "clean"):
        for p in sorted(folder.glob("*.txt")):
            docs.append((str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")))
    docs += [(f"edge-{i}", t) for i, t in enumerate(EDGE_CASES)]
    base = (ROOT / "examples" / "rewritten_article.txt").read_text(encoding="utf-8")
    docs.append(("long", "\n\n".join([base] * 260)))  # about 3 analysis windows
    if longdocs is not None and longdocs.exists():
        with gzip.open(longdocs, "rt", encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i % every == 0:
                    rec = json.loads(line)
                    docs.append((rec["id"], rec["text"]))
    return docs


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprints(docs: list[tuple[str, str]]) -> dict[str, str]:
    """Name -> SHA-256 of each output."""
    import mtdetect
    from mtdetect.audit import run_audit
    from mtdetect.report import render

    det = mtdetect.load()
    results = [det.score(text, id=name) for name, text in docs]
    out = {f"json:{name}": _sha(r.to_json()) for (name, _), r in zip(docs, results, strict=True)}
    scorer = det.scorer
    thresholds = {"suspect": scorer.suspect_threshold, "rewritten": scorer.rewritten_threshold}
    for fmt in ("text", "jsonl", "csv", "html"):
        out[f"all:{fmt}"] = _sha(render(results, fmt, thresholds=thresholds))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus.jsonl"
        with open(src, "w", encoding="utf-8") as fh:
            for name, text in docs:
                fh.write(json.dumps({"id": name, "text": text}) + "\n")
        cwd = os.getcwd()
        os.chdir(tmp)  # rows name the input as given: a relative path is the same every run
        try:
            run_audit(["corpus.jsonl"], "out", workers=1, progress=False, detail="spans")
        finally:
            os.chdir(cwd)
        rows = sorted((Path(tmp) / "out").rglob("*.jsonl"))
        out["audit:rows"] = _sha("".join(p.read_text(encoding="utf-8") for p in rows))
    return out


def main(argv: list[str] | None = None) -> int:
    """Write or check the fingerprints."""
    cache = Path(
        os.environ.get("MTDETECT_TRAIN_CACHE", Path(tempfile.gettempdir()) / "mtdetect_train")
    )
    ap = argparse.ArgumentParser(prog="python -m benchmarks.identity", description=__doc__)
    ap.add_argument("--out", type=Path, help="write the fingerprints here")
    ap.add_argument("--check", type=Path, help="compare with fingerprints written before")
    ap.add_argument("--longdocs", type=Path, default=cache / "longdocs.jsonl.gz")
    args = ap.parse_args(argv)
    docs = corpus(args.longdocs)
    got = fingerprints(docs)
    print(f"{len(docs)} documents, {len(got)} outputs", file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if args.check:
        want = json.loads(args.check.read_text(encoding="utf-8"))
        differ = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
        for k in differ:
            print(f"differs: {k}", file=sys.stderr)
        print(f"{len(differ)} of {len(want)} outputs differ", file=sys.stderr)
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
