"""``python -m benchmarks run [--quick] [--out benchmarks/results]``: see :mod:`benchmarks.run`.

The other benchmarks keep their own entry points (``python -m benchmarks.segmentation``,
``python -m benchmarks.detectors``, ``python -m benchmarks.audit``, ``python -m
benchmarks.versions``, ``python -m benchmarks.ceiling``).
"""

from __future__ import annotations

import os
import sys

# One core: keep numeric libraries from starting thread pools (set before numpy loads).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``run`` to :func:`benchmarks.run.main`."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if args else 2
    if args[0] != "run":
        print(f"unknown command {args[0]!r}; try: python -m benchmarks run --help", file=sys.stderr)
        return 2
    from benchmarks.run import main as run_main

    return run_main(args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
