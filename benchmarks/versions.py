"""End-to-end speed of this checkout beside an earlier commit, on the same documents, same machine.

    python -m benchmarks.versions --ref dcd6786 [--runs 3] [--out benchmarks/results]

Checks ``--ref`` out into a temporary git worktree (its committed tables and model come with
it), builds one corpus with :func:`benchmarks.run.build_corpus`, then times
``mtdetect.load().score`` over every document in a fresh process per version, alternating the
versions run by run so that machine load falls on both alike. Reports the median sentences/s
of each and their ratio. The earlier commit runs without any compiled extension it did not
have; one that has the compiled core (``mtdetect/_core.c``) gets it built in its worktree, so
that compiled runs beside compiled; this checkout runs as installed (compiled core if built).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a child whose sys.path starts at one checkout; prints one JSON line.
_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import mtdetect
docs = json.load(open(sys.argv[2], encoding="utf-8"))
det = mtdetect.load()
for d in docs[:10]:
    det.score(d)
t = time.perf_counter()
res = [det.score(d) for d in docs]
sec = time.perf_counter() - t
print(json.dumps({"seconds": sec, "sentences": sum(len(r.sentences) for r in res),
                  "module": mtdetect.__file__}))
"""


def _time_once(tree: Path, docs_file: Path) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("PYTHONPATH", None)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tree), str(docs_file)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"timing {tree} failed:\n{out.stderr[-2000:]}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if not res["module"].startswith(str(tree)):
        raise SystemExit(f"expected mtdetect from {tree}, got {res['module']}")
    return res


def _build_core(tree: Path) -> bool:
    """Build the compiled core in a checkout that has one; whether it did."""
    if not (tree / "mtdetect" / "_core.c").exists() or not (tree / "setup.py").exists():
        return False
    out = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_ext", "--inplace"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"building the compiled core of {tree} failed:\n{out.stderr[-2000:]}")
    return True


def main(argv: list[str] | None = None) -> int:
    """Time this checkout and ``--ref`` side by side; print and write a small report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", required=True, help="earlier commit to compare with")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bytes", type=int, default=400_000, help="corpus size")
    ap.add_argument("--out", type=Path, default=None, help="write versions.json here")
    args = ap.parse_args(argv)

    from benchmarks.run import _git_commit, build_corpus, machine_info

    docs, corpus, _ = build_corpus(args.bytes)
    with tempfile.TemporaryDirectory(prefix="mtdetect-versions-") as tmp:
        old = Path(tmp) / "ref"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.ref],
            check=True,
            capture_output=True,
        )
        try:
            ref_compiled = _build_core(old)
            docs_file = Path(tmp) / "docs.json"
            docs_file.write_text(json.dumps(docs), encoding="utf-8")
            rates: dict[str, list[float]] = {"ref": [], "head": []}
            n_sent = {}
            for run in range(args.runs):
                print(f"run {run + 1}/{args.runs}", file=sys.stderr)
                for name, tree in (("ref", old), ("head", ROOT)):
                    r = _time_once(tree, docs_file)
                    rates[name].append(r["sentences"] / r["seconds"])
                    n_sent[name] = r["sentences"]
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                check=False,
                capture_output=True,
            )
    med = {k: statistics.median(v) for k, v in rates.items()}
    report = {
        "machine": machine_info(),
        "corpus": f"{len(docs)} documents, {corpus}",
        "ref": args.ref,
        "ref_compiled_core": ref_compiled,
        "head": _git_commit(),
        "sentences": n_sent,
        "sentences_per_s": med,
        "runs": rates,
        "head_over_ref": med["head"] / med["ref"],
    }
    print(
        f"{report['corpus']}\n"
        f"{args.ref}: {med['ref']:,.0f} sentences/s ({n_sent['ref']:,} sentences"
        f"{', compiled core built' if ref_compiled else ''})\n"
        f"{report['head']}: {med['head']:,.0f} sentences/s ({n_sent['head']:,} sentences)\n"
        f"ratio head/ref: {report['head_over_ref']:.2f}"
    )
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "versions.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
