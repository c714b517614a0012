"""An audit's summary: counts by status and verdict, duplicate ids, and its text form."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtdetect.audit.progress import _pct


@dataclass
class AuditSummary:
    """What an audit run did: totals over all shards, and where the output is."""

    output: Path
    shards: int
    shards_run: int
    stats: dict[str, Any]
    seconds: float
    report: Path | None = None

    @property
    def records(self) -> int:
        return self.stats["records"]


def duplicate_ids(stats: dict[str, Any]) -> int:
    """About how many records of an audit share their id with another (0 when that is within
    the sketch's error: under 2 records or 3% of the ids)."""
    from mtdetect.audit.writers import IdSketch

    ids = int(stats.get("ids", 0))
    if ids < 2 or not stats.get("id_sketch"):
        return 0
    dup = ids - round(IdSketch(stats["id_sketch"]).distinct())
    return dup if dup >= max(2, 0.03 * ids) else 0


def format_summary(summary: AuditSummary) -> str:
    """A few lines for the terminal: counts by status, a score histogram with the verdict
    thresholds, families, the breakdown by source (and URL host), errors."""
    st = summary.stats
    lines = [
        f"audited {st['records']:,} records in {summary.shards} shard(s) "
        f"({summary.shards_run} run now) in {summary.seconds:.1f}s -> {summary.output}",
        "status: " + ", ".join(f"{k} {v:,}" for k, v in st["status"].items()),
    ]
    if st.get("blank_lines"):
        lines.append(f"blank lines (not records, no rows): {st['blank_lines']:,}")
    if st["verdicts"]:
        lines.append(
            "verdicts: " + ", ".join(f"{k} {v:,}" for k, v in sorted(st["verdicts"].items()))
        )
    if st.get("kept") or st.get("rejected"):
        lines.append(f"split: kept {st['kept']:,}, rejected {st['rejected']:,}")
    hist = st["histogram"]
    th = st.get("thresholds") or {}
    if any(hist):
        marks = {k: v for k, v in th.items() if k in ("suspect", "rewritten")}
        lines.append(
            "scores:" + "".join(f"  ({k} from {v:.3g})" for k, v in sorted(marks.items(),
                                                                         key=lambda kv: kv[1]))
        )  # fmt: skip
        top = max(hist)
        n = len(hist)
        for i in range(0, n, 2):  # 10 rows of two bins each keep it short
            c = hist[i] + (hist[i + 1] if i + 1 < n else 0)
            bar = "#" * (round(30 * c / (2 * top)) if c else 0)
            lo, hi = i / n, (i + 2) / n
            tag = "".join(f" <- {k} {v:.3g}" for k, v in marks.items() if lo <= v < hi)
            lines.append(f"  {lo:.1f}-{hi:.1f} {c:>9,} {bar}{tag}")
    dup = st.get("duplicate_ids", 0)
    if dup:
        lines.append(
            f"warning: about {dup:,} of {st['ids']:,} records share their id with another "
            "record (duplicate ids; estimated from a sketch of the ids)"
        )
    markers = st.get("mt_markers") or {}
    if markers:
        shown = ", ".join(f"{k} {v:,}" for k, v in sorted(markers.items(), key=lambda kv: -kv[1]))
        lines.append(f"pages that say they are machine-translated: {sum(markers.values()):,} "
                     f"({shown}; column mt_marker)")  # fmt: skip
    if st["families"]:
        lines.append("top families (spans / documents):")
        for fam, n in list(st["families"].items())[:5]:
            lines.append(f"  {fam:<22} {n:>9,} / {st['family_docs'].get(fam, 0):,}")
    for key, title in (("by_source", "by input"), ("by_host", "by URL host")):
        table = st.get(key) or {}
        if len(table) < 2 and key == "by_source":
            continue
        if not table:
            continue
        lines.append(f"{title} (records, ok, skipped, error, rewritten, mean score):")
        for name, c in list(table.items())[:10]:
            mean = f"{c['score_sum'] / c['ok']:.3f}" if c["ok"] else "-"
            lines.append(
                f"  {name[-48:]:<48} {c['records']:>8,} {c['ok']:>8,} {c['skipped']:>7,} "
                f"{c['error']:>7,} {_pct(c['rewritten'], c['ok']):>6} {mean:>6}"
            )
        if len(table) > 10:
            lines.append(f"  ... {len(table) - 10:,} more (all in _summary.json and the report)")
    if st["error_reasons"]:
        lines.append(
            "errors: " + ", ".join(f"{k} {v:,}" for k, v in sorted(st["error_reasons"].items()))
        )
        for e in st["errors"][:5]:
            lines.append(f"  {e['source']} @ {e['position']}: {e['reason']}")
    if st["skip_reasons"]:
        lines.append(
            "skipped: " + ", ".join(f"{k} {v:,}" for k, v in sorted(st["skip_reasons"].items()))
        )
    if summary.report is not None:
        lines.append(f"report: {summary.report}")
    return "\n".join(lines)
