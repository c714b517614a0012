"""The 200,000-record proof of ``benchmarks/audit_hostile.py``, small: a corpus in every
format, laced with hostile records, audits with exactly one row per record."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.audit_hostile import build_corpus, check, run


def test_hostile_mixed_corpus_one_row_per_record(tmp_path: Path) -> None:
    want = build_corpus(tmp_path / "corpus", 1500, seed=1, blank_lines=200_000)
    assert len(want) >= 15 and sum(want.values()) > 1400
    res = run(tmp_path / "corpus", tmp_path / "out", workers=2, kills=0, seed=1)
    got = check(tmp_path / "out", want)  # raises unless every file has exactly its records
    assert sum(got.values()) == sum(want.values())
    summary = json.loads((tmp_path / "out" / "_summary.json").read_text())
    assert summary["blank_lines"] >= 200_000
    assert summary["status"]["error"] > 10 and summary["status"]["skipped"] > 5
    assert not res["left"]
