"""Compile the published tortured-phrase list into the package's matcher file.

Usage::

    python -m training.build_tortured [--data DIR] [--out mtdetect/data/tortured_phrases.json]

Source: ``lexicon/tortured_phrases_dev.csv`` of the shared data folder (columns
``tortured_phrase``, ``expected_phrase``, ``num_papers``), a part of the Problematic Paper
Screener's list (Cabanac, Labbé and Magazinov 2021) from the MIT-licensed repository
hahuyhoang411/tortured-phrase. Each fingerprint is parsed by
:func:`mtdetect.detectors.tortured_list.parse_fingerprint`; rows it cannot read are reported
and left out.

Held-out rule (fixed; never change it, benchmarks depend on it): a row's *hold-out key* is
its first quoted term (the tortured phrase itself; the whole fingerprint if it has no quoted
term), lower-cased with runs of white space collapsed. The row is held out when
``training.splits.split_of("tortured_phrases", key)`` is not ``"train"``: about 20% of rows
(``dev`` 10%, ``test`` 10%). Keying on the tortured phrase rather than the whole fingerprint
keeps the variants of one phrase (with or without context) on the same side. Held-out rows are
never compiled into the shipped file; benchmarks read them from the shared CSV at run time
with :func:`heldout_rows`.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtdetect.detectors.tortured_list import (
    FORMAT,
    FingerprintError,
    clean_expected,
    parse_fingerprint,
    phrase_keys,
)
from training.corpora import data_dir as _data_dir
from training.splits import split_of

__all__ = [
    "CSV_PATH",
    "HOLDOUT_SOURCE",
    "BuildReport",
    "Row",
    "compile_rows",
    "heldout_rows",
    "holdout_key",
    "is_heldout",
    "kept_rows",
    "main",
    "read_rows",
]

#: The list, relative to the shared data folder.
CSV_PATH = "lexicon/tortured_phrases_dev.csv"
#: The source name hashed with each hold-out key (see :func:`training.splits.split_of`).
HOLDOUT_SOURCE = "tortured_phrases"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "mtdetect" / "data" / "tortured_phrases.json"

ATTRIBUTION = (
    "Derived from the tortured-phrase list of the Problematic Paper Screener (Cabanac, Labbé "
    "and Magazinov 2021, 'Tortured phrases: A dubious writing style emerging in science', "
    "arXiv:2107.06751), as published in the MIT-licensed repository hahuyhoang411/tortured-phrase "
    "(Copyright (c) 2025 Hoang Ha). See TORTURED_PHRASES_LICENSE.md."
)
HOLDOUT_RULE = (
    "rows whose first quoted term (lower-cased, white space collapsed) hashes to split dev or "
    "test with training.splits.split_of('tortured_phrases', key) are held out (about 20%) and "
    "not included"
)


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the list as read: ``line`` is its 1-based line in the CSV (header = 1)."""

    line: int
    tortured_phrase: str
    expected_phrase: str
    num_papers: int | None
    num_papers_raw: str


def read_rows(data_dir: str | Path | None = None) -> list[Row]:
    """All rows of the shared CSV (``num_papers`` parsed, thousands separators removed)."""
    path = _data_dir(data_dir) / CSV_PATH
    rows: list[Row] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for i, rec in enumerate(csv.DictReader(fh), start=2):
            raw = (rec.get("num_papers") or "").strip()
            digits = raw.replace(",", "").replace("_", "").replace(" ", "")
            rows.append(
                Row(
                    line=i,
                    tortured_phrase=(rec.get("tortured_phrase") or "").strip(),
                    expected_phrase=(rec.get("expected_phrase") or "").strip(),
                    num_papers=int(digits) if digits.isdigit() else None,
                    num_papers_raw=raw,
                )
            )
    return rows


_FIRST_QUOTED_RE = re.compile(r'"([^"]*)"')


def holdout_key(tortured_phrase: str) -> str:
    """The key the hold-out hash is taken of: the first quoted term, normalised."""
    m = _FIRST_QUOTED_RE.search(tortured_phrase)
    key = m.group(1) if m else tortured_phrase
    return " ".join(key.lower().split())


def is_heldout(tortured_phrase: str) -> bool:
    """Whether a fingerprint belongs to the fixed held-out part (about 20%) of the list."""
    return split_of(HOLDOUT_SOURCE, holdout_key(tortured_phrase)) != "train"


def heldout_rows(data_dir: str | Path | None = None, split: str | None = None) -> Iterator[Row]:
    """The held-out rows, read from the shared CSV (never from the package).

    ``split`` narrows them to ``"dev"`` or ``"test"`` (about 10% of the list each); None
    yields both. Rows the parser rejects are included: filter them with
    :func:`~mtdetect.detectors.tortured_list.parse_fingerprint` if needed.
    """
    if split not in (None, "dev", "test"):
        raise ValueError(f"split must be None, 'dev' or 'test', not {split!r}")
    for row in read_rows(data_dir):
        part = split_of(HOLDOUT_SOURCE, holdout_key(row.tortured_phrase))
        if part != "train" and (split is None or part == split):
            yield row


def kept_rows(data_dir: str | Path | None = None) -> Iterator[Row]:
    """The rows that may be compiled into the shipped matcher."""
    return (r for r in read_rows(data_dir) if not is_heldout(r.tortured_phrase))


@dataclass(slots=True)
class BuildReport:
    """What :func:`compile_rows` did: counts and the rows it rejected, with reasons."""

    rows: int = 0
    compiled: int = 0
    clause_types: Counter[str] = field(default_factory=Counter)
    shapes: Counter[str] = field(default_factory=Counter)
    rejected: list[tuple[Row, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A human-readable summary."""
        out = [f"rows read {self.rows}, compiled {self.compiled}, rejected {len(self.rejected)}"]
        out.append("shapes: " + ", ".join(f"{k} {v}" for k, v in self.shapes.most_common()))
        out.append(
            "rows using: " + ", ".join(f"{k} {v}" for k, v in self.clause_types.most_common())
        )
        out.extend(
            f"  rejected line {r.line}: {r.tortured_phrase!r}: {why}" for r, why in self.rejected
        )
        return out


def _shape(fp: Any) -> str:
    types = set(fp.clause_types)
    parts = ["near" if "near" in types and fp.anchors[0].near is not None else "phrase"]
    if len(fp.anchors) > 1:
        parts.append("or")
    parts += ["and"] if fp.required else []
    parts += ["not"] if fp.excluded else []
    return "+".join(parts)


def compile_rows(rows: Iterable[Row]) -> tuple[list[dict[str, Any]], BuildReport]:
    """Parse rows into compact JSON entries; report what was rejected.

    An entry has ``a`` (anchor terms), optional ``and`` (groups of context terms), ``not``
    (excluded terms), ``q`` (the original fingerprint, unless it is a plain phrase), ``e``
    (expected phrase), optional ``s`` (cleaned suggestion) and ``n`` (number of papers).

    A row is rejected when its fingerprint does not parse, its ``num_papers`` is not a
    number, its expected phrase is empty, or one of its tortured phrases *is* the expected
    phrase (it would flag the correct wording).
    """
    report = BuildReport()
    entries: list[dict[str, Any]] = []
    for row in rows:
        report.rows += 1
        try:
            fp = parse_fingerprint(row.tortured_phrase)
        except FingerprintError as exc:
            report.rejected.append((row, f"parse error: {exc}"))
            continue
        if row.num_papers is None:
            report.rejected.append((row, f"num_papers {row.num_papers_raw!r} is not a number"))
            continue
        if not row.expected_phrase:
            report.rejected.append((row, "no expected phrase"))
            continue
        expected_keys = phrase_keys(row.expected_phrase)
        if any(t.near is None and t.keys == expected_keys for t in fp.anchors):
            report.rejected.append((row, "tortured phrase equals the expected phrase"))
            continue
        entry: dict[str, Any] = {"a": [t.to_json() for t in fp.anchors]}
        if fp.clause_types != ("phrase",) or len(fp.anchors) > 1:
            entry["q"] = row.tortured_phrase  # the original syntax, when it is not just "a"
        if fp.required:
            entry["and"] = [[t.to_json() for t in g] for g in fp.required]
        if fp.excluded:
            entry["not"] = [t.to_json() for t in fp.excluded]
        entry["e"] = row.expected_phrase
        suggestion = clean_expected(row.expected_phrase)
        if suggestion != row.expected_phrase:
            entry["s"] = suggestion
        entry["n"] = row.num_papers
        entries.append(entry)
        report.compiled += 1
        report.clause_types.update(fp.clause_types)
        report.shapes[_shape(fp)] += 1
    return entries, report


def write_compiled(entries: list[dict[str, Any]], report: BuildReport, out: Path) -> None:
    """Write the matcher file: a header object with one entry per line (diff-friendly)."""
    header = {
        "format": FORMAT,
        "attribution": ATTRIBUTION,
        "license": "MIT (see TORTURED_PHRASES_LICENSE.md)",
        "source": f"shared data {CSV_PATH}",
        "heldout": HOLDOUT_RULE,
        "stats": {
            "rows_kept_side": report.rows,
            "compiled": report.compiled,
            "rejected": len(report.rejected),
            "shapes": dict(report.shapes.most_common()),
        },
    }
    head = json.dumps(header, ensure_ascii=False, indent=1)[:-2]  # drop the closing "\n}"
    body = ",\n".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in entries)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f'{head},\n "entries": [\n{body}\n]}}\n', encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line: compile the kept rows and print parse statistics."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="shared data folder (default: $MTDETECT_DATA or ../shared/data)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="compiled JSON to write")
    args = ap.parse_args(argv)

    rows = read_rows(args.data)
    held = [r for r in rows if is_heldout(r.tortured_phrase)]
    _, full = compile_rows(rows)  # statistics over the whole list, for the record
    entries, report = compile_rows(r for r in rows if not is_heldout(r.tortured_phrase))
    write_compiled(entries, report, args.out)

    print(f"list: {len(rows)} rows; held out {len(held)} ({len(held) / max(1, len(rows)):.1%})")
    print("whole list:")
    print("\n".join("  " + line for line in full.lines()))
    print("kept part (compiled):")
    print("\n".join("  " + line for line in report.lines()[:3]))
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes, {len(entries)} entries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
