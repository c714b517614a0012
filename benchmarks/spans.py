"""Span recall against clean flags, per family and per source, as a curve over the span
tagger's threshold, with the three sensitivities (``--sensitivity``) marked on it.

    python -m benchmarks.spans [--split test] [--limit N] [--out benchmarks/results/spans]

Every document is analysed once (rule detectors, token features, tagger probabilities);
each point of the curve only re-cuts the tagger's spans at other thresholds
(:func:`mtdetect.tagger.spans.tag_spans`), so the points differ in nothing else. The rule
detectors' spans are the same at every point. Non-prose spans are not counted.

Held-out sets, each read only from text nothing was trained or tuned on:

* **clean prose** of every register (the tables' ``test`` split, and the native English of
  WMT22): flags per 1,000 words, per register;
* **round trips** of ``test`` text through Apertium: the training pivots (Spanish, Catalan,
  Galician and a chain) and Serbo-Croatian, an engine nothing was trained on. Gold spans are
  the aligned edits (:mod:`training.align`: a changed or inserted run of words, or the word
  after a dropped one). Recall: the share of edits a span overlaps; precision: the share of
  spans that overlap an edit. Alignment has no family, so the recall is over all families;
* **unlisted published tortured phrases** (the held-out fifth of the list) in neutral carrier
  sentences (:data:`benchmarks.detectors._CARRIERS`): recall, and how often the expected
  phrase is flagged in the same sentence;
* **MQM zh-en newstest2021**: expert error tags of real neural MT, word recall and precision;
* **hand-annotated spans** (``benchmarks/data/hand_spans.jsonl``: real round-trip sentences,
  every artifact marked by hand with its family; see ``benchmarks/data/README.md``): recall per
  family (any span overlapping, and a span of the same family), and the flags on the same
  sentences before the round trip;
* **synthetic rewrites** (our own generator, last: a figure on it predicts little about real
  tools): recall per family, the one source with a gold family for every edit.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from benchmarks.detectors import (
    _WORD_RE,
    _overlaps,
    clean_texts,
    detokenise,
    edit_labels,
    mqm_rows,
    tortured_carriers,
)
from mtdetect.result import Span

#: Thresholds of the curve (one for every token; the named sensitivities use the tagger's
#: own pair of thresholds, general and explained).
GRID = (0.99, 0.98, 0.96, 0.94, 0.92, 0.9, 0.87, 0.84, 0.8, 0.75, 0.7, 0.6, 0.5)


@dataclass
class Point:
    """One operating point: a name and the thresholds it applies."""

    name: str
    general: float
    explained: float


@dataclass
class Tally:
    """Counts of one set at every point."""

    words: int = 0
    flags: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_family: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    gold: int = 0
    hit: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    gold_family: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    hit_family: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    spans_right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # (strength, right) of every span, per point
    strengths: dict[str, list[tuple[float, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    rule_strengths: dict[str, list[tuple[float, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    same_family: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    # word-tag agreement (MQM): flagged BAD words, flagged words, BAD words
    tp: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    flagged_words: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    bad_words: int = 0


def points_of(detector) -> list[Point]:
    """The named sensitivities, then the grid."""
    from mtdetect.tagger.spans import SENSITIVITIES

    model = detector.tagger.model
    named = [Point(s, *model.point(s)) for s in SENSITIVITIES]
    # the tagger's own threshold: the spans the classifier reads (no user sees these)
    named.append(Point(CLASSIFIER_POINT, *model.point()))
    return named + [Point(f"t={t:g}", t, t) for t in GRID]


#: The name of the row of the tagger's own threshold.
CLASSIFIER_POINT = "classifier's threshold"


class Shown(NamedTuple):
    """A span as a user sees it, and whether the span tagger made it (else a rule)."""

    span: Span
    tagger: bool


def spans_at_points(detector, text: str, points: Sequence[Point]) -> dict[str, list[Shown]]:
    """The document's spans (non-prose left out) at every point, from one analysis, grouped
    and clipped to their sentences as a user gets them. The three sensitivities are what
    :meth:`~mtdetect.pipeline.MTDetector.score` shows (in a document the classifier calls
    rewritten, its own points for such documents); the other rows are the tagger alone at
    one threshold, with the rules and the default's document passes."""
    from mtdetect.pipeline import assign_spans
    from mtdetect.tagger.spans import SENSITIVITIES, explained

    sentences, ruled_all, tagged_own, tokens = detector.find(text)
    ruled = [sp for sp in ruled_all if sp.family != "non-prose"]
    if tokens is None or not len(tokens.view):
        return {p.name: [Shown(sp, False) for sp in ruled] for p in points}
    read = assign_spans(sentences, ruled_all + tagged_own)  # what the classifier reads
    _, piece = detector.scorer.score_piece(text, sentences, read, tokens)
    rewritten = detector.reads_rewritten(piece.score)
    exp = explained(tokens.X)
    out: dict[str, list[Shown]] = {}
    for p in points:
        if p.name in SENSITIVITIES:
            tagged, fixed = detector.tagger.shown_parts(tokens, p.name, rewritten)
        else:
            thr = np.where(exp, p.explained, p.general)
            tagged, fixed = detector.tagger.shown_parts(tokens, "default", thresholds=thr)
        mine = {(sp.start, sp.family) for sp in tagged}
        groups = assign_spans(sentences, ruled + tagged + fixed)
        out[p.name] = [Shown(sp, (sp.start, sp.family) in mine) for g in groups for sp in g]
    return out


def tally_gold(
    tally: Tally,
    spans: dict[str, list[Shown]],
    gold: Sequence[tuple[int, int, str]],
    words: int,
) -> None:
    """Add one document with gold spans ``(start, end, family or '')``."""
    tally.words += words
    tally.gold += len(gold)
    for _, _, fam in gold:
        if fam:
            tally.gold_family[fam] += 1
    for name, shown in spans.items():
        sps = [x.span for x in shown]
        tally.flags[name] += len(sps)
        for sp, from_tagger in shown:
            tally.by_family[name][sp.family] += 1
            right = any(_overlaps(sp.start, sp.end, s, e) for s, e, _ in gold)
            tally.spans_right[name] += right
            # rule strengths are fixed per rule, the tagger's measured: kept apart
            (tally.strengths if from_tagger else tally.rule_strengths)[name].append(
                (sp.strength, right)
            )
        for s, e, fam in gold:
            if any(_overlaps(sp.start, sp.end, s, e) for sp in sps):
                tally.hit[name] += 1
                if fam:
                    tally.hit_family[name][fam] += 1


def tally_words(
    tally: Tally, spans: dict[str, list[Shown]], offsets: Sequence[tuple[int, int]], bad: list[bool]
) -> None:
    """Add one sentence with word tags (True: a human marked the word as an error)."""
    tally.words += len(offsets)
    tally.bad_words += sum(bad)
    for name, shown in spans.items():
        sps = [x.span for x in shown]
        tally.flags[name] += len(sps)
        for (s, e), b in zip(offsets, bad, strict=True):
            if any(_overlaps(sp.start, sp.end, s, e) for sp in sps):
                tally.flagged_words[name] += 1
                tally.tp[name] += b


# --- sets ----------------------------------------------------------------------------------


def run_clean(detector, points, split: str, limit: int, log) -> dict[str, Tally]:
    """Clean prose: one tally per register."""
    out: dict[str, Tally] = defaultdict(Tally)
    texts = clean_texts(split, limit)
    for k, (register, text) in enumerate(texts):
        spans = spans_at_points(detector, text, points)
        tally_gold(out[register], spans, [], len(_WORD_RE.findall(text)))
        if k % 200 == 0:
            log(f"  clean {k:,}/{len(texts):,}")
    return dict(out)


def run_roundtrips(detector, points, split: str, limit: int, log) -> dict[str, Tally]:
    """Round trips of held-out text with their aligned edits: one tally per pivot."""
    from training.roundtrip import EVAL_PIVOTS, PIVOTS, default_out, read_blocks
    from training.tagger_data import block_docs

    out: dict[str, Tally] = {}
    for pivot in [*PIVOTS, *EVAL_PIVOTS]:
        path = default_out() / f"{pivot}.{split}.jsonl.gz"
        if not path.exists():
            log(f"  {path} missing: round trips through {pivot} skipped")
            continue
        tally = Tally()
        for k, block in enumerate(read_blocks(path)):
            if k >= limit:
                break
            _, rt = block_docs(block)
            text = "\n\n".join(rt.segments)
            gold = [(s, e, "") for s, e, _ in rt.edits]
            spans = spans_at_points(detector, text, points)
            tally_gold(tally, spans, gold, len(_WORD_RE.findall(text)))
        out[pivot] = tally
        log(f"  round trips {pivot}: {tally.gold:,} edits in {tally.words:,} words")
    return out


def run_tortured(detector, points, split: str) -> tuple[Tally, Tally] | None:
    """Held-out tortured phrases in carriers (gold: the phrase) and the expected phrases in
    the same carriers (gold: none; their flags are false)."""
    carriers = tortured_carriers(split)
    if carriers is None:
        return None
    tortured, expected = Tally(), Tally()
    for tortured_phrase, exp_phrase, carrier in carriers:
        for phrase, tally in ((tortured_phrase, tortured), (exp_phrase, expected)):
            text = carrier.format(phrase)
            start = text.index(phrase)
            gold = (
                [(start, start + len(phrase), "synonym-substitution")] if tally is tortured else []
            )
            spans = spans_at_points(detector, text, points)
            if tally is expected:  # only flags on the expected phrase itself count
                spans = {
                    k: [
                        x
                        for x in v
                        if _overlaps(x.span.start, x.span.end, start, start + len(phrase))
                    ]
                    for k, v in spans.items()
                }
            tally_gold(tally, spans, gold, len(_WORD_RE.findall(phrase)))
    return tortured, expected


def run_mqm(detector, points, limit: int) -> Tally | None:
    """MQM zh-en newstest2021 expert word tags of neural MT (human references left out)."""
    rows = mqm_rows(limit)
    if rows is None:
        return None
    tally = Tally()
    for toks, word_tags in rows:
        if not toks:
            continue
        text, offsets = detokenise(toks)
        spans = spans_at_points(detector, text, points)
        tally_words(tally, spans, offsets, [t == "BAD" for t in word_tags])
    return tally


HAND_SPANS = Path(__file__).parent / "data" / "hand_spans.jsonl"


def run_hand(detector, points, path: Path = HAND_SPANS) -> tuple[Tally, Tally] | None:
    """The hand-annotated round-trip sentences (gold: the marked spans and families) and
    their originals (gold: none)."""
    if not path.exists():
        return None
    rewritten, originals = Tally(), Tally()
    for line in path.read_text("utf-8").splitlines():
        rec = json.loads(line)
        gold = [(sp["start"], sp["end"], sp["family"]) for sp in rec["spans"]]
        spans = spans_at_points(detector, rec["text"], points)
        tally_gold(rewritten, spans, gold, len(_WORD_RE.findall(rec["text"])))
        for name, shown in spans.items():  # a span of the marked family on a marked span
            for s, e, fam in gold:
                if any(x.span.family == fam and _overlaps(x.span.start, x.span.end, s, e)
                       for x in shown):  # fmt: skip
                    rewritten.same_family[name][fam] += 1
        orig = spans_at_points(detector, rec["original"], points)
        tally_gold(originals, orig, [], len(_WORD_RE.findall(rec["original"])))
    return rewritten, originals


def run_synthetic(detector, points, split: str, limit: int) -> Tally:
    """Our own generator's rewrites of held-out sentences, every edit with its family."""
    from benchmarks.detectors import synthetic_records

    tally = Tally()
    for rec in synthetic_records(split, limit, seed=0):
        text = rec["rewritten"]
        gold = edit_labels(rec)
        spans = spans_at_points(detector, text, points)
        tally_gold(tally, spans, gold, len(_WORD_RE.findall(text)))
    return tally


# --- report --------------------------------------------------------------------------------


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(float(x), nd)


def summarise(sets: dict[str, Any], points: Sequence[Point]) -> dict[str, Any]:
    """Per point: clean flags per 1,000 words per register (and their maximum), recall and
    precision per positive set, recall per family where the gold has one."""
    rows = []
    for p in points:
        row: dict[str, Any] = {"point": p.name, "threshold": p.general,
                               "threshold_explained": p.explained}  # fmt: skip
        clean = {
            reg: _r(1000 * t.flags[p.name] / t.words, 2)
            for reg, t in sets["clean"].items()
            if t.words
        }
        words = sum(t.words for t in sets["clean"].values())
        row["clean_flags_per_1000"] = clean
        row["clean_flags_per_1000_all"] = _r(
            1000 * sum(t.flags[p.name] for t in sets["clean"].values()) / max(words, 1), 2
        )
        row["clean_flags_per_1000_max"] = max(clean.values()) if clean else None
        for pivot, t in sets.get("roundtrips", {}).items():
            row[f"roundtrip:{pivot}"] = {
                "recall": _r(t.hit[p.name] / t.gold) if t.gold else None,
                "precision": _r(t.spans_right[p.name] / t.flags[p.name])
                if t.flags[p.name]
                else None,
                "flags_per_1000": _r(1000 * t.flags[p.name] / t.words, 2),
            }
        if sets.get("tortured"):
            tort, exp = sets["tortured"]
            row["tortured"] = {
                "recall": _r(tort.hit[p.name] / tort.gold) if tort.gold else None,
                "expected_flagged": _r(exp.flags[p.name] / max(tort.gold, 1)),
            }
        if sets.get("mqm"):
            t = sets["mqm"]
            row["mqm_words"] = {
                "recall": _r(t.tp[p.name] / t.bad_words) if t.bad_words else None,
                "precision": _r(t.tp[p.name] / t.flagged_words[p.name])
                if t.flagged_words[p.name]
                else None,
            }
        if sets.get("hand"):
            t, orig = sets["hand"]
            row["hand"] = {
                "recall": _r(t.hit[p.name] / t.gold) if t.gold else None,
                "precision": _r(t.spans_right[p.name] / t.flags[p.name])
                if t.flags[p.name]
                else None,
                "originals_flags_per_1000": _r(1000 * orig.flags[p.name] / orig.words, 2),
                "recall_by_family": {
                    fam: _r(t.hit_family[p.name][fam] / n)
                    for fam, n in sorted(t.gold_family.items())
                },
                "recall_same_family": {
                    fam: _r(t.same_family[p.name][fam] / n)
                    for fam, n in sorted(t.gold_family.items())
                },
            }
        if sets.get("synthetic"):
            t = sets["synthetic"]
            row["synthetic_recall_by_family"] = {
                fam: _r(t.hit_family[p.name][fam] / n) for fam, n in sorted(t.gold_family.items())
            }
        rows.append(row)
    return {"points": rows}


def reliability(sets: dict[str, Any], name: str, rules: bool = False) -> list[dict[str, Any]]:
    """Stated strength against the share of spans right, per band, for the spans shown at
    point ``name`` on clean prose and on every round trip, the two weighing half each (by
    words): a span on clean text is always wrong, one on a round trip right when it overlaps
    an aligned edit. ``rules``: the rule detectors' spans instead of the tagger's."""
    clean = [t for t in sets["clean"].values()]
    rts = list(sets.get("roundtrips", {}).values())
    w_clean = sum(t.words for t in rts) / max(sum(t.words for t in clean), 1)
    key = "rule_strengths" if rules else "strengths"
    rows = [(s, r, 1.0) for t in rts for s, r in getattr(t, key)[name]]
    rows += [(s, False, w_clean) for t in clean for s, _ in getattr(t, key)[name]]
    out = []
    for lo in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        band = [(s, r, w) for s, r, w in rows if lo <= s < lo + 0.1 or (lo == 0.9 and s == 1.0)]
        if len(band) < 10:
            continue
        wt = sum(w for _, _, w in band)
        out.append({
            "band": f"{lo:.1f}-{lo + 0.1:.1f}",
            "spans": len(band),
            "stated": _r(sum(s * w for s, _, w in band) / wt),
            "right": _r(sum(w for _, r, w in band if r) / wt),
        })  # fmt: skip
    return out


def markdown(res: dict[str, Any]) -> str:
    rows = res["points"]
    pivots = [k.split(":", 1)[1] for k in rows[0] if k.startswith("roundtrip:")]
    lines = [
        f"# Span recall against clean flags ({res['split']} split)",
        "",
        f"Written by `python -m benchmarks.spans` in {res['seconds']} s. Clean text: "
        f"{res['clean_words']:,} words; round trips: {res['roundtrip_words']:,} words. "
        "Rows: the three sensitivities (`--sensitivity`), then one threshold for every token. "
        "Flags per 1,000 clean words: all registers together, and the worst register. "
        "Round trips: the share of aligned edits a span overlaps (precision: the share of "
        "spans that overlap an edit). Tortured: unlisted published phrases found, and the "
        "expected phrase flagged instead. MQM: expert-tagged error words flagged.",
        "",
        "| point | clean /1k | worst register /1k | "
        + " | ".join(f"{p} recall (precision)" for p in pivots)
        + " | tortured (expected flagged) | MQM words recall (precision) |",
        "|---|---:|---:|" + "---:|" * len(pivots) + "---:|---:|",
    ]
    for row in rows:
        cells = [
            f"**{row['point']}**" if not row["point"].startswith("t=") else row["point"],
            f"{row['clean_flags_per_1000_all']:.2f}",
            f"{row['clean_flags_per_1000_max']:.2f}",
        ]
        for p in pivots:
            v = row[f"roundtrip:{p}"]
            cells.append(f"{v['recall']:.3f} ({_fmt(v['precision'])})")
        t = row.get("tortured") or {}
        cells.append(f"{_fmt(t.get('recall'))} ({_fmt(t.get('expected_flagged'))})")
        m = row.get("mqm_words") or {}
        cells.append(f"{_fmt(m.get('recall'))} ({_fmt(m.get('precision'))})")
        lines.append("| " + " | ".join(cells) + " |")
    regs = sorted(rows[0]["clean_flags_per_1000"])
    lines += ["", "Clean flags per 1,000 words by register:", "",
              "| point | " + " | ".join(regs) + " |", "|---|" + "---:|" * len(regs)]  # fmt: skip
    for row in rows:
        lines.append(
            f"| {row['point']} | "
            + " | ".join(f"{row['clean_flags_per_1000'][r]:.2f}" for r in regs)
            + " |"
        )
    hand = rows[0].get("hand")
    if hand:
        hf = list(hand["recall_by_family"])
        lines += ["", "Hand-annotated round-trip sentences (`benchmarks/data/hand_spans.jsonl`): "
                  "recall per family, any span family counting (a span of the marked family in "
                  "brackets); the last columns: recall over all spans, the share of spans that "
                  "overlap a marked one, and flags per 1,000 words of the same sentences before "
                  "the round trip.", "",
                  "| point | " + " | ".join(hf) + " | all | precision | originals /1k |",
                  "|---|" + "---:|" * (len(hf) + 3)]  # fmt: skip
        for row in rows:
            h = row["hand"]
            cells = [f"{_fmt(h['recall_by_family'][f])} ({_fmt(h['recall_same_family'][f])})"
                     for f in hf]  # fmt: skip
            lines.append(f"| {row['point']} | " + " | ".join(cells)
                         + f" | {_fmt(h['recall'])} | {_fmt(h['precision'])} | "
                         f"{h['originals_flags_per_1000']:.2f} |")  # fmt: skip
    rel = res.get("reliability") or {}
    if rel:
        lines += ["", "Strength against precision: the span tagger's spans shown at each point on "
                  "clean prose and on the round trips, the two weighing half each by words (a "
                  "span on clean text is wrong; on a round trip right when it overlaps an "
                  "aligned edit). Rule spans are left out: their strengths are fixed per rule.",
                  "", "| sensitivity | strength band | spans | mean strength | share right |",
                  "|---|---|---:|---:|---:|"]  # fmt: skip
        for name, bands in rel.items():
            for b in bands:
                lines.append(f"| {name} | {b['band']} | {b['spans']:,} | {b['stated']:.3f} | "
                             f"{b['right']:.3f} |")  # fmt: skip
        lines += ["", "The rule detectors' spans in the same mix (fixed strengths, the same at "
                  "every sensitivity):", "", "| strength band | spans | mean strength | "
                  "share right |", "|---|---:|---:|---:|"]  # fmt: skip
        for b in res.get("rule_reliability") or []:
            lines.append(f"| {b['band']} | {b['spans']:,} | {b['stated']:.3f} | {b['right']:.3f} |")
    fams = sorted(rows[0].get("synthetic_recall_by_family") or {})
    if fams:
        lines += ["", "Synthetic rewrites (our own generator; the only set with a gold family "
                  "for every edit): recall per family, any span family counting:", "",
                  "| point | " + " | ".join(fams) + " |", "|---|" + "---:|" * len(fams)]  # fmt: skip
        for row in rows:
            rec = row["synthetic_recall_by_family"]
            lines.append(f"| {row['point']} | " + " | ".join(_fmt(rec[f]) for f in fams) + " |")
    return "\n".join(lines) + "\n"


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def plot(res: dict[str, Any], path: Path) -> None:
    """Recall on each positive set against clean flags per 1,000 words, one line per set, the
    sensitivities marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = res["points"]
    grid = [r for r in rows if r["point"].startswith("t=")]
    named = [r for r in rows if not r["point"].startswith("t=") and r["point"] != CLASSIFIER_POINT]
    fig, ax = plt.subplots(figsize=(8.5, 4.5))
    series = [k for k in rows[0] if k.startswith("roundtrip:")]
    for key in [*series, "hand", "tortured", "mqm_words"]:
        if key not in rows[0]:
            continue
        xs = [r["clean_flags_per_1000_all"] for r in grid]
        ys = [r[key]["recall"] or 0 for r in grid]
        (line,) = ax.plot(xs, ys, marker=".", label=key.replace("roundtrip:", "round trip "))
        ax.scatter(
            [r["clean_flags_per_1000_all"] for r in named],
            [r[key]["recall"] or 0 for r in named],
            color=line.get_color(),
            marker="s",
            zorder=3,
        )
    for r in named:
        ax.axvline(r["clean_flags_per_1000_all"], color="0.8", lw=0.8, zorder=0)
        ax.annotate(r["point"], (r["clean_flags_per_1000_all"], 0.98), fontsize=8,
                    rotation=90, va="top", ha="right", color="0.4")  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("flags per 1,000 words of clean text (all registers)")
    ax.set_ylabel("recall")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_title("Span recall against clean flags (squares: the sensitivities)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def update_card(card_path: Path, res: dict[str, Any]) -> None:
    """Write the sensitivities' rows (and the command behind them) into a model card."""
    card = json.loads(card_path.read_text("utf-8"))
    named = [r for r in res["points"] if not r["point"].startswith("t=")]
    card["span_sensitivities"] = {
        "command": "python -m benchmarks.spans",
        "split": res["split"],
        "clean_words": res["clean_words"],
        "threshold_in_documents_called_rewritten": res.get("rewritten_points", {}),
        "points": named,
    }
    card_path.write_text(json.dumps(card, indent=2) + "\n", "utf-8")


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="test", choices=("dev", "test"))
    ap.add_argument("--limit", type=int, default=150, help="documents per clean source")
    ap.add_argument("--blocks", type=int, default=300, help="round-trip blocks per pivot")
    ap.add_argument("--mqm", type=int, default=1200, help="MQM sentences")
    ap.add_argument("--synthetic", type=int, default=1500, help="synthetic sentences per source")
    ap.add_argument("--out", default="benchmarks/results/spans")
    ap.add_argument("--card", default=None, help="also write the sensitivities into this card")
    args = ap.parse_args(list(argv) if argv is not None else None)

    import mtdetect

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    t0 = time.time()
    detector = mtdetect.load()
    if detector.tagger is None:
        print("the span tagger is not installed: nothing to measure", file=sys.stderr)
        return 2
    points = points_of(detector)
    sets: dict[str, Any] = {}
    log("clean prose")
    sets["clean"] = run_clean(detector, points, args.split, args.limit, log)
    log("round trips")
    sets["roundtrips"] = run_roundtrips(detector, points, args.split, args.blocks, log)
    log("tortured phrases")
    sets["tortured"] = run_tortured(detector, points, args.split)
    log("MQM")
    sets["mqm"] = run_mqm(detector, points, args.mqm)
    log("hand-annotated spans")
    sets["hand"] = run_hand(detector, points)
    log("synthetic rewrites")
    sets["synthetic"] = run_synthetic(detector, points, args.split, args.synthetic)
    res = summarise(sets, points)
    res["reliability"] = {p.name: reliability(sets, p.name) for p in points[:3]}
    res["rule_reliability"] = reliability(sets, points[1].name, rules=True)
    res |= {
        "split": args.split,
        "seconds": round(time.time() - t0),
        "clean_words": sum(t.words for t in sets["clean"].values()),
        "roundtrip_words": sum(t.words for t in sets["roundtrips"].values()),
        "model": detector.model_name,
        # the named sensitivities' thresholds in pieces the classifier calls rewritten
        "rewritten_points": dict(detector.tagger.model.rewritten_points),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "spans.json").write_text(json.dumps(res, indent=1) + "\n", "utf-8")
    (out / "spans.md").write_text(markdown(res), "utf-8")
    try:
        plot(res, out / "curve.png")
    except ImportError:
        log("matplotlib missing: no curve.png")
    if args.card:
        update_card(Path(args.card), res)
    log(f"wrote {out}/spans.md in {res['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
