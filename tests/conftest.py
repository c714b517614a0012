"""Fixtures shared by the test files: the shipped detector, loaded once per session, and the
bundled texts.

Each evidence-table fixture (``test_evidence``, ``test_native``, ``test_tagger``) builds its
own tiny tables from made-up documents chosen for what that file checks, so they stay where
they are used.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

import mtdetect
from mtdetect.pipeline import MTDetector

ROOT = Path(__file__).resolve().parent.parent
#: The bundled sample articles (made up): ``rewritten_article.txt`` and ``clean_article.txt``.
EXAMPLES = ROOT / "examples"
#: Made-up clean texts of four registers (``tests/fixtures/clean``).
CLEAN_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "clean"


@pytest.fixture(scope="session")
def detector() -> Iterator[MTDetector]:
    """The shipped detector with its trained model (the tests fail if it did not load)."""
    det = mtdetect.load()
    if det.scorer.name.startswith("heuristic"):
        pytest.fail("the shipped model did not load; these tests are about it")
    # One BLAS/OpenMP thread: the model's per-call thread start-up costs ten times the
    # scoring itself on short texts (and tests run many short texts).
    with threadpool_limits(limits=1):
        yield det


@pytest.fixture(scope="session")
def examples() -> dict[str, str]:
    """The bundled sample articles by name (``rewritten_article``, ``clean_article``)."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.txt"))}


@pytest.fixture(scope="session")
def clean_texts() -> dict[str, str]:
    """The clean fixture texts by register."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(CLEAN_FIXTURES.glob("*.txt"))}


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess]:
    """``run_cli("score", path, ..., stdin=b"...")``: the CLI in a subprocess, as a user runs
    it (bytes out, never raises on a non-zero exit)."""

    def run(*args: str, stdin: bytes | None = None, timeout: float = 300):
        return subprocess.run(
            [sys.executable, "-m", "mtdetect.cli", *args],
            input=stdin,
            capture_output=True,
            timeout=timeout,
        )

    return run
