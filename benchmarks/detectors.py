"""Span accuracy: false flags on clean prose of every register, flags on round trips through
a real MT engine against their originals, unlisted published tortured phrases, agreement with
human error tags of real machine translation (MQM, MLQE-PE), and, last, recall on synthetic
rewrites made by our own generator.

    python -m benchmarks.detectors [--split dev|test] [--limit N] [--out benchmarks/results]

Every part reads held-out data only: the ``dev``/``test`` documents of the clean corpora
(never counted into the tables), the round trips of those documents
(``python -m training.roundtrip``), the held-out fifth of the tortured-phrase list (never
compiled into the matcher or the thesaurus), MQM zh-en newstest2021 and MLQE-PE dev/test.
Parts whose data are absent are skipped.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import mtdetect
from mtdetect.result import FAMILIES
from training.corpora import clean_sample as clean_texts
from training.corpora import data_dir


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


# --- synthetic rewrites ----------------------------------------------------------------


def synthetic_records(split: str, limit: int, seed: int) -> list[dict[str, Any]]:
    """Synthetic rewrites of held-out clean sentences (made now, deterministic)."""
    from training.make_synthetic import synthesize
    from training.rewriter import SYNTH_FAMILIES, RewriteConfig, default_thesaurus

    config = RewriteConfig.only(SYNTH_FAMILIES, scale=1.0, seed=seed)
    thesaurus = default_thesaurus(None)
    out: list[dict[str, Any]] = []
    for source in ("reuters", "bbc"):
        out.extend(synthesize(split, config, thesaurus, sources=[source], limit=limit))
    return out


def edit_labels(rec: dict[str, Any]) -> list[tuple[int, int, str]]:
    """A synthetic record's edits as ``(start, end, family)`` of the words to flag."""
    return [
        (e.get("label_start", e["start"]), e.get("label_end", e["end"]), e["family"])
        for e in rec["edits"]
    ]


def eval_synthetic(detector, records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    edits_total: Counter[str] = Counter()
    hit_any: Counter[str] = Counter()
    hit_family: Counter[str] = Counter()
    spans_total: Counter[str] = Counter()
    spans_true: Counter[str] = Counter()
    n_sent = 0
    for rec in records:
        text = rec["rewritten"]
        n_sent += 1
        _, groups = detector.detect(text)
        spans = [sp for g in groups for sp in g if sp.family != "non-prose"]
        labels = edit_labels(rec)
        for ls, le, fam in labels:
            edits_total[fam] += 1
            over = [sp for sp in spans if _overlaps(sp.start, sp.end, ls, le)]
            if over:
                hit_any[fam] += 1
            if any(sp.family == fam for sp in over):
                hit_family[fam] += 1
        for sp in spans:
            spans_total[sp.family] += 1
            if any(_overlaps(sp.start, sp.end, ls, le) for ls, le, _ in labels):
                spans_true[sp.family] += 1
    fams = {}
    for fam in FAMILIES:
        if fam == "non-prose":
            continue
        n = edits_total[fam]
        s = spans_total[fam]
        fams[fam] = {
            "edits": n,
            "recall_any_family": hit_any[fam] / n if n else None,
            "recall_same_family": hit_family[fam] / n if n else None,
            "spans": s,
            "precision": spans_true[fam] / s if s else None,
        }
    all_s = sum(spans_total.values())
    return {
        "sentences": n_sent,
        "families": fams,
        "precision_all": sum(spans_true.values()) / all_s if all_s else None,
    }


# --- clean prose -------------------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W\d_]+")


def eval_roundtrip(detector, split: str, limit: int) -> dict[str, Any] | None:
    """Flags per 1,000 words on round trips of held-out text and on their originals."""
    from training.roundtrip import PIVOTS, default_out, read_blocks

    res: dict[str, Any] = {}
    base = default_out()
    orig_words = orig_flags = 0
    seen: set[str] = set()
    for pivot in PIVOTS:
        path = base / f"{pivot}.{split}.jsonl.gz"
        if not path.exists():
            continue
        words = flags = 0
        for k, block in enumerate(read_blocks(path)):
            if k >= limit:
                break
            for text, is_orig in (
                ("\n\n".join(block.rt or []), False),
                ("\n\n".join(block.orig), True),
            ):
                if is_orig and block.id in seen:
                    continue
                _, groups = detector.detect(text)
                n = sum(1 for g in groups for sp in g if sp.family != "non-prose")
                w = len(_WORD_RE.findall(text))
                if is_orig:
                    seen.add(block.id)
                    orig_words += w
                    orig_flags += n
                else:
                    words += w
                    flags += n
        if words:
            res[pivot] = {"words": words, "flags_per_1000_words": 1000 * flags / words}
    if not res or not orig_words:
        return None
    base_rate = 1000 * orig_flags / orig_words
    res["originals"] = {"words": orig_words, "flags_per_1000_words": base_rate}
    for pivot, v in res.items():
        if pivot != "originals":
            v["ratio_to_originals"] = v["flags_per_1000_words"] / base_rate if base_rate else None
    return res


def eval_clean(detector, texts: list[tuple[str, str]]) -> dict[str, Any]:
    words = 0
    sentences = 0
    flagged_sentences = 0
    by_family: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    per_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for source, text in texts:
        sents, groups = detector.detect(text)
        w = len(_WORD_RE.findall(text))
        words += w
        per_source[source][0] += w
        sentences += len(sents)
        for g in groups:
            lex = [sp for sp in g if sp.family != "non-prose"]
            if lex:
                flagged_sentences += 1
            for sp in lex:
                by_family[sp.family] += 1
                per_source[source][1] += 1
                if len(examples[sp.family]) < 12:
                    examples[sp.family].append(f"{sp.text!r} -> {sp.suggestion!r}")
    total = sum(by_family.values())
    return {
        "words": words,
        "sentences": sentences,
        "flags_per_1000_words": 1000 * total / words if words else None,
        "share_sentences_flagged": flagged_sentences / sentences if sentences else None,
        "flags_per_1000_words_by_family": {f: 1000 * c / words for f, c in by_family.most_common()},
        "flags_per_1000_words_by_source": {
            s: 1000 * v[1] / v[0] for s, v in per_source.items() if v[0]
        },
        "examples": dict(examples),
    }


# --- unlisted published tortured phrases -------------------------------------------------

# Neutral carrier sentences, written for this benchmark.
_CARRIERS = (
    "In this study, the {} was examined in detail.",
    "Recent work on {} has grown quickly over the last decade.",
    "The authors describe how {} can be applied to the problem.",
    "We compare several methods based on {} in the next section.",
    "Their results show that {} improves the final outcome.",
)
_PHRASE_RE = re.compile(r'^"([^"]+)"$')


def tortured_carriers(split: str) -> list[tuple[str, str, str]] | None:
    """The held-out tortured phrases that can stand in a sentence as they are, each with its
    expected phrase and a carrier sentence (``{}`` where the phrase goes; seeded), or None
    without the list."""
    try:
        from training.build_tortured import heldout_rows

        rows = list(heldout_rows(split=split))
    except (ImportError, OSError):
        return None
    rng = random.Random(7)
    out = []
    for row in rows:
        m = _PHRASE_RE.match(row.tortured_phrase.strip())
        expected = row.expected_phrase.split("(")[0].split(" see ")[0].strip().rstrip("?")
        if not m or not expected or "*" in m.group(1):
            continue  # only plain phrases can be placed in a sentence as they are
        out.append((m.group(1), expected, rng.choice(_CARRIERS)))
    return out


def eval_tortured(detector, split: str) -> dict[str, Any] | None:
    carriers = tortured_carriers(split)
    if carriers is None:
        return None
    hits = flagged_expected = n = 0
    missed: list[str] = []
    found: list[str] = []
    for tortured, expected, carrier in carriers:
        for phrase, is_tortured in ((tortured, True), (expected, False)):
            text = carrier.format(phrase)
            start = text.index(phrase)
            end = start + len(phrase)
            _, groups = detector.detect(text)
            hit = any(
                _overlaps(sp.start, sp.end, start, end)
                for g in groups
                for sp in g
                if sp.family != "non-prose"
            )
            if is_tortured:
                n += 1
                hits += hit
                (found if hit else missed).append(tortured)
            else:
                flagged_expected += hit
    if not n:
        return None
    return {
        "phrases": n,
        "recall": hits / n,
        "expected_phrases_flagged": flagged_expected / n,
        "examples_found": found[:15],
        "examples_missed": missed[:15],
    }


# --- MLQE-PE word tags ---------------------------------------------------------------------

_NO_SPACE_BEFORE = {".", ",", ";", ":", "!", "?", ")", "]", "'s", "n't", "%", "'"}
_NO_SPACE_AFTER = {"(", "["}


def detokenise(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Join MLQE-PE's space-separated tokens as prose, keeping each token's offsets."""
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    pos = 0
    prev = None
    for tok in tokens:
        if parts and tok not in _NO_SPACE_BEFORE and prev not in _NO_SPACE_AFTER:
            parts.append(" ")
            pos += 1
        offsets.append((pos, pos + len(tok)))
        parts.append(tok)
        pos += len(tok)
        prev = tok
    return "".join(parts), offsets


def _word_agreement(detector, rows: Iterable[tuple[list[str], list[str]]]) -> dict[str, Any] | None:
    """Agreement of flagged words with human OK/BAD word tags, over (tokens, tags) rows."""
    tp = fp = fn = 0
    n_sent = 0
    for toks, word_tags in rows:
        text, offs = detokenise(toks)
        _, groups = detector.detect(text)
        spans = [sp for g in groups for sp in g if sp.family != "non-prose"]
        n_sent += 1
        for (s, e), tag in zip(offs, word_tags, strict=True):
            flagged = any(_overlaps(sp.start, sp.end, s, e) for sp in spans)
            bad = tag == "BAD"
            tp += flagged and bad
            fp += flagged and not bad
            fn += (not flagged) and bad
    if not n_sent:
        return None
    return {
        "sentences": n_sent,
        "word_precision": tp / (tp + fp) if tp + fp else None,
        "word_recall": tp / (tp + fn) if tp + fn else None,
        "flagged_words": tp + fp,
    }


def eval_mlqe(detector, split: str, limit: int) -> dict[str, Any] | None:
    """Word agreement with MLQE-PE's word-level tags of real MT into English."""
    base = data_dir() / "mt" / "mlqe_pe_toen" / "extracted"
    if not base.exists():
        return None

    def rows():
        for pair in ("et-en", "ne-en", "ro-en", "ru-en", "si-en"):
            stem = "test20" if split == "test" else split  # MLQE-PE's test files are test20.*
            folder = base / f"post-editing.{pair}-{split}" / f"{pair}-{stem}"
            mt_path, tags_path = folder / f"{stem}.mt", folder / f"{stem}.tags"
            if not (mt_path.exists() and tags_path.exists()):
                continue
            mts = mt_path.read_text(encoding="utf-8").splitlines()
            tags = tags_path.read_text(encoding="utf-8").splitlines()
            for mt, tag_line in list(zip(mts, tags, strict=False))[:limit]:
                toks = mt.split()
                word_tags = tag_line.split()[1::2]
                if len(word_tags) == len(toks):
                    yield toks, word_tags

    return _word_agreement(detector, rows())


def mqm_rows(limit: int) -> list[tuple[list[str], list[str]]] | None:
    """(tokens, OK/BAD tags) of the first ``limit`` MQM zh-en newstest2021 sentences
    (machine translation only: the human references rated as systems are left out), or None
    without the data."""
    import tarfile

    path = data_dir() / "mt" / "mqm_zhen_2020_2021" / "zh-en-train-2021-news.tar.gz"
    if not path.exists():
        return None
    with tarfile.open(path) as tar:

        def read(name: str) -> list[str]:
            member = next(
                m for m in tar.getmembers() if m.name.endswith(name) and "/._" not in m.name
            )
            return tar.extractfile(member).read().decode("utf-8").splitlines()

        mts = read("mqm_zhen_updated.mt")
        tags = read("mqm_zhen_updated.word_level.tags")
    out = []
    for mt, tag_line in list(zip(mts, tags, strict=False))[:limit]:
        toks = mt.split()
        if toks and toks[-1] == "<EOS>":
            toks = toks[:-1]
        word_tags = tag_line.split()[: len(toks)]
        if len(word_tags) == len(toks):
            out.append((toks, word_tags))
    return out


def eval_mqm(detector, limit: int) -> dict[str, Any] | None:
    """Word agreement with MQM expert error tags (zh-en newstest2021, machine translation
    only: the human references rated as systems are left out)."""
    rows = mqm_rows(limit)
    return None if rows is None else _word_agreement(detector, rows)


# --- report ------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def markdown(res: dict[str, Any]) -> str:
    lines = [f"## Span accuracy ({res['split']} split)", ""]
    clean = res.get("clean")
    if clean:
        lines += [
            f"Clean prose ({clean['words']:,} words, {clean['sentences']:,} sentences): "
            f"**{clean['flags_per_1000_words']:.2f} flags per 1,000 words**, "
            f"{clean['share_sentences_flagged']:.1%} of sentences with a flag "
            "(non-prose flags not counted).",
            "",
            "| register | flags per 1,000 words |",
            "|---|---|",
        ]
        for src, v in sorted(clean["flags_per_1000_words_by_source"].items()):
            lines.append(f"| {src} | {v:.2f} |")
        lines += ["", "| family | flags per 1,000 clean words |", "|---|---|"]
        for fam, v in clean["flags_per_1000_words_by_family"].items():
            lines.append(f"| {fam} | {v:.3f} |")
        lines.append("")
    rt = res.get("roundtrip")
    if rt:
        lines += [
            "Round trips of held-out text through Apertium against the same text before the "
            "round trip:",
            "",
            "| text | words | flags per 1,000 words | ratio to originals |",
            "|---|---|---|---|",
        ]
        for k, v in rt.items():
            ratio = v.get("ratio_to_originals")
            lines.append(
                f"| {k} | {v['words']:,} | {v['flags_per_1000_words']:.2f} | "
                f"{'' if ratio is None else f'{ratio:.1f}x'} |"
            )
        lines.append("")
    tort = res.get("tortured")
    if tort:
        lines += [
            f"Unlisted published tortured phrases ({tort['phrases']} held-out phrases in "
            f"neutral sentences): recall **{tort['recall']:.2f}**; the expected phrase "
            f"flagged in {tort['expected_phrases_flagged']:.1%} of the same sentences.",
            "",
        ]
    for key, name in (("mqm", "MQM zh-en newstest2021 expert error tags"),
                      ("mlqe", "MLQE-PE human BAD tags")):  # fmt: skip
        m = res.get(key)
        if m:
            lines += [
                f"{name} ({m['sentences']:,} sentences of real MT): flagged words: precision "
                f"{_pct(m['word_precision'])}, recall {_pct(m['word_recall'])}.",
                "",
            ]
    syn = res.get("synthetic")
    if syn:
        lines += [
            f"Synthetic rewrites (our own generator; {syn['sentences']:,} held-out sentences; "
            "an edit counts as found when a span overlaps it):",
            "",
            "| family | edits | recall (any family) | recall (same family) | precision |",
            "|---|---|---|---|---|",
        ]
        for fam, v in syn["families"].items():
            lines.append(
                f"| {fam} | {v['edits']} | {_pct(v['recall_any_family'])} | "
                f"{_pct(v['recall_same_family'])} | {_pct(v['precision'])} |"
            )
        lines.append("")
    lines.append(f"Took {res['seconds']:.0f} s.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", default="dev", choices=["dev", "test"])
    ap.add_argument("--limit", type=int, default=300, help="documents per source")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--parts",
        nargs="*",
        default=["clean", "roundtrip", "tortured", "mqm", "mlqe", "synthetic"],
    )
    ap.add_argument("--out", type=Path, default=None, help="write JSON and Markdown here")
    args = ap.parse_args(argv)
    if not data_dir().exists():
        print("shared data folder not found: nothing to measure", file=sys.stderr)
        return 0
    detector = mtdetect.load()
    t0 = time.time()
    res: dict[str, Any] = {"split": args.split}
    if "clean" in args.parts:
        res["clean"] = eval_clean(detector, clean_texts(args.split, args.limit))
    if "roundtrip" in args.parts:
        res["roundtrip"] = eval_roundtrip(detector, args.split, args.limit)
    if "tortured" in args.parts:
        res["tortured"] = eval_tortured(detector, args.split)
    if "mqm" in args.parts:
        res["mqm"] = eval_mqm(detector, args.limit * 4)
    if "mlqe" in args.parts:
        res["mlqe"] = eval_mlqe(detector, args.split, args.limit * 4)
    if "synthetic" in args.parts:
        res["synthetic"] = eval_synthetic(
            detector, synthetic_records(args.split, args.limit * 5, args.seed)
        )
    res["seconds"] = time.time() - t0
    md = markdown(res)
    print(md)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"detectors_{args.split}.json").write_text(json.dumps(res, indent=1))
        (args.out / f"detectors_{args.split}.md").write_text(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
