"""How mtdetect treats text that is not English.

``python -m benchmarks.non_english [--data DIR] [--per-language 60] [--out benchmarks/results]``

Documents of 8 consecutive source lines from the WMT22 test sets' source sides (Czech,
German, Japanese, Livonian, Russian, Ukrainian, Chinese) are scored twice: directly, as
``mtdetect score`` does (it warns and scores), and through the audit's language check
(:func:`mtdetect.audit.language.looks_english`; a non-English document is ``skipped``, a
mixed one is scored on its English paragraphs only). Reported per language: the share called
*rewritten* each way. Writes ``non_english.md`` and ``non_english.json`` in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from mtdetect.audit.language import looks_english, mask_non_english

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def documents(data: Path, per_language: int, lines: int = 8) -> dict[str, list[str]]:
    """``{language: [document, ...]}`` from the WMT22 source files, ``lines`` lines each."""
    out: dict[str, list[str]] = {}
    for path in sorted((data / "mt" / "wmt22_toen" / "sources").glob("generaltest2022.*-en.src.*")):
        lang = path.suffix.lstrip(".")
        rows = [r for r in path.read_text(encoding="utf-8").splitlines() if r.strip()]
        docs = [" ".join(rows[i : i + lines]) for i in range(0, len(rows) - lines + 1, lines)]
        out[lang] = docs[:per_language]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--per-language", type=int, default=60)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = ap.parse_args(argv)
    docs = documents(args.data, args.per_language)
    if not docs:
        print(f"no WMT22 source files under {args.data}", file=sys.stderr)
        return 2
    import mtdetect

    det = mtdetect.load()
    t0 = time.perf_counter()
    rows = {}
    for lang, texts in docs.items():
        direct = checked = skipped = 0
        for text in texts:
            rewritten = det.score(text).verdict == "rewritten"
            direct += rewritten
            if not looks_english(text):
                skipped += 1
                continue
            masked, other, _ = mask_non_english(text)
            checked += det.score(masked).verdict == "rewritten" if other else rewritten
        rows[lang] = {
            "n": len(texts),
            "rewritten_direct": direct,
            "rewritten_audit": checked,
            "skipped": skipped,
        }
        print(lang, rows[lang], file=sys.stderr)
    n = sum(r["n"] for r in rows.values())
    total = {
        k: sum(r[k] for r in rows.values())
        for k in ("rewritten_direct", "rewritten_audit", "skipped")
    }
    lines = [
        "## Non-English text",
        "",
        f"`python -m benchmarks.non_english --per-language {args.per_language}` with model `{det.model_name}`: "
        f"{n} documents of 8 WMT22 source lines.",
        "",
        "| language | documents | called rewritten when scored directly | skipped by the audit | called rewritten through the audit |",
        "|---|---|---|---|---|",
    ]
    for lang, r in rows.items():
        lines.append(
            f"| {lang} | {r['n']} | {r['rewritten_direct'] / r['n']:.1%} | {r['skipped'] / r['n']:.1%} | "
            f"{r['rewritten_audit'] / r['n']:.1%} |"
        )
    lines.append(
        f"| all | {n} | {total['rewritten_direct'] / n:.1%} | {total['skipped'] / n:.1%} | "
        f"{total['rewritten_audit'] / n:.1%} |"
    )
    lines += ["", f"Took {time.perf_counter() - t0:.0f} s."]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "non_english.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (args.out / "non_english.json").write_text(
        json.dumps({"per_language": rows, "total": total, "n": n}, indent=2) + "\n",
        encoding="utf-8",
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
